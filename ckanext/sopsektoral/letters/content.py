"""What a request letter says, as its PDF shows it (the input of letters.document), and its
rendering: the official fields, the addressees and attachment per OPD from the letter's items, the
signature block from the signer's assignment (a.n./Plt./Plh., NIP, rank), the paraf of the current
round from the event log, the verification footer of a signed letter.

The letter is an official document: its fixed words are in the portal's default language
(Indonesian), from the extension's catalogue, whatever the reader's language.
"""
from __future__ import annotations

import datetime as dt
import functools
import os
from typing import Any

import sqlalchemy as sa
from babel.support import NullTranslations, Translations

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.sopsektoral import events, sop
from ckanext.sopsektoral.letters import numbering
from ckanext.sopsektoral.model import DaftarData, Event, Letter, Officer
from ckanext.sopsektoral.model.base import iso, utcnow

SIFAT = {"biasa": "Biasa", "penting": "Penting", "segera": "Segera", "sangat_segera": "Sangat Segera"}


@functools.lru_cache(maxsize=1)
def _official_translations() -> NullTranslations:
    directory = os.path.join(os.path.dirname(os.path.dirname(__file__)), "i18n")
    return Translations.load(directory, [official_language()], domain="ckanext-sopsektoral")


def official_language() -> str:
    """The language of the letter as a document: the portal's default language."""
    return str(tk.config.get("ckan.locale_default") or "id")


def official(msgid: str) -> str:
    """``msgid`` in the letter's language (msgids are also marked with tk._ for extraction)."""
    return _official_translations().gettext(msgid)


def verification_url(letter_id: str) -> str:
    """The public page that checks the letter (its QR code), in the portal's default language."""
    from ckanext.sopsektoral.openapi import portal_url
    return f"{portal_url()}/sopsektoral/verify/{letter_id}"


# ---------------------------------------------------------------- what the letter says

def _fullname(user_id: str | None) -> str | None:
    user = model.User.get(user_id) if user_id else None
    return (user.fullname or user.name) if user else None


def _officer(user_id: str | None, position: str | None, day: dt.date) -> Officer | None:
    """The assignment of ``user_id`` to ``position`` in force on ``day`` (its NIP and rank)."""
    if not user_id or not position:
        return None
    for officer in Officer.held_by(user_id, day):
        if officer.position == position:
            return officer
    return None


def _holder(position: str, day: dt.date) -> Officer | None:
    """Who holds ``position`` on ``day``: a definitive holder before an acting one."""
    stmt = sa.select(Officer).where(
        Officer.position == position, Officer.revoked.is_(None), Officer.valid_from <= day,
        sa.or_(Officer.valid_until.is_(None), Officer.valid_until >= day),
    ).order_by(Officer.acting.isnot(None), Officer.valid_from.desc(), Officer.id)
    return model.Session.execute(stmt.limit(1)).scalar_one_or_none()


def round_events(letter: Letter) -> list[Event]:
    """The letter's events of its current approval round: its submission, initials and signature."""
    current: list[Event] = []
    for event in model.Session.execute(
        sa.select(Event).where(Event.letter_id == letter.id, Event.item_id.is_(None)).order_by(Event.seq)
    ).scalars():
        if event.action in ("return", "withdraw", "update"):
            current = []
        elif event.action == "submit":
            current = [event]
        elif event.action in ("initial", "sign"):
            current.append(event)
    return current


def _attachment(letter: Letter) -> list[dict[str, Any]]:
    """The requested data per OPD: title, unit, year, deadline (once sent)."""
    items = events.items_of(model.Session, letter.id)
    entries = {e.id: e for e in model.Session.execute(
        sa.select(DaftarData).where(DaftarData.id.in_({i.daftar_data_id for i in items} or {""}))
    ).scalars()}
    titles = dict(model.Session.execute(
        sa.select(model.Group.id, model.Group.title).where(model.Group.id.in_({i.owner_org for i in items} or {""}))
    ).all())
    by_org: dict[str, dict[str, Any]] = {}
    for item in items:
        entry = entries.get(item.daftar_data_id)
        group = by_org.setdefault(item.owner_org, {"opd": titles.get(item.owner_org) or item.owner_org, "items": []})
        group["items"].append({
            "title": item.title,
            "unit": ((entry.metadata_fields or {}).get("satuan") if entry else None) or "-",
            "year": entry.year if entry else letter.data_year,
            "deadline": iso(item.deadline.date()) if item.deadline else None,
        })
    # Not sent yet: the standard time the SOP file gives collection, from the letter's receipt.
    due = _standard_time(sop.current().collection.minutes)
    for group in by_org.values():
        for entry in group["items"]:
            entry["deadline"] = entry["deadline"] or due
    return sorted(by_org.values(), key=lambda g: g["opd"].casefold())


def _standard_time(minutes: int) -> str | None:
    """A standard time in the letter's language, counted from the letter's receipt."""
    if not minutes:
        return None
    translations = _official_translations()
    for size, singular, plural in ((7 * 24 * 60, "{n} week", "{n} weeks"), (24 * 60, "{n} day", "{n} days"),
                                   (60, "{n} hour", "{n} hours")):
        if minutes % size == 0:
            n = minutes // size
            return official(tk._("{time} from receipt of the letter")).format(
                time=translations.ngettext(singular, plural, n).format(n=n))
    return None


def content(letter: Letter, *, signer_certificate: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the letter says, as the renderer takes it (letters.document), JSON-safe (dates as ISO
    strings). A letter that is not signed is a draft; a signed letter names its signer as of its
    signature, with the NIP and rank of the assignment held that day."""
    the_sop = sop.current()
    layout = the_sop.layout
    signed = letter.state in (sop.SIGNED, sop.SENT) and letter.number is not None
    day = letter.letter_date or utcnow().date()
    this_round = round_events(letter)
    sign_event = next((e for e in reversed(this_round) if e.action == "sign"), None) if signed else None
    signature_position = the_sop.signature.executor
    if sign_event is not None:
        signer_id, position, acting = sign_event.actor_id, sign_event.position, sign_event.acting
        officer = _officer(signer_id, position, day)
    else:
        officer = _holder(signature_position, day)
        signer_id = officer.user_id if officer else None
        acting = officer.acting if officer else None
    paraf = []
    for event in this_round:
        if event.action not in ("submit", "initial"):
            continue
        name = _fullname(event.actor_id) or event.actor_name or ""
        paraf.append({
            "position": sop.position_label(event.position, official_language()) if event.position else "",
            "name": name,
            "initials": "".join(w[0] for w in name.replace(".", " ").split() if w[:1].isalpha())[:3].upper(),
            "at": iso(event.created),
        })
    attachment = _attachment(letter)

    def addressee(opd: str) -> str:
        return f"{layout.addressee_prefix} {opd}".strip()

    if layout.addressees == "per_opd" and attachment:
        copies = [{"addressees": [addressee(g["opd"])], "addressee_place": layout.addressee_place,
                   "attachment": [g]} for g in attachment]
    else:
        copies = [{"addressees": [addressee(g["opd"]) for g in attachment],
                   "addressee_place": layout.addressee_place, "attachment": attachment}]
    signer_name = _fullname(signer_id)
    doc: dict[str, Any] = {
        "letter_id": letter.id,
        "draft": not signed,
        "generated_at": iso(sign_event.created if sign_event else utcnow()),
        "letterhead": {"logo_path": layout.logo, "lines": list(layout.letterhead), "address": list(layout.address)},
        "place": layout.place,
        "date": iso(letter.letter_date) if signed else None,
        "number": letter.number if signed else None,
        "sifat": SIFAT.get(letter.sifat, letter.sifat),
        "lampiran": letter.lampiran,
        "subject": letter.subject,
        "copies": copies,
        "body": letter.body,
        "contact": None,
        "signature": {
            "on_behalf_of": layout.on_behalf_of,
            "acting": acting,
            "title": layout.signature_title,
            "name": signer_name,
            "rank": officer.rank if officer else None,
            "nip": officer.nip if officer else None,
            "electronic": signed,
        },
        "paraf": paraf,
        "tembusan": list(letter.tembusan or []),
        "verification": None,
        # Paraf dates in the portal's time zone, as the letter's date is (letters.numbering.local).
        "timezone": str(numbering.local(utcnow()).tzinfo),
    }
    if signed:
        issuer = (signer_certificate or {}).get("issuer_organization") or (signer_certificate or {}).get(
            "issuer_common_name")
        url = verification_url(letter.id)
        if issuer:
            footer = official(tk._(
                "This letter is signed electronically by {name} with an electronic certificate issued by "
                "{issuer}. Check that a copy is authentic at {url} or by scanning the QR code."))
        else:
            footer = official(tk._(
                "This letter is signed electronically by {name} with an electronic certificate. Check that a "
                "copy is authentic at {url} or by scanning the QR code."))
        doc["verification"] = {"url": url, "footer": footer.format(name=signer_name or "", issuer=issuer, url=url)}
    return doc


def for_renderer(doc: dict[str, Any]) -> dict[str, Any]:
    """The stored content with its ISO strings as dates and datetimes again."""
    def day(value: str | None) -> dt.date | str | None:
        try:
            return dt.date.fromisoformat(value) if value else None
        except ValueError:  # a text (a standard time), shown as it is
            return value

    def moment(value: str | None) -> dt.datetime | None:
        return dt.datetime.fromisoformat(value) if value else None

    out = dict(doc, generated_at=moment(doc["generated_at"]), date=day(doc.get("date")))
    out["paraf"] = [dict(p, at=moment(p.get("at"))) for p in doc.get("paraf", [])]
    out["copies"] = [
        dict(c, attachment=[
            dict(g, items=[dict(i, deadline=day(i.get("deadline"))) for i in g["items"]]) for g in c["attachment"]
        ]) for c in doc.get("copies", [])
    ]
    logo = (doc.get("letterhead") or {}).get("logo_path")
    if logo and not os.path.isfile(logo):  # the SOP file moved since the letter was signed
        out["letterhead"] = dict(doc["letterhead"], logo_path=None)
    return out


def render(doc: dict[str, Any]) -> bytes:
    from ckanext.sopsektoral.letters import document
    return document.render_pdf(for_renderer(doc))
