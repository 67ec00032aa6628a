from __future__ import annotations

import datetime as dt
import uuid


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> dt.datetime:
    """Naive UTC, as CKAN stores its own timestamps."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def iso(value: dt.datetime | dt.date | None) -> str | None:
    """How the API gives a timestamp: ISO 8601 with its UTC offset
    ("2026-12-02T08:00:00+00:00"; the tables hold naive UTC); a date stays
    YYYY-MM-DD; None stays None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        aware = value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)
        return aware.isoformat()
    return value.isoformat()
