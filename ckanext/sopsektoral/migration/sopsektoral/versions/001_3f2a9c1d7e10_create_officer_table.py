"""Create the officer table: Diskominfo positions held by CKAN users

Revision ID: 3f2a9c1d7e10
Revises:
Create Date: 2026-11-25 04:30:00

"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "3f2a9c1d7e10"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sopsektoral_officer",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("user_id", sa.UnicodeText, nullable=False),
        sa.Column("position", sa.UnicodeText, nullable=False),
        sa.Column("acting", sa.UnicodeText, nullable=True),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date, nullable=True),
        sa.Column("nip", sa.UnicodeText, nullable=True),
        sa.Column("rank", sa.UnicodeText, nullable=True),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.UnicodeText, nullable=True),
        sa.Column("revoked", sa.DateTime, nullable=True),
        sa.Column("revoked_by", sa.UnicodeText, nullable=True),
        sa.CheckConstraint(
            "position IN ('kepala_dinas', 'sekretaris', 'kepala_bidang', "
            "'kepala_seksi', 'staf_statistik')",
            name="sopsektoral_officer_position_check",
        ),
        sa.CheckConstraint(
            "acting IS NULL OR acting IN ('plt', 'plh')",
            name="sopsektoral_officer_acting_check",
        ),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_until >= valid_from",
            name="sopsektoral_officer_validity_check",
        ),
    )
    op.create_index("sopsektoral_officer_user_id_idx", "sopsektoral_officer", ["user_id"])
    op.create_index("sopsektoral_officer_position_idx", "sopsektoral_officer", ["position"])


def downgrade() -> None:
    op.drop_index("sopsektoral_officer_position_idx", table_name="sopsektoral_officer")
    op.drop_index("sopsektoral_officer_user_id_idx", table_name="sopsektoral_officer")
    op.drop_table("sopsektoral_officer")
