"""The letter's PDF through the actions and pages (letters/pdf.py): drafts, signing in each mode,
the stored signed PDF, uploads signed elsewhere, the public verification page, access."""
from __future__ import annotations

import base64
import io
import os
import shutil
import subprocess

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.sopsektoral import pki, sop
from ckanext.sopsektoral.letters import content as letter_content
from ckanext.sopsektoral.letters import pdf, signing
from ckanext.sopsektoral.model import Event, Letter
from ckanext.sopsektoral.tests.helpers import advance, as_user, more_entries, run_letter_pdf_jobs

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues")

PASSPHRASE = "uji-tte-2026"
SIGNING = "ckanext.sopsektoral.signing."


def _text(data: bytes) -> str:
    from pypdf import PdfReader
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def _pdf(who, letter_id: str) -> dict:
    return call_action("sopsektoral_letter_pdf", as_user(who), id=letter_id)


def _bytes(result: dict) -> bytes:
    return base64.b64decode(result["content_base64"])


def _sign(cast, letter_id: str) -> dict:
    """The letter along the chain to signed, then its PDF job run as the worker runs it."""
    letter = advance(cast, letter_id, sop.SIGNED)
    assert run_letter_pdf_jobs() >= 1
    return letter


def _file(data: bytes, name: str = "surat.pdf") -> FileStorage:
    return FileStorage(io.BytesIO(data), name, content_type="application/pdf")


@pytest.fixture
def certificates(cast, tmp_path, ckan_config, monkeypatch):
    """A test CA and a PKCS#12 file for each officer of the cast; the portal signs locally."""
    officers = [{"user_name": u["name"], "name": u["fullname"], "nip": "197003121995031002"}
                for u in [*cast.holders.values(), cast.plt_signer]]
    paths = pki.demo_pki(tmp_path, officers, PASSPHRASE)
    monkeypatch.setitem(ckan_config, SIGNING + "mode", "local")
    monkeypatch.setitem(ckan_config, SIGNING + "pkcs12_dir", str(tmp_path))
    monkeypatch.setitem(ckan_config, SIGNING + "pkcs12_passphrase", PASSPHRASE)
    monkeypatch.setitem(ckan_config, SIGNING + "trust_roots", str(paths["ca"]))
    return paths


@pytest.fixture
def trust_only(cast, tmp_path, ckan_config, monkeypatch):
    """Signing elsewhere (upload mode, the default), with the test CA trusted; returns a signer
    standing for the outside TTE application."""
    paths = pki.demo_pki(tmp_path, [{"user_name": cast.signer["name"], "name": cast.signer["fullname"]}],
                         PASSPHRASE)
    monkeypatch.setitem(ckan_config, SIGNING + "trust_roots", str(paths["ca"]))
    return signing.LocalSigner(paths[cast.signer["name"]], PASSPHRASE)


# ---------------------------------------------------------------- drafts

def test_a_draft_downloads_with_a_watermark_and_no_number(cast, draft):
    result = _pdf(cast.drafter, draft["id"])
    assert result["kind"] == "draft" and result["media_type"] == "application/pdf"
    data = _bytes(result)
    assert data.startswith(b"%PDF-") and result["size"] == len(data)
    assert result["sha256"] == pdf.sha256(data)
    assert result["filename"].endswith("-draft.pdf")
    text = _text(data)
    assert "DRAF" in text  # the watermark, in Indonesian
    assert draft["subject"] in " ".join(text.split())
    assert "Dinas Kesehatan" in text and "Dinas Perhubungan" in text
    assert result["verification_url"] is None and result["signed_sha256"] is None
    # Nothing is stored for a draft.
    assert pdf.document_of(draft["id"]) is None


def test_only_officers_read_a_draft(cast, draft):
    for who in (cast.operator, cast.user):
        with pytest.raises(tk.NotAuthorized):
            call_action("sopsektoral_letter_pdf", as_user(who), id=draft["id"])
    assert tk.check_access("sopsektoral_letter_pdf", {"user": cast.first_approver["name"]}, {"id": draft["id"]})
    with pytest.raises(tk.NotAuthorized):
        call_action("sopsektoral_letter_pdf", {"user": None, "ignore_auth": False}, id=draft["id"])


@pytest.mark.parametrize("bad", [{}, {"id": 5}, {"id": "x\x00"}, {"id": "tidak-ada"},
                                 {"id": "ID", "include_content": "kadang"}, {"id": "ID", "extra": 1}])
def test_bad_input_is_a_validation_error_or_not_found(cast, draft, bad):
    bad = {k: (draft["id"] if v == "ID" else v) for k, v in bad.items()}
    with pytest.raises((tk.ValidationError, tk.ObjectNotFound)):
        call_action("sopsektoral_letter_pdf", {"ignore_auth": True}, **bad)


# ---------------------------------------------------------------- signing in the portal (local)

def test_signing_signs_the_pdf_with_the_signers_certificate(cast, draft, certificates):
    letter = _sign(cast, draft["id"])
    result = _pdf(cast.drafter, draft["id"])
    assert result["kind"] == "signed" and result["signed_source"] == "local"
    data = _bytes(result)
    assert result["signed_sha256"] == result["sha256"] == pdf.sha256(data)
    assert result["signer"] == cast.signer["fullname"]
    assert result["verification_url"].endswith(f"/sopsektoral/verify/{draft['id']}")

    found = signing.inspect_pdf(data)
    assert found["verdict"] == "valid"
    assert found["letter_id"] == draft["id"]
    assert found["signatures"][-1]["common_name"] == cast.signer["fullname"]
    text = " ".join(_text(data).split())
    assert letter["number"] in text and "DRAFT" not in text
    assert "19800101 200501 1 001" in text  # the signer's NIP (their assignment's), grouped
    for approver in cast.approvers[:-1]:
        assert approver["fullname"] in text  # paraf
    assert cast.drafter["fullname"] in text

    # Stored once, served unchanged.
    assert _bytes(_pdf(cast.drafter, draft["id"])) == data


def test_the_signature_breaks_when_one_byte_changes(cast, draft, certificates):
    _sign(cast, draft["id"])
    data = bytearray(_bytes(_pdf(cast.drafter, draft["id"])))
    data[len(data) // 3] ^= 0x01
    assert signing.inspect_pdf(bytes(data))["verdict"] in ("altered", "not_pdf")


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils (pdfsig) is not installed")
def test_pdfsig_reports_the_signature_valid(cast, draft, certificates, tmp_path):
    _sign(cast, draft["id"])
    path = tmp_path / "surat.pdf"
    path.write_bytes(_bytes(_pdf(cast.drafter, draft["id"])))
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False).stdout
    assert "Signature is Valid" in out and cast.signer["fullname"] in out
    assert "Total document signed" in out
    if shutil.which("certutil"):  # NSS's tools: trust the test CA as a reader trusts BSrE's root
        nss = tmp_path / "nss"
        nss.mkdir()
        subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
        subprocess.run(["certutil", "-A", "-d", f"sql:{nss}", "-n", "CA uji", "-t", "CT,C,C",
                        "-i", str(certificates["ca"])], check=True)
        out = subprocess.run(["pdfsig", "-nssdir", f"sql:{nss}", str(path)], capture_output=True, text=True,
                             check=False).stdout
        assert "Signature is Valid" in out and "Certificate is Trusted" in out
    broken = bytearray(path.read_bytes())
    broken[len(broken) // 3] ^= 0x01
    path.write_bytes(bytes(broken))
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False).stdout
    assert "Signature is Valid" not in out


def test_the_qr_code_leads_to_the_verification_page(cast, draft, certificates):
    import pypdfium2
    import zxingcpp
    _sign(cast, draft["id"])
    data = _bytes(_pdf(cast.drafter, draft["id"]))
    document = pypdfium2.PdfDocument(data)
    found = set()
    for index in range(len(document)):
        image = document[index].render(scale=200 / 72).to_pil()
        found |= {barcode.text for barcode in zxingcpp.read_barcodes(image)}
    assert letter_content.verification_url(draft["id"]) in found


def test_an_acting_signer_signs_as_plt(cast, draft, certificates):
    advance(cast, draft["id"], cast.state(-1))
    call_action("sopsektoral_letter_sign", as_user(cast.plt_signer), id=draft["id"])
    run_letter_pdf_jobs()
    result = _pdf(cast.drafter, draft["id"])
    text = " ".join(_text(_bytes(result)).split())
    assert "Plt." in text and cast.plt_signer["fullname"].removeprefix("Plt. ") in text
    assert call_action("sopsektoral_letter_verify", {"user": None}, id=draft["id"])["acting"] == "plt"


def test_no_certificate_no_signature(cast, draft, tmp_path, ckan_config, monkeypatch):
    """The portal signs locally but has no certificate for the signer: the letter is not signed
    (nothing moves, nothing is logged) and the signer is told why."""
    monkeypatch.setitem(ckan_config, SIGNING + "mode", "local")
    monkeypatch.setitem(ckan_config, SIGNING + "pkcs12_dir", str(tmp_path))
    advance(cast, draft["id"], cast.state(-1))
    before = model.Session.scalar(sa.select(sa.func.count()).select_from(Event))
    with pytest.raises(tk.ValidationError) as err:
        call_action("sopsektoral_letter_sign", as_user(cast.signer), id=draft["id"])
    assert "signature" in err.value.error_dict
    model.Session.rollback()
    letter = model.Session.get(Letter, draft["id"])
    assert letter.state == cast.state(-1) and letter.number is None
    assert model.Session.scalar(sa.select(sa.func.count()).select_from(Event)) == before
    assert pdf.document_of(draft["id"]) is None


def test_the_job_makes_the_signed_pdf(cast, draft, certificates):
    advance(cast, draft["id"], sop.SIGNED)
    # Until the job runs the letter is downloadable: the approved PDF, rendered, nothing stored.
    before = _pdf(cast.drafter, draft["id"])
    assert before["kind"] == "approved" and pdf.document_of(draft["id"]).approved_pdf is None
    assert run_letter_pdf_jobs() == 1  # queued by the signature
    document = pdf.document_of(draft["id"])
    digest = document.signed_sha256
    assert document.approved_pdf == _bytes(before)
    assert digest == document.signed_sha256 and document.approved_pdf is not None
    assert bytes(document.signed_pdf).startswith(bytes(document.approved_pdf))
    # Running it again changes nothing.
    assert pdf.run_job(draft["id"]) == digest


def test_addressed_opds_download_the_signed_letter_others_do_not(cast, sent, certificates):
    pdf.run_job(sent["id"])
    result = _pdf(cast.operator, sent["id"])
    assert result["kind"] == "signed"
    assert tk.check_access("sopsektoral_letter_pdf", {"user": cast.operator["name"]}, {"id": sent["id"]})
    stranger = factories.User()
    factories.Organization(users=[{"name": stranger["name"], "capacity": "editor"}])
    with pytest.raises(tk.NotAuthorized):
        call_action("sopsektoral_letter_pdf", as_user(stranger), id=sent["id"])


# ---------------------------------------------------------------- signing elsewhere (upload)

def test_upload_mode_serves_the_approved_pdf_then_the_uploaded_signed_one(cast, draft, trust_only):
    advance(cast, draft["id"], sop.SIGNED)
    approved = _pdf(cast.drafter, draft["id"])
    assert approved["kind"] == "approved" and approved["signed_sha256"] is None
    assert signing.inspect_pdf(_bytes(approved))["verdict"] == "unsigned"
    signed = trust_only.sign(_bytes(approved), reason="Surat", location="Balikpapan")
    result = call_action("sopsektoral_letter_pdf_upload", as_user(cast.signer), id=draft["id"],
                         upload=_file(signed))
    assert result["kind"] == "signed" and result["signed_source"] == "upload"
    assert result["signed_sha256"] == pdf.sha256(signed)
    assert _bytes(_pdf(cast.drafter, draft["id"])) == signed
    # Once there, it stays.
    with pytest.raises(tk.ValidationError) as err:
        call_action("sopsektoral_letter_pdf_upload", as_user(cast.signer), id=draft["id"], upload=_file(signed))
    assert "upload" in err.value.error_dict


def test_upload_refuses_what_is_not_the_approved_letter_signed(cast, draft, trust_only):
    advance(cast, draft["id"], sop.SIGNED)
    approved = _bytes(_pdf(cast.drafter, draft["id"]))
    changed = letter_content.content(model.Session.get(Letter, draft["id"])) | {"subject": "Hal yang lain"}
    other = trust_only.sign(letter_content.render(changed), reason="x", location="y")  # signed, but another letter
    signed = bytearray(trust_only.sign(approved, reason="Surat", location="Balikpapan"))
    signed[len(approved) // 2] ^= 0x01
    for data in (approved, other, bytes(signed), b"bukan pdf", b"%PDF-1.7\n"):
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_letter_pdf_upload", as_user(cast.signer), id=draft["id"], upload=_file(data))
        assert "upload" in err.value.error_dict
    assert pdf.document_of(draft["id"]).signed_pdf is None


def test_upload_refuses_an_untrusted_certificate(cast, draft, trust_only, tmp_path):
    advance(cast, draft["id"], sop.SIGNED)
    approved = _bytes(_pdf(cast.drafter, draft["id"]))
    elsewhere = pki.demo_pki(tmp_path / "lain", [{"user_name": "x", "name": "Orang Lain"}], PASSPHRASE)
    signed = signing.LocalSigner(elsewhere["x"], PASSPHRASE).sign(approved, reason="r", location="l")
    with pytest.raises(tk.ValidationError) as err:
        call_action("sopsektoral_letter_pdf_upload", as_user(cast.signer), id=draft["id"], upload=_file(signed))
    assert "upload" in err.value.error_dict


def test_upload_needs_a_signed_letter_and_the_right_position(cast, draft, trust_only):
    with pytest.raises(tk.ValidationError):
        call_action("sopsektoral_letter_pdf_upload", as_user(cast.signer), id=draft["id"], upload=_file(b"%PDF"))
    advance(cast, draft["id"], sop.SIGNED)
    for who in (cast.operator, cast.user):
        with pytest.raises(tk.NotAuthorized):
            call_action("sopsektoral_letter_pdf_upload", as_user(who), id=draft["id"], upload=_file(b"%PDF"))
    assert tk.check_access("sopsektoral_letter_pdf_upload", {"user": cast.signer["name"]}, {"id": draft["id"]})
    assert tk.check_access("sopsektoral_letter_pdf_upload", {"user": cast.drafter["name"]}, {"id": draft["id"]})


@pytest.mark.ckan_config("ckanext.sopsektoral.letter_pdf_max_mb", "1")
def test_upload_and_verify_refuse_files_over_the_limit(cast, draft, trust_only):
    advance(cast, draft["id"], sop.SIGNED)
    big = b"%PDF-1.7\n" + b"0" * (1024 * 1024 + 1)
    with pytest.raises(tk.ValidationError) as err:
        call_action("sopsektoral_letter_pdf_upload", as_user(cast.signer), id=draft["id"], upload=_file(big))
    assert "1 MB" in err.value.error_dict["upload"][0]
    with pytest.raises(tk.ValidationError):
        call_action("sopsektoral_letter_verify", {"user": None}, id=draft["id"], upload=_file(big))


# ---------------------------------------------------------------- the public verification

def test_verification_tells_the_signed_letter_an_altered_copy_and_another_document(cast, draft, certificates):
    letter = _sign(cast, draft["id"])
    data = _bytes(_pdf(cast.drafter, draft["id"]))
    anonymous = {"user": None, "ignore_auth": False}
    shown = call_action("sopsektoral_letter_verify", anonymous, id=draft["id"])
    assert shown["number"] == letter["number"] and shown["signed"] is True
    assert shown["signer"] == cast.signer["fullname"] and shown["signature"]["verdict"] == "valid"
    assert "check" not in shown

    def verdict(copy: bytes) -> str:
        checked = call_action("sopsektoral_letter_verify", anonymous, id=draft["id"], upload=_file(copy))
        return checked["check"]["verdict"]

    assert verdict(data) == "identical"
    altered = bytearray(data)
    altered[len(altered) // 2] ^= 0x01
    assert verdict(bytes(altered)) == "altered"
    assert verdict(data + b"\n% tambahan\n") == "altered"
    another = letter_content.content(model.Session.get(Letter, draft["id"])) | {"letter_id": "lain"}
    assert verdict(letter_content.render(another)) in ("altered", "different")
    import weasyprint
    assert verdict(weasyprint.HTML(string="<p>Surat lain</p>").write_pdf()) == "different"


def test_verification_knows_only_signed_letters(cast, draft):
    with pytest.raises(tk.ObjectNotFound):
        call_action("sopsektoral_letter_verify", {"user": None}, id=draft["id"])
    with pytest.raises(tk.ObjectNotFound):
        call_action("sopsektoral_letter_verify", {"user": None}, id="tidak-ada")


# ---------------------------------------------------------------- the pages

def _headers(user) -> dict[str, str]:
    return {"Authorization": factories.APIToken(user=user["name"])["token"]}


def test_the_letter_page_offers_the_pdf_and_the_file_downloads(app, cast, draft, certificates):
    page = BeautifulSoup(app.get(tk.url_for("sopsektoral.letter_read", id=draft["id"]),
                                 headers=_headers(cast.drafter)).body, "html.parser")
    link = page.select_one("a.sopsektoral-pdf-download")
    assert link and link["href"] == tk.url_for("sopsektoral.letter_pdf", id=draft["id"])
    _sign(cast, draft["id"])
    resp = app.get(tk.url_for("sopsektoral.letter_pdf", id=draft["id"]), headers=_headers(cast.drafter))
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/pdf"
    assert resp.headers["Content-Disposition"].startswith("attachment; filename=\"surat-")
    assert signing.inspect_pdf(resp.data)["verdict"] == "valid"
    page = BeautifulSoup(app.get(tk.url_for("sopsektoral.letter_read", id=draft["id"]),
                                 headers=_headers(cast.drafter)).body, "html.parser")
    facts = page.select_one(".sopsektoral-document").get_text(" ")
    assert pdf.sha256(resp.data) in facts and cast.signer["fullname"] in facts
    assert app.get(tk.url_for("sopsektoral.letter_pdf", id=draft["id"]), headers=_headers(cast.user),
                   status=403)


def test_the_verification_page_is_public_and_checks_an_upload(app, cast, draft, certificates):
    letter = _sign(cast, draft["id"])
    data = _bytes(_pdf(cast.drafter, draft["id"]))
    client = app.test_client()
    url = tk.url_for("sopsektoral.letter_verify", id=draft["id"])
    page = BeautifulSoup(client.get(url).body, "html.parser")
    assert letter["number"] in page.get_text() and cast.signer["fullname"] in page.get_text()
    token = page.select_one("form.sopsektoral-verify-form input[name=_csrf_token]")["value"]
    resp = client.post(url, data={"_csrf_token": token, "upload": (io.BytesIO(data), "surat.pdf")},
                       content_type="multipart/form-data")
    result = BeautifulSoup(resp.body, "html.parser").select_one(".sopsektoral-verify-result")
    assert result["data-verdict"] == "identical"
    assert client.get(tk.url_for("sopsektoral.letter_verify", id="tidak-ada")).status_code == 404


def test_the_upload_form_stores_a_letter_signed_elsewhere(app, cast, draft, trust_only):
    advance(cast, draft["id"], sop.SIGNED)
    page = BeautifulSoup(app.get(tk.url_for("sopsektoral.letter_read", id=draft["id"]),
                                 headers=_headers(cast.signer)).body, "html.parser")
    form = page.select_one("form.sopsektoral-pdf-upload")
    assert form is not None and form.find("input", attrs={"name": "_csrf_token"})
    approved = _bytes(_pdf(cast.drafter, draft["id"]))
    signed = trust_only.sign(approved, reason="Surat", location="Balikpapan")
    resp = app.post(form["action"], headers=_headers(cast.signer),
                    data={"upload": (io.BytesIO(signed), "surat-ttd.pdf")}, content_type="multipart/form-data",
                    follow_redirects=False)
    assert resp.status_code == 302
    assert pdf.document_of(draft["id"]).signed_sha256 == pdf.sha256(signed)
    # Signed now: no form any more.
    page = BeautifulSoup(app.get(tk.url_for("sopsektoral.letter_read", id=draft["id"]),
                                 headers=_headers(cast.drafter)).body, "html.parser")
    assert page.select_one("form.sopsektoral-pdf-upload") is None


# ---------------------------------------------------------------- properties

# As many examples as the long property runs make (SOPSEKTORAL_PROPERTY_EXAMPLES: 10 on the CI's
# CKAN 2.11 lane, 3 elsewhere), twice over: each example renders or checks a PDF.
PROPERTY = settings(max_examples=2 * int(os.environ.get("SOPSEKTORAL_PROPERTY_EXAMPLES") or 10), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@PROPERTY
@given(data=st.data())
def test_no_changed_copy_passes_as_the_signed_letter(cast, draft, certificates, data):
    """Whatever byte of the signed PDF is changed, cut or added, the verification page never
    calls the copy the letter as signed; the unchanged file always is."""
    if pdf.document_of(draft["id"]) is None:
        _sign(cast, draft["id"])
    signed = _bytes(_pdf(cast.drafter, draft["id"]))
    index = data.draw(st.integers(0, len(signed) - 1), label="index")
    how = data.draw(st.sampled_from(["flip", "cut", "insert", "truncate"]), label="how")
    copy = bytearray(signed)
    if how == "flip":
        copy[index] ^= data.draw(st.integers(1, 255), label="mask")
    elif how == "cut":
        del copy[index]
    elif how == "insert":
        copy.insert(index, data.draw(st.integers(0, 255), label="byte"))
    else:
        del copy[max(index, 1):]  # an empty file is refused as such
    anonymous = {"user": None, "ignore_auth": False}
    checked = call_action("sopsektoral_letter_verify", anonymous, id=draft["id"], upload=_file(bytes(copy)))
    assert checked["check"]["verdict"] in ("altered", "different")
    assert call_action("sopsektoral_letter_verify", anonymous, id=draft["id"],
                       upload=_file(signed))["check"]["verdict"] == "identical"


@PROPERTY
@given(body=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=300),
       subject=st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=120))
def test_any_text_the_drafter_types_renders(cast, draft, body, subject):
    """The letter renders whatever the drafter typed (markup, quotes, any script), as text."""
    letter = model.Session.get(Letter, draft["id"])
    doc = letter_content.content(letter) | {"body": body, "subject": subject}
    data = letter_content.render(doc)
    assert data.startswith(b"%PDF-")
    if "<b>" in body:
        assert "<b>" in _text(data)


def test_the_letter_is_laid_out_as_the_sop_file_says(cast, draft, certificates):
    """Letterhead, signature title, a.n., and one letter to all OPDs or one to each: from the SOP
    file's ``letter.document`` (Balikpapan's: one letter to all; the second file's: one per OPD,
    signed on behalf of the Bupati)."""
    layout = cast.sop.layout
    _sign(cast, draft["id"])
    text = " ".join(_text(_bytes(_pdf(cast.drafter, draft["id"]))).split())
    for line in layout.letterhead:
        assert line in text
    assert " ".join(layout.signature_title.split()) in text
    if layout.on_behalf_of:
        assert f"a.n. {layout.on_behalf_of}" in text
    else:
        assert "a.n." not in text
    opds = [g["organization_title"] for g in draft["organizations"]]
    letters = text.count(layout.letterhead[0])
    assert letters == (len(opds) if layout.addressees == "per_opd" else 1)
    for opd in opds:
        assert f"{layout.addressee_prefix} {opd}" in text


def test_a_letter_signed_before_the_portal_kept_pdfs_gets_its_pdf_from_the_command(cast, sent, certificates, cli):
    """An upgraded portal: a letter signed and sent without a signing record (no
    sopsektoral_letter_document row) is downloadable at once, and `ckan sopsektoral letter-pdf`
    records it from its sign event and signs it; run again, it has nothing to do."""
    from ckanext.sopsektoral.cli import sopsektoral

    model.Session.execute(sa.text("DELETE FROM sopsektoral_letter_document"))
    model.Session.commit()
    assert _pdf(cast.operator, sent["id"])["kind"] == "approved"
    assert pdf.pending() == [sent["id"]]
    result = cli.invoke(sopsektoral, ["letter-pdf"])
    assert result.exit_code == 0, result.output
    assert f"{sent['id']}: signed" in result.output
    signed = _pdf(cast.operator, sent["id"])
    assert signed["kind"] == "signed" and signed["signer"] == cast.signer["fullname"]
    text = " ".join(_text(_bytes(signed)).split())
    assert sent["number"] in text
    assert call_action("sopsektoral_letter_verify", {"user": None}, id=sent["id"])["signed"] is True
    assert pdf.pending() == []
    assert "0 of 0" in cli.invoke(sopsektoral, ["letter-pdf"]).output


def test_a_remote_signing_service_signs_the_letter(cast, draft, tmp_path, ckan_config, monkeypatch):
    """Remote mode, end to end: the signature asks the service for the signer's certificate, the
    job has it sign the PDF; with the service down, the signature is refused and nothing moves."""
    import threading

    from werkzeug.serving import make_server

    from ckanext.sopsektoral.letters.remote_signer import SigningService

    paths = pki.demo_pki(tmp_path, [{"user_name": cast.signer["name"], "name": cast.signer["fullname"]}],
                         PASSPHRASE)
    server = make_server("127.0.0.1", 0, SigningService(tmp_path, PASSPHRASE, token="rahasia"), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    for key, value in {"mode": "remote", "remote_url": url, "remote_token": "rahasia", "remote_timeout": "10",
                       "trust_roots": str(paths["ca"])}.items():
        monkeypatch.setitem(ckan_config, SIGNING + key, value)
    try:
        letter = _sign(cast, draft["id"])
        result = _pdf(cast.drafter, draft["id"])
        assert result["kind"] == "signed" and result["signed_source"] == "remote"
        assert signing.inspect_pdf(_bytes(result))["verdict"] == "valid"
        assert letter["number"] in " ".join(_text(_bytes(result)).split())
    finally:
        server.shutdown()
        thread.join(timeout=5)
    # A second letter, with the service down: its signature is refused, nothing moves.
    entry = more_entries(["Jumlah Halte Bus"])[0]
    other = call_action("sopsektoral_letter_create", as_user(cast.drafter), subject="Surat kedua", data_year=2026,
                        items=[entry["id"]])
    advance(cast, other["id"], cast.state(-1))
    with pytest.raises(tk.ValidationError) as err:
        call_action("sopsektoral_letter_sign", as_user(cast.signer), id=other["id"])
    assert "signature" in err.value.error_dict
    model.Session.rollback()
    assert model.Session.get(Letter, other["id"]).state == cast.state(-1)
