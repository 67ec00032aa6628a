"""Recurrence: an item's own request time, and the indicator a Daftar Data entry is

Every year (and in several letters a year) the same indicators are asked again.
``indicator_key`` ties the entries of one indicator across years; an item's
``requested_at`` orders the requests of one dataset (the newest is its current
one), also while its letter is still being sent.

Revision ID: a7c3e5f9b1d2
Revises: e2d4f6a8b0c1
Create Date: 2026-12-01 15:00:00

"""
from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "a7c3e5f9b1d2"
down_revision = "e2d4f6a8b0c1"
branch_labels = None
depends_on = None


def _indicator_key(title: str) -> str:
    # As ckanext.sopsektoral.series.indicator_key on the day of this migration.
    text = re.sub(r"(?<![0-9])(19|20)[0-9]{2}(?![0-9])", " ", title.lower())
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def upgrade() -> None:
    op.add_column("sopsektoral_letter_item", sa.Column("requested_at", sa.DateTime, nullable=True))
    op.execute(
        "UPDATE sopsektoral_letter_item i SET requested_at = coalesce(l.sent_at, l.send_progress_at, l.modified) "
        "FROM sopsektoral_letter l WHERE l.id = i.letter_id AND i.state IS NOT NULL"
    )
    op.create_index("sopsektoral_letter_item_dataset_requested_idx", "sopsektoral_letter_item",
                    ["dataset_id", "requested_at"])
    op.create_index("sopsektoral_letter_item_daftar_data_idx", "sopsektoral_letter_item", ["daftar_data_id"])
    op.add_column("sopsektoral_daftar_data", sa.Column("indicator_key", sa.UnicodeText, nullable=True))
    bind = op.get_bind()
    for id_, title in bind.execute(sa.text("SELECT id, title FROM sopsektoral_daftar_data")).all():
        bind.execute(sa.text("UPDATE sopsektoral_daftar_data SET indicator_key = :key WHERE id = :id"),
                     {"key": _indicator_key(title), "id": id_})
    op.alter_column("sopsektoral_daftar_data", "indicator_key", nullable=False, server_default="")
    op.create_index("sopsektoral_daftar_data_indicator_idx", "sopsektoral_daftar_data",
                    ["owner_org", "indicator_key", "year"])


def downgrade() -> None:
    op.drop_index("sopsektoral_daftar_data_indicator_idx", "sopsektoral_daftar_data")
    op.drop_column("sopsektoral_daftar_data", "indicator_key")
    op.drop_index("sopsektoral_letter_item_daftar_data_idx", "sopsektoral_letter_item")
    op.drop_index("sopsektoral_letter_item_dataset_requested_idx", "sopsektoral_letter_item")
    op.drop_column("sopsektoral_letter_item", "requested_at")
