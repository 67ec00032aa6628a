"""Turning the extension's model objects into the dicts the actions return."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.sopsektoral import access, events, series, sop
from ckanext.sopsektoral.items.deadlines import verification_opened_at
from ckanext.sopsektoral.items.queries import dictize_items
from ckanext.sopsektoral.items.sending import send_stalled
from ckanext.sopsektoral.letters.labels import state_label, transition_label
from ckanext.sopsektoral.model import DaftarData, Event, Letter, LetterItem, Officer
from ckanext.sopsektoral.model.base import iso, utcnow


def org_titles(ids: set[str]) -> dict[str, str]:
    """Titles of these organizations, by id."""
    if not ids:
        return {}
    return dict(model.Session.execute(
        sa.select(model.Group.id, model.Group.title).where(model.Group.id.in_(ids))
    ).all())


def position_label(position: str | None) -> str | None:
    """The label of a position; other actors (``sysadmin``, none) as they are."""
    return sop.position_label(position) if position else position


# ---------------------------------------------------------------- officers

def officer_dict(officer: Officer, users: dict[str, model.User] | None = None) -> dict[str, Any]:
    """The assignment with ``user_name``, ``user_fullname``, ``position_label``
    and ``current`` (in force today); ``users`` by id saves a query per officer."""
    out = officer.dictize()
    user = (users or {}).get(officer.user_id) or model.User.get(officer.user_id)
    out["user_name"] = user.name if user else None
    out["user_fullname"] = (user.fullname or user.name) if user else None
    out["position_label"] = sop.position_label(officer.position)
    out["current"] = officer.holds_on(utcnow().date())
    return out


def officer_list_dict(officers: list[Officer]) -> list[dict[str, Any]]:
    """Assignments as ``officer_dict``, their users looked up at once."""
    users = {u.id: u for u in model.Session.execute(
        sa.select(model.User).where(model.User.id.in_({o.user_id for o in officers}))
    ).scalars()} if officers else {}
    return [officer_dict(o, users) for o in officers]


# ---------------------------------------------------------------- Daftar Data

def daftar_data_list_dict(entries: list[DaftarData]) -> list[dict[str, Any]]:
    """Entries with ``organization_title`` and ``requested_by`` (the letter
    holding an open request of the entry, or None), newest year first."""
    titles = org_titles({e.owner_org for e in entries})
    held = series.holders(e.id for e in entries)
    results = [dict(e.dictize(titles), requested_by=held[e.id].as_dict() if e.id in held else None)
               for e in entries]
    results.sort(key=lambda e: (-e["year"], e["organization_title"] or "", e["title"]))
    return results


def daftar_data_dict(entry: DaftarData) -> dict[str, Any]:
    """One entry, as ``daftar_data_list_dict`` gives it."""
    return daftar_data_list_dict([entry])[0]


# ---------------------------------------------------------------- letters and events

def letter_dict(context: dict[str, Any], letter: Letter, with_items: bool = True) -> dict[str, Any]:
    """The letter with its state, deadline, the official fields, its sending
    progress and what the context's user may do to it now; ``with_items``
    adds the items per OPD, ``content_hash`` and the approvals."""
    now = utcnow()
    step = sop.current().waiting_on(letter.state)
    deadline = step.deadline(letter.state_since) if step else None
    executor = step.executor if step else None
    creator = model.User.get(letter.created_by)
    out: dict[str, Any] = {
        "id": letter.id,
        "state": letter.state,
        "state_label": state_label(letter.state),
        "state_since": iso(letter.state_since),
        "deadline": iso(deadline),
        "overdue": bool(deadline and now > deadline),
        "awaiting_position": executor,
        "awaiting_position_label": sop.position_label(executor) if executor else None,
        "data_year": letter.data_year,
        "subject": letter.subject,
        "body": letter.body,
        "sifat": letter.sifat,
        "lampiran": letter.lampiran,
        "tembusan": list(letter.tembusan or []),
        "number": letter.number,
        "letter_date": iso(letter.letter_date),
        "revision": letter.revision,
        "created": iso(letter.created),
        "created_by": creator.name if creator else letter.created_by,
        "modified": iso(letter.modified),
        "available_actions": access.principal(context).letter_actions(letter),
        "send_state": letter.send_state,
        "send_total": letter.send_total,
        "send_done": letter.send_done,
        "send_error": letter.send_error,
        "send_stalled": send_stalled(letter),
        "sent_at": iso(letter.sent_at),
        "verification_opened_at": iso(verification_opened_at(letter)),
    }
    if with_items:
        items = events.items_of(model.Session, letter.id)
        titles = org_titles({i.owner_org for i in items})
        by_org: dict[str, dict[str, Any]] = {}
        for item in items:
            group = by_org.setdefault(item.owner_org, {
                "owner_org": item.owner_org,
                "organization_title": titles.get(item.owner_org),
                "items": [],
            })
            group["items"].append({"id": item.id, "daftar_data_id": item.daftar_data_id, "title": item.title})
        out["organizations"] = sorted(by_org.values(), key=lambda g: g["organization_title"] or "")
        out["item_count"] = len(items)
        out["content_hash"] = events.content_hash(model.Session, letter)
        out["approvals"] = approvals(letter)
    return out


def approvals(letter: Letter) -> list[dict[str, Any]]:
    """The initials and the signature of the letter's current round: a
    submission, a return, a withdrawal or an edit starts a new round."""
    events = list(model.Session.execute(
        sa.select(Event).where(Event.letter_id == letter.id).order_by(Event.seq)
    ).scalars())
    current: list[dict[str, Any]] = []
    for event in events:
        if event.action in ("submit", "return", "withdraw", "update"):
            current = []
        if event.action in ("initial", "sign"):  # the approval transitions that do not return
            user = model.User.get(event.actor_id) if event.actor_id else None
            current.append({
                "action": event.action,
                "position": event.position,
                "position_label": position_label(event.position),
                "acting": event.acting,
                "user_name": event.actor_name,
                "user_fullname": (user.fullname or user.name) if user else event.actor_name,
                "time": iso(event.created),
            })
    return current


def event_dict(event: Event) -> dict[str, Any]:
    """An entry of the event log with ``action_label`` and ``position_label``."""
    entry = event.dictize()
    entry["action_label"] = transition_label(event.action)
    entry["position_label"] = position_label(event.position)
    return entry


# ---------------------------------------------------------------- data items

def item_dicts(context: dict[str, Any], item_ids: Iterable[str]) -> list[dict[str, Any]]:
    """The requested data items, as ``sopsektoral_item_list`` gives them to
    the context's user; ObjectNotFound for one that is not (or no longer) requested."""
    return [item_dict(context, item_id) for item_id in item_ids]


def item_dict(context: dict[str, Any], item_id: str) -> dict[str, Any]:
    """One requested data item (see ``item_dicts``)."""
    row = model.Session.execute(
        sa.select(LetterItem, Letter).join(Letter, Letter.id == LetterItem.letter_id)
        .where(LetterItem.id == item_id, LetterItem.state.isnot(None))
    ).first()
    if row is None:
        raise tk.ObjectNotFound(tk._("Data item not found"))
    return dictize_items(context, [row])[0]
