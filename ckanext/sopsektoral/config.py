"""Typed access to the extension's config options (declared in config_declaration.yaml)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk

AUTO_PUBLISH = "ckanext.sopsektoral.auto_publish"
WALIDATA_ORG = "ckanext.sopsektoral.walidata_org"
JOBS_QUEUE = "ckanext.sopsektoral.jobs_queue"
SEND_STALLED_MINUTES = "ckanext.sopsektoral.send_stalled_minutes"
PLAUSIBILITY_THRESHOLD_PERCENT = "ckanext.sopsektoral.plausibility_threshold_percent"


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
