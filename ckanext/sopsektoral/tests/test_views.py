"""The portal pages, through CKAN's Flask test client (logged in with API tokens)."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

import ckan.plugins.toolkit as tk
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.sopsektoral.tests.helpers import advance, balikpapan_only

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")


def _headers(user) -> dict[str, str]:
    return {"Authorization": factories.APIToken(user=user["name"])["token"]}


def test_sop_page_in_indonesian_by_default(app, sop_file):
    body = app.get(tk.url_for("sopsektoral.sop_page")).body
    assert all(p.name.id in body for p in sop_file.positions)
    assert sop_file.drafting.label.id in body and sop_file.title.id in body


def test_sop_page_in_english(app, sop_file):
    body = app.get("/en" + tk.url_for("sopsektoral.sop_page")).body
    assert all(p.name.en in body for p in sop_file.positions)
    assert sop_file.drafting.label.en in body and sop_file.title.en in body


@balikpapan_only
def test_sop_page_shows_balikpapans_times(app):
    assert "1 minggu" in app.get(tk.url_for("sopsektoral.sop_page")).body
    assert "1 week" in app.get("/en" + tk.url_for("sopsektoral.sop_page")).body


def test_dataset_search_page_answers(app):
    assert app.get("/dataset").status_code == 200


def test_inbox_needs_login(app, cast):
    resp = app.get(tk.url_for("sopsektoral.inbox"), follow_redirects=False)
    assert resp.status_code == 302
    assert "/user/login" in resp.headers["Location"]


def test_inbox_lists_what_awaits_the_officer(app, cast, draft):
    advance(cast, draft["id"], cast.state(0))
    body = app.get(tk.url_for("sopsektoral.inbox"), headers=_headers(cast.first_approver)).body
    assert draft["subject"] in body
    assert cast.sop.position(cast.sop.approvals[0].executor).name.id in body
    body = app.get(tk.url_for("sopsektoral.inbox"), headers=_headers(cast.second_approver)).body
    assert draft["subject"] not in body


def test_letter_page_shows_buttons_for_the_position_whose_turn_it_is(app, cast, draft):
    advance(cast, draft["id"], cast.state(1))
    url = tk.url_for("sopsektoral.letter_read", id=draft["id"])
    page = BeautifulSoup(app.get(url, headers=_headers(cast.second_approver)).body, "html.parser")
    forms = page.select("form.sopsektoral-transition, form.sopsektoral-return")
    actions = {f["action"].rsplit("/", 1)[-1] for f in forms}
    assert actions == {"sign" if cast.state(1) == cast.state(-1) else "initial", "return"}
    assert all(f.find("input", attrs={"name": "_csrf_token"}) for f in page.select("form[method=post]"))
    assert "Dinas Kesehatan" in page.text and "Jumlah Puskesmas menurut Kecamatan" in page.text
    # The timeline shows who initialled (by their name, not their login), in which position.
    assert cast.first_approver["fullname"] in page.text

    other = BeautifulSoup(app.get(url, headers=_headers(cast.first_approver)).body, "html.parser")
    assert other.select("form.sopsektoral-transition") == []


def test_the_whole_chain_through_the_pages(app, cast, daftar):
    resp = app.post(tk.url_for("sopsektoral.letter_new"), headers=_headers(cast.drafter), data={
        "subject": "Permintaan Data <b>2026</b>", "data_year": "2026", "sifat": "segera",
        "lampiran": "1 (satu) berkas", "body": "Isi surat", "tembusan": "Wali Kota\nSekda",
        "items": [d["id"] for d in daftar[:2]],
    }, follow_redirects=False)
    assert resp.status_code == 302
    letter_id = resp.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    chain = [("submit", cast.drafter)] + [
        ("sign" if step.kind == "signature" else "initial", who)
        for step, who in zip(cast.sop.approvals, cast.approvers, strict=True)]
    for transition, who in chain:
        resp = app.post(tk.url_for("sopsektoral.letter_transition", id=letter_id, transition=transition),
                        headers=_headers(who), follow_redirects=False)
        assert resp.status_code == 302
    letter = call_action("sopsektoral_letter_show", id=letter_id)
    assert letter["state"] == "signed" and letter["number"]
    assert letter["tembusan"] == ["Wali Kota", "Sekda"]
    body = app.get(tk.url_for("sopsektoral.letter_read", id=letter_id), headers=_headers(cast.drafter)).body
    assert letter["number"] in body
    assert "Permintaan Data &lt;b&gt;2026&lt;/b&gt;" in body  # what users typed is escaped


def test_letter_form_shows_field_errors(app, cast, daftar):
    resp = app.post(tk.url_for("sopsektoral.letter_new"), headers=_headers(cast.drafter),
                    data={"subject": "", "data_year": "20x6"})
    assert resp.status_code == 200
    assert "error-explanation" in resp.body
    assert 'name="_csrf_token"' in resp.body


@pytest.mark.parametrize("year", ["99999", "1000", "١٢", "2026\x00", "9" * 40])
def test_letter_form_with_a_year_out_of_range_is_a_form_error(app, cast, daftar, year):
    resp = app.post(tk.url_for("sopsektoral.letter_new"), headers=_headers(cast.drafter),
                    data={"subject": "Hal", "data_year": year})
    assert resp.status_code == 200 and "error-explanation" in resp.body
    resp = app.get(tk.url_for("sopsektoral.letter_new", data_year=year), headers=_headers(cast.drafter))
    assert resp.status_code == 200


@pytest.mark.parametrize("endpoint", ["sopsektoral.letter_read", "sopsektoral.letter_edit",
                                      "sopsektoral.item_read"])
def test_an_id_that_cannot_be_one_is_a_bad_request(app, cast, endpoint):
    resp = app.get(tk.url_for(endpoint, id="x" * 101), headers=_headers(cast.sysadmin))
    assert resp.status_code == 400
    assert "ID: " in resp.body  # the field by its label


def test_return_needs_a_note_on_the_page(app, cast, draft):
    advance(cast, draft["id"], cast.state(0))
    url = tk.url_for("sopsektoral.letter_transition", id=draft["id"], transition="return")
    app.post(url, headers=_headers(cast.first_approver), data={"note": ""})
    assert call_action("sopsektoral_letter_show", id=draft["id"])["state"] == cast.state(0)
    app.post(url, headers=_headers(cast.first_approver), data={"note": "Tambahkan data DLH"})
    assert call_action("sopsektoral_letter_show", id=draft["id"])["state"] == "draft"


def test_operator_cannot_open_a_draft(app, cast, draft):
    resp = app.get(tk.url_for("sopsektoral.letter_read", id=draft["id"]), headers=_headers(cast.operator))
    assert resp.status_code == 403


def test_wrong_position_cannot_post_a_transition(app, cast, draft):
    advance(cast, draft["id"], cast.state(0))
    resp = app.post(tk.url_for("sopsektoral.letter_transition", id=draft["id"], transition="initial"),
                    headers=_headers(cast.verifier))
    assert resp.status_code == 403
    assert call_action("sopsektoral_letter_show", id=draft["id"])["state"] == cast.state(0)


def test_letter_list_filters(app, cast, draft):
    url = tk.url_for("sopsektoral.letter_list")
    assert draft["subject"] in app.get(url, headers=_headers(cast.verifier)).body
    assert draft["subject"] not in app.get(url, query_string={"state": "signed"}, headers=_headers(cast.verifier)).body
    bad = app.get(url, query_string={"year": "abc"}, headers=_headers(cast.verifier))
    assert bad.status_code == 200


def test_daftar_data_page_imports_a_csv(app, cast):
    import io

    csv = "tahun,opd,judul_data,satuan\n2026,dinas-kesehatan,Jumlah Posyandu,unit\n"
    resp = app.post(tk.url_for("sopsektoral.daftar_data"), headers=_headers(cast.verifier),
                    data={"upload": (io.BytesIO(csv.encode()), "daftar.csv")})
    assert resp.status_code == 200
    assert "Jumlah Posyandu" in resp.body
    bad = "tahun,opd,judul_data\n2026,dinas-tidak-ada,X\n"
    resp = app.post(tk.url_for("sopsektoral.daftar_data"), headers=_headers(cast.verifier),
                    data={"upload": (io.BytesIO(bad.encode()), "daftar.csv")})
    assert "dinas-tidak-ada" in resp.body and "2" in resp.body
    page = app.get(tk.url_for("sopsektoral.daftar_data"), headers=_headers(cast.operator)).body
    assert 'type="file"' not in page  # operators read their OPD's entries, they do not import


def test_officers_page_is_for_sysadmins(app, cast):
    url = tk.url_for("sopsektoral.officers")
    assert app.get(url, headers=_headers(cast.signer)).status_code == 403
    body = app.get(url, headers=_headers(cast.sysadmin)).body
    assert cast.signer["name"] in body and "Plt." in body
    user = factories.User()
    app.post(url, headers=_headers(cast.sysadmin),
             data={"user": user["name"], "position": cast.sop.verification.executor})
    assert user["name"] in {o["user_name"] for o in call_action("sopsektoral_officer_list")}


# ---------------------------------------------------------------- SOP steps 5 and 6

def _sent_letter(cast, draft):
    advance(cast, draft["id"], "signed")
    return call_action("sopsektoral_letter_send", {"user": cast.verifier["name"], "ignore_auth": False},
                       id=draft["id"])


def test_letter_page_offers_send_and_shows_progress(app, cast, draft):
    advance(cast, draft["id"], "signed")
    url = tk.url_for("sopsektoral.letter_read", id=draft["id"])
    page = BeautifulSoup(app.get(url, headers=_headers(cast.verifier)).body, "html.parser")
    assert {f["action"].rsplit("/", 1)[-1] for f in page.select("form.sopsektoral-transition")} == {"send"}
    app.post(tk.url_for("sopsektoral.letter_transition", id=draft["id"], transition="send"),
             headers=_headers(cast.verifier))
    body = app.get(url, headers=_headers(cast.verifier)).body
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
    queue = BeautifulSoup(app.get(tk.url_for("sopsektoral.queue"), headers=_headers(cast.verifier)).body,
                          "html.parser")
    assert len(queue.select("input[name=ids]")) == 3
    assert queue.find("input", attrs={"name": "_csrf_token"})
    item = items[0]
    bench = app.get(tk.url_for("sopsektoral.item_read", id=item["id"]), headers=_headers(cast.verifier)).body
    assert "sopsektoral-checks" in bench and "sopsektoral-verify" in bench
    app.post(tk.url_for("sopsektoral.item_transition", id=item["id"], transition="return"),
             headers=_headers(cast.verifier), data={"note": "Angka tidak wajar"})
    assert call_action("sopsektoral_item_show", id=item["id"])["state"] == "returned"
    resp = app.post(tk.url_for("sopsektoral.queue_bulk"), headers=_headers(cast.verifier),
                    data={"action": "verify", "ids": [i["id"] for i in items[1:]]})
    assert {call_action("sopsektoral_item_show", id=i["id"])["state"] for i in items[1:]} == {"verified"}


# ---------------------------------------------------------------- UI polish

def _submit_all(app, cast, letter):
    """Upload data to every item of a sent letter and submit it through the page."""
    import io

    from werkzeug.datastructures import FileStorage

    items = call_action("sopsektoral_item_list", letter_id=letter["id"])["results"]
    for item in items:
        who = cast.operator if item["owner_org"] == cast.opd["id"] else cast.other_operator
        call_action("resource_create", {"user": who["name"], "ignore_auth": False}, package_id=item["dataset_id"],
                    name="data.csv", url="data.csv", format="CSV",
                    upload=FileStorage(io.BytesIO(b"kode_wilayah,jumlah,tahun\n64.71.01,5,2026\n"), "data.csv"))
        resp = app.post(tk.url_for("sopsektoral.item_transition", id=item["id"], transition="submit"),
                        headers=_headers(who), follow_redirects=False)
        assert resp.status_code == 302
    return items


def _page(app, url, user, **kwargs):
    resp = app.get(url, headers=_headers(user), **kwargs)
    assert resp.status_code == 200, resp.body
    return BeautifulSoup(resp.body, "html.parser")


def _assert_badges_coloured(page):
    """Every badge carries our badge class and a colour of our CSS (Bootstrap 5's
    .badge has none of its own)."""
    colours = ("sopsektoral-status-", "sopsektoral-letter-", "sopsektoral-overdue", "sopsektoral-published",
               "sopsektoral-count", "sopsektoral-badge-light", "sopsektoral-in-force")
    for badge in page.select(".badge"):
        classes = " ".join(badge.get("class", []))
        if badge.find_parent(class_="sopsektoral-letter") is None and badge.find_parent(class_="module") is None:
            continue  # CKAN's own (header, facets)
        assert "sopsektoral-badge" in classes, badge
        assert any(c in classes for c in colours), badge


def test_letter_timeline_shows_the_items_events(app, cast, draft):
    letter = _sent_letter(cast, draft)
    items = _submit_all(app, cast, letter)
    for item in items:
        call_action("sopsektoral_item_claim", {"user": cast.verifier["name"], "ignore_auth": False}, id=item["id"])
    call_action("sopsektoral_item_claim", {"user": cast.drafter["name"], "ignore_auth": False},
                id=items[0]["id"], user="")
    call_action("sopsektoral_item_claim", {"user": cast.drafter["name"], "ignore_auth": False},
                id=items[0]["id"], user=cast.verifier["name"])
    call_action("sopsektoral_item_return", {"user": cast.verifier["name"], "ignore_auth": False},
                id=items[1]["id"], note="Kode <wilayah> salah")
    call_action("sopsektoral_item_verify", {"user": cast.verifier["name"], "ignore_auth": False},
                ids=[items[0]["id"], items[2]["id"]])
    url = "/en" + tk.url_for("sopsektoral.letter_read", id=letter["id"])
    page = _page(app, url, cast.verifier)
    timeline = page.select_one("section.sopsektoral-timeline")
    text = timeline.text
    assert "Sent to the OPDs" in text  # the letter's own steps
    recent = timeline.select("ul.sopsektoral-item-events-recent li.sopsektoral-item-event")
    assert len(recent) == 10  # of 3 submitted, 3 claimed, released, assigned, returned, 2 verified
    labels = [li.strong.text for li in recent]
    assert labels[:2] == ["Verified", "Verified"] and "Returned for correction" in labels
    assert "Claim released" in labels and "Claimed" in labels
    assert f"Assigned to {cast.verifier['fullname']}" in labels
    first = recent[0]
    assert first.a["href"].endswith(tk.url_for("sopsektoral.item_read", id=first.a["href"].rsplit("/", 1)[-1]))
    assert first.a.text in {i["title"] for i in items}
    assert "Dinas Kesehatan" in text or "Dinas Perhubungan" in text
    # The reason of the return, escaped.
    assert "Kode <wilayah> salah" in text and "Kode &lt;wilayah&gt; salah" in str(timeline)
    # All of them, grouped by OPD, behind "show all".
    every = timeline.select_one("details.sopsektoral-item-events-all")
    assert every is not None and "11" in every.summary.text
    assert [h.contents[0].strip() for h in every.select("h4")] == ["Dinas Kesehatan", "Dinas Perhubungan"]
    assert len(every.select("li.sopsektoral-item-event")) == 11
    # Operators see the letter, not the internal log.
    page = _page(app, url, cast.operator)
    assert page.select("section.sopsektoral-timeline") == []


def test_queue_bulk_actions_only_for_who_may_do_them(app, cast, draft):
    letter = _sent_letter(cast, draft)
    _submit_all(app, cast, letter)
    url = tk.url_for("sopsektoral.queue")
    staff = _page(app, url, cast.verifier, query_string={"state": "submitted"})
    assert len(staff.select("input[name=ids]")) == 3
    assert staff.select_one("input[data-module=sopsektoral-select-all]") is not None
    buttons = {b["value"] for b in staff.select(".sopsektoral-bulk button[name=action]")}
    assert buttons == {"claim", "verify"}  # nothing verified yet to publish
    verify = staff.select_one(".sopsektoral-bulk button[value=verify]")
    assert verify["data-module"] == "sopsektoral-confirm" and verify["data-module-content"]
    _assert_badges_coloured(staff)
    for who in (cast.operator, cast.signer, cast.second_approver):
        page = _page(app, url, who, query_string={"state": "submitted"})
        assert page.select("table.sopsektoral-queue tbody tr"), who["name"]
        assert page.select("input[name=ids]") == []
        assert page.select("input[data-module=sopsektoral-select-all]") == []
        assert page.select(".sopsektoral-bulk") == []
    # The Kepala Seksi claims and publishes, but does not verify.
    head = _page(app, url, cast.drafter, query_string={"state": "submitted"})
    assert {b["value"] for b in head.select(".sopsektoral-bulk button[name=action]")} == {"claim"}
    call_action("sopsektoral_item_verify", {"user": cast.verifier["name"], "ignore_auth": False},
                ids=[i["id"] for i in call_action("sopsektoral_item_list", letter_id=letter["id"])["results"]])
    head = _page(app, url, cast.drafter, query_string={"state": "verified"})
    assert {b["value"] for b in head.select(".sopsektoral-bulk button[name=action]")} == {"publish"}
    assert len(head.select("input[name=ids]")) == 3


def test_section_head_assigns_and_releases_on_the_workbench(app, cast, draft):
    letter = _sent_letter(cast, draft)
    item = _submit_all(app, cast, letter)[0]
    url = tk.url_for("sopsektoral.item_read", id=item["id"])
    claim_url = tk.url_for("sopsektoral.item_transition", id=item["id"], transition="claim")
    page = _page(app, url, cast.drafter)
    form = page.select_one("form.sopsektoral-assign select[name=user]").find_parent("form")
    assert form["action"] == claim_url and form.find("input", attrs={"name": "_csrf_token"})
    options = {o["value"] for o in form.select("option")}
    assert options == {cast.verifier["name"], cast.drafter["name"]}  # statistics officers only
    resp = app.post(claim_url, headers=_headers(cast.drafter), data={"user": cast.verifier["name"]},
                    follow_redirects=False)
    assert resp.status_code == 302
    assert call_action("sopsektoral_item_show", id=item["id"])["claimed_by"] == cast.verifier["name"]
    page = _page(app, url, cast.drafter)
    assert page.select_one("option[selected]")["value"] == cast.verifier["name"]
    release = [f for f in page.select("form.sopsektoral-assign")
               if f.find("input", attrs={"name": "user", "value": ""})]
    assert len(release) == 1 and cast.verifier["fullname"] in release[0].button.text
    app.post(claim_url, headers=_headers(cast.drafter), data={"user": ""})
    assert call_action("sopsektoral_item_show", id=item["id"])["claimed_by"] is None
    # The sysadmin assigns too.
    page = _page(app, url, cast.sysadmin)
    assert page.select_one("form.sopsektoral-assign select[name=user]") is not None


def test_statistics_staff_claims_and_releases_their_claim(app, cast, draft):
    letter = _sent_letter(cast, draft)
    item = _submit_all(app, cast, letter)[0]
    url = "/en" + tk.url_for("sopsektoral.item_read", id=item["id"])
    page = _page(app, url, cast.verifier)
    assert page.select("form.sopsektoral-assign select") == []
    forms = page.select("form.sopsektoral-assign")
    assert [f.button.text.strip() for f in forms] == ["Claim"]
    app.post(forms[0]["action"], headers=_headers(cast.verifier))
    assert call_action("sopsektoral_item_show", id=item["id"])["claimed_by"] == cast.verifier["name"]
    page = _page(app, url, cast.verifier)
    forms = page.select("form.sopsektoral-assign")
    assert [f.button.text.strip() for f in forms] == ["Release my claim"]
    timeline = page.select_one("section.sopsektoral-timeline").text
    assert "Claimed" in timeline
    app.post(forms[0]["action"], headers=_headers(cast.verifier), data={"user": ""})
    assert call_action("sopsektoral_item_show", id=item["id"])["claimed_by"] is None
    assert "Claim released" in _page(app, url, cast.verifier).select_one("section.sopsektoral-timeline").text
    # Claimed by someone else: a staff member sees who, and no button.
    call_action("sopsektoral_item_claim", {"user": cast.drafter["name"], "ignore_auth": False},
                id=item["id"], user=cast.drafter["name"])
    page = _page(app, url, cast.verifier)
    assert page.select("form.sopsektoral-assign") == []
    # Operators get no claim form at all.
    assert _page(app, url, cast.operator).select("form.sopsektoral-assign") == []


def test_send_asks_for_confirmation_with_what_is_sent(app, cast, draft):
    advance(cast, draft["id"], "signed")
    page = _page(app, "/en" + tk.url_for("sopsektoral.letter_read", id=draft["id"]), cast.verifier)
    button = page.select_one("form.sopsektoral-transition button[value=send]")
    assert button["data-module"] == "sopsektoral-confirm"
    assert "2 OPDs" in button["data-module-content"] and "3 data items" in button["data-module-content"]
    assert button.find_parent("form").find("input", attrs={"name": "_csrf_token"})
    assert "2 OPDs" in page.select_one(".sopsektoral-send-summary").text
    scripts = " ".join(s.get("src", "") for s in page.select("script"))
    assert "sopsektoral" in scripts  # the module is loaded


def test_signed_letter_waits_in_the_inbox_of_who_sends_it(app, cast, draft):
    advance(cast, draft["id"], "signed")
    url = tk.url_for("sopsektoral.inbox")
    for who in (cast.verifier, cast.drafter):
        page = _page(app, url, who)
        link = page.find("a", href=tk.url_for("sopsektoral.letter_read", id=draft["id"]))
        assert link is not None, who["name"]
        senders = cast.sop.sending.executors  # who it waits on
        assert all(cast.sop.position(p).name.id in link.find_parent("tr").text for p in senders)
    for who in (cast.signer, cast.operator):
        page = _page(app, url, who)
        assert page.find("a", href=tk.url_for("sopsektoral.letter_read", id=draft["id"])) is None
    _sent_letter(cast, draft)
    page = _page(app, url, cast.verifier)
    assert page.find("a", href=tk.url_for("sopsektoral.letter_read", id=draft["id"])) is None


def test_badges_have_colours_on_every_page(app, cast, draft):
    letter = _sent_letter(cast, draft)
    items = _submit_all(app, cast, letter)
    call_action("sopsektoral_item_return", {"user": cast.verifier["name"], "ignore_auth": False},
                id=items[0]["id"], note="Perbaiki")
    urls = [
        tk.url_for("sopsektoral.inbox"), tk.url_for("sopsektoral.letter_list"),
        tk.url_for("sopsektoral.letter_read", id=letter["id"]),
        tk.url_for("sopsektoral.queue", all=1), tk.url_for("sopsektoral.item_read", id=items[0]["id"]),
    ]
    for url in urls:
        for who in (cast.verifier, cast.operator):
            page = _page(app, url, who)
            _assert_badges_coloured(page)
            assert any("sopsektoral" in (link.get("href") or "") for link in page.select("link[rel=stylesheet]")), url
    page = _page(app, tk.url_for("sopsektoral.letter_read", id=letter["id"]), cast.verifier)
    assert page.select_one(".badge.sopsektoral-letter-sent") is not None
    page = _page(app, tk.url_for("sopsektoral.queue", all=1), cast.verifier)
    assert page.select_one(".badge.sopsektoral-status-returned") is not None
    page = _page(app, tk.url_for("sopsektoral.officers"), cast.sysadmin)
    _assert_badges_coloured(page)


def test_dataset_page_shows_the_sop_status_as_a_badge_with_our_css(app, cast, draft):
    letter = _sent_letter(cast, draft)
    item = call_action("sopsektoral_item_list", letter_id=letter["id"])["results"][0]
    page = _page(app, tk.url_for("dataset.read", id=item["dataset_name"]), cast.verifier)
    badge = page.select_one(".badge.sopsektoral-badge.sopsektoral-status-requested")
    assert badge is not None and badge.text.strip()
    head_css = [link["href"] for link in page.head.select("link[rel=stylesheet]")]
    assert any("sopsektoral" in href for href in head_css)
    # A dataset outside the workflow: "not requested", still a visible badge.
    other = factories.Dataset(owner_org=cast.opd["id"], klasifikasi_akses="publik")
    page = _page(app, tk.url_for("dataset.read", id=other["name"]), cast.sysadmin)
    assert page.select_one(".badge.sopsektoral-badge.sopsektoral-status-none") is not None


def test_revoking_twice_is_an_error_message_not_a_crash(app, cast):
    officer = next(o for o in call_action("sopsektoral_officer_list")
                   if o["position"] == cast.sop.verification.executor)
    url = tk.url_for("sopsektoral.officers")
    page = _page(app, url, cast.sysadmin)
    button = page.find("button", attrs={"name": "revoke", "value": officer["id"]})
    assert button["data-module"] == "sopsektoral-confirm"  # keeps the button's value when confirmed
    for _ in range(2):
        resp = app.post(url, headers=_headers(cast.sysadmin), data={"revoke": officer["id"]}, follow_redirects=False)
        assert resp.status_code == 302


# ---------------------------------------------------------------- withdraw, Daftar Data entries, item history

def test_the_drafter_withdraws_a_letter_on_its_page(app, cast, draft):
    advance(cast, draft["id"], cast.state(-1))
    url = tk.url_for("sopsektoral.letter_read", id=draft["id"])
    page = _page(app, url, cast.drafter)
    form = page.select_one("form.sopsektoral-withdraw")
    assert form is not None and form.find("input", attrs={"name": "_csrf_token"})
    assert form["action"].endswith("/withdraw")
    assert form.find("button")["data-module"] == "sopsektoral-confirm"  # asks before it acts
    assert _page(app, url, cast.signer).select("form.sopsektoral-withdraw") == []
    resp = app.post(form["action"], headers=_headers(cast.drafter), data={"note": "Lampiran kurang"},
                    follow_redirects=False)
    assert resp.status_code == 302
    assert call_action("sopsektoral_letter_show", id=draft["id"])["state"] == "draft"
    timeline = _page(app, "/en" + url, cast.drafter).select_one("section.sopsektoral-timeline").text
    assert "Withdrawn to draft" in timeline and "Lampiran kurang" in timeline


def test_daftar_data_entries_are_edited_and_deleted_on_the_page(app, cast, draft):
    entry = call_action("sopsektoral_daftar_data_import", {"ignore_auth": True}, rows=[
        {"tahun": 2026, "opd": "dinas-perhubungan", "judul_data": "Jumlah Halte", "satuan": "unit"}])
    entry = call_action("sopsektoral_daftar_data_list", q="Jumlah Halte")["results"][0]
    listing = _page(app, tk.url_for("sopsektoral.daftar_data", year=2026), cast.verifier)
    edit_url = tk.url_for("sopsektoral.daftar_data_edit", id=entry["id"])
    assert listing.find("a", href=edit_url) is not None
    # Entries the draft holds offer neither.
    held = draft["organizations"][0]["items"][0]["daftar_data_id"]
    assert listing.find("a", href=tk.url_for("sopsektoral.daftar_data_edit", id=held)) is None
    assert _page(app, tk.url_for("sopsektoral.daftar_data"), cast.operator).select(
        ".sopsektoral-entry-actions") == []
    assert app.get(edit_url, headers=_headers(cast.operator)).status_code == 403

    form = _page(app, edit_url, cast.verifier).select_one("form#daftar-data-form")
    assert form.find("input", attrs={"name": "_csrf_token"})
    resp = app.post(edit_url, headers=_headers(cast.verifier),
                    data={"year": "2026", "owner_org": "dinas-perhubungan", "title": "Jumlah Halte",
                          "frekuensi": "harian"})
    assert resp.status_code == 200 and "frekuensi" in resp.body  # the field's error, the form again
    resp = app.post(edit_url, headers=_headers(cast.verifier), follow_redirects=False,
                    data={"year": "2026", "owner_org": "dinas-perhubungan", "title": "Jumlah Halte Bus",
                          "satuan": "unit", "frekuensi": "bulanan"})
    assert resp.status_code == 302
    changed = call_action("sopsektoral_daftar_data_list", ids=[entry["id"]])["results"][0]
    assert changed["title"] == "Jumlah Halte Bus" and changed["metadata"] == {"satuan": "unit", "frekuensi": "bulanan"}

    delete = _page(app, edit_url, cast.verifier).select_one("form.sopsektoral-delete")
    assert delete.find("button")["data-module"] == "sopsektoral-confirm"
    resp = app.post(delete["action"], headers=_headers(cast.verifier), follow_redirects=False)
    assert resp.status_code == 302
    assert call_action("sopsektoral_daftar_data_list", ids=[entry["id"]])["count"] == 0
    # A held entry: the refusal names the letter.
    resp = app.post(tk.url_for("sopsektoral.daftar_data_delete", id=held), headers=_headers(cast.verifier))
    assert draft["subject"] in resp.body
    assert call_action("sopsektoral_daftar_data_list", ids=[held])["count"] == 1


def test_the_opd_reads_its_items_timeline_on_the_item_page(app, cast, draft):
    letter = _sent_letter(cast, draft)
    items = _submit_all(app, cast, letter)
    mine = next(i for i in items if i["owner_org"] == cast.opd["id"])
    call_action("sopsektoral_item_return", {"user": cast.verifier["name"], "ignore_auth": False},
                id=mine["id"], note="Kode wilayah salah")
    url = tk.url_for("sopsektoral.item_read", id=mine["id"])
    timeline = _page(app, "/en" + url, cast.operator).select_one("section.sopsektoral-timeline").text
    assert "Returned for correction" in timeline and "Kode wilayah salah" in timeline
    assert app.get(url, headers=_headers(cast.other_operator)).status_code == 403
