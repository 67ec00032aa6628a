"""The request letter as a PDF: when it is rendered and stored, how it is signed, how a copy is
checked (what it says: letters.content).

- A letter that is not signed yet is rendered on request from the database, as a draft: a DRAFT
  watermark, no number, no date.
- Signing the letter (the transition) records what the letter says at that moment, with the
  names, NIP and ranks of its signer and of the officers who initialled it (``LetterDocument.
  content``). Its PDF is rendered from that record, so it is the same whenever it is rendered.
- After the commit a background job renders the PDF, has the deployment's signer (letters.signing:
  a PKCS#12 file or a remote signing service) sign it, and stores both, once; ``ckan sopsektoral
  letter-pdf`` does the same for letters whose job did not run. Reading never writes: until then a
  download is the approved PDF, rendered from the signing record (the same bytes). A deployment that signs
  elsewhere uploads the PDF signed outside the portal: it is accepted only when its signature is
  intact and valid and its signed content is the approved PDF byte for byte.
- Anyone may check a copy against the stored signed PDF on the public verification page the QR
  code leads to.

"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
from typing import Any

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.sopsektoral import config, sop
from ckanext.sopsektoral.letters.content import content, official, render, round_events, verification_url
from ckanext.sopsektoral.model import Letter, LetterDocument
from ckanext.sopsektoral.model.base import iso, utcnow

log = logging.getLogger(__name__)

# What a PDF of a letter is: a draft (rendered now), the approved letter (rendered once when signed;
# what an outside signer signs) or the signed letter.
DRAFT, APPROVED, SIGNED = "draft", "approved", "signed"
PDF_MEDIA_TYPE = "application/pdf"
# The verdicts of a copy checked against the stored signed letter.
IDENTICAL, ALTERED, DIFFERENT = "identical", "altered", "different"
JOB_TIMEOUT = 600


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- signing the letter

def check_signer(user_name: str) -> dict[str, Any] | None:
    """Before the letter is signed: the certificate the portal's signer would sign with for
    ``user_name`` (None when the deployment signs elsewhere); a ValidationError saying what is
    wrong when it cannot sign (no certificate, expired, service unreachable)."""
    from ckanext.sopsektoral.letters import signing
    try:
        signer = signing.signer_for(user_name)
        return signer.check() if signer is not None else None
    except signing.SigningError as err:
        raise tk.ValidationError({"signature": [str(err)]}) from err


def record(letter: Letter, actor_user_id: str | None, certificate: dict[str, Any] | None,
           now: dt.datetime) -> LetterDocument:
    """In the signing transaction: keep what the letter says as signed (after the sign event)."""
    model.Session.flush()  # the sign event, read back by content()
    said = dict(content(letter, signer_certificate=certificate), certificate=certificate)
    doc = model.Session.get(LetterDocument, letter.id)
    if doc is None:
        doc = LetterDocument(letter_id=letter.id, content=said)
        model.Session.add(doc)
    doc.created = now
    doc.content = said
    doc.approved_pdf = doc.approved_sha256 = doc.signed_pdf = doc.signed_sha256 = None
    doc.signed_at = doc.signed_source = doc.signature = doc.error = doc.error_at = None
    doc.signed_by = actor_user_id
    return doc


def enqueue(letter_id: str) -> None:
    """Queue the rendering and signing of a signed letter's PDF (after the commit)."""
    try:
        tk.enqueue_job(run_job, [letter_id], title=f"sopsektoral: PDF of letter {letter_id}",
                       queue=config.jobs_queue(), rq_kwargs={"timeout": JOB_TIMEOUT})
    except Exception:  # no queue: `ckan sopsektoral letter-pdf` makes it
        log.exception("sopsektoral: could not queue the PDF of letter %s; "
                      "`ckan sopsektoral letter-pdf` will make it", letter_id)


def run_job(letter_id: str) -> str | None:
    """The job: render, sign and store the letter's PDF. Returns the signed PDF's hash."""
    doc = produce(letter_id)
    return doc.signed_sha256 if doc else None


def _locked(letter_id: str) -> LetterDocument | None:
    return model.Session.execute(
        sa.select(LetterDocument).where(LetterDocument.letter_id == letter_id)
        .with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()


def produce(letter_id: str) -> LetterDocument | None:
    """Render the signed letter's approved PDF and have the portal's signer sign it, each once,
    and commit. A signer's failure is kept on the document (``error``) and tried again next time.
    None when the letter has no signing record."""
    from ckanext.sopsektoral.letters import signing
    doc = model.Session.get(LetterDocument, letter_id) or _record_earlier_signature(letter_id)
    if doc is None:
        return None
    mode = config.signing_mode()
    if doc.approved_pdf is not None and (doc.signed_pdf is not None or mode == "upload"):
        return doc
    doc = _locked(letter_id)
    if doc is None:  # pragma: no cover - deleted meanwhile
        model.Session.rollback()
        return None
    if doc.approved_pdf is None:
        pdf = render(doc.content)
        doc.approved_pdf, doc.approved_sha256 = pdf, sha256(pdf)
    if doc.signed_pdf is None and mode != "upload":
        user = model.User.get(doc.signed_by) if doc.signed_by else None
        try:
            signer = signing.signer_for(user.name if user else "")
            if signer is None:
                raise signing.SigningError(tk._("The portal has no signer for this letter"))
            signed = signer.sign(bytes(doc.approved_pdf), reason=official(tk._("Request letter signed")),
                                 location=sop.current().layout.place or "")
            found = signing.inspect_pdf(signed, approved=bytes(doc.approved_pdf))
            if not found.get("matches_approved") or found.get("verdict") not in ("valid", "untrusted"):
                raise signing.SigningError(tk._("The signer returned a PDF that is not the approved letter, signed"))
        except signing.SigningError as err:
            doc.error, doc.error_at = str(err), utcnow()
            log.warning("sopsektoral: letter %s not signed: %s", letter_id, err)
        else:
            doc.signed_pdf, doc.signed_sha256, doc.signed_at = signed, sha256(signed), utcnow()
            doc.signed_source, doc.signature = mode, _signature_summary(found)
            doc.error = doc.error_at = None
    model.Session.commit()
    return doc


def _record_from_sign_event(letter: Letter) -> LetterDocument | None:
    """The signing record of a letter signed before the portal kept one (an upgraded portal),
    made from its sign event (not committed); None for a letter that is not signed."""
    if letter.state not in (sop.SIGNED, sop.SENT) or letter.number is None:
        return None
    sign_event = next((e for e in reversed(round_events(letter)) if e.action == "sign"), None)
    if sign_event is None:
        return None
    return record(letter, sign_event.actor_id, None, sign_event.created)


def _record_earlier_signature(letter_id: str) -> LetterDocument | None:
    letter = model.Session.get(Letter, letter_id)
    doc = _record_from_sign_event(letter) if letter is not None else None
    if doc is not None:
        model.Session.commit()
    return model.Session.get(LetterDocument, letter_id) if doc is not None else None


def _signature_summary(found: dict[str, Any]) -> dict[str, Any]:
    """What to keep of a check of a signed PDF: its verdict and its (first) signature."""
    signatures = found.get("signatures") or []
    last = signatures[-1] if signatures else {}
    return {
        "verdict": found.get("verdict"),
        "field_name": last.get("field_name"),
        "signer_common_name": last.get("common_name"),
        "signer_organization": last.get("organization"),
        "issuer_common_name": last.get("issuer_common_name"),
        "issuer_organization": last.get("issuer_organization"),
        "serial": last.get("certificate_serial"),
        "signing_time": last.get("signing_time"),
        "intact": last.get("intact"),
        "valid": last.get("valid"),
        "trusted": last.get("trusted"),
    }


def store_upload(letter: Letter, data: bytes, user_id: str) -> LetterDocument:
    """Keep a PDF signed outside the portal as the letter's signed PDF, if its signature is intact
    and valid (and trusted, when the portal has trust roots) and it signs the approved PDF
    unchanged. ValidationError on ``upload`` otherwise. The caller holds the letter's lock."""
    from ckanext.sopsektoral.letters import signing
    doc = _locked(letter.id) or _record_from_sign_event(letter)
    if doc is None:
        raise tk.ValidationError({"id": [tk._("The letter is not signed yet")]})
    if doc.signed_pdf is not None:
        raise tk.ValidationError({"upload": [tk._("The letter already has its signed PDF")]})
    if doc.approved_pdf is None:  # the job has not rendered it yet: the same bytes, rendered now
        approved = render(doc.content)
        doc.approved_pdf, doc.approved_sha256 = approved, sha256(approved)
    roots = config.signing_trust_roots()
    found = signing.inspect_pdf(data, approved=bytes(doc.approved_pdf))
    verdict = found.get("verdict")
    problem = None
    if verdict == "not_pdf":
        problem = tk._("The file is not a PDF")
    elif verdict == "unsigned":
        problem = tk._("The PDF carries no electronic signature")
    elif verdict == "altered":
        problem = tk._("The PDF's signature does not match its content: the document was changed after signing")
    elif not found.get("matches_approved"):
        problem = tk._("The signed PDF is not the approved letter: download the PDF to sign from the letter's "
                       "page and sign that file unchanged")
    elif verdict == "untrusted" and roots:
        problem = tk._("The signature's certificate is not issued by an authority the portal trusts")
    elif verdict not in ("valid", "untrusted"):
        problem = tk._("The PDF's signature is not valid")
    if problem:
        raise tk.ValidationError({"upload": [problem]})
    doc.signed_pdf, doc.signed_sha256, doc.signed_at = data, sha256(data), utcnow()
    doc.signed_source, doc.signature, doc.signed_by = "upload", _signature_summary(found), user_id
    doc.error = doc.error_at = None
    return doc


# ---------------------------------------------------------------- reading it

def document_of(letter_id: str) -> LetterDocument | None:
    return model.Session.get(LetterDocument, letter_id)


def pdf_of(letter: Letter) -> tuple[bytes, str]:
    """The letter's PDF now and what it is: the signed PDF, else the approved one (a signed letter
    whose signed PDF is not there yet: rendered from its signing record, the same bytes the job
    stores), else a draft rendered from the database. Reads only: the job (``run_job``) or
    ``ckan sopsektoral letter-pdf`` store and sign."""
    doc = document_of(letter.id) if letter.state in (sop.SIGNED, sop.SENT) else None
    if doc is not None and doc.signed_pdf is not None:
        return bytes(doc.signed_pdf), SIGNED
    if doc is not None:
        return (bytes(doc.approved_pdf) if doc.approved_pdf is not None else render(doc.content)), APPROVED
    if letter.state in (sop.SIGNED, sop.SENT) and letter.number is not None:  # signed before the upgrade
        return render(content(letter)), APPROVED
    return render(content(letter)), DRAFT


def stored_pdf(letter: Letter) -> tuple[bytes | None, str]:
    """What ``pdf_of`` gives, if it is stored (nothing is rendered): the bytes or None, and the kind."""
    doc = document_of(letter.id) if letter.state in (sop.SIGNED, sop.SENT) else None
    if doc is not None and doc.signed_pdf is not None:
        return bytes(doc.signed_pdf), SIGNED
    if doc is not None and doc.approved_pdf is not None:
        return bytes(doc.approved_pdf), APPROVED
    return None, status(letter)["kind"]


def pending() -> list[str]:
    """Signed letters whose PDF the portal has still to store (or, signing itself, to sign)."""
    signed = sa.select(Letter.id).where(Letter.state.in_((sop.SIGNED, sop.SENT)), Letter.number.isnot(None))
    missing = LetterDocument.approved_pdf.is_(None)
    if config.signing_mode() != "upload":
        missing = sa.or_(missing, LetterDocument.signed_pdf.is_(None))
    stmt = signed.outerjoin(LetterDocument, LetterDocument.letter_id == Letter.id).where(
        sa.or_(LetterDocument.letter_id.is_(None), missing)).order_by(Letter.id)
    return list(model.Session.execute(stmt).scalars())


def file_name(letter: Letter, kind: str) -> str:
    stem = (letter.number or f"draft-{letter.id[:8]}").replace("/", "-")
    return f"surat-{stem}{'-draft' if kind == DRAFT else ''}.pdf"


def status(letter: Letter) -> dict[str, Any]:
    """The letter's document as the API shows it (no bytes)."""
    signed = letter.state in (sop.SIGNED, sop.SENT) and letter.number is not None
    doc = document_of(letter.id) if signed else None
    signature = (doc.signature or {}) if doc else {}
    return {
        "kind": SIGNED if doc and doc.signed_pdf is not None else APPROVED if signed else DRAFT,
        "approved_sha256": doc.approved_sha256 if doc else None,
        "signed_sha256": doc.signed_sha256 if doc else None,
        "signed_at": iso(doc.signed_at) if doc else None,
        "signed_source": doc.signed_source if doc else None,
        "signer": signature.get("signer_common_name"),
        "certificate_issuer": signature.get("issuer_common_name") or signature.get("issuer_organization"),
        "certificate_serial": signature.get("serial"),
        "signing_time": signature.get("signing_time"),
        "signing_error": doc.error if doc else None,
        "verification_url": verification_url(letter.id) if signed else None,
    }


def verify_copy(letter: Letter, data: bytes) -> dict[str, Any]:
    """Whether ``data`` is the letter as signed (``identical``), this letter changed (``altered``:
    it names this letter, or starts with its approved PDF, but is not the signed PDF) or another
    document (``different``)."""
    from ckanext.sopsektoral.letters import signing
    doc = document_of(letter.id)
    digest = sha256(data)
    if doc is not None and doc.signed_sha256 and digest == doc.signed_sha256:
        verdict = IDENTICAL
    else:
        found = signing.inspect_pdf(data, approved=bytes(doc.approved_pdf) if doc and doc.approved_pdf else None)
        names_it = found.get("letter_id") == letter.id
        starts_with_it = bool(doc and doc.approved_pdf and data.startswith(bytes(doc.approved_pdf)))
        verdict = ALTERED if names_it or starts_with_it else DIFFERENT
    return {"verdict": verdict, "sha256": digest, "signed_sha256": doc.signed_sha256 if doc else None}
