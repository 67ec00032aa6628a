"""All automatic checks of one submission: which tables are this period's and
which the previous period's, and what each check finds in them."""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.sopsektoral import config, series
from ckanext.sopsektoral.checks.data_year import check_data_year
from ckanext.sopsektoral.checks.messages import CheckResult
from ckanext.sopsektoral.checks.plausibility import check_plausibility, compare_periods
from ckanext.sopsektoral.checks.preview import PREVIEW_TABLES, preview
from ckanext.sopsektoral.checks.previous_year import check_copied_from_previous_year
from ckanext.sopsektoral.checks.region_codes import check_region_codes
from ckanext.sopsektoral.checks.structure import check_structure
from ckanext.sopsektoral.checks.tables import Table, is_table, read_resource


def _package(package_id: str) -> dict[str, Any]:
    return tk.get_action("package_show")({"ignore_auth": True}, {"id": package_id})


def _readable(tables: Iterable[Table]) -> list[Table]:
    return [t for t in tables if not t.error]


def _previous_data(item: Any, pkg: dict[str, Any], old: list[dict[str, Any]]
                   ) -> tuple[list[Table], dict[str, Any] | None]:
    """The previous period's tables and dataset: the dataset of the indicator's
    previous period (series.previous_dataset_id), else the resources uploaded to
    this dataset before the letter was sent (a dataset that carries every year)."""
    previous_id = series.previous_dataset_id(item)
    if previous_id and previous_id != pkg["id"]:
        other = _package(previous_id)
        tables = _readable(read_resource(r) for r in other.get("resources", []) if is_table(r))
        if tables:
            return tables, {"id": other["id"], "name": other["name"],
                            "title": other.get("title") or other["name"],
                            "year": other.get("tahun_data") or None}
    tables = _readable(read_resource(r) for r in old if is_table(r))
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
    read = [read_resource(r) for r in new if is_table(r)]
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
