"""The action API's contract agrees with the code: every action's docstring, its declared
parameters (logic/schema.py), its result schema (logic/results.py) and its OpenAPI entry;
the document is valid OpenAPI 3.1; real results match their schemas; the portal serves the
document and its reference page; the committed docs are current; what docs/api.md says about
languages and the ``sop_*`` fields is what the portal does."""
from __future__ import annotations

import base64
import datetime as dt
import importlib.util
import io
import json

import jsonschema
import pytest
from babel.messages import pofile
from bs4 import BeautifulSoup
from openapi_spec_validator import OpenAPIV31SpecValidator
from werkzeug.datastructures import FileStorage

from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.sopsektoral import openapi, pki
from ckanext.sopsektoral.checks.run import run_queued_jobs
from ckanext.sopsektoral.items.states import CHECKLIST
from ckanext.sopsektoral.letters import signing
from ckanext.sopsektoral.logic import action, results, schema
from ckanext.sopsektoral.tests.helpers import (
    ROOT,
    as_user,
    assert_result_valid,
    balikpapan_csv,
    balikpapan_only,
    upload,
)

ACTION_NAMES = [name for name in action.__all__ if name.startswith("sopsektoral_")]


def _script():
    spec = importlib.util.spec_from_file_location("api_docs", ROOT / "scripts" / "api_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _as_json(value):
    return json.loads(json.dumps(value))


# ---------------------------------------------------------------- docstrings, declarations, schemas

def test_every_action_has_declared_parameters_and_a_result_schema():
    assert set(schema.ACTIONS) == set(ACTION_NAMES)
    assert set(results.RESULTS) == set(ACTION_NAMES)


@pytest.mark.parametrize("name", ACTION_NAMES)
def test_docstring_documents_exactly_the_declared_parameters_with_their_types(name):
    doc = openapi.parse(getattr(action, name).__doc__)
    declared = schema.ACTIONS[name]
    assert set(doc["params"]) == set(declared)
    types = {p: d["type"] for p, d in doc["params"].items()}
    assert types == {p: param.doc_type for p, param in declared.items()}
    assert all(d["text"] for d in doc["params"].values()), "every :param: says what it is"


@pytest.mark.parametrize("name", ACTION_NAMES)
def test_docstring_has_a_summary_and_its_return_agrees_with_the_result_schema(name):
    doc = openapi.parse(getattr(action, name).__doc__)
    assert doc["summary"] and doc["returns"]
    documented = results.RESULTS[name]
    if "$ref" in documented:
        documented = results.components()[documented["$ref"].rsplit("/", 1)[-1]]
    kind = {"dict": "object", "list of dicts": "array"}[doc["rtype"]]
    assert documented.get("type", "object") == kind


@pytest.mark.parametrize("name", ACTION_NAMES)
def test_result_schema_is_valid_json_schema(name):
    jsonschema.Draft202012Validator.check_schema(results.result_schema(name))


def test_every_definition_is_used_and_every_reference_resolves():
    doc = openapi.document("https://example.org")
    text = json.dumps(doc)
    refs = {part.split('"')[0] for part in text.split('"$ref": "#/components/schemas/')[1:]}
    assert refs <= set(doc["components"]["schemas"])
    assert set(results.components()) <= refs


# ---------------------------------------------------------------- the OpenAPI document

def test_openapi_paths_are_the_actions_reads_also_as_get():
    doc = openapi.document("https://example.org")
    assert list(doc["paths"]) == [f"/api/3/action/{name}" for name in ACTION_NAMES]
    for name in ACTION_NAMES:
        entry = doc["paths"][f"/api/3/action/{name}"]
        read = getattr(getattr(action, name), "side_effect_free", False)
        assert set(entry) == ({"get", "post"} if read else {"post"}), name
        declared = schema.ACTIONS[name]
        files = {p for p, param in declared.items() if param.kind == "file"}
        required = {p for p, param in declared.items() if param.required}
        content = entry["post"]["requestBody"]["content"]
        # A file goes only as multipart/form-data; JSON (and a query string) carry the rest, and
        # there is no JSON body when a file is required.
        assert ("application/json" in content) == (not files & required), name
        assert ("multipart/form-data" in content) == bool(files), name
        for media, expected in (("application/json", set(declared) - files),
                                ("multipart/form-data", {p for p in declared if declared[p].kind not in
                                                         ("rows", "object")})):
            if media not in content:
                continue
            body = content[media]["schema"]
            assert body["additionalProperties"] is False
            assert body["properties"] == {
                p: {**declared[p].json_schema(), **({"description": body["properties"][p]["description"]}
                                                    if "description" in body["properties"][p] else {})}
                for p in declared if p in expected}
            assert set(body.get("required", [])) == required & expected
        if read:
            assert [p["name"] for p in entry["get"]["parameters"]] == [p for p in declared if p not in files]
        result = entry["post"]["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["result"]
        assert result == results.RESULTS[name]


def test_document_is_valid_openapi_3_1():
    doc = _as_json(openapi.document(openapi.SITE))
    assert doc["openapi"] == "3.1.0"
    OpenAPIV31SpecValidator(doc).validate()


@pytest.mark.parametrize("name", ACTION_NAMES)
def test_examples_are_valid_requests(name):
    doc = openapi.document(openapi.SITE)
    content = doc["paths"][f"/api/3/action/{name}"]["post"]["requestBody"]["content"]
    if "application/json" not in content:  # a required file: multipart only, shown with curl -F
        assert "multipart/form-data" in content
        return
    jsonschema.Draft202012Validator(content["application/json"]["schema"]).validate(
        content["application/json"]["example"])


@pytest.mark.ckan_config("ckan.site_url", "https://data.example.go.id/")
@pytest.mark.ckan_config("ckan.root_path", "/portal/{{LANG}}")
def test_the_served_document_names_the_portal_without_its_language_part():
    assert openapi.portal_url() == "https://data.example.go.id/portal"
    assert openapi.document()["servers"] == [{"url": "https://data.example.go.id/portal"}]


@balikpapan_only
def test_committed_docs_are_current():
    script = _script()
    assert (ROOT / "docs" / "sop.md").read_text(encoding="utf-8") == script.sop_markdown(), \
        "run scripts/api_docs.py"
    assert (ROOT / "docs" / "api.md").read_text(encoding="utf-8") == script.markdown(), \
        "run scripts/api_docs.py"
    assert (ROOT / "docs" / "openapi.json").read_text(encoding="utf-8") == script.openapi_json(), \
        "run scripts/api_docs.py"
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert committed["servers"] == [{"url": "https://data.balikpapan.go.id"}]


# ---------------------------------------------------------------- served by the portal

@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestServed:
    def test_openapi_json_is_the_generators_document_for_this_portal(self, app):
        resp = app.get("/sopsektoral/openapi.json")  # anonymous
        assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("application/json")
        served = json.loads(resp.body)
        assert served == _as_json(openapi.document(openapi.portal_url()))
        assert served["servers"] == [{"url": "http://test.ckan.net"}]

    def test_reference_page_in_indonesian_and_in_english(self, app):
        pages = {}
        for prefix, lang in (("", "id"), ("/en", "en")):
            resp = app.get(prefix + "/sopsektoral/api")  # anonymous
            assert resp.status_code == 200
            page = BeautifulSoup(resp.body, "html.parser")
            assert page.find("html")["lang"] == lang
            for name in ACTION_NAMES:
                assert page.find(id=name) is not None, name
                assert f"/api/3/action/{name}" in resp.body  # its example
            assert page.find(id="def-Letter") is not None
            pages[lang] = page
        assert "Surat permintaan" in pages["id"].get_text() and "Request letters" in pages["en"].get_text()
        headings = {lang: page.find("h1").get_text(strip=True) for lang, page in pages.items()}
        assert headings["en"] == "Action API reference"
        with (ROOT / "ckanext/sopsektoral/i18n/id/LC_MESSAGES/ckanext-sopsektoral.po").open("rb") as f:
            catalogue = pofile.read_po(f)
        translated = catalogue.get("Action API reference")
        assert translated is not None and translated.string, "the Indonesian catalogue lacks the page's messages"
        assert headings["id"] == translated.string != headings["en"]

    def test_reference_page_shows_parameters_limits_and_examples(self, app):
        page = BeautifulSoup(app.get("/en/sopsektoral/api").body, "html.parser")
        section = page.find(id="sopsektoral_letter_list")
        assert "Read: GET or POST" in section.get_text()
        rows = {tr.find("td").get_text(strip=True): [td.get_text(" ", strip=True) for td in tr.find_all("td")]
                for tr in section.find("tbody").find_all("tr")}
        assert rows["limit"][1:5] == ["integer", "", "50", "0 to 1000"]
        assert "curl" in section.find("pre").get_text()
        assert "Write: POST" in page.find(id="sopsektoral_letter_sign").get_text()

    def test_sop_page_links_to_the_reference(self, app):
        page = BeautifulSoup(app.get("/sopsektoral/sop").body, "html.parser")
        links = {a["href"] for a in page.find_all("a", href=True)}
        assert {"/sopsektoral/api", "/sopsektoral/openapi.json"} <= links


# ---------------------------------------------------------------- what docs/api.md says the portal does

@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_messages_in_english_only_with_the_en_path_prefix(app):
    headers = {"Authorization": factories.APIToken(user=factories.Sysadmin()["name"])["token"]}
    url = "/api/3/action/sopsektoral_letter_show"

    def message(path, **kwargs):
        resp = app.get(path, headers={**headers, **kwargs.pop("extra", {})}, **kwargs)
        return resp.status_code, resp.json["error"]

    status, error = message(url + "?id=nope")
    # CKAN's own prefix: its Indonesian catalogue of 2.12 leaves "Not found: %s" untranslated.
    assert status == 404 and error["message"] in ("Tidak ditemukan: Surat permintaan tidak ditemukan",
                                                  "Not found: Surat permintaan tidak ditemukan")
    english = (404, {"__type": "Not Found Error", "message": "Not found: Request letter not found"})
    assert message("/en" + url + "?id=nope") == english
    assert message("/en/api/action/sopsektoral_letter_show?id=nope") == english
    post = app.post("/en" + url, json={"id": "nope"}, headers=headers)
    assert (post.status_code, post.json["error"]) == english
    # Neither the Accept-Language header nor a lang parameter choose the language.
    assert message(url + "?id=nope", extra={"Accept-Language": "en"})[1]["message"].endswith(
        "Surat permintaan tidak ditemukan")
    status, error = message(url + "?id=nope&lang=en")
    assert status == 409 and error["lang"][0].startswith("Parameter tidak dikenal")


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
def test_sop_fields_sent_to_core_actions_are_dropped_silently(app, cast, sent):
    [item, *_] = call_action("sopsektoral_item_list", letter_id=sent["id"])["results"]
    headers = {"Authorization": factories.APIToken(user=cast.sysadmin["name"])["token"]}
    before = call_action("package_show", id=item["dataset_id"])
    sop_fields = {k: v for k, v in before.items() if k.startswith("sop_")}
    assert sop_fields["sop_status"] == "requested"
    resp = app.post("/api/3/action/package_patch", headers=headers, json={
        "id": item["dataset_id"], "sop_status": "verified", "sop_verified_by": "someone", "notes": "diubah"})
    assert resp.status_code == 200
    answered = resp.json["result"]
    assert answered["notes"] == "diubah"
    assert {k: v for k, v in answered.items() if k.startswith("sop_")} == sop_fields
    resp = app.post("/api/3/action/package_patch", headers=headers, json={
        "id": item["dataset_id"], "extras": [{"key": "sop_status", "value": "verified"}]})
    assert resp.status_code == 409
    assert resp.json["error"]["extras"] == [{"key": ["There is a schema field with the same name"]}]


# ---------------------------------------------------------------- real results against their schemas

@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "clean_queues")
def test_every_actions_real_results_match_their_schema(cast, tmp_path):
    """Every action, called on a portal with data in every state, returns what its schema says."""
    seen: set[str] = set()

    def call(name, who, **data):
        result = call_action(name, as_user(who) if who else None, **data)
        assert_result_valid(name, result)
        seen.add(name)
        return result

    sysadmin, drafter, verifier = cast.sysadmin, cast.drafter, cast.verifier
    today = dt.date.today()
    call("sopsektoral_sop_show", None)

    officer = call("sopsektoral_officer_assign", sysadmin, user=cast.user["name"],
                   position=cast.sop.verification.executor, acting="plh", nip="198001012005011001",
                   rank="III/a", valid_from=today.isoformat(), valid_until=(today + dt.timedelta(days=5)).isoformat())
    call("sopsektoral_officer_revoke", sysadmin, id=officer["id"])
    assert len(call("sopsektoral_officer_list", sysadmin, include_past=True)) > len(cast.holders)

    # The 2025 data of one indicator, published before the SOP ran: the checks compare with it.
    previous = factories.Dataset(owner_org=cast.opd["id"], name="jumlah-puskesmas-2025", private=False,
                                 klasifikasi_akses="publik", tahun_data="2025")
    upload(previous["id"], balikpapan_csv(2025), "puskesmas-2025.csv", sysadmin)
    rows = [
        {"tahun": 2026, "opd": "dinas-kesehatan", "judul_data": "Jumlah Puskesmas menurut Kecamatan",
         "satuan": "unit", "frekuensi": "tahunan", "dataset": "jumlah-puskesmas-2025"},
        {"tahun": 2026, "opd": "dinas-kesehatan", "judul_data": "Cakupan Imunisasi", "satuan": "persen",
         "klasifikasi_akses": "publik"},
        {"tahun": 2026, "opd": "dinas-perhubungan", "judul_data": "Jumlah Trayek", "satuan": "trayek"},
        {"tahun": 2026, "opd": "dinas-perhubungan", "judul_data": "Panjang Jalan", "satuan": "km"},
        {"tahun": 2026, "opd": "dinas-perhubungan", "judul_data": "Jumlah Halte", "satuan": "unit"},
    ]
    assert call("sopsektoral_daftar_data_import", sysadmin, rows=rows, dry_run=True)["created"] == 5
    call("sopsektoral_daftar_data_import", sysadmin, rows=rows)
    entries = {e["title"]: e for e in call("sopsektoral_daftar_data_list", drafter, year=2026)["results"]}
    call("sopsektoral_daftar_data_update", sysadmin, id=entries["Jumlah Halte"]["id"], satuan="buah")
    call("sopsektoral_daftar_data_delete", sysadmin, id=entries["Jumlah Halte"]["id"])

    # A letter cancelled, another walked along the whole chain (withdrawn and returned on the way), and sent.
    cancelled = call("sopsektoral_letter_create", drafter, subject="Permintaan yang dibatalkan", data_year=2026,
                     items=[entries["Panjang Jalan"]["id"]])
    call("sopsektoral_letter_cancel", drafter, id=cancelled["id"], note="Tidak jadi")
    letter = call("sopsektoral_letter_create", drafter, subject="Permintaan Data Statistik Sektoral Tahun 2026",
                  data_year=2026, sifat="penting", tembusan=["Wali Kota Balikpapan"],
                  items=[entries[t]["id"] for t in ("Jumlah Puskesmas menurut Kecamatan", "Cakupan Imunisasi",
                                                    "Jumlah Trayek")])
    letter_id = letter["id"]
    call("sopsektoral_letter_update", drafter, id=letter_id, lampiran="1 (satu) berkas")
    call("sopsektoral_letter_submit", drafter, id=letter_id)
    call("sopsektoral_letter_withdraw", drafter, id=letter_id, note="Lampiran diganti")
    call("sopsektoral_letter_submit", drafter, id=letter_id)
    call("sopsektoral_letter_return", cast.first_approver, id=letter_id, note="Perbaiki hal")
    call("sopsektoral_letter_submit", drafter, id=letter_id)
    for index, approver in enumerate(cast.approvers):
        last = index == len(cast.approvers) - 1
        call("sopsektoral_letter_sign" if last else "sopsektoral_letter_initial", approver, id=letter_id)
    assert call("sopsektoral_letter_show", drafter, id=letter_id)["number"]
    call("sopsektoral_letter_send", verifier, id=letter_id)
    assert call("sopsektoral_letter_list", drafter)["count"] == 2
    # Its PDF: a draft's, the signed letter's to sign elsewhere, then signed and uploaded, checked publicly.
    assert call("sopsektoral_letter_pdf", drafter, id=cancelled["id"])["kind"] == "draft"
    approved = call("sopsektoral_letter_pdf", cast.operator, id=letter_id)
    assert approved["kind"] == "approved"
    certificate = pki.demo_pki(tmp_path, [{"user_name": "tte", "name": "Pejabat Penanda Tangan"}], "sandi")["tte"]
    signed = signing.LocalSigner(certificate, "sandi").sign(
        base64.b64decode(approved["content_base64"]), reason="Surat", location="Balikpapan")
    assert call("sopsektoral_letter_pdf_upload", drafter, id=letter_id,
                upload=FileStorage(io.BytesIO(signed), "surat.pdf"))["kind"] == "signed"
    assert "check" not in call("sopsektoral_letter_verify", None, id=letter_id)
    assert call("sopsektoral_letter_verify", None, id=letter_id,
                upload=FileStorage(io.BytesIO(signed), "surat.pdf"))["check"]["verdict"] == "identical"
    call("sopsektoral_daftar_data_list", cast.operator)  # an OPD's own, one held by the letter

    # Its items: submitted by their OPDs, checked, one returned, two verified and published.
    items = {i["title"]: i for i in call("sopsektoral_item_list", verifier, letter_id=letter_id)["results"]}
    for item in items.values():
        who = cast.operator if item["owner_org"] == cast.opd["id"] else cast.other_operator
        upload(item["dataset_id"], balikpapan_csv(2026, (5, 4, 5, 4, 6, 9)), "data-2026.csv", who)
        call("sopsektoral_item_submit", who, id=item["id"])
    run_queued_jobs()
    puskesmas, imunisasi, trayek = (items[t]["id"] for t in (
        "Jumlah Puskesmas menurut Kecamatan", "Cakupan Imunisasi", "Jumlah Trayek"))
    shown = call("sopsektoral_item_show", verifier, id=puskesmas)
    assert shown["check_comparison"] and shown["check_preview"] and shown["check_results"]
    call("sopsektoral_item_claim", verifier, id=trayek)
    call("sopsektoral_item_return", verifier, id=trayek, note="Kode wilayah salah",
         checklist={"kode_referensi": False})
    call("sopsektoral_item_claim", verifier, id=puskesmas, user=None)  # released: nobody's
    checklist = dict.fromkeys(CHECKLIST, True)
    call("sopsektoral_item_verify", verifier, id=puskesmas, checklist=checklist)
    assert call("sopsektoral_item_verify", verifier, ids=[imunisasi], checklist=checklist)["results"]
    call("sopsektoral_item_publish", verifier, id=puskesmas)
    call("sopsektoral_item_publish", verifier, ids=[imunisasi])
    call("sopsektoral_item_list", cast.operator)
    dataset = items["Jumlah Puskesmas menurut Kecamatan"]["dataset_name"]
    assert call("sopsektoral_status_show", verifier, id=dataset)["history"]
    call("sopsektoral_status_show", cast.operator, id=items["Cakupan Imunisasi"]["dataset_name"])
    call("sopsektoral_period_list", verifier, id=dataset)
    call("sopsektoral_event_list", verifier, letter_id=letter_id)
    call("sopsektoral_event_list", cast.operator, item_id=imunisasi)
    call("sopsektoral_reindex", sysadmin, ids=[dataset])

    assert seen == set(ACTION_NAMES), "call the actions added since in this test"
