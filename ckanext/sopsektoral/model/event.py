from __future__ import annotations

import sqlalchemy as sa

import ckan.plugins.toolkit as tk

from .base import iso, utcnow


class Event(tk.BaseModel):
    """An entry of the append-only, hash-chained event log.

    ``seq`` runs 1, 2, 3, ... without gaps (entries are appended under a lock);
    ``hash`` covers this entry's fields and the previous entry's hash, so any
    later change, removal or insertion breaks the chain (`ckan sopsektoral
    audit verify`).
    """

    __tablename__ = "sopsektoral_event"

    seq = sa.Column(sa.BigInteger, primary_key=True, autoincrement=False)
    letter_id = sa.Column(sa.UnicodeText, nullable=True)
    item_id = sa.Column(sa.UnicodeText, nullable=True)
    action = sa.Column(sa.UnicodeText, nullable=False)
    from_state = sa.Column(sa.UnicodeText, nullable=True)
    to_state = sa.Column(sa.UnicodeText, nullable=True)
    actor_id = sa.Column(sa.UnicodeText, nullable=True)
    actor_name = sa.Column(sa.UnicodeText, nullable=True)
    position = sa.Column(sa.UnicodeText, nullable=True)
    acting = sa.Column(sa.UnicodeText, nullable=True)
    note = sa.Column(sa.UnicodeText, nullable=True)
    content_hash = sa.Column(sa.UnicodeText, nullable=True)
    created = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    prev_hash = sa.Column(sa.UnicodeText, nullable=False)
    hash = sa.Column(sa.UnicodeText, nullable=False)

    HASHED_FIELDS = (
        "seq", "letter_id", "item_id", "action", "from_state", "to_state",
        "actor_id", "actor_name", "position", "acting", "note", "content_hash", "created",
    )

    def hashed_content(self) -> dict[str, object]:
        """The fields the hash covers; ``created`` as the naive ISO text it was
        hashed with when the entry was appended (the chain never changes)."""
        out: dict[str, object] = {}
        for name in self.HASHED_FIELDS:
            value = getattr(self, name)
            out[name] = (value.isoformat() if value else None) if name == "created" else value
        return out

    def dictize(self) -> dict[str, object]:
        """The entry as the API gives it: ``created`` with its UTC offset."""
        return {**self.hashed_content(), "created": iso(self.created), "prev_hash": self.prev_hash,
                "hash": self.hash}


class Notification(tk.BaseModel):
    """An e-mail owed to someone, written with the transition that causes it.

    Sent by a background job; rows still unsent are retried by
    `ckan sopsektoral notify`, so a mail outage never loses a notification.
    """

    __tablename__ = "sopsektoral_notification"

    id = sa.Column(sa.BigInteger, primary_key=True, autoincrement=True)
    event_seq = sa.Column(sa.BigInteger, nullable=False)
    user_id = sa.Column(sa.UnicodeText, nullable=False)
    kind = sa.Column(sa.UnicodeText, nullable=False)
    created = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    sent = sa.Column(sa.DateTime, nullable=True)
    attempts = sa.Column(sa.Integer, nullable=False, default=0)
    last_error = sa.Column(sa.UnicodeText, nullable=True)
