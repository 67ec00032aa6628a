"""Every form of ours needs a CSRF token, whatever ``ckan.csrf_protection.ignore_extensions`` says.

The users here log in as a browser does, through CKAN's login form (a
session cookie, no API token), since CKAN leaves requests authenticated by
an API token out of CSRF protection.
"""
from __future__ import annotations

import base64
import dataclasses
import io
import tempfile
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import pytest
from bs4 import BeautifulSoup
from werkzeug.datastructures import FileStorage

import ckan.plugins.toolkit as tk
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.sopsektoral import pki, sop
from ckanext.sopsektoral.letters import signing
from ckanext.sopsektoral.tests.helpers import Cast, advance, as_user, more_entries

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")

PASSWORD = "Sandi-Rahasia-2026"
FIELD = "_csrf_token"  # CKAN's WTF_CSRF_FIELD_NAME

IGNORE_EXTENSIONS = pytest.mark.parametrize("ignore_extensions", [
    pytest.param(True, id="ignore_extensions=true",
                 marks=pytest.mark.ckan_config("ckan.csrf_protection.ignore_extensions", True)),
    pytest.param(False, id="ignore_extensions=false",
                 marks=pytest.mark.ckan_config("ckan.csrf_protection.ignore_extensions", False)),
])


class Browser:
    """A user logged in through CKAN's login form, keeping its cookies."""

    def __init__(self, app: Any, user: dict[str, Any]) -> None:
        call_action("user_update", id=user["id"], name=user["name"], email=user["email"], password=PASSWORD)
        self.client = app.test_client()
        login = tk.url_for("user.login")
        resp = self.client.post(login, data={"login": user["name"], "password": PASSWORD,
                                             FIELD: self.token(login, login)}, follow_redirects=False)
        assert resp.status_code == 302 and "/user/login" not in resp.headers["Location"], resp.body

    def page(self, url: str) -> BeautifulSoup:
        resp = self.client.get(url)
        assert resp.status_code == 200, (url, resp.body)
        return BeautifulSoup(resp.body, "html.parser")

    def token(self, page_url: str, action_url: str) -> str:
        """The token of the form on ``page_url`` that posts to ``action_url``;
        every form of that page that posts carries one."""
        page = self.page(page_url)
        forms = page.select("form[method=post]")
        assert forms and all(f.find("input", attrs={"name": FIELD}) for f in forms), page_url
        target = urlparse(action_url).path
        for form in forms:
            if urlparse(form.get("action") or page_url).path == target:
                return form.find("input", attrs={"name": FIELD})["value"]
        raise AssertionError(f"no form on {page_url} posts to {action_url}")

    def post(self, url: str, data: dict[str, Any]) -> Any:
        return self.client.post(url, data=data, follow_redirects=False)


@dataclasses.dataclass
class Case:
    user: dict[str, Any]  # who posts
    page: str  # the page whose form posts
    url: str  # where it posts
    data: Callable[[], dict[str, Any]]  # what it posts (fresh each time: uploads are read once)
    state: Callable[[], Any]  # what the post changes
    # A form that changes nothing (the public check of a letter): its answer shows it was done.
    answered: Callable[[Any], bool] | None = None


def _letter_new(cast: Cast, draft: dict[str, Any]) -> Case:
    entry = more_entries(["Jumlah Pasar Rakyat"])[0]
    return Case(
        cast.drafter, tk.url_for("sopsektoral.letter_new", data_year=2026), tk.url_for("sopsektoral.letter_new"),
        lambda: {"subject": "Permintaan Data Pasar", "data_year": "2026", "sifat": "biasa",
                 "lampiran": "1 (satu) berkas", "body": "Isi surat", "tembusan": "", "items": [entry["id"]]},
        lambda: call_action("sopsektoral_letter_list", as_user(cast.drafter))["count"],
    )


def _letter_edit(cast: Cast, draft: dict[str, Any]) -> Case:
    items = [i["daftar_data_id"] for g in draft["organizations"] for i in g["items"]]
    return Case(
        cast.drafter, tk.url_for("sopsektoral.letter_edit", id=draft["id"]),
        tk.url_for("sopsektoral.letter_edit", id=draft["id"]),
        lambda: {"subject": "Hal yang diubah", "data_year": "2026", "sifat": "biasa", "lampiran": "1 (satu) berkas",
                 "body": "Isi surat", "tembusan": "", "items": items},
        lambda: call_action("sopsektoral_letter_show", id=draft["id"])["subject"],
    )


def _letter_transition(cast: Cast, draft: dict[str, Any]) -> Case:
    return Case(
        cast.drafter, tk.url_for("sopsektoral.letter_read", id=draft["id"]),
        tk.url_for("sopsektoral.letter_transition", id=draft["id"], transition="submit"),
        dict,
        lambda: call_action("sopsektoral_letter_show", id=draft["id"])["state"],
    )


def _daftar_data(cast: Cast, draft: dict[str, Any]) -> Case:
    csv = b"tahun,opd,judul_data,satuan\n2026,dinas-kesehatan,Jumlah Posyandu,unit\n"
    return Case(
        cast.verifier, tk.url_for("sopsektoral.daftar_data"), tk.url_for("sopsektoral.daftar_data"),
        lambda: {"upload": (io.BytesIO(csv), "daftar.csv")},
        lambda: call_action("sopsektoral_daftar_data_list", as_user(cast.verifier), year=2026)["count"],
    )


def _daftar_data_edit(cast: Cast, draft: dict[str, Any]) -> Case:
    entry = more_entries(["Jumlah Terminal"])[0]
    return Case(
        cast.verifier, tk.url_for("sopsektoral.daftar_data_edit", id=entry["id"]),
        tk.url_for("sopsektoral.daftar_data_edit", id=entry["id"]),
        lambda: {"year": "2026", "owner_org": "dinas-perhubungan", "title": "Jumlah Terminal", "satuan": "terminal"},
        lambda: call_action("sopsektoral_daftar_data_list", ids=[entry["id"]])["results"][0]["metadata"],
    )


def _daftar_data_delete(cast: Cast, draft: dict[str, Any]) -> Case:
    entry = more_entries(["Jumlah Dermaga"])[0]
    return Case(
        cast.verifier, tk.url_for("sopsektoral.daftar_data", year=2026),
        tk.url_for("sopsektoral.daftar_data_delete", id=entry["id"]),
        dict,
        lambda: call_action("sopsektoral_daftar_data_list", ids=[entry["id"]])["count"],
    )


def _officers(cast: Cast, draft: dict[str, Any]) -> Case:
    newcomer = factories.User()
    return Case(
        cast.sysadmin, tk.url_for("sopsektoral.officers"), tk.url_for("sopsektoral.officers"),
        lambda: {"user": newcomer["name"], "position": cast.sop.verification.executor},
        lambda: sorted(o["user_name"] for o in call_action("sopsektoral_officer_list")),
    )


def _submitted_items(cast: Cast, draft: dict[str, Any]) -> list[dict[str, Any]]:
    """The draft signed and sent, and every item's data uploaded and submitted by its OPD."""
    advance(cast, draft["id"], "signed")
    call_action("sopsektoral_letter_send", as_user(cast.verifier), id=draft["id"])
    items = call_action("sopsektoral_item_list", letter_id=draft["id"])["results"]
    for item in items:
        who = cast.operator if item["owner_org"] == cast.opd["id"] else cast.other_operator
        call_action("resource_create", as_user(who), package_id=item["dataset_id"], name="data.csv",
                    url="data.csv", format="CSV",
                    upload=FileStorage(io.BytesIO(b"kode_wilayah,jumlah,tahun\n64.71.01,5,2026\n"), "data.csv"))
        call_action("sopsektoral_item_submit", as_user(who), id=item["id"])
    return items


def _claimed_by(items: list[dict[str, Any]]) -> list[str | None]:
    return [call_action("sopsektoral_item_show", id=i["id"])["claimed_by"] for i in items]


def _queue_bulk(cast: Cast, draft: dict[str, Any]) -> Case:
    items = _submitted_items(cast, draft)
    return Case(
        cast.verifier, tk.url_for("sopsektoral.queue", state="submitted"), tk.url_for("sopsektoral.queue_bulk"),
        lambda: {"action": "claim", "ids": [i["id"] for i in items]},
        lambda: _claimed_by(items),
    )


def _item_transition(cast: Cast, draft: dict[str, Any]) -> Case:
    item = _submitted_items(cast, draft)[0]
    return Case(
        cast.verifier, tk.url_for("sopsektoral.item_read", id=item["id"]),
        tk.url_for("sopsektoral.item_transition", id=item["id"], transition="claim"),
        dict,
        lambda: _claimed_by([item]),
    )


def _signed_copy(cast: Cast, draft: dict[str, Any]) -> bytes:
    """The draft signed in the workflow, and its approved PDF signed as an outside TTE would."""
    advance(cast, draft["id"], sop.SIGNED)
    directory = tempfile.mkdtemp(prefix="sopsektoral-csrf-")
    p12 = pki.demo_pki(directory, [{"user_name": "tte", "name": "Penanda Tangan"}], "sandi")["tte"]
    approved = call_action("sopsektoral_letter_pdf", id=draft["id"])["content_base64"]
    return signing.LocalSigner(p12, "sandi").sign(base64.b64decode(approved), reason="Surat", location="Balikpapan")


def _letter_pdf_upload(cast: Cast, draft: dict[str, Any]) -> Case:
    signed = _signed_copy(cast, draft)
    return Case(
        cast.signer, tk.url_for("sopsektoral.letter_read", id=draft["id"]),
        tk.url_for("sopsektoral.letter_pdf_upload", id=draft["id"]),
        lambda: {"upload": (io.BytesIO(signed), "surat-ttd.pdf")},
        lambda: call_action("sopsektoral_letter_pdf", id=draft["id"], include_content=False)["kind"],
    )


def _letter_verify(cast: Cast, draft: dict[str, Any]) -> Case:
    signed = _signed_copy(cast, draft)
    return Case(
        cast.user, tk.url_for("sopsektoral.letter_verify", id=draft["id"]),
        tk.url_for("sopsektoral.letter_verify", id=draft["id"]),
        lambda: {"upload": (io.BytesIO(signed), "salinan.pdf")},
        lambda: None,
        answered=lambda resp: b"data-verdict=" in resp.data,
    )


# Every POST route of the blueprint, by endpoint.
CASES: dict[str, Callable[[Cast, dict[str, Any]], Case]] = {
    "letter_new": _letter_new,
    "letter_edit": _letter_edit,
    "letter_transition": _letter_transition,
    "daftar_data": _daftar_data,
    "daftar_data_edit": _daftar_data_edit,
    "daftar_data_delete": _daftar_data_delete,
    "officers": _officers,
    "queue_bulk": _queue_bulk,
    "item_transition": _item_transition,
    "letter_pdf_upload": _letter_pdf_upload,
    "letter_verify": _letter_verify,
}


def test_every_post_route_of_ours_has_a_case(app):
    routes = {
        rule.endpoint.split(".", 1)[1] for rule in app.flask_app.url_map.iter_rules()
        if rule.endpoint.startswith("sopsektoral.") and "POST" in rule.methods
    }
    assert routes == set(CASES)


def _ckan_exempts_our_blueprint(app: Any) -> bool:
    """Whether CKAN's own CSRFProtect leaves our blueprint out (what
    ``ignore_extensions = true`` does on CKAN 2.10 and 2.11)."""
    exempt = app.flask_app.extensions["csrf"]._exempt_blueprints
    return "sopsektoral" in {getattr(b, "name", b) for b in exempt}


@IGNORE_EXTENSIONS
@pytest.mark.parametrize("route", sorted(CASES))
def test_a_post_needs_the_token_of_the_form(app, cast, draft, route, ignore_extensions):
    case = CASES[route](cast, draft)
    browser = Browser(app, case.user)
    if ignore_extensions and tk.check_ckan_version(max_version="2.11.99"):
        assert _ckan_exempts_our_blueprint(app)  # the option took effect: CKAN does not protect us
    # On CKAN 2.12 a view once called anonymously (or with an API token) stays
    # exempt from CKAN's own check for the life of the process.
    app.get(case.page)
    app.post(case.url)
    before = case.state()

    for token in (None, "not-a-token"):
        data = case.data() if token is None else {**case.data(), FIELD: token}
        resp = browser.post(case.url, data)
        assert resp.status_code == 400, (route, token, resp.status_code)
        assert case.state() == before, route
        assert case.answered is None or not case.answered(resp), route

    token = browser.token(case.page, case.url)
    resp = browser.post(case.url, {**case.data(), FIELD: token})
    assert resp.status_code in (200, 302), (route, resp.body)
    if case.answered is not None:
        assert case.answered(resp), route
    else:
        assert case.state() != before, route


@IGNORE_EXTENSIONS
def test_api_clients_post_with_their_token_alone(app, cast, draft, ignore_extensions):
    """A request authenticated by an API token needs no CSRF token (as in CKAN)."""
    url = tk.url_for("sopsektoral.letter_transition", id=draft["id"], transition="submit")
    headers = {"Authorization": factories.APIToken(user=cast.drafter["name"])["token"]}
    resp = app.post(url, headers=headers, follow_redirects=False)
    assert resp.status_code == 302
    assert call_action("sopsektoral_letter_show", id=draft["id"])["state"] == cast.state(0)


@pytest.mark.ckan_config("WTF_CSRF_ENABLED", False)
def test_no_check_where_the_portal_turned_csrf_protection_off(app, cast, draft):
    browser = Browser(app, cast.drafter)
    url = tk.url_for("sopsektoral.letter_transition", id=draft["id"], transition="submit")
    assert browser.post(url, {}).status_code == 302
    assert call_action("sopsektoral_letter_show", id=draft["id"])["state"] == cast.state(0)
