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


def test_recurrence_migration_keys_existing_entries_and_dates_existing_requests(migrate_db_for):
    """Migration 005 on a portal with data: each entry gets its indicator key,
    each sent item its request time (its letter's send time)."""
    migrate_db_for("sopsektoral", version="e2d4f6a8b0c1", forward=False)
    model.Session.remove()
    with model.meta.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO sopsektoral_daftar_data (id, year, owner_org, title, metadata_fields, created, modified) "
            "VALUES ('e1', 2025, 'org', 'Jumlah Puskesmas 2025', '{}', now(), now()), "
            "('e2', 2026, 'org', 'Jumlah  Puskesmas (2026)', '{}', now(), now())"))
        conn.execute(sa.text(
            "INSERT INTO sopsektoral_letter (id, state, state_since, data_year, subject, body, sifat, lampiran, "
            "tembusan, revision, created, created_by, modified, sent_at) VALUES "
            "('l1', 'sent', now(), 2025, 'S', '', 'biasa', '', '[]', 1, now(), 'u', now(), '2025-02-03 04:05:06')"))
        conn.execute(sa.text(
            "INSERT INTO sopsektoral_letter_item (id, letter_id, daftar_data_id, owner_org, title, state) "
            "VALUES ('i1', 'l1', 'e1', 'org', 'Jumlah Puskesmas 2025', 'verified')"))
    migrate_db_for("sopsektoral")
    model.Session.remove()
    with model.meta.engine.begin() as conn:
        keys = dict(conn.execute(sa.text("SELECT id, indicator_key FROM sopsektoral_daftar_data")).all())
        requested = conn.execute(sa.text("SELECT requested_at FROM sopsektoral_letter_item")).scalar_one()
    assert keys == {"e1": "jumlah-puskesmas", "e2": "jumlah-puskesmas"}
    assert requested.isoformat() == "2025-02-03T04:05:06"
