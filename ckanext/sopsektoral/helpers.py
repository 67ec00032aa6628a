"""Template helpers of ckanext-sopsektoral."""
from __future__ import annotations

import datetime as dt
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.sopsektoral import sop

__all__ = [
    "sopsektoral_sop_steps",
    "sopsektoral_position_label",
    "sopsektoral_step_label",
    "sopsektoral_step_time",
    "sopsektoral_sifat_label",
    "sopsektoral_letter_state_label",
    "sopsektoral_status_label",
    "sopsektoral_format_minutes",
    "sopsektoral_format_datetime",
]


def sopsektoral_sop_steps() -> list[sop.Step]:
    return list(sop.STEPS)


def sopsektoral_position_label(position: str) -> str:
    return sop.position_label(position)


def sopsektoral_step_label(key: str) -> str:
    return sop.step_label(key)


def sopsektoral_step_time(key: str) -> str:
    """The step's configured standard time, in words."""
    return sopsektoral_format_minutes(int(sop.step(key).standard_time.total_seconds() // 60))


def sopsektoral_sifat_label(sifat: str) -> str:
    labels = {
        "biasa": tk._("Ordinary (Biasa)"),
        "penting": tk._("Important (Penting)"),
        "segera": tk._("Urgent (Segera)"),
        "sangat_segera": tk._("Very urgent (Sangat Segera)"),
    }
    return labels.get(sifat, sifat)


def sopsektoral_letter_state_label(state: str) -> str:
    from ckanext.sopsektoral import workflow

    return workflow.state_label(state)


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
    return tk.h.render_datetime(value, with_hours=True)
