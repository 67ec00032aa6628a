"""Reading uploaded spreadsheets (CSV, XLSX) as rows of cells.

Shared by the import of the SK Daftar Data and the automatic checks of
collected data, so that both read a file the same way.
"""
from __future__ import annotations

import csv
import io
from typing import Any

# Spreadsheets exported on Windows are often cp1252 rather than UTF-8;
# utf-8-sig drops the byte order mark Excel writes.
ENCODINGS = ("utf-8-sig", "cp1252")
DELIMITERS = ",;\t"
SNIFF_CHARS = 4096


class NotText(ValueError):
    """The bytes are neither UTF-8 nor cp1252 text."""


def read_csv_rows(content: bytes) -> list[list[str]]:
    """The rows of a CSV file, its delimiter (``,``, ``;`` or tab) sniffed.

    Raises ``NotText`` for bytes that are not text and ``csv.Error`` for text
    the csv module cannot parse.
    """
    for encoding in ENCODINGS:
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise NotText("not UTF-8 or cp1252 text")
    try:
        dialect = csv.Sniffer().sniff(text[:SNIFF_CHARS], delimiters=DELIMITERS)
    except csv.Error:
        dialect = csv.excel
    return list(csv.reader(io.StringIO(text), dialect))


def read_xlsx_rows(content: bytes) -> list[list[Any]]:
    """The rows of the first sheet of an XLSX workbook, as its cells' values.

    Raises whatever openpyxl raises for a file it cannot read.
    """
    import openpyxl

    # Read-only workbooks parse the sheet lazily: the rows are read before closing.
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()
