"""The action API's contract, served: the OpenAPI 3.1 document and a reference page rendering it.

Both are public (anonymous GET), like the SOP page, and come from the one
generator, ``ckanext.sopsektoral.openapi``, for this portal's address and SOP file.
"""
from __future__ import annotations

import json
import re
import threading
from typing import Any

from flask import Response
from markupsafe import Markup, escape

import ckan.plugins.toolkit as tk

from ckanext.sopsektoral import openapi, sop

_lock = threading.Lock()
_documents: dict[tuple[str, int], dict[str, Any]] = {}


def _document() -> dict[str, Any]:
    """The document for this portal's address and SOP file (built once per pair)."""
    key = (openapi.portal_url(), id(sop.current()))
    with _lock:
        doc = _documents.get(key)
        if doc is None:
            _documents.clear()
            doc = _documents[key] = openapi.document(key[0])
    return doc


def openapi_json() -> Response:
    """``/sopsektoral/openapi.json``: the OpenAPI 3.1 document of every ``sopsektoral_*`` action."""
    return Response(json.dumps(_document(), ensure_ascii=False, indent=1),
                    mimetype="application/json", headers={"Cache-Control": "public, max-age=300"})


_CODE = re.compile(r"`([^`]+)`")


def _html(text: str) -> Markup:
    """A docstring's text as HTML: paragraphs, and `code` spans."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text or "") if p.strip()]
    return Markup("").join(
        Markup("<p>{}</p>").format(Markup(_CODE.sub(r"<code>\1</code>", str(escape(" ".join(p.split()))))))
        for p in paragraphs)


def _limit_text(kind: str, value: Any) -> str:
    if kind == "enum":
        return tk._("one of: {values}").format(values=", ".join(str(v) if v else '""' for v in value))
    if kind == "length":
        return tk._("at most {count} characters").format(count=value)
    if kind == "item_length":
        return tk._("each at most {count} characters").format(count=value)
    if kind == "range":
        return tk._("{min} to {max}").format(min=value[0], max=value[1])
    if kind == "items":
        return tk._("at most {count} entries").format(count=value)
    if kind == "pattern":
        return tk._("form: {pattern}").format(pattern=value)
    return tk._("keys: {keys}, each true or false").format(keys=", ".join(value))


def _result_html(operation: dict[str, Any]) -> Markup:
    """The result's definition(s), linked; "a list of" them for a list."""
    names = [operation["result_ref"]] if operation["result_ref"] else operation["result_refs"]
    links = Markup(" | ").join(Markup('<a href="#def-{0}">{0}</a>').format(name) for name in names)
    if operation["result_type"].startswith("list of"):
        return Markup(escape(tk._("a list of {name}"))).format(name=links)
    return links


def api_page() -> str:
    """``/sopsektoral/api``: the reference page, the same document rendered."""
    ref = openapi.reference(_document())
    for operation in ref["operations"]:
        operation["summary_html"] = _html(operation["summary"])
        operation["description_html"] = _html(operation["description"])
        operation["returns_html"] = _html(operation["returns"])
        operation["result_html"] = _result_html(operation)
        for param in operation["params"]:
            param["description_html"] = _html(param["description"])
            param["limits_text"] = "; ".join(_limit_text(kind, value) for kind, value in param["limits"])
            param["default_text"] = json.dumps(param["default"], ensure_ascii=False) if param["has_default"] else ""
    for definition in ref["definitions"]:
        definition["description_html"] = _html(definition["description"])
        for field in definition["fields"]:
            field["description_html"] = _html(field["description"])
    titles = {"sop": tk._("Collection SOP"), "officers": tk._("Officers"), "daftar_data": tk._("Daftar Data"),
              "letters": tk._("Request letters"), "items": tk._("Data items"), "status": tk._("SOP status")}
    tags = [dict(tag, title=titles.get(tag["name"], tag["name"]),
                 operations=[o for o in ref["operations"] if o["tag"] == tag["name"]])
            for tag in ref["tags"]]
    return tk.render("sopsektoral/api.html", {"ref": ref, "tags": tags})


# How deep a JSON body sent to the action API may nest. CKAN reads the body with the
# recursive json module before any action runs: a body nested deeper than Python's recursion
# limit raised RecursionError there, a server error. No action takes more than a few levels.
MAX_JSON_DEPTH = 100


def refuse_deep_json() -> Any:
    """Before CKAN reads an API request's body: one nested deeper than ``MAX_JSON_DEPTH`` is
    answered as CKAN answers a body it cannot read (400, a JSON string saying why)."""
    request = tk.request
    if request.method != "POST" or "/api/" not in request.path \
            or request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return None
    body = request.get_data(cache=True)  # cached: CKAN reads the same bytes afterwards
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH or _depth(body) <= MAX_JSON_DEPTH:
        return None
    error = tk._("JSON Error: {error}").format(
        error=tk._("nested deeper than {depth} levels").format(depth=MAX_JSON_DEPTH))
    return Response(json.dumps(f"{tk._('Bad request')} - {error}"), status=400, mimetype="application/json")


def _depth(body: bytes) -> int:
    """How deep the arrays and objects of a JSON text nest (up to just past the limit)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_JSON_DEPTH:
                    break
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest
