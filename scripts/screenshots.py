"""Screenshots of the demo portal for the user guides (docs/img/*.png).

Run it against a running demo (``make demo-start``), with the demo's virtualenv,
which has the ``playwright`` package; the browser is the system Chromium
(``apt-get install chromium``), so no ``playwright install`` is needed::

    .dev/venv-2.11.6/bin/python scripts/screenshots.py                      # http://127.0.0.1:5000 -> docs/img
    .dev/venv-2.11.6/bin/python scripts/screenshots.py http://127.0.0.1:5000 docs/img
    .dev/venv-2.11.6/bin/python scripts/screenshots.py --token "$SYSADMIN_TOKEN"    # no CLI bootstrap

Each demo user is "logged in" by an API token sent as the ``Authorization``
header. The tokens are made through the API with a sysadmin's token, which is
taken from ``--token`` or ``$CKAN_API_TOKEN``; without either, the script makes
one with the CKAN CLI, as you would by hand::

    eval "$(scripts/dev.sh demo-env)" && ckan -c demo.ini user token add admin screenshots

Every token the script made is revoked at the end. Apart from those tokens the
script only reads (the one form it sends is a Daftar Data file with errors, with
"Hanya periksa berkas" ticked, so nothing is imported): it changes no letter,
officer or Daftar Data entry, and the demo stays as ``ckan sopsektoral demo load``
left it.

Pages are shot in Indonesian (the portal's default language), full page,
1280 pixels wide; one page is shot in English, under ``/en/``. If Pillow is
installed (the demo's virtualenv has it) the PNGs are reduced to 256 colours to
keep them small; ``--no-shrink`` keeps them as the browser made them.

The screenshots, as used by docs/guide-*.md:

    sop                        the public SOP page (anonymous)
    inbox-kasi                 Tugas saya of the Kepala Seksi Statistik (kasi)
    letter-list                Surat permintaan, the list with its filters (kasi)
    letter-new                 the form for a new letter (kasi)
    letter-draft               a draft letter, "... Tahap V" (kasi)
    letter-returned            the same draft, returned with a note: its timeline (kasi)
    letter-awaiting-kabid      "Permintaan Data Kecamatan ...", awaiting the Kepala Bidang's paraf (kabid)
    letter-awaiting-signature  "... Tahap III", awaiting the signature (kadis)
    letter-signed              "Permintaan Data Pertanahan ...", signed, with the send button (kasi)
    daftar-data                the Daftar Data with its import form (staf1)
    daftar-data-errors         a file with mistakes, checked only: the per-row errors (staf1)
    officers                   the Pejabat page (admin)
    opd-letter-list            the letters an OPD operator sees (op-dinkes)
    opd-daftar-data            the Daftar Data an OPD operator sees (op-dinkes)
    en-letter-signed           the signed letter in English, /en/... (kasi)

SOP steps 5 and 6 (collection and verification), on the demo's sent letter "... Tahap I":

    letter-sent                "... Tahap I", sent: collection progress per OPD (staf1)
    letter-verify              its public verification page, the one its QR code opens (anonymous)
    queue                      the verification queue, submitted items of every OPD (staf1)
    item-copied                workbench of "Jumlah Puskesmas ...": identical to 2024's figures (staf1)
    item-bad-region            workbench of "Jumlah Sekolah Dasar ...": a bad kode wilayah (staf1)
    item-returned-opd          the returned "... Stunting ..." item with its reason (op-dinkes)
    opd-queue                  Data yang diminta dari OPD saya, /sopsektoral/queue (op-dpu)
    inbox-opd                  Tugas saya of an OPD operator: items to upload or correct (op-dinkes)
    dataset-verified           a verified, published dataset with its SOP status fields (anonymous)

Datasets from before the extension (docs/schema.md):

    dataset-existing           a dataset made with CKAN's default form: core fields, free extras (anonymous)
    dataset-existing-edit      its edit form: the legacy frekuensi offered, "Metadata lain" (admin)
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, sync_playwright

# One way to shrink a screenshot, shared with the browser tests.
from ckanext.sopsektoral.tests.browser.browsing import shrink

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 900}
TOKEN_NAME = "screenshots"

# Demo letters (ckanext/sopsektoral/demo.py), by the end of their subject.
# The demo has one draft, the one an approver returned: it is shot twice.
LETTER_DRAFT = "Tahap V"
LETTER_RETURNED = "Tahap V"
LETTER_AWAITING_KABID = "Permintaan Data Kecamatan Tahun 2026"
LETTER_AWAITING_SIGNATURE = "Tahap III"
LETTER_SIGNED = "Permintaan Data Pertanahan Tahun 2026"
LETTER_SENT = "Tahap I"


class ApiError(RuntimeError):
    pass


def api(base_url: str, action: str, token: str | None, data: dict[str, Any] | None = None) -> Any:
    """Call a CKAN action (POST with JSON) and return its result."""
    request = urllib.request.Request(
        f"{base_url}/api/3/action/{action}",
        data=json.dumps(data or {}).encode("utf-8"),
        headers={"Content-Type": "application/json", **({"Authorization": token} if token else {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            body = json.load(response)
    except urllib.error.HTTPError as err:
        raise ApiError(f"{action}: HTTP {err.code}: {err.read().decode('utf-8', 'replace')[:500]}") from err
    if not body.get("success"):
        raise ApiError(f"{action}: {body.get('error')}")
    return body["result"]


def bootstrap_admin_token(ini: str, user: str) -> str:
    """A sysadmin token made with the CKAN CLI and the demo's environment."""
    command = (
        f'cd {shlex.quote(str(ROOT))} && eval "$(scripts/dev.sh demo-env)" && '
        f"ckan -c {shlex.quote(ini)} user token add {shlex.quote(user)} {TOKEN_NAME}"
    )
    out = subprocess.run(["bash", "-c", command], check=True, capture_output=True, text=True)
    lines = [line.strip() for line in out.stdout.splitlines() if line.strip()]
    if not lines:
        raise SystemExit(f"`ckan user token add` printed nothing:\n{out.stderr}")
    return lines[-1]


class Shooter:
    def __init__(self, browser: Browser, base_url: str, out_dir: Path, do_shrink: bool) -> None:
        self.browser = browser
        self.base_url = base_url
        self.out_dir = out_dir
        self.do_shrink = do_shrink
        self.taken: list[Path] = []

    def shoot(self, name: str, path: str, token: str | None, wait_for: str | None = None,
              then: Callable[[Page], None] | None = None) -> None:
        """Open ``path`` as the token's user, optionally act on the page (``then``), shoot it."""
        headers = {"Authorization": token} if token else {}
        context = self.browser.new_context(extra_http_headers=headers, viewport=VIEWPORT, locale="id-ID")
        try:
            page = context.new_page()
            response = page.goto(self.base_url + path, wait_until="networkidle")
            status = response.status if response else 0
            if status >= 400:
                raise SystemExit(f"{name}: {path} answered HTTP {status}")
            if wait_for:
                page.wait_for_selector(wait_for)
            if then is not None:
                then(page)
            target = self.out_dir / f"{name}.png"
            page.screenshot(path=str(target), full_page=True)
        finally:
            context.close()
        if self.do_shrink:
            shrink(target)
        self.taken.append(target)
        print(f"  {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}"
              f"  ({target.stat().st_size // 1024} KiB)  {path}")


# A Daftar Data file with a mistake in every row but the first, to show the per-row errors.
# It is only checked ("Hanya periksa berkas"); nothing is imported, whatever the outcome.
BAD_DAFTAR_DATA = """tahun,opd,judul_data,dataset,satuan,frekuensi,kode_wilayah
2026,Dinas Kesehatan,Jumlah Rumah Sakit,,unit,tahunan,64.71
26,Dinas Kesehatan,Jumlah Apotek,,unit,tahunan,64.71
2026,Dinas Kesehatn,Jumlah Klinik,,unit,tahunan,64.71
2026,Dinas Kesehatan,Jumlah Posyandu,,unit,mingguan,64.71
2026,Dinas Kesehatan,Jumlah Bidan,jumlah-penduduk-menurut-kecamatan-2024,orang,tahunan,64.71
2026,Dinas Kesehatan,Jumlah Rumah Sakit,,unit,tahunan,64.71
2026,Dinas Kesehatan,,,unit,tahunan,99.99
"""


def check_bad_daftar_data(page: Page) -> None:
    """Upload BAD_DAFTAR_DATA with "only check the file" ticked, and wait for the errors."""
    page.set_input_files("input[name=upload]", files=[{
        "name": "daftar-data-2026.csv", "mimeType": "text/csv", "buffer": BAD_DAFTAR_DATA.encode("utf-8"),
    }])
    page.check("input[name=dry_run]")
    # Keep the page short: the list below the form shows one OPD's entries.
    page.eval_on_selector(".sopsektoral-import form", "f => { f.action = f.action + '?owner_org=dinas-kesehatan'; }")
    with page.expect_navigation(wait_until="networkidle"):
        page.click(".sopsektoral-import button[type=submit]")
    page.wait_for_selector(".sopsektoral-import .alert-danger")


def find_letter(letters: list[dict[str, Any]], ending: str) -> str:
    """The id of the one letter whose subject ends with ``ending``."""
    matches = [letter["id"] for letter in letters if letter["subject"].endswith(ending)]
    if len(matches) != 1:
        raise SystemExit(f"expected one demo letter ending with {ending!r}, found {len(matches)}; "
                         "load the demo data first (ckan sopsektoral demo load)")
    return matches[0]


def find_item(items: list[dict[str, Any]], fragment: str, state: str) -> dict[str, Any]:
    """The one data item whose title contains ``fragment``, checked to be in ``state``."""
    matches = [item for item in items if fragment.lower() in item["title"].lower()]
    if len(matches) != 1 or matches[0]["state"] != state:
        found = [(item["title"], item["state"]) for item in matches]
        raise SystemExit(f"expected one {state} demo data item titled like {fragment!r}, found {found}; "
                         "load the demo data first (ckan sopsektoral demo load)")
    return matches[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url", nargs="?", default="http://127.0.0.1:5000",
                        help="the portal (default http://127.0.0.1:5000)")
    parser.add_argument("out_dir", nargs="?", default=str(ROOT / "docs" / "img"),
                        help="where to write the PNGs (default docs/img)")
    parser.add_argument("--token", default=os.environ.get("CKAN_API_TOKEN"),
                        help="a sysadmin's API token (default: $CKAN_API_TOKEN, else made with the CLI)")
    parser.add_argument("--ini", default="demo.ini", help="CKAN config for the CLI bootstrap (default demo.ini)")
    parser.add_argument("--admin", default="admin", help="the sysadmin user (default admin)")
    parser.add_argument("--no-shrink", dest="shrink", action="store_false", help="keep the PNGs as shot")
    args = parser.parse_args()

    base_url = args.base_url.rstrip("/")
    out_dir = Path(args.out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)

    admin_token = args.token
    bootstrapped = admin_token is None
    if bootstrapped:
        admin_token = bootstrap_admin_token(args.ini, args.admin)

    tokens: dict[str, str] = {}

    def token_of(user: str) -> str:
        if user not in tokens:
            tokens[user] = api(base_url, "api_token_create", admin_token, {"user": user, "name": TOKEN_NAME})["token"]
        return tokens[user]

    try:
        letters = api(base_url, "sopsektoral_letter_list", token_of("kasi"), {"limit": 1000})["results"]
        draft = find_letter(letters, LETTER_DRAFT)
        signed = find_letter(letters, LETTER_SIGNED)
        awaiting_signature = find_letter(letters, LETTER_AWAITING_SIGNATURE)
        awaiting_kabid = find_letter(letters, LETTER_AWAITING_KABID)
        returned = find_letter(letters, LETTER_RETURNED)
        sent = find_letter(letters, LETTER_SENT)
        items = api(base_url, "sopsektoral_item_list", token_of("staf1"),
                    {"letter_id": sent, "limit": 1000})["results"]
        copied = find_item(items, "Jumlah Puskesmas", "submitted")
        bad_region = find_item(items, "Jumlah Sekolah Dasar", "submitted")
        returned_item = find_item(items, "Stunting", "returned")
        published = find_item(items, "Cakupan Imunisasi", "verified")
        if not published["published"]:
            raise SystemExit("the demo's verified item \"Cakupan Imunisasi ...\" is not published; reload the demo")

        print(f"shooting {base_url} into {out_dir}")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                s = Shooter(browser, base_url, out_dir, args.shrink)
                s.shoot("sop", "/sopsektoral/sop", None)
                s.shoot("inbox-kasi", "/sopsektoral/", token_of("kasi"))
                s.shoot("letter-list", "/sopsektoral/letter", token_of("kasi"))
                s.shoot("letter-new", "/sopsektoral/letter/new", token_of("kasi"), wait_for="#letter-form")
                s.shoot("letter-draft", f"/sopsektoral/letter/{draft}", token_of("kasi"))
                s.shoot("letter-returned", f"/sopsektoral/letter/{returned}", token_of("kasi"))
                s.shoot("letter-awaiting-kabid", f"/sopsektoral/letter/{awaiting_kabid}", token_of("kabid"))
                s.shoot("letter-awaiting-signature", f"/sopsektoral/letter/{awaiting_signature}", token_of("kadis"))
                s.shoot("letter-signed", f"/sopsektoral/letter/{signed}", token_of("kasi"))
                s.shoot("daftar-data", "/sopsektoral/daftar-data", token_of("staf1"))
                s.shoot("daftar-data-errors", "/sopsektoral/daftar-data?owner_org=dinas-kesehatan",
                        token_of("staf1"), then=check_bad_daftar_data)
                s.shoot("officers", "/sopsektoral/officers", token_of("admin"))
                s.shoot("opd-letter-list", "/sopsektoral/letter", token_of("op-dinkes"))
                s.shoot("opd-daftar-data", "/sopsektoral/daftar-data", token_of("op-dinkes"))
                s.shoot("en-letter-signed", f"/en/sopsektoral/letter/{signed}", token_of("kasi"))
                # SOP steps 5 and 6
                s.shoot("letter-sent", f"/sopsektoral/letter/{sent}", token_of("staf1"))
                # Its signed PDF's public page (the QR code's), as anyone sees it
                s.shoot("letter-verify", f"/sopsektoral/verify/{sent}", None)
                s.shoot("queue", "/sopsektoral/queue", token_of("staf1"))
                s.shoot("item-copied", f"/sopsektoral/item/{copied['id']}", token_of("staf1"))
                s.shoot("item-bad-region", f"/sopsektoral/item/{bad_region['id']}", token_of("staf1"))
                s.shoot("item-returned-opd", f"/sopsektoral/item/{returned_item['id']}", token_of("op-dinkes"))
                s.shoot("opd-queue", "/sopsektoral/queue", token_of("op-dpu"))
                s.shoot("inbox-opd", "/sopsektoral/", token_of("op-dinkes"))
                s.shoot("dataset-verified", f"/dataset/{published['dataset_name']}", None)
                s.shoot("dataset-existing", "/dataset/curah-hujan-bulanan-2022", None)
                s.shoot("dataset-existing-edit", "/dataset/edit/apbd-kota-balikpapan-2023", token_of("admin"))
            finally:
                browser.close()
        print(f"{len(s.taken)} screenshots")
    finally:
        for token in tokens.values():
            try:
                api(base_url, "api_token_revoke", admin_token, {"token": token})
            except ApiError as err:
                print(f"could not revoke a token: {err}", file=sys.stderr)
        if bootstrapped:
            try:
                api(base_url, "api_token_revoke", admin_token, {"token": admin_token})
            except ApiError as err:
                print(f"could not revoke the bootstrap token: {err}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
