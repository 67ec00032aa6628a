"""Issue 11: no input to any ``sopsektoral_*`` action is a server error (property-based).

One portal is built for the module, through the actions: request letters in every state of the
chain (draft, awaiting each approval, signed, sent, cancelled), the data items of sent letters in
every state (requested, submitted, claimed, returned, verified, published), Daftar Data entries
of two years (some held by no letter), position assignments, datasets of two OPDs (public,
private, deleted), and users of every part: the drafter, the first approver, the signer, the
verifier, an operator of each OPD, a logged-in user with no role, a sysadmin and anonymous.
State accumulates from test to test; before each, letters and items that earlier calls moved
along are replaced (``Portal.refresh``).

Every action of ``logic.action.__all__`` is then called with (role, input) pairs hypothesis draws
from the action's declared parameters (logic/schema.py, through strategies.py). A third are the
action used as meant: a role its auth lets through, the objects it acts on in their state now,
typed values; so every action also succeeds now and then. The others are anything: any role, the
portal's real ids (the caller's own objects, another OPD's, other users', unknown ones), typed
values at and within their bounds, and hostile values (wrong types, huge and non-finite numbers,
nested lists and dicts, 10,000-character strings, emoji, RTL marks, combining characters, lone
surrogates, NUL and control characters, SQL and HTML payloads), unknown parameters and missing
required ones. For every call:

- the outcome is a result, a ``ValidationError`` (naming parameters that were sent, required
  ones, or the documented domain keys), ``ObjectNotFound`` or ``NotAuthorized``, nothing else;
- a call that fails, and any call of a read (side-effect-free) action, writes nothing: a
  fingerprint of the workflow's tables and of CKAN's package, resource and member tables (their
  rows, and their newest row version) is the same after it;
- a result matches the action's result schema (``helpers.assert_result_valid``, when present).

The same through the HTTP API (Flask test client, an API token per role): POST of JSON (a
multipart upload for the Daftar Data import) to every action and GET with a query string to the
side-effect-free ones answer 200, 403, 404 or 409 with CKAN's JSON envelope, and write nothing
when they fail. CKAN itself answers some requests before any action runs: malformed bodies
(invalid JSON, a list or a string instead of an object) and a GET of a write action get 400 with a
JSON string rather than its envelope, and so does a form of one field valued "1" or "" (CKAN
reads its name as a JSON body); werkzeug refuses a multipart body of more than 1,000 parts
(413); a JSON body nested deeper than 100 levels gets the same 400 from views/api.refuse_deep_json
(CKAN would fail on it with a RecursionError, a 500).

Examples per action and transport: ``SOPSEKTORAL_FUZZ_EXAMPLES`` (default 15: the module takes
about a minute and a half on a 2-core machine; 100 examples about five minutes). With
``--hypothesis-show-statistics`` each test shows its outcomes per role. The tests are marked
``fuzz`` (``-m "not fuzz"`` skips them).
"""
from __future__ import annotations

import dataclasses
import io
import itertools
import json
import math
import os
import urllib.parse
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan import model
from ckan.tests import factories
from ckan.tests.helpers import _get_test_app, call_action

from ckanext.sopsektoral import readiness, sop
from ckanext.sopsektoral.access import ITEM_ACTION_STATES
from ckanext.sopsektoral.items.deadlines import verification_opened_at
from ckanext.sopsektoral.items.states import REQUESTED, RETURNED, VERIFIED
from ckanext.sopsektoral.logic import action as actions
from ckanext.sopsektoral.logic import schema
from ckanext.sopsektoral.model import Letter, LetterItem, Officer
from ckanext.sopsektoral.tests import helpers
from ckanext.sopsektoral.tests.factories import sectoral_dataset
from ckanext.sopsektoral.tests.helpers import (
    TEST_SOP_FILE,
    Cast,
    advance,
    as_user,
    assign,
    balikpapan_csv,
    items_of,
    make_cast,
    more_entries,
    upload,
)
from ckanext.sopsektoral.tests.logic.strategies import UNKNOWN_ID, Pools, requests

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("SOPSEKTORAL_FUZZ_EXAMPLES") or 15)
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

ACTIONS = [name for name in actions.__all__ if name.startswith("sopsektoral_")]
READS = [name for name in ACTIONS if getattr(getattr(actions, name), "side_effect_free", False)]
ROLES = ("drafter", "first_approver", "signer", "verifier", "operator", "other_operator", "user",
         "sysadmin", "anonymous")
# Keys a ValidationError may name besides the parameters sent and the required ones: what the
# domain refuses (a letter's or item's state, its items, a dataset's resources or classification,
# the search index, a claim or a position held, a file or rows to import).
DOMAIN_KEYS = frozenset({"id", "state", "items", "number", "resources", "klasifikasi_akses", "search",
                         "user", "position", "upload", "rows", "format"})
# CKAN's tables a failed action must leave as they were (besides the plugin's own, sopsektoral_*).
CORE_TABLES = ("package", "package_extra", "package_tag", "resource", "member", "group", "package_member",
               "activity")
STATUSES = {200, 403, 404, 409}
MAX_FORM_PARTS = 1000  # werkzeug's default max_form_parts: a bigger multipart body is answered 413

_names = itertools.count()


def _title() -> str:
    """A fresh Daftar Data title (letters only: titles must not look like years)."""
    n, out = next(_names), ""
    while True:
        n, r = divmod(n, 26)
        out = "abcdefghijklmnopqrstuvwxyz"[r] + out
        if not n:
            return f"Fuzz Indikator {out.title()}"


# ---------------------------------------------------------------- the portal

@dataclasses.dataclass
class Portal:
    cast: Cast
    letters: list[str] = dataclasses.field(default_factory=list)
    items: list[str] = dataclasses.field(default_factory=list)
    entries: list[str] = dataclasses.field(default_factory=list)
    officers: list[str] = dataclasses.field(default_factory=list)  # revocable: not the cast's
    datasets: list[str] = dataclasses.field(default_factory=list)  # ids and names
    spare_users: list[str] = dataclasses.field(default_factory=list)  # ids and names
    tokens: dict[str, str] = dataclasses.field(default_factory=dict)
    tables: list[str] = dataclasses.field(default_factory=list)
    cache: dict[Any, Any] = dataclasses.field(default_factory=dict)  # per test: see requests()

    def user(self, role: str) -> dict[str, Any] | None:
        return None if role == "anonymous" else getattr(self.cast, role)

    # ------------------------------------------------------------ making letters and items

    def letter(self, to: str, year: int = 2026, opds: tuple[str, ...] = ("dinas-kesehatan",),
               per_opd: int = 2) -> str:
        """A new letter for fresh entries (``per_opd`` of each OPD), moved along the chain to ``to``."""
        entries = [e for opd in opds for e in more_entries([_title() for _ in range(per_opd)], opd=opd, year=year)]
        self.entries += [e["id"] for e in entries]
        letter = call_action("sopsektoral_letter_create", as_user(self.cast.drafter), subject=f"Fuzz {to}",
                             data_year=year, items=[e["id"] for e in entries])
        self.letters.append(letter["id"])
        if to == sop.CANCELLED:
            call_action("sopsektoral_letter_cancel", as_user(self.cast.drafter), id=letter["id"])
        elif to == sop.SENT:
            advance(self.cast, letter["id"], sop.SIGNED)
            call_action("sopsektoral_letter_send", as_user(self.cast.drafter), id=letter["id"])
            found = items_of(letter["id"])
            self.items += [i["id"] for i in found]
            self.datasets += [i["dataset_id"] for i in found]
        elif to != sop.DRAFT:
            advance(self.cast, letter["id"], to)
        return letter["id"]

    def _operator(self, item: dict[str, Any]) -> dict[str, Any]:
        return self.cast.operator if item["owner_org"] == self.cast.opd["id"] else self.cast.other_operator

    def batch(self) -> None:
        """Items in every state: a sent letter of six items (two OPDs), all submitted (so that its
        verification is open), then one verified and published, one verified, one returned, one
        claimed, two left; a sent letter whose four items are requested, two with their data
        uploaded (so that they can be submitted)."""
        cast, verifier = self.cast, as_user(self.cast.verifier)
        collected = self.letter(sop.SENT, per_opd=3, opds=("dinas-kesehatan", "dinas-perhubungan"))
        found = sorted(items_of(collected), key=lambda i: (i["owner_org"] != cast.opd["id"], i["title"]))
        for item in found:
            upload(item["dataset_id"], balikpapan_csv(2026), "data-2026.csv", self._operator(item))
            call_action("sopsektoral_item_submit", as_user(self._operator(item)), id=item["id"])
        call_action("sopsektoral_item_verify", verifier, id=found[0]["id"], checklist={"metadata": True})
        call_action("sopsektoral_item_publish", as_user(cast.sysadmin), id=found[0]["id"])
        call_action("sopsektoral_item_verify", verifier, id=found[1]["id"])
        call_action("sopsektoral_item_return", verifier, id=found[2]["id"], note="Kode wilayah belum sesuai")
        call_action("sopsektoral_item_claim", verifier, id=found[3]["id"])
        requested = self.letter(sop.SENT, opds=("dinas-kesehatan", "dinas-perhubungan"))
        for item in items_of(requested)[::2]:
            upload(item["dataset_id"], balikpapan_csv(2026), "data-2026.csv", self._operator(item))

    # ------------------------------------------------------------ the states now

    def letter_states(self) -> dict[str, str]:
        return dict(model.Session.execute(
            sa.select(Letter.id, Letter.state).where(Letter.id.in_(self.letters))).all())

    def item_states(self) -> dict[str, str]:
        rows = model.Session.execute(sa.select(LetterItem.id, LetterItem.state, LetterItem.published_at)
                                     .where(LetterItem.id.in_(self.items))).all()
        return {id_: "published" if published else state for id_, state, published in rows}

    def wanted_letter_states(self) -> tuple[str, ...]:
        return (sop.DRAFT, *self.cast.sop.approval_states, sop.SIGNED)

    def refresh(self) -> None:
        """Letters and items that earlier calls moved along are replaced, so that each test finds
        letters in every state of the chain, items in every state, and entries no letter holds."""
        held = set(self.letter_states().values())
        for state in self.wanted_letter_states():
            if state not in held:
                self.letter(state)
        if not {REQUESTED, RETURNED, VERIFIED} <= set(self.item_states().values()) \
                or not self.preferred("sopsektoral_item_verify"):  # submitted, verification open
            self.batch()
        if len(self.free_entries()) < 3:
            self.entries += [e["id"] for e in more_entries([_title() for _ in range(3)])]
        if not self.revocable():
            self.spare_officer()
        self.cache.clear()
        model.Session.remove()

    def spare_officer(self) -> None:
        """A user outside the cast holding a position as acting (Plh.), to be revoked."""
        spare = factories.User(name=f"fuzz-spare-{len(self.spare_users) // 2}")
        self.spare_users += [spare["name"], spare["id"]]
        position = self.cast.sop.position_keys[len(self.officers) % len(self.cast.sop.position_keys)]
        self.officers.append(assign(spare, position, acting="plh")["id"])

    def revocable(self) -> list[str]:
        return list(model.Session.execute(sa.select(Officer.id).where(
            Officer.id.in_(self.officers), Officer.revoked.is_(None))).scalars())

    def free_entries(self) -> list[str]:
        listed = call_action("sopsektoral_daftar_data_list", year=2026, limit=1000)["results"]
        return [e["id"] for e in listed if not e.get("requested_by")]

    def preferred(self, action: str) -> list[str]:
        """What ``action`` acts on in its state now: letters and items where the SOP lets it, the
        entries no letter holds, revocable assignments, datasets."""
        name = action.removeprefix("sopsektoral_")
        if name in ("daftar_data_update", "daftar_data_delete"):
            return self.free_entries()
        if name == "officer_revoke":
            return self.revocable()
        if name in ("status_show", "period_list", "reindex"):
            return self.datasets
        if name.startswith("letter_"):
            moves = self.cast.sop.transitions().get(name.removeprefix("letter_"))
            if moves:
                return [id_ for id_, state in self.letter_states().items() if state in moves]
        if name.startswith("item_"):
            states = ITEM_ACTION_STATES.get(name.removeprefix("item_"))
            if states:
                found = [id_ for id_, state in self.item_states().items() if state in states]
                if name in ("item_verify", "item_return"):  # only once the letter's verification opened
                    found = [id_ for id_ in found if verification_opened_at(
                        model.Session.get(Letter, model.Session.get(LetterItem, id_).letter_id))]
                return found
        return []

    def likely_roles(self, action: str, preferred: list[str]) -> list[str]:
        """The roles the action's auth lets through (for one of the ``preferred`` objects)."""
        data = {"id": preferred[0]} if preferred else {}
        roles = []
        for role in ROLES:
            user = self.user(role)
            try:
                tk.check_access(action, {"user": user["name"] if user else ""}, dict(data))
            except tk.NotAuthorized:
                continue
            roles.append(role)
        model.Session.remove()
        return [r for r in roles if r != "sysadmin"] or roles

    def requests(self, action: str, transport: str) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
        """What to draw (role, input) pairs of ``action`` from, called through ``transport``
        (``python``, ``POST`` or ``GET``): built once per test, from the portal as it is then (the
        same for every example of a test: hypothesis replays its draws)."""
        key = (action, transport)
        if key not in self.cache:
            pools, likely = self.pools(action)
            params = schema.ACTIONS.get(action, {})
            if transport == "GET":  # no file in a query string
                params = {k: param for k, param in params.items() if param.kind != "file"}
            self.cache[key] = requests(action, params, pools, roles=ROLES, likely=likely,
                                       python=transport == "python")
        return self.cache[key]

    def pools(self, action: str) -> tuple[Pools, list[str]]:
        """The values to draw from for ``action``, and the roles its auth lets through (half the
        draws are of those, the others of any role, anonymous included)."""
        preferred = self.preferred(action)
        users = [u[k] for u in (self.user(r) for r in ROLES) if u for k in ("name", "id")]
        orgs = [o[k] for o in (self.cast.opd, self.cast.other_opd) for k in ("id", "name", "title")]
        pools = Pools(letters=self.letters, items=self.items, entries=self.entries, officers=self.officers,
                      datasets=self.datasets, orgs=orgs, users=[*users, "nobody-here"],
                      spare_users=[*self.spare_users, "nobody-here"], preferred=preferred,
                      free_entries=self.free_entries())
        roles = self.likely_roles(action, preferred)
        model.Session.remove()
        return pools, roles


def build_portal() -> Portal:
    cast = make_cast()
    portal = Portal(cast=cast)
    for state in portal.wanted_letter_states():
        portal.letter(state)
    portal.letter(sop.CANCELLED)
    portal.letter(sop.DRAFT, year=2025, opds=("dinas-perhubungan",))
    portal.batch()

    # Datasets besides the items': of both OPDs, public, private and deleted.
    public = sectoral_dataset(owner_org=cast.opd["id"], name="fuzz-public-a", private=False)
    private = sectoral_dataset(owner_org=cast.other_opd["id"], name="fuzz-private-b", private=True)
    deleted = sectoral_dataset(owner_org=cast.opd["id"], name="fuzz-deleted-a")
    call_action("package_delete", id=deleted["id"])
    for pkg in (public, private, deleted):
        portal.datasets += [pkg["id"], pkg["name"]]

    # Assignments that may be revoked, and users that may be given positions, outside the cast.
    for _ in range(3):
        portal.spare_officer()

    for role in ROLES:
        user = portal.user(role)
        if user:
            portal.tokens[role] = factories.APIToken(user=user["name"])["token"]
    portal.tables = _tables()
    model.Session.remove()
    return portal


@pytest.fixture(scope="module")
def portal(reset_db, migrate_db_for, reset_index):
    """One populated portal for the module (state accumulates from test to test: what earlier
    calls moved along is replaced before each test, see Portal.refresh)."""
    with pytest.MonkeyPatch.context() as patch:
        path = os.environ.get(TEST_SOP_FILE)
        if path:
            patch.setitem(tk.config, sop.SOP_FILE, os.path.abspath(path))
        # Loaded for the whole module (with_plugins would load them anew for each test).
        p.load_all()
        try:
            reset_db()
            migrate_db_for("sopsektoral")
            readiness.reset()
            reset_index()
            yield build_portal()
        finally:
            _unload_plugins()


def _unload_plugins() -> None:
    unload_all = getattr(p, "unload_non_system_plugins", None)  # CKAN 2.11+
    if unload_all is not None:
        unload_all()
        return
    for name in reversed(tk.aslist(tk.config.get("ckan.plugins"))):  # as CKAN 2.10's with_plugins
        if p.plugin_loaded(name):
            p.unload(name)


@pytest.fixture(scope="module")
def client(portal):
    return _get_test_app()


@pytest.fixture
def fresh(portal) -> Portal:
    portal.refresh()
    return portal


# ---------------------------------------------------------------- what every call must satisfy

def _tables() -> list[str]:
    names = model.Session.execute(sa.text(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_type = 'BASE TABLE'")).scalars().all()
    return sorted(n for n in names if (n.startswith("sopsektoral_") and "alembic" not in n) or n in CORE_TABLES)


def fingerprint(tables: list[str]) -> dict[str, tuple[int, int]]:
    """The rows of each table, and its newest row version: PostgreSQL gives every row that is
    inserted or updated a new ``xmin`` (the writing transaction's id, this session's too before
    it commits; a rolled-back write leaves none), so any write shows, cheaply."""
    sql = " UNION ALL ".join(
        f"SELECT '{t}', count(*), coalesce(max(x.xmin::text::bigint), 0) FROM \"{t}\" x" for t in tables)
    return {name: (count, newest) for name, count, newest in model.Session.execute(sa.text(sql))}


def _shown(key: Any) -> str:
    return (key if isinstance(key, str) else repr(key))[:100]


def check_error_keys(action: str, data: dict[str, Any], error: tk.ValidationError) -> None:
    """A ValidationError names what was sent, what is required, or a documented domain key."""
    errors = error.error_dict
    assert errors, "an empty ValidationError"
    sent = {_shown(k) for k in data}
    required = {name for name, p in schema.ACTIONS.get(action, {}).items() if p.required}
    stray = set(errors) - sent - required - DOMAIN_KEYS
    assert not stray, f"{action}: errors on {stray}, which were not sent: {errors}"
    json.dumps(errors)  # the API sends them as they are


def check_result(action: str, result: Any) -> None:
    json.dumps(result)
    validate = getattr(helpers, "assert_result_valid", None)
    if validate is not None:
        validate(action, result)


def _context(portal: Portal, role: str) -> dict[str, Any]:
    user = portal.user(role)
    return {"user": user["name"] if user else "", "ignore_auth": False}


def _describe(data: dict[str, Any]) -> str:
    def short(v: Any) -> Any:
        if isinstance(v, str) and len(v) > 60:
            return f"{v[:30]!r}... ({len(v)} chars)"
        if isinstance(v, FileStorage):
            return f"<file {v.filename!r}>"
        if isinstance(v, list) and len(v) > 10:
            return f"[{len(v)} entries, first {v[0]!r}]"
        return v
    return repr({k: short(v) for k, v in data.items()})


def call(portal: Portal, role: str, action: str, data: dict[str, Any]) -> str:
    """Call ``action`` as ``role`` with ``data``, check the properties, return the outcome."""
    note(f"{action} as {role}: {_describe(data)}")
    model.Session.remove()
    before = fingerprint(portal.tables)
    try:
        try:
            result = tk.get_action(action)(_context(portal, role), dict(data))
        except tk.ValidationError as err:
            check_error_keys(action, data, err)
            outcome = "invalid"
        except tk.ObjectNotFound:
            outcome = "not found"
        except tk.NotAuthorized:
            outcome = "denied"
        else:
            check_result(action, result)
            outcome = "ok"
        if outcome != "ok" or action in READS:
            after = fingerprint(portal.tables)
            changed = {t for t in before if before[t] != after.get(t)}
            assert not changed, f"{action} as {role} ({outcome}) changed {changed}"
    finally:
        model.Session.remove()  # as a request ends, even a failed one
    event(f"{role}: {outcome}")
    event(outcome)
    return outcome


# ---------------------------------------------------------------- through the action layer

@pytest.mark.parametrize("action", ACTIONS)
@FUZZ
@given(st.data())
def test_actions_answer_only_result_or_client_errors(fresh, action, data):
    role, data_dict = data.draw(fresh.requests(action, "python"), label="role, data_dict")
    call(fresh, role, action, data_dict)


# ---------------------------------------------------------------- through the HTTP API

def _json_safe(value: Any) -> Any:
    """What a JSON client can send of ``value`` (Python's json writes NaN and infinities, which
    CKAN reads back; a file becomes its name)."""
    if isinstance(value, FileStorage):
        return value.filename
    return value


def _received(text: str) -> str:
    """What the server reads of ``text`` sent in a form or a query string: the same, but a lone
    surrogate (the bytes a client sends for it are not UTF-8) becomes replacement characters."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _form_value(value: Any) -> Any:
    """``value`` as a multipart form field: strings as they are, lists of strings as repeated
    fields, anything else as JSON."""
    if isinstance(value, str):
        return _received(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [_received(v) for v in value]
    return json.dumps(value)


def _query(data: dict[str, Any]) -> str:
    """``data`` as a query string: a list as repeated keys, other non-strings as JSON, each
    percent-encoded from UTF-8 (a lone surrogate as the bytes a client would send for it)."""
    def quoted(text: str) -> str:
        return urllib.parse.quote(text.encode("utf-8", "surrogatepass"), safe="")

    def values(value: Any) -> list[str]:
        if isinstance(value, list):
            return [v if isinstance(v, str) else json.dumps(v) for v in value] or [""]
        return [value if isinstance(value, str) else json.dumps(value)]

    return "&".join(f"{quoted(k)}={quoted(v)}" for k, value in data.items() for v in values(value))


def check_envelope(action: str, data: dict[str, Any], response: Any) -> None:
    """The answer of the action: a status it may answer with, CKAN's JSON envelope around its
    result or its error, and the properties of ``call``."""
    status = response.status_code
    assert status in STATUSES, f"{action}: {status} {response.get_data(as_text=True)[:500]}"
    envelope = json.loads(response.get_data(as_text=True), parse_constant=lambda c: math.nan)
    assert envelope["success"] is (status == 200) and "help" in envelope
    if status == 200:
        check_result(action, envelope["result"])
        return
    assert envelope["error"]["__type"] in ("Validation Error", "Not Found Error", "Authorization Error"), envelope
    if status == 409:
        check_error_keys(action, data, tk.ValidationError(
            {k: v for k, v in envelope["error"].items() if k != "__type"}))


def http_call(client: Any, portal: Portal, role: str, action: str, data: dict[str, Any], method: str) -> int:
    """``data`` sent to ``action`` as ``role`` with ``method`` (a POST of JSON, or multipart with a
    file; a GET with a query string); the properties checked; returns the status."""
    note(f"{method} {action} as {role}: {_describe(data)}")
    headers = {"Authorization": portal.tokens[role]} if role in portal.tokens else {}
    url = f"/api/3/action/{action}"
    model.Session.remove()
    before = fingerprint(portal.tables)
    model.Session.remove()
    ckans = None  # the status CKAN or werkzeug answers with before the action runs, if they do
    if method == "GET" or any(isinstance(v, FileStorage) for v in data.values()):
        data = {_received(k): v for k, v in data.items()}  # the names the errors will name
    if method == "GET":
        response = client.get(url, query_string=_query(data), headers=headers)
    elif any(isinstance(v, FileStorage) for v in data.values()):
        form: dict[str, Any] = {k: _form_value(v) for k, v in data.items() if not isinstance(v, FileStorage)}
        fields = list(form.values())
        for k, v in data.items():
            if isinstance(v, FileStorage):
                form[k] = (io.BytesIO(v.stream.read()), v.filename or "upload")
        if sum(len(v) if isinstance(v, list) else 1 for v in form.values()) > MAX_FORM_PARTS:
            ckans = 413  # werkzeug refuses the body (an HTML page)
        elif len(fields) == 1 and fields[0] in ("1", ""):
            # CKAN reads a form of one field valued "1" or "" as a JSON body in the field's name
            # (views/api.py _get_request_data): not JSON, 400 with a JSON string.
            ckans = 400
        response = client.post(url, data=form, headers=headers, content_type="multipart/form-data")
    else:
        body = json.dumps({k: _json_safe(v) for k, v in data.items()})
        response = client.post(url, data=body, headers=headers, content_type="application/json")
    status = response.status_code
    if ckans is not None:
        assert status == ckans, f"{method} {action} as {role}: {status}, not CKAN's {ckans}"
    else:
        check_envelope(action, data, response)
    if status != 200 or action in READS:
        after = fingerprint(portal.tables)
        changed = {t for t in before if before[t] != after.get(t)}
        assert not changed, f"{method} {action} as {role} ({status}) changed {changed}"
    model.Session.remove()
    event(f"{role}: {status}")
    event(str(status))
    return status


@pytest.mark.parametrize("action", ACTIONS)
@FUZZ
@given(st.data())
def test_http_post_answers_only_client_errors(fresh, client, action, data):
    role, body = data.draw(fresh.requests(action, "POST"), label="role, body")
    http_call(client, fresh, role, action, body, "POST")


@pytest.mark.parametrize("action", READS)
@FUZZ
@given(st.data())
def test_http_get_answers_only_client_errors(fresh, client, action, data):
    role, query = data.draw(fresh.requests(action, "GET"), label="role, query")
    http_call(client, fresh, role, action, query, "GET")


MALFORMED = (
    b"{not json", b"[1, 2]", b'"a string"', b"null", b"42", b"\xff\xfe\x00", b'{"id": ', b"{}" * 3,
    # Nested deeper than Python's recursion limit: CKAN's own JSON reading would fail with a
    # RecursionError, a 500, before any action runs; views/api.refuse_deep_json answers 400 first.
    b"[" * 100_000 + b"]" * 100_000, b'{"id": ' * 50_000 + b"1" + b"}" * 50_000,
)


@pytest.mark.parametrize("body", MALFORMED, ids=lambda b: repr(b[:12]))
def test_malformed_bodies_are_answered_by_ckan(portal, client, body):
    """CKAN reads the body before any action runs and answers 400 itself: not with its envelope
    but with a JSON string, "Bad request - JSON Error: ..." (views/api.py ``_finish_bad_request``,
    CKAN's answer, not the extension's). Nothing is written."""
    model.Session.remove()
    before = fingerprint(portal.tables)
    model.Session.remove()
    for action in ACTIONS:
        response = client.post(f"/api/3/action/{action}", data=body, content_type="application/json",
                               headers={"Authorization": portal.tokens["sysadmin"]})
        assert response.status_code == 400, (action, body[:20], response.status_code)
        answer = response.get_json()
        assert isinstance(answer, str) and answer.startswith(("Bad request", "Permintaan")), answer
    assert fingerprint(portal.tables) == before
    model.Session.remove()


def test_form_bodies_and_get_of_write_actions(portal, client):
    """A form-encoded body reaches the action as strings (409 for what it does not take); a GET
    of a write action is refused by CKAN (400, "use POST") before it runs."""
    model.Session.remove()
    before = fingerprint(portal.tables)
    model.Session.remove()
    headers = {"Authorization": portal.tokens["sysadmin"]}
    for action in ACTIONS:
        url = f"/api/3/action/{action}"
        response = client.post(url, data={"id": "x\x00", "junk": "1", "limit": "1e9"}, headers=headers)
        assert response.status_code in STATUSES, (action, response.status_code)
        assert response.get_json()["success"] is (response.status_code == 200)
        if action not in READS:
            response = client.get(url, query_string={"id": UNKNOWN_ID}, headers=headers)
            assert response.status_code == 400 and isinstance(response.get_json(), str), action
    assert fingerprint(portal.tables) == before
    model.Session.remove()


def test_several_items_are_verified_and_published_all_or_none(fresh):
    """Found by fuzzing: verifying (or publishing) several items of which a later one cannot be
    left the earlier ones verified (published), in the tables and in the search index: CKAN's
    ``search.rebuild`` committed each item's transition, and publishing committed its dataset."""
    sysadmin = as_user(fresh.cast.sysadmin)

    def first(listed: list[dict[str, Any]], wanted: Any) -> dict[str, Any] | None:
        return next((i for i in listed if wanted(i)), None)

    wanted = (lambda i: "verify" in i["available_actions"], lambda i: "publish" in i["available_actions"],
              lambda i: i["state"] == REQUESTED)
    listed = call_action("sopsektoral_item_list", sysadmin, limit=1000)["results"]
    if None in [first(listed, w) for w in wanted]:  # earlier tests of the module moved them along
        fresh.batch()
        model.Session.remove()
        listed = call_action("sopsektoral_item_list", sysadmin, limit=1000)["results"]
    verifiable, publishable, stuck = (first(listed, w) for w in wanted)
    assert verifiable and publishable and stuck

    def indexed(item: dict[str, Any]) -> dict[str, Any]:
        return call_action("package_search", include_private=True, fq=f'id:"{item["dataset_id"]}"')["results"][0]

    model.Session.remove()
    before = fingerprint(fresh.tables)
    for action, item in (("sopsektoral_item_verify", verifiable), ("sopsektoral_item_publish", publishable)):
        with pytest.raises(tk.ValidationError):
            call_action(action, dict(sysadmin), ids=[item["id"], stuck["id"]])
        model.Session.remove()
        assert fingerprint(fresh.tables) == before, action
        assert indexed(item)["sop_status"] == item["state"]
        assert call_action("package_show", id=item["dataset_id"])["private"] is True
        assert indexed(item)["private"] is True


def test_every_action_is_fuzzed(portal):
    """Every action the plugin registers is fuzzed here, and has its parameters declared."""
    registered = {name for name in p.get_plugin("sopsektoral").get_actions() if name.startswith("sopsektoral_")}
    assert registered == set(ACTIONS) and registered <= set(schema.ACTIONS)
