"""Plain helpers shared by the test modules (the shared fixtures are in conftest.py).

Test modules import these; they never import from one another or from conftest.py.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import pathlib
from typing import Any

import pytest
from bs4 import BeautifulSoup
from werkzeug.datastructures import FileStorage

from ckan import model
from ckan.lib import search
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.sopsektoral import regions
from ckanext.sopsektoral import sop as sop_module
from ckanext.sopsektoral.checks.tables import Table, read_file
from ckanext.sopsektoral.sop import Sop

DATA = pathlib.Path(__file__).parent / "data"
ROOT = pathlib.Path(__file__).parents[3]
SECOND_SOP = DATA / "sop" / "kabupaten.yaml"
TEST_SOP_FILE = "SOPSEKTORAL_TEST_SOP_FILE"


# ---------------------------------------------------------------- people and letters

def assign(user: dict[str, Any], position: str, **extra: Any) -> dict[str, Any]:
    return call_action("sopsektoral_officer_assign", {"ignore_auth": True},
                       user=user["name"], position=position, **extra)


@dataclasses.dataclass
class Cast:
    """Everyone the SOP involves, as CKAN users, named by their part in the SOP file the tests run
    on (the default, Balikpapan's, or the second file: SOPSEKTORAL_TEST_SOP_FILE)."""

    sop: Sop
    holders: dict[str, dict[str, Any]]  # position key -> its (first) holder
    drafter: dict[str, Any]  # executor of drafting (also sends, assigns and publishes in both files)
    approvers: list[dict[str, Any]]  # one per approval step, in order; the last signs
    verifier: dict[str, Any]  # executor of verification (also claims and publishes)
    plt_signer: dict[str, Any]  # acting (Plt.) holder of the signer's position
    former_first_approver: dict[str, Any]  # held the first approver's position until yesterday (Plh.)
    operator: dict[str, Any]  # editor of the OPD
    other_operator: dict[str, Any]  # editor of another OPD
    user: dict[str, Any]  # logged in, no role
    sysadmin: dict[str, Any]
    opd: dict[str, Any]
    other_opd: dict[str, Any]

    @property
    def first_approver(self) -> dict[str, Any]:
        return self.approvers[0]

    @property
    def second_approver(self) -> dict[str, Any]:
        """The next approver after the first (the signer in a chain of one initial)."""
        return self.approvers[min(1, len(self.approvers) - 1)]

    @property
    def signer(self) -> dict[str, Any]:
        return self.approvers[-1]

    def state(self, index: int) -> str:
        """The letter's state while it waits on approval step ``index`` (0 the first, -1 the signature)."""
        return self.sop.approval_states[index]

    def name(self, who: str) -> str | None:
        return None if who == "anonymous" else getattr(self, who)["name"]


def make_cast() -> Cast:
    """Users for every position of the SOP file, two OPDs with an operator each, a sysadmin."""
    current = sop_module.current()
    holders = {p.key: factories.User(fullname=p.name.en) for p in current.positions}
    for key, user in holders.items():
        assign(user, key, nip="19800101" + "200501" + "1001")
    signer_position = current.signature.executor
    first_position = current.approvals[0].executor
    plt_signer = factories.User(fullname="Plt. " + current.position(signer_position).name.en)
    assign(plt_signer, signer_position, acting="plt")
    former = factories.User(fullname="Former " + current.position(first_position).name.en)
    today = dt.date.today()
    assign(former, first_position, acting="plh",
           valid_from=(today - dt.timedelta(days=30)).isoformat(),
           valid_until=(today - dt.timedelta(days=1)).isoformat())
    others = {key: factories.User(fullname=key.replace("_", " ").title())
              for key in ("operator", "other_operator", "user")}
    opd = factories.Organization(name="dinas-kesehatan", title="Dinas Kesehatan",
                                 users=[{"name": others["operator"]["name"], "capacity": "editor"}])
    other = factories.Organization(name="dinas-perhubungan", title="Dinas Perhubungan",
                                   users=[{"name": others["other_operator"]["name"], "capacity": "editor"}])
    return Cast(
        sop=current, holders=holders, drafter=holders[current.drafting.executor],
        approvers=[holders[s.executor] for s in current.approvals],
        verifier=holders[current.verification.executor], plt_signer=plt_signer,
        former_first_approver=former, sysadmin=factories.Sysadmin(), opd=opd, other_opd=other, **others,
    )


def more_entries(titles: list[str], opd: str = "dinas-perhubungan", year: int = 2026) -> list[dict[str, Any]]:
    """Daftar Data entries of their own (an entry can be in one open letter at a time)."""
    call_action("sopsektoral_daftar_data_import", {"ignore_auth": True}, rows=[
        {"tahun": year, "opd": opd, "judul_data": title, "satuan": "unit"} for title in titles])
    listed = call_action("sopsektoral_daftar_data_list", {"ignore_auth": True},
                         year=year, limit=1000)["results"]
    return [next(e for e in listed if e["title"] == title) for title in titles]


def as_user(user: dict[str, Any] | str | None) -> dict[str, Any]:
    name = user["name"] if isinstance(user, dict) else user
    return {"user": name, "ignore_auth": False}


def advance(cast: Cast, letter_id: str, to: str) -> dict[str, Any]:
    """Move a letter along the SOP file's chain until it is in state ``to``: the drafter
    submits, each approver initials or signs in turn."""
    letter = call_action("sopsektoral_letter_show", {"ignore_auth": True}, id=letter_id)
    chain = list(cast.sop.approval_states)
    while letter["state"] != to:
        state = letter["state"]
        if state == sop_module.DRAFT:
            action, who = "sopsektoral_letter_submit", cast.drafter
        else:
            index = chain.index(state)
            last = index == len(chain) - 1
            action = "sopsektoral_letter_sign" if last else "sopsektoral_letter_initial"
            who = cast.approvers[index]
        letter = call_action(action, as_user(who), id=letter_id)
        assert letter["state"] != state
    return letter


# ---------------------------------------------------------------- collecting the data of a sent letter

def balikpapan_csv(year: int, values: tuple[int, ...] = (5, 4, 5, 4, 6, 3), code_override: str | None = None
                   ) -> bytes:
    """A tidy table per kecamatan with Kemendagri codes, as Balikpapan's OPDs publish."""
    kecamatan = [c for c, r in regions.regions().items() if r["tingkat"] == "kecamatan"]
    lines = ["kode_wilayah,nama_kecamatan,jumlah_puskesmas,satuan,tahun"]
    for i, (code, value) in enumerate(zip(kecamatan, values, strict=False)):
        code_shown = code_override if code_override and i == 0 else code
        lines.append(f"{code_shown},{regions.name(code)},{value},unit,{year}")
    return ("\n".join(lines) + "\n").encode()


def upload(dataset_id: str, content: bytes, filename: str, user) -> dict:
    return call_action("resource_create", as_user(user), package_id=dataset_id, name=filename,
                       url=filename, format=filename.rsplit(".", 1)[-1].upper(),
                       upload=FileStorage(io.BytesIO(content), filename))


def items_of(letter_id, **filters):
    return call_action("sopsektoral_item_list", letter_id=letter_id, **filters)["results"]


def by_title(letter_id, fragment):
    return next(i for i in items_of(letter_id) if fragment in i["title"])


def submit_all(cast, letter_id, skip=frozenset()):
    """Upload and submit every item still requested (but those in ``skip``)."""
    for item in items_of(letter_id, state=["requested"]):
        if item["id"] in skip:
            continue
        who = cast.operator if item["owner_org"] == cast.opd["id"] else cast.other_operator
        upload(item["dataset_id"], balikpapan_csv(2026), "data-2026.csv", who)
        call_action("sopsektoral_item_submit", as_user(who), id=item["id"])


# ---------------------------------------------------------------- datasets from before the extension

CORE = {
    "author": "Bidang Pendidikan Dasar",
    "author_email": "dikdas@balikpapan.go.id",
    "maintainer": "Seksi Data",
    "maintainer_email": "data@balikpapan.go.id",
    "version": "1.2",
    "url": "https://disdik.balikpapan.go.id/data/sekolah",
    "notes": "Data lama, dibuat dengan formulir bawaan CKAN.",
    "license_id": "cc-by",
}
# Extras outside the schema, and a legacy value of a schema field (not one of its choices).
FREE_EXTRAS = {"sumber": "Dapodik", "catatan": "Semester ganjil"}
LEGACY = {"frekuensi": "Tahunan"}


def legacy_dataset(org: dict[str, Any], name: str, *, extras: dict[str, str] | None = None,
                   private: bool = False, **columns: Any) -> dict[str, Any]:
    """A dataset as plain CKAN stored it, indexed; returns its package_show."""
    pkg = model.Package(name=name, title=name.replace("-", " ").title(), type="dataset",
                        owner_org=org["id"], private=private, state="active", **{**CORE, **columns})
    model.Session.add(pkg)
    model.Session.flush()
    pkg.extras = dict({**FREE_EXTRAS, **LEGACY} if extras is None else extras)
    pkg.add_tag_by_name("pendidikan")
    pkg.resources_all.append(model.Resource(url="https://example.org/sekolah.csv", name="Data sekolah",
                                            format="CSV"))
    model.Session.commit()
    search.rebuild(pkg.id)
    return call_action("package_show", id=pkg.id)


def stored_extras(package_id: str) -> dict[str, str]:
    """The dataset's extras as the database holds them (schema fields and free ones)."""
    model.Session.expire_all()
    return dict(model.Package.get(package_id).extras or {})


def kept(before: dict[str, Any], after: dict[str, Any], extras: dict[str, str] | None = None) -> None:
    """Every field of ``before`` is in ``after`` with the same value, and every
    extra the dataset was made with is still stored, unchanged."""
    for key in [*CORE, "title", "name", "private", "owner_org"]:
        assert after.get(key) == before.get(key), key
    assert stored_extras(after["id"]).items() >= (extras or {**FREE_EXTRAS, **LEGACY}).items()
    assert [t["name"] for t in after["tags"]] == [t["name"] for t in before["tags"]]
    assert [r["url"] for r in after["resources"]][: len(before["resources"])] == \
        [r["url"] for r in before["resources"]]


def form_data(html: str, form_id: str) -> list[tuple[str, str]]:
    """What a browser posts for the form as it is shown, saved with its "save" button."""
    form = BeautifulSoup(html, "html.parser").find("form", id=form_id)
    data: list[tuple[str, str]] = [("save", "")]
    for field in form.find_all(["input", "select", "textarea"]):
        name = field.get("name")
        if not name or field.get("disabled") is not None:
            continue
        if field.name == "select":
            chosen = field.find("option", selected=True) or field.find("option")
            data.append((name, chosen.get("value", chosen.text) if chosen else ""))
        elif field.name == "textarea":
            data.append((name, field.text))
        elif field.get("type") in ("checkbox", "radio"):
            if field.get("checked") is not None:
                data.append((name, field.get("value", "on")))
        elif field.get("type") not in ("submit", "button", "file"):
            data.append((name, field.get("value", "")))
    return data


# ---------------------------------------------------------------- files read as the checks read them

REAL = ROOT.parent / "shared" / "data" / "real"  # the project's real tables (their README tells where from)
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason="shared/data/real is not next to this checkout")
JUNI = "surabaya_juni-jumlah-kunjungan-puskesmas-lama-baru-2023.csv"
MEI = "surabaya_mei-jumlah-kunjungan-puskesmas-lama-baru-2023.csv"
UMK = "jabar_disnakertrans-od_19868_daftar_upah_minimum_kabupatenkota_di_drh_prov_jabar_data.csv"


def write_rows(path: pathlib.Path, count: int, row) -> pathlib.Path:
    """A CSV of kelurahan figures with ``count`` rows made by ``row(i)``, written as it goes."""
    with path.open("w") as f:
        f.write("kode_wilayah,nama,jumlah,tahun\n")
        for i in range(count):
            f.write(row(i) + "\n")
    return path


def read(path, name=None, fmt=None) -> Table:
    """A file read as the checks read an uploaded resource (named ``name``, by default its file name)."""
    path = pathlib.Path(path)
    return read_file(str(path), Table("r", name or path.name, [], [], file_name=path.name,
                                      format=fmt or path.suffix[1:]))


# Tests whose expectations are Balikpapan's SOP itself (its positions, its three-step chain, its
# times) run only on the default SOP file; the rest of the suite runs on both files.
balikpapan_only = pytest.mark.skipif(
    bool(os.environ.get(TEST_SOP_FILE)), reason="expects Balikpapan's SOP (the default file)")


# ---------------------------------------------------------------- results against their documented schemas

def assert_result_valid(action_name: str, result: Any) -> None:
    """``result`` of the action ``action_name`` matches the schema logic/results.py
    documents for it (JSON Schema 2020-12, ``date-time`` and ``date`` formats checked)."""
    import json

    import jsonschema

    from ckanext.sopsektoral.logic import results

    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    assert "date-time" in checker.checkers, "install rfc3339-validator, or date-time goes unchecked"
    validator = jsonschema.Draft202012Validator(results.result_schema(action_name), format_checker=checker)
    errors = sorted(validator.iter_errors(json.loads(json.dumps(result))), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(
        f"{action_name} result/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:20])


def suite_sop() -> Sop:
    """The SOP file the suite runs on, read without CKAN's config (for module-level constants)."""
    return sop_module.load(os.environ.get(TEST_SOP_FILE) or sop_module.default_file())


def run_letter_pdf_jobs() -> int:
    """Run the queued jobs that render and sign letters' PDFs (letters.pdf.run_job), as the
    worker does, with rq's SimpleWorker in burst mode on a queue of their own; returns how many."""
    import rq

    from ckan.lib import jobs as ckan_jobs

    from ckanext.sopsektoral import config
    queue = ckan_jobs.get_queue(config.jobs_queue())
    mine = [j for j in queue.get_jobs() if j.func_name == "ckanext.sopsektoral.letters.pdf.run_job"]
    now = ckan_jobs.get_queue(f"{config.jobs_queue()}-sopsektoral-letter-pdf-now")
    for job in mine:
        queue.remove(job)
        now.enqueue_job(job)
    if mine:
        rq.SimpleWorker([now], connection=now.connection).work(burst=True)
    return len(mine)
