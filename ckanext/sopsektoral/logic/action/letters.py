"""Actions on request letters (SOP steps 1 to 5): drafting, the approval chain, sending, the event log."""
from __future__ import annotations

import base64
from typing import Any

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import Context, DataDict

from ckanext.sopsektoral import config, jobs, sop
from ckanext.sopsektoral.items.sending import SYNC_SEND_LIMIT
from ckanext.sopsektoral.letters import drafts, pdf, queries, sending, transitions
from ckanext.sopsektoral.logic import dictization
from ckanext.sopsektoral.logic.action.common import atomic, commit, org_id, validate
from ckanext.sopsektoral.model import Event, LetterItem
from ckanext.sopsektoral.model.base import iso

__all__ = [
    "sopsektoral_letter_create",
    "sopsektoral_letter_update",
    "sopsektoral_letter_show",
    "sopsektoral_letter_list",
    "sopsektoral_letter_submit",
    "sopsektoral_letter_initial",
    "sopsektoral_letter_sign",
    "sopsektoral_letter_return",
    "sopsektoral_letter_withdraw",
    "sopsektoral_letter_cancel",
    "sopsektoral_event_list",
    "sopsektoral_letter_send",
    "sopsektoral_letter_pdf",
    "sopsektoral_letter_pdf_upload",
    "sopsektoral_letter_verify",
]


@atomic
def sopsektoral_letter_create(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Draft a data-request letter (the SOP file's drafting step; its executors).

    :param subject: the letter's subject (hal)
    :type subject: string
    :param body: the letter's text
    :type body: string
    :param data_year: the year of the requested data
    :type data_year: int
    :param sifat: ``biasa`` (default), ``penting``, ``segera`` or ``sangat_segera``
    :type sifat: string
    :param lampiran: attachments line, e.g. "1 (satu) berkas"
    :type lampiran: string
    :param tembusan: carbon-copy addressees
    :type tembusan: list of strings
    :param items: ids of Daftar Data entries of ``data_year`` to request
    :type items: list of strings
    :returns: the letter (see ``sopsektoral_letter_show``)
    :rtype: dict
    """
    tk.check_access("sopsektoral_letter_create", context, data_dict)
    data = validate(data_dict, "sopsektoral_letter_create", context)
    letter = drafts.create(context, data)
    commit(context)
    return dictization.letter_dict(context, letter)


@atomic
def sopsektoral_letter_update(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Edit a draft letter. Only drafts can be edited; a letter returned by an
    approver is a draft again, and must be initialled and signed anew.

    Only the parameters given change; each is as in ``sopsektoral_letter_create``.

    :param id: the letter's id
    :type id: string
    :param subject: the letter's subject (hal); not empty (optional)
    :type subject: string
    :param body: the letter's text (optional)
    :type body: string
    :param data_year: the year of the requested data (optional)
    :type data_year: int
    :param sifat: ``biasa``, ``penting``, ``segera`` or ``sangat_segera`` (optional)
    :type sifat: string
    :param lampiran: attachments line (optional)
    :type lampiran: string
    :param tembusan: carbon-copy addressees, replacing the letter's (optional)
    :type tembusan: list of strings
    :param items: ids of Daftar Data entries of ``data_year`` to request, replacing the letter's (optional)
    :type items: list of strings
    :returns: the letter
    :rtype: dict
    """
    tk.check_access("sopsektoral_letter_update", context, data_dict)
    data = validate(data_dict, "sopsektoral_letter_update", context)
    letter = queries.lock(data["id"])
    drafts.update(context, letter, data)
    commit(context)
    return dictization.letter_dict(context, letter)


@tk.side_effect_free
def sopsektoral_letter_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """A request letter with its state, deadline, items per OPD and approvals.

    :param id: the letter's id
    :type id: string
    :returns: the letter: ``state`` and ``state_label``, ``deadline`` and
        ``overdue``, ``awaiting_position``, the official fields (``number``,
        ``letter_date``, ``sifat``, ``lampiran``, ``subject``, ``body``,
        ``tembusan``), ``organizations`` (the requested items per OPD),
        ``approvals`` (initials and signature of the current round),
        ``content_hash``, and ``available_actions`` (what the caller may do now)
    :rtype: dict
    """
    tk.check_access("sopsektoral_letter_show", context, data_dict)
    data = validate(data_dict, "sopsektoral_letter_show", context)
    return dictization.letter_dict(context, queries.get(data["id"]))


@tk.side_effect_free
def sopsektoral_letter_list(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Request letters, newest first. OPD members see the letters sent to their OPD.

    :param state: only letters in these states (``sopsektoral_sop_show`` lists them; optional)
    :type state: list of strings
    :param year: only letters for this data year (optional)
    :type year: int
    :param owner_org: only letters asking something of this OPD (optional)
    :type owner_org: string
    :param overdue: only letters past their state's deadline (optional)
    :type overdue: bool
    :param awaiting_me: only letters waiting on a position the caller holds: at
        their approval step, or signed and waiting to be sent (optional)
    :type awaiting_me: bool
    :param q: words in the subject or number (optional)
    :type q: string
    :param limit: page size (default 50, at most 1000)
    :type limit: int
    :param offset: page start (default 0)
    :type offset: int
    :returns: ``count`` and ``results`` (letters without their items, with ``item_count``
        and ``organization_count``)
    :rtype: dict
    """
    tk.check_access("sopsektoral_letter_list", context, data_dict)
    data = validate(data_dict, "sopsektoral_letter_list", context)
    if data.get("owner_org"):
        data["owner_org"] = org_id(data["owner_org"])
    count, letters = queries.find(context, data)
    counts = queries.item_counts([letter.id for letter in letters])
    results = []
    for letter in letters:
        entry = dictization.letter_dict(context, letter, with_items=False)
        entry["item_count"], entry["organization_count"] = counts.get(letter.id, (0, 0))
        results.append(entry)
    return {"count": count, "results": results}


@atomic
def _transition(context: Context, data_dict: DataDict, name: str) -> dict[str, Any]:
    """Do transition ``name`` to the letter (letters.transitions), then show it."""
    tk.check_access(f"sopsektoral_letter_{name}", context, data_dict)
    data = validate(data_dict, f"sopsektoral_letter_{name}", context)
    letter = queries.lock(data["id"])
    # Under the lock, transitions checks again: the state may have moved since the auth check.
    transitions.perform(context, letter, name, data.get("note"))
    return dictization.letter_dict(context, letter)


def sopsektoral_letter_submit(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Submit a draft for approval: it moves to the first approval step's state. The
    drafting step's executors.

    :param id: the letter's id
    :type id: string
    :param note: a note for the approvers (optional)
    :type note: string
    :returns: the letter
    :rtype: dict
    """
    return _transition(context, data_dict, "submit")


def sopsektoral_letter_initial(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Initial (paraf) a letter: the executors of the initial step it waits on; it moves to
    the next step of the approval chain. The drafter cannot initial.

    :param id: the letter's id
    :type id: string
    :param note: a note (optional)
    :type note: string
    :returns: the letter
    :rtype: dict
    """
    return _transition(context, data_dict, "initial")


def sopsektoral_letter_sign(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Sign a letter (the executors of the chain's signature step): assigns its number and date.

    The number follows the SOP file's ``letter.number_pattern``, with a
    sequence per year that has no gaps or duplicates.

    :param id: the letter's id
    :type id: string
    :param note: a note (optional)
    :type note: string
    :returns: the letter
    :rtype: dict
    """
    return _transition(context, data_dict, "sign")


def sopsektoral_letter_return(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Return a letter to draft, with a note saying why. The approver whose
    initial or signature the letter awaits.

    :param id: the letter's id
    :type id: string
    :param note: why the letter goes back (required)
    :type note: string
    :returns: the letter
    :rtype: dict
    """
    return _transition(context, data_dict, "return")


def sopsektoral_letter_withdraw(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Withdraw a letter that awaits approval (an initial or the signature, in
    any waiting state of the SOP file's approval chain) back to draft. The
    drafting step's executors. The initials given so far no longer count: as
    after a return, the edited draft is submitted again and goes through the
    whole chain; the executors of the step it waited on are notified. A signed
    letter cannot be withdrawn.

    :param id: the letter's id
    :type id: string
    :param note: why (optional)
    :type note: string
    :returns: the letter
    :rtype: dict
    """
    return _transition(context, data_dict, "withdraw")


def sopsektoral_letter_cancel(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Cancel a draft letter. The drafting step's executors.

    :param id: the letter's id
    :type id: string
    :param note: why (optional)
    :type note: string
    :returns: the letter
    :rtype: dict
    """
    return _transition(context, data_dict, "cancel")


@tk.side_effect_free
def sopsektoral_event_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Entries of the event log, oldest first: one letter's (its items'
    included; Diskominfo officers), one data item's (officers and the members
    of the item's OPD), or all (sysadmins).

    :param letter_id: the letter whose history to list (optional for sysadmins)
    :type letter_id: string
    :param item_id: only this data item's history (optional; members of the
        item's OPD read it, other OPDs are refused)
    :type item_id: string
    :param limit: page size (default 100, at most 1000)
    :type limit: int
    :param offset: page start (default 0)
    :type offset: int
    :returns: entries with ``seq``, ``action`` and ``action_label``,
        ``from_state``, ``to_state``, ``actor_name``, ``position`` (and
        ``position_label``), ``acting``, ``note``, ``created``,
        ``content_hash``, ``prev_hash`` and ``hash``
    :rtype: list of dicts
    """
    tk.check_access("sopsektoral_event_list", context, data_dict)
    data = validate(data_dict, "sopsektoral_event_list", context)
    stmt = sa.select(Event).order_by(Event.seq)
    if data.get("letter_id"):
        queries.get(data["letter_id"])
        stmt = stmt.where(Event.letter_id == data["letter_id"])
    if data.get("item_id"):
        if model.Session.get(LetterItem, data["item_id"]) is None:
            raise tk.ObjectNotFound(tk._("Data item not found"))
        stmt = stmt.where(Event.item_id == data["item_id"])
    events = model.Session.execute(stmt.limit(data["limit"]).offset(data["offset"])).scalars()
    return [dictization.event_dict(event) for event in events]


@atomic
def sopsektoral_letter_send(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Send a signed letter to its OPDs (collection starts). The executors of the SOP
    file's sending step.

    Each item gets its dataset in its OPD's organization: the existing dataset
    the Daftar Data entry names (kept private while collected), or a new
    private one prefilled with the entry's metadata; and its deadline (the
    collection step's standard time). The OPDs' operators are notified. A
    letter of more than 20 items is sent by a background job whose progress
    ``sopsektoral_letter_show`` reports (``send_state``, ``send_done``,
    ``send_total``); sending again after a failure, or once a send has made
    no progress for ``ckanext.sopsektoral.send_stalled_minutes`` (a lost
    worker; ``send_stalled`` in the letter), creates nothing twice.

    :param id: the letter's id
    :type id: string
    :param note: a note for the event log (optional)
    :type note: string
    :returns: the letter
    :rtype: dict
    """
    tk.check_access("sopsektoral_letter_send", context, data_dict)
    data = validate(data_dict, "sopsektoral_letter_send", context)
    letter = queries.lock(data["id"])
    actor = sending.start(context, letter)
    commit(context)
    if letter.send_total > SYNC_SEND_LIMIT:
        tk.enqueue_job(jobs.send_letter, [letter.id, actor.name, data.get("note")],
                       title=f"sopsektoral: send letter {letter.number}", queue=jobs.queue_name(),
                       rq_kwargs={"timeout": 3600})
    else:
        sending.run(letter.id, actor.name, data.get("note"))
    return dictization.letter_dict(context, queries.get(letter.id))


@tk.side_effect_free
def sopsektoral_letter_pdf(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The letter as a PDF in the official layout (kop surat, number, addressees, body, the
    requested data per OPD, signature block, paraf, tembusan). Who may read the letter may
    download it (``sopsektoral_letter_show``).

    A letter that is not signed is a draft: a DRAFT watermark, no number. A signed letter is the
    PDF rendered when it was signed, with its QR code and the electronic-signature footer;
    ``kind`` says whether it carries the signature yet (``signed``) or is the approved PDF that
    awaits it (``approved``: the portal's signer has not run yet, or the deployment signs
    elsewhere and the signed file is to be uploaded with ``sopsektoral_letter_pdf_upload``).
    Stored PDFs are served unchanged. Reading changes nothing: the approved PDF not stored yet is
    rendered from the letter's signing record, the same bytes the background job stores.

    :param id: the letter's id
    :type id: string
    :param include_content: whether to return the PDF itself, base64-encoded (default true;
        the portal page ``/sopsektoral/letter/<id>/pdf`` serves the file)
    :type include_content: bool
    :returns: ``kind`` (``draft``, ``approved`` or ``signed``), ``filename``, ``media_type``,
        ``size`` and ``sha256`` (null without the content, when the PDF is not stored),
        ``content_base64`` (unless not asked), and the letter's signature:
        ``signed_sha256``, ``signed_at``, ``signed_source`` (``local``, ``remote`` or
        ``upload``), ``signer``, ``certificate_issuer``, ``certificate_serial``,
        ``signing_time``, ``signing_error`` (why the portal's signer failed, if it did),
        ``verification_url`` (the public page the QR code leads to)
    :rtype: dict
    """
    tk.check_access("sopsektoral_letter_pdf", context, data_dict)
    data = validate(data_dict, "sopsektoral_letter_pdf", context)
    letter = queries.get(data["id"])
    content, kind = pdf.pdf_of(letter) if data["include_content"] else pdf.stored_pdf(letter)
    out = {
        "id": letter.id, "kind": kind, "filename": pdf.file_name(letter, kind),
        "media_type": pdf.PDF_MEDIA_TYPE,
        "size": len(content) if content is not None else None,
        "sha256": pdf.sha256(content) if content is not None else None,
        **pdf.status(letter),
    }
    if data["include_content"]:
        out["content_base64"] = base64.b64encode(content).decode("ascii")
    return out


def _read_upload(upload: Any) -> bytes:
    """The uploaded file's bytes, refused beyond the configured size."""
    limit = config.letter_pdf_max_bytes()
    content = upload.read(limit + 1)
    if isinstance(content, str):
        content = content.encode("utf-8", "surrogateescape")
    if len(content) > limit:
        raise tk.ValidationError({"upload": [tk._("The file is larger than {size} MB").format(
            size=limit // (1024 * 1024))]})
    if not content:
        raise tk.ValidationError({"upload": [tk._("The file is empty")]})
    return content


@atomic
def sopsektoral_letter_pdf_upload(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Store the letter's PDF signed outside the portal (a deployment whose signatures are
    made by another system, ``ckanext.sopsektoral.signing.mode = upload``): the executors of
    the SOP file's signature and sending steps, once the letter is signed.

    The file is accepted only if it carries an electronic signature that is intact and valid
    (issued by an authority of ``ckanext.sopsektoral.signing.trust_roots``, when set) and what
    it signs is the approved PDF (``sopsektoral_letter_pdf`` of the signed letter, kind
    ``approved``) byte for byte. It is then served unchanged; it cannot be replaced.

    :param id: the letter's id
    :type id: string
    :param upload: the signed PDF (multipart upload; at most
        ``ckanext.sopsektoral.letter_pdf_max_mb`` MB)
    :type upload: file
    :returns: the letter's PDF as ``sopsektoral_letter_pdf`` gives it, without its content
    :rtype: dict
    """
    tk.check_access("sopsektoral_letter_pdf_upload", context, data_dict)
    data = validate(data_dict, "sopsektoral_letter_pdf_upload", context)
    content = _read_upload(data["upload"])
    letter = queries.lock(data["id"])
    if letter.state not in (sop.SIGNED, sop.SENT):
        raise tk.ValidationError({"id": [tk._("The letter is not signed yet")]})
    user = model.User.get(context.get("user")) if context.get("user") else None
    pdf.store_upload(letter, content, user.id if user else "")
    commit(context)
    return sopsektoral_letter_pdf(dict(context, ignore_auth=True), {"id": letter.id, "include_content": False})


@tk.side_effect_free
def sopsektoral_letter_verify(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Check a signed letter, and optionally a copy of it: the public page its QR code leads to.
    Anyone may call it, without logging in; only signed letters are found.

    :param id: the letter's id (the QR code's address ends with it)
    :type id: string
    :param upload: a PDF to check against the letter as signed (optional; multipart upload,
        at most ``ckanext.sopsektoral.letter_pdf_max_mb`` MB)
    :type upload: file
    :returns: the letter as signed: ``number``, ``letter_date``, ``subject``, ``signer``
        (name), ``signer_title`` (with ``a.n.``/Plt./Plh. as the letter shows them),
        ``acting``, ``signed`` (whether its signed PDF is stored), ``signed_sha256``,
        ``signed_at``, ``signature`` (``verdict``: ``valid`` or ``untrusted``; the
        certificate's ``signer_common_name``, ``issuer_common_name``, ``serial``,
        ``signing_time``); with ``upload``, ``check``: ``verdict`` (``identical``: the letter
        as signed; ``altered``: this letter, changed; ``different``: another document),
        ``sha256`` of the copy
    :rtype: dict
    """
    tk.check_access("sopsektoral_letter_verify", context, data_dict)
    data = validate(data_dict, "sopsektoral_letter_verify", context)
    letter = queries.get(data["id"])
    document = pdf.document_of(letter.id) if letter.state in (sop.SIGNED, sop.SENT) else None
    if document is None:
        raise tk.ObjectNotFound(tk._("Letter not found"))
    content = document.content or {}
    signature = content.get("signature") or {}
    acting = {"plt": "Plt.", "plh": "Plh."}.get(signature.get("acting") or "")
    title = " ".join(x for x in (acting, signature.get("title")) if x)
    if signature.get("on_behalf_of"):
        title = f"a.n. {signature['on_behalf_of']}, {title}"
    out: dict[str, Any] = {
        "id": letter.id,
        "number": letter.number,
        "letter_date": iso(letter.letter_date),
        "subject": content.get("subject"),
        "signer": signature.get("name"),
        "signer_title": title,
        "acting": signature.get("acting"),
        "signed": document.signed_pdf is not None,
        "signed_sha256": document.signed_sha256,
        "signed_at": iso(document.signed_at),
        "signature": document.signature or None,
    }
    if data.get("upload") is not None:
        out["check"] = pdf.verify_copy(letter, _read_upload(data["upload"]))
    return out
