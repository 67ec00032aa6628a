"""Typed access to the extension's config options (declared in config_declaration.yaml)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk

LETTER_NUMBER_PATTERN = "ckanext.sopsektoral.letter_number_pattern"
AUTO_PUBLISH = "ckanext.sopsektoral.auto_publish"
WALIDATA_ORG = "ckanext.sopsektoral.walidata_org"
JOBS_QUEUE = "ckanext.sopsektoral.jobs_queue"
SEND_STALLED_MINUTES = "ckanext.sopsektoral.send_stalled_minutes"
PLAUSIBILITY_THRESHOLD_PERCENT = "ckanext.sopsektoral.plausibility_threshold_percent"


def step_minutes(step_key: str, default: int) -> int:
    """The configured standard time of an SOP step, in minutes."""
    value = tk.config.get(f"ckanext.sopsektoral.step.{step_key}.minutes")
    return default if value is None else int(value)


def letter_number_pattern() -> str:
    return tk.config[LETTER_NUMBER_PATTERN]


def auto_publish() -> bool:
    return tk.config[AUTO_PUBLISH]


def walidata_org() -> str:
    return tk.config[WALIDATA_ORG]


def jobs_queue() -> str:
    return tk.config[JOBS_QUEUE]


def send_stalled_minutes() -> int:
    return tk.config[SEND_STALLED_MINUTES]


def plausibility_threshold_percent() -> int:
    """A change since the previous period beyond this many percent is flagged (in either direction)."""
    return tk.config[PLAUSIBILITY_THRESHOLD_PERCENT]
