"""What the workbench shows of a table without downloading it."""
from __future__ import annotations

from ckanext.sopsektoral.checks.preview import PREVIEW_CELL_CHARS, preview
from ckanext.sopsektoral.tests.helpers import read


class TestPreview:
    def test_the_preview_is_capped(self, tmp_path):
        header = ",".join(f"kolom_{n}" for n in range(40))
        row = ",".join(["x" * 500] + [str(n) for n in range(39)])
        (tmp_path / "lebar.csv").write_text(header + "\n" + "\n".join([row] * 25) + "\n")
        shown = preview(read(tmp_path / "lebar.csv"))
        assert (len(shown["header"]), shown["column_count"], len(shown["rows"]), shown["row_count"]) == (
            30, 40, 10, 25)
        assert len(shown["rows"][0]) == 30 and len(shown["rows"][0][0]) == PREVIEW_CELL_CHARS
        assert shown["rows"][0][0].endswith("…")
