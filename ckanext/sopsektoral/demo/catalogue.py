"""The demo portal's content: Balikpapan's OPDs, published datasets of earlier years, datasets from
before the extension, the SK Daftar Data, the request letters and what each OPD uploads.

Officials' names and NIPs are fictional (people.py); the OPDs, region codes and reference figures
follow the domain brief (docs/glossary.md).
"""
from __future__ import annotations

import csv
import dataclasses
import io

from ckanext.sopsektoral import regions

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
    ("dinas-koperasi-umkm-dan-perindustrian", "Dinas Koperasi, Usaha Mikro, Kecil, Menengah dan Perindustrian",
     "DKUMKMP"),
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
        for code, value in zip(KECAMATAN, self.values, strict=False):
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
    ("dinas-lingkungan-hidup", "Timbulan Sampah menurut Kecamatan", "ton/hari",
     "timbulan-sampah-menurut-kecamatan-2024"),
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


PREVIOUS_LETTER = "Permintaan Data Statistik Sektoral Tahun 2025"


def _previous_values(fragment: str, values: tuple) -> tuple:
    """2025's figures: a little below 2026's; the same for the copy (Puskesmas),
    half for one indicator, so that the plausibility check has a jump to show."""
    if fragment == "Jumlah Puskesmas":
        return values
    if fragment == "Tenaga Kesehatan":
        return tuple(round(v / 2) for v in values)
    return tuple(round(v * 0.96, 1) if isinstance(v, float) else round(v * 0.96) for v in values)


@dataclasses.dataclass(frozen=True)
class DemoLetter:
    """A demo letter and how far along the SOP it goes: ``state`` is draft, signed, sent or
    cancelled, or ``waiting`` names the approval step it waits on (its index in the SOP file's
    chain: 0 the first, -1 the signature), so that the demo runs any region's chain."""

    subject: str
    opds: tuple[str, ...]
    state: str = "draft"
    returned_with: str | None = None
    waiting: int | None = None


LETTERS: tuple[DemoLetter, ...] = (
    DemoLetter("Permintaan Data Statistik Sektoral Tahun 2026 Tahap I",
               ("dinas-kesehatan", "dinas-pendidikan-dan-kebudayaan", "dinas-kependudukan-dan-pencatatan-sipil"),
               "sent"),
    DemoLetter("Permintaan Data Statistik Sektoral Tahun 2026 Tahap II",
               ("dinas-pekerjaan-umum", "dinas-lingkungan-hidup"), "sent"),
    DemoLetter("Permintaan Data Statistik Sektoral Tahun 2026 Tahap III",
               ("dinas-perhubungan", "dinas-sosial"), waiting=-1),
    DemoLetter("Permintaan Data Statistik Sektoral Tahun 2026 Tahap IV",
               ("dinas-ketenagakerjaan", "dinas-penanaman-modal-dan-perizinan-terpadu"), waiting=-2),
    DemoLetter("Permintaan Data Statistik Sektoral Tahun 2026 Tahap V",
               ("dinas-komunikasi-dan-informatika", "dinas-pemuda-olahraga-dan-pariwisata"), "draft",
               returned_with="Mohon lampiran dilengkapi dengan daftar data Dispora sesuai SK."),
    DemoLetter("Permintaan Data Kecamatan Tahun 2026",
               ("kecamatan-balikpapan-timur", "kecamatan-balikpapan-selatan"), waiting=0),
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
