"""The SK Daftar Data: its import from CSV or XLSX, and changing or deleting one entry.

Every row is checked before anything is written; one bad row means nothing is
imported, and each error names its row (as the spreadsheet numbers it, the
header being row 1) and its column. Importing the same file again changes
nothing: entries are keyed by (tahun, OPD, judul data).

One entry is changed with the same checks, field by field. While a letter holds
an open request of an entry (series.holders) it is neither changed nor deleted.
An entry that letters asked for (their items point at it; the periods of its
indicator are read through it) keeps its year, OPD and title, and deleting it
marks it deleted: it leaves the list and new letters, their history keeps it,
and importing it again restores it. An entry no letter asked for is removed.
"""
from __future__ import annotations

import csv
import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.sopsektoral import series, tabular
from ckanext.sopsektoral.model import DaftarData, LetterItem
from ckanext.sopsektoral.model.base import utcnow

REQUIRED_COLUMNS = ("tahun", "opd", "judul_data")
# Columns copied into the entry's metadata, named as in the dataset schema.
METADATA_COLUMNS = (
    "konsep", "definisi", "klasifikasi", "ukuran", "satuan", "kode_standar_data",
    "frekuensi", "kode_wilayah", "level_estimasi", "metode_pengumpulan", "sumber_data",
    "data_prioritas", "klasifikasi_akses", "klasifikasi_penyajian",
)
OPTIONAL_COLUMNS = ("dataset", *METADATA_COLUMNS)
# Header spellings seen in real lists, mapped to our column names.
ALIASES = {
    "tahun_data": "tahun",
    "year": "tahun",
    "perangkat_daerah": "opd",
    "produsen_data": "opd",
    "instansi": "opd",
    "organisasi": "opd",
    "judul": "judul_data",
    "nama_data": "judul_data",
    "judul_dataset": "judul_data",
    "jadwal_pemutakhiran": "frekuensi",
    "dataset_name": "dataset",
}
MAX_ROWS = 20000


@dataclasses.dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)


def _column_name(header: Any) -> str:
    name = str(header or "").strip().lower().replace(" ", "_").replace("-", "_")
    return ALIASES.get(name, name)


def read_table(content: bytes, fmt: str) -> list[dict[str, Any]]:
    """Rows of a CSV or XLSX file as dicts keyed by normalised column names."""
    fmt = fmt.lower()
    if fmt == "xlsx":
        return _read_xlsx(content)
    if fmt == "csv":
        return _read_csv(content)
    raise tk.ValidationError({"format": [tk._("Use a CSV or XLSX file")]})


def _read_csv(content: bytes) -> list[dict[str, Any]]:
    unreadable = tk._("Not a readable CSV file (save it as UTF-8 CSV)")
    try:
        rows = tabular.read_csv_rows(content)
    except tabular.NotText as err:
        raise tk.ValidationError({"upload": [unreadable]}) from err
    except csv.Error as err:
        raise tk.ValidationError({"upload": [f"{unreadable}: {err}"]}) from err
    return _rows_from_matrix(rows)


def _read_xlsx(content: bytes) -> list[dict[str, Any]]:
    try:
        rows = tabular.read_xlsx_rows(content)
    except Exception as err:  # openpyxl raises many kinds for a bad file
        raise tk.ValidationError({"upload": [tk._("Not a readable XLSX file: {error}").format(error=err)]}) from err
    return _rows_from_matrix(rows)


def _rows_from_matrix(matrix: list[list[Any]]) -> list[dict[str, Any]]:
    if not matrix:
        raise tk.ValidationError({"upload": [tk._("The file is empty")]})
    header = [_column_name(h) for h in matrix[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise tk.ValidationError({"upload": [
            tk._("Missing columns: {columns}").format(columns=", ".join(missing))
        ]})
    out = []
    for values in matrix[1:]:
        if all(v in (None, "") for v in values):
            out.append({})  # keeps row numbers aligned with the spreadsheet
            continue
        out.append({header[i]: v for i, v in enumerate(values) if i < len(header) and header[i]})
    return out


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _org_lookup() -> dict[str, str]:
    """Organization ids by name and by lower-cased title."""
    rows = model.Session.execute(
        sa.select(model.Group.id, model.Group.name, model.Group.title).where(
            model.Group.is_organization.is_(True), model.Group.state == "active"
        )
    ).all()
    lookup: dict[str, str] = {}
    for id_, name, title in rows:
        lookup[name.lower()] = id_
        if title:
            lookup[title.strip().lower()] = id_
        lookup[id_] = id_
    return lookup


def _schema_field_validators() -> dict[str, Any]:
    """Validators of the metadata columns, as the dataset schema applies them."""
    from ckanext.sopsektoral.logic import validators as v

    def choice(*values: str):
        def check(value: str, context: Any) -> str:
            if value not in values:
                raise tk.Invalid(tk._("Use one of: {values}").format(values=", ".join(values)))
            return value
        return check

    return {
        "kode_wilayah": v.sopsektoral_kode_wilayah,
        "kode_standar_data": v.sopsektoral_sdsn_code,
        "frekuensi": choice("tahunan", "semesteran", "triwulanan", "bulanan", "lima_tahunan", "tidak_tetap"),
        "level_estimasi": choice("kota", "kecamatan", "kelurahan"),
        "metode_pengumpulan": choice("kompilasi_administrasi", "survei", "sensus", "registrasi"),
        "data_prioritas": choice("ya", "tidak"),
        "klasifikasi_akses": choice("publik", "terbatas", "dikecualikan"),
    }


class _Columns:
    """The checks of the import's columns, one at a time: each gives the value to store or
    raises ``tk.Invalid`` with the message the import shows for that column."""

    def __init__(self) -> None:
        self.orgs = _org_lookup()
        self.checks = _schema_field_validators()

    def year(self, value: str) -> int:
        from ckanext.sopsektoral.logic.validators import sopsektoral_data_year

        return int(sopsektoral_data_year(value, {}))

    def opd(self, value: str) -> str:
        org_id = self.orgs.get(value.lower())
        if org_id is None:
            raise tk.Invalid(tk._("Unknown OPD \"{opd}\" (use the organization's name or title)").format(opd=value))
        return org_id

    def metadata(self, column: str, value: str) -> str:
        check = self.checks.get(column)
        return check(value, {}) if check is not None else value

    def dataset(self, name: str, org_id: str) -> str:
        pkg = model.Package.get(name)
        if pkg is None or pkg.state != "active":
            raise tk.Invalid(tk._("No dataset \"{name}\"").format(name=name))
        if pkg.owner_org != org_id:
            raise tk.Invalid(tk._("Dataset \"{name}\" belongs to another OPD").format(name=name))
        return pkg.name


def validate_rows(
    rows: Iterable[dict[str, Any]], progress: Callable[[int], Any] | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """Entries ready to import, and the errors found (each naming row and column).

    ``progress(n)`` is called as rows are checked (for a progress bar).
    """
    columns = _Columns()
    entries: list[dict[str, Any]] = []
    errors: list[str] = []
    seen: dict[tuple[int, str, str], int] = {}

    def error(row: int, column: str, message: str) -> None:
        errors.append(tk._("Row {row}, column {column}: {message}").format(
            row=row, column=column, message=message))

    rows = list(rows)
    if len(rows) > MAX_ROWS:
        raise tk.ValidationError({"rows": [tk._("At most {n} rows at once").format(n=MAX_ROWS)]})
    for index, raw in enumerate(rows):
        row = index + 2  # the header is row 1
        if progress is not None and index % 100 == 99:
            progress(100)
        if not raw:
            continue
        if not isinstance(raw, dict):
            error(row, "-", tk._("Expected a row of named columns"))
            continue
        values = {_column_name(k): _text(v) for k, v in raw.items()}
        ok = True
        for column in REQUIRED_COLUMNS:
            if not values.get(column):
                error(row, column, tk._("Missing value"))
                ok = False
        year = None
        if values.get("tahun"):
            try:
                year = columns.year(values["tahun"])
            except tk.Invalid as err:
                error(row, "tahun", err.error)
                ok = False
        org_id = None
        if values.get("opd"):
            try:
                org_id = columns.opd(values["opd"])
            except tk.Invalid as err:
                error(row, "opd", err.error)
                ok = False
        metadata = {}
        for column in METADATA_COLUMNS:
            value = values.get(column)
            if not value:
                continue
            try:
                metadata[column] = columns.metadata(column, value)
            except tk.Invalid as err:
                error(row, column, err.error)
                ok = False
        dataset_name = values.get("dataset") or None
        if dataset_name and org_id:
            try:
                dataset_name = columns.dataset(dataset_name, org_id)
            except tk.Invalid as err:
                error(row, "dataset", err.error)
                ok = False
        if not ok:
            continue
        key = (year, org_id, values["judul_data"].lower())
        if key in seen:
            error(row, "judul_data", tk._("Same year, OPD and title as row {row}").format(row=seen[key]))
            continue
        seen[key] = row
        entries.append({
            "year": year, "owner_org": org_id, "title": values["judul_data"],
            "indicator_key": series.indicator_key(values["judul_data"]),
            "dataset_name": dataset_name, "metadata_fields": metadata,
        })
    return entries, errors


def import_entries(session: Any, entries: list[dict[str, Any]]) -> ImportResult:
    """Insert or update entries (keyed by year, OPD, title); caller commits."""
    result = ImportResult(rows=len(entries))
    existing = {
        (e.year, e.owner_org, e.title.lower()): e
        for e in session.execute(
            sa.select(DaftarData).where(DaftarData.year.in_({e["year"] for e in entries}))
        ).scalars()
    } if entries else {}
    now = utcnow()
    for entry in entries:
        current = existing.get((entry["year"], entry["owner_org"], entry["title"].lower()))
        if current is None:
            session.add(DaftarData(created=now, modified=now, **entry))
            result.created += 1
        elif current.deleted is not None:
            # A deleted entry (kept for the letters that asked for it) imported again is restored.
            for field, value in entry.items():
                setattr(current, field, value)
            current.deleted = None
            current.modified = now
            result.created += 1
        elif (current.title, current.indicator_key, current.dataset_name, dict(current.metadata_fields or {})) == (
            entry["title"], entry["indicator_key"], entry["dataset_name"], entry["metadata_fields"]
        ):
            result.unchanged += 1
        else:
            current.title = entry["title"]
            current.indicator_key = entry["indicator_key"]
            current.dataset_name = entry["dataset_name"]
            current.metadata_fields = entry["metadata_fields"]
            current.modified = now
            result.updated += 1
    session.flush()
    return result


# ---------------------------------------------------------------- one entry

# The fields of an entry by the names sopsektoral_daftar_data_update takes, and the import's
# column each is checked as; the metadata columns have the same name in both.
FIELD_COLUMNS = {"year": "tahun", "owner_org": "opd", "title": "judul_data", "dataset_name": "dataset"}
# What identifies the entry to the letters that asked for it.
IDENTITY = ("year", "owner_org", "title")


def get_entry(session: Any, entry_id: str, lock: bool = False) -> DaftarData:
    """The entry (not deleted), its row locked if ``lock``; ObjectNotFound if there is none."""
    stmt = sa.select(DaftarData).where(DaftarData.id == entry_id, DaftarData.deleted.is_(None))
    entry = session.execute(stmt.with_for_update() if lock else stmt).scalar()
    if entry is None:
        raise tk.ObjectNotFound(tk._("Daftar Data entry not found"))
    return entry


def require_unheld(entry: DaftarData) -> None:
    """Refuse (ValidationError on ``id``) while a letter holds an open request of the entry,
    naming the letter."""
    holder = series.holders([entry.id]).get(entry.id)
    if holder is not None:
        raise tk.ValidationError({"id": [tk._(
            "Letter {letter} ({state}) asks for this entry: it can be changed or deleted once "
            "that letter is cancelled or the data it asks for is verified").format(
                letter=holder.letter_number or f"«{holder.letter_subject}»",
                state=holder.state_label().lower())]})


def asked_for(session: Any, entry_id: str) -> bool:
    """Whether any letter (past, cancelled or open) asked for the entry."""
    return session.execute(
        sa.select(LetterItem.id).where(LetterItem.daftar_data_id == entry_id).limit(1)
    ).first() is not None


def check_changes(session: Any, entry: DaftarData, changes: dict[str, Any]) -> dict[str, Any]:
    """The entry's new field values from ``changes`` (by the names of FIELD_COLUMNS and the
    metadata columns), checked as the import checks a row's columns; ValidationError naming
    each field. Only what changes is checked, and the dataset again when the OPD changes."""
    columns = _Columns()
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    texts = {field: _text(value) for field, value in changes.items()}
    for field in IDENTITY:
        if field not in texts:
            continue
        try:
            if not texts[field]:
                raise tk.Invalid(tk._("Missing value"))
            if field == "year":
                out[field] = columns.year(texts[field])
            elif field == "owner_org":
                out[field] = columns.opd(texts[field])
            else:
                out[field] = texts[field]
        except tk.Invalid as err:
            errors[field] = [err.error]
    identity = {field: out.get(field, getattr(entry, field)) for field in IDENTITY}
    moved = [f for f in IDENTITY if f in out and out[f] != getattr(entry, f)]
    if moved and asked_for(session, entry.id):
        for field in moved:
            errors[field] = [tk._(
                "Letters have asked for this entry: its year, OPD and title stay as they were "
                "(import a new entry instead)")]
    if "dataset_name" in texts or ("owner_org" in out and entry.dataset_name):
        name = texts.get("dataset_name", entry.dataset_name or "")
        if not name:
            out["dataset_name"] = None
        elif "owner_org" not in errors:
            try:
                out["dataset_name"] = columns.dataset(name, identity["owner_org"])
            except tk.Invalid as err:
                if "dataset_name" in texts:
                    errors["dataset_name"] = [err.error]
                else:  # the OPD moved away from the entry's dataset: the field sent is at fault
                    errors["owner_org"] = [tk._(
                        "The entry's dataset belongs to its present OPD: give the new OPD's "
                        "dataset_name too, or an empty one")]
    metadata = dict(entry.metadata_fields or {})
    for column in METADATA_COLUMNS:
        if column not in texts:
            continue
        if not texts[column]:
            metadata.pop(column, None)
            continue
        try:
            metadata[column] = columns.metadata(column, texts[column])
        except tk.Invalid as err:
            errors[column] = [err.error]
    if metadata != dict(entry.metadata_fields or {}):
        out["metadata_fields"] = metadata
    if not errors and any(f in out for f in IDENTITY):
        twin = session.execute(sa.select(DaftarData.id, DaftarData.deleted).where(
            DaftarData.id != entry.id, DaftarData.year == identity["year"],
            DaftarData.owner_org == identity["owner_org"],
            sa.func.lower(DaftarData.title) == identity["title"].lower(),
        ).limit(1)).first()
        if twin is not None:
            errors["title"] = [tk._("Another entry has the same year, OPD and title") if twin.deleted is None
                               else tk._("A deleted entry has the same year, OPD and title "
                                         "(importing it again restores it)")]
    if errors:
        raise tk.ValidationError(errors)
    return {field: value for field, value in out.items()
            if field == "metadata_fields" or value != getattr(entry, field)}


def update_entry(session: Any, entry: DaftarData, values: dict[str, Any]) -> None:
    """Set the checked ``values`` (check_changes) on the locked entry; the caller commits."""
    for field, value in values.items():
        setattr(entry, field, value)
    if "title" in values:
        entry.indicator_key = series.indicator_key(entry.title)
    entry.modified = utcnow()
    session.flush()


def delete_entry(session: Any, entry: DaftarData) -> bool:
    """Delete the locked entry: marked deleted if letters asked for it (True), removed if none
    did (False); the caller commits."""
    now = utcnow()
    if asked_for(session, entry.id):
        entry.deleted = now
        entry.modified = now
        session.flush()
        return True
    session.delete(entry)
    session.flush()
    return False
