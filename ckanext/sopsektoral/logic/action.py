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

from ckanext.sopsektoral import config, daftar_data, jobs, notify, sop, workflow
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
    :param limit: page size (default 100)
    :type limit: int
    :param offset: page start (default 0)
    :type offset: int
    :returns: ``count`` and ``results`` (entries with ``organization_title``)
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
    results = [e.dictize(titles) for e in entries]
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
    :param awaiting_me: only letters waiting on a position the caller holds (optional)
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
    actor = workflow.actor_for(context, [workflow.executor_of(from_state)])
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
    """Give the letter the next number of the year, without gaps or duplicates."""
    year = now.year
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
    letter.letter_date = now.date()
    try:
        letter.number = config.letter_number_pattern().format(seq=sequence.last_seq, year=year)
    except (KeyError, IndexError, ValueError) as err:
        raise tk.ValidationError({"number": [
            tk._("The letter number pattern in the config is invalid: {error}").format(error=err)]})


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
    """Entries of the event log, oldest first: one letter's, or all (sysadmins).

    :param letter_id: the letter whose history to list (optional for sysadmins)
    :type letter_id: string
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
