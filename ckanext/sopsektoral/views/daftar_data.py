"""The SK Daftar Data pages: the list of data items per OPD and year, its import, and
changing or deleting one entry."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.sopsektoral.views.common import (
    action,
    context,
    field_label,
    form_errors,
    login_first,
    organizations,
)

# The fields of the edit form, as sopsektoral_daftar_data_update names them; the metadata
# columns are those of the import (logic/schema.py declares them for the action).
IDENTITY_FIELDS = ("year", "owner_org", "title", "dataset_name")


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
        "may_import": may_import, "may_change": tk.h.check_access("sopsektoral_daftar_data_update"),
        "organizations": organizations(),
    })


def _metadata_fields() -> list[str]:
    from ckanext.sopsektoral.logic.schema import ACTIONS

    return [f for f in ACTIONS["sopsektoral_daftar_data_update"] if f not in ("id", *IDENTITY_FIELDS)]


def _entry(id: str) -> dict[str, Any]:
    found = action("daftar_data_list", {"ids": [id], "limit": 1})["results"]
    if not found:
        raise tk.ObjectNotFound(tk._("Daftar Data entry not found"))
    return found[0]


def _form_values(entry: dict[str, Any], org_name: str) -> dict[str, str]:
    """The entry as the form shows it (every field a text)."""
    values = {"year": str(entry["year"]), "owner_org": org_name, "title": entry["title"],
              "dataset_name": entry["dataset_name"] or ""}
    values.update({f: str(entry["metadata"].get(f) or "") for f in _metadata_fields()})
    return values


def _errors(error: tk.ValidationError) -> tuple[dict[str, Any], list[str]]:
    """The action's field errors, and their summary (a refusal on ``id`` names the letter
    that holds the entry: it is shown as it is)."""
    errors, summary = form_errors(error)
    held = errors.get("id") or []
    labelled = f"{field_label('id')}: "
    return errors, [*held, *(m for m in summary if not m.startswith(labelled))]


def daftar_data_edit(id: str) -> Any:
    """Change one entry (holders of the import right): the form sends only what changed."""
    login = login_first()
    if login is not None:
        return login
    tk.check_access("sopsektoral_daftar_data_update", context(), {"id": id})
    entry = _entry(id)
    org = tk.get_action("organization_show")(context(), {"id": entry["owner_org"]})
    shown = _form_values(entry, org["name"])
    errors: dict[str, Any] = {}
    summary: list[str] = []
    if tk.request.method == "POST":
        form = tk.request.form
        data = {f: form.get(f, "").strip() for f in shown}
        changes = {f: v for f, v in data.items() if v != shown[f]}
        try:
            action("daftar_data_update", {"id": id, **changes})
        except tk.ValidationError as err:
            errors, summary = _errors(err)
            shown = data
        else:
            tk.h.flash_success(tk._("The Daftar Data entry was saved"))
            return tk.redirect_to("sopsektoral.daftar_data", year=data["year"] or entry["year"])
    return tk.render("sopsektoral/daftar_data_edit.html", {
        "entry": entry, "data": shown, "errors": errors, "error_summary": summary,
        "organizations": organizations(), "metadata_fields": _metadata_fields(),
    })


def daftar_data_delete(id: str) -> Any:
    """Delete one entry (POST, after the page's confirmation); a GET shows the
    entry's page, whose button deletes it."""
    if tk.request.method != "POST":
        return tk.redirect_to("sopsektoral.daftar_data_edit", id=id)
    try:
        result = action("daftar_data_delete", {"id": id})
    except tk.ValidationError as err:
        for message in _errors(err)[1]:
            tk.h.flash_error(message)
        return tk.redirect_to("sopsektoral.daftar_data_edit", id=id)
    if result["kept_for_history"]:
        tk.h.flash_success(tk._(
            "The entry \"{title}\" was deleted from the Daftar Data; the letters that asked for it keep it"
        ).format(title=result["title"]))
    else:
        tk.h.flash_success(tk._("The entry \"{title}\" was deleted").format(title=result["title"]))
    return tk.redirect_to("sopsektoral.daftar_data", year=result["year"])
