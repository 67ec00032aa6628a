"""The ``data_year`` check: the data is for the year the letter asks, as far as the data itself says."""
from __future__ import annotations

import re
from collections.abc import Iterable

from ckanext.sopsektoral.checks.messages import N_, CheckResult, Message, Text
from ckanext.sopsektoral.checks.tables import YEAR_COLUMNS, Table

_YEAR = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])")
# A cell that is a year and nothing else (a spreadsheet may write 2026 as 2026.0).
YEAR_CELL = re.compile(r"^((?:19|20)[0-9]{2})(?:\.0+)?$")


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
                    match = YEAR_CELL.match(value)
                    years_of = {int(match.group(1))} if match else _years_in(value)
                    if len(seen) < 1000:
                        seen[value] = years_of
                found[column] |= years_of
        where = [N_("{table}: the {column} column has {years}", table=table.name, column=c,
                    years=_years_text(ys))
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
