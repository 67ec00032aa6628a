"""Half-installed: the plugin enabled, its database not (yet) at the head of its migrations.

The portal keeps working as CKAN would without the extension's SOP status;
the extension's own pages answer 503 and its actions a clean error; a
sysadmin sees the command to run; migrating heals a running process.
"""
from __future__ import annotations

import io
import logging
import time
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from bs4 import BeautifulSoup
from werkzeug.datastructures import FileStorage, MultiDict

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.sopsektoral import readiness
from ckanext.sopsektoral.datasets import status
from ckanext.sopsektoral.tests.factories import sectoral_dataset
from ckanext.sopsektoral.tests.helpers import advance, as_user, form_data, kept, legacy_dataset

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")

COMMAND = "db upgrade -p sopsektoral"


def _headers(user: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": factories.APIToken(user=user["name"])["token"]}


def _previous_revision() -> str:
    script = ScriptDirectory(readiness.MIGRATION_DIR)
    (head,) = readiness.heads()
    return script.get_revision(head).down_revision


@pytest.fixture
def half_install(migrate_db_for):
    """Takes the plugin's database back: ``never_migrated`` (no version table,
    as after enabling the plugin without running the upgrade) or
    ``one_behind`` (the package upgraded to a version with a new migration).
    Whatever happens, the database is at the head again afterwards and the
    readiness cache forgotten, so that other tests are unaffected."""

    def downgrade(state: str) -> None:
        model.Session.remove()  # no transaction of ours may hold the tables
        if state == "never_migrated":
            migrate_db_for("sopsektoral", version="base", forward=False)
            with model.meta.engine.begin() as conn:
                conn.execute(sa.text(f"DROP TABLE {readiness.VERSION_TABLE}"))
        else:
            migrate_db_for("sopsektoral", version=_previous_revision(), forward=False)
        readiness.reset()

    try:
        yield downgrade
    finally:
        model.Session.remove()
        migrate_db_for("sopsektoral")
        readiness.reset()


def test_ready_at_the_head_of_the_migrations():
    readiness.reset()
    assert readiness.ready()
    assert readiness.database_revisions() == readiness.heads()
    assert len(readiness.heads()) == 1
    tables = set(sa.inspect(model.meta.engine).get_table_names())
    assert readiness.VERSION_TABLE in tables  # the table env.py gives alembic


@pytest.mark.parametrize("state", ["never_migrated", "one_behind"])
def test_datasets_work_through_the_actions_while_half_installed(half_install, state):
    org = factories.Organization()
    before = sectoral_dataset(owner_org=org["id"], name="made-before", title="Jumlah Pasar")
    half_install(state)
    assert not readiness.ready()
    assert readiness.database_revisions() != readiness.heads()

    made = sectoral_dataset(owner_org=org["id"], name="made-during", title="Jumlah Puskesmas")
    shown = call_action("package_show", id=made["id"])
    assert shown["konsep"] == "Fasilitas pelayanan kesehatan tingkat pertama."
    assert {k: shown.get(k) for k in status.FIELDS} == dict.fromkeys(status.FIELDS)

    call_action("package_patch", id=made["id"], notes="Diperbarui")
    call_action("package_patch", id=before["id"], notes="Juga diperbarui")
    full = call_action("package_show", id=before["id"])
    call_action("package_update", **dict(full, title="Jumlah Pasar Rakyat"))
    call_action("resource_create", package_id=made["id"], name="data.csv", url="data.csv", format="CSV",
                upload=FileStorage(io.BytesIO(b"kode_wilayah,jumlah\n64.71.01,5\n"), "data.csv"))
    assert len(call_action("package_show", id=made["id"])["resources"]) == 1

    found = call_action("package_search", q="name:made-during OR name:made-before", fl="name,notes,title")
    assert {d["name"]: d["notes"] for d in found["results"]} == {
        "made-during": "Diperbarui", "made-before": "Juga diperbarui"}
    assert call_action("package_search", q="title:Rakyat")["count"] == 1

    # The extension's actions refuse cleanly; CKAN's go on.
    with pytest.raises(readiness.NotMigrated) as err:
        call_action("sopsektoral_officer_list")
    assert isinstance(err.value, tk.ValidationError)
    assert COMMAND in str(err.value.error_dict)


def test_a_portals_existing_datasets_stay_editable_while_half_installed(app, half_install):
    """The plugin enabled on a portal with datasets made by CKAN's default
    form, and the portal restarted before the upgrade was run."""
    org = factories.Organization()
    admin = factories.User()
    call_action("organization_member_create", id=org["id"], username=admin["name"], role="admin")
    before = legacy_dataset(org, "jumlah-sekolah-lama")
    half_install("never_migrated")

    kept(before, call_action("package_show", id=before["id"]))
    context = {"user": admin["name"]}
    call_action("package_patch", context, id=before["id"], notes="Diperbarui")
    call_action("resource_create", context, package_id=before["id"], url="https://example.org/guru.xlsx",
                name="Data guru", format="XLSX")
    after = call_action("package_show", id=before["id"])
    kept({**before, "notes": "Diperbarui"}, after)
    assert len(after["resources"]) == 2

    headers = _headers(admin)
    assert app.get(tk.url_for("dataset.read", id=before["name"]), headers=headers).status_code == 200
    assert app.get(tk.url_for("resource.new", id=before["name"]), headers=headers).status_code == 200
    edit = app.get(tk.url_for("dataset.edit", id=before["name"]), headers=headers)
    assert edit.status_code == 200
    resp = app.post(tk.url_for("dataset.edit", id=before["name"]), headers=headers,
                    data=MultiDict(form_data(edit.body, "dataset-edit")), follow_redirects=False)
    assert resp.status_code == 302, resp.body
    kept({**before, "notes": "Diperbarui"}, call_action("package_show", id=before["id"]))


def test_pages_work_and_only_the_sysadmin_sees_the_command(app, half_install):
    sysadmin, user = factories.Sysadmin(), factories.User()
    org = factories.Organization(users=[{"name": user["name"], "capacity": "editor"}])
    dataset = sectoral_dataset(owner_org=org["id"])
    half_install("never_migrated")

    for who in (sysadmin, user):
        for url in ("/", tk.url_for("dataset.search"), tk.url_for("dataset.read", id=dataset["name"]),
                    tk.url_for("dataset.edit", id=dataset["name"]),
                    tk.url_for("resource.new", id=dataset["name"])):
            resp = app.get(url, headers=_headers(who))
            assert resp.status_code == 200, (url, resp.body)
            banner = BeautifulSoup(resp.body, "html.parser").select_one(".sopsektoral-pending-migration")
            if who is sysadmin:
                assert banner is not None and COMMAND in banner.text, url
                assert "ckan -c " in banner.code.text
            else:
                assert banner is None, url
    assert app.get(tk.url_for("dataset.read", id=dataset["name"])).status_code == 200  # anonymous

    # The dataset form saves.
    resp = app.post(tk.url_for("dataset.edit", id=dataset["name"]), headers=_headers(user), data={
        **{k: v for k, v in call_action("package_show", id=dataset["id"]).items() if isinstance(v, str)},
        "notes": "Disimpan lewat formulir", "save": "",
    }, follow_redirects=False)
    assert resp.status_code == 302, resp.body
    assert call_action("package_show", id=dataset["id"])["notes"] == "Disimpan lewat formulir"


def test_our_pages_answer_503_naming_the_command(app, half_install):
    sysadmin, user = factories.Sysadmin(), factories.User()
    half_install("never_migrated")
    for who, headers in (("anonymous", {}), ("user", _headers(user)), ("sysadmin", _headers(sysadmin))):
        for url in (tk.url_for("sopsektoral.inbox"), tk.url_for("sopsektoral.sop_page"),
                    tk.url_for("sopsektoral.officers"), tk.url_for("sopsektoral.letter_read", id="x")):
            resp = app.get(url, headers=headers, follow_redirects=False)
            assert resp.status_code == 503, (who, url)
            assert COMMAND in resp.body
        resp = app.post(tk.url_for("sopsektoral.officers"), headers=headers, data={"user": "x"},
                        follow_redirects=False)
        assert resp.status_code == 503
    # The sysadmin is told this portal's config file; the others a placeholder.
    assert readiness.command() in app.get(tk.url_for("sopsektoral.inbox"), headers=_headers(sysadmin)).body
    assert tk.config["__file__"] not in app.get(tk.url_for("sopsektoral.inbox"), headers=_headers(user)).body

    # The action API: a validation error naming the command, not a 500.
    resp = app.post("/api/3/action/sopsektoral_letter_list", json={}, headers=_headers(sysadmin))
    assert resp.status_code == 409
    assert COMMAND in resp.json["error"]["sopsektoral"][0]
    resp = app.get("/api/3/action/package_search", headers=_headers(user))
    assert resp.status_code == 200


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_the_log_warns_once(half_install):
    half_install("never_migrated")
    # Running the migrations in this process (alembic's fileConfig of its
    # alembic.ini) replaced the root logger's handlers (pytest's caplog among
    # them); a portal migrates in another process. So the test listens on the
    # module's logger itself.
    records = _Records()
    readiness.log.addHandler(records)
    try:
        for _ in range(3):
            sectoral_dataset()
            call_action("package_search", q="*:*")
    finally:
        readiness.log.removeHandler(records)
    assert len(records.records) == 1
    assert COMMAND in records.records[0].getMessage()


def test_migrating_heals_a_running_portal(app, cast, draft, half_install, migrate_db_for):
    """Half-installed after an upgrade of the package (its tables hold data):
    the SOP status and the officers' search labels step aside, and come back
    once the database is migrated, without a restart."""
    advance(cast, draft["id"], "signed")
    call_action("sopsektoral_letter_send", as_user(cast.verifier), id=draft["id"])
    item = call_action("sopsektoral_item_list", letter_id=draft["id"])["results"][0]
    dataset_id = item["dataset_id"]

    def officer_finds() -> bool:
        result = call_action("package_search", as_user(cast.verifier), q=f"id:{dataset_id}",
                             include_private=True)
        return result["count"] == 1

    assert call_action("package_show", id=dataset_id)["sop_status"] == "requested"
    assert officer_finds()  # a private dataset of an OPD the officer is not a member of
    inbox = tk.url_for("sopsektoral.inbox")

    half_install("one_behind")
    assert call_action("package_show", id=dataset_id)["sop_status"] is None
    assert not officer_finds()  # CKAN's own labels only
    assert app.get(inbox, headers=_headers(cast.verifier)).status_code == 503
    assert app.get(tk.url_for("dataset.read", id=dataset_id), headers=_headers(cast.operator)).status_code == 200

    model.Session.remove()
    migrate_db_for("sopsektoral")
    # No reset: the running process notices by itself, once "not ready" is old enough.
    time.sleep(readiness.RECHECK_SECONDS)
    assert call_action("package_show", id=dataset_id)["sop_status"] == "requested"
    assert officer_finds()
    page = app.get(inbox, headers=_headers(cast.sysadmin))
    assert page.status_code == 200
    assert "sopsektoral-pending-migration" not in page.body
    assert readiness.ready()


def test_ready_is_not_kept_before_the_head(half_install, migrate_db_for):
    half_install("never_migrated")
    assert not readiness.ready()
    model.Session.remove()
    migrate_db_for("sopsektoral", version=_previous_revision())
    readiness.reset()  # ask the database again now (the real recheck is test_migrating_heals_...)
    assert not readiness.ready()
    migrate_db_for("sopsektoral")
    readiness.reset()
    assert readiness.ready()
