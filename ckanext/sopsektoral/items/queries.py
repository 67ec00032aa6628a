"""Listing data items as dicts: what the queue, the workbench and the item
actions show, in a fixed number of queries whatever the number of items.

Diskominfo officers and sysadmins see every OPD's items; an OPD operator sees
only the items asked of their own OPDs.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from ckan import model

from ckanext.sopsektoral import access, series, sop
from ckanext.sopsektoral.items.deadlines import opened_at, step_deadline
from ckanext.sopsektoral.items.states import REQUESTED, RETURNED, SUBMITTED, item_state_label
from ckanext.sopsektoral.model import Letter, LetterItem
from ckanext.sopsektoral.model.base import iso, utcnow


def _closes_subquery() -> Any:
    """Each letter's end of collection (its latest item deadline), as a table
    to join: a correlated subquery would be evaluated once per item listed."""
    return (
        sa.select(LetterItem.letter_id.label("letter_id"),
                  sa.func.max(LetterItem.deadline).label("closes"))
        .group_by(LetterItem.letter_id).subquery("sopsektoral_closes")
    )


def _deadline_expression(now: dt.datetime, closes: Any) -> Any:
    """SQL for the deadline of the item's current step (see item_deadline);
    ``closes`` is the column of :func:`_closes_subquery`, joined."""
    opened = sa.func.coalesce(Letter.all_submitted_at, sa.case((closes < now, closes)))
    verify_time = sa.literal(sop.current().verification.standard_time, sa.Interval())
    return sa.case(
        (LetterItem.state == REQUESTED, LetterItem.deadline),
        (LetterItem.state == RETURNED, LetterItem.correction_deadline),
        (LetterItem.state == SUBMITTED, opened + verify_time),
    )


def query_items(context: dict[str, Any], filters: dict[str, Any]) -> tuple[int, list[dict[str, Any]]]:
    """Items matching ``filters`` that the context's user may see, as dicts, in a
    fixed number of queries whatever the number of items."""
    principal = access.principal(context)
    now = utcnow()
    conditions: list[Any] = [LetterItem.state.isnot(None)]
    if not principal.sees_every_opd():
        conditions.append(LetterItem.owner_org.in_(set(principal.organizations()) or {""}))
    if filters.get("owner_org"):
        conditions.append(LetterItem.owner_org == filters["owner_org"])
    if filters.get("letter_id"):
        conditions.append(LetterItem.letter_id == filters["letter_id"])
    if filters.get("year"):
        conditions.append(Letter.data_year == filters["year"])
    if filters.get("state"):
        conditions.append(LetterItem.state.in_(filters["state"]))
    closes = _closes_subquery()
    current_deadline = _deadline_expression(now, closes.c.closes)
    if filters.get("overdue"):
        conditions.append(current_deadline < now)
    if filters.get("claimed_by"):
        conditions.append(LetterItem.claimed_by == filters["claimed_by"])
    if filters.get("unclaimed"):
        conditions.append(LetterItem.claimed_by.is_(None))
    if filters.get("q"):
        conditions.append(LetterItem.title.ilike(f"%{filters['q']}%"))
    if filters.get("dataset_id"):
        conditions.append(LetterItem.dataset_id == filters["dataset_id"])
    base = (
        sa.select(LetterItem, Letter).join(Letter, Letter.id == LetterItem.letter_id)
        .outerjoin(closes, closes.c.letter_id == LetterItem.letter_id).where(*conditions)
    )
    count = model.Session.execute(
        sa.select(sa.func.count()).select_from(base.subquery())
    ).scalar_one()
    order = {
        "deadline": [current_deadline.asc().nulls_last(), LetterItem.title],
        "submitted": [LetterItem.submitted_at.asc().nulls_last(), LetterItem.title],
        "organization": [
            sa.select(model.Group.title).where(model.Group.id == LetterItem.owner_org)
            .correlate(LetterItem).scalar_subquery(),
            LetterItem.title,
        ],
        "title": [LetterItem.title],
        "state": [LetterItem.state, current_deadline.asc().nulls_last()],
    }[filters.get("sort") or "deadline"]
    # The id last: pages stay disjoint and complete when many items tie (exports page through all).
    rows = model.Session.execute(
        base.order_by(*order, LetterItem.id).limit(filters.get("limit", 50)).offset(filters.get("offset", 0))
    ).all()
    return count, dictize_items(context, rows)


def dictize_items(context: dict[str, Any], rows: list[Any]) -> list[dict[str, Any]]:
    """Items with their letter, OPD, dataset and people, in a fixed number of queries."""
    if not rows:
        return []
    items = [r[0] for r in rows]
    letters = {r[1].id: r[1] for r in rows}
    orgs = dict(model.Session.execute(sa.select(model.Group.id, model.Group.title).where(
        model.Group.id.in_({i.owner_org for i in items}))).all())
    packages = {p.id: p for p in model.Session.execute(sa.select(
        model.Package.id, model.Package.name, model.Package.private, model.Package.title).where(
        model.Package.id.in_({i.dataset_id for i in items if i.dataset_id}))).all()}
    user_ids = {u for i in items for u in (i.submitted_by, i.verified_by, i.claimed_by) if u}
    users = dict(model.Session.execute(sa.select(model.User.id, model.User.name).where(
        model.User.id.in_(user_ids))).all()) if user_ids else {}
    closes = dict(model.Session.execute(
        sa.select(LetterItem.letter_id, sa.func.max(LetterItem.deadline))
        .where(LetterItem.letter_id.in_(letters)).group_by(LetterItem.letter_id)).all())
    principal = access.principal(context)
    current = series.current_item_ids(i.dataset_id for i in items)
    newer_letters = dict(model.Session.execute(
        sa.select(LetterItem.id, Letter.number).join(Letter, Letter.id == LetterItem.letter_id)
        .where(LetterItem.id.in_(set(current.values())))).all()) if current else {}
    now = utcnow()
    out = []
    for item in items:
        is_current = current.get(item.dataset_id, item.id) == item.id
        letter = letters[item.letter_id]
        opened = opened_at(letter.all_submitted_at, closes.get(letter.id), now)
        verify_deadline = step_deadline(SUBMITTED, None, None, opened)
        deadline = step_deadline(item.state, item.deadline, item.correction_deadline, opened)
        pkg = packages.get(item.dataset_id)
        out.append({
            "id": item.id,
            "letter_id": letter.id,
            "letter_number": letter.number,
            "letter_subject": letter.subject,
            "data_year": letter.data_year,
            "owner_org": item.owner_org,
            "organization_title": orgs.get(item.owner_org),
            "title": item.title,
            "daftar_data_id": item.daftar_data_id,
            "dataset_id": item.dataset_id,
            "dataset_name": pkg.name if pkg else None,
            "dataset_private": pkg.private if pkg else None,
            "state": item.state,
            "state_label": item_state_label(item.state),
            "deadline": iso(deadline),
            "overdue": bool(deadline and now > deadline),
            "collection_deadline": iso(item.deadline),
            "submitted_at": iso(item.submitted_at),
            "submitted_by": users.get(item.submitted_by),
            "returned_at": iso(item.returned_at),
            "return_reason": item.return_reason,
            "correction_deadline": iso(item.correction_deadline),
            "claimed_by": users.get(item.claimed_by),
            "claimed_at": iso(item.claimed_at),
            "verified_at": iso(item.verified_at),
            "verified_by": users.get(item.verified_by),
            "published": bool(item.published_at),
            "published_at": iso(item.published_at),
            "verification_opened_at": iso(opened),
            "verification_deadline": iso(verify_deadline),
            "checklist": item.checklist or {},
            "current": is_current,
            "superseded_by_letter_number": None if is_current else (
                newer_letters.get(current.get(item.dataset_id)) or ""),
            "requested_at": iso(item.requested_at),
            "available_actions": principal.item_actions(item, bool(opened)) if is_current else [],
        })
    return out
