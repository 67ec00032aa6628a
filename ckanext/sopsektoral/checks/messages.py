"""Check results and their messages, translated when read.

Results are stored when the item is submitted and read later by someone who
may use another language, so a message is kept untranslated: its msgid and
its parameters (``N_``), translated when read (``localise``). Parameters are
the data itself (file names, values, counts) and are never translated.
"""
from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

import ckan.plugins.toolkit as tk

log = logging.getLogger(__name__)

# A result lists at most this many of the rows or values it found.
MAX_DETAILS = 50


@dataclasses.dataclass
class Message:
    """A message in the source language (its msgid) and its parameters."""

    message_id: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The stored form, with the English text for readers of the older form."""
        return {"message_id": self.message_id, "params": dict(self.params),
                "message": _format(self.message_id, self.params)}


def N_(message_id: str, **params: Any) -> Message:
    """A message translated when it is read, not now.

    ``N_`` is one of babel's default keywords: the msgid is extracted by
    ``make i18n`` (and checked by tests/test_i18n.py) like ``_``'s.
    """
    return Message(message_id, params)


Text = Message | str  # a str is shown as it is (data, or a library's own message)


def _format(template: str, params: dict[str, Any]) -> str:
    return template.format(**params) if params else template


def stored(text: Text) -> Any:
    """The stored form of a message (a dict), or the str as it is."""
    return text.as_dict() if isinstance(text, Message) else text


@dataclasses.dataclass
class CheckResult:
    key: str
    passed: bool | None
    message: Text
    details: list[Text] = dataclasses.field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The stored form: ``message_id`` and ``params`` to translate when read,
        ``message`` in English; each detail a str or a message's stored form."""
        out: dict[str, Any] = {"key": self.key, "passed": self.passed}
        message = stored(self.message)
        out.update(message if isinstance(message, dict) else {"message": message})
        out["details"] = [stored(d) for d in self.details]
        return out


def translated(message: Any, translate: Callable[[str], str]) -> str:
    """A stored message (or an older, already translated text) in the reader's language."""
    if not isinstance(message, dict):
        return "" if message is None else str(message)
    message_id, params = message.get("message_id"), message.get("params") or {}
    if message_id and isinstance(message_id, str) and isinstance(params, dict):
        for template in (translate(message_id), message_id):
            try:
                return _format(template, params)
            # A translation with other placeholders: the next template, then the stored text.
            except (KeyError, IndexError, ValueError, AttributeError):
                log.warning("sopsektoral: cannot format check message %r", template)
    return str(message.get("message") or "")


def localise(results: list[dict[str, Any]] | None, translate: Callable[[str], str] | None = None
             ) -> list[dict[str, Any]]:
    """Stored check results with ``message`` and ``details`` in the reader's
    language (``tk._``, the request's). Results stored before messages were kept
    untranslated carry only ``message``: it is shown as it was stored."""
    translate = translate or tk._
    out = []
    for result in results or []:
        result = dict(result)
        result["message"] = translated(result, translate)
        result["details"] = [translated(d, translate) for d in result.get("details") or []]
        out.append(result)
    return out
