"""The portal in a real browser (Debian's Chromium, Playwright): the SOP walked through its
pages, each step as its user, from the home page and the login form, clicking links and
buttons. Every page visited is also checked (browsing.py): no English string in the Indonesian
UI, no console error, no request outside the portal, no server error.

Run them alone with ``make test ARGS="-m browser"``; the key pages are saved as
``browser-*.png`` (``SOPSEKTORAL_BROWSER_SCREENSHOTS=docs/img`` refreshes docs/img).
"""
from __future__ import annotations

import os
import re

import pytest

from ckan.tests.helpers import call_action

from ckanext.sopsektoral import sop
from ckanext.sopsektoral.checks.run import run_queued_jobs
from ckanext.sopsektoral.tests.browser.browsing import SCREENSHOTS
from ckanext.sopsektoral.tests.helpers import DATA, advance, as_user, items_of, run_letter_pdf_jobs

# Chromium first: without it (and SOPSEKTORAL_BROWSER=required) a test is skipped before any setup.
pytestmark = [pytest.mark.browser,
              pytest.mark.usefixtures("chromium", "with_plugins", "clean_db", "clean_index", "clean_queues")]

SUBJECT = "Permintaan Data Statistik Sektoral Tahun 2026"
ENTRY = "Jumlah Puskesmas menurut Kecamatan"  # of Dinas Kesehatan, in the `daftar` fixture
REAL_CSV = DATA / "balikpapan_Banjir_balikpapan.csv"
RETURN_NOTE = "Kode wilayah kecamatan belum sesuai Kemendagri; mohon diperbaiki."


def _letter_id(url: str) -> str:
    return re.search(r"/sopsektoral/letter/([0-9a-f-]{36})", url).group(1)


def _item_id(url: str) -> str:
    return re.search(r"/sopsektoral/item/([0-9a-f-]{36})", url).group(1)


def _open_item(who, item_id: str, shot: str | None = None):
    """From the SOP's home (Tugas saya), the item's link."""
    who.tasks()
    return who.click(who.page.locator(f"a[href$='/sopsektoral/item/{item_id}']"), shot=shot)


def _open_letter(who, letter_id: str, shot: str | None = None):
    """From the SOP's home, the list of letters, the letter's link."""
    who.tasks()
    who.side("letter")
    return who.click(who.page.locator(f"a[href$='/sopsektoral/letter/{letter_id}']"), shot=shot)


def test_the_whole_sop(people, daftar, visitor, findings):
    cast = people
    # SOP step 1: the drafter writes the letter from the Daftar Data and submits it.
    drafter = visitor("drafter")
    drafter.login(cast.drafter, shot="login")
    drafter.tasks()
    page = drafter.click("a[href$='/sopsektoral/letter/new']")
    page.fill("#field-subject", SUBJECT)
    page.fill("#field-body", "Dalam rangka penyelenggaraan Satu Data Indonesia di Kota Balikpapan, ...")
    page.locator("label", has_text=ENTRY).locator("input[name=items]").check()
    drafter.seen("letter-form")
    page = drafter.click("#letter-form button[name=save]")
    letter_id = _letter_id(page.url)
    drafter.click(f"form[action$='/letter/{letter_id}/submit'] button")
    # The drafter cannot give the paraf that follows: no such button on the page.
    assert page.locator(f"form[action$='/letter/{letter_id}/initial']").count() == 0
    assert call_action("sopsektoral_letter_show", id=letter_id)["state"] == cast.state(0)

    # SOP steps 2 to 4: each approver in turn, from their tasks, gives their paraf; the last signs.
    for index, approver in enumerate(cast.approvers):
        last = index == len(cast.approvers) - 1
        who = visitor(f"approver-{index + 1}")
        who.login(approver)
        who.tasks()
        who.click(who.page.locator(f"a[href$='/sopsektoral/letter/{letter_id}']"))
        who.click(f"form[action$='/letter/{letter_id}/{'sign' if last else 'initial'}'] button")
    assert call_action("sopsektoral_letter_show", id=letter_id)["state"] == sop.SIGNED

    # Sending (the drafter's section sends it): a confirmation, then the datasets are made.
    _open_letter(drafter, letter_id)
    drafter.confirm(f"form[action$='/letter/{letter_id}/send'] button", shot="letter-send-confirm")
    assert call_action("sopsektoral_letter_show", id=letter_id)["state"] == sop.SENT
    item = items_of(letter_id)[0]

    # SOP step 5: the OPD's operator finds the item in their tasks, uploads the data, submits it.
    operator = visitor("operator")
    operator.login(cast.operator)
    operator.tasks(shot="tasks-operator")
    page = _open_item(operator, item["id"])
    operator.click(page.locator(f".sopsektoral-item a[href$='/dataset/{item['dataset_name']}']").last)
    page = operator.click("a[href$='/resource/new']")
    page.set_input_files("#field-resource-upload", str(REAL_CSV))
    page.fill("#field-name", "Data banjir 2026")
    operator.click(page.locator("form button[name=save]").last)
    run_queued_jobs()  # the checks of the upload, as the jobs worker runs them
    page = _open_item(operator, item["id"])
    operator.click(f"form[action$='/item/{item['id']}/submit'] button")
    run_queued_jobs()

    # SOP step 6: the verifier claims it and returns it with a note.
    verifier = visitor("verifier")
    verifier.login(cast.verifier)
    verifier.tasks()
    _open_item(verifier, item["id"])
    page = verifier.click(f"form[action$='/item/{item['id']}/claim'] button[type=submit]", shot="item-submitted")
    page.fill(".sopsektoral-verify #field-note", RETURN_NOTE)
    verifier.click(f"button[formaction$='/item/{item['id']}/return']")
    assert call_action("sopsektoral_item_show", id=item["id"])["state"] == "returned"

    # The operator sees the reason in their tasks and submits again.
    page = operator.tasks()
    assert RETURN_NOTE in page.inner_text("main, body")
    page = _open_item(operator, item["id"], shot="item-returned")
    page.fill("#field-submit-note", "Kode wilayah sudah diperbaiki.")
    operator.click(f"form[action$='/item/{item['id']}/submit'] button")
    run_queued_jobs()
    assert call_action("sopsektoral_item_show", id=item["id"])["state"] == "submitted"

    # The verifier verifies it, the Satu Data checklist ticked, and publishes it.
    page = _open_item(verifier, item["id"])
    for box in page.locator(".sopsektoral-verify input[type=checkbox]").all():
        box.check()
    verifier.click(".sopsektoral-verify button.btn-success")
    verifier.click(f"form[action$='/item/{item['id']}/publish'] button", shot="item-published")
    shown = call_action("sopsektoral_item_show", id=item["id"])
    assert shown["state"] == "verified" and shown["published"]

    # Anyone finds the published dataset from the home page.
    anonymous = visitor("anonymous")
    anonymous.home()
    page = anonymous.click("header a[href$='/dataset/'], .masthead a[href$='/dataset/']")
    page = anonymous.click(page.locator(f"a[href$='/dataset/{item['dataset_name']}']"), shot="dataset-public")
    assert item["title"] in page.inner_text("body")
    assert "Data banjir 2026" in page.inner_text("body")
    findings.assert_clean()


def test_other_opd_and_the_drafter_are_refused(people, draft, visitor, findings):
    """A drafter cannot give the paraf of their own letter; an operator of another OPD meets
    no item of the first OPD."""
    cast = people
    advance(cast, draft["id"], cast.state(0))
    drafter = visitor("drafter")
    drafter.login(cast.drafter)
    page = _open_letter(drafter, draft["id"])
    assert page.locator("form[action*='/initial'], form[action*='/sign']").count() == 0
    assert cast.sop.position(cast.sop.approvals[0].executor).name.id in page.inner_text("body")

    advance(cast, draft["id"], sop.SIGNED)
    call_action("sopsektoral_letter_send", as_user(cast.drafter), id=draft["id"])
    theirs = [i for i in items_of(draft["id"]) if i["owner_org"] == cast.opd["id"]]
    other = visitor("other-operator")
    other.login(cast.other_operator)
    page = other.tasks()
    page = other.side("queue")
    for item in theirs:
        assert page.locator(f"a[href$='/sopsektoral/item/{item['id']}']").count() == 0
        assert item["title"] not in page.inner_text("body")
    findings.assert_clean()


def test_daftar_data_import_of_a_bad_file(people, visitor, findings, tmp_path):
    cast = people
    bad = tmp_path / "daftar-data-2026.csv"
    bad.write_text("tahun,opd,judul_data,satuan\n"
                   "2026,dinas-kesehatan,Jumlah Puskesmas menurut Kecamatan,unit\n"
                   "20x6,dinas-kesehatan,Cakupan Imunisasi,persen\n"
                   "2026,dinas-yang-tidak-ada,Jumlah Halte,unit\n"
                   "2026,dinas-perhubungan,,trayek\n", encoding="utf-8")
    who = visitor("drafter")
    who.login(cast.drafter)
    who.tasks()
    page = who.side("daftar-data")
    page.set_input_files(".sopsektoral-import input[type=file]", str(bad))
    page = who.click(".sopsektoral-import button[type=submit]", shot="daftar-data-errors")
    errors = page.locator(".sopsektoral-import .error-explanation li")
    assert errors.count() >= 3, page.locator(".sopsektoral-import").inner_text()
    assert call_action("sopsektoral_daftar_data_list", {"ignore_auth": True}, year=2026)["count"] == 0
    findings.assert_clean()


def test_officers_page(people, visitor, findings):
    cast = people
    positions = [p.key for p in cast.sop.positions]
    who = visitor("sysadmin")
    who.login(cast.sysadmin)
    who.tasks()
    page = who.side("officers")
    # A user that does not exist: the error is shown by the form, in sight.
    page.fill("#field-user", "tidak-ada-pengguna-ini")
    page = who.click("form:has(#field-user) button[type=submit]", shot="officers-error")
    error = page.locator(".error-explanation, .error-block").first
    error.wait_for(state="visible")
    assert error.evaluate("e => { const r = e.getBoundingClientRect();"
                          " return r.top >= 0 && r.bottom <= window.innerHeight; }"), \
        "the error is out of sight after the failed save"
    # An existing user: the assignment is listed.
    page.fill("#field-user", cast.user["name"])
    page.select_option("#field-position", positions[-1])
    page = who.click("form:has(#field-user) button[type=submit]")
    assert any(o["user_name"] == cast.user["name"] for o in call_action("sopsektoral_officer_list"))
    assert cast.user["name"] in page.inner_text("body")
    findings.assert_clean()



def test_the_signed_letter_downloads_and_its_qr_page_checks_copies(people, draft, visitor, findings, tmp_path,
                                                                   ckan_config, monkeypatch):
    """The signer signs in the portal (a local certificate); the drafter downloads the signed
    PDF from the letter's page; anyone opens the page its QR code leads to and checks the file
    and an altered copy of it."""
    from urllib.parse import urlparse

    import pypdfium2
    import zxingcpp

    from ckanext.sopsektoral import pki
    from ckanext.sopsektoral.letters import signing

    cast = people
    from ckan import model
    officers = [{"user_name": u["name"], "name": model.User.get(u["name"]).fullname} for u in cast.holders.values()]
    paths = pki.demo_pki(tmp_path / "pki", officers, "uji-tte")
    for key, value in {"mode": "local", "pkcs12_dir": str(tmp_path / "pki"), "pkcs12_passphrase": "uji-tte",
                       "trust_roots": str(paths["ca"])}.items():
        monkeypatch.setitem(ckan_config, f"ckanext.sopsektoral.signing.{key}", value)
    advance(cast, draft["id"], cast.state(-1))

    signer = visitor("signer")
    signer.login(cast.signer)
    page = _open_letter(signer, draft["id"])
    page = signer.click("form[action$='/sign'] button[type=submit]")
    assert page.locator(".sopsektoral-document").count() == 1
    assert run_letter_pdf_jobs() == 1  # what the worker does after the signature
    page = _open_letter(signer, draft["id"], shot="letter-signed-pdf")
    assert page.locator(".sopsektoral-document .fa-check").count() >= 1

    drafter = visitor("drafter")
    drafter.login(cast.drafter)
    page = _open_letter(drafter, draft["id"])
    with page.expect_download() as download:
        page.locator("a.sopsektoral-pdf-download").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    data = saved.read_bytes()
    assert saved.name.startswith("surat-") and signing.inspect_pdf(data)["verdict"] == "valid"

    document = pypdfium2.PdfDocument(data)
    codes = {c.text for i in range(len(document))
             for c in zxingcpp.read_barcodes(document[i].render(scale=200 / 72).to_pil())}
    if os.environ.get("SOPSEKTORAL_BROWSER_SCREENSHOTS"):  # page 1, for docs/letter-document.md
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        document[0].render(scale=110 / 72).to_pil().save(SCREENSHOTS / "letter-pdf-page1.png", optimize=True)
    document.close()
    url = next(c for c in codes if "/sopsektoral/verify/" in c)

    public = visitor("public")
    public.page.goto(urlparse(url).path)
    page = public.seen()
    assert model.User.get(cast.signer["name"]).fullname in page.inner_text("body")
    page.set_input_files("#field-copy", str(saved))
    page = public.click(".sopsektoral-verify-form button[type=submit]", shot="letter-verified")
    assert page.locator(".sopsektoral-verify-result[data-verdict=identical]").count() == 1
    altered = bytearray(data)
    altered[len(altered) // 2] ^= 0x01
    (tmp_path / "salinan.pdf").write_bytes(bytes(altered))
    page.set_input_files("#field-copy", str(tmp_path / "salinan.pdf"))
    page = public.click(".sopsektoral-verify-form button[type=submit]")
    assert page.locator(".sopsektoral-verify-result[data-verdict=altered]").count() == 1
    findings.assert_clean()
