"""The demo loads on the SOP file the suite runs on (Balikpapan's, or another region's): officials
for its positions, letters in every state of its chain, collection under way; loading twice
changes nothing."""
from __future__ import annotations

import pytest

from ckan import model
from ckan.tests.helpers import call_action

from ckanext.sopsektoral import demo, events, sop

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "with_request_context")


def test_the_demo_runs_the_whole_sop(sop_file):
    demo.load(echo=lambda _msg: None)
    officers = call_action("sopsektoral_officer_list")
    assert {o["position"] for o in officers} == set(sop_file.position_keys)
    for position in sop_file.positions:
        holders = [o for o in officers if o["position"] == position.key]
        assert len(holders) == (2 if position.several else 1)

    letters = call_action("sopsektoral_letter_list", limit=100)["results"]
    states = {letter["state"] for letter in letters}
    # Every state of the chain is shown by some letter (a draft, each waiting state where the
    # demo puts one, signed, sent, cancelled).
    assert {sop.DRAFT, sop.SIGNED, sop.SENT, sop.CANCELLED} <= states
    assert sop_file.approval_states[0] in states and sop_file.approval_states[-1] in states

    items = call_action("sopsektoral_item_list", limit=1000)["results"]
    assert {"requested", "submitted", "returned", "verified"} <= {i["state"] for i in items}
    assert any(i["published"] for i in items)
    assert events.verify_event_log(model.Session).ok

    count = len(letters)
    demo.load(echo=lambda _msg: None)
    assert call_action("sopsektoral_letter_list", limit=100)["count"] == count
