"""SOP steps 5 and 6: sending a signed letter, collecting each item, verifying it.

An item is one data item asked of one OPD (LetterItem). Its states:
``requested`` → ``submitted`` → ``verified``, or ``submitted`` → ``returned``
→ ``submitted`` again. Every item transition locks the item's row, re-checks
its state, appends one event, and reindexes the item's dataset before the
transaction commits, so package_show, package_search and the SOP actions agree
(a Solr failure fails the transition whole).
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from typing import Any

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.sopsektoral import config, series, sop, workflow
from ckanext.sopsektoral.model import DaftarData, Letter, LetterItem
from ckanext.sopsektoral.model.base import utcnow
from ckanext.sopsektoral.model.letter import (  # noqa: F401  (the states are the model's)
    ITEM_STATES, OPEN_ITEM_STATES, REQUESTED, RETURNED, SUBMITTED, VERIFIED,
)

log = logging.getLogger(__name__)


ITEM_TRANSITIONS: dict[str, dict[str, str]] = {
    "submit": {REQUESTED: SUBMITTED, RETURNED: SUBMITTED},
    "verify": {SUBMITTED: VERIFIED},
    "return": {SUBMITTED: RETURNED},
}

# Letters with more items than this are sent by a background job.
SYNC_SEND_LIMIT = 20

# Satu Data checklist of the verifier (domain brief §5), in order.
CHECKLIST = (
    "standar_data", "metadata", "interoperabilitas", "kode_referensi", "kebenaran", "kewajaran",
)


def checklist_label(key: str) -> str:
    labels = {
        "standar_data": tk._("Data standard: concept, definition, classification, measure and unit are filled in"),
        "metadata": tk._("Metadata is complete (MS-Ind)"),
        "interoperabilitas": tk._("Interoperable: an open, machine-readable format (CSV/XLSX)"),
        "kode_referensi": tk._("Reference codes: Kemendagri region codes are used"),
        "kebenaran": tk._("Correct: figures match the source"),
        "kewajaran": tk._("Plausible: no implausible jumps from earlier years"),
    }
    return labels[key]


def item_state_label(state: str | None) -> str:
    labels = {
        REQUESTED: tk._("Requested"),
        SUBMITTED: tk._("Submitted"),
        RETURNED: tk._("Returned for correction"),
        VERIFIED: tk._("Verified"),
    }
    return labels.get(state or "", state or tk._("Not requested"))


# ---------------------------------------------------------------- deadlines

def step_deadline(state: str | None, deadline: dt.datetime | None, correction_deadline: dt.datetime | None,
                  verification_opened: dt.datetime | None) -> dt.datetime | None:
    """When an item in ``state`` is due: collection, correction or verification."""
    if state == REQUESTED:
        return deadline
    if state == RETURNED:
        return correction_deadline
    if state == SUBMITTED and verification_opened is not None:
        return verification_opened + sop.step("verify").standard_time
    return None


def opened_at(all_submitted_at: dt.datetime | None, closes: dt.datetime | None,
              now: dt.datetime | None = None) -> dt.datetime | None:
    """When verification opened, from the letter's dates (see verification_opened_at)."""
    if all_submitted_at is not None:
        return all_submitted_at
    return closes if closes and (now or utcnow()) > closes else None


def item_deadline(item: LetterItem) -> dt.datetime | None:
    """When the item's current step is due."""
    opened = None
    if item.state == SUBMITTED:
        opened = verification_opened_at(model.Session.get(Letter, item.letter_id))  # identity map
    return step_deadline(item.state, item.deadline, item.correction_deadline, opened)


def is_overdue(item: LetterItem, now: dt.datetime | None = None) -> bool:
    deadline = item_deadline(item)
    return bool(deadline and (now or utcnow()) > deadline)


def collection_closes(letter: Letter) -> dt.datetime | None:
    """The end of the collection window: the latest item deadline."""
    if letter.sent_at is None:
        return None
    return model.Session.execute(
        sa.select(sa.func.max(LetterItem.deadline)).where(LetterItem.letter_id == letter.id)
    ).scalar()


def verification_opened_at(letter: Letter | None) -> dt.datetime | None:
    """When verification of the letter's items opened: once all were submitted,
    or when the collection window closed, whichever came first (SOP step 6)."""
    if letter is None or letter.sent_at is None:
        return None
    if letter.all_submitted_at is not None:
        return letter.all_submitted_at
    return opened_at(None, collection_closes(letter))


# ---------------------------------------------------------------- sending

def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:90].strip("-") or "data"


def _free_name(base: str) -> str:
    name, n = base, 1
    while model.Session.execute(sa.select(model.Package.id).where(model.Package.name == name)).first():
        n += 1
        name = f"{base[:95]}-{n}"
    return name


def _site_context() -> dict[str, Any]:
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"user": site_user["name"], "ignore_auth": True}


def dataset_for_item(item: LetterItem, entry: DaftarData, year: int) -> None:
    """Give the item the dataset that receives its period's data (series.py).

    The period's own dataset is used again when it can be (an earlier request
    of this indicator and period, or the dataset the Daftar Data names, while
    private and not another period's place). Otherwise a new private dataset
    is made, prefilled with the entry's metadata and, where the entry says
    nothing, the previous period's; a published dataset is never hidden again.
    The item's state and deadline are flushed first, so that the dataset is
    indexed once, with its SOP status."""
    import uuid

    context = dict(_site_context(), sopsektoral_internal=True)
    pkg = series.period_dataset(item, entry)
    if pkg is not None:
        item.dataset_id = pkg.id
        model.Session.flush()
        extras = pkg.extras or {}
        changes = {}
        if extras.get("tahun_data") != str(year):
            # The dataset now receives the requested year's data and says so.
            changes["tahun_data"] = str(year)
        if not extras.get("klasifikasi_akses"):
            # Required of a dataset in the workflow; one made before the
            # extension may lack it.
            changes["klasifikasi_akses"] = (entry.metadata_fields or {}).get("klasifikasi_akses") or "publik"
        if changes:
            tk.get_action("package_patch")(context, {"id": pkg.id, **changes})
        else:
            reindex(pkg.id)
        return
    previous = series.previous_dataset(item, entry)
    revision = series.revision_of(entry, item)
    metadata = {**_inherited_metadata(previous), **dict(entry.metadata_fields or {})}
    title = entry.title if str(year) in entry.title else f"{entry.title} {year}"
    name = _slug(title)
    if revision:
        title = tk._("{title} (revision {n})").format(title=title, n=revision)
        name = f"{name[:80]}-revisi-{revision}"
    item.dataset_id = str(uuid.uuid4())
    model.Session.flush()
    tk.get_action("package_create")(context, {
        "id": item.dataset_id,
        "name": _free_name(name),
        "title": title,
        "owner_org": item.owner_org,
        "private": True,
        "tahun_data": str(year),
        "klasifikasi_akses": metadata.pop("klasifikasi_akses", "publik"),
        "notes": tk._("Requested by letter {number} (SK Daftar Data {year}).").format(
            number=item_letter_number(item), year=year),
        **metadata,
    })


# Metadata a new period takes from the previous one where the Daftar Data says nothing.
INHERITED_FIELDS = (
    "konsep", "definisi", "klasifikasi", "ukuran", "satuan", "kode_standar_data", "frekuensi",
    "kode_wilayah", "level_estimasi", "metode_pengumpulan", "sumber_data", "data_prioritas",
    "klasifikasi_akses", "klasifikasi_penyajian", "interpretasi", "metode_perhitungan", "license_id",
    "maintainer", "maintainer_email",
)


def _inherited_metadata(previous: model.Package | None) -> dict[str, Any]:
    if previous is None:
        return {}
    shown = tk.get_action("package_show")({"ignore_auth": True}, {"id": previous.id})
    return {k: shown[k] for k in INHERITED_FIELDS if shown.get(k) not in (None, "", [])}


def item_letter_number(item: LetterItem) -> str:
    letter = model.Session.get(Letter, item.letter_id)
    return (letter.number or "") if letter else ""


def send_items(letter_id: str, progress: Any = None) -> int:
    """Give every item of the letter its dataset and deadline; returns how many
    were done now. Items already done are skipped, so running it again after a
    failure creates nothing twice. Commits after each item (visible progress)."""
    letter = model.Session.get(Letter, letter_id)
    now = utcnow()
    done = 0
    pending = list(model.Session.execute(
        sa.select(LetterItem.id).where(LetterItem.letter_id == letter_id, LetterItem.dataset_id.is_(None))
        .order_by(LetterItem.owner_org, LetterItem.title)
    ).scalars())
    for item_id in pending:
        item = model.Session.execute(
            sa.select(LetterItem).where(LetterItem.id == item_id).with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one()
        if item.dataset_id is not None:
            continue
        entry = model.Session.get(DaftarData, item.daftar_data_id)
        item.state = REQUESTED
        item.requested_at = utcnow()
        item.deadline = sop.step("collect").deadline(now)
        dataset_for_item(item, entry, letter.data_year)
        letter.send_done = (letter.send_done or 0) + 1
        letter.send_progress_at = utcnow()
        model.Session.commit()
        done += 1
        if progress is not None:
            progress(letter.send_done, letter.send_total)
    return done


def send_stalled(letter: Letter) -> bool:
    """Whether the letter's send job is queued or running but has stopped
    making progress (its worker died or the job was lost)."""
    if letter.send_state not in ("queued", "running"):
        return False
    if letter.send_progress_at is None:
        return True
    return utcnow() - letter.send_progress_at > dt.timedelta(minutes=config.send_stalled_minutes())


def _reindex(package_id: str) -> None:
    from ckan.lib.search import rebuild

    rebuild(package_id)


def reindex(package_id: str) -> None:
    """Reindex a dataset inside the current transaction: if Solr refuses, the
    transition fails whole with a clear error and can simply be retried."""
    from ckan.lib.search.common import SearchError, SearchIndexError

    try:
        _reindex(package_id)
    except (SearchError, SearchIndexError) as err:
        log.error("sopsektoral: search index unavailable for %s: %s", package_id, err)
        raise tk.ValidationError({"search": [tk._(
            "The search index is unavailable, so nothing was changed; try again in a moment")]})


def _indexed_ids(fq: str) -> list[str]:
    """Ids of every dataset (private ones too) the search index finds for ``fq``."""
    search = tk.get_action("package_search")
    ids: list[str] = []
    while True:
        page = search(_site_context(), {"fq": fq, "fl": "id", "include_private": True,
                                        "rows": 1000, "start": len(ids), "sort": "id asc"})
        ids += [r["id"] for r in page["results"]]
        if not page["results"] or len(ids) >= page["count"]:
            return ids


def stale_in_index() -> list[str]:
    """Datasets whose SOP status in the search index has gone out of date with
    time alone (no transition reindexed them): a deadline passed, so they are
    overdue now, or the collection window closed, so verification opened and
    their verification deadline runs. The index is asked for the candidates,
    the tables decide (with the fields the index would get)."""
    from ckanext.sopsektoral import status

    not_overdue = set(_indexed_ids('+sop_status:("requested" OR "returned" OR "submitted") +sop_overdue:"false"'))
    no_deadline = set(_indexed_ids('+sop_status:"submitted" -sop_deadline:[* TO *]'))
    stale = []
    for package_id in sorted(not_overdue | no_deadline):
        fields = status.dataset_status_fields(package_id)
        if fields["sop_status"] is None \
                or (package_id in not_overdue and fields["sop_overdue"]) \
                or (package_id in no_deadline and fields["sop_deadline"] is not None):
            stale.append(package_id)  # (no status any more: the index must drop it)
    return stale


def refresh_index(progress: Any = None) -> list[str]:
    """Reindex the datasets :func:`stale_in_index` finds; returns their ids."""
    stale = stale_in_index()
    for n, package_id in enumerate(stale, 1):
        _reindex(package_id)
        if progress is not None:
            progress(n, len(stale))
    return stale


# ---------------------------------------------------------------- reading items

def member_org_ids(user: model.User | None) -> set[str]:
    if user is None:
        return set()
    return {g.id for g in user.get_groups("organization")}


def sees_every_opd(context: dict[str, Any], user: model.User | None) -> bool:
    """Diskominfo officers and sysadmins see every OPD's items (invariant 3)."""
    if context.get("ignore_auth"):
        return True
    return bool(user and (user.sysadmin or workflow.is_officer(user)))


def _closes_subquery() -> Any:
    """Each letter's end of collection (its latest item deadline), as a table
    to join: a correlated subquery would be evaluated once per item listed."""
    return (
        sa.select(LetterItem.letter_id.label("letter_id"), sa.func.max(LetterItem.deadline).label("closes"))
        .group_by(LetterItem.letter_id).subquery("sopsektoral_closes")
    )


def _deadline_expression(now: dt.datetime, closes: Any) -> Any:
    """SQL for the deadline of the item's current step (see item_deadline);
    ``closes`` is the column of :func:`_closes_subquery`, joined."""
    opened = sa.func.coalesce(Letter.all_submitted_at, sa.case((closes < now, closes)))
    verify_time = sa.literal(sop.step("verify").standard_time, sa.Interval())
    return sa.case(
        (LetterItem.state == REQUESTED, LetterItem.deadline),
        (LetterItem.state == RETURNED, LetterItem.correction_deadline),
        (LetterItem.state == SUBMITTED, opened + verify_time),
    )


def query_items(context: dict[str, Any], filters: dict[str, Any]) -> tuple[int, list[dict[str, Any]]]:
    """Items matching ``filters`` that the context's user may see, as dicts, in a
    fixed number of queries whatever the number of items."""
    user = workflow.current_user(context)
    now = utcnow()
    conditions: list[Any] = [LetterItem.state.isnot(None)]
    if not sees_every_opd(context, user):
        conditions.append(LetterItem.owner_org.in_(member_org_ids(user) or {""}))
    if filters.get("owner_org"):
        conditions.append(LetterItem.owner_org == filters["owner_org"])
    if filters.get("letter_id"):
        conditions.append(LetterItem.letter_id == filters["letter_id"])
    if filters.get("year"):
        conditions.append(Letter.data_year == filters["year"])
    if filters.get("state"):
        conditions.append(LetterItem.state.in_(filters["state"]))
    closes = _closes_subquery()
    current_deadline = _deadline_expression(now, closes.c.closes)
    if filters.get("overdue"):
        conditions.append(current_deadline < now)
    if filters.get("claimed_by"):
        conditions.append(LetterItem.claimed_by == filters["claimed_by"])
    if filters.get("unclaimed"):
        conditions.append(LetterItem.claimed_by.is_(None))
    if filters.get("q"):
        conditions.append(LetterItem.title.ilike(f"%{filters['q']}%"))
    if filters.get("dataset_id"):
        conditions.append(LetterItem.dataset_id == filters["dataset_id"])
    base = (
        sa.select(LetterItem, Letter).join(Letter, Letter.id == LetterItem.letter_id)
        .outerjoin(closes, closes.c.letter_id == LetterItem.letter_id).where(*conditions)
    )
    count = model.Session.execute(
        sa.select(sa.func.count()).select_from(base.subquery())
    ).scalar_one()
    order = {
        "deadline": [current_deadline.asc().nulls_last(), LetterItem.title],
        "submitted": [LetterItem.submitted_at.asc().nulls_last(), LetterItem.title],
        "organization": [
            sa.select(model.Group.title).where(model.Group.id == LetterItem.owner_org)
            .correlate(LetterItem).scalar_subquery(),
            LetterItem.title,
        ],
        "title": [LetterItem.title],
        "state": [LetterItem.state, current_deadline.asc().nulls_last()],
    }[filters.get("sort") or "deadline"]
    rows = model.Session.execute(
        base.order_by(*order).limit(filters.get("limit", 50)).offset(filters.get("offset", 0))
    ).all()
    return count, dictize_items(context, rows, user)


def dictize_items(context: dict[str, Any], rows: list[Any], user: model.User | None) -> list[dict[str, Any]]:
    """Items with their letter, OPD, dataset and people, in a fixed number of queries."""
    if not rows:
        return []
    items = [r[0] for r in rows]
    letters = {r[1].id: r[1] for r in rows}
    orgs = dict(model.Session.execute(sa.select(model.Group.id, model.Group.title).where(
        model.Group.id.in_({i.owner_org for i in items}))).all())
    packages = {p.id: p for p in model.Session.execute(sa.select(
        model.Package.id, model.Package.name, model.Package.private, model.Package.title).where(
        model.Package.id.in_({i.dataset_id for i in items if i.dataset_id}))).all()}
    user_ids = {u for i in items for u in (i.submitted_by, i.verified_by, i.claimed_by) if u}
    users = dict(model.Session.execute(sa.select(model.User.id, model.User.name).where(
        model.User.id.in_(user_ids))).all()) if user_ids else {}
    closes = dict(model.Session.execute(
        sa.select(LetterItem.letter_id, sa.func.max(LetterItem.deadline))
        .where(LetterItem.letter_id.in_(letters)).group_by(LetterItem.letter_id)).all())
    turns = _turns(context, user)
    current = series.current_item_ids(i.dataset_id for i in items)
    newer_letters = dict(model.Session.execute(
        sa.select(LetterItem.id, Letter.number).join(Letter, Letter.id == LetterItem.letter_id)
        .where(LetterItem.id.in_(set(current.values())))).all()) if current else {}
    now = utcnow()
    out = []
    for item in items:
        is_current = current.get(item.dataset_id, item.id) == item.id
        letter = letters[item.letter_id]
        opened = opened_at(letter.all_submitted_at, closes.get(letter.id), now)
        verify_deadline = step_deadline(SUBMITTED, None, None, opened)
        deadline = step_deadline(item.state, item.deadline, item.correction_deadline, opened)
        pkg = packages.get(item.dataset_id)
        out.append({
            "id": item.id,
            "letter_id": letter.id,
            "letter_number": letter.number,
            "letter_subject": letter.subject,
            "data_year": letter.data_year,
            "owner_org": item.owner_org,
            "organization_title": orgs.get(item.owner_org),
            "title": item.title,
            "daftar_data_id": item.daftar_data_id,
            "dataset_id": item.dataset_id,
            "dataset_name": pkg.name if pkg else None,
            "dataset_private": pkg.private if pkg else None,
            "state": item.state,
            "state_label": item_state_label(item.state),
            "deadline": workflow_iso(deadline),
            "overdue": bool(deadline and now > deadline),
            "collection_deadline": workflow_iso(item.deadline),
            "submitted_at": workflow_iso(item.submitted_at),
            "submitted_by": users.get(item.submitted_by),
            "returned_at": workflow_iso(item.returned_at),
            "return_reason": item.return_reason,
            "correction_deadline": workflow_iso(item.correction_deadline),
            "claimed_by": users.get(item.claimed_by),
            "claimed_at": workflow_iso(item.claimed_at),
            "verified_at": workflow_iso(item.verified_at),
            "verified_by": users.get(item.verified_by),
            "published": bool(item.published_at),
            "published_at": workflow_iso(item.published_at),
            "verification_opened_at": workflow_iso(opened),
            "verification_deadline": workflow_iso(verify_deadline),
            "checklist": item.checklist or {},
            "current": is_current,
            "superseded_by_letter_number": None if is_current else (
                newer_letters.get(current.get(item.dataset_id)) or ""),
            "requested_at": workflow_iso(item.requested_at),
            "available_actions": _available(item, opened, turns) if is_current else [],
        })
    return out


def workflow_iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _turns(context: dict[str, Any], user: model.User | None) -> dict[str, Any]:
    """What the user may do to items, looked up once per request."""
    if context.get("ignore_auth") or (user is not None and user.sysadmin):
        return {"all": True, "orgs": set(), "positions": set(sop.POSITIONS), "user_id": user.id if user else None}
    held = {o.position for o in workflow.positions_held(user)}
    return {"all": False, "orgs": member_org_ids(user), "positions": held, "user_id": user.id if user else None}


def _available(item: LetterItem, opened: dt.datetime | None, turns: dict[str, Any]) -> list[str]:
    actions = []
    if item.state in ITEM_TRANSITIONS["submit"] and (turns["all"] or item.owner_org in turns["orgs"]):
        actions.append("submit")
    verifier = turns["all"] or sop.STAF_STATISTIK in turns["positions"]
    if item.state == SUBMITTED and opened and verifier and (
        item.claimed_by in (None, turns["user_id"]) or turns["all"]
    ):
        actions += ["verify", "return"]
    if item.state in (SUBMITTED, RETURNED, REQUESTED) and (verifier or sop.KEPALA_SEKSI in turns["positions"]):
        actions.append("claim")
    if item.state == VERIFIED and not item.published_at and (
        turns["all"] or turns["positions"] & {sop.STAF_STATISTIK, sop.KEPALA_SEKSI}
    ):
        actions.append("publish")
    return actions


# ---------------------------------------------------------------- item transitions

def lock_item(item_id: str) -> tuple[LetterItem, Letter]:
    """Lock an item for a transition; an item that a newer request of its
    dataset superseded can do nothing (invariant 9)."""
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


def publish(item: LetterItem, context: dict[str, Any]) -> None:
    """Make the verified dataset public, unless its access classification forbids it."""
    pkg = model.Package.get(item.dataset_id)
    if pkg is None:
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    access = (pkg.extras or {}).get("klasifikasi_akses")
    if access in ("dikecualikan", "terbatas"):
        raise tk.ValidationError({"klasifikasi_akses": [tk._(
            "The dataset is classified as {access}: it is not published").format(access=access)]})
    tk.get_action("package_patch")(dict(_site_context(), sopsektoral_internal=True), {
        "id": pkg.id, "private": False})
    item.published_at = utcnow()


def current_state(package_id: str) -> tuple[str | None, bool]:
    """The state of the newest item asking for this dataset, and whether it was
    published; ``(None, False)`` when no letter asks for it."""
    row = model.Session.connection().execute(_current_state_query(), {"package_id": package_id}).first()
    return (row[0], row[1] is not None) if row else (None, False)


@functools.lru_cache(maxsize=None)
def _current_state_query() -> Any:
    # Built once: it runs on every package_update and on the dataset auth checks.
    from ckanext.sopsektoral import status

    return status.newest_item_query(LetterItem.state, LetterItem.published_at,
                                    package_id=sa.bindparam("package_id"))


def under_collection(package_id: str) -> bool:
    """Whether the dataset is being collected or verified (not verified yet)."""
    return current_state(package_id)[0] in (REQUESTED, SUBMITTED, RETURNED)


def awaiting_publication(package_id: str) -> bool:
    """Whether the dataset may only become public through the SOP's publish step:
    it is being collected or verified, or verified and not published yet."""
    state, published = current_state(package_id)
    return state in (REQUESTED, SUBMITTED, RETURNED) or (state == VERIFIED and not published)


def in_workflow(package_id: str) -> bool:
    return model.Session.connection().execute(_in_workflow_query(), {"package_id": package_id}).first() is not None


@functools.lru_cache(maxsize=None)
def _in_workflow_query() -> Any:
    return sa.select(LetterItem.id).where(LetterItem.dataset_id == sa.bindparam("package_id")).limit(1)


# Metadata the workbench checks for completeness: the data standard, then MS-Ind.
REQUIRED_METADATA = ("konsep", "definisi", "klasifikasi", "ukuran", "satuan")
RECOMMENDED_METADATA = (
    "notes", "tahun_data", "frekuensi", "kode_wilayah", "sumber_data", "metode_pengumpulan",
    "klasifikasi_penyajian", "level_estimasi", "klasifikasi_akses", "maintainer", "license_id",
)


def metadata_completeness(dataset: dict[str, Any]) -> dict[str, Any]:
    """Which of the schema's sectoral-statistics fields are filled in."""
    def filled(key: str) -> bool:
        return bool(str(dataset.get(key) or "").strip())

    required = [(k, filled(k)) for k in REQUIRED_METADATA]
    recommended = [(k, filled(k)) for k in RECOMMENDED_METADATA]
    total = len(required) + len(recommended)
    done = sum(ok for _, ok in required + recommended)
    return {
        "required": required, "recommended": recommended,
        "percent": round(100 * done / total), "standard_complete": all(ok for _, ok in required),
    }
