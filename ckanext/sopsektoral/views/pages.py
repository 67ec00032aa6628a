"""The SOP page and the inbox (what awaits the logged-in user)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.sopsektoral.views.common import action, login_first


def sop_page() -> str:
    """The SOP this portal runs, as configured (public, like the SOP document)."""
    return tk.render("sopsektoral/sop.html", {"sop": action("sop_show", {})})


def inbox() -> Any:
    """What awaits the logged-in user: letters at their step, and overdue ones."""
    login = login_first()
    if login is not None:
        return login
    positions = action("officer_list", {"user": tk.current_user.name})
    awaiting = action("letter_list", {"awaiting_me": True, "limit": 100})
    overdue = action("letter_list", {"overdue": True, "limit": 100}) if positions \
        else {"results": [], "count": 0}
    # Data items waiting on this user: to upload and submit (OPD operators), to verify (statistics staff).
    operator = False
    if tk.h.sopsektoral_may("verification"):
        items = action("item_list", {"state": ["submitted"], "limit": 50})
    elif positions:
        items = {"count": 0, "results": []}
    else:  # an OPD's operator: the items of their OPDs that wait on them (the action keeps to their OPDs)
        operator = True
        items = action("item_list", {"state": ["requested", "returned"], "limit": 50})
    return tk.render("sopsektoral/inbox.html", {
        "positions": positions, "awaiting": awaiting, "overdue": overdue, "items": items,
        "operator": operator,
    })
