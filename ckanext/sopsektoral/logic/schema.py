"""Input schemas of the sopsektoral actions, one factory per action."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator


def _paging(page_size: int) -> Schema:
    """``limit`` (default ``page_size``, at most ckan.search.rows_max) and ``offset``."""
    default = tk.get_validator("default")
    natural_number = tk.get_validator("natural_number_validator")
    at_most = tk.get_validator("limit_to_configured_maximum")("ckan.search.rows_max", 1000)
    return {"limit": [default(page_size), natural_number, at_most], "offset": [default(0), natural_number]}


@validator_args
def sop_show(empty: Validator) -> Schema:
    return {"__extras": [empty]}


@validator_args
def reindex(
    not_empty: Validator,
    convert_to_list_if_string: Validator,
    list_of_strings: Validator,
    empty: Validator,
) -> Schema:
    return {
        "ids": [not_empty, convert_to_list_if_string, list_of_strings],
        "__extras": [empty],
    }


# ---------------------------------------------------------------- officers

@validator_args
def officer_assign(
    not_empty: Validator,
    ignore_missing: Validator,
    unicode_safe: Validator,
    user_id_or_name_exists: Validator,
    isodate: Validator,
    empty: Validator,
    sopsektoral_position: Validator,
    sopsektoral_acting: Validator,
    sopsektoral_validity: Validator,
) -> Schema:
    return {
        "user": [not_empty, unicode_safe, user_id_or_name_exists],
        "position": [not_empty, unicode_safe, sopsektoral_position],
        "acting": [ignore_missing, unicode_safe, sopsektoral_acting],
        "valid_from": [ignore_missing, isodate],
        "valid_until": [ignore_missing, isodate, sopsektoral_validity],
        "nip": [ignore_missing, unicode_safe],
        "rank": [ignore_missing, unicode_safe],
        "__extras": [empty],
    }


@validator_args
def officer_list(
    ignore_missing: Validator,
    unicode_safe: Validator,
    boolean_validator: Validator,
    isodate: Validator,
    empty: Validator,
    sopsektoral_position: Validator,
) -> Schema:
    return {
        "position": [ignore_missing, unicode_safe, sopsektoral_position],
        "user": [ignore_missing, unicode_safe],
        "include_past": [ignore_missing, boolean_validator],
        "on_date": [ignore_missing, isodate],
        "__extras": [empty],
    }


@validator_args
def id_only(not_empty: Validator, unicode_safe: Validator, empty: Validator) -> Schema:
    return {"id": [not_empty, unicode_safe], "__extras": [empty]}


# ---------------------------------------------------------------- Daftar Data

@validator_args
def daftar_data_import(
    ignore_missing: Validator,
    unicode_safe: Validator,
    boolean_validator: Validator,
    one_of: Validator,
    empty: Validator,
) -> Schema:
    # ``upload`` and ``rows`` are checked row by row by ckanext.sopsektoral.daftar_data.
    return {
        "format": [ignore_missing, unicode_safe, one_of(["csv", "xlsx", "CSV", "XLSX"])],
        "dry_run": [ignore_missing, boolean_validator],
        "__extras": [empty],
    }


@validator_args
def daftar_data_list(
    ignore_missing: Validator,
    unicode_safe: Validator,
    int_validator: Validator,
    empty: Validator,
    sopsektoral_data_year: Validator,
) -> Schema:
    return {
        "year": [ignore_missing, sopsektoral_data_year, int_validator],
        "owner_org": [ignore_missing, unicode_safe],
        "q": [ignore_missing, unicode_safe],
        "ids": [ignore_missing],
        **_paging(100),
        "__extras": [empty],
    }


# ---------------------------------------------------------------- letters

@validator_args
def letter_create(
    not_empty: Validator,
    unicode_safe: Validator,
    default: Validator,
    one_of: Validator,
    empty: Validator,
    sopsektoral_data_year: Validator,
    int_validator: Validator,
    sopsektoral_string_list: Validator,
    sopsektoral_lines: Validator,
) -> Schema:
    return {
        "subject": [not_empty, unicode_safe],
        "body": [default(""), unicode_safe],
        "data_year": [not_empty, sopsektoral_data_year, int_validator],
        "sifat": [default("biasa"), unicode_safe, one_of(["biasa", "penting", "segera", "sangat_segera"])],
        "lampiran": [default(""), unicode_safe],
        "tembusan": [default([]), sopsektoral_lines],
        "items": [default([]), sopsektoral_string_list],
        "__extras": [empty],
    }


@validator_args
def letter_update(
    not_empty: Validator,
    ignore_missing: Validator,
    unicode_safe: Validator,
    one_of: Validator,
    empty: Validator,
    sopsektoral_data_year: Validator,
    int_validator: Validator,
    sopsektoral_string_list: Validator,
    sopsektoral_lines: Validator,
) -> Schema:
    return {
        "id": [not_empty, unicode_safe],
        "subject": [ignore_missing, not_empty, unicode_safe],
        "body": [ignore_missing, unicode_safe],
        "data_year": [ignore_missing, sopsektoral_data_year, int_validator],
        "sifat": [ignore_missing, unicode_safe, one_of(["biasa", "penting", "segera", "sangat_segera"])],
        "lampiran": [ignore_missing, unicode_safe],
        "tembusan": [ignore_missing, sopsektoral_lines],
        "items": [ignore_missing, sopsektoral_string_list],
        "__extras": [empty],
    }


@validator_args
def letter_transition(
    not_empty: Validator, ignore_missing: Validator, unicode_safe: Validator, empty: Validator
) -> Schema:
    return {
        "id": [not_empty, unicode_safe],
        "note": [ignore_missing, unicode_safe],
        "__extras": [empty],
    }


@validator_args
def letter_return(not_empty: Validator, unicode_safe: Validator, empty: Validator) -> Schema:
    return {
        "id": [not_empty, unicode_safe],
        "note": [not_empty, unicode_safe],
        "__extras": [empty],
    }


@validator_args
def letter_list(
    ignore_missing: Validator,
    unicode_safe: Validator,
    boolean_validator: Validator,
    int_validator: Validator,
    empty: Validator,
    sopsektoral_data_year: Validator,
    sopsektoral_letter_state: Validator,
) -> Schema:
    return {
        "state": [ignore_missing, unicode_safe, sopsektoral_letter_state],
        "year": [ignore_missing, sopsektoral_data_year, int_validator],
        "owner_org": [ignore_missing, unicode_safe],
        "overdue": [ignore_missing, boolean_validator],
        "awaiting_me": [ignore_missing, boolean_validator],
        "q": [ignore_missing, unicode_safe],
        **_paging(50),
        "__extras": [empty],
    }


@validator_args
def event_list(
    ignore_missing: Validator,
    unicode_safe: Validator,
    empty: Validator,
) -> Schema:
    return {
        "letter_id": [ignore_missing, unicode_safe],
        "item_id": [ignore_missing, unicode_safe],
        **_paging(100),
        "__extras": [empty],
    }


# ---------------------------------------------------------------- items

@validator_args
def item_list(
    ignore_missing: Validator,
    unicode_safe: Validator,
    boolean_validator: Validator,
    int_validator: Validator,
    default: Validator,
    one_of: Validator,
    empty: Validator,
    sopsektoral_data_year: Validator,
    sopsektoral_item_states: Validator,
) -> Schema:
    return {
        "owner_org": [ignore_missing, unicode_safe],
        "year": [ignore_missing, sopsektoral_data_year, int_validator],
        "letter_id": [ignore_missing, unicode_safe],
        "state": [ignore_missing, sopsektoral_item_states],
        "overdue": [ignore_missing, boolean_validator],
        "claimed_by": [ignore_missing, unicode_safe],
        "unclaimed": [ignore_missing, boolean_validator],
        "q": [ignore_missing, unicode_safe],
        "sort": [default("deadline"), one_of(["deadline", "submitted", "organization", "title", "state"])],
        **_paging(50),
        "__extras": [empty],
    }


@validator_args
def item_claim(
    not_empty: Validator, ignore_missing: Validator, unicode_safe: Validator, empty: Validator
) -> Schema:
    return {
        "id": [not_empty, unicode_safe],
        "user": [ignore_missing, unicode_safe],
        "__extras": [empty],
    }


@validator_args
def item_verify(
    ignore_missing: Validator,
    unicode_safe: Validator,
    empty: Validator,
    sopsektoral_string_list: Validator,
    sopsektoral_checklist: Validator,
) -> Schema:
    return {
        "id": [ignore_missing, unicode_safe],
        "ids": [ignore_missing, sopsektoral_string_list],
        "checklist": [ignore_missing, sopsektoral_checklist],
        "note": [ignore_missing, unicode_safe],
        "__extras": [empty],
    }


@validator_args
def item_return(
    not_empty: Validator,
    ignore_missing: Validator,
    unicode_safe: Validator,
    empty: Validator,
    sopsektoral_checklist: Validator,
) -> Schema:
    return {
        "id": [not_empty, unicode_safe],
        "note": [not_empty, unicode_safe],
        "checklist": [ignore_missing, sopsektoral_checklist],
        "__extras": [empty],
    }


@validator_args
def item_publish(
    ignore_missing: Validator, unicode_safe: Validator, empty: Validator, sopsektoral_string_list: Validator
) -> Schema:
    return {
        "id": [ignore_missing, unicode_safe],
        "ids": [ignore_missing, sopsektoral_string_list],
        "__extras": [empty],
    }
