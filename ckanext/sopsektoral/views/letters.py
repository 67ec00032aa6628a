"""The request letters' pages (SOP steps 1 to 5): list, form, letter, transitions, the letter's
PDF and its public verification page."""
from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from flask import make_response

import ckan.plugins.toolkit as tk

from ckanext.sopsektoral import config, sop
from ckanext.sopsektoral.items.states import ITEM_STATES
from ckanext.sopsektoral.views.common import action, context, flash_errors, form_errors, organizations

TRANSITION_ACTIONS = ("submit", "initial", "sign", "return", "withdraw", "cancel", "send")

# How many of a letter's item events its page shows before "show all".
ITEM_EVENTS_SHOWN = 10


def letter_list() -> str:
    args = tk.request.args
    filters = {k: args.get(k) for k in ("state", "year", "owner_org", "q") if args.get(k)}
    for flag in ("overdue", "awaiting_me", "cancelled"):
        if args.get(flag):
            filters[flag] = True
    page = max(int(args.get("page", 1) or 1), 1) if str(args.get("page", "1")).isdigit() else 1
    limit = 25
    states = [(s["state"], s["label"]) for s in action("sop_show", {})["letter_states"]]
    query = {k: v for k, v in filters.items() if k != "cancelled"}
    if "state" not in query and not filters.get("cancelled"):
        # Cancelled letters are hidden unless asked for ("Show cancelled letters", or their state).
        query["state"] = [state for state, _label in states if state != sop.CANCELLED]
    try:
        result = action("letter_list", {**query, "limit": limit, "offset": (page - 1) * limit})
        errors: dict[str, Any] = {}
    except tk.ValidationError as err:
        result, errors = {"count": 0, "results": []}, err.error_dict
    return tk.render("sopsektoral/letter_list.html", {
        "result": result, "filters": filters, "errors": errors, "page": page, "limit": limit,
        "states": states, "organizations": organizations(),
    })


def _letter_form_data() -> dict[str, Any]:
    form = tk.request.form
    return {
        "subject": form.get("subject", ""),
        "body": form.get("body", ""),
        "data_year": form.get("data_year", ""),
        "sifat": form.get("sifat", "biasa"),
        "lampiran": form.get("lampiran", ""),
        # One addressee per line of the text area.
        "tembusan": [line.strip() for line in form.get("tembusan", "").splitlines() if line.strip()],
        "items": form.getlist("items"),
    }


def _reloaded(data: dict[str, Any]) -> dict[str, Any]:
    """The form again for the data year typed (the "Show the Daftar Data of this
    year" button, pressed by the page's script when the year changes): nothing
    saved; the subject and the text follow the new year where they named the old one."""
    old, new = tk.request.form.get("text_year", "").strip(), str(data.get("data_year", "")).strip()
    if old.isdigit() and new.isdigit() and len(old) == len(new) == 4 and old != new:
        data = dict(data, subject=data["subject"].replace(old, new), body=data["body"].replace(old, new))
    return data


def _render_letter_form(data: dict[str, Any], errors: dict[str, Any], summary: list[str],
                        letter: dict[str, Any] | None = None) -> str:
    year = data.get("data_year") or (letter or {}).get("data_year")
    entries: list[dict[str, Any]] = []
    try:  # the entries of the year typed, if it is one (the form says what is wrong with it)
        entries = action("daftar_data_list", {"year": str(year), "limit": 1000})["results"] if year else []
    except tk.ValidationError:
        pass
    by_org: dict[str, dict[str, Any]] = {}
    for entry in entries:
        by_org.setdefault(entry["owner_org"], {
            "title": entry["organization_title"], "entries": []})["entries"].append(entry)
    tembusan = data.get("tembusan")
    if isinstance(tembusan, list):
        data = dict(data, tembusan="\n".join(tembusan))
    return tk.render("sopsektoral/letter_form.html", {
        "data": data, "errors": errors, "error_summary": summary, "letter": letter,
        "daftar_by_org": sorted(by_org.values(), key=lambda g: g["title"] or ""),
        "selected": set(data.get("items") or []),
        "letter_id": (letter or {}).get("id"),
    })


def letter_new() -> Any:
    tk.check_access("sopsektoral_letter_create", context(), {})
    if tk.request.method == "POST":
        data = _letter_form_data()
        if tk.request.form.get("reload_year"):
            return _render_letter_form(_reloaded(data), {}, [])
        try:
            letter = action("letter_create", data)
        except tk.ValidationError as err:
            return _render_letter_form(data, *form_errors(err))
        tk.h.flash_success(tk._("The draft letter was saved"))
        return tk.redirect_to("sopsektoral.letter_read", id=letter["id"])
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
        # The SOP file's usual carbon copies (letter.document.tembusan), one per line.
        "tembusan": "\n".join(sop.current().layout.tembusan),
        "items": [],
    }, {}, [])


def letter_edit(id: str) -> Any:
    letter = action("letter_show", {"id": id})
    tk.check_access("sopsektoral_letter_update", context(), {"id": id})
    if tk.request.method == "POST":
        data = _letter_form_data()
        if tk.request.form.get("reload_year"):
            return _render_letter_form(_reloaded(data), {}, [], letter=letter)
        try:
            action("letter_update", {"id": id, **data})
        except tk.ValidationError as err:
            return _render_letter_form(data, *form_errors(err), letter=letter)
        tk.h.flash_success(tk._("The draft letter was saved"))
        return tk.redirect_to("sopsektoral.letter_read", id=id)
    data = {k: letter[k] for k in ("subject", "body", "data_year", "sifat", "lampiran", "tembusan")}
    data["items"] = [i["daftar_data_id"] for g in letter["organizations"] for i in g["items"]]
    return _render_letter_form(data, {}, [], letter=letter)


def letter_read(id: str) -> str:
    letter = action("letter_show", {"id": id})
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
    if letter["state"] == sop.SENT:
        items = action("item_list", {"letter_id": id, "limit": 1000, "sort": "organization"})["results"]
        by_org: dict[str, dict[str, Any]] = {}
        for item in items:
            row = by_org.setdefault(item["owner_org"], {
                "title": item["organization_title"], "total": 0, "overdue": 0,
                **{s: 0 for s in ITEM_STATES}})
            row["total"] += 1
            row[item["state"]] += 1
            row["overdue"] += item["overdue"]
        progress = sorted(by_org.values(), key=lambda r: r["title"] or "")
    # A signed letter's PDF (stored by its job); a draft's is made on download.
    document = action("letter_pdf", {"id": id, "include_content": False}) \
        if letter["state"] in (sop.SIGNED, sop.SENT) else None
    return tk.render("sopsektoral/letter_read.html", {
        "letter": letter, "events": letter_events, "document": document,
        "upload_mode": config.signing_mode() == "upload", "item_events": item_events,
        "item_events_by_org": sorted(item_events_by_org.items()),
        "recent_item_events": ITEM_EVENTS_SHOWN,
        "sop": action("sop_show", {}), "items": items, "progress": progress,
    })


def _letter_events(letter_id: str) -> list[dict[str, Any]]:
    """The letter's whole event log, oldest first (the action pages it)."""
    events: list[dict[str, Any]] = []
    page = min(1000, tk.asint(tk.config.get("ckan.search.rows_max") or 1000))
    while True:
        chunk = action("event_list", {"letter_id": letter_id, "limit": page, "offset": len(events)})
        events.extend(chunk)
        if len(chunk) < page:
            return events


def letter_transition(id: str, transition: str) -> Any:
    if transition not in TRANSITION_ACTIONS:
        raise tk.ObjectNotFound(tk._("Not found"))
    if tk.request.method != "POST":  # the letter's page, whose buttons do it
        return tk.redirect_to("sopsektoral.letter_read", id=id)
    data = {"id": id}
    note = tk.request.form.get("note", "").strip()
    if note or transition == "return":
        data["note"] = note
    try:
        letter = action(f"letter_{transition}", data)
    except tk.ValidationError as err:
        flash_errors(err)
    else:
        tk.h.flash_success(tk._("Done: {action}. The letter is now: {state}.").format(
            action=tk.h.sopsektoral_event_label(transition), state=letter["state_label"]))
    return tk.redirect_to("sopsektoral.letter_read", id=id)


def letter_pdf(id: str) -> Any:
    """The letter as a PDF file: the signed PDF once there is one, else the approved one, else a draft."""
    document = action("letter_pdf", {"id": id})
    response = make_response(base64.b64decode(document["content_base64"]))
    response.headers["Content-Type"] = document["media_type"]
    response.headers["Content-Disposition"] = f'attachment; filename="{document["filename"]}"'
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def letter_pdf_upload(id: str) -> Any:
    """The form on the letter's page that stores the PDF signed outside the portal."""
    if tk.request.method != "POST":
        return tk.redirect_to("sopsektoral.letter_read", id=id)
    upload = tk.request.files.get("upload")
    try:
        if upload is None or not upload.filename:
            raise tk.ValidationError({"upload": [tk._("Choose the signed PDF file")]})
        action("letter_pdf_upload", {"id": id, "upload": upload})
    except tk.ValidationError as err:
        flash_errors(err)
    else:
        tk.h.flash_success(tk._("The signed letter is stored: its signature is valid and it is the approved letter."))
    return tk.redirect_to("sopsektoral.letter_read", id=id)


def letter_verify(id: str) -> Any:
    """The public page the letter's QR code leads to: the letter as signed, and a form that checks a copy."""
    data: dict[str, Any] = {"id": id}
    errors: dict[str, Any] = {}
    if tk.request.method == "POST":
        upload = tk.request.files.get("upload")
        if upload is None or not upload.filename:
            errors = {"upload": [tk._("Choose the PDF file to check")]}
        else:
            data["upload"] = upload
    try:
        result = action("letter_verify", data)
    except tk.ValidationError as err:
        errors = err.error_dict
        result = action("letter_verify", {"id": id})
    return tk.render("sopsektoral/letter_verify.html", {
        "result": result, "check": result.get("check"),
        "error_summary": form_errors(tk.ValidationError(errors))[1] if errors else [],
        "max_mb": config.letter_pdf_max_bytes() // (1024 * 1024),
    })
