"""Realistic demo data for a Balikpapan portal (``ckan sopsektoral demo load``), for whichever SOP
file the portal runs: officials for its positions (people.py), letters walked along its chain.

Running it again changes nothing that exists.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator

from werkzeug.datastructures import FileStorage

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib import search

from ckanext.sopsektoral import config, pki, regions, sop
from ckanext.sopsektoral.demo import people
from ckanext.sopsektoral.demo.catalogue import (
    COLLECTION,
    DAFTAR_DATA,
    DAFTAR_YEAR,
    DATASETS,
    EXISTING_DATASETS,
    KECAMATAN,
    LETTER_BODY,
    LETTERS,
    OPDS,
    PREVIOUS_LETTER,
    PREVIOUS_YEAR,
    PREVIOUS_YEAR_OPDS,
    DemoLetter,
    _previous_values,
)

DEMO_PASSWORD = "Balikpapan2026!"


def users() -> list[people.DemoUser]:
    return people.users()


def _site_user() -> dict:
    return tk.get_action("get_site_user")({"ignore_auth": True}, {})


def _context() -> dict:
    return {"user": _site_user()["name"], "ignore_auth": True}


def _exists(action: str, id_: str) -> bool:
    try:
        tk.get_action(action)(_context(), {"id": id_})
        return True
    except tk.ObjectNotFound:
        return False


def load(echo: Callable[[str], None] = print) -> None:
    """Create (or complete) the demo data; running it again changes nothing."""
    for step, message in _steps():
        step()
        echo(message)


def _steps() -> Iterator[tuple[Callable[[], None], str]]:
    yield _load_users, f"{len(people.users())} users"
    yield _load_organizations, f"{len(OPDS)} OPD organizations"
    yield _load_officers, "officers assigned to the SOP positions"
    yield _load_certificates, "signing certificates of the officers (a test CA), when the demo signs locally"
    yield _load_datasets, f"{len(DATASETS)} published datasets"
    yield _load_existing_datasets, f"{len(EXISTING_DATASETS)} datasets from before the extension (CKAN's default form)"
    yield _load_daftar_data, f"Daftar Data {PREVIOUS_YEAR} and {DAFTAR_YEAR}: {len(DAFTAR_DATA)} entries a year"
    yield _load_previous_year, f"letter for {PREVIOUS_YEAR}: collected, verified and published"
    yield _load_letters, f"{len(LETTERS)} request letters, in every state"
    yield _load_collection, "collection and verification of letter Tahap I (every item state)"


def _load_users() -> None:
    for user in people.users():
        if not _exists("user_show", user.name):
            tk.get_action("user_create")(_context(), {
                "name": user.name,
                "fullname": user.fullname,
                "email": f"{user.name}@demo.balikpapan.go.id",
                "password": DEMO_PASSWORD,
            })
        if user.sysadmin:
            obj = model.User.get(user.name)
            if not obj.sysadmin:
                obj.sysadmin = True
                model.Session.commit()


def _load_organizations() -> None:
    for name, title, short in OPDS:
        if _exists("organization_show", name):
            continue
        tk.get_action("organization_create")(_context(), {
            "name": name,
            "title": title,
            "description": f"{title} ({short}), Pemerintah Kota Balikpapan.",
        })
    for user in people.users():
        if user.opd:
            tk.get_action("organization_member_create")(_context(), {
                "id": user.opd, "username": user.name, "role": "editor",
            })


def _load_datasets() -> None:
    for ds in DATASETS:
        if _exists("package_show", ds.name):
            continue
        pkg = tk.get_action("package_create")(_context(), {
            "name": ds.name,
            "title": ds.title,
            "owner_org": ds.opd,
            "notes": f"{ds.title}. Sumber: {ds.opd}.",
            "license_id": "cc-by",
            "private": False,
            "konsep": ds.konsep,
            "definisi": ds.definisi,
            "klasifikasi": "menurut kecamatan",
            "ukuran": ds.ukuran,
            "satuan": ds.satuan,
            "klasifikasi_penyajian": "menurut kecamatan",
            "indikator_komposit": "tidak",
            "level_estimasi": "kecamatan",
            "tahun_data": str(ds.year),
            "frekuensi": "tahunan",
            "kode_wilayah": "64.71",
            "sumber_data": dict((o[0], o[1]) for o in OPDS)[ds.opd],
            "metode_pengumpulan": ds.metode,
            "data_prioritas": "ya",
            "klasifikasi_akses": "publik",
            "tag_string": ",".join(ds.tags),
        })
        _upload_csv(pkg["id"], f"{ds.name}.csv", f"Data Tahun {ds.year}", ds.csv_text())


def _load_existing_datasets() -> None:
    for ds in EXISTING_DATASETS:
        if _exists("package_show", ds["name"]):
            continue
        # Written as CKAN's default schema stored it, not through today's schema.
        fields = {k: v for k, v in ds.items() if k not in ("extras", "resource", "owner_org")}
        pkg = model.Package(type="dataset", state="active", private=False,
                            owner_org=model.Group.get(ds["owner_org"]).id, **fields)
        pkg.extras = dict(ds["extras"])
        url, name, fmt = ds["resource"]
        pkg.resources_all.append(model.Resource(url=url, name=name, format=fmt))
        model.Session.add(pkg)
        model.Session.commit()
        search.rebuild(pkg.id)


def _upload_csv(package_id: str, filename: str, name: str, text: str) -> None:
    tk.get_action("resource_create")(_context(), {
        "package_id": package_id,
        "name": name,
        "format": "CSV",
        "url": filename,
        "upload": FileStorage(io.BytesIO(text.encode("utf-8")), filename, content_type="text/csv"),
    })


def _as(user: str) -> dict:
    return {"user": user, "ignore_auth": False}


def _load_officers() -> None:
    current = {(o["user_name"], o["position"]) for o in tk.get_action("sopsektoral_officer_list")(
        _context(), {"include_past": True})}
    for user in people.users():
        if user.position and (user.name, user.position) not in current:
            tk.get_action("sopsektoral_officer_assign")(_context(), {
                "user": user.name, "position": user.position, "nip": user.nip, "rank": user.rank,
                "valid_from": "2025-01-02",
            })


def _load_certificates() -> None:
    """In ``local`` signing mode (demo.ini), a test certification authority and a PKCS#12 file for
    each demo officer in the configured directory, so that signed letters carry a real signature.
    Existing files are kept."""
    directory = config.signing_pkcs12_dir()
    if config.signing_mode() != "local" or not directory:
        return
    pki.demo_pki(directory, [
        {"user_name": user.name, "name": user.fullname, "nip": user.nip}
        for user in people.users() if user.position
    ], config.signing_pkcs12_passphrase(), organization=sop.text(sop.current().office, "id"))


def _load_daftar_data() -> None:
    rows = [
        {
            "tahun": year, "opd": opd, "judul_data": title, "satuan": satuan,
            # The published 2024 dataset is named as the indicator's earlier data: each
            # year gets a dataset of its own, prefilled from the previous period's.
            "dataset": dataset or "",
            "frekuensi": "tahunan", "kode_wilayah": "64.71",
            "klasifikasi_akses": "publik", "data_prioritas": "ya" if dataset else "tidak",
            "metode_pengumpulan": "kompilasi_administrasi",
        }
        for year in (PREVIOUS_YEAR, DAFTAR_YEAR)
        for opd, title, satuan, dataset in DAFTAR_DATA
        if year == DAFTAR_YEAR or opd in PREVIOUS_YEAR_OPDS
    ]
    tk.get_action("sopsektoral_daftar_data_import")(_as(people.with_right("import_daftar_data")), {"rows": rows})


def _load_previous_year() -> None:
    existing = tk.get_action("sopsektoral_letter_list")(_context(), {"year": PREVIOUS_YEAR, "limit": 10})["results"]
    if any(r["subject"] == PREVIOUS_LETTER for r in existing):
        return
    entries = tk.get_action("sopsektoral_daftar_data_list")(
        _context(), {"year": PREVIOUS_YEAR, "limit": 1000})["results"]
    letter = tk.get_action("sopsektoral_letter_create")(_as(_drafter()), {
        "subject": PREVIOUS_LETTER, "body": LETTER_BODY.format(year=PREVIOUS_YEAR), "data_year": PREVIOUS_YEAR,
        "sifat": "penting", "lampiran": "1 (satu) berkas",
        "tembusan": ["Wali Kota Balikpapan (sebagai laporan)"], "items": [e["id"] for e in entries],
    })
    letter = _advance(letter, sop.SENT)
    items = tk.get_action("sopsektoral_item_list")(_context(), {"letter_id": letter["id"], "limit": 100})["results"]
    for item in items:
        fragment, values = next(((f, v) for f, v, *_ in COLLECTION if f.lower() in item["title"].lower()),
                                (item["title"], (10, 12, 15, 11, 14, 9)))
        _collect(item, PREVIOUS_YEAR, _previous_values(fragment, values), None)
    for item in items:
        _verify(item["id"])
        tk.get_action("sopsektoral_item_publish")(_as(people.with_right("publish")), {"id": item["id"]})


def _collect(item: dict, year: int, values: tuple, bad_code: str | None) -> str:
    """Upload the OPD's table for the item and submit it; returns the operator."""
    operator = people.OPERATOR_OF[model.Group.get(item["owner_org"]).name]
    column = item["title"].split(" menurut ")[0].lower().replace(" ", "_")
    satuan = next(d[2] for d in DAFTAR_DATA if d[1] == item["title"])
    _upload_csv(item["dataset_id"], f"{column}-{year}.csv", f"Data Tahun {year}",
                _kecamatan_csv(year, column, satuan, values, bad_code))
    tk.get_action("sopsektoral_item_submit")(_as(operator), {"id": item["id"]})
    return operator


def _verify(item_id: str) -> None:
    verifier = people.one_of(sop.current().verification)
    tk.get_action("sopsektoral_item_claim")(_as(verifier), {"id": item_id})
    tk.get_action("sopsektoral_item_verify")(_as(verifier), {"id": item_id, "checklist": {
        "standar_data": True, "metadata": True, "interoperabilitas": True,
        "kode_referensi": True, "kebenaran": True, "kewajaran": True}})


def _drafter() -> str:
    return people.one_of(sop.current().drafting)


def _target(spec: DemoLetter) -> str:
    if spec.waiting is not None:
        chain = sop.current().approval_states
        return chain[max(-len(chain), min(spec.waiting, len(chain) - 1))]
    return spec.state


def _advance(letter: dict, target: str) -> dict:
    """Move a letter along the SOP file's chain until it is in ``target``: each step's executor
    does its transition (submit, initials, signature, sending)."""
    current = sop.current()
    moves = current.transitions()
    while letter["state"] != target:
        state = letter["state"]
        if state == sop.DRAFT:
            transition, user = "submit", _drafter()
        elif state == sop.SIGNED:
            transition, user = "send", people.one_of(current.sending)
        else:
            step = current.waiting_on(state)
            transition = "sign" if state in moves["sign"] else "initial"
            user = people.one_of(step)
        letter = tk.get_action(f"sopsektoral_letter_{transition}")(_as(user), {"id": letter["id"]})
    return letter


def _load_letters() -> None:
    existing = {r["subject"] for r in tk.get_action("sopsektoral_letter_list")(_context(), {"limit": 1000})["results"]}
    entries = tk.get_action("sopsektoral_daftar_data_list")(_context(), {"year": DAFTAR_YEAR, "limit": 1000})["results"]
    for spec in LETTERS:
        if spec.subject in existing:
            continue
        items = [e["id"] for e in entries if model.Group.get(e["owner_org"]).name in spec.opds]
        letter = tk.get_action("sopsektoral_letter_create")(_as(_drafter()), {
            "subject": spec.subject, "body": LETTER_BODY.format(year=DAFTAR_YEAR), "data_year": DAFTAR_YEAR,
            "sifat": "penting", "lampiran": "1 (satu) berkas",
            "tembusan": ["Wali Kota Balikpapan (sebagai laporan)", "Sekretaris Daerah Kota Balikpapan"],
            "items": items,
        })
        if spec.returned_with:
            tk.get_action("sopsektoral_letter_submit")(_as(_drafter()), {"id": letter["id"]})
            tk.get_action("sopsektoral_letter_return")(_as(people.one_of(sop.current().approvals[0])), {
                "id": letter["id"], "note": spec.returned_with})
        if spec.state == sop.CANCELLED:
            tk.get_action("sopsektoral_letter_cancel")(_as(_drafter()), {
                "id": letter["id"], "note": "Digabung ke surat Tahap berikutnya."})
            continue
        _advance(letter, _target(spec))


def _kecamatan_csv(year: int, column: str, satuan: str, values: tuple, bad_code: str | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["kode_wilayah", "nama_kecamatan", column, "satuan", "tahun"])
    for i, (code, value) in enumerate(zip(KECAMATAN, values, strict=False)):
        writer.writerow([bad_code if bad_code and i == 2 else code, regions.name(code), value, satuan, year])
    return out.getvalue()


def _load_collection() -> None:
    letters = tk.get_action("sopsektoral_letter_list")(_context(), {"q": "Tahap I", "limit": 10})["results"]
    letter = next((r for r in letters if r["subject"].endswith("Tahap I")), None)
    if letter is None or letter["state"] != sop.SENT:
        return
    items = tk.get_action("sopsektoral_item_list")(_context(), {"letter_id": letter["id"], "limit": 100})["results"]
    if any(i["state"] != "requested" for i in items):
        return  # already loaded
    plan = []
    for fragment, values, target, bad_code, note in COLLECTION:
        item = next(i for i in items if fragment.lower() in i["title"].lower())
        _collect(item, DAFTAR_YEAR, values, bad_code)
        plan.append((item, target, note))
    for item, target, note in plan:
        if target in ("verified", "published"):
            _verify(item["id"])
        if target == "published":
            tk.get_action("sopsektoral_item_publish")(_as(people.with_right("publish")), {"id": item["id"]})
        if target == "returned":
            returner = people.one_of(sop.current().verification, 1)
            tk.get_action("sopsektoral_item_return")(_as(returner), {"id": item["id"], "note": note, "checklist": {
                "standar_data": True, "metadata": True, "kebenaran": False}})
