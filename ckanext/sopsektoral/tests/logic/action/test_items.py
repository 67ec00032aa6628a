"""The actions of logic/action/items.py: claims, the verification queue, an item's history."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import factories
from ckan.tests.helpers import call_action

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
        with pytest.raises(tk.NotAuthorized):
            call_action("sopsektoral_event_list", as_user(cast.operator), item_id=puskesmas["id"])
        with pytest.raises(tk.ObjectNotFound):
            call_action("sopsektoral_event_list", as_user(cast.verifier), item_id="no-such-item")
