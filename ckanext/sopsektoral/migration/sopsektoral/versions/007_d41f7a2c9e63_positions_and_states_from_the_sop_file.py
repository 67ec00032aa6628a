"""Positions and letter states come from the SOP file: drop the checks that listed Balikpapan's

The officer table's position and the letter's state were checked against Balikpapan's five
positions and seven states. With the SOP as a file, another region has other positions and other
waiting states; the extension's actions check them against the file instead (the officer schema's
position validator, and transitions that only reach states of the chain).

Revision ID: d41f7a2c9e63
Revises: b302b8ee30b9
Create Date: 2026-12-01 21:40:00

"""
from __future__ import annotations

from alembic import op

revision = "d41f7a2c9e63"
down_revision = "b302b8ee30b9"
branch_labels = None
depends_on = None

POSITIONS = "'kepala_dinas', 'sekretaris', 'kepala_bidang', 'kepala_seksi', 'staf_statistik'"
LETTER_STATES = (
    "'draft', 'awaiting_initial_kabid', 'awaiting_initial_sekretaris', "
    "'awaiting_signature', 'signed', 'sent', 'cancelled'"
)


def upgrade() -> None:
    op.drop_constraint("sopsektoral_officer_position_check", "sopsektoral_officer", type_="check")
    op.drop_constraint("sopsektoral_letter_state_check", "sopsektoral_letter", type_="check")


def downgrade() -> None:
    # Only possible while every row uses Balikpapan's positions and states.
    op.create_check_constraint("sopsektoral_letter_state_check", "sopsektoral_letter",
                               f"state IN ({LETTER_STATES})")
    op.create_check_constraint("sopsektoral_officer_position_check", "sopsektoral_officer",
                               f"position IN ({POSITIONS})")
