"""What every item transition does (SOP steps 5 and 6): submit, verify, return, publish.

Every item transition locks the item's row, re-checks its state, appends one
event, and reindexes the item's dataset before the transaction commits, so
package_show, package_search and the SOP actions agree (a Solr failure fails
the transition whole). The actions (logic/action) call these functions.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.sopsektoral import series
from ckanext.sopsektoral.datasets.index import reindex
from ckanext.sopsektoral.datasets.site import site_context
from ckanext.sopsektoral.items.deadlines import collection_closes, verification_opened_at
from ckanext.sopsektoral.items.states import ITEM_TRANSITIONS, REQUESTED, SUBMITTED, item_state_label
from ckanext.sopsektoral.model import Letter, LetterItem
from ckanext.sopsektoral.model.base import utcnow


def lock_item(item_id: str) -> tuple[LetterItem, Letter]:
    """Lock an item for a transition; an item that a newer request of its
    dataset superseded (no longer the dataset's current item) can do nothing."""
    item = model.Session.execute(
        sa.select(LetterItem).where(LetterItem.id == item_id, LetterItem.state.isnot(None))
        .with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if item is None:
        raise tk.ObjectNotFound(tk._("Data item not found"))
    series.require_current(item)
    return item, model.Session.get(Letter, item.letter_id)


def require_item_state(item: LetterItem, transition: str) -> str:
    moves = ITEM_TRANSITIONS[transition]
    if item.state not in moves:
        raise tk.ValidationError({"state": [
            tk._("The data item is now: {state}; this cannot be done now").format(
                state=item_state_label(item.state).lower())]})
    return moves[item.state]


def resource_count(package_id: str) -> int:
    return model.Session.execute(
        sa.select(sa.func.count()).select_from(model.Resource).where(
            model.Resource.package_id == package_id, model.Resource.state == "active")
    ).scalar_one()


def after_submit(letter: Letter, now: dt.datetime, item: LetterItem) -> None:
    """Open verification once every item of the letter has been submitted."""
    if letter.all_submitted_at is not None:
        return
    model.Session.flush()  # CKAN's session does not autoflush
    waiting = model.Session.execute(
        sa.select(sa.func.count()).select_from(LetterItem).where(
            LetterItem.letter_id == letter.id, LetterItem.state == REQUESTED)
    ).scalar_one()
    if not waiting:
        letter.all_submitted_at = now
        model.Session.flush()
        # Verification opened: every submitted item of the letter now has a
        # verification deadline, which their datasets' index entries must show
        # (``item``'s own dataset is reindexed with its transition).
        for package_id in model.Session.execute(
            sa.select(LetterItem.dataset_id).where(LetterItem.letter_id == letter.id,
                                                   LetterItem.state == SUBMITTED, LetterItem.id != item.id)
        ).scalars():
            reindex(package_id)


def require_verification_open(letter: Letter) -> None:
    if verification_opened_at(letter) is None:
        closes = collection_closes(letter)
        raise tk.ValidationError({"state": [tk._(
            "Verification opens when every item of the letter is submitted, or when collection "
            "closes on {date}").format(date=closes.strftime("%Y-%m-%d %H:%M") if closes else "—")]})


def publishable(item: LetterItem) -> model.Package:
    """The item's dataset, if it may be made public: ObjectNotFound without one, a
    ValidationError on ``klasifikasi_akses`` if its access classification forbids it."""
    pkg = model.Package.get(item.dataset_id)
    if pkg is None:
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    access = (pkg.extras or {}).get("klasifikasi_akses")
    if access in ("dikecualikan", "terbatas"):
        raise tk.ValidationError({"klasifikasi_akses": [tk._(
            "The dataset is classified as {access}: it is not published").format(access=access)]})
    return pkg


def publish(item: LetterItem, context: dict[str, Any]) -> None:
    """Make the verified dataset public, unless its access classification forbids it.
    ``package_patch`` commits: a caller publishing several items checks them all first
    (:func:`publishable`)."""
    pkg = publishable(item)
    tk.get_action("package_patch")(dict(site_context(), sopsektoral_internal=True), {
        "id": pkg.id, "private": False})
    item.published_at = utcnow()
