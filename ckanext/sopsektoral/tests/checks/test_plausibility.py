"""This period beside the previous one: the plausibility check."""
from __future__ import annotations

import pytest

from ckanext.sopsektoral.checks.messages import MAX_DETAILS
from ckanext.sopsektoral.checks.plausibility import (
    COMPARISON_ROWS,
    check_plausibility,
    compare_periods,
    number,
)
from ckanext.sopsektoral.checks.previous_year import check_copied_from_previous_year
from ckanext.sopsektoral.tests.helpers import DATA, JUNI, MEI, REAL, UMK, needs_real, read


class TestComparison:
    @pytest.mark.parametrize(("text", "value"), [
        ("2376558.39", 2376558.39), ("3204551.0", 3204551.0), ("1.234.567", 1234567.0), ("12,5", 12.5),
        ("1.234,5", 1234.5), ("1,234,567.5", 1234567.5), ("-7", -7.0), ("Mei", None), ("64.71.01", None),
        ("", None),
    ])
    def test_figures_as_indonesian_tables_write_them(self, text, value):
        assert number(text) == value

    def test_matched_by_region_code_one_year_of_a_file_of_every_year(self):
        """The Jawa Barat minimum wages 2017–2023 in one file: 2023 beside 2022, by kode_kabupaten_kota."""
        umk = read(DATA / UMK)
        comparison = compare_periods([umk], [umk], 2023, 10, {"id": "x"})
        assert (comparison.key_columns, comparison.key_kind) == (["kode_kabupaten_kota"], "region")
        assert comparison.columns == ["besaran_upah_minimum"]
        assert (comparison.matched, comparison.values_compared) == (27, 27)
        # Worked out from the file apart: only 3272 rose more than 10% (+12.9%).
        assert comparison.flagged_count == 1
        [flagged] = [r for r in comparison.rows if r["flagged"]]
        assert flagged["key"] == ["3272"] and flagged["values"][0]["change_percent"] == 12.91
        result = check_plausibility(comparison)
        assert result.passed is False and result.as_dict()["params"] == {"n": 1, "total": 27, "threshold": 10}
        assert check_plausibility(compare_periods([umk], [umk], 2023, 50)).passed is True

    def test_matched_by_label_without_codes(self):
        """Surabaya: no region code; each puskesmas is named once."""
        comparison = compare_periods([read(DATA / JUNI)], [read(DATA / MEI)], 2023, 50)
        assert (comparison.key_columns, comparison.key_kind) == (["nama_puskesmas"], "label")
        assert comparison.columns == ["baru", "lama", "total_kunjungan"]
        assert (comparison.matched, comparison.values_compared, comparison.flagged_count) == (63, 189, 0)
        assert check_plausibility(comparison).passed is True
        assert check_copied_from_previous_year([read(DATA / JUNI)], [read(DATA / MEI)]).passed is False

    @needs_real
    def test_a_change_from_zero_is_flagged(self):
        """Jawa Barat's poor: 0.0 stands in for a kabupaten that did not exist yet (Bandung Barat, 2007)."""
        miskin = read(REAL / "jabar_jumlah_penduduk_miskin_berdasarkan_kabupatenkota_data.csv")
        comparison = compare_periods([miskin], [miskin], 2007, 50)
        assert comparison.flagged_count == 1
        [detail] = [m.as_dict()["message"] for m in check_plausibility(comparison).details]
        assert detail == "3217 · KABUPATEN BANDUNG BARAT, jumlah_penduduk_miskin: 0.0 → 261.7 (from zero)"
        [row] = [r for r in comparison.rows if r["flagged"]]
        assert row["values"][0]["change_percent"] is None

    @needs_real
    def test_a_key_that_repeats_takes_the_column_that_tells_the_rows_apart(self):
        """Bandung's stunting risk: one row per kecamatan and category."""
        stunting = read(REAL / "bandung_resiko_stunting.csv")
        comparison = compare_periods([stunting], [stunting], 2023, 50)
        assert comparison.key_columns == ["bps_nama_kecamatan", "kategori"]
        assert comparison.columns == ["jumlah"]  # codes are not figures
        assert (comparison.matched, comparison.only_now, comparison.only_before) == (60, 0, 0)

    def test_the_stored_rows_are_capped_flagged_first(self, tmp_path):
        def table(name, values):
            rows = "".join(f"K{i},{v}\n" for i, v in enumerate(values))
            (tmp_path / name).write_text("kelurahan,jumlah\n" + rows)
            return read(tmp_path / name)

        before = table("a.csv", [100] * 300)
        now = table("b.csv", [100] * 250 + [1000] * 50)
        comparison = compare_periods([now], [before], 2026, 50)
        assert (comparison.matched, comparison.flagged_count) == (300, 50)
        stored = comparison.as_dict()
        assert len(stored["rows"]) == COMPARISON_ROWS and stored["flagged"] == 50
        assert sum(r["flagged"] for r in stored["rows"]) == 50
        assert [r["label"] for r in stored["rows"]][:2] == ["K0", "K1"]  # in the table's order
        assert len(check_plausibility(comparison).details) == MAX_DETAILS

    def test_nothing_to_compare(self, tmp_path):
        assert check_plausibility(None).passed is None
        (tmp_path / "a.csv").write_text("kecamatan,jumlah\nBalikpapan Kota,5\n")
        (tmp_path / "b.csv").write_text("kelurahan,luas\nMargasari,5\n")
        comparison = compare_periods([read(tmp_path / "a.csv")], [read(tmp_path / "b.csv")], 2026, 50)
        assert comparison.matched == 0 and comparison.as_dict()["rows"] == []
        result = check_plausibility(comparison)
        assert (result.passed, result.message.message_id) == (
            None, "No rows or figures match the previous period's to compare")
