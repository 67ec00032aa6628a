"""Who finds which dataset in search (IPermissionLabels), and where a dataset
stands in the workflow, which the dataset auth functions ask.

Datasets a letter asks for carry one more label, ``sopsektoral-walidata``,
which Diskominfo officers hold: they find every OPD's datasets under
collection or verification, while OPD operators find only their own
organization's (CKAN's member labels) and the public nothing private.
While the plugin's database is not migrated, CKAN's labels alone apply.
"""
from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa

from ckan import model
from ckan.lib.plugins import DefaultPermissionLabels

from ckanext.sopsektoral import access, readiness
from ckanext.sopsektoral.datasets import status
from ckanext.sopsektoral.items.states import REQUESTED, RETURNED, SUBMITTED, VERIFIED
from ckanext.sopsektoral.model import LetterItem

WALIDATA_LABEL = "sopsektoral-walidata"


class PermissionLabels(DefaultPermissionLabels):
    def get_dataset_labels(self, dataset_obj: model.Package) -> list[str]:
        labels = super().get_dataset_labels(dataset_obj)
        if dataset_obj.private and readiness.ready() and in_workflow(dataset_obj.id):
            labels.append(WALIDATA_LABEL)
        return labels

    def get_user_dataset_labels(self, user_obj: Any) -> list[str]:
        labels = super().get_user_dataset_labels(user_obj)
        if user_obj is not None and getattr(user_obj, "id", None) and access.Principal(user_obj).is_officer:
            labels.append(WALIDATA_LABEL)
        return labels


def current_state(package_id: str) -> tuple[str | None, bool]:
    """The state of the newest item asking for this dataset, and whether it was
    published; ``(None, False)`` when no letter asks for it."""
    row = model.Session.connection().execute(_current_state_query(), {"package_id": package_id}).first()
    return (row[0], row[1] is not None) if row else (None, False)


@functools.cache
def _current_state_query() -> Any:
    # Built once: it runs on every package_update and on the dataset auth checks.
    return status.newest_item_query(LetterItem.state, LetterItem.published_at,
                                    package_id=sa.bindparam("package_id"))


def under_collection(package_id: str) -> bool:
    """Whether the dataset is being collected or verified (not verified yet)."""
    return current_state(package_id)[0] in (REQUESTED, SUBMITTED, RETURNED)


def awaiting_publication(package_id: str) -> bool:
    """Whether the dataset may only become public through the SOP's publish step:
    it is being collected or verified, or verified and not published yet."""
    state, published = current_state(package_id)
    return state in (REQUESTED, SUBMITTED, RETURNED) or (state == VERIFIED and not published)


def in_workflow(package_id: str) -> bool:
    """Whether any letter item asks (or asked) for the dataset."""
    return model.Session.connection().execute(
        _in_workflow_query(), {"package_id": package_id}).first() is not None


@functools.cache
def _in_workflow_query() -> Any:
    return sa.select(LetterItem.id).where(LetterItem.dataset_id == sa.bindparam("package_id")).limit(1)
