"""A user in Chromium (Playwright's sync API): the pages they open and what each page must not do.

Every page a :class:`Visitor` reaches is checked; what it finds goes into the shared
:class:`Findings` (every finding of a test is reported at its end, not only the first):

- no known English string of CKAN or of the extension in the Indonesian UI (``ENGLISH``),
  in the text shown, the page title, placeholders, titles, ``aria-label`` and ``alt``;
- no console error and no uncaught JavaScript error;
- no request outside the portal (such requests are aborted and recorded);
- no server error (5xx) for a page.

Visitors move by clicking links and buttons; the only addresses they open are the home
page (:meth:`Visitor.home`). The login is CKAN's login form, with user name and password.
"""
from __future__ import annotations

import dataclasses
import io
import os
import pathlib
import re
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Locator, Page

ROOT = pathlib.Path(__file__).parents[4]
CHROMIUM = os.environ.get("SOPSEKTORAL_CHROMIUM", "/usr/bin/chromium")
# The machine has no internet: without these flags Chromium calls Google's hosts at start.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--metrics-recording-only", "--mute-audio",
]
VIEWPORT = {"width": 1280, "height": 900}
PASSWORD = "Sandi-Uji-2026!"  # every test user's password (set by the fixtures)
TIMEOUT_MS = 20_000
# Where the key pages are saved as PNG (browser-*.png); `SOPSEKTORAL_BROWSER_SCREENSHOTS=docs/img`
# refreshes the documentation's screenshots.
SCREENSHOTS = pathlib.Path(os.environ.get("SOPSEKTORAL_BROWSER_SCREENSHOTS")
                           or ROOT / ".dev" / "screenshots" / "browser")
if not SCREENSHOTS.is_absolute():
    SCREENSHOTS = ROOT / SCREENSHOTS

# English strings of CKAN and of the extension that an Indonesian page must not show
# (whole words, case-sensitive). Those of CKAN come from the pages our users meet.
ENGLISH = [
    # home, header and footer
    "Welcome to CKAN", "Search data", "Popular tags", "Log in", "Log out", "Register",
    "Powered by", "Organizations", "Groups", "Search Datasets", "News feed", "My Datasets",
    "Dashboard",
    # login
    "Forgotten your password?", "Username or Email", "Remember me", "Need an Account?",
    # dataset page and search
    "Data and Resources", "Additional Info", "Explore", "Follow", "Followers",
    "No License Provided", "License", "Activity Stream", "Order by", "Formats", "Licenses",
    "Relevance", "Last Modified", "datasets found", "Manage", "Preview", "More information",
    "Go to resource", "Download",
    # resource and dataset forms
    "Add New Resource", "Save & add another", "Clear Upload", "Update Resource", "Update Dataset",
    "Visibility", "Upload", "Name", "Description", "Finish", "Previous",
    # dialogs and buttons
    "Please Confirm Action", "Are you sure you want to perform this action?", "Confirm", "Cancel",
    "Close", "Delete", "Save", "Submit", "digits",
    # the 404 and 403 pages
    "Not Found", "Unauthorized", "Forbidden",
]
_ENGLISH_RE = re.compile("|".join(rf"(?<![\w&])({re.escape(s)})(?![\w])" for s in ENGLISH))

# Besides the known strings, any line with an English function word (none of them is an
# Indonesian word) is English text that slipped through, whatever its origin.
ENGLISH_WORDS = ["the", "and", "of", "your", "this", "these", "with", "from", "for", "is", "are", "be",
                 "by", "or", "its", "it", "to", "has", "have", "will", "which", "then", "than", "an", "on",
                 "you", "not", "was", "were", "been", "can", "cannot", "must", "what", "when", "who",
                 "at", "in", "into", "no longer", "e.g."]
# Lower case or capitalised ("The"), never all capitals (abbreviations such as "IT" or "AS").
_WORDS_RE = re.compile("|".join(rf"(?<![\w.])({re.escape(w)}|{re.escape(w.capitalize())})(?![\w])"
                                for w in ENGLISH_WORDS))
_ID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_PAGE_TEXT = """() => {
  const parts = [document.title, document.body ? document.body.innerText : ''];
  for (const el of document.querySelectorAll('[placeholder],[title],[aria-label],img[alt]')) {
    if (el.closest('[hidden],.d-none') || (el.offsetParent === null && el.tagName !== 'BODY')) continue;
    for (const a of ['placeholder', 'title', 'aria-label', 'alt']) {
      const v = el.getAttribute(a);
      if (v) parts.push(v);
    }
  }
  return parts.join('\\n');
}"""


@dataclasses.dataclass
class Findings:
    """What the pages did wrong, per kind, in the order met."""

    english: list[str] = dataclasses.field(default_factory=list)
    console: list[str] = dataclasses.field(default_factory=list)
    outside: list[str] = dataclasses.field(default_factory=list)
    server_errors: list[str] = dataclasses.field(default_factory=list)
    pages: list[str] = dataclasses.field(default_factory=list)
    _keys: set[str] = dataclasses.field(default_factory=set, repr=False)

    def add(self, kind: str, message: str, key: str | None = None) -> None:
        """Record ``message`` once (once per ``key`` if given)."""
        key = key or message
        if key not in self._keys:
            self._keys.add(key)
            getattr(self, kind).append(message)

    def report(self) -> str:
        lines = []
        for kind, title in (("english", "English strings on Indonesian pages"), ("console", "console errors"),
                            ("outside", "requests outside the portal"),
                            ("server_errors", "server errors")):
            found = getattr(self, kind)
            if found:
                lines.append(f"{title} ({len(found)}):")
                lines.extend(f"  - {f}" for f in found)
        return "\n".join(lines)

    def assert_clean(self) -> None:
        report = self.report()
        assert not report, f"on {len(self.pages)} pages:\n{report}"


def shrink(path: pathlib.Path) -> None:
    """Reduce a screenshot to 256 colours (UI pages lose nothing visible), if Pillow is there."""
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as image:
        reduced = image.convert("RGB").quantize(colors=256, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    reduced.save(buffer, format="PNG", optimize=True)
    if buffer.tell() < path.stat().st_size:
        path.write_bytes(buffer.getvalue())


class Visitor:
    """One user (or an anonymous visitor) in a browser context of their own."""

    def __init__(self, browser: Browser, base_url: str, who: str, findings: Findings) -> None:
        self.base_url = base_url
        self.who = who
        self.findings = findings
        self.host = urlsplit(base_url).netloc
        self.context = browser.new_context(base_url=base_url, viewport=VIEWPORT, locale="id-ID",
                                           service_workers="block")
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context.route(self._is_outside, self._abort_outside)
        self.page: Page = self.context.new_page()
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.findings.add(
            "console", f"{self.who} {self._path()}: uncaught {error}"))
        self.page.on("response", self._on_response)

    # ------------------------------------------------------------ what every page is checked for
    def _path(self, url: str | None = None) -> str:
        parts = urlsplit(url or self.page.url)
        return _ID_RE.sub("<id>", parts.path + (f"?{parts.query}" if parts.query else ""))

    def _is_outside(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != self.host

    def _abort_outside(self, route: Any) -> None:
        self.findings.add("outside", f"{self.who} {self._path()}: {route.request.url}")
        route.abort()

    def _on_console(self, message: Any) -> None:
        if message.type == "error":
            self.findings.add("console", f"{self.who} {self._path()}: {message.text}")

    def _on_response(self, response: Any) -> None:
        if response.status >= 500:
            self.findings.add("server_errors", f"{self.who}: {response.status} {self._path(response.url)}")

    def seen(self, shot: str | None = None) -> Page:
        """Check the page now shown (and save it as docs' browser-SHOT.png)."""
        page = self.page
        # Until then CKAN's modules (which start once the translations have loaded) have not run.
        page.wait_for_load_state("networkidle")
        self.findings.pages.append(f"{self.who} {self._path()}")
        lang = page.evaluate("() => document.documentElement.lang || ''")
        if not lang.startswith("en"):
            text = page.evaluate(_PAGE_TEXT)
            path = self._path()
            for match in _ENGLISH_RE.finditer(text):
                context = " ".join(text[max(0, match.start() - 30):match.end() + 30].split())
                self.findings.add("english", f"{match.group(0)!r} on {path} ({self.who}): ...{context}...",
                                  key=f"{match.group(0)} {path}")
            for line in text.splitlines():
                match = _WORDS_RE.search(line)
                if match and not _ENGLISH_RE.search(line):
                    shown = " ".join(line.split())[:100]
                    self.findings.add("english", f"English text on {path} ({self.who}): {shown!r}",
                                      key=f"{shown} {path}")
        if shot:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            path = SCREENSHOTS / f"browser-{shot}.png"
            page.screenshot(path=str(path), full_page=True)
            shrink(path)
        return page

    # ------------------------------------------------------------ moving around
    def home(self) -> Page:
        self.page.goto("/")
        return self.seen()

    def click(self, target: str | Locator, shot: str | None = None) -> Page:
        """Click a link or button that loads a page, and check that page."""
        locator = (self.page.locator(target) if isinstance(target, str) else target).first
        with self.page.expect_navigation():
            locator.click()
        return self.seen(shot)

    def confirm(self, target: str | Locator, shot: str | None = None) -> Page:
        """Click a button that asks for confirmation, check the dialog, confirm."""
        locator = (self.page.locator(target) if isinstance(target, str) else target).first
        locator.click()
        dialog = self.page.locator(".modal.show")
        dialog.wait_for(state="visible")
        self.seen(shot)
        with self.page.expect_navigation():
            dialog.locator(".btn-primary").click()
        return self.seen()

    def login(self, user: dict[str, Any], shot: str | None = None) -> Page:
        """From the home page, through the login link and form, as users do."""
        self.home()
        self.click("a[href*='/user/login']", shot=shot)
        self.page.fill("#field-login", user["name"])
        self.page.fill("#field-password", PASSWORD)
        self.click(self.page.locator("form:has(#field-login) button[type=submit]"))
        assert "/user/login" not in self.page.url, f"{self.who} could not log in: {self.page.url}"
        return self.page

    def tasks(self, shot: str | None = None) -> Page:
        """The SOP's home (Tugas saya), through the header's link."""
        return self.click(self.page.locator("header a[href$='/sopsektoral/'], "
                                            ".masthead a[href$='/sopsektoral/']"), shot=shot)

    def side(self, endpoint: str, shot: str | None = None) -> Page:
        """A page of the SOP's side menu (queue, letter, daftar-data, officers, sop)."""
        return self.click(self.page.locator(f".nav-simple a[href$='/sopsektoral/{endpoint}']"), shot=shot)

    def close(self) -> None:
        self.context.close()
