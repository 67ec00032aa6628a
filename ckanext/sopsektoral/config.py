"""Typed access to the extension's config options (declared in config_declaration.yaml)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk

AUTO_PUBLISH = "ckanext.sopsektoral.auto_publish"
WALIDATA_ORG = "ckanext.sopsektoral.walidata_org"
JOBS_QUEUE = "ckanext.sopsektoral.jobs_queue"
SEND_STALLED_MINUTES = "ckanext.sopsektoral.send_stalled_minutes"
PLAUSIBILITY_THRESHOLD_PERCENT = "ckanext.sopsektoral.plausibility_threshold_percent"


def auto_publish() -> bool:
    return tk.config[AUTO_PUBLISH]


def walidata_org() -> str:
    return tk.config[WALIDATA_ORG]


def jobs_queue() -> str:
    return tk.config[JOBS_QUEUE]


def send_stalled_minutes() -> int:
    return tk.config[SEND_STALLED_MINUTES]


def plausibility_threshold_percent() -> int:
    """A change since the previous period beyond this many percent is flagged (in either direction)."""
    return tk.config[PLAUSIBILITY_THRESHOLD_PERCENT]


# ---------------------------------------------------------------- electronic signatures (letters/signing.py)

SIGNING_MODE = "ckanext.sopsektoral.signing.mode"
SIGNING_MODES = ("upload", "local", "remote")
SIGNING_PKCS12_DIR = "ckanext.sopsektoral.signing.pkcs12_dir"
SIGNING_PKCS12_FILE = "ckanext.sopsektoral.signing.pkcs12_file"
SIGNING_PKCS12_PASSPHRASE = "ckanext.sopsektoral.signing.pkcs12_passphrase"
SIGNING_REMOTE_URL = "ckanext.sopsektoral.signing.remote_url"
SIGNING_REMOTE_TOKEN = "ckanext.sopsektoral.signing.remote_token"
SIGNING_REMOTE_TIMEOUT = "ckanext.sopsektoral.signing.remote_timeout"
SIGNING_TRUST_ROOTS = "ckanext.sopsektoral.signing.trust_roots"
SIGNING_FIELD_NAME = "ckanext.sopsektoral.signing.field_name"


def _text(key: str, default: str = "") -> str:
    value = tk.config.get(key)
    return default if value is None else str(value).strip()


def signing_mode() -> str:
    """`upload` (default), `local` or `remote` (anything else is refused by signing.signer_for)."""
    return (_text(SIGNING_MODE, "upload") or "upload").lower()


def signing_pkcs12_dir() -> str:
    return _text(SIGNING_PKCS12_DIR)


def signing_pkcs12_file() -> str:
    return _text(SIGNING_PKCS12_FILE)


def signing_pkcs12_passphrase() -> str:
    value = tk.config.get(SIGNING_PKCS12_PASSPHRASE)
    return "" if value is None else str(value)  # not stripped: a passphrase may end with a space


def signing_remote_url() -> str:
    return _text(SIGNING_REMOTE_URL)


def signing_remote_token() -> str:
    return _text(SIGNING_REMOTE_TOKEN)


def signing_remote_timeout() -> int:
    return tk.asint(tk.config.get(SIGNING_REMOTE_TIMEOUT) or 60)


def signing_trust_roots() -> list[str]:
    """The PEM files of the trusted certification authorities."""
    return _text(SIGNING_TRUST_ROOTS).split()


def signing_field_name() -> str:
    return _text(SIGNING_FIELD_NAME, "TTE") or "TTE"


LETTER_PDF_MAX_MB = "ckanext.sopsektoral.letter_pdf_max_mb"


def letter_pdf_max_bytes() -> int:
    """The largest PDF the upload forms take (the signed letter; a copy to verify)."""
    return max(1, tk.asint(tk.config.get(LETTER_PDF_MAX_MB) or 10)) * 1024 * 1024
