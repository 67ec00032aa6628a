"""The request letter as a PDF (letters/document.py): every field in its text, the draft, the
signer's variants (a.n., Plt., Plh.), the QR code, escaping, identical bytes for the same
letter, a long attachment and one letter per OPD.

The letter is always in Indonesian: the labels checked here are the catalogue's translations."""
from __future__ import annotations

import datetime as dt
import io
import re

import pypdf
import pypdfium2
import pytest
import weasyprint
import zxingcpp

from ckanext.sopsektoral.letters import document

UTC = dt.timezone.utc
LETTER_ID = "0c6f3a52-9d1e-4b7a-8f21-5e3d2c1b0a99"
URL = f"https://data.balikpapan.go.id/sopsektoral/verifikasi/{LETTER_ID}"
LOGO = str(document.PACKAGE_DIR / "data" / "sop" / "logo-balikpapan.svg")
TITLE = "KEPALA DINAS KOMUNIKASI DAN INFORMATIKA KOTA BALIKPAPAN"


def letter(**changes) -> dict:
    doc = {
        "letter_id": LETTER_ID,
        "draft": False,
        "generated_at": dt.datetime(2026, 12, 2, 2, 15, tzinfo=UTC),
        "letterhead": {
            "logo_path": LOGO,
            "lines": ["PEMERINTAH KOTA BALIKPAPAN", "DINAS KOMUNIKASI DAN INFORMATIKA"],
            "address": ["Jl. Jenderal Sudirman No. 1, Balikpapan 76100",
                        "Telepon (0542) 737584, Pos-el diskominfo@balikpapan.go.id"],
        },
        "place": "Balikpapan",
        "date": dt.date(2026, 12, 2),
        "number": "490/12/M/DISKOMINFO/2026",
        "sifat": "Segera",
        "lampiran": "1 (satu) berkas",
        "subject": "Permintaan Data Statistik Sektoral Tahun 2026",
        "copies": [{
            "addressees": ["Kepala Dinas Kesehatan", "Kepala Dinas Pendidikan dan Kebudayaan"],
            "addressee_place": "Balikpapan",
            "attachment": [
                {"opd": "Dinas Kesehatan", "items": [
                    {"title": "Jumlah Puskesmas menurut Kecamatan", "unit": "unit", "year": 2026,
                     "deadline": dt.date(2027, 1, 15)},
                    {"title": "Cakupan Imunisasi Dasar Lengkap", "unit": "persen", "year": 2025,
                     "deadline": None},
                ]},
                {"opd": "Dinas Pendidikan dan Kebudayaan", "items": [
                    {"title": "Jumlah Guru menurut Jenjang", "unit": "orang", "year": 2026,
                     "deadline": dt.date(2027, 2, 1)},
                ]},
            ],
        }],
        "body": ("Dalam rangka penyelenggaraan Satu Data Terpadu Daerah, bersama ini kami mohon Saudara "
                 "menyampaikan data statistik sektoral sebagaimana terlampir.\n\n"
                 "Demikian disampaikan, atas perhatian dan kerja samanya diucapkan terima kasih."),
        "contact": "Narahubung: Rina Wulandari, telepon 0812-3456-7890.",
        "signature": {
            "on_behalf_of": None, "acting": None, "title": TITLE,
            "name": "Dr. Budi Santoso, S.Kom., M.T.", "rank": "Pembina Utama Muda (IV/c)",
            "nip": "197001012000031001", "electronic": True,
        },
        "paraf": [
            {"position": "Kepala Seksi Statistik", "name": "Rina Wulandari", "initials": "RW",
             "at": dt.datetime(2026, 12, 1, 3, 0, tzinfo=UTC)},
            {"position": "Kepala Bidang Statistik", "name": "Andi Pratama", "initials": "AP", "at": None},
        ],
        "tembusan": ["Wali Kota Balikpapan (sebagai laporan)", "Sekretaris Daerah Kota Balikpapan"],
        "verification": {"url": URL, "footer": "Dokumen ini ditandatangani secara elektronik."},
    }
    doc.update(changes)
    return doc


def signature(**changes) -> dict:
    return {**letter()["signature"], **changes}


def pages(pdf: bytes) -> list[str]:
    """Each page's text, its whitespace collapsed (lines wrap where the layout wants)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def text(pdf: bytes) -> str:
    return " ".join(pages(pdf))


def squeeze(value: str) -> str:
    return " ".join(value.split())


@pytest.fixture(scope="module")
def rendered() -> bytes:
    return document.render_pdf(letter())


# --- helpers ---------------------------------------------------------------------------

def test_dates_are_written_in_indonesian():
    assert document.format_date(dt.date(2026, 12, 2)) == "2 Desember 2026"
    assert document.format_date(None) == ""


def test_a_nip_is_grouped_as_printed():
    assert document.format_nip("197001012000031001") == "19700101 200003 1 001"
    assert document.format_nip("12345") == "12345"
    assert document.format_nip(None) == ""


def test_blank_lines_separate_paragraphs():
    assert document.paragraphs("one\ntwo\n\n \nthree\r\n") == [["one", "two"], ["three"]]
    assert document.paragraphs("") == []


def test_every_word_of_the_letter_is_in_the_catalogue():
    template = (document.TEMPLATES_DIR / document.TEMPLATE).read_text(encoding="utf-8")
    msgids = set(re.findall(r'_\("([^"]+)"\)', template))
    assert "Number" in msgids
    same_in_both = {"NIP", "No."}  # the same words in English and Indonesian
    untranslated = sorted(m for m in msgids - same_in_both if document.gettext(m) == m)
    assert untranslated == []


# --- the letter ------------------------------------------------------------------------

def test_every_field_of_the_letter_is_in_its_text(rendered):
    all_text = text(rendered)
    doc = letter()
    expected = [
        "PEMERINTAH KOTA BALIKPAPAN", "DINAS KOMUNIKASI DAN INFORMATIKA",
        "Jl. Jenderal Sudirman No. 1, Balikpapan 76100",
        "Balikpapan, 2 Desember 2026",
        "Nomor : 490/12/M/DISKOMINFO/2026", "Sifat : Segera", "Lampiran : 1 (satu) berkas",
        "Hal : Permintaan Data Statistik Sektoral Tahun 2026",
        "Yth.", "Kepala Dinas Kesehatan", "Kepala Dinas Pendidikan dan Kebudayaan", "di - Balikpapan",
        squeeze(doc["body"].split("\n\n")[0]), squeeze(doc["body"].split("\n\n")[1]), doc["contact"],
        TITLE, "Dr. Budi Santoso, S.Kom., M.T.", "Pembina Utama Muda (IV/c)", "NIP 19700101 200003 1 001",
        "Kepala Seksi Statistik", "Rina Wulandari", "RW", "Kepala Bidang Statistik", "Andi Pratama", "AP",
        "Tembusan:", "1. Wali Kota Balikpapan (sebagai laporan)", "2. Sekretaris Daerah Kota Balikpapan",
        "Dinas Kesehatan", "Jumlah Puskesmas menurut Kecamatan unit 2026 15 Januari 2027",
        "Cakupan Imunisasi Dasar Lengkap persen 2025 -",
        "Jumlah Guru menurut Jenjang orang 2026 1 Februari 2027",
        URL, "Dokumen ini ditandatangani secara elektronik.",
    ]
    missing = [value for value in expected if value not in all_text]
    assert not missing, all_text


def test_the_attachment_follows_on_its_own_page_with_the_letters_number_and_date(rendered):
    first, attachment = pages(rendered)
    assert "Jumlah Puskesmas" not in first
    assert "LAMPIRAN SURAT " + TITLE in attachment
    for line in ("NOMOR : 490/12/M/DISKOMINFO/2026", "TANGGAL : 2 Desember 2026",
                 "HAL : Permintaan Data Statistik Sektoral Tahun 2026"):
        assert line in attachment
    assert "- 2 -" in attachment and "- 1 -" not in first


def test_the_verification_footer_is_on_every_page(rendered):
    assert all(URL in page for page in pages(rendered))


def test_the_pdf_says_what_letter_it_is(rendered):
    info = pypdf.PdfReader(io.BytesIO(rendered)).metadata
    assert info["/Title"] == "Permintaan Data Statistik Sektoral Tahun 2026"
    assert info["/Author"] == "DINAS KOMUNIKASI DAN INFORMATIKA, PEMERINTAH KOTA BALIKPAPAN"
    assert info["/Keywords"] == f"sopsektoral-letter:{LETTER_ID}"
    assert info["/CreationDate"] == info["/ModDate"] == "D:20261202021500Z"


def test_the_same_letter_gives_the_same_bytes(rendered):
    assert document.render_pdf(letter()) == rendered
    assert document.render_pdf(letter(body="Another body.")) != rendered


@pytest.mark.parametrize(
    ("on_behalf_of", "acting", "expected", "absent"),
    [
        (None, None, f"{TITLE},", ["Plt.", "Plh.", "a.n."]),
        (None, "plt", f"Plt. {TITLE},", ["Plh.", "a.n."]),
        (None, "plh", f"Plh. {TITLE},", ["Plt.", "a.n."]),
        ("WALI KOTA BALIKPAPAN", None, "a.n. WALI KOTA BALIKPAPAN, SEKRETARIS DAERAH,", ["Plt.", "Plh."]),
        ("WALI KOTA BALIKPAPAN", "plt", "a.n. WALI KOTA BALIKPAPAN, Plt. SEKRETARIS DAERAH,", ["Plh."]),
    ],
)
def test_the_signer_signs_as_acting_or_on_behalf_of(on_behalf_of, acting, expected, absent):
    title = TITLE if on_behalf_of is None else "SEKRETARIS DAERAH"
    sig = signature(on_behalf_of=on_behalf_of, acting=acting, title=title)
    letter_page = pages(document.render_pdf(letter(signature=sig)))[0]
    assert expected in letter_page
    assert not [prefix for prefix in absent if prefix in letter_page]


def test_an_unknown_acting_kind_is_refused():
    with pytest.raises(ValueError, match="acting"):
        document.render_html(letter(signature=signature(acting="pj")))


def test_on_behalf_of_the_attachment_is_the_principals():
    sig = signature(on_behalf_of="WALI KOTA BALIKPAPAN", title="SEKRETARIS DAERAH")
    attachment = pages(document.render_pdf(letter(signature=sig)))[1]
    assert "LAMPIRAN SURAT WALI KOTA BALIKPAPAN" in attachment


def test_a_draft_is_marked_and_has_neither_number_nor_date():
    doc = letter(draft=True, verification=None,
                 signature=signature(name=None, rank=None, nip=None, electronic=False))
    all_text = text(document.render_pdf(doc))
    assert all(page.count("DRAF") >= 1 for page in pages(document.render_pdf(doc)))
    assert "490/12/M/DISKOMINFO/2026" not in all_text
    assert "2 Desember 2026" not in all_text
    assert re.search(r"Nomor : \.{10,}", all_text)
    assert re.search(r"Balikpapan, \.{10,}", all_text)
    assert re.search(r"NIP \.{10,}", all_text)
    assert "Dr. Budi Santoso" not in all_text


def test_a_wet_signature_has_no_electronic_mark_and_a_letter_not_signed_yet_no_qr():
    doc = letter(verification=None, signature=signature(electronic=False))
    all_text = text(document.render_pdf(doc))
    assert "elektronik" not in all_text
    assert not _qr_codes(document.render_pdf(doc), 0)


def _qr_codes(pdf: bytes, page: int) -> list[str]:
    image = pypdfium2.PdfDocument(pdf)[page].render(scale=200 / 72).to_pil()
    return [code.text for code in zxingcpp.read_barcodes(image)]


def test_the_qr_code_in_the_signature_block_decodes_to_the_verification_url(rendered):
    assert _qr_codes(rendered, 0) == [URL]


def test_user_text_is_printed_as_text_not_markup():
    body = 'Data <script>alert("x")</script> & <b>tebal</b>\n\nA &amp; B'
    doc = letter(body=body, subject="Data A & B <i>2026</i>")
    html = document.render_html(doc)
    assert "<script>" not in html and "<b>tebal" not in html and "<i>2026" not in html
    all_text = text(document.render_pdf(doc))
    assert 'Data <script>alert("x")</script> & <b>tebal</b>' in all_text
    assert "A &amp; B" in all_text
    assert "Hal : Data A & B <i>2026</i>" in all_text


def test_a_long_attachment_runs_over_pages_and_repeats_its_header_row():
    opds = [f"Dinas Contoh {n}" for n in range(1, 9)]
    attachment = [
        {"opd": opd, "items": [
            {"title": f"Indikator {opd} nomor {i}", "unit": "unit", "year": 2026, "deadline": dt.date(2027, 1, 15)}
            for i in range(1, 16)
        ]}
        for opd in opds
    ]
    doc = letter(copies=[{"addressees": ["Kepala Dinas Contoh 1"], "addressee_place": "Balikpapan",
                          "attachment": attachment}])
    pdf = document.render_pdf(doc)
    by_page = pages(pdf)
    assert len(by_page) >= 5
    rows = [f"Indikator {opd} nomor {i} unit 2026 15 Januari 2027" for opd in opds for i in range(1, 16)]
    all_text = " ".join(by_page)
    assert [row for row in rows if row not in all_text] == []
    header = "No. Judul data Satuan Tahun Tenggat"
    pages_with_rows = [page for page in by_page[1:] if "Indikator" in page]
    assert len(pages_with_rows) >= 4
    # Each page the table runs onto starts with the header row again.
    for page in pages_with_rows:
        assert header in page
        assert page.index(header) < page.index("Indikator")


def test_each_opd_gets_a_letter_of_its_own():
    opds = ["Dinas Kesehatan", "Dinas Sosial", "Dinas Perhubungan"]
    copies = [
        {"addressees": [f"Kepala {opd}"], "addressee_place": "Balikpapan",
         "attachment": [{"opd": opd, "items": [{"title": f"Data milik {opd}", "unit": "unit", "year": 2026,
                                                 "deadline": None}]}]}
        for opd in opds
    ]
    by_page = pages(document.render_pdf(letter(copies=copies)))
    letters = [page for page in by_page if "PEMERINTAH KOTA BALIKPAPAN" in page]
    assert len(letters) == 3 and len(by_page) == 6
    for opd, page in zip(opds, letters, strict=True):
        assert f"Yth. Kepala {opd} di - Balikpapan" in page
        assert [other for other in opds if other != opd and f"Kepala {other}" in page] == []
    # Each letter's attachment follows it, numbered as that letter's second page.
    for index, opd in enumerate(opds):
        attachment = by_page[2 * index + 1]
        assert f"Data milik {opd}" in attachment and "- 2 -" in attachment


def test_many_addressees_are_listed_in_the_attachment():
    addressees = [f"Kepala Dinas Contoh {n}" for n in range(1, 6)]
    doc = letter(copies=[{"addressees": addressees, "addressee_place": "Balikpapan", "attachment": []}])
    first, attachment = pages(document.render_pdf(doc))
    assert "Yth. Kepala Perangkat Daerah (daftar terlampir)" in first
    assert "Kepala Dinas Contoh 1" not in first
    assert "DAFTAR PENERIMA" in attachment
    for n, addressee in enumerate(addressees, start=1):
        assert f"{n}. {addressee}" in attachment


def test_a_letter_without_logo_paraf_tembusan_or_attachment_is_one_page():
    doc = letter(letterhead={**letter()["letterhead"], "logo_path": None}, paraf=[], tembusan=[],
                 copies=[{"addressees": ["Kepala Dinas Sosial"], "addressee_place": "Balikpapan", "attachment": []}])
    (only,) = pages(document.render_pdf(doc))
    assert "Tembusan" not in only and "Paraf" not in only


# --- no network ------------------------------------------------------------------------

def test_the_fetcher_allows_data_uris_and_package_files_only():
    fetcher = document.LocalOnlyFetcher()
    assert fetcher.fetch("data:text/plain,ok").read() == b"ok"
    assert fetcher.fetch(document.STYLESHEET.as_uri()).read().startswith(b"/*")
    for url in ("http://127.0.0.1:9/x.png", "https://example.org/x.css", "file:///etc/hostname",
                (document.PACKAGE_DIR / ".." / ".." / "setup.py").as_uri(), "ftp://example.org/x"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_a_logo_that_points_elsewhere_makes_no_request(tmp_path, monkeypatch):
    opened = []
    real_fetch = weasyprint.URLFetcher.fetch

    def spy(self, url, headers=None):
        opened.append(url)
        return real_fetch(self, url, headers)

    monkeypatch.setattr(weasyprint.URLFetcher, "fetch", spy)
    logo = tmp_path / "logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                    '<image href="http://127.0.0.1:9/x.png" width="10" height="10"/>'
                    '<image href="file:///etc/hostname" width="5" height="5"/></svg>')
    doc = letter(letterhead={**letter()["letterhead"], "logo_path": str(logo)})
    try:
        document.render_pdf(doc)
    except document.LetterResourceError:
        pass
    assert [url for url in opened if not url.startswith("data:") and "/sopsektoral/" not in url] == []
