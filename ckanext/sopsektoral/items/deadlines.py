"""When an item's current step is due, and when verification of a letter's items opens.

Collection is due at the item's deadline, a correction at its correction
deadline; verification is due the verification step's standard time after it
opened: once every item of the letter was submitted, or once the collection
window (the latest item deadline) closed, whichever came first (SOP step 6).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ckan import model

from ckanext.sopsektoral import sop
from ckanext.sopsektoral.items.states import REQUESTED, RETURNED, SUBMITTED
from ckanext.sopsektoral.model import Letter, LetterItem
from ckanext.sopsektoral.model.base import utcnow


def step_deadline(state: str | None, deadline: dt.datetime | None, correction_deadline: dt.datetime | None,
                  verification_opened: dt.datetime | None) -> dt.datetime | None:
    """When an item in ``state`` is due: collection, correction or verification."""
    if state == REQUESTED:
        return deadline
    if state == RETURNED:
        return correction_deadline
    if state == SUBMITTED and verification_opened is not None:
        return verification_opened + sop.current().verification.standard_time
    return None


def opened_at(all_submitted_at: dt.datetime | None, closes: dt.datetime | None,
              now: dt.datetime | None = None) -> dt.datetime | None:
    """When verification opened, from the letter's dates (see verification_opened_at)."""
    if all_submitted_at is not None:
        return all_submitted_at
    return closes if closes and (now or utcnow()) > closes else None


def item_deadline(item: LetterItem) -> dt.datetime | None:
    """When the item's current step is due."""
    opened = None
    if item.state == SUBMITTED:
        opened = verification_opened_at(model.Session.get(Letter, item.letter_id))  # identity map
    return step_deadline(item.state, item.deadline, item.correction_deadline, opened)


def is_overdue(item: LetterItem, now: dt.datetime | None = None) -> bool:
    deadline = item_deadline(item)
    return bool(deadline and (now or utcnow()) > deadline)


def collection_closes(letter: Letter) -> dt.datetime | None:
    """The end of the collection window: the latest item deadline."""
    if letter.sent_at is None:
        return None
    return model.Session.execute(
        sa.select(sa.func.max(LetterItem.deadline)).where(LetterItem.letter_id == letter.id)
    ).scalar()


def verification_opened_at(letter: Letter | None) -> dt.datetime | None:
    """When verification of the letter's items opened: once all were submitted,
    or when the collection window closed, whichever came first (SOP step 6)."""
    if letter is None or letter.sent_at is None:
        return None
    if letter.all_submitted_at is not None:
        return letter.all_submitted_at
    return opened_at(None, collection_closes(letter))
