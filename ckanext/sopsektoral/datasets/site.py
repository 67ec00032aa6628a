"""The context in which the extension itself reads and changes datasets."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk


def site_context() -> dict[str, Any]:
    """The site user's context, auth skipped: for what the SOP does to datasets
    on its own (creating a requested period's dataset, publishing, reindexing)."""
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"user": site_user["name"], "ignore_auth": True}
