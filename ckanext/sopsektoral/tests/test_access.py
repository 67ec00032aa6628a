"""access.Principal: one place decides what a user may do; it reads the SOP file. These tests
derive who should be allowed from the SOP file the suite runs on, so they check the same rules
on Balikpapan's chain and on another region's."""
from __future__ import annotations

import datetime as dt

import pytest

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.tests import factories
from ckan.tests.helpers import call_action, call_auth

from ckanext.sopsektoral import access, sop
from ckanext.sopsektoral.model import Letter, Officer
from ckanext.sopsektoral.tests.helpers import advance, as_user, assign

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


def _holders(cast, positions) -> list[dict]:
    return [cast.holders[p] for p in sorted(positions)]


def _outsiders(cast, positions) -> list[dict]:
    return [user for key, user in cast.holders.items() if key not in positions] + [cast.operator, cast.user]


def test_every_transition_from_every_state_is_its_executors(cast, draft):
    """For each state of the chain: its executors hold the turn, everyone else is refused."""
    current = cast.sop
    for state in (sop.DRAFT, *current.approval_states):
        advance(cast, draft["id"], state)
        letter = model.Session.get(Letter, draft["id"])
        model.Session.refresh(letter)
        for name, moves in current.transitions().items():
            if state not in moves:
                continue
            executors = current.transition_executors(name, state)
            for user in _holders(cast, executors):
                principal = access.Principal(model.User.get(user["name"]))
                assert state in principal.letter_turns(name), (name, state, user["fullname"])
            for user in _outsiders(cast, executors):
                principal = access.Principal(model.User.get(user["name"]))
                assert state not in principal.letter_turns(name), (name, state, user["fullname"])


def test_the_inbox_shows_each_letter_to_the_executors_of_its_step(cast, draft):
    for state in cast.sop.approval_states:
        advance(cast, draft["id"], state)
        executors = cast.sop.waiting_on(state).executors
        for user in _holders(cast, executors):
            mine = call_action("sopsektoral_letter_list", as_user(user), awaiting_me=True)
            assert draft["id"] in [r["id"] for r in mine["results"]], (state, user["fullname"])
        for user in _outsiders(cast, set(executors) | set(cast.sop.drafting.executors)):
            mine = call_action("sopsektoral_letter_list", as_user(user), awaiting_me=True)
            assert draft["id"] not in [r["id"] for r in mine["results"]], (state, user["fullname"])


@pytest.mark.parametrize("right, auth", [
    ("import_daftar_data", "sopsektoral_daftar_data_import"),
    ("claim", "sopsektoral_item_claim"),
    ("publish", "sopsektoral_item_publish"),
    ("verification", "sopsektoral_item_verify"),
    ("verification", "sopsektoral_item_return"),
])
def test_rights_are_the_sop_files(cast, right, auth):
    allowed = cast.sop.holders_of(right)
    for key, user in cast.holders.items():
        if key in allowed:
            assert call_auth(auth, {"user": user["name"]})
        else:
            with pytest.raises(tk.NotAuthorized):
                call_auth(auth, {"user": user["name"]})
    with pytest.raises(tk.NotAuthorized):
        call_auth(auth, {"user": cast.operator["name"]})


def test_a_position_held_by_several_has_each_holder_act(cast, draft):
    """A position with ``holders: many``: a second holder has the same turn as the first."""
    several = [p for p in cast.sop.positions if p.several]
    assert several, "both SOP files of the suite have a position held by several"
    position = several[0].key
    second = factories.User()
    assign(second, position)
    assert access.Principal(model.User.get(second["name"])).positions == {position}
    first = access.Principal(model.User.get(cast.holders[position]["name"]))
    assert first.positions >= {position}


def test_a_position_held_by_one_refuses_a_second_definitive_holder(cast):
    single = next(p for p in cast.sop.positions if not p.several)
    with pytest.raises(tk.ValidationError):
        assign(factories.User(), single.key)
    assign(factories.User(), single.key, acting="plt")  # an acting holder may overlap


def test_the_principal_is_built_once_per_context(cast):
    context = as_user(cast.drafter)
    first = access.principal(context)
    assert access.principal(context) is first
    assert access.principal(as_user(cast.verifier)) is not first


def test_a_position_of_another_sop_gives_no_rights(cast, draft):
    """An assignment to a position the SOP file does not know (from an earlier SOP) is history:
    it gives no turn."""
    stranger = factories.User()
    model.Session.add(Officer(user_id=stranger["id"], position="kepala_bagian_lama",
                              valid_from=dt.date.today()))
    model.Session.commit()
    principal = access.Principal(model.User.get(stranger["name"]))
    assert principal.is_officer  # still listed as an officer (their history shows)
    assert not any(principal.letter_turns(name) for name in cast.sop.transitions())
    assert not principal.may("claim") and not principal.may("verification")
