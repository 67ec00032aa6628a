"""Sending a signed letter (SOP step 5): each item gets its deadline and the
dataset that receives its period's data.

Letters with more items than :data:`SYNC_SEND_LIMIT` are sent by a background
job (jobs.send_letter), which keeps its progress on the letter; items already
done are skipped, so a failed send can simply be started again.
"""
from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.sopsektoral import config, series, sop
from ckanext.sopsektoral.datasets.index import reindex
from ckanext.sopsektoral.datasets.site import site_context
from ckanext.sopsektoral.items.states import REQUESTED
from ckanext.sopsektoral.model import DaftarData, Letter, LetterItem
from ckanext.sopsektoral.model.base import utcnow

# Letters with more items than this are sent by a background job.
SYNC_SEND_LIMIT = 20

# Metadata a new period takes from the previous one where the Daftar Data says nothing.
INHERITED_FIELDS = (
    "konsep", "definisi", "klasifikasi", "ukuran", "satuan", "kode_standar_data", "frekuensi",
    "kode_wilayah", "level_estimasi", "metode_pengumpulan", "sumber_data", "data_prioritas",
    "klasifikasi_akses", "klasifikasi_penyajian", "interpretasi", "metode_perhitungan", "license_id",
    "maintainer", "maintainer_email",
)


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:90].strip("-") or "data"


def _free_name(base: str) -> str:
    name, n = base, 1
    while model.Session.execute(sa.select(model.Package.id).where(model.Package.name == name)).first():
        n += 1
        name = f"{base[:95]}-{n}"
    return name


def dataset_for_item(item: LetterItem, entry: DaftarData, year: int) -> None:
    """Give the item the dataset that receives its period's data (series.py).

    The period's own dataset is used again when it can be (an earlier request
    of this indicator and period, or the dataset the Daftar Data names, while
    private and not another period's place). Otherwise a new private dataset
    is made, prefilled with the entry's metadata and, where the entry says
    nothing, the previous period's; a published dataset is never hidden again.
    The item's state and deadline are flushed first, so that the dataset is
    indexed once, with its SOP status."""
    context = dict(site_context(), sopsektoral_internal=True)
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
        # No description is stored for the OPD to replace: the dataset page says, in the reader's
        # language, which letter requested it (templates/scheming/package/read.html).
        **metadata,
    })


def _inherited_metadata(previous: model.Package | None) -> dict[str, Any]:
    if previous is None:
        return {}
    shown = tk.get_action("package_show")({"ignore_auth": True}, {"id": previous.id})
    return {k: shown[k] for k in INHERITED_FIELDS if shown.get(k) not in (None, "", [])}


def send_items(letter_id: str, progress: Any = None) -> int:
    """Give every item of the letter its dataset and deadline; returns how many
    were done now. Items already done are skipped, so running it again after a
    failure creates nothing twice. Commits after each item (visible progress)."""
    letter = model.Session.get(Letter, letter_id)
    now = utcnow()
    collection = sop.current().collection
    if not collection.per_item:
        # The whole letter has one collection time: it counts from the letter's first request,
        # also for items that a resumed send (after a failure) requests later.
        first = model.Session.execute(sa.select(sa.func.min(LetterItem.requested_at)).where(
            LetterItem.letter_id == letter_id)).scalar_one()
        now = first or now
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
        # Per item: each item's time counts from when this send requests it.
        item.deadline = collection.deadline(now)
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
