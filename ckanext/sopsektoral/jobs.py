"""Background jobs of ckanext-sopsektoral (run by `ckan jobs worker`)."""
from __future__ import annotations

import logging

from ckanext.sopsektoral import config

log = logging.getLogger(__name__)


def queue_name() -> str:
    return config.jobs_queue()


def reindex_datasets(ids: list[str]) -> int:
    """Rebuild the search index entries of ``ids``; returns how many were indexed."""
    from ckan.lib.search import rebuild

    for id_ in ids:
        rebuild(id_)
    log.info("sopsektoral: reindexed %d datasets", len(ids))
    return len(ids)
