"""SOP steps 5–6: sending, collecting, verifying, publishing (invariants 2, 3, 5, 6)."""
from __future__ import annotations

import datetime as dt
import io
import pathlib

import pytest
from werkzeug.datastructures import FileStorage

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.tests import factories
from ckan.tests.helpers import call_action, call_auth

from ckanext.sopsektoral import tabular
from ckanext.sopsektoral.checks.previous_year import check_copied_from_previous_year
from ckanext.sopsektoral.checks.run import run_queued_jobs
from ckanext.sopsektoral.checks.tables import Table
from ckanext.sopsektoral.model import LetterItem
from ckanext.sopsektoral.model.base import utcnow
from ckanext.sopsektoral.tests.helpers import (
    advance,
    as_user,
    balikpapan_csv,
    by_title,
    items_of,
    submit_all,
    upload,
)

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")

DATA = pathlib.Path(__file__).parent / "data"


def run_checks() -> None:
    """Run the queued automatic checks (a background job) now, in this process."""
    run_queued_jobs()


class TestSend:
    def test_each_item_gets_a_private_dataset_with_its_metadata_and_deadline(self, cast, sent):
        assert sent["state"] == "sent" and sent["send_state"] == "done"
        assert (sent["send_done"], sent["send_total"]) == (3, 3)
        items = items_of(sent["id"])
        assert len(items) == 3 and {i["state"] for i in items} == {"requested"}
        item = by_title(sent["id"], "Puskesmas")
        pkg = call_action("package_show", id=item["dataset_id"])
        assert pkg["private"] is True
        assert pkg["owner_org"] == cast.opd["id"]
        assert pkg["satuan"] == "unit" and pkg["tahun_data"] == "2026" and pkg["kode_wilayah"] == "64.71"
        assert pkg["sop_status"] == "requested" and pkg["sop_letter_number"] == sent["number"]
        assert pkg["sop_deadline"] == item["deadline"] and pkg["sop_overdue"] is False

    def test_the_existing_dataset_named_by_the_daftar_data_receives_it(self, cast, daftar):
        """A private dataset made for the data (no other year in it) receives it; a
        public one is never hidden (tests/test_series.py)."""
        existing = factories.Dataset(owner_org=cast.opd["id"], name="jumlah-posyandu", private=True,
                                     klasifikasi_akses="publik")
        call_action("sopsektoral_daftar_data_import", rows=[{
            "tahun": 2026, "opd": "dinas-kesehatan", "judul_data": "Jumlah Posyandu", "dataset": "jumlah-posyandu"}])
        entry = call_action("sopsektoral_daftar_data_list", q="Posyandu")["results"][0]
        letter = call_action("sopsektoral_letter_create", as_user(cast.drafter), subject="Posyandu",
                             data_year=2026, items=[entry["id"]])
        advance(cast, letter["id"], "signed")
        call_action("sopsektoral_letter_send", as_user(cast.drafter), id=letter["id"])
        assert items_of(letter["id"])[0]["dataset_id"] == existing["id"]
        pkg = call_action("package_show", id=existing["id"])
        assert pkg["private"] is True  # a requested dataset stays private until it is published
        assert pkg["tahun_data"] == "2026"  # it now receives the requested year's data

    def test_sending_twice_creates_nothing_twice(self, cast, sent):
        with pytest.raises(tk.ValidationError):
            call_action("sopsektoral_letter_send", as_user(cast.verifier), id=sent["id"])
        assert call_action("package_search", include_private=True, fq="sop_status:requested")["count"] == 3

    def test_only_signed_letters_are_sent(self, cast, draft):
        with pytest.raises(tk.ValidationError):
            call_action("sopsektoral_letter_send", as_user(cast.verifier), id=draft["id"])

    def test_who_may_send(self, cast, draft):
        advance(cast, draft["id"], "signed")
        for who in ("verifier", "drafter", "sysadmin"):
            assert call_auth("sopsektoral_letter_send", {"user": cast.name(who)}, id=draft["id"])
        for who in ("signer", "operator", "user", "anonymous"):
            with pytest.raises(tk.NotAuthorized):
                call_auth("sopsektoral_letter_send", {"user": cast.name(who)}, id=draft["id"])


class TestStatusIsReadOnly:
    """Invariant 2: only the SOP actions change the status fields."""

    def test_package_patch_by_the_opd_editor_changes_nothing(self, cast, sent):
        item = by_title(sent["id"], "Puskesmas")
        call_action("package_patch", as_user(cast.operator), id=item["dataset_id"],
                    sop_status="verified", sop_verified_by=cast.operator["name"], notes="diperbarui")
        pkg = call_action("package_show", id=item["dataset_id"])
        assert pkg["sop_status"] == "requested" and pkg["sop_verified_by"] is None
        assert pkg["notes"] == "diperbarui"
        assert call_action("package_search", include_private=True, fq="sop_status:verified")["count"] == 0

    def test_resource_upload_does_not_touch_the_status(self, cast, sent):
        item = by_title(sent["id"], "Puskesmas")
        upload(item["dataset_id"], balikpapan_csv(2026), "puskesmas-2026.csv", cast.operator)
        assert call_action("package_show", id=item["dataset_id"])["sop_status"] == "requested"

    def test_dataset_form_does_not_set_it(self, app, cast, sent):
        item = by_title(sent["id"], "Puskesmas")
        token = factories.APIToken(user=cast.operator["name"])["token"]
        pkg = call_action("package_show", id=item["dataset_id"])
        app.post(tk.url_for("dataset.edit", id=pkg["name"]), headers={"Authorization": token},
                 data={"name": pkg["name"], "title": pkg["title"], "owner_org": pkg["owner_org"],
                       "klasifikasi_akses": "publik", "sop_status": "verified", "private": "True",
                       "save": ""})
        assert call_action("package_show", id=item["dataset_id"])["sop_status"] == "requested"


class TestVisibility:
    """Invariants 3 and 6."""

    def test_collected_datasets_stay_private(self, cast, sent):
        item = by_title(sent["id"], "Puskesmas")
        with pytest.raises(tk.ValidationError) as err:
            call_action("package_patch", as_user(cast.operator), id=item["dataset_id"], private=False)
        assert "private" in err.value.error_dict
        assert call_action("package_search", q="*:*")["count"] == 0  # the public sees nothing

    def test_officers_see_every_opd_operators_their_own(self, cast, sent):
        puskesmas = by_title(sent["id"], "Puskesmas")
        trayek = by_title(sent["id"], "Trayek")
        for who in ("verifier", "signer"):
            assert call_auth("package_show", {"user": cast.name(who)}, id=trayek["dataset_id"])
            found = call_action("package_search", as_user(cast.name(who)), include_private=True, q="*:*")
            assert found["count"] == 3
        assert call_auth("package_show", {"user": cast.operator["name"]}, id=puskesmas["dataset_id"])
        with pytest.raises(tk.NotAuthorized):
            call_auth("package_show", {"user": cast.operator["name"]}, id=trayek["dataset_id"])
        with pytest.raises(tk.NotAuthorized):
            call_auth("package_show", {"user": None}, id=puskesmas["dataset_id"])
        mine = call_action("package_search", as_user(cast.operator), include_private=True, q="*:*")
        assert mine["count"] == 2
        listed = call_action("sopsektoral_item_list", as_user(cast.operator))["results"]
        assert {i["owner_org"] for i in listed} == {cast.opd["id"]}

    def test_operator_cannot_submit_another_opds_item(self, cast, sent):
        trayek = by_title(sent["id"], "Trayek")
        with pytest.raises(tk.NotAuthorized):
            call_action("sopsektoral_item_submit", as_user(cast.operator), id=trayek["id"])
        with pytest.raises(tk.NotAuthorized):
            call_action("sopsektoral_item_show", as_user(cast.operator), id=trayek["id"])


class TestCollectAndVerify:
    def test_submit_needs_a_resource(self, cast, sent):
        item = by_title(sent["id"], "Puskesmas")
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_item_submit", as_user(cast.operator), id=item["id"])
        assert "resources" in err.value.error_dict

    def test_verification_opens_when_all_are_submitted(self, cast, sent):
        item = by_title(sent["id"], "Puskesmas")
        upload(item["dataset_id"], balikpapan_csv(2026), "data-2026.csv", cast.operator)
        submitted = call_action("sopsektoral_item_submit", as_user(cast.operator), id=item["id"])
        assert submitted["state"] == "submitted" and submitted["verification_opened_at"] is None
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_item_verify", as_user(cast.verifier), id=item["id"])
        assert "state" in err.value.error_dict
        submit_all(cast, sent["id"]) if False else None
        for other in items_of(sent["id"], state=["requested"]):
            who = cast.operator if other["owner_org"] == cast.opd["id"] else cast.other_operator
            upload(other["dataset_id"], balikpapan_csv(2026), "data-2026.csv", who)
            call_action("sopsektoral_item_submit", as_user(who), id=other["id"])
        item = call_action("sopsektoral_item_show", id=item["id"])
        assert item["verification_opened_at"] and item["verification_deadline"]
        shown = call_action("sopsektoral_item_show", as_user(cast.verifier), id=item["id"])
        assert "verify" in shown["available_actions"]

    def test_collection_deadline_per_item_or_per_letter(self, cast, draft):
        """The SOP file's collection time counts per item (from when the send requests it) or per
        letter (from the letter's first request, also for items a resumed send requests later)."""
        advance(cast, draft["id"], "signed")
        earlier = utcnow() - dt.timedelta(days=3)
        first = model.Session.query(LetterItem).filter_by(letter_id=draft["id"]).first()
        first.requested_at = earlier  # as if a send had begun three days ago and stopped
        model.Session.commit()
        letter = call_action("sopsektoral_letter_send", as_user(cast.verifier), id=draft["id"])
        # Timestamps come with their UTC offset; the tables hold naive UTC.
        deadlines = {dt.datetime.fromisoformat(i["collection_deadline"]).astimezone(dt.timezone.utc)
                     .replace(tzinfo=None) for i in items_of(letter["id"])}
        assert len(deadlines) == 1
        deadline = deadlines.pop()
        if cast.sop.collection.per_item:
            assert abs(deadline - (utcnow() + cast.sop.collection.time)) < dt.timedelta(minutes=1)
        else:
            assert deadline == earlier + cast.sop.collection.time

    def test_verification_opens_when_the_window_closes(self, cast, draft, monkeypatch):
        # A collection time of zero (through the option of earlier versions): closed at once.
        monkeypatch.setitem(tk.config, f"ckanext.sopsektoral.step.{cast.sop.collection.key}.minutes", "0")
        advance(cast, draft["id"], "signed")
        letter = call_action("sopsektoral_letter_send", as_user(cast.verifier), id=draft["id"])
        item = by_title(letter["id"], "Puskesmas")
        assert item["overdue"] is True
        upload(item["dataset_id"], balikpapan_csv(2026), "data-2026.csv", cast.operator)
        call_action("sopsektoral_item_submit", as_user(cast.operator), id=item["id"])
        verified = call_action("sopsektoral_item_verify", as_user(cast.verifier), id=item["id"])
        assert verified["state"] == "verified"

    def test_return_resubmit_verify_publish(self, cast, sent):
        submit_all(cast, sent["id"])
        item = by_title(sent["id"], "Puskesmas")
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_item_return", as_user(cast.verifier), id=item["id"])
        assert "note" in err.value.error_dict
        returned = call_action("sopsektoral_item_return", as_user(cast.verifier), id=item["id"],
                               note="Kolom satuan kosong pada baris 3")
        assert returned["state"] == "returned" and returned["return_reason"] == "Kolom satuan kosong pada baris 3"
        assert returned["correction_deadline"]
        pkg = call_action("package_show", id=item["dataset_id"])
        assert pkg["sop_status"] == "returned"
        assert call_action("package_search", include_private=True, fq="sop_status:returned")["count"] == 1
        # The operator sees it with its reason, fixes and resubmits.
        mine = call_action("sopsektoral_item_list", as_user(cast.operator), state=["returned"])["results"]
        assert [i["return_reason"] for i in mine] == ["Kolom satuan kosong pada baris 3"]
        call_action("sopsektoral_item_submit", as_user(cast.operator), id=item["id"])
        verified = call_action("sopsektoral_item_verify", as_user(cast.verifier), id=item["id"],
                               checklist={"standar_data": True, "metadata": True, "kode_referensi": True})
        assert verified["state"] == "verified" and verified["verified_by"] == cast.verifier["name"]
        assert verified["checklist"]["kode_referensi"] is True
        pkg = call_action("package_show", id=item["dataset_id"])
        assert pkg["private"] is True and pkg["sop_status"] == "verified"
        assert pkg["sop_verified_by"] == cast.verifier["name"]
        published = call_action("sopsektoral_item_publish", as_user(cast.drafter), id=item["id"])
        assert published["published"] is True
        assert call_action("package_search", q="*:*")["count"] == 1  # now public
        # Invariant 5: every view agrees.
        status = call_action("sopsektoral_status_show", id=pkg["name"])
        shown = call_action("package_show", id=pkg["name"])
        indexed = call_action("package_search", fq=f"name:{pkg['name']}")["results"][0]
        for key in ("sop_status", "sop_letter_number", "sop_verified_by"):
            assert status[key] == shown[key] == indexed[key]
        assert [e["action"] for e in status["history"]] == [
            "item_submit", "item_return", "item_submit", "item_verify", "item_publish"]

    @pytest.mark.ckan_config("ckanext.sopsektoral.auto_publish", True)
    def test_auto_publish(self, cast, sent):
        submit_all(cast, sent["id"])
        item = by_title(sent["id"], "Trayek")
        call_action("sopsektoral_item_verify", as_user(cast.verifier), id=item["id"])
        assert call_action("package_show", id=item["dataset_id"])["private"] is False

    def test_exempt_data_is_never_published(self, cast, sent):
        item = by_title(sent["id"], "Imunisasi")
        call_action("package_patch", as_user(cast.operator), id=item["dataset_id"], klasifikasi_akses="dikecualikan")
        submit_all(cast, sent["id"])
        call_action("sopsektoral_item_verify", as_user(cast.verifier), id=item["id"])
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_item_publish", as_user(cast.verifier), id=item["id"])
        assert "klasifikasi_akses" in err.value.error_dict
        assert call_action("package_show", id=item["dataset_id"])["private"] is True

    def test_bulk_verify_is_all_or_nothing(self, cast, sent):
        submit_all(cast, sent["id"])
        ids = [i["id"] for i in items_of(sent["id"])]
        call_action("sopsektoral_item_return", as_user(cast.verifier), id=ids[0], note="salah")
        with pytest.raises(tk.ValidationError):
            call_action("sopsektoral_item_verify", as_user(cast.verifier), ids=ids)
        assert {i["state"] for i in items_of(sent["id"])} == {"submitted", "returned"}
        result = call_action("sopsektoral_item_verify", as_user(cast.verifier), ids=ids[1:])
        assert [i["state"] for i in result["results"]] == ["verified", "verified"]
        published = call_action("sopsektoral_item_publish", as_user(cast.verifier), ids=ids[1:])
        assert all(i["published"] for i in published["results"])

    def test_claim_and_assign(self, cast, sent):
        submit_all(cast, sent["id"])
        item = by_title(sent["id"], "Puskesmas")
        other_staff = factories.User()
        call_action("sopsektoral_officer_assign", user=other_staff["name"], position=cast.sop.verification.executor)
        claimed = call_action("sopsektoral_item_claim", as_user(cast.verifier), id=item["id"])
        assert claimed["claimed_by"] == cast.verifier["name"]
        with pytest.raises(tk.ValidationError):
            call_action("sopsektoral_item_verify", as_user(other_staff), id=item["id"])
        with pytest.raises(tk.NotAuthorized):
            call_action("sopsektoral_item_claim", as_user(cast.verifier), id=item["id"], user=other_staff["name"])
        assigned = call_action("sopsektoral_item_claim", as_user(cast.drafter), id=item["id"], user=other_staff["name"])
        assert assigned["claimed_by"] == other_staff["name"]
        mine = call_action("sopsektoral_item_list", as_user(other_staff), claimed_by=other_staff["name"])
        assert [i["id"] for i in mine["results"]] == [item["id"]]
        call_action("sopsektoral_item_verify", as_user(other_staff), id=item["id"])

    def test_queue_filters_and_sorting(self, cast, sent):
        submit_all(cast, sent["id"])
        queue = call_action("sopsektoral_item_list", as_user(cast.verifier), state=["submitted"],
                            sort="organization")
        assert queue["count"] == 3
        assert [i["organization_title"] for i in queue["results"]] == ["Dinas Kesehatan"] * 2 + ["Dinas Perhubungan"]
        assert call_action("sopsektoral_item_list", owner_org="dinas-perhubungan")["count"] == 1
        assert call_action("sopsektoral_item_list", year=2025)["count"] == 0
        assert call_action("sopsektoral_item_list", overdue=True)["count"] == 0
        page = call_action("sopsektoral_item_list", limit=2, offset=2)
        assert page["count"] == 3 and len(page["results"]) == 1
        with pytest.raises(tk.ValidationError):
            call_action("sopsektoral_item_list", state="done")


class TestPermissionMatrix:
    @pytest.mark.parametrize(("action", "allowed"), [
        ("sopsektoral_item_verify", ("verifier",)),
        ("sopsektoral_item_return", ("verifier",)),
        ("sopsektoral_item_claim", ("verifier", "drafter")),
        ("sopsektoral_item_publish", ("verifier", "drafter")),
        ("sopsektoral_item_submit", ("operator",)),
        ("sopsektoral_item_show", ("verifier", "drafter", "first_approver", "second_approver",
                                   "signer", "plt_signer", "operator")),
        ("sopsektoral_item_list", ("verifier", "drafter", "first_approver", "second_approver", "signer",
                                   "plt_signer", "operator", "other_operator", "user", "former_first_approver")),
    ])
    def test_item_actions(self, cast, sent, action, allowed):
        item = by_title(sent["id"], "Puskesmas")
        everyone = ("anonymous", "user", "operator", "other_operator", "drafter", "first_approver",
                    "second_approver", "signer", "verifier", "plt_signer", "former_first_approver")
        for who in everyone:
            context = {"user": cast.name(who)}
            if who in allowed:
                assert call_auth(action, context, id=item["id"]), who
            else:
                with pytest.raises(tk.NotAuthorized):
                    call_auth(action, context, id=item["id"])
                    pytest.fail(f"{who} should be refused {action}")
        assert call_auth(action, {"user": cast.sysadmin["name"]}, id=item["id"])


class TestAutomaticChecks:
    """Each check on real files, good and bad (run when the item is submitted)."""

    def _submit(self, cast, sent, fragment, files):
        item = by_title(sent["id"], fragment)
        for content, filename in files:
            upload(item["dataset_id"], content, filename, cast.operator)
        call_action("sopsektoral_item_submit", as_user(cast.operator), id=item["id"])
        run_checks()
        results = call_action("sopsektoral_item_show", id=item["id"])["check_results"]
        return {r["key"]: r for r in results}

    def test_good_balikpapan_table_passes(self, cast, sent):
        results = self._submit(cast, sent, "Puskesmas", [(balikpapan_csv(2026), "puskesmas-2026.csv")])
        assert results["structure"]["passed"] is True
        assert results["region_codes"]["passed"] is True
        assert results["data_year"]["passed"] is True
        assert results["previous_year"]["passed"] is None  # nothing to compare yet

    def test_bad_region_code_is_found(self, cast, sent):
        results = self._submit(cast, sent, "Puskesmas",
                               [(balikpapan_csv(2026, code_override="64.71.09"), "puskesmas-2026.csv")])
        assert results["region_codes"]["passed"] is False
        assert "64.71.09" in results["region_codes"]["details"][0]

    def test_codes_of_another_province_are_found(self, cast, sent):
        jabar = (DATA / "jabar_disnakertrans-od_19868_daftar_upah_minimum_kabupatenkota_di_drh_prov_jabar_data.csv")
        results = self._submit(cast, sent, "Puskesmas", [(jabar.read_bytes(), "umk.csv")])
        assert results["region_codes"]["passed"] is False
        assert results["data_year"]["passed"] is False  # 2017–2023, not 2026

    def test_a_copy_of_the_previous_period_is_found(self, cast, sent):
        results = self._submit(cast, sent, "Puskesmas", [
            ((DATA / "surabaya_mei-jumlah-kunjungan-puskesmas-lama-baru-2023.csv").read_bytes(), "mei.csv"),
        ])
        assert results["previous_year"]["passed"] is None
        item = by_title(sent["id"], "Imunisasi")
        # The June file repeats every May figure: uploaded after May, it is flagged.
        upload(item["dataset_id"], (DATA / "surabaya_mei-jumlah-kunjungan-puskesmas-lama-baru-2023.csv").read_bytes(),
               "mei.csv", cast.operator)
        mei = Table("a", "mei", *self._read(DATA / "surabaya_mei-jumlah-kunjungan-puskesmas-lama-baru-2023.csv"))
        juni = Table("b", "juni", *self._read(DATA / "surabaya_juni-jumlah-kunjungan-puskesmas-lama-baru-2023.csv"))
        assert check_copied_from_previous_year([juni], [mei]).passed is False

    def test_partly_equal_years_are_not_a_copy(self):
        header, rows = self._read(
            DATA / "jabar_disnakertrans-od_19868_daftar_upah_minimum_kabupatenkota_di_drh_prov_jabar_data.csv")
        year = header.index("tahun")
        y2020 = [r for r in rows if r[year] == "2020"]
        y2021 = [r for r in rows if r[year] == "2021"]
        result = check_copied_from_previous_year([Table("b", "2021", header, y2021)],
                                                 [Table("a", "2020", header, y2020)])
        assert result.passed is True

    def test_broken_table_fails_the_structure_check(self, cast, sent):
        broken = b"kode_wilayah,nama,jumlah\n64.71.01,Balikpapan Timur,5\n64.71.02,Balikpapan Barat\n,,\n"
        results = self._submit(cast, sent, "Puskesmas", [(broken, "rusak.csv")])
        assert results["structure"]["passed"] is False
        assert results["structure"]["details"]

    @staticmethod
    def _read(path):
        matrix = tabular.read_csv_rows(path.read_bytes())
        return [h.strip().lower().replace(" ", "_") for h in matrix[0]], matrix[1:]


class TestCheckMessagesInTheReadersLanguage:
    """Check results are stored untranslated and read in the reader's language: the
    OPD submits in Indonesian, an English-speaking verifier reads English."""

    REGION_ID = "{n} of {total} region codes are not Kemendagri codes of Kota Balikpapan"

    @staticmethod
    def _headers(user) -> dict[str, str]:
        return {"Authorization": factories.APIToken(user=user["name"])["token"]}

    @pytest.fixture
    def item(self, app, cast, sent):
        """Submitted through the workbench in Indonesian (the portal's default language).
        The files' names are user data: one is also a msgid ("Verify"), one looks like HTML."""
        item = by_title(sent["id"], "Puskesmas")
        for name in ("Verify", "<b>Puskesmas</b> 2026"):
            call_action("resource_create", as_user(cast.operator), package_id=item["dataset_id"], name=name,
                        url="puskesmas-2026.csv", format="CSV", upload=FileStorage(
                            io.BytesIO(balikpapan_csv(2026, code_override="64.71.09")), "puskesmas-2026.csv"))
        resp = app.post(tk.url_for("sopsektoral.item_transition", id=item["id"], transition="submit"),
                        headers=self._headers(cast.operator), follow_redirects=False)
        assert resp.status_code == 302
        run_checks()
        return item

    def _api(self, app, cast, item, prefix=""):
        resp = app.get(f"{prefix}/api/3/action/sopsektoral_item_show?id={item['id']}",
                       headers=self._headers(cast.verifier))
        return {r["key"]: r for r in resp.json["result"]["check_results"]}

    def _workbench(self, app, cast, item, prefix=""):
        from bs4 import BeautifulSoup

        body = app.get(prefix + tk.url_for("sopsektoral.item_read", id=item["id"]),
                       headers=self._headers(cast.verifier)).body
        return body, BeautifulSoup(body, "html.parser").select_one("section.sopsektoral-checks")

    def test_the_result_is_stored_untranslated(self, item):
        from ckan import model

        from ckanext.sopsektoral.model import LetterItem

        model.Session.expire_all()
        stored = {r["key"]: r for r in model.Session.get(LetterItem, item["id"]).check_results}
        region = stored["region_codes"]
        assert region["passed"] is False
        assert region["message_id"] == self.REGION_ID
        assert region["params"] == {"n": 2, "total": 12}
        assert region["message"] == "2 of 12 region codes are not Kemendagri codes of Kota Balikpapan"
        assert region["details"][0] == {
            "message_id": "{table}, row {row}, {column}: {value}",
            "params": {"table": "Verify", "row": 2, "column": "kode_wilayah", "value": "64.71.09"},
            "message": "Verify, row 2, kode_wilayah: 64.71.09",
        }
        assert stored["data_year"]["message_id"] == "The data is for {year}"
        assert stored["data_year"]["params"] == {"year": 2026}
        assert stored["previous_year"]["params"] == {}

    def test_the_api_answers_in_the_request_language(self, app, cast, item):
        en, id_ = self._api(app, cast, item, "/en"), self._api(app, cast, item)
        assert en["region_codes"]["message"] == "2 of 12 region codes are not Kemendagri codes of Kota Balikpapan"
        assert id_["region_codes"]["message"] == "2 dari 12 kode wilayah bukan kode Kemendagri di Kota Balikpapan"
        # Parameters are data: the file name "Verify" is not translated (its msgstr is "Verifikasi").
        assert en["region_codes"]["details"] == ["Verify, row 2, kode_wilayah: 64.71.09",
                                                 "<b>Puskesmas</b> 2026, row 2, kode_wilayah: 64.71.09"]
        assert id_["region_codes"]["details"] == ["Verify, baris 2, kode_wilayah: 64.71.09",
                                                  "<b>Puskesmas</b> 2026, baris 2, kode_wilayah: 64.71.09"]
        assert (en["data_year"]["message"], id_["data_year"]["message"]) == (
            "The data is for 2026", "Data untuk tahun 2026")
        assert (en["structure"]["message"], id_["structure"]["message"]) == ("The tables are well formed",
                                                                             "Struktur tabel baik")
        for key in en:  # the other keys are kept, the same in every language
            assert {k: v for k, v in en[key].items() if k not in ("message", "details")} == \
                {k: v for k, v in id_[key].items() if k not in ("message", "details")}
        assert en["region_codes"]["message_id"] == self.REGION_ID and en["region_codes"]["params"]["total"] == 12

    def test_the_workbench_shows_the_readers_language_and_escapes_the_data(self, app, cast, item):
        _, en = self._workbench(app, cast, item, "/en")
        body, id_ = self._workbench(app, cast, item)
        assert "2 of 12 region codes are not Kemendagri codes of Kota Balikpapan" in en.text
        assert "Verify, row 2, kode_wilayah: 64.71.09" in en.text and "The data is for 2026" in en.text
        assert "2 dari 12 kode wilayah bukan kode Kemendagri di Kota Balikpapan" in id_.text
        assert "Verify, baris 2, kode_wilayah: 64.71.09" in id_.text and "Data untuk tahun 2026" in id_.text
        assert "&lt;b&gt;Puskesmas&lt;/b&gt; 2026, baris 2" in body
        assert id_.find("b") is None and en.find("b") is None

    def test_results_stored_before_show_as_they_were_stored(self, app, cast, item):
        from ckan import model

        from ckanext.sopsektoral.model import LetterItem

        old = [
            {"key": "region_codes", "passed": False,
             "message": "1 dari 6 kode wilayah bukan kode Kemendagri di Kota Balikpapan",
             "details": ["puskesmas.csv, baris 2, kode_wilayah: 64.71.09"]},
            {"key": "structure", "passed": True, "message": "Struktur tabel baik"},
        ]
        model.Session.get(LetterItem, item["id"]).check_results = old
        model.Session.commit()
        for prefix in ("", "/en"):
            results = self._api(app, cast, item, prefix)
            assert results["region_codes"] == old[0]
            assert results["structure"] == {**old[1], "details": []}
            _, section = self._workbench(app, cast, item, prefix)
            assert "1 dari 6 kode wilayah" in section.text
            assert "puskesmas.csv, baris 2, kode_wilayah: 64.71.09" in section.text

    def test_frictionless_findings_name_row_and_column(self, app, cast, sent):
        from ckan import model

        from ckanext.sopsektoral.model import LetterItem

        item = by_title(sent["id"], "Puskesmas")
        broken = b"kode_wilayah,nama,jumlah\n64.71.01,Balikpapan Timur,5\n64.71.02,Balikpapan Barat\n,,\n"
        upload(item["dataset_id"], broken, "rusak.csv", cast.operator)
        call_action("sopsektoral_item_submit", as_user(cast.operator), id=item["id"])
        run_checks()
        model.Session.expire_all()
        stored = {r["key"]: r for r in model.Session.get(LetterItem, item["id"]).check_results}["structure"]
        missing = next(d for d in stored["details"] if isinstance(d, dict) and d["params"].get("column"))
        assert missing["message_id"] == "{table}: row {row} has no cell for column {column}"
        assert missing["params"]["table"] == "rusak.csv"
        assert (missing["params"]["row"], missing["params"]["column"]) == (3, "jumlah")
        shown = self._api(app, cast, item, "/en")["structure"]["details"]
        assert "rusak.csv: row 3 has no cell for column jumlah" in shown
        assert "rusak.csv: row 4 is empty" in shown
        # In Indonesian, frictionless's English titles ("Missing Cell", "Blank Row") are not shown.
        shown = self._api(app, cast, item, "")["structure"]["details"]
        assert "rusak.csv: baris 3 tidak berisi sel untuk kolom jumlah" in shown
        assert "rusak.csv: baris 4 kosong" in shown
        assert not any("Cell" in d or "Row" in d for d in shown)


def test_the_whole_sop_from_daftar_data_to_published_data(cast):
    """SOP steps 1–6 end to end, as each position does them."""
    call_action("sopsektoral_daftar_data_import", as_user(cast.verifier), rows=[
        {"tahun": 2026, "opd": "dinas-kesehatan", "judul_data": "Jumlah Puskesmas menurut Kecamatan",
         "satuan": "unit", "ukuran": "jumlah puskesmas", "konsep": "Fasilitas kesehatan tingkat pertama",
         "definisi": "Puskesmas induk", "klasifikasi": "menurut kecamatan", "frekuensi": "tahunan",
         "kode_wilayah": "64.71", "klasifikasi_akses": "publik"},
    ])
    entry = call_action("sopsektoral_daftar_data_list", as_user(cast.drafter), year=2026)["results"][0]
    letter = call_action("sopsektoral_letter_create", as_user(cast.drafter),
                         subject="Permintaan Data 2026", data_year=2026, items=[entry["id"]])
    call_action("sopsektoral_letter_submit", as_user(cast.drafter), id=letter["id"])
    for step, who in zip(cast.sop.approvals[:-1], cast.approvers, strict=False):  # the initials, in turn
        assert call_action("sopsektoral_letter_initial", as_user(who), id=letter["id"])["state"] != step.state
    signed = call_action("sopsektoral_letter_sign", as_user(cast.signer), id=letter["id"])
    assert signed["number"]
    sent = call_action("sopsektoral_letter_send", as_user(cast.verifier), id=letter["id"])
    item = items_of(sent["id"])[0]
    upload(item["dataset_id"], balikpapan_csv(2026), "puskesmas-2026.csv", cast.operator)
    call_action("sopsektoral_item_submit", as_user(cast.operator), id=item["id"])
    call_action("sopsektoral_item_verify", as_user(cast.verifier), id=item["id"],
                checklist={k: True for k in ("standar_data", "metadata", "interoperabilitas",
                                             "kode_referensi", "kebenaran", "kewajaran")})
    call_action("sopsektoral_item_publish", as_user(cast.verifier), id=item["id"])
    public = call_action("package_search", as_user(None), fq="tahun_data:2026 sop_status:verified")
    assert [d["id"] for d in public["results"]] == [item["dataset_id"]]
    assert public["results"][0]["sop_letter_number"] == signed["number"]
    from ckan import model

    from ckanext.sopsektoral import events
    assert events.verify_event_log(model.Session).ok


class TestSearchDown:
    """Invariant 8: with Solr unreachable a transition fails whole and can be retried."""

    def test_submit_fails_whole_then_succeeds_on_retry(self, cast, sent, ckan_config):
        from ckan.lib.search import common

        item = by_title(sent["id"], "Puskesmas")
        upload(item["dataset_id"], balikpapan_csv(2026), "data-2026.csv", cast.operator)
        events_before = len(call_action("sopsektoral_event_list", limit=1000))
        dead = "http://127.0.0.1:9/solr/unreachable"  # a closed port: a real refusal
        # CKAN 2.10/2.11 keep the URL in SolrSettings; 2.12 reads solr_url from config.
        settings = getattr(common, "SolrSettings", None)
        working = settings.get() if settings else None
        working_url = ckan_config["solr_url"]
        if settings:
            settings.init(dead)
        ckan_config["solr_url"] = dead
        try:
            with pytest.raises(tk.ValidationError) as err:
                call_action("sopsektoral_item_submit", as_user(cast.operator), id=item["id"])
            assert "search" in err.value.error_dict
        finally:
            if settings:
                settings.init(*working)
            ckan_config["solr_url"] = working_url
        assert call_action("sopsektoral_item_show", id=item["id"])["state"] == "requested"
        assert len(call_action("sopsektoral_event_list", limit=1000)) == events_before
        assert call_action("package_show", id=item["dataset_id"])["sop_status"] == "requested"
        retried = call_action("sopsektoral_item_submit", as_user(cast.operator), id=item["id"])
        assert retried["state"] == "submitted"
        indexed = call_action("package_search", include_private=True, fq=f"id:{item['dataset_id']}")
        assert indexed["results"][0]["sop_status"] == "submitted"
