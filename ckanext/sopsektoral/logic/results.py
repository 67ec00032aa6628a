"""What every sopsektoral action returns, as JSON Schema (2020-12, OpenAPI 3.1).

Written from logic/dictization.py and the actions: every property each result
carries, always present (``required``), nothing else (``additionalProperties``
false), its type and whether it may be null; timestamps are ``date-time``
strings with their UTC offset, days are ``date`` strings (YYYY-MM-DD).

``components()`` gives the shared definitions (a letter, an item, an officer
assignment, an entry of the event log, ...), which the results refer to with
``$ref: #/components/schemas/<Name>``; ``RESULTS`` gives, for each action, the
schema of its ``result``. Enumerations that depend on the SOP file (positions,
a letter's states and transitions) are read from the SOP this portal runs
when the schemas are built. openapi.py puts them in the OpenAPI document;
tests/helpers.assert_result_valid checks real results against them.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["RESULTS", "components", "result_schema", "ref"]

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    """A reference to the shared definition ``name``."""
    return {"$ref": f"#/components/schemas/{name}"}


# ---------------------------------------------------------------- building blocks

def _t(kind: str | list[str], text: str | None = None, **more: Any) -> Schema:
    out: Schema = {"type": kind, **more}
    if text:
        out["description"] = text
    return out


def string(text: str | None = None, **more: Any) -> Schema:
    return _t("string", text, **more)


def integer(text: str | None = None, **more: Any) -> Schema:
    return _t("integer", text, **more)


def boolean(text: str | None = None) -> Schema:
    return _t("boolean", text)


def timestamp(text: str | None = None) -> Schema:
    return _t("string", text, format="date-time")


def day(text: str | None = None) -> Schema:
    return _t("string", text, format="date")


def array(items: Schema, text: str | None = None) -> Schema:
    return _t("array", text, items=items)


def nullable(schema: Schema) -> Schema:
    """``schema``, or null. An enumeration gains null among its values."""
    out = dict(schema)
    if "$ref" in out:
        described = {"description": out.pop("description")} if "description" in out else {}
        return {"anyOf": [out, {"type": "null"}], **described}
    kind = out["type"]
    out["type"] = [*kind, "null"] if isinstance(kind, list) else [kind, "null"]
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    return out


def described(schema: Schema, text: str) -> Schema:
    return {**schema, "description": text}


def obj(properties: dict[str, Schema], text: str | None = None, optional: Iterable[str] = ()) -> Schema:
    """An object with exactly these properties, all present but the ``optional`` ones."""
    optional = set(optional)
    out: Schema = {"type": "object", "properties": properties,
                   "required": [k for k in properties if k not in optional], "additionalProperties": False}
    if text:
        out["description"] = text
    return out


def page(item: str, text: str) -> Schema:
    return obj({"count": integer("how many match, on every page", minimum=0),
                "results": array(ref(item), "this page of them")}, text)


# ---------------------------------------------------------------- values from the SOP file and the code

def _positions() -> list[str]:
    from ckanext.sopsektoral import sop

    return list(sop.current().position_keys)


def _letter_states() -> list[str]:
    from ckanext.sopsektoral import sop

    return list(sop.current().letter_states)


def _letter_transitions() -> list[str]:
    from ckanext.sopsektoral import sop

    return list(sop.current().transitions())


def _item_states() -> list[str]:
    from ckanext.sopsektoral.items.states import ITEM_STATES

    return list(ITEM_STATES)


def _item_actions() -> list[str]:
    from ckanext.sopsektoral.access import ITEM_ACTION_STATES

    return list(ITEM_ACTION_STATES)


def _checklist() -> list[str]:
    from ckanext.sopsektoral.items.states import CHECKLIST

    return list(CHECKLIST)


def _rights() -> list[str]:
    from ckanext.sopsektoral.sop import RIGHTS

    return list(RIGHTS)


def _metadata_columns() -> list[str]:
    from ckanext.sopsektoral.daftar_data import METADATA_COLUMNS

    return list(METADATA_COLUMNS)


SIFAT = ["biasa", "penting", "segera", "sangat_segera"]
ACTING = ["plt", "plh"]
SEND_STATES = ["queued", "running", "done", "failed"]
SIGNATURE_VERDICTS = ["valid", "untrusted", "altered", "unsigned", "not_pdf"]
CHECKS_STATES = ["pending", "running", "done", "failed"]
CHECK_KEYS = ["structure", "region_codes", "data_year", "previous_year", "plausibility", "checks"]


# ---------------------------------------------------------------- the definitions

def _sop() -> dict[str, Schema]:
    positions = _positions()
    position = string("a position key of the SOP file", enum=positions)
    step = obj({
        "number": nullable(integer("its number in the SOP table (null: sending, which has no row)")),
        "key": string("the step's key in the SOP file"),
        "label": string("what is done, in the request's language"),
        "executor": described(position, "the first executor's position"),
        "executor_label": string("that position's name"),
        "executors": array(position, "every position that may do the step"),
        "minutes": integer("standard time in minutes (0: none)", minimum=0),
        "per_item": boolean("the standard time counts per requested data item"),
        "inputs": array(string(), "what the step needs"),
        "output": string("what it gives"),
        "note": string("a note of the SOP file (may be empty)"),
        "kind": nullable(string("approval steps: initial (paraf) or signature", enum=["initial", "signature"])),
        "state": nullable(string("approval steps: the letter's state while it waits on the step",
                                 enum=_letter_states())),
    }, "one step of the SOP")
    return {
        "SopStep": step,
        "Sop": obj({
            "number": string("the SOP's number"),
            "title": string("its title, in the request's language"),
            "office": string("the office that runs it"),
            "positions": array(obj({
                "key": position,
                "label": string("the position's name, in the request's language"),
                "several": boolean("several users may hold it at once"),
            }), "the positions of the SOP file"),
            "steps": array(ref("SopStep"), "the SOP table's rows from drafting to verification"),
            "sending": ref("SopStep"),
            "correction": ref("SopStep"),
            "letter_states": array(obj({
                "state": string(enum=_letter_states()),
                "label": string("in the request's language"),
                "waits_on": nullable(string("the key of the step whose executors act next")),
            }), "a request letter's states, in order"),
            "transitions": array(obj({
                "name": string(enum=_letter_transitions()),
                "from": string(enum=_letter_states()),
                "to": string(enum=_letter_states()),
                "executors": array(position),
            }), "each transition of a letter, from each state it leaves"),
            "rights": obj({right: array(position) for right in _rights()},
                          "the positions holding each right"),
            "number_pattern": string("the pattern of letter numbers ({seq}, {year})"),
            "default_text": obj({
                "subject": string(), "body": string(), "lampiran": string(),
            }, "a new letter's texts, with {year} for the data year"),
        }, "the SOP this portal runs"),
    }


def _officers() -> dict[str, Schema]:
    return {"Officer": obj({
        "id": string("the assignment's id"),
        "user_id": string(),
        "position": string("a position key of the SOP file", enum=_positions()),
        "acting": nullable(string("held as acting: Plt. or Plh.", enum=ACTING)),
        "valid_from": day("first day in force"),
        "valid_until": nullable(day("last day in force (null: open-ended)")),
        "nip": nullable(string("civil-servant number")),
        "rank": nullable(string("pangkat/golongan")),
        "created": timestamp(),
        "created_by": nullable(string("who assigned it (user name)")),
        "revoked": nullable(timestamp("when it was ended early")),
        "revoked_by": nullable(string()),
        "user_name": nullable(string()),
        "user_fullname": nullable(string()),
        "position_label": string("the position's name, in the request's language"),
        "current": boolean("in force today"),
    }, "a position assignment")}


def _daftar_data() -> dict[str, Schema]:
    entry_properties = {
        "id": string(),
        "year": integer("data year"),
        "owner_org": string("the OPD's organization id"),
        "organization_title": nullable(string()),
        "title": string("the data title"),
        "indicator_key": string("the same for the indicator in every year's list"),
        "dataset_name": nullable(string("the existing dataset that receives the data")),
        "metadata": {"type": "object", "description": "the metadata columns given",
                     "propertyNames": {"enum": _metadata_columns()},
                     "additionalProperties": {"type": "string"}},
        "created": timestamp(),
        "modified": timestamp(),
        "requested_by": nullable(ref("RequestHolder")),
    }
    return {
        "RequestHolder": obj({
            "entry_id": string(),
            "title": string(),
            "letter_id": string(),
            "letter_number": nullable(string()),
            "letter_subject": string(),
            "letter_state": string(enum=_letter_states()),
            "item_state": nullable(string(enum=_item_states())),
            "state_label": string(),
        }, "the letter holding an open request of the entry"),
        "DaftarDataEntry": obj(entry_properties, "an entry of the Daftar Data"),
        "DaftarDataPage": page("DaftarDataEntry", "entries of the Daftar Data"),
        "DeletedDaftarDataEntry": obj({
            **entry_properties,
            "deleted": timestamp("when it was deleted"),
            "kept_for_history": boolean("true: marked deleted, kept for its letters; false: removed"),
        }, "the entry as it was"),
        "ImportCounts": obj({
            "rows": integer(minimum=0), "created": integer(minimum=0),
            "updated": integer(minimum=0), "unchanged": integer(minimum=0),
        }, "what the import did (or would do, for a dry run)"),
    }


def _letters() -> dict[str, Schema]:
    positions = _positions()
    base = {
        "id": string(),
        "state": string(enum=_letter_states()),
        "state_label": string(),
        "state_since": timestamp(),
        "deadline": nullable(timestamp("the deadline of the step the letter waits on")),
        "overdue": boolean(),
        "awaiting_position": nullable(string("the position acting next", enum=positions)),
        "awaiting_position_label": nullable(string()),
        "data_year": integer(),
        "subject": string(),
        "body": string(),
        "sifat": string(enum=SIFAT),
        "lampiran": string(),
        "tembusan": array(string(), "carbon-copy addressees"),
        "number": nullable(string("given when it is signed")),
        "letter_date": nullable(day("given when it is signed")),
        "revision": integer(minimum=1),
        "created": timestamp(),
        "created_by": string("the drafter's user name"),
        "modified": timestamp(),
        "available_actions": array(string(enum=_letter_transitions()), "what the caller may do to it now"),
        "send_state": nullable(string("progress of sending", enum=SEND_STATES)),
        "send_total": nullable(integer(minimum=0)),
        "send_done": nullable(integer(minimum=0)),
        "send_error": nullable(string()),
        "send_stalled": boolean("a send that stopped making progress (send again)"),
        "sent_at": nullable(timestamp()),
        "verification_opened_at": nullable(timestamp()),
    }
    return {
        "Approval": obj({
            "action": string(enum=["initial", "sign"]),
            "position": nullable(string("the position it was given in (sysadmin: none)")),
            "position_label": nullable(string()),
            "acting": nullable(string(enum=ACTING)),
            "user_name": nullable(string()),
            "user_fullname": nullable(string()),
            "time": timestamp(),
        }, "an initial (paraf) or the signature of the letter's current round"),
        "LetterOrganization": obj({
            "owner_org": string(),
            "organization_title": nullable(string()),
            "items": array(obj({"id": string(), "daftar_data_id": string(), "title": string()})),
        }, "the items a letter asks of one OPD"),
        "Letter": obj({
            **base,
            "organizations": array(ref("LetterOrganization"), "the requested items per OPD"),
            "item_count": integer(minimum=0),
            "content_hash": string("hash of the letter's content, as the event log records it"),
            "approvals": array(ref("Approval")),
        }, "a request letter"),
        "LetterSummary": obj({
            **base,
            "item_count": integer(minimum=0),
            "organization_count": integer(minimum=0),
        }, "a request letter, without its items"),
        "LetterPage": page("LetterSummary", "request letters"),
        "LetterSignature": obj({
            "verdict": nullable(string("what the check of the signature found", enum=SIGNATURE_VERDICTS)),
            "field_name": nullable(string()),
            "signer_common_name": nullable(string("the certificate's holder")),
            "signer_organization": nullable(string()),
            "issuer_common_name": nullable(string("who issued the certificate")),
            "issuer_organization": nullable(string()),
            "serial": nullable(string("the certificate's serial number (hex)")),
            "signing_time": nullable(string("when it was signed, as the signature states it")),
            "intact": nullable(boolean()),
            "valid": nullable(boolean()),
            "trusted": nullable(boolean("the certificate chains to one of the portal's trust roots")),
        }, "the electronic signature of a signed letter's PDF", optional=(
            "verdict", "field_name", "signer_common_name", "signer_organization", "issuer_common_name",
            "issuer_organization", "serial", "signing_time", "intact", "valid", "trusted")),
        "LetterPdf": obj({
            "id": string(),
            "kind": string("draft (watermarked), approved (signed letter awaiting its signed PDF) or signed",
                           enum=["draft", "approved", "signed"]),
            "filename": string(),
            "media_type": string(enum=["application/pdf"]),
            "size": nullable(integer(minimum=1)),
            "sha256": nullable(string("SHA-256 of the PDF (hex); null without the content when not stored")),
            "content_base64": string("the PDF, base64-encoded"),
            "approved_sha256": nullable(string()),
            "signed_sha256": nullable(string()),
            "signed_at": nullable(timestamp()),
            "signed_source": nullable(string(enum=["local", "remote", "upload"])),
            "signer": nullable(string()),
            "certificate_issuer": nullable(string()),
            "certificate_serial": nullable(string()),
            "signing_time": nullable(string()),
            "signing_error": nullable(string("why the portal's signer failed (it is tried again)")),
            "verification_url": nullable(string("the public page the letter's QR code leads to")),
        }, "a letter's PDF and its signature", optional=("content_base64",)),
        "LetterVerification": obj({
            "id": string(),
            "number": nullable(string()),
            "letter_date": nullable(day()),
            "subject": nullable(string()),
            "signer": nullable(string()),
            "signer_title": string("the signature block's title, with a.n., Plt. or Plh."),
            "acting": nullable(string(enum=ACTING)),
            "signed": boolean("whether the signed PDF is stored"),
            "signed_sha256": nullable(string()),
            "signed_at": nullable(timestamp()),
            "signature": nullable(ref("LetterSignature")),
            "check": obj({
                "verdict": string("identical: the letter as signed; altered: this letter, changed; "
                                  "different: another document", enum=["identical", "altered", "different"]),
                "sha256": string(),
                "signed_sha256": nullable(string()),
            }, "the check of the uploaded copy"),
        }, "a signed letter as its public verification page shows it", optional=("check",)),
    }


def _events() -> dict[str, Schema]:
    record = {
        "seq": integer("its place in the log: 1, 2, 3, ... without gaps", minimum=1),
        "letter_id": nullable(string()),
        "item_id": nullable(string()),
        "action": string("what was done: a letter transition, item_<transition>, ..."),
        "from_state": nullable(string()),
        "to_state": nullable(string()),
        "actor_id": nullable(string()),
        "actor_name": nullable(string()),
        "position": nullable(string("the position it was done in (sysadmin: none)")),
        "acting": nullable(string()),
        "note": nullable(string()),
        "content_hash": nullable(string()),
        "created": timestamp(),
        "prev_hash": string(),
        "hash": string("covers this entry and the previous entry's hash"),
    }
    return {
        "EventRecord": obj(record, "an entry of the hash-chained event log"),
        "Event": obj({**record, "action_label": string(), "position_label": nullable(string())},
                     "an entry of the hash-chained event log, with labels"),
    }


def _items() -> dict[str, Schema]:
    item_states = _item_states()
    item = {
        "id": string(),
        "letter_id": string(),
        "letter_number": nullable(string()),
        "letter_subject": string(),
        "data_year": integer(),
        "owner_org": string(),
        "organization_title": nullable(string()),
        "title": string(),
        "daftar_data_id": string(),
        "dataset_id": nullable(string()),
        "dataset_name": nullable(string()),
        "dataset_private": nullable(boolean()),
        "state": string(enum=item_states),
        "state_label": string(),
        "deadline": nullable(timestamp("the deadline of the item's current step")),
        "overdue": boolean(),
        "collection_deadline": nullable(timestamp()),
        "submitted_at": nullable(timestamp()),
        "submitted_by": nullable(string()),
        "returned_at": nullable(timestamp()),
        "return_reason": nullable(string()),
        "correction_deadline": nullable(timestamp()),
        "claimed_by": nullable(string()),
        "claimed_at": nullable(timestamp()),
        "verified_at": nullable(timestamp()),
        "verified_by": nullable(string()),
        "published": boolean(),
        "published_at": nullable(timestamp()),
        "verification_opened_at": nullable(timestamp()),
        "verification_deadline": nullable(timestamp()),
        "checklist": {"type": "object", "description": "the Satu Data checklist",
                      "propertyNames": {"enum": _checklist()}, "additionalProperties": {"type": "boolean"}},
        "current": boolean("the dataset's current request (a newer letter supersedes it)"),
        "superseded_by_letter_number": nullable(string()),
        "requested_at": nullable(timestamp()),
        "available_actions": array(string(enum=_item_actions()), "what the caller may do to it now"),
    }
    checks = {
        "checks_state": nullable(string("the automatic checks of the newest submission", enum=CHECKS_STATES)),
        "checks_done_at": nullable(timestamp()),
        "checks_error": nullable(string()),
        "check_results": array(ref("CheckResult")),
        "check_preview": array(ref("TablePreview")),
        "check_comparison": nullable(ref("Comparison")),
    }
    text_cell = string()
    return {
        "Item": obj(item, "a data item asked of an OPD"),
        "ItemWithChecks": obj({**item, **checks}, "a data item with its automatic checks"),
        "ItemPage": page("Item", "data items"),
        "ItemResults": obj({"results": array(ref("Item"))}, "the items, for ``ids``"),
        "CheckResult": obj({
            "key": string(enum=CHECK_KEYS),
            "passed": nullable(boolean("null: it does not apply")),
            "message": string("in the request's language"),
            "details": array(string()),
            "message_id": string("the message untranslated"),
            "params": {"type": "object", "description": "the message's parameters"},
        }, "the result of one automatic check", optional=("message_id", "params")),
        "TablePreview": obj({
            "resource_id": string(),
            "name": string(),
            "format": string(),
            "sheet": nullable(string()),
            "header": array(text_cell),
            "rows": array(array(text_cell), "the first rows, as written"),
            "row_count": nullable(integer(minimum=0)),
            "column_count": integer(minimum=0),
            "error": nullable(string("why the file could not be read")),
        }, "the first rows of one submitted table"),
        "Comparison": obj({
            "previous_dataset": nullable(obj({
                "id": string(), "name": string(), "title": string(),
                "year": {"type": ["string", "integer", "null"]},
                "same_dataset": boolean("earlier resources of the item's own dataset"),
            }, optional=("same_dataset",))),
            "table": string(),
            "previous_table": string(),
            "key_columns": array(string()),
            "key_kind": nullable(string(enum=["region", "label"])),
            "columns": array(string(), "the figure columns both tables have"),
            "rows": array(obj({
                "key": array(string()),
                "label": string(),
                "values": array(obj({
                    "column": string(),
                    "previous": string(),
                    "current": string(),
                    "change_percent": nullable(_t("number")),
                    "flagged": boolean(),
                })),
                "flagged": boolean(),
            })),
            "matched": integer(minimum=0),
            "only_now": integer(minimum=0),
            "only_before": integer(minimum=0),
            "values_compared": integer(minimum=0),
            "flagged": integer("how many values changed beyond the threshold", minimum=0),
            "threshold_percent": integer(),
            "truncated": boolean(),
            "row_limit": integer(minimum=0),
        }, "this period's figures beside the previous period's"),
    }


def _status() -> dict[str, Schema]:
    item_states = _item_states()
    return {
        "DatasetStatus": obj({
            "id": string(),
            "name": string(),
            "sop_status": nullable(string("the state of the dataset's newest request", enum=item_states)),
            "sop_letter_number": nullable(string()),
            "sop_deadline": nullable(timestamp()),
            "sop_overdue": nullable(boolean()),
            "sop_submitted_at": nullable(timestamp()),
            "sop_submitted_by": nullable(string()),
            "sop_verified_at": nullable(timestamp()),
            "sop_verified_by": nullable(string()),
            "item_id": nullable(string()),
            "letter_id": nullable(string()),
            "collection_deadline": nullable(timestamp()),
            "verification_deadline": nullable(timestamp()),
            "history": array(ref("EventRecord"), "the current item's events (officers and the OPD's members)"),
        }, "a dataset's SOP status"),
        "Period": obj({
            "year": nullable(integer()),
            "dataset_id": string(),
            "state": nullable(string(enum=item_states)),
            "letter_id": nullable(string()),
            "name": string(),
            "title": nullable(string()),
            "private": boolean(),
            "letter_number": nullable(string()),
            "current": boolean("the dataset asked about"),
        }, "one period of an indicator"),
        "Periods": obj({"results": array(ref("Period"))}, "the periods, newest first"),
    }


def components() -> dict[str, Schema]:
    """Every shared definition, by name (for ``components/schemas``)."""
    out: dict[str, Schema] = {}
    for part in (_sop, _officers, _daftar_data, _letters, _events, _items, _status):
        out.update(part())
    out["Job"] = obj({"job_id": string("the background job's id")}, "a queued background job")
    return dict(sorted(out.items()))


_ITEM_OR_RESULTS = {"oneOf": [ref("Item"), ref("ItemResults")],
                    "description": "the item for ``id``, or ``results`` for ``ids``"}

# The schema of each action's ``result``.
RESULTS: dict[str, Schema] = {
    "sopsektoral_sop_show": ref("Sop"),
    "sopsektoral_reindex": ref("Job"),
    "sopsektoral_officer_assign": ref("Officer"),
    "sopsektoral_officer_list": array(ref("Officer")),
    "sopsektoral_officer_revoke": ref("Officer"),
    "sopsektoral_daftar_data_import": ref("ImportCounts"),
    "sopsektoral_daftar_data_list": ref("DaftarDataPage"),
    "sopsektoral_daftar_data_update": ref("DaftarDataEntry"),
    "sopsektoral_daftar_data_delete": ref("DeletedDaftarDataEntry"),
    "sopsektoral_letter_create": ref("Letter"),
    "sopsektoral_letter_update": ref("Letter"),
    "sopsektoral_letter_show": ref("Letter"),
    "sopsektoral_letter_list": ref("LetterPage"),
    "sopsektoral_letter_submit": ref("Letter"),
    "sopsektoral_letter_initial": ref("Letter"),
    "sopsektoral_letter_sign": ref("Letter"),
    "sopsektoral_letter_return": ref("Letter"),
    "sopsektoral_letter_withdraw": ref("Letter"),
    "sopsektoral_letter_cancel": ref("Letter"),
    "sopsektoral_event_list": array(ref("Event")),
    "sopsektoral_letter_send": ref("Letter"),
    "sopsektoral_letter_pdf": ref("LetterPdf"),
    "sopsektoral_letter_pdf_upload": ref("LetterPdf"),
    "sopsektoral_letter_verify": ref("LetterVerification"),
    "sopsektoral_item_list": ref("ItemPage"),
    "sopsektoral_item_show": ref("ItemWithChecks"),
    "sopsektoral_item_submit": ref("ItemWithChecks"),
    "sopsektoral_item_claim": ref("Item"),
    "sopsektoral_item_verify": _ITEM_OR_RESULTS,
    "sopsektoral_item_return": ref("Item"),
    "sopsektoral_item_publish": _ITEM_OR_RESULTS,
    "sopsektoral_status_show": ref("DatasetStatus"),
    "sopsektoral_period_list": ref("Periods"),
}


def result_schema(action_name: str) -> Schema:
    """A self-contained JSON Schema (2020-12) of the action's result: its
    definitions under ``components/schemas``, so its references resolve."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": {"schemas": components()}, **RESULTS[action_name]}
