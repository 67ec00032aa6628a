"""Background jobs go through the real Redis and a real `ckan jobs worker`."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ckan import model
from ckan.lib import search
from ckan.tests.helpers import call_action

from ckanext.sopsektoral.tests.factories import sectoral_dataset

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
