from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.sopsektoral import sop
from ckanext.sopsektoral.tests.conftest import as_user
from ckanext.sopsektoral.tests.test_collection import (  # noqa: F401 (sent is a fixture)
    _submit_all,
    balikpapan_csv,
    by_title,
    sent,
    upload,
)

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


class TestSopShow:
    def test_returns_the_sop_table(self):
        result = call_action("sopsektoral_sop_show")
        assert [s["key"] for s in result["steps"]] == [s.key for s in sop.STEPS]
        assert [s["executor"] for s in result["steps"]] == [
            "kepala_seksi", "kepala_bidang", "sekretaris", "kepala_dinas",
            "staf_statistik", "staf_statistik",
        ]
        assert [s["minutes"] for s in result["steps"]] == [30, 5, 5, 5, 7 * 24 * 60, 90 * 24 * 60]
        assert result["steps"][4]["per_item"] is True
        assert result["correction"]["minutes"] == 14 * 24 * 60
        assert [p["key"] for p in result["positions"]] == list(sop.POSITIONS)

    @pytest.mark.ckan_config("ckanext.sopsektoral.step.collect.minutes", 3 * 24 * 60)
    def test_standard_times_follow_config(self):
        result = call_action("sopsektoral_sop_show")
        assert result["steps"][4]["minutes"] == 3 * 24 * 60

    def test_rejects_unknown_parameters(self):
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_sop_show", surprise=1)
        assert "__extras" in err.value.error_dict or "surprise" in str(err.value.error_dict)


class TestReindex:
    def test_unknown_dataset_is_a_field_error(self):
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_reindex", ids=["no-such-dataset"])
        assert "no-such-dataset" in err.value.error_dict["ids"][0]

    def test_ids_are_required(self):
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_reindex")
        assert "ids" in err.value.error_dict


# ---------------------------------------------------------------- officers

from ckan.tests import factories  # noqa: E402

from ckanext.sopsektoral.tests.conftest import advance, as_user, assign, more_entries  # noqa: E402


class TestOfficers:
    def test_assign_and_list(self, cast):
        current = call_action("sopsektoral_officer_list")
        by_user = {o["user_name"]: o for o in current}
        assert by_user[cast.kepala_dinas["name"]]["position"] == "kepala_dinas"
        assert by_user[cast.plt_kepala_dinas["name"]]["acting"] == "plt"
        assert cast.former_kepala_bidang["name"] not in by_user  # ended yesterday
        everything = call_action("sopsektoral_officer_list", include_past=True)
        assert cast.former_kepala_bidang["name"] in {o["user_name"] for o in everything}

    def test_one_definitive_holder_per_position(self, cast):
        with pytest.raises(tk.ValidationError) as err:
            assign(factories.User(), "kepala_dinas")
        assert cast.kepala_dinas["name"] in err.value.error_dict["position"][0]

    def test_many_statistics_staff(self, cast):
        assign(factories.User(), "staf_statistik")
        assert len(call_action("sopsektoral_officer_list", position="staf_statistik")) == 2

    def test_revoke_ends_the_rights(self, cast, draft):
        officer = call_action("sopsektoral_officer_list", user=cast.kepala_seksi["name"])[0]
        call_action("sopsektoral_officer_revoke", id=officer["id"])
        assert call_action("sopsektoral_officer_list", user=cast.kepala_seksi["name"]) == []
        with pytest.raises(tk.NotAuthorized):
            call_action("sopsektoral_letter_submit", as_user(cast.kepala_seksi), id=draft["id"])

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


# ---------------------------------------------------------------- letters

class TestLetterLifecycle:
    def test_full_chain_assigns_number_and_date(self, cast, draft):
        assert draft["state"] == "draft"
        assert draft["item_count"] == 3
        assert [g["organization_title"] for g in draft["organizations"]] == ["Dinas Kesehatan", "Dinas Perhubungan"]
        assert draft["deadline"] and draft["overdue"] is False
        assert draft["awaiting_position"] == "kepala_seksi"

        letter = advance(cast, draft["id"], "signed")
        assert letter["number"] == f"490/1/M/DISKOMINFO/{letter['letter_date'][:4]}"
        assert letter["letter_date"]
        assert letter["deadline"] is None
        assert [a["position"] for a in letter["approvals"]] == ["kepala_bidang", "sekretaris", "kepala_dinas"]
        assert [a["action"] for a in letter["approvals"]] == ["initial", "initial", "sign"]

        events = call_action("sopsektoral_event_list", letter_id=draft["id"])
        assert [e["action"] for e in events] == ["create", "submit", "initial", "initial", "sign"]
        assert [(e["from_state"], e["to_state"]) for e in events][1:] == [
            ("draft", "awaiting_initial_kabid"),
            ("awaiting_initial_kabid", "awaiting_initial_sekretaris"),
            ("awaiting_initial_sekretaris", "awaiting_signature"),
            ("awaiting_signature", "signed"),
        ]
        assert events[-1]["actor_name"] == cast.kepala_dinas["name"]
        assert events[-1]["content_hash"] == letter["content_hash"]
        assert events[0]["content_hash"] != events[-1]["content_hash"]  # the number is content

    def test_acting_signer_is_recorded(self, cast, draft):
        advance(cast, draft["id"], "awaiting_signature")
        letter = call_action("sopsektoral_letter_sign", as_user(cast.plt_kepala_dinas), id=draft["id"])
        assert letter["approvals"][-1]["acting"] == "plt"
        assert letter["approvals"][-1]["user_name"] == cast.plt_kepala_dinas["name"]

    @pytest.mark.ckan_config("ckanext.sopsektoral.letter_number_pattern", "490/{seq:03d}/M/DISKOMINFO")
    def test_number_pattern_from_config(self, cast, draft):
        assert advance(cast, draft["id"], "signed")["number"] == "490/001/M/DISKOMINFO"

    def test_return_needs_a_note_and_restarts_the_chain(self, cast, draft):
        advance(cast, draft["id"], "awaiting_initial_sekretaris")
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_letter_return", as_user(cast.sekretaris), id=draft["id"])
        assert "note" in err.value.error_dict
        with pytest.raises(tk.ValidationError):
            call_action("sopsektoral_letter_return", as_user(cast.sekretaris), id=draft["id"], note="")
        letter = call_action("sopsektoral_letter_return", as_user(cast.sekretaris), id=draft["id"],
                             note="Lampiran belum sesuai SK Daftar Data")
        assert letter["state"] == "draft"
        assert letter["approvals"] == []
        letter = call_action("sopsektoral_letter_update", as_user(cast.kepala_seksi), id=draft["id"],
                             lampiran="2 (dua) berkas")
        assert letter["revision"] == 2
        letter = call_action("sopsektoral_letter_submit", as_user(cast.kepala_seksi), id=draft["id"])
        assert letter["state"] == "awaiting_initial_kabid"  # both initials again
        events = call_action("sopsektoral_event_list", letter_id=draft["id"])
        assert events[3]["note"] == "Lampiran belum sesuai SK Daftar Data"

    def test_cancel_a_draft(self, cast, draft):
        letter = call_action("sopsektoral_letter_cancel", as_user(cast.kepala_seksi), id=draft["id"])
        assert letter["state"] == "cancelled"
        with pytest.raises(tk.ValidationError):
            call_action("sopsektoral_letter_submit", as_user(cast.kepala_seksi), id=draft["id"])

    def test_only_drafts_can_be_edited(self, cast, draft):
        advance(cast, draft["id"], "awaiting_initial_kabid")
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_letter_update", as_user(cast.kepala_seksi), id=draft["id"], subject="x")
        assert "state" in err.value.error_dict

    def test_transitions_only_from_their_state(self, cast, draft):
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_letter_sign", as_user(cast.kepala_dinas), id=draft["id"])
        assert "state" in err.value.error_dict
        advance(cast, draft["id"], "signed")
        for action, who in [("initial", cast.kepala_bidang), ("return", cast.kepala_dinas),
                            ("cancel", cast.kepala_seksi), ("submit", cast.kepala_seksi)]:
            with pytest.raises(tk.ValidationError):
                call_action(f"sopsektoral_letter_{action}", as_user(who), id=draft["id"], note="n")

    def test_submit_needs_items(self, cast):
        letter = call_action("sopsektoral_letter_create", as_user(cast.kepala_seksi),
                             subject="Kosong", data_year=2026)
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_letter_submit", as_user(cast.kepala_seksi), id=letter["id"])
        assert "items" in err.value.error_dict

    def test_drafter_cannot_approve_own_draft(self, cast, daftar):
        # The Kepala Seksi also holds the Kepala Bidang's position as Plh. for a day.
        assign(cast.kepala_seksi, "kepala_bidang", acting="plh")
        letter = call_action("sopsektoral_letter_create", as_user(cast.kepala_seksi),
                             subject="S", data_year=2026, items=[daftar[0]["id"]])
        call_action("sopsektoral_letter_submit", as_user(cast.kepala_seksi), id=letter["id"])
        with pytest.raises(tk.NotAuthorized):
            call_action("sopsektoral_letter_initial", as_user(cast.kepala_seksi), id=letter["id"])

    @pytest.mark.parametrize("data, field", [
        ({"subject": ""}, "subject"),
        ({"data_year": "dua ribu"}, "data_year"),
        ({"sifat": "rahasia sekali"}, "sifat"),
        ({"items": ["not-an-entry"]}, "items"),
        ({"tembusan": 5}, "tembusan"),
        ({"unknown": 1}, "__extras"),
    ])
    def test_bad_input_is_a_field_error_and_writes_nothing(self, cast, daftar, data, field):
        data = {"subject": "S", "data_year": 2026, **data}
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_letter_create", as_user(cast.kepala_seksi), **data)
        assert field in err.value.error_dict
        assert call_action("sopsektoral_letter_list")["count"] == 0
        assert call_action("sopsektoral_event_list", {"ignore_auth": True}, limit=1000)[-1]["action"] == "daftar_data_import"

    def test_items_must_be_of_the_letter_year(self, cast, daftar):
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_letter_create", as_user(cast.kepala_seksi),
                        subject="S", data_year=2025, items=[daftar[0]["id"]])
        assert "2025" in err.value.error_dict["items"][0]

    def test_unknown_letter_is_not_found(self, cast):
        with pytest.raises(tk.ObjectNotFound):
            call_action("sopsektoral_letter_show", id="nope")
        with pytest.raises(tk.ObjectNotFound):
            call_action("sopsektoral_letter_initial", as_user(cast.sysadmin), id="nope")


class TestLetterList:
    def test_filters(self, cast, draft, daftar):
        other = call_action("sopsektoral_letter_create", as_user(cast.kepala_seksi),
                            subject="Susulan Dinas Perhubungan", data_year=2026,
                            items=[more_entries(["Jumlah Halte"])[0]["id"]])
        advance(cast, other["id"], "awaiting_initial_kabid")
        assert call_action("sopsektoral_letter_list")["count"] == 2
        assert [r["id"] for r in call_action("sopsektoral_letter_list", state="draft")["results"]] == [draft["id"]]
        assert call_action("sopsektoral_letter_list", year=2025)["count"] == 0
        by_org = call_action("sopsektoral_letter_list", owner_org="dinas-kesehatan")["results"]
        assert [r["id"] for r in by_org] == [draft["id"]]
        assert by_org[0]["item_count"] == 3 and by_org[0]["organization_count"] == 2
        mine = call_action("sopsektoral_letter_list", as_user(cast.kepala_bidang), awaiting_me=True)
        assert [r["id"] for r in mine["results"]] == [other["id"]]
        assert call_action("sopsektoral_letter_list", as_user(cast.sekretaris), awaiting_me=True)["count"] == 0
        assert call_action("sopsektoral_letter_list", q="Susulan")["count"] == 1

    @pytest.mark.ckan_config("ckanext.sopsektoral.step.initial_kabid.minutes", 0)
    def test_overdue(self, cast, draft):
        advance(cast, draft["id"], "awaiting_initial_kabid")
        overdue = call_action("sopsektoral_letter_list", overdue=True)["results"]
        assert [r["id"] for r in overdue] == [draft["id"]]
        assert overdue[0]["overdue"] is True

    def test_opd_operator_sees_only_letters_sent_to_their_opd(self, cast, draft, daftar):
        assert call_action("sopsektoral_letter_list", as_user(cast.operator))["count"] == 0
        advance(cast, draft["id"], "signed")
        only_other = call_action("sopsektoral_letter_create", as_user(cast.kepala_seksi),
                                 subject="Perhubungan", data_year=2026, items=[more_entries(["Jumlah Halte"])[0]["id"]])
        advance(cast, only_other["id"], "signed")
        seen = call_action("sopsektoral_letter_list", as_user(cast.operator))["results"]
        assert [r["id"] for r in seen] == [draft["id"]]


class TestTurns:
    """Each step only by its SOP position, only from the state it leaves (invariant 1)."""

    @pytest.mark.parametrize(("state", "action", "who"), [
        ("awaiting_initial_kabid", "initial", "sekretaris"),
        ("awaiting_initial_sekretaris", "initial", "kepala_bidang"),
        ("awaiting_initial_kabid", "return", "kepala_dinas"),
        ("awaiting_signature", "return", "sekretaris"),
        ("awaiting_initial_sekretaris", "sign", "kepala_dinas"),
        ("draft", "initial", "kepala_bidang"),
    ])
    def test_not_their_turn(self, cast, draft, state, action, who):
        advance(cast, draft["id"], state)
        with pytest.raises(tk.ValidationError) as err:
            call_action(f"sopsektoral_letter_{action}", as_user(getattr(cast, who)), id=draft["id"], note="n")
        assert "state" in err.value.error_dict
        assert call_action("sopsektoral_letter_show", id=draft["id"])["state"] == state

    @pytest.mark.parametrize("who", ["staf_statistik", "operator", "former_kepala_bidang", "user"])
    def test_not_their_position(self, cast, draft, who):
        advance(cast, draft["id"], "awaiting_initial_kabid")
        with pytest.raises(tk.NotAuthorized):
            call_action("sopsektoral_letter_initial", as_user(getattr(cast, who)), id=draft["id"])

    def test_sysadmin_may_do_any_step(self, cast, draft):
        advance(cast, draft["id"], "awaiting_initial_kabid")
        letter = call_action("sopsektoral_letter_initial", as_user(cast.sysadmin), id=draft["id"])
        assert letter["state"] == "awaiting_initial_sekretaris"
        event = call_action("sopsektoral_event_list", letter_id=draft["id"])[-1]
        assert event["position"] == "sysadmin"

    def test_available_actions_follow_the_turn(self, cast, draft):
        advance(cast, draft["id"], "awaiting_initial_sekretaris")
        show = lambda who: call_action("sopsektoral_letter_show", as_user(getattr(cast, who)),  # noqa: E731
                                       id=draft["id"])["available_actions"]
        assert show("sekretaris") == ["initial", "return"]
        assert show("kepala_bidang") == []
        assert show("kepala_seksi") == []


class TestItemClaim:
    """Claims: staff claim and release their own; the Kepala Seksi assigns and releases any."""

    @pytest.fixture
    def submitted(self, cast, sent):
        _submit_all(cast, sent["id"])
        return by_title(sent["id"], "Puskesmas")

    def test_release_is_for_the_claimant_or_the_head(self, cast, submitted):
        other_staff = factories.User()
        call_action("sopsektoral_officer_assign", user=other_staff["name"], position=sop.STAF_STATISTIK)
        call_action("sopsektoral_item_claim", as_user(cast.staf_statistik), id=submitted["id"])
        with pytest.raises(tk.NotAuthorized):
            call_action("sopsektoral_item_claim", as_user(other_staff), id=submitted["id"], user="")
        with pytest.raises(tk.ValidationError):
            call_action("sopsektoral_item_claim", as_user(other_staff), id=submitted["id"])
        released = call_action("sopsektoral_item_claim", as_user(cast.staf_statistik), id=submitted["id"], user="")
        assert released["claimed_by"] is None
        call_action("sopsektoral_item_claim", as_user(other_staff), id=submitted["id"])
        released = call_action("sopsektoral_item_claim", as_user(cast.kepala_seksi), id=submitted["id"], user="")
        assert released["claimed_by"] is None
        events = call_action("sopsektoral_event_list", letter_id=submitted["letter_id"])
        assert [e["action"] for e in events].count("item_claim") == 4

    def test_assigning_needs_a_statistics_officer(self, cast, submitted):
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_item_claim", as_user(cast.kepala_seksi), id=submitted["id"],
                        user=cast.operator["name"])
        assert "user" in err.value.error_dict
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_item_claim", as_user(cast.kepala_seksi), id=submitted["id"], user="nobody-here")
        assert "user" in err.value.error_dict


class TestQueueOrder:
    def test_deadline_order_is_the_current_steps_deadline(self, cast, sent):
        puskesmas = by_title(sent["id"], "Puskesmas")
        upload(puskesmas["dataset_id"], balikpapan_csv(2026), "data.csv", cast.operator)
        call_action("sopsektoral_item_submit", as_user(cast.operator), id=puskesmas["id"])
        _submit_all(cast, sent["id"])
        call_action("sopsektoral_item_return", as_user(cast.staf_statistik), id=puskesmas["id"], note="Kurang")
        # The returned item is due at the end of its correction window (2 weeks),
        # the others at the end of verification (90 days).
        queue = call_action("sopsektoral_item_list", as_user(cast.staf_statistik), sort="deadline")["results"]
        assert queue[0]["id"] == puskesmas["id"]
        deadlines = [i["deadline"] for i in queue]
        assert deadlines == sorted(deadlines)
        backwards = call_action("sopsektoral_item_list", as_user(cast.staf_statistik), sort="state")["results"]
        assert [i["state"] for i in backwards] == ["returned", "submitted", "submitted"]


class TestItemHistory:
    def test_event_list_of_one_item_with_labels(self, cast, sent):
        _submit_all(cast, sent["id"])
        puskesmas = by_title(sent["id"], "Puskesmas")
        call_action("sopsektoral_item_return", as_user(cast.staf_statistik), id=puskesmas["id"], note="Kurang")
        events = call_action("sopsektoral_event_list", as_user(cast.staf_statistik), item_id=puskesmas["id"])
        assert [e["action"] for e in events] == ["item_submit", "item_return"]
        assert [e["action_label"] for e in events] == ["Submitted", "Returned for correction"]
        with pytest.raises(tk.NotAuthorized):
            call_action("sopsektoral_event_list", as_user(cast.operator), item_id=puskesmas["id"])
        with pytest.raises(tk.ObjectNotFound):
            call_action("sopsektoral_event_list", as_user(cast.staf_statistik), item_id="no-such-item")


class TestAwaitingMe:
    def test_a_signed_letter_waits_on_who_sends_it(self, cast, draft):
        advance(cast, draft["id"], "signed")
        for who in ("staf_statistik", "kepala_seksi"):
            mine = call_action("sopsektoral_letter_list", as_user(getattr(cast, who)), awaiting_me=True)
            assert [letter["id"] for letter in mine["results"]] == [draft["id"]], who
        for who in ("kepala_dinas", "kepala_bidang"):
            mine = call_action("sopsektoral_letter_list", as_user(getattr(cast, who)), awaiting_me=True)
            assert mine["count"] == 0, who
