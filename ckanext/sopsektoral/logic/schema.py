"""Input schemas of the sopsektoral actions, one factory per action."""
from __future__ import annotations

from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator


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
