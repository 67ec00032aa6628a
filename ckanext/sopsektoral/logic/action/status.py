"""Actions on datasets: their SOP status, their periods, and the guard on package_update."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import Context, DataDict

from ckanext.sopsektoral import access, series
from ckanext.sopsektoral.datasets import status
from ckanext.sopsektoral.datasets.permissions import awaiting_publication
from ckanext.sopsektoral.items.states import SUBMITTED
from ckanext.sopsektoral.logic.action.common import validate
from ckanext.sopsektoral.model import Event
from ckanext.sopsektoral.model.base import iso

__all__ = [
    "sopsektoral_status_show",
    "sopsektoral_period_list",
    "package_update",
]


def _active_dataset(id_or_name: str) -> model.Package:
    pkg = model.Package.get(id_or_name)
    if pkg is None or pkg.state != "active":
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    return pkg


@tk.side_effect_free
def sopsektoral_status_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The SOP status of one dataset: status, letter, deadlines, history.

    :param id: the dataset's id or name
    :type id: string
    :returns: the SOP fields as ``package_show`` has them (``sop_status``,
        ``sop_letter_number``, ``sop_deadline``, ``sop_overdue``, submitted and
        verified times and users), ``item_id`` and ``letter_id`` (or None),
        ``collection_deadline``, ``verification_deadline`` (while submitted) and
        ``history`` (the current item's events, oldest first, for Diskominfo
        officers and the members of the dataset's OPD; empty for anyone else)
    :rtype: dict
    """
    # Typed first: its auth asks package_show's about the id, which must be a string.
    data = validate(data_dict, "sopsektoral_status_show", context)
    tk.check_access("sopsektoral_status_show", context, data)
    pkg = _active_dataset(data["id"])
    row = status.current_item(pkg.id)
    # The same fields as package_show and the search index, from the same function,
    # so that what they report about a dataset always agrees.
    fields = status.dataset_status_fields(pkg.id)
    out: dict[str, Any] = {"id": pkg.id, "name": pkg.name, **fields}
    out["item_id"] = row[0].id if row else None
    out["letter_id"] = row[1].id if row else None
    out["collection_deadline"] = iso(row[0].deadline) if row else None
    # While submitted, the current step's deadline is the verification deadline.
    out["verification_deadline"] = fields["sop_deadline"] if fields["sop_status"] == SUBMITTED else None
    # The item's history: for Diskominfo officers and the members of the item's OPD (as
    # sopsektoral_event_list with item_id); anyone else who may see the dataset gets none.
    principal = access.principal(context)
    sees_history = row is not None and (principal.sees_every_opd() or principal.in_opd(row[0].owner_org))
    if sees_history:
        out["history"] = [e.dictize() for e in model.Session.execute(
            sa.select(Event).where(Event.item_id == row[0].id).order_by(Event.seq)).scalars()]
    else:
        out["history"] = []
    return out


@tk.side_effect_free
def sopsektoral_period_list(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The periods of the indicator a dataset receives: one dataset per period
    (docs/recurrence.md), newest first, those the caller may see.

    :param id: the dataset's id or name
    :type id: string
    :returns: ``results``: periods with ``year``, ``dataset_id``, ``name``,
        ``title``, ``private``, ``current`` (the dataset asked about),
        ``state`` (the SOP state of its newest request, None for a dataset the
        Daftar Data names as earlier data) and ``letter_number``; empty for a
        dataset no letter asks for
    :rtype: dict
    """
    data = validate(data_dict, "sopsektoral_period_list", context)
    tk.check_access("sopsektoral_period_list", context, data)
    pkg = _active_dataset(data["id"])
    visible = []
    for period in series.periods(pkg.id):
        try:
            tk.check_access("package_show", dict(context), {"id": period["dataset_id"]})
        except (tk.NotAuthorized, tk.ObjectNotFound):
            continue
        visible.append(period)
    return {"results": visible}


@tk.chained_action
def package_update(up_func: Any, context: Context, data_dict: DataDict) -> Any:
    """Datasets under collection or verification stay private until verified,
    and verified ones become public only through ``sopsektoral_item_publish``
    (which applies the access classification): an edit that would make one
    public is refused, one that omits ``private`` keeps it private."""
    package = model.Package.get(data_dict.get("id") or data_dict.get("name") or "")
    if package is not None and not context.get("sopsektoral_internal") \
            and awaiting_publication(package.id):
        if "private" in data_dict and not tk.asbool(data_dict["private"]):
            raise tk.ValidationError({"private": [tk._(
                "This dataset is in the SOP's collection and verification: it stays private "
                "until the statistics staff publish it")]})
        data_dict = dict(data_dict, private=True)
    return up_func(context, data_dict)
