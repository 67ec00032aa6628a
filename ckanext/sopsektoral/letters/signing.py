"""Electronic signatures (PAdES) on the request letter's PDF.

When the Kepala Dinas signs a letter, the portal signs the letter's PDF with the
signer the deployment configures (``ckanext.sopsektoral.signing.mode``):

``upload`` (the default)
    The PDF is signed outside the portal (e.g. in the region's TTE application)
    and uploaded; :func:`inspect_pdf` checks that the signature is intact and
    trusted and that the signed content is exactly the PDF the portal approved.
``local``
    The portal signs with a PKCS#12 file: ``<pkcs12_dir>/<user_name>.p12`` for
    the officer who signs, or else the office's ``pkcs12_file``; both opened
    with ``pkcs12_passphrase``.
``remote``
    The portal sends the PDF to a signing service (the region's TTE service,
    e.g. one backed by BSrE, through a small adapter) that speaks the interface
    below. ``letters/remote_signer.py`` is a reference implementation.

Every signature is an incremental update: the signed PDF starts with the exact
bytes of the PDF that was approved, and the signature covers the entire file.

Remote signing interface
------------------------

The portal is the client; ``<remote_url>`` is ``ckanext.sopsektoral.signing.remote_url``
(without a trailing slash). When ``ckanext.sopsektoral.signing.remote_token`` is set,
every request carries the header ``Authorization: Bearer <token>``; a service that
expects a token answers 401 to a request without the right one. Every request
waits at most ``ckanext.sopsektoral.signing.remote_timeout`` seconds.

``POST <remote_url>``
    Signs a PDF. The body is ``multipart/form-data`` with the fields:

    - ``file``: the PDF to sign (content type ``application/pdf``);
    - ``signer``: the CKAN user name of the officer who signs (the service maps it
      to the officer's certificate and key, or to its own identity of the officer);
    - ``reason``: the reason to record in the signature (e.g. the letter's number);
    - ``location``: the place to record in the signature (e.g. the city);
    - ``contact`` (optional): contact information of the signer to record.

    Success: status 200, content type ``application/pdf``, the body being the same
    PDF signed as PAdES (sub-filter ``ETSI.CAdES.detached``) in one incremental
    update appended to the bytes that were sent, unchanged. Any other answer is a
    failure, with a JSON body ``{"error": "<message>"}`` (status 400 for a bad
    request, 401 for a missing or wrong token, 404 for an unknown signer, 5xx for
    a failure of the service or of the TTE behind it).

``GET <remote_url>/certificate?signer=<user_name>``
    The signer's certificate: status 200 with the certificate in PEM
    (``application/x-pem-file``; a chain may follow, the first certificate is the
    signer's). Failures as above. The portal uses it to check before signing
    that the signer can sign (known, certificate currently valid).

The portal validates every PDF it gets back and refuses it unless the PDF starts
with the bytes sent, has exactly one new revision holding a signature, and that
signature is intact, cryptographically valid, made with a certificate and covers
the entire file. Whether the certificate chains to a trusted root
(``ckanext.sopsektoral.signing.trust_roots``) is reported by :func:`inspect_pdf`.
"""
from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import hashlib
import io
import logging
import pathlib
import re
from collections.abc import Iterable, Iterator
from typing import Any, Protocol, runtime_checkable

from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from cryptography.x509.oid import NameOID

import ckan.plugins.toolkit as tk

from ckanext.sopsektoral import config

__all__ = [
    "LetterSigner", "LocalSigner", "RemoteSigner", "SigningError", "VERDICTS",
    "certificate_info", "inspect_pdf", "load_trust_roots", "signer_for", "verdict_label",
]

log = logging.getLogger(__name__)

LETTER_KEYWORD = re.compile(r"sopsektoral-letter:([A-Za-z0-9][A-Za-z0-9._-]*)")
_DER = Encoding.DER
VERDICTS = ("valid", "untrusted", "altered", "unsigned", "not_pdf")


class SigningError(Exception):
    """Signing is not possible or failed; ``message`` is for the user (already translated)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@runtime_checkable
class LetterSigner(Protocol):
    """What signs a letter's PDF (LocalSigner, RemoteSigner, or another with the same methods)."""

    def check(self) -> dict[str, Any]:
        """The signer's certificate (:func:`certificate_info`); SigningError when it cannot sign now."""
        ...

    def sign(self, pdf: bytes, *, reason: str, location: str, contact: str | None = None) -> bytes:
        """``pdf`` signed in an incremental update (PAdES); SigningError on failure."""
        ...


# ---------------------------------------------------------------- certificates

def _name_part(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def certificate_info(cert: x509.Certificate | asn1_x509.Certificate) -> dict[str, Any]:
    """Who a certificate names and when it is valid: ``common_name``, ``organization``,
    ``serial_number`` (the subject's, the NIP in Indonesian certificates), ``issuer_common_name``,
    ``issuer_organization``, ``serial`` (the certificate's, hex), ``not_before``, ``not_after`` (ISO)."""
    if isinstance(cert, asn1_x509.Certificate):
        cert = x509.load_der_x509_certificate(cert.dump())
    return {
        "common_name": _name_part(cert.subject, NameOID.COMMON_NAME),
        "organization": _name_part(cert.subject, NameOID.ORGANIZATION_NAME),
        "serial_number": _name_part(cert.subject, NameOID.SERIAL_NUMBER),
        "issuer_common_name": _name_part(cert.issuer, NameOID.COMMON_NAME),
        "issuer_organization": _name_part(cert.issuer, NameOID.ORGANIZATION_NAME),
        "serial": format(cert.serial_number, "x"),
        "not_before": _utc(cert.not_valid_before_utc).isoformat(),
        "not_after": _utc(cert.not_valid_after_utc).isoformat(),
    }


def _check_validity(cert: x509.Certificate) -> dict[str, Any]:
    now = dt.datetime.now(dt.timezone.utc)
    info = certificate_info(cert)
    if now < cert.not_valid_before_utc:
        raise SigningError(tk._("The signing certificate is not valid yet (valid from {date}).").format(
            date=info["not_before"]))
    if now > cert.not_valid_after_utc:
        raise SigningError(tk._("The signing certificate expired on {date}.").format(date=info["not_after"]))
    return info


def load_trust_roots(items: Iterable[Any] | None) -> list[asn1_x509.Certificate]:
    """Certificates from paths of PEM or DER files (each may hold several), PEM/DER bytes, or
    certificate objects (``cryptography`` or ``asn1crypto``). An unreadable file is logged and skipped."""
    roots: list[asn1_x509.Certificate] = []
    for item in items or ():
        if isinstance(item, asn1_x509.Certificate):
            roots.append(item)
            continue
        if isinstance(item, x509.Certificate):
            roots.append(asn1_x509.Certificate.load(item.public_bytes(_DER)))
            continue
        data = item
        if isinstance(item, (str, pathlib.Path)):
            try:
                data = pathlib.Path(item).read_bytes()
            except OSError as err:
                log.error("trust root %s cannot be read: %s", item, err)
                continue
        try:
            if asn1_pem.detect(data):
                roots.extend(asn1_x509.Certificate.load(der) for _, _, der in asn1_pem.unarmor(data, multiple=True))
            else:
                roots.append(asn1_x509.Certificate.load(data))
        except (ValueError, TypeError) as err:
            log.error("trust root %r is not a certificate: %s", item if isinstance(item, (str, pathlib.Path))
                      else "(bytes)", err)
    return roots


# ---------------------------------------------------------------- pyhanko

def _signature_metadata(field_name: str, reason: str, location: str, contact: str | None) -> Any:
    from pyhanko.sign import fields, signers

    options: dict[str, Any] = {"field_name": field_name, "subfilter": fields.SigSeedSubFilter.PADES,
                               "md_algorithm": "sha256", "reason": reason or None, "location": location or None}
    # pyhanko < 0.21 has no contact_info: the contact is then not recorded.
    if contact and "contact_info" in signers.PdfSignatureMetadata.__dataclass_fields__:
        options["contact_info"] = contact
    return signers.PdfSignatureMetadata(**options)


_quiet = contextvars.ContextVar("sopsektoral_quiet_pyhanko", default=False)


class _QuietPathErrors(logging.Filter):
    """pyhanko logs a traceback for every certificate it cannot chain to a trust root; an
    untrusted signature is an expected answer of inspect_pdf, not an error of the portal."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _quiet.get()


for _name in ("pyhanko.sign.validation.generic_cms", "pyhanko.sign.validation.pdf_embedded"):
    logging.getLogger(_name).addFilter(_QuietPathErrors())


@contextlib.contextmanager
def _quietly() -> Iterator[None]:
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


# ---------------------------------------------------------------- local

class LocalSigner:
    """Signs with the key and certificate of a PKCS#12 file."""

    def __init__(self, path: str | pathlib.Path, passphrase: str | bytes | None, *, field_name: str = "TTE"):
        self.path = pathlib.Path(path)
        self.passphrase = passphrase.encode() if isinstance(passphrase, str) else passphrase
        self.field_name = field_name

    def __repr__(self) -> str:
        return f"LocalSigner({str(self.path)!r})"

    def _load(self) -> tuple[Any, x509.Certificate, list[x509.Certificate]]:
        try:
            data = self.path.read_bytes()
        except OSError:
            log.warning("signing: PKCS#12 file %s cannot be read", self.path)
            raise SigningError(tk._("The signing certificate file is missing or cannot be read.")) from None
        try:
            key, cert, chain = pkcs12.load_key_and_certificates(data, self.passphrase or None)
        except ValueError:
            raise SigningError(tk._(
                "The signing certificate file cannot be opened: wrong passphrase or not a PKCS#12 file.")) from None
        if key is None or cert is None:
            raise SigningError(tk._("The signing certificate file holds no key or no certificate."))
        return key, cert, list(chain or [])

    def check(self) -> dict[str, Any]:
        _, cert, _ = self._load()
        return _check_validity(cert)

    def sign(self, pdf: bytes, *, reason: str, location: str, contact: str | None = None) -> bytes:
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import signers
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        key, cert, chain = self._load()
        _check_validity(cert)
        signer = signers.SimpleSigner(
            signing_cert=asn1_x509.Certificate.load(cert.public_bytes(_DER)),
            signing_key=_private_key_info(key),
            cert_registry=SimpleCertificateStore.from_certs(
                [asn1_x509.Certificate.load(c.public_bytes(_DER)) for c in chain]),
        )
        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
            signed = _outside_event_loop(
                signers.sign_pdf, writer, _signature_metadata(self.field_name, reason, location, contact), signer,
            ).getvalue()
        except Exception as err:  # pyhanko raises many kinds (PdfReadError, SigningError, ValueError...)
            log.exception("signing: pyhanko could not sign with %s", self.path)
            raise SigningError(tk._("The PDF could not be signed: {error}").format(error=err)) from err
        _accept_signed(pdf, signed)
        return signed


def _private_key_info(key: Any) -> Any:
    from asn1crypto import keys
    from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

    return keys.PrivateKeyInfo.load(key.private_bytes(_DER, PrivateFormat.PKCS8, NoEncryption()))


def _accept_signed(sent: bytes, signed: bytes) -> dict[str, Any]:
    """Refuse a signed PDF that is not ``sent`` plus one intact, valid signature over the whole file."""
    report = inspect_pdf(signed, approved=sent, trust_roots=[])
    last = report["signatures"][-1] if report["signatures"] else None
    if not (report["matches_approved"] and last and last["intact"] and last["valid"]
            and last["common_name"] is not None):
        log.error("signing: the signed PDF was refused: %s", {k: v for k, v in report.items() if k != "message"})
        raise SigningError(tk._("The signed PDF was refused: it is not the letter's PDF with one valid "
                                "signature over the whole file."))
    return report


# ---------------------------------------------------------------- remote

class RemoteSigner:
    """Signs through a signing service speaking the interface of this module's docstring."""

    def __init__(self, url: str, token: str | None = None, timeout: int = 60, *, user_name: str):
        self.url = url.rstrip("/")
        self.token = token or None
        self.timeout = timeout
        self.user_name = user_name

    def __repr__(self) -> str:
        return f"RemoteSigner({self.url!r}, user_name={self.user_name!r})"

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def _request(self, method: str, url: str, **kwargs: Any) -> Any:
        import requests

        try:
            response = requests.request(method, url, headers=self._headers(), timeout=self.timeout, **kwargs)
        except requests.Timeout:
            raise SigningError(tk._("The signing service did not answer in time.")) from None
        except requests.RequestException as err:
            log.error("signing: %s %s failed: %s", method, url, err)
            raise SigningError(tk._("The signing service cannot be reached.")) from None
        if response.status_code == 200:
            return response
        try:
            detail = str(response.json().get("error") or "")
        except ValueError:
            detail = ""
        log.error("signing: %s %s answered %s %s", method, url, response.status_code, detail or response.text[:200])
        if response.status_code in (401, 403):
            raise SigningError(tk._("The signing service refused the portal's credentials."))
        if response.status_code == 404:
            raise SigningError(tk._("The signing service knows no certificate for this officer."))
        raise SigningError(tk._("The signing service failed: {error}").format(
            error=detail or f"HTTP {response.status_code}"))

    def check(self) -> dict[str, Any]:
        response = self._request("GET", f"{self.url}/certificate", params={"signer": self.user_name})
        try:
            cert = x509.load_pem_x509_certificates(response.content)[0]
        except (ValueError, IndexError):
            raise SigningError(tk._("The signing service answered no certificate.")) from None
        return _check_validity(cert)

    def sign(self, pdf: bytes, *, reason: str, location: str, contact: str | None = None) -> bytes:
        data = {"signer": self.user_name, "reason": reason, "location": location}
        if contact:
            data["contact"] = contact
        response = self._request("POST", self.url, data=data,
                                 files={"file": ("letter.pdf", pdf, "application/pdf")})
        if not response.headers.get("Content-Type", "").startswith("application/pdf"):
            raise SigningError(tk._("The signing service answered something other than a PDF."))
        _accept_signed(pdf, response.content)
        return response.content


# ---------------------------------------------------------------- configuration

def signer_for(user_name: str) -> LetterSigner | None:
    """The signer configured for the officer ``user_name``; None in ``upload`` mode.

    Raises SigningError when the mode needs something that is not configured (no PKCS#12 file
    for the user nor an office file; no remote URL) or the mode is unknown."""
    mode = config.signing_mode()
    if mode == "upload":
        return None
    if mode == "local":
        candidates = []
        directory = config.signing_pkcs12_dir()
        if directory and user_name and "/" not in user_name and not user_name.startswith("."):
            candidates.append(pathlib.Path(directory) / f"{user_name}.p12")
        if config.signing_pkcs12_file():
            candidates.append(pathlib.Path(config.signing_pkcs12_file()))
        for path in candidates:
            if path.is_file():
                return LocalSigner(path, config.signing_pkcs12_passphrase(), field_name=config.signing_field_name())
        raise SigningError(tk._("No signing certificate is configured for this officer."))
    if mode == "remote":
        if not config.signing_remote_url():
            raise SigningError(tk._("No signing service is configured."))
        return RemoteSigner(config.signing_remote_url(), config.signing_remote_token(),
                                config.signing_remote_timeout(), user_name=user_name)
    log.error("signing: unknown %s %r", config.SIGNING_MODE, mode)
    raise SigningError(tk._("The signing mode of the portal is not configured correctly."))


def configured_trust_roots() -> list[asn1_x509.Certificate]:
    return load_trust_roots(config.signing_trust_roots())


# ---------------------------------------------------------------- inspection

def verdict_label(verdict: str) -> str:
    """What a verdict of inspect_pdf means, for the user."""
    labels = {
        "valid": tk._("The signature is valid: the PDF is unchanged since it was signed "
                      "with a trusted certificate."),
        "untrusted": tk._("The PDF is unchanged since it was signed, but the certificate is not "
                          "issued by a trusted authority."),
        "altered": tk._("The PDF was changed after it was signed, or a signature does not match its content."),
        "unsigned": tk._("The PDF carries no electronic signature."),
        "not_pdf": tk._("The file is not a readable PDF."),
    }
    return labels.get(verdict, verdict)


def _letter_id(reader: Any) -> str | None:
    try:
        info = reader.trailer["/Info"]  # pyhanko's TrailerDictionary has no get()
        keywords = info.get("/Keywords")
    except Exception:  # a broken /Info does not make the PDF unreadable
        return None
    if keywords is None:
        return None
    found = LETTER_KEYWORD.search(str(keywords))
    return found.group(1) if found else None


def _iso(moment: dt.datetime | None) -> str | None:
    return _utc(moment).isoformat() if moment else None


def _enum_name(value: Any) -> str | None:
    return getattr(value, "name", None) if value is not None else None


def _outside_event_loop(function: Any, *args: Any) -> Any:
    """``function(*args)``, in a thread of its own when this thread runs an asyncio event loop:
    newer pyHanko validates with ``asyncio.run``, which a running loop refuses (an async server,
    a test driving a browser)."""
    import asyncio
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args)
    import concurrent.futures
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args).result()


def _inspect_signature(embedded: Any, roots: list[asn1_x509.Certificate]) -> dict[str, Any]:
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    entry: dict[str, Any] = {
        "field_name": embedded.field_name, "common_name": None, "organization": None, "serial_number": None,
        "certificate_serial": None, "issuer_common_name": None, "issuer_organization": None,
        "signing_time": None, "intact": False, "valid": False, "trusted": False,
        "covers_entire_file": False, "coverage": None, "modification_level": None,
        "revision": getattr(embedded, "signed_revision", None), "error": None,
    }
    try:
        info = certificate_info(embedded.signer_cert)
        entry.update({k: info[k] for k in ("common_name", "organization", "serial_number",
                                           "issuer_common_name", "issuer_organization")})
        entry["certificate_serial"] = info["serial"]
        entry["not_before"], entry["not_after"] = info["not_before"], info["not_after"]
    except Exception as err:
        entry["error"] = f"certificate: {err}"
        return entry
    try:
        with _quietly():
            status = _outside_event_loop(validate_pdf_signature, embedded, ValidationContext(trust_roots=roots))
    except Exception as err:
        log.info("signing: signature %s cannot be validated: %s", embedded.field_name, err)
        entry["error"] = str(err) or type(err).__name__
        return entry
    coverage = _enum_name(status.coverage)
    entry.update({
        "signing_time": _iso(status.signer_reported_dt),
        "intact": bool(status.intact),
        "valid": bool(status.valid),
        "trusted": bool(status.trusted),
        "coverage": coverage,
        "covers_entire_file": coverage == "ENTIRE_FILE",
        "modification_level": _enum_name(status.modification_level),
        "docmdp_ok": status.docmdp_ok,
    })
    return entry


def _verdict(signatures: list[dict[str, Any]]) -> str:
    if not signatures:
        return "unsigned"
    if any(not (s["intact"] and s["valid"]) for s in signatures):
        return "altered"
    if not signatures[-1]["covers_entire_file"]:
        return "altered"  # content was added after the last signature
    if any(s["modification_level"] == "OTHER" or s.get("docmdp_ok") is False for s in signatures):
        return "altered"  # a later revision changed what an earlier signature covers
    if not all(s["trusted"] for s in signatures):
        return "untrusted"
    return "valid"


def _revisions(data: bytes) -> int | None:
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        return PdfFileReader(io.BytesIO(data), strict=False).xrefs.total_revisions
    except Exception:
        return None


def inspect_pdf(data: bytes, *, approved: bytes | None = None, trust_roots: Iterable[Any] | None = None
                ) -> dict[str, Any]:
    """What the PDF ``data`` is and who signed it; never raises on bad input.

    ``trust_roots``: anything :func:`load_trust_roots` takes; None: the configured
    ``ckanext.sopsektoral.signing.trust_roots``. ``approved``: the PDF the portal approved.

    Returns ``{"is_pdf", "sha256", "size", "letter_id", "revisions", "signatures": [...],
    "matches_approved", "verdict", "message"}``. Each signature: ``field_name``, ``common_name``,
    ``organization``, ``serial_number`` (NIP), ``certificate_serial`` (hex), ``issuer_common_name``,
    ``issuer_organization``, ``not_before``/``not_after``, ``signing_time`` (ISO, as the signer
    claims), ``intact`` (the signed bytes are unchanged), ``valid`` (cryptographically),
    ``trusted`` (the certificate chains to a trust root), ``covers_entire_file``, ``coverage`` and
    ``modification_level`` (pyhanko's names), ``revision`` and ``error`` (why it could not be checked).
    ``matches_approved`` (None without ``approved``): the data is the approved bytes followed by
    exactly one incremental update holding the last signature, which is intact and covers the
    whole file. ``verdict``: one of VERDICTS; ``message``: :func:`verdict_label`.
    """
    data = bytes(data or b"")
    result: dict[str, Any] = {
        "is_pdf": False, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "letter_id": None,
        "revisions": None, "signatures": [], "matches_approved": None if approved is None else False,
        "verdict": "not_pdf",
    }
    roots = configured_trust_roots() if trust_roots is None else load_trust_roots(trust_roots)
    try:
        if b"%PDF-" not in data[:1024]:
            raise ValueError("no PDF header")
        from pyhanko.pdf_utils.reader import PdfFileReader

        reader = PdfFileReader(io.BytesIO(data), strict=False)
        reader.root  # noqa: B018 - the catalog must be readable
        embedded = list(reader.embedded_signatures)
        result["revisions"] = reader.xrefs.total_revisions
    except Exception as err:  # anything: the bytes are not a PDF we can read
        log.debug("signing: not a readable PDF: %s", err)
        result["message"] = verdict_label("not_pdf")
        return result
    result["is_pdf"] = True
    result["letter_id"] = _letter_id(reader)
    result["signatures"] = [_inspect_signature(signature, roots) for signature in embedded]
    result["verdict"] = _verdict(result["signatures"])
    if approved is not None:
        result["matches_approved"] = _matches_approved(data, approved, result)
    result["message"] = verdict_label(result["verdict"])
    return result


def _matches_approved(data: bytes, approved: bytes, result: dict[str, Any]) -> bool:
    if not approved or len(data) <= len(approved) or not data.startswith(approved) or not result["signatures"]:
        return False
    last = result["signatures"][-1]
    before = _revisions(approved)
    return bool(before is not None and result["revisions"] == before + 1 and last["revision"] == before
                and last["intact"] and last["covers_entire_file"])
