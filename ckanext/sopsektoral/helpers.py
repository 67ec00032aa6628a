"""Template helpers of ckanext-sopsektoral."""
from __future__ import annotations

import datetime as dt
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.sopsektoral import access, readiness, sop
from ckanext.sopsektoral.datasets import status
from ckanext.sopsektoral.letters.labels import state_label, transition_label

__all__ = [
    "sopsektoral_sop_steps",
    "sopsektoral_position_label",
    "sopsektoral_step_label",
    "sopsektoral_step_time",
    "sopsektoral_sifat_label",
    "sopsektoral_letter_state_label",
    "sopsektoral_awaiting_label",
    "sopsektoral_check_label",
    "sopsektoral_field_label",
    "sopsektoral_is_officer",
    "sopsektoral_may",
    "sopsektoral_sop_office",
    "sopsektoral_text",
    "sopsektoral_event_label",
    "sopsektoral_event_note",
    "sopsektoral_status_label",
    "sopsektoral_format_minutes",
    "sopsektoral_format_datetime",
    "sopsektoral_periods",
    "sopsektoral_pending_migration",
    "sopsektoral_user_name",
    "sopsektoral_open_item",
]


def sopsektoral_sop_steps() -> list[sop.Step]:
    """The SOP table's rows: drafting, the approval chain, collection, verification, correction."""
    return list(sop.current().table)


def sopsektoral_sop_office() -> str:
    """The office that runs the SOP (its SOP file's ``office``), in the user's language."""
    return sop.text(sop.current().office)


def sopsektoral_text(value: sop.Text | None) -> str:
    """A text of the SOP file in the user's language."""
    return sop.text(value)


def sopsektoral_position_label(position: str) -> str:
    return sop.position_label(position)


def sopsektoral_step_label(key: str) -> str:
    return sop.step_label(key)


def sopsektoral_step_time(key: str) -> str:
    """The step's configured standard time, in words."""
    step = sop.current().step(key)
    return sopsektoral_format_minutes(step.minutes) if step else ""


def sopsektoral_sifat_label(sifat: str) -> str:
    labels = {
        "biasa": tk._("Ordinary (Biasa)"),
        "penting": tk._("Important (Penting)"),
        "segera": tk._("Urgent (Segera)"),
        "sangat_segera": tk._("Very urgent (Sangat Segera)"),
    }
    return labels.get(sifat, sifat)


def sopsektoral_letter_state_label(state: str) -> str:
    return state_label(state)


def sopsektoral_awaiting_label(letter: dict[str, Any]) -> str | None:
    """Whom a letter waits on: the approval chain's next position, or for a
    signed letter not being sent yet, the positions that send it."""
    if letter.get("awaiting_position_label"):
        return letter["awaiting_position_label"]
    if letter.get("state") == sop.SIGNED and letter.get("send_state") not in ("queued", "running"):
        return " / ".join(sop.position_label(p) for p in sop.current().sending.executors)
    return None


def sopsektoral_check_label(key: str) -> str:
    labels = {
        "structure": tk._("Table structure (Frictionless)"),
        "region_codes": tk._("Region codes (kode wilayah)"),
        "data_year": tk._("Data year"),
        "previous_year": tk._("Copy of the previous period"),
        "plausibility": tk._("Plausibility"),
        "checks": tk._("Automatic checks"),
    }
    return labels.get(key, key)


def sopsektoral_field_label(field_name: str) -> str:
    """The dataset schema's label of a field, in the user's language."""
    schema = tk.h.scheming_get_dataset_schema("dataset") or {}
    for field in schema.get("dataset_fields", []):
        if field["field_name"] == field_name:
            return tk.h.scheming_language_text(field.get("label")) or field_name
    return field_name


def sopsektoral_is_officer() -> bool:
    """Whether the logged-in user holds a Diskominfo position now."""
    return access.for_request().is_officer


def sopsektoral_may(right: str) -> bool:
    """Whether the logged-in user may do ``right`` now: one of the SOP file's rights (claim,
    assign, publish, import_daftar_data) or the executors of a part of it (drafting, sending,
    verification...)."""
    return access.for_request().may(right)


def sopsektoral_event_label(action: str, event: dict[str, Any] | None = None) -> str:
    """What an event-log entry did, in the user's language.

    With the entry itself, a claim says whom it went to: the claimer
    ("Claimed"), someone else ("Assigned to ...") or nobody ("Claim released")
    (``sopsektoral_item_claim`` logs the new holder's name as the note).
    """
    if action == "item_claim" and event is not None:
        holder = event.get("note")
        if not holder:
            return tk._("Claim released")
        if holder != event.get("actor_name"):
            return tk._("Assigned to {user}").format(user=sopsektoral_user_name(holder))
    return transition_label(action)


def sopsektoral_event_note(event: dict[str, Any]) -> str | None:
    """The note of an event-log entry worth showing (a claim's note is its
    holder's name, already in its label)."""
    if event.get("action") == "item_claim":
        return None
    return event.get("note")


def sopsektoral_status_label(status: str | None) -> str:
    labels = {
        "requested": tk._("Requested"),
        "submitted": tk._("Submitted"),
        "returned": tk._("Returned for correction"),
        "verified": tk._("Verified"),
    }
    return labels.get(status or "", status or tk._("Not requested"))


def sopsektoral_format_minutes(minutes: int) -> str:
    """A standard time in the largest whole unit (minutes, hours, days, weeks)."""
    if minutes and minutes % (7 * 24 * 60) == 0:
        n = minutes // (7 * 24 * 60)
        return tk.ungettext("{n} week", "{n} weeks", n).format(n=n)
    if minutes and minutes % (24 * 60) == 0:
        n = minutes // (24 * 60)
        return tk.ungettext("{n} day", "{n} days", n).format(n=n)
    if minutes and minutes % 60 == 0:
        n = minutes // 60
        return tk.ungettext("{n} hour", "{n} hours", n).format(n=n)
    return tk.ungettext("{n} minute", "{n} minutes", minutes).format(n=minutes)


def sopsektoral_format_datetime(value: Any) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        # The API's timestamps carry their UTC offset; render_datetime turns naive
        # UTC (and only that) into ckan.display_timezone.
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    # The date in the user's language ("25 November 2026"), then the time.
    return f"{tk.h.render_datetime(value)} {tk.h.render_datetime(value, date_format='%H:%M')}"


def sopsektoral_periods(package_id: str) -> list[dict[str, Any]]:
    """The periods of a dataset's indicator that the current user may see
    (for the dataset page); empty where there are no others."""
    if not readiness.ready():
        return []
    context = {"user": tk.current_user.name if tk.current_user.is_authenticated else None}
    try:
        periods = tk.get_action("sopsektoral_period_list")(context, {"id": package_id})["results"]
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return []
    return periods if len(periods) > 1 else []


def sopsektoral_pending_migration() -> str | None:
    """For a sysadmin, while the plugin's database is not at the head of its
    migrations: the command that brings it there (the banner on every page)."""
    if not (tk.current_user.is_authenticated and tk.current_user.sysadmin) or readiness.ready():
        return None
    return readiness.command()


def sopsektoral_user_name(name: str | None) -> str:
    """A user's display name (their full name, else their login) for a login
    name, as the pages show people ("Diajukan oleh Budi Santoso", not "op-dinkes");
    a name no user has any more is shown as it is."""
    if not name:
        return ""
    user = model.User.get(name)
    return user.display_name if user else name


def sopsektoral_open_item(pkg: dict[str, Any]) -> dict[str, Any] | None:
    """For the dataset page: the request of this dataset that waits on its OPD
    (requested or returned) and that the logged-in user may submit, so that the
    dataset and resource pages lead back to "Submit for verification"."""
    if not tk.current_user.is_authenticated or not pkg.get("sop_status") or not readiness.ready():
        return None
    if pkg.get("sop_status") not in ("requested", "returned"):
        return None
    row = status.current_item(pkg["id"])
    if row is None:
        return None
    try:
        item = tk.get_action("sopsektoral_item_show")({"user": tk.current_user.name}, {"id": row[0].id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return None
    return item if "submit" in item["available_actions"] else None
