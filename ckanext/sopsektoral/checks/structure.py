"""The ``structure`` check: each CSV/XLSX is a well-formed table (frictionless validation)."""
from __future__ import annotations

import logging
import os
from typing import Any

from ckan.lib import uploader

from ckanext.sopsektoral.checks.messages import N_, CheckResult, Text
from ckanext.sopsektoral.checks.tables import is_table

log = logging.getLogger(__name__)


def check_structure(resources: list[dict[str, Any]]) -> CheckResult:
    """Frictionless validation of each CSV/XLSX: header, blank or short rows, types."""
    tables = [r for r in resources if is_table(r)]
    if not tables:
        return CheckResult("structure", False, N_("No CSV or XLSX resource to check"))
    problems: list[Text] = []
    for resource in tables:
        problems.extend(_frictionless_errors(resource))
    if problems:
        return CheckResult("structure", False, N_("The tables have structural errors"), problems[:50])
    return CheckResult("structure", True, N_("The tables are well formed"))


def _frictionless_errors(resource: dict[str, Any]) -> list[Text]:
    # Imported here: frictionless takes a while to import and only the checks' job needs it,
    # not every web process that imports this package.
    import frictionless

    name = resource.get("name") or resource["id"]
    if resource.get("url_type") != "upload":
        return [N_("{table}: only uploaded files are checked", table=name)]
    path = uploader.get_resource_uploader(resource).get_path(resource["id"])
    fmt = (resource.get("format") or resource.get("url", "").rsplit(".", 1)[-1]).lower()

    try:
        # A relative path under a basepath: frictionless refuses absolute paths as unsafe.
        report = frictionless.validate(
            frictionless.Resource(path=os.path.basename(path), basepath=os.path.dirname(path), format=fmt,
                                  encoding="utf-8" if fmt == "csv" else None),
            limit_errors=50,
        )
    except Exception:  # frictionless raises for files it cannot open at all
        log.info("frictionless could not open %s", path, exc_info=True)
        return [N_("{table}: the file cannot be read as a table", table=name)]
    out: list[Text] = []
    for task in report.tasks:
        for error in task.errors:
            out.append(_finding(name, error))
    for error in report.errors:
        out.append(_finding(name, error))
    return out


# frictionless words its errors in English only; the ones a table of an OPD meets are said here
# in the portal's words (translated when read), the rest by a general message with their code.
def _finding(table: str, error: Any) -> Text:
    row = getattr(error, "row_number", None)
    column = getattr(error, "field_name", None) or ""
    position = getattr(error, "field_number", None)
    cell = str(getattr(error, "cell", "") or "")[:80]
    label = str(getattr(error, "label", "") or "")[:80]
    code = getattr(error, "type", "") or "error"
    at = {"table": table}
    if code == "blank-label":
        return N_("{table}: column {position} has no name in the header", position=position, **at)
    if code == "duplicate-label":
        return N_("{table}: column {position} has the same name as an earlier column ({label})",
                  position=position, label=label, **at)
    if code in ("missing-label", "extra-label", "incorrect-label"):
        return N_("{table}: the header of column {position} ({label}) does not match the table",
                  position=position, label=label, **at)
    if code == "blank-row":
        return N_("{table}: row {row} is empty", row=row, **at)
    if code == "duplicate-row":
        return N_("{table}: row {row} repeats an earlier row", row=row, **at)
    if code == "extra-cell":
        return N_("{table}: row {row} has more cells than the header has columns (cell {position}: {cell})",
                  row=row, position=position, cell=cell, **at)
    if code == "missing-cell":
        return N_("{table}: row {row} has no cell for column {column}", row=row, column=column, **at)
    if code in ("type-error", "constraint-error", "unique-error", "required-value", "forbidden-value",
                "truncated-value", "ascii-value", "sequential-value"):
        return N_("{table}: row {row}, column {column}: the value {cell} does not fit the column",
                  row=row, column=column, cell=cell, **at)
    if code == "encoding-error":
        return N_("{table}: the file is not text in UTF-8", **at)
    if code in ("format-error", "source-error", "scheme-error", "compression-error", "file-error",
                "table-error", "data-error"):
        return N_("{table}: the file cannot be read as a table", **at)
    if row and column:
        return N_("{table}: a structural error ({code}) in row {row}, column {column}",
                  code=code, row=row, column=column, **at)
    if row:
        return N_("{table}: a structural error ({code}) in row {row}", code=code, row=row, **at)
    return N_("{table}: a structural error ({code})", code=code, **at)
