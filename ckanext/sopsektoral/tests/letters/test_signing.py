"""Electronic signatures on the letter's PDF: local and remote signing, checking uploads."""
from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import threading

import pytest
from werkzeug.serving import make_server

from ckanext.sopsektoral import pki
from ckanext.sopsektoral.letters import signing
from ckanext.sopsektoral.letters.remote_signer import SigningService

PASSPHRASE = "rahasia-demo"
KADIS = {"user_name": "kadis", "name": "Dr. Budi Santoso, M.Si.", "nip": "197501012000031001"}
SEKDIS = {"user_name": "sekdis", "name": "Siti Aminah, S.Kom.", "nip": "198002022005012002"}


def make_pdf(letter_id: str | None = "3f2a-surat", text: str = "") -> bytes:
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter()
    writer.add_blank_page(595, 842)
    metadata = {"/Title": f"Surat permintaan {text}"}
    if letter_id:
        metadata["/Keywords"] = f"statistik sektoral, sopsektoral-letter:{letter_id}"
    writer.add_metadata(metadata)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def append_unsigned_update(signed: bytes) -> bytes:
    """A second incremental update without a signature (a page added after signing)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    writer.root[generic.NameObject("/Lang")] = generic.TextStringObject("id-ID")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def pki_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pki")
    pki.demo_pki(directory, [KADIS, SEKDIS], PASSPHRASE)
    return directory


@pytest.fixture(scope="module")
def ca(pki_dir):
    return pki_dir / pki.CA_CERT


@pytest.fixture(scope="module")
def approved():
    return make_pdf()


@pytest.fixture(scope="module")
def signed(pki_dir, approved):
    signer = signing.LocalSigner(pki_dir / "kadis.p12", PASSPHRASE)
    return signer.sign(approved, reason="Surat 490/12/M/DISKOMINFO", location="Balikpapan")


# ---------------------------------------------------------------- pki

def test_the_demo_pki_is_idempotent(tmp_path):
    first = pki.demo_pki(tmp_path, [KADIS], PASSPHRASE)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert set(before) == {"ca.pem", "ca-key.pem", "kadis.p12"}
    again = pki.demo_pki(tmp_path, [KADIS, SEKDIS], PASSPHRASE)
    assert first["kadis"] == again["kadis"] and first["ca"] == again["ca"]
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert {k: after[k] for k in before} == before  # nothing rewritten
    assert "sekdis.p12" in after
    assert oct((tmp_path / "ca-key.pem").stat().st_mode & 0o777) == "0o600"
    with pytest.raises(ValueError):
        pki.pkcs12_path(tmp_path, "../etc")


def test_the_certificate_names_the_officer_and_the_office(pki_dir):
    info = signing.LocalSigner(pki_dir / "kadis.p12", PASSPHRASE).check()
    assert info["common_name"] == KADIS["name"]
    assert info["organization"] == pki.DEFAULT_ORGANIZATION
    assert info["serial_number"] == KADIS["nip"]
    assert info["issuer_common_name"] == pki.DEFAULT_CA_NAME
    assert int(info["serial"], 16) > 0
    assert dt.datetime.fromisoformat(info["not_before"]) < dt.datetime.now(dt.timezone.utc)
    assert dt.datetime.fromisoformat(info["not_after"]) > dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=700)


# ---------------------------------------------------------------- local signing and inspection

def test_a_locally_signed_pdf_is_valid_with_the_ca_as_trust_root(signed, approved, ca):
    assert signed.startswith(approved)
    report = signing.inspect_pdf(signed, approved=approved, trust_roots=[ca])
    assert report["verdict"] == "valid", report
    assert report["matches_approved"] is True
    assert report["letter_id"] == "3f2a-surat"
    assert report["is_pdf"] and len(report["sha256"]) == 64 and report["size"] == len(signed)
    [signature] = report["signatures"]
    assert signature["field_name"] == "TTE"
    assert signature["common_name"] == KADIS["name"] and signature["serial_number"] == KADIS["nip"]
    assert signature["issuer_common_name"] == pki.DEFAULT_CA_NAME
    assert signature["intact"] and signature["valid"] and signature["trusted"] and signature["covers_entire_file"]
    assert signature["coverage"] == "ENTIRE_FILE"
    signed_at = dt.datetime.fromisoformat(signature["signing_time"])
    assert abs(dt.datetime.now(dt.timezone.utc) - signed_at) < dt.timedelta(minutes=5)


def test_without_the_trust_root_the_signature_is_untrusted(signed, approved):
    report = signing.inspect_pdf(signed, approved=approved, trust_roots=[])
    assert report["verdict"] == "untrusted"
    assert report["signatures"][0]["intact"] and not report["signatures"][0]["trusted"]
    assert report["matches_approved"] is True


def test_a_flipped_byte_makes_the_signature_altered(signed, approved, ca):
    position = signed.index(b"/MediaBox")  # inside the approved, signed content
    flipped = signed[:position] + b"/MediaBoy" + signed[position + len(b"/MediaBox"):]
    report = signing.inspect_pdf(flipped, approved=approved, trust_roots=[ca])
    assert report["verdict"] == "altered"
    assert report["signatures"] and not report["signatures"][0]["intact"]
    assert report["matches_approved"] is False


def test_content_added_after_signing_is_altered(signed, approved, ca):
    updated = append_unsigned_update(signed)
    assert updated.startswith(signed) and len(updated) > len(signed)
    report = signing.inspect_pdf(updated, approved=approved, trust_roots=[ca])
    assert report["verdict"] == "altered"
    assert report["signatures"][0]["intact"] and not report["signatures"][0]["covers_entire_file"]
    assert report["matches_approved"] is False


def test_a_signed_pdf_of_another_content_does_not_match_the_approved(pki_dir, approved, ca):
    other = make_pdf(text="lain")
    signed_other = signing.LocalSigner(pki_dir / "kadis.p12", PASSPHRASE).sign(
        other, reason="lain", location="Balikpapan")
    report = signing.inspect_pdf(signed_other, approved=approved, trust_roots=[ca])
    assert report["verdict"] == "valid" and report["matches_approved"] is False
    assert signing.inspect_pdf(approved, approved=approved)["matches_approved"] is False  # unsigned


def test_an_unsigned_pdf_is_unsigned(approved):
    report = signing.inspect_pdf(make_pdf(letter_id=None), approved=approved, trust_roots=[])
    assert report["verdict"] == "unsigned" and report["signatures"] == []
    assert report["letter_id"] is None and report["matches_approved"] is False


@pytest.mark.parametrize("data", [b"", b"hello", b"%PDF-1.7\n garbage \x00\xff" * 10, bytes(range(256)) * 40])
def test_garbage_is_not_a_pdf(data):
    report = signing.inspect_pdf(data, approved=b"%PDF-1.7", trust_roots=[])
    assert report["verdict"] == "not_pdf" and report["is_pdf"] is False
    assert report["signatures"] == [] and report["matches_approved"] is False
    assert report["message"]


def test_a_truncated_signed_pdf_is_not_valid(signed, ca):
    report = signing.inspect_pdf(signed[: len(signed) - 600], trust_roots=[ca])
    assert report["verdict"] != "valid"


def test_a_second_signature_keeps_the_first_valid(signed, pki_dir, ca):
    signer = signing.LocalSigner(pki_dir / "sekdis.p12", PASSPHRASE, field_name="TTE2")
    twice = signer.sign(signed, reason="paraf", location="Balikpapan")
    report = signing.inspect_pdf(twice, approved=signed, trust_roots=[ca])
    assert [s["field_name"] for s in report["signatures"]] == ["TTE", "TTE2"]
    assert report["verdict"] == "valid" and report["matches_approved"] is True


# ---------------------------------------------------------------- local signer errors

def test_a_wrong_passphrase_is_a_signing_error(pki_dir):
    with pytest.raises(signing.SigningError, match="passphrase"):
        signing.LocalSigner(pki_dir / "kadis.p12", "salah").check()


def test_a_missing_file_is_a_signing_error(tmp_path, approved):
    signer = signing.LocalSigner(tmp_path / "nobody.p12", PASSPHRASE)
    with pytest.raises(signing.SigningError, match="missing"):
        signer.check()
    with pytest.raises(signing.SigningError):
        signer.sign(approved, reason="x", location="y")


def test_an_expired_or_future_certificate_is_a_signing_error(pki_dir, approved):
    long_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=800)
    pki.issue_pkcs12(pki_dir, "lama", "Pejabat Lama", PASSPHRASE, days=730, valid_from=long_ago)
    expired = signing.LocalSigner(pki_dir / "lama.p12", PASSPHRASE)
    with pytest.raises(signing.SigningError, match="expired"):
        expired.check()
    with pytest.raises(signing.SigningError, match="expired"):
        expired.sign(approved, reason="x", location="y")
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3)
    pki.issue_pkcs12(pki_dir, "baru", "Pejabat Baru", PASSPHRASE, valid_from=later)
    with pytest.raises(signing.SigningError, match="not valid yet"):
        signing.LocalSigner(pki_dir / "baru.p12", PASSPHRASE).check()


def test_a_pdf_that_cannot_be_signed_is_a_signing_error(pki_dir):
    with pytest.raises(signing.SigningError):
        signing.LocalSigner(pki_dir / "kadis.p12", PASSPHRASE).sign(b"not a pdf", reason="x", location="y")


# ---------------------------------------------------------------- poppler

@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="pdfsig (poppler-utils) is not installed")
def test_pdfsig_agrees(signed, tmp_path):
    good = tmp_path / "signed.pdf"
    good.write_bytes(signed)
    output = subprocess.run(["pdfsig", str(good)], capture_output=True, text=True, timeout=60).stdout
    assert "Signature is Valid" in output and "Total document signed" in output
    position = signed.index(b"/MediaBox")
    bad = tmp_path / "flipped.pdf"
    bad.write_bytes(signed[:position] + b"/MediaBoy" + signed[position + len(b"/MediaBox"):])
    output = subprocess.run(["pdfsig", str(bad)], capture_output=True, text=True, timeout=60).stdout
    assert "Signature is Valid" not in output


# ---------------------------------------------------------------- remote signing

@pytest.fixture(scope="module")
def service(pki_dir):
    app = SigningService(pki_dir, PASSPHRASE, token="s3cret")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def test_the_remote_signer_signs_through_the_reference_service(service, approved, ca):
    signer = signing.RemoteSigner(service, "s3cret", 30, user_name="kadis")
    assert signer.check()["common_name"] == KADIS["name"]
    signed = signer.sign(approved, reason="Surat 490/12", location="Balikpapan", contact="kadis@example.go.id")
    report = signing.inspect_pdf(signed, approved=approved, trust_roots=[ca])
    assert report["verdict"] == "valid" and report["matches_approved"] is True
    assert report["signatures"][0]["serial_number"] == KADIS["nip"]


def test_the_remote_signer_without_the_right_token_is_refused(service, approved):
    for token in (None, "wrong"):
        signer = signing.RemoteSigner(service, token, 30, user_name="kadis")
        with pytest.raises(signing.SigningError, match="credentials"):
            signer.check()
        with pytest.raises(signing.SigningError, match="credentials"):
            signer.sign(approved, reason="x", location="y")


def test_the_remote_signer_reports_an_unknown_signer_and_bad_input(service, approved):
    import requests

    with pytest.raises(signing.SigningError, match="no certificate"):
        signing.RemoteSigner(service, "s3cret", 30, user_name="nobody").check()
    answer = requests.post(service, headers={"Authorization": "Bearer s3cret"},
                           files={"file": ("x.pdf", b"hello", "application/pdf")}, data={"signer": "kadis"},
                           timeout=30)
    assert answer.status_code == 400 and answer.json()["error"] == "file: not a PDF"
    with pytest.raises(signing.SigningError, match="cannot be reached"):
        signing.RemoteSigner("http://127.0.0.1:9", None, 5, user_name="kadis").check()


def test_a_remote_answer_that_is_not_the_sent_pdf_signed_is_refused(pki_dir, approved):
    """A service that answers another signed PDF (a region's adapter gone wrong), served for real:
    the documented extension point, sign_pdf, overridden in a subclass."""
    other = signing.LocalSigner(pki_dir / "kadis.p12", PASSPHRASE).sign(
        make_pdf(text="lain"), reason="x", location="y")

    class WrongDocument(SigningService):
        def sign_pdf(self, pdf, **kwargs):
            return other

    server = make_server("127.0.0.1", 0, WrongDocument(pki_dir, PASSPHRASE, token="s3cret"), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(signing.SigningError, match="refused"):
            signing.RemoteSigner(f"http://127.0.0.1:{server.server_port}", "s3cret", 30,
                                 user_name="kadis").sign(approved, reason="x", location="y")
    finally:
        server.shutdown()
        thread.join(timeout=5)


# ---------------------------------------------------------------- configuration

def test_upload_is_the_default_mode():
    assert signing.signer_for("kadis") is None


@pytest.mark.ckan_config("ckanext.sopsektoral.signing.mode", "local")
def test_local_mode_uses_the_officer_file_then_the_office_file(ckan_config, monkeypatch, pki_dir, approved, ca):
    monkeypatch.setitem(ckan_config, "ckanext.sopsektoral.signing.pkcs12_dir", str(pki_dir))
    monkeypatch.setitem(ckan_config, "ckanext.sopsektoral.signing.pkcs12_passphrase", PASSPHRASE)
    monkeypatch.setitem(ckan_config, "ckanext.sopsektoral.signing.trust_roots", f"{ca} /nonexistent/root.pem")
    signer = signing.signer_for("kadis")
    assert isinstance(signer, signing.LocalSigner) and isinstance(signer, signing.LetterSigner)
    assert signer.path == pki_dir / "kadis.p12"
    assert signing.inspect_pdf(signer.sign(approved, reason="r", location="l"))["verdict"] == "valid"
    with pytest.raises(signing.SigningError):
        signing.signer_for("stranger")
    monkeypatch.setitem(ckan_config, "ckanext.sopsektoral.signing.pkcs12_file", str(pki_dir / "sekdis.p12"))
    assert signing.signer_for("stranger").check()["common_name"] == SEKDIS["name"]


@pytest.mark.ckan_config("ckanext.sopsektoral.signing.mode", "remote")
@pytest.mark.ckan_config("ckanext.sopsektoral.signing.remote_token", "s3cret")
@pytest.mark.ckan_config("ckanext.sopsektoral.signing.remote_timeout", "7")
def test_remote_mode(ckan_config, monkeypatch, service):
    with pytest.raises(signing.SigningError):
        signing.signer_for("kadis")  # no URL
    monkeypatch.setitem(ckan_config, "ckanext.sopsektoral.signing.remote_url", service + "/")
    signer = signing.signer_for("kadis")
    assert isinstance(signer, signing.RemoteSigner)
    assert (signer.url, signer.token, signer.timeout, signer.user_name) == (service, "s3cret", 7, "kadis")
    assert signer.check()["common_name"] == KADIS["name"]


@pytest.mark.ckan_config("ckanext.sopsektoral.signing.mode", "smartcard")
def test_an_unknown_mode_is_a_signing_error():
    with pytest.raises(signing.SigningError):
        signing.signer_for("kadis")


# ---------------------------------------------------------------- the CLI (ckan sopsektoral pki ...)

def test_the_pki_commands(tmp_path):
    from click.testing import CliRunner

    from ckanext.sopsektoral.signing_cli import pki as pki_group

    runner = CliRunner()
    result = runner.invoke(pki_group, ["demo", str(tmp_path), "--passphrase", PASSPHRASE,
                                       "--officer", "kadis:Dr. Budi Santoso:197501012000031001",
                                       "--officer", "sekdis:Siti Aminah"])
    assert result.exit_code == 0, result.output
    assert {p.name for p in tmp_path.iterdir()} == {"ca.pem", "ca-key.pem", "kadis.p12", "sekdis.p12"}
    assert signing.LocalSigner(tmp_path / "sekdis.p12", PASSPHRASE).check()["serial_number"] is None
    result = runner.invoke(pki_group, ["issue", str(tmp_path), "plt", "Andi", "--passphrase", PASSPHRASE,
                                       "--nip", "1990", "--days", "30"])
    assert result.exit_code == 0 and result.output.strip() == str(tmp_path / "plt.p12")
    assert signing.LocalSigner(tmp_path / "plt.p12", PASSPHRASE).check()["serial_number"] == "1990"
    assert runner.invoke(pki_group, ["demo", str(tmp_path), "--passphrase", "x", "--officer", "bad"]).exit_code == 2
