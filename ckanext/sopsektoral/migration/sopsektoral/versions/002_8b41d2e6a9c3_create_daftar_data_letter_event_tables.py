"""Create the Daftar Data, letter, letter item, number sequence, event log and notification tables

Revision ID: 8b41d2e6a9c3
Revises: 3f2a9c1d7e10
Create Date: 2026-11-25 05:00:00

"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "8b41d2e6a9c3"
down_revision = "3f2a9c1d7e10"
branch_labels = None
depends_on = None

LETTER_STATES = (
    "'draft', 'awaiting_initial_kabid', 'awaiting_initial_sekretaris', "
    "'awaiting_signature', 'signed', 'sent', 'cancelled'"
)


def upgrade() -> None:
    op.create_table(
        "sopsektoral_daftar_data",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("owner_org", sa.UnicodeText, nullable=False),
        sa.Column("title", sa.UnicodeText, nullable=False),
        sa.Column("dataset_name", sa.UnicodeText, nullable=True),
        sa.Column("metadata_fields", JSONB, nullable=False, server_default="{}"),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("modified", sa.DateTime, nullable=False),
    )
    op.create_index(
        "sopsektoral_daftar_data_entry_idx", "sopsektoral_daftar_data",
        ["year", "owner_org", "title"], unique=True,
    )

    op.create_table(
        "sopsektoral_letter",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("state", sa.UnicodeText, nullable=False),
        sa.Column("state_since", sa.DateTime, nullable=False),
        sa.Column("data_year", sa.Integer, nullable=False),
        sa.Column("subject", sa.UnicodeText, nullable=False),
        sa.Column("body", sa.UnicodeText, nullable=False),
        sa.Column("sifat", sa.UnicodeText, nullable=False),
        sa.Column("lampiran", sa.UnicodeText, nullable=False),
        sa.Column("tembusan", JSONB, nullable=False, server_default="[]"),
        sa.Column("number", sa.UnicodeText, nullable=True, unique=True),
        sa.Column("number_year", sa.Integer, nullable=True),
        sa.Column("number_seq", sa.Integer, nullable=True),
        sa.Column("letter_date", sa.Date, nullable=True),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.UnicodeText, nullable=False),
        sa.Column("modified", sa.DateTime, nullable=False),
        sa.CheckConstraint(f"state IN ({LETTER_STATES})", name="sopsektoral_letter_state_check"),
        sa.UniqueConstraint("number_year", "number_seq", name="sopsektoral_letter_number_seq_key"),
    )
    op.create_index("sopsektoral_letter_state_idx", "sopsektoral_letter", ["state"])
    op.create_index("sopsektoral_letter_year_idx", "sopsektoral_letter", ["data_year"])

    op.create_table(
        "sopsektoral_letter_item",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column(
            "letter_id", sa.UnicodeText,
            sa.ForeignKey("sopsektoral_letter.id", ondelete="CASCADE",
                          name="sopsektoral_letter_item_letter_id_fkey"),
            nullable=False,
        ),
        sa.Column(
            "daftar_data_id", sa.UnicodeText,
            sa.ForeignKey("sopsektoral_daftar_data.id", name="sopsektoral_letter_item_daftar_data_id_fkey"),
            nullable=False,
        ),
        sa.Column("owner_org", sa.UnicodeText, nullable=False),
        sa.Column("title", sa.UnicodeText, nullable=False),
        sa.UniqueConstraint("letter_id", "daftar_data_id", name="sopsektoral_letter_item_entry_key"),
    )
    op.create_index("sopsektoral_letter_item_letter_idx", "sopsektoral_letter_item", ["letter_id"])
    op.create_index("sopsektoral_letter_item_org_idx", "sopsektoral_letter_item", ["owner_org"])

    op.create_table(
        "sopsektoral_letter_number_sequence",
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("last_seq", sa.Integer, nullable=False),
    )

    op.create_table(
        "sopsektoral_event",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("letter_id", sa.UnicodeText, nullable=True),
        sa.Column("item_id", sa.UnicodeText, nullable=True),
        sa.Column("action", sa.UnicodeText, nullable=False),
        sa.Column("from_state", sa.UnicodeText, nullable=True),
        sa.Column("to_state", sa.UnicodeText, nullable=True),
        sa.Column("actor_id", sa.UnicodeText, nullable=True),
        sa.Column("actor_name", sa.UnicodeText, nullable=True),
        sa.Column("position", sa.UnicodeText, nullable=True),
        sa.Column("acting", sa.UnicodeText, nullable=True),
        sa.Column("note", sa.UnicodeText, nullable=True),
        sa.Column("content_hash", sa.UnicodeText, nullable=True),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("prev_hash", sa.UnicodeText, nullable=False),
        sa.Column("hash", sa.UnicodeText, nullable=False),
    )
    op.create_index("sopsektoral_event_letter_idx", "sopsektoral_event", ["letter_id", "seq"])

    op.create_table(
        "sopsektoral_notification",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("event_seq", sa.BigInteger, nullable=False),
        sa.Column("user_id", sa.UnicodeText, nullable=False),
        sa.Column("kind", sa.UnicodeText, nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("sent", sa.DateTime, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.UnicodeText, nullable=True),
    )
    op.create_index(
        "sopsektoral_notification_pending_idx", "sopsektoral_notification", ["sent", "id"],
    )


def downgrade() -> None:
    op.drop_table("sopsektoral_notification")
    op.drop_table("sopsektoral_event")
    op.drop_table("sopsektoral_letter_number_sequence")
    op.drop_table("sopsektoral_letter_item")
    op.drop_table("sopsektoral_letter")
    op.drop_table("sopsektoral_daftar_data")
