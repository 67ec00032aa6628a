"""Recurrence: one indicator asked every period, in several letters a year.

A Daftar Data entry is one indicator of one OPD for one period (its year); the
entries of one indicator in every year's Daftar Data share an ``indicator_key``.
Each period's data has its own dataset (the period's place), so that the
published data of earlier periods stays public while a new period is collected
(docs/recurrence.md). The rules kept here:

- at most one open request (not verified, letter not cancelled) per entry, and
  so per indicator and period, and per dataset;
- a dataset's current item is its newest request; only that one may change it;
- a public dataset is never made private again to receive new data.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.sopsektoral.items.states import item_state_label
from ckanext.sopsektoral.letters.labels import state_label
from ckanext.sopsektoral.model import DaftarData, Letter, LetterItem
from ckanext.sopsektoral.model.letter import CANCELLED_LETTER, OPEN_ITEM_STATES, VERIFIED

_YEAR = re.compile(r"(?<![0-9])(19|20)[0-9]{2}(?![0-9])")


def indicator_key(title: str) -> str:
    """The indicator a Daftar Data title names, the same in every year's list:
    lower case, without years, words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", _YEAR.sub(" ", title.lower())).strip("-")


# ---------------------------------------------------------------- open requests

@dataclasses.dataclass
class Holder:
    """A letter that holds an open request of a Daftar Data entry."""

    entry_id: str
    title: str
    letter_id: str
    letter_number: str | None
    letter_subject: str
    letter_state: str
    item_state: str | None

    def state_label(self) -> str:
        return (item_state_label(self.item_state) if self.item_state
                else state_label(self.letter_state))

    def as_dict(self) -> dict[str, Any]:
        return dict(dataclasses.asdict(self), state_label=self.state_label())


def _open_condition() -> Any:
    # Before its letter is sent an item has no state; sent, it is open until verified.
    return sa.and_(
        Letter.state != CANCELLED_LETTER,
        sa.or_(LetterItem.state.is_(None), LetterItem.state.in_(OPEN_ITEM_STATES)),
    )


def holders(entry_ids: Iterable[str], except_letter: str | None = None,
            older_than: Any = None) -> dict[str, Holder]:
    """The open requests of these entries in letters other than ``except_letter``
    (and created before ``older_than``, if given), by entry (the oldest request
    where there are several)."""
    entry_ids = set(entry_ids)
    if not entry_ids:
        return {}
    query = (
        sa.select(LetterItem.daftar_data_id, LetterItem.title, LetterItem.state, Letter.id, Letter.number,
                  Letter.subject, Letter.state)
        .join(Letter, Letter.id == LetterItem.letter_id)
        .where(LetterItem.daftar_data_id.in_(entry_ids), _open_condition())
        .order_by(Letter.created)
    )
    if except_letter:
        query = query.where(Letter.id != except_letter)
    if older_than is not None:
        query = query.where(Letter.created < older_than)
    out: dict[str, Holder] = {}
    for entry_id, title, item_state, letter_id, number, subject, letter_state in model.Session.execute(query):
        out.setdefault(entry_id, Holder(entry_id, title, letter_id, number, subject, letter_state, item_state))
    return out


def holder_text(holder: Holder) -> str:
    state = holder.state_label()
    return tk._("{title}: already requested by letter {letter} ({state})").format(
        title=holder.title, letter=holder.letter_number or f"«{holder.letter_subject}»",
        state=state.lower())


def require_free(letter: Letter, entry_ids: Iterable[str], adding: bool = False) -> None:
    """Refuse entries that another letter holds an open request of, naming that
    letter. Entries being added to a letter must be free; a letter that already
    has them (two drafts saved at the same moment, data from before this rule)
    keeps them only if it asked first: it is checked again at submit, sign and
    send. The entries' rows are locked, so that two letters checked at the same
    moment cannot both take one entry."""
    entry_ids = sorted(set(entry_ids))
    if not entry_ids:
        return
    model.Session.execute(
        sa.select(DaftarData.id).where(DaftarData.id.in_(entry_ids)).order_by(DaftarData.id).with_for_update()
    ).all()
    held = holders(entry_ids, except_letter=letter.id, older_than=None if adding else letter.created)
    if held:
        raise tk.ValidationError({"items": [holder_text(h) for h in sorted(held.values(), key=lambda h: h.title)]})


# ---------------------------------------------------------------- current items

def current_item_ids(dataset_ids: Iterable[str]) -> dict[str, str]:
    """Each dataset's current item: its newest request."""
    dataset_ids = {d for d in dataset_ids if d}
    if not dataset_ids:
        return {}
    rows = model.Session.execute(
        sa.select(LetterItem.dataset_id, LetterItem.id).join(Letter, Letter.id == LetterItem.letter_id)
        .where(LetterItem.dataset_id.in_(dataset_ids), LetterItem.state.isnot(None))
        .order_by(LetterItem.dataset_id, *newest_first())
        .distinct(LetterItem.dataset_id)
    ).all()
    return dict(rows)


def newest_first() -> list[Any]:
    """The order of a dataset's requests, newest first (its current item first)."""
    return [LetterItem.requested_at.desc().nulls_last(), Letter.created.desc(), LetterItem.id]


def require_current(item: LetterItem) -> None:
    """An item that is no longer its dataset's current one can change nothing."""
    current = current_item_ids([item.dataset_id]).get(item.dataset_id)
    if current in (None, item.id):
        return
    newer = model.Session.execute(
        sa.select(Letter.number, Letter.subject).join(LetterItem, LetterItem.letter_id == Letter.id)
        .where(LetterItem.id == current)
    ).first()
    raise tk.ValidationError({"id": [tk._(
        "This request was superseded by letter {letter}, which asks for the same dataset again; "
        "only that request can change it now").format(
            letter=(newer.number or f"«{newer.subject}»") if newer else "?")]})


# ---------------------------------------------------------------- periods

def _same_indicator(entry: DaftarData) -> Any:
    """The Daftar Data entries of the entry's indicator, in every year (an entry
    whose title is nothing but a year has no key: it is an indicator of its own)."""
    if not entry.indicator_key:
        return DaftarData.id == entry.id
    return sa.and_(DaftarData.owner_org == entry.owner_org, DaftarData.indicator_key == entry.indicator_key)


def _period_items(entry: DaftarData) -> Any:
    """Requests of the entry's indicator that got a dataset, with their entry's year."""
    return (
        sa.select(LetterItem, DaftarData.year)
        .join(DaftarData, DaftarData.id == LetterItem.daftar_data_id)
        .join(Letter, Letter.id == LetterItem.letter_id)
        .where(_same_indicator(entry), LetterItem.dataset_id.isnot(None))
    )


def _active(package_id: str | None, owner_org: str) -> model.Package | None:
    pkg = model.Package.get(package_id) if package_id else None
    return pkg if pkg is not None and pkg.state == "active" and pkg.owner_org == owner_org else None


def _holds_open_request(package_id: str, except_item: str) -> bool:
    return model.Session.execute(
        sa.select(LetterItem.id).where(LetterItem.dataset_id == package_id, LetterItem.id != except_item,
                                       LetterItem.state.in_(OPEN_ITEM_STATES)).limit(1)
    ).first() is not None


def _receives_other_period(package_id: str, year: int) -> bool:
    return model.Session.execute(
        sa.select(LetterItem.id).join(DaftarData, DaftarData.id == LetterItem.daftar_data_id)
        .where(LetterItem.dataset_id == package_id, DaftarData.year != year).limit(1)
    ).first() is not None


def period_dataset(item: LetterItem, entry: DaftarData) -> model.Package | None:
    """The dataset that receives the entry's period again, if it can: the one an
    earlier request of this indicator and period used, or the dataset the
    entry names. It must be private (published data is never hidden again),
    free of other open requests, and not another period's place."""
    earlier = model.Session.execute(
        _period_items(entry).where(DaftarData.year == entry.year, LetterItem.id != item.id)
        .order_by(*newest_first()).limit(1)
    ).first()
    candidates = [earlier[0].dataset_id] if earlier else []
    if entry.dataset_name:
        named = model.Package.get(entry.dataset_name)
        candidates.append(named.id if named else None)
    for package_id in candidates:
        pkg = _active(package_id, entry.owner_org)
        if pkg is None or not pkg.private or _holds_open_request(pkg.id, item.id):
            continue
        if _receives_other_period(pkg.id, entry.year):
            continue
        tahun = (pkg.extras or {}).get("tahun_data")
        if package_id != (earlier[0].dataset_id if earlier else None) and tahun not in (None, "", str(entry.year)):
            continue  # a named dataset that holds another year's data
        return pkg
    return None


def revision_of(entry: DaftarData, item: LetterItem) -> int:
    """How many earlier requests of this indicator and period got a dataset: a
    re-request of a published period is its revision number."""
    return model.Session.execute(
        sa.select(sa.func.count(sa.distinct(LetterItem.dataset_id)))
        .select_from(_period_items(entry)
                     .where(DaftarData.year == entry.year, LetterItem.id != item.id).subquery())
    ).scalar_one()


def previous_dataset(item: LetterItem, entry: DaftarData) -> model.Package | None:
    """The data of the indicator's previous period: the dataset of the newest
    verified request of an earlier year (published first), or else the dataset
    the entry names, if it is not the item's own."""
    row = model.Session.execute(
        _period_items(entry)
        .where(DaftarData.year < entry.year, LetterItem.state == VERIFIED)
        .order_by(DaftarData.year.desc(), LetterItem.published_at.desc().nulls_last(), *newest_first())
        .limit(1)
    ).first()
    if row is not None:
        pkg = _active(row[0].dataset_id, entry.owner_org)
        if pkg is not None:
            return pkg
    if entry.dataset_name:
        named = model.Package.get(entry.dataset_name)
        pkg = _active(named.id if named else None, entry.owner_org)
        if pkg is not None and pkg.id != item.dataset_id:
            return pkg
    return None


def previous_dataset_id(item: LetterItem) -> str | None:
    """The previous period's dataset of an item (see :func:`previous_dataset`)."""
    entry = model.Session.get(DaftarData, item.daftar_data_id)
    pkg = previous_dataset(item, entry) if entry is not None else None
    return pkg.id if pkg is not None else None


def periods(package_id: str) -> list[dict[str, Any]]:
    """Every period of the indicator a dataset receives, newest first: year,
    dataset (id, name, title, private) and the newest request's state and letter.
    Includes the dataset the entries name as their earlier data."""
    entry = model.Session.execute(
        sa.select(DaftarData).join(LetterItem, LetterItem.daftar_data_id == DaftarData.id)
        .where(LetterItem.dataset_id == package_id).limit(1)
    ).scalar()
    if entry is None:
        return []
    owner_org = entry.owner_org
    found: dict[str, dict[str, Any]] = {}
    for item, year in model.Session.execute(
        _period_items(entry).order_by(DaftarData.year.desc(), *newest_first())
    ).all():
        found.setdefault(item.dataset_id, {"year": year, "dataset_id": item.dataset_id, "state": item.state,
                                           "letter_id": item.letter_id})
    names = set(model.Session.execute(
        sa.select(DaftarData.dataset_name).where(_same_indicator(entry), DaftarData.dataset_name.isnot(None))
    ).scalars())
    for name in names:
        pkg = model.Package.get(name)
        pkg = _active(pkg.id if pkg else None, owner_org)
        if pkg is not None and pkg.id not in found:
            year = str((pkg.extras or {}).get("tahun_data") or "")
            found[pkg.id] = {"year": int(year) if year.isdigit() else None, "dataset_id": pkg.id,
                             "state": None, "letter_id": None}
    packages = {p.id: p for p in model.Session.execute(
        sa.select(model.Package).where(model.Package.id.in_(found), model.Package.state == "active")).scalars()}
    numbers = dict(model.Session.execute(
        sa.select(Letter.id, Letter.number).where(Letter.id.in_({f["letter_id"] for f in found.values()
                                                                  if f["letter_id"]}))).all())
    out = []
    for period in found.values():
        pkg = packages.get(period["dataset_id"])
        if pkg is None:
            continue
        out.append(dict(period, name=pkg.name, title=pkg.title, private=pkg.private,
                        letter_number=numbers.get(period["letter_id"]), current=pkg.id == package_id))
    return sorted(out, key=lambda p: (p["year"] or 0, p["name"]), reverse=True)
