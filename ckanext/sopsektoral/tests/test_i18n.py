"""The Indonesian catalogue is complete and the template is current."""
from __future__ import annotations

import html
import pathlib
import re
import subprocess
import sys
import urllib.parse

import pytest
from babel.messages import pofile

import ckan.plugins.toolkit as tk
from ckan.tests import factories

I18N = pathlib.Path(__file__).parents[1] / "i18n"
ROOT = pathlib.Path(__file__).parents[3]


def _catalog(path: pathlib.Path):
    with path.open("rb") as f:
        return pofile.read_po(f)


def _ids(catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def test_indonesian_catalogue_translates_every_message():
    catalog = _catalog(I18N / "id" / "LC_MESSAGES" / "ckanext-sopsektoral.po")
    untranslated = [
        m.id for m in catalog
        if m.id and (m.fuzzy or not (all(m.string) if isinstance(m.string, tuple) else m.string))
    ]
    assert untranslated == []


def test_catalogues_cover_every_string_in_the_code(tmp_path):
    pot = tmp_path / "current.pot"
    subprocess.run(
        [str(pathlib.Path(sys.executable).parent / "pybabel"), "-q", "extract",
         "-F", str(ROOT / "babel.cfg"), "-k", "ungettext:1,2", "-o", str(pot),
         str(ROOT / "ckanext" / "sopsektoral")],
        check=True, cwd=ROOT, capture_output=True,
    )
    in_code = _ids(_catalog(pot))
    for lang in ("id", "en"):
        catalogue = _ids(_catalog(I18N / lang / "LC_MESSAGES" / "ckanext-sopsektoral.po"))
        assert in_code - catalogue == set(), f"run `make i18n`: {lang} lacks messages"


@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_validation_errors_reach_an_indonesian_user_in_indonesian(app):
    """The portal's default language is Indonesian: the messages of a refused
    request are Indonesian, those of CKAN's own validators included; under
    /en/ they are English."""
    headers = {"Authorization": factories.APIToken(user=factories.Sysadmin()["name"])["token"]}
    bad = {"limit": "banyak", "overdue": "mungkin", "warna": "merah"}
    error = app.post("/api/3/action/sopsektoral_letter_list", json=bad, headers=headers, status=409).json["error"]
    assert error["limit"] == ["Harus berupa bilangan bulat"]
    assert error["overdue"] == ["Harus true atau false"]
    assert error["warna"][0].startswith("Parameter tidak dikenal")
    # A CKAN validator on a core action, with a message CKAN's own catalogue leaves in English.
    error = app.post("/api/3/action/package_create", json={"name": "x", "owner_org": "tidak-ada"},
                     headers=headers, status=409).json["error"]
    assert "Organisasi tidak ada" in error["owner_org"]
    error = app.post("/en/api/3/action/sopsektoral_letter_list", json=bad, headers=headers,
                     status=409).json["error"]
    assert error["limit"] == ["Must be a whole number"]


# CKAN's own messages on the pages our users meet (ckan_ui_messages.py): each page, its English
# strings (absent from the Indonesian page, present under /en/) and its Indonesian ones.
PAGES = {
    "home": ("/", None, ["Welcome to", "Search data", "Popular tags", "Log in", "Skip to main content",
                         "How data reaches this portal"],
             ["Selamat datang di", "Cari data", "Tag populer", "Masuk", "Alur data sampai ke portal ini",
              "Baca SOP pengumpulan data"]),
    "about": ("/about", None, ["How the SOP works", "Who does what", "Read the collection SOP"],
              ["Cara kerja SOP", "Siapa mengerjakan apa", "Baca SOP pengumpulan data"]),
    "login": ("/user/login", None, ["Forgotten your password?", "Remember me", "Username or Email", "Password"],
              ["Lupa kata sandi?", "Ingat saya", "Nama pengguna atau email", "Kata sandi"]),
    "search": ("/dataset/", "sysadmin", ["Order by", "Name Ascending", "Formats", "Licenses", "Filter Results",
                                         "Add Dataset"],
               ["Urutkan menurut", "Nama (A-Z)", "Format", "Lisensi", "dataset ditemukan", "Tambah Dataset"]),
    "dataset": ("/dataset/{dataset}", "sysadmin", ["Data and Resources", "Additional Info", "Explore", "Follow",
                                                   "Manage", "read more", "Go to resource", "More information"],
                ["Data dan Sumber Daya", "Informasi Tambahan", "Jelajahi", "Ikuti", "Kelola", "Buka sumber daya"]),
    "resource": ("/dataset/{dataset}/resource/{resource}", "sysadmin",
                 ["There are no views created for this resource yet.", "Data last updated", "Package id",
                  "Has views"],
                 ["Belum ada tampilan untuk sumber daya ini.", "Data terakhir diperbarui", "Id dataset"]),
    "resource new": ("/dataset/{dataset}/resource/new", "sysadmin",
                     ["Add New Resource", "Save & add another", "What's a resource?", "Link",
                      "Upload a file on your computer", "eg. CSV, XML or JSON"],
                     ["Tambah Sumber Daya Baru", "Simpan & tambah lagi", "Tautan", "Unggah"]),
    "resource edit": ("/dataset/{dataset}/resource/{resource}/edit", "sysadmin",
                      ["Update Resource", "View resource", "Are you sure you want to delete this resource?"],
                      ["Perbarui Sumber Daya", "Lihat sumber daya"]),
    "dataset edit": ("/dataset/edit/{dataset}", "sysadmin",
                     ["Update Dataset", "Visibility", "View dataset", "Edit metadata",
                      "Are you sure you want to delete this dataset?"],
                     ["Perbarui Dataset", "Visibilitas", "Privat", "Lihat dataset", "Hapus"]),
    "organizations": ("/organization/", "sysadmin", ["Add Organization", "What are Organizations?",
                                                     "1 organization found"],
                      ["Tambah Organisasi", "Apa itu organisasi?", "1 organisasi ditemukan"]),
    "organization": ("/organization/{organization}", "sysadmin", ["1 dataset found", "Order by"],
                     ["1 dataset ditemukan", "Urutkan menurut"]),
    "dashboard": ("/dashboard/datasets", "sysadmin", ["My Datasets", "My Organizations", "View profile",
                                                      "Profile settings"],
                  ["Dataset saya", "Organisasi saya", "Lihat profil", "Pengaturan profil"]),
    "not found": ("/tidak-ada-halaman-ini", None, ["404 Not Found", "The requested URL was not found"],
                  ["404 Tidak Ditemukan", "URL yang diminta tidak ditemukan"]),
    "forbidden": ("/dataset/edit/{dataset}", None, ["You might need to login to access this page.",
                                                    "Click here to login"],
                  ["Anda mungkin perlu masuk untuk membuka halaman ini.", "Klik di sini untuk masuk"]),
}


@pytest.fixture
def portal():
    """A sysadmin and an OPD with a dataset of the sectoral schema and one resource."""
    from ckanext.sopsektoral.tests.factories import sectoral_dataset

    # No image URLs: CKAN's factories give each user and organization an image on another host.
    sysadmin = factories.Sysadmin(fullname="Admin Portal", image_url="")
    editor = factories.User(fullname="Operator Dinas", image_url="")
    org = factories.Organization(title="Dinas Kesehatan", image_url="",
                                 users=[{"name": editor["name"], "capacity": "editor"}])
    dataset = sectoral_dataset(owner_org=org["id"])
    resource = factories.Resource(package_id=dataset["id"], url="http://example.com/data.csv", format="CSV")
    return {
        "sysadmin": {"Authorization": factories.APIToken(user=sysadmin["name"])["token"]},
        "ids": {"dataset": dataset["name"], "resource": resource["id"], "organization": org["name"]},
    }


def _html(app, portal, key, prefix=""):
    path, who, _english, _indonesian = PAGES[key]
    headers = portal[who] if who else {}
    return app.get(prefix + path.format(**portal["ids"]), headers=headers, status=None).get_data(as_text=True)


def _text(page: str) -> str:
    """What a reader meets: the text between the tags and the labels in attributes."""
    page = re.sub(r"(?s)<script.*?</script>|<style.*?</style>", " ", page)
    labels = re.findall(r'\s(?:placeholder|title|alt|aria-label|data-module-content)="([^"]*)"', page)
    return html.unescape("\n".join([re.sub(r"(?s)<[^>]+>", "\n", page), *labels]))


def _page(app, portal, key, prefix=""):
    return _text(_html(app, portal, key, prefix))


@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_ckan_pages_read_in_indonesian_and_in_english_under_en(app, portal):
    """Each page our users meet speaks Indonesian, CKAN's own strings included; under /en/ English."""
    found_english, missing = {}, {}
    for key, (_path, _who, english, indonesian) in PAGES.items():
        page = _page(app, portal, key)
        found_english.update({key: [s for s in english if s in page]} if any(s in page for s in english) else {})
        missing.update({key: [s for s in indonesian if s not in page]} if any(s not in page for s in indonesian)
                       else {})
    assert (found_english, missing) == ({}, {})
    absent_in_english = {}
    for key, (_path, _who, english, _indonesian) in PAGES.items():
        page = _page(app, portal, key, "/en")
        if any(s not in page for s in english):
            absent_in_english[key] = [s for s in english if s not in page]
    assert absent_in_english == {}
    # CKAN's placeholders are gone from the home page, in both languages.
    for prefix in ("", "/en"):
        home = _html(app, portal, "home", prefix)
        assert "placeholder-420x220" not in home and "introductory paragraph" not in home
        assert f'href="{prefix}/sopsektoral/sop"' in home


@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_the_confirm_dialog_of_ckans_javascript_is_indonesian(app):
    """/api/i18n/<lang> carries the confirm dialog's messages (js_translations.py): CKAN's
    confirm-action module and ours ask in Indonesian."""
    translations = app.get("/api/i18n/id").json
    assert translations["Please Confirm Action"][1] == "Mohon konfirmasi"
    assert translations["Are you sure you want to perform this action?"][1] == "Yakin ingin melakukan tindakan ini?"
    assert translations["Confirm"][1] == "Konfirmasi"
    assert translations["Cancel"][1] == "Batal"
    english = app.get("/api/i18n/en").json
    assert english.get("Confirm", [None, "Confirm"])[1] == "Confirm"


EXTERNAL_SOURCE = re.compile(
    r"<(?:script|img|iframe|source|embed|audio|video)\b[^>]*?\ssrc=\"([^\"]*)\"|<link\b[^>]*?\shref=\"([^\"]*)\""
    r"|url\(['\"]?([^)'\"]+)")


@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_no_page_loads_anything_from_outside_the_portal(app, portal):
    """Nothing a page loads (scripts, styles, images, frames) comes from another host: avatars
    are CKAN's own placeholder, not gravatar.com (ckan.gravatar_default = disabled)."""
    site = urllib.parse.urlparse(tk.config["ckan.site_url"]).netloc
    pages = [*PAGES, "members", "user"]
    PAGES["members"] = ("/organization/members/{organization}", "sysadmin", [], [])
    PAGES["user"] = ("/user/", "sysadmin", [], [])
    try:
        outside = {}
        for key in pages:
            page = _html(app, portal, key)
            sources = [next(filter(None, m)) for m in EXTERNAL_SOURCE.findall(page)]
            foreign = [s for s in sources if urllib.parse.urlparse(s).netloc not in ("", site)]
            if foreign:
                outside[key] = foreign
        assert outside == {}
        assert "gravatar" not in _html(app, portal, "members")
    finally:
        del PAGES["members"], PAGES["user"]


@pytest.mark.usefixtures("with_plugins")
def test_the_sop_page_speaks_the_readers_language(app, cast):
    indonesian = app.get("/sopsektoral/sop").get_data(as_text=True)
    english = app.get("/en/sopsektoral/sop").get_data(as_text=True)
    assert "surat yang sudah ditandatangani" in indonesian and "1 minggu per data" in indonesian
    assert "signed letter" in english and "1 week per data item" in english
    assert "surat yang sudah ditandatangani" not in english and "1 minggu per data" not in english


@pytest.mark.usefixtures("with_plugins")
def test_a_requested_dataset_says_which_letter_asked_for_it_in_the_readers_language(app, cast, sent):
    from ckanext.sopsektoral.tests.helpers import items_of

    item = items_of(sent["id"])[0]
    headers = {"Authorization": factories.APIToken(user=cast.sysadmin["name"])["token"]}
    path = "/dataset/{}".format(item["dataset_id"])
    indonesian = app.get(path, headers=headers).get_data(as_text=True)
    english = app.get("/en" + path, headers=headers).get_data(as_text=True)
    assert f"Diminta dengan surat {sent['number']} (SK Daftar Data 2026)." in indonesian
    assert f"Requested by letter {sent['number']} (SK Daftar Data 2026)." in english
    assert "Requested by letter" not in indonesian and "Diminta dengan surat" not in english
