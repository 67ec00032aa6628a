"""Config declarations agree with the SOP table (one default, stated once as data)."""
from __future__ import annotations

import pathlib

import pytest
import yaml

from ckanext.sopsektoral import sop

DECLARATION = pathlib.Path(__file__).parents[1] / "config_declaration.yaml"


def _declared() -> dict[str, object]:
    data = yaml.safe_load(DECLARATION.read_text(encoding="utf-8"))
    return {o["key"]: o.get("default") for g in data["groups"] for o in g["options"]}


@pytest.mark.parametrize("step", [*sop.STEPS, sop.CORRECTION], ids=lambda s: s.key)
def test_step_time_declared_with_the_sop_default(step):
    assert _declared()[f"ckanext.sopsektoral.step.{step.key}.minutes"] == step.minutes


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.ckan_config("ckanext.sopsektoral.step.sign.minutes", 60)
def test_configured_time_changes_the_deadline():
    import datetime as dt

    start = dt.datetime(2026, 1, 5, 8, 0)
    assert sop.step("sign").deadline(start) == dt.datetime(2026, 1, 5, 9, 0)
    assert sop.step("collect").deadline(start, items=3) == start + dt.timedelta(weeks=3)
