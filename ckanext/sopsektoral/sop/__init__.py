"""The SOP this portal runs, read once from its YAML file.

The default file is Balikpapan's SOP Pengumpulan Data Statistik Sektoral (490/383/M/DISKOMINFO)
with the processing SOP's correction loop (``data/sop/balikpapan.yaml``); a deployment points
``ckanext.sopsektoral.sop_file`` at its own (docs/sop-config.md). The workflow, the auth
functions, the deadlines, the inbox, the e-mails, the pages and docs/sop.md all read ``current()``.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
from typing import Any

from flask import has_request_context

import ckan.plugins.toolkit as tk
from ckan.lib import i18n

from .loader import SopError, load, parse
from .model import (
    APPROVAL_TRANSITIONS,
    CANCELLED,
    DRAFT,
    FIXED_STATES,
    LETTER_TRANSITIONS,
    RIGHTS,
    SENT,
    SIGNED,
    Position,
    Sop,
    Step,
    Text,
)

__all__ = [
    "APPROVAL_TRANSITIONS", "CANCELLED", "DRAFT", "FIXED_STATES", "LETTER_TRANSITIONS", "RIGHTS",
    "SENT", "SIGNED", "Position", "Sop", "SopError", "Step", "Text", "current", "default_file",
    "load", "parse", "position_label", "step_label", "text", "configured_file",
]

log = logging.getLogger(__name__)

SOP_FILE = "ckanext.sopsektoral.sop_file"
# Options of versions before the SOP file; still applied on top of it, with a warning.
LEGACY_STEP_MINUTES = "ckanext.sopsektoral.step.{key}.minutes"
LEGACY_NUMBER_PATTERN = "ckanext.sopsektoral.letter_number_pattern"

_files: dict[str, Sop] = {}
_with_options: dict[tuple[str, tuple[tuple[str, str], ...]], Sop] = {}


def default_file() -> str:
    return os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "sop", "balikpapan.yaml")


def configured_file() -> str:
    return tk.config.get(SOP_FILE, "") or default_file()


def _legacy_options(base: Sop) -> tuple[tuple[str, str], ...]:
    """The options of earlier versions still set: per-step minutes, the number pattern."""
    keys = [LEGACY_STEP_MINUTES.format(key=step.key) for step in base.steps] + [LEGACY_NUMBER_PATTERN]
    return tuple((key, str(value)) for key in keys if (value := tk.config.get(key, None)) not in (None, ""))


def _with_legacy_options(base: Sop, options: tuple[tuple[str, str], ...]) -> Sop:
    """Apply the per-step minutes and the number pattern that earlier versions read from the
    CKAN config, so that an upgraded portal keeps its times; each one still set is logged."""
    values = dict(options)

    def timed(step: Step, where: str) -> Step:
        minutes = values.get(LEGACY_STEP_MINUTES.format(key=step.key))
        if minutes is None:
            return step
        log.warning("%s is deprecated: set %s.time in the SOP file %s",
                    LEGACY_STEP_MINUTES.format(key=step.key), where, base.path)
        return dataclasses.replace(step, time=dt.timedelta(minutes=int(minutes)))

    changes: dict[str, Any] = {field: timed(getattr(base, field), field)
                               for field in ("drafting", "collection", "verification", "correction")}
    changes["approvals"] = tuple(timed(step, f"letter.approvals[{i}]") for i, step in enumerate(base.approvals))
    if LEGACY_NUMBER_PATTERN in values:
        log.warning("%s is deprecated: set letter.number_pattern in the SOP file %s",
                    LEGACY_NUMBER_PATTERN, base.path)
        changes["number_pattern"] = values[LEGACY_NUMBER_PATTERN]
    return dataclasses.replace(base, **changes)


def current() -> Sop:
    """The SOP of this portal: the configured file, read and checked once (and again when the
    config names another file or changes a legacy option)."""
    path = configured_file()
    base = _files.get(path)
    if base is None:
        base = _files[path] = load(path)
    options = _legacy_options(base)
    if not options:
        return base
    found = _with_options.get((path, options))
    if found is None:
        found = _with_options[(path, options)] = _with_legacy_options(base, options)
    return found


def reload() -> Sop:
    """Read the configured file again (plugin load, `ckan sopsektoral sop`)."""
    _files.clear()
    _with_options.clear()
    return current()


def lang() -> str:
    """The language of the page being served, or the site's default outside a request."""
    if has_request_context():
        return i18n.get_lang() or "id"
    return tk.config.get("ckan.locale_default") or "id"


def text(value: Text | None, language: str | None = None) -> str:
    return value.get(language or lang()) if value is not None else ""


def position_label(key: str, language: str | None = None) -> str:
    """The position's name in the user's language (the key itself if the SOP does not know it,
    e.g. for an event logged under an earlier SOP)."""
    position = current().position(key)
    return text(position.name, language) if position else key


def step_label(key: str, language: str | None = None) -> str:
    step = current().step(key)
    return text(step.label, language) if step else key

