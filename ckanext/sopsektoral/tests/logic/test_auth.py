"""The permission matrix: every action × every kind of user, allowed and refused."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import factories
from ckan.tests.helpers import call_action, call_auth

from ckanext.sopsektoral.tests.helpers import advance, as_user, assign, balikpapan_csv, by_title, submit_all, upload

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

EVERYONE = (
    "anonymous", "user", "operator", "other_operator", "drafter", "first_approver", "second_approver",
    "signer", "verifier", "plt_signer", "former_first_approver", "sysadmin",
)
OFFICERS = ("drafter", "first_approver", "second_approver", "signer", "verifier", "plt_signer")
APPROVERS = ("first_approver", "second_approver", "signer", "plt_signer")
LOGGED_IN = tuple(w for w in EVERYONE if w != "anonymous")


def _initiallers(cast) -> tuple[str, ...]:
    """The approvers of the chain's initial steps (not the signature), by role name."""
    roles = ("first_approver", "second_approver")
    return tuple(r for r, step in zip(roles, cast.sop.approvals, strict=False) if step.kind == "initial")


def _check(cast, action: str, allowed: tuple[str, ...], **data):
    # One user may have two parts (with one initial, the second approver is the signer):
    # who is allowed is decided by user, not by role name.
    allowed_users = {cast.name(who) for who in allowed} - {None}
    for who in EVERYONE:
        context = {"user": cast.name(who)}
        permitted = cast.name(who) in allowed_users if cast.name(who) else who in allowed
        if permitted or who == "sysadmin":
            assert call_auth(action, context, **data), f"{who} should be allowed {action}"
        else:
            with pytest.raises(tk.NotAuthorized):
                call_auth(action, context, **data)
                pytest.fail(f"{who} should be refused {action}")


# (action, state the letter is in, who may) for every letter transition and read. A state is
# draft, signed, or the index of the approval step the letter waits on (0 the first, -1 the
# signature); "initiallers" are the approvers of the chain's initial steps.
LETTER_MATRIX = [
    ("sopsektoral_letter_update", "draft", ("drafter",)),
    ("sopsektoral_letter_submit", "draft", ("drafter",)),
    ("sopsektoral_letter_cancel", "draft", ("drafter",)),
    # Auth answers "does this person hold a position the SOP names for this
    # transition"; whose turn it is (the state) the action checks under lock
    # (TestTurns in tests/logic/action/test_letters.py).
    ("sopsektoral_letter_initial", 0, "initiallers"),
    ("sopsektoral_letter_sign", -1, ("signer", "plt_signer")),
    ("sopsektoral_letter_return", 0, APPROVERS),
    ("sopsektoral_letter_return", -1, APPROVERS),
    # Withdrawing a letter that awaits approval: the drafting step's executors.
    ("sopsektoral_letter_withdraw", 0, ("drafter",)),
    ("sopsektoral_letter_withdraw", -1, ("drafter",)),
    ("sopsektoral_letter_show", "draft", OFFICERS),
    ("sopsektoral_letter_show", -1, OFFICERS),
    # The draft asks something of both OPDs, so both operators read it once signed.
    ("sopsektoral_letter_show", "signed", (*OFFICERS, "operator", "other_operator")),
    ("sopsektoral_event_list", "signed", OFFICERS),
    # The letter's PDF: who reads the letter.
    ("sopsektoral_letter_pdf", "draft", OFFICERS),
    ("sopsektoral_letter_pdf", -1, OFFICERS),
    ("sopsektoral_letter_pdf", "signed", (*OFFICERS, "operator", "other_operator")),
    # A PDF signed elsewhere: the signature step's and the sending step's executors.
    ("sopsektoral_letter_pdf_upload", "signed", ("signer", "plt_signer", "drafter", "verifier")),
    # The page of the letter's QR code: anyone.
    ("sopsektoral_letter_verify", "signed", EVERYONE),
]


@pytest.mark.parametrize(("action", "state", "allowed"), LETTER_MATRIX)
def test_letter_matrix(cast, draft, action, state, allowed):
    advance(cast, draft["id"], cast.state(state) if isinstance(state, int) else state)
    if allowed == "initiallers":
        allowed = _initiallers(cast)
    key = "letter_id" if action == "sopsektoral_event_list" else "id"
    _check(cast, action, allowed, **{key: draft["id"]})


@pytest.mark.parametrize(("action", "allowed"), [
    ("sopsektoral_sop_show", EVERYONE),
    ("sopsektoral_reindex", ()),
    ("sopsektoral_officer_assign", ()),
    ("sopsektoral_officer_revoke", ()),
    ("sopsektoral_officer_list", LOGGED_IN),
    ("sopsektoral_daftar_data_import", ("drafter", "verifier")),
    ("sopsektoral_daftar_data_list", LOGGED_IN),
    # Changing or deleting one entry: the holders of the import right (as importing).
    ("sopsektoral_daftar_data_update", ("drafter", "verifier")),
    ("sopsektoral_daftar_data_delete", ("drafter", "verifier")),
    ("sopsektoral_letter_create", ("drafter",)),
    ("sopsektoral_letter_list", LOGGED_IN),
    ("sopsektoral_event_list", ()),  # the whole log
])
def test_matrix_without_a_letter(cast, action, allowed):
    _check(cast, action, allowed)


def test_an_items_history_is_read_by_officers_and_its_opd(cast, sent):
    """sopsektoral_event_list with item_id: officers, and the members of the item's OPD."""
    items = call_action("sopsektoral_item_list", letter_id=sent["id"], limit=10)["results"]
    kesehatan = next(i for i in items if i["owner_org"] == cast.opd["id"])
    perhubungan = next(i for i in items if i["owner_org"] == cast.other_opd["id"])
    _check(cast, "sopsektoral_event_list", (*OFFICERS, "operator"), item_id=kesehatan["id"])
    _check(cast, "sopsektoral_event_list", (*OFFICERS, "other_operator"), item_id=perhubungan["id"])
    # Not a letter's own log.
    _check(cast, "sopsektoral_event_list", OFFICERS, letter_id=sent["id"])


def test_expired_assignment_gives_no_rights(cast, draft):
    advance(cast, draft["id"], cast.state(0))
    with pytest.raises(tk.NotAuthorized):
        call_auth("sopsektoral_letter_initial", {"user": cast.former_first_approver["name"]}, id=draft["id"])


def test_the_drafter_is_refused_approvals(cast, draft):
    # The drafter also holds the first approver's position (acting): still no approving their own.
    assign(cast.drafter, cast.sop.approvals[0].executor, acting="plh")
    with pytest.raises(tk.NotAuthorized):
        call_auth("sopsektoral_letter_initial", {"user": cast.drafter["name"]}, id=draft["id"])


class TestDatasetGuards:
    """What an OPD may do with a dataset while a letter asks for it (a dataset being collected
    or verified is not deleted, and what is verified is what was submitted); sysadmins pass
    every check."""

    @pytest.fixture
    def puskesmas(self, cast, sent):
        item = by_title(sent["id"], "Puskesmas")
        upload(item["dataset_id"], balikpapan_csv(2026), "puskesmas-2026.csv", cast.operator)
        return item

    def test_editing_is_closed_while_submitted_and_open_again_when_returned(self, cast, sent, puskesmas):
        operator = {"user": cast.operator["name"]}
        assert call_auth("package_update", dict(operator), id=puskesmas["dataset_id"])
        call_action("sopsektoral_item_submit", as_user(cast.operator), id=puskesmas["id"])
        for action, data in (("package_update", {"id": puskesmas["dataset_id"]}),
                             ("package_patch", {"id": puskesmas["dataset_id"]}),
                             ("resource_create", {"package_id": puskesmas["dataset_id"]})):
            with pytest.raises(tk.NotAuthorized) as err:
                call_auth(action, dict(operator), **data)
            assert action == "resource_create" or "verification" in str(err.value)
        with pytest.raises(tk.NotAuthorized):
            upload(puskesmas["dataset_id"], balikpapan_csv(2025), "other.csv", cast.operator)
        assert call_auth("package_update", {"user": cast.sysadmin["name"]}, id=puskesmas["dataset_id"])
        submit_all(cast, sent["id"], skip={puskesmas["id"]})
        call_action("sopsektoral_item_return", as_user(cast.verifier), id=puskesmas["id"], note="Tahun salah")
        assert call_auth("package_update", dict(operator), id=puskesmas["dataset_id"])
        assert call_auth("resource_create", dict(operator), package_id=puskesmas["dataset_id"])

    def test_deleting_is_refused_while_collected_allowed_once_verified(self, cast, sent, puskesmas):
        operator = {"user": cast.operator["name"]}
        with pytest.raises(tk.NotAuthorized):
            call_auth("package_delete", dict(operator), id=puskesmas["dataset_id"])
        with pytest.raises(tk.NotAuthorized):
            call_action("package_delete", as_user(cast.operator), id=puskesmas["dataset_id"])
        assert call_action("package_show", id=puskesmas["dataset_id"])["state"] == "active"
        submit_all(cast, sent["id"])
        call_action("sopsektoral_item_verify", as_user(cast.verifier), id=puskesmas["id"])
        assert call_auth("package_delete", dict(operator), id=puskesmas["dataset_id"])

    def test_verified_data_becomes_public_only_by_publishing(self, cast, sent, puskesmas):
        submit_all(cast, sent["id"])
        call_action("sopsektoral_item_verify", as_user(cast.verifier), id=puskesmas["id"])
        with pytest.raises(tk.ValidationError) as err:
            call_action("package_patch", as_user(cast.operator), id=puskesmas["dataset_id"], private=False)
        assert "private" in err.value.error_dict
        call_action("package_patch", as_user(cast.operator), id=puskesmas["dataset_id"], notes="Catatan baru")
        assert call_action("package_show", id=puskesmas["dataset_id"])["private"] is True
        call_action("sopsektoral_item_publish", as_user(cast.verifier), id=puskesmas["id"])
        assert call_action("package_show", id=puskesmas["dataset_id"])["private"] is False
        # once published the dataset is the OPD's again
        call_action("package_patch", as_user(cast.operator), id=puskesmas["dataset_id"], private=True)
        call_action("package_patch", as_user(cast.operator), id=puskesmas["dataset_id"], private=False)

    def test_bulk_make_public_and_delete_cannot_bypass_the_sop(self, cast, sent, puskesmas):
        admin = factories.User()
        call_action("organization_member_create", id=cast.opd["id"], username=admin["name"], role="admin")
        plain = factories.Dataset(owner_org=cast.opd["id"], private=True, klasifikasi_akses="publik")
        context = {"user": admin["name"]}
        for action in ("bulk_update_public", "bulk_update_delete"):
            with pytest.raises(tk.NotAuthorized):
                call_auth(action, dict(context), org_id=cast.opd["id"],
                          datasets=[plain["id"], puskesmas["dataset_id"]])
            assert call_auth(action, dict(context), org_id=cast.opd["id"], datasets=[plain["id"]])
        with pytest.raises(tk.NotAuthorized):
            call_action("bulk_update_public", as_user(admin), org_id=cast.opd["id"],
                        datasets=[puskesmas["dataset_id"]])
        assert call_action("package_show", id=puskesmas["dataset_id"])["private"] is True
