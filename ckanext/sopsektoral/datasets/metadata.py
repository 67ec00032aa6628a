"""How complete a dataset's sectoral-statistics metadata is (the workbench's check)."""
from __future__ import annotations

from typing import Any

# Metadata the workbench checks for completeness: the data standard, then MS-Ind.
REQUIRED_METADATA = ("konsep", "definisi", "klasifikasi", "ukuran", "satuan")
RECOMMENDED_METADATA = (
    "notes", "tahun_data", "frekuensi", "kode_wilayah", "sumber_data", "metode_pengumpulan",
    "klasifikasi_penyajian", "level_estimasi", "klasifikasi_akses", "maintainer", "license_id",
)


def metadata_completeness(dataset: dict[str, Any]) -> dict[str, Any]:
    """Which of the schema's sectoral-statistics fields are filled in."""
    def filled(key: str) -> bool:
        return bool(str(dataset.get(key) or "").strip())

    required = [(k, filled(k)) for k in REQUIRED_METADATA]
    recommended = [(k, filled(k)) for k in RECOMMENDED_METADATA]
    total = len(required) + len(recommended)
    done = sum(ok for _, ok in required + recommended)
    return {
        "required": required, "recommended": recommended,
        "percent": round(100 * done / total), "standard_complete": all(ok for _, ok in required),
    }
