"""Import of the SK Daftar Data from CSV or XLSX.

Every row is checked before anything is written; one bad row means nothing is
imported, and each error names its row (as the spreadsheet numbers it, the
header being row 1) and its column. Importing the same file again changes
nothing: entries are keyed by (tahun, OPD, judul data).
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
from ckanext.sopsektoral.model import DaftarData
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


def validate_rows(
    rows: Iterable[dict[str, Any]], progress: Callable[[int], Any] | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """Entries ready to import, and the errors found (each naming row and column).

    ``progress(n)`` is called as rows are checked (for a progress bar).
    """
    from ckanext.sopsektoral.logic.validators import sopsektoral_data_year

    orgs = _org_lookup()
    checks = _schema_field_validators()
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
                year = int(sopsektoral_data_year(values["tahun"], {}))
            except tk.Invalid as err:
                error(row, "tahun", err.error)
                ok = False
        org_id = None
        if values.get("opd"):
            org_id = orgs.get(values["opd"].lower())
            if org_id is None:
                error(row, "opd", tk._("Unknown OPD \"{opd}\" (use the organization's name or title)").format(
                    opd=values["opd"]))
                ok = False
        metadata = {}
        for column in METADATA_COLUMNS:
            value = values.get(column)
            if not value:
                continue
            check = checks.get(column)
            if check is not None:
                try:
                    value = check(value, {})
                except tk.Invalid as err:
                    error(row, column, err.error)
                    ok = False
                    continue
            metadata[column] = value
        dataset_name = values.get("dataset") or None
        if dataset_name and org_id:
            pkg = model.Package.get(dataset_name)
            if pkg is None or pkg.state != "active":
                error(row, "dataset", tk._("No dataset \"{name}\"").format(name=dataset_name))
                ok = False
            elif pkg.owner_org != org_id:
                error(row, "dataset", tk._("Dataset \"{name}\" belongs to another OPD").format(name=dataset_name))
                ok = False
            else:
                dataset_name = pkg.name
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
