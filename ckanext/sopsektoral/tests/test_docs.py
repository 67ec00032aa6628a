"""The API reference is built from the actions' docstrings and documents every parameter."""
from __future__ import annotations

import importlib.util
import json
import pathlib

import pytest

from ckanext.sopsektoral.logic import action, schema

ROOT = pathlib.Path(__file__).parents[3]

# The schema each action validates its input with.
SCHEMAS = {
    "sopsektoral_sop_show": schema.sop_show,
    "sopsektoral_reindex": schema.reindex,
    "sopsektoral_officer_assign": schema.officer_assign,
    "sopsektoral_officer_list": schema.officer_list,
    "sopsektoral_officer_revoke": schema.id_only,
    "sopsektoral_daftar_data_import": schema.daftar_data_import,
    "sopsektoral_daftar_data_list": schema.daftar_data_list,
    "sopsektoral_letter_create": schema.letter_create,
    "sopsektoral_letter_update": schema.letter_update,
    "sopsektoral_letter_show": schema.id_only,
    "sopsektoral_letter_list": schema.letter_list,
    "sopsektoral_letter_submit": schema.letter_transition,
    "sopsektoral_letter_initial": schema.letter_transition,
    "sopsektoral_letter_sign": schema.letter_transition,
    "sopsektoral_letter_return": schema.letter_return,
    "sopsektoral_letter_cancel": schema.letter_transition,
    "sopsektoral_event_list": schema.event_list,
    "sopsektoral_letter_send": schema.letter_transition,
    "sopsektoral_item_list": schema.item_list,
    "sopsektoral_item_show": schema.id_only,
    "sopsektoral_item_submit": schema.letter_transition,
    "sopsektoral_item_claim": schema.item_claim,
    "sopsektoral_item_verify": schema.item_verify,
    "sopsektoral_item_return": schema.item_return,
    "sopsektoral_item_publish": schema.item_publish,
    "sopsektoral_status_show": schema.id_only,
    "sopsektoral_period_list": schema.id_only,
}


def _generator():
    spec = importlib.util.spec_from_file_location("api_docs", ROOT / "scripts" / "api_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_action_has_its_schema_listed():
    assert set(SCHEMAS) == {name for name in action.__all__ if name.startswith("sopsektoral_")}


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_parameter_is_documented(name):
    documented = set(_generator().parse(getattr(action, name).__doc__)["params"])
    accepted = {k for k in SCHEMAS[name]() if not k.startswith("__")}
    if name == "sopsektoral_daftar_data_import":
        accepted |= {"upload", "rows"}  # read row by row by ckanext.sopsektoral.daftar_data
    assert accepted == documented


def test_committed_reference_is_current():
    generator = _generator()
    assert (ROOT / "docs" / "sop.md").read_text(encoding="utf-8") == generator.sop_markdown(), \
        "run scripts/api_docs.py"
    assert (ROOT / "docs" / "api.md").read_text(encoding="utf-8") == generator.markdown(), \
        "run scripts/api_docs.py"
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(generator.openapi())), "run scripts/api_docs.py"
