"""The letter's number and date, given when it is signed.

Numbers follow the SOP file's ``letter.number_pattern`` with a sequence
per year that has no gaps or duplicates: the year's row of
LetterNumberSequence is locked while the number is taken, in the signing
transaction. The date and the year are the portal's local ones
(``ckan.display_timezone``): a letter signed at 07:00 WITA on 1 January
belongs to the new year.
"""
from __future__ import annotations

import datetime as dt
import zoneinfo

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.sopsektoral import sop
from ckanext.sopsektoral.model import Letter, LetterNumberSequence


def local(moment: dt.datetime) -> dt.datetime:
    """``moment`` (naive UTC, as stored) in the portal's time zone; UTC when
    ``ckan.display_timezone`` is unset, ``server`` or unknown."""
    name = tk.config.get("ckan.display_timezone") or "UTC"
    try:
        zone = zoneinfo.ZoneInfo("UTC" if name == "server" else name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return moment.replace(tzinfo=dt.timezone.utc).astimezone(zone)


def next_seq(year: int) -> int:
    """Take the next number of ``year``: the year's row stays locked until the
    transaction ends, so two letters signed at once get two numbers, and a
    rolled-back signature gives its number back."""
    model.Session.execute(
        pg_insert(LetterNumberSequence.__table__).values(year=year, last_seq=0)
        .on_conflict_do_nothing(index_elements=["year"])
    )
    sequence = model.Session.execute(
        sa.select(LetterNumberSequence).where(LetterNumberSequence.year == year).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    sequence.last_seq += 1
    return sequence.last_seq


def assign_number(letter: Letter, now: dt.datetime) -> None:
    """Give the letter the next number of the local year of ``now``, and its date."""
    moment = local(now)
    year = moment.year
    seq = next_seq(year)
    letter.number_seq = seq
    letter.number_year = year
    letter.letter_date = moment.date()
    try:
        letter.number = sop.current().letter_number(seq, year)
    except (KeyError, IndexError, ValueError) as err:
        raise tk.ValidationError({"number": [
            tk._("The letter number pattern in the config is invalid: {error}").format(error=err)]}) from err
