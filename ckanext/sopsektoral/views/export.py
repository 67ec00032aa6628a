"""Downloads: the Daftar Data template, and the Daftar Data and the verification queue
as CSV or XLSX (export.py builds the files).

The lists come from the same actions as their pages, called as the logged-in user
with the page's filters, every page of results: a user exports what the page shows
them, and no more (an OPD operator their OPD's). A logged-in user who can see no
list (no Diskominfo position, no OPD) gets 403; the template is for who may import.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response

import ckan.plugins.toolkit as tk

from ckanext.sopsektoral import access, export
from ckanext.sopsektoral.views.common import action, context, login_first, organizations
from ckanext.sopsektoral.views.items import _item_filters


def _download(content: bytes, mimetype: str, filename: str) -> Response:
    return Response(content, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "private, no-store",  # the lists are not public
    })


def _format(fmt: str) -> str:
    if fmt not in export.FORMATS:
        raise tk.ObjectNotFound(tk._("Not found"))
    return fmt


def _require_a_list() -> None:
    principal = access.for_request()
    if not (principal.sees_every_opd() or principal.organizations()):
        raise tk.NotAuthorized(tk._(
            "Only Diskominfo officers and the members of an OPD may download this list"))


def daftar_data_template() -> Any:
    """The XLSX template of the Daftar Data import, in the user's language."""
    login = login_first()
    if login is not None:
        return login
    tk.check_access("sopsektoral_daftar_data_import", context(), {})
    return _download(export.template_xlsx(organizations()), export.XLSX_MIMETYPE, "templat-daftar-data.xlsx")


def daftar_data_export(fmt: str) -> Any:
    """The Daftar Data with the list page's filters (year, OPD, words in the title)."""
    fmt = _format(fmt)
    login = login_first()
    if login is not None:
        return login
    _require_a_list()
    args = tk.request.args
    filters = {k: args.get(k) for k in ("year", "owner_org", "q") if args.get(k)}
    entries = export.all_pages(
        lambda limit, offset: action("daftar_data_list", {**filters, "limit": limit, "offset": offset}))
    headers, rows = export.daftar_data_table(entries)
    content, mimetype = export.render(fmt, headers, rows, tk._("Daftar Data"))
    name = "daftar-data" + (f"-{filters['year']}" if filters.get("year") else "")
    return _download(content, mimetype, f"{name}.{fmt}")


def queue_filters(officer: bool) -> dict[str, Any]:
    """The queue page's filters, with its defaults when no state is chosen (views/items.py
    ``queue``: submitted items for statistics staff unless ``all``; what is open for operators)."""
    filters = _item_filters()
    if "state" not in filters:
        if not officer:
            filters["state"] = ["requested", "returned", "submitted"]
        elif not tk.request.args.get("all"):
            filters["state"] = ["submitted"]
    return filters


def queue_export(fmt: str) -> Any:
    """The verification queue (the data items) with the queue page's filters."""
    fmt = _format(fmt)
    login = login_first()
    if login is not None:
        return login
    _require_a_list()
    officer = bool(tk.h.sopsektoral_is_officer() or tk.current_user.sysadmin)
    filters = queue_filters(officer)
    items = export.all_pages(
        lambda limit, offset: action("item_list", {**filters, "limit": limit, "offset": offset}))
    headers, rows = export.item_table(items, officer)
    title = tk._("Verification queue") if officer else tk._("Data requested from my OPD")
    content, mimetype = export.render(fmt, headers, rows, title)
    today = dt.date.today().isoformat()
    return _download(content, mimetype, f"{'antrean-verifikasi' if officer else 'data-diminta'}-{today}.{fmt}")
