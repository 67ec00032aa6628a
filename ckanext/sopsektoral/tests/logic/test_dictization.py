"""The dicts the actions return (logic/dictization.py, items/queries.py, datasets/status.py): every
timestamp is ISO 8601 with its UTC offset, every pure date YYYY-MM-DD; the tables keep naive UTC,
the event log's hashes are those of the naive text, and the search index has the same values."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from ckan import model
from ckan.tests.helpers import call_action

from ckanext.sopsektoral import events
from ckanext.sopsektoral.model import Event, Letter, LetterItem
from ckanext.sopsektoral.model.base import iso
from ckanext.sopsektoral.tests.helpers import as_user, by_title, submit_all

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")

TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?\+00:00")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def utc(naive: dt.datetime) -> dt.datetime:
    return naive.replace(tzinfo=dt.timezone.utc)


def assert_timestamps(found: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        assert found[name] is not None, name
        assert TIMESTAMP.fullmatch(found[name]), (name, found[name])


def test_iso():
    assert iso(dt.datetime(2026, 12, 2, 8, 0)) == "2026-12-02T08:00:00+00:00"
    assert iso(dt.datetime(2026, 12, 2, 8, 0, 0, 1500)) == "2026-12-02T08:00:00.001500+00:00"
    wita = dt.timezone(dt.timedelta(hours=8))
    assert iso(dt.datetime(2026, 12, 2, 16, 0, tzinfo=wita)) == "2026-12-02T08:00:00+00:00"
    assert iso(dt.date(2026, 12, 2)) == "2026-12-02"
    assert iso(None) is None


@pytest.fixture
def collected(cast, sent):
    """The sent letter's items all submitted (verification opens), one claimed and verified."""
    submit_all(cast, sent["id"])
    verified = by_title(sent["id"], "Puskesmas")
    call_action("sopsektoral_item_claim", as_user(cast.verifier), id=verified["id"])
    call_action("sopsektoral_item_verify", as_user(cast.verifier), id=verified["id"])
    return {"letter": sent, "verified": verified, "submitted": by_title(sent["id"], "Imunisasi")}


def test_letter_show(cast, collected):
    letter = call_action("sopsektoral_letter_show", id=collected["letter"]["id"])
    assert_timestamps(letter, ("state_since", "created", "modified", "sent_at", "verification_opened_at"))
    assert DATE.fullmatch(letter["letter_date"])
    stored = model.Session.get(Letter, letter["id"])
    assert dt.datetime.fromisoformat(letter["sent_at"]) == utc(stored.sent_at)
    assert letter["letter_date"] == stored.letter_date.isoformat()
    approvals = call_action("sopsektoral_letter_show", id=letter["id"])["approvals"]
    assert approvals and all(TIMESTAMP.fullmatch(a["time"]) for a in approvals)
    listed = call_action("sopsektoral_letter_list", state=["sent"])["results"][0]
    assert listed["sent_at"] == letter["sent_at"]


def test_a_letter_waiting_on_a_step_has_its_deadline_with_the_offset(cast, draft):
    assert_timestamps(call_action("sopsektoral_letter_show", id=draft["id"]), ("deadline", "state_since"))


def test_item_show(cast, collected):
    item = call_action("sopsektoral_item_show", id=collected["verified"]["id"])
    assert_timestamps(item, ("collection_deadline", "submitted_at", "claimed_at", "verified_at",
                             "verification_opened_at", "verification_deadline", "requested_at"))
    submitted = call_action("sopsektoral_item_show", id=collected["submitted"]["id"])
    assert_timestamps(submitted, ("deadline", "submitted_at"))
    stored = model.Session.get(LetterItem, item["id"])
    assert dt.datetime.fromisoformat(item["verified_at"]) == utc(stored.verified_at)
    assert dt.datetime.fromisoformat(item["collection_deadline"]) == utc(stored.deadline)


def test_event_list_and_the_chain(cast, collected):
    entries = call_action("sopsektoral_event_list", letter_id=collected["letter"]["id"])
    assert entries
    for entry in entries:
        assert TIMESTAMP.fullmatch(entry["created"]), entry
        stored = model.Session.get(Event, entry["seq"])
        assert dt.datetime.fromisoformat(entry["created"]) == utc(stored.created)
        # The hash is of the naive text it was appended with: the chain holds.
        assert stored.hashed_content()["created"] == stored.created.isoformat()
    assert events.verify_event_log(model.Session).ok


def test_package_show_and_the_index(cast, collected):
    verified = call_action("package_show", id=collected["verified"]["dataset_id"])
    assert_timestamps(verified, ("sop_submitted_at", "sop_verified_at"))
    submitted = call_action("package_show", id=collected["submitted"]["dataset_id"])
    assert_timestamps(submitted, ("sop_deadline", "sop_submitted_at"))
    assert submitted["sop_deadline"] == call_action(
        "sopsektoral_item_show", id=collected["submitted"]["id"])["deadline"]
    # The search index holds the same text, and finds the datasets by it.
    found = call_action("package_search", fq=f'id:"{submitted["id"]}" +sop_deadline:[* TO *]',
                        include_private=True)
    assert found["count"] == 1
    assert found["results"][0]["sop_deadline"] == submitted["sop_deadline"]


def test_status_show(cast, collected):
    shown = call_action("sopsektoral_status_show", id=collected["submitted"]["dataset_id"])
    assert_timestamps(shown, ("sop_deadline", "sop_submitted_at", "collection_deadline", "verification_deadline"))
    assert shown["history"] and all(TIMESTAMP.fullmatch(e["created"]) for e in shown["history"])
    verified = call_action("sopsektoral_status_show", id=collected["verified"]["dataset_id"])
    assert_timestamps(verified, ("sop_verified_at",))


def test_officers_and_the_daftar_data(cast, daftar):
    officer = call_action("sopsektoral_officer_list", position=cast.sop.verification.executor)[0]
    assert TIMESTAMP.fullmatch(officer["created"]) and DATE.fullmatch(officer["valid_from"])
    revoked = call_action("sopsektoral_officer_revoke", id=officer["id"])
    assert TIMESTAMP.fullmatch(revoked["revoked"])
    entry = call_action("sopsektoral_daftar_data_list", year=2026)["results"][0]
    assert TIMESTAMP.fullmatch(entry["created"]) and TIMESTAMP.fullmatch(entry["modified"])
