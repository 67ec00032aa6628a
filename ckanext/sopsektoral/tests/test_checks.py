"""The automatic checks' messages (kept untranslated, translated when read) and
the CSV reader they share with the Daftar Data import."""
from __future__ import annotations

import ast
import csv
import pathlib
import re
import subprocess
import sys

import pytest
from babel.messages import pofile

import ckan.plugins.toolkit as tk

from ckanext.sopsektoral import checks, daftar_data, tabular

DATA = pathlib.Path(__file__).parent / "data"
ROOT = pathlib.Path(__file__).parents[3]


class TestMessages:
    def test_a_result_is_stored_with_its_msgid_parameters_and_english_text(self):
        result = checks.CheckResult("data_year", False, checks.N_("The data does not seem to be for {year}", year=2026),
                                    [checks.N_("The metadata says {found}", found="2025"), "umk.csv: plain text"])
        assert result.as_dict() == {
            "key": "data_year", "passed": False,
            "message_id": "The data does not seem to be for {year}", "params": {"year": 2026},
            "message": "The data does not seem to be for 2026",
            "details": [{"message_id": "The metadata says {found}", "params": {"found": "2025"},
                         "message": "The metadata says 2025"}, "umk.csv: plain text"],
        }

    def test_a_plain_text_result_is_stored_as_before(self):
        # e.g. the "automatic checks failed" result of logic/action.py
        assert checks.CheckResult("checks", None, "Pemeriksaan otomatis gagal: x").as_dict() == {
            "key": "checks", "passed": None, "message": "Pemeriksaan otomatis gagal: x", "details": []}

    def test_localise_translates_the_msgid_never_the_parameters(self):
        catalogue = {"The metadata says {found}": "Metadata menyebut {found}", "2025": "(translated)"}
        stored = checks.CheckResult("data_year", False, checks.N_("The metadata says {found}", found="2025"),
                                    [checks.N_("The metadata says {found}", found="<i>2025</i>")]).as_dict()
        [shown] = checks.localise([stored], lambda s: catalogue.get(s, s))
        assert shown["message"] == "Metadata menyebut 2025"
        assert shown["details"] == ["Metadata menyebut <i>2025</i>"]
        assert (shown["message_id"], shown["params"], shown["key"], shown["passed"]) == (
            "The metadata says {found}", {"found": "2025"}, "data_year", False)

    def test_a_translation_with_other_placeholders_falls_back_to_english(self):
        stored = checks.N_("The data is for {year}", year=2026).as_dict()
        [shown] = checks.localise([{"key": "data_year", "passed": True, **stored}],
                                  lambda s: "Data untuk tahun {tahun}")
        assert shown["message"] == "The data is for 2026"

    def test_older_results_keep_their_text(self):
        old = [{"key": "structure", "passed": True, "message": "Struktur tabel baik", "details": ["a", None]},
               {"key": "previous_year", "passed": None, "message": "Tidak ada baris", "message_id": ""}]
        shown = checks.localise(old, lambda s: "translated")
        assert [r["message"] for r in shown] == ["Struktur tabel baik", "Tidak ada baris"]
        assert shown[0]["details"] == ["a", ""] and shown[1]["details"] == []
        assert checks.localise(None) == []

    def test_every_message_is_extracted_for_translation(self, tmp_path):
        """`N_` is one of babel's default keywords, so scripts/i18n.sh (and tests/test_i18n.py)
        extract the checks' msgids although nothing translates them when they are made."""
        source = pathlib.Path(checks.__file__)
        marked = {
            node.args[0].value for node in ast.walk(ast.parse(source.read_text()))
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "N_"
            and node.args and isinstance(node.args[0], ast.Constant)
        }
        assert "{table}: {title} (row {row}, column {column}): {error}" in marked and len(marked) > 15
        script = (ROOT / "scripts" / "i18n.sh").read_text()
        keywords = [k for pair in re.findall(r"-k (\S+)", script) for k in ("-k", pair)]
        pot = tmp_path / "checks.pot"
        subprocess.run([str(pathlib.Path(sys.executable).parent / "pybabel"), "-q", "extract", *keywords,
                        "-o", str(pot), str(source)], check=True, capture_output=True)
        with pot.open("rb") as f:
            extracted = {m.id for m in pofile.read_po(f) if m.id}
        assert marked - extracted == set()


class TestReadCsvRows:
    """One reader for the checks and the Daftar Data import."""

    def test_utf8_with_bom_and_commas(self):
        content = "\ufeffopd,judul_data\nDinas Kesehatan,\"Jumlah Puskesmas, per Kecamatan\"\n".encode()
        assert tabular.read_csv_rows(content) == [
            ["opd", "judul_data"], ["Dinas Kesehatan", "Jumlah Puskesmas, per Kecamatan"]]

    def test_cp1252_with_semicolons(self):
        content = "kecamatan;keterangan\nBalikpapan Kota;curah hujan 5–10 mm ±\n".encode("cp1252")
        assert tabular.read_csv_rows(content) == [
            ["kecamatan", "keterangan"], ["Balikpapan Kota", "curah hujan 5–10 mm ±"]]

    def test_tabs(self):
        assert tabular.read_csv_rows(b"a\tb\n1\t2\n") == [["a", "b"], ["1", "2"]]

    def test_one_column_falls_back_to_excel_commas(self):
        assert tabular.read_csv_rows(b"tahun\n2026\n") == [["tahun"], ["2026"]]
        assert tabular.read_csv_rows(b"") == []

    def test_bytes_that_are_not_text(self):
        with pytest.raises(tabular.NotText, match="not UTF-8 or cp1252 text"):
            tabular.read_csv_rows(b"\x81\x8d\x8f\x90\x9d")
        with pytest.raises(ValueError):  # the checks report any ValueError as "not a readable table"
            tabular.read_csv_rows(b"\x81")

    @pytest.mark.parametrize(("name", "header", "rows"), [
        ("surabaya_mei-jumlah-kunjungan-puskesmas-lama-baru-2023.csv",
         ["Periode", "Wilayah", "Kecamatan", "Nama Puskesmas", "Baru", "Lama", "Total Kunjungan"], 63),
        ("jabar_disnakertrans-od_19868_daftar_upah_minimum_kabupatenkota_di_drh_prov_jabar_data.csv",
         ["id", "kode_provinsi", "nama_provinsi", "kode_kabupaten_kota", "nama_kabupaten_kota",
          "besaran_upah_minimum", "satuan", "tahun"], 189),
    ])
    def test_real_files(self, name, header, rows):
        matrix = tabular.read_csv_rows((DATA / name).read_bytes())
        assert matrix[0] == header
        assert len(matrix) - 1 == rows and all(len(r) == len(header) for r in matrix)

    def test_real_file_with_bom_and_a_multi_row_header(self):
        matrix = tabular.read_csv_rows((DATA / "balikpapan_Banjir_balikpapan.csv").read_bytes())
        assert matrix[0][0].startswith("Jumlah Kecamatan yang Mengalami Bencana Alam")
        assert matrix[4][:2] == ["Balikpapan Selatan ", "1"]

    def test_both_readers_use_it(self):
        content = (DATA / "surabaya_juni-jumlah-kunjungan-puskesmas-lama-baru-2023.csv").read_bytes()
        assert checks._read_matrix(content, "csv") == tabular.read_csv_rows(content)
        with pytest.raises(tk.ValidationError) as err:
            daftar_data.read_table(b"\x81\x8d", "csv")
        assert err.value.error_dict == {"upload": [tk._("Not a readable CSV file (save it as UTF-8 CSV)")]}

    def test_unparsable_text_is_a_csv_error(self):
        with pytest.raises(csv.Error):
            tabular.read_csv_rows(b'a,b\n"' + b"x" * (csv.field_size_limit() + 1) + b'",3\n')


# ---------------------------------------------------------------- files read as streams

REAL = ROOT.parent / "shared" / "data" / "real"  # the project's real tables (their README tells where from)
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason="shared/data/real is not next to this checkout")
JUNI = "surabaya_juni-jumlah-kunjungan-puskesmas-lama-baru-2023.csv"
MEI = "surabaya_mei-jumlah-kunjungan-puskesmas-lama-baru-2023.csv"
UMK = "jabar_disnakertrans-od_19868_daftar_upah_minimum_kabupatenkota_di_drh_prov_jabar_data.csv"


def write_rows(path: pathlib.Path, count: int, row) -> pathlib.Path:
    """A CSV of kelurahan figures with ``count`` rows made by ``row(i)``, written as it goes."""
    with path.open("w") as f:
        f.write("kode_wilayah,nama,jumlah,tahun\n")
        for i in range(count):
            f.write(row(i) + "\n")
    return path


def read(path, name=None, fmt=None) -> checks.Table:
    """A file read as the checks read an uploaded resource (named ``name``, by default its file name)."""
    path = pathlib.Path(path)
    return checks.read_file(str(path), checks.Table("r", name or path.name, [], [], file_name=path.name,
                                                    format=fmt or path.suffix[1:]))


class TestStreamedReading:
    @pytest.mark.parametrize("path", [*sorted(DATA.glob("*.csv")), *sorted(REAL.glob("*.csv"))], ids=lambda p: p.name)
    def test_the_stream_reads_as_the_shared_reader(self, path):
        streamed = list(checks._Source(str(path), "csv"))
        assert streamed == tabular.read_csv_rows(path.read_bytes())

    def test_cp1252_semicolons_and_a_bom(self, tmp_path):
        for name, content in (("cp1252.csv", "kecamatan;keterangan\nBalikpapan Kota;5–10 mm ±\n".encode("cp1252")),
                              ("bom.csv", "\ufeffkode_wilayah,jumlah\n64.71.01,5\n".encode())):
            (tmp_path / name).write_bytes(content)
            assert list(checks._Source(str(tmp_path / name), "csv")) == tabular.read_csv_rows(content)
        table = read(tmp_path / "bom.csv")
        assert table.header == ["kode_wilayah", "jumlah"] and list(table.rows) == [["64.71.01", "5"]]

    def test_a_million_rows_are_counted_not_held(self, tmp_path):
        """A 30 MB CSV of 1,000,000 rows: its preview is its header, 10 rows and its row count."""
        path = write_rows(tmp_path / "besar.csv", 1_000_000,
                          lambda i: f"64.71.0{i % 6 + 1}.10{i % 12:02d},K{i},{i % 99991},2026")
        assert 25_000_000 < path.stat().st_size < checks.MAX_BYTES
        table = read(path)
        assert table.error is None and table.row_count == 1_000_000
        assert not isinstance(table.rows, list)  # read again from the file by each check
        shown = checks.preview(table)
        assert shown["header"] == ["kode_wilayah", "nama", "jumlah", "tahun"]
        assert len(shown["rows"]) == 10 and shown["rows"][0] == ["64.71.01.1000", "K0", "0", "2026"]
        assert shown["row_count"] == 1_000_000
        assert sum(1 for _ in table.rows) == 1_000_000

    def test_reading_memory_does_not_grow_with_the_rows(self, tmp_path):
        import tracemalloc

        path = write_rows(tmp_path / "sedang.csv", 100_000, lambda i: f"64.71.01.1001,Kelurahan {i},{i},2026")
        tracemalloc.start()
        try:
            table = read(path)
            checks.preview(table)
            checks.check_data_year([table], 2026)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert table.row_count == 100_000
        assert peak < 3_000_000  # holding the rows would take some 30 MB

    def test_the_preview_is_capped(self, tmp_path):
        header = ",".join(f"kolom_{n}" for n in range(40))
        row = ",".join(["x" * 500] + [str(n) for n in range(39)])
        (tmp_path / "lebar.csv").write_text(header + "\n" + "\n".join([row] * 25) + "\n")
        shown = checks.preview(read(tmp_path / "lebar.csv"))
        assert (len(shown["header"]), shown["column_count"], len(shown["rows"]), shown["row_count"]) == (30, 40, 10, 25)
        assert len(shown["rows"][0]) == 30 and len(shown["rows"][0][0]) == checks.PREVIEW_CELL_CHARS
        assert shown["rows"][0][0].endswith("…")

    def test_unreadable_and_empty_files_are_findings(self, tmp_path):
        (tmp_path / "biner.csv").write_bytes(b"\x81\x8d\x8f\x90\x9d")
        (tmp_path / "kosong.csv").write_bytes(b"")
        broken = read(tmp_path / "biner.csv")
        assert broken.error.message_id == "Not a readable table: {error}"
        assert checks.preview(broken)["error"]["params"] == {"error": "not UTF-8 or cp1252 text"}
        assert read(tmp_path / "kosong.csv").error.message_id == "The file is empty"

    def test_an_xlsx_workbook_and_its_sheet(self, tmp_path):
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "Juni 2023"
        for row in tabular.read_csv_rows((DATA / JUNI).read_bytes()):
            sheet.append([int(c) if c.isdigit() else c for c in row])
        book.save(tmp_path / "kunjungan.xlsx")
        table = read(tmp_path / "kunjungan.xlsx")
        assert (table.sheet, table.row_count, table.format) == ("Juni 2023", 63, "xlsx")
        assert table.header[:4] == ["periode", "wilayah", "kecamatan", "nama_puskesmas"]
        assert checks.preview(table)["rows"][0][0] == "Juni"
        result = checks.check_data_year([table], 2027)
        assert result.passed is False
        assert [d.as_dict()["message"] for d in result.details] == [
            "kunjungan.xlsx: the sheet name Juni 2023 has 2023"]
        assert checks.check_data_year([table], 2023).passed is True


# ---------------------------------------------------------------- the data year, from the data only

class TestDataYear:
    @staticmethod
    def _check(table, year):
        result = checks.check_data_year([table], year)
        return result.passed, result.message.message_id, [d.as_dict()["message"] for d in result.details]

    def test_a_june_2023_file_without_a_year_column(self):
        """Surabaya's June 2023 visits: "Periode" holds the month; the year is only in the file name."""
        passed, message, details = self._check(read(DATA / JUNI), 2027)
        assert (passed, message) == (False, "The data does not seem to be for {year}")
        assert details == [f"{JUNI}: the resource name has 2023"]
        assert self._check(read(DATA / JUNI), 2023)[0] is True

    def test_a_file_that_names_no_year_cannot_pass(self):
        passed, message, details = self._check(read(DATA / JUNI, name="kunjungan puskesmas"), 2027)
        # The file name still says 2023; the resource's own name says nothing.
        assert (passed, details) == (False, [f"kunjungan puskesmas: the file name {JUNI} has 2023"])
        table = read(DATA / JUNI, name="kunjungan puskesmas")
        table.file_name = "kunjungan.csv"
        assert self._check(table, 2027) == (None, "The data year cannot be determined from the data", [])

    def test_a_year_column_with_every_year(self):
        assert self._check(read(DATA / UMK), 2023) == (
            True, "The data is for {year}", [f"{UMK}: the tahun column has 2017, 2018, 2019, 2020, 2021, 2022, 2023"])
        passed, _, details = self._check(read(DATA / UMK), 2026)
        assert passed is False and details == [f"{UMK}: the tahun column has 2017, 2018, 2019, 2020, 2021, 2022, 2023"]

    def test_the_year_column_outweighs_the_file_name(self):
        """An OPD reusing last year's file name: the data says 2017, so it is 2017."""
        if not REAL.is_dir():
            pytest.skip("shared/data/real is not next to this checkout")
        jakarta = REAL / "jakarta_data-kematian-penduduk-berdasarkan-jenis-kelamin-per-kecamatan-tahun-2017.csv"
        table = read(jakarta, name="kematian-2026.csv")
        assert self._check(table, 2017)[0] is True
        passed, _, details = self._check(table, 2026)
        assert passed is False and details == ["kematian-2026.csv: the tahun column has 2017"]

    def test_a_year_in_the_header(self, tmp_path):
        # The BPS table's title row is its first line: "..., 2019-2021".
        banjir = read(DATA / "balikpapan_Banjir_balikpapan.csv", name="banjir")
        assert self._check(banjir, 2021)[0] is True
        passed, _, [detail] = self._check(banjir, 2026)
        assert passed is False and detail.startswith("banjir: the header has 2019, 2021 (Jumlah Kecamatan")
        (tmp_path / "data.csv").write_text("kecamatan,Jumlah 2025,Jumlah 2024\nBalikpapan Kota,5,4\n")
        assert self._check(read(tmp_path / "data.csv"), 2025) == (
            True, "The data is for {year}", ["data.csv: the header has 2024, 2025 (Jumlah 2025; Jumlah 2024)"])

    @needs_real
    def test_a_year_only_in_the_file_name(self):
        name = ("bandung_jumlah-penduduk-luas-wilayah-dan-kepadatan-penduduk-per-kecamatan-di-kota-bandung-"
                "tahun-2014.csv")
        table = read(REAL / name, name="Kepadatan penduduk per kecamatan")
        assert self._check(table, 2014) == (
            True, "The data is for {year}", [f"Kepadatan penduduk per kecamatan: the file name {name} has 2014"])
        assert self._check(table, 2015)[0] is False

    def test_several_tables(self, tmp_path):
        (tmp_path / "a.csv").write_text("kecamatan,jumlah,tahun\nBalikpapan Kota,5,2026\n")
        (tmp_path / "b.csv").write_text("kecamatan,jumlah,tahun\nBalikpapan Kota,5,2025\n")
        (tmp_path / "c.csv").write_text("kecamatan,jumlah\nBalikpapan Kota,5\n")
        a, b, c = (read(tmp_path / n) for n in ("a.csv", "b.csv", "c.csv"))
        assert checks.check_data_year([a, c], 2026).passed is True
        result = checks.check_data_year([a, b], 2026)
        assert result.passed is False
        assert [d.as_dict()["message"] for d in result.details] == [
            "b.csv: the tahun column has 2025", "a.csv: the tahun column has 2026"]


# ---------------------------------------------------------------- this period beside the previous one

class TestComparison:
    @pytest.mark.parametrize(("text", "value"), [
        ("2376558.39", 2376558.39), ("3204551.0", 3204551.0), ("1.234.567", 1234567.0), ("12,5", 12.5),
        ("1.234,5", 1234.5), ("1,234,567.5", 1234567.5), ("-7", -7.0), ("Mei", None), ("64.71.01", None),
        ("", None),
    ])
    def test_figures_as_indonesian_tables_write_them(self, text, value):
        assert checks.number(text) == value

    def test_matched_by_region_code_one_year_of_a_file_of_every_year(self):
        """The Jawa Barat minimum wages 2017–2023 in one file: 2023 beside 2022, by kode_kabupaten_kota."""
        umk = read(DATA / UMK)
        comparison = checks.compare_periods([umk], [umk], 2023, 10, {"id": "x"})
        assert (comparison.key_columns, comparison.key_kind) == (["kode_kabupaten_kota"], "region")
        assert comparison.columns == ["besaran_upah_minimum"]
        assert (comparison.matched, comparison.values_compared) == (27, 27)
        # Worked out from the file apart: only 3272 rose more than 10% (+12.9%).
        assert comparison.flagged_count == 1
        [flagged] = [r for r in comparison.rows if r["flagged"]]
        assert flagged["key"] == ["3272"] and flagged["values"][0]["change_percent"] == 12.91
        result = checks.check_plausibility(comparison)
        assert result.passed is False and result.as_dict()["params"] == {"n": 1, "total": 27, "threshold": 10}
        assert checks.check_plausibility(checks.compare_periods([umk], [umk], 2023, 50)).passed is True

    def test_matched_by_label_without_codes(self):
        """Surabaya: no region code; each puskesmas is named once."""
        comparison = checks.compare_periods([read(DATA / JUNI)], [read(DATA / MEI)], 2023, 50)
        assert (comparison.key_columns, comparison.key_kind) == (["nama_puskesmas"], "label")
        assert comparison.columns == ["baru", "lama", "total_kunjungan"]
        assert (comparison.matched, comparison.values_compared, comparison.flagged_count) == (63, 189, 0)
        assert checks.check_plausibility(comparison).passed is True
        assert checks.check_copied_from_previous_year([read(DATA / JUNI)], [read(DATA / MEI)]).passed is False

    @needs_real
    def test_a_change_from_zero_is_flagged(self):
        """Jawa Barat's poor: 0.0 stands in for a kabupaten that did not exist yet (Bandung Barat, 2007)."""
        miskin = read(REAL / "jabar_jumlah_penduduk_miskin_berdasarkan_kabupatenkota_data.csv")
        comparison = checks.compare_periods([miskin], [miskin], 2007, 50)
        assert comparison.flagged_count == 1
        [detail] = [m.as_dict()["message"] for m in checks.check_plausibility(comparison).details]
        assert detail == "3217 · KABUPATEN BANDUNG BARAT, jumlah_penduduk_miskin: 0.0 → 261.7 (from zero)"
        [row] = [r for r in comparison.rows if r["flagged"]]
        assert row["values"][0]["change_percent"] is None

    @needs_real
    def test_a_key_that_repeats_takes_the_column_that_tells_the_rows_apart(self):
        """Bandung's stunting risk: one row per kecamatan and category."""
        stunting = read(REAL / "bandung_resiko_stunting.csv")
        comparison = checks.compare_periods([stunting], [stunting], 2023, 50)
        assert comparison.key_columns == ["bps_nama_kecamatan", "kategori"]
        assert comparison.columns == ["jumlah"]  # codes are not figures
        assert (comparison.matched, comparison.only_now, comparison.only_before) == (60, 0, 0)

    def test_the_stored_rows_are_capped_flagged_first(self, tmp_path):
        def table(name, values):
            (tmp_path / name).write_text("kelurahan,jumlah\n" + "".join(f"K{i},{v}\n" for i, v in enumerate(values)))
            return read(tmp_path / name)

        before = table("a.csv", [100] * 300)
        now = table("b.csv", [100] * 250 + [1000] * 50)
        comparison = checks.compare_periods([now], [before], 2026, 50)
        assert (comparison.matched, comparison.flagged_count) == (300, 50)
        stored = comparison.as_dict()
        assert len(stored["rows"]) == checks.COMPARISON_ROWS and stored["flagged"] == 50
        assert sum(r["flagged"] for r in stored["rows"]) == 50
        assert [r["label"] for r in stored["rows"]][:2] == ["K0", "K1"]  # in the table's order
        assert len(checks.check_plausibility(comparison).details) == checks.MAX_DETAILS

    def test_nothing_to_compare(self, tmp_path):
        assert checks.check_plausibility(None).passed is None
        (tmp_path / "a.csv").write_text("kecamatan,jumlah\nBalikpapan Kota,5\n")
        (tmp_path / "b.csv").write_text("kelurahan,luas\nMargasari,5\n")
        comparison = checks.compare_periods([read(tmp_path / "a.csv")], [read(tmp_path / "b.csv")], 2026, 50)
        assert comparison.matched == 0 and comparison.as_dict()["rows"] == []
        result = checks.check_plausibility(comparison)
        assert (result.passed, result.message.message_id) == (
            None, "No rows or figures match the previous period's to compare")
