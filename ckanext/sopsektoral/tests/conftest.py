"""The fixtures shared by the tests (plain helpers are in helpers.py)."""
from __future__ import annotations

import os
from typing import Any

import pytest
import rq

import ckan.plugins.toolkit as tk
from ckan.lib.redis import connect_to_redis
from ckan.tests.helpers import call_action

from ckanext.sopsektoral import readiness, sop
from ckanext.sopsektoral.tests.helpers import TEST_SOP_FILE, Cast, advance, as_user, make_cast


@pytest.fixture
def clean_db(reset_db, migrate_db_for):
    """Every clean database carries the plugin's tables (from its migrations),
    and this process asks again whether they are at the head (readiness.py)."""
    reset_db()
    migrate_db_for("sopsektoral")
    readiness.reset()


@pytest.fixture
def clean_queues():
    """Empty every jobs queue (CKAN 2.10 has no such fixture; 2.11+ do the same)."""
    connection = connect_to_redis()
    for queue in rq.Queue.all(connection=connection):
        queue.empty()
        queue.delete()


@pytest.fixture(autouse=True)
def sop_file(monkeypatch):
    """The SOP file the suite runs on: Balikpapan's by default, another with
    SOPSEKTORAL_TEST_SOP_FILE (.ci/run runs the SOP-dependent tests on the second file too)."""
    path = os.environ.get(TEST_SOP_FILE)
    if path:
        monkeypatch.setitem(tk.config, sop.SOP_FILE, os.path.abspath(path))
    return sop.current()


@pytest.fixture
def cast(clean_db, sop_file) -> Cast:
    return make_cast()


@pytest.fixture
def daftar(cast) -> list[dict[str, Any]]:
    """A Daftar Data 2026 for two OPDs (imported through the action)."""
    rows = [
        {"tahun": 2026, "opd": "dinas-kesehatan", "judul_data": "Jumlah Puskesmas menurut Kecamatan",
         "satuan": "unit", "frekuensi": "tahunan", "kode_wilayah": "64.71"},
        {"tahun": 2026, "opd": "Dinas Kesehatan", "judul_data": "Cakupan Imunisasi Dasar Lengkap",
         "satuan": "persen", "frekuensi": "tahunan"},
        {"tahun": 2026, "opd": "dinas-perhubungan", "judul_data": "Jumlah Trayek Angkutan Kota",
         "satuan": "trayek", "frekuensi": "tahunan"},
    ]
    call_action("sopsektoral_daftar_data_import", {"ignore_auth": True}, rows=rows)
    return call_action("sopsektoral_daftar_data_list", {"ignore_auth": True}, year=2026)["results"]


@pytest.fixture
def draft(cast, daftar) -> dict[str, Any]:
    return call_action(
        "sopsektoral_letter_create", as_user(cast.drafter),
        subject="Permintaan Data Statistik Sektoral Tahun 2026",
        body="Dalam rangka penyelenggaraan Satu Data Indonesia di Kota Balikpapan, ...",
        data_year=2026, sifat="penting", lampiran="1 (satu) berkas",
        tembusan=["Wali Kota Balikpapan", "Sekretaris Daerah Kota Balikpapan"],
        items=[d["id"] for d in daftar],
    )


@pytest.fixture
def sent(cast, draft):
    """The draft letter signed and sent: three items, two OPDs."""
    advance(cast, draft["id"], sop.SIGNED)
    letter = call_action("sopsektoral_letter_send", as_user(cast.verifier), id=draft["id"])
    return letter
