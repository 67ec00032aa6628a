from __future__ import annotations

import datetime as dt
import uuid


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> dt.datetime:
    """Naive UTC, as CKAN stores its own timestamps."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value else None
