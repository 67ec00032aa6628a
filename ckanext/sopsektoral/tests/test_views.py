"""The portal pages, through CKAN's Flask test client (logged in with API tokens)."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

import ckan.plugins.toolkit as tk
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.sopsektoral.tests.conftest import advance

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")


def _headers(user) -> dict[str, str]:
    return {"Authorization": factories.APIToken(user=user["name"])["token"]}


def test_sop_page_in_indonesian_by_default(app):
    body = app.get(tk.url_for("sopsektoral.sop_page")).body
    assert "Kepala Seksi Statistik" in body
    assert "1 minggu" in body


def test_sop_page_in_english(app):
    body = app.get("/en" + tk.url_for("sopsektoral.sop_page")).body
    assert "Head of Statistics Section" in body
    assert "1 week" in body


def test_dataset_search_page_answers(app):
    assert app.get("/dataset").status_code == 200


def test_inbox_needs_login(app, cast):
    resp = app.get(tk.url_for("sopsektoral.inbox"), follow_redirects=False)
    assert resp.status_code == 302
    assert "/user/login" in resp.headers["Location"]


def test_inbox_lists_what_awaits_the_officer(app, cast, draft):
    advance(cast, draft["id"], "awaiting_initial_kabid")
    body = app.get(tk.url_for("sopsektoral.inbox"), headers=_headers(cast.kepala_bidang)).body
    assert draft["subject"] in body
    assert "Kepala Bidang Informasi dan Komunikasi" in body
    body = app.get(tk.url_for("sopsektoral.inbox"), headers=_headers(cast.sekretaris)).body
    assert draft["subject"] not in body


def test_letter_page_shows_buttons_for_the_position_whose_turn_it_is(app, cast, draft):
    advance(cast, draft["id"], "awaiting_initial_sekretaris")
    url = tk.url_for("sopsektoral.letter_read", id=draft["id"])
    page = BeautifulSoup(app.get(url, headers=_headers(cast.sekretaris)).body, "html.parser")
    actions = {f["action"].rsplit("/", 1)[-1] for f in page.select("form.sopsektoral-transition, form.sopsektoral-return")}
    assert actions == {"initial", "return"}
    assert all(f.find("input", attrs={"name": "_csrf_token"}) for f in page.select("form[method=post]"))
    assert "Dinas Kesehatan" in page.text and "Jumlah Puskesmas menurut Kecamatan" in page.text
    # The timeline shows who initialled, in which position.
    assert cast.kepala_bidang["name"] in page.text

    other = BeautifulSoup(app.get(url, headers=_headers(cast.kepala_bidang)).body, "html.parser")
    assert other.select("form.sopsektoral-transition") == []


def test_the_whole_chain_through_the_pages(app, cast, daftar):
    resp = app.post(tk.url_for("sopsektoral.letter_new"), headers=_headers(cast.kepala_seksi), data={
        "subject": "Permintaan Data <b>2026</b>", "data_year": "2026", "sifat": "segera",
        "lampiran": "1 (satu) berkas", "body": "Isi surat", "tembusan": "Wali Kota\nSekda",
        "items": [d["id"] for d in daftar[:2]],
    }, follow_redirects=False)
    assert resp.status_code == 302
    letter_id = resp.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    for transition, who in [("submit", cast.kepala_seksi), ("initial", cast.kepala_bidang),
                            ("initial", cast.sekretaris), ("sign", cast.kepala_dinas)]:
        resp = app.post(tk.url_for("sopsektoral.letter_transition", id=letter_id, transition=transition),
                        headers=_headers(who), follow_redirects=False)
        assert resp.status_code == 302
    letter = call_action("sopsektoral_letter_show", id=letter_id)
    assert letter["state"] == "signed" and letter["number"]
    assert letter["tembusan"] == ["Wali Kota", "Sekda"]
    body = app.get(tk.url_for("sopsektoral.letter_read", id=letter_id), headers=_headers(cast.kepala_seksi)).body
    assert letter["number"] in body
    assert "Permintaan Data &lt;b&gt;2026&lt;/b&gt;" in body  # what users typed is escaped


def test_letter_form_shows_field_errors(app, cast, daftar):
    resp = app.post(tk.url_for("sopsektoral.letter_new"), headers=_headers(cast.kepala_seksi),
                    data={"subject": "", "data_year": "20x6"})
    assert resp.status_code == 200
    assert "error-explanation" in resp.body
    assert 'name="_csrf_token"' in resp.body


def test_return_needs_a_note_on_the_page(app, cast, draft):
    advance(cast, draft["id"], "awaiting_initial_kabid")
    url = tk.url_for("sopsektoral.letter_transition", id=draft["id"], transition="return")
    app.post(url, headers=_headers(cast.kepala_bidang), data={"note": ""})
    assert call_action("sopsektoral_letter_show", id=draft["id"])["state"] == "awaiting_initial_kabid"
    app.post(url, headers=_headers(cast.kepala_bidang), data={"note": "Tambahkan data DLH"})
    assert call_action("sopsektoral_letter_show", id=draft["id"])["state"] == "draft"


def test_operator_cannot_open_a_draft(app, cast, draft):
    resp = app.get(tk.url_for("sopsektoral.letter_read", id=draft["id"]), headers=_headers(cast.operator))
    assert resp.status_code == 403


def test_wrong_position_cannot_post_a_transition(app, cast, draft):
    advance(cast, draft["id"], "awaiting_initial_kabid")
    resp = app.post(tk.url_for("sopsektoral.letter_transition", id=draft["id"], transition="initial"),
                    headers=_headers(cast.staf_statistik))
    assert resp.status_code == 403
    assert call_action("sopsektoral_letter_show", id=draft["id"])["state"] == "awaiting_initial_kabid"


def test_letter_list_filters(app, cast, draft):
    url = tk.url_for("sopsektoral.letter_list")
    assert draft["subject"] in app.get(url, headers=_headers(cast.staf_statistik)).body
    assert draft["subject"] not in app.get(url, query_string={"state": "signed"}, headers=_headers(cast.staf_statistik)).body
    bad = app.get(url, query_string={"year": "abc"}, headers=_headers(cast.staf_statistik))
    assert bad.status_code == 200


def test_daftar_data_page_imports_a_csv(app, cast):
    import io

    csv = "tahun,opd,judul_data,satuan\n2026,dinas-kesehatan,Jumlah Posyandu,unit\n"
    resp = app.post(tk.url_for("sopsektoral.daftar_data"), headers=_headers(cast.staf_statistik),
                    data={"upload": (io.BytesIO(csv.encode()), "daftar.csv")})
    assert resp.status_code == 200
    assert "Jumlah Posyandu" in resp.body
    bad = "tahun,opd,judul_data\n2026,dinas-tidak-ada,X\n"
    resp = app.post(tk.url_for("sopsektoral.daftar_data"), headers=_headers(cast.staf_statistik),
                    data={"upload": (io.BytesIO(bad.encode()), "daftar.csv")})
    assert "dinas-tidak-ada" in resp.body and "2" in resp.body
    page = app.get(tk.url_for("sopsektoral.daftar_data"), headers=_headers(cast.operator)).body
    assert 'type="file"' not in page  # operators read their OPD's entries, they do not import


def test_officers_page_is_for_sysadmins(app, cast):
    url = tk.url_for("sopsektoral.officers")
    assert app.get(url, headers=_headers(cast.kepala_dinas)).status_code == 403
    body = app.get(url, headers=_headers(cast.sysadmin)).body
    assert cast.kepala_dinas["name"] in body and "Plt." in body
    user = factories.User()
    app.post(url, headers=_headers(cast.sysadmin), data={"user": user["name"], "position": "staf_statistik"})
    assert user["name"] in {o["user_name"] for o in call_action("sopsektoral_officer_list")}


# ---------------------------------------------------------------- SOP steps 5 and 6

def _sent_letter(cast, draft):
    advance(cast, draft["id"], "signed")
    return call_action("sopsektoral_letter_send", {"user": cast.staf_statistik["name"], "ignore_auth": False},
                       id=draft["id"])


def test_letter_page_offers_send_and_shows_progress(app, cast, draft):
    advance(cast, draft["id"], "signed")
    url = tk.url_for("sopsektoral.letter_read", id=draft["id"])
    page = BeautifulSoup(app.get(url, headers=_headers(cast.staf_statistik)).body, "html.parser")
    assert {f["action"].rsplit("/", 1)[-1] for f in page.select("form.sopsektoral-transition")} == {"send"}
    app.post(tk.url_for("sopsektoral.letter_transition", id=draft["id"], transition="send"),
             headers=_headers(cast.staf_statistik))
    body = app.get(url, headers=_headers(cast.staf_statistik)).body
    assert "sopsektoral-progress" in body and "Dinas Perhubungan" in body


def test_operator_sees_what_is_asked_of_their_opd(app, cast, draft):
    _sent_letter(cast, draft)
    body = app.get(tk.url_for("sopsektoral.queue"), headers=_headers(cast.operator)).body
    assert "Jumlah Puskesmas menurut Kecamatan" in body
    assert "Jumlah Trayek Angkutan Kota" not in body  # another OPD's
    inbox = app.get(tk.url_for("sopsektoral.inbox"), headers=_headers(cast.operator)).body
    assert "Jumlah Puskesmas menurut Kecamatan" in inbox


def test_queue_and_workbench_for_statistics_staff(app, cast, draft):
    import io

    letter = _sent_letter(cast, draft)
    items = call_action("sopsektoral_item_list", letter_id=letter["id"])["results"]
    for item in items:
        who = cast.operator if item["owner_org"] == cast.opd["id"] else cast.other_operator
        call_action("resource_create", {"user": who["name"], "ignore_auth": False}, package_id=item["dataset_id"],
                    name="data.csv", url="data.csv", format="CSV",
                    upload=__import__("werkzeug.datastructures", fromlist=["FileStorage"]).FileStorage(
                        io.BytesIO(b"kode_wilayah,jumlah,tahun\n64.71.01,5,2026\n"), "data.csv"))
        resp = app.post(tk.url_for("sopsektoral.item_transition", id=item["id"], transition="submit"),
                        headers=_headers(who), follow_redirects=False)
        assert resp.status_code == 302
    queue = BeautifulSoup(app.get(tk.url_for("sopsektoral.queue"), headers=_headers(cast.staf_statistik)).body,
                          "html.parser")
    assert len(queue.select("input[name=ids]")) == 3
    assert queue.find("input", attrs={"name": "_csrf_token"})
    item = items[0]
    bench = app.get(tk.url_for("sopsektoral.item_read", id=item["id"]), headers=_headers(cast.staf_statistik)).body
    assert "sopsektoral-checks" in bench and "sopsektoral-verify" in bench
    app.post(tk.url_for("sopsektoral.item_transition", id=item["id"], transition="return"),
             headers=_headers(cast.staf_statistik), data={"note": "Angka tidak wajar"})
    assert call_action("sopsektoral_item_show", id=item["id"])["state"] == "returned"
    resp = app.post(tk.url_for("sopsektoral.queue_bulk"), headers=_headers(cast.staf_statistik),
                    data={"action": "verify", "ids": [i["id"] for i in items[1:]]})
    assert {call_action("sopsektoral_item_show", id=i["id"])["state"] for i in items[1:]} == {"verified"}
