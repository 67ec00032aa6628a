"""logic/schema.py: each kind of parameter takes the values of its type and refuses the others with a
message on the parameter's name; no input is anything but a result or a ``ValidationError`` naming
parameters. These tests need no database: they check the declarations (the plugin is loaded
only where a domain validator of logic/validators.py runs)."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ckan.plugins.toolkit as tk

from ckanext.sopsektoral.logic import schema
from ckanext.sopsektoral.logic.schema import Param

CONTEXT: dict[str, Any] = {}


def errors(action: str, **data: Any) -> dict[str, list[str]]:
    """The field errors ``schema.check`` gives ``data`` for ``action``."""
    with pytest.raises(tk.ValidationError) as err:
        schema.check(action, data, CONTEXT)
    return err.value.error_dict


def refused(param: Param, value: Any) -> str:
    """The message of ``param`` refusing ``value``."""
    with pytest.raises(tk.Invalid) as err:
        param.check(value)
    return err.value.error


# ---------------------------------------------------------------- strings and texts

STRING = Param("string", max_length=10)
TEXT = Param("text", max_length=10)


@pytest.mark.parametrize("value", ["a\x00b", "\x00", "a\x01", "\x1b[31m", "a\x7f", "a\nb", "a\tb", "a\rb",
                                   "\x0b", "\x0c", "\x1f"])
def test_a_string_has_no_control_characters(value):
    assert refused(STRING, value) == "Must not contain control characters"


@pytest.mark.parametrize("value", ["l1\nl2", "a\tb", "a\r\nb"])
def test_a_text_keeps_its_lines_and_tabs(value):
    assert TEXT.check(value) == value


@pytest.mark.parametrize("value", ["a\x00b", "\x01", "\x0b", "\x0c", "\x1b", "\x7f"])
def test_a_text_has_no_other_control_characters(value):
    assert refused(TEXT, value) == "Must not contain control characters"


def test_notes_and_bodies_are_texts():
    text = "Baris satu\n\tBaris dua\r\n"
    assert schema.check("sopsektoral_letter_return", {"id": "x", "note": text}, CONTEXT)["note"] == text
    assert schema.check("sopsektoral_letter_create", {"subject": "S", "data_year": 2026, "body": text},
                        CONTEXT)["body"] == text
    assert "subject" in errors("sopsektoral_letter_create", subject="Hal\nbaru", data_year=2026)


@pytest.mark.parametrize("param", [STRING, TEXT, Param("string_list")])
@pytest.mark.parametrize("value", ["\ud800", "a\udfffb"])
def test_a_lone_surrogate_is_refused(param, value):
    assert refused(param, value) == "Must be valid Unicode text"


def test_max_length():
    assert STRING.check("a" * 10) == "a" * 10
    assert refused(STRING, "a" * 11) == "At most 10 characters"
    assert TEXT.check("😀" * 10) == "😀" * 10  # characters, not bytes
    assert refused(TEXT, "😀" * 11) == "At most 10 characters"
    assert errors("sopsektoral_letter_show", id="a" * 101) == {"id": ["At most 100 characters"]}


@pytest.mark.parametrize("value", [1, 1.5, True, None, [], ["a"], {}, {"a": "b"}, b"bytes"])
def test_a_string_is_a_string(value):
    assert refused(STRING, value) == "Must be a string"


def test_enum_and_pattern():
    sifat = schema.params("sopsektoral_letter_create")["sifat"]
    assert sifat.check("segera") == "segera"
    assert refused(sifat, "SEGERA").startswith("Must be one of: biasa, penting")
    nip = schema.params("sopsektoral_officer_assign")["nip"]
    assert nip.check("198409102009022005") == "198409102009022005"
    assert refused(nip, "19840910200902200x") == "Does not have the expected form"


# ---------------------------------------------------------------- integers

INTEGER = Param("integer", minimum=0, maximum=1000)


@pytest.mark.parametrize("value", [True, False, 1.0, 1.5, float("nan"), float("inf"), [1], [], {}, {"a": 1},
                                   "12abc", "1.0", "1e3", "0x10", "", " ", "--1", "+", "١٢", "１２",
                                   "9999999999999"])
def test_an_integer_is_a_whole_number(value):
    assert refused(INTEGER, value) == "Must be a whole number"


@pytest.mark.parametrize("value, expected", [(0, 0), (1000, 1000), ("12", 12), (" 7 ", 7), ("0012", 12)])
def test_integers_and_digit_strings(value, expected):
    # A query string (GET) gives numbers as digit strings.
    assert INTEGER.check(value) == expected


@pytest.mark.parametrize("value", [-1, 1001, "1001", "-1", 10**30, -(10**30), 2**63])
def test_integers_are_bounded(value):
    assert refused(INTEGER, value) == "Must be a whole number from 0 to 1000"


def test_unbounded_integers_stay_within_postgresql_integer():
    assert refused(Param("integer"), 2**31) == f"Must be a whole number from {-(2**31 - 1)} to {2**31 - 1}"


def test_offset_limit_and_years():
    assert errors("sopsektoral_item_list", offset=10**30) == {"offset": ["Must be a whole number from 0 to 1000000"]}
    assert errors("sopsektoral_letter_list", limit=1001) == {"limit": ["Must be a whole number from 0 to 1000"]}
    assert errors("sopsektoral_daftar_data_list", year=10**30) == {
        "year": ["Must be a whole number from 1945 to 2100"]}
    assert schema.check("sopsektoral_event_list", {"limit": "20", "offset": "40"}, CONTEXT) == {
        "limit": 20, "offset": 40}


# ---------------------------------------------------------------- booleans

FLAG = Param("boolean")


@pytest.mark.parametrize("value", [1, 0, 1.0, "yes", "no", "1", "0", "on", "", None, [], {}, [True], "truee"])
def test_a_boolean_is_true_or_false(value):
    assert refused(FLAG, value) == "Must be true or false"


@pytest.mark.parametrize("value, expected", [(True, True), (False, False), ("true", True), ("false", False),
                                             ("True", True), (" FALSE ", False)])
def test_booleans(value, expected):
    assert FLAG.check(value) is expected


def test_an_empty_flag_is_not_false():
    assert errors("sopsektoral_letter_list", overdue="") == {"overdue": ["Must be true or false"]}


# ---------------------------------------------------------------- lists of strings

def test_one_string_is_a_list_of_one():
    # A query string (GET) gives a single value as a string.
    assert schema.check("sopsektoral_item_list", {"state": "submitted"}, CONTEXT)["state"] == ["submitted"]
    assert schema.check("sopsektoral_reindex", {"ids": "a,b"}, CONTEXT)["ids"] == ["a,b"]  # never split


@pytest.mark.parametrize("value", [[1], ["a", None], ["a", {"b": 1}], [["a"]], [True], {"a": "b"}, 1, True,
                                   ("a", 2)])
def test_a_list_of_strings_holds_strings(value):
    assert refused(Param("string_list"), value) == "Must be a list of strings"


def test_list_entries_are_checked_as_strings():
    states = schema.params("sopsektoral_item_list")["state"]
    assert states.check(["submitted", "verified"]) == ["submitted", "verified"]
    assert refused(states, ["submitted", "nonsense"]).startswith("Must be one of: ")
    assert refused(Param("string_list", max_length=3), ["abcd"]) == "At most 3 characters"
    assert refused(Param("string_list"), ["a\x00"]) == "Must not contain control characters"
    assert refused(Param("string_list", max_items=2), ["a", "b", "c"]) == "At most 2 entries"


def test_tembusan_lines_are_not_split_or_joined():
    data = schema.check("sopsektoral_letter_create", {
        "subject": "S", "data_year": 2026, "tembusan": ["Wali Kota, Balikpapan", "Sekda"]}, CONTEXT)
    assert data["tembusan"] == ["Wali Kota, Balikpapan", "Sekda"]
    assert "tembusan" in errors("sopsektoral_letter_create", subject="S", data_year=2026,
                                tembusan=["Wali Kota\nSekda"])


# ---------------------------------------------------------------- the checklist

CHECKLIST = schema.params("sopsektoral_item_verify")["checklist"]


def test_the_checklist():
    assert CHECKLIST.check({"metadata": True, "kebenaran": False}) == {"metadata": True, "kebenaran": False}
    assert CHECKLIST.check({}) == {}


@pytest.mark.parametrize("value", [1, "true", None, [], {}, "yes"])
def test_checklist_values_are_booleans(value):
    assert refused(CHECKLIST, {"metadata": value}) == "metadata: must be true or false"


def test_checklist_keys_are_known():
    message = refused(CHECKLIST, {"metadata": True, "surprise": True, "<b>": False})
    assert message.startswith("Unknown entries: surprise, <b>; use: ")
    assert "standar_data" in message
    assert refused(CHECKLIST, {1: True}).startswith("Unknown entries: 1;")


@pytest.mark.parametrize("value", [[], ["metadata"], "metadata", True, 1])
def test_the_checklist_is_an_object(value):
    assert refused(CHECKLIST, value) == "Must be an object"


# ---------------------------------------------------------------- dates

DATE = Param("date")


@pytest.mark.parametrize("value", ["2026-02-30", "2026-13-01", "2026-1-1", "26-01-01", "2026/01/01",
                                   "2026-01-01T00:00:00", "2026-01-01x", "20260101", "٢٠٢٦-٠١-٠١", "",
                                   "0000-01-01", "yesterday"])
def test_a_date_is_yyyy_mm_dd(value):
    assert refused(DATE, value) == "Must be a date in the form YYYY-MM-DD"


@pytest.mark.parametrize("value", [20260101, 2026.0, True, None, [], {}, ["2026-01-01"]])
def test_a_date_is_a_string(value):
    assert refused(DATE, value) == "Must be a date in the form YYYY-MM-DD"


@pytest.mark.parametrize("value", ["1899-12-31", "2201-01-01", "9999-12-31", "0001-01-01"])
def test_dates_are_within_range(value):
    assert refused(DATE, value) == "Must be a date between the years 1900 and 2200"


def test_a_date_is_a_date():
    assert DATE.check("2026-12-02") == dt.date(2026, 12, 2)
    assert DATE.check(" 2026-12-02 ") == dt.date(2026, 12, 2)
    assert schema.check("sopsektoral_officer_list", {"on_date": "2026-12-02"}, CONTEXT) == {
        "on_date": dt.date(2026, 12, 2)}
    assert errors("sopsektoral_officer_list", on_date="99999-01-01") == {
        "on_date": ["Must be a date in the form YYYY-MM-DD"]}


@pytest.mark.usefixtures("with_plugins")
def test_the_end_of_an_assignment_is_not_before_its_start():
    assert errors("sopsektoral_officer_assign", user="u", position=schema.params(
        "sopsektoral_officer_assign")["position"].allowed()[0], valid_from="2026-02-01",
        valid_until="2026-01-31") == {"valid_until": ["The end date is before the start date"]}


# ---------------------------------------------------------------- files and rows

def test_a_file_is_an_upload():
    assert refused(Param("file"), "daftar.csv") == "Must be a file (a multipart upload)"
    assert refused(Param("file"), {"filename": "x"}) == "Must be a file (a multipart upload)"


@pytest.mark.parametrize("value", [{"tahun": 2026}, [1], ["a"], [[]], "rows"])
def test_rows_are_a_list_of_objects(value):
    assert refused(Param("rows"), value) == "Must be a list of objects"


@pytest.mark.parametrize("row", [{"tahun": [2026]}, {"tahun": {"a": 1}}, {"tahun": True}, {1: "x"}])
def test_row_cells_are_strings_or_numbers(row):
    assert refused(Param("rows"), [row]) == "Each row maps column names to strings or numbers"


def test_rows():
    rows = [{"tahun": 2026, "opd": "dinas-kesehatan", "judul_data": "Baris\nbaru", "satuan": None, "x": 1.5}]
    assert Param("rows").check(rows) == rows
    assert refused(Param("rows"), [{"opd": "a\x00"}]) == "Must not contain control characters"


# ---------------------------------------------------------------- the whole input

def test_an_unknown_parameter_is_named():
    found = errors("sopsektoral_letter_show", id="x", __extras="y")
    assert list(found) == ["__extras"]
    assert found["__extras"] == ["Unknown parameter; this action accepts: id"]
    assert list(errors("sopsektoral_sop_show", surprise=1)) == ["surprise"]
    assert list(errors("sopsektoral_letter_show", **{"id": "x", "k" * 500: 1})) == ["k" * 100]


def test_an_unknown_parameter_named_like_ckans_tags_is_named_too():
    """CKAN's ValidationError reshapes a "tags" entry (it once answered 500 here; schemathesis found it)."""
    found = errors("sopsektoral_daftar_data_list", tags="", year=2026)
    assert found == {"tags": ["Unknown parameter; this action accepts: year, owner_org, q, ids, limit, offset"]}


def test_every_bad_field_is_named_at_once():
    assert set(errors("sopsektoral_item_list", year="x", limit=-1, overdue=1, state=[1], surprise=2)) == {
        "year", "limit", "overdue", "state", "surprise"}


def test_required():
    for value in ("", None):
        assert errors("sopsektoral_letter_show", id=value) == {"id": ["Missing value"]}
    assert errors("sopsektoral_letter_show") == {"id": ["Missing value"]}
    assert errors("sopsektoral_letter_return", id="x") == {"note": ["Missing value"]}
    assert errors("sopsektoral_letter_return", id="x", note="") == {"note": ["Missing value"]}


def test_defaults():
    data = schema.check("sopsektoral_letter_create", {"subject": "S", "data_year": "2026"}, CONTEXT)
    assert data == {"subject": "S", "data_year": 2026, "body": "", "sifat": "biasa", "lampiran": "",
                    "tembusan": [], "items": []}
    assert schema.check("sopsektoral_item_list", {"limit": "", "sort": None}, CONTEXT) == {
        "sort": "deadline", "limit": 50, "offset": 0}
    # A default is a fresh list each time.
    schema.check("sopsektoral_letter_create", {"subject": "S", "data_year": 2026}, CONTEXT)["items"].append("x")
    assert schema.check("sopsektoral_letter_create", {"subject": "S", "data_year": 2026}, CONTEXT)["items"] == []


def test_an_update_changes_only_what_is_given():
    assert schema.check("sopsektoral_letter_update", {"id": "x", "lampiran": ""}, CONTEXT) == {
        "id": "x", "lampiran": ""}  # an empty text clears it
    assert schema.check("sopsektoral_letter_update", {"id": "x", "data_year": ""}, CONTEXT) == {"id": "x"}


def test_blank():
    # A letter's subject may be left out of an update, not emptied.
    assert errors("sopsektoral_letter_update", id="x", subject="") == {"subject": ["Missing value"]}
    assert errors("sopsektoral_letter_update", id="x", subject=None) == {"subject": ["Missing value"]}


def test_nullable():
    # item_claim: no user claims for the caller, an empty one or null releases the claim.
    assert schema.check("sopsektoral_item_claim", {"id": "x"}, CONTEXT) == {"id": "x"}
    assert schema.check("sopsektoral_item_claim", {"id": "x", "user": None}, CONTEXT) == {"id": "x", "user": None}
    assert schema.check("sopsektoral_item_claim", {"id": "x", "user": ""}, CONTEXT) == {"id": "x", "user": ""}
    assert errors("sopsektoral_item_claim", id="x", user=5) == {"user": ["Must be a string"]}


@pytest.mark.parametrize("value", [{"id": "x"}, ["x"], 5, True])
def test_status_show_takes_a_string_id(value):
    assert errors("sopsektoral_status_show", id=value) == {"id": ["Must be a string"]}


def test_json_schema_of_every_parameter():
    for params in schema.ACTIONS.values():
        for param in params.values():
            described = param.json_schema()
            assert described["type"] in ("string", "integer", "boolean", "array", "object") or param.nullable


# ---------------------------------------------------------------- any JSON value

# Text of any code point, control characters and lone surrogates included, and values near the rules.
TEXT_ANY = st.text(st.characters(exclude_categories=())) | st.sampled_from(
    ["", " ", "true", "false", "2026", "2026-12-02", "2026-02-30", "\x00", "\ud800", "a" * 20_001, "submitted",
     "biasa", "metadata", "1" * 13])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(-(10**30), 10**30) | st.floats() | TEXT_ANY,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT_ANY, inner, max_size=4),
    max_leaves=12,
)
PARAMS = sorted((action, name) for action, params in schema.ACTIONS.items() for name in params)


@pytest.mark.usefixtures("with_plugins")
@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.sampled_from(PARAMS), JSON, st.dictionaries(st.sampled_from(PARAMS), JSON, max_size=3))
def test_any_json_value_is_a_result_or_a_validation_error_on_parameters(target, value, others):
    """For any action, any JSON-like value of any of its parameters (and of some others of it)
    gives a result or a ValidationError whose keys are the action's parameters, never another
    exception."""
    action, name = target
    data = {n: v for (a, n), v in others.items() if a == action}
    data[name] = value
    try:
        out = schema.check(action, data, CONTEXT)
    except tk.ValidationError as err:
        assert err.error_dict and set(err.error_dict) <= set(schema.ACTIONS[action])
        assert all(isinstance(m, str) for messages in err.error_dict.values() for m in messages)
    else:
        assert set(out) <= set(schema.ACTIONS[action])
