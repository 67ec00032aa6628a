"""Validators of ckanext-sopsektoral (registered by the validators blanket)."""
from __future__ import annotations

import re
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import Context, FlattenDataDict, FlattenErrorDict, FlattenKey
from ckanext.scheming.validation import scheming_validator

from ckanext.sopsektoral import readiness, regions
from ckanext.sopsektoral.datasets.permissions import in_workflow
from ckanext.sopsektoral.model.base import utcnow

__all__ = [
    "sopsektoral_read_only",
    "sopsektoral_data_year",
    "sopsektoral_kode_wilayah",
    "sopsektoral_sdsn_code",
    "sopsektoral_validity",
    "sopsektoral_keep_stored",
    "sopsektoral_required_in_workflow",
    "sopsektoral_clean_extras",
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


def sopsektoral_keep_stored(
    key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict, context: Context
) -> Any:
    """Let a value the dataset already holds through unchanged, even where the
    field's rules would refuse it today: datasets made before the extension (a
    legacy ``frekuensi`` of "Tahunan", a free-text year) stay editable and keep
    their values. Put first in the field's validators."""
    package = context.get("package")
    value = data.get(key)
    if not isinstance(package, model.Package) or value in (tk.missing, None, ""):
        return
    name = key[-1]
    if name in PACKAGE_COLUMNS:
        if str(value) == str(getattr(package, name) or ""):
            raise tk.StopOnError
        return
    stored = (package.extras or {}).get(name)
    if stored is not None and str(value) == stored:
        # Stops the chain before scheming's own convert_to_extras, so store it here.
        tk.get_converter("convert_to_extras")(key, data, errors, context)
        raise tk.StopOnError


# CKAN's own columns of a dataset (the rest of its fields are extras).
PACKAGE_COLUMNS = frozenset(c.name for c in model.package_table.columns)


def sopsektoral_required_in_workflow(
    key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict, context: Context
) -> Any:
    """Required on a new dataset and on one a request letter asks for; optional
    on the portal's other datasets, so that those made before the extension
    stay patchable without it (``ckan sopsektoral adopt --apply`` fills it)."""
    if data.get(key) not in (tk.missing, None, ""):
        return
    package = context.get("package")
    if isinstance(package, model.Package):
        # Before the plugin's tables exist no letter can ask for it (readiness.py).
        if not readiness.ready() or not in_workflow(package.id):
            data.pop(key, None)
            raise tk.StopOnError
    errors[key].append(tk._("Missing value"))
    raise tk.StopOnError


@scheming_validator
def sopsektoral_clean_extras(field: Any, schema: dict[str, Any]) -> Any:
    """A schema-level after-validator: empty fields of the schema are not
    stored as empty extras (a form saved once would otherwise add one per
    field), and extras the form marks deleted are dropped (CKAN 2.12 no longer
    does); free extras outside the schema are otherwise kept as they are."""
    names = {f["field_name"] for f in schema.get("dataset_fields", [])}

    def validator(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict, context: Context) -> Any:
        for flat_key in [k for k in data if len(k) == 3 and k[0] == "extras" and k[2] == "key"]:
            index = flat_key[1]
            value = data.get(("extras", index, "value"))
            empty = data[flat_key] in names and value in (None, "", tk.missing)
            deleted = data.get(("extras", index, "deleted")) not in (None, "", False, tk.missing)
            if empty or deleted:
                for part in [k for k in data if len(k) == 3 and k[0] == "extras" and k[1] == index]:
                    del data[part]

    return validator


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


def sopsektoral_validity(value: Any, context: Context) -> Any:
    """valid_until (a date), when given, is not before valid_from (checked before it; today,
    its default, when not given)."""
    since = context.get("sopsektoral_data", {}).get("valid_from") or utcnow().date()
    if value and value < since:
        raise tk.Invalid(tk._("The end date is before the start date"))
    return value


def sopsektoral_sdsn_code(value: Any, context: Context) -> Any:
    if value in (None, ""):
        return value
    if not SDSN_CODE.match(str(value).strip()):
        raise tk.Invalid(tk._("Use the form SP00055.00.00 (type, concept, definition, classification)"))
    return str(value).strip()







