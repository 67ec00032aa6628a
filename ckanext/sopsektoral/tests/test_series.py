"""Recurrence: the SOP asks for the same indicators every year, in several letters, with
corrections; one open request per Daftar Data entry and period, a superseded request can do
nothing, and a requested dataset stays private until published, across letters and years."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.sopsektoral import series
from ckanext.sopsektoral.cli import sopsektoral
from ckanext.sopsektoral.datasets import consistency
from ckanext.sopsektoral.model import Letter, LetterItem
from ckanext.sopsektoral.tests.helpers import advance, as_user, balikpapan_csv, by_title, items_of, upload

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")

VERIFY_ALL = {"standar_data": True, "metadata": True, "interoperabilitas": True,
              "kode_referensi": True, "kebenaran": True, "kewajaran": True}


def letter_for(cast, entry_ids, subject="Permintaan Data Tahap II", year=2026):
    return call_action("sopsektoral_letter_create", as_user(cast.drafter), subject=subject,
                       data_year=year, items=list(entry_ids))


def send(cast, letter_id):
    advance(cast, letter_id, "signed")
    return call_action("sopsektoral_letter_send", as_user(cast.verifier), id=letter_id)


def submit(cast, item, year=2026, values=(5, 4, 5, 4, 6, 3)):
    upload(item["dataset_id"], balikpapan_csv(year, values), f"data-{year}.csv", cast.operator)
    return call_action("sopsektoral_item_submit", as_user(cast.operator), id=item["id"])


def verify(cast, item):
    return call_action("sopsektoral_item_verify", as_user(cast.verifier), id=item["id"], checklist=VERIFY_ALL)


def entry(daftar, fragment):
    return next(e for e in daftar if fragment in e["title"])


def sop_fields(dataset_id):
    shown = call_action("package_show", id=dataset_id)
    indexed = call_action("package_search", include_private=True, fq=f'id:"{dataset_id}"')["results"][0]
    status = call_action("sopsektoral_status_show", id=dataset_id)
    return shown, indexed, status


def assert_agree(dataset_id):
    assert consistency.disagreements([dataset_id]) == []
    shown, indexed, status = sop_fields(dataset_id)
    for key in ("sop_status", "sop_letter_number", "sop_deadline"):
        assert shown.get(key) == indexed.get(key) == status.get(key), key


@pytest.fixture
def one_item_sent(cast, daftar):
    """Letter Tahap I asks for Puskesmas alone, and is sent."""
    letter = send(cast, letter_for(cast, [entry(daftar, "Puskesmas")["id"]], "Tahap I")["id"])
    return letter, by_title(letter["id"], "Puskesmas")


class TestOneOpenRequestPerEntry:
    def test_a_held_entry_is_refused_naming_the_letter(self, cast, daftar, draft):
        puskesmas = entry(daftar, "Puskesmas")
        with pytest.raises(tk.ValidationError) as err:
            letter_for(cast, [puskesmas["id"]])
        message = " ".join(err.value.error_dict["items"])
        assert draft["subject"] in message and puskesmas["title"] in message
        # Other entries are free; the list says which letter holds which entry.
        listed = call_action("sopsektoral_daftar_data_list", year=2026)["results"]
        assert {e["requested_by"]["letter_id"] for e in listed} == {draft["id"]}
        assert all(e["requested_by"]["state_label"] for e in listed)

    def test_update_is_refused_too_and_the_own_letter_may_keep_its_entries(self, cast, daftar, draft):
        other = letter_for(cast, [], subject="Kosong")
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_letter_update", as_user(cast.drafter), id=other["id"],
                        items=[entry(daftar, "Trayek")["id"]])
        assert "items" in err.value.error_dict
        kept = call_action("sopsektoral_letter_update", as_user(cast.drafter), id=draft["id"],
                           subject="Tahap I (perbaikan)")
        assert kept["item_count"] == 3

    def test_a_cancelled_letter_frees_its_entries(self, cast, daftar, draft):
        call_action("sopsektoral_letter_cancel", as_user(cast.drafter), id=draft["id"])
        assert letter_for(cast, [entry(daftar, "Puskesmas")["id"]])["item_count"] == 1

    def test_submit_sign_and_send_check_again(self, cast, daftar, draft):
        """A letter that got a held entry anyway (two drafts saved at the same
        moment, or data from before this rule) is stopped at every step."""
        second = letter_for(cast, [], subject="Tahap II")
        puskesmas = entry(daftar, "Puskesmas")
        model.Session.add(LetterItem(letter_id=second["id"], daftar_data_id=puskesmas["id"],
                                     owner_org=puskesmas["owner_org"], title=puskesmas["title"]))
        model.Session.commit()
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_letter_submit", as_user(cast.drafter), id=second["id"])
        assert draft["subject"] in " ".join(err.value.error_dict["items"])
        # The first letter meanwhile moves on to signing: it is the holder, it goes through.
        signed = advance(cast, draft["id"], "signed")
        assert signed["state"] == "signed"
        # ...and were the second one already awaiting a signature, signing it is refused.
        model.Session.query(Letter).filter_by(id=second["id"]).update({"state": cast.state(-1)})
        model.Session.commit()
        with pytest.raises(tk.ValidationError):
            call_action("sopsektoral_letter_sign", as_user(cast.signer), id=second["id"])
        model.Session.query(Letter).filter_by(id=second["id"]).update({"state": "signed"})
        model.Session.commit()
        with pytest.raises(tk.ValidationError):
            call_action("sopsektoral_letter_send", as_user(cast.verifier), id=second["id"])
        assert items_of(second["id"]) == []  # nothing was sent

    def test_a_sent_and_submitted_item_holds_its_entry_until_verified(self, cast, daftar, one_item_sent):
        letter, item = one_item_sent
        submit(cast, item)
        with pytest.raises(tk.ValidationError) as err:
            letter_for(cast, [item["daftar_data_id"]])
        assert letter["number"] in " ".join(err.value.error_dict["items"])
        verify(cast, item)
        assert letter_for(cast, [item["daftar_data_id"]])["item_count"] == 1

    def test_the_form_marks_held_entries_and_does_not_offer_them(self, app, cast, daftar, draft):
        other = entry(daftar, "Puskesmas")
        call_action("sopsektoral_letter_cancel", as_user(cast.drafter), id=draft["id"])
        holder = letter_for(cast, [other["id"]], subject="Surat «Puskesmas» <b>Tahap I</b>")
        token = factories.APIToken(user=cast.drafter["name"])["token"]
        page = app.get("/sopsektoral/letter/new?data_year=2026", headers={"Authorization": token}).body
        assert f'value="{other["id"]}"' not in page
        assert "Surat «Puskesmas» &lt;b&gt;Tahap I&lt;/b&gt;" in page  # named, escaped
        assert f'value="{entry(daftar, "Trayek")["id"]}"' in page
        edit = app.get(f"/sopsektoral/letter/{holder['id']}/edit", headers={"Authorization": token}).body
        assert f'value="{other["id"]}"' in edit  # the letter's own entries stay offered
        catalogue = app.get(tk.url_for("sopsektoral.daftar_data"), headers={"Authorization": token}).body
        assert "Surat «Puskesmas» &lt;b&gt;Tahap I&lt;/b&gt;" in catalogue


class TestSupersededItems:
    @pytest.fixture
    def re_requested(self, cast, one_item_sent):
        """Tahap I's item verified (not published), then Tahap II asks for it again."""
        first, item = one_item_sent
        submit(cast, item)
        verify(cast, item)
        second = send(cast, letter_for(cast, [item["daftar_data_id"]], "Tahap II")["id"])
        return item, by_title(second["id"], "Puskesmas"), second

    def test_the_period_keeps_its_dataset(self, re_requested):
        old, new, _second = re_requested
        assert new["dataset_id"] == old["dataset_id"]  # no "-2" dataset
        assert model.Session.query(model.Package).filter(model.Package.name.like("%-2")).count() == 0

    def test_the_old_item_can_do_nothing(self, cast, re_requested):
        old, new, second = re_requested
        shown = call_action("sopsektoral_item_show", as_user(cast.verifier), id=old["id"])
        assert shown["current"] is False and shown["available_actions"] == []
        assert shown["superseded_by_letter_number"] == second["number"]
        for action, who in (("publish", cast.verifier), ("verify", cast.verifier),
                            ("return", cast.verifier), ("claim", cast.verifier),
                            ("submit", cast.operator)):
            with pytest.raises(tk.ValidationError) as err:
                call_action(f"sopsektoral_item_{action}", as_user(who), id=old["id"],
                            **({"note": "x"} if action == "return" else {}))
            assert second["number"] in " ".join(err.value.error_dict["id"]), action
        assert call_action("package_show", id=new["dataset_id"])["private"] is True
        shown = call_action("sopsektoral_item_show", as_user(cast.operator), id=new["id"])
        assert "submit" in shown["available_actions"]

    def test_search_agrees_with_package_show(self, re_requested):
        old, new, second = re_requested
        assert_agree(new["dataset_id"])
        shown, indexed, _ = sop_fields(new["dataset_id"])
        assert indexed["sop_status"] == "requested" and indexed["sop_letter_number"] == second["number"]

    def test_the_queue_tells_the_two_requests_apart(self, app, cast, re_requested):
        old, new, second = re_requested
        page = app.get(tk.url_for("sopsektoral.queue", all=1),
                       headers={"Authorization": factories.APIToken(user=cast.verifier["name"])["token"]}).body
        rows = [r for r in page.split("<tr>") if "Puskesmas" in r]
        assert len(rows) == 2
        first = call_action("sopsektoral_letter_show", id=old["letter_id"])
        assert any(first["number"] in r and second["number"] in r for r in rows)  # old: "superseded by"
        assert any(second["number"] in r and first["number"] not in r for r in rows)
        assert not any(f'value="{old["id"]}"' in r for r in rows)  # nothing to select for bulk actions
        workbench = app.get(tk.url_for("sopsektoral.item_read", id=old["id"]), headers={
            "Authorization": factories.APIToken(user=cast.verifier["name"])["token"]}).body
        assert "sopsektoral-superseded" in workbench and second["number"] in workbench
        for transition in ("verify", "return", "publish", "claim", "submit"):
            assert f"/{transition}" not in workbench.split("sopsektoral-superseded")[1], transition

    def test_the_new_request_locks_and_unlocks_as_its_own(self, cast, re_requested):
        _old, new, _second = re_requested
        submit(cast, new)
        with pytest.raises(tk.NotAuthorized):
            call_action("package_patch", as_user(cast.operator), id=new["dataset_id"], notes="ubah")


class TestNextPeriod:
    def _published_2025(self, cast):
        """Daftar Data 2025 and 2026 of one indicator; 2025 collected, verified, published."""
        rows = [{"tahun": year, "opd": "dinas-kesehatan", "judul_data": f"Jumlah Posyandu {year}",
                 "satuan": "unit", "konsep": "Pos pelayanan terpadu"} for year in (2025, 2026)]
        call_action("sopsektoral_daftar_data_import", rows=rows)
        entries = {e["year"]: e for e in call_action("sopsektoral_daftar_data_list", q="Posyandu")["results"]}
        assert entries[2025]["indicator_key"] == entries[2026]["indicator_key"] == "jumlah-posyandu"
        first = send(cast, letter_for(cast, [entries[2025]["id"]], "Data 2025", year=2025)["id"])
        item = items_of(first["id"])[0]
        submit(cast, item, 2025)
        verify(cast, item)
        call_action("package_patch", {"ignore_auth": True, "sopsektoral_internal": True},
                    id=item["dataset_id"], interpretasi="Semakin banyak semakin baik")
        call_action("sopsektoral_item_publish", as_user(cast.verifier), id=item["id"])
        return entries, item

    def test_the_published_period_stays_public_while_the_next_is_collected(self, cast):
        entries, old = self._published_2025(cast)
        second = send(cast, letter_for(cast, [entries[2026]["id"]], "Data 2026")["id"])
        new = items_of(second["id"])[0]
        assert new["dataset_id"] != old["dataset_id"]
        anonymous = {"user": None, "ignore_auth": False}
        assert call_action("package_show", anonymous, id=old["dataset_id"])["private"] is False
        with pytest.raises(tk.NotAuthorized):
            call_action("package_show", anonymous, id=new["dataset_id"])
        pkg = call_action("package_show", id=new["dataset_id"])
        assert pkg["tahun_data"] == "2026" and pkg["name"] == "jumlah-posyandu-2026"
        assert pkg["interpretasi"] == "Semakin banyak semakin baik"  # from the previous period
        assert pkg["konsep"] == "Pos pelayanan terpadu"
        # The previous period is known to the workbench; both periods are one series.
        assert series.previous_dataset_id(model.Session.get(LetterItem, new["id"])) == old["dataset_id"]
        periods = series.periods(new["dataset_id"])
        assert [(p["year"], p["private"]) for p in periods] == [(2026, True), (2025, False)]
        # The old period's status is its own, everywhere.
        assert_agree(old["dataset_id"])
        assert_agree(new["dataset_id"])
        assert call_action("package_show", id=old["dataset_id"])["sop_status"] == "verified"

    def test_the_periods_each_user_may_see(self, app, cast):
        entries, old = self._published_2025(cast)
        new = items_of(send(cast, letter_for(cast, [entries[2026]["id"]], "Data 2026")["id"])["id"])[0]
        anonymous = {"user": None, "ignore_auth": False}
        listed = call_action("sopsektoral_period_list", anonymous, id=old["dataset_id"])["results"]
        assert [(p["year"], p["current"]) for p in listed] == [(2025, True)]  # the private 2026 is not shown
        with pytest.raises(tk.NotAuthorized):
            call_action("sopsektoral_period_list", anonymous, id=new["dataset_id"])
        for who in (cast.operator, cast.verifier):
            listed = call_action("sopsektoral_period_list", as_user(who), id=new["dataset_id"])["results"]
            assert [(p["year"], p["private"], p["state"]) for p in listed] == [
                (2026, True, "requested"), (2025, False, "verified")]
        with pytest.raises(tk.NotAuthorized):
            call_action("sopsektoral_period_list", as_user(cast.other_operator), id=new["dataset_id"])
        page = app.get(f"/dataset/{new['dataset_id']}",
                       headers={"Authorization": factories.APIToken(user=cast.operator["name"])["token"]}).body
        assert "jumlah-posyandu-2025" in page and "sopsektoral-periods" in page
        assert "sopsektoral-periods" not in app.get(f"/dataset/{old['dataset_id']}").body  # one period public

    def test_a_published_period_asked_again_gets_a_revision_and_stays_public(self, cast):
        entries, old = self._published_2025(cast)
        again = send(cast, letter_for(cast, [entries[2025]["id"]], "Data 2025 (revisi)", year=2025)["id"])
        revision = items_of(again["id"])[0]
        assert revision["dataset_id"] != old["dataset_id"]
        assert call_action("package_show", id=old["dataset_id"])["private"] is False
        pkg = call_action("package_show", id=revision["dataset_id"])
        assert pkg["private"] is True and pkg["name"] == "jumlah-posyandu-2025-revisi-1"

    def test_a_named_public_dataset_is_never_made_private(self, cast, daftar):
        existing = factories.Dataset(owner_org=cast.opd["id"], name="jumlah-posyandu", private=False,
                                     klasifikasi_akses="publik", tahun_data="2025", satuan="unit")
        call_action("sopsektoral_daftar_data_import", rows=[{
            "tahun": 2026, "opd": "dinas-kesehatan", "judul_data": "Jumlah Posyandu", "dataset": "jumlah-posyandu"}])
        posyandu = call_action("sopsektoral_daftar_data_list", q="Posyandu")["results"][0]
        letter = send(cast, letter_for(cast, [posyandu["id"]], "Posyandu")["id"])
        item = items_of(letter["id"])[0]
        assert item["dataset_id"] != existing["id"]
        assert call_action("package_show", id=existing["id"])["private"] is False
        assert call_action("package_show", id=item["dataset_id"])["satuan"] == "unit"
        # The named dataset is the previous period.
        assert series.previous_dataset_id(model.Session.get(LetterItem, item["id"])) == existing["id"]
        assert [p["dataset_id"] for p in series.periods(item["dataset_id"])] == [item["dataset_id"], existing["id"]]


class TestIndexAgreement:
    def test_verification_opening_reindexes_the_letters_other_datasets(self, cast, sent):
        first = by_title(sent["id"], "Puskesmas")
        submit(cast, first)
        for item in items_of(sent["id"], state=["requested"]):
            who = cast.operator if item["owner_org"] == cast.opd["id"] else cast.other_operator
            upload(item["dataset_id"], balikpapan_csv(2026), "d.csv", who)
            call_action("sopsektoral_item_submit", as_user(who), id=item["id"])
        # The first item got its verification deadline when the last one was submitted.
        _shown, indexed, _ = sop_fields(first["dataset_id"])
        assert indexed["sop_deadline"]
        assert consistency.disagreements() == []

    def test_index_check_reports_and_fixes(self, cast, sent, cli):
        result = cli.invoke(sopsektoral, ["index", "check"])
        assert result.exit_code == 0, result.output
        assert "3 dataset(s)" in result.output
        item = by_title(sent["id"], "Puskesmas")
        # A change the index did not see (as if a reindex had been lost).
        model.Session.query(LetterItem).filter_by(id=item["id"]).update({"state": "submitted"})
        model.Session.commit()
        result = cli.invoke(sopsektoral, ["index", "check"])
        assert result.exit_code == 1
        assert "sop_status" in result.output and "'requested'" in result.output
        result = cli.invoke(sopsektoral, ["index", "check", "--fix"])
        assert result.exit_code == 0, result.output
        assert "reindexed 1 dataset(s)" in result.output
        assert cli.invoke(sopsektoral, ["index", "check"]).exit_code == 0


@pytest.fixture
def sent(cast, draft):
    advance(cast, draft["id"], "signed")
    return call_action("sopsektoral_letter_send", as_user(cast.verifier), id=draft["id"])


def test_indicator_key_is_the_title_without_its_year():
    assert series.indicator_key("Jumlah Puskesmas menurut Kecamatan 2025") == "jumlah-puskesmas-menurut-kecamatan"
    assert series.indicator_key("Jumlah Puskesmas Menurut Kecamatan") == "jumlah-puskesmas-menurut-kecamatan"
    assert series.indicator_key("Luas Wilayah (km2)") == "luas-wilayah-km2"
