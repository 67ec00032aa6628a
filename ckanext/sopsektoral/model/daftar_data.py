from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

import ckan.plugins.toolkit as tk

from .base import iso, new_id, utcnow


class DaftarData(tk.BaseModel):
    """One entry of the SK Daftar Data: a data title asked of one OPD for one year.

    ``metadata_fields`` holds the sectoral-statistics metadata the dataset should
    carry (konsep, definisi, satuan, ...), keyed as in the dataset schema.
    ``dataset_name`` names the existing dataset that receives the data, if any.
    ``deleted``: when an entry that letters asked for was deleted (it stays for their
    history, out of the Daftar Data's list and of new letters); an entry no letter
    asked for is removed outright.
    """

    __tablename__ = "sopsektoral_daftar_data"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=new_id)
    year = sa.Column(sa.Integer, nullable=False)
    owner_org = sa.Column(sa.UnicodeText, nullable=False)
    title = sa.Column(sa.UnicodeText, nullable=False)
    # The indicator the entry asks for, the same in every year's Daftar Data
    # (series.indicator_key of the title): ties one indicator's periods.
    indicator_key = sa.Column(sa.UnicodeText, nullable=False, default="")
    dataset_name = sa.Column(sa.UnicodeText, nullable=True)
    metadata_fields = sa.Column(JSONB, nullable=False, default=dict)
    created = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    modified = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    deleted = sa.Column(sa.DateTime, nullable=True)

    def dictize(self, org_titles: dict[str, str] | None = None) -> dict[str, object]:
        return {
            "id": self.id,
            "year": self.year,
            "owner_org": self.owner_org,
            "organization_title": (org_titles or {}).get(self.owner_org),
            "title": self.title,
            "indicator_key": self.indicator_key,
            "dataset_name": self.dataset_name,
            "metadata": dict(self.metadata_fields or {}),
            "created": iso(self.created),
            "modified": iso(self.modified),
        }
