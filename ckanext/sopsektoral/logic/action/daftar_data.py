"""Actions on the Daftar Data (SK Daftar Data): importing it, listing, changing and deleting its entries."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import Context, DataDict

from ckanext.sopsektoral import access, daftar_data, events
from ckanext.sopsektoral.logic import dictization
from ckanext.sopsektoral.logic.action.common import atomic, commit, org_id, validate
from ckanext.sopsektoral.model import DaftarData
from ckanext.sopsektoral.model.base import iso, utcnow

__all__ = [
    "sopsektoral_daftar_data_import",
    "sopsektoral_daftar_data_list",
    "sopsektoral_daftar_data_update",
    "sopsektoral_daftar_data_delete",
]


def _rows(upload: Any, given_rows: Any, fmt: str | None) -> list[Any]:
    """The rows to import: read from the uploaded file (of format ``fmt``, or
    its name's extension), or given as a list."""
    if upload is not None and hasattr(upload, "read"):
        filename = getattr(upload, "filename", "") or ""
        fmt = (fmt or filename.rsplit(".", 1)[-1]).lower()
        if fmt not in ("csv", "xlsx"):
            raise tk.ValidationError({"format": [tk._("Use a CSV or XLSX file")]})
        return daftar_data.read_table(upload.read(), fmt)
    if isinstance(given_rows, list):
        return given_rows
    raise tk.ValidationError({"upload": [tk._("Upload a CSV or XLSX file, or give rows")]})


@atomic
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
    # Typed here; the rows' content is checked by daftar_data, row by row and column by column.
    data = validate(data_dict, "sopsektoral_daftar_data_import", context)
    rows = _rows(data.get("upload"), data.get("rows"), data.get("format"))
    entries, errors = daftar_data.validate_rows(rows)
    if errors:
        raise tk.ValidationError({"rows": errors})
    result = daftar_data.import_entries(model.Session, entries)
    if data.get("dry_run"):
        model.Session.rollback()
        return result.as_dict()
    note = f"rows={result.rows} created={result.created} updated={result.updated}"
    if context.get("sopsektoral_via"):
        note += f" ({context['sopsektoral_via']})"  # where the import came from, e.g. the CLI
    events.append_event(
        model.Session, action="daftar_data_import",
        actor=access.principal(context).actor_for_right("import_daftar_data"),
        note=note,
    )
    commit(context)
    return result.as_dict()


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
    :param limit: page size (default 100, at most 1000)
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
    data = validate(data_dict, "sopsektoral_daftar_data_list", context)
    conditions = []
    if data.get("year"):
        conditions.append(DaftarData.year == data["year"])
    if data.get("owner_org"):
        conditions.append(DaftarData.owner_org == org_id(data["owner_org"]))
    if data.get("q"):
        conditions.append(DaftarData.title.ilike(f"%{data['q']}%"))
    if data.get("ids"):
        conditions.append(DaftarData.id.in_(data["ids"]))
    conditions.append(DaftarData.deleted.is_(None))  # deleted entries live on in their letters only
    principal = access.principal(context)
    if not principal.sees_every_opd():
        conditions.append(DaftarData.owner_org.in_(set(principal.organizations()) or {""}))
    count = model.Session.execute(
        sa.select(sa.func.count()).select_from(DaftarData).where(*conditions)
    ).scalar_one()
    entries = list(model.Session.execute(
        sa.select(DaftarData).where(*conditions)
        .order_by(DaftarData.year.desc(), DaftarData.owner_org, DaftarData.title, DaftarData.id)
        .limit(data["limit"]).offset(data["offset"])
    ).scalars())
    return {"count": count, "results": dictization.daftar_data_list_dict(entries)}



def _log(context: Context, action: str, entry: DaftarData, note: str) -> None:
    org = model.Group.get(entry.owner_org)
    note = f"id={entry.id} year={entry.year} owner_org={org.name if org else entry.owner_org} " \
           f"title={entry.title!r} {note}"
    if context.get("sopsektoral_via"):
        note += f" ({context['sopsektoral_via']})"
    events.append_event(
        model.Session, action=action, note=note,
        actor=access.principal(context).actor_for_right("import_daftar_data"),
    )


@atomic
def sopsektoral_daftar_data_update(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Change one entry of the Daftar Data: only the fields given, each checked
    as the import checks its column (a field error names the field). Holders of
    the SOP file's ``import_daftar_data`` right, and sysadmins; logged.

    Refused (a ValidationError on ``id`` naming the letter) while a letter
    holds an open request of the entry (``requested_by`` in
    ``sopsektoral_daftar_data_list``). An entry that letters asked for before
    keeps its ``year``, ``owner_org`` and ``title``: their history is read
    through it; its dataset and metadata may change (for the next requests).
    The metadata parameters are the import's metadata columns; an empty string
    clears one.

    :param id: the entry's id
    :type id: string
    :param year: data year (column ``tahun``)
    :type year: int
    :param owner_org: the OPD: organization id, name or title (column ``opd``)
    :type owner_org: string
    :param title: the data title (column ``judul_data``)
    :type title: string
    :param dataset_name: the existing dataset of the OPD that receives the
        data (column ``dataset``); empty: a new dataset is prepared when it is
        requested
    :type dataset_name: string
    :param konsep: concept (metadata column ``konsep``)
    :type konsep: string
    :param definisi: definition
    :type definisi: string
    :param klasifikasi: classification
    :type klasifikasi: string
    :param ukuran: measure
    :type ukuran: string
    :param satuan: unit
    :type satuan: string
    :param kode_standar_data: the SDSN standard data code
    :type kode_standar_data: string
    :param frekuensi: ``tahunan``, ``semesteran``, ``triwulanan``, ``bulanan``, ``lima_tahunan`` or ``tidak_tetap``
    :type frekuensi: string
    :param kode_wilayah: a region code of the portal's region
    :type kode_wilayah: string
    :param level_estimasi: ``kota``, ``kecamatan`` or ``kelurahan``
    :type level_estimasi: string
    :param metode_pengumpulan: ``kompilasi_administrasi``, ``survei``, ``sensus`` or ``registrasi``
    :type metode_pengumpulan: string
    :param sumber_data: data source
    :type sumber_data: string
    :param data_prioritas: ``ya`` or ``tidak``
    :type data_prioritas: string
    :param klasifikasi_akses: ``publik``, ``terbatas`` or ``dikecualikan``
    :type klasifikasi_akses: string
    :param klasifikasi_penyajian: presentation classification
    :type klasifikasi_penyajian: string
    :returns: the entry, as ``sopsektoral_daftar_data_list`` lists it
    :rtype: dict
    """
    tk.check_access("sopsektoral_daftar_data_update", context, data_dict)
    data = validate(data_dict, "sopsektoral_daftar_data_update", context)
    entry = daftar_data.get_entry(model.Session, data.pop("id"), lock=True)
    daftar_data.require_unheld(entry)
    values = daftar_data.check_changes(model.Session, entry, data)
    if values:
        daftar_data.update_entry(model.Session, entry, values)
        _log(context, "daftar_data_update", entry, "changed=" + ",".join(sorted(values)))
        commit(context)
    return dictization.daftar_data_dict(entry)


@atomic
def sopsektoral_daftar_data_delete(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Delete one entry of the Daftar Data. Holders of the SOP file's
    ``import_daftar_data`` right, and sysadmins; logged.

    Refused (a ValidationError on ``id`` naming the letter) while a letter
    holds an open request of the entry. An entry no letter ever asked for is
    removed. An entry that letters asked for (now finished or cancelled) is
    marked deleted instead, so that their history never breaks: it leaves
    ``sopsektoral_daftar_data_list`` and cannot be put in a letter again,
    while those letters, their items and the periods of its indicator keep it;
    importing it again (same year, OPD and title) restores it.

    :param id: the entry's id
    :type id: string
    :returns: the entry as it was, with ``deleted`` (when) and
        ``kept_for_history`` (true: marked deleted, false: removed)
    :rtype: dict
    """
    tk.check_access("sopsektoral_daftar_data_delete", context, data_dict)
    data = validate(data_dict, "sopsektoral_daftar_data_delete", context)
    entry = daftar_data.get_entry(model.Session, data["id"], lock=True)
    daftar_data.require_unheld(entry)
    out = dictization.daftar_data_dict(entry)
    kept = daftar_data.delete_entry(model.Session, entry)
    _log(context, "daftar_data_delete", entry, f"kept_for_history={str(kept).lower()}")
    commit(context)
    return dict(out, deleted=iso(utcnow()), kept_for_history=kept)
