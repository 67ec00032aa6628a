"""The plugin's alembic migrations go up and down."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ckan import model

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


def _tables() -> set[str]:
    model.Session.remove()
    return {t for t in sa.inspect(model.meta.engine).get_table_names() if t.startswith("sopsektoral_")}


def test_migrations_go_down_and_up_again(migrate_db_for):
    assert "sopsektoral_officer" in _tables()
    assert "sopsektoral_alembic_version" in _tables()

    migrate_db_for("sopsektoral", version="base", forward=False)
    assert _tables() == {"sopsektoral_alembic_version"}

    migrate_db_for("sopsektoral")
    assert "sopsektoral_officer" in _tables()
