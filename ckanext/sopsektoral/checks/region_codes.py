"""The ``region_codes`` check: region code columns hold Kemendagri codes of Kota Balikpapan."""
from __future__ import annotations

from collections.abc import Iterable

from ckanext.sopsektoral import regions
from ckanext.sopsektoral.checks.messages import MAX_DETAILS, N_, CheckResult, Text
from ckanext.sopsektoral.checks.tables import REGION_COLUMNS, Table


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
        return CheckResult("region_codes", None,
                           N_("No region code column (kode_wilayah, kode_kecamatan, ...)"))
    if bad_count:
        return CheckResult("region_codes", False, N_(
            "{n} of {total} region codes are not Kemendagri codes of Kota Balikpapan",
            n=bad_count, total=checked),
            bad)
    return CheckResult("region_codes", True, N_("All {n} region codes are valid", n=checked))
