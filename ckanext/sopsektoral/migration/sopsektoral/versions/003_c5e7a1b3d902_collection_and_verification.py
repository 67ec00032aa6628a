"""Collection and verification: item states, deadlines, datasets, send progress

Revision ID: c5e7a1b3d902
Revises: 8b41d2e6a9c3
Create Date: 2026-11-25 06:00:00

"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "c5e7a1b3d902"
down_revision = "8b41d2e6a9c3"
branch_labels = None
depends_on = None

ITEM_COLUMNS = (
    ("dataset_id", sa.UnicodeText),
    ("state", sa.UnicodeText),
    ("deadline", sa.DateTime),
    ("submitted_at", sa.DateTime),
    ("submitted_by", sa.UnicodeText),
    ("returned_at", sa.DateTime),
    ("return_reason", sa.UnicodeText),
    ("correction_deadline", sa.DateTime),
    ("claimed_by", sa.UnicodeText),
    ("claimed_at", sa.DateTime),
    ("verified_at", sa.DateTime),
    ("verified_by", sa.UnicodeText),
    ("checklist", JSONB),
    ("check_results", JSONB),
    ("published_at", sa.DateTime),
)
LETTER_COLUMNS = (
    ("send_state", sa.UnicodeText),
    ("send_total", sa.Integer),
    ("send_done", sa.Integer),
    ("send_error", sa.UnicodeText),
    ("sent_at", sa.DateTime),
    ("all_submitted_at", sa.DateTime),
)


def upgrade() -> None:
    for name, type_ in ITEM_COLUMNS:
        op.add_column("sopsektoral_letter_item", sa.Column(name, type_, nullable=True))
    for name, type_ in LETTER_COLUMNS:
        op.add_column("sopsektoral_letter", sa.Column(name, type_, nullable=True))
    op.create_check_constraint(
        "sopsektoral_letter_item_state_check", "sopsektoral_letter_item",
        "state IS NULL OR state IN ('requested', 'submitted', 'returned', 'verified')",
    )
    op.create_index("sopsektoral_letter_item_dataset_idx", "sopsektoral_letter_item", ["dataset_id"])
    op.create_index("sopsektoral_letter_item_state_idx", "sopsektoral_letter_item", ["state", "owner_org"])


def downgrade() -> None:
    op.drop_index("sopsektoral_letter_item_state_idx", table_name="sopsektoral_letter_item")
    op.drop_index("sopsektoral_letter_item_dataset_idx", table_name="sopsektoral_letter_item")
    op.drop_constraint("sopsektoral_letter_item_state_check", "sopsektoral_letter_item")
    for name, _ in reversed(LETTER_COLUMNS):
        op.drop_column("sopsektoral_letter", name)
    for name, _ in reversed(ITEM_COLUMNS):
        op.drop_column("sopsektoral_letter_item", name)
