from __future__ import annotations

import pytest


@pytest.fixture
def clean_db(reset_db, migrate_db_for):
    """Every clean database carries the plugin's tables (from its migrations)."""
    reset_db()
    migrate_db_for("sopsektoral")
