"""A Daftar Data entry can be deleted without breaking the history of the letters that asked for it

An entry no letter asked for is removed outright; one that letters asked for
(their items point at it, and the periods of its indicator are read through it)
is marked ``deleted`` instead: it leaves the Daftar Data's list and cannot be
asked for again, and the letters, items and periods that used it keep it.

Revision ID: 5d1e9b7c3a20
Revises: d41f7a2c9e63
Create Date: 2026-12-02 10:00:00

"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5d1e9b7c3a20"
down_revision = "d41f7a2c9e63"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sopsektoral_daftar_data", sa.Column("deleted", sa.DateTime, nullable=True))


def downgrade() -> None:
    # The entries marked deleted come back into the Daftar Data's list.
    op.drop_column("sopsektoral_daftar_data", "deleted")
