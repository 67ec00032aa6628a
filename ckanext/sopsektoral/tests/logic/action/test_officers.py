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
        assert by_user[cast.signer["name"]]["position"] == cast.sop.signature.executor
        assert by_user[cast.plt_signer["name"]]["acting"] == "plt"
        assert cast.former_first_approver["name"] not in by_user  # ended yesterday
        everything = call_action("sopsektoral_officer_list", include_past=True)
        assert cast.former_first_approver["name"] in {o["user_name"] for o in everything}

    def test_one_definitive_holder_per_position(self, cast):
        with pytest.raises(tk.ValidationError) as err:
            assign(factories.User(), cast.sop.signature.executor)
        assert cast.signer["name"] in err.value.error_dict["position"][0]

    def test_several_holders_of_a_many_position(self, cast):
        position = next(p.key for p in cast.sop.positions if p.several)
        assign(factories.User(), position)
        assert len(call_action("sopsektoral_officer_list", position=position)) == 2

    def test_revoke_ends_the_rights(self, cast, draft):
        officer = call_action("sopsektoral_officer_list", user=cast.drafter["name"])[0]
        call_action("sopsektoral_officer_revoke", id=officer["id"])
        assert call_action("sopsektoral_officer_list", user=cast.drafter["name"]) == []
        with pytest.raises(tk.NotAuthorized):
            call_action("sopsektoral_letter_submit", as_user(cast.drafter), id=draft["id"])

    @pytest.mark.parametrize("data, field", [
        ({"position": "walikota"}, "position"),
        ({"acting": "pj"}, "acting"),
        ({"valid_from": "2026-02-01", "valid_until": "2026-01-01"}, "valid_until"),
        ({"valid_from": "kemarin"}, "valid_from"),
        ({"user": "nobody-here"}, "user"),
    ])
    def test_bad_input(self, cast, data, field):
        several = next(p.key for p in cast.sop.positions if p.several)
        data = {"user": factories.User()["name"], "position": several, **data}
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_officer_assign", **data)
        assert field in err.value.error_dict


@pytest.mark.parametrize("on_date", ["99999-12-31", "0001-01-01", "2026-02-30", 10**30, ["2026-01-01"]])
def test_a_day_that_cannot_be_is_a_field_error(cast, on_date):
    with pytest.raises(tk.ValidationError) as err:
        call_action("sopsektoral_officer_list", as_user(cast.drafter), on_date=on_date)
    assert list(err.value.error_dict) == ["on_date"]
