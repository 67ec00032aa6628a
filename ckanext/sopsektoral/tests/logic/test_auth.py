from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import factories
from ckan.tests.helpers import call_auth

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


class TestSopShow:
    def test_anonymous_may_read_the_sop(self):
        assert call_auth("sopsektoral_sop_show", {"user": None})


class TestReindex:
    def test_sysadmin_allowed(self):
        assert call_auth("sopsektoral_reindex", {"user": factories.Sysadmin()["name"]})

    @pytest.mark.parametrize("who", ["anonymous", "user", "org_admin"])
    def test_others_refused(self, who):
        if who == "anonymous":
            user = None
        elif who == "user":
            user = factories.User()["name"]
        else:
            admin = factories.User()
            factories.Organization(users=[{"name": admin["name"], "capacity": "admin"}])
            user = admin["name"]
        with pytest.raises(tk.NotAuthorized):
            call_auth("sopsektoral_reindex", {"user": user})
