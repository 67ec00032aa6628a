"""What the pages tell their users after they act (issue 12): where they land after
logging in, what a claim or a publication did, errors by their fields' labels, the
way back from the dataset to the request, what an item page keeps showing after
verification, the operator's tasks, people by their names."""
from __future__ import annotations

import io
from urllib.parse import urlparse

import pytest
from bs4 import BeautifulSoup
from werkzeug.datastructures import FileStorage

import ckan.plugins.toolkit as tk
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.sopsektoral.tests.helpers import advance, as_user

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")

CSV = b"kode_wilayah,jumlah,tahun\n64.71.01,5,2026\n"


def _headers(user) -> dict[str, str]:
    return {"Authorization": factories.APIToken(user=user["name"])["token"]}


def _sent(cast, draft) -> list[dict]:
    advance(cast, draft["id"], "signed")
    call_action("sopsektoral_letter_send", as_user(cast.verifier), id=draft["id"])
    return call_action("sopsektoral_item_list", letter_id=draft["id"])["results"]


def _upload(item, who) -> None:
    call_action("resource_create", as_user(who), package_id=item["dataset_id"], name="data.csv",
                url="data.csv", format="CSV", upload=FileStorage(io.BytesIO(CSV), "data.csv"))


def _submit_all(cast, items) -> None:
    for item in items:
        who = cast.operator if item["owner_org"] == cast.opd["id"] else cast.other_operator
        _upload(item, who)
        call_action("sopsektoral_item_submit", as_user(who), id=item["id"])


def _flashes(app, resp, user) -> str:
    """The flash messages of the page a POST (of ``_post``, same client) redirected to."""
    client, resp = resp
    assert resp.status_code == 302, resp.body
    page = BeautifulSoup(client.get(resp.headers["Location"], headers=_headers(user)).body, "html.parser")
    return " ".join(d.text.strip() for d in page.select(".flash-messages .alert"))


def _post(app, who, item_id, transition, **data):
    """POST a transition in English with a client that keeps its session (for the flash messages)."""
    client = app.test_client()
    url = "/en" + tk.url_for("sopsektoral.item_transition", id=item_id, transition=transition)
    return client, client.post(url, headers=_headers(who), data=data, follow_redirects=False)


# ---------------------------------------------------------------- landing

def test_users_land_on_their_tasks_after_logging_in(app, cast):
    assert tk.config["ckan.auth.route_after_login"] == "sopsektoral.inbox"
    password = "Sandi-Rahasia-2026"
    user = cast.operator
    call_action("user_update", id=user["id"], name=user["name"], email=user["email"], password=password)
    client = app.test_client()
    login = tk.url_for("user.login")
    form = BeautifulSoup(client.get(login).body, "html.parser").select_one("form#login, form[method=post]")
    token = form.find("input", attrs={"name": "_csrf_token"})["value"]
    resp = client.post(login, data={"login": user["name"], "password": password, "_csrf_token": token},
                       follow_redirects=False)
    assert resp.status_code == 302
    assert urlparse(resp.headers["Location"]).path == tk.url_for("sopsektoral.inbox")
    assert "Tugas saya" in client.get(resp.headers["Location"]).body or "My tasks" in client.get(
        resp.headers["Location"]).body


# ---------------------------------------------------------------- what an action did

def test_claim_verify_and_publish_say_what_happened(app, cast, draft):
    items = _sent(cast, draft)
    _submit_all(cast, items)
    item = items[0]
    said = _flashes(app, _post(app, cast.verifier, item["id"], "claim"), cast.verifier)
    assert f"You took {item['title']} to verify." in said
    said = _flashes(app, _post(app, cast.verifier, item["id"], "verify"), cast.verifier)
    assert f"{item['title']} was verified." in said
    said = _flashes(app, _post(app, cast.verifier, item["id"], "publish"), cast.verifier)
    assert f"The dataset {item['title']} was published." in said


def test_errors_name_the_fields_by_their_labels(app, cast, draft):
    items = _sent(cast, draft)
    _submit_all(cast, items)
    call_action("sopsektoral_item_claim", as_user(cast.verifier), id=items[0]["id"])
    said = _flashes(app, _post(app, cast.verifier, items[0]["id"], "return", note=""), cast.verifier)
    assert "Note: " in said and "note:" not in said
    said = _flashes(app, _post(app, cast.drafter, items[0]["id"], "claim", user="nobody-like-this"),
                    cast.drafter)
    assert "User: " in said and "user:" not in said


# ---------------------------------------------------------------- the way back to "Submit for verification"

def test_the_dataset_and_resource_pages_lead_the_operator_back_to_the_request(app, cast, draft):
    items = _sent(cast, draft)
    item = next(i for i in items if i["owner_org"] == cast.opd["id"])
    _upload(item, cast.operator)
    dataset = call_action("package_show", id=item["dataset_id"])
    item_url = tk.url_for("sopsektoral.item_read", id=item["id"])
    for url in (tk.url_for("dataset.read", id=dataset["name"]),
                tk.url_for("resource.read", id=dataset["name"], resource_id=dataset["resources"][0]["id"]),
                tk.url_for("resource.new", id=dataset["name"])):
        page = BeautifulSoup(app.get(url, headers=_headers(cast.operator)).body, "html.parser")
        notice = page.select_one(".sopsektoral-open-item")
        assert notice is not None and notice.a["href"] == item_url, url
    # Not for another OPD's operator, and not once submitted.
    page = BeautifulSoup(app.get(tk.url_for("dataset.read", id=dataset["name"]),
                                 headers=_headers(cast.sysadmin)).body, "html.parser")
    call_action("sopsektoral_item_submit", as_user(cast.operator), id=item["id"])
    page = BeautifulSoup(app.get(tk.url_for("dataset.read", id=dataset["name"]),
                                 headers=_headers(cast.operator)).body, "html.parser")
    assert page.select_one(".sopsektoral-open-item") is None


# ---------------------------------------------------------------- the item page after verification

def test_a_verified_item_shows_its_checklist_not_its_old_return_reason(app, cast, draft):
    items = _sent(cast, draft)
    _submit_all(cast, items)
    item = next(i for i in items if i["owner_org"] == cast.opd["id"])
    call_action("sopsektoral_item_return", as_user(cast.verifier), id=item["id"], note="Kode wilayah salah")
    url = "/en" + tk.url_for("sopsektoral.item_read", id=item["id"])
    page = BeautifulSoup(app.get(url, headers=_headers(cast.operator)).body, "html.parser")
    rows = {th.text.strip() for th in page.select("table th[scope=row]")}
    assert "Returned because" in rows
    call_action("sopsektoral_item_submit", as_user(cast.operator), id=item["id"])
    _post(app, cast.verifier, item["id"], "verify", check_metadata="1", check_standar_data="1")
    assert call_action("sopsektoral_item_show", id=item["id"])["state"] == "verified"
    page = BeautifulSoup(app.get(url, headers=_headers(cast.verifier)).body, "html.parser")
    rows = {th.text.strip() for th in page.select("table th[scope=row]")}
    assert "Returned because" not in rows
    assert "Kode wilayah salah" in page.select_one("section.sopsektoral-timeline").text  # history keeps it
    saved = page.select_one(".sopsektoral-checklist-saved")
    assert saved is not None
    assert len(saved.select(".fa-check")) == sum(
        call_action("sopsektoral_item_show", id=item["id"])["checklist"].values())


# ---------------------------------------------------------------- the operator's tasks

def test_the_operators_tasks_list_their_opds_items(app, cast, draft):
    items = _sent(cast, draft)
    mine = [i for i in items if i["owner_org"] == cast.opd["id"]]
    page = BeautifulSoup(app.get("/en" + tk.url_for("sopsektoral.inbox"), headers=_headers(cast.operator)).body,
                         "html.parser")
    text = page.select_one("article").text
    assert "You hold no Diskominfo position" not in text
    assert "Awaiting you: data requested from your OPD" in text
    assert all(i["title"] in text for i in mine)
    assert "Jumlah Trayek Angkutan Kota" not in text  # another OPD's
    heading = next(h for h in page.select("h2") if "Awaiting you" in h.text)
    assert heading.select_one(".sopsektoral-count").text == str(len(mine))


# ---------------------------------------------------------------- people by their names

def test_pages_show_peoples_names_not_their_logins(app, cast, draft):
    items = _sent(cast, draft)
    _submit_all(cast, items)
    item = next(i for i in items if i["owner_org"] == cast.opd["id"])
    operator = cast.operator
    assert operator["fullname"] and operator["fullname"] != operator["name"]
    page = BeautifulSoup(app.get(tk.url_for("sopsektoral.item_read", id=item["id"]),
                                 headers=_headers(cast.verifier)).body, "html.parser")
    article = page.select_one("article").text
    assert operator["fullname"] in article and operator["name"] not in article
    letter = BeautifulSoup(app.get(tk.url_for("sopsektoral.letter_read", id=draft["id"]),
                                   headers=_headers(cast.verifier)).body, "html.parser").select_one("article").text
    assert cast.drafter["fullname"] in letter and cast.drafter["name"] not in letter
    dataset = BeautifulSoup(app.get(tk.url_for("dataset.read", id=item["dataset_id"]),
                                    headers=_headers(cast.verifier)).body, "html.parser")
    info = dataset.select_one(".additional-info").text
    assert operator["fullname"] in info and operator["name"] not in info


def test_the_contact_email_row_shows_the_email(app, cast):
    dataset = factories.Dataset(owner_org=cast.opd["id"], klasifikasi_akses="publik", private=False,
                                maintainer="Seksi Data Dinas Kesehatan", maintainer_email="data@dinkes.go.id")
    page = BeautifulSoup(app.get(tk.url_for("dataset.read", id=dataset["name"])).body, "html.parser")
    rows = {tr.th.text.strip(): tr.td for tr in page.select(".additional-info tr") if tr.th and tr.td}
    email = rows["Email penanggung jawab"]
    assert email.text.strip() == "data@dinkes.go.id" and email.a["href"] == "mailto:data@dinkes.go.id"
    assert rows["Unit kerja / penanggung jawab data"].text.strip() == "Seksi Data Dinas Kesehatan"


def test_an_import_error_names_the_file_field_by_its_label(app, cast):
    bad = b"tahun,opd\n2026,dinas-kesehatan\n"  # no judul_data
    resp = app.post("/en" + tk.url_for("sopsektoral.daftar_data"), headers=_headers(cast.verifier),
                    data={"upload": (io.BytesIO(bad), "daftar.csv")})
    text = BeautifulSoup(resp.body, "html.parser").select_one("article").text
    assert "File: " in text and "judul_data" in text and "upload:" not in text


def test_bulk_actions_say_what_happened(app, cast, draft):
    items = _sent(cast, draft)
    _submit_all(cast, items)
    client = app.test_client()
    resp = client.post("/en" + tk.url_for("sopsektoral.queue_bulk"), headers=_headers(cast.verifier),
                       data={"action": "claim", "ids": [i["id"] for i in items]}, follow_redirects=False)
    assert "You took 3 data items to verify." in _flashes(app, (client, resp), cast.verifier)
