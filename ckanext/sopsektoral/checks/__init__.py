"""Automatic checks of a submitted data item, shown on the verification workbench.

Each check reads the item's resources as tables (CSV or XLSX) and returns a
result: ``passed`` (True, False, or None when it does not apply), a message,
and details. They advise the statistics staff; the decision stays theirs.

The checks run in a background job, queued once a submission commits: a large
file keeps a worker busy, not the web request. Besides the results the job
stores a preview of each table (header, first rows, row count) and the figures
beside the previous period's. A file is never held whole: its rows are read
from the file again by each check.

The modules, from the bottom up (each imports only those above it):

``messages``
    Results and their messages, kept untranslated and translated when read.
``tables``
    Reading an uploaded CSV or XLSX as a table, streamed; what its columns name.
``preview``
    What the workbench shows of a table without downloading it.
``structure``, ``region_codes``, ``data_year``, ``previous_year``, ``plausibility``
    One check each (the result's ``key``); ``plausibility`` also sets this
    period's figures beside the previous period's.
``examine``
    All checks of one submission: which tables are this period's and which the
    previous period's.
``run``
    The background job: queueing it, the checks' state on the item, storing
    what they found, and the stored results as the API shows them.
"""
from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    """``run_job`` as jobs queued before the checks became a package name it
    (``ckanext.sopsektoral.checks.run_job``): such a job, still queued when the
    site is upgraded, finds its function here and runs."""
    if name == "run_job":
        # Imported when asked: importing the package (e.g. for its tables module)
        # does not load the job and every check.
        from ckanext.sopsektoral.checks.run import run_job

        return run_job
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
