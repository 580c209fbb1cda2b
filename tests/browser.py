"""Headless Chromium for the page tests: the system's browser, driven by Playwright.

Playwright's Python package drives Debian's Chromium through ``executable_path``
(no browser download). One browser serves the whole test run (the ``chromium``
fixture in conftest.py); each test opens its own pages. Without Playwright or a
Chromium the tests skip and say why.
"""

from __future__ import annotations

import os
import shutil

CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--hide-scrollbars"]

# The width of each box, and of what it holds: no element may be wider than its box.
WIDER_THAN_BOX = """(selectors) => selectors.flatMap((selector) =>
  [...document.querySelectorAll(selector)].map((e) => ({
    selector, id: e.id, scroll: e.scrollWidth, client: e.clientWidth,
    right: Math.round(e.getBoundingClientRect().right),
  })))"""


def find_chromium() -> str | None:
    """The path of a Chromium-like browser, or None.

    LERNPY_BROWSER overrides the search: a path to use, or "none" for no browser.
    """
    chosen = os.environ.get("LERNPY_BROWSER")
    if chosen:
        return None if chosen == "none" else shutil.which(chosen)
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def local_only(page, requests: list[str]) -> None:
    """Record every request the page makes and refuse any beyond files and data: URLs."""

    def route(r) -> None:
        url = r.request.url
        requests.append(url)
        if url.startswith(("file:", "data:", "about:")):
            r.continue_()
        else:
            r.abort()

    page.route("**/*", route)


def overflowing(frame, selectors: list[str]) -> list[dict]:
    """Each element matching ``selectors`` whose content is wider than its box, or that
    reaches past the right edge of the window."""
    found = frame.evaluate(WIDER_THAN_BOX, selectors)
    width = frame.evaluate("document.documentElement.clientWidth")
    return [e for e in found if e["scroll"] > e["client"] or e["right"] > width]
