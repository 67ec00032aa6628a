"""A small certificate authority for tests and the demo: never for production.

In production the officers' certificates come from the national CA (BSrE) and
the private keys stay with the officers or the region's signing service. This
module only makes the same kind of material for a portal that has none: a
self-signed CA (``ca.pem``, ``ca-key.pem``) and one PKCS#12 file per officer
(``<user_name>.p12``) whose certificate is fit for signing documents
(key usage digitalSignature and nonRepudiation, extended key usage
"document signing").

Every function keeps what already exists: running it twice changes nothing.
Only ``cryptography`` is needed (no CKAN), so the CLI and the reference remote
signer may use it outside a portal.
"""
from __future__ import annotations

import datetime as dt
import pathlib
from collections.abc import Iterable
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

__all__ = ["CA_CERT", "CA_KEY", "DEFAULT_CA_NAME", "create_ca", "demo_pki", "issue_pkcs12", "pkcs12_path"]

CA_CERT = "ca.pem"
CA_KEY = "ca-key.pem"
DEFAULT_CA_NAME = "Demo CA Portal Statistik Sektoral (bukan untuk produksi)"
DEFAULT_ORGANIZATION = "Dinas Komunikasi dan Informatika"

# id-kp-documentSigning (RFC 9336) and Microsoft's document signing purpose,
# which Adobe Acrobat also accepts. pyhanko accepts a signer with either.
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
MS_DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.4.1.311.10.3.12")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _new_key() -> rsa.RSAPrivateKey:
    # RSA 2048: what BSrE issues, and what every PDF reader verifies.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _write_private(path: pathlib.Path, data: bytes) -> None:
    path.write_bytes(data)
    path.chmod(0o600)


def pkcs12_path(directory: str | pathlib.Path, user_name: str) -> pathlib.Path:
    """Where the PKCS#12 file of ``user_name`` lives in ``directory``."""
    if not user_name or "/" in user_name or "\\" in user_name or user_name.startswith("."):
        raise ValueError(f"not a user name: {user_name!r}")
    return pathlib.Path(directory) / f"{user_name}.p12"


def _load_ca(directory: pathlib.Path) -> tuple[x509.Certificate, Any]:
    cert = x509.load_pem_x509_certificate((directory / CA_CERT).read_bytes())
    key = serialization.load_pem_private_key((directory / CA_KEY).read_bytes(), password=None)
    return cert, key


def create_ca(directory: str | pathlib.Path, name: str = DEFAULT_CA_NAME, *,
              organization: str = DEFAULT_ORGANIZATION, days: int = 3650) -> pathlib.Path:
    """Create the CA (``ca.pem`` and ``ca-key.pem``) in ``directory`` unless it is there;
    return the path of ``ca.pem`` (the trust root to configure)."""
    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    cert_path = directory / CA_CERT
    if cert_path.exists() and (directory / CA_KEY).exists():
        return cert_path
    key = _new_key()
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        x509.NameAttribute(NameOID.COMMON_NAME, name),
    ])
    now = _now()
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(directory / CA_KEY, key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path


def issue_pkcs12(directory: str | pathlib.Path, user_name: str, common_name: str, passphrase: str | bytes, *,
                 organization: str = DEFAULT_ORGANIZATION, nip: str | None = None, days: int = 730,
                 valid_from: dt.datetime | None = None, overwrite: bool = False) -> pathlib.Path:
    """Issue a signing certificate for ``common_name`` (the person) of ``organization`` (the office)
    by the CA of ``directory`` (created when missing) and write it with its key and the CA
    certificate to ``<directory>/<user_name>.p12``, protected by ``passphrase``.

    The NIP, when given, is the subject's serialNumber. ``valid_from`` (default now) and ``days``
    give the validity period (the tests make expired certificates with them). An existing file is
    kept unless ``overwrite``. Returns the file's path."""
    directory = pathlib.Path(directory)
    target = pkcs12_path(directory, user_name)
    if target.exists() and not overwrite:
        return target
    create_ca(directory)
    ca_cert, ca_key = _load_ca(directory)
    key = _new_key()
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ]
    if nip:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, nip))
    start = (valid_from or _now()).astimezone(dt.timezone.utc) - dt.timedelta(minutes=5)
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attributes))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([DOCUMENT_SIGNING, MS_DOCUMENT_SIGNING,
                                              ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    secret = passphrase.encode() if isinstance(passphrase, str) else passphrase
    data = pkcs12.serialize_key_and_certificates(
        name=user_name.encode(), key=key, cert=cert, cas=[ca_cert],
        encryption_algorithm=serialization.BestAvailableEncryption(secret))
    _write_private(target, data)
    return target


def demo_pki(directory: str | pathlib.Path, officers: Iterable[dict[str, Any]], passphrase: str | bytes, *,
             organization: str = DEFAULT_ORGANIZATION) -> dict[str, pathlib.Path]:
    """The CA and one PKCS#12 file per officer (``{"user_name", "name", "nip"?, "organization"?}``);
    returns ``{"ca": ca.pem, <user_name>: <user_name>.p12, ...}``. Existing files are kept."""
    paths = {"ca": create_ca(directory)}
    for officer in officers:
        paths[officer["user_name"]] = issue_pkcs12(
            directory, officer["user_name"], officer.get("name") or officer["user_name"], passphrase,
            organization=officer.get("organization") or organization, nip=officer.get("nip"))
    return paths
