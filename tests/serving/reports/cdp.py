"""A tiny Chrome DevTools Protocol client for the browser tests (aiohttp's websocket; no new
dependency): launch headless Chromium, open a page, read its DOM and images, collect console
errors and exceptions, and take a full-page screenshot."""

import asyncio
import base64
import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import httpx

from tests.waits import HANG_GUARD_S

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def chromium(binary: str, profile: Path) -> Iterator[str]:
    """Headless Chromium with remote debugging; yields the browser's websocket URL."""
    port = free_port()
    proc = subprocess.Popen(
        [
            binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
            f"--remote-debugging-port={port}", "--remote-debugging-address=127.0.0.1",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + HANG_GUARD_S
        while True:
            try:
                info = httpx.get(f"http://127.0.0.1:{port}/json/version", timeout=1).json()
                break
            except (httpx.HTTPError, ValueError):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("chromium did not open its debugging port") from None
                time.sleep(0.2)
        yield str(info["webSocketDebuggerUrl"])
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@dataclass
class PageResult:
    dom: str
    images: list[dict[str, Any]]
    errors: list[str] = field(default_factory=list)


class _Cdp:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws, self.next_id = ws, 0
        self.pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []
        self.errors: list[str] = []
        self.loaded = asyncio.Event()

    async def reader(self) -> None:
        async for raw in self.ws:
            msg = json.loads(raw.data)
            if "id" in msg and msg["id"] in self.pending:
                self.pending.pop(msg["id"]).set_result(msg)
                continue
            method, params = msg.get("method"), msg.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                self.errors.append(" ".join(str(a.get("value", "")) for a in params["args"]))
            elif method == "Runtime.exceptionThrown":
                self.errors.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                self.errors.append(params["entry"].get("text", ""))
            elif method == "Page.loadEventFired":
                self.loaded.set()

    async def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = future
        await self.ws.send_str(json.dumps(message))
        reply = await asyncio.wait_for(future, timeout=HANG_GUARD_S)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        result: dict[str, Any] = reply.get("result", {})
        return result

    async def evaluate(self, session: str, expression: str) -> Any:
        reply = await self.call(
            "Runtime.evaluate", session, expression=expression, returnByValue=True
        )
        return reply["result"].get("value")


async def _visit(ws_url: str, url: str, screenshot: Path | None, width: int) -> PageResult:
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(ws_url, max_msg_size=0) as ws,
    ):
        cdp = _Cdp(ws)
        reader = asyncio.create_task(cdp.reader())
        target = (await cdp.call("Target.createTarget", url="about:blank"))["targetId"]
        sid = (await cdp.call("Target.attachToTarget", targetId=target, flatten=True))["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            await cdp.call(f"{domain}.enable", sid)
        metrics = {"width": width, "deviceScaleFactor": 1, "mobile": False}
        await cdp.call("Emulation.setDeviceMetricsOverride", sid, height=900, **metrics)
        await cdp.call("Page.navigate", sid, url=url)
        await asyncio.wait_for(cdp.loaded.wait(), timeout=HANG_GUARD_S)
        await asyncio.sleep(0.2)  # let late console messages arrive
        dom = await cdp.evaluate(sid, "document.documentElement.outerHTML")
        images = json.loads(
            await cdp.evaluate(
                sid,
                "JSON.stringify(Array.from(document.images).map(i => ({id: i.id, "
                "width: i.naturalWidth, height: i.naturalHeight, src: i.src.length})))",
            )
        )
        if screenshot is not None:
            height = int(await cdp.evaluate(sid, "document.documentElement.scrollHeight"))
            await cdp.call("Emulation.setDeviceMetricsOverride", sid, height=height, **metrics)
            shot = await cdp.call("Page.captureScreenshot", sid, format="png")
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
        await cdp.call("Target.closeTarget", targetId=target)
        reader.cancel()
        return PageResult(dom, images, list(cdp.errors))


def visit(
    ws_url: str, url: str, *, screenshot: Path | None = None, width: int = 1280
) -> PageResult:
    """Open ``url`` in a new tab and report what the browser saw."""
    return asyncio.run(_visit(ws_url, url, screenshot, width))
