from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.sopsektoral import sop


@pytest.fixture
def clean_db(reset_db, migrate_db_for):
    """Every clean database carries the plugin's tables (from its migrations),
    and this process asks again whether they are at the head (readiness.py)."""
    from ckanext.sopsektoral import readiness

    reset_db()
    migrate_db_for("sopsektoral")
    readiness.reset()


@pytest.fixture
def clean_queues():
    """Empty every jobs queue (CKAN 2.10 has no such fixture; 2.11+ do the same)."""
    import rq

    from ckan.lib.redis import connect_to_redis

    connection = connect_to_redis()
    for queue in rq.Queue.all(connection=connection):
        queue.empty()
        queue.delete()


def assign(user: dict[str, Any], position: str, **extra: Any) -> dict[str, Any]:
    return call_action("sopsektoral_officer_assign", {"ignore_auth": True},
                       user=user["name"], position=position, **extra)


@dataclasses.dataclass
class Cast:
    """Everyone the SOP involves, as CKAN users."""

    kepala_dinas: dict[str, Any]
    sekretaris: dict[str, Any]
    kepala_bidang: dict[str, Any]
    kepala_seksi: dict[str, Any]
    staf_statistik: dict[str, Any]
    plt_kepala_dinas: dict[str, Any]  # acting holder of kepala_dinas
    former_kepala_bidang: dict[str, Any]  # assignment ended yesterday
    operator: dict[str, Any]  # editor of the OPD
    other_operator: dict[str, Any]  # editor of another OPD
    user: dict[str, Any]  # logged in, no role
    sysadmin: dict[str, Any]
    opd: dict[str, Any]
    other_opd: dict[str, Any]

    def name(self, who: str) -> str | None:
        return None if who == "anonymous" else getattr(self, who)["name"]


@pytest.fixture
def cast(clean_db) -> Cast:
    users = {key: factories.User(fullname=key.replace("_", " ").title()) for key in (
        "kepala_dinas", "sekretaris", "kepala_bidang", "kepala_seksi", "staf_statistik",
        "plt_kepala_dinas", "former_kepala_bidang", "operator", "other_operator", "user",
    )}
    for position in sop.POSITIONS:
        assign(users[position], position, nip="19800101" + "200501" + "1001")
    assign(users["plt_kepala_dinas"], sop.KEPALA_DINAS, acting="plt")
    today = dt.date.today()
    assign(users["former_kepala_bidang"], sop.KEPALA_BIDANG, acting="plh",
           valid_from=(today - dt.timedelta(days=30)).isoformat(),
           valid_until=(today - dt.timedelta(days=1)).isoformat())
    opd = factories.Organization(name="dinas-kesehatan", title="Dinas Kesehatan",
                                 users=[{"name": users["operator"]["name"], "capacity": "editor"}])
    other = factories.Organization(name="dinas-perhubungan", title="Dinas Perhubungan",
                                   users=[{"name": users["other_operator"]["name"], "capacity": "editor"}])
    return Cast(sysadmin=factories.Sysadmin(), opd=opd, other_opd=other, **users)


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


def more_entries(titles: list[str], opd: str = "dinas-perhubungan", year: int = 2026) -> list[dict[str, Any]]:
    """Daftar Data entries of their own (an entry can be in one open letter at a time)."""
    call_action("sopsektoral_daftar_data_import", {"ignore_auth": True}, rows=[
        {"tahun": year, "opd": opd, "judul_data": title, "satuan": "unit"} for title in titles])
    listed = call_action("sopsektoral_daftar_data_list", {"ignore_auth": True}, year=year, limit=1000)["results"]
    return [next(e for e in listed if e["title"] == title) for title in titles]


def as_user(user: dict[str, Any] | str | None) -> dict[str, Any]:
    name = user["name"] if isinstance(user, dict) else user
    return {"user": name, "ignore_auth": False}


@pytest.fixture
def draft(cast, daftar) -> dict[str, Any]:
    return call_action(
        "sopsektoral_letter_create", as_user(cast.kepala_seksi),
        subject="Permintaan Data Statistik Sektoral Tahun 2026",
        body="Dalam rangka penyelenggaraan Satu Data Indonesia di Kota Balikpapan, ...",
        data_year=2026, sifat="penting", lampiran="1 (satu) berkas",
        tembusan=["Wali Kota Balikpapan", "Sekretaris Daerah Kota Balikpapan"],
        items=[d["id"] for d in daftar],
    )


def advance(cast: Cast, letter_id: str, to: str) -> dict[str, Any]:
    """Move a draft along the SOP until it is in state ``to``."""
    steps = [
        ("awaiting_initial_kabid", "sopsektoral_letter_submit", cast.kepala_seksi),
        ("awaiting_initial_sekretaris", "sopsektoral_letter_initial", cast.kepala_bidang),
        ("awaiting_signature", "sopsektoral_letter_initial", cast.sekretaris),
        ("signed", "sopsektoral_letter_sign", cast.kepala_dinas),
    ]
    letter = call_action("sopsektoral_letter_show", {"ignore_auth": True}, id=letter_id)
    for state, action, who in steps:
        if letter["state"] == to:
            break
        letter = call_action(action, as_user(who), id=letter_id)
        assert letter["state"] == state
    return letter
