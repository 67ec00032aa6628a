"""The data year, from the data only."""
from __future__ import annotations

import pytest

from ckanext.sopsektoral.checks.data_year import check_data_year
from ckanext.sopsektoral.tests.helpers import DATA, JUNI, REAL, UMK, needs_real, read

EVERY_YEAR = "2017, 2018, 2019, 2020, 2021, 2022, 2023"  # the years of the UMK file


class TestDataYear:
    @staticmethod
    def _check(table, year):
        result = check_data_year([table], year)
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
            True, "The data is for {year}", [f"{UMK}: the tahun column has {EVERY_YEAR}"])
        passed, _, details = self._check(read(DATA / UMK), 2026)
        assert passed is False and details == [f"{UMK}: the tahun column has {EVERY_YEAR}"]

    def test_the_year_column_outweighs_the_file_name(self):
        """An OPD reusing last year's file name: the data says 2017, so it is 2017."""
        if not REAL.is_dir():
            pytest.skip("shared/data/real is not next to this checkout")
        jakarta = REAL / ("jakarta_data-kematian-penduduk-berdasarkan-jenis-kelamin-per-kecamatan-"
                          "tahun-2017.csv")
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
            True, "The data is for {year}",
            ["data.csv: the header has 2024, 2025 (Jumlah 2025; Jumlah 2024)"])

    @needs_real
    def test_a_year_only_in_the_file_name(self):
        name = ("bandung_jumlah-penduduk-luas-wilayah-dan-kepadatan-penduduk-per-kecamatan-di-kota-bandung-"
                "tahun-2014.csv")
        table = read(REAL / name, name="Kepadatan penduduk per kecamatan")
        assert self._check(table, 2014) == (
            True, "The data is for {year}",
            [f"Kepadatan penduduk per kecamatan: the file name {name} has 2014"])
        assert self._check(table, 2015)[0] is False

    def test_several_tables(self, tmp_path):
        (tmp_path / "a.csv").write_text("kecamatan,jumlah,tahun\nBalikpapan Kota,5,2026\n")
        (tmp_path / "b.csv").write_text("kecamatan,jumlah,tahun\nBalikpapan Kota,5,2025\n")
        (tmp_path / "c.csv").write_text("kecamatan,jumlah\nBalikpapan Kota,5\n")
        a, b, c = (read(tmp_path / n) for n in ("a.csv", "b.csv", "c.csv"))
        assert check_data_year([a, c], 2026).passed is True
        result = check_data_year([a, b], 2026)
        assert result.passed is False
        assert [d.as_dict()["message"] for d in result.details] == [
            "b.csv: the tahun column has 2025", "a.csv: the tahun column has 2026"]
