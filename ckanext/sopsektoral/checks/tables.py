"""An uploaded CSV or XLSX resource read as a table, streamed, and what its columns name.

A table read from a file does not hold its rows: they are read from the file
again each time a check iterates them. One first pass keeps what the preview
shows (the header as written, the first rows, the row count) and finds a file
that cannot be read, which is a finding, not a crash.
"""
from __future__ import annotations

import codecs
import csv
import dataclasses
import os
import urllib.parse
from collections.abc import Iterable, Iterator
from typing import Any

from ckan.lib import uploader

from ckanext.sopsektoral import tabular
from ckanext.sopsektoral.checks.messages import N_, Text

MAX_BYTES = 50 * 1024 * 1024
XLSX_FORMATS = ("xlsx", "xlsm")
# The first rows of each table kept for the workbench's preview.
PREVIEW_ROWS = 10

# What a table's columns name (headers normalised: lower case, "_" for spaces).
REGION_COLUMNS = (
    "kode_wilayah", "kode_kecamatan", "kode_kelurahan", "kode_desa", "kode_kabupaten_kota", "kode_kemendagri",
)
YEAR_COLUMNS = ("tahun", "tahun_data", "year")
# Columns naming the period, left out when comparing two periods' figures.
PERIOD_COLUMNS = (*YEAR_COLUMNS, "periode", "bulan", "semester", "triwulan")
# Columns that number rows rather than measure anything.
ROW_NUMBER_COLUMNS = ("id", "no", "nomor", "no.")


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


def is_table(resource: dict[str, Any]) -> bool:
    """A resource the checks read: a CSV or XLSX (by its format or its URL)."""
    fmt = (resource.get("format") or "").lower()
    return fmt in ("csv", "xlsx") or resource.get("url", "").lower().endswith((".csv", ".xlsx"))


def _normalise_header(value: Any) -> str:
    return _cell(value).lower().replace(" ", "_")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


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
        # Imported here: openpyxl takes a while to import and only a workbook needs it.
        import openpyxl

        book = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            self.sheet = sheet.title
            for row in sheet.iter_rows(values_only=True):
                yield list(row)
        finally:
            book.close()


def close(iterator: Any) -> None:
    """Close an iterator over a table's rows that stopped early (its file closes)."""
    closer = getattr(iterator, "close", None)
    if closer is not None:
        closer()


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
            close(rows)


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
        close(rows)
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
