"""The letter's date and number year are the portal's local ones (ckan.display_timezone)."""
from __future__ import annotations

import datetime as dt

import pytest

from ckanext.sopsektoral.letters import numbering

NEW_YEARS_EVE_UTC = dt.datetime(2025, 12, 31, 23, 30)  # naive UTC, as stored


@pytest.mark.ckan_config("ckan.display_timezone", "Asia/Makassar")
def test_a_letter_signed_on_new_years_morning_in_wita_belongs_to_the_new_year():
    local = numbering.local(NEW_YEARS_EVE_UTC)
    assert (local.year, local.date(), local.hour) == (2026, dt.date(2026, 1, 1), 7)


@pytest.mark.parametrize("zone", ["", "server", "Nowhere/Atlantis"])
def test_without_a_known_time_zone_the_date_is_utc(ckan_config, monkeypatch, zone):
    monkeypatch.setitem(ckan_config, "ckan.display_timezone", zone)
    assert numbering.local(NEW_YEARS_EVE_UTC).date() == dt.date(2025, 12, 31)
