"""The SK Daftar Data page: the list of data items per OPD and year, and its import."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.sopsektoral.views.common import action, form_errors, login_first, organizations


def daftar_data() -> Any:
    login = login_first()
    if login is not None:
        return login
    import_errors: list[str] = []
    result = None
    if tk.request.method == "POST":
        upload = tk.request.files.get("upload")
        try:
            result = action("daftar_data_import", {
                "upload": upload, "dry_run": bool(tk.request.form.get("dry_run")),
            })
        except tk.ValidationError as err:
            import_errors = form_errors(err)[1]
        else:
            tk.h.flash_success(tk._(
                "Daftar Data imported: {created} new, {updated} changed, {unchanged} unchanged"
            ).format(**result) if not tk.request.form.get("dry_run") else tk._(
                "The file is valid: {rows} rows").format(**result))
    args = tk.request.args
    filters = {k: args.get(k) for k in ("year", "owner_org", "q") if args.get(k)}
    try:
        entries = action("daftar_data_list", {**filters, "limit": 1000})
        errors: dict[str, Any] = {}
    except tk.ValidationError as err:
        entries, errors = {"count": 0, "results": []}, err.error_dict
    may_import = tk.h.check_access("sopsektoral_daftar_data_import")
    return tk.render("sopsektoral/daftar_data.html", {
        "entries": entries, "filters": filters, "errors": errors, "import_errors": import_errors,
        "may_import": may_import, "organizations": organizations(),
    })
