"""The signed request letter as a document: its content as signed, its PDF and the signature

One row per signed letter. ``content`` is what the letter said when it was
signed (the officers' names, NIP and ranks of that day included), so that its
PDF is the same whenever it is rendered; ``approved_pdf`` is that rendering,
``signed_pdf`` the same PDF with its electronic signature (made by the portal's
signer or uploaded after signing elsewhere). Both are stored once and served
unchanged afterwards.

Revision ID: 6e2a4c8d1f37
Revises: 5d1e9b7c3a20
Create Date: 2026-12-02 09:00:00

"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "6e2a4c8d1f37"
down_revision = "5d1e9b7c3a20"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sopsektoral_letter_document",
        sa.Column("letter_id", sa.UnicodeText, sa.ForeignKey("sopsektoral_letter.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("content", JSONB, nullable=False),
        sa.Column("approved_pdf", sa.LargeBinary, nullable=True),
        sa.Column("approved_sha256", sa.UnicodeText, nullable=True),
        sa.Column("signed_pdf", sa.LargeBinary, nullable=True),
        sa.Column("signed_sha256", sa.UnicodeText, nullable=True),
        sa.Column("signed_at", sa.DateTime, nullable=True),
        sa.Column("signed_by", sa.UnicodeText, nullable=True),
        sa.Column("signed_source", sa.UnicodeText, nullable=True),
        sa.Column("signature", JSONB, nullable=True),
        sa.Column("error", sa.UnicodeText, nullable=True),
        sa.Column("error_at", sa.DateTime, nullable=True),
    )
    op.create_index("sopsektoral_letter_document_signed_sha256_idx", "sopsektoral_letter_document",
                    ["signed_sha256"])


def downgrade() -> None:
    op.drop_table("sopsektoral_letter_document")
