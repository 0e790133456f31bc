"""Real-browser tests through Playwright for Python (:mod:`dunflow.browser` launches Debian's
``chromium`` and serves the app): a page that records console errors and uncaught exceptions.
Tests that need the browser skip with a reason when chromium is missing."""

from dataclasses import dataclass, field

from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from dunflow.browser import chromium, find_chromium, served
from tests.waits import HANG_GUARD_S

__all__ = ["PLAYWRIGHT_TIMEOUT_MS", "Watched", "chromium", "find_chromium", "served", "watched"]

# Playwright waits for a page or an element no longer than this; only a hang reaches it
PLAYWRIGHT_TIMEOUT_MS = HANG_GUARD_S * 1000
expect.set_options(timeout=PLAYWRIGHT_TIMEOUT_MS)  # `expect` waits as long (default 5 s)


@dataclass
class Watched:
    """A page and what went wrong on it: console errors and uncaught exceptions."""

    page: Page
    errors: list[str] = field(default_factory=list)


def watched(browser: Browser, *, width: int = 1280, height: int = 900) -> Watched:
    page = browser.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(PLAYWRIGHT_TIMEOUT_MS)
    seen = Watched(page)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            seen.errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda err: seen.errors.append(f"Uncaught {err}"))
    return seen
