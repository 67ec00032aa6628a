"""Fixtures of the browser tests: Debian's Chromium driven by Playwright, the portal served
over HTTP, users who log in with a password.

Without the ``playwright`` package or Chromium the browser tests are skipped, unless
``SOPSEKTORAL_BROWSER=required`` (``.ci/run``), which makes them fail instead.
"""
from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.sopsektoral.tests.helpers import Cast

REQUIRED = os.environ.get("SOPSEKTORAL_BROWSER", "").lower() in ("1", "required", "yes", "true")


def _unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"SOPSEKTORAL_BROWSER=required, but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Chromium for the session (Debian's package, never Playwright's download)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test,browser]')")
    from ckanext.sopsektoral.tests.browser.browsing import CHROMIUM, CHROMIUM_ARGS

    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def portal(app, chromium, monkeypatch) -> Iterator[str]:
    """The test portal served over HTTP on a free local port (a thread of this process, so it
    reads the database, Solr core and Redis database the test fills); its base URL."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
    httpd = make_server("127.0.0.1", 0, app.app, threaded=True)
    base_url = f"http://127.0.0.1:{httpd.server_port}"
    # Links CKAN makes absolute (uploads, feeds) point at this server, not at test.ini's host.
    monkeypatch.setitem(tk.config, "ckan.site_url", base_url)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield base_url
    httpd.shutdown()
    thread.join(10)


# Indonesian names for the cast (test data shows on every page and in the screenshots).
NAMES = ["Rina Wulandari", "Agus Setiawan", "Dewi Lestari", "Hendra Gunawan", "Siti Rahmawati",
         "Yusuf Hidayat", "Maya Sari", "Fajar Nugroho", "Indah Permata", "Rudi Hartono"]


@pytest.fixture
def people(cast: Cast) -> Cast:
    """The cast as people: a password to log in with, an Indonesian name, and no picture from
    another site nor English lorem ipsum (CKAN's factories give each user and organization both)."""
    from ckanext.sopsektoral.tests.browser.browsing import PASSWORD

    everyone = [*cast.holders.values(), cast.plt_signer, cast.former_first_approver]
    names = {u["name"]: NAMES[i % len(NAMES)] for i, u in enumerate(everyone)}
    names.update({cast.operator["name"]: "Nur Aini", cast.other_operator["name"]: "Bambang Prasetyo",
                  cast.user["name"]: "Lina Marlina", cast.sysadmin["name"]: "Admin Portal"})
    for name, fullname in names.items():
        user = model.User.get(name)
        user.password = PASSWORD
        user.image_url = None
        user.about = ""
        user.fullname = fullname
    for org in (cast.opd, cast.other_opd):
        group = model.Group.get(org["id"])
        group.image_url = ""
        group.description = f"Perangkat daerah Kota Balikpapan: {group.title}."
    model.Session.commit()
    return cast


@pytest.fixture
def findings():
    from ckanext.sopsektoral.tests.browser.browsing import Findings

    found = Findings()
    yield found
    report = found.report()
    if report:
        print(f"\nbrowser findings ({len(found.pages)} pages):\n{report}")


@pytest.fixture
def visitor(chromium, portal, findings) -> Iterator[Callable[[str], Any]]:
    """``visitor(who)``: a new browser context for one user (or "anonymous"), closed at the end."""
    from ckanext.sopsektoral.tests.browser.browsing import Visitor

    opened: list[Visitor] = []

    def open_one(who: str) -> Visitor:
        one = Visitor(chromium, portal, who, findings)
        opened.append(one)
        return one

    yield open_one
    for one in opened:
        one.close()
