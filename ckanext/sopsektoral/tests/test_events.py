"""Invariants 1, 4 and 7 under load, and the tamper-evident event log."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.tests.helpers import call_action

from ckanext.sopsektoral import events
from ckanext.sopsektoral.model import Event
from ckanext.sopsektoral.tests.helpers import advance, as_user, more_entries

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


def _concurrently(n: int, fn) -> list[object]:
    """Run fn(i) in n threads released at once; each thread has its own DB session."""
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = fn(i)
        except Exception as err:  # collected and asserted by the test
            results[i] = err
            model.Session.rollback()
        finally:
            model.Session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_twenty_concurrent_initials_give_one_success_and_one_event(cast, draft, app):
    advance(cast, draft["id"], cast.state(0))
    model.Session.remove()

    def initial(i: int):
        with app.flask_app.test_request_context():
            return call_action("sopsektoral_letter_initial", as_user(cast.first_approver), id=draft["id"])

    results = _concurrently(20, initial)
    successes = [r for r in results if isinstance(r, dict)]
    refusals = [r for r in results if isinstance(r, tk.ValidationError)]
    assert len(successes) == 1, results
    assert len(refusals) == 19, results
    assert all("state" in r.error_dict for r in refusals)
    logged = call_action("sopsektoral_event_list", letter_id=draft["id"])
    assert [e["action"] for e in logged].count("initial") == 1
    after_first = cast.sop.transitions()["initial"][cast.state(0)]
    assert call_action("sopsektoral_letter_show", id=draft["id"])["state"] == after_first
    assert events.verify_event_log(model.Session).ok


def test_concurrent_signing_numbers_without_gaps_or_duplicates(cast, daftar, app):
    letters = []
    entries = more_entries([f"Data Susulan {i}" for i in range(8)])
    for i in range(8):
        letter = call_action("sopsektoral_letter_create", as_user(cast.drafter),
                             subject=f"Surat {i}", data_year=2026, items=[entries[i]["id"]])
        letters.append(advance(cast, letter["id"], cast.state(-1)))
    model.Session.remove()

    def sign(i: int):
        with app.flask_app.test_request_context():
            return call_action("sopsektoral_letter_sign", as_user(cast.signer), id=letters[i]["id"])

    results = _concurrently(len(letters), sign)
    assert all(isinstance(r, dict) for r in results), results
    seqs = sorted(int(r["number"].split("/")[1]) for r in results)
    assert seqs == list(range(1, len(letters) + 1))
    assert events.verify_event_log(model.Session).ok


class TestEventLog:
    def _history(self, cast, draft):
        advance(cast, draft["id"], "signed")
        model.Session.remove()
        result = events.verify_event_log(model.Session)
        assert result.ok and result.checked >= 6
        return result

    def test_an_altered_entry_is_found(self, cast, draft):
        self._history(cast, draft)
        model.Session.execute(sa.text(
            "UPDATE sopsektoral_event SET note = 'disetujui lisan' WHERE action = 'initial' "
            "AND seq = (SELECT min(seq) FROM sopsektoral_event WHERE action = 'initial')"))
        model.Session.commit()
        seq = model.Session.execute(sa.text(
            "SELECT min(seq) FROM sopsektoral_event WHERE action = 'initial'")).scalar()
        result = events.verify_event_log(model.Session)
        assert not result.ok
        assert result.first_bad_seq == seq
        assert "altered" in result.problem

    def test_a_missing_entry_is_found(self, cast, draft):
        self._history(cast, draft)
        model.Session.execute(sa.text("DELETE FROM sopsektoral_event WHERE seq = 3"))
        model.Session.commit()
        result = events.verify_event_log(model.Session)
        assert result.first_bad_seq == 3
        assert "missing" in result.problem

    def test_a_rewritten_chain_is_found(self, cast, draft):
        """Changing an entry and recomputing its own hash still breaks the next link."""
        self._history(cast, draft)
        event = model.Session.get(Event, 4)
        event.actor_name = "someone-else"
        event.hash = events._event_hash(event.prev_hash, event.hashed_content())
        model.Session.commit()
        result = events.verify_event_log(model.Session)
        assert result.first_bad_seq == 5
        assert "does not follow" in result.problem

    def test_cli_reports_it(self, cast, draft, cli):
        from ckanext.sopsektoral.cli import sopsektoral

        self._history(cast, draft)
        ok = cli.invoke(sopsektoral, ["audit", "verify"])
        assert ok.exit_code == 0, ok.output
        assert "intact" in ok.output
        model.Session.execute(sa.text("UPDATE sopsektoral_event SET to_state = 'sent' WHERE seq = 6"))
        model.Session.commit()
        broken = cli.invoke(sopsektoral, ["audit", "verify"])
        assert broken.exit_code == 2
        assert "entry 6 was altered" in broken.output
