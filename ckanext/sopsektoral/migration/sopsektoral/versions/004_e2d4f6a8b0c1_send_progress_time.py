"""Sending: when the send job last made progress (to restart a stalled one)

Revision ID: e2d4f6a8b0c1
Revises: c5e7a1b3d902
Create Date: 2026-11-25 07:30:00

"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e2d4f6a8b0c1"
down_revision = "c5e7a1b3d902"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sopsektoral_letter", sa.Column("send_progress_at", sa.DateTime, nullable=True))


def downgrade() -> None:
    op.drop_column("sopsektoral_letter", "send_progress_at")
