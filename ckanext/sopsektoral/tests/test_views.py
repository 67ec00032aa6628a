from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")


def test_sop_page_in_indonesian_by_default(app):
    body = app.get(tk.url_for("sopsektoral.sop_page")).body
    assert "Kepala Seksi Statistik" in body
    assert "1 minggu" in body


def test_sop_page_in_english(app):
    body = app.get("/en" + tk.url_for("sopsektoral.sop_page")).body
    assert "Head of Statistics Section" in body
    assert "1 week" in body


def test_dataset_search_page_answers(app):
    assert app.get("/dataset").status_code == 200
