"""The CSV reader the automatic checks share with the Daftar Data import."""
from __future__ import annotations

import csv

import pytest

import ckan.plugins.toolkit as tk

from ckanext.sopsektoral import daftar_data, tabular
from ckanext.sopsektoral.checks import tables
from ckanext.sopsektoral.tests.helpers import DATA


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
        assert tables._read_matrix(content, "csv") == tabular.read_csv_rows(content)
        with pytest.raises(tk.ValidationError) as err:
            daftar_data.read_table(b"\x81\x8d", "csv")
        assert err.value.error_dict == {"upload": [tk._("Not a readable CSV file (save it as UTF-8 CSV)")]}

    def test_unparsable_text_is_a_csv_error(self):
        # The limit is the csv module's default here: frictionless, once a check has imported
        # its CSV parser, raises it to 2 GB, and a field one byte over that is 20 GB of decoding.
        limit = csv.field_size_limit(131_072)
        try:
            with pytest.raises(csv.Error):
                tabular.read_csv_rows(b'a,b\n"' + b"x" * 131_073 + b'",3\n')
        finally:
            csv.field_size_limit(limit)
