"""`ckan sopsektoral sop validate FILE` and `ckan sopsektoral sop` (through CKAN's CLI)."""
from __future__ import annotations

import pathlib

import pytest
import yaml

from ckanext.sopsektoral import sop
from ckanext.sopsektoral.cli import sopsektoral
from ckanext.sopsektoral.tests.helpers import SECOND_SOP

pytestmark = pytest.mark.usefixtures("with_plugins")


@pytest.mark.parametrize("path", [sop.default_file(), str(SECOND_SOP)])
def test_validate_prints_the_tables_of_a_valid_file(cli, path):
    result = cli.invoke(sopsektoral, ["sop", "validate", path])
    assert result.exit_code == 0, result.output
    found = sop.load(path)
    assert "## Steps" in result.output and "## Transitions" in result.output
    assert all(f"`{step.key}`" in result.output for step in found.steps)


def test_validate_names_every_problem_of_a_broken_file(cli, tmp_path):
    document = yaml.safe_load(pathlib.Path(sop.default_file()).read_text(encoding="utf-8"))
    document["letter"]["approvals"][1]["state"] = document["letter"]["approvals"][0]["state"]  # a cycle
    document["verification"].pop("executor")
    document["collection"]["time"] = "-1 week"
    document["rights"]["publish"] = ["bupati"]
    broken = tmp_path / "sop.yaml"
    broken.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    result = cli.invoke(sopsektoral, ["sop", "validate", str(broken)])
    assert result.exit_code == 1
    for expected in ("letter.approvals[1].state", "(a cycle)", "verification.executor: missing",
                     "collection.time: '-1 week': a standard time must be more than zero",
                     "rights.publish: unknown position 'bupati'", "4 problem(s)"):
        assert expected in result.output, result.output


def test_sop_shows_the_file_the_portal_runs(cli, sop_file):
    result = cli.invoke(sopsektoral, ["sop"])
    assert result.exit_code == 0, result.output
    assert f"SOP file: {sop_file.path}" in result.output
    assert sop_file.number in result.output
