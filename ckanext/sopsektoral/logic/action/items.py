"""Actions on the data items of sent letters (SOP steps 5 and 6): collection, verification, publication."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import Context, DataDict

from ckanext.sopsektoral import access, config, events, notify, sop
from ckanext.sopsektoral.checks import run as checks
from ckanext.sopsektoral.datasets.index import reindex
from ckanext.sopsektoral.items import transitions
from ckanext.sopsektoral.items.queries import query_items
from ckanext.sopsektoral.items.states import VERIFIED
from ckanext.sopsektoral.logic import dictization
from ckanext.sopsektoral.logic.action.common import atomic, commit, org_id, user_or_error, validate
from ckanext.sopsektoral.model import Letter, LetterItem
from ckanext.sopsektoral.model.base import utcnow

__all__ = [
    "sopsektoral_item_list",
    "sopsektoral_item_show",
    "sopsektoral_item_submit",
    "sopsektoral_item_claim",
    "sopsektoral_item_verify",
    "sopsektoral_item_return",
    "sopsektoral_item_publish",
]


def _filters(data: dict[str, Any]) -> dict[str, Any]:
    """The validated input of item_list as the filters of items.queries.query_items."""
    keys = ("year", "letter_id", "overdue", "q", "sort", "limit", "offset", "unclaimed")
    filters = {k: data[k] for k in keys if data.get(k) not in (None, "")}
    if data.get("owner_org"):
        filters["owner_org"] = org_id(data["owner_org"])
    if data.get("state"):
        filters["state"] = data["state"]
    if data.get("claimed_by"):
        filters["claimed_by"] = user_or_error("claimed_by", data["claimed_by"]).id
    return filters


def _log(item: LetterItem, letter: Letter, action: str, actor: access.Actor,
         from_state: str, note: str | None = None) -> list[int]:
    """Log the item's transition, queue its notifications and reindex its
    dataset, in the caller's transaction; returns the notifications to hand to
    a worker once it commits."""
    event = events.append_event(
        model.Session, action=f"item_{action}", actor=actor, letter=letter, item_id=item.id,
        from_state=from_state, to_state=item.state, note=note,
    )
    pending = notify.queue_for_item(model.Session, item, event)
    model.Session.flush()
    reindex(item.dataset_id)
    return pending


def _finish(context: Context, pending: list[int]) -> None:
    """Commit (unless the caller defers it), then hand the notifications to a worker."""
    commit(context)
    if not context.get("defer_commit"):
        notify.enqueue(pending)


def _claim_target(context: Context, item: LetterItem, data: dict[str, Any]) -> model.User | None:
    """Who gets the item (None: the claim is released), as the principal's claim rules allow."""
    principal = access.principal(context)
    if "user" in data and data["user"] in ("", None):
        target = None
    elif data.get("user"):
        target = user_or_error("user", data["user"])
    else:
        target = principal.user
    return principal.claim_target(item, target)


def _ids(data: dict[str, Any]) -> list[str]:
    ids = data.get("ids") or ([data["id"]] if data.get("id") else [])
    if not ids:
        raise tk.ValidationError({"id": [tk._("Missing value")]})
    return ids


def _one_or_many(context: Context, data: dict[str, Any], ids: list[str]) -> dict[str, Any]:
    """The item for ``id``, or ``{"results": [...]}`` for ``ids``."""
    shown = dictization.item_dicts(context, ids)
    return shown[0] if data.get("id") and not data.get("ids") else {"results": shown}


@tk.side_effect_free
def sopsektoral_item_list(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Data items of sent letters: the verification queue for statistics staff
    (every OPD), and what is asked of their OPD for its operators.

    :param owner_org: only this OPD's (optional)
    :type owner_org: string
    :param year: only this data year (optional)
    :type year: int
    :param letter_id: only this letter's (optional)
    :type letter_id: string
    :param state: only items in these states: requested, submitted, returned, verified (optional)
    :type state: list of strings
    :param overdue: only items past their deadline (optional)
    :type overdue: bool
    :param claimed_by: only items claimed by this user (optional)
    :type claimed_by: string
    :param unclaimed: only items nobody claimed (optional)
    :type unclaimed: bool
    :param q: words in the title (optional)
    :type q: string
    :param sort: ``deadline`` (default: the current step's deadline, soonest first),
        ``submitted``, ``organization``, ``title`` or ``state``
    :type sort: string
    :param limit: page size (default 50, at most 1000)
    :type limit: int
    :param offset: page start (default 0)
    :type offset: int
    :returns: ``count`` and ``results``: items with their letter, OPD, dataset,
        ``state``, ``deadline`` and ``overdue``, the verification clock
        (``verification_opened_at``, ``verification_deadline``), claim, and
        ``available_actions`` for the caller
    :rtype: dict
    """
    tk.check_access("sopsektoral_item_list", context, data_dict)
    data = validate(data_dict, "sopsektoral_item_list", context)
    count, results = query_items(context, _filters(data))
    return {"count": count, "results": results}


@tk.side_effect_free
def sopsektoral_item_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """One data item, with its checklist and the results of the automatic checks.

    :param id: the item's id
    :type id: string
    :returns: the item (see ``sopsektoral_item_list``) with ``checklist`` and
        what the automatic checks of its newest submission found. They run in
        a background job once the item is submitted: ``checks_state`` is
        ``pending`` (queued), ``running``, ``done`` or ``failed`` (null if the
        item was never submitted); ``checks_done_at`` when they ended and
        ``checks_error`` why they failed. Until they are done the results,
        preview and comparison are empty.
        ``check_results``: each with ``key`` (``structure``, ``region_codes``,
        ``data_year``, ``previous_year``, ``plausibility``; ``checks`` when
        they failed), ``passed`` (true, false, or null when it does not
        apply), and ``message`` and ``details`` in the request's language;
        also ``message_id`` and ``params``, the message untranslated, unless
        the result was stored before they were kept.
        ``check_preview``: per CSV/XLSX resource submitted, ``resource_id``,
        ``name``, ``format``, ``sheet`` (XLSX), ``header`` and the first 10
        ``rows`` as written (at most 30 columns, long cells cut),
        ``row_count`` (data rows), ``column_count``, and ``error`` (in the
        request's language) for a file that could not be read.
        ``check_comparison``: null without data of the indicator's previous
        period; else ``previous_dataset`` (``id``, ``name``, ``title``,
        ``year``; ``same_dataset`` when the previous data are earlier
        resources of the item's own dataset), ``table`` and ``previous_table`` (the resources compared),
        ``key_columns`` and ``key_kind`` (``region``: rows matched by region
        code; ``label``: by the rows' names), ``columns`` (the figure columns
        both have), ``rows`` (at most 100 matched rows, the flagged first,
        each with ``key``, ``label``, ``flagged`` and ``values``: per column
        ``column``, ``previous``, ``current`` (as written), ``change_percent``
        (null from zero or where a value is missing) and ``flagged``),
        ``matched``, ``only_now``, ``only_before``, ``values_compared``,
        ``flagged`` (how many values), ``threshold_percent``
        (``ckanext.sopsektoral.plausibility_threshold_percent``) and
        ``truncated`` (a table too long to compare whole: its first
        ``row_limit`` rows were).
    :rtype: dict
    """
    tk.check_access("sopsektoral_item_show", context, data_dict)
    data = validate(data_dict, "sopsektoral_item_show", context)
    item = dictization.item_dict(context, data["id"])
    item.update(checks.shown(model.Session.get(LetterItem, data["id"])))
    return item


@atomic
def sopsektoral_item_submit(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Submit a requested (or returned) data item for verification. An editor or
    admin of the item's OPD. The dataset needs at least one resource.

    The automatic checks run afterwards in a background job: the item is
    returned at once with ``checks_state`` ``pending``; ``sopsektoral_item_show``
    gives their results once they are done.

    :param id: the item's id
    :type id: string
    :param note: a note for the verifiers (optional)
    :type note: string
    :returns: the item, with ``checks_state``
    :rtype: dict
    """
    tk.check_access("sopsektoral_item_submit", context, data_dict)
    data = validate(data_dict, "sopsektoral_item_submit", context)
    item, letter = transitions.lock_item(data["id"])
    from_state = item.state
    item.state = transitions.require_item_state(item, "submit")
    if not transitions.resource_count(item.dataset_id):
        raise tk.ValidationError({"resources": [
            tk._("Upload the data (at least one resource) before submitting")]})
    now = utcnow()
    actor = access.principal(context).actor()
    item.submitted_at = now
    item.submitted_by = actor.user_id
    transitions.after_submit(letter, now, item)
    checks.mark_pending(item)
    model.Session.flush()
    item_id = item.id
    _finish(context, _log(item, letter, "submit", actor, from_state, data.get("note")))
    out = dictization.item_dict(context, item_id)
    if not context.get("defer_commit"):  # a caller that defers the commit queues them itself
        checks.enqueue(item_id, now)
    out.update(checks.shown(model.Session.get(LetterItem, item_id)))
    return out


@atomic
def sopsektoral_item_claim(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Claim a data item for verification, or assign it to another verifier.

    Holders of the SOP file's ``claim`` right claim for themselves and release their own
    claim; holders of ``assign`` may give it to anyone who may claim (``user``) or release
    anyone's claim (``user`` empty).

    :param id: the item's id
    :type id: string
    :param user: who gets it, by id or name (optional; default the caller; an empty string or null
        releases it)
    :type user: string
    :returns: the item
    :rtype: dict
    """
    tk.check_access("sopsektoral_item_claim", context, data_dict)
    data = validate(data_dict, "sopsektoral_item_claim", context)
    item, letter = transitions.lock_item(data["id"])
    target = _claim_target(context, item, data)
    item.claimed_by = target.id if target else None
    item.claimed_at = utcnow() if target else None
    actor = access.principal(context).actor_for_right("claim")
    _finish(context, _log(item, letter, "claim", actor, item.state, note=target.name if target else None))
    return dictization.item_dict(context, item.id)


@atomic
def sopsektoral_item_verify(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Verify submitted data items (SOP step 6). Statistics staff.

    Verification of a letter's items opens when all of them are submitted or
    its collection window has closed. The dataset is published at once when
    ``ckanext.sopsektoral.auto_publish`` is on (and its access classification
    allows), otherwise it waits for ``sopsektoral_item_publish``.

    :param id: the item's id (or ``ids`` for several at once)
    :type id: string
    :param ids: several items, verified all or none (optional)
    :type ids: list of strings
    :param checklist: the Satu Data checklist: ``standar_data``, ``metadata``,
        ``interoperabilitas``, ``kode_referensi``, ``kebenaran``, ``kewajaran`` → true/false
    :type checklist: dict
    :param note: a note (optional)
    :type note: string
    :returns: the item, or ``{"results": [...]}`` for ``ids``
    :rtype: dict
    """
    tk.check_access("sopsektoral_item_verify", context, data_dict)
    data = validate(data_dict, "sopsektoral_item_verify", context)
    ids = _ids(data)
    pending: list[int] = []
    for item_id in ids:
        item, letter = transitions.lock_item(item_id)
        from_state = item.state
        item.state = transitions.require_item_state(item, "verify")
        transitions.require_verification_open(letter)
        principal = access.principal(context)
        actor = principal.actor(sop.current().verification.executors)
        principal.require_claim(item)
        item.verified_at = utcnow()
        item.verified_by = actor.user_id
        item.checklist = data.get("checklist") or {}
        if config.auto_publish():
            try:
                transitions.publish(item, context)
            except tk.ValidationError:
                pass  # classified data stays private; publishing is refused, not the verification
        pending += _log(item, letter, "verify", actor, from_state, data.get("note"))
    _finish(context, pending)
    return _one_or_many(context, data, ids)


@atomic
def sopsektoral_item_return(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Return a submitted data item to its OPD for correction, with the reason.
    Statistics staff. The OPD has the correction window (2 weeks by default,
    ``ckanext.sopsektoral.step.correct.minutes``) to resubmit.

    :param id: the item's id
    :type id: string
    :param note: what is wrong (required)
    :type note: string
    :param checklist: the Satu Data checklist as in ``sopsektoral_item_verify`` (optional)
    :type checklist: dict
    :returns: the item
    :rtype: dict
    """
    tk.check_access("sopsektoral_item_return", context, data_dict)
    data = validate(data_dict, "sopsektoral_item_return", context)
    item, letter = transitions.lock_item(data["id"])
    from_state = item.state
    item.state = transitions.require_item_state(item, "return")
    transitions.require_verification_open(letter)
    principal = access.principal(context)
    actor = principal.actor(sop.current().verification.executors)
    principal.require_claim(item)
    now = utcnow()
    item.returned_at = now
    item.return_reason = data["note"]
    item.correction_deadline = sop.current().correction.deadline(now)
    item.checklist = data.get("checklist") or item.checklist
    _finish(context, _log(item, letter, "return", actor, from_state, data["note"]))
    return dictization.item_dict(context, item.id)


@atomic
def sopsektoral_item_publish(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Publish verified datasets (make them public). Holders of the SOP file's ``publish``
    right. Datasets classified ``terbatas`` or
    ``dikecualikan`` are never published.

    :param id: the item's id (or ``ids``)
    :type id: string
    :param ids: several items, all or none (optional)
    :type ids: list of strings
    :returns: the item, or ``{"results": [...]}`` for ``ids``
    :rtype: dict
    """
    tk.check_access("sopsektoral_item_publish", context, data_dict)
    data = validate(data_dict, "sopsektoral_item_publish", context)
    ids = _ids(data)
    actor = access.principal(context).actor_for_right("publish")
    # Every item is checked before any is published: publishing commits (package_patch).
    found = []
    for item_id in dict.fromkeys(ids):
        item, letter = transitions.lock_item(item_id)
        if item.state != VERIFIED:
            raise tk.ValidationError({"state": [tk._("Only verified data can be published")]})
        if not item.published_at:
            transitions.publishable(item)
            found.append((item, letter))
    for item, letter in found:
        transitions.publish(item, context)
        events.append_event(model.Session, action="item_publish", actor=actor, letter=letter,
                              item_id=item.id, from_state=item.state, to_state=item.state)
    commit(context)
    return _one_or_many(context, data, ids)
