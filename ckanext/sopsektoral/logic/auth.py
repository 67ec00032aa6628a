"""Auth functions of ckanext-sopsektoral, named after their actions.

Every SOP rule is asked of the request's principal (access.py), which reads the SOP file;
sysadmins pass every check before these functions are called.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import AuthResult, Context, DataDict

from ckanext.sopsektoral import access, sop
from ckanext.sopsektoral.logic import schema
from ckanext.sopsektoral.model import Letter, LetterItem

__all__ = [
    "sopsektoral_sop_show",
    "sopsektoral_reindex",
    "sopsektoral_officer_assign",
    "sopsektoral_officer_list",
    "sopsektoral_officer_revoke",
    "sopsektoral_daftar_data_import",
    "sopsektoral_daftar_data_list",
    "sopsektoral_daftar_data_update",
    "sopsektoral_daftar_data_delete",
    "sopsektoral_letter_create",
    "sopsektoral_letter_update",
    "sopsektoral_letter_show",
    "sopsektoral_letter_pdf",
    "sopsektoral_letter_pdf_upload",
    "sopsektoral_letter_verify",
    "sopsektoral_letter_list",
    "sopsektoral_letter_submit",
    "sopsektoral_letter_initial",
    "sopsektoral_letter_sign",
    "sopsektoral_letter_return",
    "sopsektoral_letter_withdraw",
    "sopsektoral_letter_cancel",
    "sopsektoral_event_list",
    "sopsektoral_letter_send",
    "sopsektoral_item_list",
    "sopsektoral_item_show",
    "sopsektoral_item_submit",
    "sopsektoral_item_claim",
    "sopsektoral_item_verify",
    "sopsektoral_item_return",
    "sopsektoral_item_publish",
    "sopsektoral_status_show",
    "sopsektoral_period_list",
    "package_show",
    "package_update",
    "package_delete",
    "bulk_update_public",
    "bulk_update_delete",
]


def _result(allowed: bool, message: str = "") -> AuthResult:
    return {"success": True} if allowed else {"success": False, "msg": message}


def _principal(context: Context) -> access.Principal:
    return access.principal(context)


def _user(context: Context) -> model.User | None:
    return _principal(context).user


def _key(value: Any) -> str | None:
    """``value`` if a row can be looked up by it: an id as the actions accept one (a string
    without NUL or other control characters, valid Unicode, within its length). Anything else
    is None: the auth function decides without the row, and the action refuses the input."""
    try:
        return schema.ID.check(value) or None
    except tk.Invalid:
        return None


def _right(context: Context, right: str, message: str) -> AuthResult:
    """Allowed to holders of the positions the SOP file gives ``right`` (a right or a step key)."""
    principal = _principal(context)
    if principal.holds(sop.current().holders_of(right)):
        return {"success": True}
    positions = ", ".join(sorted(sop.position_label(p) for p in sop.current().holders_of(right)))
    return _result(False, message.format(positions=positions))


@tk.auth_allow_anonymous_access
def sopsektoral_sop_show(context: Context, data_dict: DataDict) -> AuthResult:
    # The SOP is a public document (it is on the PPID site).
    return {"success": True}


def sopsektoral_reindex(context: Context, data_dict: DataDict) -> AuthResult:
    return _result(False, tk._("Only a sysadmin can rebuild the search index"))


def sopsektoral_officer_assign(context: Context, data_dict: DataDict) -> AuthResult:
    return _result(False, tk._("Only a sysadmin can assign positions"))


def sopsektoral_officer_revoke(context: Context, data_dict: DataDict) -> AuthResult:
    return _result(False, tk._("Only a sysadmin can revoke positions"))


def sopsektoral_officer_list(context: Context, data_dict: DataDict) -> AuthResult:
    # Who holds which position is shown on every letter; any logged-in user may see it.
    return _result(_user(context) is not None, tk._("Log in to see the officers"))


def sopsektoral_daftar_data_import(context: Context, data_dict: DataDict) -> AuthResult:
    return _right(context, "import_daftar_data", tk._("Only the {positions} may import the Daftar Data"))


def sopsektoral_daftar_data_list(context: Context, data_dict: DataDict) -> AuthResult:
    # Officers see every entry; OPD members see their own OPD's (the action filters).
    return _result(_user(context) is not None, tk._("Log in to see the Daftar Data"))


def sopsektoral_daftar_data_update(context: Context, data_dict: DataDict) -> AuthResult:
    # Who may import the Daftar Data may correct one entry of it.
    return _right(context, "import_daftar_data", tk._("Only the {positions} may change the Daftar Data"))


def sopsektoral_daftar_data_delete(context: Context, data_dict: DataDict) -> AuthResult:
    # The same rule as correcting an entry.
    return sopsektoral_daftar_data_update(context, data_dict)


def sopsektoral_letter_create(context: Context, data_dict: DataDict) -> AuthResult:
    return _result(*_principal(context).may_letter("update", None))


def _letter(data_dict: DataDict) -> Letter | None:
    letter_id = _key((data_dict or {}).get("id"))
    return model.Session.get(Letter, letter_id) if letter_id else None


def _may(transition: str, context: Context, data_dict: DataDict) -> AuthResult:
    return _result(*_principal(context).may_letter(transition, _letter(data_dict)))


def sopsektoral_letter_update(context: Context, data_dict: DataDict) -> AuthResult:
    return _may("update", context, data_dict)


def sopsektoral_letter_submit(context: Context, data_dict: DataDict) -> AuthResult:
    return _may("submit", context, data_dict)


def sopsektoral_letter_initial(context: Context, data_dict: DataDict) -> AuthResult:
    return _may("initial", context, data_dict)


def sopsektoral_letter_sign(context: Context, data_dict: DataDict) -> AuthResult:
    return _may("sign", context, data_dict)


def sopsektoral_letter_return(context: Context, data_dict: DataDict) -> AuthResult:
    return _may("return", context, data_dict)


def sopsektoral_letter_withdraw(context: Context, data_dict: DataDict) -> AuthResult:
    return _may("withdraw", context, data_dict)


def sopsektoral_letter_cancel(context: Context, data_dict: DataDict) -> AuthResult:
    return _may("cancel", context, data_dict)


def sopsektoral_letter_show(context: Context, data_dict: DataDict) -> AuthResult:
    principal = _principal(context)
    if principal.is_officer:
        return {"success": True}
    letter = _letter(data_dict)
    if principal.user is not None and letter is not None and letter.state in (sop.SIGNED, sop.SENT):
        orgs = set(principal.organizations())
        addressed = model.Session.query(LetterItem.id).filter(
            LetterItem.letter_id == letter.id, LetterItem.owner_org.in_(orgs or {""})
        ).first()
        if addressed:
            return {"success": True}
    return _result(False, tk._("Only Diskominfo officers and the OPDs it was sent to may read this letter"))


def sopsektoral_letter_pdf(context: Context, data_dict: DataDict) -> AuthResult:
    # The letter's PDF is the letter: who reads one reads the other.
    return sopsektoral_letter_show(context, data_dict)


def sopsektoral_letter_pdf_upload(context: Context, data_dict: DataDict) -> AuthResult:
    # Who signs the letter and who sends it handle the signed document.
    the_sop = sop.current()
    positions = {*the_sop.signature.executors, *the_sop.sending.executors}
    if _principal(context).holds(positions):
        return {"success": True}
    return _result(False, tk._("Only the {positions} may upload the signed letter").format(
        positions=", ".join(sorted(sop.position_label(p) for p in positions))))


@tk.auth_allow_anonymous_access
def sopsektoral_letter_verify(context: Context, data_dict: DataDict) -> AuthResult:
    # Public: anyone holding the letter checks it (its QR code leads here).
    return {"success": True}


def sopsektoral_letter_list(context: Context, data_dict: DataDict) -> AuthResult:
    # OPD members get the letters sent to their OPD (the action filters).
    return _result(_user(context) is not None, tk._("Log in to see request letters"))


def sopsektoral_event_list(context: Context, data_dict: DataDict) -> AuthResult:
    # A letter's log carries Diskominfo's internal notes (initials, returns): officers only;
    # the whole log, sysadmins only. One data item's history (item_id) is also its OPD's: the
    # members of the OPD asked read what happened to their item (it holds nothing the item
    # itself does not show them: submissions, the return reasons, verification, claims).
    data_dict = data_dict or {}
    if not data_dict.get("letter_id") and not data_dict.get("item_id"):
        return _result(False, tk._("Only a sysadmin can read the whole event log"))
    principal = _principal(context)
    if principal.is_officer:
        return {"success": True}
    item_id = _key(data_dict.get("item_id"))
    item = model.Session.get(LetterItem, item_id) if item_id else None
    if item is not None and item.state is not None and principal.in_opd(item.owner_org):
        return {"success": True}
    return _result(False, tk._(
        "Only Diskominfo officers, and for a data item the members of the OPD asked, may read this history"))


def sopsektoral_letter_send(context: Context, data_dict: DataDict) -> AuthResult:
    return _may("send", context, data_dict)


def _item(data_dict: DataDict) -> LetterItem | None:
    item_id = _key((data_dict or {}).get("id"))
    return model.Session.get(LetterItem, item_id) if item_id else None


def sopsektoral_item_list(context: Context, data_dict: DataDict) -> AuthResult:
    # Officers see every OPD's items; OPD members their own (the action filters).
    return _result(_user(context) is not None, tk._("Log in to see the requested data"))


def sopsektoral_item_show(context: Context, data_dict: DataDict) -> AuthResult:
    principal = _principal(context)
    if principal.is_officer:
        return {"success": True}
    item = _item(data_dict)
    if item is not None and principal.in_opd(item.owner_org):
        return {"success": True}
    return _result(False, tk._("Only Diskominfo officers and the OPD asked may see this data item"))


def sopsektoral_item_submit(context: Context, data_dict: DataDict) -> AuthResult:
    item = _item(data_dict)
    principal = _principal(context)
    message = tk._("Only an editor of the OPD asked may submit its data")
    if item is None:
        # Any OPD editor may try; the action answers for the item itself.
        return _result("editor" in principal.organizations().values()
                       or "admin" in principal.organizations().values(), message)
    return _result(principal.in_opd(item.owner_org, ("editor", "admin")), message)


def sopsektoral_item_claim(context: Context, data_dict: DataDict) -> AuthResult:
    return _right(context, "claim", tk._("Only the {positions} may claim data items"))


def sopsektoral_item_verify(context: Context, data_dict: DataDict) -> AuthResult:
    return _right(context, "verification", tk._("Only the {positions} may verify data"))


def sopsektoral_item_return(context: Context, data_dict: DataDict) -> AuthResult:
    return _right(context, "verification", tk._("Only the {positions} may return data for correction"))


def sopsektoral_item_publish(context: Context, data_dict: DataDict) -> AuthResult:
    return _right(context, "publish", tk._("Only the {positions} may publish verified data"))


@tk.auth_allow_anonymous_access
def sopsektoral_status_show(context: Context, data_dict: DataDict) -> AuthResult:
    # Whoever may see the dataset may see its SOP status.
    dataset_id = _key((data_dict or {}).get("id"))
    if dataset_id is None:
        return {"success": True}  # no dataset named: the action refuses the input
    try:
        tk.check_access("package_show", dict(context), {"id": dataset_id})
    except tk.NotAuthorized:
        return _result(False, tk._("Not authorized to see this dataset"))
    except tk.ObjectNotFound:
        pass  # the action answers NotFound
    return {"success": True}


@tk.auth_allow_anonymous_access
def sopsektoral_period_list(context: Context, data_dict: DataDict) -> AuthResult:
    # The periods of a dataset's indicator: whoever may see the dataset; the
    # action lists only the periods the caller may see.
    return sopsektoral_status_show(context, data_dict)


@tk.chained_auth_function
@tk.auth_allow_anonymous_access
def package_show(next_auth: Any, context: Context, data_dict: DataDict) -> AuthResult:
    """Diskominfo officers read every OPD's datasets that a letter asks for (the
    search index agrees through the ``sopsektoral-walidata`` label)."""
    from ckanext.sopsektoral.datasets import permissions as collection  # datasets/permissions.py

    package = context.get("package") or model.Package.get((data_dict or {}).get("id") or "")
    if package is not None and package.private and _principal(context).is_officer \
            and collection.in_workflow(package.id):
        return {"success": True}
    return next_auth(context, data_dict)


def _package(context: Context, data_dict: DataDict) -> model.Package | None:
    id_ = (data_dict or {}).get("id") or (data_dict or {}).get("name")
    if isinstance(id_, str) and id_:
        return model.Package.get(id_)
    return context.get("package")


@tk.chained_auth_function
def package_update(next_auth: Any, context: Context, data_dict: DataDict) -> AuthResult:
    """While the statistics staff verify a dataset, its OPD cannot change it
    (nor its resources, whose auth defers to this): what is verified is what
    was submitted. Returning the item opens it for corrections again."""
    from ckanext.sopsektoral.datasets import permissions as collection  # datasets/permissions.py

    package = _package(context, data_dict)
    if package is not None and collection.current_state(package.id)[0] == collection.SUBMITTED:
        return _result(False, tk._(
            "This dataset has been submitted for verification (SOP): it cannot be changed "
            "unless the statistics staff return it for correction"))
    return next_auth(context, data_dict)


@tk.chained_auth_function
def package_delete(next_auth: Any, context: Context, data_dict: DataDict) -> AuthResult:
    """A dataset that a sent letter asks for cannot be deleted while it is collected or verified."""
    from ckanext.sopsektoral.datasets import permissions as collection  # datasets/permissions.py

    package = _package(context, data_dict)
    if package is not None and collection.under_collection(package.id):
        return _result(False, tk._(
            "This dataset is requested by a letter (SOP) and is being collected or verified: "
            "it cannot be deleted"))
    return next_auth(context, data_dict)


def _bulk_refusal(data_dict: DataDict, blocked: Any, message: str) -> AuthResult | None:
    datasets = (data_dict or {}).get("datasets") or []
    if isinstance(datasets, str):
        datasets = [datasets]
    for id_ in datasets:
        package = model.Package.get(id_) if isinstance(id_, str) else None
        if package is not None and blocked(package.id):
            return _result(False, message.format(dataset=package.name))
    return None


@tk.chained_auth_function
def bulk_update_public(next_auth: Any, context: Context, data_dict: DataDict) -> AuthResult:
    """The organization's bulk "make public" cannot bypass the SOP's publish step."""
    from ckanext.sopsektoral.datasets import permissions as collection  # datasets/permissions.py

    return _bulk_refusal(data_dict, collection.awaiting_publication, tk._(
        "{dataset} is in the SOP's collection and verification: only the statistics staff "
        "publish it")) or next_auth(context, data_dict)


@tk.chained_auth_function
def bulk_update_delete(next_auth: Any, context: Context, data_dict: DataDict) -> AuthResult:
    """Nor can the bulk delete remove a dataset being collected or verified."""
    from ckanext.sopsektoral.datasets import permissions as collection  # datasets/permissions.py

    return _bulk_refusal(data_dict, collection.under_collection, tk._(
        "{dataset} is requested by a letter (SOP) and is being collected or verified: "
        "it cannot be deleted")) or next_auth(context, data_dict)
