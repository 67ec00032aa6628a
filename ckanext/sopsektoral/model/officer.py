from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan.model import Session


def _uuid() -> str:
    return str(uuid.uuid4())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Officer(tk.BaseModel):
    """A CKAN user holding a Diskominfo position (jabatan) for a period.

    ``acting`` is ``plt`` or ``plh`` when the position is held as acting
    (Pelaksana Tugas / Pelaksana Harian); the letter's signature block shows it.
    """

    __tablename__ = "sopsektoral_officer"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=_uuid)
    user_id = sa.Column(sa.UnicodeText, nullable=False)
    position = sa.Column(sa.UnicodeText, nullable=False)
    acting = sa.Column(sa.UnicodeText, nullable=True)
    valid_from = sa.Column(sa.Date, nullable=False)
    valid_until = sa.Column(sa.Date, nullable=True)
    nip = sa.Column(sa.UnicodeText, nullable=True)
    rank = sa.Column(sa.UnicodeText, nullable=True)
    created = sa.Column(sa.DateTime, nullable=False, default=_now)
    created_by = sa.Column(sa.UnicodeText, nullable=True)
    revoked = sa.Column(sa.DateTime, nullable=True)
    revoked_by = sa.Column(sa.UnicodeText, nullable=True)

    def holds_on(self, day: dt.date) -> bool:
        """Whether this assignment is in force on ``day``."""
        if self.revoked is not None and self.revoked.date() <= day:
            return False
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    @classmethod
    def held_by(cls, user_id: str, day: dt.date | None = None) -> list[Officer]:
        """The assignments ``user_id`` holds on ``day`` (today by default)."""
        day = day or _now().date()
        stmt = sa.select(cls).where(
            cls.user_id == user_id,
            cls.revoked.is_(None),
            cls.valid_from <= day,
            sa.or_(cls.valid_until.is_(None), cls.valid_until >= day),
        )
        return list(Session.execute(stmt).scalars())

    def dictize(self) -> dict[str, object]:
        return {
            "id": self.id,
            "user_id": self.user_id,
            "position": self.position,
            "acting": self.acting,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "nip": self.nip,
            "rank": self.rank,
            "created": self.created.isoformat(),
            "created_by": self.created_by,
            "revoked": self.revoked.isoformat() if self.revoked else None,
            "revoked_by": self.revoked_by,
        }
