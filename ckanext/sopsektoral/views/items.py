"""The data items' pages (SOP steps 5 and 6): the verification queue, bulk
actions, the workbench of one item, and its transitions."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.lib.formatters import localised_number

from ckanext.sopsektoral.datasets.metadata import metadata_completeness
from ckanext.sopsektoral.items.states import CHECKLIST, ITEM_STATES, checklist_label, item_state_label
from ckanext.sopsektoral.views.common import (
    action,
    context,
    flash_errors,
    login_first,
    organizations,
)

ITEM_ACTIONS = ("submit", "claim", "verify", "return", "publish")
BULK_ACTIONS = ("claim", "verify", "publish")


def _item_filters() -> dict[str, Any]:
    args = tk.request.args
    filters: dict[str, Any] = {
        k: args.get(k) for k in ("owner_org", "year", "letter_id", "q", "sort") if args.get(k)}
    states = args.getlist("state")
    if states:
        filters["state"] = states
    for flag in ("overdue", "unclaimed"):
        if args.get(flag):
            filters[flag] = True
    if args.get("mine"):
        filters["claimed_by"] = tk.current_user.name
    return filters


def queue() -> Any:
    """The verification queue: items of every OPD (statistics staff), or of the
    user's OPDs (operators: what is asked of them)."""
    login = login_first()
    if login is not None:
        return login
    filters = _item_filters()
    officer = tk.h.sopsektoral_is_officer() or tk.current_user.sysadmin
    if not officer and "state" not in filters:
        filters["state"] = ["requested", "returned", "submitted"]
    elif officer and "state" not in filters and not tk.request.args.get("all"):
        filters["state"] = ["submitted"]
    page = int(tk.request.args.get("page", "1")) if tk.request.args.get("page", "1").isdigit() else 1
    limit = 50
    try:
        result = action("item_list", {**filters, "limit": limit, "offset": (max(page, 1) - 1) * limit})
        errors: dict[str, Any] = {}
    except tk.ValidationError as err:
        result, errors = {"count": 0, "results": []}, err.error_dict
    query = {k: v for k, v in tk.request.args.to_dict(flat=False).items() if k != "page"}
    pages = {
        "previous": tk.url_for("sopsektoral.queue", page=page - 1, **query) if page > 1 else None,
        "next": tk.url_for("sopsektoral.queue", page=page + 1, **query)
        if page * limit < result["count"] else None,
    }
    # Bulk actions (and the selection) only for who may do them to items on this page.
    bulk = [
        name for name in BULK_ACTIONS
        if tk.h.check_access(f"sopsektoral_item_{name}")
        and any(name in item["available_actions"] for item in result["results"])
    ]
    return tk.render("sopsektoral/queue.html", {
        "result": result, "filters": filters, "errors": errors, "pages": pages,
        "officer": officer, "organizations": organizations(), "bulk": bulk,
        "states": [(s, item_state_label(s)) for s in ITEM_STATES],
    })


def queue_bulk() -> Any:
    if tk.request.method != "POST":  # the queue is where the bulk actions are chosen
        return tk.redirect_to("sopsektoral.queue")
    ids = tk.request.form.getlist("ids")
    name = tk.request.form.get("action")
    if name not in BULK_ACTIONS or not ids:
        tk.h.flash_error(tk._("Choose items and an action"))
        return tk.redirect_to("sopsektoral.queue")
    try:
        if name == "claim":
            for item_id in ids:
                action("item_claim", {"id": item_id})
        else:
            action(f"item_{name}", {"ids": ids})
    except tk.ValidationError as err:
        flash_errors(err)
    else:
        n = len(ids)
        tk.h.flash_success({
            "claim": tk.ungettext("You took {n} data item to verify.", "You took {n} data items to verify.", n),
            "verify": tk.ungettext("{n} data item was verified.", "{n} data items were verified.", n),
            "publish": tk.ungettext("{n} dataset was published.", "{n} datasets were published.", n),
        }[name].format(n=n))
    return tk.redirect_to(tk.request.form.get("came_from") or tk.url_for("sopsektoral.queue"))


def item_read(id: str) -> str:
    """The workbench for one item: metadata, resources, automatic checks, decision."""
    item = action("item_show", {"id": id})
    dataset = tk.get_action("package_show")(context(), {"id": item["dataset_id"]})
    try:  # the item's own history (officers and the members of the item's OPD)
        history = action("event_list", {"item_id": item["id"], "limit": 1000})
    except tk.NotAuthorized:
        history = []
    # Holders of the SOP's ``assign`` right (and sysadmins) give items to anyone who may
    # claim; the others claim for themselves (sopsektoral_item_claim).
    may_assign = "claim" in item["available_actions"] and tk.h.sopsektoral_may("assign")
    assignees: list[dict[str, Any]] = []
    if may_assign:
        claimers = set(action("sop_show", {})["rights"]["claim"])
        seen: set[str] = set()
        for officer in action("officer_list", {}):
            if officer["position"] in claimers and officer["user_name"] not in seen:
                seen.add(officer["user_name"])
                assignees.append(officer)
        assignees.sort(key=lambda o: (o["user_fullname"] or "").lower())
    return tk.render("sopsektoral/item_read.html", {
        "item": item, "dataset": dataset, "history": history,
        "completeness": metadata_completeness(dataset),
        "checklist": [(k, checklist_label(k)) for k in CHECKLIST],
        "may_assign": may_assign, "assignees": assignees,
        "number": localised_number,  # counts in the checks' preview and comparison
    })


def item_transition(id: str, transition: str) -> Any:
    if transition not in ITEM_ACTIONS:
        raise tk.ObjectNotFound(tk._("Not found"))
    if tk.request.method != "POST":  # the item's page, whose buttons do it
        return tk.redirect_to("sopsektoral.item_read", id=id)
    form = tk.request.form
    data: dict[str, Any] = {"id": id}
    if form.get("note", "").strip() or transition == "return":
        data["note"] = form.get("note", "").strip()
    if transition in ("verify", "return"):
        data["checklist"] = {k: bool(form.get(f"check_{k}")) for k in CHECKLIST}
    if transition == "claim" and "user" in form:
        data["user"] = form.get("user", "").strip()
    try:
        item = action(f"item_{transition}", data)
    except tk.ValidationError as err:
        flash_errors(err)
    else:
        tk.h.flash_success(done_message(transition, item, data.get("user")))
    return tk.redirect_to(form.get("came_from") or tk.url_for("sopsektoral.item_read", id=id))


def done_message(transition: str, item: dict[str, Any], user: str | None = None) -> str:
    """What the transition did, in words ("You took X to verify"), then the item's state."""
    title = item["title"]
    if transition == "claim":
        holder = item.get("claimed_by")
        if not holder:
            done = tk._("The claim on {title} was released.").format(title=title)
        elif holder == tk.current_user.name:
            done = tk._("You took {title} to verify.").format(title=title)
        else:
            done = tk._("{title} was assigned to {user}.").format(
                title=title, user=tk.h.sopsektoral_user_name(holder))
    else:
        done = {
            "submit": tk._("{title} was submitted for verification."),
            "verify": tk._("{title} was verified."),
            "return": tk._("{title} was returned to the OPD for correction."),
            "publish": tk._("The dataset {title} was published."),
        }[transition].format(title=title)
    return f"{done} " + tk._("The data item is now: {state}.").format(state=item["state_label"])

