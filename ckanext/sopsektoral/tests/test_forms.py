"""The letter form and list, the officers page and the addresses of the forms'
actions (issue 12): the year reloads the Daftar Data, cancelled letters are hidden
by default, the officers page lists what is in force with a search and pages, and a
GET on an address that only takes a form's POST leads to that form's page."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

import ckan.plugins.toolkit as tk
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.sopsektoral.tests.helpers import as_user, assign, more_entries

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")


def _headers(user) -> dict[str, str]:
    return {"Authorization": factories.APIToken(user=user["name"])["token"]}


def _soup(resp) -> BeautifulSoup:
    assert resp.status_code == 200, resp.body
    return BeautifulSoup(resp.body, "html.parser")


# ---------------------------------------------------------------- the letter form

def test_changing_the_year_shows_its_daftar_data_and_the_text_follows(app, cast, daftar):
    more_entries(["Jumlah Halte Bus"], year=2027)
    url = "/en" + tk.url_for("sopsektoral.letter_new")
    page = _soup(app.get(url, headers=_headers(cast.drafter), query_string={"data_year": "2026"}))
    year = page.select_one("input[name=data_year]")
    assert year["data-module"] == "sopsektoral-reload-year"  # the script presses the button on a change
    assert page.select_one("button[name=reload_year]") is not None
    subject, body = page.select_one("#field-subject")["value"], page.select_one("#field-body").text
    assert "2026" in subject and "2026" in body
    titles = {label.text.strip() for label in page.select("fieldset.sopsektoral-items label")}
    assert "Jumlah Trayek Angkutan Kota" in " ".join(titles) and "Jumlah Halte Bus" not in " ".join(titles)

    before = call_action("sopsektoral_letter_list", as_user(cast.drafter))["count"]
    resp = app.post(url, headers=_headers(cast.drafter), data={
        "subject": subject, "body": body, "data_year": "2027", "text_year": "2026", "sifat": "biasa",
        "lampiran": "1 (satu) berkas", "tembusan": "", "items": [daftar[0]["id"]], "reload_year": "1"})
    page = _soup(resp)
    assert call_action("sopsektoral_letter_list", as_user(cast.drafter))["count"] == before  # nothing saved
    assert page.select_one("#field-subject")["value"] == subject.replace("2026", "2027")
    assert "2027" in page.select_one("#field-body").text and "2026" not in page.select_one("#field-body").text
    assert page.select_one("input[name=text_year]")["value"] == "2027"
    labels = " ".join(label.text for label in page.select("fieldset.sopsektoral-items label"))
    assert "Jumlah Halte Bus" in labels and "Jumlah Trayek Angkutan Kota" not in labels
    assert not page.select(".error-explanation")


def test_the_letter_list_hides_cancelled_letters_unless_asked(app, cast, draft):
    kept = call_action("sopsektoral_letter_create", as_user(cast.drafter), subject="Surat yang tetap",
                       data_year=2026, items=[more_entries(["Jumlah Jembatan"])[0]["id"]])
    call_action("sopsektoral_letter_cancel", as_user(cast.drafter), id=draft["id"])
    url = tk.url_for("sopsektoral.letter_list")
    body = app.get(url, headers=_headers(cast.drafter)).body
    assert kept["subject"] in body and draft["subject"] not in body
    page = _soup(app.get(url, headers=_headers(cast.drafter), query_string={"cancelled": "1"}))
    assert draft["subject"] in page.text and kept["subject"] in page.text
    assert page.select_one("input[name=cancelled]").has_attr("checked")
    body = app.get(url, headers=_headers(cast.drafter), query_string={"state": "cancelled"}).body
    assert draft["subject"] in body and kept["subject"] not in body


# ---------------------------------------------------------------- the officers page

def test_officers_page_lists_what_is_in_force_with_a_search_and_pages(app, cast):
    url = tk.url_for("sopsektoral.officers")
    former = cast.former_first_approver
    page = _soup(app.get(url, headers=_headers(cast.sysadmin)))
    # The form first, then the list of assignments in force.
    assert page.select_one("form.sopsektoral-assign-form")["action"].endswith("#assign")
    assert str(page).index("sopsektoral-assign-form") < str(page).index("sopsektoral-officers")
    listed = page.select_one("table.sopsektoral-officers").text
    assert cast.signer["name"] in listed and former["name"] not in listed
    page = _soup(app.get(url, headers=_headers(cast.sysadmin), query_string={"past": "1"}))
    assert former["name"] in page.select_one("table.sopsektoral-officers").text
    # A search by name or login.
    page = _soup(app.get(url, headers=_headers(cast.sysadmin), query_string={"q": cast.verifier["fullname"]}))
    rows = page.select("table.sopsektoral-officers tbody tr")
    assert rows and all(cast.verifier["name"] in r.text for r in rows)
    page = _soup(app.get(url, headers=_headers(cast.sysadmin), query_string={"q": cast.signer["name"]}))
    assert {cast.signer["name"]} == {r.select_one("small").text.strip("()") for r in
                                     page.select("table.sopsektoral-officers tbody tr")}
    # Pages of 50.
    for _ in range(50):
        assign(factories.User(), cast.sop.verification.executor)
    page = _soup(app.get(url, headers=_headers(cast.sysadmin)))
    assert len(page.select("table.sopsektoral-officers tbody tr")) == 50
    next_page = page.select_one(".sopsektoral-pages a")["href"]
    page = _soup(app.get(next_page, headers=_headers(cast.sysadmin)))
    assert 0 < len(page.select("table.sopsektoral-officers tbody tr")) < 50


@pytest.mark.parametrize(("field", "value"), [
    ("nip", "12345"), ("nip", "1980010120050110０1"), ("nip", "19800101200501100x"),
    ("rank", "x" * 61), ("rank", "<script>alert(1)</script>"), ("rank", "Penata; DROP"),
])
def test_nip_and_rank_are_checked(app, cast, field, value):
    user = factories.User()
    with pytest.raises(tk.ValidationError) as err:
        call_action("sopsektoral_officer_assign", user=user["name"], position=cast.sop.verification.executor,
                    **{field: value})
    assert field in err.value.error_dict
    # On the page: the error by its label, next to the form (the page comes back to #assign).
    page = _soup(app.post("/en" + tk.url_for("sopsektoral.officers"), headers=_headers(cast.sysadmin), data={
        "user": user["name"], "position": cast.sop.verification.executor, field: value}))
    summary = page.select_one("#assign ~ .error-explanation").text
    assert ("NIP" if field == "nip" else "Rank (pangkat/golongan)") + ":" in summary


def test_a_nip_with_spaces_and_a_usual_rank_are_taken(app, cast):
    user = factories.User()
    resp = app.post(tk.url_for("sopsektoral.officers"), headers=_headers(cast.sysadmin), data={
        "user": user["name"], "position": cast.sop.verification.executor,
        "nip": "19800101 200501 1 001", "rank": "Penata Muda Tingkat I (III/b)"}, follow_redirects=False)
    assert resp.status_code == 302
    [officer] = call_action("sopsektoral_officer_list", user=user["name"])
    assert officer["nip"] == "198001012005011001" and officer["rank"] == "Penata Muda Tingkat I (III/b)"


# ---------------------------------------------------------------- GET on the forms' addresses

def test_a_get_on_a_forms_address_leads_to_its_page(app, cast, draft):
    entry = draft["organizations"][0]["items"][0]["daftar_data_id"]
    cases = [
        (tk.url_for("sopsektoral.letter_transition", id=draft["id"], transition="submit"),
         tk.url_for("sopsektoral.letter_read", id=draft["id"])),
        (tk.url_for("sopsektoral.queue_bulk"), tk.url_for("sopsektoral.queue")),
        (tk.url_for("sopsektoral.daftar_data_delete", id=entry),
         tk.url_for("sopsektoral.daftar_data_edit", id=entry)),
        (tk.url_for("sopsektoral.item_transition", id=draft["id"], transition="claim"),
         tk.url_for("sopsektoral.item_read", id=draft["id"])),
    ]
    for url, page in cases:
        resp = app.get(url, headers=_headers(cast.drafter), follow_redirects=False)
        assert resp.status_code == 302, url
        assert resp.headers["Location"].endswith(page), url
    assert call_action("sopsektoral_letter_show", id=draft["id"])["state"] == "draft"  # nothing done
    # An action that is none: a translated page, not CKAN's English one.
    resp = app.get(tk.url_for("sopsektoral.letter_transition", id=draft["id"], transition="nothing"),
                   headers=_headers(cast.drafter))
    assert resp.status_code == 404 and "Tidak ditemukan" in resp.body
