"""SOP status of a dataset, computed from the workflow's tables.

package_show (after_dataset_show), the search index (before_dataset_index) and
the SOP actions all read these functions, so they always agree.
"""
from __future__ import annotations

from typing import Any

# The read-only fields the dataset schema declares (schemas/dataset.yaml).
FIELDS = (
    "sop_status",
    "sop_letter_number",
    "sop_deadline",
    "sop_overdue",
    "sop_submitted_at",
    "sop_submitted_by",
    "sop_verified_at",
    "sop_verified_by",
)


def dataset_status_fields(package_id: str) -> dict[str, Any]:
    """The SOP fields of one dataset; all None while no letter asks for it."""
    return dict.fromkeys(FIELDS)


def update_index_dict(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    """Put the SOP fields into a dataset's search document, as strings.

    Empty fields are left out of the document, so that a filter such as
    ``-sop_status:*`` finds the datasets no letter asks for.
    """
    for key, value in dataset_status_fields(pkg_dict["id"]).items():
        if value is None:
            pkg_dict.pop(key, None)
        elif isinstance(value, bool):
            pkg_dict[key] = "true" if value else "false"
        else:
            pkg_dict[key] = str(value)
    return pkg_dict
