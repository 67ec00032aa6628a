"""The automatic checks' messages: kept untranslated, translated when read."""
from __future__ import annotations

import ast
import pathlib
import re
import subprocess
import sys

from babel.messages import pofile

from ckanext.sopsektoral import checks
from ckanext.sopsektoral.checks.messages import N_, CheckResult, localise
from ckanext.sopsektoral.tests.helpers import ROOT


class TestMessages:
    def test_a_result_is_stored_with_its_msgid_parameters_and_english_text(self):
        result = CheckResult("data_year", False, N_("The data does not seem to be for {year}", year=2026),
                             [N_("The metadata says {found}", found="2025"), "umk.csv: plain text"])
        assert result.as_dict() == {
            "key": "data_year", "passed": False,
            "message_id": "The data does not seem to be for {year}", "params": {"year": 2026},
            "message": "The data does not seem to be for 2026",
            "details": [{"message_id": "The metadata says {found}", "params": {"found": "2025"},
                         "message": "The metadata says 2025"}, "umk.csv: plain text"],
        }

    def test_a_plain_text_result_is_stored_as_before(self):
        # e.g. the "automatic checks failed" result of checks/run.py
        assert CheckResult("checks", None, "Pemeriksaan otomatis gagal: x").as_dict() == {
            "key": "checks", "passed": None, "message": "Pemeriksaan otomatis gagal: x", "details": []}

    def test_localise_translates_the_msgid_never_the_parameters(self):
        catalogue = {"The metadata says {found}": "Metadata menyebut {found}", "2025": "(translated)"}
        stored = CheckResult("data_year", False, N_("The metadata says {found}", found="2025"),
                             [N_("The metadata says {found}", found="<i>2025</i>")]).as_dict()
        [shown] = localise([stored], lambda s: catalogue.get(s, s))
        assert shown["message"] == "Metadata menyebut 2025"
        assert shown["details"] == ["Metadata menyebut <i>2025</i>"]
        assert (shown["message_id"], shown["params"], shown["key"], shown["passed"]) == (
            "The metadata says {found}", {"found": "2025"}, "data_year", False)

    def test_a_translation_with_other_placeholders_falls_back_to_english(self):
        stored = N_("The data is for {year}", year=2026).as_dict()
        [shown] = localise([{"key": "data_year", "passed": True, **stored}],
                           lambda s: "Data untuk tahun {tahun}")
        assert shown["message"] == "The data is for 2026"

    def test_older_results_keep_their_text(self):
        old = [{"key": "structure", "passed": True, "message": "Struktur tabel baik", "details": ["a", None]},
               {"key": "previous_year", "passed": None, "message": "Tidak ada baris", "message_id": ""}]
        shown = localise(old, lambda s: "translated")
        assert [r["message"] for r in shown] == ["Struktur tabel baik", "Tidak ada baris"]
        assert shown[0]["details"] == ["a", ""] and shown[1]["details"] == []
        assert localise(None) == []

    def test_every_message_is_extracted_for_translation(self, tmp_path):
        """`N_` is one of babel's default keywords, so scripts/i18n.sh (and tests/test_i18n.py)
        extract the checks' msgids although nothing translates them when they are made."""
        sources = sorted(pathlib.Path(checks.__file__).parent.glob("*.py"))
        marked = {
            node.args[0].value for source in sources for node in ast.walk(ast.parse(source.read_text()))
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "N_"
            and node.args and isinstance(node.args[0], ast.Constant)
        }
        assert "{table}: row {row} has no cell for column {column}" in marked and len(marked) > 15
        script = (ROOT / "scripts" / "i18n.sh").read_text()
        keywords = [k for pair in re.findall(r"-k (\S+)", script) for k in ("-k", pair)]
        pot = tmp_path / "checks.pot"
        subprocess.run([str(pathlib.Path(sys.executable).parent / "pybabel"), "-q", "extract", *keywords,
                        "-o", str(pot), *map(str, sources)], check=True, capture_output=True)
        with pot.open("rb") as f:
            extracted = {m.id for m in pofile.read_po(f) if m.id}
        assert marked - extracted == set()
