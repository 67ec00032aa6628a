"""The states of a data item and the transitions between them.

An item is one data item asked of one OPD (LetterItem). Its states:
``requested`` → ``submitted`` → ``verified``, or ``submitted`` → ``returned``
→ ``submitted`` again.
"""
from __future__ import annotations

import ckan.plugins.toolkit as tk

from ckanext.sopsektoral.model.letter import (  # noqa: F401  (the states are the model's)
    ITEM_STATES,
    OPEN_ITEM_STATES,
    REQUESTED,
    RETURNED,
    SUBMITTED,
    VERIFIED,
)

ITEM_TRANSITIONS: dict[str, dict[str, str]] = {
    "submit": {REQUESTED: SUBMITTED, RETURNED: SUBMITTED},
    "verify": {SUBMITTED: VERIFIED},
    "return": {SUBMITTED: RETURNED},
}

# The verifier's checklist, in order: the Satu Data principles (data standard,
# metadata, interoperability, reference codes), then correctness and plausibility.
CHECKLIST = (
    "standar_data", "metadata", "interoperabilitas", "kode_referensi", "kebenaran", "kewajaran",
)


def checklist_label(key: str) -> str:
    labels = {
        "standar_data": tk._(
            "Data standard: concept, definition, classification, measure and unit are filled in"),
        "metadata": tk._("Metadata is complete (MS-Ind)"),
        "interoperabilitas": tk._("Interoperable: an open, machine-readable format (CSV/XLSX)"),
        "kode_referensi": tk._("Reference codes: Kemendagri region codes are used"),
        "kebenaran": tk._("Correct: figures match the source"),
        "kewajaran": tk._("Plausible: no implausible jumps from earlier years"),
    }
    return labels[key]


def item_state_label(state: str | None) -> str:
    labels = {
        REQUESTED: tk._("Requested"),
        SUBMITTED: tk._("Submitted"),
        RETURNED: tk._("Returned for correction"),
        VERIFIED: tk._("Verified"),
    }
    return labels.get(state or "", state or tk._("Not requested"))
