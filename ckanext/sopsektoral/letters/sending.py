"""Sending a signed letter to its OPDs (SOP step 5 starts).

Each item gets its dataset in its OPD's organization and its deadline
(items.sending.send_items); once every item has one, the letter moves from
``signed`` to ``sent`` through the same transition as every other
(transitions.perform). ``run`` does it, in the request for a small letter, in
a background job (jobs.send_letter) for one of more than
items.sending.SYNC_SEND_LIMIT items. Progress is kept on the letter
(``send_done`` of ``send_total``) and items already done are skipped, so a
failed or stalled send can simply be started again and creates nothing twice.
"""
from __future__ import annotations

import logging
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.sopsektoral import access, events, series, sop
from ckanext.sopsektoral.items.sending import send_items, send_stalled
from ckanext.sopsektoral.letters import queries, transitions
from ckanext.sopsektoral.model import Letter
from ckanext.sopsektoral.model.base import utcnow

log = logging.getLogger(__name__)


def start(context: dict[str, Any], letter: Letter) -> access.Actor:
    """Check that the context's user may send the locked letter now, that no
    send of it is under way (one that stalled may be started again) and that
    no other letter holds its entries; mark it queued. Returns who sends it.
    The caller commits."""
    transitions.check_turn(context, letter, "send")
    if letter.send_state in ("queued", "running") and not send_stalled(letter):
        raise tk.ValidationError({"state": [tk._("The letter is already being sent")]})
    items = events.items_of(model.Session, letter.id)
    series.require_free(letter, [i.daftar_data_id for i in items])
    letter.send_state = "queued"
    letter.send_progress_at = utcnow()
    letter.send_total = len(items)
    letter.send_done = sum(1 for i in items if i.dataset_id)
    letter.send_error = None
    return access.principal(context).actor(sop.current().sending.executors)


def run(letter_id: str, actor_name: str | None, note: str | None = None) -> int:
    """Create the datasets of the letter's items, then mark it sent (as
    ``actor_name``); returns how many items were done now. On a failure the
    letter's ``send_state`` is ``failed`` with the error, and the error raised."""
    letter = model.Session.get(Letter, letter_id)
    letter.send_state = "running"
    letter.send_progress_at = utcnow()
    model.Session.commit()
    try:
        done = send_items(letter_id)
        letter = queries.lock(letter_id)
        # Another run may have sent it meanwhile: then there is nothing left to do.
        if letter.state == sop.SIGNED:
            transitions.perform({"user": actor_name, "ignore_auth": True}, letter, "send", note)
        return done
    except Exception as err:
        model.Session.rollback()
        letter = model.Session.get(Letter, letter_id)
        letter.send_state = "failed"
        letter.send_error = str(err)[:2000]
        model.Session.commit()
        log.exception("sopsektoral: sending letter %s failed", letter_id)
        raise
