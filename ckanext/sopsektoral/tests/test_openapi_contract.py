"""The served OpenAPI document is the contract: schemathesis calls every operation of a
running portal (a real HTTP server) as anonymous and with the API tokens of several
users, and every answer must be documented (its status code and content type) and match
its schema; none may be a 5xx.

The portal holds letters in several states (draft, awaiting approval, sent) and items
submitted, returned and verified; generated requests use their real ids part of the time,
so that they reach past the 404s. Bounded: a few examples per operation
(``SOPSEKTORAL_CONTRACT_EXAMPLES``, default 10) of
requests the schema allows and as many that break it. Marked ``contract``: CI runs it on one
CKAN version (``pytest -m contract``).
"""
from __future__ import annotations

import collections
import os
import threading
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from werkzeug.serving import make_server

from ckan.tests.helpers import call_action

from ckanext.sopsektoral import sop
from ckanext.sopsektoral.checks.run import run_queued_jobs
from ckanext.sopsektoral.tests.helpers import (
    advance,
    as_user,
    balikpapan_csv,
    items_of,
    more_entries,
    upload,
)

schemathesis = pytest.importorskip("schemathesis")

pytestmark = [pytest.mark.contract,
              pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "clean_queues")]

EXAMPLES = int(os.environ.get("SOPSEKTORAL_CONTRACT_EXAMPLES", "10"))
V4 = int(schemathesis.SCHEMATHESIS_VERSION.split(".")[0]) >= 4 if hasattr(schemathesis, "SCHEMATHESIS_VERSION") \
    else False


def _checks() -> list[Any]:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    return [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _load(raw: dict[str, Any], base_url: str) -> Any:
    """The document as schemathesis reads it (4.x, or 3.x with its OpenAPI 3.1 support on)."""
    if V4:
        return schemathesis.openapi.from_dict(raw)
    from schemathesis import experimental

    experimental.OPEN_API_3_1.enable()
    return schemathesis.from_dict(raw, base_url=base_url)


@pytest.fixture
def server(app):
    """The test portal served over HTTP on a free local port, in a thread."""
    httpd = make_server("127.0.0.1", 0, app.app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(10)


def _token(user: dict[str, Any]) -> str:
    return call_action("api_token_create", {"user": user["name"], "ignore_auth": False},
                       user=user["name"], name="contract")["token"]


def _portal(cast, draft) -> dict[str, list[str]]:
    """Data in several states; the real ids generated requests may use, by kind."""
    # The draft letter sent: its three items submitted; one returned, one verified, one waiting.
    advance(cast, draft["id"], sop.SIGNED)
    call_action("sopsektoral_letter_send", as_user(cast.verifier), id=draft["id"])
    items = items_of(draft["id"])
    for item in items:
        who = cast.operator if item["owner_org"] == cast.opd["id"] else cast.other_operator
        upload(item["dataset_id"], balikpapan_csv(2026), "data-2026.csv", who)
        call_action("sopsektoral_item_submit", as_user(who), id=item["id"])
    run_queued_jobs()
    returned, verified = items[0]["id"], items[1]["id"]
    call_action("sopsektoral_item_claim", as_user(cast.verifier), id=returned)
    call_action("sopsektoral_item_return", as_user(cast.verifier), id=returned, note="Kode wilayah salah")
    call_action("sopsektoral_item_verify", as_user(cast.verifier), id=verified)
    # A draft and a letter awaiting its first initial, each with entries of their own.
    entries = more_entries(["Panjang Jalan", "Jumlah Halte", "Jumlah Terminal", "Jumlah Angkot"])
    other = call_action("sopsektoral_letter_create", as_user(cast.drafter), subject="Permintaan kedua",
                        data_year=2026, items=[entries[0]["id"], entries[1]["id"]])
    awaiting = call_action("sopsektoral_letter_create", as_user(cast.drafter), subject="Permintaan ketiga",
                           data_year=2026, items=[entries[2]["id"]])
    advance(cast, awaiting["id"], cast.state(0))
    officers = call_action("sopsektoral_officer_list", include_past=True)
    return {
        "letter": [draft["id"], other["id"], awaiting["id"]],
        "item": [i["id"] for i in items],
        "entry": [e["id"] for e in entries] + [e["id"] for e in call_action(
            "sopsektoral_daftar_data_list", year=2026)["results"]],
        "dataset": [i["dataset_name"] for i in items] + [i["dataset_id"] for i in items],
        "officer": [o["id"] for o in officers],
        "user": [cast.drafter["name"], cast.verifier["name"], cast.operator["name"], cast.user["name"]],
        "org": [cast.opd["name"], cast.other_opd["id"]],
    }


def _kind(operation_id: str, parameter: str) -> str | None:
    """Which real ids a parameter of an operation takes."""
    if parameter in ("letter_id",):
        return "letter"
    if parameter == "item_id":
        return "item"
    if parameter in ("user", "claimed_by"):
        return "user"
    if parameter == "owner_org":
        return "org"
    if parameter in ("id", "ids"):
        for prefix, kind in (("sopsektoral_letter_", "letter"), ("sopsektoral_item_", "item"),
                             ("sopsektoral_daftar_data_", "entry"), ("sopsektoral_officer_", "officer"),
                             ("sopsektoral_status_", "dataset"), ("sopsektoral_period_", "dataset"),
                             ("sopsektoral_reindex", "dataset")):
            if operation_id.startswith(prefix):
                return kind
    return None


def _with_real_ids(case: Any, data: Any, ids: dict[str, list[str]]) -> None:
    """Put real ids in place of generated ones, each parameter with even odds."""
    name = case.operation.definition.raw.get("operationId", "").removesuffix("_get")
    for container in (case.body, case.query):
        if not isinstance(container, dict):
            continue
        if any(type(value).__name__ == "Binary" for value in container.values()):
            # A multipart body with a file: schemathesis re-checks a changed body against its schema,
            # which it cannot do with a file in it; such requests keep their generated ids (the
            # actions' fuzzing, tests/logic/test_fuzz.py, sends them real ones).
            continue
        for parameter in list(container):
            kind = _kind(name, parameter)
            if kind is None or not data.draw(st.booleans()):
                continue
            value = data.draw(st.sampled_from(ids[kind]))
            container[parameter] = [value] if isinstance(container[parameter], list) else value


def _strategy(operation: Any, mode: str) -> Any:
    """Requests the schema allows (positive), or that break it (negative: wrong types, missing
    or unknown parameters, a body that is no JSON object)."""
    if V4:
        from schemathesis import GenerationMode

        return operation.as_strategy(generation_mode=GenerationMode(mode))
    from schemathesis import DataGenerationMethod

    return operation.as_strategy(data_generation_method=DataGenerationMethod(mode))


def _order(operation: Any) -> tuple[int, str]:
    """Reads first, then writes, the ones that end things last (so the others see live data)."""
    raw = operation.definition.raw
    name = raw.get("operationId", "")
    final = ("revoke", "delete", "cancel", "publish", "verify", "return", "send", "withdraw")
    return (0 if operation.method.upper() == "GET" else 2 if name.rsplit("_", 1)[-1] in final else 1, name)


def test_every_operation_answers_as_documented(server, cast, draft):
    ids = _portal(cast, draft)
    tokens = {who: _token(user) for who, user in (
        ("drafter", cast.drafter), ("first_approver", cast.first_approver), ("signer", cast.signer),
        ("verifier", cast.verifier), ("operator", cast.operator), ("sysadmin", cast.sysadmin))}
    identities = [{}] + [{"Authorization": token} for token in tokens.values()]
    raw = requests.get(f"{server}/sopsektoral/openapi.json", timeout=30).json()
    assert raw["servers"] == [{"url": "http://test.ckan.net"}]
    schema = _load(raw, server)
    operations = sorted((result.ok() for result in schema.get_all_operations()), key=_order)
    documented = {(op.method.upper(), op.path) for op in operations}
    assert len(documented) == sum(len(entry) for entry in raw["paths"].values())
    checks = _checks()
    session = requests.Session()
    failures: list[str] = []
    answers: collections.Counter = collections.Counter()

    def run(operation: Any, mode: str) -> None:
        """``EXAMPLES`` generated requests of one operation, each by one of the identities."""
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=_strategy(operation, mode), headers=st.sampled_from(identities), data=st.data())
        def call(case, headers, data):
            _with_real_ids(case, data, ids)
            # Who calls is ours to choose: not a token generated from the security scheme.
            case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
            response = case.call(base_url=server, session=session, headers=dict(headers))
            answers[(operation.method.upper(), operation.path.rsplit("/", 1)[-1], response.status_code)] += 1
            case.validate_response(response, checks=checks)

        call()

    for operation in operations:
        for mode in ("positive", "negative"):
            try:
                run(operation, mode)
            except Unsatisfiable:
                assert mode == "negative", f"{operation.path}: no request fits its schema"  # nothing to break
            except BaseException as err:
                if type(err).__name__ == "SkipTest" and mode == "negative":  # schemathesis 3.x: nothing to break
                    continue
                if not isinstance(err, Exception):
                    raise
                # Every operation runs; all failures are reported together.
                failures.append(f"{operation.method.upper()} {operation.path} ({mode} data): "
                                f"{type(err).__name__}: {err}"[:3000])

    print("\n".join(f"{method} {name}: {status} x{n}" for (method, name, status), n in sorted(answers.items())))
    assert not failures, f"{len(failures)} operations answered outside their contract:\n\n" + "\n\n".join(failures)
    assert sum(answers.values()) >= len(operations) * min(EXAMPLES, 3)
