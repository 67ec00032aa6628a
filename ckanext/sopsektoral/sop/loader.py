"""Reading and checking an SOP file. Every problem is reported with the key it concerns
(``letter.approvals[1].executor: ...``), all of them at once, so that a region writing its own
file fixes it in one pass."""
from __future__ import annotations

import datetime as dt
import os
import re
from typing import Any

import yaml

from .model import (
    APPROVAL_KINDS,
    FIXED_STATES,
    INITIAL,
    RIGHTS,
    SIGNATURE,
    LetterLayout,
    Position,
    Sop,
    Step,
    Text,
)

SHIPPED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "sop")
KEY = re.compile(r"^[a-z][a-z0-9_]*$")
TIME = re.compile(r"^\s*(-?\d+)\s*([a-zA-Z]+)\s*$")
UNITS = {
    "minute": 1, "minutes": 1, "menit": 1,
    "hour": 60, "hours": 60, "jam": 60,
    "day": 1440, "days": 1440, "hari": 1440,
    "week": 10080, "weeks": 10080, "minggu": 10080,
}
TOP_LEVEL = ("sop", "positions", "letter", "collection", "verification", "correction", "rights")
STEP_KEYS = ("key", "number", "executor", "time", "label", "inputs", "output", "note", "per_item",
             "kind", "state", "state_label")


class SopError(ValueError):
    """An SOP file that cannot be run, with one message per problem, each naming its key."""

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


class _Reader:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def mapping(self, value: Any, where: str, allowed: tuple[str, ...] | None = None) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.problem(where, "must be a mapping (key: value)")
            return {}
        for key in value:
            if allowed is not None and key not in allowed:
                self.problem(f"{where}.{key}", f"unknown key (known: {', '.join(allowed)})")
        return value

    def text(self, value: Any, where: str, required: bool = True) -> Text | None:
        if value is None:
            if required:
                self.problem(where, "missing")
            return None
        if isinstance(value, str) and value.strip():
            return Text(value.strip(), value.strip())
        if isinstance(value, dict):
            self.mapping(value, where, ("id", "en"))
            parts = {lang: value.get(lang) for lang in ("id", "en")}
            for lang, part in parts.items():
                if not isinstance(part, str) or not part.strip():
                    self.problem(f"{where}.{lang}", "missing: give the text in Indonesian (id) and English (en)")
            if all(isinstance(p, str) and p.strip() for p in parts.values()):
                return Text(str(parts["id"]).strip(), str(parts["en"]).strip())
            return None
        self.problem(where, "must be a text, or a mapping with id (Indonesian) and en (English)")
        return None

    def key(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not KEY.match(value):
            self.problem(where, "must be a key of lowercase letters, digits and _ (starting with a letter)")
            return ""
        return value

    def time(self, value: Any, where: str, required: bool = True) -> dt.timedelta | None:
        if value is None:
            if required:
                self.problem(where, "missing (for example: 30 minutes, 5 days, 1 week)")
            return None
        if isinstance(value, bool):
            minutes = None
        elif isinstance(value, int):
            minutes = value
        else:
            match = TIME.match(str(value))
            unit = UNITS.get(match.group(2).lower()) if match else None
            minutes = int(match.group(1)) * unit if match and unit else None
        if minutes is None:
            self.problem(where, f"{value!r} is not a time (a number and one of: {', '.join(UNITS)})")
            return None
        if minutes <= 0:
            self.problem(where, f"{value!r}: a standard time must be more than zero")
            return None
        return dt.timedelta(minutes=minutes)

    def strings(self, value: Any, where: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(where, "must be a list of texts")
            return ()
        return tuple(value)

    def executors(self, value: Any, where: str, positions: set[str]) -> tuple[str, ...]:
        if value is None or value == [] or value == "":
            self.problem(where, "missing: name the position (or list of positions) that does this")
            return ()
        keys = [value] if isinstance(value, str) else value
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            self.problem(where, "must be a position key or a list of position keys")
            return ()
        for k in keys:
            if k not in positions:
                self.problem(where, f"unknown position {k!r} (positions: {', '.join(sorted(positions))})")
        if len(set(keys)) != len(keys):
            self.problem(where, "names a position twice")
        return tuple(keys)

    def step(self, value: Any, where: str, positions: set[str], *, timed: bool = True,
             approval: bool = False, default_key: str | None = None) -> Step | None:
        data = self.mapping(value, where, STEP_KEYS)
        if not data and not isinstance(value, dict):
            return None
        key = self.key(data.get("key", default_key), f"{where}.key")
        number = data.get("number")
        if number is not None and (isinstance(number, bool) or not isinstance(number, int) or number < 1):
            self.problem(f"{where}.number", "must be a positive whole number (the row in the SOP table)")
            number = None
        per_item = data.get("per_item", False)
        if not isinstance(per_item, bool):
            self.problem(f"{where}.per_item", "must be true or false")
            per_item = False
        kind = state = state_label = None
        if approval:
            kind = data.get("kind")
            if kind not in APPROVAL_KINDS:
                self.problem(f"{where}.kind", f"must be one of: {', '.join(APPROVAL_KINDS)}")
            state = self.key(data.get("state"), f"{where}.state")
            if state in FIXED_STATES:
                self.problem(f"{where}.state", f"{state!r} is a state of every letter; name the waiting state")
            state_label = self.text(data.get("state_label"), f"{where}.state_label")
        else:
            for only in ("kind", "state", "state_label"):
                if only in data:
                    self.problem(f"{where}.{only}", "only approval steps have it")
        return Step(
            key=key,
            number=number,
            executors=self.executors(data.get("executor"), f"{where}.executor", positions),
            time=self.time(data.get("time"), f"{where}.time", required=timed),
            label=self.text(data.get("label"), f"{where}.label", required=timed) or Text(key, key),
            inputs=self.strings(data.get("inputs"), f"{where}.inputs"),
            output=self.text(data.get("output"), f"{where}.output", required=False),
            note=self.text(data.get("note"), f"{where}.note", required=False),
            per_item=per_item,
            kind=kind,
            state=state or None,
            state_label=state_label,
        )


def parse(document: Any, path: str = "<sop>") -> Sop:
    """The SOP in ``document`` (the parsed YAML); raises SopError naming every problem."""
    r = _Reader()
    top = r.mapping(document, "(file)", TOP_LEVEL)
    for section in TOP_LEVEL:
        if section not in top:
            r.problem(section, "missing")
    head = r.mapping(top.get("sop", {}), "sop", ("number", "title", "office", "related"))
    number = head.get("number")
    if not isinstance(number, str) or not number.strip():
        r.problem("sop.number", "missing: the SOP's own number")
        number = ""
    title = r.text(head.get("title"), "sop.title")
    office = r.text(head.get("office"), "sop.office")
    related = []
    raw_related = head.get("related") or []
    if not isinstance(raw_related, list):
        r.problem("sop.related", "must be a list of SOPs (number and title)")
        raw_related = []
    for i, rel in enumerate(raw_related):
        rel = r.mapping(rel, f"sop.related[{i}]", ("number", "title"))
        related_title = r.text(rel.get("title"), f"sop.related[{i}].title")
        related.append((str(rel.get("number", "")), related_title or Text("", "")))

    positions: list[Position] = []
    raw_positions = top.get("positions")
    if not isinstance(raw_positions, list) or not raw_positions:
        r.problem("positions", "must list at least one position")
        raw_positions = []
    for i, raw in enumerate(raw_positions):
        where = f"positions[{i}]"
        data = r.mapping(raw, where, ("key", "name", "holders"))
        key = r.key(data.get("key"), f"{where}.key")
        if key and key in {p.key for p in positions}:
            r.problem(f"{where}.key", f"{key!r} is listed twice")
        holders = data.get("holders", "one")
        if holders not in ("one", "many"):
            r.problem(f"{where}.holders", "must be one or many")
        positions.append(Position(key, r.text(data.get("name"), f"{where}.name") or Text(key, key), holders))
    known = {p.key for p in positions if p.key}

    letter = r.mapping(top.get("letter", {}), "letter",
                       ("number_pattern", "default_text", "document", "drafting", "approvals", "sending"))
    pattern = letter.get("number_pattern")
    if not isinstance(pattern, str) or "{seq" not in pattern:
        r.problem("letter.number_pattern", "missing, or without {seq} (the letter's number in its year)")
        pattern = "{seq}/{year}"
    else:
        try:
            pattern.format(seq=1, year=2026)
        except (KeyError, IndexError, ValueError) as err:
            r.problem("letter.number_pattern", f"only {{seq}} and {{year}} may be used ({err})")
    text = r.mapping(letter.get("default_text", {}), "letter.default_text", ("subject", "body", "lampiran"))
    defaults = {}
    for part in ("subject", "body", "lampiran"):
        value = r.text(text.get(part), f"letter.default_text.{part}")
        try:
            if value is not None:
                value.format(year=2026)
        except (KeyError, IndexError, ValueError) as err:
            r.problem(f"letter.default_text.{part}", f"only {{year}} may be used ({err})")
        defaults[part] = value or Text("", "")

    drafting = r.step(letter.get("drafting"), "letter.drafting", known)
    approvals: list[Step] = []
    raw_chain = letter.get("approvals")
    if not isinstance(raw_chain, list) or not raw_chain:
        r.problem("letter.approvals", "must list the approval steps: any initials (paraf), then the signature")
        raw_chain = []
    for i, raw in enumerate(raw_chain):
        step = r.step(raw, f"letter.approvals[{i}]", known, approval=True)
        if step is not None:
            approvals.append(step)
    seen_states: dict[str, int] = {}
    for i, step in enumerate(approvals):
        if step.state and step.state in seen_states:
            r.problem(f"letter.approvals[{i}].state",
                      f"{step.state!r} is already the state of letter.approvals[{seen_states[step.state]}]: "
                      "the chain would go back to an earlier step (a cycle)")
        elif step.state:
            seen_states[step.state] = i
        last = i == len(approvals) - 1
        if step.kind == SIGNATURE and not last:
            r.problem(f"letter.approvals[{i}].kind", "the signature must be the last approval step")
        if last and step.kind == INITIAL:
            r.problem(f"letter.approvals[{i}].kind", "the last approval step must be the signature")
    sending = r.step(letter.get("sending"), "letter.sending", known, timed=False, default_key="send")
    layout = _layout(r, letter.get("document"), path, office, positions, approvals)

    collection = r.step(top.get("collection"), "collection", known)
    verification = r.step(top.get("verification"), "verification", known)
    correction = r.step(top.get("correction"), "correction", known)

    rights_raw = r.mapping(top.get("rights", {}), "rights", RIGHTS)
    rights = {}
    for right in RIGHTS:
        if right not in rights_raw:
            r.problem(f"rights.{right}", "missing: list the positions that may do this")
            continue
        rights[right] = r.executors(rights_raw.get(right), f"rights.{right}", known)

    steps = [s for s in (drafting, *approvals, sending, collection, verification, correction) if s]
    keys: dict[str, str] = {}
    numbers: dict[int, str] = {}
    for step in steps:
        if step.key in keys:
            r.problem(f"step {step.key!r}", "two steps have this key")
        keys[step.key] = step.key
        if step.number is not None:
            if step.number in numbers:
                r.problem(f"step {step.key!r}.number",
                          f"{step.number} is also the number of step {numbers[step.number]!r}")
            numbers[step.number] = step.key
    for step in steps:
        if step.key in RIGHTS or step.key == "approve":
            r.problem(f"step {step.key!r}.key", "is the name of a right; choose another key")

    if r.problems:
        raise SopError(path, r.problems)
    assert drafting and sending and collection and verification and correction
    return Sop(
        path=path, number=number, title=title or Text("", ""), office=office or Text("", ""),
        related=tuple(related),
        positions=tuple(positions), drafting=drafting, approvals=tuple(approvals), sending=sending,
        collection=collection, verification=verification, correction=correction, rights=rights,
        number_pattern=pattern, default_subject=defaults["subject"], default_body=defaults["body"],
        default_lampiran=defaults["lampiran"], layout=layout,
    )


LAYOUT_KEYS = ("letterhead", "address", "logo", "place", "signature", "addressees", "tembusan")


def _layout(r: _Reader, value: Any, path: str, office: Text | None, positions: list[Position],
            approvals: list[Step]) -> LetterLayout:
    """The letter's layout as a document (``letter.document``); every part is optional."""
    positions_by_key = {p.key: p for p in positions}
    signature_step = approvals[-1] if approvals and approvals[-1] else None
    signer = positions_by_key.get(signature_step.executor) if signature_step and signature_step.executors else None
    default_title = " ".join(x for x in (signer.name.id if signer else "", office.id if office else "") if x).upper()
    if value is None:
        return LetterLayout(letterhead=(office.id.upper(),) if office else (), signature_title=default_title)
    data = r.mapping(value, "letter.document", LAYOUT_KEYS)
    logo = data.get("logo")
    if logo is not None:
        if not isinstance(logo, str) or not logo.strip():
            r.problem("letter.document.logo", "must be the path of an image file (SVG or PNG)")
            logo = None
        else:
            # Relative to the SOP file, else among the SOP files shipped with the extension.
            bases = [os.path.dirname(os.path.abspath(path))] if path and not path.startswith("<") else []
            bases.append(SHIPPED)
            found = [os.path.normpath(os.path.join(b, logo)) for b in bases
                     if os.path.isfile(os.path.join(b, logo))]
            if not found:
                r.problem("letter.document.logo", f"{data['logo']!r}: no such file (relative to the SOP file)")
            logo = found[0] if found else None
    signature = r.mapping(data.get("signature", {}), "letter.document.signature", ("title", "on_behalf_of"))
    addressees = r.mapping(data.get("addressees", {}), "letter.document.addressees", ("mode", "prefix", "place"))
    mode = addressees.get("mode", "all")
    if mode not in ("all", "per_opd"):
        r.problem("letter.document.addressees.mode", "must be all (one letter to every OPD) or per_opd")
        mode = "all"

    def line(part: Any, where: str, default: str = "") -> str:
        if part is None:
            return default
        if not isinstance(part, str):
            r.problem(where, "must be a text")
            return default
        return part.strip()

    return LetterLayout(
        letterhead=r.strings(data.get("letterhead"), "letter.document.letterhead")
        or ((office.id.upper(),) if office else ()),
        address=r.strings(data.get("address"), "letter.document.address"),
        logo=logo,
        place=line(data.get("place"), "letter.document.place"),
        signature_title=line(signature.get("title"), "letter.document.signature.title", default_title),
        on_behalf_of=line(signature.get("on_behalf_of"), "letter.document.signature.on_behalf_of") or None,
        addressees=mode,
        addressee_prefix=line(addressees.get("prefix"), "letter.document.addressees.prefix", "Kepala"),
        addressee_place=line(addressees.get("place"), "letter.document.addressees.place"),
        tembusan=r.strings(data.get("tembusan"), "letter.document.tembusan"),
    )


def load(path: str) -> Sop:
    """Read and check the SOP file at ``path``."""
    try:
        with open(path, encoding="utf-8") as f:
            document = yaml.safe_load(f)
    except OSError as err:
        raise SopError(path, [f"(file): cannot be read ({err.strerror})"]) from err
    except yaml.YAMLError as err:
        raise SopError(path, [f"(file): not valid YAML ({err})"]) from err
    return parse(document, path)
