"""Real-browser tests through Playwright for Python, driving Debian's ``chromium`` (``make
browser-deps``; Playwright's own browser download is never used): one browser per test session,
an app served by uvicorn on a loopback port, and a page that records console errors and uncaught
exceptions. Tests that need it skip with a reason when chromium is missing."""

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from tests.waits import HANG_GUARD_S

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
# Playwright waits for a page or an element no longer than this; only a hang reaches it
PLAYWRIGHT_TIMEOUT_MS = HANG_GUARD_S * 1000
expect.set_options(timeout=PLAYWRIGHT_TIMEOUT_MS)  # `expect` waits as long (default 5 s)


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


@contextmanager
def chromium(binary: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=binary, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """The app on a loopback port (uvicorn in a thread); yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="uvicorn-browser", daemon=True)
    thread.start()
    deadline = time.monotonic() + HANG_GUARD_S
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
