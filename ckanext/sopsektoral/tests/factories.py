"""Builders of realistic test data (through CKAN's actions)."""
from __future__ import annotations

from typing import Any

from ckan.tests import factories


def sectoral_dataset(**overrides: Any) -> dict[str, Any]:
    """A dataset with the sectoral-statistics metadata an OPD would enter."""
    data: dict[str, Any] = {
        "title": "Jumlah Puskesmas menurut Kecamatan",
        "notes": "Jumlah puskesmas induk menurut kecamatan.",
        "konsep": "Fasilitas pelayanan kesehatan tingkat pertama.",
        "definisi": "Puskesmas induk yang beroperasi pada akhir tahun.",
        "klasifikasi": "menurut kecamatan",
        "ukuran": "jumlah puskesmas",
        "satuan": "unit",
        "tahun_data": "2025",
        "frekuensi": "tahunan",
        "kode_wilayah": "64.71",
        "klasifikasi_akses": "publik",
        "data_prioritas": "ya",
    }
    data.update(overrides)
    if "owner_org" not in data:
        data["owner_org"] = factories.Organization()["id"]
    return factories.Dataset(**data)
