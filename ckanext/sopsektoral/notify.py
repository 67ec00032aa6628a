"""E-mail to whoever must act next.

A transition writes its notifications into ``sopsektoral_notification`` in
its own transaction, so they cannot be lost; a background job sends them, and
``ckan sopsektoral notify`` sends whatever is still pending (a failed send is
retried, and never undoes the transition).
"""
from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib import mailer

from ckanext.sopsektoral import config, officers, sop
from ckanext.sopsektoral.items.deadlines import item_deadline
from ckanext.sopsektoral.items.states import item_state_label
from ckanext.sopsektoral.letters.labels import state_label, transition_label
from ckanext.sopsektoral.model import Event, Letter, LetterItem, Notification
from ckanext.sopsektoral.model.base import utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10


def org_editors(session: Any, org_ids: set[str]) -> list[str]:
    """User ids of the editors and admins of these organizations (the OPD operators)."""
    if not org_ids:
        return []
    return list(session.execute(
        sa.select(model.Member.table_id).where(
            model.Member.group_id.in_(org_ids), model.Member.table_name == "user",
            model.Member.state == "active", model.Member.capacity.in_(["editor", "admin"]),
        ).distinct()
    ).scalars())


def recipients(session: Any, letter: Letter, event: Event) -> list[str]:
    """Who must act next, as the SOP file names them: a submitted item's verifier (who claimed
    it, else every executor of verification); the OPD's operators for a returned, verified or
    requested item; the drafter of a returned letter; the executors of the step a withdrawn
    letter waited on; the senders of a signed letter; the executors of the approval step a
    letter now waits on."""
    current = sop.current()
    if event.item_id:
        item = session.get(LetterItem, event.item_id)
        if event.action == "item_submit":
            return [item.claimed_by] if item.claimed_by else officers.holders(set(current.verification.executors))
        if event.action in ("item_return", "item_verify"):
            return org_editors(session, {item.owner_org})
        return []
    if event.action == "send":
        orgs = set(session.execute(sa.select(LetterItem.owner_org).where(
            LetterItem.letter_id == letter.id)).scalars())
        return org_editors(session, orgs)
    if event.action == "return":
        return [letter.created_by]
    if event.action == "withdraw":
        # The executors of the step it waited on: it is no longer theirs to initial or sign.
        waited = current.waiting_on(event.from_state or "")
        return officers.holders(set(waited.executors)) if waited is not None else []
    if event.action == "sign":
        return officers.holders(set(current.sending.executors))
    step = current.waiting_on(event.to_state or "")
    if step is not None and event.to_state != sop.DRAFT:
        return officers.holders(set(step.executors))
    return []


def queue_for_transition(session: Any, letter: Letter, event: Event) -> list[int]:
    """Write the notifications a transition causes; returns their ids."""
    rows = [
        Notification(event_seq=event.seq, user_id=user_id, kind=f"letter_{event.action}", created=utcnow())
        for user_id in dict.fromkeys(recipients(session, letter, event))
        if user_id != event.actor_id
    ]
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]


def queue_for_item(session: Any, item: Any, event: Event) -> list[int]:
    letter = session.get(Letter, item.letter_id)
    return queue_for_transition(session, letter, event)


def enqueue(ids: list[int]) -> None:
    """Hand the notifications to a worker; if Redis is down they wait for the sweep."""
    if not ids:
        return
    # Failed sends stay pending and are retried by `ckan sopsektoral notify`
    # (cron): CKAN's workers run no scheduler for delayed retries.
    try:
        tk.enqueue_job(send, [ids], title="sopsektoral: notifications", queue=config.jobs_queue())
    except Exception:  # a queue outage must not fail the transition
        log.exception("sopsektoral: could not enqueue notifications %s; "
                      "`ckan sopsektoral notify` will send them", ids)


def _message(letter: Letter, event: Event) -> tuple[str, str]:
    if event.item_id:
        return _item_message(letter, event)
    url = f"{tk.config.get('ckan.site_url', '').rstrip('/')}/sopsektoral/letter/{letter.id}"
    subject = tk._("[{site}] Request letter: {state}").format(
        site=tk.config.get("ckan.site_title"), state=state_label(letter.state))
    lines = [
        tk._("Request letter \"{subject}\" (data year {year}) is now: {state}.").format(
            subject=letter.subject, year=letter.data_year, state=state_label(letter.state)),
        tk._("{action} by {user}.").format(action=transition_label(event.action),
                                           user=event.actor_name),
    ]
    if event.note:
        lines.append(tk._("Note: {note}").format(note=event.note))
    step = sop.current().waiting_on(letter.state)
    deadline = step.deadline(letter.state_since) if step else None
    if deadline:
        lines.append(tk._("Due: {deadline} (UTC)").format(
            deadline=deadline.strftime("%Y-%m-%d %H:%M")))
    lines.append(url)
    if letter.state in (sop.SIGNED, sop.SENT) and letter.number:
        # The letter itself: its signed PDF (letters/pdf.py), for the OPDs it was sent to as well.
        lines.append(tk._("The letter (PDF): {url}").format(url=f"{url}/pdf"))
    return subject, "\n\n".join(lines)


def _item_message(letter: Letter, event: Event) -> tuple[str, str]:
    item = model.Session.get(LetterItem, event.item_id)
    site = tk.config.get("ckan.site_url", "").rstrip("/")
    pkg = model.Package.get(item.dataset_id) if item.dataset_id else None
    subject = tk._("[{site}] Requested data: {state}").format(
        site=tk.config.get("ckan.site_title"), state=item_state_label(item.state))
    lines = [
        tk._("\"{title}\" (data year {year}, letter {number}) is now: {state}.").format(
            title=item.title, year=letter.data_year, number=letter.number or "",
            state=item_state_label(item.state)),
        tk._("{action} by {user}.").format(action=event.action, user=event.actor_name),
    ]
    if event.note:
        lines.append(tk._("Note: {note}").format(note=event.note))
    deadline = item_deadline(item)
    if deadline:
        lines.append(tk._("Due: {deadline} (UTC)").format(
            deadline=deadline.strftime("%Y-%m-%d %H:%M")))
    if pkg is not None:
        lines.append(f"{site}/dataset/{pkg.name}")
    return subject, "\n\n".join(lines)


def send(ids: list[int] | None = None) -> int:
    """Send pending notifications (these ids, or all pending); returns how many were sent.

    Raises if any failed (the job shows as failed); they stay pending for the sweep.
    """
    session = model.Session
    stmt = sa.select(Notification).where(Notification.sent.is_(None),
                                         Notification.attempts < MAX_ATTEMPTS)
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(ids))
    stmt = stmt.order_by(Notification.id).with_for_update(skip_locked=True)
    sent = failed = 0
    for note in session.execute(stmt).scalars().all():
        event = session.get(Event, note.event_seq)
        letter = session.get(Letter, event.letter_id) if event and event.letter_id else None
        user = model.User.get(note.user_id)
        note.attempts += 1
        if letter is None or user is None or not user.email:
            note.last_error = "no letter, user or e-mail address"
            note.sent = utcnow()  # nothing to deliver; do not retry
            continue
        try:
            subject, body = _message(letter, event)
            mailer.mail_user(user, subject, body)
        except Exception as err:  # SMTP errors come in many types
            note.last_error = str(err)[:1000]
            failed += 1
            log.warning("sopsektoral: notification %s to %s failed: %s", note.id, user.name, err)
        else:
            note.sent = utcnow()
            note.last_error = None
            sent += 1
    session.commit()
    if failed:
        raise RuntimeError(f"{failed} notification(s) could not be sent; they stay queued")
    return sent
