"""The event log: one hash-chained entry per workflow action on a letter or an item.

Every transition appends exactly one entry in the same transaction as the change it records. Each
entry carries the hash of the one before it, so that an altered or deleted entry breaks the chain
(``ckan sopsektoral audit verify`` walks it); a letter's entries also carry a hash of what the
letter said at that moment (``content_hash``), so that what was signed can be told from what was
drafted.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

import sqlalchemy as sa

from ckanext.sopsektoral.access import Actor
from ckanext.sopsektoral.model import Event, Letter, LetterItem
from ckanext.sopsektoral.model.base import utcnow

GENESIS_HASH = "0" * 64

def items_of(session: Any, letter_id: str) -> list[LetterItem]:
    return list(session.execute(
        sa.select(LetterItem).where(LetterItem.letter_id == letter_id)
        .order_by(LetterItem.owner_org, LetterItem.title)
    ).scalars())


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def content_hash(session: Any, letter: Letter) -> str:
    """A hash of what the letter says (not of its workflow state)."""
    content = {
        "subject": letter.subject,
        "body": letter.body,
        "data_year": letter.data_year,
        "sifat": letter.sifat,
        "lampiran": letter.lampiran,
        "tembusan": list(letter.tembusan or []),
        "number": letter.number,
        "letter_date": letter.letter_date.isoformat() if letter.letter_date else None,
        "items": [[i.daftar_data_id, i.owner_org, i.title] for i in items_of(session, letter.id)],
    }
    return hashlib.sha256(_canonical(content).encode("utf-8")).hexdigest()


def _event_hash(prev_hash: str, content: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + _canonical(content)).encode("utf-8")).hexdigest()


# One advisory lock serialises appends, so that seq has no gaps and each entry
# chains to the one before it.
EVENT_LOG_LOCK = 0x50505345  # arbitrary, fixed


def append_event(
    session: Any,
    *,
    action: str,
    actor: Actor,
    letter: Letter | None = None,
    item_id: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    note: str | None = None,
) -> Event:
    session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": EVENT_LOG_LOCK})
    last = session.execute(
        sa.select(Event.seq, Event.hash).order_by(Event.seq.desc()).limit(1)
    ).first()
    event = Event(
        seq=(last.seq + 1) if last else 1,
        letter_id=letter.id if letter is not None else None,
        item_id=item_id,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor_id=actor.user_id,
        actor_name=actor.name,
        position=actor.position,
        acting=actor.acting,
        note=note,
        content_hash=content_hash(session, letter) if letter is not None else None,
        created=utcnow(),
        prev_hash=last.hash if last else GENESIS_HASH,
    )
    event.hash = _event_hash(event.prev_hash, event.hashed_content())
    session.add(event)
    session.flush()
    return event


@dataclasses.dataclass(frozen=True)
class AuditResult:
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify_event_log(session: Any) -> AuditResult:
    """Walk the chain from the first entry; report the first altered or missing one."""
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    rows = session.execute(sa.select(Event).order_by(Event.seq)).scalars()
    for event in rows:
        if event.seq != expected_seq:
            return AuditResult(checked, expected_seq, f"entry {expected_seq} is missing")
        if event.prev_hash != prev_hash:
            return AuditResult(checked, event.seq, f"entry {event.seq} does not follow entry {event.seq - 1}")
        if _event_hash(event.prev_hash, event.hashed_content()) != event.hash:
            return AuditResult(checked, event.seq, f"entry {event.seq} was altered")
        prev_hash = event.hash
        expected_seq += 1
        checked += 1
    return AuditResult(checked)
