"""The ``previous_year`` check: the figures are not a copy of the previous period's."""
from __future__ import annotations

import array
from collections.abc import Iterable

from ckanext.sopsektoral.checks.messages import N_, CheckResult
from ckanext.sopsektoral.checks.tables import PERIOD_COLUMNS, Table


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
    return CheckResult("previous_year", True,
                       N_("{same} of {n} rows equal the previous year's", same=same, n=len(now)))
