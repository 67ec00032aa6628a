"""Keeping the search index in step with the workflow's tables.

Every transition reindexes the datasets it changes before its transaction
commits, so package_show, package_search and the SOP actions agree (a Solr
failure fails the transition whole); a transition that fails after it reindexed
some datasets has them reindexed again once it is rolled back
(:func:`restore_after_rollback`). Time alone also changes a dataset's SOP
status (a deadline passes, verification opens): :func:`refresh_index`
(``ckan sopsektoral refresh-index``, from cron) catches up on those.
"""
from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import logic, model
from ckan.lib import search
from ckan.lib.search.common import SearchError, SearchIndexError

from ckanext.sopsektoral.datasets import status
from ckanext.sopsektoral.datasets.site import site_context

log = logging.getLogger(__name__)

# The datasets the session's open transaction reindexed (forgotten when it commits).
REINDEXED = "sopsektoral_reindexed"


def _reindex(package_id: str) -> None:
    """Index the dataset as this session sees it now, as ``search.rebuild(package_id)`` does but
    without committing the session (rebuild does: a transition of several items would stay
    half-done when a later one fails)."""
    update = getattr(logic, "index_update_package", None)  # CKAN 2.12: both schemas' dicts
    if update is not None:
        update({"ignore_auth": True}, package_id)
        return
    pkg_dict = tk.get_action("package_show")(
        {"ignore_auth": True, "validate": False, "use_cache": False}, {"id": package_id})
    index = search.index_for(model.Package)
    index.remove_dict(pkg_dict)
    index.insert_dict(pkg_dict)


@sa.event.listens_for(model.Session, "after_commit")
def _committed(session: Any) -> None:
    session.info.pop(REINDEXED, None)


def restore_after_rollback() -> None:
    """Once a failed transition is rolled back, reindex the datasets it had reindexed, from the
    tables as they are again (a Solr failure is logged: ``ckan sopsektoral refresh-index``, or
    the next transition of the dataset, catches up)."""
    for package_id in sorted(model.Session.info.pop(REINDEXED, ())):
        try:
            _reindex(package_id)
        except (SearchError, SearchIndexError, tk.ObjectNotFound) as err:
            log.error("sopsektoral: could not restore the index entry of %s: %s", package_id, err)


def reindex(package_id: str) -> None:
    """Reindex a dataset inside the current transaction: if Solr refuses, the
    transition fails whole with a clear error and can simply be retried."""
    model.Session.info.setdefault(REINDEXED, set()).add(package_id)
    try:
        _reindex(package_id)
    except (SearchError, SearchIndexError) as err:
        log.error("sopsektoral: search index unavailable for %s: %s", package_id, err)
        raise tk.ValidationError({"search": [tk._(
            "The search index is unavailable, so nothing was changed; try again in a moment")]}) from err


def _indexed_ids(fq: str) -> list[str]:
    """Ids of every dataset (private ones too) the search index finds for ``fq``."""
    package_search = tk.get_action("package_search")
    ids: list[str] = []
    while True:
        page = package_search(site_context(), {"fq": fq, "fl": "id", "include_private": True,
                                               "rows": 1000, "start": len(ids), "sort": "id asc"})
        ids += [r["id"] for r in page["results"]]
        if not page["results"] or len(ids) >= page["count"]:
            return ids


def stale_in_index() -> list[str]:
    """Datasets whose SOP status in the search index has gone out of date with
    time alone (no transition reindexed them): a deadline passed, so they are
    overdue now, or the collection window closed, so verification opened and
    their verification deadline runs. The index is asked for the candidates,
    the tables decide (with the fields the index would get)."""
    not_overdue = set(_indexed_ids(
        '+sop_status:("requested" OR "returned" OR "submitted") +sop_overdue:"false"'))
    no_deadline = set(_indexed_ids('+sop_status:"submitted" -sop_deadline:[* TO *]'))
    stale = []
    for package_id in sorted(not_overdue | no_deadline):
        fields = status.dataset_status_fields(package_id)
        if fields["sop_status"] is None \
                or (package_id in not_overdue and fields["sop_overdue"]) \
                or (package_id in no_deadline and fields["sop_deadline"] is not None):
            stale.append(package_id)  # (no status any more: the index must drop it)
    return stale


def refresh_index(progress: Any = None) -> list[str]:
    """Reindex the datasets :func:`stale_in_index` finds; returns their ids."""
    stale = stale_in_index()
    for n, package_id in enumerate(stale, 1):
        _reindex(package_id)
        if progress is not None:
            progress(n, len(stale))
    return stale
