"""Validators of ckanext-sopsektoral (registered by the validators blanket)."""
from __future__ import annotations

import re
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Context, FlattenDataDict, FlattenErrorDict, FlattenKey

from ckanext.sopsektoral import regions

__all__ = [
    "sopsektoral_read_only",
    "sopsektoral_data_year",
    "sopsektoral_kode_wilayah",
    "sopsektoral_sdsn_code",
]

# Standar Data Statistik Nasional codes, e.g. SP00055.00.00 (Peraturan BPS 4/2021).
SDSN_CODE = re.compile(r"^(SD|SP|ST|SE|UL)\d{5}\.\d{2}\.\d{2}$")
MIN_YEAR = 1945
MAX_YEAR = 2100


def sopsektoral_read_only(
    key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict, context: Context
) -> Any:
    """Drop whatever the caller sent: SOP status fields change only through SOP actions."""
    data.pop(key, None)
    raise tk.StopOnError


def sopsektoral_data_year(value: Any, context: Context) -> Any:
    """A four-digit data year, kept as a string (it is indexed and faceted as one)."""
    if value in (None, ""):
        return value
    text = str(value).strip()
    if not text.isdigit() or not MIN_YEAR <= int(text) <= MAX_YEAR:
        raise tk.Invalid(
            tk._("Enter a year between {min} and {max}").format(min=MIN_YEAR, max=MAX_YEAR)
        )
    return text


def sopsektoral_kode_wilayah(value: Any, context: Context) -> Any:
    """One or more Kemendagri region codes of Kota Balikpapan, comma separated."""
    if value in (None, ""):
        return value
    codes = [c.strip() for c in str(value).split(",") if c.strip()]
    unknown = [c for c in codes if not regions.is_known(c)]
    if unknown:
        raise tk.Invalid(
            tk._("Not a Kemendagri region code of Kota Balikpapan: {codes}").format(
                codes=", ".join(unknown)
            )
        )
    return ",".join(regions.normalise(c) for c in codes)


def sopsektoral_sdsn_code(value: Any, context: Context) -> Any:
    if value in (None, ""):
        return value
    if not SDSN_CODE.match(str(value).strip()):
        raise tk.Invalid(tk._("Use the form SP00055.00.00 (type, concept, definition, classification)"))
    return str(value).strip()
