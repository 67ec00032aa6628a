"""Drafting a request letter (SOP step 1): its text and the Daftar Data entries it asks for.

Only a draft can be edited; a letter returned by an approver is a draft
again. Each edit counts a new revision and is logged.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.sopsektoral import access, events, series, sop
from ckanext.sopsektoral.letters import transitions
from ckanext.sopsektoral.model import DaftarData, Letter, LetterItem
from ckanext.sopsektoral.model.base import utcnow

# What the drafter writes (``items`` apart), as the letter's columns.
FIELDS = ("subject", "body", "sifat", "lampiran", "tembusan", "data_year")


def set_items(letter: Letter, entry_ids: list[str]) -> None:
    """Make the letter ask for exactly these Daftar Data entries: entries of
    its data year, not deleted, that no other letter holds (ValidationError on
    ``items``). The entries' rows are locked, so that an entry deleted at the
    same moment is either refused here or kept by this letter."""
    entries = list(model.Session.execute(
        sa.select(DaftarData).where(DaftarData.id.in_(entry_ids), DaftarData.deleted.is_(None))
        .order_by(DaftarData.id).with_for_update()
    ).scalars()) if entry_ids else []
    found = {e.id for e in entries}
    unknown = [i for i in entry_ids if i not in found]
    if unknown:
        raise tk.ValidationError({"items": [
            tk._("Not in the Daftar Data: {ids}").format(ids=", ".join(unknown))]})
    wrong_year = [e.title for e in entries if e.year != letter.data_year]
    if wrong_year:
        raise tk.ValidationError({"items": [
            tk._("Not in the Daftar Data of {year}: {titles}").format(
                year=letter.data_year, titles="; ".join(wrong_year))]})
    series.require_free(letter, found, adding=True)
    model.Session.execute(sa.delete(LetterItem).where(LetterItem.letter_id == letter.id))
    for entry in entries:
        model.Session.add(LetterItem(
            letter_id=letter.id, daftar_data_id=entry.id, owner_org=entry.owner_org, title=entry.title,
        ))
    model.Session.flush()


def create(context: dict[str, Any], data: dict[str, Any]) -> Letter:
    """A new draft from validated ``data`` (letter_create's schema), logged;
    the caller commits."""
    actor = access.principal(context).actor(sop.current().drafting.executors)
    now = utcnow()
    letter = Letter(
        state=sop.DRAFT, state_since=now, data_year=data["data_year"], subject=data["subject"],
        body=data["body"], sifat=data["sifat"], lampiran=data["lampiran"], tembusan=data["tembusan"],
        revision=1, created=now, modified=now, created_by=actor.user_id,
    )
    model.Session.add(letter)
    model.Session.flush()
    set_items(letter, data["items"])
    events.append_event(model.Session, action="create", actor=actor, letter=letter, to_state=sop.DRAFT)
    return letter


def update(context: dict[str, Any], letter: Letter, data: dict[str, Any]) -> None:
    """Change the fields of the locked draft that ``data`` (letter_update's
    schema) gives, count a revision, log it; the caller commits. A new data
    year checks the letter's entries again."""
    transitions.check_turn(context, letter, "update")
    for field in FIELDS:
        if field in data:
            setattr(letter, field, data[field])
    if "items" in data:
        set_items(letter, data["items"])
    elif "data_year" in data:
        set_items(letter, [i.daftar_data_id for i in events.items_of(model.Session, letter.id)])
    letter.revision += 1
    letter.modified = utcnow()
    actor = access.principal(context).actor(sop.current().drafting.executors)
    events.append_event(
        model.Session, action="update", actor=actor, letter=letter,
        from_state=sop.DRAFT, to_state=sop.DRAFT,
    )
