"""A portal's datasets from before the extension keep everything (issue 9).

The datasets here are stored as CKAN's default schema stores them (core
columns, free extras, tags, resources), written through the model as they lie
in an existing portal's database, then used with the extension enabled: shown,
found, edited through the form, patched, given a new resource, adopted.
"""
from __future__ import annotations

import json
import os
import uuid
from typing import Any

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.sopsektoral import adoption
from ckanext.sopsektoral.cli import sopsektoral
from ckanext.sopsektoral.tests.helpers import (
    CORE,
    FREE_EXTRAS,
    LEGACY,
    advance,
    by_title,
    form_data,
    kept,
    legacy_dataset,
    stored_extras,
)

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")


@pytest.fixture
def org() -> dict[str, Any]:
    return factories.Organization(name="dinas-pendidikan")


@pytest.fixture
def admin(org) -> dict[str, Any]:
    user = factories.User()
    call_action("organization_member_create", id=org["id"], username=user["name"], role="admin")
    return user


def test_old_datasets_show_and_are_found_with_every_field(org):
    before = legacy_dataset(org, "jumlah-sekolah-lama")
    for key, value in CORE.items():
        assert before[key] == value
    assert {e["key"]: e["value"] for e in before["extras"]} == FREE_EXTRAS
    assert before["frekuensi"] == "Tahunan"
    found = call_action("package_search", q="name:jumlah-sekolah-lama")["results"]
    assert [d["name"] for d in found] == ["jumlah-sekolah-lama"]
    assert found[0]["author"] == CORE["author"]


def test_patch_update_and_new_resource_keep_everything_without_klasifikasi_akses(org, admin):
    before = legacy_dataset(org, "jumlah-guru-lama")
    context = {"user": admin["name"]}
    patched = call_action("package_patch", context, id=before["id"], notes="Diperbarui")
    assert patched["notes"] == "Diperbarui"
    kept({**before, "notes": "Diperbarui"}, patched)
    assert "klasifikasi_akses" not in patched
    # package_update with what package_show gave (the API's usual round trip).
    updated = call_action("package_update", context, **{**patched, "version": "1.3"})
    kept({**before, "notes": "Diperbarui", "version": "1.3"}, updated)
    call_action("resource_create", context, package_id=before["id"], url="https://example.org/guru.xlsx",
                name="Data guru", format="XLSX")
    after = call_action("package_show", id=before["id"])
    kept({**before, "notes": "Diperbarui", "version": "1.3"}, after)
    assert len(after["resources"]) == 2
    # No empty extra was added for the schema's fields.
    assert stored_extras(before["id"]) == {**FREE_EXTRAS, **LEGACY}


def test_edit_form_saved_unchanged_keeps_everything(app, org, admin):
    before = legacy_dataset(org, "jumlah-murid-lama")
    headers = {"Authorization": factories.APIToken(user=admin["name"])["token"]}
    url = tk.url_for("dataset.edit", id=before["name"])
    page = app.get(url, headers=headers)
    assert page.status_code == 200
    # The legacy frekuensi is offered as it is; CKAN's core fields and the free extras are in the form.
    soup = BeautifulSoup(page.body, "html.parser")
    assert soup.find("select", id="field-frekuensi").find("option", selected=True)["value"] == "Tahunan"
    for key in ("author", "author_email", "version", "url"):
        assert soup.find(attrs={"name": key})["value"] == CORE[key]
    resp = app.post(url, headers=headers, data=MultiDict(form_data(page.body, "dataset-edit")),
                    follow_redirects=False)
    assert resp.status_code == 302, resp.body
    after = call_action("package_show", id=before["id"])
    kept(before, after)
    # The form preselects the schema's default access classification: the one field it adds.
    assert stored_extras(before["id"]) == {**FREE_EXTRAS, **LEGACY, "klasifikasi_akses": "publik"}
    assert after["frekuensi"] == "Tahunan"


def test_edit_form_edits_and_removes_a_free_extra(app, org, admin):
    before = legacy_dataset(org, "jumlah-kelas-lama")
    headers = {"Authorization": factories.APIToken(user=admin["name"])["token"]}
    url = tk.url_for("dataset.edit", id=before["name"])
    data = form_data(app.get(url, headers=headers).body, "dataset-edit")
    index = {v: k.split("__")[1] for k, v in data if k.endswith("__key") and v}
    data = [(k, "Dapodik 2025" if k == f"extras__{index['sumber']}__value" else v) for k, v in data]
    data.append((f"extras__{index['catatan']}__deleted", "on"))
    assert app.post(url, headers=headers, data=MultiDict(data), follow_redirects=False).status_code == 302
    extras = {e["key"]: e["value"] for e in call_action("package_show", id=before["id"])["extras"]}
    assert extras == {"sumber": "Dapodik 2025"}


def test_dataset_page_shows_core_fields_and_free_extras(app, org):
    before = legacy_dataset(org, "jumlah-perpustakaan-lama")
    body = app.get(tk.url_for("dataset.read", id=before["name"])).body
    for text in (CORE["author"], CORE["version"], CORE["url"], "sumber", "Dapodik", "Semester ganjil"):
        assert text in body


def test_legacy_values_are_kept_unchanged_but_new_ones_are_checked(org, admin):
    before = legacy_dataset(org, "jumlah-sd-lama", extras={"frekuensi": "Tahunan", "tahun_data": "2019/2020",
                                                           "kode_wilayah": "Balikpapan"})
    context = {"user": admin["name"]}
    patched = call_action("package_patch", context, id=before["id"], title="Jumlah SD")
    assert (patched["frekuensi"], patched["tahun_data"], patched["kode_wilayah"]) == \
        ("Tahunan", "2019/2020", "Balikpapan")
    for field, value in (("frekuensi", "Mingguan"), ("tahun_data", "2019/2021"), ("kode_wilayah", "Samarinda")):
        with pytest.raises(tk.ValidationError) as err:
            call_action("package_patch", context, id=before["id"], **{field: value})
        assert field in err.value.error_dict
    assert call_action("package_patch", context, id=before["id"], frekuensi="tahunan")["frekuensi"] == "tahunan"


def test_klasifikasi_akses_is_required_of_new_datasets_and_datasets_in_the_workflow(org, admin, cast, sent):
    context = {"user": admin["name"]}
    with pytest.raises(tk.ValidationError) as err:
        call_action("package_create", context, name="baru-tanpa-klasifikasi", owner_org=org["id"])
    assert "klasifikasi_akses" in err.value.error_dict
    item = by_title(sent["id"], "Puskesmas")
    with pytest.raises(tk.ValidationError) as err:
        call_action("package_patch", {"user": cast.sysadmin["name"]}, id=item["dataset_id"], klasifikasi_akses="")
    assert "klasifikasi_akses" in err.value.error_dict


def test_an_old_dataset_named_by_the_daftar_data_gets_its_access_classification_at_send(cast, org):
    opd = model.Group.get(cast.opd["id"])
    old = legacy_dataset({"id": opd.id}, "jumlah-puskesmas-lama", private=True, extras={"sumber": "SIKDA"})
    entry = call_action("sopsektoral_daftar_data_import", {"user": cast.sysadmin["name"]}, rows=[{
        "opd": opd.name, "judul_data": "Jumlah Puskesmas Lama", "tahun": 2026, "dataset": old["name"]}])
    assert entry
    entries = call_action("sopsektoral_daftar_data_list", {"user": cast.sysadmin["name"]}, year=2026)
    entry_id = next(e["id"] for e in entries["results"] if e["title"] == "Jumlah Puskesmas Lama")
    letter = call_action("sopsektoral_letter_create", {"user": cast.drafter["name"]},
                         subject="Permintaan data lama", data_year=2026, items=[entry_id])
    advance(cast, letter["id"], "signed")
    call_action("sopsektoral_letter_send", {"user": cast.verifier["name"]}, id=letter["id"])
    after = call_action("package_show", id=old["id"])
    assert after["klasifikasi_akses"] == "publik" and after["tahun_data"] == "2026"
    assert stored_extras(old["id"]) == {"sumber": "SIKDA", "klasifikasi_akses": "publik", "tahun_data": "2026"}
    assert after["sop_status"] == "requested"


def test_adopt_reports_fills_defaults_and_normalises_when_asked(org, cli):
    extras = {"frekuensi": "Tahunan", "sumber": "Dapodik", "konsep": "", "kode_wilayah": "6471",
              "tahun_data": "2019/2020", "definisi": "Sekolah menengah atas negeri dan swasta"}
    old = legacy_dataset(org, "jumlah-sma-lama", extras=extras)
    report = cli.invoke(sopsektoral, ["adopt"])
    assert report.exit_code == 0, report.output
    assert "jumlah-sma-lama (dinas-pendidikan)" in report.output
    assert "fill    klasifikasi_akses = 'publik'" in report.output
    assert "change  frekuensi: 'Tahunan' -> 'tahunan' (with --normalise)" in report.output
    assert "change  kode_wilayah: '6471' -> '64.71' (with --normalise)" in report.output
    assert "remove  empty extras of schema fields: konsep (with --normalise)" in report.output
    assert "keep    tahun_data = '2019/2020'" in report.output
    assert "lacks   konsep, klasifikasi, ukuran, satuan" in report.output
    assert "extras outside the schema, kept: sumber" in report.output
    assert "1 dataset(s): 1 would change (run with --apply); 0 more with --normalise" in report.output
    # The report changed nothing.
    assert call_action("package_show", id=old["id"]) == old
    assert cli.invoke(sopsektoral, ["adopt", "--normalise"]).exit_code == 1

    # --apply fills the default and touches nothing else.
    applied = cli.invoke(sopsektoral, ["adopt", "--apply", "--json"])
    assert applied.exit_code == 0, applied.output
    line = json.loads(applied.output.strip().splitlines()[-1])
    assert line["applied"] is True and line["name"] == "jumlah-sma-lama"
    assert stored_extras(old["id"]) == {**extras, "klasifikasi_akses": "publik"}
    after = call_action("package_show", id=old["id"])
    kept(old, after, extras=extras)
    # Reindexed: the search index has the new value.
    found = call_action("package_search", fq="klasifikasi_akses:publik AND name:jumlah-sma-lama")
    assert found["count"] == 1
    again = cli.invoke(sopsektoral, ["adopt"])
    assert "1 dataset(s): 0 would change (run with --apply); 1 more with --normalise" in again.output

    # --normalise writes the values in the choices' form and drops the empty extra.
    assert cli.invoke(sopsektoral, ["adopt", "--apply", "--normalise"]).exit_code == 0
    assert stored_extras(old["id"]) == {
        "sumber": "Dapodik", "definisi": "Sekolah menengah atas negeri dan swasta", "tahun_data": "2019/2020",
        "frekuensi": "tahunan", "kode_wilayah": "64.71", "klasifikasi_akses": "publik"}
    assert call_action("package_search", fq="frekuensi:tahunan AND name:jumlah-sma-lama")["count"] == 1
    again = cli.invoke(sopsektoral, ["adopt"])
    assert "1 dataset(s): 0 would change (run with --apply); 0 more with --normalise" in again.output


def test_adopt_one_organization_and_an_unknown_one(org, cli):
    legacy_dataset(org, "jumlah-tk-lama")
    other = factories.Organization(name="dinas-sosial")
    legacy_dataset(other, "jumlah-panti-lama")
    result = cli.invoke(sopsektoral, ["adopt", "--organization", "dinas-sosial"])
    assert "jumlah-panti-lama" in result.output and "jumlah-tk-lama" not in result.output
    assert cli.invoke(sopsektoral, ["adopt", "-o", "tidak-ada"]).exit_code == 1


def test_review_matches_choices_by_value_and_label():
    field = {"field_name": "frekuensi", "choices": [
        {"value": "lima_tahunan", "label": {"id": "Lima tahunan", "en": "Every five years"}},
        {"value": "tahunan", "label": {"id": "Tahunan", "en": "Yearly"}}]}
    assert adoption._accepted_value(field, "Lima Tahunan") == "lima_tahunan"
    assert adoption._accepted_value(field, "yearly") == "tahunan"
    assert adoption._accepted_value(field, "tahunan") == "tahunan"
    assert adoption._accepted_value(field, "Mingguan") is None


def test_add_resource_form_on_an_old_dataset(app, org, admin):
    before = legacy_dataset(org, "jumlah-sekolah-swasta-lama")
    headers = {"Authorization": factories.APIToken(user=admin["name"])["token"]}
    url = tk.url_for("resource.new", id=before["name"])
    assert app.get(url, headers=headers).status_code == 200
    resp = app.post(url, headers=headers, follow_redirects=False, data={
        "url": "https://example.org/swasta.csv", "name": "Sekolah swasta", "format": "CSV",
        "save": "go-metadata", "id": ""})
    assert resp.status_code == 302, resp.body
    after = call_action("package_show", id=before["id"])
    assert [r["name"] for r in after["resources"]] == ["Data sekolah", "Sekolah swasta"]
    kept(before, after)


# ---------------------------------------------------------------- property-based

_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60).filter(str.strip)
_free_key = st.from_regex(r"\Ax_[a-z][a-z0-9_]{0,20}\Z")
_legacy = st.fixed_dictionaries({}, optional={
    "frekuensi": st.sampled_from(["Tahunan", "tahunan", "Yearly", "Lima Tahunan", "per 2 tahun", ""]),
    "tahun_data": st.sampled_from(["2019", "2019/2020", "th 2021", ""]),
    "kode_wilayah": st.sampled_from(["64.71", "6471", "Balikpapan", "64.71.01,64.71.02"]),
    "level_estimasi": st.sampled_from(["kota", "Kecamatan", "provinsi"]),
    "klasifikasi_akses": st.sampled_from(["publik", "Publik", "rahasia"]),
    "konsep": _text,
})


@settings(max_examples=int(os.environ.get("SOPSEKTORAL_PROPERTY_EXAMPLES") or 10), deadline=None,
          database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(core=st.fixed_dictionaries({}, optional={k: _text for k in ("author", "maintainer", "version", "notes")}),
       free=st.dictionaries(_free_key, st.text(max_size=80).filter(lambda v: "\x00" not in v), max_size=4),
       legacy=_legacy, new_notes=_text)
def test_any_old_dataset_keeps_its_fields_through_patch_and_adopt(org, admin, core, free, legacy, new_notes):
    """Whatever an old dataset holds, a patch of one field keeps every other
    field and extra, and adopt changes only what it reports, once."""
    name = f"lama-{uuid.uuid4().hex[:12]}"
    extras = {**free, **legacy}
    before = legacy_dataset(org, name, extras=extras, **{**{k: None for k in CORE}, **core})
    context = {"user": admin["name"]}
    patched = call_action("package_patch", context, id=before["id"], notes=new_notes)
    assert patched["notes"] == new_notes
    for key in ("author", "maintainer", "version"):
        assert patched.get(key) == before.get(key)
    # Everything is kept but the empty extras of schema fields (they say nothing).
    extras = {k: v for k, v in extras.items() if v != "" or k in free}
    assert stored_extras(before["id"]) == extras

    found = adoption.review(model.Package.get(before["id"]), adoption.dataset_schema())
    assert set(found.other_extras) == set(free)
    adoption.apply(found, normalise=True)
    assert found.drop_empty == []
    expected = dict(extras)
    expected.update(found.fill)
    expected.update({k: new for k, (_old, new) in found.change.items()})
    assert stored_extras(before["id"]) == expected
    again = adoption.review(model.Package.get(before["id"]), adoption.dataset_schema())
    assert again.changes(normalise=True) == {} and again.keep == found.keep
    # The adopted dataset is patchable, and found by its new values.
    call_action("package_patch", context, id=before["id"], title="Sudah diadopsi")
    assert stored_extras(before["id"]) == expected
