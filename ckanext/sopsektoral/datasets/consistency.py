"""Does the search index agree with package_show and the SOP actions?

What package_show, package_search (Solr) and ``sopsektoral_status_show``
report about a dataset's SOP status must always agree.
``ckan sopsektoral index check`` runs :func:`disagreements` over every dataset
in the workflow; ``--fix`` reindexes the ones that disagree.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib import search

from ckanext.sopsektoral.datasets import status
from ckanext.sopsektoral.datasets.site import site_context
from ckanext.sopsektoral.model import LetterItem

_CHUNK = 100


@dataclasses.dataclass
class Disagreement:
    """One field of one dataset on which the three sources differ."""

    dataset_id: str
    dataset_name: str
    field: str
    package_show: Any
    package_search: Any
    status_show: Any

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def __str__(self) -> str:
        return (f"{self.dataset_name}: {self.field}: package_show={self.package_show!r} "
                f"package_search={self.package_search!r} status_show={self.status_show!r}")


def workflow_dataset_ids() -> list[str]:
    """Every active dataset a letter item asks (or asked) for."""
    return list(model.Session.execute(
        sa.select(sa.distinct(LetterItem.dataset_id))
        .join(model.Package, model.Package.id == LetterItem.dataset_id)
        .where(model.Package.state == "active").order_by(LetterItem.dataset_id)
    ).scalars())


def _searched(ids: list[str]) -> dict[str, dict[str, Any]]:
    result = tk.get_action("package_search")(site_context(), {
        "fq": "id:({})".format(" OR ".join(f'"{i}"' for i in ids)), "rows": len(ids),
        "include_private": True, "include_drafts": True,
    })
    return {r["id"]: r for r in result["results"]}


def disagreements(ids: Iterable[str] | None = None,
                  progress: Callable[[int, int], None] | None = None) -> list[Disagreement]:
    """The SOP fields on which package_show, package_search and status_show differ."""
    ids = list(ids) if ids is not None else workflow_dataset_ids()
    found: list[Disagreement] = []
    show = tk.get_action("package_show")
    status_show = tk.get_action("sopsektoral_status_show")
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        searched = _searched(chunk)
        for package_id in chunk:
            shown = show(site_context(), {"id": package_id, "use_cache": False})
            by_status = status_show(site_context(), {"id": package_id})
            in_index = searched.get(package_id)
            for field in status.FIELDS:
                values = (status.index_value(shown.get(field)),
                          status.index_value(in_index.get(field)) if in_index is not None
                          else "(not in the index)",
                          status.index_value(by_status.get(field)))
                if len(set(values)) > 1:
                    found.append(Disagreement(package_id, shown["name"], field, *values))
            if progress is not None:
                progress(start + chunk.index(package_id) + 1, len(ids))
    return found


def fix(disagreeing: Iterable[Disagreement]) -> list[str]:
    """Reindex the datasets that disagree; returns their ids."""
    ids = sorted({d.dataset_id for d in disagreeing})
    for package_id in ids:
        search.rebuild(package_id)
    return ids
