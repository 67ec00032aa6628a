"""Uploaded files read as tables, streamed: never held whole."""
from __future__ import annotations

import tracemalloc

import openpyxl
import pytest

from ckanext.sopsektoral import tabular
from ckanext.sopsektoral.checks import tables
from ckanext.sopsektoral.checks.data_year import check_data_year
from ckanext.sopsektoral.checks.preview import preview
from ckanext.sopsektoral.tests.helpers import DATA, JUNI, REAL, read, write_rows


class TestStreamedReading:
    @pytest.mark.parametrize("path", [*sorted(DATA.glob("*.csv")), *sorted(REAL.glob("*.csv"))],
                             ids=lambda p: p.name)
    def test_the_stream_reads_as_the_shared_reader(self, path):
        streamed = list(tables._Source(str(path), "csv"))
        assert streamed == tabular.read_csv_rows(path.read_bytes())

    def test_cp1252_semicolons_and_a_bom(self, tmp_path):
        cp1252 = "kecamatan;keterangan\nBalikpapan Kota;5–10 mm ±\n".encode("cp1252")
        for name, content in (("cp1252.csv", cp1252),
                              ("bom.csv", "\ufeffkode_wilayah,jumlah\n64.71.01,5\n".encode())):
            (tmp_path / name).write_bytes(content)
            assert list(tables._Source(str(tmp_path / name), "csv")) == tabular.read_csv_rows(content)
        table = read(tmp_path / "bom.csv")
        assert table.header == ["kode_wilayah", "jumlah"] and list(table.rows) == [["64.71.01", "5"]]

    def test_a_million_rows_are_counted_not_held(self, tmp_path):
        """A 30 MB CSV of 1,000,000 rows: its preview is its header, 10 rows and its row count."""
        path = write_rows(tmp_path / "besar.csv", 1_000_000,
                          lambda i: f"64.71.0{i % 6 + 1}.10{i % 12:02d},K{i},{i % 99991},2026")
        assert 25_000_000 < path.stat().st_size < tables.MAX_BYTES
        table = read(path)
        assert table.error is None and table.row_count == 1_000_000
        assert not isinstance(table.rows, list)  # read again from the file by each check
        shown = preview(table)
        assert shown["header"] == ["kode_wilayah", "nama", "jumlah", "tahun"]
        assert len(shown["rows"]) == 10 and shown["rows"][0] == ["64.71.01.1000", "K0", "0", "2026"]
        assert shown["row_count"] == 1_000_000
        assert sum(1 for _ in table.rows) == 1_000_000

    def test_reading_memory_does_not_grow_with_the_rows(self, tmp_path):
        path = write_rows(tmp_path / "sedang.csv", 100_000, lambda i: f"64.71.01.1001,Kelurahan {i},{i},2026")
        tracemalloc.start()
        try:
            table = read(path)
            preview(table)
            check_data_year([table], 2026)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert table.row_count == 100_000
        assert peak < 3_000_000  # holding the rows would take some 30 MB

    def test_unreadable_and_empty_files_are_findings(self, tmp_path):
        (tmp_path / "biner.csv").write_bytes(b"\x81\x8d\x8f\x90\x9d")
        (tmp_path / "kosong.csv").write_bytes(b"")
        broken = read(tmp_path / "biner.csv")
        assert broken.error.message_id == "Not a readable table: {error}"
        assert preview(broken)["error"]["params"] == {"error": "not UTF-8 or cp1252 text"}
        assert read(tmp_path / "kosong.csv").error.message_id == "The file is empty"

    def test_an_xlsx_workbook_and_its_sheet(self, tmp_path):
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "Juni 2023"
        for row in tabular.read_csv_rows((DATA / JUNI).read_bytes()):
            sheet.append([int(c) if c.isdigit() else c for c in row])
        book.save(tmp_path / "kunjungan.xlsx")
        table = read(tmp_path / "kunjungan.xlsx")
        assert (table.sheet, table.row_count, table.format) == ("Juni 2023", 63, "xlsx")
        assert table.header[:4] == ["periode", "wilayah", "kecamatan", "nama_puskesmas"]
        assert preview(table)["rows"][0][0] == "Juni"
        result = check_data_year([table], 2027)
        assert result.passed is False
        assert [d.as_dict()["message"] for d in result.details] == [
            "kunjungan.xlsx: the sheet name Juni 2023 has 2023"]
        assert check_data_year([table], 2023).passed is True
