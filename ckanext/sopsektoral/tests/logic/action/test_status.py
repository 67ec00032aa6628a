"""The actions of logic/action/status.py: a dataset's SOP status and its periods."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests.helpers import call_action

from ckanext.sopsektoral.tests.helpers import as_user

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


@pytest.mark.parametrize("action", ["sopsektoral_status_show", "sopsektoral_period_list"])
@pytest.mark.parametrize("dataset_id", [{"id": "x"}, ["x", "y"], 5, True, "x" * 101, "a\x00b", ""])
def test_an_id_that_is_not_a_name_is_a_field_error_for_anyone(cast, action, dataset_id):
    for context in ({"user": None, "ignore_auth": False}, as_user(cast.user), as_user(cast.sysadmin)):
        with pytest.raises(tk.ValidationError) as err:
            call_action(action, context, id=dataset_id)
        assert list(err.value.error_dict) == ["id"]


@pytest.mark.parametrize("action", ["sopsektoral_status_show", "sopsektoral_period_list"])
def test_an_unknown_dataset_is_not_found(cast, action):
    with pytest.raises(tk.ObjectNotFound):
        call_action(action, {"user": None, "ignore_auth": False}, id="no-such-dataset")
