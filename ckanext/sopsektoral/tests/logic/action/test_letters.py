"""The actions of logic/action/letters.py: drafting, the approval chain, lists, turns."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.sopsektoral.model import Notification
from ckanext.sopsektoral.tests.helpers import advance, as_user, assign, balikpapan_only, more_entries

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


class TestLetterLifecycle:
    def test_full_chain_assigns_number_and_date(self, cast, draft):
        assert draft["state"] == "draft"
        assert draft["item_count"] == 3
        assert [g["organization_title"] for g in draft["organizations"]] == ["Dinas Kesehatan", "Dinas Perhubungan"]
        assert draft["deadline"] and draft["overdue"] is False
        assert draft["awaiting_position"] == cast.sop.drafting.executor

        letter = advance(cast, draft["id"], "signed")
        assert letter["number"] == cast.sop.letter_number(1, int(letter["letter_date"][:4]))
        assert letter["letter_date"]
        assert letter["deadline"] is None
        chain = cast.sop.approvals
        assert [a["position"] for a in letter["approvals"]] == [s.executor for s in chain]
        initials = ["initial"] * (len(chain) - 1)
        assert [a["action"] for a in letter["approvals"]] == [*initials, "sign"]

        events = call_action("sopsektoral_event_list", letter_id=draft["id"])
        assert [e["action"] for e in events] == ["create", "submit", *initials, "sign"]
        states = ["draft", *cast.sop.approval_states, "signed"]
        assert [(e["from_state"], e["to_state"]) for e in events][1:] == list(zip(states, states[1:], strict=False))
        assert events[-1]["actor_name"] == cast.signer["name"]
        assert events[-1]["content_hash"] == letter["content_hash"]
        assert events[0]["content_hash"] != events[-1]["content_hash"]  # the number is content

    def test_acting_signer_is_recorded(self, cast, draft):
        advance(cast, draft["id"], cast.state(-1))
        letter = call_action("sopsektoral_letter_sign", as_user(cast.plt_signer), id=draft["id"])
        assert letter["approvals"][-1]["acting"] == "plt"
        assert letter["approvals"][-1]["user_name"] == cast.plt_signer["name"]

    @pytest.mark.ckan_config("ckanext.sopsektoral.letter_number_pattern", "490/{seq:03d}/M/DISKOMINFO")
    def test_number_pattern_from_config(self, cast, draft):
        assert advance(cast, draft["id"], "signed")["number"] == "490/001/M/DISKOMINFO"

    def test_return_needs_a_note_and_restarts_the_chain(self, cast, draft):
        advance(cast, draft["id"], cast.state(1))
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_letter_return", as_user(cast.second_approver), id=draft["id"])
        assert "note" in err.value.error_dict
        with pytest.raises(tk.ValidationError):
            call_action("sopsektoral_letter_return", as_user(cast.second_approver), id=draft["id"], note="")
        letter = call_action("sopsektoral_letter_return", as_user(cast.second_approver), id=draft["id"],
                             note="Lampiran belum sesuai SK Daftar Data")
        assert letter["state"] == "draft"
        assert letter["approvals"] == []
        letter = call_action("sopsektoral_letter_update", as_user(cast.drafter), id=draft["id"],
                             lampiran="2 (dua) berkas")
        assert letter["revision"] == 2
        letter = call_action("sopsektoral_letter_submit", as_user(cast.drafter), id=draft["id"])
        assert letter["state"] == cast.state(0)  # both initials again
        events = call_action("sopsektoral_event_list", letter_id=draft["id"])
        assert events[3]["note"] == "Lampiran belum sesuai SK Daftar Data"

    def test_cancel_a_draft(self, cast, draft):
        letter = call_action("sopsektoral_letter_cancel", as_user(cast.drafter), id=draft["id"])
        assert letter["state"] == "cancelled"
        with pytest.raises(tk.ValidationError):
            call_action("sopsektoral_letter_submit", as_user(cast.drafter), id=draft["id"])

    def test_only_drafts_can_be_edited(self, cast, draft):
        advance(cast, draft["id"], cast.state(0))
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_letter_update", as_user(cast.drafter), id=draft["id"], subject="x")
        assert "state" in err.value.error_dict

    def test_transitions_only_from_their_state(self, cast, draft):
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_letter_sign", as_user(cast.signer), id=draft["id"])
        assert "state" in err.value.error_dict
        advance(cast, draft["id"], "signed")
        for action, who in [("initial", cast.first_approver), ("return", cast.signer),
                            ("cancel", cast.drafter), ("submit", cast.drafter)]:
            with pytest.raises(tk.ValidationError):
                call_action(f"sopsektoral_letter_{action}", as_user(who), id=draft["id"], note="n")

    def test_submit_needs_items(self, cast):
        letter = call_action("sopsektoral_letter_create", as_user(cast.drafter),
                             subject="Kosong", data_year=2026)
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_letter_submit", as_user(cast.drafter), id=letter["id"])
        assert "items" in err.value.error_dict

    def test_drafter_cannot_approve_own_draft(self, cast, daftar):
        # The drafter also holds the first approver's position as Plh. for a day.
        assign(cast.drafter, cast.sop.approvals[0].executor, acting="plh")
        letter = call_action("sopsektoral_letter_create", as_user(cast.drafter),
                             subject="S", data_year=2026, items=[daftar[0]["id"]])
        call_action("sopsektoral_letter_submit", as_user(cast.drafter), id=letter["id"])
        with pytest.raises(tk.NotAuthorized):
            call_action("sopsektoral_letter_initial", as_user(cast.drafter), id=letter["id"])

    @pytest.mark.parametrize("data, field", [
        ({"subject": ""}, "subject"),
        ({"data_year": "dua ribu"}, "data_year"),
        ({"sifat": "rahasia sekali"}, "sifat"),
        ({"items": ["not-an-entry"]}, "items"),
        ({"tembusan": 5}, "tembusan"),
        ({"unknown": 1}, "unknown"),
    ])
    def test_bad_input_is_a_field_error_and_writes_nothing(self, cast, daftar, data, field):
        data = {"subject": "S", "data_year": 2026, **data}
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_letter_create", as_user(cast.drafter), **data)
        assert field in err.value.error_dict
        assert call_action("sopsektoral_letter_list")["count"] == 0
        logged = call_action("sopsektoral_event_list", {"ignore_auth": True}, limit=1000)
        assert logged[-1]["action"] == "daftar_data_import"

    def test_items_must_be_of_the_letter_year(self, cast, daftar):
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_letter_create", as_user(cast.drafter),
                        subject="S", data_year=2025, items=[daftar[0]["id"]])
        assert "2025" in err.value.error_dict["items"][0]

    def test_unknown_letter_is_not_found(self, cast):
        with pytest.raises(tk.ObjectNotFound):
            call_action("sopsektoral_letter_show", id="nope")
        with pytest.raises(tk.ObjectNotFound):
            call_action("sopsektoral_letter_initial", as_user(cast.sysadmin), id="nope")


class TestLetterList:
    def test_filters(self, cast, draft, daftar):
        other = call_action("sopsektoral_letter_create", as_user(cast.drafter),
                            subject="Susulan Dinas Perhubungan", data_year=2026,
                            items=[more_entries(["Jumlah Halte"])[0]["id"]])
        advance(cast, other["id"], cast.state(0))
        assert call_action("sopsektoral_letter_list")["count"] == 2
        assert [r["id"] for r in call_action("sopsektoral_letter_list", state="draft")["results"]] == [draft["id"]]
        assert call_action("sopsektoral_letter_list", year=2025)["count"] == 0
        by_org = call_action("sopsektoral_letter_list", owner_org="dinas-kesehatan")["results"]
        assert [r["id"] for r in by_org] == [draft["id"]]
        assert by_org[0]["item_count"] == 3 and by_org[0]["organization_count"] == 2
        mine = call_action("sopsektoral_letter_list", as_user(cast.first_approver), awaiting_me=True)
        assert [r["id"] for r in mine["results"]] == [other["id"]]
        assert call_action("sopsektoral_letter_list", as_user(cast.second_approver), awaiting_me=True)["count"] == 0
        assert call_action("sopsektoral_letter_list", q="Susulan")["count"] == 1

    def test_overdue(self, cast, draft, monkeypatch):
        # The first approval step's time set to zero (through the option of earlier versions).
        monkeypatch.setitem(tk.config, f"ckanext.sopsektoral.step.{cast.sop.approvals[0].key}.minutes", "0")
        advance(cast, draft["id"], cast.state(0))
        overdue = call_action("sopsektoral_letter_list", overdue=True)["results"]
        assert [r["id"] for r in overdue] == [draft["id"]]
        assert overdue[0]["overdue"] is True

    def test_opd_operator_sees_only_letters_sent_to_their_opd(self, cast, draft, daftar):
        assert call_action("sopsektoral_letter_list", as_user(cast.operator))["count"] == 0
        advance(cast, draft["id"], "signed")
        only_other = call_action("sopsektoral_letter_create", as_user(cast.drafter),
                                 subject="Perhubungan", data_year=2026, items=[more_entries(["Jumlah Halte"])[0]["id"]])
        advance(cast, only_other["id"], "signed")
        seen = call_action("sopsektoral_letter_list", as_user(cast.operator))["results"]
        assert [r["id"] for r in seen] == [draft["id"]]


class TestTurns:
    """Each step is done only by the position the SOP names for it (or a sysadmin), and only
    from the state it leaves."""

    @balikpapan_only  # its chain; test_access.py checks every turn on both SOP files
    @pytest.mark.parametrize(("state", "action", "who"), [
        ("awaiting_initial_kabid", "initial", "second_approver"),
        ("awaiting_initial_sekretaris", "initial", "first_approver"),
        ("awaiting_initial_kabid", "return", "signer"),
        ("awaiting_signature", "return", "second_approver"),
        ("awaiting_initial_sekretaris", "sign", "signer"),
        ("draft", "initial", "first_approver"),
    ])
    def test_not_their_turn(self, cast, draft, state, action, who):
        advance(cast, draft["id"], state)
        with pytest.raises(tk.ValidationError) as err:
            call_action(f"sopsektoral_letter_{action}", as_user(getattr(cast, who)), id=draft["id"], note="n")
        assert "state" in err.value.error_dict
        assert call_action("sopsektoral_letter_show", id=draft["id"])["state"] == state

    @pytest.mark.parametrize("who", ["verifier", "operator", "former_first_approver", "user"])
    def test_not_their_position(self, cast, draft, who):
        advance(cast, draft["id"], cast.state(0))
        with pytest.raises(tk.NotAuthorized):
            call_action("sopsektoral_letter_initial", as_user(getattr(cast, who)), id=draft["id"])

    def test_sysadmin_may_do_any_step(self, cast, draft):
        advance(cast, draft["id"], cast.state(0))
        letter = call_action("sopsektoral_letter_initial", as_user(cast.sysadmin), id=draft["id"])
        assert letter["state"] == cast.sop.transitions()["initial"][cast.state(0)]
        event = call_action("sopsektoral_event_list", letter_id=draft["id"])[-1]
        assert event["position"] == "sysadmin"

    def test_available_actions_follow_the_turn(self, cast, draft):
        advance(cast, draft["id"], cast.state(1))
        show = lambda who: call_action("sopsektoral_letter_show", as_user(getattr(cast, who)),  # noqa: E731
                                       id=draft["id"])["available_actions"]
        assert show("second_approver") == ["sign" if cast.state(1) == cast.state(-1) else "initial", "return"]
        assert show("first_approver") == []
        assert show("drafter") == ["withdraw"]


class TestWithdraw:
    """The drafter takes a letter that awaits approval back to draft, before it is signed."""

    def test_from_every_waiting_state_of_the_chain(self, cast, draft):
        chain = cast.sop.approval_states
        for index, state in enumerate(chain):
            advance(cast, draft["id"], state)
            shown = call_action("sopsektoral_letter_show", as_user(cast.drafter), id=draft["id"])
            assert "withdraw" in shown["available_actions"]
            assert len(shown["approvals"]) == index
            letter = call_action("sopsektoral_letter_withdraw", as_user(cast.drafter), id=draft["id"],
                                 note=f"Lampiran diganti ({index})")
            assert letter["state"] == "draft"
            assert letter["approvals"] == []  # the initials of that round no longer count
            assert letter["awaiting_position"] == cast.sop.drafting.executor
            event = call_action("sopsektoral_event_list", letter_id=draft["id"])[-1]
            assert (event["action"], event["from_state"], event["to_state"]) == ("withdraw", state, "draft")
            assert event["note"] == f"Lampiran diganti ({index})"
            assert event["actor_name"] == cast.drafter["name"]
            assert event["position"] in cast.sop.drafting.executors
            assert event["action_label"] == "Withdrawn to draft"
        # A second round goes through the whole chain again, from its first step.
        letter = call_action("sopsektoral_letter_submit", as_user(cast.drafter), id=draft["id"])
        assert letter["state"] == cast.state(0)
        assert letter["approvals"] == []
        if len(chain) > 1:  # the second step's approver is not on yet: the first initials again
            second = "sign" if cast.sop.approvals[1].kind == "signature" else "initial"
            with pytest.raises(tk.ValidationError):
                call_action(f"sopsektoral_letter_{second}", as_user(cast.approvers[1]), id=draft["id"])
        letter = advance(cast, draft["id"], "signed")
        assert [a["position"] for a in letter["approvals"]] == [s.executor for s in cast.sop.approvals]
        actions = [e["action"] for e in call_action("sopsektoral_event_list", letter_id=draft["id"])]
        assert actions.count("withdraw") == len(chain)
        assert actions.count("submit") == len(chain) + 1

    def test_the_note_is_optional_and_an_edit_follows(self, cast, draft):
        advance(cast, draft["id"], cast.state(-1))
        letter = call_action("sopsektoral_letter_withdraw", as_user(cast.drafter), id=draft["id"])
        assert letter["state"] == "draft"
        assert call_action("sopsektoral_event_list", letter_id=draft["id"])[-1]["note"] is None
        letter = call_action("sopsektoral_letter_update", as_user(cast.drafter), id=draft["id"], lampiran="2 berkas")
        assert letter["revision"] == 2

    @pytest.mark.parametrize("state", ["draft", "signed", "sent", "cancelled"])
    def test_only_while_awaiting_approval(self, cast, draft, state):
        if state == "cancelled":
            call_action("sopsektoral_letter_cancel", as_user(cast.drafter), id=draft["id"])
        elif state == "sent":
            advance(cast, draft["id"], "signed")
            call_action("sopsektoral_letter_send", as_user(cast.drafter), id=draft["id"])
        else:
            advance(cast, draft["id"], state)
        shown = call_action("sopsektoral_letter_show", as_user(cast.drafter), id=draft["id"])
        assert "withdraw" not in shown["available_actions"]
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_letter_withdraw", as_user(cast.drafter), id=draft["id"], note="n")
        assert "state" in err.value.error_dict
        assert call_action("sopsektoral_letter_show", id=draft["id"])["state"] == state

    @pytest.mark.parametrize("who", ["first_approver", "signer", "plt_signer", "verifier", "operator", "user"])
    def test_only_the_drafting_steps_executors(self, cast, draft, who):
        user = getattr(cast, who)
        if user["name"] in {u["name"] for k, u in cast.holders.items() if k in cast.sop.drafting.executors}:
            pytest.skip("this SOP file makes them a drafter")
        advance(cast, draft["id"], cast.state(0))
        shown = call_action("sopsektoral_letter_show", as_user(cast.sysadmin), id=draft["id"])
        assert "withdraw" in shown["available_actions"]
        with pytest.raises(tk.NotAuthorized):
            call_action("sopsektoral_letter_withdraw", as_user(user), id=draft["id"])
        assert call_action("sopsektoral_letter_show", id=draft["id"])["state"] == cast.state(0)
        logged = call_action("sopsektoral_event_list", letter_id=draft["id"])
        assert "withdraw" not in [e["action"] for e in logged]

    def test_another_holder_of_the_drafting_position_may(self, cast, draft):
        """Any holder of the drafting step's positions (as for editing and submitting)."""
        several = [p for p in cast.sop.drafting.executors if cast.sop.position(p).several]
        colleague = factories.User()
        assign(colleague, cast.sop.drafting.executor, **({} if several else {"acting": "plh"}))
        advance(cast, draft["id"], cast.state(0))
        letter = call_action("sopsektoral_letter_withdraw", as_user(colleague), id=draft["id"])
        assert letter["state"] == "draft"

    def test_the_approvers_it_waited_on_are_told(self, cast, draft):
        advance(cast, draft["id"], cast.state(-1))
        call_action("sopsektoral_letter_withdraw", as_user(cast.drafter), id=draft["id"], note="Salah lampiran")
        event = call_action("sopsektoral_event_list", letter_id=draft["id"])[-1]
        told = model.Session.execute(sa.select(Notification.user_id).where(
            Notification.event_seq == event["seq"])).scalars().all()
        # The holders of the signature step's position: the signer and the acting (Plt.) signer.
        assert set(told) == {cast.signer["id"], cast.plt_signer["id"]}
        assert {n.kind for n in model.Session.query(Notification).filter_by(event_seq=event["seq"])} == {
            "letter_withdraw"}


class TestAwaitingMe:
    def test_a_signed_letter_waits_on_who_sends_it(self, cast, draft):
        advance(cast, draft["id"], "signed")
        for who in ("verifier", "drafter"):
            mine = call_action("sopsektoral_letter_list", as_user(getattr(cast, who)), awaiting_me=True)
            assert [letter["id"] for letter in mine["results"]] == [draft["id"]], who
        for who in ("signer", "first_approver"):
            mine = call_action("sopsektoral_letter_list", as_user(getattr(cast, who)), awaiting_me=True)
            assert mine["count"] == 0, who
