"""The officers page: who holds which SOP position, assigning and revoking."""
from __future__ import annotations

import datetime as dt
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.sopsektoral.views.common import action, context, flash_errors, form_errors

# Assignments per page of the list.
PAGE_SIZE = 50


def _listed(officers: list[dict[str, Any]], q: str, past: bool) -> list[dict[str, Any]]:
    """The assignments the list shows: those in force or still to come (with
    ``past``, the ended and revoked ones too), whose user (name or login),
    position or NIP contains ``q``; by position, then the user's name."""
    today = dt.date.today().isoformat()
    needle = q.casefold()
    shown = []
    for officer in officers:
        if not past and (officer["revoked"] or (officer["valid_until"] or "9999") < today):
            continue
        haystack = " ".join(str(officer.get(k) or "") for k in ("user_name", "user_fullname", "position_label", "nip"))
        if needle and needle not in haystack.casefold():
            continue
        shown.append(officer)
    return shown


def officers() -> Any:
    tk.check_access("sopsektoral_officer_assign", context(), {})
    args = tk.request.args
    q, past = args.get("q", "").strip()[:200], bool(args.get("past"))
    filters = {k: v for k, v in (("q", q), ("past", "1" if past else "")) if v}
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
            return tk.redirect_to("sopsektoral.officers", **filters)
        data = {k: form.get(k, "").strip()
                for k in ("user", "position", "acting", "valid_from", "valid_until", "nip", "rank")}
        data["nip"] = "".join(data["nip"].split())  # "19800101 200501 1 001", as printed on letters
        try:
            action("officer_assign", {k: v for k, v in data.items() if v})
        except tk.ValidationError as err:
            errors, summary = form_errors(err)
        else:
            tk.h.flash_success(tk._("The position was assigned"))
            return tk.redirect_to("sopsektoral.officers", **filters)
    listed = _listed(action("officer_list", {"include_past": True}), q, past)
    page = int(args["page"]) if args.get("page", "").isdigit() and int(args["page"]) > 0 else 1
    pages = {
        "previous": tk.url_for("sopsektoral.officers", page=page - 1, **filters) if page > 1 else None,
        "next": tk.url_for("sopsektoral.officers", page=page + 1, **filters)
        if page * PAGE_SIZE < len(listed) else None,
    }
    return tk.render("sopsektoral/officers.html", {
        "officers": listed[(page - 1) * PAGE_SIZE:page * PAGE_SIZE], "count": len(listed),
        "pages": pages, "filters": filters,
        "positions": [(p["key"], p["label"]) for p in action("sop_show", {})["positions"]],
        "data": data, "errors": errors, "error_summary": summary,
    })
