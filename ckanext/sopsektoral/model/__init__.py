"""Tables of ckanext-sopsektoral (all prefixed ``sopsektoral_``, created by alembic)."""
from __future__ import annotations

from .daftar_data import DaftarData
from .event import Event, Notification
from .letter import Letter, LetterDocument, LetterItem, LetterNumberSequence
from .officer import Officer

__all__ = [
    "DaftarData",
    "Event",
    "Letter",
    "LetterDocument",
    "LetterItem",
    "LetterNumberSequence",
    "Notification",
    "Officer",
]
