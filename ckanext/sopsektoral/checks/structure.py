"""The ``structure`` check: each CSV/XLSX is a well-formed table (frictionless validation)."""
from __future__ import annotations

import os
from typing import Any

from ckan.lib import uploader

from ckanext.sopsektoral.checks.messages import N_, CheckResult, Text
from ckanext.sopsektoral.checks.tables import is_table


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
