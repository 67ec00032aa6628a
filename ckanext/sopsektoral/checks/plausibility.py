"""The ``plausibility`` check, and this period's figures beside the previous period's.

Rows of the two periods' tables are matched by a region code column both have,
else by the rows' label; for each figure column both have, the previous value,
this one and the change in % are kept (``Comparison``, stored for the
workbench). A change beyond the threshold, or from zero, is flagged.
"""
from __future__ import annotations

import dataclasses
import math
import re
from typing import Any

from ckanext.sopsektoral.checks.data_year import YEAR_CELL
from ckanext.sopsektoral.checks.messages import MAX_DETAILS, N_, CheckResult, Message
from ckanext.sopsektoral.checks.tables import (
    PERIOD_COLUMNS,
    REGION_COLUMNS,
    ROW_NUMBER_COLUMNS,
    YEAR_COLUMNS,
    Table,
    close,
)

# The comparison with the previous period reads at most this many rows of each
# table, and stores at most COMPARISON_ROWS of the matched rows (flagged ones first).
COMPARE_ROWS = 50_000
COMPARISON_ROWS = 100
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
        close(iterator)
    return rows, more


def _one_period(header: list[str], rows: list[list[str]], year: int, previous: bool) -> list[list[str]]:
    """The rows of one year of a table that carries several (a year column):
    the requested year's, or for the previous period the latest year before it."""
    index = next((i for i, c in enumerate(header) if c in YEAR_COLUMNS), None)
    if index is None:
        return rows

    def year_of(row: list[str]) -> int | None:
        match = YEAR_CELL.match(row[index]) if index < len(row) else None
        return int(match.group(1)) if match else None

    years = {y for y in map(year_of, rows) if y is not None}
    if len(years) < 2:
        return rows
    earlier = [y for y in years if y < year]
    if previous:
        wanted = max(earlier) if earlier else max(years)
    else:
        wanted = year if year in years else max(years)
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
            "previous_dataset": self.previous_dataset, "table": self.table,
            "previous_table": self.previous_table, "key_columns": self.key_columns, "key_kind": self.key_kind,
            "columns": self.columns, "rows": self.rows, "matched": self.matched, "only_now": self.only_now,
            "only_before": self.only_before, "values_compared": self.values_compared,
            "flagged": self.flagged_count, "threshold_percent": self.threshold_percent,
            "truncated": self.truncated, "row_limit": COMPARE_ROWS,
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
                    change_text = f"{change:+.1f}%" if change is not None else ""
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
    shown = sorted(flagged_rows + other_rows[:COMPARISON_ROWS - len(flagged_rows)],
                   key=lambda r: r["position"])
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
        return CheckResult("plausibility", None,
                           N_("No rows or figures match the previous period's to compare"))
    if comparison.flagged_count:
        return CheckResult("plausibility", False, N_(
            "{n} of {total} figures changed by more than {threshold} percent since the previous period",
            n=comparison.flagged_count, total=comparison.values_compared,
            threshold=comparison.threshold_percent),
            list(comparison.flagged))
    return CheckResult("plausibility", True, N_(
        "All {total} figures changed by at most {threshold} percent since the previous period",
        total=comparison.values_compared, threshold=comparison.threshold_percent))
