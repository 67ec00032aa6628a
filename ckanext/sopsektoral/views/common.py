"""What every page of the blueprint shares: the request's context, calling an
action, error pages, form errors, the checks before each request."""
from __future__ import annotations

from typing import Any

from flask import current_app, g
from markupsafe import Markup

import ckan.plugins.toolkit as tk
from ckan.types import Context

from ckanext.sopsektoral import readiness


def context() -> Context:
    return {"user": tk.current_user.name if tk.current_user.is_authenticated else None}


def action(name: str, data: dict[str, Any]) -> Any:
    """Call the action ``sopsektoral_<name>`` as the logged-in user."""
    return tk.get_action(f"sopsektoral_{name}")(context(), data)


def error_page(code: int, name: str, message: str) -> tuple[str, int]:
    return tk.render("error_document_template.html", {"code": code, "name": name, "content": message}), code


def before_request() -> Any:
    if not readiness.ready():
        return not_migrated_page()
    protect_from_csrf()
    return None


def not_migrated_page() -> tuple[str, int]:
    """503 while the plugin's database is not at the head of its migrations
    (readiness.py); a sysadmin is told the command with this portal's config file."""
    sysadmin = tk.current_user.is_authenticated and tk.current_user.sysadmin
    command = readiness.command() if sysadmin else readiness.public_command()
    content = Markup("<p>{}</p><p><code>{}</code></p>").format(
        tk._("The Sectoral Statistics pages are unavailable: the database tables of ckanext-sopsektoral "
             "are missing or out of date. A system administrator has to run this command on the server:"),
        command)
    return error_page(503, tk._("Service unavailable"), content)


def protect_from_csrf() -> None:
    """Every form of ours needs a CSRF token, whatever
    ``ckan.csrf_protection.ignore_extensions`` says: with it true (the default
    on CKAN 2.10 and 2.11), CKAN exempts extension blueprints from its
    CSRFProtect; on CKAN 2.12 a view once called with an API token or by an
    anonymous visitor stays exempt for the life of the process. So the
    blueprint asks CKAN's CSRFProtect itself, without its exemptions. Requests
    authenticated by an API token are left alone, as CKAN leaves them (a
    browser cannot send one across sites). ``WTF_CSRF_ENABLED = false``
    turns the check off here as it does in CKAN."""
    if tk.request.method not in current_app.config.get("WTF_CSRF_METHODS", ()):
        return
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    if g.get("login_via_auth_header") and tk.current_user.is_authenticated:
        return
    current_app.extensions["csrf"].protect()


def not_authorized(error: tk.NotAuthorized) -> Any:
    if not tk.current_user.is_authenticated:
        return tk.redirect_to("user.login", came_from=tk.request.full_path)
    return error_page(403, tk._("Forbidden"), str(error) or tk._("Not authorized to see this page"))


def not_found(error: tk.ObjectNotFound) -> Any:
    return error_page(404, tk._("Not found"), str(error) or tk._("Not found"))


def bad_request(error: tk.ValidationError) -> Any:
    """An input that no action takes and the view did not turn into a form error
    (e.g. an id in the address that cannot be one): 400 with what is wrong, not a server error."""
    return error_page(400, tk._("Bad request"), "; ".join(form_errors(error)[1]) or tk._("Bad request"))


def login_first() -> Any:
    """The login page, coming back here after, for a visitor not logged in; None otherwise."""
    if not tk.current_user.is_authenticated:
        return tk.redirect_to("user.login", came_from=tk.request.full_path)
    return None


def field_label(field: str) -> str:
    """The label of an input field in the user's language, for error messages
    ("Catatan: Isian kosong", not "note: Isian kosong"): the forms' fields,
    else the dataset schema's (for errors of CKAN's dataset actions)."""
    labels = {
        "note": tk._("Note"),
        "upload": tk._("File"),
        "signature": tk._("Electronic signature"),
        "user": tk._("User"),
        "private": tk._("Visibility"),
        "privat": tk._("Visibility"),
        "id": tk._("ID"),
        "ids": tk._("Data items"),
        "items": tk._("Data items"),
        "checklist": tk._("Satu Data checklist"),
        "subject": tk._("Subject (Hal)"),
        "body": tk._("Letter text"),
        "data_year": tk._("Data year"),
        "year": tk._("Data year"),
        "sifat": tk._("Nature (Sifat)"),
        "lampiran": tk._("Attachments (Lampiran)"),
        "tembusan": tk._("Copies to (Tembusan), one per line"),
        "position": tk._("Position"),
        "acting": tk._("Held as"),
        "valid_from": tk._("From"),
        "valid_until": tk._("Until"),
        "nip": tk._("NIP"),
        "rank": tk._("Rank (pangkat/golongan)"),
        "owner_org": tk._("OPD"),
        "q": tk._("Search"),
    }
    return labels[field] if field in labels else tk.h.sopsektoral_field_label(field)


def form_errors(error: tk.ValidationError) -> tuple[dict[str, Any], list[str]]:
    """An action's field errors, and a summary of them to show above the form,
    each with its field's label in the user's language."""
    errors = error.error_dict if isinstance(error.error_dict, dict) else {}
    summary = []
    for field, messages in errors.items():
        for message in messages if isinstance(messages, list) else [messages]:
            summary.append(f"{field_label(field)}: {message}" if field not in ("rows", "state") else str(message))
    return errors, summary


def flash_errors(error: tk.ValidationError) -> None:
    for message in form_errors(error)[1]:
        tk.h.flash_error(message)


def organizations() -> list[dict[str, Any]]:
    """Names and titles of the OPDs, by title, for filter menus, in two light
    queries: organization_list gives the names in order (sorted by title in
    SQL), organization_autocomplete with an empty ``q`` their titles.
    (organization_list with ``all_fields`` runs organization_show once per
    organization: about 4 ms each, most of the queue page's time budget.)"""
    names = tk.get_action("organization_list")(context(), {"sort": "title asc"})
    titles = {org["name"]: org["title"] for org in tk.get_action("organization_autocomplete")(
        context(), {"q": "", "limit": max(len(names), 1)})}
    return [{"name": name, "title": titles.get(name)} for name in names]
