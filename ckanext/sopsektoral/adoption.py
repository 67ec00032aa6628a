"""Adopting a portal's existing datasets into the sectoral-statistics schema.

``ckan sopsektoral adopt`` reviews every dataset made before the extension (or
by another tool): what it lacks for the SOP, which of its values the schema's
rules would not accept today, and what ``--apply`` would change. Applying fills
the defaults of required fields (and, asked with ``--normalise``, writes legacy
values that stand for a choice in the choice's form and removes empty schema
extras) and reindexes what it changed; everything else, CKAN's core fields and
the extras outside the schema included, stays as it is.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib import search

from ckanext.sopsektoral.datasets.metadata import REQUIRED_METADATA
from ckanext.sopsektoral.logic import validators

# Fields whose value a validator checks (and may normalise, e.g. "6471" -> "64.71").
_CHECKED: dict[str, Callable[[Any, Any], Any]] = {
    "tahun_data": validators.sopsektoral_data_year,
    "kode_wilayah": validators.sopsektoral_kode_wilayah,
    "kode_standar_data": validators.sopsektoral_sdsn_code,
}


@dataclasses.dataclass
class Review:
    """What one dataset lacks and what adopting it would change."""

    dataset_id: str
    name: str
    organization: str
    fill: dict[str, str] = dataclasses.field(default_factory=dict)
    change: dict[str, tuple[str, str]] = dataclasses.field(default_factory=dict)
    drop_empty: list[str] = dataclasses.field(default_factory=list)
    keep: dict[str, str] = dataclasses.field(default_factory=dict)
    lacks: list[str] = dataclasses.field(default_factory=list)
    other_extras: list[str] = dataclasses.field(default_factory=list)

    def changes(self, normalise: bool = False) -> dict[str, str | None]:
        """Field -> new value (None: the empty extra is removed): the defaults,
        and with ``normalise`` the legacy values that stand for a choice and
        the empty extras too."""
        if not normalise:
            return dict(self.fill)
        return {
            **{k: None for k in self.drop_empty},
            **self.fill,
            **{k: new for k, (_old, new) in self.change.items()},
        }

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def lines(self) -> list[str]:
        out = [f"{self.name} ({self.organization or 'no organization'})"]
        out += [f"  fill    {k} = {v!r} (the schema's default)" for k, v in self.fill.items()]
        out += [f"  change  {k}: {old!r} -> {new!r} (with --normalise)" for k, (old, new) in self.change.items()]
        if self.drop_empty:
            out.append(f"  remove  empty extras of schema fields: {', '.join(self.drop_empty)} (with --normalise)")
        out += [f"  keep    {k} = {v!r} (not valid for the schema today; kept as it is, "
                f"the form and the API accept it unchanged)" for k, v in self.keep.items()]
        if self.lacks:
            out.append(f"  lacks   {', '.join(self.lacks)} (the data standard: filled in by the OPD, "
                       f"checked at verification)")
        if self.other_extras:
            out.append(f"  extras outside the schema, kept: {', '.join(self.other_extras)}")
        return out


def dataset_schema() -> dict[str, Any]:
    from ckanext.scheming.helpers import scheming_get_dataset_schema

    return scheming_get_dataset_schema("dataset")


def review(package: model.Package, schema: dict[str, Any]) -> Review:
    """Review one dataset against the schema (nothing is changed)."""
    fields = schema["dataset_fields"]
    names = {f["field_name"] for f in fields}
    extras = dict(package.extras or {})
    org = model.Session.get(model.Group, package.owner_org) if package.owner_org else None
    result = Review(package.id, package.name, org.name if org else "")
    for field in fields:
        name = field["field_name"]
        if name in validators.PACKAGE_COLUMNS or field.get("form_snippet", "") is None:
            continue  # CKAN's own columns, and the read-only SOP status
        value = extras.get(name)
        if value is None or value == "":
            if value == "":
                result.drop_empty.append(name)
            if field.get("required") and "default" in field:
                result.fill[name] = str(field["default"])
            continue
        new = _accepted_value(field, value)
        if new is None:
            result.keep[name] = value
        elif new != value:
            result.change[name] = (value, new)
    result.lacks = [k for k in REQUIRED_METADATA if not str(extras.get(k) or "").strip()]
    result.other_extras = sorted(k for k in extras if k not in names)
    return result



def _accepted_value(field: dict[str, Any], value: str) -> str | None:
    """The value the schema accepts for ``value`` (itself, or the choice or
    normal form it stands for); None when it accepts none."""
    choices = field.get("choices")
    if choices:
        return _matching_choice(value, choices)
    check = _CHECKED.get(field["field_name"])
    if check is None:
        return value
    try:
        return check(value, {})
    except tk.Invalid:
        return None


def _matching_choice(value: str, choices: list[dict[str, Any]]) -> str | None:
    def norm(text: Any) -> str:
        return " ".join(str(text).replace("_", " ").replace("-", " ").casefold().split())

    wanted = norm(value)
    for choice in choices:
        label = choice.get("label")
        labels = label.values() if isinstance(label, dict) else [label]
        if wanted in {norm(choice["value"]), *(norm(x) for x in labels if x)}:
            return str(choice["value"])
    return None


def datasets(organization: str | None = None) -> Iterator[model.Package]:
    """The portal's datasets of type ``dataset`` (active, public or private), by name."""
    query = sa.select(model.Package).where(
        model.Package.type == "dataset", model.Package.state == "active"
    ).order_by(model.Package.name)
    if organization:
        org = model.Group.get(organization)
        if org is None:
            raise tk.ObjectNotFound(tk._("Organization not found"))
        query = query.where(model.Package.owner_org == org.id)
    yield from model.Session.execute(query).scalars()


def apply(found: Review, normalise: bool = False) -> bool:
    """Write the review's changes to the dataset and reindex it; returns whether
    anything changed. Only the listed extras are touched."""
    changes = found.changes(normalise)
    if not changes:
        return False
    package = model.Package.get(found.dataset_id)
    for key, value in changes.items():
        # Package.extras is a dict on every CKAN (a proxy of package_extra rows
        # up to 2.11, a JSONB column from 2.12).
        extras = package.extras
        if value is None:
            extras.pop(key, None)
        else:
            extras[key] = value
    package.metadata_modified = dt.datetime.utcnow()
    model.Session.commit()
    search.rebuild(package.id)
    return True
