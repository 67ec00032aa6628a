"""What every action of the package does alike: validate, commit, roll back."""
from __future__ import annotations

import functools
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import Context, DataDict

from ckanext.sopsektoral.datasets import index
from ckanext.sopsektoral.logic import schema


def validate(data_dict: DataDict, action_name: str, context: Context) -> dict[str, Any]:
    """``data_dict`` checked and converted by the parameters logic/schema.py
    declares for ``action_name``; ValidationError with a message per field."""
    return schema.check(action_name, data_dict, context)


def commit(context: Context) -> None:
    """Commit, unless the caller defers the commit (it commits, or rolls back, itself)."""
    if not context.get("defer_commit"):
        model.Session.commit()


def atomic(action: Any) -> Any:
    """Roll back whatever a failing write action flushed, so that bad input
    leaves nothing half-written (unless the caller defers the commit), and
    reindex the datasets it had reindexed from the tables as they are again."""

    @functools.wraps(action)
    def wrapper(context: Context, data_dict: DataDict, *args: Any) -> Any:
        try:
            return action(context, data_dict, *args)
        except Exception:
            if not context.get("defer_commit"):
                model.Session.rollback()
                index.restore_after_rollback()
            raise

    return wrapper


def org_id(name_or_id: str) -> str:
    """The id of the organization (OPD) named; ValidationError on ``owner_org`` when there is none."""
    group = model.Group.get(name_or_id)
    if group is None or not group.is_organization:
        raise tk.ValidationError({"owner_org": [tk._("Organization not found")]})
    return group.id


def user_or_error(field: str, name_or_id: str) -> model.User:
    """The user named; ValidationError on ``field`` when there is none."""
    user = model.User.get(name_or_id)
    if user is None:
        raise tk.ValidationError({field: [tk._("Not found: {ids}").format(ids=name_or_id)]})
    return user
