"""The Indonesian catalogue is complete and the template is current."""
from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest
from babel.messages import pofile

from ckan.tests import factories

I18N = pathlib.Path(__file__).parents[1] / "i18n"
ROOT = pathlib.Path(__file__).parents[3]


def _catalog(path: pathlib.Path):
    with path.open("rb") as f:
        return pofile.read_po(f)


def _ids(catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def test_indonesian_catalogue_translates_every_message():
    catalog = _catalog(I18N / "id" / "LC_MESSAGES" / "ckanext-sopsektoral.po")
    untranslated = [
        m.id for m in catalog
        if m.id and (m.fuzzy or not (all(m.string) if isinstance(m.string, tuple) else m.string))
    ]
    assert untranslated == []


def test_catalogues_cover_every_string_in_the_code(tmp_path):
    pot = tmp_path / "current.pot"
    subprocess.run(
        [str(pathlib.Path(sys.executable).parent / "pybabel"), "-q", "extract",
         "-F", str(ROOT / "babel.cfg"), "-k", "ungettext:1,2", "-o", str(pot),
         str(ROOT / "ckanext" / "sopsektoral")],
        check=True, cwd=ROOT, capture_output=True,
    )
    in_code = _ids(_catalog(pot))
    for lang in ("id", "en"):
        catalogue = _ids(_catalog(I18N / lang / "LC_MESSAGES" / "ckanext-sopsektoral.po"))
        assert in_code - catalogue == set(), f"run `make i18n`: {lang} lacks messages"


@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_validation_errors_reach_an_indonesian_user_in_indonesian(app):
    """The portal's default language is Indonesian: the messages of a refused
    request are Indonesian, those of CKAN's own validators included; under
    /en/ they are English."""
    headers = {"Authorization": factories.APIToken(user=factories.Sysadmin()["name"])["token"]}
    bad = {"limit": "banyak", "overdue": "mungkin", "warna": "merah"}
    error = app.post("/api/3/action/sopsektoral_letter_list", json=bad, headers=headers, status=409).json["error"]
    assert error["limit"] == ["Harus berupa bilangan bulat"]
    assert error["overdue"] == ["Harus true atau false"]
    assert error["warna"][0].startswith("Parameter tidak dikenal")
    # A CKAN validator on a core action, with a message CKAN's own catalogue leaves in English.
    error = app.post("/api/3/action/package_create", json={"name": "x", "owner_org": "tidak-ada"},
                     headers=headers, status=409).json["error"]
    assert "Organisasi tidak ada" in error["owner_org"]
    error = app.post("/en/api/3/action/sopsektoral_letter_list", json=bad, headers=headers,
                     status=409).json["error"]
    assert error["limit"] == ["Must be a whole number"]
