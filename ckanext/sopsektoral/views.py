"""Portal pages of ckanext-sopsektoral.

Views only call actions (the same ones API clients use) and render; access
rules live in the auth functions.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g
from markupsafe import Markup

import ckan.plugins.toolkit as tk
from ckan.lib.formatters import localised_number
from ckan.types import Context

from ckanext.sopsektoral import collection, readiness, sop, workflow

__all__ = ["bp"]

bp = Blueprint("sopsektoral", __name__, url_prefix="/sopsektoral")

TRANSITION_ACTIONS = ("submit", "initial", "sign", "return", "cancel", "send")
ITEM_ACTIONS = ("submit", "claim", "verify", "return", "publish")


def _context() -> Context:
    return {"user": tk.current_user.name if tk.current_user.is_authenticated else None}


def _action(name: str, data: dict[str, Any]) -> Any:
    return tk.get_action(f"sopsektoral_{name}")(_context(), data)


def _error_page(code: int, name: str, message: str) -> tuple[str, int]:
    return tk.render("error_document_template.html", {"code": code, "name": name, "content": message}), code


@bp.before_request
def _before_request() -> Any:
    if not readiness.ready():
        return _not_migrated_page()
    _protect_from_csrf()
    return None


def _not_migrated_page() -> tuple[str, int]:
    """503 while the plugin's database is not at the head of its migrations
    (readiness.py); a sysadmin is told the command with this portal's config file."""
    sysadmin = tk.current_user.is_authenticated and tk.current_user.sysadmin
    command = readiness.command() if sysadmin else readiness.public_command()
    content = Markup("<p>{}</p><p><code>{}</code></p>").format(
        tk._("The Sectoral Statistics pages are unavailable: the database tables of ckanext-sopsektoral "
             "are missing or out of date. A system administrator has to run this command on the server:"),
        command)
    return _error_page(503, tk._("Service unavailable"), content)


def _protect_from_csrf() -> None:
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


@bp.errorhandler(tk.NotAuthorized)
def _not_authorized(error: tk.NotAuthorized) -> Any:
    if not tk.current_user.is_authenticated:
        return tk.redirect_to("user.login", came_from=tk.request.full_path)
    return _error_page(403, tk._("Forbidden"), str(error) or tk._("Not authorized to see this page"))


@bp.errorhandler(tk.ObjectNotFound)
def _not_found(error: tk.ObjectNotFound) -> Any:
    return _error_page(404, tk._("Not found"), str(error) or tk._("Not found"))


def _form_errors(error: tk.ValidationError) -> tuple[dict[str, Any], list[str]]:
    errors = error.error_dict if isinstance(error.error_dict, dict) else {}
    summary = []
    for field, messages in errors.items():
        for message in messages if isinstance(messages, list) else [messages]:
            summary.append(f"{field}: {message}" if field not in ("rows", "state") else str(message))
    return errors, summary


@bp.route("/sop")
def sop_page() -> str:
    """The SOP this portal runs, as configured (public, like the SOP document)."""
    return tk.render("sopsektoral/sop.html", {"sop": _action("sop_show", {})})


@bp.route("/")
def inbox() -> str:
    """What awaits the logged-in user: letters at their step, and overdue ones."""
    if not tk.current_user.is_authenticated:
        return tk.redirect_to("user.login", came_from=tk.request.full_path)
    positions = _action("officer_list", {"user": tk.current_user.name})
    awaiting = _action("letter_list", {"awaiting_me": True, "limit": 100})
    held = {p["position"] for p in positions}
    overdue = _action("letter_list", {"overdue": True, "limit": 100}) if positions else {"results": [], "count": 0}
    # Data items waiting on this user: to upload and submit (OPD operators), to verify (statistics staff).
    if "staf_statistik" in held:
        items = _action("item_list", {"state": ["submitted"], "limit": 50})
    elif positions:
        items = {"count": 0, "results": []}
    else:
        items = _action("item_list", {"state": ["requested", "returned"], "limit": 50})
    return tk.render("sopsektoral/inbox.html", {
        "positions": positions, "awaiting": awaiting, "overdue": overdue, "items": items,
    })


@bp.route("/letter")
def letter_list() -> str:
    args = tk.request.args
    filters = {k: args.get(k) for k in ("state", "year", "owner_org", "q") if args.get(k)}
    for flag in ("overdue", "awaiting_me"):
        if args.get(flag):
            filters[flag] = True
    page = max(int(args.get("page", 1) or 1), 1) if str(args.get("page", "1")).isdigit() else 1
    limit = 25
    try:
        result = _action("letter_list", {**filters, "limit": limit, "offset": (page - 1) * limit})
        errors: dict[str, Any] = {}
    except tk.ValidationError as err:
        result, errors = {"count": 0, "results": []}, err.error_dict
    return tk.render("sopsektoral/letter_list.html", {
        "result": result, "filters": filters, "errors": errors, "page": page, "limit": limit,
        "states": [(s, workflow.state_label(s)) for s in workflow.LETTER_STATES],
        "organizations": _organizations(),
    })


def _organizations() -> list[dict[str, Any]]:
    """Names and titles of the OPDs, for filter menus (one light query:
    organization_list with all_fields dictizes every organization)."""
    import sqlalchemy as sa

    from ckan import model

    rows = model.Session.execute(
        sa.select(model.Group.name, model.Group.title)
        .where(model.Group.is_organization.is_(True), model.Group.state == "active")
        .order_by(model.Group.title)
    ).all()
    return [{"name": name, "title": title} for name, title in rows]


def _letter_form_data() -> dict[str, Any]:
    form = tk.request.form
    return {
        "subject": form.get("subject", ""),
        "body": form.get("body", ""),
        "data_year": form.get("data_year", ""),
        "sifat": form.get("sifat", "biasa"),
        "lampiran": form.get("lampiran", ""),
        "tembusan": form.get("tembusan", ""),
        "items": form.getlist("items"),
    }


def _render_letter_form(data: dict[str, Any], errors: dict[str, Any], summary: list[str],
                        letter: dict[str, Any] | None = None) -> str:
    year = data.get("data_year") or (letter or {}).get("data_year")
    entries: list[dict[str, Any]] = []
    if str(year).isdigit():
        entries = _action("daftar_data_list", {"year": int(year), "limit": 1000})["results"]
    by_org: dict[str, dict[str, Any]] = {}
    for entry in entries:
        by_org.setdefault(entry["owner_org"], {"title": entry["organization_title"], "entries": []})["entries"].append(entry)
    tembusan = data.get("tembusan")
    if isinstance(tembusan, list):
        data = dict(data, tembusan="\n".join(tembusan))
    return tk.render("sopsektoral/letter_form.html", {
        "data": data, "errors": errors, "error_summary": summary, "letter": letter,
        "daftar_by_org": sorted(by_org.values(), key=lambda g: g["title"] or ""),
        "selected": set(data.get("items") or []),
        "letter_id": (letter or {}).get("id"),
    })


@bp.route("/letter/new", methods=["GET", "POST"])
def letter_new() -> Any:
    tk.check_access("sopsektoral_letter_create", _context(), {})
    if tk.request.method == "POST":
        data = _letter_form_data()
        try:
            letter = _action("letter_create", data)
        except tk.ValidationError as err:
            return _render_letter_form(data, *_form_errors(err))
        tk.h.flash_success(tk._("The draft letter was saved"))
        return tk.redirect_to("sopsektoral.letter_read", id=letter["id"])
    import datetime as dt

    year = tk.request.args.get("data_year") or str(dt.date.today().year)
    return _render_letter_form({
        "data_year": year, "sifat": "biasa", "lampiran": tk._("1 (one) file"),
        "subject": tk._("Request for sectoral statistics data of {year}").format(year=year),
        "body": tk._(
            "In the framework of One Data Indonesia (Satu Data Indonesia) in Kota Balikpapan and "
            "in accordance with the Mayor's Decree on the list of data (SK Daftar Data), we kindly "
            "ask you to provide the sectoral statistics data of {year} listed in the attachment, "
            "through the portal data.balikpapan.go.id, with their metadata, within the time given "
            "for each data item."
        ).format(year=year),
        "tembusan": "",
        "items": [],
    }, {}, [])


@bp.route("/letter/<id>/edit", methods=["GET", "POST"])
def letter_edit(id: str) -> Any:
    letter = _action("letter_show", {"id": id})
    tk.check_access("sopsektoral_letter_update", _context(), {"id": id})
    if tk.request.method == "POST":
        data = _letter_form_data()
        try:
            _action("letter_update", {"id": id, **data})
        except tk.ValidationError as err:
            return _render_letter_form(data, *_form_errors(err), letter=letter)
        tk.h.flash_success(tk._("The draft letter was saved"))
        return tk.redirect_to("sopsektoral.letter_read", id=id)
    data = {k: letter[k] for k in ("subject", "body", "data_year", "sifat", "lampiran", "tembusan")}
    data["items"] = [i["daftar_data_id"] for g in letter["organizations"] for i in g["items"]]
    return _render_letter_form(data, {}, [], letter=letter)


@bp.route("/letter/<id>")
def letter_read(id: str) -> str:
    letter = _action("letter_show", {"id": id})
    try:
        events = _letter_events(id)
    except tk.NotAuthorized:  # OPD operators see the letter, not the internal log
        events = []
    # The letter's own steps in full; its items' events (submit, return, verify,
    # claim, publish: many for a letter of many items) newest first, by item.
    item_info = {
        item["id"]: {"title": item["title"], "organization_title": group["organization_title"]}
        for group in letter.get("organizations", []) for item in group["items"]
    }
    letter_events = [e for e in events if not e.get("item_id")]
    item_events = [
        dict(e, item=item_info.get(e["item_id"], {"title": None, "organization_title": None}))
        for e in reversed(events) if e.get("item_id")
    ]
    item_events_by_org: dict[str, list[dict[str, Any]]] = {}
    for event in item_events:
        item_events_by_org.setdefault(event["item"]["organization_title"] or "", []).append(event)
    items: list[dict[str, Any]] = []
    progress: list[dict[str, Any]] = []
    if letter["state"] == workflow.SENT:
        items = _action("item_list", {"letter_id": id, "limit": 1000, "sort": "organization"})["results"]
        by_org: dict[str, dict[str, Any]] = {}
        for item in items:
            row = by_org.setdefault(item["owner_org"], {
                "title": item["organization_title"], "total": 0, "overdue": 0,
                **{s: 0 for s in collection.ITEM_STATES}})
            row["total"] += 1
            row[item["state"]] += 1
            row["overdue"] += item["overdue"]
        progress = sorted(by_org.values(), key=lambda r: r["title"] or "")
    return tk.render("sopsektoral/letter_read.html", {
        "letter": letter, "events": letter_events, "item_events": item_events,
        "item_events_by_org": sorted(item_events_by_org.items()),
        "recent_item_events": ITEM_EVENTS_SHOWN,
        "steps": sop.STEPS, "items": items, "progress": progress,
    })


# How many of a letter's item events its page shows before "show all".
ITEM_EVENTS_SHOWN = 10


def _letter_events(letter_id: str) -> list[dict[str, Any]]:
    """The letter's whole event log, oldest first (the action pages it)."""
    events: list[dict[str, Any]] = []
    page = min(1000, tk.asint(tk.config.get("ckan.search.rows_max") or 1000))
    while True:
        chunk = _action("event_list", {"letter_id": letter_id, "limit": page, "offset": len(events)})
        events.extend(chunk)
        if len(chunk) < page:
            return events


@bp.route("/letter/<id>/<transition>", methods=["POST"])
def letter_transition(id: str, transition: str) -> Any:
    if transition not in TRANSITION_ACTIONS:
        raise tk.ObjectNotFound(tk._("Not found"))
    data = {"id": id}
    note = tk.request.form.get("note", "").strip()
    if note or transition == "return":
        data["note"] = note
    try:
        letter = _action(f"letter_{transition}", data)
    except tk.ValidationError as err:
        for message in _form_errors(err)[1]:
            tk.h.flash_error(message)
    else:
        tk.h.flash_success(tk._("Done: {action}. The letter is now: {state}.").format(
            action=workflow.transition_label(transition), state=letter["state_label"]))
    return tk.redirect_to("sopsektoral.letter_read", id=id)


@bp.route("/daftar-data", methods=["GET", "POST"])
def daftar_data() -> Any:
    if not tk.current_user.is_authenticated:
        return tk.redirect_to("user.login", came_from=tk.request.full_path)
    import_errors: list[str] = []
    result = None
    if tk.request.method == "POST":
        upload = tk.request.files.get("upload")
        try:
            result = _action("daftar_data_import", {
                "upload": upload, "dry_run": bool(tk.request.form.get("dry_run")),
            })
        except tk.ValidationError as err:
            import_errors = _form_errors(err)[1]
        else:
            tk.h.flash_success(tk._(
                "Daftar Data imported: {created} new, {updated} changed, {unchanged} unchanged"
            ).format(**result) if not tk.request.form.get("dry_run") else tk._(
                "The file is valid: {rows} rows").format(**result))
    args = tk.request.args
    filters = {k: args.get(k) for k in ("year", "owner_org", "q") if args.get(k)}
    try:
        entries = _action("daftar_data_list", {**filters, "limit": 1000})
        errors: dict[str, Any] = {}
    except tk.ValidationError as err:
        entries, errors = {"count": 0, "results": []}, err.error_dict
    may_import = tk.h.check_access("sopsektoral_daftar_data_import")
    return tk.render("sopsektoral/daftar_data.html", {
        "entries": entries, "filters": filters, "errors": errors, "import_errors": import_errors,
        "may_import": may_import, "organizations": _organizations(),
    })


@bp.route("/officers", methods=["GET", "POST"])
def officers() -> Any:
    tk.check_access("sopsektoral_officer_assign", _context(), {})
    data: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    summary: list[str] = []
    if tk.request.method == "POST":
        form = tk.request.form
        if form.get("revoke"):
            try:
                _action("officer_revoke", {"id": form["revoke"]})
            except tk.ValidationError as err:
                for message in _form_errors(err)[1]:
                    tk.h.flash_error(message)
            else:
                tk.h.flash_success(tk._("The assignment was revoked"))
            return tk.redirect_to("sopsektoral.officers")
        data = {k: form.get(k, "").strip() for k in ("user", "position", "acting", "valid_from", "valid_until", "nip", "rank")}
        try:
            _action("officer_assign", {k: v for k, v in data.items() if v})
        except tk.ValidationError as err:
            errors, summary = _form_errors(err)
        else:
            tk.h.flash_success(tk._("The position was assigned"))
            return tk.redirect_to("sopsektoral.officers")
    return tk.render("sopsektoral/officers.html", {
        "officers": _action("officer_list", {"include_past": True}),
        "positions": [(p, sop.position_label(p)) for p in sop.POSITIONS],
        "data": data, "errors": errors, "error_summary": summary,
    })


# ---------------------------------------------------------------- SOP steps 5 and 6

def _item_filters() -> dict[str, Any]:
    args = tk.request.args
    filters: dict[str, Any] = {k: args.get(k) for k in ("owner_org", "year", "letter_id", "q", "sort") if args.get(k)}
    states = args.getlist("state")
    if states:
        filters["state"] = states
    for flag in ("overdue", "unclaimed"):
        if args.get(flag):
            filters[flag] = True
    if args.get("mine"):
        filters["claimed_by"] = tk.current_user.name
    return filters


@bp.route("/queue")
def queue() -> Any:
    """The verification queue: items of every OPD (statistics staff), or of the
    user's OPDs (operators: what is asked of them)."""
    if not tk.current_user.is_authenticated:
        return tk.redirect_to("user.login", came_from=tk.request.full_path)
    filters = _item_filters()
    officer = workflow.is_officer(workflow.current_user(_context())) or tk.current_user.sysadmin
    if not officer and "state" not in filters:
        filters["state"] = ["requested", "returned", "submitted"]
    elif officer and "state" not in filters and not tk.request.args.get("all"):
        filters["state"] = ["submitted"]
    page = int(tk.request.args.get("page", "1")) if tk.request.args.get("page", "1").isdigit() else 1
    limit = 50
    try:
        result = _action("item_list", {**filters, "limit": limit, "offset": (max(page, 1) - 1) * limit})
        errors: dict[str, Any] = {}
    except tk.ValidationError as err:
        result, errors = {"count": 0, "results": []}, err.error_dict
    query = {k: v for k, v in tk.request.args.to_dict(flat=False).items() if k != "page"}
    pages = {
        "previous": tk.url_for("sopsektoral.queue", page=page - 1, **query) if page > 1 else None,
        "next": tk.url_for("sopsektoral.queue", page=page + 1, **query) if page * limit < result["count"] else None,
    }
    # Bulk actions (and the selection) only for who may do them to items on this page.
    bulk = [
        action for action in BULK_ACTIONS
        if tk.h.check_access(f"sopsektoral_item_{action}")
        and any(action in item["available_actions"] for item in result["results"])
    ]
    return tk.render("sopsektoral/queue.html", {
        "result": result, "filters": filters, "errors": errors, "pages": pages,
        "officer": officer, "organizations": _organizations(), "bulk": bulk,
        "states": [(s, collection.item_state_label(s)) for s in collection.ITEM_STATES],
    })


BULK_ACTIONS = ("claim", "verify", "publish")


@bp.route("/queue/bulk", methods=["POST"])
def queue_bulk() -> Any:
    ids = tk.request.form.getlist("ids")
    action = tk.request.form.get("action")
    if action not in BULK_ACTIONS or not ids:
        tk.h.flash_error(tk._("Choose items and an action"))
        return tk.redirect_to("sopsektoral.queue")
    try:
        if action == "claim":
            for item_id in ids:
                _action("item_claim", {"id": item_id})
        else:
            _action(f"item_{action}", {"ids": ids})
    except tk.ValidationError as err:
        for message in _form_errors(err)[1]:
            tk.h.flash_error(message)
    else:
        tk.h.flash_success(tk.ungettext("{n} item done", "{n} items done", len(ids)).format(n=len(ids)))
    return tk.redirect_to(tk.request.form.get("came_from") or tk.url_for("sopsektoral.queue"))


@bp.route("/item/<id>")
def item_read(id: str) -> str:
    """The workbench for one item: metadata, resources, automatic checks, decision."""
    item = _action("item_show", {"id": id})
    dataset = tk.get_action("package_show")(_context(), {"id": item["dataset_id"]})
    try:  # the item's own history (officers only: the log carries internal notes)
        history = _action("event_list", {"item_id": item["id"], "limit": 1000})
    except tk.NotAuthorized:
        history = []
    # The Kepala Seksi (or a sysadmin) assigns items to any statistics officer;
    # statistics staff claim for themselves (sopsektoral_item_claim).
    may_assign = "claim" in item["available_actions"] and (
        tk.current_user.sysadmin or any(
            o["position"] == sop.KEPALA_SEKSI
            for o in _action("officer_list", {"user": tk.current_user.name})))
    assignees: list[dict[str, Any]] = []
    if may_assign:
        seen: set[str] = set()
        for officer in _action("officer_list", {}):
            if officer["position"] in (sop.STAF_STATISTIK, sop.KEPALA_SEKSI) and officer["user_name"] not in seen:
                seen.add(officer["user_name"])
                assignees.append(officer)
        assignees.sort(key=lambda o: (o["user_fullname"] or "").lower())
    return tk.render("sopsektoral/item_read.html", {
        "item": item, "dataset": dataset, "history": history,
        "completeness": collection.metadata_completeness(dataset),
        "checklist": [(k, collection.checklist_label(k)) for k in collection.CHECKLIST],
        "may_assign": may_assign, "assignees": assignees,
        "number": localised_number,  # counts in the checks' preview and comparison
    })


@bp.route("/item/<id>/<transition>", methods=["POST"])
def item_transition(id: str, transition: str) -> Any:
    if transition not in ITEM_ACTIONS:
        raise tk.ObjectNotFound(tk._("Not found"))
    form = tk.request.form
    data: dict[str, Any] = {"id": id}
    if form.get("note", "").strip() or transition == "return":
        data["note"] = form.get("note", "").strip()
    if transition in ("verify", "return"):
        data["checklist"] = {k: bool(form.get(f"check_{k}")) for k in collection.CHECKLIST}
    if transition == "claim" and "user" in form:
        data["user"] = form.get("user", "").strip()
    try:
        item = _action(f"item_{transition}", data)
    except tk.ValidationError as err:
        for message in _form_errors(err)[1]:
            tk.h.flash_error(message)
    else:
        tk.h.flash_success(tk._("Done. The data item is now: {state}.").format(state=item["state_label"]))
    return tk.redirect_to(form.get("came_from") or tk.url_for("sopsektoral.item_read", id=id))
