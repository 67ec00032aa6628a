"""Background jobs of ckanext-sopsektoral (run by `ckan jobs worker`)."""
from __future__ import annotations

import logging

from ckan.lib import search

from ckanext.sopsektoral import config
from ckanext.sopsektoral.letters import sending

log = logging.getLogger(__name__)


def queue_name() -> str:
    return config.jobs_queue()


def reindex_datasets(ids: list[str]) -> int:
    """Rebuild the search index entries of ``ids``; returns how many were indexed."""
    for id_ in ids:
        search.rebuild(id_)
    log.info("sopsektoral: reindexed %d datasets", len(ids))
    return len(ids)


def send_letter(letter_id: str, actor_name: str | None, note: str | None = None) -> int:
    """Create the datasets of a signed letter's items, then mark it sent, as
    ``sopsektoral_letter_send`` does for a small letter (letters.sending.run).

    Progress is kept on the letter (send_done of send_total) and items already
    done are skipped, so a failed run can simply be started again.
    """
    return sending.run(letter_id, actor_name, note)
