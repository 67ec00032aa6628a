"""Background jobs go through the real Redis and a real `ckan jobs worker`."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib import search
from ckan.tests.helpers import call_action

from ckanext.sopsektoral.items import sending, states
from ckanext.sopsektoral.model import DaftarData, Letter, LetterItem
from ckanext.sopsektoral.model.base import utcnow
from ckanext.sopsektoral.tests.factories import sectoral_dataset
from ckanext.sopsektoral.tests.helpers import advance, as_user

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "clean_queues")


def _run_worker_burst(ckan_ini: str) -> subprocess.CompletedProcess:
    ckan = os.path.join(os.path.dirname(sys.executable), "ckan")
    return subprocess.run(
        [ckan, "-c", ckan_ini, "jobs", "worker", "--burst"],
        capture_output=True, text=True, timeout=120, check=False,
    )


def test_reindex_job_is_run_by_a_worker(request):
    dataset = sectoral_dataset(title="Jumlah Pencari Kerja Terdaftar")
    # Drop the dataset from Solr behind CKAN's back, as after a Solr outage.
    search.clear(dataset["id"])
    assert call_action("package_search", q="Pencari")["count"] == 0

    sysadmin = model.User.get(call_action("get_site_user")["name"])
    result = call_action("sopsektoral_reindex", {"user": sysadmin.name}, ids=[dataset["name"]])
    assert result["job_id"]
    queued = call_action("job_list")
    assert [j["id"] for j in queued] == [result["job_id"]]
    model.Session.commit()

    worker = _run_worker_burst(request.config.getoption("--ckan-ini"))
    assert worker.returncode == 0, worker.stderr[-2000:]

    assert call_action("job_list") == []
    found = call_action("package_search", q="Pencari")
    assert [d["id"] for d in found["results"]] == [dataset["id"]]


@pytest.fixture
def big_letter(cast):
    """A signed letter of 25 items: more than are sent at once, so a job sends it."""
    rows = [{"tahun": 2026, "opd": "dinas-kesehatan", "judul_data": f"Indikator Kesehatan {n:02d}",
             "satuan": "orang", "frekuensi": "tahunan"} for n in range(25)]
    call_action("sopsektoral_daftar_data_import", {"ignore_auth": True}, rows=rows)
    entries = call_action("sopsektoral_daftar_data_list", {"ignore_auth": True}, year=2026, limit=100)["results"]
    letter = call_action("sopsektoral_letter_create", as_user(cast.drafter), subject="Tahap besar",
                         data_year=2026, items=[e["id"] for e in entries])
    advance(cast, letter["id"], "signed")
    return letter


def _requested_count() -> int:
    return call_action("package_search", include_private=True, fq="sop_status:requested", rows=0)["count"]


class TestSendingByJob:
    def test_a_big_letter_is_sent_by_a_worker_with_progress(self, request, cast, big_letter):
        letter = call_action("sopsektoral_letter_send", as_user(cast.verifier), id=big_letter["id"])
        assert (letter["state"], letter["send_state"], letter["send_done"], letter["send_total"]) == \
            ("signed", "queued", 0, 25)
        titles = [j["title"] for j in call_action("job_list")]
        assert titles.count(f"sopsektoral: send letter {letter['number']}") == 1
        with pytest.raises(tk.ValidationError):  # already being sent
            call_action("sopsektoral_letter_send", as_user(cast.verifier), id=big_letter["id"])
        model.Session.commit()

        worker = _run_worker_burst(request.config.getoption("--ckan-ini"))
        assert worker.returncode == 0, worker.stderr[-2000:]
        model.Session.remove()
        letter = call_action("sopsektoral_letter_show", id=big_letter["id"])
        assert (letter["state"], letter["send_state"], letter["send_done"]) == ("sent", "done", 25)
        assert _requested_count() == 25
        with pytest.raises(tk.ValidationError):  # a sent letter is not sent again
            call_action("sopsektoral_letter_send", as_user(cast.verifier), id=big_letter["id"])

    @pytest.mark.ckan_config("ckanext.sopsektoral.send_stalled_minutes", 10)
    def test_a_stalled_send_can_be_started_again_and_creates_nothing_twice(self, request, cast, big_letter):
        call_action("sopsektoral_letter_send", as_user(cast.verifier), id=big_letter["id"])
        # The worker takes the job and dies after ten items: the letter stays "running".
        letter = model.Session.get(Letter, big_letter["id"])
        items = model.Session.query(LetterItem).filter_by(letter_id=letter.id).order_by(LetterItem.title).all()
        for item in items[:10]:
            entry = model.Session.get(DaftarData, item.daftar_data_id)
            item.state = states.REQUESTED
            item.deadline = utcnow()
            sending.dataset_for_item(item, entry, 2026)
        letter.send_state, letter.send_done = "running", 10
        letter.send_progress_at = utcnow() - dt.timedelta(minutes=5)
        model.Session.commit()
        for job in call_action("job_list"):
            if job["title"].startswith("sopsektoral: send letter"):
                call_action("job_cancel", id=job["id"])
        shown = call_action("sopsektoral_letter_show", id=big_letter["id"])
        assert shown["send_stalled"] is False
        with pytest.raises(tk.ValidationError):
            call_action("sopsektoral_letter_send", as_user(cast.verifier), id=big_letter["id"])

        letter = model.Session.get(Letter, big_letter["id"])
        letter.send_progress_at = utcnow() - dt.timedelta(minutes=11)
        model.Session.commit()
        assert call_action("sopsektoral_letter_show", id=big_letter["id"])["send_stalled"] is True
        again = call_action("sopsektoral_letter_send", as_user(cast.verifier), id=big_letter["id"])
        assert (again["send_state"], again["send_done"], again["send_stalled"]) == ("queued", 10, False)
        model.Session.commit()
        worker = _run_worker_burst(request.config.getoption("--ckan-ini"))
        assert worker.returncode == 0, worker.stderr[-2000:]
        model.Session.remove()
        letter = call_action("sopsektoral_letter_show", id=big_letter["id"])
        assert (letter["state"], letter["send_done"]) == ("sent", 25)
        assert _requested_count() == 25
        names = [d["name"] for d in call_action("package_search", include_private=True, rows=100)["results"]]
        assert len(names) == len(set(names)) == 25


class TestChecksByJob:
    def test_a_worker_runs_the_checks_of_a_submission(self, request, cast):
        """The submission queues its checks; `ckan jobs worker` runs them and stores what they found."""
        import io
        import pathlib

        from werkzeug.datastructures import FileStorage

        call_action("sopsektoral_daftar_data_import", rows=[{
            "tahun": 2027, "opd": "dinas-kesehatan", "judul_data": "Jumlah Kunjungan Puskesmas"}])
        [entry] = call_action("sopsektoral_daftar_data_list", year=2027)["results"]
        letter = call_action("sopsektoral_letter_create", as_user(cast.drafter), subject="Kunjungan",
                             data_year=2027, items=[entry["id"]])
        advance(cast, letter["id"], "signed")
        call_action("sopsektoral_letter_send", as_user(cast.verifier), id=letter["id"])
        [item] = call_action("sopsektoral_item_list", letter_id=letter["id"])["results"]
        name = "surabaya_juni-jumlah-kunjungan-puskesmas-lama-baru-2023.csv"
        content = (pathlib.Path(__file__).parent / "data" / name).read_bytes()
        call_action("resource_create", as_user(cast.operator), package_id=item["dataset_id"], name=name,
                    url=name, format="CSV", upload=FileStorage(io.BytesIO(content), name))
        submitted = call_action("sopsektoral_item_submit", as_user(cast.operator), id=item["id"])
        assert submitted["checks_state"] == "pending"
        assert f"sopsektoral: checks of item {item['id']}" in [j["title"] for j in call_action("job_list")]
        model.Session.commit()

        worker = _run_worker_burst(request.config.getoption("--ckan-ini"))
        assert worker.returncode == 0, worker.stderr[-2000:]
        model.Session.remove()
        shown = call_action("sopsektoral_item_show", id=item["id"])
        assert shown["checks_state"] == "done"
        results = {r["key"]: r for r in shown["check_results"]}
        assert results["data_year"]["passed"] is False  # June 2023, not 2027
        assert results["structure"]["passed"] is True
        [table] = shown["check_preview"]
        assert (table["row_count"], len(table["rows"])) == (63, 10)
        assert table["header"][:3] == ["Periode", "Wilayah", "Kecamatan"]
