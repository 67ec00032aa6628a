"""The actions of logic/action/daftar_data.py that change one entry: update and delete.

(The import and the list are tested in tests/test_daftar_data.py.) An entry is changed with the
import's checks, field by field; while a letter holds it, it is neither changed nor deleted; an
entry that letters asked for keeps what identifies it, and deleting it keeps it for their history.
"""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.sopsektoral import sop
from ckanext.sopsektoral.tests.helpers import advance, as_user, by_title, more_entries, submit_all

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


def _listed(entry_id: str) -> list[dict]:
    return call_action("sopsektoral_daftar_data_list", ids=[entry_id])["results"]


def _events(action: str) -> list[dict]:
    return [e for e in call_action("sopsektoral_event_list", {"ignore_auth": True}, limit=1000)
            if e["action"] == action]


def _letter(cast, entries, subject="Susulan") -> dict:
    return call_action("sopsektoral_letter_create", as_user(cast.drafter), subject=subject, data_year=2026,
                       items=[e["id"] for e in entries])


@pytest.fixture
def entry(cast):
    """An entry no letter asked for."""
    return more_entries(["Jumlah Halte"])[0]


@pytest.fixture
def editor(cast):
    """A holder of the SOP file's import right (whatever file runs)."""
    holders = cast.sop.holders_of("import_daftar_data")
    return next(user for key, user in cast.holders.items() if key in holders)


class TestUpdate:
    def test_only_the_fields_given_change(self, cast, entry, editor):
        changed = call_action("sopsektoral_daftar_data_update", as_user(editor), id=entry["id"],
                              frekuensi="bulanan", definisi="Tempat henti angkutan umum")
        assert changed["metadata"] == {"satuan": "unit", "frekuensi": "bulanan",
                                       "definisi": "Tempat henti angkutan umum"}
        assert (changed["title"], changed["year"], changed["owner_org"]) == (
            entry["title"], entry["year"], entry["owner_org"])
        assert changed["requested_by"] is None
        cleared = call_action("sopsektoral_daftar_data_update", as_user(editor), id=entry["id"], satuan="")
        assert "satuan" not in cleared["metadata"]
        assert _listed(entry["id"])[0]["metadata"] == cleared["metadata"]
        logged = _events("daftar_data_update")
        assert len(logged) == 2
        assert logged[0]["actor_name"] == editor["name"]
        assert logged[0]["action_label"] == "Daftar Data entry corrected"  # a label, not the code name
        assert logged[0]["position"] in cast.sop.holders_of("import_daftar_data")
        assert entry["id"] in logged[0]["note"] and "changed=metadata_fields" in logged[0]["note"]

    def test_year_opd_and_title_of_an_entry_no_letter_asked_for(self, cast, entry, editor):
        changed = call_action("sopsektoral_daftar_data_update", as_user(editor), id=entry["id"],
                              year=2027, owner_org="Dinas Kesehatan", title="Jumlah Halte Bus 2027")
        assert (changed["year"], changed["owner_org"]) == (2027, cast.opd["id"])
        assert changed["title"] == "Jumlah Halte Bus 2027"
        assert changed["indicator_key"] == "jumlah-halte-bus"
        assert changed["organization_title"] == "Dinas Kesehatan"

    def test_nothing_to_change_logs_nothing(self, cast, entry, editor):
        same = call_action("sopsektoral_daftar_data_update", as_user(editor), id=entry["id"],
                           title=entry["title"], satuan="unit")
        assert same["modified"] == entry["modified"]
        assert _events("daftar_data_update") == []

    def test_a_dataset_of_the_opd(self, cast, entry, editor):
        mine = factories.Dataset(owner_org=cast.other_opd["id"], klasifikasi_akses="publik")
        theirs = factories.Dataset(owner_org=cast.opd["id"], klasifikasi_akses="publik")
        changed = call_action("sopsektoral_daftar_data_update", as_user(editor), id=entry["id"],
                              dataset_name=mine["id"])
        assert changed["dataset_name"] == mine["name"]
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_daftar_data_update", as_user(editor), id=entry["id"],
                        dataset_name=theirs["name"])
        assert list(err.value.error_dict) == ["dataset_name"]
        # Moving the entry to another OPD checks its dataset again.
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_daftar_data_update", as_user(editor), id=entry["id"], owner_org="dinas-kesehatan")
        assert list(err.value.error_dict) == ["owner_org"]  # the field sent, not one the client left alone
        moved = call_action("sopsektoral_daftar_data_update", as_user(editor), id=entry["id"],
                            owner_org="dinas-kesehatan", dataset_name=theirs["name"])
        assert moved["dataset_name"] == theirs["name"]
        assert call_action("sopsektoral_daftar_data_update", as_user(editor), id=entry["id"],
                           dataset_name="")["dataset_name"] is None

    @pytest.mark.parametrize("data, field", [
        ({"year": "dua ribu"}, "year"),
        ({"year": 1800}, "year"),
        ({"owner_org": "dinas-yang-tidak-ada"}, "owner_org"),
        ({"owner_org": ""}, "owner_org"),
        ({"title": ""}, "title"),
        ({"title": "x" * 501}, "title"),
        ({"frekuensi": "harian"}, "frekuensi"),
        ({"data_prioritas": "mungkin"}, "data_prioritas"),
        ({"kode_wilayah": "99.99"}, "kode_wilayah"),
        ({"dataset_name": "no-such-dataset"}, "dataset_name"),
        ({"satuan": 5}, "satuan"),
        ({"satuan": "a\x00b"}, "satuan"),
        ({"metadata": {"satuan": "unit"}}, "metadata"),
    ])
    def test_bad_input_is_a_field_error_and_changes_nothing(self, cast, entry, editor, data, field):
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_daftar_data_update", as_user(editor), id=entry["id"], **data)
        assert field in err.value.error_dict
        assert _listed(entry["id"])[0] == dict(entry)
        assert _events("daftar_data_update") == []

    def test_every_bad_field_is_named_at_once(self, cast, entry, editor):
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_daftar_data_update", as_user(editor), id=entry["id"],
                        frekuensi="harian", level_estimasi="provinsi", owner_org="tidak-ada")
        assert set(err.value.error_dict) == {"frekuensi", "level_estimasi", "owner_org"}

    def test_same_year_opd_and_title_as_another_entry(self, cast, daftar, entry, editor):
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_daftar_data_update", as_user(editor), id=entry["id"],
                        title="jumlah trayek angkutan kota")
        assert "title" in err.value.error_dict

    def test_unknown_entry_is_not_found(self, cast, editor):
        with pytest.raises(tk.ObjectNotFound):
            call_action("sopsektoral_daftar_data_update", as_user(editor), id="no-such-entry", satuan="x")
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_daftar_data_update", as_user(editor), satuan="x")
        assert "id" in err.value.error_dict

    @pytest.mark.parametrize("who", ["operator", "other_operator", "user", "signer"])
    def test_refused_to_who_may_not_import(self, cast, entry, who):
        if cast.name(who) in {u["name"] for k, u in cast.holders.items()
                              if k in cast.sop.holders_of("import_daftar_data")}:
            pytest.skip("this SOP file gives them the import right")
        with pytest.raises(tk.NotAuthorized):
            call_action("sopsektoral_daftar_data_update", as_user(getattr(cast, who)), id=entry["id"], satuan="x")
        with pytest.raises(tk.NotAuthorized):
            call_action("sopsektoral_daftar_data_delete", as_user(getattr(cast, who)), id=entry["id"])
        assert _listed(entry["id"])[0]["metadata"]["satuan"] == "unit"

    def test_sysadmin_may(self, cast, entry):
        changed = call_action("sopsektoral_daftar_data_update", as_user(cast.sysadmin), id=entry["id"], satuan="halte")
        assert changed["metadata"]["satuan"] == "halte"
        assert _events("daftar_data_update")[0]["position"] == "sysadmin"


class TestHeldByALetter:
    """While a letter holds an open request of the entry, it is neither changed nor deleted;
    the refusal names the letter."""

    @pytest.mark.parametrize("state", ["draft", 0, -1, "signed"])
    def test_refused_while_the_letter_is_open(self, cast, draft, daftar, editor, state):
        advance(cast, draft["id"], cast.state(state) if isinstance(state, int) else state)
        letter = call_action("sopsektoral_letter_show", id=draft["id"])
        named = letter["number"] or draft["subject"]
        for action, data in (("update", {"satuan": "x"}), ("delete", {})):
            with pytest.raises(tk.ValidationError) as err:
                call_action(f"sopsektoral_daftar_data_{action}", as_user(editor), id=daftar[0]["id"], **data)
            assert list(err.value.error_dict) == ["id"]
            assert named in err.value.error_dict["id"][0]
        assert _listed(daftar[0]["id"])[0]["metadata"] == daftar[0]["metadata"]

    def test_refused_while_its_data_is_collected(self, cast, sent, daftar, editor):
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_daftar_data_delete", as_user(editor), id=daftar[0]["id"])
        assert sent["number"] in err.value.error_dict["id"][0]
        assert len(_listed(daftar[0]["id"])) == 1


class TestAskedForBefore:
    """An entry that finished (or cancelled) letters asked for: what identifies it stays, and
    deleting it keeps it for their history."""

    @pytest.fixture
    def cancelled(self, cast, entry):
        letter = _letter(cast, [entry])
        return call_action("sopsektoral_letter_cancel", as_user(cast.drafter), id=letter["id"])

    @pytest.mark.parametrize("data", [{"year": 2027}, {"owner_org": "dinas-kesehatan"}, {"title": "Halte"}])
    def test_year_opd_and_title_stay(self, cast, entry, cancelled, editor, data):
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_daftar_data_update", as_user(editor), id=entry["id"], **data)
        assert list(err.value.error_dict) == list(data)

    def test_metadata_may_change(self, cast, entry, cancelled, editor):
        changed = call_action("sopsektoral_daftar_data_update", as_user(editor), id=entry["id"],
                              satuan="halte", year=entry["year"], title=entry["title"])
        assert changed["metadata"]["satuan"] == "halte"

    def test_deleting_keeps_it_for_the_letters_history(self, cast, entry, cancelled, editor):
        deleted = call_action("sopsektoral_daftar_data_delete", as_user(editor), id=entry["id"])
        assert deleted["kept_for_history"] is True and deleted["deleted"]
        assert deleted["title"] == entry["title"]
        assert _listed(entry["id"]) == []
        assert call_action("sopsektoral_daftar_data_list", year=2026, q="Halte")["count"] == 0
        # The cancelled letter still shows what it asked for.
        shown = call_action("sopsektoral_letter_show", id=cancelled["id"])
        assert [i["daftar_data_id"] for g in shown["organizations"] for i in g["items"]] == [entry["id"]]
        # No new letter can ask for it, and it is gone for the actions on one entry.
        with pytest.raises(tk.ValidationError) as err:
            _letter(cast, [entry])
        assert "items" in err.value.error_dict
        for action, data in (("update", {"satuan": "x"}), ("delete", {})):
            with pytest.raises(tk.ObjectNotFound):
                call_action(f"sopsektoral_daftar_data_{action}", as_user(editor), id=entry["id"], **data)
        logged = _events("daftar_data_delete")
        assert len(logged) == 1 and "kept_for_history=true" in logged[0]["note"]
        assert logged[0]["action_label"] == "Daftar Data entry deleted"
        # Importing it again restores it (the same entry, so its history stays whole).
        result = call_action("sopsektoral_daftar_data_import", as_user(editor), rows=[
            {"tahun": 2026, "opd": "dinas-perhubungan", "judul_data": "Jumlah Halte", "satuan": "halte"}])
        assert result["created"] == 1
        assert _listed(entry["id"])[0]["metadata"] == {"satuan": "halte"}

    def test_a_title_of_a_deleted_entry_is_not_taken_by_another(self, cast, entry, cancelled, editor):
        call_action("sopsektoral_daftar_data_delete", as_user(editor), id=entry["id"])
        other = more_entries(["Jumlah Halte Bus"])[0]
        with pytest.raises(tk.ValidationError) as err:
            call_action("sopsektoral_daftar_data_update", as_user(editor), id=other["id"], title="Jumlah Halte")
        assert "title" in err.value.error_dict

    def test_verified_data_keeps_its_history(self, cast, sent, daftar, editor):
        submit_all(cast, sent["id"])
        item = by_title(sent["id"], "Puskesmas")
        call_action("sopsektoral_item_verify", as_user(cast.verifier), id=item["id"])
        before = call_action("sopsektoral_status_show", id=item["dataset_id"])
        periods = call_action("sopsektoral_period_list", id=item["dataset_id"])["results"]
        deleted = call_action("sopsektoral_daftar_data_delete", as_user(editor), id=item["daftar_data_id"])
        assert deleted["kept_for_history"] is True
        after = call_action("sopsektoral_status_show", id=item["dataset_id"])
        assert after == before
        assert call_action("sopsektoral_period_list", id=item["dataset_id"])["results"] == periods
        assert call_action("sopsektoral_item_show", id=item["id"])["state"] == "verified"
        assert call_action("sopsektoral_letter_show", id=sent["id"])["item_count"] == 3


class TestDelete:
    def test_an_entry_no_letter_asked_for_is_removed(self, cast, entry, editor):
        deleted = call_action("sopsektoral_daftar_data_delete", as_user(editor), id=entry["id"])
        assert deleted["kept_for_history"] is False
        assert _listed(entry["id"]) == []
        logged = _events("daftar_data_delete")
        assert len(logged) == 1 and entry["id"] in logged[0]["note"]
        assert "kept_for_history=false" in logged[0]["note"]
        # Imported again, it is a new entry.
        more_entries(["Jumlah Halte"])
        assert call_action("sopsektoral_daftar_data_list", q="Jumlah Halte")["results"][0]["id"] != entry["id"]

    def test_unknown_entry_is_not_found(self, cast, editor):
        with pytest.raises(tk.ObjectNotFound):
            call_action("sopsektoral_daftar_data_delete", as_user(editor), id="no-such-entry")

    def test_a_cancelled_letter_frees_the_entry(self, cast, draft, daftar, editor):
        call_action("sopsektoral_letter_cancel", as_user(cast.drafter), id=draft["id"])
        assert call_action("sopsektoral_daftar_data_delete", as_user(editor), id=daftar[0]["id"])["kept_for_history"]

    def test_a_letter_being_drafted_may_not_take_a_deleted_entry(self, cast, daftar, editor):
        call_action("sopsektoral_daftar_data_delete", as_user(editor), id=daftar[2]["id"])
        with pytest.raises(tk.ValidationError) as err:
            _letter(cast, [daftar[2]])
        assert daftar[2]["id"] in err.value.error_dict["items"][0]
        letter = _letter(cast, daftar[:2])
        assert letter["item_count"] == 2
        assert advance(cast, letter["id"], sop.SIGNED)["state"] == sop.SIGNED
