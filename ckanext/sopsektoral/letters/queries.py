"""Finding request letters: by id, and the filtered lists of the letter pages and the API.

OPD members see only the letters signed or sent to their OPD; Diskominfo
officers and sysadmins see every letter.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.sopsektoral import access, sop
from ckanext.sopsektoral.model import Letter, LetterItem
from ckanext.sopsektoral.model.base import utcnow


def get(letter_id: str) -> Letter:
    letter = model.Session.get(Letter, letter_id)
    if letter is None:
        raise tk.ObjectNotFound(tk._("Request letter not found"))
    return letter


def lock(letter_id: str) -> Letter:
    """Load the letter with its row locked until the transaction ends (transitions check the
    state they change under this lock)."""
    letter = model.Session.execute(
        sa.select(Letter).where(Letter.id == letter_id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if letter is None:
        raise tk.ObjectNotFound(tk._("Request letter not found"))
    return letter


def _asking_of(org_ids: Any) -> Any:
    """SQL condition: the letter asks something of one of these OPDs."""
    return Letter.id.in_(sa.select(LetterItem.letter_id).where(LetterItem.owner_org.in_(org_ids)))


def _waiting_states() -> list[str]:
    """The states in which a letter waits on the executors of a step: draft and the chain's."""
    return [sop.DRAFT, *sop.current().approval_states]


def awaiting(principal: access.Principal) -> list[Any]:
    """SQL conditions: the letter waits on a position the principal holds: at the step it waits
    on, or signed and waiting to be sent; and nobody approves their own draft."""
    current = sop.current()
    held = principal.positions
    states = [s for s in _waiting_states() if held & set(current.waiting_on(s).executors)]
    if held & set(current.sending.executors):
        states.append(sop.SIGNED)  # a signed letter waits on whoever sends it
    conditions = [Letter.state.in_(states or [""])]
    if principal.user is not None and held & current.holders_of("approve"):
        # Nobody approves a letter they drafted: their own letters wait on them only as drafts.
        conditions.append(sa.or_(Letter.state == sop.DRAFT, Letter.created_by != principal.user.id))
    return conditions


def overdue() -> Any:
    """SQL condition: the letter is past its state's deadline (the standard time of the step it waits on)."""
    now = utcnow()
    current = sop.current()
    return sa.or_(*[
        sa.and_(Letter.state == state, Letter.state_since < now - current.waiting_on(state).standard_time)
        for state in _waiting_states()
    ])


def find(context: dict[str, Any], filters: dict[str, Any]) -> tuple[int, list[Letter]]:
    """How many letters match ``filters`` among those the context's user may
    see, and one page of them, the last modified first. ``filters``: ``state``,
    ``year``, ``q`` (words in subject or number), ``owner_org`` (an
    organization id), ``awaiting_me``, ``overdue``, ``limit``, ``offset``."""
    conditions: list[Any] = []
    if filters.get("state"):
        conditions.append(Letter.state.in_(filters["state"]))
    if filters.get("year"):
        conditions.append(Letter.data_year == filters["year"])
    if filters.get("q"):
        pattern = f"%{filters['q']}%"
        conditions.append(sa.or_(Letter.subject.ilike(pattern), Letter.number.ilike(pattern)))
    if filters.get("owner_org"):
        conditions.append(_asking_of([filters["owner_org"]]))
    principal = access.principal(context)
    if not principal.sees_every_opd():
        conditions.append(Letter.state.in_([sop.SIGNED, sop.SENT]))
        conditions.append(_asking_of(set(principal.organizations()) or {""}))
    if filters.get("awaiting_me"):
        conditions += awaiting(principal)
    if filters.get("overdue"):
        conditions.append(overdue())
    count = model.Session.execute(
        sa.select(sa.func.count()).select_from(Letter).where(*conditions)
    ).scalar_one()
    letters = list(model.Session.execute(
        sa.select(Letter).where(*conditions).order_by(Letter.modified.desc(), Letter.id)
        .limit(filters["limit"]).offset(filters["offset"])
    ).scalars())
    return count, letters


def item_counts(letter_ids: list[str]) -> dict[str, tuple[int, int]]:
    """Per letter: how many data items it asks for, and of how many OPDs."""
    if not letter_ids:
        return {}
    return {
        row.letter_id: (row.items, row.orgs)
        for row in model.Session.execute(
            sa.select(
                LetterItem.letter_id,
                sa.func.count().label("items"),
                sa.func.count(sa.distinct(LetterItem.owner_org)).label("orgs"),
            ).where(LetterItem.letter_id.in_(letter_ids)).group_by(LetterItem.letter_id)
        )
    }
