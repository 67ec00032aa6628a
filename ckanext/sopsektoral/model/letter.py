from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

import ckan.plugins.toolkit as tk

from .base import new_id, utcnow

# An item's states (SOP steps 5 and 6).
REQUESTED = "requested"
SUBMITTED = "submitted"
RETURNED = "returned"
VERIFIED = "verified"
ITEM_STATES = (REQUESTED, SUBMITTED, RETURNED, VERIFIED)
# A request is open until its data is verified (or its letter is cancelled).
OPEN_ITEM_STATES = (REQUESTED, SUBMITTED, RETURNED)
CANCELLED_LETTER = "cancelled"


class Letter(tk.BaseModel):
    """A data-request letter (surat permintaan data) and its place in the SOP."""

    __tablename__ = "sopsektoral_letter"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=new_id)
    state = sa.Column(sa.UnicodeText, nullable=False, default="draft")
    state_since = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    data_year = sa.Column(sa.Integer, nullable=False)
    subject = sa.Column(sa.UnicodeText, nullable=False)
    body = sa.Column(sa.UnicodeText, nullable=False, default="")
    sifat = sa.Column(sa.UnicodeText, nullable=False, default="biasa")
    lampiran = sa.Column(sa.UnicodeText, nullable=False, default="")
    tembusan = sa.Column(JSONB, nullable=False, default=list)
    number = sa.Column(sa.UnicodeText, nullable=True, unique=True)
    number_year = sa.Column(sa.Integer, nullable=True)
    number_seq = sa.Column(sa.Integer, nullable=True)
    letter_date = sa.Column(sa.Date, nullable=True)
    revision = sa.Column(sa.Integer, nullable=False, default=1)
    created = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    created_by = sa.Column(sa.UnicodeText, nullable=False)
    modified = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    # Sending (SOP step 5): progress of the job that creates the items' datasets.
    send_state = sa.Column(sa.UnicodeText, nullable=True)  # queued, running, done, failed
    send_total = sa.Column(sa.Integer, nullable=True)
    send_done = sa.Column(sa.Integer, nullable=True)
    send_error = sa.Column(sa.UnicodeText, nullable=True)
    # Last sign of life of the send job: a send that stops moving can be started again.
    send_progress_at = sa.Column(sa.DateTime, nullable=True)
    sent_at = sa.Column(sa.DateTime, nullable=True)
    # Verification (SOP step 6) opens once every item is submitted (or the window closed).
    all_submitted_at = sa.Column(sa.DateTime, nullable=True)


class LetterItem(tk.BaseModel):
    """One data item the letter asks of one OPD (an entry of the Daftar Data)."""

    __tablename__ = "sopsektoral_letter_item"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=new_id)
    letter_id = sa.Column(sa.UnicodeText, nullable=False)
    daftar_data_id = sa.Column(sa.UnicodeText, nullable=False)
    owner_org = sa.Column(sa.UnicodeText, nullable=False)
    title = sa.Column(sa.UnicodeText, nullable=False)
    # Collection and verification, once the letter is sent.
    dataset_id = sa.Column(sa.UnicodeText, nullable=True)
    state = sa.Column(sa.UnicodeText, nullable=True)
    # When the item was asked of its OPD (it got its dataset): the newest
    # request of a dataset is its current one.
    requested_at = sa.Column(sa.DateTime, nullable=True)
    deadline = sa.Column(sa.DateTime, nullable=True)
    submitted_at = sa.Column(sa.DateTime, nullable=True)
    submitted_by = sa.Column(sa.UnicodeText, nullable=True)
    returned_at = sa.Column(sa.DateTime, nullable=True)
    return_reason = sa.Column(sa.UnicodeText, nullable=True)
    correction_deadline = sa.Column(sa.DateTime, nullable=True)
    claimed_by = sa.Column(sa.UnicodeText, nullable=True)
    claimed_at = sa.Column(sa.DateTime, nullable=True)
    verified_at = sa.Column(sa.DateTime, nullable=True)
    verified_by = sa.Column(sa.UnicodeText, nullable=True)
    checklist = sa.Column(JSONB, nullable=True)
    check_results = sa.Column(JSONB, nullable=True)
    published_at = sa.Column(sa.DateTime, nullable=True)
    # The automatic checks of the newest submission, run by a background job
    # (checks.run.run_job): pending, running, done or failed.
    checks_state = sa.Column(sa.UnicodeText, nullable=True)
    checks_error = sa.Column(sa.UnicodeText, nullable=True)
    checks_done_at = sa.Column(sa.DateTime, nullable=True)
    # What the job found besides the results: each table's first rows, and
    # the figures beside the previous period's.
    check_preview = sa.Column(JSONB, nullable=True)
    check_comparison = sa.Column(JSONB, nullable=True)


class LetterNumberSequence(tk.BaseModel):
    """The last letter number given in a year; locked while a letter is signed."""

    __tablename__ = "sopsektoral_letter_number_sequence"

    year = sa.Column(sa.Integer, primary_key=True)
    last_seq = sa.Column(sa.Integer, nullable=False, default=0)


class LetterDocument(tk.BaseModel):
    """A signed letter as a document: what it said when signed, its PDF and the
    electronic signature of that PDF (stored once, served unchanged)."""

    __tablename__ = "sopsektoral_letter_document"

    letter_id = sa.Column(sa.UnicodeText, sa.ForeignKey("sopsektoral_letter.id", ondelete="CASCADE"),
                          primary_key=True)
    created = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    # The letter as signed: the renderer's input (letters.document), dates as ISO strings.
    content = sa.Column(JSONB, nullable=False)
    approved_pdf = sa.Column(sa.LargeBinary, nullable=True)
    approved_sha256 = sa.Column(sa.UnicodeText, nullable=True)
    signed_pdf = sa.Column(sa.LargeBinary, nullable=True)
    signed_sha256 = sa.Column(sa.UnicodeText, nullable=True)
    signed_at = sa.Column(sa.DateTime, nullable=True)
    signed_by = sa.Column(sa.UnicodeText, nullable=True)
    # local, remote (the portal's signer) or upload (signed elsewhere).
    signed_source = sa.Column(sa.UnicodeText, nullable=True)
    # What the signature check found (letters.signing.inspect_pdf): signer, certificate, verdict.
    signature = sa.Column(JSONB, nullable=True)
    # Why the portal's signer last failed (cleared once the PDF is signed).
    error = sa.Column(sa.UnicodeText, nullable=True)
    error_at = sa.Column(sa.DateTime, nullable=True)
