"""The request letter's workflow: states, transitions, who may do them, the event log.

Transitions are derived from the SOP table (sop.STEPS): the executor of a
transition is the executor of the SOP step its letter is waiting on. Auth
functions, actions, deadlines and pages all ask this module.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import authz, model

from ckanext.sopsektoral import readiness, sop
from ckanext.sopsektoral.model import Event, Letter, LetterItem, Officer
from ckanext.sopsektoral.model.base import utcnow

DRAFT = "draft"
AWAITING_INITIAL_KABID = "awaiting_initial_kabid"
AWAITING_INITIAL_SEKRETARIS = "awaiting_initial_sekretaris"
AWAITING_SIGNATURE = "awaiting_signature"
SIGNED = "signed"
SENT = "sent"
CANCELLED = "cancelled"

LETTER_STATES = (
    DRAFT, AWAITING_INITIAL_KABID, AWAITING_INITIAL_SEKRETARIS, AWAITING_SIGNATURE,
    SIGNED, SENT, CANCELLED,
)

# The SOP step a letter in each state is waiting on (its executor acts next).
STATE_STEP: dict[str, str] = {
    DRAFT: "draft",
    AWAITING_INITIAL_KABID: "initial_kabid",
    AWAITING_INITIAL_SEKRETARIS: "initial_sekretaris",
    AWAITING_SIGNATURE: "sign",
}

# transition -> {state it leaves: state it reaches}
TRANSITIONS: dict[str, dict[str, str]] = {
    "update": {DRAFT: DRAFT},
    "submit": {DRAFT: AWAITING_INITIAL_KABID},
    "initial": {
        AWAITING_INITIAL_KABID: AWAITING_INITIAL_SEKRETARIS,
        AWAITING_INITIAL_SEKRETARIS: AWAITING_SIGNATURE,
    },
    "sign": {AWAITING_SIGNATURE: SIGNED},
    "return": {
        AWAITING_INITIAL_KABID: DRAFT,
        AWAITING_INITIAL_SEKRETARIS: DRAFT,
        AWAITING_SIGNATURE: DRAFT,
    },
    "cancel": {DRAFT: CANCELLED},
    "send": {SIGNED: SENT},
}

# Transitions outside the letter's approval chain, with the positions that do
# them: sending opens SOP step 5, whose executor is the statistics staff (the
# section head who drafted the letter may send it too).
TRANSITION_EXECUTORS: dict[str, tuple[str, ...]] = {
    "send": (sop.STAF_STATISTIK, sop.KEPALA_SEKSI),
}

# Transitions in which the drafter of the letter may not act (no self-approval).
APPROVALS = ("initial", "sign", "return")

SYSADMIN = "sysadmin"
GENESIS_HASH = "0" * 64


def state_label(state: str) -> str:
    labels = {
        DRAFT: tk._("Draft"),
        AWAITING_INITIAL_KABID: tk._("Awaiting initial of the Head of Division"),
        AWAITING_INITIAL_SEKRETARIS: tk._("Awaiting initial of the Secretary"),
        AWAITING_SIGNATURE: tk._("Awaiting signature of the Head of Department"),
        SIGNED: tk._("Signed"),
        SENT: tk._("Sent to the OPDs"),
        CANCELLED: tk._("Cancelled"),
    }
    return labels.get(state, state)


def transition_label(name: str) -> str:
    labels = {
        "create": tk._("Created"),
        "update": tk._("Edited"),
        "submit": tk._("Submitted for initials"),
        "initial": tk._("Initialled (paraf)"),
        "sign": tk._("Signed"),
        "return": tk._("Returned to draft"),
        "cancel": tk._("Cancelled"),
        "send": tk._("Sent to the OPDs"),
        "item_submit": tk._("Submitted"),
        "item_return": tk._("Returned for correction"),
        "item_verify": tk._("Verified"),
        "item_claim": tk._("Claimed"),
        "item_publish": tk._("Published"),
    }
    return labels.get(name, name)


def executor_of(state: str) -> str | None:
    """The position whose turn it is while a letter is in ``state``."""
    key = STATE_STEP.get(state)
    return sop.step(key).executor if key else None


def deadline_of(state: str, since: dt.datetime) -> dt.datetime | None:
    key = STATE_STEP.get(state)
    return sop.step(key).deadline(since) if key else None


def executors(transition: str) -> set[str]:
    """Positions the SOP names for ``transition`` (from any state it leaves)."""
    if transition in TRANSITION_EXECUTORS:
        return set(TRANSITION_EXECUTORS[transition])
    return {p for p in (executor_of(s) for s in TRANSITIONS[transition]) if p}


@dataclasses.dataclass(frozen=True)
class Actor:
    """Who acts, in which position (at the moment of the action)."""

    user_id: str | None
    name: str | None
    position: str | None
    acting: str | None = None
    sysadmin: bool = False


def current_user(context: dict[str, Any]) -> model.User | None:
    name = context.get("user")
    return model.User.get(name) if name else None


def positions_held(user: model.User | None, day: dt.date | None = None) -> list[Officer]:
    """The positions ``user`` holds (on ``day``); none while the plugin's
    database is not migrated (readiness.py), so that CKAN's pages, labels and
    facets keep working."""
    if user is None or not readiness.ready():
        return []
    return Officer.held_by(user.id, day)


def holds_any(user: model.User | None, positions: Iterable[str]) -> Officer | None:
    wanted = set(positions)
    for officer in positions_held(user):
        if officer.position in wanted:
            return officer
    return None


def is_officer(user: model.User | None) -> bool:
    return bool(positions_held(user))


def actor_for(context: dict[str, Any], positions: Iterable[str]) -> Actor:
    """The acting user in the first of ``positions`` they hold now."""
    user = current_user(context)
    if user is None:
        return Actor(None, context.get("user"), None)
    officer = holds_any(user, positions)
    if officer is not None:
        return Actor(user.id, user.name, officer.position, officer.acting, user.sysadmin)
    return Actor(user.id, user.name, SYSADMIN if user.sysadmin else None, None, user.sysadmin)


def _is_sysadmin(user: model.User) -> bool:
    return bool(user.sysadmin or authz.is_sysadmin(user.name))


def turns_of(user: model.User | None, transition: str) -> list[str]:
    """The states from which ``user`` may do ``transition`` (their SOP steps)."""
    if user is None:
        return []
    leaves = TRANSITIONS[transition]
    if _is_sysadmin(user):
        return list(leaves)
    held = {o.position for o in positions_held(user)}
    if transition in TRANSITION_EXECUTORS:
        return list(leaves) if held & set(TRANSITION_EXECUTORS[transition]) else []
    return [state for state in leaves if executor_of(state) in held]


def may_act(context: dict[str, Any], transition: str, letter: Letter | None) -> tuple[bool, str]:
    """Whether the context's user holds a position the SOP names for ``transition``.

    Whether it is their turn (the letter's state) is checked by the action
    under the letter's lock (``require_turn``), so that a late or repeated
    attempt gets a state error rather than a refusal of the person.
    """
    user = current_user(context)
    if user is None:
        return False, tk._("Log in to act on request letters")
    if transition in APPROVALS and letter is not None and user.id == letter.created_by:
        return False, tk._("The drafter of a letter cannot approve it")
    if turns_of(user, transition):
        return True, ""
    labels = ", ".join(sorted(sop.position_label(p) for p in executors(transition)))
    return False, tk._("Only the {positions} may do this").format(positions=labels)


def available_transitions(context: dict[str, Any], letter: Letter) -> list[str]:
    """The transitions the context's user can do on the letter in its state now."""
    user = current_user(context)
    return [
        name for name in TRANSITIONS
        if letter.state in turns_of(user, name) and may_act(context, name, letter)[0]
    ]


# ---------------------------------------------------------------- locking

def lock_letter(session: Any, letter_id: str) -> Letter:
    """Load the letter with its row locked until the transaction ends."""
    letter = session.execute(
        sa.select(Letter).where(Letter.id == letter_id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if letter is None:
        raise tk.ObjectNotFound(tk._("Request letter not found"))
    return letter


def require_turn(context: dict[str, Any], letter: Letter, transition: str) -> str:
    """The state ``transition`` leads to, if it is the user's turn; else a ValidationError
    naming the letter's state. Call with the letter's row locked."""
    if context.get("ignore_auth"):
        turns = list(TRANSITIONS[transition])
    else:
        turns = turns_of(current_user(context), transition)
        if not turns:
            raise tk.NotAuthorized(may_act(context, transition, letter)[1])
    if letter.state not in turns:
        raise tk.ValidationError({
            "state": [
                tk._("The letter is now: {state}; this cannot be done now").format(
                    state=state_label(letter.state).lower()
                )
            ]
        })
    return TRANSITIONS[transition][letter.state]


# ---------------------------------------------------------------- content hash and event log

def items_of(session: Any, letter_id: str) -> list[LetterItem]:
    return list(session.execute(
        sa.select(LetterItem).where(LetterItem.letter_id == letter_id)
        .order_by(LetterItem.owner_org, LetterItem.title)
    ).scalars())


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def content_hash(session: Any, letter: Letter) -> str:
    """A hash of what the letter says (not of its workflow state)."""
    content = {
        "subject": letter.subject,
        "body": letter.body,
        "data_year": letter.data_year,
        "sifat": letter.sifat,
        "lampiran": letter.lampiran,
        "tembusan": list(letter.tembusan or []),
        "number": letter.number,
        "letter_date": letter.letter_date.isoformat() if letter.letter_date else None,
        "items": [[i.daftar_data_id, i.owner_org, i.title] for i in items_of(session, letter.id)],
    }
    return hashlib.sha256(_canonical(content).encode("utf-8")).hexdigest()


def _event_hash(prev_hash: str, content: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + _canonical(content)).encode("utf-8")).hexdigest()


# One advisory lock serialises appends, so that seq has no gaps and each entry
# chains to the one before it.
EVENT_LOG_LOCK = 0x50505345  # arbitrary, fixed


def append_event(
    session: Any,
    *,
    action: str,
    actor: Actor,
    letter: Letter | None = None,
    item_id: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    note: str | None = None,
) -> Event:
    session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": EVENT_LOG_LOCK})
    last = session.execute(
        sa.select(Event.seq, Event.hash).order_by(Event.seq.desc()).limit(1)
    ).first()
    event = Event(
        seq=(last.seq + 1) if last else 1,
        letter_id=letter.id if letter is not None else None,
        item_id=item_id,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor_id=actor.user_id,
        actor_name=actor.name,
        position=actor.position,
        acting=actor.acting,
        note=note,
        content_hash=content_hash(session, letter) if letter is not None else None,
        created=utcnow(),
        prev_hash=last.hash if last else GENESIS_HASH,
    )
    event.hash = _event_hash(event.prev_hash, event.hashed_content())
    session.add(event)
    session.flush()
    return event


@dataclasses.dataclass(frozen=True)
class AuditResult:
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify_event_log(session: Any) -> AuditResult:
    """Walk the chain from the first entry; report the first altered or missing one."""
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    rows = session.execute(sa.select(Event).order_by(Event.seq)).scalars()
    for event in rows:
        if event.seq != expected_seq:
            return AuditResult(checked, expected_seq, f"entry {expected_seq} is missing")
        if event.prev_hash != prev_hash:
            return AuditResult(checked, event.seq, f"entry {event.seq} does not follow entry {event.seq - 1}")
        if _event_hash(event.prev_hash, event.hashed_content()) != event.hash:
            return AuditResult(checked, event.seq, f"entry {event.seq} was altered")
        prev_hash = event.hash
        expected_seq += 1
        checked += 1
    return AuditResult(checked)
