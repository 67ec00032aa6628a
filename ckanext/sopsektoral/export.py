"""Spreadsheets to download: the Daftar Data template (to fill in and import) and the
exports of the Daftar Data and of the data items (the verification queue), as CSV or XLSX.

The template's first sheet is what the import reads (daftar_data.read_table): row 1
holds the import's column names, the rows below are the user's. A second sheet lists
the allowed values (the portal's OPDs, the dataset schema's choices, the region
codes) and feeds the drop-down lists of the first; a third explains every column, with
an example, in the user's language.

The exports are for reading: headers in the user's language, values as the pages show
them (state and choice labels, OPD titles, people's names, dates in the portal's time
zone). A CSV is UTF-8 with a byte order mark (so that Excel reads its accents),
comma-separated; an XLSX keeps dates as dates. A text cell that a spreadsheet would
take for a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return) is neutralised: prefixed with ``'`` in a CSV, stored as text with Excel's
quote prefix in an XLSX.

Nothing here checks access: the views get the rows from the actions, as the user.
"""
from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.sopsektoral import daftar_data, regions
from ckanext.sopsektoral.logic.validators import MAX_YEAR, MIN_YEAR

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")
# A cell starting with one of these is a formula (or becomes one) in Excel and LibreOffice.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Rows of the template's first sheet that carry drop-down lists and text formats.
TEMPLATE_ROWS = 1000
# The import's columns whose values come from a list, and the dataset schema's field for each.
CHOICE_COLUMNS = ("frekuensi", "level_estimasi", "metode_pengumpulan", "data_prioritas", "klasifikasi_akses")
PAGE_SIZE = 1000
MAX_EXPORT_ROWS = 100_000


# ---------------------------------------------------------------- cells and files

def neutralise(value: Any) -> Any:
    """A CSV cell that no spreadsheet runs as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def display_time(value: Any) -> dt.datetime | None:
    """An ISO timestamp of the API (UTC) as a naive datetime in the portal's display time zone."""
    if not value:
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(tk.h.get_display_timezone()).replace(tzinfo=None)


def _csv_text(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, bool):
        return tk._("Yes") if value else tk._("No")
    return "" if value is None else neutralise(value)


def to_csv(headers: list[str], rows: Iterable[list[Any]]) -> bytes:
    """UTF-8 with a byte order mark, comma-separated, CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(h) for h in headers])
    for row in rows:
        writer.writerow([_csv_text(v) for v in row])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def to_xlsx(headers: list[str], rows: Iterable[list[Any]], sheet: str) -> bytes:
    """One sheet: a bold, frozen header row, then the rows (dates as dates, text as text)."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet(_sheet_title(sheet))
    ws.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(index)].width = min(max(len(header) + 4, 12), 50)

    def cell(value: Any, bold: bool = False) -> Any:
        if isinstance(value, bool):
            value = tk._("Yes") if value else tk._("No")
        c = WriteOnlyCell(ws, value=value)
        if isinstance(value, str):
            c.data_type = "s"  # never a formula, whatever it starts with
            if value.startswith(FORMULA_PREFIXES):
                c.quotePrefix = True  # and it stays text when edited in Excel
        elif isinstance(value, dt.datetime):
            c.number_format = "yyyy-mm-dd hh:mm"
        if bold:
            c.font = Font(bold=True)
        return c

    ws.append([cell(h, bold=True) for h in headers])
    for row in rows:
        ws.append([cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    """A valid sheet title: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()
    return cleaned[:31] or "Sheet"


def render(fmt: str, headers: list[str], rows: Iterable[list[Any]], sheet: str) -> tuple[bytes, str]:
    """The file's bytes and its mimetype."""
    if fmt == "csv":
        return to_csv(headers, rows), CSV_MIMETYPE
    return to_xlsx(headers, rows, sheet), XLSX_MIMETYPE


def all_pages(fetch: Callable[[int, int], dict[str, Any]]) -> list[dict[str, Any]]:
    """Every result of a listing action, page by page: ``fetch(limit, offset)`` calls it.
    A result seen on an earlier page (the listing moved meanwhile) is kept once."""
    results: list[dict[str, Any]] = []
    seen: set[str] = set()
    offset = 0
    while offset < MAX_EXPORT_ROWS:
        page = fetch(PAGE_SIZE, offset)
        for result in page["results"]:
            if result["id"] not in seen:
                seen.add(result["id"])
                results.append(result)
        offset += PAGE_SIZE
        if not page["results"] or offset >= page["count"]:
            break
    return results


# ---------------------------------------------------------------- the dataset schema

def _schema_fields() -> dict[str, dict[str, Any]]:
    schema = tk.h.scheming_get_dataset_schema("dataset") or {}
    return {f["field_name"]: f for f in schema.get("dataset_fields", [])}


def _text(label: Any, default: str) -> str:
    return tk.h.scheming_language_text(label) if label else default


def choices(column: str, fields: dict[str, dict[str, Any]] | None = None) -> list[tuple[str, str]]:
    """The dataset schema's choices of a field, as (value, label in the user's language)."""
    field = (fields if fields is not None else _schema_fields()).get(column) or {}
    return [(c["value"], _text(c.get("label"), c["value"])) for c in field.get("choices", [])]


def column_label(column: str, fields: dict[str, dict[str, Any]] | None = None) -> str:
    """The label of an import column: the schema's label of the field it fills."""
    labels = {
        "tahun": tk._("Data year"),
        "opd": tk._("OPD"),
        "judul_data": tk._("Data title"),
        "dataset": tk._("Dataset"),
    }
    if column in labels:
        return labels[column]
    field = (fields if fields is not None else _schema_fields()).get(column) or {}
    return _text(field.get("label"), column)


# ---------------------------------------------------------------- the Daftar Data template

IMPORT_COLUMNS = (*daftar_data.REQUIRED_COLUMNS, *daftar_data.OPTIONAL_COLUMNS)


@dataclasses.dataclass
class Organization:
    name: str
    title: str

    @property
    def shown(self) -> str:
        return self.title or self.name


def sorted_organizations(orgs: Iterable[dict[str, Any]]) -> list[Organization]:
    """The OPDs (dicts with ``name`` and ``title``) by the name the template shows."""
    found = [Organization(o["name"], (o.get("title") or "").strip()) for o in orgs]
    return sorted(found, key=lambda o: (o.shown.lower(), o.name))


def _opd_values(orgs: list[Organization]) -> list[str]:
    """What to write in the ``opd`` column for each OPD: its title, or its name where
    another OPD has the same title (the import takes either)."""
    counts: dict[str, int] = {}
    for org in orgs:
        counts[org.shown.lower()] = counts.get(org.shown.lower(), 0) + 1
    return [org.shown if counts[org.shown.lower()] == 1 else org.name for org in orgs]


def _column_notes(fields: dict[str, dict[str, Any]], values_sheet: str) -> dict[str, tuple[str, str]]:
    """Per column: what to write (in the user's language) and an example value."""
    year = dt.date.today().year + 1
    notes = {
        "tahun": (tk._("Required. The data year, {min} to {max}.").format(min=MIN_YEAR, max=MAX_YEAR), str(year)),
        "opd": (tk._("Required. The OPD that produces the data: its title or name, as in the column \"opd\" "
                     "of the sheet \"{sheet}\".").format(sheet=values_sheet), ""),
        "judul_data": (tk._("Required. The data title; one entry per year, OPD and title (importing the "
                            "same row again changes nothing)."), tk._("Number of primary schools by district")),
        "dataset": (tk._("Optional. The name (URL) of an existing dataset of the OPD that receives the data; "
                         "empty: a new dataset is prepared when the data is requested."), ""),
        "kode_standar_data": (tk._("Optional. The code of the national statistical data standard."),
                              "SP00055.00.00"),
        "kode_wilayah": (tk._("Optional. Kemendagri region codes, as in the column \"kode_wilayah\" of the "
                              "sheet \"{sheet}\", separated by commas.").format(sheet=values_sheet),
                         next(iter(regions.regions()), "")),
    }
    for column in CHOICE_COLUMNS:
        first = choices(column, fields)
        notes[column] = (tk._("Optional. One of the values in the column \"{column}\" of the sheet "
                              "\"{sheet}\".").format(column=column, sheet=values_sheet),
                         first[0][0] if first else "")
    return notes


def template_xlsx(organizations: Iterable[dict[str, Any]]) -> bytes:
    """The Daftar Data template for the user's language (see the module's docstring), listing
    ``organizations`` (the portal's OPDs: dicts with ``name`` and ``title``)."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    fields = _schema_fields()
    orgs = sorted_organizations(organizations)
    opd_values = _opd_values(orgs)
    region_codes = list(regions.regions().items())
    values_sheet = _sheet_title(tk._("Allowed values"))
    bold = Font(bold=True)

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = _sheet_title(tk._("Daftar Data"))
    values = book.create_sheet(values_sheet)
    guide = book.create_sheet(_sheet_title(tk._("Instructions")))

    # The allowed values: one block of columns (value, label) per list.
    lists: dict[str, list[tuple[str, str]]] = {
        "opd": [(value, org.name) for value, org in zip(opd_values, orgs, strict=True)],
        **{column: choices(column, fields) for column in CHOICE_COLUMNS},
        "kode_wilayah": [(code, row["nama"]) for code, row in region_codes],
    }
    ranges: dict[str, str] = {}
    for block, (column, entries) in enumerate(lists.items()):
        value_col, label_col = 2 * block + 1, 2 * block + 2
        values.cell(row=1, column=value_col, value=column).font = bold
        values.cell(row=1, column=label_col, value=column_label(column, fields)).font = bold
        for row, (value, label) in enumerate(entries, start=2):
            values.cell(row=row, column=value_col, value=value).data_type = "s"
            values.cell(row=row, column=label_col, value=label).data_type = "s"
        letter = get_column_letter(value_col)
        values.column_dimensions[letter].width = 24
        values.column_dimensions[get_column_letter(label_col)].width = 36
        if entries:
            ranges[column] = f"{quote_sheetname(values_sheet)}!${letter}$2:${letter}${len(entries) + 1}"
    values.freeze_panes = "A2"

    # The sheet to fill in: the import's column names, a note on each, drop-down lists.
    notes = _column_notes(fields, values_sheet)
    for index, column in enumerate(IMPORT_COLUMNS, start=1):
        header = ws.cell(row=1, column=index, value=column)
        header.font = bold
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = 40 if column in ("judul_data", "opd", "konsep", "definisi") else 20
        if column != "tahun":
            # Text: Excel keeps "64.71" and "SP00055.00.00" as written.
            ws.column_dimensions[letter].number_format = "@"
        text = notes.get(column, (tk._("Optional."), ""))[0]
        header.comment = Comment(f"{column_label(column, fields)}: {text}", "Satu Data")
        cells = f"{letter}2:{letter}{TEMPLATE_ROWS + 1}"
        if column == "tahun":
            check = DataValidation(type="whole", operator="between", formula1=str(MIN_YEAR),
                                   formula2=str(MAX_YEAR), allow_blank=True)
            check.error = tk._("Enter a year between {min} and {max}").format(min=MIN_YEAR, max=MAX_YEAR)
        elif column in ranges and column != "kode_wilayah":  # several codes are allowed: no list there
            check = DataValidation(type="list", formula1=ranges[column], allow_blank=True)
            check.error = tk._("Use one of the values on the sheet \"{sheet}\"").format(sheet=values_sheet)
            # The import takes an OPD's name as well as the title listed: a warning only.
            check.errorStyle = "warning" if column == "opd" else "stop"
        else:
            continue
        check.showErrorMessage = True
        check.errorTitle = column_label(column, fields)
        ws.add_data_validation(check)
        check.add(cells)
    ws.freeze_panes = "A2"

    # The instructions: one line per column, with an example.
    guide.append([tk._("Fill in the first sheet, one row per data item, and import it on the Daftar Data "
                       "page. Keep the column names of row 1; columns may be left empty unless they are "
                       "required. Nothing is imported while any row has an error.")])
    guide["A1"].alignment = Alignment(wrap_text=True)
    guide.merge_cells("A1:D1")
    guide.row_dimensions[1].height = 45
    guide.append([])
    guide.append([tk._("Column"), tk._("Label"), tk._("What to write"), tk._("Example")])
    for c in guide[3]:
        c.font = bold
    example_opd = opd_values[0] if opd_values else ""
    for column in IMPORT_COLUMNS:
        text, example = notes.get(column, (tk._("Optional."), ""))
        if column == "opd":
            example = example_opd
        guide.append([column, column_label(column, fields), text, example])
        for c in guide[guide.max_row]:
            c.data_type = "s"
            c.alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCD", (22, 34, 70, 34), strict=True):
        guide.column_dimensions[letter].width = width

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- the exports' rows

def _choice_labels(fields: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    return {column: dict(choices(column, fields)) for column in CHOICE_COLUMNS}


def daftar_data_table(entries: list[dict[str, Any]]) -> tuple[list[str], Iterator[list[Any]]]:
    """Headers and rows of the Daftar Data as the list page shows it (entries of
    sopsektoral_daftar_data_list), by year (newest first), OPD and title."""
    fields = _schema_fields()
    labels = _choice_labels(fields)
    headers = [
        tk._("Year"), tk._("OPD"), tk._("Data title"), tk._("Dataset"),
        *(column_label(c, fields) for c in daftar_data.METADATA_COLUMNS),
        tk._("Requested by"), tk._("State"),
    ]
    entries = sorted(entries, key=lambda e: (-e["year"], (e.get("organization_title") or "").lower(),
                                             e["title"].lower()))

    def rows() -> Iterator[list[Any]]:
        for entry in entries:
            metadata = entry.get("metadata") or {}
            holder = entry.get("requested_by") or {}
            yield [
                entry["year"], entry.get("organization_title") or "", entry["title"],
                entry.get("dataset_name") or "",
                *(labels.get(c, {}).get(metadata.get(c) or "", metadata.get(c) or "")
                  for c in daftar_data.METADATA_COLUMNS),
                (holder.get("letter_number") or holder.get("letter_subject") or "") if holder else "",
                holder.get("state_label") or "" if holder else "",
            ]

    return headers, rows()


def display_names(names: Iterable[str | None]) -> dict[str, str]:
    """People's names (full name, else user name) by user name."""
    wanted = {n for n in names if n}
    if not wanted:
        return {}
    rows = model.Session.execute(
        sa.select(model.User.name, model.User.fullname).where(model.User.name.in_(wanted))
    ).all()
    return {name: (fullname or name) for name, fullname in rows}


def item_table(items: list[dict[str, Any]], officer: bool) -> tuple[list[str], Iterator[list[Any]]]:
    """Headers and rows of data items (of sopsektoral_item_list) as the queue shows them;
    who claimed an item only for statistics staff (as on the page)."""
    people = display_names(n for i in items for n in (i["submitted_by"], i["verified_by"], i["claimed_by"]))

    def person(name: str | None) -> str:
        return people.get(name or "", name or "")

    headers = [
        tk._("Data title"), tk._("OPD"), tk._("Year"), tk._("Letter"), tk._("State"), tk._("Published"),
        tk._("Deadline"), tk._("Overdue"), tk._("Collection deadline"), tk._("Dataset"),
        tk._("Submitted at"), tk._("Submitted by"), tk._("Return reason"), tk._("Correction deadline"),
        *([tk._("Claimed by")] if officer else []),
        tk._("Verified at"), tk._("Verified by"), tk._("Published at"), tk._("Superseded by letter"),
    ]

    def rows() -> Iterator[list[Any]]:
        for item in items:
            returned = item["state"] == "returned"
            yield [
                item["title"], item.get("organization_title") or "", item["data_year"],
                item.get("letter_number") or item.get("letter_subject") or "", item["state_label"],
                bool(item.get("published")), display_time(item.get("deadline")), bool(item.get("overdue")),
                display_time(item.get("collection_deadline")), item.get("dataset_name") or "",
                display_time(item.get("submitted_at")), person(item.get("submitted_by")),
                (item.get("return_reason") or "") if returned else "",
                display_time(item.get("correction_deadline")) if returned else None,
                *([person(item.get("claimed_by"))] if officer else []),
                display_time(item.get("verified_at")), person(item.get("verified_by")),
                display_time(item.get("published_at")),
                "" if item.get("current", True) else (item.get("superseded_by_letter_number") or "—"),
            ]

    return headers, rows()
