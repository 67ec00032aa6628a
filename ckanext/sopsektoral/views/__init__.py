"""Portal pages of ckanext-sopsektoral: one blueprint, every URL listed here.

Views only call actions (the same ones API clients use) and template helpers,
and render; access rules live in the auth functions. The pages are grouped by
what they show: ``pages`` (the SOP, the inbox), ``api`` (the action API's
reference and OpenAPI document), ``letters``, ``daftar_data``,
``officers``, ``items`` (the queue and the workbench), ``export`` (the Daftar Data
template and the lists as CSV or XLSX); ``common`` holds what
they share and the checks before every request.
"""
from __future__ import annotations

from flask import Blueprint

import ckan.plugins.toolkit as tk

from ckanext.sopsektoral.views import api, common, daftar_data, export, items, letters, officers, pages

__all__ = ["bp"]

bp = Blueprint("sopsektoral", __name__, url_prefix="/sopsektoral")

bp.before_request(common.before_request)
# For every request of the portal, the action API's included.
bp.before_app_request(api.refuse_deep_json)
bp.register_error_handler(tk.NotAuthorized, common.not_authorized)
bp.register_error_handler(tk.ObjectNotFound, common.not_found)
bp.register_error_handler(tk.ValidationError, common.bad_request)

# (rule, view, methods); a view's name is its endpoint: url_for("sopsektoral.<name>").
# The views that act answer a GET (a bookmarked or retyped address) with the page of their form.
_ROUTES = (
    ("/sop", pages.sop_page, ["GET"]),
    ("/api", api.api_page, ["GET"]),
    ("/openapi.json", api.openapi_json, ["GET"]),
    ("/", pages.inbox, ["GET"]),
    ("/letter", letters.letter_list, ["GET"]),
    ("/letter/new", letters.letter_new, ["GET", "POST"]),
    ("/letter/<id>/edit", letters.letter_edit, ["GET", "POST"]),
    ("/letter/<id>", letters.letter_read, ["GET"]),
    ("/letter/<id>/pdf", letters.letter_pdf, ["GET"]),
    ("/letter/<id>/signed-pdf", letters.letter_pdf_upload, ["GET", "POST"]),
    ("/verify/<id>", letters.letter_verify, ["GET", "POST"]),
    ("/letter/<id>/<transition>", letters.letter_transition, ["GET", "POST"]),
    ("/daftar-data", daftar_data.daftar_data, ["GET", "POST"]),
    ("/daftar-data/template.xlsx", export.daftar_data_template, ["GET"]),
    ("/daftar-data/export.<fmt>", export.daftar_data_export, ["GET"]),
    ("/daftar-data/<id>/edit", daftar_data.daftar_data_edit, ["GET", "POST"]),
    ("/daftar-data/<id>/delete", daftar_data.daftar_data_delete, ["GET", "POST"]),
    ("/officers", officers.officers, ["GET", "POST"]),
    ("/queue", items.queue, ["GET"]),
    ("/queue/bulk", items.queue_bulk, ["GET", "POST"]),
    ("/queue/export.<fmt>", export.queue_export, ["GET"]),
    ("/item/<id>", items.item_read, ["GET"]),
    ("/item/<id>/<transition>", items.item_transition, ["GET", "POST"]),
)

for _rule, _view, _methods in _ROUTES:
    bp.add_url_rule(_rule, view_func=_view, methods=_methods)
