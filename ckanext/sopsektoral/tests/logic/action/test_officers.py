"""The actions of logic/action/officers.py: assigning, listing and revoking positions."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.sopsektoral.tests.helpers import as_user, assign

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


class TestOfficers:
    def test_assign_and_list(self, cast):
        current = call_action("sopsektoral_officer_list")
        by_user = {o["user_name"]: o for o in current}
        assert by_user[cast.signer["name"]]["position"] == "kepala_dinas"
        assert by_user[cast.plt_signer["name"]]["acting"] == "plt"
        assert cast.former_first_approver["name"] not in by_user  # ended yesterday
        everything = call_action("sopsektoral_officer_list", include_past=True)
        assert cast.former_first_approver["name"] in {o["user_name"] for o in everything}

    def test_one_definitive_holder_per_position(self, cast):
        with pytest.raises(tk.ValidationError) as err:
            assign(factories.User(), "kepala_dinas")
        assert cast.signer["name"] in err.value.error_dict["position"][0]

    def test_many_statistics_staff(self, cast):
        assign(factories.User(), "staf_statistik")
        assert len(call_action("sopsektoral_officer_list", position="staf_statistik")) == 2

    def test_revoke_ends_the_rights(self, cast, draft):
        officer = call_action("sopsektoral_officer_list", user=cast.drafter["name"])[0]
        call_action("sopsektoral_officer_revoke", id=officer["id"])
        assert call_action("sopsektoral_officer_list", user=cast.drafter["name"]) == []
        with pytest.raises(tk.NotAuthorized):
            call_action("sopsektoral_letter_submit", as_user(cast.drafter), id=draft["id"])

    @pytest.mark.parametrize("data, field", [
        ({"position": "walikota"}, "position"),
        ({"position": "sekretaris", "acting": "pj"}, "acting"),
        ({"position": "staf_statistik", "valid_from": "2026-02-01", "valid_until": "2026-01-01"}, "valid_until"),
        ({"position": "staf_statistik", "valid_from": "kemarin"}, "valid_from"),
        ({"position": "staf_statistik", "user": "nobody-here"}, "user"),
    ])
    def test_bad_input(self, cast, data, field):
        data = {"user": factories.User()["name"], **data}
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_officer_assign", **data)
        assert field in err.value.error_dict
