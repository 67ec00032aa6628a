"""Actions on the Diskominfo officers: who holds which position, for which period."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from ckanext.sopsektoral import access, officers
from ckanext.sopsektoral.logic import dictization
from ckanext.sopsektoral.logic.action.common import atomic, commit, user_or_error, validate
from ckanext.sopsektoral.model.base import utcnow

__all__ = [
    "sopsektoral_officer_assign",
    "sopsektoral_officer_list",
    "sopsektoral_officer_revoke",
]


@atomic
def sopsektoral_officer_assign(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Assign a position of the SOP file to a CKAN user for a period. Sysadmins only.

    A position the SOP file gives ``holders: one`` has one definitive holder at a time; an
    acting holder (Plt. or Plh.) may overlap with it.

    :param user: the user's id or name
    :type user: string
    :param position: a position key of the SOP file (``sopsektoral_sop_show`` lists them)
    :type position: string
    :param acting: ``plt`` or ``plh`` when held as acting (optional)
    :type acting: string
    :param valid_from: first day in force, ISO date, YYYY-MM-DD (optional, default today)
    :type valid_from: string
    :param valid_until: last day in force, ISO date, YYYY-MM-DD, not before ``valid_from`` (optional,
        open-ended)
    :type valid_until: string
    :param nip: the civil-servant number (NIP, 18 digits) shown in the signature block (optional)
    :type nip: string
    :param rank: pangkat/golongan (optional)
    :type rank: string
    :returns: the assignment
    :rtype: dict
    """
    tk.check_access("sopsektoral_officer_assign", context, data_dict)
    data = validate(data_dict, "sopsektoral_officer_assign", context)
    officer = officers.assign(
        user_or_error("user", data["user"]), data["position"], access.principal(context).actor(),
        acting=data.get("acting") or None,
        valid_from=data.get("valid_from") or utcnow().date(),
        valid_until=data.get("valid_until"),
        nip=data.get("nip"), rank=data.get("rank"),
    )
    commit(context)
    return dictization.officer_dict(officer)


@tk.side_effect_free
def sopsektoral_officer_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Position assignments, current ones by default.

    :param position: only this position (optional)
    :type position: string
    :param user: only this user's, by id or name (optional)
    :type user: string
    :param include_past: also ended, future and revoked assignments (default false)
    :type include_past: bool
    :param on_date: assignments in force on this day, ISO date, YYYY-MM-DD (default today)
    :type on_date: string
    :returns: assignments with ``user_name``, ``user_fullname``, ``position_label``
        and ``current``
    :rtype: list of dicts
    """
    tk.check_access("sopsektoral_officer_list", context, data_dict)
    data = validate(data_dict, "sopsektoral_officer_list", context)
    user = user_or_error("user", data["user"]) if data.get("user") else None
    day = None
    if not data.get("include_past"):
        day = data.get("on_date") or utcnow().date()
    found = officers.assignments(data.get("position"), user.id if user else None, day)
    return dictization.officer_list_dict(found)


@atomic
def sopsektoral_officer_revoke(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """End a position assignment now. Sysadmins only.

    :param id: the assignment's id
    :type id: string
    :returns: the assignment
    :rtype: dict
    """
    tk.check_access("sopsektoral_officer_revoke", context, data_dict)
    data = validate(data_dict, "sopsektoral_officer_revoke", context)
    officer = officers.get(data["id"])
    officers.revoke(officer, access.principal(context).actor())
    commit(context)
    return dictization.officer_dict(officer)
