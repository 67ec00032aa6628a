"""Build docs/sop.md, docs/api.md and docs/openapi.json from the code.

docs/sop.md comes from the SOP table (sop.py) and the workflow's transitions.

The docstrings of the actions (ckanext/sopsektoral/logic/action/, in the
order of the package's ``__all__``) are the API reference; this renders them.
Run it after changing an action (tests/test_docs.py fails while the committed
files are out of date):

    .dev/venv-2.11.6/bin/python scripts/api_docs.py
"""
from __future__ import annotations

import inspect
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIELD = re.compile(r"^:(param|type|returns|rtype)\s*([^:]*):\s?(.*)$")

# Examples for the reference (ckanapi CLI: key=value, key:JSON, key@FILE).
EXAMPLES = {
    "sopsektoral_sop_show": "ckanapi action sopsektoral_sop_show -r $SITE",
    "sopsektoral_officer_assign": "ckanapi action sopsektoral_officer_assign -r $SITE -a $TOKEN user=kasi position=kepala_seksi nip=198409102009022005",
    "sopsektoral_officer_list": "ckanapi action sopsektoral_officer_list -r $SITE -a $TOKEN position=staf_statistik",
    "sopsektoral_officer_revoke": "ckanapi action sopsektoral_officer_revoke -r $SITE -a $TOKEN id=ASSIGNMENT_ID",
    "sopsektoral_daftar_data_import": "ckanapi action sopsektoral_daftar_data_import -r $SITE -a $TOKEN upload@daftar-data-2026.xlsx",
    "sopsektoral_daftar_data_list": "ckanapi action sopsektoral_daftar_data_list -r $SITE -a $TOKEN year=2026 owner_org=dinas-kesehatan",
    "sopsektoral_letter_create": "ckanapi action sopsektoral_letter_create -r $SITE -a $TOKEN subject='Permintaan Data Statistik Sektoral Tahun 2026' data_year=2026 sifat=penting items:'[\"ENTRY_ID\", \"ENTRY_ID\"]' tembusan:'[\"Wali Kota Balikpapan\"]'",
    "sopsektoral_letter_update": "ckanapi action sopsektoral_letter_update -r $SITE -a $TOKEN id=LETTER_ID lampiran='2 (dua) berkas'",
    "sopsektoral_letter_show": "ckanapi action sopsektoral_letter_show -r $SITE -a $TOKEN id=LETTER_ID",
    "sopsektoral_letter_list": "ckanapi action sopsektoral_letter_list -r $SITE -a $TOKEN awaiting_me=true",
    "sopsektoral_letter_submit": "ckanapi action sopsektoral_letter_submit -r $SITE -a $TOKEN id=LETTER_ID",
    "sopsektoral_letter_initial": "ckanapi action sopsektoral_letter_initial -r $SITE -a $TOKEN id=LETTER_ID",
    "sopsektoral_letter_sign": "ckanapi action sopsektoral_letter_sign -r $SITE -a $TOKEN id=LETTER_ID",
    "sopsektoral_letter_return": "ckanapi action sopsektoral_letter_return -r $SITE -a $TOKEN id=LETTER_ID note='Lampiran belum lengkap'",
    "sopsektoral_letter_cancel": "ckanapi action sopsektoral_letter_cancel -r $SITE -a $TOKEN id=LETTER_ID",
    "sopsektoral_event_list": "ckanapi action sopsektoral_event_list -r $SITE -a $TOKEN letter_id=LETTER_ID",
    "sopsektoral_reindex": "ckanapi action sopsektoral_reindex -r $SITE -a $TOKEN ids:'[\"jumlah-puskesmas-menurut-kecamatan-2024\"]'",
}

JSON_TYPES = {
    "string": {"type": "string"},
    "int": {"type": "integer"},
    "bool": {"type": "boolean"},
    "list of strings": {"type": "array", "items": {"type": "string"}},
    "list of dicts": {"type": "array", "items": {"type": "object"}},
    "file": {"type": "string", "format": "binary"},
}


def parse(doc: str) -> dict:
    """Summary, description, params (name, type, text), returns and rtype of a docstring."""
    lines = inspect.cleandoc(doc or "").splitlines()
    prose: list[str] = []
    params: dict[str, dict[str, str]] = {}
    returns = rtype = ""
    current = None
    for line in lines:
        match = FIELD.match(line.strip())
        if match:
            kind, name, text = match.groups()
            name = name.strip()
            if kind == "param":
                for each in [n.strip() for n in name.split(",")]:
                    params.setdefault(each, {"type": "", "text": text})
                current = ("param", name.split(",")[0].strip())
            elif kind == "type":
                params.setdefault(name, {"type": "", "text": ""})["type"] = text
                current = None
            elif kind == "returns":
                returns, current = text, ("returns", "")
            elif kind == "rtype":
                rtype, current = text, None
        elif current and line.startswith("    "):
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
    return {"summary": " ".join(summary.split()), "description": description.strip(),
            "params": params, "returns": returns.strip(), "rtype": rtype.strip()}


def actions() -> list[tuple[str, object]]:
    from ckanext.sopsektoral.logic import action

    # Chained core actions (package_update) are documented with CKAN's own.
    return [(name, getattr(action, name)) for name in action.__all__ if name.startswith("sopsektoral_")]


def markdown() -> str:
    out = [
        "# Action API reference",
        "",
        "Generated by `scripts/api_docs.py` from the actions' docstrings; do not edit by hand.",
        "Every action is at `POST /api/3/action/<name>` with a JSON body (reads also answer `GET` with",
        "query parameters), authenticated with an API token in the `Authorization` header. Errors come",
        "back as CKAN's `ValidationError` (HTTP 409, with a message per field), `NotAuthorized` (403) or",
        "`NotFound` (404). The same reference as OpenAPI 3: [openapi.json](openapi.json).",
        "",
        "Examples use the [ckanapi](https://pypi.org/project/ckanapi/) command line (`key=value`,",
        "`key:JSON`, `key@FILE`) with `SITE=https://data.balikpapan.go.id` and `TOKEN` an API token.",
        "",
    ]
    for name, fn in actions():
        doc = parse(fn.__doc__)
        read = getattr(fn, "side_effect_free", False)
        out += [f"## `{name}`", "", doc["summary"], ""]
        if doc["description"]:
            out += [doc["description"], ""]
        out += [f"*{'Read (GET or POST)' if read else 'Write (POST)'}*", ""]
        if doc["params"]:
            out += ["| Parameter | Type | Description |", "|---|---|---|"]
            for pname, p in doc["params"].items():
                out.append(f"| `{pname}` | {p['type'] or '—'} | {' '.join(p['text'].split())} |")
            out.append("")
        if doc["returns"]:
            out += [f"**Returns** ({doc['rtype'] or 'dict'}): {' '.join(doc['returns'].split())}", ""]
        if name in EXAMPLES:
            out += ["```sh", EXAMPLES[name], "```", ""]
    return "\n".join(out).rstrip() + "\n"


def openapi() -> dict:
    paths = {}
    for name, fn in actions():
        doc = parse(fn.__doc__)
        properties = {}
        for pname, p in doc["params"].items():
            schema = dict(JSON_TYPES.get(p["type"], {}))
            schema["description"] = " ".join(p["text"].split())
            properties[pname] = schema
        body_schema = {"type": "object", "properties": properties, "additionalProperties": False}
        response = {
            "description": " ".join(doc["returns"].split()) or "the result",
            "content": {"application/json": {"schema": {
                "type": "object",
                "properties": {"success": {"type": "boolean"}, "result": {}},
            }}},
        }
        errors = {
            "403": {"description": "NotAuthorized: the caller may not do this"},
            "404": {"description": "NotFound"},
            "409": {"description": "ValidationError: a message per field"},
        }
        operation = {
            "operationId": name,
            "summary": doc["summary"],
            "description": doc["description"],
            "tags": [name.split("_")[1]],
            "responses": {"200": response, **errors},
        }
        upload = any(p["type"] == "file" for p in doc["params"].values())
        content = {"application/json": {"schema": body_schema}}
        if upload:
            content["multipart/form-data"] = {"schema": body_schema}
        entry = {"post": {**operation, "requestBody": {"content": content}}}
        if getattr(fn, "side_effect_free", False):
            entry["get"] = {
                **operation, "operationId": f"{name}_get",
                "parameters": [
                    {"name": pname, "in": "query", "schema": {k: v for k, v in s.items() if k != "description"},
                     "description": s["description"]}
                    for pname, s in properties.items()
                ],
            }
        paths[f"/api/3/action/{name}"] = entry
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "ckanext-sopsektoral action API",
            "version": "0.1.0",
            "description": "SOP Pengumpulan Data Statistik Sektoral on a CKAN portal.",
        },
        "components": {"securitySchemes": {"apiToken": {"type": "apiKey", "in": "header", "name": "Authorization"}}},
        "security": [{"apiToken": []}],
        "paths": paths,
    }


def sop_markdown() -> str:
    """docs/sop.md: the SOP the portal runs by default (Balikpapan's file), as tables."""
    from ckanext.sopsektoral import sop
    from ckanext.sopsektoral.sop import table

    return "\n".join([
        "# The SOP as the extension runs it",
        "",
        "Generated by `scripts/api_docs.py` from the default SOP file,",
        "`ckanext/sopsektoral/data/sop/balikpapan.yaml`, the one place the SOP lives; do not edit by",
        "hand. `ckan sopsektoral sop` prints the same tables for the SOP a portal runs, and",
        "[sop-config.md](sop-config.md) explains how another region writes its own file.",
        "",
        table.markdown(sop.load(sop.default_file())),
    ])


def main() -> None:
    (ROOT / "docs" / "sop.md").write_text(sop_markdown(), encoding="utf-8")
    (ROOT / "docs" / "api.md").write_text(markdown(), encoding="utf-8")
    (ROOT / "docs" / "openapi.json").write_text(
        json.dumps(openapi(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print("wrote docs/sop.md, docs/api.md and docs/openapi.json")


if __name__ == "__main__":
    main()
