"""The OpenAPI 3.1 document of the extension's action API, generated from the code.

One generator for everything that describes the API: the portal serves the
document (``/sopsektoral/openapi.json``) and renders it as a reference page
(``/sopsektoral/api``); ``scripts/api_docs.py`` writes it to docs/openapi.json
and docs/api.md. Nothing about an action is written twice:

- which actions there are, and which are reads (``side_effect_free``): the
  package's ``logic.action.__all__``;
- their parameters, types and limits: ``logic/schema.py`` (``ACTIONS``);
- what they do and what each parameter means: the actions' docstrings
  (``:param:``, ``:type:``, ``:returns:``);
- what they return: ``logic/results.py``;
- the positions and letter states in enumerations: the SOP file the portal runs.
"""
from __future__ import annotations

import copy
import inspect
import json
import re
import shlex
import urllib.parse
from collections.abc import Callable
from typing import Any

__all__ = ["document", "reference", "parse", "actions", "portal_url", "SITE"]

# The portal the committed docs (docs/openapi.json, docs/api.md) name as their server.
SITE = "https://data.balikpapan.go.id"
TITLE = "ckanext-sopsektoral action API"
# The version of this document's contract: raised when a parameter or a result changes incompatibly.
API_VERSION = "1.0.0"

Schema = dict[str, Any]

FIELD = re.compile(r"^:(param|type|returns|rtype)\s*([^:]*):\s?(.*)$")


# ---------------------------------------------------------------- docstrings

def _markdown(text: str) -> str:
    """reStructuredText literals (````x````) as Markdown's (```x```)."""
    return text.replace("``", "`")


def parse(doc: str | None) -> dict[str, Any]:
    """The parts of an action's docstring: ``summary`` (its first paragraph),
    ``description`` (the rest of the prose), ``params`` (name → ``type`` and
    ``text``, from ``:param:`` and ``:type:``), ``returns`` and ``rtype``."""
    lines = inspect.cleandoc(doc or "").splitlines()
    prose: list[str] = []
    params: dict[str, dict[str, str]] = {}
    returns = rtype = ""
    current: tuple[str, str] | None = None
    for line in lines:
        match = FIELD.match(line.strip())
        if match:
            kind, name, text = match.groups()
            names = [n.strip() for n in name.split(",") if n.strip()]
            if kind == "param":
                for each in names:
                    params.setdefault(each, {"type": "", "text": text})
                current = ("param", names[0]) if names else None
            elif kind == "type":
                for each in names:
                    params.setdefault(each, {"type": "", "text": ""})["type"] = text.strip()
                current = None
            elif kind == "returns":
                returns, current = text, ("returns", "")
            else:
                rtype, current = text.strip(), None
        elif current and line.startswith((" ", "\t")) and line.strip():
            if current[0] == "param":
                params[current[1]]["text"] += " " + line.strip()
            else:
                returns += " " + line.strip()
        elif not params and not returns:
            prose.append(line)
        else:
            current = None
    text = "\n".join(prose).strip()
    summary, _, description = text.partition("\n\n")
    return {
        "summary": " ".join(summary.split()),
        "description": description.strip(),
        "params": {k: {"type": v["type"], "text": " ".join(v["text"].split())} for k, v in params.items()},
        "returns": " ".join(returns.split()),
        "rtype": rtype,
    }


# ---------------------------------------------------------------- the actions

def actions() -> list[tuple[str, Callable[..., Any], str]]:
    """``(name, function, tag)`` of every ``sopsektoral_*`` action, in the order of the
    reference; the tag is the action's module (``letters``, ``items``, ...)."""
    from ckanext.sopsektoral.logic import action

    out = []
    for module in action.MODULES:
        tag = module.__name__.rsplit(".", 1)[-1]
        for name in module.__all__:
            if name.startswith("sopsektoral_"):  # chained core actions are CKAN's to document
                out.append((name, getattr(module, name), tag))
    return out


def _tags() -> list[dict[str, str]]:
    from ckanext.sopsektoral.logic import action

    return [{"name": module.__name__.rsplit(".", 1)[-1],
             "description": " ".join(inspect.cleandoc(module.__doc__ or "").split("\n\n")[0].split())}
            for module in action.MODULES]


def portal_url() -> str:
    """This portal's address for API clients: ``ckan.site_url`` and ``ckan.root_path``
    (without its language part)."""
    import ckan.plugins.toolkit as tk

    site = (tk.config.get("ckan.site_url") or "").rstrip("/")
    root = (tk.config.get("ckan.root_path") or "").replace("{{LANG}}", "")
    root = re.sub("/+", "/", root).rstrip("/")
    return site + root


# ---------------------------------------------------------------- examples

def examples() -> dict[str, dict[str, Any]]:
    """A request of each action, for the reference (values from the SOP file where they must be)."""
    from ckanext.sopsektoral import sop
    from ckanext.sopsektoral.items.states import CHECKLIST

    positions = sop.current().position_keys
    letter, item, entry = {"id": "LETTER_ID"}, {"id": "ITEM_ID"}, {"id": "ENTRY_ID"}
    return {
        "sopsektoral_sop_show": {},
        "sopsektoral_reindex": {"ids": ["jumlah-puskesmas-menurut-kecamatan-2026"]},
        "sopsektoral_officer_assign": {"user": "kasi", "position": positions[0],
                                       "nip": "198409102009022005", "valid_from": "2026-01-02"},
        "sopsektoral_officer_list": {"position": positions[-1]},
        "sopsektoral_officer_revoke": {"id": "ASSIGNMENT_ID"},
        "sopsektoral_daftar_data_import": {"rows": [
            {"tahun": 2026, "opd": "dinas-kesehatan", "judul_data": "Jumlah Puskesmas menurut Kecamatan",
             "satuan": "unit"}], "dry_run": True},
        "sopsektoral_daftar_data_list": {"year": 2026, "owner_org": "dinas-kesehatan"},
        "sopsektoral_daftar_data_update": {**entry, "satuan": "unit"},
        "sopsektoral_daftar_data_delete": entry,
        "sopsektoral_letter_create": {
            "subject": "Permintaan Data Statistik Sektoral Tahun 2026", "data_year": 2026, "sifat": "penting",
            "items": ["ENTRY_ID", "ENTRY_ID_2"], "tembusan": ["Wali Kota Balikpapan"]},
        "sopsektoral_letter_update": {**letter, "lampiran": "2 (dua) berkas"},
        "sopsektoral_letter_show": letter,
        "sopsektoral_letter_list": {"awaiting_me": True},
        "sopsektoral_letter_return": {**letter, "note": "Lampiran belum lengkap"},
        "sopsektoral_event_list": {"letter_id": "LETTER_ID"},
        "sopsektoral_item_list": {"owner_org": "dinas-kesehatan", "state": ["requested", "returned"]},
        "sopsektoral_item_verify": {**item, "checklist": dict.fromkeys(CHECKLIST, True)},
        "sopsektoral_item_return": {**item, "note": "Kode wilayah pada baris 3 salah"},
        "sopsektoral_item_publish": {"ids": ["ITEM_ID", "ITEM_ID_2"]},
        "sopsektoral_status_show": {"id": "jumlah-puskesmas-menurut-kecamatan-2026"},
        "sopsektoral_period_list": {"id": "jumlah-puskesmas-menurut-kecamatan-2026"},
    }


def example(name: str) -> dict[str, Any]:
    """The example request of ``name``: as written above, else its required parameters."""
    from ckanext.sopsektoral.logic import schema

    given = examples()
    if name in given:
        return given[name]
    out: dict[str, Any] = {}
    for pname, param in schema.ACTIONS[name].items():
        if param.required:
            placeholder = {"integer": 2026, "boolean": True, "date": "2026-01-02",
                           "string_list": ["ID"]}.get(param.kind)
            out[pname] = placeholder if placeholder is not None else (
                "ITEM_ID" if name.startswith("sopsektoral_item_") and pname == "id"
                else "LETTER_ID" if pname == "id" else pname.upper())
    return out


def _declared_parameters(name: str) -> list[str]:
    from ckanext.sopsektoral.logic import schema

    return list(schema.ACTIONS.get(name, {}))


def _uploads(name: str) -> list[str]:
    from ckanext.sopsektoral.logic import schema

    return [p for p, param in schema.ACTIONS[name].items() if param.kind == "file"]


def curl(name: str, read: bool, server: str) -> str:
    """The example request of ``name`` with curl (a read as GET with query parameters)."""
    data = example(name)
    url = f"{server}/api/3/action/{name}"
    parts = ["curl"]
    if name != "sopsektoral_sop_show":
        parts.append('-H "Authorization: $TOKEN"')
    uploads = _uploads(name)
    if uploads:
        sample = "surat-bertanda-tangan.pdf" if name.startswith("sopsektoral_letter_") else "daftar-data-2026.xlsx"
        parts += ["-F", shlex.quote(f"{uploads[0]}=@{sample}"), shlex.quote(url)]
    elif read:
        query = urllib.parse.urlencode(
            [(k, json.dumps(v) if isinstance(v, bool) else v) for k, values in data.items()
             for v in (values if isinstance(values, list) else [values])])
        parts.append(shlex.quote(url + (f"?{query}" if query else "")))
    else:
        parts += ["-H", shlex.quote("Content-Type: application/json"),
                  "-d", shlex.quote(json.dumps(data, ensure_ascii=False)), shlex.quote(url)]
    return " ".join(parts)


def ckanapi(name: str) -> str:
    """The example request of ``name`` with the ckanapi command line (``key=value``, ``key:JSON``, ``key@FILE``)."""
    parts = ["ckanapi", "action", name, "-r", "$SITE"]
    if name != "sopsektoral_sop_show":
        parts += ["-a", "$TOKEN"]
    uploads = _uploads(name)
    if uploads:
        return " ".join([*parts, f"{uploads[0]}@daftar-data-2026.xlsx"])
    for key, value in example(name).items():
        if isinstance(value, str):
            parts.append(shlex.quote(f"{key}={value}"))
        else:
            parts.append(f"{key}:" + shlex.quote(json.dumps(value, ensure_ascii=False)))
    return " ".join(parts)


# ---------------------------------------------------------------- the document

def _envelope(error: Schema, text: str) -> Schema:
    return {"type": "object", "description": text, "required": ["help", "success", "error"],
            "additionalProperties": False, "properties": {
                "help": {"type": "string", "description": "the address of the action's help (help_show)"},
                "success": {"const": False},
                "error": error}}


def _errors() -> dict[str, Schema]:
    """CKAN's answers when an action fails (ckan/views/api.py), by HTTP status."""
    messages = {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]}
    return {
        "BadRequest": {"anyOf": [
            {"type": "string", "description": "the request could not be read: \"Bad request - JSON Error: ...\""},
            _envelope({"type": "object", "required": ["__type", "message"], "properties": {
                "__type": {"enum": ["Integrity Error", "Search Query Error"]},
                "message": {"type": "string"}}}, "a database or search error of the request's data"),
        ]},
        "AuthorizationError": _envelope({
            "type": "object", "required": ["__type", "message"], "additionalProperties": False,
            "properties": {"__type": {"const": "Authorization Error"},
                           "message": {"type": "string", "description": "\"Access denied: \" and why"}}},
            "the caller may not do this (or is not logged in)"),
        "NotFoundError": _envelope({
            "type": "object", "required": ["__type", "message"], "additionalProperties": False,
            "properties": {"__type": {"const": "Not Found Error"},
                           "message": {"type": "string", "description": "\"Not found: \" and what"}}},
            "the letter, item, dataset, entry or assignment does not exist (or is not visible)"),
        "ValidationError": _envelope({
            "type": "object", "required": ["__type"],
            "properties": {"__type": {"enum": ["Validation Error", "Search Error"]}},
            "additionalProperties": messages,
            "description": "a list of messages per parameter (an unknown parameter is named); "
                           "`state` when the letter or item is not in a state that allows it; "
                           "`sopsektoral` while the plugin's tables are not migrated"},
            "the input, or the state of the letter or item, does not allow it"),
    }


def _responses() -> dict[str, Schema]:
    def media(name: str) -> Schema:
        return {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}

    return {
        "BadRequest": {"description": "Bad request: a body that is not a JSON object, "
                                      "or an action name CKAN does not know", "content": media("BadRequest")},
        "NotAuthorized": {"description": "Not authorized (NotAuthorized)", "content": media("AuthorizationError")},
        "NotFound": {"description": "Not found (ObjectNotFound)", "content": media("NotFoundError")},
        "ValidationError": {
            "description": "Validation error (ValidationError): the input, or the state of the letter or "
                           "item; also while the extension's tables are not migrated (readiness.py: "
                           "the message under `sopsektoral` names the command to run)",
            "content": media("ValidationError")},
    }


def _param_schema(param: Any, text: str) -> Schema:
    out = param.json_schema()
    if text:
        out["description"] = _markdown(text)
    return out


def _operation(name: str, fn: Callable[..., Any], tag: str, results: dict[str, Schema]) -> dict[str, Any]:
    from ckanext.sopsektoral.logic import schema

    doc = parse(fn.__doc__)
    declared = schema.ACTIONS[name]
    properties = {p: _param_schema(param, doc["params"].get(p, {}).get("text", ""))
                  for p, param in declared.items()}
    required = [p for p, param in declared.items() if param.required]
    files = {p for p, param in declared.items() if param.kind == "file"}
    # A file is only ever sent as multipart/form-data (not in a JSON body nor a query string).
    plain = {p: s for p, s in properties.items() if p not in files}
    content: dict[str, Any] = {}
    if not files & set(required):  # a JSON body can carry every required parameter
        body: Schema = {"type": "object", "properties": plain, "additionalProperties": False}
        if required:
            body["required"] = required
        content["application/json"] = {"schema": body, "example": example(name)}
    if files:
        # The file, with the other form fields as text.
        form = {p: s for p, s in properties.items() if declared[p].kind not in ("rows", "object")}
        content["multipart/form-data"] = {
            "schema": {"type": "object", "properties": form, "additionalProperties": False,
                       **({"required": [p for p in required if p in form]} if required else {})},
            # Each file as a file part of its own (its name and content type); the rest as text.
            "encoding": {p: {"contentType": "application/octet-stream"} for p in sorted(files)},
        }
    envelope = {
        "type": "object", "required": ["help", "success", "result"], "additionalProperties": False,
        "properties": {
            "help": {"type": "string", "description": "the address of the action's help (help_show)"},
            "success": {"const": True},
            "result": copy.deepcopy(results[name]),
        }}
    operation: dict[str, Any] = {
        "operationId": name,
        "summary": _markdown(doc["summary"]),
        "description": _markdown(doc["description"]),
        "tags": [tag],
        "responses": {
            "200": {"description": _markdown(doc["returns"]) or "the result",
                    "content": {"application/json": {"schema": envelope}}},
            "400": {"$ref": "#/components/responses/BadRequest"},
            "403": {"$ref": "#/components/responses/NotAuthorized"},
            "404": {"$ref": "#/components/responses/NotFound"},
            "409": {"$ref": "#/components/responses/ValidationError"},
        },
    }
    if not operation["description"]:
        del operation["description"]
    entry: dict[str, Any] = {"post": {
        **operation, "requestBody": {"required": bool(required), "content": content}}}
    if getattr(fn, "side_effect_free", False):
        entry["get"] = {**copy.deepcopy(operation), "operationId": f"{name}_get", "parameters": [
            {"name": p, "in": "query", "required": declared[p].required,
             **({"description": s["description"]} if "description" in s else {}),
             **({"style": "form", "explode": True} if s.get("type") == "array" else {}),
             "schema": {k: v for k, v in s.items() if k != "description"}}
            for p, s in plain.items()]}
    return entry


def document(server: str | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every ``sopsektoral_*`` action: ``POST
    /api/3/action/<name>`` with a JSON body (and multipart/form-data where a
    parameter is a file); reads also as ``GET`` with query parameters. Its
    server is ``server``, by default this portal (``portal_url``)."""
    from ckanext.sopsektoral.logic import results

    server = server if server is not None else portal_url()
    found = actions()
    paths = {f"/api/3/action/{name}": _operation(name, fn, tag, results.RESULTS) for name, fn, tag in found}
    used = {tag for _, _, tag in found}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": API_VERSION,
            "summary": "SOP Pengumpulan Data Statistik Sektoral as a CKAN workflow",
            "description": (
                "The `sopsektoral_*` actions of CKAN's action API: request letters, their approval "
                "chain, the data items asked of each OPD, verification and publication. Every answer "
                "is CKAN's envelope (`help`, `success`, `result` or `error`). Messages come in the "
                "portal's default language; prefix the path with `/en` (`/en/api/3/action/...`) for "
                "English. Reference: docs/api.md, or `/sopsektoral/api` on the portal."),
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": server}],
        "security": [{"apiToken": []}, {}],
        "tags": [t for t in _tags() if t["name"] in used],
        "paths": paths,
        "components": {
            "schemas": {**results.components(), **_errors()},
            "responses": _responses(),
            "securitySchemes": {"apiToken": {
                "type": "apiKey", "in": "header", "name": "Authorization",
                "description": "An API token (user page → API Tokens, or the `api_token_create` action). "
                               "Without one the caller is anonymous."}},
        },
    }


# ---------------------------------------------------------------- the reference, as the page and api.md show it

def _resolve(doc: dict[str, Any], schema: Schema) -> tuple[str | None, Schema]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return name, doc["components"]["schemas"][name]
    return None, schema


def type_text(schema: Schema) -> str:
    """A short name of a JSON Schema's type: ``string``, ``date``, ``list of Letter``, ``Officer or null``."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " or ".join(type_text(s) for s in schema[key])
    kinds = schema.get("type", "any")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    names = []
    for kind in kinds:
        if kind == "string" and schema.get("format") in ("date", "date-time"):
            names.append(schema["format"])
        elif kind == "string" and schema.get("format") == "binary":
            names.append("file")
        elif kind == "array":
            item = type_text(schema.get("items", {}))
            plural = item in ("string", "integer", "boolean", "number", "object", "date", "date-time")
            names.append("list of " + item + ("s" if plural else ""))
        else:
            names.append(kind)
    return " or ".join(names)


def limits(schema: Schema) -> list[tuple[str, Any]]:
    """The limits of a parameter, as (kind, value): ``length`` (max characters;
    ``item_length`` of each entry of a list),
    ``range`` ((min, max)), ``items`` (max entries), ``enum`` (the values),
    ``pattern``, ``keys`` (an object's keys)."""
    item = schema.get("items", {}) if schema.get("type") == "array" or "array" in schema.get("type", []) else {}
    out: list[tuple[str, Any]] = []
    values = schema.get("enum") or item.get("enum")
    if values:
        out.append(("enum", [v for v in values if v is not None]))
    if schema.get("maxLength") and not values:
        out.append(("length", schema["maxLength"]))
    if item.get("maxLength") and not values:
        out.append(("item_length", item["maxLength"]))
    if "minimum" in schema or "maximum" in schema:
        out.append(("range", (schema.get("minimum"), schema.get("maximum"))))
    if "maxItems" in schema:
        out.append(("items", schema["maxItems"]))
    if schema.get("pattern"):
        out.append(("pattern", schema["pattern"]))
    if schema.get("type") == "object" and schema.get("properties"):
        out.append(("keys", list(schema["properties"])))
    return out


def limits_text(found: list[tuple[str, Any]]) -> str:
    """The limits in English (docs/api.md; the page says them in the reader's language)."""
    words = {
        "enum": lambda v: "one of " + ", ".join(f"`{x}`" if x else '`""`' for x in v),
        "length": lambda v: f"at most {v} characters",
        "item_length": lambda v: f"each at most {v} characters",
        "range": lambda v: f"{v[0]} to {v[1]}",
        "items": lambda v: f"at most {v} entries",
        "pattern": lambda v: f"form `{v}`",
        "keys": lambda v: "keys " + ", ".join(f"`{x}`" for x in v) + " → true/false",
    }
    return "; ".join(words[kind](value) for kind, value in found)


def _ref_name(schema: Schema) -> str | None:
    """The definition a property refers to: itself, its items, or one of its alternatives."""
    for candidate in (schema, schema.get("items", {}), *schema.get("anyOf", []), *schema.get("oneOf", [])):
        if "$ref" in candidate:
            return candidate["$ref"].rsplit("/", 1)[-1]
    return None


def _fields(schema: Schema) -> list[dict[str, Any]]:
    required = set(schema.get("required", []))
    return [{"name": name, "type": type_text(prop), "required": name in required,
             "description": prop.get("description", ""), "ref": _ref_name(prop)}
            for name, prop in schema.get("properties", {}).items()]


def reference(doc: dict[str, Any]) -> dict[str, Any]:
    """The document as the reference page and docs/api.md show it: per action its
    summary, whether it reads or writes, its parameters (type, limits, required,
    default, description), its result and example requests; the definitions
    the results refer to."""
    server = doc["servers"][0]["url"]
    operations = []
    for path, entry in doc["paths"].items():
        post = entry["post"]
        name = post["operationId"]
        read = "get" in entry
        content = post["requestBody"]["content"]
        form = content.get("multipart/form-data", {}).get("schema", {})
        body = content.get("application/json", {}).get("schema") or form
        required = set(body.get("required", []))
        # The JSON body's parameters, and a file (multipart only) where it is declared.
        declared = {**body["properties"], **form.get("properties", {})}
        order = list(_declared_parameters(name)) or list(declared)
        params = [{
            "name": pname, "type": type_text(s), "required": pname in required,
            "default": s.get("default"), "has_default": "default" in s,
            "limits": limits(s), "description": s.get("description", ""),
        } for pname, s in sorted(declared.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99)]
        result_schema = post["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["result"]
        ref_name, resolved = _resolve(doc, result_schema)
        if resolved.get("type") == "array":
            ref_name, resolved = _resolve(doc, resolved["items"])
        operations.append({
            "name": name, "path": path, "tag": post["tags"][0], "summary": post["summary"],
            "description": post.get("description", ""), "read": read,
            "multipart": "multipart/form-data" in post["requestBody"]["content"],
            "params": params,
            "returns": post["responses"]["200"]["description"],
            "result_type": type_text(result_schema),
            "result_ref": ref_name,
            "result_fields": [f["name"] for f in _fields(resolved)],
            "result_refs": [s["$ref"].rsplit("/", 1)[-1] for s in result_schema.get("oneOf", []) if "$ref" in s],
            "curl": curl(name, read, server),
            "ckanapi": ckanapi(name),
        })
    definitions = [{"name": name, "description": s.get("description", ""), "fields": _fields(s)}
                   for name, s in doc["components"]["schemas"].items() if s.get("type") == "object"
                   and name not in _errors()]
    return {"server": server, "operations": operations, "tags": doc["tags"], "definitions": definitions,
            "version": doc["info"]["version"]}
