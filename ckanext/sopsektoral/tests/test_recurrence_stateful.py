"""Issue 8, deliverable 5: the SOP recurring, driven at random against the real stack.

A hypothesis ``RuleBasedStateMachine`` runs random sequences of Daftar Data
imports (two periods, the same indicator titles each year, some entries naming
an existing dataset), request letters (create, update, submit, initial, sign,
return, cancel, send), uploads, submissions, claims, returns, verifications and
publications over two OPDs, plus hostile moves (``package_patch`` of the SOP
fields or of ``private`` by an OPD operator, acting on an item that is no
longer its dataset's current one, asking again for an entry that another letter
still holds, acting on another OPD's item). Everything goes through CKAN's
action layer on PostgreSQL, Solr and Redis; nothing is mocked.

The machine keeps its own model of what must happen, asserts the outcome of
every call (success, ``ValidationError`` or ``NotAuthorized``) and, after every
step, checks the invariants of design.md §5 and issue 8:

- ``package_show``, ``package_search`` (the stored document and the indexed,
  filterable fields) and ``sopsektoral_status_show`` agree on the SOP fields of
  every dataset in the workflow, and agree with the model (status, letter
  number, submitter, verifier, whether there is a deadline); SOP fields are not
  changed by ``package_patch``;
- a dataset's SOP status is its newest request's; an item that is no longer
  current can do nothing;
- each period of an indicator has its own dataset; a re-request of a period
  whose dataset is still private reuses it; a published dataset is never made
  private again, and the public sees exactly the published datasets;
- at most one open request (item not verified, letter not cancelled; items of
  unsent letters count) per Daftar Data entry and per dataset;
- an OPD operator lists only its own OPD's items and cannot read another OPD's
  private datasets;
- every successful transition is logged exactly once (and a refused one not at
  all), with its states; the event log's hash chain holds.

Seeded (``derandomize``) and bounded for the suite (10 examples of 23 to 35 steps,
about 2.5 minutes on a 2-core machine). ``SOPSEKTORAL_LONG_PROPERTY_RUN=1`` runs 200
random (not seeded) examples of 40 to 60 steps; ``SOPSEKTORAL_PROPERTY_EXAMPLES``,
``SOPSEKTORAL_PROPERTY_STEPS`` and ``SOPSEKTORAL_PROPERTY_MIN_STEPS`` override the
numbers. With ``-s`` the test prints what the examples did (calls and their outcomes,
scenarios reached).
"""
from __future__ import annotations

import collections
import dataclasses
import io
import itertools
import os
import string
import time
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from werkzeug.datastructures import FileStorage

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.sopsektoral.tests.helpers import Cast, as_user, assign, suite_sop

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")

LONG = os.environ.get("SOPSEKTORAL_LONG_PROPERTY_RUN", "").lower() in ("1", "true", "yes")
EXAMPLES = int(os.environ.get("SOPSEKTORAL_PROPERTY_EXAMPLES") or (200 if LONG else 10))
STEPS = int(os.environ.get("SOPSEKTORAL_PROPERTY_STEPS") or (60 if LONG else 35))
# Hypothesis tries tiny programs first; the recurrence needs a letter's whole life and then another.
MIN_STEPS = min(STEPS, int(os.environ.get("SOPSEKTORAL_PROPERTY_MIN_STEPS") or STEPS * 2 // 3))

YEARS = (2025, 2026)
OK = "ok"
VE = tk.ValidationError
NA = tk.NotAuthorized

# The SOP fields of a dataset (schemas/dataset.yaml, status.FIELDS).
SOP_FIELDS = (
    "sop_status", "sop_letter_number", "sop_deadline", "sop_overdue",
    "sop_submitted_at", "sop_submitted_by", "sop_verified_at", "sop_verified_by",
)
OPEN_STATES = ("requested", "submitted", "returned")
# The letter's chain comes from the SOP file the suite runs on (Balikpapan's: two initials and
# the signature; the second file's: one initial and the signature).
TEST_SOP = suite_sop()
CHAIN = TEST_SOP.approval_states
UNSENT = ("draft", *CHAIN, "signed")

# Letter transitions: the states each leaves and reaches.
LETTER_MOVES: dict[str, dict[str, str]] = {
    name: moves for name, moves in TEST_SOP.transitions().items() if name != "update"
}
NEXT_MOVE = {"draft": "submit", **{s: "sign" if s == CHAIN[-1] else "initial" for s in CHAIN}, "signed": "send"}


def approver(state: str) -> str:
    """The user key of whoever's turn ``state`` is: the first approver, a middle one, the signer."""
    index = CHAIN.index(state) if state in CHAIN else 0
    return "kadis" if index == len(CHAIN) - 1 else ("kabid" if index == 0 else "sekretaris")


# The indicators every example's Daftar Data lists, each year under the same title:
# (title, OPD index, which existing dataset the entry names).
INDICATORS = (
    ("Jumlah Puskesmas menurut Kecamatan", 0, None),
    ("Jumlah Posyandu Aktif", 0, "public"),  # names a dataset published before the SOP
    ("Jumlah Trayek Angkutan Kota", 1, None),
    ("Panjang Jalan Kota menurut Kondisi", 1, "private"),  # names an empty private dataset
)

_tokens = itertools.count()
# What the examples did (printed at the end: pytest -s or -rP shows it).
STATS: collections.Counter[str] = collections.Counter()


def event(what: str) -> None:
    STATS[what] += 1


def _token() -> str:
    """A fresh name part of letters only (no digits: titles must not look like years)."""
    n, out = next(_tokens), ""
    while True:
        n, r = divmod(n, 26)
        out = string.ascii_lowercase[r] + out
        if not n:
            return "q" + out


def _sys(cast: Cast) -> dict[str, Any]:
    return {"user": cast.sysadmin["name"], "ignore_auth": True}


def _indexed(value: Any) -> str | None:
    """A SOP field as the search index holds it: strings, empty ones absent."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _phrase(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _clause(dataset_id: str, fields: dict[str, Any]) -> str:
    """A Solr query matching the dataset only if every SOP field is indexed as given."""
    parts = [f"+id:{_phrase(dataset_id)}"]
    for key in SOP_FIELDS:
        value = _indexed(fields.get(key))
        parts.append(f"-{key}:[* TO *]" if value is None else f"+{key}:{_phrase(value)}")
    return "(" + " ".join(parts) + ")"


def _messages(err: tk.ValidationError, field: str) -> str:
    value = (err.error_dict or {}).get(field)
    return " ".join(str(v) for v in value) if isinstance(value, list) else str(value or "")


def _csv(year: int) -> bytes:
    return (f"kode_wilayah,nama_kecamatan,jumlah,tahun\n64.71.01,Balikpapan Selatan,5,{year}\n"
            f"64.71.02,Balikpapan Timur,4,{year}\n").encode()


# ---------------------------------------------------------------- the model

@dataclasses.dataclass
class MEntry:
    id: str
    indicator: int
    opd: int
    year: int
    title: str
    named: str | None  # id of the dataset the entry names
    dataset: str | None = None  # the dataset of its period (its newest request's)


@dataclasses.dataclass
class MLetter:
    id: str
    subject: str
    year: int
    entries: list[str]
    state: str = "draft"
    number: str | None = None
    items: dict[str, str] = dataclasses.field(default_factory=dict)  # entry id -> item id, once sent
    all_submitted: bool = False
    events: list[tuple[str, str | None, str | None, str | None]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class MItem:
    id: str
    letter: str
    entry: str
    opd: int
    dataset: str
    state: str = "requested"
    claimed_by: str | None = None
    published: bool = False
    submitted_by: str | None = None
    verified_by: str | None = None


@dataclasses.dataclass
class MDataset:
    id: str
    name: str
    opd: int
    public: bool
    resources: int = 0
    items: list[str] = dataclasses.field(default_factory=list)  # in request order: the last is current
    entry: str | None = None  # the Daftar Data entry (indicator and period) it receives
    tahun: str = ""
    ever_public: bool = False


picks = st.integers(min_value=0, max_value=10_000)
entry_picks = st.lists(picks, min_size=1, max_size=3)
years = st.sampled_from(YEARS)


class RecurrenceMachine(RuleBasedStateMachine):
    """One example: two fresh OPDs with their operators, the cast's officers."""

    cast: Cast
    staff2: dict[str, Any]

    def __init__(self) -> None:
        super().__init__()
        cast = self.cast
        self.tok = _token()
        event("~ examples")
        self.trace: list[str] = []
        self.checks = 0
        self.operators = [factories.User(name=f"op-{self.tok}-{c}") for c in "ab"]
        self.orgs = [
            factories.Organization(name=f"opd-{self.tok}-{c}", title=f"Dinas {self.tok.upper()} {c.upper()}",
                                   users=[{"name": op["name"], "capacity": "editor"}])
            for c, op in zip("ab", self.operators, strict=False)
        ]
        self.datasets: dict[str, MDataset] = {}
        public = factories.Dataset(owner_org=self.orgs[0]["id"], name=f"posyandu-lama-{self.tok}",
                                   title="Jumlah Posyandu Aktif (terbitan lama)", private=False,
                                   klasifikasi_akses="publik", tahun_data="2024")
        factories.Resource(package_id=public["id"], url="https://data.example.org/posyandu-2024.csv",
                           format="CSV")
        private = factories.Dataset(owner_org=self.orgs[1]["id"], name=f"panjang-jalan-{self.tok}",
                                    title="Panjang Jalan Kota", private=True, klasifikasi_akses="publik")
        self.datasets[public["id"]] = MDataset(public["id"], public["name"], 0, True, resources=1,
                                               tahun="2024", ever_public=True)
        self.datasets[private["id"]] = MDataset(private["id"], private["name"], 1, False)
        self.named = {"public": public, "private": private}
        self.entries: dict[str, MEntry] = {}
        self.by_year: dict[int, list[str]] = {}
        self.letters: dict[str, MLetter] = {}
        self.items: dict[str, MItem] = {}
        self.users = {
            "staf": cast.verifier["name"], "staf2": self.staff2["name"],
            "kasi": cast.drafter["name"], "kabid": cast.first_approver["name"],
            "sekretaris": cast.second_approver["name"], "kadis": cast.signer["name"],
        }
        from ckanext.sopsektoral.model import Event

        self.events_before = model.Session.execute(sa.select(sa.func.count()).select_from(Event)).scalar_one()
        model.Session.remove()

    # ------------------------------------------------------------ calling

    def call(self, expect: set[Any], action: str, who: str | dict[str, Any] | None, **data: Any) -> Any:
        """Call an action as a user (a request of its own) and check its outcome is one of ``expect``.
        Returns the result, or the exception when it was refused."""
        context = as_user(who)
        shown = {k: (v if not isinstance(v, FileStorage) else "<file>") for k, v in data.items()}
        user = context["user"]
        model.Session.remove()  # a request of its own
        try:
            result, got = call_action(action, context, **data), OK
        except tk.ValidationError as err:
            result, got = err, VE
        except tk.NotAuthorized as err:
            result, got = err, NA
        finally:
            model.Session.remove()  # the end of the request
        name = {OK: "ok", VE: "ValidationError", NA: "NotAuthorized"}[got]
        detail = f" {getattr(result, 'error_dict', None) or result}" if got is not OK else ""
        self.trace.append(f"{action}({shown}) as {user}: {name}{detail}")
        event(f"{action}: {name}")
        if got not in expect:
            wanted = " or ".join({OK: "success", VE: "ValidationError", NA: "NotAuthorized"}[e] for e in expect)
            raise AssertionError(f"{action}({shown}) as {user}: expected {wanted}, got {name}{detail}\n"
                                 "Calls of this example:\n  " + "\n  ".join(self.trace[-40:]))
        return result

    def read(self, action: str, **data: Any) -> Any:
        """A read as sysadmin (the invariants' reads share a session: nothing writes meanwhile)."""
        return call_action(action, _sys(self.cast), **data)

    # ------------------------------------------------------------ model queries

    def current(self, dataset_id: str) -> MItem | None:
        ds = self.datasets[dataset_id]
        return self.items[ds.items[-1]] if ds.items else None

    def is_current(self, item: MItem) -> bool:
        return self.datasets[item.dataset].items[-1] == item.id

    def holder(self, entry_id: str, except_letter: str | None = None) -> MLetter | None:
        """The letter with an open request of the entry (model)."""
        for letter in self.letters.values():
            if letter.id == except_letter or letter.state == "cancelled" or entry_id not in letter.entries:
                continue
            if letter.state != "sent" or self.items[letter.items[entry_id]].state in OPEN_STATES:
                return letter
        return None

    def held_by_others(self, letter_id: str | None, entry_ids: list[str]) -> list[MLetter]:
        found = [self.holder(e, letter_id) for e in entry_ids]
        return [h for h in found if h is not None]

    def operator(self, opd: int) -> str:
        return self.operators[opd]["name"]

    def pick(self, seq: list[Any], n: int) -> Any:
        return seq[n % len(seq)]

    def sent_items(self) -> list[MItem]:
        return list(self.items.values())

    # ------------------------------------------------------------ Daftar Data

    @initialize(year=years)
    def first_import(self, year: int) -> None:
        self.import_daftar_data(year)

    @precondition(lambda self: len(self.by_year) < len(YEARS))
    @rule()
    def import_next_period(self) -> None:
        """The Daftar Data of the other year: the same indicators, under the same titles."""
        self.import_daftar_data(next(y for y in YEARS if y not in self.by_year))

    def import_daftar_data(self, year: int) -> None:
        rows = []
        for title, opd, named in INDICATORS:
            row = {"tahun": year, "opd": self.orgs[opd]["name"], "judul_data": title, "satuan": "unit",
                   "frekuensi": "tahunan", "klasifikasi_akses": "publik"}
            if named:
                row["dataset"] = self.named[named]["name"]
            rows.append(row)
        result = self.call({OK}, "sopsektoral_daftar_data_import", self.users["staf"], rows=rows)
        if year in self.by_year:
            assert (result["created"], result["updated"]) == (0, 0), result
            return
        assert result["created"] == len(INDICATORS), result
        ids = []
        for index, (title, opd, named) in enumerate(INDICATORS):
            found = [e for e in self.read("sopsektoral_daftar_data_list", owner_org=self.orgs[opd]["id"],
                                          year=year)["results"] if e["title"] == title]
            assert len(found) == 1, found
            entry = found[0]
            ids.append(entry["id"])
            self.entries[entry["id"]] = MEntry(entry["id"], index, opd, year, title,
                                               self.named[named]["id"] if named else None)
        self.by_year[year] = ids

    # ------------------------------------------------------------ letters

    def _choose(self, year: int, chosen: list[int], free_only: bool = False, again: bool = False) -> list[str]:
        pool = self.by_year[year]
        if free_only:
            pool = [e for e in pool if self.holder(e) is None] or pool
        if again:  # entries asked before (a correction, or a further letter of the year)
            pool = [e for e in pool if self.entries[e].dataset and self.holder(e) is None] or pool
        return list(dict.fromkeys(self.pick(pool, n) for n in chosen))

    def _check_refusal_names_holders(self, err: tk.ValidationError, holders: list[MLetter]) -> None:
        text = _messages(err, "items")
        assert text, f"the refusal is not on the field items: {err.error_dict}"
        for letter in holders:
            assert (letter.number and letter.number in text) or letter.subject in text, \
                f"the refusal does not name the letter holding the entry ({letter.number or letter.subject}): {text}"

    def create_letter(self, year: int, entries: list[str]) -> MLetter | None:
        subject = f"Permintaan Data Statistik Sektoral {year} {self.tok} #{len(self.letters) + 1}"
        holders = self.held_by_others(None, entries)
        result = self.call({VE} if holders else {OK}, "sopsektoral_letter_create", self.users["kasi"],
                           subject=subject, data_year=year, items=entries,
                           body="Dalam rangka Satu Data Indonesia ...")
        if holders:
            event("scenario: an entry another letter holds, refused at create")
            self._check_refusal_names_holders(result, holders)
            return None
        assert result["state"] == "draft"
        assert {i["daftar_data_id"] for g in result["organizations"] for i in g["items"]} == set(entries)
        letter = MLetter(result["id"], subject, year, entries)
        letter.events.append(("create", None, None, "draft"))
        self.letters[letter.id] = letter
        return letter

    @precondition(lambda self: self.by_year)
    @rule(year=years, chosen=entry_picks, any_entries=st.booleans())
    def letter_create(self, year: int, chosen: list[int], any_entries: bool) -> None:
        """Free entries, or any: those another letter holds must be refused, naming it."""
        if year not in self.by_year:
            year = next(iter(self.by_year))
        self.create_letter(year, self._choose(year, chosen, free_only=not any_entries))

    @precondition(lambda self: self.letters)
    @rule(pick=picks, chosen=entry_picks)
    def letter_update(self, pick: int, chosen: list[int]) -> None:
        """Edit any letter's items (only drafts can be edited; held entries are refused)."""
        letter = self.pick(list(self.letters.values()), pick)
        self.update_letter(letter, self._choose(letter.year, chosen))

    def move_letter(self, letter: MLetter, action: str) -> None:
        if action in ("initial", "return"):
            who = approver(letter.state)
        else:
            # The drafter submits, withdraws (back to draft from any approval) and cancels.
            who = {"submit": "kasi", "withdraw": "kasi", "cancel": "kasi", "sign": "kadis", "send": "staf"}[action]
        to_state = LETTER_MOVES[action].get(letter.state)
        holders = self.held_by_others(letter.id, letter.entries) if action in ("submit", "sign", "send") else []
        ok = to_state is not None and not holders and (action != "submit" or letter.entries)
        extra = {"note": "Mohon diperbaiki"} if action == "return" else {}
        result = self.call({OK} if ok else {VE}, f"sopsektoral_letter_{action}", self.users[who],
                           id=letter.id, **extra)
        if not ok:
            if to_state is not None and holders:
                self._check_refusal_names_holders(result, holders)
            return
        assert result["state"] == to_state, (result["state"], to_state)
        letter.events.append((action, None, letter.state, to_state))
        letter.state = to_state
        if action == "sign":
            assert result["number"]
            letter.number = result["number"]
        if action == "send":
            self.after_send(letter, result)

    def after_send(self, letter: MLetter, result: dict[str, Any]) -> None:
        """Each item gets its period's dataset: the one its period used while still
        private, else the private empty dataset its entry names, else a new one."""
        assert result["send_state"] == "done", result
        rows = self.read("sopsektoral_item_list", letter_id=letter.id, limit=100)["results"]
        assert sorted(r["daftar_data_id"] for r in rows) == sorted(letter.entries)
        superseded: list[MItem] = []
        for row in rows:
            entry = self.entries[row["daftar_data_id"]]
            dataset_id = row["dataset_id"]
            assert dataset_id, row
            expected = None
            if entry.dataset is not None:
                if not self.datasets[entry.dataset].public:
                    expected = entry.dataset  # the period's own place, asked again
            elif entry.named is not None:
                named = self.datasets[entry.named]
                if not named.public and named.entry is None and named.tahun in ("", str(entry.year)):
                    expected = named.id
            if entry.dataset is not None:
                event("scenario: a period asked again, " + ("its private dataset reused" if expected
                                                             else "its dataset published: a new one"))
            elif any(e.indicator == entry.indicator and e.year != entry.year and e.dataset
                     for e in self.entries.values()):
                event("scenario: the other period of an indicator asked")
            if expected is not None:
                assert dataset_id == expected, (
                    f"{entry.title} {entry.year} asked again: expected its dataset {self.datasets[expected].name}, "
                    f"got {dataset_id}")
            else:
                assert dataset_id not in self.datasets, (
                    f"{entry.title} {entry.year} got the dataset {self.datasets[dataset_id].name} of another "
                    f"period or indicator, or a published one (each period has its own place)")
                pkg = self.read("package_show", id=dataset_id)
                self.datasets[dataset_id] = MDataset(dataset_id, pkg["name"], entry.opd, False)
            ds = self.datasets[dataset_id]
            assert ds.entry in (None, entry.id)
            pkg = self.read("package_show", id=dataset_id)
            assert pkg["owner_org"] == self.orgs[entry.opd]["id"]
            assert pkg["private"] is True, f"{pkg['name']} is being collected: it must be private"
            assert pkg["tahun_data"] == str(entry.year), (pkg["name"], pkg["tahun_data"], entry.year)
            ds.entry, ds.tahun = entry.id, str(entry.year)
            item = MItem(row["id"], letter.id, entry.id, entry.opd, dataset_id)
            self.items[item.id] = item
            ds.items.append(item.id)
            entry.dataset = dataset_id
            letter.items[entry.id] = item.id
            if len(ds.items) > 1:
                superseded.append(self.items[ds.items[-2]])
        # The superseded request's verified item must not publish (make public the dataset
        # that now collects the new request) nor be claimed (issue 8).
        for old in superseded:
            self.publish(old, "staf")
            self.claim(old, "staf", "staf")

    @precondition(lambda self: self.letters)
    @rule(pick=picks, action=st.sampled_from(sorted(LETTER_MOVES)))
    def letter_transition(self, pick: int, action: str) -> None:
        """Any transition on any letter, by the position the SOP names for it."""
        self.move_letter(self.pick(list(self.letters.values()), pick), action)

    @precondition(lambda self: any(letter.state in NEXT_MOVE for letter in self.letters.values()))
    @rule(pick=picks)
    def letter_advance(self, pick: int) -> None:
        letter = self.pick([x for x in self.letters.values() if x.state in NEXT_MOVE], pick)
        self.move_letter(letter, NEXT_MOVE[letter.state])

    def update_letter(self, letter: MLetter, entries: list[str]) -> None:
        holders = self.held_by_others(letter.id, entries)
        expect = {VE} if letter.state != "draft" or holders else {OK}
        result = self.call(expect, "sopsektoral_letter_update", self.users["kasi"], id=letter.id, items=entries)
        if expect == {OK}:
            assert {i["daftar_data_id"] for g in result["organizations"] for i in g["items"]} == set(entries)
            letter.entries = entries
            letter.events.append(("update", None, "draft", "draft"))
        elif letter.state == "draft":
            self._check_refusal_names_holders(result, holders)

    DETOURS = ("straight", "straight", "returned_by_second", "returned_and_edited", "cancelled")

    @precondition(lambda self: self.by_year)
    @rule(year=years, chosen=st.lists(picks, min_size=1, max_size=2), again=st.booleans(),
          detour=st.sampled_from(DETOURS))
    def letter_create_and_send(self, year: int, chosen: list[int], again: bool, detour: str) -> None:
        """Draft, initial, sign and send a letter in one step (free entries preferred;
        ``again``: entries asked before, if there are such), maybe returned to draft on
        the way (and edited: the chain restarts), or cancelled."""
        free = {y: [e for e in ids if self.holder(e) is None] for y, ids in self.by_year.items()}
        if not free.get(year):
            year = next((y for y in self.by_year if free[y]), year)
        if year not in self.by_year or not free[year]:
            if self.workable():  # everything is being collected: collect instead
                self.item_work(chosen[0], True, again)
            return
        letter = self.create_letter(year, self._choose(year, chosen, free_only=True, again=again))
        if letter is None:
            return
        if detour == "cancelled":
            self.move_letter(letter, "cancel")
            return
        stop = {"returned_by_second": CHAIN[min(1, len(CHAIN) - 1)],
                "returned_and_edited": CHAIN[-1]}.get(detour)
        while letter.state in NEXT_MOVE:
            if letter.state == stop:
                self.move_letter(letter, "return")
                assert letter.state == "draft"
                if detour == "returned_and_edited":
                    self.update_letter(letter, self._choose(year, [*chosen, len(chosen)], free_only=True))
                stop = None
            self.move_letter(letter, NEXT_MOVE[letter.state])

    # ------------------------------------------------------------ datasets

    def all_datasets(self) -> list[MDataset]:
        return list(self.datasets.values())

    def upload(self, ds: MDataset, as_file: bool, other_opd: bool = False) -> None:
        who = self.operator(1 - ds.opd if other_opd else ds.opd)
        current = self.current(ds.id)
        expect = {NA} if other_opd or (current is not None and current.state == "submitted") else {OK}
        year = self.entries[ds.entry].year if ds.entry else 2024
        data: dict[str, Any] = {"package_id": ds.id, "name": f"data-{year}.csv", "format": "CSV"}
        if as_file:
            data.update(url=f"data-{year}.csv", upload=FileStorage(io.BytesIO(_csv(year)), f"data-{year}.csv"))
        else:
            data.update(url=f"https://data.example.org/{ds.name}-{year}.csv")
        self.call(expect, "resource_create", who, **data)
        if expect == {OK}:
            ds.resources += 1

    @rule(pick=picks, as_file=st.booleans())
    def resource_upload(self, pick: int, as_file: bool) -> None:
        self.upload(self.pick(self.all_datasets(), pick), as_file)

    def patch_sop_fields(self, ds: MDataset) -> None:
        """The OPD operator tries to set the SOP fields: nothing of them changes."""
        current = self.current(ds.id)
        expect = {NA} if current is not None and current.state == "submitted" else {OK}
        self.call(expect, "package_patch", self.operator(ds.opd), id=ds.id, sop_status="verified",
                  sop_letter_number="999/PALSU/2026", sop_verified_by=self.operator(ds.opd),
                  sop_submitted_at="2020-01-01T00:00:00", sop_overdue="false", sop_deadline="",
                  notes=f"Diperbarui oleh OPD ({self.tok})")

    def make_public(self, ds: MDataset) -> None:
        """The OPD operator tries to publish a dataset themselves."""
        current = self.current(ds.id)
        if current is None or (current.state == "verified" and current.published):
            expect = {OK}  # not in the SOP (yet), or already published
        elif current.state == "submitted":
            expect = {NA}  # locked while verified
        else:
            expect = {VE}  # collected or verified: only the SOP's publish makes it public
        result = self.call(expect, "package_patch", self.operator(ds.opd), id=ds.id, private=False)
        if expect == {VE}:
            assert "private" in (result.error_dict or {}), result.error_dict
        if expect == {OK}:
            ds.public = ds.ever_public = True

    @rule(pick=picks, move=st.sampled_from(["patch_sop_fields", "make_public", "upload_to_other_opd",
                                            "submit_other_opds_item"]))
    def hostile_move(self, pick: int, move: str) -> None:
        """An OPD operator oversteps: sets SOP fields, publishes, or acts on another OPD's data."""
        ds = self.pick(self.all_datasets(), pick)
        if move == "patch_sop_fields":
            self.patch_sop_fields(ds)
        elif move == "make_public":
            self.make_public(ds)
        elif move == "upload_to_other_opd":
            self.upload(ds, pick % 2 == 0, other_opd=True)
        elif self.items:
            self.submit(self.pick(self.sent_items(), pick), other_opd=True)

    # ------------------------------------------------------------ items

    def submit(self, item: MItem, other_opd: bool = False) -> None:
        if not self.is_current(item):
            event("scenario: acting on a superseded item (submit)")
        who = self.operator(1 - item.opd if other_opd else item.opd)
        ds = self.datasets[item.dataset]
        if other_opd:
            expect = {NA}
        elif not self.is_current(item) or item.state not in ("requested", "returned") or not ds.resources:
            expect = {VE}
        else:
            expect = {OK}
        result = self.call(expect, "sopsektoral_item_submit", who, id=item.id)
        if expect != {OK}:
            return
        assert result["state"] == "submitted"
        self.items_event(item, "item_submit", "submitted")
        item.submitted_by = who
        letter = self.letters[item.letter]
        if not any(self.items[i].state == "requested" for i in letter.items.values()):
            letter.all_submitted = True

    def items_event(self, item: MItem, action: str, to_state: str) -> None:
        self.letters[item.letter].events.append((action, item.id, item.state, to_state))
        item.state = to_state

    def claim(self, item: MItem, actor: str, target: str | None) -> None:
        """``target``: a key of self.users, or None to release."""
        if not self.is_current(item):
            event("scenario: acting on a superseded item (claim)")
        actor_name = self.users[actor]
        target_name = self.users[target] if target else None
        is_head = actor == "kasi"
        refusals = set()
        if target_name is not None and target_name != actor_name and not is_head:
            refusals.add(NA)
        if target_name is None and item.claimed_by and not is_head and item.claimed_by != actor_name:
            refusals.add(NA)
        if item.claimed_by and target_name is not None and item.claimed_by != target_name and not is_head:
            refusals.add(VE)
        if not self.is_current(item):
            refusals.add(VE)  # a superseded item can do nothing
        if NA in refusals and VE in refusals:
            expect = {NA, VE}
        elif refusals:
            expect = refusals
        elif item.state == "verified":
            expect = {OK, VE}  # issue 8 does not say whether a verified item can still be claimed
        else:
            expect = {OK}
        result = self.call(expect, "sopsektoral_item_claim", actor_name, id=item.id,
                           **({"user": target_name} if target else {"user": ""}))
        if isinstance(result, dict):
            assert result["claimed_by"] == target_name, result["claimed_by"]
            item.claimed_by = target_name
            self.items_event(item, "item_claim", item.state)

    def decide(self, item: MItem, actor: str, verify: bool, note: bool = True) -> None:
        """Verify or return a submitted item."""
        if not self.is_current(item):
            event("scenario: acting on a superseded item (decide)")
        name = self.users[actor]
        letter = self.letters[item.letter]
        if actor not in ("staf", "staf2"):
            expect = {NA}
        elif (not self.is_current(item) or item.state != "submitted" or not letter.all_submitted
              or item.claimed_by not in (None, name) or (not verify and not note)):
            expect = {VE}
        else:
            expect = {OK}
        if verify:
            result = self.call(expect, "sopsektoral_item_verify", name, id=item.id,
                               checklist={"standar_data": True, "metadata": True})
        else:
            result = self.call(expect, "sopsektoral_item_return", name, id=item.id,
                               **({"note": "Kolom satuan kosong"} if note else {}))
        if expect != {OK}:
            return
        to_state = "verified" if verify else "returned"
        assert result["state"] == to_state
        self.items_event(item, "item_verify" if verify else "item_return", to_state)
        if verify:
            item.verified_by = name

    def publish(self, item: MItem, actor: str) -> None:
        if not self.is_current(item):
            event("scenario: acting on a superseded item (publish)")
        if actor not in ("staf", "staf2", "kasi"):
            expect = {NA}
        elif not self.is_current(item) or item.state != "verified":
            expect = {VE}
        else:
            expect = {OK}
        result = self.call(expect, "sopsektoral_item_publish", self.users[actor], id=item.id)
        if expect != {OK}:
            return
        assert result["published"] is True
        if not item.published:
            item.published = True
            self.items_event(item, "item_publish", "verified")
            ds = self.datasets[item.dataset]
            ds.public = ds.ever_public = True

    @precondition(lambda self: self.items)
    @rule(pick=picks)
    def item_submit(self, pick: int) -> None:
        """Submit any item (with or without data, in any state, current or not)."""
        self.submit(self.pick(self.sent_items(), pick))

    @precondition(lambda self: self.items)
    @rule(pick=picks, how=st.sampled_from([("staf", "staf"), ("staf2", "staf2"), ("kasi", "staf"),
                                           ("kasi", "staf2"), ("staf", None), ("kasi", None), ("staf", "staf2")]))
    def item_claim(self, pick: int, how: tuple[str, str | None]) -> None:
        self.claim(self.pick(self.sent_items(), pick), *how)

    @precondition(lambda self: self.items)
    @rule(pick=picks, actor=st.sampled_from(["staf", "staf2", "kasi"]), verify=st.booleans(), note=st.booleans())
    def item_decide(self, pick: int, actor: str, verify: bool, note: bool) -> None:
        self.decide(self.pick(self.sent_items(), pick), actor, verify, note)

    @precondition(lambda self: self.items)
    @rule(pick=picks, actor=st.sampled_from(["staf", "kasi", "kabid"]))
    def item_publish(self, pick: int, actor: str) -> None:
        self.publish(self.pick(self.sent_items(), pick), actor)

    def workable(self) -> list[MItem]:
        return [i for i in self.items.values() if self.is_current(i) and not i.published]

    @precondition(lambda self: self.workable())
    @rule(pick=picks, verify=st.sampled_from([True, True, False]), as_file=st.booleans())
    def item_work(self, pick: int, verify: bool, as_file: bool) -> None:
        """A current item's next natural step, done by whoever's turn it is."""
        item = self.pick(self.workable(), pick)
        letter = self.letters[item.letter]
        if item.state == "submitted" and not letter.all_submitted:
            # Verification opens once the whole letter is in: collect another of its items first.
            item = next(self.items[i] for i in letter.items.values() if self.items[i].state == "requested")
        if item.state in ("requested", "returned"):
            if not self.datasets[item.dataset].resources or item.state == "returned":
                self.upload(self.datasets[item.dataset], as_file)
            self.submit(item)
        elif item.state == "submitted":
            actor = "staf2" if item.claimed_by == self.users["staf2"] else "staf"
            self.decide(item, actor, verify)
        else:
            self.publish(item, "staf")

    # The natural steps weigh more than the others (hypothesis picks rules uniformly).
    @precondition(lambda self: self.workable())
    @rule(pick=picks, verify=st.sampled_from([True, True, False]), as_file=st.booleans())
    def item_work_more(self, pick: int, verify: bool, as_file: bool) -> None:
        self.item_work(pick, verify, as_file)

    @precondition(lambda self: self.workable())
    @rule(pick=picks, verify=st.sampled_from([True, True, False]), as_file=st.booleans())
    def item_work_even_more(self, pick: int, verify: bool, as_file: bool) -> None:
        self.item_work(pick, verify, as_file)

    @precondition(lambda self: any(letter.state in NEXT_MOVE for letter in self.letters.values()))
    @rule(pick=picks)
    def letter_advance_more(self, pick: int) -> None:
        self.letter_advance(pick)

    @precondition(lambda self: self.by_year)
    @rule(year=years, chosen=st.lists(picks, min_size=1, max_size=2), again=st.booleans(),
          detour=st.sampled_from(DETOURS))
    def letter_create_and_send_more(self, year: int, chosen: list[int], again: bool, detour: str) -> None:
        self.letter_create_and_send(year, chosen, again, detour)

    @precondition(lambda self: any(not self.is_current(i) for i in self.items.values()))
    @rule(pick=picks, action=st.sampled_from(["submit", "claim", "verify", "return", "publish"]))
    def superseded_item_acts(self, pick: int, action: str) -> None:
        """A request that a newer one of its dataset superseded can do nothing."""
        item = self.pick([i for i in self.items.values() if not self.is_current(i)], pick)
        event(f"scenario: a superseded item tries {action}")
        if action == "submit":
            self.submit(item)
        elif action == "claim":
            self.claim(item, "staf", "staf")
        elif action in ("verify", "return"):
            self.decide(item, "staf", action == "verify")
        else:
            self.publish(item, "staf")

    # ------------------------------------------------------------ invariants

    def expected_fields(self, ds: MDataset) -> dict[str, Any]:
        item = self.current(ds.id)
        if item is None:
            return dict.fromkeys(SOP_FIELDS)
        letter = self.letters[item.letter]
        return {"sop_status": item.state, "sop_letter_number": letter.number,
                "sop_submitted_by": item.submitted_by, "sop_verified_by": item.verified_by,
                "sop_overdue": False}

    @invariant()
    def views_agree(self) -> None:
        """package_show, the search index and sopsektoral_status_show agree, with the model."""
        event("~ invariant checks (after every step)")
        model.Session.remove()
        shows = {}
        for ds in self.datasets.values():
            show = self.read("package_show", id=ds.id)
            status = self.read("sopsektoral_status_show", id=ds.id)
            shows[ds.id] = show
            for key in SOP_FIELDS:
                assert show.get(key) == status.get(key), \
                    f"{ds.name}: package_show {key}={show.get(key)!r}, sopsektoral_status_show {status.get(key)!r}"
            for key, value in self.expected_fields(ds).items():
                assert show.get(key) == value, f"{ds.name}: {key} is {show.get(key)!r}, expected {value!r}"
            item = self.current(ds.id)
            if item is not None:
                has_deadline = item.state in ("requested", "returned") or (
                    item.state == "submitted" and self.letters[item.letter].all_submitted)
                assert (show["sop_deadline"] is not None) == has_deadline, (ds.name, item.state, show["sop_deadline"])
            assert show["private"] is (not ds.public), \
                f"{ds.name}: private={show['private']}, expected {not ds.public}"
            if ds.ever_public:
                assert show["private"] is False, f"{ds.name} was public and became private"
            assert show["owner_org"] == self.orgs[ds.opd]["id"]
        ids = list(self.datasets)
        # CKAN appends its own clauses to fq: every part of ours must be required (+).
        id_query = "+id:(" + " OR ".join(_phrase(i) for i in ids) + ")"
        found = self.read("package_search", fq=id_query, include_private=True, rows=1000)
        got = {r["id"]: r for r in found["results"]}
        assert set(got) == set(ids), f"the index lacks {set(ids) - set(got)}"
        for ds_id, doc in got.items():
            show = shows[ds_id]
            assert doc["private"] == show["private"], f"{show['name']}: index private={doc['private']}"
            for key in SOP_FIELDS:
                assert _indexed(doc.get(key)) == _indexed(show.get(key)), (
                    f"{show['name']}: package_search {key}={doc.get(key)!r}, package_show {show.get(key)!r}")
        # The indexed (filterable) fields, in one query; on a mismatch, find which.
        query = "+(" + " OR ".join(_clause(i, shows[i]) for i in ids) + ")"
        if self.read("package_search", fq=query, include_private=True, rows=0)["count"] != len(ids):
            for ds_id in ids:
                for key in SOP_FIELDS:
                    value = _indexed(shows[ds_id].get(key))
                    part = f"-{key}:[* TO *]" if value is None else f"+{key}:{_phrase(value)}"
                    single = f"+id:{_phrase(ds_id)} {part}"
                    if not self.read("package_search", fq=single, include_private=True, rows=0)["count"]:
                        raise AssertionError(f"{shows[ds_id]['name']}: the index does not hold {key}="
                                             f"{_indexed(shows[ds_id].get(key))!r} (package_show)")
            raise AssertionError("the indexed SOP fields disagree with package_show")
        # The public sees exactly the published datasets.
        try:
            public = call_action("package_search", as_user(None), fq=id_query, rows=1000)
        finally:
            model.Session.remove()
        assert {r["id"] for r in public["results"]} == {d.id for d in self.datasets.values() if d.public}

    @invariant()
    def letters_items_and_events(self) -> None:
        """The letters and items are as the model says; one open request per entry and
        dataset; every transition logged once."""
        open_per_entry: dict[str, int] = {}
        listed = {r["id"]: r for r in self.read("sopsektoral_letter_list", q=self.tok, limit=1000)["results"]}
        assert set(listed) == set(self.letters)
        for letter in self.letters.values():
            shown = listed[letter.id]
            assert shown["state"] == letter.state, (letter.subject, shown["state"], letter.state)
            assert shown["number"] == letter.number
            if shown["state"] in UNSENT:
                shown = self.read("sopsektoral_letter_show", id=letter.id)
                entries = {i["daftar_data_id"] for g in shown["organizations"] for i in g["items"]}
                assert entries == set(letter.entries)
                for entry in entries:
                    open_per_entry[entry] = open_per_entry.get(entry, 0) + 1
        # The events of this example (the log's seq has no gaps): each transition once, with its states.
        events: dict[str | None, list[tuple[str, str | None, str | None, str | None]]] = {}
        for e in self.read("sopsektoral_event_list", offset=self.events_before, limit=1000):
            events.setdefault(e["letter_id"], []).append((e["action"], e["item_id"], e["from_state"], e["to_state"]))
        assert set(events) - {None} <= set(self.letters), "events of letters this example does not know"
        assert {a for a, *_ in events.get(None, [])} <= {"daftar_data_import"}, events.get(None)
        for letter in self.letters.values():
            assert events.get(letter.id, []) == letter.events, (
                f"events of {letter.subject}:\n got      {events.get(letter.id)}\n expected {letter.events}")
        open_per_dataset: dict[str, int] = {}
        for opd, org in enumerate(self.orgs):
            rows = self.read("sopsektoral_item_list", owner_org=org["id"], limit=1000)["results"]
            mine = {i.id: i for i in self.items.values() if i.opd == opd}
            assert {r["id"] for r in rows} == set(mine)
            for row in rows:
                item = mine[row["id"]]
                got = (row["state"], row["dataset_id"], row["letter_id"], row["claimed_by"], row["published"])
                want = (item.state, item.dataset, item.letter, item.claimed_by, item.published)
                assert got == want, f"item {row['title']}: {got} != model {want}"
                if not self.is_current(item):
                    assert not row["available_actions"], (
                        f"the superseded item {row['title']} of {row['letter_number']} still offers "
                        f"{row['available_actions']}")
                if row["state"] in OPEN_STATES:
                    open_per_entry[row["daftar_data_id"]] = open_per_entry.get(row["daftar_data_id"], 0) + 1
                    open_per_dataset[row["dataset_id"]] = open_per_dataset.get(row["dataset_id"], 0) + 1
        for entry, n in open_per_entry.items():
            assert n <= 1, f"{n} open requests of {self.entries[entry].title} {self.entries[entry].year}"
        for ds, n in open_per_dataset.items():
            assert n <= 1, f"{n} open requests of the dataset {self.datasets[ds].name}"

    @invariant()
    def each_opd_sees_its_own(self) -> None:
        """An operator lists only its OPD's items and cannot read another OPD's private
        datasets (their SOP status neither: checked for one of them per step)."""
        self.checks += 1
        for opd, operator in enumerate(self.operators):
            rows = call_action("sopsektoral_item_list", as_user(operator), limit=1000)["results"]
            assert {r["id"] for r in rows} == {i.id for i in self.items.values() if i.opd == opd}
            hidden = [ds for ds in self.datasets.values() if ds.opd != opd and not ds.public]
            reads = [("package_show", ds) for ds in hidden]
            if hidden:
                reads.append(("sopsektoral_status_show", hidden[self.checks % len(hidden)]))
            for action, ds in reads:
                try:
                    call_action(action, as_user(operator), id=ds.id)
                    raise AssertionError(f"{operator} of another OPD reads the private {ds.name} ({action})")
                except tk.NotAuthorized:
                    pass
        model.Session.remove()

    def teardown(self) -> None:
        from ckanext.sopsektoral import events

        try:
            audit = events.verify_event_log(model.Session)
            assert audit.ok, audit.problem
        finally:
            model.Session.remove()


def test_recurring_collection_keeps_every_invariant(cast: Cast) -> None:
    staff2 = factories.User(fullname="Staf Statistik Dua")
    assign(staff2, cast.sop.verification.executor)
    model.Session.remove()

    class Machine(RecurrenceMachine):
        pass

    Machine.cast = cast
    Machine.staff2 = staff2
    started = time.monotonic()
    run_state_machine_as_test(Machine, _min_steps=MIN_STEPS, settings=settings(
        max_examples=EXAMPLES,
        stateful_step_count=STEPS,
        derandomize=not LONG,
        database=None,
        deadline=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    ))
    print(f"\n{EXAMPLES} examples of {MIN_STEPS} to {STEPS} steps, {time.monotonic() - started:.0f} s:")
    for what, n in sorted(STATS.items()):
        print(f"  {n:6d}  {what}")
