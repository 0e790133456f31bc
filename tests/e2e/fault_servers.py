"""The receiving side of the fault scenarios, with faults to inject: a real SMTP server (aiosmtpd)
that can refuse, drop the connection, hold a message or go down, and a webhook provider (the
standard library's HTTP server) that can time out or answer 500 and honours ``Idempotency-Key``.

Both count what the debtor would see: every copy accepted (raw) and the distinct keys among them,
with the Message-IDs each key came with. Nothing here decides whether a scenario passed; the
scenarios in :mod:`tests.e2e.fault_scenarios` count and the tests judge.
"""

import asyncio
import json
import socket
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

KEY_HEADER = "X-Dunflow-Idempotency-Key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Delivered:
    """What reached the receiver: per key, every copy's Message-ID (or provider id)."""

    copies: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, key: str, ident: str) -> None:
        with self.lock:
            self.copies[key].append(ident)

    def raw(self) -> int:
        return sum(len(v) for v in self.copies.values())

    def keys(self) -> set[str]:
        return set(self.copies)

    def one_id_per_key(self) -> bool:
        return all(len(set(ids)) == 1 for ids in self.copies.values())


# A fault for the n-th time (1-based) the server sees a key at a step: None (go on), an SMTP reply
# to answer instead ("451 …"), "drop" (close the connection) or "hold" (wait for release).
Fault = Callable[[str, int], str | None]


@dataclass
class FaultySmtp:
    """aiosmtpd handler: ``at_rcpt`` faults before the message is accepted (nothing delivered),
    ``at_data`` after it is stored (``drop`` there = an acknowledgement lost)."""

    delivered: Delivered = field(default_factory=Delivered)
    at_rcpt: Fault = lambda _key, _n: None
    at_data: Fault = lambda _key, _n: None
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    seen: Counter[tuple[str, str]] = field(default_factory=Counter)
    injected: int = 0
    seen_up: bool = False  # the outage scenario: started again after its minute

    def _fault(self, step: str, key: str, rule: Fault) -> str | None:
        self.seen[(step, key)] += 1
        fault = rule(key, self.seen[(step, key)])
        if fault is not None:
            self.injected += 1
        return fault

    async def _apply(self, fault: str | None, server: Any, ok: str) -> str:
        if fault == "drop":
            server.transport.close()
            return ok  # never reaches the client: the connection is gone
        if fault == "hold":
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
            return ok
        return fault or ok

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        envelope.rcpt_tos.append(address)
        # the key is only known with the content; faults before acceptance key on the address
        return await self._apply(self._fault("rcpt", address, self.at_rcpt), server, "250 OK")

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        mail = message_from_bytes(bytes(envelope.original_content or envelope.content))
        key = str(mail[KEY_HEADER])
        fault = self._fault("data", key, self.at_data)
        if fault is None or fault in ("drop", "hold"):
            self.delivered.add(key, str(mail["Message-ID"]))
        return await self._apply(fault, server, "250 Message accepted for delivery")


@contextmanager
def smtp_server(handler: FaultySmtp, port: int) -> Iterator[Controller]:
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


@dataclass
class Provider:
    """A webhook provider that honours ``Idempotency-Key``: a key it has seen is answered 200 with
    the first id and not delivered again. ``fault(key, n)`` for the n-th request of a key:
    ``"timeout"`` (deliver, then answer only after ``slow_s``) or ``"500"`` (deliver nothing)."""

    fault: Callable[[str, int], str | None] = lambda _key, _n: None
    slow_s: float = 1.0
    delivered: Delivered = field(default_factory=Delivered)
    requests: Counter[str] = field(default_factory=Counter)
    injected: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, key: str) -> tuple[int, dict[str, str]]:
        with self.lock:
            self.requests[key] += 1
            fault = self.fault(key, self.requests[key])
            self.injected += fault is not None
            if fault == "500":
                return 500, {"error": "provider overloaded"}
            first = key not in self.delivered.copies
            if first:
                self.delivered.add(key, f"sms-{key}")
        if fault == "timeout":
            time.sleep(self.slow_s)
        return 200, {"id": f"sms-{key}", "status": "accepted" if first else "duplicate"}


@contextmanager
def webhook_server(provider: Provider) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status, body = provider.answer(str(self.headers.get("Idempotency-Key")))
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the client gave up (the timeout fault): the answer is lost, as intended

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sms"
    finally:
        server.shutdown()
        server.server_close()
