"""Portal pages of ckanext-sopsektoral."""
from __future__ import annotations

from flask import Blueprint

import ckan.plugins.toolkit as tk

__all__ = ["bp"]

bp = Blueprint("sopsektoral", __name__, url_prefix="/sopsektoral")


@bp.route("/sop")
def sop_page() -> str:
    """The SOP this portal runs, as configured (public, like the SOP document)."""
    sop_table = tk.get_action("sopsektoral_sop_show")({}, {})
    return tk.render("sopsektoral/sop.html", {"sop": sop_table})
