"""Background jobs of ckanext-sopsektoral (run by `ckan jobs worker`)."""
from __future__ import annotations

import logging

from ckanext.sopsektoral import config

log = logging.getLogger(__name__)


def queue_name() -> str:
    return config.jobs_queue()


def reindex_datasets(ids: list[str]) -> int:
    """Rebuild the search index entries of ``ids``; returns how many were indexed."""
    from ckan.lib.search import rebuild

    for id_ in ids:
        rebuild(id_)
    log.info("sopsektoral: reindexed %d datasets", len(ids))
    return len(ids)


def send_letter(letter_id: str, actor_name: str | None, note: str | None = None) -> int:
    """Create the datasets of a signed letter's items, then mark it sent.

    Progress is kept on the letter (send_done of send_total) and items already
    done are skipped, so a failed run can simply be started again.
    """
    import ckan.plugins.toolkit as tk
    from ckan import model

    from ckanext.sopsektoral import collection, notify, workflow
    from ckanext.sopsektoral.model import Letter
    from ckanext.sopsektoral.model.base import utcnow

    letter = model.Session.get(Letter, letter_id)
    letter.send_state = "running"
    letter.send_progress_at = utcnow()
    model.Session.commit()
    try:
        done = collection.send_items(letter_id)
        letter = workflow.lock_letter(model.Session, letter_id)
        if letter.state == workflow.SIGNED:
            context = {"user": actor_name, "ignore_auth": True}
            actor = workflow.actor_for(context, workflow.executors("send"))
            now = utcnow()
            letter.state = workflow.SENT
            letter.state_since = now
            letter.sent_at = now
            letter.modified = now
            letter.send_state = "done"
            event = workflow.append_event(
                model.Session, action="send", actor=actor, letter=letter,
                from_state=workflow.SIGNED, to_state=workflow.SENT, note=note,
            )
            pending = notify.queue_for_transition(model.Session, letter, event)
            model.Session.commit()
            notify.enqueue(pending)
        return done
    except Exception as err:
        model.Session.rollback()
        letter = model.Session.get(Letter, letter_id)
        letter.send_state = "failed"
        letter.send_error = str(err)[:2000]
        model.Session.commit()
        log.exception("sopsektoral: sending letter %s failed", letter_id)
        if isinstance(err, tk.ValidationError):
            raise
        raise
