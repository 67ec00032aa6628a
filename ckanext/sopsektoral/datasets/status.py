"""SOP status of a dataset, computed from the workflow's tables.

package_show (after_dataset_show), the search index (before_dataset_index) and
the SOP actions all read these functions, so they always agree.
"""
from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa

from ckan import model

from ckanext.sopsektoral import readiness, series
from ckanext.sopsektoral.items.deadlines import opened_at, step_deadline
from ckanext.sopsektoral.items.states import SUBMITTED
from ckanext.sopsektoral.model import Letter, LetterItem
from ckanext.sopsektoral.model.base import iso, utcnow

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


def newest_item_query(*columns: Any, package_id: Any) -> Any:
    """SELECT ``columns`` of the newest letter item that asks for the dataset
    ``package_id`` (a value or a bind parameter), joined with its letter: the
    item whose state is the dataset's SOP status."""
    return (
        sa.select(*columns).select_from(LetterItem).join(Letter, Letter.id == LetterItem.letter_id)
        .where(LetterItem.dataset_id == package_id, LetterItem.state.isnot(None))
        .order_by(*series.newest_first()).limit(1)
    )


def current_item(package_id: str) -> Any:
    """The newest letter item that asks for this dataset, with its letter, or None."""
    return model.Session.execute(newest_item_query(LetterItem, Letter, package_id=package_id)).first()


def dataset_status_fields(package_id: str) -> dict[str, Any]:
    """The SOP fields of one dataset; all None while no letter asks for it
    (and while the plugin's database is not migrated: readiness.py).

    This runs on every package_show and indexing of every dataset, so it reads
    everything in one query, compiled once."""
    if not readiness.ready():
        return dict.fromkeys(FIELDS)
    row = model.Session.connection().execute(_status_query(), {"package_id": package_id}).first()
    if row is None:
        return dict.fromkeys(FIELDS)
    now = utcnow()
    opened = opened_at(row.all_submitted_at, row.closes, now)
    deadline = step_deadline(row.state, row.deadline, row.correction_deadline, opened)
    return _fields(row.state, row.number, deadline, now, row.submitted_at, row.submitter,
                   row.verified_at, row.verifier)


@functools.cache
def _status_query() -> Any:
    """The newest item asking for a dataset, with what its SOP fields need.
    Built once, so SQLAlchemy compiles it once (this is on package_show's path)."""
    def user_name(column: Any) -> Any:
        return sa.select(model.User.name).where(model.User.id == column).scalar_subquery()

    closes = (
        sa.select(sa.func.max(LetterItem.deadline)).where(LetterItem.letter_id == Letter.id)
        .correlate(Letter).scalar_subquery()
    )
    return newest_item_query(
        LetterItem.state, LetterItem.deadline, LetterItem.correction_deadline,
        LetterItem.submitted_at, LetterItem.verified_at, Letter.number, Letter.all_submitted_at,
        sa.case((sa.and_(LetterItem.state == SUBMITTED, Letter.all_submitted_at.is_(None)),
                 closes)).label("closes"),
        user_name(LetterItem.submitted_by).label("submitter"),
        user_name(LetterItem.verified_by).label("verifier"),
        package_id=sa.bindparam("package_id"),
    )


def _fields(state: str, number: str | None, deadline: Any, now: Any, submitted_at: Any,
            submitter: str | None, verified_at: Any, verifier: str | None) -> dict[str, Any]:
    return {
        "sop_status": state,
        "sop_letter_number": number,
        "sop_deadline": iso(deadline),
        "sop_overdue": bool(deadline and now > deadline),
        "sop_submitted_at": iso(submitted_at),
        "sop_submitted_by": submitter,
        "sop_verified_at": iso(verified_at),
        "sop_verified_by": verifier,
    }


def update_index_dict(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    """Put the SOP fields into a dataset's search document, as strings.

    Empty fields are left out of the document, so that a filter such as
    ``-sop_status:*`` finds the datasets no letter asks for.
    """
    for key, value in dataset_status_fields(pkg_dict["id"]).items():
        text = index_value(value)
        if text is None:
            pkg_dict.pop(key, None)
        else:
            pkg_dict[key] = text
    return pkg_dict


def index_value(value: Any) -> str | None:
    """An SOP field as the search index holds it: text, booleans as
    ``true``/``false``; None (or empty) is left out of the document."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
