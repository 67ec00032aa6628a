"""The SK Daftar Data imported from CSV and XLSX files, through the action and the CLI.

Everything runs against the real database: the files are read by the
project's own reader, the rows checked against the real organizations,
datasets and Balikpapan region codes (data/kode-wilayah-balikpapan.csv).
"""
from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import openpyxl
import pytest
from werkzeug.datastructures import FileStorage

import ckan.plugins.toolkit as tk
from ckan.tests.helpers import call_action

from ckanext.sopsektoral import regions
from ckanext.sopsektoral.tests.factories import sectoral_dataset
from ckanext.sopsektoral.tests.helpers import as_user

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

HEADER = ["tahun", "opd", "judul_data", "satuan", "frekuensi", "kode_wilayah"]
ROWS = [
    [2026, "dinas-kesehatan", "Jumlah Puskesmas menurut Kecamatan", "unit", "tahunan", "64.71.01"],
    [2026, "Dinas Kesehatan", "Cakupan Imunisasi Dasar Lengkap", "persen", "tahunan", "64.71"],
    [2026, "dinas-perhubungan", "Jumlah Trayek Angkutan Kota", "trayek", "tahunan", "647102"],
]


# ---------------------------------------------------------------- helpers

def csv_bytes(rows: list[list[Any]], delimiter: str = ",", header: list[str] | None = None) -> bytes:
    """A CSV file as Excel writes it: UTF-8 with a byte-order mark, CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(HEADER if header is None else header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Daftar Data 2026"
    header = HEADER if header is None else header
    if header:
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def upload(content: bytes, filename: str) -> FileStorage:
    return FileStorage(io.BytesIO(content), filename)


def import_file(
    content: bytes, filename: str = "daftar.csv", who: Any = None, **extra: Any
) -> dict[str, Any]:
    """Import through the action: as ``who`` (with the auth check), or with ignore_auth."""
    context = as_user(who) if who is not None else {"ignore_auth": True}
    return call_action("sopsektoral_daftar_data_import", context, upload=upload(content, filename), **extra)


def listed(**filters: Any) -> dict[str, Any]:
    return call_action("sopsektoral_daftar_data_list", {"ignore_auth": True}, limit=1000, **filters)


def by_title() -> dict[str, dict[str, Any]]:
    return {e["title"]: e for e in listed()["results"]}


def row_errors(content: bytes, filename: str = "daftar.csv") -> list[str]:
    """The per-row messages of a refused import (which must write nothing)."""
    with pytest.raises(tk.ValidationError) as err:
        import_file(content, filename)
    assert set(err.value.error_dict) == {"rows"}, err.value.error_dict
    assert listed()["count"] == 0
    return err.value.error_dict["rows"]


def import_events() -> list[dict[str, Any]]:
    events = call_action("sopsektoral_event_list", {"ignore_auth": True}, limit=1000)
    return [e for e in events if e["action"] == "daftar_data_import"]


# ---------------------------------------------------------------- good files

class TestImportFromFiles:
    def test_comma_csv_with_bom(self, cast):
        """A comma-separated CSV with a UTF-8 BOM imports every row, OPDs by name or title,
        region codes normalised to their dotted Kemendagri form."""
        result = import_file(csv_bytes(ROWS), who=cast.verifier)
        assert result == {"rows": 3, "created": 3, "updated": 0, "unchanged": 0}
        entries = by_title()
        assert set(entries) == {r[2] for r in ROWS}
        puskesmas = entries["Jumlah Puskesmas menurut Kecamatan"]
        assert puskesmas["year"] == 2026
        assert puskesmas["owner_org"] == cast.opd["id"]
        assert puskesmas["organization_title"] == "Dinas Kesehatan"
        assert puskesmas["metadata"] == {"satuan": "unit", "frekuensi": "tahunan", "kode_wilayah": "64.71.01"}
        assert entries["Cakupan Imunisasi Dasar Lengkap"]["owner_org"] == cast.opd["id"]
        trayek = entries["Jumlah Trayek Angkutan Kota"]
        assert trayek["owner_org"] == cast.other_opd["id"]
        assert trayek["metadata"]["kode_wilayah"] == "64.71.02"
        assert regions.name(trayek["metadata"]["kode_wilayah"]) == "Balikpapan Barat"
        assert [e["note"] for e in import_events()] == ["rows=3 created=3 updated=0"]

    def test_semicolon_csv(self, cast):
        """A semicolon-separated CSV (Excel in an Indonesian locale) imports too, even with
        commas inside a value."""
        header = [*HEADER, "definisi"]
        rows = [[*r, f"Definisi {r[2].lower()}, menurut BPS"] for r in ROWS]
        content = csv_bytes(rows, delimiter=";", header=header)
        assert content.startswith(b"\xef\xbb\xbf") and b";" in content
        result = import_file(content, who=cast.drafter)
        assert result["created"] == 3
        entries = by_title()
        assert set(entries) == {r[2] for r in ROWS}
        assert entries["Jumlah Trayek Angkutan Kota"]["metadata"]["definisi"] == (
            "Definisi jumlah trayek angkutan kota, menurut BPS")

    def test_xlsx_with_spreadsheet_headers_and_numeric_cells(self, cast):
        """An XLSX built with openpyxl imports: headers as people write them, the year and an
        undotted region code as numbers, several region codes in one cell."""
        header = ["Tahun", "Perangkat Daerah", "Judul Data", "Satuan", "Jadwal Pemutakhiran", "Kode Wilayah"]
        rows = [
            [2026, "Dinas Kesehatan", "Jumlah Puskesmas menurut Kecamatan", "unit", "tahunan", 647101],
            [2026.0, "dinas-kesehatan", "Cakupan Imunisasi Dasar Lengkap", "persen", "tahunan",
             "64.71.01, 647102,64.71.03.1001"],
            [2026, "dinas-perhubungan", "Jumlah Trayek Angkutan Kota", "trayek", "bulanan", None],
        ]
        result = import_file(xlsx_bytes(rows, header), "Daftar Data 2026.xlsx", who=cast.verifier)
        assert result == {"rows": 3, "created": 3, "updated": 0, "unchanged": 0}
        entries = by_title()
        assert entries["Jumlah Puskesmas menurut Kecamatan"]["metadata"]["kode_wilayah"] == "64.71.01"
        assert entries["Cakupan Imunisasi Dasar Lengkap"]["metadata"]["kode_wilayah"] == (
            "64.71.01,64.71.02,64.71.03.1001")
        assert entries["Jumlah Trayek Angkutan Kota"]["metadata"] == {
            "satuan": "trayek", "frekuensi": "bulanan"}
        assert {e["year"] for e in entries.values()} == {2026}

    def test_format_parameter_overrides_the_file_name(self, cast):
        """``format`` names the file type when the file name does not."""
        result = import_file(xlsx_bytes(ROWS), "upload.bin", format="xlsx")
        assert result["created"] == 3

    def test_dataset_column_links_a_dataset_of_the_same_opd(self, cast):
        """A ``dataset`` column naming (by name or id) a dataset of the row's OPD is kept, as its name."""
        dataset = sectoral_dataset(name="jumlah-puskesmas", owner_org=cast.opd["id"])
        header = [*HEADER, "dataset"]
        rows = [[*ROWS[0], "jumlah-puskesmas"], [*ROWS[1], dataset["id"]]]
        import_file(csv_bytes(rows, header=header))
        entries = by_title()
        assert entries[ROWS[0][2]]["dataset_name"] == "jumlah-puskesmas"
        assert entries[ROWS[1][2]]["dataset_name"] == "jumlah-puskesmas"

    def test_only_statistics_officers_may_import(self, cast):
        """An OPD operator cannot import the Daftar Data."""
        with pytest.raises(tk.NotAuthorized):
            import_file(csv_bytes(ROWS), who=cast.operator)
        assert listed()["count"] == 0


# ---------------------------------------------------------------- errors per row

@pytest.mark.parametrize("change, column, fragment", [
    ({1: "Dinas Pariwisata"}, "opd", "Unknown OPD \"Dinas Pariwisata\""),
    ({0: "20x6"}, "tahun", "year"),
    ({0: "1800"}, "tahun", "year"),
    ({5: "32.73"}, "kode_wilayah", "32.73"),
    ({5: "64.71.99"}, "kode_wilayah", "64.71.99"),
    ({4: "harian"}, "frekuensi", "tahunan"),
    ({2: ""}, "judul_data", "Missing value"),
    ({1: ""}, "opd", "Missing value"),
], ids=["unknown-opd", "tahun-not-a-number", "tahun-out-of-range", "kode-wilayah-bandung",
        "kode-wilayah-unknown-kecamatan", "frekuensi", "judul-data-missing", "opd-missing"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_bad_row_is_named_and_nothing_is_imported(cast, change, column, fragment, fmt):
    """One bad cell (row 3 of the sheet: header row 1, first data row 2) is reported with its
    row and column, and none of the file's good rows is imported."""
    bad = list(ROWS[1])
    for index, value in change.items():
        bad[index] = value
    rows = [ROWS[0], bad, ROWS[2]]
    content = csv_bytes(rows) if fmt == "csv" else xlsx_bytes(rows)
    errors = row_errors(content, f"daftar.{fmt}")
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"Row 3, column {column}: "), errors
    assert fragment in errors[0]
    assert import_events() == []


def test_every_bad_row_is_reported_with_spreadsheet_numbering(cast):
    """All errors of a file come at once; blank lines still count as rows, as in the spreadsheet."""
    rows = [
        ROWS[0],                                                             # row 2
        [],                                                                  # row 3 (blank)
        [2026, "Dinas Pariwisata", "Jumlah Kunjungan Wisatawan", "orang", "bulanan", ""],  # row 4
        [2026, "dinas-kesehatan", "Jumlah Tenaga Kesehatan", "orang", "harian", "32.73"],  # row 5
        ["", "dinas-kesehatan", "", "", "", ""],                             # row 6
    ]
    errors = row_errors(csv_bytes(rows))
    assert errors[0] == (
        'Row 4, column opd: Unknown OPD "Dinas Pariwisata" (use the organization\'s name or title)')
    assert [e.split(":", 1)[0] for e in errors] == [
        "Row 4, column opd",
        "Row 5, column frekuensi",
        "Row 5, column kode_wilayah",
        "Row 6, column tahun",
        "Row 6, column judul_data",
    ]


def test_xlsx_rows_are_numbered_as_in_the_spreadsheet(cast):
    """In an XLSX an empty row between data rows keeps the numbering of the sheet."""
    bad = [2026, "dinas-kesehatan", "Rasio Dokter", "rasio", "tahunan", "32.73"]
    rows = [ROWS[0], [None] * 6, ROWS[1], bad]
    errors = row_errors(xlsx_bytes(rows), "daftar.xlsx")
    assert [e.split(":", 1)[0] for e in errors] == ["Row 5, column kode_wilayah"]


def test_duplicate_rows_in_one_file(cast):
    """The same year, OPD and title twice in one file is an error naming both rows, even when
    the OPD is written once by name and once by title, and the title in another case."""
    rows = [ROWS[0], ROWS[2], [2026, "Dinas Kesehatan", ROWS[0][2].upper(), "unit", "tahunan", ""]]
    errors = row_errors(csv_bytes(rows))
    assert errors == ["Row 4, column judul_data: Same year, OPD and title as row 2"]


def test_same_title_for_another_year_or_opd_is_not_a_duplicate(cast):
    """The key is (year, OPD, title): the same title for another year or OPD is another entry."""
    rows = [ROWS[0], [2025, *ROWS[0][1:]], [2026, "dinas-perhubungan", *ROWS[0][2:]]]
    assert import_file(csv_bytes(rows))["created"] == 3


def test_dataset_of_another_opd_is_refused(cast):
    """A ``dataset`` column naming a dataset of another OPD is an error of that row and column."""
    sectoral_dataset(name="jumlah-trayek", title="Jumlah Trayek Angkutan Kota",
                     owner_org=cast.other_opd["id"])
    header = [*HEADER, "dataset"]
    rows = [[*ROWS[2], "jumlah-trayek"], [*ROWS[0], "jumlah-trayek"]]
    errors = row_errors(csv_bytes(rows, header=header))
    assert errors == ['Row 3, column dataset: Dataset "jumlah-trayek" belongs to another OPD']


def test_unknown_dataset_is_refused(cast):
    """A ``dataset`` column naming no dataset is an error of that row and column."""
    errors = row_errors(csv_bytes([[*ROWS[0], "tidak-ada"]], header=[*HEADER, "dataset"]))
    assert errors == ['Row 2, column dataset: No dataset "tidak-ada"']


# ---------------------------------------------------------------- re-import

class TestReimport:
    def test_same_file_again_changes_nothing(self, cast):
        """Importing the same file twice creates nothing the second time; entries keep id and dates."""
        content = csv_bytes(ROWS)
        import_file(content)
        before = listed()["results"]
        result = import_file(content)
        assert result == {"rows": 3, "created": 0, "updated": 0, "unchanged": 3}
        assert listed()["results"] == before

    def test_same_list_as_xlsx_after_csv_changes_nothing(self, cast):
        """The same list saved as XLSX (numbers as numbers) matches the CSV import exactly."""
        import_file(csv_bytes(ROWS))
        before = listed()["results"]
        xlsx_rows = [[r[0], r[1], r[2], r[3], r[4], int(r[5]) if r[5].isdigit() else r[5]] for r in ROWS]
        result = import_file(xlsx_bytes(xlsx_rows), "daftar.xlsx")
        assert result == {"rows": 3, "created": 0, "updated": 0, "unchanged": 3}
        assert listed()["results"] == before

    def test_one_changed_metadata_cell_updates_one_entry(self, cast):
        """Changing one metadata cell updates that entry in place (same id), and only it."""
        import_file(csv_bytes(ROWS))
        before = by_title()
        changed = [list(r) for r in ROWS]
        changed[1][3] = "persen (%)"
        result = import_file(csv_bytes(changed))
        assert result == {"rows": 3, "created": 0, "updated": 1, "unchanged": 2}
        after = by_title()
        title = ROWS[1][2]
        assert after[title]["id"] == before[title]["id"]
        assert after[title]["metadata"]["satuan"] == "persen (%)"
        assert after[title]["modified"] >= before[title]["modified"]
        for other in (ROWS[0][2], ROWS[2][2]):
            assert after[other] == before[other]

    def test_emptied_cell_removes_the_metadata(self, cast):
        """Emptying a metadata cell counts as a change and drops that field."""
        import_file(csv_bytes(ROWS))
        changed = [list(r) for r in ROWS]
        changed[0][5] = ""
        assert import_file(csv_bytes(changed))["updated"] == 1
        assert "kode_wilayah" not in by_title()[ROWS[0][2]]["metadata"]


# ---------------------------------------------------------------- bad files

def _damaged_sheet_xlsx() -> bytes:
    """A real XLSX whose zip is intact but whose sheet XML is cut off (a damaged file)."""
    good = zipfile.ZipFile(io.BytesIO(xlsx_bytes(ROWS)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as damaged:
        for info in good.infolist():
            data = good.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            damaged.writestr(info, data)
    return out.getvalue()


@pytest.mark.parametrize("make_content, filename, field, fragment", [
    (lambda: csv_bytes(ROWS, header=["tahun", "opd", "satuan"]), "daftar.csv", "upload", "judul_data"),
    (lambda: csv_bytes([], header=["Tahun Data", "Judul"]), "daftar.csv", "upload", "opd"),
    (lambda: xlsx_bytes([r[:2] for r in ROWS], header=["tahun", "opd"]), "daftar.xlsx", "upload",
     "judul_data"),
    (lambda: b"", "daftar.csv", "upload", "empty"),
    (lambda: b"\xef\xbb\xbf", "daftar.csv", "upload", "empty"),
    (lambda: b"\r\n\r\n", "daftar.csv", "upload", "Missing columns"),
    (lambda: xlsx_bytes([], header=[]), "daftar.xlsx", "upload", "empty"),
    (lambda: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "daftar.pdf", "format", "CSV or XLSX"),
    (lambda: csv_bytes(ROWS), "daftar", "format", "CSV or XLSX"),
    (lambda: csv_bytes(ROWS), "daftar.xls", "format", "CSV or XLSX"),
    (lambda: b"this is not a spreadsheet", "daftar.xlsx", "upload", "XLSX"),
    (lambda: xlsx_bytes(ROWS)[:2000], "daftar.xlsx", "upload", "XLSX"),
    # The sheet's XML is parsed lazily in read-only mode: its errors too are field errors.
    (_damaged_sheet_xlsx, "daftar.xlsx", "upload", "XLSX"),
    # Bytes neither UTF-8 nor cp1252 can decode.
    (lambda: xlsx_bytes(ROWS), "daftar.csv", "upload", "CSV"),
], ids=[
    "missing-judul-data-column", "header-only-missing-opd", "xlsx-missing-column", "empty-file", "bom-only",
    "blank-lines-only", "empty-xlsx", "pdf", "no-extension", "old-xls", "xlsx-not-a-zip", "xlsx-truncated",
    "xlsx-damaged-sheet-xml", "xlsx-saved-as-csv",
])
def test_bad_file_is_a_field_error(cast, make_content, filename, field, fragment):
    """A file that cannot be read as a Daftar Data gives a ValidationError with a field
    message, never another exception, and imports nothing."""
    try:
        import_file(make_content(), filename)
    except tk.ValidationError as err:
        assert field in err.error_dict, err.error_dict
        assert any(fragment in m for m in err.error_dict[field]), err.error_dict
    else:
        pytest.fail("the file was accepted")
    assert listed()["count"] == 0
    assert import_events() == []


def test_no_file_and_no_rows(cast):
    """Calling the import with nothing to import is a field error."""
    with pytest.raises(tk.ValidationError) as err:
        call_action("sopsektoral_daftar_data_import", {"ignore_auth": True})
    assert "upload" in err.value.error_dict


# ---------------------------------------------------------------- dry run

class TestDryRun:
    def test_dry_run_writes_nothing(self, cast):
        """dry_run=True reports what would be created but writes no entry and no event."""
        result = import_file(csv_bytes(ROWS), dry_run=True, who=cast.verifier)
        assert result == {"rows": 3, "created": 3, "updated": 0, "unchanged": 0}
        assert listed()["count"] == 0
        assert import_events() == []

    def test_dry_run_of_a_change_keeps_the_old_values(self, cast):
        """A dry run of a changed list reports the update but leaves the stored entry as it was."""
        import_file(csv_bytes(ROWS))
        before = listed()["results"]
        changed = [list(r) for r in ROWS]
        changed[0][3] = "buah"
        changed.append([2026, "dinas-kesehatan", "Jumlah Rumah Sakit", "unit", "tahunan", "64.71"])
        result = import_file(csv_bytes(changed), dry_run=True)
        assert result == {"rows": 4, "created": 1, "updated": 1, "unchanged": 2}
        assert listed()["results"] == before
        assert len(import_events()) == 1

    def test_dry_run_still_reports_row_errors(self, cast):
        """A dry run checks the rows like a real import."""
        rows = [ROWS[0], [2026, "dinas-kesehatan", "Rasio Dokter", "rasio", "tahunan", "32.73"]]
        with pytest.raises(tk.ValidationError) as err:
            import_file(csv_bytes(rows), dry_run=True)
        assert err.value.error_dict["rows"][0].startswith("Row 3, column kode_wilayah: ")


# ---------------------------------------------------------------- CLI

class TestCli:
    def test_imports_a_good_file(self, cast, cli, tmp_path):
        """`ckan sopsektoral daftar-data import PATH` imports a good file and exits 0; again, it
        changes nothing."""
        from ckanext.sopsektoral.cli import sopsektoral

        path = tmp_path / "daftar-data-2026.xlsx"
        path.write_bytes(xlsx_bytes(ROWS))
        result = cli.invoke(sopsektoral, ["daftar-data", "import", str(path)])
        assert result.exit_code == 0, result.output
        assert "'created': 3" in result.output
        assert set(by_title()) == {r[2] for r in ROWS}
        assert [e["note"] for e in import_events()] == ["rows=3 created=3 updated=0 (cli)"]

        again = cli.invoke(sopsektoral, ["daftar-data", "import", str(path)])
        assert again.exit_code == 0, again.output
        assert "'created': 0" in again.output and "'unchanged': 3" in again.output
        assert listed()["count"] == 3

    def test_refuses_a_bad_file(self, cast, cli, tmp_path):
        """A file with a bad row exits 1, prints each error with its row and column, imports nothing."""
        from ckanext.sopsektoral.cli import sopsektoral

        bad = [2026, "Dinas Pariwisata", "Jumlah Kunjungan Wisatawan", "orang", "bulanan", "32.73"]
        rows = [ROWS[0], bad]
        path = tmp_path / "daftar.csv"
        path.write_bytes(csv_bytes(rows, delimiter=";"))
        result = cli.invoke(sopsektoral, ["daftar-data", "import", str(path)])
        assert result.exit_code == 1, result.output
        assert 'Row 3, column opd: Unknown OPD "Dinas Pariwisata"' in result.output
        assert "Row 3, column kode_wilayah: " in result.output
        assert "2 error(s); nothing imported" in result.output
        assert listed()["count"] == 0
        assert import_events() == []

    def test_refuses_an_unreadable_file(self, cast, cli, tmp_path):
        """A file missing a required column, or of another type, exits 1 with the field message."""
        from ckanext.sopsektoral.cli import sopsektoral

        missing = tmp_path / "daftar.csv"
        missing.write_bytes(csv_bytes(ROWS, header=["tahun", "opd", "satuan"]))
        result = cli.invoke(sopsektoral, ["daftar-data", "import", str(missing)])
        assert result.exit_code == 1, result.output
        assert "upload: Missing columns: judul_data" in result.output

        other = tmp_path / "daftar.txt"
        other.write_bytes(csv_bytes(ROWS))
        result = cli.invoke(sopsektoral, ["daftar-data", "import", str(other)])
        assert result.exit_code == 1, result.output
        assert "format: " in result.output
        assert listed()["count"] == 0

    def test_dry_run(self, cast, cli, tmp_path):
        """`--dry-run` checks and counts but imports nothing."""
        from ckanext.sopsektoral.cli import sopsektoral

        path = tmp_path / "daftar.csv"
        path.write_bytes(csv_bytes(ROWS))
        result = cli.invoke(sopsektoral, ["daftar-data", "import", "--dry-run", str(path)])
        assert result.exit_code == 0, result.output
        assert "dry run" in result.output and "'created': 3" in result.output
        assert listed()["count"] == 0
