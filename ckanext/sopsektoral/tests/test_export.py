"""The downloads: the Daftar Data template (filled in and imported again), and the Daftar
Data and the verification queue as CSV and XLSX, through CKAN's Flask test client."""
from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from bs4 import BeautifulSoup
from werkzeug.datastructures import FileStorage

import ckan.plugins.toolkit as tk
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.sopsektoral import export
from ckanext.sopsektoral.daftar_data import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from ckanext.sopsektoral.tests.helpers import as_user, balikpapan_csv, items_of, upload

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")

FORMULA = '=HYPERLINK("http://example.invalid","klik")'


def _headers(user) -> dict[str, str]:
    return {"Authorization": factories.APIToken(user=user["name"])["token"]}


def _importer(cast):
    """A holder of the SOP file's right to import the Daftar Data."""
    return cast.holders[sorted(cast.sop.holders_of("import_daftar_data"))[0]]


def _get(app, url, user, lang="", **query):
    return app.get(lang + url, headers=_headers(user), query_string=query)


def _csv(resp) -> list[list[str]]:
    assert resp.status_code == 200, resp.body
    assert resp.headers["Content-Type"].startswith("text/csv")
    assert resp.data.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))


def _xlsx(resp) -> openpyxl.Workbook:
    assert resp.status_code == 200, resp.body
    assert resp.headers["Content-Type"] == export.XLSX_MIMETYPE
    assert "attachment" in resp.headers["Content-Disposition"]
    return openpyxl.load_workbook(io.BytesIO(resp.data))


def _rows(sheet) -> list[list]:
    return [list(r) for r in sheet.iter_rows(values_only=True)]


# ---------------------------------------------------------------- the template

def test_template_has_the_import_columns_and_the_allowed_values(app, cast):
    book = _xlsx(_get(app, tk.url_for("sopsektoral.daftar_data_template"), _importer(cast)))
    sheet, values, guide = book.worksheets
    assert [c.value for c in sheet[1]] == [*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS]
    assert sheet.max_row == 1  # nothing to import by mistake
    listed = {h: [r[i] for r in _rows(values)[1:] if r[i]] for i, h in enumerate(_rows(values)[0]) if h}
    assert {"Dinas Kesehatan", "Dinas Perhubungan"} <= set(listed["opd"])
    assert listed["frekuensi"] == ["tahunan", "semesteran", "triwulanan", "bulanan", "lima_tahunan", "tidak_tetap"]
    assert listed["klasifikasi_akses"] == ["publik", "terbatas", "dikecualikan"]
    assert "64.71.01" in listed["kode_wilayah"]
    # Drop-down lists on the first sheet, from the second.
    validated = {str(v.sqref).split(":")[0]: v for v in sheet.data_validations.dataValidation}
    letter = openpyxl.utils.get_column_letter([c.value for c in sheet[1]].index("frekuensi") + 1)
    assert validated[f"{letter}2"].type == "list"
    assert values.title in validated[f"{letter}2"].formula1
    # The instructions, in the user's language (the schema's labels).
    described = {r[0]: r for r in _rows(guide) if r and r[0] in listed}
    assert described["frekuensi"][1] == "Frekuensi pemutakhiran"
    assert sheet["A1"].comment is not None
    english = _xlsx(_get(app, tk.url_for("sopsektoral.daftar_data_template"), _importer(cast), lang="/en"))
    described = {r[0]: r for r in _rows(english.worksheets[2]) if r and r[0] in listed}
    assert described["frekuensi"][1] == "Update frequency"


def test_the_template_filled_in_imports(app, cast):
    importer = _importer(cast)
    book = _xlsx(_get(app, tk.url_for("sopsektoral.daftar_data_template"), importer))
    sheet, values, guide = book.worksheets
    columns = [c.value for c in sheet[1]]
    listed = {h: [r[i] for r in _rows(values)[1:] if r[i]] for i, h in enumerate(_rows(values)[0]) if h}
    examples = {r[0]: r[3] for r in _rows(guide) if r and r[0] in columns}
    # Every allowed value of every list, one row each (the OPD as the list gives it).
    rows = []
    for column in export.CHOICE_COLUMNS:
        for value in listed[column]:
            rows.append({"tahun": 2027, "opd": listed["opd"][0], "judul_data": f"Data {column} {value}",
                         column: value, "kode_wilayah": listed["kode_wilayah"][-1], "satuan": "unit"})
    rows.append({**{c: examples[c] for c in columns if examples.get(c) and c != "dataset"},
                 "opd": "Dinas Perhubungan", "judul_data": "Contoh dari petunjuk"})
    for index, row in enumerate(rows, start=2):
        for column, value in row.items():
            sheet.cell(row=index, column=columns.index(column) + 1, value=value)
    out = io.BytesIO()
    book.save(out)

    def run(dry_run: bool) -> dict:
        return call_action("sopsektoral_daftar_data_import", as_user(importer), dry_run=dry_run,
                           upload=FileStorage(io.BytesIO(out.getvalue()), "daftar-2027.xlsx"))

    assert run(True) == {"rows": len(rows), "created": len(rows), "updated": 0, "unchanged": 0}
    assert call_action("sopsektoral_daftar_data_list", year=2027)["count"] == 0
    assert run(False)["created"] == len(rows)
    listed_entries = call_action("sopsektoral_daftar_data_list", year=2027, limit=1000)["results"]
    assert len(listed_entries) == len(rows)
    example = next(e for e in listed_entries if e["title"] == "Contoh dari petunjuk")
    assert example["owner_org"] == cast.other_opd["id"] and example["metadata"]["kode_standar_data"] == "SP00055.00.00"
    assert run(False)["unchanged"] == len(rows)


def test_the_template_is_for_who_imports(app, cast):
    url = tk.url_for("sopsektoral.daftar_data_template")
    assert _get(app, url, cast.operator).status_code == 403
    assert _get(app, url, cast.user).status_code == 403
    resp = app.get(url, follow_redirects=False)
    assert resp.status_code == 302 and "/user/login" in resp.headers["Location"]


# ---------------------------------------------------------------- the Daftar Data

def test_daftar_data_export_with_the_pages_filters(app, cast, daftar):
    call_action("sopsektoral_daftar_data_import", rows=[
        {"tahun": 2025, "opd": "dinas-kesehatan", "judul_data": "Jumlah Puskesmas menurut Kecamatan",
         "frekuensi": "tahunan"},
        {"tahun": 2026, "opd": "dinas-perhubungan", "judul_data": FORMULA, "satuan": "-1"},
    ])
    url = tk.url_for("sopsektoral.daftar_data_export", fmt="csv")
    rows = _csv(_get(app, url, cast.verifier, year="2026"))
    assert rows[0][:4] == ["Tahun", "OPD", "Judul data", "Dataset"]
    assert "Frekuensi pemutakhiran" in rows[0]
    titles = [r[2] for r in rows[1:]]
    assert sorted(titles) == sorted([d["title"] for d in daftar] + ["'" + FORMULA])
    assert all(r[0] == "2026" for r in rows[1:])
    puskesmas = next(r for r in rows if r[2] == "Jumlah Puskesmas menurut Kecamatan")
    assert puskesmas[1] == "Dinas Kesehatan"
    assert puskesmas[rows[0].index("Frekuensi pemutakhiran")] == "Tahunan"  # the choice's label
    formula_row = next(r for r in rows if r[2].endswith(FORMULA))
    assert formula_row[rows[0].index("Satuan")] == "'-1"  # neutralised as well

    book = _xlsx(_get(app, tk.url_for("sopsektoral.daftar_data_export", fmt="xlsx"), cast.verifier, lang="/en"))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Year", "OPD", "Data title", "Dataset"] and "Update frequency" in header
    cells = {row[2].value: row for row in sheet.iter_rows(min_row=2)}
    assert len(cells) == 4 and sheet.max_row == 6  # both years, two titles the same
    assert cells[FORMULA][2].data_type == "s"  # text, never a formula
    assert cells[FORMULA][2].quotePrefix


def test_daftar_data_export_has_every_page(app, cast, daftar, monkeypatch):
    monkeypatch.setattr(export, "PAGE_SIZE", 2)
    rows = _csv(_get(app, tk.url_for("sopsektoral.daftar_data_export", fmt="csv"), cast.verifier))
    assert len(rows) == 1 + len(daftar) == 4


def test_an_operator_exports_their_opds_entries(app, cast, daftar):
    rows = _csv(_get(app, tk.url_for("sopsektoral.daftar_data_export", fmt="csv"), cast.operator))
    assert {r[1] for r in rows[1:]} == {"Dinas Kesehatan"} and len(rows) == 3
    other = _csv(_get(app, tk.url_for("sopsektoral.daftar_data_export", fmt="csv"), cast.operator,
                      owner_org="dinas-perhubungan"))
    assert other == [rows[0]]


# ---------------------------------------------------------------- the verification queue

def test_queue_export_as_the_page_shows_it(app, cast, sent):
    item = next(i for i in items_of(sent["id"]) if i["owner_org"] == cast.opd["id"])
    upload(item["dataset_id"], balikpapan_csv(2026), "data-2026.csv", cast.operator)
    call_action("sopsektoral_item_submit", as_user(cast.operator), id=item["id"])
    url = tk.url_for("sopsektoral.queue_export", fmt="csv")

    # The page's default for statistics staff: what was submitted.
    rows = _csv(_get(app, url, cast.verifier))
    header = rows[0]
    assert header[:5] == ["Judul data", "OPD", "Tahun", "Surat", "Status"]
    assert [r[0] for r in rows[1:]] == [item["title"]]
    assert rows[1][1:5] == ["Dinas Kesehatan", "2026", sent["number"], "Diajukan"]
    english = _csv(_get(app, url, cast.verifier, lang="/en"))
    row = dict(zip(english[0], english[1], strict=True))
    assert row["State"] == "Submitted" and row["Overdue"] == "No"
    assert row["Submitted by"] == "Operator"  # the name, not the login
    assert row["Submitted at"][:4] == str(dt.date.today().year)
    assert len(_csv(_get(app, url, cast.verifier, all="1"))) == 1 + 3

    book = _xlsx(_get(app, tk.url_for("sopsektoral.queue_export", fmt="xlsx"), cast.verifier,
                      lang="/en", state=["submitted", "requested"]))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["Data title", "OPD", "Year", "Letter", "State"] and "Claimed by" in header
    shown = {r[0]: dict(zip(header, r, strict=True)) for r in _rows(sheet)[1:]}
    assert len(shown) == 3
    assert shown[item["title"]]["State"] == "Submitted"
    assert isinstance(shown[item["title"]]["Submitted at"], dt.datetime)


def test_an_operators_queue_export_holds_their_opd_only(app, cast, sent):
    url = tk.url_for("sopsektoral.queue_export", fmt="csv")
    rows = _csv(_get(app, url, cast.operator))
    mine = [i["title"] for i in items_of(sent["id"]) if i["owner_org"] == cast.opd["id"]]
    assert sorted(r[0] for r in rows[1:]) == sorted(mine) and len(mine) == 2
    assert "Diklaim oleh" not in rows[0] and "Claimed by" not in rows[0]
    assert _csv(_get(app, url, cast.operator, owner_org="dinas-perhubungan"))[1:] == []
    book = _xlsx(_get(app, tk.url_for("sopsektoral.queue_export", fmt="xlsx"), cast.other_operator))
    assert [r[0] for r in _rows(book.worksheets[0])[1:]] == ["Jumlah Trayek Angkutan Kota"]


def test_exports_need_a_list_to_see(app, cast, sent):
    for endpoint in ("sopsektoral.queue_export", "sopsektoral.daftar_data_export"):
        url = tk.url_for(endpoint, fmt="csv")
        assert _get(app, url, cast.user).status_code == 403  # no position, no OPD
        resp = app.get(url, follow_redirects=False)
        assert resp.status_code == 302 and "/user/login" in resp.headers["Location"]
        assert _get(app, tk.url_for(endpoint, fmt="pdf"), cast.verifier).status_code == 404
    assert _get(app, tk.url_for("sopsektoral.queue_export", fmt="csv"), cast.verifier,
                year="abc").status_code == 400


# ---------------------------------------------------------------- the links

def test_the_pages_link_to_the_downloads(app, cast, sent):
    page = BeautifulSoup(_get(app, tk.url_for("sopsektoral.queue"), cast.verifier, all="1", year="2026").body,
                         "html.parser")
    links = [a["href"] for a in page.select(".sopsektoral-export a")]
    assert len(links) == 2 and all("all=1" in link and "year=2026" in link for link in links)
    assert _xlsx(app.get(links[0], headers=_headers(cast.verifier))).worksheets[0].max_row == 4

    page = BeautifulSoup(_get(app, tk.url_for("sopsektoral.daftar_data"), _importer(cast), year="2026").body,
                         "html.parser")
    assert page.select_one("a.sopsektoral-template")["href"] == tk.url_for("sopsektoral.daftar_data_template")
    links = [a["href"] for a in page.select(".sopsektoral-export a")]
    assert len(links) == 2 and all("year=2026" in link for link in links)
    operator_page = BeautifulSoup(_get(app, tk.url_for("sopsektoral.daftar_data"), cast.operator).body,
                                  "html.parser")
    assert operator_page.select_one("a.sopsektoral-template") is None
    assert operator_page.select(".sopsektoral-export a")
