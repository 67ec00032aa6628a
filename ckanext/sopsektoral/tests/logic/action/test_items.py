"""The actions of logic/action/items.py: claims, the verification queue, an item's history
(sopsektoral_event_list with item_id and sopsektoral_status_show's history: officers and the
OPD asked)."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.sopsektoral.model import LetterItem
from ckanext.sopsektoral.tests.helpers import as_user, balikpapan_csv, by_title, submit_all, upload

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


class TestItemClaim:
    """Claims: staff claim and release their own; the Kepala Seksi assigns and releases any."""

    @pytest.fixture
    def submitted(self, cast, sent):
        submit_all(cast, sent["id"])
        return by_title(sent["id"], "Puskesmas")

    def test_release_is_for_the_claimant_or_the_head(self, cast, submitted):
        other_staff = factories.User()
        call_action("sopsektoral_officer_assign", user=other_staff["name"], position=cast.sop.verification.executor)
        call_action("sopsektoral_item_claim", as_user(cast.verifier), id=submitted["id"])
        with pytest.raises(tk.NotAuthorized):
            call_action("sopsektoral_item_claim", as_user(other_staff), id=submitted["id"], user="")
        with pytest.raises(tk.ValidationError):
            call_action("sopsektoral_item_claim", as_user(other_staff), id=submitted["id"])
        released = call_action("sopsektoral_item_claim", as_user(cast.verifier), id=submitted["id"], user="")
        assert released["claimed_by"] is None
        call_action("sopsektoral_item_claim", as_user(other_staff), id=submitted["id"])
        released = call_action("sopsektoral_item_claim", as_user(cast.drafter), id=submitted["id"], user="")
        assert released["claimed_by"] is None
        events = call_action("sopsektoral_event_list", letter_id=submitted["letter_id"])
        assert [e["action"] for e in events].count("item_claim") == 4

    def test_assigning_needs_a_statistics_officer(self, cast, submitted):
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_item_claim", as_user(cast.drafter), id=submitted["id"],
                        user=cast.operator["name"])
        assert "user" in err.value.error_dict
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_item_claim", as_user(cast.drafter), id=submitted["id"], user="nobody-here")
        assert "user" in err.value.error_dict


class TestQueueOrder:
    def test_deadline_order_is_the_current_steps_deadline(self, cast, sent):
        puskesmas = by_title(sent["id"], "Puskesmas")
        upload(puskesmas["dataset_id"], balikpapan_csv(2026), "data.csv", cast.operator)
        call_action("sopsektoral_item_submit", as_user(cast.operator), id=puskesmas["id"])
        submit_all(cast, sent["id"])
        call_action("sopsektoral_item_return", as_user(cast.verifier), id=puskesmas["id"], note="Kurang")
        # The returned item is due at the end of its correction window (2 weeks),
        # the others at the end of verification (90 days).
        queue = call_action("sopsektoral_item_list", as_user(cast.verifier), sort="deadline")["results"]
        assert queue[0]["id"] == puskesmas["id"]
        deadlines = [i["deadline"] for i in queue]
        assert deadlines == sorted(deadlines)
        backwards = call_action("sopsektoral_item_list", as_user(cast.verifier), sort="state")["results"]
        assert [i["state"] for i in backwards] == ["returned", "submitted", "submitted"]


class TestItemHistory:
    def test_event_list_of_one_item_with_labels(self, cast, sent):
        submit_all(cast, sent["id"])
        puskesmas = by_title(sent["id"], "Puskesmas")
        call_action("sopsektoral_item_return", as_user(cast.verifier), id=puskesmas["id"], note="Kurang")
        events = call_action("sopsektoral_event_list", as_user(cast.verifier), item_id=puskesmas["id"])
        assert [e["action"] for e in events] == ["item_submit", "item_return"]
        assert [e["action_label"] for e in events] == ["Submitted", "Returned for correction"]
        with pytest.raises(tk.ObjectNotFound):
            call_action("sopsektoral_event_list", as_user(cast.verifier), item_id="no-such-item")

    def test_the_opd_asked_reads_its_items_history(self, cast, sent):
        """Members of the item's OPD (any capacity) read its events; other OPDs are refused, and
        a letter's own log (internal notes of the approval chain) stays the officers'."""
        submit_all(cast, sent["id"])
        puskesmas = by_title(sent["id"], "Puskesmas")
        call_action("sopsektoral_item_claim", as_user(cast.verifier), id=puskesmas["id"])
        call_action("sopsektoral_item_return", as_user(cast.verifier), id=puskesmas["id"], note="Kode wilayah salah")
        member = factories.User()
        call_action("organization_member_create", id=cast.opd["id"], username=member["name"], role="member")
        officer_view = call_action("sopsektoral_event_list", as_user(cast.verifier), item_id=puskesmas["id"])
        for who in (cast.operator, member):
            events = call_action("sopsektoral_event_list", as_user(who), item_id=puskesmas["id"])
            assert events == officer_view
            assert [e["action"] for e in events] == ["item_submit", "item_claim", "item_return"]
            assert events[-1]["note"] == "Kode wilayah salah"
            status = call_action("sopsektoral_status_show", as_user(who), id=puskesmas["dataset_id"])
            assert [e["action"] for e in status["history"]] == ["item_submit", "item_claim", "item_return"]
        trayek = by_title(sent["id"], "Trayek")
        for who in (cast.other_operator, cast.user):
            with pytest.raises(tk.NotAuthorized):
                call_action("sopsektoral_event_list", as_user(who), item_id=puskesmas["id"])
        with pytest.raises(tk.NotAuthorized):
            call_action("sopsektoral_event_list", as_user(cast.operator), item_id=trayek["id"])
        # The dataset is private while collected: other OPDs do not see its status at all.
        with pytest.raises(tk.NotAuthorized):
            call_action("sopsektoral_status_show", as_user(cast.other_operator), id=puskesmas["dataset_id"])
        for key in ({"letter_id": sent["id"]}, {}):
            with pytest.raises(tk.NotAuthorized):
                call_action("sopsektoral_event_list", as_user(cast.operator), **key)
        # Asking for their item within the letter still gives the item's events only.
        within = call_action("sopsektoral_event_list", as_user(cast.operator), item_id=puskesmas["id"],
                             letter_id=sent["id"])
        assert within == officer_view

    def test_published_data_shows_no_history_to_other_opds(self, cast, sent):
        """Anyone who may see a published dataset sees its SOP status; its history only
        officers and the OPD asked."""
        submit_all(cast, sent["id"])
        trayek = by_title(sent["id"], "Trayek")
        call_action("sopsektoral_item_verify", as_user(cast.verifier), id=trayek["id"])
        call_action("sopsektoral_item_publish", as_user(cast.verifier), id=trayek["id"])
        for who in (cast.operator, cast.user, None):
            status = call_action("sopsektoral_status_show", as_user(who), id=trayek["dataset_id"])
            assert status["sop_status"] == "verified" and status["history"] == []
        mine = call_action("sopsektoral_status_show", as_user(cast.other_operator), id=trayek["dataset_id"])
        assert [e["action"] for e in mine["history"]] == ["item_submit", "item_verify", "item_publish"]
        with pytest.raises(tk.NotAuthorized):
            call_action("sopsektoral_event_list", as_user(cast.operator), item_id=trayek["id"])

    def test_items_of_a_letter_not_sent_have_no_history_for_the_opd(self, cast, draft):
        item = model.Session.query(LetterItem).filter_by(letter_id=draft["id"], owner_org=cast.opd["id"]).first()
        with pytest.raises(tk.NotAuthorized):
            call_action("sopsektoral_event_list", as_user(cast.operator), item_id=item.id)
        assert call_action("sopsektoral_event_list", as_user(cast.drafter), item_id=item.id) == []


@pytest.mark.parametrize("paging", [{"offset": 10**30}, {"offset": -1}, {"limit": 1001}, {"limit": "12abc"},
                                    {"offset": 1.5}, {"limit": True}])
def test_paging_out_of_bounds_is_a_field_error(cast, paging):
    with pytest.raises(tk.ValidationError) as err:
        call_action("sopsektoral_item_list", as_user(cast.verifier), **paging)
    assert list(err.value.error_dict) == list(paging)
