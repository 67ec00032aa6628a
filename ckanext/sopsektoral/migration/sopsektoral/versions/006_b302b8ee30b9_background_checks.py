"""Automatic checks in a background job: their state, a preview of the tables and the comparison

A submission no longer runs the checks in the web request: it marks them
pending and a job stores the results, the tables' first rows and the figures
beside the previous period's. Results stored before carry no state: they are done.

Revision ID: b302b8ee30b9
Revises: a7c3e5f9b1d2
Create Date: 2026-12-01 16:00:00

"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "b302b8ee30b9"
down_revision = "a7c3e5f9b1d2"
branch_labels = None
depends_on = None

COLUMNS = (
    ("checks_state", sa.UnicodeText),
    ("checks_error", sa.UnicodeText),
    ("checks_done_at", sa.DateTime),
    ("check_preview", JSONB),
    ("check_comparison", JSONB),
)


def upgrade() -> None:
    for name, type_ in COLUMNS:
        op.add_column("sopsektoral_letter_item", sa.Column(name, type_, nullable=True))
    op.execute(
        "UPDATE sopsektoral_letter_item SET checks_state = 'done', checks_done_at = submitted_at "
        "WHERE check_results IS NOT NULL"
    )


def downgrade() -> None:
    for name, _type in reversed(COLUMNS):
        op.drop_column("sopsektoral_letter_item", name)
