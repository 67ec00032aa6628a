"""Reference implementation of the remote signing interface (see letters/signing.py).

A small WSGI service that signs PDFs with PKCS#12 files from a directory
(``<signer>.p12``, the signer being the CKAN user name the portal sends). It
needs neither CKAN nor the portal's database: only werkzeug, cryptography and
pyhanko. A region whose TTE service (e.g. one backed by BSrE) speaks another
protocol can keep the routes, the checks and the answers of this file and
replace :meth:`SigningService.sign_pdf` and :meth:`SigningService.certificate_pem`
with calls to its service.

Run it (the token is then required as ``Authorization: Bearer <token>``)::

    python -m ckanext.sopsektoral.letters.remote_signer --dir /etc/tte --passphrase P --port 8765 --token T

and configure the portal with ``ckanext.sopsektoral.signing.mode = remote``,
``ckanext.sopsektoral.signing.remote_url = http://127.0.0.1:8765`` and
``ckanext.sopsektoral.signing.remote_token = T``. Serve it behind HTTPS when it is
not on the portal's own host.
"""
from __future__ import annotations

import argparse
import hmac
import io
import json
import logging
import os
import pathlib
import re
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

__all__ = ["SigningService", "main"]

log = logging.getLogger(__name__)

SIGNER = re.compile(r"^[a-z0-9_-]{2,100}$")  # CKAN's user names
MAX_PDF_BYTES = 20 * 1024 * 1024


class ServiceError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class SigningService:
    """The WSGI application: ``POST /`` signs, ``GET /certificate?signer=`` answers the certificate."""

    def __init__(self, directory: str | os.PathLike[str], passphrase: str | bytes | None, *,
                 token: str | None = None, field_name: str = "TTE"):
        self.directory = pathlib.Path(directory)
        self.passphrase = passphrase.encode() if isinstance(passphrase, str) else passphrase
        self.token = token or None
        self.field_name = field_name

    # ------------------------------------------------------------ what a region replaces

    def _pkcs12(self, signer: str) -> pathlib.Path:
        if not SIGNER.match(signer or ""):
            raise ServiceError(400, "signer: not a user name")
        path = self.directory / f"{signer}.p12"
        if not path.is_file():
            raise ServiceError(404, f"no certificate for signer {signer}")
        return path

    def _load(self, signer: str) -> tuple[Any, Any, list[Any]]:
        from cryptography.hazmat.primitives.serialization import pkcs12

        try:
            key, cert, chain = pkcs12.load_key_and_certificates(self._pkcs12(signer).read_bytes(),
                                                                 self.passphrase or None)
        except ValueError:
            raise ServiceError(500, "the signer's PKCS#12 file cannot be opened") from None
        if key is None or cert is None:
            raise ServiceError(500, "the signer's PKCS#12 file holds no key or certificate")
        return key, cert, list(chain or [])

    def certificate_pem(self, signer: str) -> bytes:
        """The signer's certificate followed by its chain, PEM."""
        from cryptography.hazmat.primitives.serialization import Encoding

        _, cert, chain = self._load(signer)
        return b"".join(c.public_bytes(Encoding.PEM) for c in [cert, *chain])

    def sign_pdf(self, pdf: bytes, *, signer: str, reason: str, location: str, contact: str | None) -> bytes:
        """``pdf`` signed (PAdES, one incremental update) with the signer's key."""
        from asn1crypto import keys
        from asn1crypto import x509 as asn1_x509
        from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        key, cert, chain = self._load(signer)
        simple = signers.SimpleSigner(
            signing_cert=asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER)),
            signing_key=keys.PrivateKeyInfo.load(
                key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())),
            cert_registry=SimpleCertificateStore.from_certs(
                [asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in chain]),
        )
        options: dict[str, Any] = {"field_name": self.field_name, "subfilter": fields.SigSeedSubFilter.PADES,
                                   "md_algorithm": "sha256", "reason": reason or None,
                                   "location": location or None}
        if contact and "contact_info" in signers.PdfSignatureMetadata.__dataclass_fields__:
            options["contact_info"] = contact
        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
            return signers.sign_pdf(writer, signers.PdfSignatureMetadata(**options), signer=simple).getvalue()
        except Exception as err:
            log.exception("remote signer: signing failed")
            raise ServiceError(400, f"the PDF cannot be signed: {err}") from err

    # ------------------------------------------------------------ the interface

    def _authorize(self, request: Request) -> None:
        if not self.token:
            return
        given = request.headers.get("Authorization", "")
        expected = f"Bearer {self.token}"
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise ServiceError(401, "missing or wrong token")

    def _route(self, request: Request) -> Response:
        self._authorize(request)
        path = request.path.rstrip("/")
        if path == "/certificate" and request.method == "GET":
            signer = request.args.get("signer", "")
            return Response(self.certificate_pem(signer), mimetype="application/x-pem-file")
        if path == "" and request.method == "POST":
            upload = request.files.get("file")
            if upload is None:
                raise ServiceError(400, "file: missing")
            pdf = upload.read(MAX_PDF_BYTES + 1)
            if len(pdf) > MAX_PDF_BYTES:
                raise ServiceError(413, "file: too large")
            if not pdf.startswith(b"%PDF-"):
                raise ServiceError(400, "file: not a PDF")
            signed = self.sign_pdf(pdf, signer=request.form.get("signer", ""),
                                   reason=request.form.get("reason", ""),
                                   location=request.form.get("location", ""),
                                   contact=request.form.get("contact") or None)
            return Response(signed, mimetype="application/pdf")
        if path in ("", "/certificate"):
            raise ServiceError(405, "method not allowed")
        raise ServiceError(404, "not found")

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        request.max_content_length = MAX_PDF_BYTES + 1024 * 1024
        try:
            response = self._route(request)
        except ServiceError as err:
            response = _error(err.status, err.message)
        except HTTPException as err:
            response = _error(err.code or 400, err.description or err.name)
        except Exception:
            log.exception("remote signer: unexpected failure")
            response = _error(500, "internal error")
        return response(environ, start_response)


def _error(status: int, message: str) -> Response:
    return Response(json.dumps({"error": message}), status=status, mimetype="application/json")


def main(argv: list[str] | None = None) -> None:
    from werkzeug.serving import run_simple

    parser = argparse.ArgumentParser(description="Reference remote signing service for ckanext-sopsektoral.")
    parser.add_argument("--dir", required=True, help="directory of <user name>.p12 files")
    parser.add_argument("--passphrase", default=os.environ.get("SIGNER_PASSPHRASE", ""),
                        help="passphrase of the PKCS#12 files (default: $SIGNER_PASSPHRASE)")
    parser.add_argument("--token", default=os.environ.get("SIGNER_TOKEN", ""),
                        help="bearer token required from clients (default: $SIGNER_TOKEN; empty: none)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--field-name", default="TTE")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    app = SigningService(args.dir, args.passphrase, token=args.token or None, field_name=args.field_name)
    run_simple(args.host, args.port, app, threaded=True)


if __name__ == "__main__":
    main()
