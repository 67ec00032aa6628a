"""Kemendagri region codes of Kota Balikpapan (kota, 6 kecamatan, 34 kelurahan).

The codes ship as data (data/kode-wilayah-balikpapan.csv, with their BPS
equivalents) so that the dataset schema and the verification checks agree.
"""
from __future__ import annotations

import csv
import functools
import pathlib

DATA_FILE = pathlib.Path(__file__).parent / "data" / "kode-wilayah-balikpapan.csv"


@functools.lru_cache(maxsize=1)
def regions() -> dict[str, dict[str, str]]:
    """Every region by its Kemendagri code (dotted, e.g. ``64.71.01``)."""
    with DATA_FILE.open(encoding="utf-8", newline="") as f:
        return {row["kode_kemendagri"]: row for row in csv.DictReader(f)}


@functools.lru_cache(maxsize=1)
def _undotted() -> dict[str, str]:
    return {row["kode_kemendagri_angka"]: code for code, row in regions().items()}


def normalise(code: str) -> str | None:
    """The dotted Kemendagri code for ``code`` written with or without dots."""
    code = code.strip()
    if code in regions():
        return code
    return _undotted().get(code)


def is_known(code: str) -> bool:
    return normalise(code) is not None


def name(code: str) -> str:
    dotted = normalise(code)
    return regions()[dotted]["nama"] if dotted else code
