"""The request letter (surat permintaan data) as a PDF, laid out as an official letter
(Tata Naskah Dinas, Permendagri 1/2023).

``render_pdf(doc)`` takes a plain dict that the caller builds from the database (see
``render_pdf``) and returns the PDF's bytes. Nothing here touches CKAN, the database or a
request, so that a background job or the CLI can render a letter as well as a view.

- The template (templates/sopsektoral/pdf/letter.html) is rendered by a Jinja2 environment of
  its own, always in Indonesian: a letter is an official document in the portal's official
  language, whatever language its reader browses in. Its fixed words are English msgids of the
  extension's catalogue.
- WeasyPrint never fetches anything from the network: its URL fetcher allows ``data:`` URIs and
  files inside this package only. The logo and the QR code are embedded as ``data:`` URIs.
- The same doc gives the same bytes: the PDF's dates are the doc's ``generated_at`` and its
  identifier is a hash of its content. Its keywords carry ``sopsektoral-letter:<id>``, by which
  a PDF can be recognised later as this letter.
"""
from __future__ import annotations

import base64
import datetime as dt
import functools
import mimetypes
import re
import zoneinfo
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import babel.dates
import jinja2
import segno
import weasyprint
from babel.support import NullTranslations, Translations
from weasyprint.urls import FatalURLFetchingError

PACKAGE_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
I18N_DIR = PACKAGE_DIR / "i18n"
TEMPLATE = "sopsektoral/pdf/letter.html"
STYLESHEET = TEMPLATES_DIR / "sopsektoral" / "pdf" / "letter.css"

LOCALE = "id"
DOMAIN = "ckanext-sopsektoral"
KEYWORD_PREFIX = "sopsektoral-letter:"
ACTING = ("plt", "plh")
# More addressees than this and the letter says "Kepala Perangkat Daerah (daftar terlampir)"
# and lists them in the attachment.
MAX_LISTED_ADDRESSEES = 3
BLANK = "." * 30  # what stands for a number, a date or a name not known yet


class LetterResourceError(ValueError):
    """The letter needed a resource it may not load (anything but data: URIs and package files)."""


# --- formatting --------------------------------------------------------------------------

def _day(value: dt.date | dt.datetime, zone: dt.tzinfo | None) -> dt.date:
    """The calendar day of ``value``; an aware datetime is first moved to ``zone`` (when given)."""
    if isinstance(value, dt.datetime):
        if zone is not None and value.tzinfo is not None:
            value = value.astimezone(zone)
        return value.date()
    return value


def format_date(value: dt.date | dt.datetime | None, zone: dt.tzinfo | None = None) -> str:
    """A date the Indonesian way, e.g. "2 Desember 2026"; "" for None."""
    return babel.dates.format_date(_day(value, zone), "d MMMM y", locale=LOCALE) if value is not None else ""


def format_short_date(value: dt.date | dt.datetime | None, zone: dt.tzinfo | None = None) -> str:
    """A short Indonesian date, e.g. "2 Des 2026" (for the paraf table); "" for None."""
    return babel.dates.format_date(_day(value, zone), "d MMM y", locale=LOCALE) if value is not None else ""


def format_nip(nip: str | None) -> str:
    """An 18-digit NIP grouped as it is printed: birth date, appointment month, sex, sequence
    ("197001012000031001" -> "19700101 200003 1 001"). Anything else comes back as it is."""
    if not nip:
        return ""
    digits = re.sub(r"\s", "", nip)
    if re.fullmatch(r"\d{18}", digits):
        return f"{digits[:8]} {digits[8:14]} {digits[14]} {digits[15:]}"
    return nip.strip()


def qr_svg(url: str) -> str:
    """The QR code of ``url`` (error correction M) as an SVG ``data:`` URI, sized by the CSS."""
    code = segno.make(url, error="m", boost_error=False, micro=False)
    return code.svg_data_uri(border=2, omitsize=True, xmldecl=False, dark="#000", light="#fff")


def paragraphs(text: str | None) -> list[list[str]]:
    """User-typed text as paragraphs (separated by blank lines), each a list of its lines."""
    if not text:
        return []
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    result = []
    for block in re.split(r"\n[ \t]*\n", text):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if lines:
            result.append(lines)
    return result


def keywords(letter_id: str) -> str:
    return f"{KEYWORD_PREFIX}{letter_id}"


def _w3c(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- Jinja2 ------------------------------------------------------------------------------

@functools.lru_cache(maxsize=4)
def _translations(i18n_dir: str) -> NullTranslations:
    translations = Translations.load(i18n_dir, [LOCALE], domain=DOMAIN)
    return translations if translations is not None else NullTranslations()


@functools.lru_cache(maxsize=4)
def _environment(templates_dir: str, i18n_dir: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # As the extraction (ckan.lib.extract) trims {% trans %} blocks.
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(_translations(i18n_dir), newstyle=True)
    return env


def environment() -> jinja2.Environment:
    return _environment(str(TEMPLATES_DIR), str(I18N_DIR))


def gettext(message: str) -> str:
    """A msgid in the letter's language (Indonesian), as the template translates it."""
    return _translations(str(I18N_DIR)).gettext(message)


# --- resources ---------------------------------------------------------------------------

class LocalOnlyFetcher(weasyprint.URLFetcher):
    """A URL fetcher that allows ``data:`` URIs and files inside this package, and nothing else:
    a letter never makes WeasyPrint reach the network (or read any other file)."""

    def __init__(self, root: Path = PACKAGE_DIR):
        super().__init__(allowed_protocols={"data", "file"}, fail_on_errors=True)
        self._root = root.resolve()

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            from urllib.request import url2pathname

            path = Path(url2pathname(url.split("?", 1)[0].split("#", 1)[0][len("file:"):])).resolve()
            if path.is_relative_to(self._root):
                return super().fetch(url, headers)
        raise ValueError(f"A letter may not load {url[:80]!r}: only data: URIs and the extension's own files")


def _logo_data_uri(path: str | None) -> str | None:
    if not path:
        return None
    logo = Path(path)
    mime = mimetypes.guess_type(logo.name)[0]
    if mime not in ("image/svg+xml", "image/png", "image/jpeg", "image/gif"):
        raise ValueError(f"The letterhead logo must be an SVG, PNG, JPEG or GIF file, not {logo.name}")
    return f"data:{mime};base64,{base64.b64encode(logo.read_bytes()).decode('ascii')}"


# --- the doc -----------------------------------------------------------------------------

def _zone(name: str | None) -> dt.tzinfo | None:
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def _texts(values: Iterable[Any] | None) -> list[str]:
    return [str(v).strip() for v in values or () if v is not None and str(v).strip()]


def _context(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Everything the template shows, computed and with defaults: the template only lays out."""
    draft = bool(doc.get("draft"))
    zone = _zone(doc.get("timezone"))
    generated_at = doc.get("generated_at") or dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    letterhead = doc.get("letterhead") or {}
    lines = _texts(letterhead.get("lines"))

    signature = dict(doc.get("signature") or {})
    acting = signature.get("acting") or None
    if acting is not None and acting not in ACTING:
        raise ValueError(f"signature.acting must be one of {ACTING} or None, not {acting!r}")

    copies = []
    for copy in doc.get("copies") or ():
        addressees = _texts(copy.get("addressees"))
        copies.append({
            "addressees": addressees,
            "listed": len(addressees) <= MAX_LISTED_ADDRESSEES,
            "place": str(copy.get("addressee_place") or "").strip(),
            "attachment": [
                {
                    "opd": str(group.get("opd") or ""),
                    "items": [
                        {
                            "title": str(item.get("title") or ""),
                            "unit": str(item.get("unit") or "-"),
                            "year": "" if item.get("year") is None else str(item["year"]),
                            # A date, or a text such as "1 minggu sejak surat diterima" (not sent yet).
                            "deadline": item["deadline"] if isinstance(item.get("deadline"), str)
                            else (format_date(item.get("deadline"), zone) or "-"),
                        }
                        for item in group.get("items") or ()
                    ],
                }
                for group in copy.get("attachment") or ()
            ],
        })

    verification = doc.get("verification") or None
    if verification:
        verification = {
            "url": str(verification["url"]),
            "footer": str(verification.get("footer") or ""),
            "qr": qr_svg(str(verification["url"])),
        }

    return {
        "draft": draft,
        "title": str(doc.get("subject") or ""),
        "author": ", ".join(reversed(lines)),
        "keywords": keywords(str(doc.get("letter_id") or "")),
        "created": _w3c(generated_at),
        "letterhead": {
            "logo": _logo_data_uri(letterhead.get("logo_path")),
            "lines": lines,
            "address": _texts(letterhead.get("address")),
        },
        "place": str(doc.get("place") or ""),
        # A draft has neither number nor date, even when the doc has them.
        "date": None if draft else (format_date(doc.get("date"), zone) or None),
        "number": None if draft else (str(doc.get("number") or "").strip() or None),
        "sifat": str(doc.get("sifat") or ""),
        "lampiran": str(doc.get("lampiran") or ""),
        "subject": str(doc.get("subject") or ""),
        "copies": copies,
        "body": paragraphs(doc.get("body")),
        "contact": paragraphs(doc.get("contact")),
        "signature": {
            "on_behalf_of": str(signature.get("on_behalf_of") or "").strip() or None,
            "acting": acting,
            "title": str(signature.get("title") or "").strip(),
            "name": str(signature.get("name") or "").strip() or None,
            "rank": str(signature.get("rank") or "").strip() or None,
            "nip": format_nip(signature.get("nip")) or None,
            "electronic": bool(signature.get("electronic")),
        },
        "paraf": [
            {
                "position": str(p.get("position") or ""),
                "name": str(p.get("name") or ""),
                "initials": str(p.get("initials") or ""),
                "at": format_short_date(p.get("at"), zone),
            }
            for p in doc.get("paraf") or ()
        ],
        "tembusan": _texts(doc.get("tembusan")),
        # Whose letter it is: the official signed for (a.n.), or else the signer's office.
        "issuer": (str(signature.get("on_behalf_of") or "").strip() or str(signature.get("title") or "").strip()),
        "verification": verification,
        "blank": BLANK,
    }


def render_html(doc: Mapping[str, Any]) -> str:
    """The letter as HTML (what ``render_pdf`` lays out)."""
    return environment().get_template(TEMPLATE).render(doc=_context(doc))


def render_pdf(doc: Mapping[str, Any]) -> bytes:
    """The letter described by ``doc`` as PDF bytes (A4; one letter, with its attachment, per copy).

    ``doc`` has the keys ``letter_id``, ``draft``, ``generated_at`` (aware datetime),
    ``letterhead`` (``logo_path``, ``lines``, ``address``), ``place``, ``date``, ``number``,
    ``sifat``, ``lampiran``, ``subject``, ``copies`` (each ``addressees``, ``addressee_place``,
    ``attachment``: [{``opd``, ``items``: [{``title``, ``unit``, ``year``, ``deadline``}]}]),
    ``body``, ``contact``, ``signature`` (``on_behalf_of``, ``acting`` None/"plt"/"plh",
    ``title``, ``name``, ``rank``, ``nip``, ``electronic``), ``paraf`` ([{``position``,
    ``name``, ``initials``, ``at``}]), ``tembusan`` and ``verification`` (None or {``url``,
    ``footer``}); optionally ``timezone`` (IANA name) to show aware datetimes (paraf times) in.
    """
    fetcher = LocalOnlyFetcher()
    try:
        html = weasyprint.HTML(string=render_html(doc), base_url=str(TEMPLATES_DIR), url_fetcher=fetcher)
        css = weasyprint.CSS(filename=str(STYLESHEET), url_fetcher=fetcher)
        return html.write_pdf(stylesheets=[css], pdf_identifier=True)
    except FatalURLFetchingError as error:
        # A BaseException in WeasyPrint: turned into an ordinary error for the caller.
        raise LetterResourceError(f"{error} ({error.__cause__})") from error
