from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan.model import Session

from .base import iso, new_id, utcnow


class Officer(tk.BaseModel):
    """A CKAN user holding a Diskominfo position (jabatan) for a period.

    ``acting`` is ``plt`` or ``plh`` when the position is held as acting
    (Pelaksana Tugas / Pelaksana Harian); the letter's signature block shows it.
    """

    __tablename__ = "sopsektoral_officer"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=new_id)
    user_id = sa.Column(sa.UnicodeText, nullable=False)
    position = sa.Column(sa.UnicodeText, nullable=False)
    acting = sa.Column(sa.UnicodeText, nullable=True)
    valid_from = sa.Column(sa.Date, nullable=False)
    valid_until = sa.Column(sa.Date, nullable=True)
    nip = sa.Column(sa.UnicodeText, nullable=True)
    rank = sa.Column(sa.UnicodeText, nullable=True)
    created = sa.Column(sa.DateTime, nullable=False, default=utcnow)
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
        day = day or utcnow().date()
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
            "valid_from": iso(self.valid_from),
            "valid_until": iso(self.valid_until),
            "nip": self.nip,
            "rank": self.rank,
            "created": iso(self.created),
            "created_by": self.created_by,
            "revoked": iso(self.revoked),
            "revoked_by": self.revoked_by,
        }
