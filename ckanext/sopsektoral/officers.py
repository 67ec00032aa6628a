"""Diskominfo officers: who holds which position, on which day.

A position is held by a CKAN user for a period (Officer). A position other
than the statistics staff's has one definitive holder at a time; an acting
holder (Plt. or Plh.) may overlap with the definitive one. Assigning and
revoking are logged in the event log like every other change of the SOP.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.sopsektoral import events, sop
from ckanext.sopsektoral.access import Actor
from ckanext.sopsektoral.model import Officer
from ckanext.sopsektoral.model.base import utcnow


def in_force(day: dt.date) -> list[Any]:
    """SQL conditions: the assignment is in force on ``day`` (not revoked, within its period)."""
    return [
        Officer.revoked.is_(None),
        Officer.valid_from <= day,
        sa.or_(Officer.valid_until.is_(None), Officer.valid_until >= day),
    ]


def assignments(position: str | None = None, user_id: str | None = None,
                day: dt.date | None = None) -> list[Officer]:
    """Assignments of ``position`` and of ``user_id`` (either optional) in force
    on ``day``, or all of them, past and future ones too, when ``day`` is None;
    in the SOP's order of positions, then by start."""
    stmt = sa.select(Officer).order_by(Officer.position, Officer.valid_from)
    if position:
        stmt = stmt.where(Officer.position == position)
    if user_id:
        stmt = stmt.where(Officer.user_id == user_id)
    if day is not None:
        stmt = stmt.where(*in_force(day))
    officers = list(model.Session.execute(stmt).scalars())
    order = {p: i for i, p in enumerate(sop.current().position_keys)}
    # Positions of an earlier SOP file (kept for the history) come last.
    officers.sort(key=lambda o: (order.get(o.position, len(order)), o.position, o.valid_from))
    return officers


def holders(positions: set[str], day: dt.date | None = None) -> list[str]:
    """Ids of the users holding any of ``positions`` on ``day`` (today by default)."""
    if not positions:
        return []
    return list(model.Session.execute(
        sa.select(Officer.user_id).where(Officer.position.in_(positions), *in_force(day or utcnow().date()))
        .distinct()
    ).scalars())


def has_single_holder(position: str) -> bool:
    """Whether the position has one definitive holder at a time (the SOP file's ``holders: one``)."""
    found = sop.current().position(position)
    return found is None or not found.several


def definitive_holder_between(position: str, start: dt.date, end: dt.date | None) -> Officer | None:
    """A definitive (not acting, not revoked) assignment of ``position`` that
    overlaps the days from ``start`` to ``end`` (open-ended when None)."""
    return model.Session.execute(
        sa.select(Officer).where(
            Officer.position == position,
            Officer.acting.is_(None),
            Officer.revoked.is_(None),
            sa.or_(Officer.valid_until.is_(None), Officer.valid_until >= start),
            *([Officer.valid_from <= end] if end else []),
        )
    ).scalars().first()


def assign(user: model.User, position: str, actor: Actor, *, acting: str | None = None,
           valid_from: dt.date, valid_until: dt.date | None = None, nip: str | None = None,
           rank: str | None = None) -> Officer:
    """Give ``user`` the position for a period and log it; a second definitive
    holder of a single-holder position is a ValidationError on ``position``.
    The caller commits."""
    if has_single_holder(position) and not acting:
        clash = definitive_holder_between(position, valid_from, valid_until)
        if clash is not None:
            holder = model.User.get(clash.user_id)
            raise tk.ValidationError({"position": [
                tk._("{user} holds this position from {start}; end or revoke that assignment first").format(
                    user=holder.name if holder else clash.user_id, start=clash.valid_from.isoformat())
            ]})
    officer = Officer(
        user_id=user.id, position=position, acting=acting, valid_from=valid_from,
        valid_until=valid_until, nip=nip, rank=rank, created_by=actor.user_id,
    )
    model.Session.add(officer)
    model.Session.flush()
    events.append_event(
        model.Session, action="officer_assign", actor=actor,
        note=f"{user.name}: {officer.position}{' (' + acting + ')' if acting else ''} "
             f"{valid_from.isoformat()}..{valid_until.isoformat() if valid_until else ''}",
    )
    return officer


def get(officer_id: str) -> Officer:
    officer = model.Session.get(Officer, officer_id)
    if officer is None:
        raise tk.ObjectNotFound(tk._("Position assignment not found"))
    return officer


def revoke(officer: Officer, actor: Actor) -> None:
    """End the assignment now and log it; revoking twice is a ValidationError
    on ``id``. The caller commits."""
    if officer.revoked is not None:
        raise tk.ValidationError({"id": [tk._("This assignment was already revoked")]})
    officer.revoked = utcnow()
    officer.revoked_by = actor.user_id
    events.append_event(
        model.Session, action="officer_revoke", actor=actor,
        note=f"{officer.user_id}: {officer.position}",
    )
