"""Auth functions of ckanext-sopsektoral, named after their actions."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

__all__ = ["sopsektoral_sop_show", "sopsektoral_reindex"]


@tk.auth_allow_anonymous_access
def sopsektoral_sop_show(context: Context, data_dict: DataDict) -> AuthResult:
    # The SOP is a public document (it is on the PPID site).
    return {"success": True}


def sopsektoral_reindex(context: Context, data_dict: DataDict) -> AuthResult:
    # Sysadmins only: they pass every auth function before it is called.
    return {"success": False, "msg": tk._("Only a sysadmin can rebuild the search index")}
