"""Tables of ckanext-sopsektoral (all prefixed ``sopsektoral_``, created by alembic)."""
from __future__ import annotations

from .officer import Officer

__all__ = ["Officer"]
