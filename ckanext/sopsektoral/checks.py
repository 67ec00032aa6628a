"""Automatic checks of a submitted data item, shown on the verification workbench.

Each check reads the item's resources as tables (CSV or XLSX) and returns a
result: ``passed`` (True, False, or None when it does not apply), a message,
and details. They advise the statistics staff; the decision stays theirs.

Results are stored when the item is submitted and read later by someone who
may use another language, so a message is kept untranslated: its msgid and
its parameters (``N_``), translated when read (``localise``). Parameters are
the data itself (file names, values, counts) and are never translated.
"""
from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.sopsektoral import regions, tabular

log = logging.getLogger(__name__)

MAX_BYTES = 50 * 1024 * 1024
REGION_COLUMNS = ("kode_wilayah", "kode_kecamatan", "kode_kelurahan", "kode_desa", "kode_kabupaten_kota", "kode_kemendagri")
YEAR_COLUMNS = ("tahun", "tahun_data", "year")
# Columns naming the period, left out when comparing two periods' figures.
PERIOD_COLUMNS = (*YEAR_COLUMNS, "periode", "bulan", "semester", "triwulan")


@dataclasses.dataclass
class Message:
    """A message in the source language (its msgid) and its parameters."""

    message_id: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The stored form, with the English text for readers of the older form."""
        return {"message_id": self.message_id, "params": dict(self.params),
                "message": _format(self.message_id, self.params)}


def N_(message_id: str, **params: Any) -> Message:
    """A message translated when it is read, not now.

    ``N_`` is one of babel's default keywords: the msgid is extracted by
    ``make i18n`` (and checked by tests/test_i18n.py) like ``_``'s.
    """
    return Message(message_id, params)


Text = Message | str  # a str is shown as it is (data, or a library's own message)


def _format(template: str, params: dict[str, Any]) -> str:
    return template.format(**params) if params else template


def _stored(text: Text) -> Any:
    return text.as_dict() if isinstance(text, Message) else text


@dataclasses.dataclass
class CheckResult:
    key: str
    passed: bool | None
    message: Text
    details: list[Text] = dataclasses.field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The stored form: ``message_id`` and ``params`` to translate when read,
        ``message`` in English; each detail a str or a message's stored form."""
        out: dict[str, Any] = {"key": self.key, "passed": self.passed}
        message = _stored(self.message)
        out.update(message if isinstance(message, dict) else {"message": message})
        out["details"] = [_stored(d) for d in self.details]
        return out


def _translated(stored: Any, translate: Callable[[str], str]) -> str:
    """A stored message (or an older, already translated text) in the reader's language."""
    if not isinstance(stored, dict):
        return "" if stored is None else str(stored)
    message_id, params = stored.get("message_id"), stored.get("params") or {}
    if message_id and isinstance(message_id, str) and isinstance(params, dict):
        for template in (translate(message_id), message_id):
            try:
                return _format(template, params)
            except (KeyError, IndexError, ValueError, AttributeError):  # a translation with other placeholders
                log.warning("sopsektoral: cannot format check message %r", template)
    return str(stored.get("message") or "")


def localise(results: list[dict[str, Any]] | None, translate: Callable[[str], str] | None = None
             ) -> list[dict[str, Any]]:
    """Stored check results with ``message`` and ``details`` in the reader's
    language (``tk._``, the request's). Results stored before messages were kept
    untranslated carry only ``message``: it is shown as it was stored."""
    translate = translate or tk._
    out = []
    for result in results or []:
        result = dict(result)
        result["message"] = _translated(result, translate)
        result["details"] = [_translated(d, translate) for d in result.get("details") or []]
        out.append(result)
    return out


@dataclasses.dataclass
class Table:
    """One resource read as a table: its header and rows (as text)."""

    resource_id: str
    name: str
    header: list[str]
    rows: list[list[str]]
    error: str | None = None


def _normalise_header(value: Any) -> str:
    return str(value or "").strip().lower().replace(" ", "_")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_resource(resource: dict[str, Any]) -> Table:
    """Read an uploaded CSV or XLSX resource of the portal."""
    name = resource.get("name") or resource.get("id")
    fmt = (resource.get("format") or "").lower() or resource.get("url", "").rsplit(".", 1)[-1].lower()
    if resource.get("url_type") != "upload":
        return Table(resource["id"], name, [], [], tk._("Only uploaded files are checked"))
    from ckan.lib import uploader

    path = uploader.get_resource_uploader(resource).get_path(resource["id"])
    try:
        with open(path, "rb") as f:
            content = f.read(MAX_BYTES + 1)
    except OSError as err:
        return Table(resource["id"], name, [], [], str(err))
    if len(content) > MAX_BYTES:
        return Table(resource["id"], name, [], [], tk._("Too large to check"))
    try:
        matrix = _read_matrix(content, fmt)
    except Exception as err:  # any unreadable file is a finding, not a crash
        return Table(resource["id"], name, [], [], tk._("Not a readable table: {error}").format(error=err))
    if not matrix:
        return Table(resource["id"], name, [], [], tk._("The file is empty"))
    header = [_normalise_header(h) for h in matrix[0]]
    rows = [[_cell(v) for v in row] for row in matrix[1:] if any(_cell(v) for v in row)]
    return Table(resource["id"], name, header, rows)


def _read_matrix(content: bytes, fmt: str) -> list[list[Any]]:
    if fmt in ("xlsx", "xlsm"):
        return tabular.read_xlsx_rows(content)
    return tabular.read_csv_rows(content)


# ---------------------------------------------------------------- the checks

def check_structure(resources: list[dict[str, Any]]) -> CheckResult:
    """Frictionless validation of each CSV/XLSX: header, blank or short rows, types."""
    tables = [r for r in resources if _is_table(r)]
    if not tables:
        return CheckResult("structure", False, N_("No CSV or XLSX resource to check"))
    problems: list[Text] = []
    for resource in tables:
        problems.extend(_frictionless_errors(resource))
    if problems:
        return CheckResult("structure", False, N_("The tables have structural errors"), problems[:50])
    return CheckResult("structure", True, N_("The tables are well formed"))


def _is_table(resource: dict[str, Any]) -> bool:
    fmt = (resource.get("format") or "").lower()
    return fmt in ("csv", "xlsx") or resource.get("url", "").lower().endswith((".csv", ".xlsx"))


def _frictionless_errors(resource: dict[str, Any]) -> list[Text]:
    import frictionless

    name = resource.get("name") or resource["id"]
    if resource.get("url_type") != "upload":
        return [N_("{table}: only uploaded files are checked", table=name)]
    from ckan.lib import uploader

    path = uploader.get_resource_uploader(resource).get_path(resource["id"])
    fmt = (resource.get("format") or resource.get("url", "").rsplit(".", 1)[-1]).lower()
    import os

    try:
        # A relative path under a basepath: frictionless refuses absolute paths as unsafe.
        report = frictionless.validate(
            frictionless.Resource(path=os.path.basename(path), basepath=os.path.dirname(path), format=fmt,
                                  encoding="utf-8" if fmt == "csv" else None),
            limit_errors=50,
        )
    except Exception as err:  # frictionless raises for files it cannot open at all
        return [f"{name}: {err}"]
    out: list[Text] = []
    for task in report.tasks:
        for error in task.errors:
            # frictionless words its errors in English only: they are parameters.
            row, column = getattr(error, "row_number", None), getattr(error, "field_name", None)
            found = {"table": name, "title": error.title, "error": error.message}
            if row and column:
                out.append(N_("{table}: {title} (row {row}, column {column}): {error}",
                              row=row, column=column, **found))
            elif row:
                out.append(N_("{table}: {title} (row {row}): {error}", row=row, **found))
            elif column:
                out.append(N_("{table}: {title} (column {column}): {error}", column=column, **found))
            else:
                out.append(f"{name}: {error.title}: {error.message}")
    for error in report.errors:
        out.append(f"{name}: {error.title}: {error.message}")
    return out


def check_region_codes(tables: Iterable[Table]) -> CheckResult:
    """Region code columns hold Kemendagri codes of Kota Balikpapan (kode referensi)."""
    seen_column = False
    bad: list[Text] = []
    checked = 0
    for table in tables:
        for index, column in enumerate(table.header):
            if column not in REGION_COLUMNS:
                continue
            seen_column = True
            for row_number, row in enumerate(table.rows, start=2):
                value = row[index] if index < len(row) else ""
                if not value:
                    continue
                checked += 1
                if not regions.is_known(value):
                    bad.append(N_("{table}, row {row}, {column}: {value}",
                                  table=table.name, row=row_number, column=column, value=value))
    if not seen_column:
        return CheckResult("region_codes", None, N_("No region code column (kode_wilayah, kode_kecamatan, ...)"))
    if bad:
        return CheckResult("region_codes", False, N_(
            "{n} of {total} region codes are not Kemendagri codes of Kota Balikpapan", n=len(bad), total=checked),
            bad[:50])
    return CheckResult("region_codes", True, N_("All {n} region codes are valid", n=checked))


def check_data_year(tables: Iterable[Table], dataset: dict[str, Any], year: int) -> CheckResult:
    """The data is for the year the letter asks (the year column and the metadata)."""
    problems: list[Text] = []
    if str(dataset.get("tahun_data") or "") not in ("", str(year)):
        problems.append(N_("The metadata says {found}", found=dataset.get("tahun_data")))
    seen_column = False
    for table in tables:
        for index, column in enumerate(table.header):
            if column not in YEAR_COLUMNS:
                continue
            seen_column = True
            years = {row[index] for row in table.rows if index < len(row) and row[index]}
            other = sorted(y for y in years if y != str(year))
            if other and str(year) not in years:
                problems.append(N_("{table}: the {column} column has {years}, not {year}",
                                   table=table.name, column=column, years=", ".join(other[:10]), year=year))
    if problems:
        return CheckResult("data_year", False, N_("The data does not seem to be for {year}", year=year), problems)
    if not seen_column and not dataset.get("tahun_data"):
        return CheckResult("data_year", None, N_("No year column or data year to compare"))
    return CheckResult("data_year", True, N_("The data is for {year}", year=year))


def _values(tables: Iterable[Table]) -> list[tuple[str, ...]]:
    """The rows without their year columns, for comparing two years' data."""
    out = []
    for table in tables:
        keep = [i for i, c in enumerate(table.header) if c not in PERIOD_COLUMNS and c not in ("id", "no")]
        for row in table.rows:
            out.append(tuple(row[i] if i < len(row) else "" for i in keep))
    return sorted(out)


def check_copied_from_previous_year(tables: list[Table], previous: list[Table] | None) -> CheckResult:
    """The figures are not a copy of the previous year's (a known problem: OPDs copying
    last year's figures). A partial match is normal (e.g. a wage frozen in some regions)."""
    if not previous:
        return CheckResult("previous_year", None, N_("No data of the previous year to compare"))
    now, before = _values(tables), _values(previous)
    if not now:
        return CheckResult("previous_year", None, N_("No rows to compare"))
    if now == before:
        return CheckResult("previous_year", False, N_(
            "All {n} rows are identical to the previous year's data: copied?", n=len(now)))
    same = len(set(now) & set(before))
    return CheckResult("previous_year", True, N_("{same} of {n} rows equal the previous year's", same=same, n=len(now)))


def _tables_of(package_id: str) -> list[Table]:
    pkg = tk.get_action("package_show")({"ignore_auth": True}, {"id": package_id})
    return [read_resource(r) for r in pkg.get("resources", []) if _is_table(r)]


def _previous_year_tables(item: Any, year: int) -> list[Table] | None:
    """The data of the same Daftar Data title and OPD one year earlier, if it was collected."""
    import sqlalchemy as sa
    from ckan import model

    from ckanext.sopsektoral.model import DaftarData, LetterItem

    entry = model.Session.get(DaftarData, item.daftar_data_id)
    previous = model.Session.execute(
        sa.select(LetterItem.dataset_id).join(DaftarData, DaftarData.id == LetterItem.daftar_data_id).where(
            DaftarData.year == year - 1, DaftarData.owner_org == item.owner_org,
            sa.func.lower(DaftarData.title) == entry.title.lower(), LetterItem.dataset_id.isnot(None),
        ).limit(1)
    ).scalar()
    return _tables_of(previous) if previous else None


def run_all(item: Any, letter: Any) -> list[CheckResult]:
    """All automatic checks of an item's dataset (run when it is submitted).

    A dataset that carries every year keeps the earlier years as older
    resources: what was uploaded before the letter was sent is the previous
    data, what came after is this year's.
    """
    pkg = tk.get_action("package_show")({"ignore_auth": True}, {"id": item.dataset_id})
    resources = pkg.get("resources", [])
    sent = letter.sent_at.isoformat() if letter.sent_at else ""
    new = [r for r in resources if (r.get("created") or "") >= sent] or resources
    old = [r for r in resources if r not in new]
    tables = [t for t in (read_resource(r) for r in new if _is_table(r)) if not t.error]
    previous = [t for t in (read_resource(r) for r in old if _is_table(r)) if not t.error]
    return [
        check_structure(new),
        check_region_codes(tables),
        check_data_year(tables, pkg, letter.data_year),
        check_copied_from_previous_year(tables, previous or _previous_year_tables(item, letter.data_year)),
    ]
