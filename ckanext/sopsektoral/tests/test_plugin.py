"""The stack is real: scheming fields go through CKAN, PostgreSQL and Solr."""
from __future__ import annotations

import pytest

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.sopsektoral.tests.factories import sectoral_dataset

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")


def test_plugin_loaded():
    assert p.plugin_loaded("sopsektoral")
    assert p.plugin_loaded("scheming_datasets")


def test_schema_fields_round_trip_through_package_show():
    dataset = sectoral_dataset(kode_wilayah="6471,64.71.01", kode_standar_data="SP00055.00.00")
    shown = call_action("package_show", id=dataset["id"])
    assert shown["konsep"] == "Fasilitas pelayanan kesehatan tingkat pertama."
    assert shown["satuan"] == "unit"
    assert shown["tahun_data"] == "2025"
    assert shown["frekuensi"] == "tahunan"
    assert shown["kode_wilayah"] == "64.71,64.71.01"  # normalised to dotted codes
    assert shown["kode_standar_data"] == "SP00055.00.00"


def test_search_filters_and_facets_on_a_schema_field():
    org = factories.Organization()
    sectoral_dataset(owner_org=org["id"], tahun_data="2024", title="Jumlah Penduduk 2024")
    sectoral_dataset(owner_org=org["id"], tahun_data="2025", title="Jumlah Penduduk 2025")
    sectoral_dataset(owner_org=org["id"], tahun_data="2025", frekuensi="semesteran")

    result = call_action(
        "package_search", fq="tahun_data:2025", **{"facet.field": '["frekuensi", "tahun_data"]'}
    )
    assert result["count"] == 2
    assert {d["tahun_data"] for d in result["results"]} == {"2025"}
    frekuensi = {i["name"]: i["count"] for i in result["search_facets"]["frekuensi"]["items"]}
    assert frekuensi == {"tahunan": 1, "semesteran": 1}

    everything = call_action("package_search", **{"facet.field": '["tahun_data"]'})
    years = {i["name"]: i["count"] for i in everything["search_facets"]["tahun_data"]["items"]}
    assert years == {"2024": 1, "2025": 2}


def test_search_answers_from_solr_on_text():
    sectoral_dataset(title="Timbulan Sampah Harian", satuan="ton/hari")
    assert call_action("package_search", q="Timbulan")["count"] == 1
    assert call_action("package_search", q="Sekolah")["count"] == 0


def test_sop_status_is_read_only_on_create_update_and_patch():
    dataset = sectoral_dataset(sop_status="verified", sop_verified_by="someone")
    shown = call_action("package_show", id=dataset["id"])
    assert shown["sop_status"] is None
    assert shown["sop_verified_by"] is None

    call_action("package_patch", id=dataset["id"], sop_status="verified")
    updated = dict(shown, sop_status="verified", sop_overdue=True)
    call_action("package_update", **updated)
    shown = call_action("package_show", id=dataset["id"])
    assert shown["sop_status"] is None
    assert shown["sop_overdue"] is None
    assert call_action("package_search", fq="sop_status:verified")["count"] == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tahun_data", "20x5"),
        ("tahun_data", "1800"),
        ("kode_wilayah", "32.73"),
        ("kode_standar_data", "XX123"),
        ("klasifikasi_akses", "rahasia"),
    ],
)
def test_bad_metadata_gives_field_errors(field, value):
    org = factories.Organization()
    data = {"name": "bad-metadata", "title": "Bad", "owner_org": org["id"],
            "klasifikasi_akses": "publik", field: value}
    with pytest.raises(tk.ValidationError) as err:
        call_action("package_create", **data)
    assert field in err.value.error_dict
    assert call_action("package_search", q="name:bad-metadata")["count"] == 0


def test_every_action_has_its_auth_function():
    from ckanext.sopsektoral.logic import action, auth

    actions = {name for name in action.__all__ if name.startswith("sopsektoral_")}
    auths = {name for name in auth.__all__ if name.startswith("sopsektoral_")}
    assert actions == auths
    for name in action.__all__:
        assert callable(getattr(action, name)), name
    for name in auth.__all__:
        assert callable(getattr(auth, name)), name
