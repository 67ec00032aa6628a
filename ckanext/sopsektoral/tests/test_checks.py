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
