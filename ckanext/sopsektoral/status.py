"""SOP status of a dataset, computed from the workflow's tables.

package_show (after_dataset_show), the search index (before_dataset_index) and
the SOP actions all read these functions, so they always agree.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ckan import model

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


def current_item(package_id: str) -> Any:
    """The newest letter item that asks for this dataset, with its letter, or None."""
    from ckanext.sopsektoral.model import Letter, LetterItem

    return model.Session.execute(
        sa.select(LetterItem, Letter).join(Letter, Letter.id == LetterItem.letter_id)
        .where(LetterItem.dataset_id == package_id, LetterItem.state.isnot(None))
        .order_by(Letter.sent_at.desc().nulls_last(), Letter.created.desc()).limit(1)
    ).first()


def dataset_status_fields(package_id: str) -> dict[str, Any]:
    """The SOP fields of one dataset; all None while no letter asks for it."""
    row = current_item(package_id)
    if row is None:
        return dict.fromkeys(FIELDS)
    return fields_of(*row)


def fields_of(item: Any, letter: Any) -> dict[str, Any]:
    """The SOP fields of an item, in as few queries as its state needs (this runs
    on every package_show of a dataset in the workflow)."""
    from ckanext.sopsektoral import collection

    deadline = collection.item_deadline(item)
    user_ids = {u for u in (item.submitted_by, item.verified_by) if u}
    names = dict(model.Session.execute(
        sa.select(model.User.id, model.User.name).where(model.User.id.in_(user_ids))
    ).all()) if user_ids else {}
    return {
        "sop_status": item.state,
        "sop_letter_number": letter.number,
        "sop_deadline": deadline.isoformat() if deadline else None,
        "sop_overdue": bool(deadline and collection.utcnow() > deadline),
        "sop_submitted_at": item.submitted_at.isoformat() if item.submitted_at else None,
        "sop_submitted_by": names.get(item.submitted_by),
        "sop_verified_at": item.verified_at.isoformat() if item.verified_at else None,
        "sop_verified_by": names.get(item.verified_by),
    }


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
