"""The actions of logic/action/sop.py: the SOP table and reindexing."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests.helpers import call_action

from ckanext.sopsektoral import sop
from ckanext.sopsektoral.tests.helpers import balikpapan_only

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


class TestSopShow:
    def test_returns_the_sop_file(self, sop_file):
        result = call_action("sopsektoral_sop_show")
        assert result["number"] == sop_file.number
        assert [s["key"] for s in result["steps"]] == [s.key for s in sop_file.table[:-1]]
        assert [s["executors"] for s in result["steps"]] == [list(s.executors) for s in sop_file.table[:-1]]
        assert [s["minutes"] for s in result["steps"]] == [s.minutes for s in sop_file.table[:-1]]
        assert result["correction"]["key"] == sop_file.correction.key
        assert result["sending"]["executors"] == list(sop_file.sending.executors)
        assert [p["key"] for p in result["positions"]] == list(sop_file.position_keys)
        assert [s["state"] for s in result["letter_states"]] == list(sop_file.letter_states)
        assert {(t["name"], t["from"], t["to"]) for t in result["transitions"]} == {
            (name, a, b) for name, moves in sop_file.transitions().items() for a, b in moves.items()}
        assert result["rights"] == {k: list(v) for k, v in sop_file.rights.items()}

    @balikpapan_only
    def test_balikpapans_table(self):
        result = call_action("sopsektoral_sop_show")
        assert [s["executor"] for s in result["steps"]] == [
            "kepala_seksi", "kepala_bidang", "sekretaris", "kepala_dinas",
            "staf_statistik", "staf_statistik",
        ]
        assert [s["minutes"] for s in result["steps"]] == [30, 5, 5, 5, 7 * 24 * 60, 90 * 24 * 60]
        assert result["steps"][4]["per_item"] is True
        assert result["correction"]["minutes"] == 14 * 24 * 60
        assert result["default_text"]["subject"] == "Permintaan Data Statistik Sektoral Tahun {year}"

    def test_texts_follow_the_language(self, app):
        english = app.get("/en/api/3/action/sopsektoral_sop_show").json["result"]
        indonesian = app.get("/id/api/3/action/sopsektoral_sop_show").json["result"]
        current = sop.current()
        assert english["positions"][0]["label"] == current.positions[0].name.en
        assert indonesian["positions"][0]["label"] == current.positions[0].name.id

    def test_standard_times_follow_the_legacy_option(self, monkeypatch):
        key = sop.current().collection.key
        monkeypatch.setitem(tk.config, f"ckanext.sopsektoral.step.{key}.minutes", 3 * 24 * 60)
        result = call_action("sopsektoral_sop_show")
        assert next(s for s in result["steps"] if s["key"] == key)["minutes"] == 3 * 24 * 60

    def test_rejects_unknown_parameters(self):
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_sop_show", surprise=1)
        assert "__extras" in err.value.error_dict or "surprise" in str(err.value.error_dict)


class TestReindex:
    def test_unknown_dataset_is_a_field_error(self):
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_reindex", ids=["no-such-dataset"])
        assert "no-such-dataset" in err.value.error_dict["ids"][0]

    def test_ids_are_required(self):
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_reindex")
        assert "ids" in err.value.error_dict
