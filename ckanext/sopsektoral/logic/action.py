"""Action API of ckanext-sopsektoral (every action is named ``sopsektoral_*``)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.logic import validate
from ckan.types import Context, DataDict

from ckanext.sopsektoral import jobs, sop
from ckanext.sopsektoral.logic import schema

__all__ = ["sopsektoral_sop_show", "sopsektoral_reindex"]


@tk.side_effect_free
@validate(schema.sop_show)
def sopsektoral_sop_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The SOP table this portal runs: steps, executors and standard times.

    Takes no parameters. Standard times are this deployment's (config may
    change the SOP's defaults).

    :returns: ``steps``: a list of dicts with ``number``, ``key``,
        ``executor`` (position key), ``executor_label``, ``minutes``,
        ``per_item`` (the time counts per requested data item), ``inputs``,
        ``output`` and ``note``; ``correction``: the correction window of the
        processing SOP, in the same form; ``positions``: the position keys
        with their labels.
    :rtype: dict
    """
    tk.check_access("sopsektoral_sop_show", context, data_dict)

    def _step(step: sop.Step) -> dict[str, Any]:
        return {
            "number": step.number,
            "key": step.key,
            "executor": step.executor,
            "executor_label": sop.position_label(step.executor),
            "minutes": int(step.standard_time.total_seconds() // 60),
            "per_item": step.per_item,
            "inputs": list(step.inputs),
            "output": step.output,
            "note": step.note,
        }

    return {
        "steps": [_step(s) for s in sop.STEPS],
        "correction": _step(sop.CORRECTION),
        "positions": [{"key": k, "label": sop.position_label(k)} for k in sop.POSITIONS],
    }


@validate(schema.reindex)
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
    ids = data_dict["ids"]
    missing = [i for i in ids if not _package_exists(i)]
    if missing:
        raise tk.ValidationError({"ids": [tk._("Not found: {ids}").format(ids=", ".join(missing))]})
    job = tk.enqueue_job(
        jobs.reindex_datasets, [ids], title="sopsektoral: reindex datasets",
        queue=jobs.queue_name(),
    )
    return {"job_id": job.id}


def _package_exists(id_or_name: str) -> bool:
    return model.Package.get(id_or_name) is not None
