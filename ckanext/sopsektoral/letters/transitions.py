"""Moving a request letter from one state to the next: the one implementation,
used by the transition actions and by the job that sends a letter.

A transition runs with the letter's row locked (queries.lock), so the
state it checks is the state it changes: of concurrent attempts at the same
transition one succeeds and the others get a ValidationError naming the
letter's new state. It checks the user's position and turn, moves the state,
appends one entry to the event log, gives the letter its number when it is
signed, and writes the notifications the transition causes, all in one
transaction; the notifications are handed to a worker once it commits.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.sopsektoral import access, events, notify, series, sop
from ckanext.sopsektoral.letters import numbering, pdf
from ckanext.sopsektoral.model import Letter
from ckanext.sopsektoral.model.base import utcnow


def check_turn(context: dict[str, Any], letter: Letter, name: str) -> str:
    """The state transition ``name`` leads the locked letter to, if the
    context's user may do it now: NotAuthorized when they do not hold a
    position the SOP names for it, a ValidationError on ``state`` when the
    letter is not in a state it leaves (``ignore_auth`` skips the first)."""
    principal = access.principal(context)
    if not principal.trusted:
        allowed, message = principal.may_letter(name, letter)
        if not allowed:
            raise tk.NotAuthorized(message)
    return principal.require_turn(letter, name)


def move(context: dict[str, Any], letter: Letter, name: str, note: str | None = None) -> list[int]:
    """Do transition ``name`` to the locked letter in the caller's transaction;
    returns the ids of the notifications to hand to a worker once it commits.

    A letter is submitted only with at least one data item, and submitted or
    signed only while no other letter holds one of its Daftar Data entries
    (one open request per entry and period). Nobody approves (initials,
    signs or returns) a letter they drafted. Signing gives the letter its
    number and date; sending records when it was sent."""
    to_state = check_turn(context, letter, name)
    from_state = letter.state
    if name in ("submit", "sign"):
        items = events.items_of(model.Session, letter.id)
        if name == "submit" and not items:
            raise tk.ValidationError({"items": [tk._("Choose at least one data item from the Daftar Data")]})
        # Another letter may have taken an entry since this one was drafted.
        series.require_free(letter, [i.daftar_data_id for i in items])
    actor = access.principal(context).actor(sop.current().transition_executors(name, from_state))
    if name in sop.APPROVAL_TRANSITIONS and actor.user_id == letter.created_by:
        raise tk.NotAuthorized(tk._("The drafter of a letter cannot approve it"))
    # Signing signs the PDF: the portal's signer must be able to, before anything moves.
    certificate = pdf.check_signer(actor.name or "") if name == "sign" else None
    now = utcnow()
    if name == "sign":
        numbering.assign_number(letter, now)
    if name == "send":
        letter.sent_at = now
        letter.send_state = "done"
    letter.state = to_state
    letter.state_since = now
    letter.modified = now
    event = events.append_event(
        model.Session, action=name, actor=actor, letter=letter,
        from_state=from_state, to_state=to_state, note=note,
    )
    if name == "sign":
        pdf.record(letter, actor.user_id, certificate, now)
    return notify.queue_for_transition(model.Session, letter, event)


def perform(context: dict[str, Any], letter: Letter, name: str, note: str | None = None) -> None:
    """Do transition ``name`` to the locked letter and commit (unless the
    context defers the commit), then hand its notifications to a worker."""
    pending = move(context, letter, name, note)
    if not context.get("defer_commit"):
        model.Session.commit()
        notify.enqueue(pending)
        if name == "sign":
            pdf.enqueue(letter.id)
