"""The permission matrix: every action × every kind of user, allowed and refused."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests.helpers import call_auth

from ckanext.sopsektoral.tests.conftest import advance

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

EVERYONE = (
    "anonymous", "user", "operator", "other_operator", "kepala_seksi", "kepala_bidang", "sekretaris",
    "kepala_dinas", "staf_statistik", "plt_kepala_dinas", "former_kepala_bidang", "sysadmin",
)
OFFICERS = ("kepala_seksi", "kepala_bidang", "sekretaris", "kepala_dinas", "staf_statistik", "plt_kepala_dinas")
APPROVERS = ("kepala_bidang", "sekretaris", "kepala_dinas", "plt_kepala_dinas")
LOGGED_IN = tuple(w for w in EVERYONE if w != "anonymous")


def _check(cast, action: str, allowed: tuple[str, ...], **data):
    for who in EVERYONE:
        context = {"user": cast.name(who)}
        if who in allowed or who == "sysadmin":
            assert call_auth(action, context, **data), f"{who} should be allowed {action}"
        else:
            with pytest.raises(tk.NotAuthorized):
                call_auth(action, context, **data)
                pytest.fail(f"{who} should be refused {action}")


# (action, state the letter is in, who may) for every letter transition and read
LETTER_MATRIX = [
    ("sopsektoral_letter_update", "draft", ("kepala_seksi",)),
    ("sopsektoral_letter_submit", "draft", ("kepala_seksi",)),
    ("sopsektoral_letter_cancel", "draft", ("kepala_seksi",)),
    # Auth answers "does this person hold a position the SOP names for this
    # transition"; whose turn it is (the state) the action checks under lock
    # (TestTurns in test_action.py).
    ("sopsektoral_letter_initial", "awaiting_initial_kabid", ("kepala_bidang", "sekretaris")),
    ("sopsektoral_letter_initial", "awaiting_initial_sekretaris", ("kepala_bidang", "sekretaris")),
    ("sopsektoral_letter_sign", "awaiting_signature", ("kepala_dinas", "plt_kepala_dinas")),
    ("sopsektoral_letter_return", "awaiting_initial_kabid", APPROVERS),
    ("sopsektoral_letter_return", "awaiting_signature", APPROVERS),
    ("sopsektoral_letter_show", "draft", OFFICERS),
    ("sopsektoral_letter_show", "awaiting_signature", OFFICERS),
    # The draft asks something of both OPDs, so both operators read it once signed.
    ("sopsektoral_letter_show", "signed", (*OFFICERS, "operator", "other_operator")),
    ("sopsektoral_event_list", "signed", OFFICERS),
]


@pytest.mark.parametrize(("action", "state", "allowed"), LETTER_MATRIX)
def test_letter_matrix(cast, draft, action, state, allowed):
    advance(cast, draft["id"], state)
    key = "letter_id" if action == "sopsektoral_event_list" else "id"
    _check(cast, action, allowed, **{key: draft["id"]})


@pytest.mark.parametrize(("action", "allowed"), [
    ("sopsektoral_sop_show", EVERYONE),
    ("sopsektoral_reindex", ()),
    ("sopsektoral_officer_assign", ()),
    ("sopsektoral_officer_revoke", ()),
    ("sopsektoral_officer_list", LOGGED_IN),
    ("sopsektoral_daftar_data_import", ("kepala_seksi", "staf_statistik")),
    ("sopsektoral_daftar_data_list", LOGGED_IN),
    ("sopsektoral_letter_create", ("kepala_seksi",)),
    ("sopsektoral_letter_list", LOGGED_IN),
    ("sopsektoral_event_list", ()),  # the whole log
])
def test_matrix_without_a_letter(cast, action, allowed):
    _check(cast, action, allowed)


def test_expired_assignment_gives_no_rights(cast, draft):
    advance(cast, draft["id"], "awaiting_initial_kabid")
    with pytest.raises(tk.NotAuthorized):
        call_auth("sopsektoral_letter_initial", {"user": cast.former_kepala_bidang["name"]}, id=draft["id"])


def test_the_drafter_is_refused_approvals(cast, draft):
    draft_by_kabid = dict(draft)
    from ckanext.sopsektoral.tests.conftest import assign

    assign(cast.kepala_seksi, "kepala_bidang", acting="plh")
    with pytest.raises(tk.NotAuthorized):
        call_auth("sopsektoral_letter_initial", {"user": cast.kepala_seksi["name"]}, id=draft_by_kabid["id"])
