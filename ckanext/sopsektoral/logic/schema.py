"""Input schemas of the sopsektoral actions: every parameter of every action, typed.

Each action's parameters are declared once here, as :class:`Param` entries of
``ACTIONS`` (keyed by the action's name). The same declaration gives

- the check of the input (``logic/action/common.validate``): unknown parameters
  are named, each value must have its declared type (strings without control
  characters and within a length, integers within bounds, booleans only as JSON
  booleans or "true"/"false", lists of the declared item type, dicts only where
  declared), then the domain validators of logic/validators.py run on it;
- the OpenAPI document (``openapi.py``) and the API reference (docs/api.md):
  the JSON Schema of each parameter comes from :meth:`Param.json_schema`.

The same parameter has the same declaration, and so the same shape, in every
action (``ID``, ``YEAR``, ``LIMIT``, ``STATE`` ...).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Context

# The metadata columns of a Daftar Data entry (the import's columns).
from ckanext.sopsektoral.daftar_data import METADATA_COLUMNS as DAFTAR_DATA_METADATA

__all__ = ["Param", "ACTIONS", "params", "UNSET"]


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()

# C0 control characters and DEL; a multi-line text may hold tab, newline and carriage return.
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
TRUE, FALSE = ("true",), ("false",)
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits (\d takes any script's)
# The largest value PostgreSQL's integer and bigint arithmetic is never asked to hold.
INT_BOUND = 2**31 - 1

# The kinds of parameter and how docstrings (``:type:``) name them.
DOC_TYPES = {
    "string": "string",
    "text": "string",
    "integer": "int",
    "boolean": "bool",
    "date": "string",
    "string_list": "list of strings",
    "object": "dict",
    "file": "file",
    "rows": "list of dicts",
}


@dataclasses.dataclass(frozen=True)
class Param:
    """One parameter of an action: its kind, whether it is required, its default and bounds.

    ``enum`` is a tuple of allowed values, or a callable returning them (values
    that come from the SOP file: positions, letter states). ``validators`` are
    further navl validators (logic/validators.py) run on the typed value.
    """

    kind: str
    required: bool = False
    default: Any = UNSET
    max_length: int = 100
    minimum: int | None = None
    maximum: int | None = None
    max_items: int = 1000
    enum: tuple[str, ...] | Callable[[], tuple[str, ...]] | None = None
    pattern: str | None = None
    keys: tuple[str, ...] | Callable[[], tuple[str, ...]] | None = None
    validators: tuple[str, ...] = ()
    nullable: bool = False
    blank: bool = True  # False: when given, a string must not be empty

    @property
    def doc_type(self) -> str:
        return DOC_TYPES[self.kind]

    def allowed(self) -> tuple[str, ...] | None:
        return self.enum() if callable(self.enum) else self.enum

    def allowed_keys(self) -> tuple[str, ...] | None:
        return self.keys() if callable(self.keys) else self.keys

    # ------------------------------------------------------------ checking

    def check(self, value: Any) -> Any:
        """``value`` as this parameter's type; ``tk.Invalid`` with a message saying what is expected."""
        if value is None and self.nullable:
            return None
        return getattr(self, f"_check_{self.kind}")(value)

    def _check_string(self, value: Any, control: re.Pattern[str] = CONTROL) -> str:
        if not isinstance(value, str):
            raise tk.Invalid(tk._("Must be a string"))
        _check_text(value, control, self.max_length)
        allowed = self.allowed()
        if allowed is not None and value not in allowed:
            raise tk.Invalid(tk._("Must be one of: {values}").format(values=", ".join(allowed) or "-"))
        if self.pattern and value and not re.fullmatch(self.pattern, value):
            raise tk.Invalid(tk._("Does not have the expected form"))
        return value

    def _check_text(self, value: Any) -> str:
        return self._check_string(value, CONTROL_IN_TEXT)

    def _check_integer(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise tk.Invalid(tk._("Must be a whole number"))
        if isinstance(value, str):
            text = value.strip()
            if not re.fullmatch(r"-?[0-9]{1,12}", text):
                raise tk.Invalid(tk._("Must be a whole number"))
            value = int(text)
        low = self.minimum if self.minimum is not None else -INT_BOUND
        high = self.maximum if self.maximum is not None else INT_BOUND
        if not low <= value <= high:
            raise tk.Invalid(tk._("Must be a whole number from {min} to {max}").format(min=low, max=high))
        return value

    def _check_boolean(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in TRUE + FALSE:
            return value.strip().lower() in TRUE
        raise tk.Invalid(tk._("Must be true or false"))

    def _check_date(self, value: Any) -> dt.date:
        if not isinstance(value, str) or not ISO_DATE.fullmatch(value.strip()):
            raise tk.Invalid(tk._("Must be a date in the form YYYY-MM-DD"))
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError as err:
            raise tk.Invalid(tk._("Must be a date in the form YYYY-MM-DD")) from err
        if not 1900 <= day.year <= 2200:
            raise tk.Invalid(tk._("Must be a date between the years {min} and {max}").format(min=1900, max=2200))
        return day

    def _check_string_list(self, value: Any) -> list[str]:
        # A query string (GET) gives one value as a string: it is a list of one.
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)):
            raise tk.Invalid(tk._("Must be a list of strings"))
        if len(value) > self.max_items:
            raise tk.Invalid(tk._("At most {count} entries").format(count=self.max_items))
        out = []
        for entry in value:
            if not isinstance(entry, str):
                raise tk.Invalid(tk._("Must be a list of strings"))
            out.append(self._check_string(entry))
        return out

    def _check_object(self, value: Any) -> dict[str, bool]:
        if not isinstance(value, dict):
            raise tk.Invalid(tk._("Must be an object"))
        allowed = self.allowed_keys() or ()
        unknown = [str(k)[:50] for k in value if k not in allowed]
        if unknown:
            raise tk.Invalid(tk._("Unknown entries: {keys}; use: {known}").format(
                keys=", ".join(unknown[:10]), known=", ".join(allowed)))
        out = {}
        for key, entry in value.items():
            if not isinstance(entry, bool):
                raise tk.Invalid(tk._("{key}: must be true or false").format(key=key))
            out[key] = entry
        return out

    def _check_file(self, value: Any) -> Any:
        if not hasattr(value, "read"):
            raise tk.Invalid(tk._("Must be a file (a multipart upload)"))
        return value

    def _check_rows(self, value: Any) -> list[dict[str, Any]]:
        if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
            raise tk.Invalid(tk._("Must be a list of objects"))
        if len(value) > self.max_items:
            raise tk.Invalid(tk._("At most {count} entries").format(count=self.max_items))
        for row in value:
            for key, cell in row.items():
                if not isinstance(key, str) or not (cell is None or isinstance(cell, (str, int, float))) \
                        or isinstance(cell, bool):
                    raise tk.Invalid(tk._("Each row maps column names to strings or numbers"))
                _check_text(key, CONTROL, 100)
                if isinstance(cell, str):
                    _check_text(cell, CONTROL_IN_TEXT, 5000)
        return value

    # ------------------------------------------------------------ describing

    def json_schema(self) -> dict[str, Any]:
        """The JSON Schema (OpenAPI 3.1) of the values this parameter accepts."""
        out: dict[str, Any]
        if self.kind in ("string", "text"):
            out = {"type": "string", "maxLength": self.max_length}
            if self.allowed() is not None:
                out["enum"] = list(self.allowed())
            if self.pattern:
                out["pattern"] = self.pattern
        elif self.kind == "integer":
            out = {"type": "integer", "minimum": self.minimum if self.minimum is not None else -INT_BOUND,
                   "maximum": self.maximum if self.maximum is not None else INT_BOUND}
        elif self.kind == "boolean":
            out = {"type": "boolean"}
        elif self.kind == "date":
            out = {"type": "string", "format": "date"}
        elif self.kind == "string_list":
            item: dict[str, Any] = {"type": "string", "maxLength": self.max_length}
            if self.allowed() is not None:
                item["enum"] = list(self.allowed())
            out = {"type": "array", "items": item, "maxItems": self.max_items}
        elif self.kind == "object":
            out = {"type": "object", "additionalProperties": False,
                   "properties": {k: {"type": "boolean"} for k in self.allowed_keys() or ()}}
        elif self.kind == "file":
            out = {"type": "string", "format": "binary"}
        else:  # rows
            out = {"type": "array", "maxItems": self.max_items, "items": {
                "type": "object", "additionalProperties": {"type": ["string", "number", "null"]}}}
        if self.nullable:
            out["type"] = [out["type"], "null"]
        if self.default is not UNSET:
            out["default"] = list(self.default) if isinstance(self.default, tuple) else self.default
        return out


def _check_text(value: str, control: re.Pattern[str], max_length: int) -> None:
    if control.search(value):
        raise tk.Invalid(tk._("Must not contain control characters"))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:  # a lone surrogate, e.g. "\ud800" in JSON
        raise tk.Invalid(tk._("Must be valid Unicode text")) from err
    if len(value) > max_length:
        raise tk.Invalid(tk._("At most {count} characters").format(count=max_length))


# ---------------------------------------------------------------- shared parameters

def _positions() -> tuple[str, ...]:
    from ckanext.sopsektoral import sop

    return tuple(sop.current().position_keys)


def _letter_states() -> tuple[str, ...]:
    from ckanext.sopsektoral import sop

    return tuple(sop.current().letter_states)


def _item_states() -> tuple[str, ...]:
    from ckanext.sopsektoral.items.states import ITEM_STATES

    return tuple(ITEM_STATES)


def _checklist() -> tuple[str, ...]:
    from ckanext.sopsektoral.items.states import CHECKLIST

    return tuple(CHECKLIST)


SIFAT = ("biasa", "penting", "segera", "sangat_segera")

ID = Param("string", required=True)
OPTIONAL_ID = Param("string")
NAME = Param("string")  # a user's or an organization's id or name
IDS = Param("string_list", max_items=1000)
Q = Param("string", max_length=200)
NOTE = Param("text", max_length=2000)
REQUIRED_NOTE = Param("text", required=True, max_length=2000)
YEAR = Param("integer", minimum=1945, maximum=2100)
FLAG = Param("boolean")
OFFSET = Param("integer", default=0, minimum=0, maximum=1_000_000)


def LIMIT(page_size: int) -> Param:  # noqa: N802 - a parameter, named like the others
    return Param("integer", default=page_size, minimum=0, maximum=1000)


LETTER_FIELDS = {
    "body": Param("text", default="", max_length=20_000),
    "data_year": Param("integer", required=True, minimum=1945, maximum=2100),
    "sifat": Param("string", default="biasa", enum=SIFAT),
    "lampiran": Param("string", default="", max_length=200),
    "tembusan": Param("string_list", default=(), max_items=50, max_length=300),
    "items": Param("string_list", default=(), max_items=5000),
}

TRANSITION = {"id": ID, "note": NOTE}
BY_ID = {"id": ID}

# Every action's parameters, keyed by the action's name, in the order of the API reference.
ACTIONS: dict[str, dict[str, Param]] = {
    "sopsektoral_sop_show": {},
    "sopsektoral_reindex": {"ids": Param("string_list", required=True, max_items=1000)},
    "sopsektoral_officer_assign": {
        "user": Param("string", required=True),
        "position": Param("string", required=True, enum=_positions),
        "acting": Param("string", enum=("plt", "plh", "")),
        "valid_from": Param("date"),
        "valid_until": Param("date", validators=("sopsektoral_validity",)),
        # A civil servant's NIP: 18 digits. A pangkat/golongan such as "Pembina Tk. I (IV/b)".
        "nip": Param("string", max_length=18, pattern=r"[0-9]{18}"),
        "rank": Param("string", max_length=60, pattern=r"[A-Za-z0-9][A-Za-z0-9 .,/()'-]*"),
    },
    "sopsektoral_officer_list": {
        "position": Param("string", enum=_positions),
        "user": NAME,
        "include_past": FLAG,
        "on_date": Param("date"),
    },
    "sopsektoral_officer_revoke": BY_ID,
    "sopsektoral_daftar_data_import": {
        "upload": Param("file"),
        "rows": Param("rows", max_items=10_000),
        "format": Param("string", enum=("csv", "xlsx", "CSV", "XLSX")),
        "dry_run": FLAG,
    },
    "sopsektoral_daftar_data_list": {
        "year": YEAR, "owner_org": NAME, "q": Q, "ids": IDS, "limit": LIMIT(100), "offset": OFFSET,
    },
    "sopsektoral_daftar_data_update": {
        "id": ID, "year": YEAR,
        "owner_org": Param("string", max_length=200, blank=False),  # an OPD's id, name or title
        "title": Param("string", max_length=500, blank=False),
        "dataset_name": Param("string"),  # empty: a new dataset is made when it is requested
        # The metadata columns of the import; an empty value clears one.
        **{column: Param("text", max_length=5000) for column in DAFTAR_DATA_METADATA},
    },
    "sopsektoral_daftar_data_delete": BY_ID,
    "sopsektoral_letter_create": {
        "subject": Param("string", required=True, max_length=500),
        **LETTER_FIELDS,
    },
    "sopsektoral_letter_update": {
        "id": ID,
        "subject": Param("string", max_length=500, blank=False),
        **{k: dataclasses.replace(p, required=False, default=UNSET) for k, p in LETTER_FIELDS.items()},
    },
    "sopsektoral_letter_show": BY_ID,
    "sopsektoral_letter_list": {
        "state": Param("string_list", max_items=50, enum=_letter_states),
        "year": YEAR, "owner_org": NAME, "overdue": FLAG, "awaiting_me": FLAG, "q": Q,
        "limit": LIMIT(50), "offset": OFFSET,
    },
    "sopsektoral_letter_submit": TRANSITION,
    "sopsektoral_letter_initial": TRANSITION,
    "sopsektoral_letter_sign": TRANSITION,
    "sopsektoral_letter_return": {"id": ID, "note": REQUIRED_NOTE},
    "sopsektoral_letter_withdraw": TRANSITION,
    "sopsektoral_letter_cancel": TRANSITION,
    "sopsektoral_event_list": {
        "letter_id": OPTIONAL_ID, "item_id": OPTIONAL_ID, "limit": LIMIT(100), "offset": OFFSET,
    },
    "sopsektoral_letter_send": TRANSITION,
    "sopsektoral_letter_pdf": {"id": ID, "include_content": Param("boolean", default=True)},
    "sopsektoral_letter_pdf_upload": {"id": ID, "upload": Param("file", required=True)},
    "sopsektoral_letter_verify": {"id": ID, "upload": Param("file")},
    "sopsektoral_item_list": {
        "owner_org": NAME, "year": YEAR, "letter_id": OPTIONAL_ID,
        "state": Param("string_list", max_items=50, enum=_item_states),
        "overdue": FLAG, "claimed_by": NAME, "unclaimed": FLAG, "q": Q,
        "sort": Param("string", default="deadline",
                      enum=("deadline", "submitted", "organization", "title", "state")),
        "limit": LIMIT(50), "offset": OFFSET,
    },
    "sopsektoral_item_show": BY_ID,
    "sopsektoral_item_submit": TRANSITION,
    "sopsektoral_item_claim": {"id": ID, "user": Param("string", nullable=True)},
    "sopsektoral_item_verify": {
        "id": OPTIONAL_ID, "ids": IDS,
        "checklist": Param("object", keys=_checklist), "note": NOTE,
    },
    "sopsektoral_item_return": {
        "id": ID, "note": REQUIRED_NOTE, "checklist": Param("object", keys=_checklist),
    },
    "sopsektoral_item_publish": {"id": OPTIONAL_ID, "ids": IDS},
    "sopsektoral_status_show": BY_ID,
    "sopsektoral_period_list": BY_ID,
}


def params(action_name: str) -> dict[str, Param]:
    """The declared parameters of the action ``action_name``."""
    return ACTIONS[action_name]


def check(action_name: str, data_dict: dict[str, Any], context: Context) -> dict[str, Any]:
    """``data_dict`` typed by the action's declaration: unknown parameters
    named, values checked and converted, defaults filled in, required ones
    present; then the declared domain validators run. ``tk.ValidationError``
    with every field's messages."""
    declared = params(action_name)
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {}
    for key in data_dict:
        if key not in declared:
            shown = key if isinstance(key, str) else repr(key)
            errors[shown[:100]] = [tk._("Unknown parameter; this action accepts: {names}").format(
                names=", ".join(declared) or "-")]
    for name, param in declared.items():
        value = data_dict.get(name, UNSET)
        if value is UNSET or (value in ("", None) and not param.nullable and param.kind != "boolean"):
            if param.required or (value is not UNSET and not param.blank):
                errors[name] = [tk._("Missing value")]
            elif param.default is not UNSET:
                data[name] = list(param.default) if isinstance(param.default, tuple) else param.default
            elif value is not UNSET and param.kind in ("string", "text"):
                data[name] = value  # an empty string clears an optional text
            continue
        try:
            data[name] = param.check(value)
        except tk.Invalid as err:
            errors[name] = [err.error]
            continue
        for validator_name in param.validators:
            try:
                data[name] = tk.get_validator(validator_name)(data[name], {**context, "sopsektoral_data": data})
            except tk.Invalid as err:
                errors[name] = [err.error]
    if errors:
        if "tags" in errors:
            # CKAN's ValidationError reads a "tags" entry as the tag validators' [{"name": [...]}]
            # (a 500 on a plain message): an unknown parameter called "tags" is given that shape,
            # which it turns back into the messages.
            errors["tags"] = [{"name": [message]} for message in errors["tags"]]
        raise tk.ValidationError(errors)
    return data
