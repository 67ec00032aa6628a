"""Who may do what, decided in one place.

A ``Principal`` is the user behind a request as the SOP sees them at that moment: the positions
they hold today (by the officer table), the OPDs (CKAN organizations) they belong to, and whether
they are a sysadmin. Auth functions, actions, pages and the inbox all ask it; it is built once per
request (cached in the action context) so that one transition does not look the positions up again
and again. The rules read the SOP file (sop.current()): a step's executors act on it, the file's
rights say who else may claim, assign, publish or import.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import authz, model

from ckanext.sopsektoral import readiness, sop
from ckanext.sopsektoral.letters.labels import state_label
from ckanext.sopsektoral.model import Letter, LetterItem, Officer
from ckanext.sopsektoral.model.letter import REQUESTED, RETURNED, SUBMITTED, VERIFIED

SYSADMIN = "sysadmin"  # the position logged for a sysadmin acting without one
CONTEXT_KEY = "sopsektoral_principal"

# Item actions, and the states an item may be in for each.
ITEM_ACTION_STATES: dict[str, tuple[str, ...]] = {
    "submit": (REQUESTED, RETURNED),
    "verify": (SUBMITTED,),
    "return": (SUBMITTED,),
    "claim": (SUBMITTED, RETURNED, REQUESTED),
    "publish": (VERIFIED,),
}


@dataclasses.dataclass(frozen=True)
class Actor:
    """Who acts, in which position (at the moment of the action), as the event log records it."""

    user_id: str | None
    name: str | None
    position: str | None
    acting: str | None = None
    sysadmin: bool = False


class Principal:
    """The acting user, their positions today and their OPDs."""

    def __init__(self, user: model.User | None, *, trusted: bool = False, day: dt.date | None = None):
        self.user = user
        self.trusted = trusted  # ignore_auth: internal calls (jobs, CLI, the site user)
        self.sysadmin = bool(user is not None and (user.sysadmin or authz.is_sysadmin(user.name)))
        self.offices: tuple[Officer, ...] = ()
        if user is not None and readiness.ready():
            # Positions are read only once the plugin's tables exist (readiness.py), so that
            # CKAN's own pages keep working on a portal not yet migrated.
            self.offices = tuple(Officer.held_by(user.id, day))
        self.positions = frozenset(o.position for o in self.offices)
        self._orgs: dict[str, str] | None = None

    # ------------------------------------------------------------ who they are

    @property
    def user_id(self) -> str | None:
        return self.user.id if self.user is not None else None

    @property
    def name(self) -> str | None:
        return self.user.name if self.user is not None else None

    @property
    def everything(self) -> bool:
        """Sysadmins and internal calls pass every SOP rule (CKAN's own convention)."""
        return self.trusted or self.sysadmin

    @property
    def is_officer(self) -> bool:
        """Whether they hold any position of the SOP today."""
        return bool(self.offices)

    def office_in(self, positions: Iterable[str]) -> Officer | None:
        """Their assignment to the first position of ``positions`` they hold (in the SOP's order)."""
        wanted = set(positions)
        order = {p: i for i, p in enumerate(sop.current().position_keys)}
        held = sorted((o for o in self.offices if o.position in wanted),
                      key=lambda o: (order.get(o.position, len(order)), o.acting is not None))
        return held[0] if held else None

    def holds(self, positions: Iterable[str]) -> bool:
        return self.office_in(positions) is not None

    def may(self, right: str) -> bool:
        """Whether they may do ``right``: a step's key (as its executor) or one of the SOP's rights."""
        return self.everything or self.holds(sop.current().holders_of(right))

    def actor(self, positions: Iterable[str] = ()) -> Actor:
        """The actor to log: in the first of ``positions`` held now, else as sysadmin."""
        if self.user is None:
            return Actor(None, self.name, None)
        office = self.office_in(positions)
        if office is not None:
            return Actor(self.user.id, self.user.name, office.position, office.acting, self.sysadmin)
        return Actor(self.user.id, self.user.name, SYSADMIN if self.sysadmin else None, None, self.sysadmin)

    def actor_for_right(self, right: str) -> Actor:
        return self.actor(sop.current().holders_of(right))

    # ------------------------------------------------------------ OPDs

    def organizations(self) -> dict[str, str]:
        """The OPDs they belong to: organization id -> capacity (member, editor, admin)."""
        if self._orgs is None:
            self._orgs = {}
            if self.user is not None:
                rows = model.Session.query(model.Member.group_id, model.Member.capacity).join(
                    model.Group, model.Group.id == model.Member.group_id
                ).filter(
                    model.Member.table_name == "user", model.Member.table_id == self.user.id,
                    model.Member.state == "active", model.Group.state == "active",
                    model.Group.is_organization.is_(True),
                )
                self._orgs = dict(rows)
        return self._orgs

    def in_opd(self, org_id: str, capacities: Iterable[str] = ("member", "editor", "admin")) -> bool:
        return self.organizations().get(org_id) in set(capacities)

    def sees_every_opd(self) -> bool:
        """Officers and sysadmins see every OPD's letters and items; others their own OPDs'."""
        return self.everything or self.is_officer

    # ------------------------------------------------------------ letters

    def letter_turns(self, transition: str) -> list[str]:
        """The states from which they may do ``transition`` (as the executor the SOP names)."""
        current = sop.current()
        leaves = current.transitions()[transition]
        if self.everything:
            return list(leaves)
        return [state for state in leaves
                if self.positions & current.transition_executors(transition, state)]

    def may_letter(self, transition: str, letter: Letter | None) -> tuple[bool, str]:
        """Whether they hold a position the SOP names for ``transition``, with the reason if not.

        Whether it is their turn (the letter's state) is checked under the letter's lock
        (``require_turn``), so that a late or repeated attempt gets a state error rather than a
        refusal of the person."""
        if self.user is None and not self.trusted:
            return False, tk._("Log in to act on request letters")
        if (transition in sop.APPROVAL_TRANSITIONS and letter is not None and self.user is not None
                and self.user.id == letter.created_by):
            return False, tk._("The drafter of a letter cannot approve it")
        if self.letter_turns(transition):
            return True, ""
        labels = ", ".join(sorted(sop.position_label(p) for p in sop.current().executors_of(transition)))
        return False, tk._("Only the {positions} may do this").format(positions=labels)

    def letter_actions(self, letter: Letter) -> list[str]:
        """The transitions they can do on ``letter`` in its state now."""
        return [name for name in sop.current().transitions()
                if letter.state in self.letter_turns(name) and self.may_letter(name, letter)[0]]

    def require_turn(self, letter: Letter, transition: str) -> str:
        """The state ``transition`` leads to if it is their turn; NotAuthorized if the SOP gives
        them no part in it, a ValidationError naming the letter's state if not now.
        Call with the letter's row locked."""
        turns = self.letter_turns(transition)
        if not turns:
            raise tk.NotAuthorized(self.may_letter(transition, letter)[1])
        if letter.state not in turns:
            raise tk.ValidationError({"state": [
                tk._("The letter is now: {state}; this cannot be done now").format(
                    state=state_label(letter.state).lower())]})
        return sop.current().transitions()[transition][letter.state]

    def letter_executor_of(self, letter: Letter) -> str | None:
        step = sop.current().waiting_on(letter.state)
        return step.executor if step else None

    # ------------------------------------------------------------ items

    def item_actions(self, item: LetterItem, verification_open: bool) -> list[str]:
        """What they can do to ``item`` now (the buttons a page shows, the inbox counts)."""
        return [action for action in ITEM_ACTION_STATES if self.may_item(action, item, verification_open)]

    def may_item(self, action: str, item: LetterItem, verification_open: bool = True) -> bool:
        if item.state not in ITEM_ACTION_STATES[action]:
            return False
        if action == "submit":
            return self.everything or self.in_opd(item.owner_org, ("editor", "admin"))
        if action in ("verify", "return"):
            return verification_open and self.may("verification") and (
                self.everything or item.claimed_by in (None, self.user_id))
        if action == "claim":
            return self.may("claim")
        return not item.published_at and self.may("publish")

    def require_claim(self, item: LetterItem) -> None:
        """Only who claimed an item (or a sysadmin) verifies or returns it."""
        if item.claimed_by and item.claimed_by != self.user_id and not self.everything:
            holder = model.User.get(item.claimed_by)
            raise tk.ValidationError({"id": [tk._("Claimed by {user}").format(
                user=holder.name if holder else "?")]})

    def claim_target(self, item: LetterItem, target: model.User | None) -> model.User | None:
        """Check a claim of ``item`` for ``target`` (None: release the claim) by this principal.

        Holders of the SOP's ``claim`` right claim for themselves and release their own claim;
        holders of ``assign`` (and sysadmins) give an item to anyone who may claim, and release
        anyone's claim."""
        current = sop.current()
        assigns = self.may("assign")
        if target is not None and self.user is not None and target.id != self.user.id and not assigns:
            raise tk.NotAuthorized(tk._("Only the {positions} may assign items to others").format(
                positions=_labels(current.holders_of("assign"))))
        if target is not None and not target.sysadmin and not Principal(target).holds(current.holders_of("claim")):
            raise tk.ValidationError({"user": [
                tk._("{user} may not verify data items").format(user=target.name)]})
        if target is None and item.claimed_by and not assigns and item.claimed_by != self.user_id:
            raise tk.NotAuthorized(tk._("Only who claimed the item or the {positions} may release it").format(
                positions=_labels(current.holders_of("assign"))))
        if item.claimed_by and target is not None and item.claimed_by != target.id and not assigns:
            holder = model.User.get(item.claimed_by)
            raise tk.ValidationError({"id": [tk._("Already claimed by {user}").format(
                user=holder.name if holder else "?")]})
        return target


def _labels(positions: Iterable[str]) -> str:
    return ", ".join(sorted(sop.position_label(p) for p in positions))


def principal(context: dict[str, Any]) -> Principal:
    """The principal of an action or auth context, built once per context."""
    name = context.get("user")
    cached = context.get(CONTEXT_KEY)
    if isinstance(cached, Principal) and cached.name == (name or None) \
            and cached.trusted == bool(context.get("ignore_auth")):
        return cached
    user = context.get("auth_user_obj") if isinstance(context.get("auth_user_obj"), model.User) else None
    if user is None or user.name != name:
        user = model.User.get(name) if name else None
    found = Principal(user, trusted=bool(context.get("ignore_auth")))
    context[CONTEXT_KEY] = found  # type: ignore[literal-required]
    return found


def for_request() -> Principal:
    """The principal of the logged-in user of the page being served (cached for the request)."""
    name = tk.current_user.name if tk.current_user and tk.current_user.is_authenticated else None
    cached = getattr(tk.g, CONTEXT_KEY, None)
    if isinstance(cached, Principal) and cached.name == name:
        return cached
    found = Principal(model.User.get(name) if name else None)
    setattr(tk.g, CONTEXT_KEY, found)
    return found
