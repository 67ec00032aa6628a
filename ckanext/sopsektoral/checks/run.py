"""The checks' background job: queueing it, the checks' state on the item,
storing what they found, and the stored results as the API shows them.

The checks of a submission run in a job (``run_job``), queued once the
submission commits (``enqueue``): a large file keeps a worker busy, not the
web request. Only the newest submission of an item stores its findings.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

import rq
import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib import jobs as ckan_jobs

from ckanext.sopsektoral import jobs
from ckanext.sopsektoral.checks.examine import examine
from ckanext.sopsektoral.checks.messages import N_, CheckResult, localise, translated
from ckanext.sopsektoral.model import Letter, LetterItem
from ckanext.sopsektoral.model.base import iso, utcnow

log = logging.getLogger(__name__)

# The checks' state on an item (LetterItem.checks_state).
PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"
STALE = "stale"  # what a job for an older submission returns: it stores nothing
JOB_TIMEOUT = 3600


def mark_pending(item: Any) -> None:
    """A new submission: its checks are to run; the former submission's go."""
    item.checks_state = PENDING
    item.checks_error = None
    item.checks_done_at = None
    item.check_results = None
    item.check_preview = None
    item.check_comparison = None


def enqueue(item_id: str, submitted_at: dt.datetime) -> None:
    """Queue the checks of one submission (call it once the submission is
    committed). If the queue cannot be reached they run now, in this process."""
    key = submitted_at.isoformat()
    try:
        tk.enqueue_job(run_job, [item_id, key], title=f"sopsektoral: checks of item {item_id}",
                       queue=jobs.queue_name(), rq_kwargs={"timeout": JOB_TIMEOUT})
    except Exception:  # a queue outage must not lose the checks
        log.exception("sopsektoral: could not queue the checks of item %s; running them now", item_id)
        run_job(item_id, key)


def _this_submission(item_id: str, submitted_at: str) -> Any:
    """The item, its row locked, if its newest submission is still this one."""
    return model.Session.execute(
        sa.select(LetterItem).where(LetterItem.id == item_id,
                                    LetterItem.submitted_at == dt.datetime.fromisoformat(submitted_at))
        .with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()


def _json_safe(value: Any) -> Any:
    """``value`` without NUL characters, which PostgreSQL's JSONB cannot hold
    (a CSV may carry them in its cells)."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_json_safe(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def run_job(item_id: str, submitted_at: str) -> str:
    """The background job: run the checks of the item's submission made at
    ``submitted_at`` (ISO) and store what they found. A job for a submission
    that a newer one replaced stores nothing (returns ``"stale"``); a job that
    fails stores the ``failed`` state and the error. No row lock is held while
    the files are read."""
    item = _this_submission(item_id, submitted_at)
    if item is None:
        model.Session.rollback()
        log.info("sopsektoral: checks of item %s submitted at %s are stale", item_id, submitted_at)
        return STALE
    item.checks_state = RUNNING
    model.Session.commit()
    try:
        item = model.Session.get(LetterItem, item_id)
        findings = examine(item, model.Session.get(Letter, item.letter_id))
        stored = _json_safe([[r.as_dict() for r in findings.results], findings.preview, findings.comparison])
        item = _this_submission(item_id, submitted_at)
        if item is None:
            model.Session.rollback()
            log.info("sopsektoral: item %s was submitted again while its checks ran; they are dropped",
                     item_id)
            return STALE
        item.check_results, item.check_preview, item.check_comparison = stored
        item.checks_state = DONE
        item.checks_error = None
        item.checks_done_at = utcnow()
        model.Session.commit()
        return DONE
    except Exception as err:
        model.Session.rollback()
        log.exception("sopsektoral: automatic checks of item %s failed", item_id)
        error = _json_safe(str(err).strip() or type(err).__name__)
    item = _this_submission(item_id, submitted_at)
    if item is None:
        model.Session.rollback()
        return STALE
    mark_pending(item)
    item.checks_state = FAILED
    item.checks_error = error[:2000]
    item.checks_done_at = utcnow()
    item.check_results = [CheckResult("checks", None, N_(
        "The automatic checks failed: {error}", error=error[:500])).as_dict()]
    model.Session.commit()
    return FAILED


def stalled(minutes: int) -> list[tuple[str, str]]:
    """Submissions whose checks are still pending or running ``minutes`` after
    the submission (a job lost with its worker): (item id, submission key)."""
    rows = model.Session.execute(
        sa.select(LetterItem.id, LetterItem.submitted_at).where(
            LetterItem.checks_state.in_((PENDING, RUNNING)), LetterItem.submitted_at.isnot(None),
            LetterItem.submitted_at < utcnow() - dt.timedelta(minutes=minutes))
        .order_by(LetterItem.submitted_at)
    ).all()
    return [(item_id, submitted_at.isoformat()) for item_id, submitted_at in rows]


def run_queued_jobs() -> int:
    """Run the queued check jobs now, in this process, with rq's SimpleWorker in
    burst mode (the tests; a site whose worker is down). They are moved to a
    queue of their own first: other jobs (notifications, ...) stay queued.
    Returns how many ran."""
    queue = ckan_jobs.get_queue(jobs.queue_name())
    mine = [j for j in queue.get_jobs() if j.func_name == f"{__name__}.run_job"]
    if not mine:
        return 0
    now = ckan_jobs.get_queue(f"{jobs.queue_name()}-sopsektoral-checks-now")
    for job in mine:
        queue.remove(job)
        now.enqueue_job(job)
    rq.SimpleWorker([now], connection=now.connection).work(burst=True)
    return len(mine)


def shown(item: Any, translate: Callable[[str], str] | None = None) -> dict[str, Any]:
    """An item's checks as ``sopsektoral_item_show`` returns them, in the reader's language."""
    translate = translate or tk._
    previews = []
    for table in item.check_preview or []:
        table = dict(table)
        if table.get("error") is not None:
            table["error"] = translated(table["error"], translate)
        previews.append(table)
    return {
        "checks_state": item.checks_state,
        "checks_done_at": iso(item.checks_done_at),
        "checks_error": item.checks_error,
        "check_results": localise(item.check_results, translate),
        "check_preview": previews,
        "check_comparison": item.check_comparison,
    }
