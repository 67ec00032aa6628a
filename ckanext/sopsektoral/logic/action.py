"""Action API of ckanext-sopsektoral (every action is named ``sopsektoral_*``).

Every action checks access first, then validates its input with its schema
(logic/schema.py). Reads are side-effect free and can be called with GET.
Transitions lock the letter's row, re-check its state and append one entry to
the hash-chained event log, all in one transaction.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import Context, DataDict

from ckanext.sopsektoral import collection, config, daftar_data, jobs, notify, series, sop, status, workflow
from ckanext.sopsektoral.logic import schema
from ckanext.sopsektoral.model import (
    DaftarData,
    Event,
    Letter,
    LetterItem,
    LetterNumberSequence,
    Officer,
)
from ckanext.sopsektoral.model.base import iso, utcnow

log = logging.getLogger(__name__)

__all__ = [
    "sopsektoral_sop_show",
    "sopsektoral_reindex",
    "sopsektoral_officer_assign",
    "sopsektoral_officer_list",
    "sopsektoral_officer_revoke",
    "sopsektoral_daftar_data_import",
    "sopsektoral_daftar_data_list",
    "sopsektoral_letter_create",
    "sopsektoral_letter_update",
    "sopsektoral_letter_show",
    "sopsektoral_letter_list",
    "sopsektoral_letter_submit",
    "sopsektoral_letter_initial",
    "sopsektoral_letter_sign",
    "sopsektoral_letter_return",
    "sopsektoral_letter_cancel",
    "sopsektoral_event_list",
    "sopsektoral_letter_send",
    "sopsektoral_item_list",
    "sopsektoral_item_show",
    "sopsektoral_item_submit",
    "sopsektoral_item_claim",
    "sopsektoral_item_verify",
    "sopsektoral_item_return",
    "sopsektoral_item_publish",
    "sopsektoral_status_show",
    "sopsektoral_period_list",
    "package_update",
]


def _validate(data_dict: DataDict, sch: dict[str, Any], context: Context) -> dict[str, Any]:
    data, errors = tk.navl_validate(data_dict, sch, context)
    if errors:
        raise tk.ValidationError(errors)
    return data


def _commit(context: Context) -> None:
    if not context.get("defer_commit"):
        model.Session.commit()


def _atomic(action: Any) -> Any:
    """Roll back whatever a failing write action flushed (invariant 7)."""

    @functools.wraps(action)
    def wrapper(context: Context, data_dict: DataDict, *args: Any) -> Any:
        try:
            return action(context, data_dict, *args)
        except Exception:
            if not context.get("defer_commit"):
                model.Session.rollback()
            raise

    return wrapper


# ---------------------------------------------------------------- the SOP

@tk.side_effect_free
def sopsektoral_sop_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The SOP table this portal runs: steps, executors and standard times.

    Takes no parameters. Standard times are this deployment's (config may
    change the SOP's defaults).

    :returns: ``steps``: a list of dicts with ``number``, ``key``,
        ``label``, ``executor`` (position key), ``executor_label``,
        ``minutes``, ``per_item`` (the time counts per requested data item),
        ``inputs``, ``output`` and ``note``; ``correction``: the correction
        window of the processing SOP, in the same form; ``positions``: the
        position keys with their labels.
    :rtype: dict
    """
    tk.check_access("sopsektoral_sop_show", context, data_dict)
    _validate(data_dict, schema.sop_show(), context)

    def _step(step: sop.Step) -> dict[str, Any]:
        return {
            "number": step.number,
            "key": step.key,
            "label": sop.step_label(step.key),
            "executor": step.executor,
            "executor_label": sop.position_label(step.executor),
            "minutes": int(step.standard_time.total_seconds() // 60),
            "per_item": step.per_item,
            "inputs": list(step.inputs),
            "output": step.output,
            "note": step.note,
        }

    return {
        "steps": [_step(s) for s in sop.STEPS],
        "correction": _step(sop.CORRECTION),
        "positions": [{"key": k, "label": sop.position_label(k)} for k in sop.POSITIONS],
    }


def sopsektoral_reindex(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Queue a rebuild of the search index entries of some datasets.

    Used after Solr was unavailable: the workflow refuses transitions whole
    while Solr is down, and this catches up on anything indexed by hand since.
    Sysadmins only.

    :param ids: dataset ids or names
    :type ids: list of strings
    :returns: ``job_id`` of the background job
    :rtype: dict
    """
    tk.check_access("sopsektoral_reindex", context, data_dict)
    data = _validate(data_dict, schema.reindex(), context)
    ids = data["ids"]
    missing = [i for i in ids if model.Package.get(i) is None]
    if missing:
        raise tk.ValidationError({"ids": [tk._("Not found: {ids}").format(ids=", ".join(missing))]})
    job = tk.enqueue_job(
        jobs.reindex_datasets, [ids], title="sopsektoral: reindex datasets",
        queue=jobs.queue_name(),
    )
    return {"job_id": job.id}


# ---------------------------------------------------------------- officers

def _officer_dict(officer: Officer, users: dict[str, model.User] | None = None) -> dict[str, Any]:
    out = officer.dictize()
    user = (users or {}).get(officer.user_id) or model.User.get(officer.user_id)
    out["user_name"] = user.name if user else None
    out["user_fullname"] = (user.fullname or user.name) if user else None
    out["position_label"] = sop.position_label(officer.position)
    out["current"] = officer.holds_on(utcnow().date())
    return out


@_atomic
def sopsektoral_officer_assign(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Assign a Diskominfo position to a CKAN user for a period. Sysadmins only.

    A position other than staf_statistik has one definitive holder at a time;
    an acting holder (Plt. or Plh.) may overlap with it.

    :param user: the user's id or name
    :type user: string
    :param position: ``kepala_dinas``, ``sekretaris``, ``kepala_bidang``,
        ``kepala_seksi`` or ``staf_statistik``
    :type position: string
    :param acting: ``plt`` or ``plh`` when held as acting (optional)
    :type acting: string
    :param valid_from: first day in force, ISO date (optional, default today)
    :type valid_from: string
    :param valid_until: last day in force, ISO date (optional, open-ended)
    :type valid_until: string
    :param nip: the civil-servant number shown in the signature block (optional)
    :type nip: string
    :param rank: pangkat/golongan (optional)
    :type rank: string
    :returns: the assignment
    :rtype: dict
    """
    tk.check_access("sopsektoral_officer_assign", context, data_dict)
    data = _validate(data_dict, schema.officer_assign(), context)
    user = model.User.get(data["user"])
    valid_from = data["valid_from"].date() if data.get("valid_from") else utcnow().date()
    valid_until = data["valid_until"].date() if data.get("valid_until") else None
    acting = data.get("acting")
    if data["position"] != sop.STAF_STATISTIK and not acting:
        clash = model.Session.execute(
            sa.select(Officer).where(
                Officer.position == data["position"],
                Officer.acting.is_(None),
                Officer.revoked.is_(None),
                sa.or_(Officer.valid_until.is_(None), Officer.valid_until >= valid_from),
                *([Officer.valid_from <= valid_until] if valid_until else []),
            )
        ).scalars().first()
        if clash is not None:
            holder = model.User.get(clash.user_id)
            raise tk.ValidationError({"position": [
                tk._("{user} holds this position from {start}; end or revoke that assignment first").format(
                    user=holder.name if holder else clash.user_id, start=clash.valid_from.isoformat())
            ]})
    actor = workflow.actor_for(context, [])
    officer = Officer(
        user_id=user.id, position=data["position"], acting=acting, valid_from=valid_from,
        valid_until=valid_until, nip=data.get("nip"), rank=data.get("rank"),
        created_by=actor.user_id,
    )
    model.Session.add(officer)
    model.Session.flush()
    workflow.append_event(
        model.Session, action="officer_assign", actor=actor,
        note=f"{user.name}: {officer.position}{' (' + acting + ')' if acting else ''} "
             f"{valid_from.isoformat()}..{valid_until.isoformat() if valid_until else ''}",
    )
    _commit(context)
    return _officer_dict(officer)


@tk.side_effect_free
def sopsektoral_officer_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Position assignments, current ones by default.

    :param position: only this position (optional)
    :type position: string
    :param user: only this user's, by id or name (optional)
    :type user: string
    :param include_past: also ended, future and revoked assignments (default false)
    :type include_past: bool
    :param on_date: assignments in force on this ISO date (default today)
    :type on_date: string
    :returns: assignments with ``user_name``, ``user_fullname``, ``position_label``
        and ``current``
    :rtype: list of dicts
    """
    tk.check_access("sopsektoral_officer_list", context, data_dict)
    data = _validate(data_dict, schema.officer_list(), context)
    stmt = sa.select(Officer).order_by(Officer.position, Officer.valid_from)
    if data.get("position"):
        stmt = stmt.where(Officer.position == data["position"])
    if data.get("user"):
        user = model.User.get(data["user"])
        if user is None:
            raise tk.ValidationError({"user": [tk._("Not found: {ids}").format(ids=data["user"])]})
        stmt = stmt.where(Officer.user_id == user.id)
    if not data.get("include_past"):
        day = data["on_date"].date() if data.get("on_date") else utcnow().date()
        stmt = stmt.where(
            Officer.revoked.is_(None), Officer.valid_from <= day,
            sa.or_(Officer.valid_until.is_(None), Officer.valid_until >= day),
        )
    officers = list(model.Session.execute(stmt).scalars())
    users = {u.id: u for u in model.Session.execute(
        sa.select(model.User).where(model.User.id.in_({o.user_id for o in officers}))
    ).scalars()} if officers else {}
    order = {p: i for i, p in enumerate(sop.POSITIONS)}
    officers.sort(key=lambda o: (order[o.position], o.valid_from))
    return [_officer_dict(o, users) for o in officers]


@_atomic
def sopsektoral_officer_revoke(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """End a position assignment now. Sysadmins only.

    :param id: the assignment's id
    :type id: string
    :returns: the assignment
    :rtype: dict
    """
    tk.check_access("sopsektoral_officer_revoke", context, data_dict)
    data = _validate(data_dict, schema.id_only(), context)
    officer = model.Session.get(Officer, data["id"])
    if officer is None:
        raise tk.ObjectNotFound(tk._("Position assignment not found"))
    if officer.revoked is not None:
        raise tk.ValidationError({"id": [tk._("This assignment was already revoked")]})
    actor = workflow.actor_for(context, [])
    officer.revoked = utcnow()
    officer.revoked_by = actor.user_id
    workflow.append_event(
        model.Session, action="officer_revoke", actor=actor,
        note=f"{officer.user_id}: {officer.position}",
    )
    _commit(context)
    return _officer_dict(officer)


# ---------------------------------------------------------------- Daftar Data

@_atomic
def sopsektoral_daftar_data_import(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Import the SK Daftar Data from a CSV or XLSX file (or from rows).

    Columns: ``tahun``, ``opd`` (organization name or title) and
    ``judul_data`` are required; ``dataset`` (an existing dataset of that OPD
    that receives the data) and the metadata columns ``konsep``,
    ``definisi``, ``klasifikasi``, ``ukuran``, ``satuan``,
    ``kode_standar_data``, ``frekuensi``, ``kode_wilayah``,
    ``level_estimasi``, ``metode_pengumpulan``, ``sumber_data``,
    ``data_prioritas``, ``klasifikasi_akses`` and ``klasifikasi_penyajian``
    are optional. Nothing is imported if any row has an error; importing the
    same file again changes nothing.

    :param upload: the file (multipart upload)
    :type upload: file
    :param rows: instead of a file, a list of dicts keyed by column
    :type rows: list of dicts
    :param format: ``csv`` or ``xlsx`` (default: from the file name)
    :type format: string
    :param dry_run: only check the rows (default false)
    :type dry_run: bool
    :returns: counts ``rows``, ``created``, ``updated``, ``unchanged``
    :rtype: dict
    """
    tk.check_access("sopsektoral_daftar_data_import", context, data_dict)
    # The file and the rows are checked by daftar_data, row by row and column by column.
    upload = data_dict.get("upload")
    given_rows = data_dict.get("rows")
    data = _validate(
        {k: v for k, v in data_dict.items() if k not in ("upload", "rows")},
        schema.daftar_data_import(), context,
    )
    if upload is not None and hasattr(upload, "read"):
        filename = getattr(upload, "filename", "") or ""
        fmt = (data.get("format") or filename.rsplit(".", 1)[-1]).lower()
        if fmt not in ("csv", "xlsx"):
            raise tk.ValidationError({"format": [tk._("Use a CSV or XLSX file")]})
        rows = daftar_data.read_table(upload.read(), fmt)
    elif isinstance(given_rows, list):
        rows = given_rows
    else:
        raise tk.ValidationError({"upload": [tk._("Upload a CSV or XLSX file, or give rows")]})
    entries, errors = daftar_data.validate_rows(rows)
    if errors:
        raise tk.ValidationError({"rows": errors})
    result = daftar_data.import_entries(model.Session, entries)
    if data.get("dry_run"):
        model.Session.rollback()
    else:
        actor = workflow.actor_for(context, sop.POSITIONS)
        workflow.append_event(
            model.Session, action="daftar_data_import", actor=actor,
            note=f"rows={result.rows} created={result.created} updated={result.updated}",
        )
        _commit(context)
    return result.as_dict()


def _org_titles(ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    return dict(model.Session.execute(
        sa.select(model.Group.id, model.Group.title).where(model.Group.id.in_(ids))
    ).all())


def _org_id(name_or_id: str) -> str:
    group = model.Group.get(name_or_id)
    if group is None or not group.is_organization:
        raise tk.ValidationError({"owner_org": [tk._("Organization not found")]})
    return group.id


def _sees_every_opd(context: Context, user: model.User | None) -> bool:
    """Diskominfo officers and sysadmins see every OPD's entries (invariant 3)."""
    if context.get("ignore_auth"):
        return True
    return bool(user and (user.sysadmin or workflow.is_officer(user)))


def _member_org_ids(user: model.User | None) -> set[str]:
    if user is None:
        return set()
    return {g.id for g in user.get_groups("organization")}


@tk.side_effect_free
def sopsektoral_daftar_data_list(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Entries of the Daftar Data. OPD members see their own OPD's only.

    :param year: data year (optional)
    :type year: int
    :param owner_org: organization id or name (optional)
    :type owner_org: string
    :param q: words in the title (optional)
    :type q: string
    :param ids: only these entries (optional)
    :type ids: list of strings
    :param limit: page size (default 100)
    :type limit: int
    :param offset: page start (default 0)
    :type offset: int
    :returns: ``count`` and ``results``: entries with ``organization_title``,
        ``indicator_key`` (the same for the indicator in every year's list) and
        ``requested_by``: the letter holding an open request of the entry
        (``letter_id``, ``letter_number``, ``letter_subject``, ``letter_state``,
        ``item_state``; None when no letter does). A new letter cannot ask for
        an entry another letter holds.
    :rtype: dict
    """
    tk.check_access("sopsektoral_daftar_data_list", context, data_dict)
    data = _validate(data_dict, schema.daftar_data_list(), context)
    conditions = []
    if data.get("year"):
        conditions.append(DaftarData.year == data["year"])
    if data.get("owner_org"):
        conditions.append(DaftarData.owner_org == _org_id(data["owner_org"]))
    if data.get("q"):
        conditions.append(DaftarData.title.ilike(f"%{data['q']}%"))
    if data.get("ids"):
        ids = data["ids"] if isinstance(data["ids"], list) else [data["ids"]]
        conditions.append(DaftarData.id.in_(ids))
    user = workflow.current_user(context)
    if not _sees_every_opd(context, user):
        conditions.append(DaftarData.owner_org.in_(_member_org_ids(user) or {""}))
    count = model.Session.execute(
        sa.select(sa.func.count()).select_from(DaftarData).where(*conditions)
    ).scalar_one()
    entries = list(model.Session.execute(
        sa.select(DaftarData).where(*conditions)
        .order_by(DaftarData.year.desc(), DaftarData.owner_org, DaftarData.title)
        .limit(data["limit"]).offset(data["offset"])
    ).scalars())
    titles = _org_titles({e.owner_org for e in entries})
    held = series.holders(e.id for e in entries)
    results = [dict(e.dictize(titles), requested_by=held[e.id].as_dict() if e.id in held else None)
               for e in entries]
    results.sort(key=lambda e: (-e["year"], e["organization_title"] or "", e["title"]))
    return {"count": count, "results": results}


# ---------------------------------------------------------------- letters

def _letter_dict(context: Context, letter: Letter, with_items: bool = True) -> dict[str, Any]:
    now = utcnow()
    deadline = workflow.deadline_of(letter.state, letter.state_since)
    executor = workflow.executor_of(letter.state)
    creator = model.User.get(letter.created_by)
    out: dict[str, Any] = {
        "id": letter.id,
        "state": letter.state,
        "state_label": workflow.state_label(letter.state),
        "state_since": iso(letter.state_since),
        "deadline": iso(deadline),
        "overdue": bool(deadline and now > deadline),
        "awaiting_position": executor,
        "awaiting_position_label": sop.position_label(executor) if executor else None,
        "data_year": letter.data_year,
        "subject": letter.subject,
        "body": letter.body,
        "sifat": letter.sifat,
        "lampiran": letter.lampiran,
        "tembusan": list(letter.tembusan or []),
        "number": letter.number,
        "letter_date": iso(letter.letter_date),
        "revision": letter.revision,
        "created": iso(letter.created),
        "created_by": creator.name if creator else letter.created_by,
        "modified": iso(letter.modified),
        "available_actions": workflow.available_transitions(context, letter),
        "send_state": letter.send_state,
        "send_total": letter.send_total,
        "send_done": letter.send_done,
        "send_error": letter.send_error,
        "send_stalled": collection.send_stalled(letter),
        "sent_at": iso(letter.sent_at),
        "verification_opened_at": iso(collection.verification_opened_at(letter)),
    }
    if with_items:
        items = workflow.items_of(model.Session, letter.id)
        titles = _org_titles({i.owner_org for i in items})
        by_org: dict[str, dict[str, Any]] = {}
        for item in items:
            group = by_org.setdefault(item.owner_org, {
                "owner_org": item.owner_org,
                "organization_title": titles.get(item.owner_org),
                "items": [],
            })
            group["items"].append({"id": item.id, "daftar_data_id": item.daftar_data_id, "title": item.title})
        out["organizations"] = sorted(by_org.values(), key=lambda g: g["organization_title"] or "")
        out["item_count"] = len(items)
        out["content_hash"] = workflow.content_hash(model.Session, letter)
        out["approvals"] = _approvals(letter)
    return out


def _approvals(letter: Letter) -> list[dict[str, Any]]:
    """The initials and the signature of the letter's current round."""
    events = list(model.Session.execute(
        sa.select(Event).where(Event.letter_id == letter.id).order_by(Event.seq)
    ).scalars())
    current: list[dict[str, Any]] = []
    for event in events:
        if event.action in ("submit", "return", "update"):
            current = []
        if event.action in ("initial", "sign"):
            user = model.User.get(event.actor_id) if event.actor_id else None
            current.append({
                "action": event.action,
                "position": event.position,
                "position_label": sop.position_label(event.position) if event.position in sop.POSITIONS else event.position,
                "acting": event.acting,
                "user_name": event.actor_name,
                "user_fullname": (user.fullname or user.name) if user else event.actor_name,
                "time": iso(event.created),
            })
    return current


def _set_items(letter: Letter, item_ids: list[str]) -> None:
    entries = list(model.Session.execute(
        sa.select(DaftarData).where(DaftarData.id.in_(item_ids))
    ).scalars()) if item_ids else []
    found = {e.id for e in entries}
    unknown = [i for i in item_ids if i not in found]
    if unknown:
        raise tk.ValidationError({"items": [
            tk._("Not in the Daftar Data: {ids}").format(ids=", ".join(unknown))]})
    wrong_year = [e.title for e in entries if e.year != letter.data_year]
    if wrong_year:
        raise tk.ValidationError({"items": [
            tk._("Not in the Daftar Data of {year}: {titles}").format(
                year=letter.data_year, titles="; ".join(wrong_year))]})
    series.require_free(letter, found, adding=True)
    model.Session.execute(sa.delete(LetterItem).where(LetterItem.letter_id == letter.id))
    for entry in entries:
        model.Session.add(LetterItem(
            letter_id=letter.id, daftar_data_id=entry.id, owner_org=entry.owner_org, title=entry.title,
        ))
    model.Session.flush()


@_atomic
def sopsektoral_letter_create(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Draft a data-request letter (SOP step 1, Kepala Seksi Statistik).

    :param subject: the letter's subject (hal)
    :type subject: string
    :param body: the letter's text
    :type body: string
    :param data_year: the year of the requested data
    :type data_year: int
    :param sifat: ``biasa`` (default), ``penting``, ``segera`` or ``sangat_segera``
    :type sifat: string
    :param lampiran: attachments line, e.g. "1 (satu) berkas"
    :type lampiran: string
    :param tembusan: carbon-copy addressees
    :type tembusan: list of strings
    :param items: ids of Daftar Data entries of ``data_year`` to request
    :type items: list of strings
    :returns: the letter (see ``sopsektoral_letter_show``)
    :rtype: dict
    """
    tk.check_access("sopsektoral_letter_create", context, data_dict)
    data = _validate(data_dict, schema.letter_create(), context)
    actor = workflow.actor_for(context, [sop.KEPALA_SEKSI])
    now = utcnow()
    letter = Letter(
        state=workflow.DRAFT, state_since=now, data_year=data["data_year"], subject=data["subject"],
        body=data["body"], sifat=data["sifat"], lampiran=data["lampiran"], tembusan=data["tembusan"],
        revision=1, created=now, modified=now, created_by=actor.user_id,
    )
    model.Session.add(letter)
    model.Session.flush()
    _set_items(letter, data["items"])
    workflow.append_event(model.Session, action="create", actor=actor, letter=letter, to_state=workflow.DRAFT)
    _commit(context)
    return _letter_dict(context, letter)


@_atomic
def sopsektoral_letter_update(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Edit a draft letter. Only drafts can be edited; a letter returned by an
    approver is a draft again, and must be initialled and signed anew.

    :param id: the letter's id
    :type id: string
    :param subject, body, data_year, sifat, lampiran, tembusan, items: as in
        ``sopsektoral_letter_create``; only those given change
    :returns: the letter
    :rtype: dict
    """
    tk.check_access("sopsektoral_letter_update", context, data_dict)
    data = _validate(data_dict, schema.letter_update(), context)
    letter = workflow.lock_letter(model.Session, data["id"])
    _check_may_act(context, "update", letter)
    workflow.require_turn(context, letter, "update")
    for field in ("subject", "body", "sifat", "lampiran", "tembusan", "data_year"):
        if field in data:
            setattr(letter, field, data[field])
    if "items" in data:
        _set_items(letter, data["items"])
    elif "data_year" in data:
        _set_items(letter, [i.daftar_data_id for i in workflow.items_of(model.Session, letter.id)])
    letter.revision += 1
    letter.modified = utcnow()
    actor = workflow.actor_for(context, [sop.KEPALA_SEKSI])
    workflow.append_event(
        model.Session, action="update", actor=actor, letter=letter,
        from_state=workflow.DRAFT, to_state=workflow.DRAFT,
    )
    _commit(context)
    return _letter_dict(context, letter)


def _get_letter(letter_id: str) -> Letter:
    letter = model.Session.get(Letter, letter_id)
    if letter is None:
        raise tk.ObjectNotFound(tk._("Request letter not found"))
    return letter


def _check_may_act(context: Context, transition: str, letter: Letter) -> None:
    if context.get("ignore_auth"):
        return
    allowed, message = workflow.may_act(context, transition, letter)
    if not allowed:
        raise tk.NotAuthorized(message)


@tk.side_effect_free
def sopsektoral_letter_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """A request letter with its state, deadline, items per OPD and approvals.

    :param id: the letter's id
    :type id: string
    :returns: the letter: ``state`` and ``state_label``, ``deadline`` and
        ``overdue``, ``awaiting_position``, the official fields (``number``,
        ``letter_date``, ``sifat``, ``lampiran``, ``subject``, ``body``,
        ``tembusan``), ``organizations`` (the requested items per OPD),
        ``approvals`` (initials and signature of the current round),
        ``content_hash``, and ``available_actions`` (what the caller may do now)
    :rtype: dict
    """
    tk.check_access("sopsektoral_letter_show", context, data_dict)
    data = _validate(data_dict, schema.id_only(), context)
    return _letter_dict(context, _get_letter(data["id"]))


@tk.side_effect_free
def sopsektoral_letter_list(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Request letters, newest first. OPD members see the letters sent to their OPD.

    :param state: only letters in this state (optional)
    :type state: string
    :param year: only letters for this data year (optional)
    :type year: int
    :param owner_org: only letters asking something of this OPD (optional)
    :type owner_org: string
    :param overdue: only letters past their state's deadline (optional)
    :type overdue: bool
    :param awaiting_me: only letters waiting on a position the caller holds: at
        their approval step, or signed and waiting to be sent (optional)
    :type awaiting_me: bool
    :param q: words in the subject or number (optional)
    :type q: string
    :param limit: page size (default 50)
    :type limit: int
    :param offset: page start (default 0)
    :type offset: int
    :returns: ``count`` and ``results`` (letters without their items, with ``item_count``
        and ``organization_count``)
    :rtype: dict
    """
    tk.check_access("sopsektoral_letter_list", context, data_dict)
    data = _validate(data_dict, schema.letter_list(), context)
    conditions: list[Any] = []
    if data.get("state"):
        conditions.append(Letter.state == data["state"])
    if data.get("year"):
        conditions.append(Letter.data_year == data["year"])
    if data.get("q"):
        pattern = f"%{data['q']}%"
        conditions.append(sa.or_(Letter.subject.ilike(pattern), Letter.number.ilike(pattern)))
    if data.get("owner_org"):
        org_id = _org_id(data["owner_org"])
        conditions.append(Letter.id.in_(sa.select(LetterItem.letter_id).where(LetterItem.owner_org == org_id)))
    user = workflow.current_user(context)
    if not _sees_every_opd(context, user):
        orgs = _member_org_ids(user) or {""}
        conditions.append(Letter.state.in_([workflow.SIGNED, workflow.SENT]))
        conditions.append(Letter.id.in_(sa.select(LetterItem.letter_id).where(LetterItem.owner_org.in_(orgs))))
    if data.get("awaiting_me"):
        held = {o.position for o in workflow.positions_held(user)}
        states = [s for s, step in workflow.STATE_STEP.items() if sop.step(step).executor in held]
        if held & workflow.executors("send"):
            states.append(workflow.SIGNED)  # a signed letter waits on whoever sends it (SOP step 5)
        conditions.append(Letter.state.in_(states or [""]))
        if held & {sop.KEPALA_BIDANG, sop.SEKRETARIS, sop.KEPALA_DINAS} and user is not None:
            # Nobody approves their own draft (workflow.APPROVALS).
            conditions.append(sa.or_(Letter.state == workflow.DRAFT, Letter.created_by != user.id))
    if data.get("overdue"):
        now = utcnow()
        overdue = [
            sa.and_(Letter.state == state, Letter.state_since < now - sop.step(step).standard_time)
            for state, step in workflow.STATE_STEP.items()
        ]
        conditions.append(sa.or_(*overdue))
    count = model.Session.execute(
        sa.select(sa.func.count()).select_from(Letter).where(*conditions)
    ).scalar_one()
    letters = list(model.Session.execute(
        sa.select(Letter).where(*conditions).order_by(Letter.modified.desc())
        .limit(data["limit"]).offset(data["offset"])
    ).scalars())
    counts = {
        row.letter_id: (row.items, row.orgs)
        for row in model.Session.execute(
            sa.select(
                LetterItem.letter_id,
                sa.func.count().label("items"),
                sa.func.count(sa.distinct(LetterItem.owner_org)).label("orgs"),
            ).where(LetterItem.letter_id.in_([letter.id for letter in letters])).group_by(LetterItem.letter_id)
        )
    } if letters else {}
    results = []
    for letter in letters:
        entry = _letter_dict(context, letter, with_items=False)
        entry["item_count"], entry["organization_count"] = counts.get(letter.id, (0, 0))
        results.append(entry)
    return {"count": count, "results": results}


@_atomic
def _transition(context: Context, data_dict: DataDict, name: str, sch: dict[str, Any]) -> dict[str, Any]:
    """Move a letter: lock it, re-check who and from where, log one event, commit."""
    tk.check_access(f"sopsektoral_letter_{name}", context, data_dict)
    data = _validate(data_dict, sch, context)
    letter = workflow.lock_letter(model.Session, data["id"])
    # Under the lock: the state may have moved since the auth check.
    _check_may_act(context, name, letter)
    to_state = workflow.require_turn(context, letter, name)
    from_state = letter.state
    if name == "submit" and not workflow.items_of(model.Session, letter.id):
        raise tk.ValidationError({"items": [tk._("Choose at least one data item from the Daftar Data")]})
    if name in ("submit", "sign"):
        # Another letter may have taken an entry since this one was drafted (invariant 9).
        series.require_free(letter, [i.daftar_data_id for i in workflow.items_of(model.Session, letter.id)])
    actor = workflow.actor_for(context, workflow.executors(name))
    if name in workflow.APPROVALS and actor.user_id == letter.created_by:
        raise tk.NotAuthorized(tk._("The drafter of a letter cannot approve it"))
    now = utcnow()
    if name == "sign":
        _assign_number(letter, now)
    letter.state = to_state
    letter.state_since = now
    letter.modified = now
    event = workflow.append_event(
        model.Session, action=name, actor=actor, letter=letter,
        from_state=from_state, to_state=to_state, note=data.get("note"),
    )
    pending = notify.queue_for_transition(model.Session, letter, event)
    _commit(context)
    if not context.get("defer_commit"):
        notify.enqueue(pending)
    return _letter_dict(context, letter)


def _assign_number(letter: Letter, now: dt.datetime) -> None:
    """Give the letter the next number of the year, without gaps or duplicates.

    The date and the year are the portal's local ones (ckan.display_timezone):
    a letter signed at 07:00 WITA on 1 January belongs to the new year.
    """
    local = _local(now)
    year = local.year
    model.Session.execute(
        pg_insert(LetterNumberSequence.__table__).values(year=year, last_seq=0)
        .on_conflict_do_nothing(index_elements=["year"])
    )
    sequence = model.Session.execute(
        sa.select(LetterNumberSequence).where(LetterNumberSequence.year == year).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    sequence.last_seq += 1
    letter.number_seq = sequence.last_seq
    letter.number_year = year
    letter.letter_date = local.date()
    try:
        letter.number = config.letter_number_pattern().format(seq=sequence.last_seq, year=year)
    except (KeyError, IndexError, ValueError) as err:
        raise tk.ValidationError({"number": [
            tk._("The letter number pattern in the config is invalid: {error}").format(error=err)]})


def _local(moment: dt.datetime) -> dt.datetime:
    import zoneinfo

    name = tk.config.get("ckan.display_timezone") or "UTC"
    try:
        zone = zoneinfo.ZoneInfo("UTC" if name == "server" else name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return moment.replace(tzinfo=dt.timezone.utc).astimezone(zone)


def sopsektoral_letter_submit(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Submit a draft for initials (draft → awaiting_initial_kabid). Kepala Seksi Statistik.

    :param id: the letter's id
    :type id: string
    :param note: a note for the approvers (optional)
    :type note: string
    :returns: the letter
    :rtype: dict
    """
    return _transition(context, data_dict, "submit", schema.letter_transition())


def sopsektoral_letter_initial(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Initial (paraf) a letter: the Kepala Bidang when it awaits the Kepala
    Bidang's initial, then the Sekretaris. The drafter cannot initial.

    :param id: the letter's id
    :type id: string
    :param note: a note (optional)
    :type note: string
    :returns: the letter
    :rtype: dict
    """
    return _transition(context, data_dict, "initial", schema.letter_transition())


def sopsektoral_letter_sign(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Sign a letter (Kepala Dinas): assigns its number and date.

    The number follows ``ckanext.sopsektoral.letter_number_pattern``, with a
    sequence per year that has no gaps or duplicates.

    :param id: the letter's id
    :type id: string
    :param note: a note (optional)
    :type note: string
    :returns: the letter
    :rtype: dict
    """
    return _transition(context, data_dict, "sign", schema.letter_transition())


def sopsektoral_letter_return(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Return a letter to draft, with a note saying why. The approver whose
    initial or signature the letter awaits.

    :param id: the letter's id
    :type id: string
    :param note: why the letter goes back (required)
    :type note: string
    :returns: the letter
    :rtype: dict
    """
    return _transition(context, data_dict, "return", schema.letter_return())


def sopsektoral_letter_cancel(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Cancel a draft letter. Kepala Seksi Statistik.

    :param id: the letter's id
    :type id: string
    :param note: why (optional)
    :type note: string
    :returns: the letter
    :rtype: dict
    """
    return _transition(context, data_dict, "cancel", schema.letter_transition())


@tk.side_effect_free
def sopsektoral_event_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Entries of the event log, oldest first: one letter's (its items'
    included), one data item's, or all (sysadmins).

    :param letter_id: the letter whose history to list (optional for sysadmins)
    :type letter_id: string
    :param item_id: only this data item's history (optional)
    :type item_id: string
    :param limit: page size (default 100)
    :type limit: int
    :param offset: page start (default 0)
    :type offset: int
    :returns: entries with ``seq``, ``action`` and ``action_label``,
        ``from_state``, ``to_state``, ``actor_name``, ``position`` (and
        ``position_label``), ``acting``, ``note``, ``created``,
        ``content_hash``, ``prev_hash`` and ``hash``
    :rtype: list of dicts
    """
    tk.check_access("sopsektoral_event_list", context, data_dict)
    data = _validate(data_dict, schema.event_list(), context)
    stmt = sa.select(Event).order_by(Event.seq)
    if data.get("letter_id"):
        _get_letter(data["letter_id"])
        stmt = stmt.where(Event.letter_id == data["letter_id"])
    if data.get("item_id"):
        if model.Session.get(LetterItem, data["item_id"]) is None:
            raise tk.ObjectNotFound(tk._("Data item not found"))
        stmt = stmt.where(Event.item_id == data["item_id"])
    events = model.Session.execute(stmt.limit(data["limit"]).offset(data["offset"])).scalars()
    out = []
    for event in events:
        entry = event.dictize()
        entry["action_label"] = workflow.transition_label(event.action)
        entry["position_label"] = (
            sop.position_label(event.position) if event.position in sop.POSITIONS else event.position
        )
        out.append(entry)
    return out


# ---------------------------------------------------------------- SOP steps 5 and 6

@_atomic
def sopsektoral_letter_send(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Send a signed letter to its OPDs (SOP step 5 starts). Statistics staff
    or the Kepala Seksi Statistik.

    Each item gets its dataset in its OPD's organization: the existing dataset
    the Daftar Data entry names (kept private while collected), or a new
    private one prefilled with the entry's metadata; and its deadline (the
    collection step's standard time). The OPDs' operators are notified. A
    letter of more than 20 items is sent by a background job whose progress
    ``sopsektoral_letter_show`` reports (``send_state``, ``send_done``,
    ``send_total``); sending again after a failure, or once a send has made
    no progress for ``ckanext.sopsektoral.send_stalled_minutes`` (a lost
    worker; ``send_stalled`` in the letter), creates nothing twice.

    :param id: the letter's id
    :type id: string
    :param note: a note for the event log (optional)
    :type note: string
    :returns: the letter
    :rtype: dict
    """
    tk.check_access("sopsektoral_letter_send", context, data_dict)
    data = _validate(data_dict, schema.letter_transition(), context)
    letter = workflow.lock_letter(model.Session, data["id"])
    _check_may_act(context, "send", letter)
    workflow.require_turn(context, letter, "send")
    if letter.send_state in ("queued", "running") and not collection.send_stalled(letter):
        raise tk.ValidationError({"state": [tk._("The letter is already being sent")]})
    items = workflow.items_of(model.Session, letter.id)
    series.require_free(letter, [i.daftar_data_id for i in items])
    letter.send_state = "queued"
    letter.send_progress_at = utcnow()
    letter.send_total = len(items)
    letter.send_done = sum(1 for i in items if i.dataset_id)
    letter.send_error = None
    actor = workflow.actor_for(context, workflow.executors("send"))
    _commit(context)
    if len(items) > collection.SYNC_SEND_LIMIT:
        tk.enqueue_job(jobs.send_letter, [letter.id, actor.name, data.get("note")],
                       title=f"sopsektoral: send letter {letter.number}", queue=jobs.queue_name(),
                       rq_kwargs={"timeout": 3600})
    else:
        jobs.send_letter(letter.id, actor.name, data.get("note"))
    return _letter_dict(context, _get_letter(letter.id))


def _item_filters(data: dict[str, Any]) -> dict[str, Any]:
    filters = {k: data[k] for k in ("year", "letter_id", "overdue", "q", "sort", "limit", "offset", "unclaimed")
               if data.get(k) not in (None, "")}
    if data.get("owner_org"):
        filters["owner_org"] = _org_id(data["owner_org"])
    if data.get("state"):
        filters["state"] = data["state"]
    if data.get("claimed_by"):
        user = model.User.get(data["claimed_by"])
        if user is None:
            raise tk.ValidationError({"claimed_by": [tk._("Not found: {ids}").format(ids=data["claimed_by"])]})
        filters["claimed_by"] = user.id
    return filters


@tk.side_effect_free
def sopsektoral_item_list(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Data items of sent letters: the verification queue for statistics staff
    (every OPD), and what is asked of their OPD for its operators.

    :param owner_org: only this OPD's (optional)
    :type owner_org: string
    :param year: only this data year (optional)
    :type year: int
    :param letter_id: only this letter's (optional)
    :type letter_id: string
    :param state: only items in these states: requested, submitted, returned, verified (optional)
    :type state: list of strings
    :param overdue: only items past their deadline (optional)
    :type overdue: bool
    :param claimed_by: only items claimed by this user (optional)
    :type claimed_by: string
    :param unclaimed: only items nobody claimed (optional)
    :type unclaimed: bool
    :param q: words in the title (optional)
    :type q: string
    :param sort: ``deadline`` (default: the current step's deadline, soonest first),
        ``submitted``, ``organization``, ``title`` or ``state``
    :type sort: string
    :param limit: page size (default 50)
    :type limit: int
    :param offset: page start (default 0)
    :type offset: int
    :returns: ``count`` and ``results``: items with their letter, OPD, dataset,
        ``state``, ``deadline`` and ``overdue``, the verification clock
        (``verification_opened_at``, ``verification_deadline``), claim, and
        ``available_actions`` for the caller
    :rtype: dict
    """
    tk.check_access("sopsektoral_item_list", context, data_dict)
    data = _validate(data_dict, schema.item_list(), context)
    count, results = collection.query_items(context, _item_filters(data))
    return {"count": count, "results": results}


def _item_or_404(context: Context, item_id: str) -> dict[str, Any]:
    row = model.Session.execute(
        sa.select(LetterItem, Letter).join(Letter, Letter.id == LetterItem.letter_id)
        .where(LetterItem.id == item_id, LetterItem.state.isnot(None))
    ).first()
    if row is None:
        raise tk.ObjectNotFound(tk._("Data item not found"))
    return collection.dictize_items(context, [row], workflow.current_user(context))[0]


@tk.side_effect_free
def sopsektoral_item_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """One data item, with its checklist and the results of the automatic checks.

    :param id: the item's id
    :type id: string
    :returns: the item (see ``sopsektoral_item_list``) with ``checklist`` and
        what the automatic checks of its newest submission found. They run in
        a background job once the item is submitted: ``checks_state`` is
        ``pending`` (queued), ``running``, ``done`` or ``failed`` (null if the
        item was never submitted); ``checks_done_at`` when they ended and
        ``checks_error`` why they failed. Until they are done the results,
        preview and comparison are empty.
        ``check_results``: each with ``key`` (``structure``, ``region_codes``,
        ``data_year``, ``previous_year``, ``plausibility``; ``checks`` when
        they failed), ``passed`` (true, false, or null when it does not
        apply), and ``message`` and ``details`` in the request's language;
        also ``message_id`` and ``params``, the message untranslated, unless
        the result was stored before they were kept.
        ``check_preview``: per CSV/XLSX resource submitted, ``resource_id``,
        ``name``, ``format``, ``sheet`` (XLSX), ``header`` and the first 10
        ``rows`` as written (at most 30 columns, long cells cut),
        ``row_count`` (data rows), ``column_count``, and ``error`` (in the
        request's language) for a file that could not be read.
        ``check_comparison``: null without data of the indicator's previous
        period; else ``previous_dataset`` (``id``, ``name``, ``title``,
        ``year``; ``same_dataset`` when the previous data are earlier
        resources of the item's own dataset), ``table`` and ``previous_table`` (the resources compared),
        ``key_columns`` and ``key_kind`` (``region``: rows matched by region
        code; ``label``: by the rows' names), ``columns`` (the figure columns
        both have), ``rows`` (at most 100 matched rows, the flagged first,
        each with ``key``, ``label``, ``flagged`` and ``values``: per column
        ``column``, ``previous``, ``current`` (as written), ``change_percent``
        (null from zero or where a value is missing) and ``flagged``),
        ``matched``, ``only_now``, ``only_before``, ``values_compared``,
        ``flagged`` (how many values), ``threshold_percent``
        (``ckanext.sopsektoral.plausibility_threshold_percent``) and
        ``truncated`` (a table too long to compare whole: its first
        ``row_limit`` rows were).
    :rtype: dict
    """
    from ckanext.sopsektoral import checks

    tk.check_access("sopsektoral_item_show", context, data_dict)
    data = _validate(data_dict, schema.id_only(), context)
    item = _item_or_404(context, data["id"])
    item.update(checks.shown(model.Session.get(LetterItem, data["id"])))
    return item


def _log_item(item: LetterItem, letter: Letter, action: str, actor: workflow.Actor,
              from_state: str, note: str | None = None) -> list[Any]:
    """Log the item's transition, queue its notifications and reindex its
    dataset, in the caller's transaction; returns the notifications to send
    once it commits."""
    event = workflow.append_event(
        model.Session, action=f"item_{action}", actor=actor, letter=letter, item_id=item.id,
        from_state=from_state, to_state=item.state, note=note,
    )
    pending = notify.queue_for_item(model.Session, item, event)
    model.Session.flush()
    collection.reindex(item.dataset_id)
    return pending


def _finish_item(context: Context, item: LetterItem, letter: Letter, action: str, actor: workflow.Actor,
                 from_state: str, note: str | None = None) -> dict[str, Any]:
    """Log the item's transition, reindex its dataset, commit (all or nothing)."""
    pending = _log_item(item, letter, action, actor, from_state, note)
    _commit(context)
    if not context.get("defer_commit"):
        notify.enqueue(pending)
    return _item_or_404(context, item.id)


@_atomic
def sopsektoral_item_submit(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Submit a requested (or returned) data item for verification. An editor or
    admin of the item's OPD. The dataset needs at least one resource.

    The automatic checks run afterwards in a background job: the item is
    returned at once with ``checks_state`` ``pending``; ``sopsektoral_item_show``
    gives their results once they are done.

    :param id: the item's id
    :type id: string
    :param note: a note for the verifiers (optional)
    :type note: string
    :returns: the item, with ``checks_state``
    :rtype: dict
    """
    from ckanext.sopsektoral import checks

    tk.check_access("sopsektoral_item_submit", context, data_dict)
    data = _validate(data_dict, schema.letter_transition(), context)
    item, letter = collection.lock_item(data["id"])
    from_state = item.state
    item.state = collection.require_item_state(item, "submit")
    if not collection.resource_count(item.dataset_id):
        raise tk.ValidationError({"resources": [tk._("Upload the data (at least one resource) before submitting")]})
    now = utcnow()
    actor = workflow.actor_for(context, [])
    item.submitted_at = now
    item.submitted_by = actor.user_id
    collection.after_submit(letter, now, item)
    checks.mark_pending(item)
    model.Session.flush()
    item_id = item.id
    out = _finish_item(context, item, letter, "submit", actor, from_state, data.get("note"))
    if not context.get("defer_commit"):  # a caller that defers the commit queues them itself
        checks.enqueue(item_id, now)
    out.update(checks.shown(model.Session.get(LetterItem, item_id)))
    return out


@_atomic
def sopsektoral_item_claim(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Claim a data item for verification, or assign it to a statistics officer.

    Statistics staff claim for themselves and release their own claim; the
    Kepala Seksi Statistik may assign to any statistics officer (``user``) or
    release anyone's claim (``user`` empty).

    :param id: the item's id
    :type id: string
    :param user: who gets it (optional; default the caller; empty string releases it)
    :type user: string
    :returns: the item
    :rtype: dict
    """
    tk.check_access("sopsektoral_item_claim", context, data_dict)
    data = _validate(data_dict, schema.item_claim(), context)
    item, letter = collection.lock_item(data["id"])
    caller = workflow.current_user(context)
    if "user" in data and data["user"] in ("", None):
        target = None
    elif data.get("user"):
        target = model.User.get(data["user"])
        if target is None:
            raise tk.ValidationError({"user": [tk._("Not found: {ids}").format(ids=data["user"])]})
    else:
        target = caller
    is_head = context.get("ignore_auth") or (caller and (caller.sysadmin or workflow.holds_any(caller, [sop.KEPALA_SEKSI])))
    if target is not None and caller is not None and target.id != caller.id and not is_head:
        raise tk.NotAuthorized(tk._("Only the Head of Statistics Section may assign items to others"))
    if target is not None and not workflow.holds_any(target, [sop.STAF_STATISTIK, sop.KEPALA_SEKSI]) \
            and not target.sysadmin:
        raise tk.ValidationError({"user": [tk._("{user} is not a statistics officer").format(user=target.name)]})
    if target is None and item.claimed_by and not is_head and (caller is None or item.claimed_by != caller.id):
        raise tk.NotAuthorized(tk._("Only who claimed the item or the Head of Statistics Section may release it"))
    if item.claimed_by and target is not None and item.claimed_by != target.id and not is_head:
        holder = model.User.get(item.claimed_by)
        raise tk.ValidationError({"id": [tk._("Already claimed by {user}").format(user=holder.name if holder else "?")]})
    item.claimed_by = target.id if target else None
    item.claimed_at = utcnow() if target else None
    actor = workflow.actor_for(context, [sop.STAF_STATISTIK, sop.KEPALA_SEKSI])
    return _finish_item(context, item, letter, "claim", actor, item.state,
                        note=target.name if target else None)


@_atomic
def sopsektoral_item_verify(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Verify submitted data items (SOP step 6). Statistics staff.

    Verification of a letter's items opens when all of them are submitted or
    its collection window has closed. The dataset is published at once when
    ``ckanext.sopsektoral.auto_publish`` is on (and its access classification
    allows), otherwise it waits for ``sopsektoral_item_publish``.

    :param id: the item's id (or ``ids`` for several at once)
    :type id: string
    :param ids: several items, verified all or none (optional)
    :type ids: list of strings
    :param checklist: the Satu Data checklist: ``standar_data``, ``metadata``,
        ``interoperabilitas``, ``kode_referensi``, ``kebenaran``, ``kewajaran`` → true/false
    :type checklist: dict
    :param note: a note (optional)
    :type note: string
    :returns: the item, or ``{"results": [...]}`` for ``ids``
    :rtype: dict
    """
    tk.check_access("sopsektoral_item_verify", context, data_dict)
    data = _validate(data_dict, schema.item_verify(), context)
    ids = data.get("ids") or ([data["id"]] if data.get("id") else [])
    if not ids:
        raise tk.ValidationError({"id": [tk._("Missing value")]})
    results: list[str] = []
    pending: list[Any] = []
    for item_id in ids:
        item, letter = collection.lock_item(item_id)
        from_state = item.state
        item.state = collection.require_item_state(item, "verify")
        collection.require_verification_open(letter)
        actor = workflow.actor_for(context, [sop.STAF_STATISTIK])
        _check_claim(context, item, actor)
        item.verified_at = utcnow()
        item.verified_by = actor.user_id
        item.checklist = data.get("checklist") or {}
        if config.auto_publish():
            try:
                collection.publish(item, context)
            except tk.ValidationError:
                pass  # classified data stays private; publishing is refused, not the verification
        pending += _log_item(item, letter, "verify", actor, from_state, data.get("note"))
        results.append(item.id)
    _commit(context)
    if not context.get("defer_commit"):
        notify.enqueue(pending)
    shown = [_item_or_404(context, i) for i in results]
    return shown[0] if data.get("id") and not data.get("ids") else {"results": shown}


def _check_claim(context: Context, item: LetterItem, actor: workflow.Actor) -> None:
    if item.claimed_by and item.claimed_by != actor.user_id and not (actor.sysadmin or context.get("ignore_auth")):
        holder = model.User.get(item.claimed_by)
        raise tk.ValidationError({"id": [tk._("Claimed by {user}").format(user=holder.name if holder else "?")]})


@_atomic
def sopsektoral_item_return(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Return a submitted data item to its OPD for correction, with the reason.
    Statistics staff. The OPD has the correction window (2 weeks by default,
    ``ckanext.sopsektoral.step.correct.minutes``) to resubmit.

    :param id: the item's id
    :type id: string
    :param note: what is wrong (required)
    :type note: string
    :param checklist: the Satu Data checklist as in ``sopsektoral_item_verify`` (optional)
    :type checklist: dict
    :returns: the item
    :rtype: dict
    """
    tk.check_access("sopsektoral_item_return", context, data_dict)
    data = _validate(data_dict, schema.item_return(), context)
    item, letter = collection.lock_item(data["id"])
    from_state = item.state
    item.state = collection.require_item_state(item, "return")
    collection.require_verification_open(letter)
    actor = workflow.actor_for(context, [sop.STAF_STATISTIK])
    _check_claim(context, item, actor)
    now = utcnow()
    item.returned_at = now
    item.return_reason = data["note"]
    item.correction_deadline = sop.step("correct").deadline(now)
    item.checklist = data.get("checklist") or item.checklist
    return _finish_item(context, item, letter, "return", actor, from_state, data["note"])


@_atomic
def sopsektoral_item_publish(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Publish verified datasets (make them public). Statistics staff or the
    Kepala Seksi Statistik. Datasets classified ``terbatas`` or
    ``dikecualikan`` are never published.

    :param id: the item's id (or ``ids``)
    :type id: string
    :param ids: several items, all or none (optional)
    :type ids: list of strings
    :returns: the item, or ``{"results": [...]}`` for ``ids``
    :rtype: dict
    """
    tk.check_access("sopsektoral_item_publish", context, data_dict)
    data = _validate(data_dict, schema.item_publish(), context)
    ids = data.get("ids") or ([data["id"]] if data.get("id") else [])
    if not ids:
        raise tk.ValidationError({"id": [tk._("Missing value")]})
    actor = workflow.actor_for(context, [sop.STAF_STATISTIK, sop.KEPALA_SEKSI])
    for item_id in ids:
        item, letter = collection.lock_item(item_id)
        if item.state != collection.VERIFIED:
            raise tk.ValidationError({"state": [tk._("Only verified data can be published")]})
        if item.published_at:
            continue
        collection.publish(item, context)
        workflow.append_event(model.Session, action="item_publish", actor=actor, letter=letter,
                              item_id=item.id, from_state=item.state, to_state=item.state)
    _commit(context)
    shown = [_item_or_404(context, i) for i in ids]
    return shown[0] if data.get("id") and not data.get("ids") else {"results": shown}


def _active_dataset(id_or_name: str) -> model.Package:
    pkg = model.Package.get(id_or_name)
    if pkg is None or pkg.state != "active":
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    return pkg


@tk.side_effect_free
def sopsektoral_status_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The SOP status of one dataset: status, letter, deadlines, history.

    :param id: the dataset's id or name
    :type id: string
    :returns: the SOP fields as ``package_show`` has them (``sop_status``,
        ``sop_letter_number``, ``sop_deadline``, ``sop_overdue``, submitted and
        verified times and users), ``item_id`` and ``letter_id`` (or None),
        ``collection_deadline``, ``verification_deadline`` (while submitted) and
        ``history`` (the item's events, for Diskominfo officers)
    :rtype: dict
    """
    tk.check_access("sopsektoral_status_show", context, data_dict)
    pkg = _active_dataset(_validate(data_dict, schema.id_only(), context)["id"])
    row = status.current_item(pkg.id)
    # The same fields as package_show and the index, from the same function (invariant 5).
    fields = status.dataset_status_fields(pkg.id)
    out: dict[str, Any] = {"id": pkg.id, "name": pkg.name, **fields}
    out["item_id"] = row[0].id if row else None
    out["letter_id"] = row[1].id if row else None
    out["collection_deadline"] = iso(row[0].deadline) if row else None
    # While submitted, the current step's deadline is the verification deadline.
    out["verification_deadline"] = fields["sop_deadline"] if fields["sop_status"] == collection.SUBMITTED else None
    user = workflow.current_user(context)
    if row is not None and (context.get("ignore_auth") or workflow.is_officer(user) or (user and user.sysadmin)):
        out["history"] = [e.dictize() for e in model.Session.execute(
            sa.select(Event).where(Event.item_id == row[0].id).order_by(Event.seq)).scalars()]
    else:
        out["history"] = []
    return out


@tk.side_effect_free
def sopsektoral_period_list(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The periods of the indicator a dataset receives: one dataset per period
    (docs/recurrence.md), newest first, those the caller may see.

    :param id: the dataset's id or name
    :type id: string
    :returns: ``results``: periods with ``year``, ``dataset_id``, ``name``,
        ``title``, ``private``, ``current`` (the dataset asked about),
        ``state`` (the SOP state of its newest request, None for a dataset the
        Daftar Data names as earlier data) and ``letter_number``; empty for a
        dataset no letter asks for
    :rtype: dict
    """
    tk.check_access("sopsektoral_period_list", context, data_dict)
    pkg = _active_dataset(_validate(data_dict, schema.id_only(), context)["id"])
    visible = []
    for period in series.periods(pkg.id):
        try:
            tk.check_access("package_show", dict(context), {"id": period["dataset_id"]})
        except (tk.NotAuthorized, tk.ObjectNotFound):
            continue
        visible.append(period)
    return {"results": visible}


@tk.chained_action
def package_update(up_func: Any, context: Context, data_dict: DataDict) -> Any:
    """Datasets under collection or verification stay private until verified
    (invariant 6), and verified ones become public only through
    ``sopsektoral_item_publish`` (which applies the access classification): an
    edit that would make one public is refused, one that omits ``private``
    keeps it private."""
    package = model.Package.get(data_dict.get("id") or data_dict.get("name") or "")
    if package is not None and not context.get("sopsektoral_internal") \
            and collection.awaiting_publication(package.id):
        if "private" in data_dict and not tk.asbool(data_dict["private"]):
            raise tk.ValidationError({"private": [tk._(
                "This dataset is in the SOP's collection and verification: it stays private "
                "until the statistics staff publish it")]})
        data_dict = dict(data_dict, private=True)
    return up_func(context, data_dict)
