"""The SOP file: the default and the second region's file load; broken files are refused with
every problem named by its key. These tests need no database: they read files."""
from __future__ import annotations

import copy
import datetime as dt
import os
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ckanext.sopsektoral import sop
from ckanext.sopsektoral.sop import loader, table

SECOND = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "sop", "kabupaten.yaml")


def document(path: str | None = None) -> dict[str, Any]:
    with open(path or sop.default_file(), encoding="utf-8") as f:
        return yaml.safe_load(f)


def problems(doc: Any) -> list[str]:
    with pytest.raises(loader.SopError) as err:
        loader.parse(doc, "test.yaml")
    return err.value.problems


def test_default_file_is_balikpapans_sop():
    found = loader.load(sop.default_file())
    assert found.number == "490/383/M/DISKOMINFO"
    assert found.title.id == "SOP Pengumpulan Data Statistik Sektoral"
    assert found.related[0][0] == "490/385/M/DISKOMINFO"
    assert [s.number for s in found.table] == [1, 2, 3, 4, 5, 6, 7]
    assert found.letter_states == ("draft", "awaiting_initial_kabid", "awaiting_initial_sekretaris",
                                   "awaiting_signature", "signed", "sent", "cancelled")
    assert found.collection.time == dt.timedelta(weeks=1) and found.collection.per_item
    assert found.verification.time == dt.timedelta(days=90)
    assert found.correction.time == dt.timedelta(weeks=2)
    assert [p.key for p in found.positions if p.several] == ["staf_statistik"]
    assert found.letter_number(12, 2026) == "490/12/M/DISKOMINFO/2026"


def test_second_file_has_a_shorter_chain_and_a_letter_deadline():
    found = loader.load(SECOND)
    assert found.transitions()["submit"] == {"draft": "menunggu_paraf_sekdis"}
    assert found.transitions()["initial"] == {"menunggu_paraf_sekdis": "menunggu_tanda_tangan"}
    assert found.transitions()["sign"] == {"menunggu_tanda_tangan": "signed"}
    assert not found.collection.per_item and found.collection.time == dt.timedelta(days=14)
    assert found.executors_of("send") == {"kabid_statistik", "statistisi"}
    assert found.letter_number(7, 2026) == "000.5.1/007/DISKOMINFO/2026"


def test_a_chain_with_only_the_signature():
    doc = document()
    doc["letter"]["approvals"] = doc["letter"]["approvals"][-1:]
    found = loader.parse(doc)
    assert found.transitions()["submit"] == {"draft": "awaiting_signature"}
    assert found.transitions()["initial"] == {}


@pytest.mark.parametrize("change, expected", [
    (lambda d: d["letter"]["approvals"][0].__setitem__("executor", "kepala_bagian"),
     "letter.approvals[0].executor: unknown position 'kepala_bagian'"),
    (lambda d: d["letter"]["approvals"][1].__setitem__("state", "awaiting_initial_kabid"),
     "letter.approvals[1].state: 'awaiting_initial_kabid' is already the state of letter.approvals[0]"),
    (lambda d: d["verification"].pop("executor"), "verification.executor: missing"),
    (lambda d: d["collection"].__setitem__("time", "-3 days"),
     "collection.time: '-3 days': a standard time must be more than zero"),
    (lambda d: d["correction"].__setitem__("time", "two weeks"), "correction.time: 'two weeks' is not a time"),
    (lambda d: d["letter"]["approvals"].reverse(), "the signature must be the last approval step"),
    (lambda d: d["rights"].__setitem__("publish", ["bupati"]), "rights.publish: unknown position 'bupati'"),
    (lambda d: d["rights"].pop("claim"), "rights.claim: missing"),
    (lambda d: d["positions"].append(dict(d["positions"][0])), "positions[5].key: 'kepala_dinas' is listed twice"),
    (lambda d: d["positions"][0]["name"].pop("en"), "positions[0].name.en: missing"),
    (lambda d: d["letter"].__setitem__("number_pattern", "490/M/{year}"),
     "letter.number_pattern: missing, or without {seq}"),
    (lambda d: d["letter"].__setitem__("number_pattern", "{seq}/{bulan}"),
     "letter.number_pattern: only {seq} and {year}"),
    (lambda d: d["letter"]["approvals"][0].__setitem__("state", "signed"), "is a state of every letter"),
    (lambda d: d.__setitem__("verifikasi", {}), "verifikasi: unknown key"),
    (lambda d: d["collection"].__setitem__("number", 2), "2 is also the number of step"),
    (lambda d: d.pop("correction"), "correction: missing"),
])
def test_broken_files_are_refused_with_the_key_named(change, expected):
    doc = document()
    change(doc)
    found = problems(doc)
    assert any(expected in p for p in found), found


def test_every_problem_is_reported_at_once():
    doc = document()
    doc["letter"]["drafting"]["executor"] = "nobody"
    doc["verification"]["time"] = 0
    assert len(problems(doc)) == 2


def test_unreadable_and_non_yaml_files(tmp_path):
    with pytest.raises(loader.SopError, match="cannot be read"):
        loader.load(str(tmp_path / "missing.yaml"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("positions: [\n", encoding="utf-8")
    with pytest.raises(loader.SopError, match="not valid YAML"):
        loader.load(str(bad))


def test_the_table_shows_every_step_and_transition():
    text = table.markdown(loader.load(sop.default_file()))
    for key in ("draft", "initial_kabid", "initial_sekretaris", "sign", "send", "collect", "verify", "correct"):
        assert f"`{key}`" in text
    assert "| `initial` | `awaiting_initial_kabid` → `awaiting_initial_sekretaris` | `kepala_bidang` |" in text
    assert "1 week per data item" in text


# Any change to a valid file is either still valid or refused with named problems: the loader
# never fails in another way (a region's typo must not become a traceback at start-up).
leaves = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.text(max_size=12),
                   st.lists(st.text(max_size=5), max_size=3), st.dictionaries(st.text(max_size=4), st.text(max_size=4),
                                                                              max_size=2))


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


BALIKPAPAN = document()
PATHS = _paths(BALIKPAPAN)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=st.lists(st.tuples(st.sampled_from(PATHS), leaves), min_size=1, max_size=4))
def test_mutated_files_are_valid_or_refused_by_name(changes):
    doc = copy.deepcopy(BALIKPAPAN)
    for path, value in changes:
        node = doc
        try:
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    try:
        found = loader.parse(doc)
    except loader.SopError as err:
        assert err.problems and all(": " in p for p in err.problems)
    else:
        table.markdown(found)
        assert found.letter_states[0] == "draft"
