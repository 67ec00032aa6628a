"""Actions on the SOP itself: the table this portal runs, and the search index."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import Context, DataDict

from ckanext.sopsektoral import jobs, sop
from ckanext.sopsektoral.letters.labels import state_label
from ckanext.sopsektoral.logic.action.common import validate

__all__ = [
    "sopsektoral_sop_show",
    "sopsektoral_reindex",
]


def _step_dict(step: sop.Step) -> dict[str, Any]:
    return {
        "number": step.number,
        "key": step.key,
        "label": sop.text(step.label),
        "executor": step.executor,
        "executor_label": sop.position_label(step.executor),
        "executors": list(step.executors),
        "minutes": step.minutes,
        "per_item": step.per_item,
        "inputs": list(step.inputs),
        "output": sop.text(step.output),
        "note": sop.text(step.note),
        "kind": step.kind,
        "state": step.state,
    }


@tk.side_effect_free
def sopsektoral_sop_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The SOP this portal runs (its SOP file): positions, steps, executors, standard times,
    the request letter's states and transitions, and who may do what.

    Takes no parameters. Texts are in the request's language (``/en/api/3/...`` for English).

    :returns: ``number``, ``title`` and ``office`` of the SOP; ``positions``: dicts with
        ``key``, ``label`` and ``several`` (several users hold it at once); ``steps``: the SOP
        table's rows from drafting to verification, dicts with ``number``, ``key``, ``label``,
        ``executor`` (the first executor's position key), ``executor_label``, ``executors``,
        ``minutes`` (standard time), ``per_item`` (the collection time counts per requested
        data item rather than per letter), ``inputs``, ``output``, ``note``, and for approval
        steps ``kind`` (``initial`` or ``signature``) and ``state`` (the letter's state while
        it waits on the step); ``sending`` and ``correction`` in the same form;
        ``letter_states``: dicts with ``state``, ``label`` and ``waits_on`` (a step key or
        null); ``transitions``: dicts with ``name``, ``from``, ``to`` and ``executors``;
        ``rights``: the positions of each right (``import_daftar_data``, ``claim``,
        ``assign``, ``publish``); ``number_pattern``; ``default_text`` (``subject``, ``body``,
        ``lampiran``, with ``{year}`` for the data year).
    :rtype: dict
    """
    tk.check_access("sopsektoral_sop_show", context, data_dict)
    validate(data_dict, "sopsektoral_sop_show", context)
    current = sop.current()
    return {
        "number": current.number,
        "title": sop.text(current.title),
        "office": sop.text(current.office),
        "positions": [{"key": p.key, "label": sop.text(p.name), "several": p.several}
                      for p in current.positions],
        "steps": [_step_dict(s) for s in current.table[:-1]],
        "sending": _step_dict(current.sending),
        "correction": _step_dict(current.correction),
        "letter_states": [
            {"state": state, "label": state_label(state),
             "waits_on": step.key if (step := current.waiting_on(state)) else None}
            for state in current.letter_states
        ],
        "transitions": [
            {"name": name, "from": source, "to": target,
             "executors": sorted(current.transition_executors(name, source))}
            for name, moves in current.transitions().items() for source, target in moves.items()
        ],
        "rights": {right: list(positions) for right, positions in current.rights.items()},
        "number_pattern": current.number_pattern,
        "default_text": {
            "subject": sop.text(current.default_subject),
            "body": sop.text(current.default_body),
            "lampiran": sop.text(current.default_lampiran),
        },
    }


def sopsektoral_reindex(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Queue a rebuild of the search index entries of some datasets.

    Used after Solr was unavailable: the workflow refuses transitions whole
    while Solr is down, and this catches up on anything indexed by hand since.
    Sysadmins only.

    :param ids: dataset ids or names
    :type ids: list of strings
    :returns: ``job_id`` of the background job
    :rtype: dict
    """
    tk.check_access("sopsektoral_reindex", context, data_dict)
    data = validate(data_dict, "sopsektoral_reindex", context)
    ids = data["ids"]
    missing = [i for i in ids if model.Package.get(i) is None]
    if missing:
        raise tk.ValidationError({"ids": [tk._("Not found: {ids}").format(ids=", ".join(missing))]})
    job = tk.enqueue_job(
        jobs.reindex_datasets, [ids], title="sopsektoral: reindex datasets",
        queue=jobs.queue_name(),
    )
    return {"job_id": job.id}
