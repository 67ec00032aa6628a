"""Template helpers (helpers.py) that read what the actions return."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk

pytestmark = pytest.mark.usefixtures("with_plugins", "with_request_context")


@pytest.mark.ckan_config("ckan.display_timezone", "Asia/Makassar")
@pytest.mark.ckan_config("ckan.locale_default", "en")
def test_timestamps_with_their_offset_are_shown_in_the_portals_time():
    # The API gives "…+00:00"; the page shows the portal's local time (WITA, UTC+8), as for
    # the naive UTC CKAN keeps.
    shown = tk.h.sopsektoral_format_datetime("2026-12-02T08:00:00+00:00")
    assert shown == tk.h.sopsektoral_format_datetime("2026-12-02T08:00:00")
    assert shown.endswith(" 16:00") and "2026" in shown
    assert tk.h.sopsektoral_format_datetime("2026-12-02T16:00:00+08:00") == shown
    assert tk.h.sopsektoral_format_datetime(None) == ""
    assert tk.h.sopsektoral_format_datetime("not a time") == "not a time"
