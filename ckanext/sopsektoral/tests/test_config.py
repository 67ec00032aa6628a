"""Config: the SOP file option, the options of earlier versions, the check when the plugin loads."""
from __future__ import annotations

import datetime as dt
import logging
import pathlib

import pytest
import yaml

import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.sopsektoral import sop

DECLARATION = pathlib.Path(__file__).parents[1] / "config_declaration.yaml"


def _declared() -> dict[str, object]:
    data = yaml.safe_load(DECLARATION.read_text(encoding="utf-8"))
    return {o["key"]: o.get("default") for g in data["groups"] for o in g["options"]}


def test_the_sop_file_is_the_only_place_of_the_steps():
    declared = _declared()
    assert declared["ckanext.sopsektoral.sop_file"] == ""  # empty: the shipped default file
    assert not [key for key in declared if key.startswith("ckanext.sopsektoral.step.")]


def test_the_default_file_is_shipped_and_valid():
    assert sop.load(sop.default_file()).number == "490/383/M/DISKOMINFO"


@pytest.mark.usefixtures("with_plugins")
def test_legacy_step_minutes_still_apply_with_a_warning(monkeypatch, caplog):
    signature = sop.current().signature
    monkeypatch.setitem(tk.config, f"ckanext.sopsektoral.step.{signature.key}.minutes", "60")
    with caplog.at_level(logging.WARNING, logger="ckanext.sopsektoral.sop"):
        found = sop.current()
    assert found.signature.time == dt.timedelta(minutes=60)
    assert found.signature.deadline(dt.datetime(2026, 1, 5, 8, 0)) == dt.datetime(2026, 1, 5, 9, 0)
    assert "deprecated" in caplog.text and f"letter.approvals[{len(found.approvals) - 1}].time" in caplog.text
    monkeypatch.delitem(tk.config, f"ckanext.sopsektoral.step.{signature.key}.minutes")
    assert sop.current().signature.time == signature.time  # back to the file's


@pytest.mark.usefixtures("with_plugins")
def test_legacy_number_pattern_still_applies(monkeypatch):
    monkeypatch.setitem(tk.config, "ckanext.sopsektoral.letter_number_pattern", "X/{seq}/{year}")
    assert sop.current().letter_number(3, 2026) == "X/3/2026"


@pytest.mark.usefixtures("with_plugins")
def test_the_plugin_refuses_a_broken_sop_file_by_key(monkeypatch, tmp_path):
    document = yaml.safe_load(pathlib.Path(sop.default_file()).read_text(encoding="utf-8"))
    document["letter"]["approvals"][0]["executor"] = "kepala_bagian"
    broken = tmp_path / "sop.yaml"
    broken.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    monkeypatch.setitem(tk.config, sop.SOP_FILE, str(broken))
    plugin = p.get_plugin("sopsektoral")
    with pytest.raises(sop.SopError) as err:
        plugin.configure(tk.config)
    assert "letter.approvals[0].executor: unknown position 'kepala_bagian'" in str(err.value)
    monkeypatch.undo()
    plugin.configure(tk.config)
    assert sop.current().path == sop.default_file() or sop.current().path == tk.config.get(sop.SOP_FILE)
