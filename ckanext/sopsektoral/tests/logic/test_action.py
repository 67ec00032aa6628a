from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests.helpers import call_action

from ckanext.sopsektoral import sop

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


class TestSopShow:
    def test_returns_the_sop_table(self):
        result = call_action("sopsektoral_sop_show")
        assert [s["key"] for s in result["steps"]] == [s.key for s in sop.STEPS]
        assert [s["executor"] for s in result["steps"]] == [
            "kepala_seksi", "kepala_bidang", "sekretaris", "kepala_dinas",
            "staf_statistik", "staf_statistik",
        ]
        assert [s["minutes"] for s in result["steps"]] == [30, 5, 5, 5, 7 * 24 * 60, 90 * 24 * 60]
        assert result["steps"][4]["per_item"] is True
        assert result["correction"]["minutes"] == 14 * 24 * 60
        assert [p["key"] for p in result["positions"]] == list(sop.POSITIONS)

    @pytest.mark.ckan_config("ckanext.sopsektoral.step.collect.minutes", 3 * 24 * 60)
    def test_standard_times_follow_config(self):
        result = call_action("sopsektoral_sop_show")
        assert result["steps"][4]["minutes"] == 3 * 24 * 60

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
