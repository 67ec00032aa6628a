"""Realistic demo data for a Balikpapan portal (``ckan sopsektoral demo load``).

Officials' names and NIPs are fictional; the OPDs, region codes and reference
figures follow the domain brief (docs/glossary.md).
"""
from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Callable, Iterator

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.sopsektoral import regions, sop

DEMO_PASSWORD = "Balikpapan2026!"

# Organizations: (name, title, short name). Diskominfo is the walidata.
OPDS: tuple[tuple[str, str, str], ...] = (
    ("dinas-komunikasi-dan-informatika", "Dinas Komunikasi dan Informatika", "Diskominfo"),
    ("dinas-pendidikan-dan-kebudayaan", "Dinas Pendidikan dan Kebudayaan", "Disdikbud"),
    ("dinas-kesehatan", "Dinas Kesehatan", "Dinkes"),
    ("dinas-pekerjaan-umum", "Dinas Pekerjaan Umum", "DPU"),
    ("dinas-perumahan-dan-permukiman", "Dinas Perumahan dan Permukiman", "Disperkim"),
    ("dinas-perhubungan", "Dinas Perhubungan", "Dishub"),
    ("dinas-kependudukan-dan-pencatatan-sipil", "Dinas Kependudukan dan Pencatatan Sipil", "Disdukcapil"),
    ("dinas-ketenagakerjaan", "Dinas Ketenagakerjaan", "Disnaker"),
    ("dinas-koperasi-umkm-dan-perindustrian", "Dinas Koperasi, Usaha Mikro, Kecil, Menengah dan Perindustrian", "DKUMKMP"),
    ("dinas-sosial", "Dinas Sosial", "Dinsos"),
    ("dinas-pertanahan-dan-penataan-ruang", "Dinas Pertanahan dan Penataan Ruang", "DPPR"),
    ("dinas-pemuda-olahraga-dan-pariwisata", "Dinas Pemuda, Olahraga dan Pariwisata", "Dispora"),
    ("dinas-lingkungan-hidup", "Dinas Lingkungan Hidup", "DLH"),
    ("dinas-p3akb", "Dinas Pemberdayaan Perempuan, Perlindungan Anak dan Keluarga Berencana", "DP3AKB"),
    ("dinas-penanaman-modal-dan-perizinan-terpadu", "Dinas Penanaman Modal dan Perizinan Terpadu", "DPMPT"),
    ("dinas-perpustakaan-dan-arsip", "Dinas Perpustakaan dan Arsip", "Dispusip"),
    ("dinas-perdagangan", "Dinas Perdagangan", "Disdag"),
    ("bappeda-litbang", "Badan Perencanaan Pembangunan Daerah, Penelitian dan Pengembangan", "Bappeda Litbang"),
    ("bkpsdm", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", "BKPSDM"),
    ("inspektorat", "Inspektorat Daerah", "Inspektorat"),
    ("satpol-pp", "Satuan Polisi Pamong Praja", "Satpol PP"),
    ("rsud-beriman", "RSUD Beriman", "RSUD Beriman"),
    ("sekretariat-daerah", "Sekretariat Daerah", "Setda"),
    ("kecamatan-balikpapan-timur", "Kecamatan Balikpapan Timur", "Kec. Balikpapan Timur"),
    ("kecamatan-balikpapan-barat", "Kecamatan Balikpapan Barat", "Kec. Balikpapan Barat"),
    ("kecamatan-balikpapan-utara", "Kecamatan Balikpapan Utara", "Kec. Balikpapan Utara"),
    ("kecamatan-balikpapan-tengah", "Kecamatan Balikpapan Tengah", "Kec. Balikpapan Tengah"),
    ("kecamatan-balikpapan-selatan", "Kecamatan Balikpapan Selatan", "Kec. Balikpapan Selatan"),
    ("kecamatan-balikpapan-kota", "Kecamatan Balikpapan Kota", "Kec. Balikpapan Kota"),
)


@dataclasses.dataclass(frozen=True)
class DemoUser:
    name: str
    fullname: str
    position: str | None = None
    acting: str | None = None
    nip: str | None = None
    rank: str | None = None
    opd: str | None = None
    sysadmin: bool = False

    @property
    def role(self) -> str:
        if self.sysadmin:
            return "sysadmin"
        if self.position:
            label = sop.position_label(self.position)
            return f"{self.acting.capitalize()}. {label}" if self.acting else label
        return f"operator {self.opd}"


# Fictional officials: one user for each SOP position, and operators for a few OPDs.
USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "Admin Portal", sysadmin=True),
    DemoUser("kadis", "Ir. Bambang Suryanto, M.T.", sop.KEPALA_DINAS,
             nip="197003121995031002", rank="Pembina Utama Muda (IV/c)"),
    DemoUser("sekretaris", "Dra. Siti Rahmawati, M.M.", sop.SEKRETARIS,
             nip="197208151998032004", rank="Pembina Tingkat I (IV/b)"),
    DemoUser("kabid", "Agus Prasetyo, S.Kom., M.M.", sop.KEPALA_BIDANG,
             nip="197805202003121003", rank="Pembina (IV/a)"),
    DemoUser("kasi", "Rina Wulandari, S.Si., M.Stat.", sop.KEPALA_SEKSI,
             nip="198409102009022005", rank="Penata Tingkat I (III/d)"),
    DemoUser("staf1", "Dimas Ardiansyah, S.Stat.", sop.STAF_STATISTIK,
             nip="199203182019031007", rank="Penata Muda Tingkat I (III/b)"),
    DemoUser("staf2", "Nur Aisyah, S.Si.", sop.STAF_STATISTIK,
             nip="199511232020122011", rank="Penata Muda (III/a)"),
    DemoUser("op-dinkes", "Operator Dinas Kesehatan", opd="dinas-kesehatan"),
    DemoUser("op-disdikbud", "Operator Disdikbud", opd="dinas-pendidikan-dan-kebudayaan"),
    DemoUser("op-disdukcapil", "Operator Disdukcapil", opd="dinas-kependudukan-dan-pencatatan-sipil"),
    DemoUser("op-dpu", "Operator Dinas Pekerjaan Umum", opd="dinas-pekerjaan-umum"),
    DemoUser("op-dlh", "Operator Dinas Lingkungan Hidup", opd="dinas-lingkungan-hidup"),
)

KECAMATAN = [code for code, row in regions.regions().items() if row["tingkat"] == "kecamatan"]


@dataclasses.dataclass(frozen=True)
class DemoDataset:
    name: str
    title: str
    opd: str
    year: int
    ukuran: str
    satuan: str
    konsep: str
    definisi: str
    values: tuple[int | float, ...]  # one per kecamatan, in code order
    metode: str = "kompilasi_administrasi"
    tags: tuple[str, ...] = ()

    def csv_text(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["kode_wilayah", "nama_kecamatan", self.ukuran.replace(" ", "_"), "satuan", "tahun"])
        for code, value in zip(KECAMATAN, self.values):
            writer.writerow([code, regions.name(code), value, self.satuan, self.year])
        return out.getvalue()


# Published datasets of earlier years, so that the catalogue is not empty.
DATASETS: tuple[DemoDataset, ...] = (
    # One dataset per indicator, a resource per year: the 2026 letter asks for it again.
    DemoDataset("jumlah-puskesmas-menurut-kecamatan-2024", "Jumlah Puskesmas menurut Kecamatan",
                "dinas-kesehatan", 2024, "jumlah puskesmas", "unit",
                "Fasilitas pelayanan kesehatan tingkat pertama milik pemerintah kota.",
                "Puskesmas induk yang beroperasi di kecamatan pada akhir tahun.",
                (5, 4, 5, 4, 6, 3), tags=("kesehatan", "fasilitas kesehatan")),
    DemoDataset("jumlah-penduduk-menurut-kecamatan-2024", "Jumlah Penduduk menurut Kecamatan 2024",
                "dinas-kependudukan-dan-pencatatan-sipil", 2024, "jumlah penduduk", "jiwa",
                "Penduduk yang tercatat dalam Data Kependudukan Bersih (DKB).",
                "Jumlah penduduk menurut kecamatan domisili, DKB semester II.",
                (99512, 101873, 180366, 112934, 163275, 99458), tags=("kependudukan",)),
    DemoDataset("jumlah-sekolah-dasar-negeri-menurut-kecamatan-2024", "Jumlah SD Negeri menurut Kecamatan 2024",
                "dinas-pendidikan-dan-kebudayaan", 2024, "jumlah sekolah", "unit",
                "Satuan pendidikan dasar negeri di bawah pemerintah kota.",
                "Sekolah dasar negeri yang aktif pada tahun ajaran berjalan.",
                (21, 23, 30, 22, 27, 14), tags=("pendidikan",)),
    DemoDataset("panjang-jalan-kota-menurut-kecamatan-2024", "Panjang Jalan Kota menurut Kecamatan 2024",
                "dinas-pekerjaan-umum", 2024, "panjang jalan", "km",
                "Jaringan jalan berstatus jalan kota.",
                "Panjang ruas jalan kota menurut kecamatan yang dilalui.",
                (96.4, 61.2, 117.8, 58.3, 104.9, 62.5), tags=("infrastruktur", "jalan")),
    DemoDataset("timbulan-sampah-menurut-kecamatan-2024", "Timbulan Sampah menurut Kecamatan 2024",
                "dinas-lingkungan-hidup", 2024, "timbulan sampah", "ton/hari",
                "Sampah rumah tangga dan sejenis yang dihasilkan penduduk.",
                "Rata-rata timbulan sampah harian menurut kecamatan.",
                (51.3, 58.7, 92.4, 66.1, 88.0, 57.9), tags=("lingkungan", "sampah")),
)


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
    yield _load_users, f"{len(USERS)} users"
    yield _load_organizations, f"{len(OPDS)} OPD organizations"
    yield _load_officers, "officers assigned to the SOP positions"
    yield _load_datasets, f"{len(DATASETS)} published datasets"
    yield _load_existing_datasets, f"{len(EXISTING_DATASETS)} datasets from before the extension (CKAN's default form)"
    yield _load_daftar_data, f"Daftar Data {PREVIOUS_YEAR} and {DAFTAR_YEAR}: {len(DAFTAR_DATA)} entries a year"
    yield _load_previous_year, f"letter for {PREVIOUS_YEAR}: collected, verified and published"
    yield _load_letters, f"{len(LETTERS)} request letters, in every state"
    yield _load_collection, "collection and verification of letter Tahap I (every item state)"


def _load_users() -> None:
    for user in USERS:
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
    for user in USERS:
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


# Datasets as a portal holds them from before the extension: CKAN's core fields,
# free extras and a legacy frekuensi, no access classification (docs/schema.md).
EXISTING_DATASETS: tuple[dict, ...] = (
    {"name": "apbd-kota-balikpapan-2023", "title": "Ringkasan APBD Kota Balikpapan 2023",
     "owner_org": "sekretariat-daerah", "author": "Bagian Keuangan Setda", "author_email": "keuangan@balikpapan.go.id",
     "version": "Perubahan", "url": "https://jdih.balikpapan.go.id", "license_id": "cc-by",
     "notes": "Ringkasan pendapatan, belanja dan pembiayaan daerah menurut Perda APBD Perubahan 2023.",
     "extras": {"sumber": "Perda APBD Perubahan 2023", "catatan": "Angka dalam juta rupiah", "frekuensi": "Tahunan"},
     "resource": ("https://jdih.balikpapan.go.id/apbd-2023.pdf", "Perda APBD Perubahan 2023", "PDF")},
    {"name": "curah-hujan-bulanan-2022", "title": "Curah Hujan Bulanan Kota Balikpapan 2022",
     "owner_org": "dinas-lingkungan-hidup", "author": "Stasiun Meteorologi Sepinggan", "version": "1.0",
     "url": "https://dataonline.bmkg.go.id", "license_id": "other-open",
     "notes": "Curah hujan (mm) per bulan, pengamatan Stasiun Meteorologi Sultan Aji Muhammad Sulaiman.",
     "extras": {"sumber": "BMKG", "satuan_asli": "mm", "frekuensi": "Bulanan", "tahun_data": "2022"},
     "resource": ("https://dataonline.bmkg.go.id/curah-hujan-2022.csv", "Curah hujan 2022", "CSV")},
    {"name": "daftar-taman-kota", "title": "Daftar Taman Kota Balikpapan",
     "owner_org": "dinas-perumahan-dan-permukiman", "author": "Bidang Pertamanan", "version": "",
     "license_id": "cc-by", "notes": "Nama, lokasi dan luas taman kota yang dikelola Pemerintah Kota.",
     "extras": {"catatan": "Pemutakhiran terakhir Juni 2021", "kode_wilayah": "Balikpapan"},
     "resource": ("https://example.balikpapan.go.id/taman.xlsx", "Daftar taman", "XLSX")},
)


def _load_existing_datasets() -> None:
    from ckan.lib import search

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
    from werkzeug.datastructures import FileStorage

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
    for user in USERS:
        if user.position and (user.name, user.position) not in current:
            tk.get_action("sopsektoral_officer_assign")(_context(), {
                "user": user.name, "position": user.position, "nip": user.nip, "rank": user.rank,
                "valid_from": "2025-01-02",
            })


DAFTAR_YEAR = 2026
# The year before: its letter is sent, verified and published, so that the
# 2026 items of the same indicators are seen beside their 2025 period.
PREVIOUS_YEAR = 2025
PREVIOUS_YEAR_OPDS = ("dinas-kesehatan", "dinas-pendidikan-dan-kebudayaan")

# The SK Daftar Data 2026 (judul data, satuan) per OPD; the first entry of an
# OPD with a published 2024 dataset names that dataset to receive the data.
DAFTAR_DATA: tuple[tuple[str, str, str, str | None], ...] = (
    ("dinas-kesehatan", "Jumlah Puskesmas menurut Kecamatan", "unit", "jumlah-puskesmas-menurut-kecamatan-2024"),
    ("dinas-kesehatan", "Cakupan Imunisasi Dasar Lengkap menurut Kecamatan", "persen", None),
    ("dinas-kesehatan", "Jumlah Tenaga Kesehatan menurut Jenis", "orang", None),
    ("dinas-kesehatan", "Prevalensi Balita Stunting menurut Kelurahan", "persen", None),
    ("dinas-pendidikan-dan-kebudayaan", "Jumlah Sekolah Dasar menurut Status dan Kecamatan", "unit",
     "jumlah-sekolah-dasar-negeri-menurut-kecamatan-2024"),
    ("dinas-pendidikan-dan-kebudayaan", "Jumlah Siswa SMP menurut Kecamatan", "orang", None),
    ("dinas-pendidikan-dan-kebudayaan", "Jumlah Guru SD dan SMP menurut Status Kepegawaian", "orang", None),
    ("dinas-kependudukan-dan-pencatatan-sipil", "Jumlah Penduduk menurut Kecamatan dan Jenis Kelamin", "jiwa",
     "jumlah-penduduk-menurut-kecamatan-2024"),
    ("dinas-kependudukan-dan-pencatatan-sipil", "Jumlah Kelahiran dan Kematian Tercatat", "jiwa", None),
    ("dinas-pekerjaan-umum", "Panjang Jalan Kota menurut Kondisi", "km", "panjang-jalan-kota-menurut-kecamatan-2024"),
    ("dinas-pekerjaan-umum", "Jumlah Jembatan menurut Kondisi", "unit", None),
    ("dinas-lingkungan-hidup", "Timbulan Sampah menurut Kecamatan", "ton/hari", "timbulan-sampah-menurut-kecamatan-2024"),
    ("dinas-lingkungan-hidup", "Luas Ruang Terbuka Hijau Publik", "hektare", None),
    ("dinas-perhubungan", "Jumlah Trayek Angkutan Kota", "trayek", None),
    ("dinas-perhubungan", "Jumlah Kecelakaan Lalu Lintas", "kejadian", None),
    ("dinas-sosial", "Jumlah Penerima Bantuan Sosial menurut Kecamatan", "KK", None),
    ("dinas-ketenagakerjaan", "Jumlah Pencari Kerja Terdaftar menurut Pendidikan", "orang", None),
    ("dinas-penanaman-modal-dan-perizinan-terpadu", "Jumlah Izin Usaha Terbit", "izin", None),
    ("dinas-komunikasi-dan-informatika", "Jumlah Titik WiFi Publik", "titik", None),
    ("dinas-pemuda-olahraga-dan-pariwisata", "Jumlah Kunjungan Wisatawan", "orang", None),
    ("dinas-perdagangan", "Jumlah Pasar Rakyat menurut Kecamatan", "unit", None),
    ("dinas-pertanahan-dan-penataan-ruang", "Luas Wilayah menurut Kecamatan dan Kelurahan", "km2", None),
    ("kecamatan-balikpapan-timur", "Jumlah RT menurut Kelurahan", "RT", None),
    ("kecamatan-balikpapan-selatan", "Jumlah RT menurut Kelurahan", "RT", None),
)


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
    tk.get_action("sopsektoral_daftar_data_import")(_as("staf1"), {"rows": rows})


PREVIOUS_LETTER = "Permintaan Data Statistik Sektoral Tahun 2025"


def _previous_values(fragment: str, values: tuple) -> tuple:
    """2025's figures: a little below 2026's; the same for the copy (Puskesmas),
    half for one indicator, so that the plausibility check has a jump to show."""
    if fragment == "Jumlah Puskesmas":
        return values
    if fragment == "Tenaga Kesehatan":
        return tuple(round(v / 2) for v in values)
    return tuple(round(v * 0.96, 1) if isinstance(v, float) else round(v * 0.96) for v in values)


def _load_previous_year() -> None:
    existing = tk.get_action("sopsektoral_letter_list")(_context(), {"year": PREVIOUS_YEAR, "limit": 10})["results"]
    if any(r["subject"] == PREVIOUS_LETTER for r in existing):
        return
    entries = tk.get_action("sopsektoral_daftar_data_list")(_context(), {"year": PREVIOUS_YEAR, "limit": 1000})["results"]
    letter = tk.get_action("sopsektoral_letter_create")(_as("kasi"), {
        "subject": PREVIOUS_LETTER, "body": LETTER_BODY.format(year=PREVIOUS_YEAR), "data_year": PREVIOUS_YEAR,
        "sifat": "penting", "lampiran": "1 (satu) berkas",
        "tembusan": ["Wali Kota Balikpapan (sebagai laporan)"], "items": [e["id"] for e in entries],
    })
    for _state, transition, user in _PATH:
        letter = tk.get_action(f"sopsektoral_letter_{transition}")(_as(user), {"id": letter["id"]})
    items = tk.get_action("sopsektoral_item_list")(_context(), {"letter_id": letter["id"], "limit": 100})["results"]
    for item in items:
        fragment, values = next(((f, v) for f, v, *_ in COLLECTION if f.lower() in item["title"].lower()),
                                (item["title"], (10, 12, 15, 11, 14, 9)))
        _collect(item, PREVIOUS_YEAR, _previous_values(fragment, values), None)
    for item in items:
        _verify(item["id"])
        tk.get_action("sopsektoral_item_publish")(_as("staf1"), {"id": item["id"]})


def _collect(item: dict, year: int, values: tuple, bad_code: str | None) -> str:
    """Upload the OPD's table for the item and submit it; returns the operator."""
    operator = OPERATOR_OF[model.Group.get(item["owner_org"]).name]
    column = item["title"].split(" menurut ")[0].lower().replace(" ", "_")
    satuan = next(d[2] for d in DAFTAR_DATA if d[1] == item["title"])
    _upload_csv(item["dataset_id"], f"{column}-{year}.csv", f"Data Tahun {year}",
                _kecamatan_csv(year, column, satuan, values, bad_code))
    tk.get_action("sopsektoral_item_submit")(_as(operator), {"id": item["id"]})
    return operator


def _verify(item_id: str) -> None:
    tk.get_action("sopsektoral_item_claim")(_as("staf1"), {"id": item_id})
    tk.get_action("sopsektoral_item_verify")(_as("staf1"), {"id": item_id, "checklist": {
        "standar_data": True, "metadata": True, "interoperabilitas": True,
        "kode_referensi": True, "kebenaran": True, "kewajaran": True}})


@dataclasses.dataclass(frozen=True)
class DemoLetter:
    subject: str
    opds: tuple[str, ...]
    state: str
    returned_with: str | None = None


LETTERS: tuple[DemoLetter, ...] = (
    DemoLetter("Permintaan Data Statistik Sektoral Tahun 2026 Tahap I",
               ("dinas-kesehatan", "dinas-pendidikan-dan-kebudayaan", "dinas-kependudukan-dan-pencatatan-sipil"),
               "sent"),
    DemoLetter("Permintaan Data Statistik Sektoral Tahun 2026 Tahap II",
               ("dinas-pekerjaan-umum", "dinas-lingkungan-hidup"), "sent"),
    DemoLetter("Permintaan Data Statistik Sektoral Tahun 2026 Tahap III",
               ("dinas-perhubungan", "dinas-sosial"), "awaiting_signature"),
    DemoLetter("Permintaan Data Statistik Sektoral Tahun 2026 Tahap IV",
               ("dinas-ketenagakerjaan", "dinas-penanaman-modal-dan-perizinan-terpadu"), "awaiting_initial_sekretaris"),
    DemoLetter("Permintaan Data Statistik Sektoral Tahun 2026 Tahap V",
               ("dinas-komunikasi-dan-informatika", "dinas-pemuda-olahraga-dan-pariwisata"), "draft",
               returned_with="Mohon lampiran dilengkapi dengan daftar data Dispora sesuai SK."),
    DemoLetter("Permintaan Data Kecamatan Tahun 2026",
               ("kecamatan-balikpapan-timur", "kecamatan-balikpapan-selatan"), "awaiting_initial_kabid"),
    DemoLetter("Permintaan Data Pertanahan Tahun 2026", ("dinas-pertanahan-dan-penataan-ruang",), "signed"),
    DemoLetter("Permintaan Data Perdagangan Tahun 2026 (dibatalkan)", ("dinas-perdagangan",), "cancelled"),
)

LETTER_BODY = (
    "Dalam rangka penyelenggaraan Satu Data Indonesia di Kota Balikpapan sebagaimana diatur dalam "
    "Peraturan Wali Kota Balikpapan Nomor 28 Tahun 2020 tentang Penyelenggaraan Satu Data Terpadu "
    "Pemerintah Daerah, serta berdasarkan Keputusan Wali Kota tentang Daftar Data Tahun {year}, "
    "dengan hormat kami meminta Saudara menyampaikan data statistik sektoral sebagaimana tercantum "
    "dalam lampiran surat ini melalui portal data.balikpapan.go.id, beserta metadatanya, paling lambat "
    "1 (satu) minggu untuk setiap data sejak surat ini diterima.\n\n"
    "Demikian disampaikan, atas perhatian dan kerja samanya diucapkan terima kasih."
)

# The SOP path to each state: (transition, demo user).
_PATH = (
    ("awaiting_initial_kabid", "submit", "kasi"),
    ("awaiting_initial_sekretaris", "initial", "kabid"),
    ("awaiting_signature", "initial", "sekretaris"),
    ("signed", "sign", "kadis"),
    ("sent", "send", "staf1"),
)


def _load_letters() -> None:
    existing = {r["subject"] for r in tk.get_action("sopsektoral_letter_list")(_context(), {"limit": 1000})["results"]}
    entries = tk.get_action("sopsektoral_daftar_data_list")(_context(), {"year": DAFTAR_YEAR, "limit": 1000})["results"]
    for spec in LETTERS:
        if spec.subject in existing:
            continue
        items = [e["id"] for e in entries if model.Group.get(e["owner_org"]).name in spec.opds]
        letter = tk.get_action("sopsektoral_letter_create")(_as("kasi"), {
            "subject": spec.subject, "body": LETTER_BODY.format(year=DAFTAR_YEAR), "data_year": DAFTAR_YEAR,
            "sifat": "penting", "lampiran": "1 (satu) berkas",
            "tembusan": ["Wali Kota Balikpapan (sebagai laporan)", "Sekretaris Daerah Kota Balikpapan"],
            "items": items,
        })
        if spec.returned_with:
            tk.get_action("sopsektoral_letter_submit")(_as("kasi"), {"id": letter["id"]})
            tk.get_action("sopsektoral_letter_return")(_as("kabid"), {"id": letter["id"], "note": spec.returned_with})
        if spec.state == "cancelled":
            tk.get_action("sopsektoral_letter_cancel")(_as("kasi"), {
                "id": letter["id"], "note": "Digabung ke surat Tahap berikutnya."})
            continue
        for state, transition, user in _PATH:
            if letter["state"] == spec.state:
                break
            letter = tk.get_action(f"sopsektoral_letter_{transition}")(_as(user), {"id": letter["id"]})


OPERATOR_OF = {user.opd: user.name for user in USERS if user.opd}


def _kecamatan_csv(year: int, column: str, satuan: str, values: tuple, bad_code: str | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["kode_wilayah", "nama_kecamatan", column, "satuan", "tahun"])
    for i, (code, value) in enumerate(zip(KECAMATAN, values)):
        writer.writerow([bad_code if bad_code and i == 2 else code, regions.name(code), value, satuan, year])
    return out.getvalue()


# Letter Tahap I, item by item: what the OPD uploads and how far it goes.
# (fragment of the title, values, state to reach, note) — one copies 2024's
# figures, one has a kode wilayah that is not Balikpapan's.
COLLECTION: tuple[tuple[str, tuple, str, str | None, str | None], ...] = (
    ("Jumlah Puskesmas", (5, 4, 5, 4, 6, 3), "submitted", None, None),  # = 2024: a copy
    ("Cakupan Imunisasi", (96.2, 94.8, 95.1, 97.3, 93.9, 95.6), "published", None, None),
    ("Tenaga Kesehatan", (412, 388, 655, 501, 590, 377), "verified", None, None),
    ("Stunting", (17.1, 18.4, 16.2, 15.9, 14.8, 16.7), "returned", None,
     "Angka prevalensi tidak sesuai hasil SSGI; mohon gunakan data e-PPGBM per kelurahan."),
    ("Sekolah Dasar", (28, 30, 38, 27, 35, 19), "submitted", "64.71.07", None),  # bad kode wilayah
    ("Siswa SMP", (4821, 5102, 7765, 5340, 6998, 3870), "published", None, None),
    ("Guru SD", (1250, 1302, 1987, 1405, 1876, 1020), "submitted", None, None),
    ("Jumlah Penduduk", (100913, 102541, 182203, 113280, 165010, 99874), "verified", None, None),
    ("Kelahiran", (1602, 1655, 2891, 1790, 2610, 1521), "submitted", None, None),
)


def _load_collection() -> None:
    letters = tk.get_action("sopsektoral_letter_list")(_context(), {"q": "Tahap I", "limit": 10})["results"]
    letter = next((r for r in letters if r["subject"].endswith("Tahap I")), None)
    if letter is None or letter["state"] != "sent":
        return
    items = tk.get_action("sopsektoral_item_list")(_context(), {"letter_id": letter["id"], "limit": 100})["results"]
    if any(i["state"] != "requested" for i in items):
        return  # already loaded
    plan = []
    for fragment, values, target, bad_code, note in COLLECTION:
        item = next(i for i in items if fragment.lower() in i["title"].lower())
        operator = _collect(item, DAFTAR_YEAR, values, bad_code)
        plan.append((item, target, note, operator))
    for item, target, note, operator in plan:
        if target in ("verified", "published"):
            _verify(item["id"])
        if target == "published":
            tk.get_action("sopsektoral_item_publish")(_as("staf1"), {"id": item["id"]})
        if target == "returned":
            tk.get_action("sopsektoral_item_return")(_as("staf2"), {"id": item["id"], "note": note, "checklist": {
                "standar_data": True, "metadata": True, "kebenaran": False}})
