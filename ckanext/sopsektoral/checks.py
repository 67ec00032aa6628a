"""Automatic checks of a submitted data item, shown on the verification workbench.

Each check reads the item's resources as tables (CSV or XLSX) and returns a
result: ``passed`` (True, False, or None when it does not apply), a message,
and details. They advise the statistics staff; the decision stays theirs.

The checks run in a background job (``run_job``), queued once a submission
commits (``enqueue``): a large file keeps a worker busy, not the web request.
Besides the results the job stores a preview of each table (header, first
rows, row count) and the figures beside the previous period's. A file is
never held whole: its rows are read from the file again by each check.

Results are stored when the item is submitted and read later by someone who
may use another language, so a message is kept untranslated: its msgid and
its parameters (``N_``), translated when read (``localise``). Parameters are
the data itself (file names, values, counts) and are never translated.
"""
from __future__ import annotations

import array
import codecs
import csv
import dataclasses
import datetime as dt
import logging
import math
import os
import re
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.sopsektoral import config, jobs, regions, tabular

log = logging.getLogger(__name__)

MAX_BYTES = 50 * 1024 * 1024
REGION_COLUMNS = ("kode_wilayah", "kode_kecamatan", "kode_kelurahan", "kode_desa", "kode_kabupaten_kota", "kode_kemendagri")
YEAR_COLUMNS = ("tahun", "tahun_data", "year")
# Columns naming the period, left out when comparing two periods' figures.
PERIOD_COLUMNS = (*YEAR_COLUMNS, "periode", "bulan", "semester", "triwulan")
# Columns that number rows rather than measure anything.
ROW_NUMBER_COLUMNS = ("id", "no", "nomor", "no.")
XLSX_FORMATS = ("xlsx", "xlsm")

# What is kept of each table for the workbench's preview.
PREVIEW_TABLES = 10
PREVIEW_ROWS = 10
PREVIEW_COLUMNS = 30
PREVIEW_CELL_CHARS = 200
# The comparison with the previous period reads at most this many rows of each
# table, and stores at most COMPARISON_ROWS of the matched rows (flagged ones first).
COMPARE_ROWS = 50_000
COMPARISON_ROWS = 100
MAX_DETAILS = 50

# The checks' state on an item (LetterItem.checks_state).
PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"
STALE = "stale"  # what a job for an older submission returns: it stores nothing
JOB_TIMEOUT = 3600


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
    """One resource read as a table: its header and data rows (as text).

    A table read from a file does not hold its rows: ``rows`` reads them from
    the file each time it is iterated. What the first reading saw is kept: the
    header as written (``raw_header``), the first rows and the row count.
    """

    resource_id: str
    name: str
    header: list[str]
    rows: Iterable[list[str]]
    error: Text | None = None
    file_name: str = ""
    sheet: str | None = None
    format: str = ""
    raw_header: list[str] = dataclasses.field(default_factory=list)
    first_rows: list[list[str]] = dataclasses.field(default_factory=list)
    row_count: int | None = None


def _normalise_header(value: Any) -> str:
    return _cell(value).lower().replace(" ", "_")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# ---------------------------------------------------------------- reading files, streamed

def _csv_encoding(path: str) -> str:
    """The encoding ``tabular.read_csv_rows`` would decode the file with, found
    by decoding it chunk by chunk."""
    for encoding in tabular.ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with open(path, "rb") as f:
                while chunk := f.read(1 << 20):
                    decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise tabular.NotText("not UTF-8 or cp1252 text")


def _csv_rows(path: str, encoding: str) -> Iterator[list[str]]:
    """The rows of a CSV file as ``tabular.read_csv_rows`` reads them, one at a time."""
    with open(path, encoding=encoding, newline="") as f:
        try:
            dialect: Any = csv.Sniffer().sniff(f.read(tabular.SNIFF_CHARS), delimiters=tabular.DELIMITERS)
        except csv.Error:
            dialect = csv.excel
        f.seek(0)
        yield from csv.reader(f, dialect)


class _Source:
    """An uploaded file's rows (the first sheet of a workbook), read from the
    file each time they are iterated."""

    def __init__(self, path: str, fmt: str) -> None:
        self.path, self.fmt = path, fmt
        self.sheet: str | None = None
        self.encoding: str | None = None

    def __iter__(self) -> Iterator[list[Any]]:
        return self._xlsx() if self.fmt in XLSX_FORMATS else self._csv()

    def _csv(self) -> Iterator[list[str]]:
        if self.encoding is None:
            self.encoding = _csv_encoding(self.path)
        yield from _csv_rows(self.path, self.encoding)

    def _xlsx(self) -> Iterator[list[Any]]:
        import openpyxl

        book = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            self.sheet = sheet.title
            for row in sheet.iter_rows(values_only=True):
                yield list(row)
        finally:
            book.close()


def _close(iterator: Any) -> None:
    close = getattr(iterator, "close", None)
    if close is not None:
        close()


class _DataRows:
    """A table's data rows (not its header, not blank rows), read from its file
    each time they are iterated."""

    def __init__(self, source: _Source) -> None:
        self.source = source

    def __iter__(self) -> Iterator[list[str]]:
        rows = iter(self.source)
        try:
            next(rows, None)
            for row in rows:
                cells = [_cell(v) for v in row]
                if any(cells):
                    yield cells
        finally:
            _close(rows)


def _resource_format(resource: dict[str, Any]) -> str:
    return (resource.get("format") or "").lower() or resource.get("url", "").rsplit(".", 1)[-1].lower()


def _file_name(resource: dict[str, Any]) -> str:
    path = urllib.parse.urlparse(resource.get("url") or "").path
    return urllib.parse.unquote(path.rsplit("/", 1)[-1])


def read_resource(resource: dict[str, Any]) -> Table:
    """Read an uploaded CSV or XLSX resource of the portal.

    One pass over the file keeps its header, its first rows and its row count
    (and finds an unreadable file); the checks read the rows again as they go.
    """
    table = Table(resource["id"], resource.get("name") or resource["id"], [], [],
                  file_name=_file_name(resource), format=_resource_format(resource))
    if resource.get("url_type") != "upload":
        table.error = N_("Only uploaded files are checked")
        return table
    from ckan.lib import uploader

    return read_file(uploader.get_resource_uploader(resource).get_path(resource["id"]), table)


def read_file(path: str, table: Table) -> Table:
    """Read the file at ``path`` into ``table`` (named, with its format): see ``read_resource``."""
    try:
        size = os.path.getsize(path)
    except OSError as err:
        table.error = str(err)
        return table
    if size > MAX_BYTES:
        table.error = N_("Too large to check")
        return table
    source = _Source(path, table.format)
    rows = iter(source)
    try:
        header = next(rows, None)
        count = 0
        first: list[list[str]] = []
        for row in rows:
            cells = [_cell(v) for v in row]
            if any(cells):
                count += 1
                if len(first) < PREVIEW_ROWS:
                    first.append(cells)
    except Exception as err:  # any unreadable file is a finding, not a crash
        table.error = N_("Not a readable table: {error}", error=str(err))
        return table
    finally:
        _close(rows)
    if header is None:
        table.error = N_("The file is empty")
        return table
    table.raw_header = [_cell(h) for h in header]
    table.header = [_normalise_header(h) for h in header]
    table.first_rows, table.row_count, table.sheet = first, count, source.sheet
    table.rows = _DataRows(source)
    return table


def _read_matrix(content: bytes, fmt: str) -> list[list[Any]]:
    if fmt in XLSX_FORMATS:
        return tabular.read_xlsx_rows(content)
    return tabular.read_csv_rows(content)


def _clip(text: str) -> str:
    return text if len(text) <= PREVIEW_CELL_CHARS else text[:PREVIEW_CELL_CHARS - 1] + "…"


def preview(table: Table) -> dict[str, Any]:
    """What the workbench shows of a table without downloading it: its header,
    first rows and row count (cells and columns capped)."""
    header = table.raw_header or table.header
    return {
        "resource_id": table.resource_id,
        "name": table.name,
        "format": table.format.upper(),
        "sheet": table.sheet,
        "header": [_clip(h) for h in header[:PREVIEW_COLUMNS]],
        "rows": [[_clip(c) for c in row[:PREVIEW_COLUMNS]] for row in table.first_rows[:PREVIEW_ROWS]],
        "row_count": table.row_count,
        "column_count": len(header),
        "error": _stored(table.error) if table.error is not None else None,
    }


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
    checked = bad_count = 0
    for table in tables:
        columns = [(i, c) for i, c in enumerate(table.header) if c in REGION_COLUMNS]
        if not columns:
            continue
        seen_column = True
        for row_number, row in enumerate(table.rows, start=2):
            for index, column in columns:
                value = row[index] if index < len(row) else ""
                if not value:
                    continue
                checked += 1
                if not regions.is_known(value):
                    bad_count += 1
                    if len(bad) < MAX_DETAILS:
                        bad.append(N_("{table}, row {row}, {column}: {value}",
                                      table=table.name, row=row_number, column=column, value=value))
    if not seen_column:
        return CheckResult("region_codes", None, N_("No region code column (kode_wilayah, kode_kecamatan, ...)"))
    if bad_count:
        return CheckResult("region_codes", False, N_(
            "{n} of {total} region codes are not Kemendagri codes of Kota Balikpapan", n=bad_count, total=checked),
            bad)
    return CheckResult("region_codes", True, N_("All {n} region codes are valid", n=checked))


# ---------------------------------------------------------------- the data year

_YEAR = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])")
_YEAR_CELL = re.compile(r"^((?:19|20)[0-9]{2})(?:\.0+)?$")


def _years_in(text: str | None) -> set[int]:
    return {int(y) for y in _YEAR.findall(text or "")}


def _years_text(years: Iterable[int]) -> str:
    years = sorted(years)
    return ", ".join(str(y) for y in years[:10]) + (", …" if len(years) > 10 else "")


def year_evidence(table: Table) -> tuple[set[int], list[Message]]:
    """The years a table's data names, and where, from its strongest evidence:
    a year column (tahun, year, ...), else the years in its header cells (e.g.
    "Jumlah 2025"), else its sheet's name, else its resource's name and file
    name. Nothing else: the dataset's metadata is the portal's, not the data's."""
    columns = [(i, c) for i, c in enumerate(table.header) if c in YEAR_COLUMNS]
    if columns:
        found: dict[str, set[int]] = {c: set() for _, c in columns}
        seen: dict[str, set[int]] = {}  # a year column holds few distinct values
        for row in table.rows:
            for index, column in columns:
                value = row[index] if index < len(row) else ""
                years_of = seen.get(value)
                if years_of is None:
                    match = _YEAR_CELL.match(value)
                    years_of = {int(match.group(1))} if match else _years_in(value)
                    if len(seen) < 1000:
                        seen[value] = years_of
                found[column] |= years_of
        where = [N_("{table}: the {column} column has {years}", table=table.name, column=c, years=_years_text(ys))
                 for c, ys in found.items() if ys]
        years = set().union(*found.values())
        if years:
            return years, where
    year_columns = {c for _, c in columns}
    cells = [raw or name for raw, name in zip(table.raw_header or table.header, table.header, strict=True)
             if name not in year_columns and _years_in(raw or name)]
    if cells:
        years = set().union(*(_years_in(c) for c in cells))
        return years, [N_("{table}: the header has {years} ({cells})", table=table.name,
                          years=_years_text(years), cells="; ".join(cells[:5]))]
    if _years_in(table.sheet):
        years = _years_in(table.sheet)
        return years, [N_("{table}: the sheet name {sheet} has {years}", table=table.name, sheet=table.sheet,
                          years=_years_text(years))]
    years, where = set(), []
    if _years_in(table.name):
        years |= _years_in(table.name)
        where.append(N_("{table}: the resource name has {years}", table=table.name,
                        years=_years_text(_years_in(table.name))))
    if table.file_name and table.file_name != table.name and _years_in(table.file_name):
        years |= _years_in(table.file_name)
        where.append(N_("{table}: the file name {file} has {years}", table=table.name, file=table.file_name,
                        years=_years_text(_years_in(table.file_name))))
    return years, where


def check_data_year(tables: Iterable[Table], year: int) -> CheckResult:
    """The data is for the year the letter asks, as far as the data itself says
    (see ``year_evidence``). Where it names no year the check is neutral."""
    matching: list[Text] = []
    other: list[Text] = []
    for table in tables:
        years, where = year_evidence(table)
        if years:
            (matching if year in years else other).extend(where)
    if other:
        return CheckResult("data_year", False, N_("The data does not seem to be for {year}", year=year),
                           other + matching)
    if matching:
        return CheckResult("data_year", True, N_("The data is for {year}", year=year), matching)
    return CheckResult("data_year", None, N_("The data year cannot be determined from the data"))


# ---------------------------------------------------------------- a copy of the previous period

def _sorted_hashes(tables: Iterable[Table]) -> array.array:
    """A fingerprint of each row without its period columns, sorted: two periods'
    rows compared without holding them (a 64-bit hash per row)."""
    out = array.array("q")
    for table in tables:
        keep = [i for i, c in enumerate(table.header) if c not in PERIOD_COLUMNS and c not in ("id", "no")]
        for row in table.rows:
            out.append(hash(tuple(row[i] if i < len(row) else "" for i in keep)))
    return array.array("q", sorted(out))


def _common_count(a: array.array, b: array.array) -> int:
    """How many distinct values two sorted arrays share."""
    i = j = n = 0
    last: int | None = None
    while i < len(a) and j < len(b):
        if a[i] < b[j]:
            i += 1
        elif a[i] > b[j]:
            j += 1
        else:
            if a[i] != last:
                n, last = n + 1, a[i]
            i, j = i + 1, j + 1
    return n


def check_copied_from_previous_year(tables: list[Table], previous: list[Table] | None) -> CheckResult:
    """The figures are not a copy of the previous period's (a known problem: OPDs
    copying last period's figures), of all its tables or of one of them. A
    partial match is normal (e.g. a wage frozen in some regions)."""
    if not previous:
        return CheckResult("previous_year", None, N_("No data of the previous year to compare"))
    now = _sorted_hashes(tables)
    if not now:
        return CheckResult("previous_year", None, N_("No rows to compare"))
    before = _sorted_hashes(previous)
    if now == before or (len(previous) > 1 and any(now == _sorted_hashes([t]) for t in previous)):
        return CheckResult("previous_year", False, N_(
            "All {n} rows are identical to the previous year's data: copied?", n=len(now)))
    same = _common_count(now, before)
    return CheckResult("previous_year", True, N_("{same} of {n} rows equal the previous year's", same=same, n=len(now)))


# ---------------------------------------------------------------- this period beside the previous one

_MISSING = {"", "-", "–", "—", "..", "...", "n/a", "na", "x"}
_PLAIN = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?[0-9]+,[0-9]+$")
_DOT_THOUSANDS = re.compile(r"^[+-]?[0-9]{1,3}(\.[0-9]{3})+(,[0-9]+)?$")
_COMMA_THOUSANDS = re.compile(r"^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$")


def number(text: str) -> float | None:
    """A figure as written in Indonesian tables: ``2376558.39``, ``1.234.567``,
    ``12,5`` (decimal comma), ``1,234,567.5``; None for anything else."""
    text = text.replace("\u00a0", "").replace(" ", "")
    if _PLAIN.match(text):
        return float(text)
    if _DECIMAL_COMMA.match(text):
        return float(text.replace(",", "."))
    if _DOT_THOUSANDS.match(text):
        return float(text.replace(".", "").replace(",", "."))
    if _COMMA_THOUSANDS.match(text):
        return float(text.replace(",", ""))
    return None


def _missing(text: str) -> bool:
    return text.strip().lower() in _MISSING


def _first_rows(table: Table, limit: int) -> tuple[list[list[str]], bool]:
    """At most ``limit`` rows of a table, and whether it has more."""
    rows: list[list[str]] = []
    more = False
    iterator = iter(table.rows)
    try:
        for row in iterator:
            if len(rows) == limit:
                more = True
                break
            rows.append(row)
    finally:
        _close(iterator)
    return rows, more


def _one_period(header: list[str], rows: list[list[str]], year: int, previous: bool) -> list[list[str]]:
    """The rows of one year of a table that carries several (a year column):
    the requested year's, or for the previous period the latest year before it."""
    index = next((i for i, c in enumerate(header) if c in YEAR_COLUMNS), None)
    if index is None:
        return rows

    def year_of(row: list[str]) -> int | None:
        match = _YEAR_CELL.match(row[index]) if index < len(row) else None
        return int(match.group(1)) if match else None

    years = {y for y in map(year_of, rows) if y is not None}
    if len(years) < 2:
        return rows
    earlier = [y for y in years if y < year]
    wanted = (max(earlier) if earlier else max(years)) if previous else (year if year in years else max(years))
    return [r for r in rows if year_of(r) == wanted]


def _columns(header: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for index, name in enumerate(header):
        if name:
            out.setdefault(name, index)
    return out


def _is_code(name: str) -> bool:
    return name in REGION_COLUMNS or "kode" in name.split("_")


def _is_figure_column(name: str) -> bool:
    return not (name in PERIOD_COLUMNS or name in ROW_NUMBER_COLUMNS or _is_code(name))


def _numeric(rows: list[list[str]], index: int) -> bool:
    seen = False
    for row in rows:
        value = row[index] if index < len(row) else ""
        if _missing(value):
            continue
        if number(value) is None:
            return False
        seen = True
    return seen


def _key_text(value: str) -> str:
    return " ".join(value.split()).casefold()


def _keyed(rows: list[list[str]], indexes: list[int]) -> list[tuple[str, ...]]:
    """Each row's key; rows whose key repeats are told apart by their order."""
    seen: dict[tuple[str, ...], int] = {}
    out = []
    for row in rows:
        key = tuple(_key_text(row[i]) if i < len(row) else "" for i in indexes)
        seen[key] = seen.get(key, 0) + 1
        out.append((*key, str(seen[key])) if seen[key] > 1 else key)
    return out


def _distinct(rows: list[list[str]], indexes: list[int]) -> int:
    return len({tuple(_key_text(row[i]) if i < len(row) else "" for i in indexes) for row in rows})


def _unique(rows: list[list[str]], indexes: list[int]) -> bool:
    return _distinct(rows, indexes) == len(rows)


@dataclasses.dataclass
class Comparison:
    """This period's table beside the previous period's, row by row."""

    previous_dataset: dict[str, Any] | None
    table: str = ""
    previous_table: str = ""
    key_columns: list[str] = dataclasses.field(default_factory=list)
    key_kind: str | None = None  # "region" (a region code column) or "label" (the rows' names)
    columns: list[str] = dataclasses.field(default_factory=list)
    rows: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    matched: int = 0
    only_now: int = 0
    only_before: int = 0
    values_compared: int = 0
    flagged: list[Message] = dataclasses.field(default_factory=list)
    flagged_count: int = 0
    threshold_percent: int = 50
    truncated: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "previous_dataset": self.previous_dataset, "table": self.table, "previous_table": self.previous_table,
            "key_columns": self.key_columns, "key_kind": self.key_kind, "columns": self.columns,
            "rows": self.rows, "matched": self.matched, "only_now": self.only_now, "only_before": self.only_before,
            "values_compared": self.values_compared, "flagged": self.flagged_count,
            "threshold_percent": self.threshold_percent, "truncated": self.truncated, "row_limit": COMPARE_ROWS,
        }


def _change(before: float | None, after: float | None) -> float | None:
    if before is None or after is None:
        return None
    if before == 0:
        return 0.0 if after == 0 else None
    change = (after - before) / abs(before) * 100
    return round(change, 2) if math.isfinite(change) else None


def _compare_pair(now: Table, before: Table, year: int, threshold: int, into: Comparison) -> bool:
    """Fill ``into`` with this table beside the previous one; False if they
    share no key column and figure column to compare by."""
    now_rows, more_now = _first_rows(now, COMPARE_ROWS)
    before_rows, more_before = _first_rows(before, COMPARE_ROWS)
    now_rows = _one_period(now.header, now_rows, year, previous=False)
    before_rows = _one_period(before.header, before_rows, year, previous=True)
    now_columns, before_columns = _columns(now.header), _columns(before.header)
    common = [c for c in now_columns if c in before_columns]
    figures = [c for c in common if _is_figure_column(c)
               and _numeric(now_rows, now_columns[c]) and _numeric(before_rows, before_columns[c])]
    texts = [c for c in common if c not in figures and c not in PERIOD_COLUMNS and c not in ROW_NUMBER_COLUMNS
             and not _numeric(now_rows, now_columns[c])]
    if not figures or not now_rows or not before_rows:
        return False
    region = next((c for c in common if c in REGION_COLUMNS), None)
    if region:
        key, kind = [region], "region"
    else:
        # The rows' label: the first column of names that names each row once,
        # else the one that tells most rows apart.
        labels = [c for c in texts if not _is_code(c)] or texts
        if not labels:
            return False
        unique = [c for c in labels if _unique(now_rows, [now_columns[c]])]
        key = [unique[0] if unique else max(labels, key=lambda c: _distinct(now_rows, [now_columns[c]]))]
        kind = "label"
    # A key that repeats (e.g. one row per region and category): add the column
    # of names that tells most of the rows apart, until each row has its own.
    while not (_unique(now_rows, [now_columns[c] for c in key])
               and _unique(before_rows, [before_columns[c] for c in key])):
        extra = [c for c in texts if c not in key and not _is_code(c)]
        if not extra:
            break
        key.append(max(extra, key=lambda c: _distinct(now_rows, [now_columns[k] for k in (*key, c)])))
        told_apart = _distinct(now_rows, [now_columns[c] for c in key])
        if told_apart == _distinct(now_rows, [now_columns[c] for c in key[:-1]]):
            key.pop()  # it tells nothing more apart: the rows' order will
            break
    now_keys = _keyed(now_rows, [now_columns[c] for c in key])
    before_index = dict(zip(_keyed(before_rows, [before_columns[c] for c in key]), before_rows, strict=True))
    # The name shown beside a region code: the column of names that tells most rows apart.
    names = [now_columns[c] for c in texts if c not in key and not _is_code(c)]
    name_column = max(names, key=lambda i: (len({r[i] for r in now_rows if i < len(r)}), -i), default=None)
    into.table, into.previous_table = now.name, before.name
    into.key_columns, into.key_kind, into.columns = key, kind, figures
    into.truncated = more_now or more_before
    flagged_rows: list[dict[str, Any]] = []  # kept: the flagged rows first, then the others
    other_rows: list[dict[str, Any]] = []
    for position, (row_key, row) in enumerate(zip(now_keys, now_rows, strict=True)):
        old = before_index.pop(row_key, None)
        if old is None:
            into.only_now += 1
            continue
        label_cells = [row[now_columns[c]] for c in key if now_columns[c] < len(row)]
        if kind == "region" and name_column is not None and name_column < len(row) and row[name_column]:
            label_cells.append(row[name_column])
        label = " · ".join(c for c in label_cells if c)
        values = []
        for column in figures:
            after_text = row[now_columns[column]] if now_columns[column] < len(row) else ""
            before_text = old[before_columns[column]] if before_columns[column] < len(old) else ""
            after_value = None if _missing(after_text) else number(after_text)
            before_value = None if _missing(before_text) else number(before_text)
            if after_value is None and before_value is None:
                continue
            change = _change(before_value, after_value)
            from_zero = before_value == 0 and after_value not in (None, 0)
            flagged = from_zero or (change is not None and abs(change) > threshold)
            into.values_compared += 1
            if flagged:
                into.flagged_count += 1
                if len(into.flagged) < MAX_DETAILS:
                    # Formatted outside the N_ call: Babel 2.10's extractor (CKAN 2.10)
                    # evaluates every string inside it, f-strings included.
                    change_text = "{:+.1f}%".format(change) if change is not None else ""
                    into.flagged.append(
                        N_("{row}, {column}: {before} → {after} (from zero)", row=label, column=column,
                           before=before_text, after=after_text) if from_zero else
                        N_("{row}, {column}: {before} → {after} ({change})", row=label, column=column,
                           before=before_text, after=after_text, change=change_text))
            values.append({"column": column, "previous": before_text, "current": after_text,
                           "change_percent": change, "flagged": flagged})
        into.matched += 1
        flagged_row = any(v["flagged"] for v in values)
        kept = flagged_rows if flagged_row else other_rows
        if len(kept) < COMPARISON_ROWS:
            kept.append({"position": position, "key": list(row_key), "label": label, "values": values,
                         "flagged": flagged_row})
    into.only_before = len(before_index)
    shown = sorted(flagged_rows + other_rows[:COMPARISON_ROWS - len(flagged_rows)], key=lambda r: r["position"])
    into.rows = [{k: v for k, v in r.items() if k != "position"} for r in shown]
    return into.matched > 0


def compare_periods(tables: list[Table], previous: list[Table], year: int, threshold: int,
                    previous_dataset: dict[str, Any] | None = None) -> Comparison | None:
    """This period's figures beside the previous period's: rows matched by a
    region code column both tables have, else by the rows' label (the first
    column of names); for each figure column both have, the previous value,
    this one and the change in %. The first pair of tables that match is kept.
    None when there is no previous data."""
    if not previous:
        return None
    for now in tables:
        for before in previous:
            comparison = Comparison(previous_dataset, threshold_percent=threshold)
            if _compare_pair(now, before, year, threshold, comparison):
                return comparison
    return Comparison(previous_dataset, threshold_percent=threshold)


def check_plausibility(comparison: Comparison | None) -> CheckResult:
    """The figures changed plausibly since the previous period: no change beyond
    ``ckanext.sopsektoral.plausibility_threshold_percent`` (nor from zero)."""
    if comparison is None:
        return CheckResult("plausibility", None, N_("No data of the previous year to compare"))
    if not comparison.values_compared:
        return CheckResult("plausibility", None, N_("No rows or figures match the previous period's to compare"))
    if comparison.flagged_count:
        return CheckResult("plausibility", False, N_(
            "{n} of {total} figures changed by more than {threshold} percent since the previous period",
            n=comparison.flagged_count, total=comparison.values_compared, threshold=comparison.threshold_percent),
            list(comparison.flagged))
    return CheckResult("plausibility", True, N_(
        "All {total} figures changed by at most {threshold} percent since the previous period",
        total=comparison.values_compared, threshold=comparison.threshold_percent))


# ---------------------------------------------------------------- all checks of a submission

def _package(package_id: str) -> dict[str, Any]:
    return tk.get_action("package_show")({"ignore_auth": True}, {"id": package_id})


def _readable(tables: Iterable[Table]) -> list[Table]:
    return [t for t in tables if not t.error]


def _previous_data(item: Any, pkg: dict[str, Any], old: list[dict[str, Any]]
                   ) -> tuple[list[Table], dict[str, Any] | None]:
    """The previous period's tables and dataset: the dataset of the indicator's
    previous period (series.previous_dataset_id), else the resources uploaded to
    this dataset before the letter was sent (a dataset that carries every year)."""
    from ckanext.sopsektoral import series

    previous_id = series.previous_dataset_id(item)
    if previous_id and previous_id != pkg["id"]:
        other = _package(previous_id)
        tables = _readable(read_resource(r) for r in other.get("resources", []) if _is_table(r))
        if tables:
            return tables, {"id": other["id"], "name": other["name"], "title": other.get("title") or other["name"],
                            "year": other.get("tahun_data") or None}
    tables = _readable(read_resource(r) for r in old if _is_table(r))
    if tables:
        return tables, {"id": pkg["id"], "name": pkg["name"], "title": pkg.get("title") or pkg["name"],
                        "year": None, "same_dataset": True}
    return [], None


@dataclasses.dataclass
class Findings:
    """What the checks of a submission found: the results, each table's preview,
    and the comparison with the previous period (stored forms)."""

    results: list[CheckResult]
    preview: list[dict[str, Any]]
    comparison: dict[str, Any] | None


def examine(item: Any, letter: Any) -> Findings:
    """All automatic checks of an item's dataset, its tables' preview and the
    comparison with the previous period.

    A dataset that carries every year keeps the earlier years as older
    resources: what was uploaded before the letter was sent is the previous
    data, what came after is this year's.
    """
    pkg = _package(item.dataset_id)
    resources = pkg.get("resources", [])
    sent = letter.sent_at.isoformat() if letter.sent_at else ""
    new = [r for r in resources if (r.get("created") or "") >= sent] or resources
    old = [r for r in resources if r not in new]
    read = [read_resource(r) for r in new if _is_table(r)]
    tables = _readable(read)
    previous, previous_dataset = _previous_data(item, pkg, old)
    comparison = compare_periods(tables, previous, letter.data_year, config.plausibility_threshold_percent(),
                                 previous_dataset)
    results = [
        check_structure(new),
        check_region_codes(tables),
        check_data_year(tables, letter.data_year),
        check_copied_from_previous_year(tables, previous),
        check_plausibility(comparison),
    ]
    return Findings(results, [preview(t) for t in read[:PREVIEW_TABLES]],
                    comparison.as_dict() if comparison is not None else None)


# ---------------------------------------------------------------- the background job

def mark_pending(item: Any) -> None:
    """A new submission: its checks are to run; the former submission's go."""
    item.checks_state = PENDING
    item.checks_error = None
    item.checks_done_at = None
    item.check_results = None
    item.check_preview = None
    item.check_comparison = None


def enqueue(item_id: str, submitted_at: dt.datetime) -> None:
    """Queue the checks of one submission (call it once the submission is
    committed). If the queue cannot be reached they run now, in this process."""
    key = submitted_at.isoformat()
    try:
        tk.enqueue_job(run_job, [item_id, key], title=f"sopsektoral: checks of item {item_id}",
                       queue=jobs.queue_name(), rq_kwargs={"timeout": JOB_TIMEOUT})
    except Exception:  # a queue outage must not lose the checks
        log.exception("sopsektoral: could not queue the checks of item %s; running them now", item_id)
        run_job(item_id, key)


def _this_submission(item_id: str, submitted_at: str) -> Any:
    """The item, its row locked, if its newest submission is still this one."""
    import sqlalchemy as sa
    from ckan import model

    from ckanext.sopsektoral.model import LetterItem

    return model.Session.execute(
        sa.select(LetterItem).where(LetterItem.id == item_id,
                                    LetterItem.submitted_at == dt.datetime.fromisoformat(submitted_at))
        .with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()


def _json_safe(value: Any) -> Any:
    """``value`` without NUL characters, which PostgreSQL's JSONB cannot hold
    (a CSV may carry them in its cells)."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_json_safe(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def run_job(item_id: str, submitted_at: str) -> str:
    """The background job: run the checks of the item's submission made at
    ``submitted_at`` (ISO) and store what they found. A job for a submission
    that a newer one replaced stores nothing (returns ``"stale"``); a job that
    fails stores the ``failed`` state and the error. No row lock is held while
    the files are read."""
    from ckan import model

    from ckanext.sopsektoral.model import Letter, LetterItem
    from ckanext.sopsektoral.model.base import utcnow

    item = _this_submission(item_id, submitted_at)
    if item is None:
        model.Session.rollback()
        log.info("sopsektoral: checks of item %s submitted at %s are stale", item_id, submitted_at)
        return STALE
    item.checks_state = RUNNING
    model.Session.commit()
    try:
        item = model.Session.get(LetterItem, item_id)
        findings = examine(item, model.Session.get(Letter, item.letter_id))
        stored = _json_safe([[r.as_dict() for r in findings.results], findings.preview, findings.comparison])
        item = _this_submission(item_id, submitted_at)
        if item is None:
            model.Session.rollback()
            log.info("sopsektoral: item %s was submitted again while its checks ran; they are dropped", item_id)
            return STALE
        item.check_results, item.check_preview, item.check_comparison = stored
        item.checks_state = DONE
        item.checks_error = None
        item.checks_done_at = utcnow()
        model.Session.commit()
        return DONE
    except Exception as err:
        model.Session.rollback()
        log.exception("sopsektoral: automatic checks of item %s failed", item_id)
        error = _json_safe(str(err).strip() or type(err).__name__)
    item = _this_submission(item_id, submitted_at)
    if item is None:
        model.Session.rollback()
        return STALE
    mark_pending(item)
    item.checks_state = FAILED
    item.checks_error = error[:2000]
    item.checks_done_at = utcnow()
    item.check_results = [CheckResult("checks", None, N_(
        "The automatic checks failed: {error}", error=error[:500])).as_dict()]
    model.Session.commit()
    return FAILED


def stalled(minutes: int) -> list[tuple[str, str]]:
    """Submissions whose checks are still pending or running ``minutes`` after
    the submission (a job lost with its worker): (item id, submission key)."""
    import sqlalchemy as sa
    from ckan import model

    from ckanext.sopsektoral.model import LetterItem
    from ckanext.sopsektoral.model.base import utcnow

    rows = model.Session.execute(
        sa.select(LetterItem.id, LetterItem.submitted_at).where(
            LetterItem.checks_state.in_((PENDING, RUNNING)), LetterItem.submitted_at.isnot(None),
            LetterItem.submitted_at < utcnow() - dt.timedelta(minutes=minutes))
        .order_by(LetterItem.submitted_at)
    ).all()
    return [(item_id, submitted_at.isoformat()) for item_id, submitted_at in rows]


def run_queued_jobs() -> int:
    """Run the queued check jobs now, in this process, with rq's SimpleWorker in
    burst mode (the tests; a site whose worker is down). They are moved to a
    queue of their own first: other jobs (notifications, ...) stay queued.
    Returns how many ran."""
    import rq

    from ckan.lib import jobs as ckan_jobs

    queue = ckan_jobs.get_queue(jobs.queue_name())
    mine = [j for j in queue.get_jobs() if j.func_name == f"{__name__}.run_job"]
    if not mine:
        return 0
    now = ckan_jobs.get_queue(f"{jobs.queue_name()}-sopsektoral-checks-now")
    for job in mine:
        queue.remove(job)
        now.enqueue_job(job)
    rq.SimpleWorker([now], connection=now.connection).work(burst=True)
    return len(mine)


def shown(item: Any, translate: Callable[[str], str] | None = None) -> dict[str, Any]:
    """An item's checks as ``sopsektoral_item_show`` returns them, in the reader's language."""
    from ckanext.sopsektoral.model.base import iso

    translate = translate or tk._
    previews = []
    for table in item.check_preview or []:
        table = dict(table)
        if table.get("error") is not None:
            table["error"] = _translated(table["error"], translate)
        previews.append(table)
    return {
        "checks_state": item.checks_state,
        "checks_done_at": iso(item.checks_done_at),
        "checks_error": item.checks_error,
        "check_results": localise(item.check_results, translate),
        "check_preview": previews,
        "check_comparison": item.check_comparison,
    }
