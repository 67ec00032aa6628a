"""The officers page: who holds which SOP position, assigning and revoking."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.sopsektoral.views.common import action, context, flash_errors, form_errors


def officers() -> Any:
    tk.check_access("sopsektoral_officer_assign", context(), {})
    data: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    summary: list[str] = []
    if tk.request.method == "POST":
        form = tk.request.form
        if form.get("revoke"):
            try:
                action("officer_revoke", {"id": form["revoke"]})
            except tk.ValidationError as err:
                flash_errors(err)
            else:
                tk.h.flash_success(tk._("The assignment was revoked"))
            return tk.redirect_to("sopsektoral.officers")
        data = {k: form.get(k, "").strip()
                for k in ("user", "position", "acting", "valid_from", "valid_until", "nip", "rank")}
        try:
            action("officer_assign", {k: v for k, v in data.items() if v})
        except tk.ValidationError as err:
            errors, summary = form_errors(err)
        else:
            tk.h.flash_success(tk._("The position was assigned"))
            return tk.redirect_to("sopsektoral.officers")
    return tk.render("sopsektoral/officers.html", {
        "officers": action("officer_list", {"include_past": True}),
        "positions": [(p["key"], p["label"]) for p in action("sop_show", {})["positions"]],
        "data": data, "errors": errors, "error_summary": summary,
    })
