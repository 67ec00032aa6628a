"""The workbench's automatic checks run in a background job: a submission answers
at once with its checks pending; the job (run here by rq's SimpleWorker, in burst
mode, on the real Redis queue) stores the results, a preview of the tables and
the figures beside the previous period's."""
from __future__ import annotations

import io
import pathlib

import pytest
from bs4 import BeautifulSoup
from werkzeug.datastructures import FileStorage

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.sopsektoral import regions
from ckanext.sopsektoral.checks import run as checks
from ckanext.sopsektoral.model import LetterItem
from ckanext.sopsektoral.tests.helpers import advance, as_user, upload

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "clean_queues")

DATA = pathlib.Path(__file__).parent / "data"
JUNI = "surabaya_juni-jumlah-kunjungan-puskesmas-lama-baru-2023.csv"


def kecamatan_csv(year: int, values: tuple[int, ...], header_extra: str = "") -> bytes:
    """Puskesmas per kecamatan of Kota Balikpapan, with their Kemendagri codes."""
    kecamatan = [c for c, r in regions.regions().items() if r["tingkat"] == "kecamatan"]
    lines = [f"kode_wilayah,nama_kecamatan,jumlah_puskesmas{header_extra},tahun"]
    for code, value in zip(kecamatan, values, strict=False):
        lines.append(f"{code},{regions.name(code)},{value}{',x' if header_extra else ''},{year}")
    return ("\n".join(lines) + "\n").encode()


def headers(user) -> dict[str, str]:
    return {"Authorization": factories.APIToken(user=user["name"])["token"]}


def sent_item(cast, year: int, title: str, **entry) -> dict:
    """One Daftar Data entry of the OPD for ``year``, asked by a letter that was sent."""
    call_action("sopsektoral_daftar_data_import", rows=[{
        "tahun": year, "opd": "dinas-kesehatan", "judul_data": title, "satuan": "unit", "frekuensi": "tahunan",
        **entry}])
    found = call_action("sopsektoral_daftar_data_list", year=year, q=title)["results"]
    letter = call_action("sopsektoral_letter_create", as_user(cast.drafter), subject=f"Permintaan {title}",
                         data_year=year, items=[found[0]["id"]])
    advance(cast, letter["id"], "signed")
    call_action("sopsektoral_letter_send", as_user(cast.verifier), id=letter["id"])
    [item] = call_action("sopsektoral_item_list", letter_id=letter["id"])["results"]
    return item


@pytest.fixture
def previous(cast) -> dict:
    """The 2025 data of the indicator, published before the SOP ran on this portal."""
    dataset = factories.Dataset(owner_org=cast.opd["id"], name="jumlah-puskesmas-2025", title="Jumlah Puskesmas 2025",
                                private=False, klasifikasi_akses="publik", tahun_data="2025")
    upload(dataset["id"], kecamatan_csv(2025, (5, 4, 5, 4, 6, 3)), "puskesmas-2025.csv", cast.sysadmin)
    return dataset


@pytest.fixture
def item(cast, previous) -> dict:
    """The 2026 request of the same indicator: its Daftar Data entry names the 2025 dataset."""
    return sent_item(cast, 2026, "Jumlah Puskesmas menurut Kecamatan", dataset=previous["name"])


def results_of(item_id: str, **context) -> dict[str, dict]:
    shown = call_action("sopsektoral_item_show", context or None, id=item_id)
    return {r["key"]: r for r in shown["check_results"]}


class TestSubmitQueuesTheChecks:
    def test_submit_answers_with_the_checks_pending_and_queues_one_job(self, cast, item):
        upload(item["dataset_id"], kecamatan_csv(2026, (5, 4, 5, 4, 6, 9)), "puskesmas-2026.csv", cast.operator)
        submitted = call_action("sopsektoral_item_submit", as_user(cast.operator), id=item["id"])
        assert submitted["state"] == "submitted" and submitted["checks_state"] == "pending"
        shown = call_action("sopsektoral_item_show", id=item["id"])
        assert shown["checks_state"] == "pending" and shown["checks_done_at"] is None
        assert (shown["check_results"], shown["check_preview"], shown["check_comparison"]) == ([], [], None)
        titles = [j["title"] for j in call_action("job_list")]
        assert [t for t in titles if "checks" in t] == [f"sopsektoral: checks of item {item['id']}"]
        model.Session.expire_all()
        assert model.Session.get(LetterItem, item["id"]).check_results is None  # nothing ran in the request

    def test_the_job_stores_results_preview_and_comparison(self, cast, item, previous):
        upload(item["dataset_id"], kecamatan_csv(2026, (5, 4, 5, 4, 6, 9)), "puskesmas-2026.csv", cast.operator)
        call_action("sopsektoral_item_submit", as_user(cast.operator), id=item["id"])
        assert checks.run_queued_jobs() == 1
        shown = call_action("sopsektoral_item_show", id=item["id"])
        assert shown["checks_state"] == "done" and shown["checks_done_at"] and shown["checks_error"] is None
        results = {r["key"]: r for r in shown["check_results"]}
        assert [r["key"] for r in shown["check_results"]] == [
            "structure", "region_codes", "data_year", "previous_year", "plausibility"]
        assert results["structure"]["passed"] is True and results["region_codes"]["passed"] is True
        assert results["data_year"]["passed"] is True
        assert results["previous_year"]["passed"] is True  # five of six rows are the same: not a copy
        assert results["previous_year"]["params"] == {"same": 5, "n": 6}
        # 3 → 9 is +200%, beyond the default 50%.
        plausibility = results["plausibility"]
        assert plausibility["passed"] is False
        assert plausibility["params"] == {"n": 1, "total": 6, "threshold": 50}
        assert plausibility["details"] == ["64.71.06 · Balikpapan Kota, jumlah_puskesmas: 3 → 9 (+200.0%)"]

        [table] = shown["check_preview"]
        assert table["name"] == "puskesmas-2026.csv" and table["format"] == "CSV" and table["error"] is None
        assert table["header"] == ["kode_wilayah", "nama_kecamatan", "jumlah_puskesmas", "tahun"]
        assert table["rows"][0] == ["64.71.01", "Balikpapan Timur", "5", "2026"]
        assert (len(table["rows"]), table["row_count"], table["column_count"]) == (6, 6, 4)

        comparison = shown["check_comparison"]
        assert comparison["previous_dataset"] == {"id": previous["id"], "name": "jumlah-puskesmas-2025",
                                                  "title": "Jumlah Puskesmas 2025", "year": "2025"}
        assert (comparison["key_columns"], comparison["key_kind"]) == (["kode_wilayah"], "region")
        assert comparison["columns"] == ["jumlah_puskesmas"]
        assert (comparison["matched"], comparison["only_now"], comparison["only_before"]) == (6, 0, 0)
        assert (comparison["values_compared"], comparison["flagged"], comparison["threshold_percent"]) == (6, 1, 50)
        last = comparison["rows"][-1]
        assert last["label"] == "64.71.06 · Balikpapan Kota" and last["flagged"] is True
        assert last["values"] == [{"column": "jumlah_puskesmas", "previous": "3", "current": "9",
                                   "change_percent": 200.0, "flagged": True}]
        assert comparison["rows"][0]["values"][0]["change_percent"] == 0.0
        assert not comparison["rows"][0]["flagged"]

    @pytest.mark.ckan_config("ckanext.sopsektoral.plausibility_threshold_percent", 200)
    def test_changes_within_the_configured_threshold_pass(self, cast, item):
        upload(item["dataset_id"], kecamatan_csv(2026, (5, 4, 5, 4, 6, 9)), "puskesmas-2026.csv", cast.operator)
        call_action("sopsektoral_item_submit", as_user(cast.operator), id=item["id"])
        checks.run_queued_jobs()
        plausibility = results_of(item["id"])["plausibility"]
        assert plausibility["passed"] is True
        assert plausibility["message"] == "All 6 figures changed by at most 200 percent since the previous period"

    def test_a_copy_of_the_previous_period_is_found_in_the_previous_dataset(self, cast, item):
        upload(item["dataset_id"], kecamatan_csv(2026, (5, 4, 5, 4, 6, 3)), "puskesmas-2026.csv", cast.operator)
        call_action("sopsektoral_item_submit", as_user(cast.operator), id=item["id"])
        checks.run_queued_jobs()
        results = results_of(item["id"])
        assert results["previous_year"]["passed"] is False  # the year column aside, the same rows
        assert results["plausibility"]["passed"] is True

    def test_without_a_previous_period_there_is_nothing_to_compare(self, cast):
        item = sent_item(cast, 2026, "Jumlah Posyandu")
        upload(item["dataset_id"], kecamatan_csv(2026, (5, 4, 5, 4, 6, 9)), "posyandu-2026.csv", cast.operator)
        call_action("sopsektoral_item_submit", as_user(cast.operator), id=item["id"])
        checks.run_queued_jobs()
        shown = call_action("sopsektoral_item_show", id=item["id"])
        results = {r["key"]: r for r in shown["check_results"]}
        assert results["plausibility"]["passed"] is None and results["previous_year"]["passed"] is None
        assert shown["check_comparison"] is None

    def test_an_item_never_submitted_has_no_checks(self, cast, item):
        shown = call_action("sopsektoral_item_show", id=item["id"])
        assert (shown["checks_state"], shown["check_results"], shown["check_comparison"]) == (None, [], None)


class TestTheJobKeepsTheNewestSubmission:
    def test_a_job_of_an_older_submission_stores_nothing(self, cast, item):
        bad = upload(item["dataset_id"], kecamatan_csv(2026, (5, 4, 5, 4, 6, 9)).replace(b"64.71.01,", b"64.71.09,"),
                     "puskesmas-2026.csv", cast.operator)
        call_action("sopsektoral_item_submit", as_user(cast.operator), id=item["id"])
        model.Session.expire_all()
        first = model.Session.get(LetterItem, item["id"]).submitted_at.isoformat()
        checks.run_queued_jobs()
        assert results_of(item["id"])["region_codes"]["passed"] is False
        call_action("sopsektoral_item_return", as_user(cast.verifier), id=item["id"], note="Kode wilayah salah")
        call_action("resource_update", as_user(cast.operator), id=bad["id"], package_id=item["dataset_id"],
                    name="puskesmas-2026.csv", url="puskesmas-2026.csv", format="CSV", upload=FileStorage(
                        io.BytesIO(kecamatan_csv(2026, (5, 4, 5, 4, 6, 9))), "puskesmas-2026.csv"))
        again = call_action("sopsektoral_item_submit", as_user(cast.operator), id=item["id"])
        assert again["checks_state"] == "pending" and again["check_results"] == []  # the old results went
        # The first submission's job, late: it finds a newer submission and stores nothing.
        assert checks.run_job(item["id"], first) == checks.STALE
        assert call_action("sopsektoral_item_show", id=item["id"])["checks_state"] == "pending"
        assert checks.run_queued_jobs() == 1
        assert results_of(item["id"])["region_codes"]["passed"] is True
        assert checks.run_job(item["id"], first) == checks.STALE
        shown = call_action("sopsektoral_item_show", id=item["id"])
        assert shown["checks_state"] == "done"
        assert {r["key"]: r for r in shown["check_results"]}["region_codes"]["passed"] is True

    def test_checks_lost_with_their_worker_are_run_again(self, cast, item, cli):
        import datetime as dt

        import rq

        from ckan.lib.redis import connect_to_redis

        from ckanext.sopsektoral.cli import sopsektoral

        upload(item["dataset_id"], kecamatan_csv(2026, (5, 4, 5, 4, 6, 3)), "puskesmas-2026.csv", cast.operator)
        call_action("sopsektoral_item_submit", as_user(cast.operator), id=item["id"])
        assert cli.invoke(sopsektoral, ["checks", "rerun"]).output.strip().endswith("nothing to do")
        # The job is lost (its worker died with it) and half an hour passes.
        for queue in rq.Queue.all(connection=connect_to_redis()):
            queue.empty()
        model.Session.query(LetterItem).filter_by(id=item["id"]).update(
            {"submitted_at": LetterItem.submitted_at - dt.timedelta(minutes=31), "checks_state": "running"},
            synchronize_session=False)
        model.Session.commit()
        result = cli.invoke(sopsektoral, ["checks", "rerun"])
        assert result.exit_code == 0, result.output
        assert "1 done" in result.output
        assert call_action("sopsektoral_item_show", id=item["id"])["checks_state"] == "done"
        assert "nothing to do" in cli.invoke(sopsektoral, ["checks", "rerun"]).output

    def test_a_nul_character_in_the_data_is_stored_without_it(self, cast, item):
        """PostgreSQL's JSONB holds no NUL: the job must not fail on storing what it found."""
        upload(item["dataset_id"], b"kode_wilayah,nama_kecamatan,jumlah\n64.71.01,Balikpapan\x00 Timur,5\n",
               "puskesmas-2026.csv", cast.operator)
        call_action("sopsektoral_item_submit", as_user(cast.operator), id=item["id"])
        checks.run_queued_jobs()
        shown = call_action("sopsektoral_item_show", id=item["id"])
        assert shown["checks_state"] == "done"
        assert shown["check_preview"][0]["rows"] == [["64.71.01", "Balikpapan Timur", "5"]]

    def test_a_failing_job_stores_the_failure(self, cast, item):
        upload(item["dataset_id"], kecamatan_csv(2026, (5, 4, 5, 4, 6, 9)), "puskesmas-2026.csv", cast.operator)
        call_action("sopsektoral_item_submit", as_user(cast.operator), id=item["id"])
        call_action("dataset_purge", id=item["dataset_id"])  # gone before a worker took the job
        assert checks.run_queued_jobs() == 1
        model.Session.expire_all()
        stored = model.Session.get(LetterItem, item["id"])
        assert stored.checks_state == "failed" and stored.checks_error
        assert stored.check_preview is None and stored.check_comparison is None
        [result] = stored.check_results
        assert (result["key"], result["passed"], result["message_id"]) == (
            "checks", None, "The automatic checks failed: {error}")


class TestDataYearOnTheRealStack:
    def test_a_june_2023_file_without_a_year_column_does_not_pass_for_2027(self, cast):
        """The dataset says 2027 (the portal prefilled it): that is no evidence."""
        item = sent_item(cast, 2027, "Jumlah Kunjungan Puskesmas")
        assert call_action("package_show", id=item["dataset_id"])["tahun_data"] == "2027"
        upload(item["dataset_id"], (DATA / JUNI).read_bytes(), JUNI, cast.operator)
        call_action("sopsektoral_item_submit", as_user(cast.operator), id=item["id"])
        checks.run_queued_jobs()
        year = results_of(item["id"])["data_year"]
        assert year["passed"] is False and year["message"] == "The data does not seem to be for 2027"
        assert year["details"] == [f"{JUNI}: the resource name has 2023"]

    def test_a_file_that_names_no_year_is_neutral(self, cast):
        item = sent_item(cast, 2027, "Jumlah Kunjungan Puskesmas")
        upload(item["dataset_id"], (DATA / JUNI).read_bytes(), "kunjungan-puskesmas.csv", cast.operator)
        call_action("sopsektoral_item_submit", as_user(cast.operator), id=item["id"])
        checks.run_queued_jobs()
        year = results_of(item["id"])["data_year"]
        assert year["passed"] is None
        assert year["message_id"] == "The data year cannot be determined from the data"


class TestWorkbench:
    def _page(self, app, cast, item, prefix="/en"):
        resp = app.get(prefix + tk.url_for("sopsektoral.item_read", id=item["id"]),
                       headers=headers(cast.verifier))
        assert resp.status_code == 200
        return BeautifulSoup(resp.body, "html.parser"), resp.body

    def test_pending_then_preview_and_comparison(self, app, cast, item, previous):
        upload(item["dataset_id"], kecamatan_csv(2026, (5, 4, 5, 4, 6, 9)), "puskesmas-2026.csv", cast.operator)
        resp = app.post(tk.url_for("sopsektoral.item_transition", id=item["id"], transition="submit"),
                        headers=headers(cast.operator), follow_redirects=False)
        assert resp.status_code == 302
        page, _ = self._page(app, cast, item)
        pending = page.select_one("section.sopsektoral-checks .sopsektoral-checks-pending")
        assert "The automatic checks are running" in pending.text
        assert pending.find("a")["href"].endswith(f"/sopsektoral/item/{item['id']}")
        assert page.select_one("section.sopsektoral-preview") is None
        assert page.select_one("section.sopsektoral-comparison") is None
        assert page.select_one("form.sopsektoral-verify")  # the decision does not wait for the checks

        checks.run_queued_jobs()
        page, _ = self._page(app, cast, item)
        assert page.select_one(".sopsektoral-checks-pending") is None
        assert "Plausibility" in page.select_one("section.sopsektoral-checks").text
        preview = page.select_one("section.sopsektoral-preview")
        assert [th.text for th in preview.select("thead th")] == [
            "kode_wilayah", "nama_kecamatan", "jumlah_puskesmas", "tahun"]
        assert len(preview.select("tbody tr")) == 6
        assert [td.text for td in preview.select("tbody tr")[0].select("td")] == [
            "64.71.01", "Balikpapan Timur", "5", "2026"]
        assert "The first 6 of 6 data rows." in preview.text
        comparison = page.select_one("section.sopsektoral-comparison")
        link = comparison.find("a", href=True)
        assert link["href"].endswith("/dataset/jumlah-puskesmas-2025") and link.text == "Jumlah Puskesmas 2025"
        assert previous["name"] in link["href"]
        rows = comparison.select("tbody tr")
        assert len(rows) == 6
        [flagged] = comparison.select("tbody tr.sopsektoral-implausible")
        cells = [" ".join(c.text.split()) for c in flagged.select("th, td")]
        assert cells == ["64.71.06 · Balikpapan Kota", "jumlah_puskesmas", "3", "9", "+200.0% implausible change"]
        assert "+0.0%" in rows[0].text and "sopsektoral-implausible" not in rows[0].get("class", [])

    def test_the_data_is_escaped(self, app, cast, item):
        content = b"kode_wilayah,<b>nama</b>,jumlah\n64.71.01,<script>alert(1)</script>,5\n"
        upload(item["dataset_id"], content, "puskesmas-2026.csv", cast.operator)
        call_action("sopsektoral_item_submit", as_user(cast.operator), id=item["id"])
        checks.run_queued_jobs()
        page, body = self._page(app, cast, item)
        preview = page.select_one("section.sopsektoral-preview")
        assert preview.find("b") is None and preview.find("script") is None
        assert "&lt;b&gt;nama&lt;/b&gt;" in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body

    def test_failed_checks_offer_nothing_broken(self, app, cast, item):
        """The dataset was purged before a worker took the job (which fails), then made again."""
        upload(item["dataset_id"], kecamatan_csv(2026, (5, 4, 5, 4, 6, 9)), "puskesmas-2026.csv", cast.operator)
        call_action("sopsektoral_item_submit", as_user(cast.operator), id=item["id"])
        call_action("dataset_purge", id=item["dataset_id"])
        checks.run_queued_jobs()
        factories.Dataset(id=item["dataset_id"], name=item["dataset_name"], owner_org=cast.opd["id"], private=True,
                          klasifikasi_akses="publik", tahun_data="2026")
        shown = call_action("sopsektoral_item_show", id=item["id"])
        assert shown["checks_state"] == "failed" and shown["checks_error"]
        assert (shown["check_preview"], shown["check_comparison"]) == ([], None)
        page, _ = self._page(app, cast, item)
        section = page.select_one("section.sopsektoral-checks")
        assert "The automatic checks failed" in section.text
        assert page.select_one(".sopsektoral-checks-pending") is None
        assert page.select_one("section.sopsektoral-preview") is None
        assert page.select_one("section.sopsektoral-comparison") is None
