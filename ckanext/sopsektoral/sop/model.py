"""The SOP as the portal runs it: positions, the request letter's approval chain, the item steps and
the rights, read from one YAML file (loader.py). Nothing here names a position or a step: those
come from the file."""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

# A letter's states outside its approval chain: being drafted, signed (number given), sent to the
# OPDs (items requested), cancelled. The chain adds one waiting state per approval step.
DRAFT = "draft"
SIGNED = "signed"
SENT = "sent"
CANCELLED = "cancelled"
FIXED_STATES = (DRAFT, SIGNED, SENT, CANCELLED)

INITIAL = "initial"
SIGNATURE = "signature"
APPROVAL_KINDS = (INITIAL, SIGNATURE)

# What holders of a position may do besides executing their steps (the file's `rights:`).
RIGHTS = ("import_daftar_data", "claim", "assign", "publish")

# The parts of the SOP file that are one step each, by the name the rules use for their executors.
PARTS = ("drafting", "sending", "collection", "verification", "correction")

# The letter transitions and, for each, the step whose executors do it: "chain" means the executor
# of the approval step the letter waits on.
LETTER_TRANSITIONS = ("update", "submit", "initial", "sign", "return", "withdraw", "cancel", "send")
# Transitions the drafter of a letter may not do to it (nobody approves their own letter).
APPROVAL_TRANSITIONS = ("initial", "sign", "return")
# Transitions of a letter awaiting approval that the drafting step's executors do, whatever step
# the letter waits on: taking it back to draft before it is signed.
DRAFTING_TRANSITIONS = ("withdraw",)


@dataclasses.dataclass(frozen=True)
class Text:
    """A text of the SOP file in Indonesian and English."""

    id: str
    en: str

    def get(self, lang: str | None) -> str:
        return self.en if (lang or "").startswith("en") else self.id

    def format(self, **values: object) -> Text:
        return Text(self.id.format(**values), self.en.format(**values))


@dataclasses.dataclass(frozen=True)
class Position:
    key: str
    name: Text
    holders: str  # "one" or "many"

    @property
    def several(self) -> bool:
        """Whether several users may hold it at once as definitive holders."""
        return self.holders == "many"


@dataclasses.dataclass(frozen=True)
class Step:
    """One row of the SOP table (or sending, which has no row of its own)."""

    key: str
    number: int | None
    executors: tuple[str, ...]
    time: dt.timedelta | None
    label: Text
    inputs: tuple[str, ...] = ()
    output: Text | None = None
    note: Text | None = None
    per_item: bool = False
    kind: str | None = None  # approvals: initial or signature
    state: str | None = None  # approvals: the letter's state while it waits on this step
    state_label: Text | None = None

    @property
    def executor(self) -> str:
        """The first executor: the position the SOP table names for the step."""
        return self.executors[0]

    @property
    def standard_time(self) -> dt.timedelta:
        return self.time or dt.timedelta(0)

    @property
    def minutes(self) -> int:
        return int(self.standard_time.total_seconds() // 60)

    def deadline(self, start: dt.datetime) -> dt.datetime | None:
        """When the step is due if it starts at ``start`` (None: the step has no standard time)."""
        return start + self.time if self.time is not None else None


@dataclasses.dataclass(frozen=True)
class LetterLayout:
    """How the request letter is laid out as an official document (the SOP file's
    ``letter.document``): the letterhead (kop surat), the place it is written at, the
    title of the signature block and whom it signs for (a.n.), and its addressees."""

    letterhead: tuple[str, ...] = ()
    address: tuple[str, ...] = ()
    logo: str | None = None  # an absolute path (the SOP file gives it relative to itself)
    place: str = ""
    signature_title: str = ""
    on_behalf_of: str | None = None
    addressees: str = "all"  # all: one letter to every OPD; per_opd: one letter to each
    addressee_prefix: str = "Kepala"
    addressee_place: str = ""
    tembusan: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Sop:
    path: str
    number: str
    title: Text
    office: Text
    related: tuple[tuple[str, Text], ...]
    positions: tuple[Position, ...]
    drafting: Step
    approvals: tuple[Step, ...]
    sending: Step
    collection: Step
    verification: Step
    correction: Step
    rights: dict[str, tuple[str, ...]]
    number_pattern: str
    default_subject: Text
    default_body: Text
    default_lampiran: Text
    layout: LetterLayout = LetterLayout()

    # ------------------------------------------------------------ positions

    @property
    def position_keys(self) -> tuple[str, ...]:
        return tuple(p.key for p in self.positions)

    def position(self, key: str) -> Position | None:
        return next((p for p in self.positions if p.key == key), None)

    def holders_of(self, right: str) -> frozenset[str]:
        """The positions whose holders may do ``right``: one of RIGHTS, a part of the SOP
        (``drafting``, ``sending``, ``collection``, ``verification``, ``correction``: its
        executors), ``approve`` (any approval step) or a step's key (its executors)."""
        if right in self.rights:
            return frozenset(self.rights[right])
        if right in PARTS:
            return frozenset(getattr(self, right).executors)
        if right == "approve":
            return frozenset(p for s in self.approvals for p in s.executors)
        step = self.step(right)
        return frozenset(step.executors) if step else frozenset()

    # ------------------------------------------------------------ steps

    @property
    def table(self) -> tuple[Step, ...]:
        """The SOP table's rows in order: drafting, approvals, collection, verification, correction."""
        return (self.drafting, *self.approvals, self.collection, self.verification, self.correction)

    @property
    def steps(self) -> tuple[Step, ...]:
        return (*self.table, self.sending)

    def step(self, key: str) -> Step | None:
        return next((s for s in self.steps if s.key == key), None)

    @property
    def signature(self) -> Step:
        return self.approvals[-1]

    # ------------------------------------------------------------ the letter's states

    @property
    def letter_states(self) -> tuple[str, ...]:
        return (DRAFT, *(s.state for s in self.approvals if s.state), SIGNED, SENT, CANCELLED)

    @property
    def approval_states(self) -> tuple[str, ...]:
        return tuple(s.state for s in self.approvals if s.state)

    def waiting_on(self, state: str) -> Step | None:
        """The step a letter in ``state`` waits on (its executors act next)."""
        if state == DRAFT:
            return self.drafting
        return next((s for s in self.approvals if s.state == state), None)

    def transitions(self) -> dict[str, dict[str, str]]:
        """transition -> {state it leaves: state it reaches}, derived from the chain."""
        chain = [s.state for s in self.approvals if s.state]
        after = dict(zip(chain, [*chain[1:], SIGNED], strict=True))
        return {
            "update": {DRAFT: DRAFT},
            "submit": {DRAFT: chain[0]},
            "initial": {s.state: after[s.state] for s in self.approvals if s.kind == INITIAL and s.state},
            "sign": {self.signature.state: SIGNED} if self.signature.state else {},
            "return": {state: DRAFT for state in chain},
            "withdraw": {state: DRAFT for state in chain},
            "cancel": {DRAFT: CANCELLED},
            "send": {SIGNED: SENT},
        }

    def transition_executors(self, transition: str, state: str) -> frozenset[str]:
        """The positions that do ``transition`` from ``state``."""
        if transition == "send":
            return frozenset(self.sending.executors)
        if transition in DRAFTING_TRANSITIONS:
            return frozenset(self.drafting.executors)
        step = self.waiting_on(state)
        return frozenset(step.executors) if step else frozenset()

    def executors_of(self, transition: str) -> frozenset[str]:
        """The positions that do ``transition`` from any state it leaves."""
        return frozenset(p for state in self.transitions()[transition]
                         for p in self.transition_executors(transition, state))

    def letter_number(self, seq: int, year: int) -> str:
        return self.number_pattern.format(seq=seq, year=year)


def positions_in(sop: Sop, keys: Iterable[str]) -> tuple[Position, ...]:
    wanted = set(keys)
    return tuple(p for p in sop.positions if p.key in wanted)
