"""Fault scenarios that need real processes and real time: dispatchers beside a CPU hog, a
dispatcher frozen with SIGSTOP past its lease and resumed, the database connection cut mid-batch.
Each returns :class:`~tests.e2e.fault_scenarios.Counts`; the tests judge, the benchmark records.

Leases, backoff and waits derive from the lease budget: each worker's lease is
``min_lease_s(TIMEOUT_S)`` and its backoff the production backoff scaled by the same factor as
the lease (production: 5 min against a 120-s lease). ``HANG_GUARD_S`` only stops a hung test; no
count depends on it. This module must never judge a scenario; it only counts.
"""

import json
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from serving.scheduler import outbox
from serving.scheduler.lease_budget import heartbeat_s, min_lease_s
from serving.scheduler.settings import SchedulerSettings
from tests.e2e.fault_scenarios import BASE, MAIL_CONFIG, Counts, _timed, count, plan
from tests.e2e.fault_servers import FaultySmtp, free_port, smtp_server
from tests.waits import HANG_GUARD_S

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 1.0  # the workers' SMTP timeout; their lease is the budget's minimum for it
LEASE_S = min_lease_s(TIMEOUT_S)
BACKOFF_S = LEASE_S * outbox.BACKOFF_BASE.total_seconds() / SchedulerSettings().dispatch_lease_s


class Worker:
    """``tests.e2e.dispatch_worker`` in its own process; its stdout lines in a queue."""

    def __init__(self, db_url: str, port: int, t0: float, name: str, *extra: str) -> None:
        args = [db_url, str(port), BASE.isoformat(), str(t0), "--timeout-s", str(TIMEOUT_S)]
        args += ["--name", name, "--backoff-s", str(BACKOFF_S), *extra]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.dispatch_worker", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.stats: dict[str, Any] = {}

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.strip())

    def expect(self, word: str) -> None:
        """Wait for a line (``ready``, ``db-error``), skipping others."""
        deadline = time.monotonic() + HANG_GUARD_S
        while (line := self.lines.get(timeout=max(deadline - time.monotonic(), 0))) != word:
            if line.startswith("{"):
                raise AssertionError(f"worker finished before {word!r}: {line}")

    def finish(self) -> dict[str, Any]:
        assert self.proc.wait(timeout=HANG_GUARD_S) == 0, "a dispatcher failed on its own"
        while not self.lines.empty():
            line = self.lines.get()
            if line.startswith("{"):
                self.stats = json.loads(line)
        return self.stats


def wait_for(event: threading.Event, worker: Worker) -> None:
    """Until the SMTP server holds a message; fails at once when the worker died instead."""
    deadline = time.monotonic() + HANG_GUARD_S
    while not event.wait(0.05):
        code = worker.proc.poll()
        assert code is None, f"the dispatcher exited ({code}) before the server held a message"
        assert time.monotonic() < deadline, "the SMTP server never saw the message to hold"


@contextmanager
def cpu_hog(processes: int = 2) -> Iterator[None]:
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(processes)]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


def _settings() -> dict[str, float]:
    return {
        "smtp_timeout_s": TIMEOUT_S,
        "lease_s": LEASE_S,
        "heartbeat_s": heartbeat_s(LEASE_S),
        "backoff_s": BACKOFF_S,
    }


def concurrent(
    engine: Engine, db_url: str, workers: int, n: int = 40, production_lease: bool = False
) -> Counts:
    """``workers`` dispatcher processes drain one outbox, two CPU hogs beside them; the lease is
    the budget's minimum for a 1-s SMTP timeout (3 s), or the production default (120 s)."""
    lease_s = SchedulerSettings().dispatch_lease_s if production_lease else LEASE_S
    name = f"{workers}_dispatchers_cpu_hog_lease_{lease_s:g}s"
    handler, port = FaultySmtp(), free_port()
    keys = plan(engine, n, channel="email", sender_config=MAIL_CONFIG)
    with smtp_server(handler, port), _timed() as took, cpu_hog(2):
        t0 = time.time()
        procs = [
            Worker(db_url, port, t0, f"{name}-{i}", "--lease-s", str(lease_s))
            for i in range(workers)
        ]
        stats = [p.finish() for p in procs]
    return count(
        name,
        engine,
        keys,
        handler.delivered,
        faults=0,
        stale_sends=sum(s["stale_sends"] for s in stats),
        seconds=took[0],
        settings={**_settings(), "lease_s": lease_s, "heartbeat_s": heartbeat_s(lease_s)},
    )


def frozen(engine: Engine, db_url: str, n: int = 8) -> Counts:
    """A dispatcher frozen (SIGSTOP) while the server holds its third message, the server then
    accepting it; a second dispatcher takes over after the lease; the first resumed (SIGCONT)."""
    third: list[str] = []

    def hold_third(key: str, k: int) -> str | None:
        if k == 1 and len(third) < 3:
            third.append(key)
            return "hold" if len(third) == 3 else None
        return None

    handler, port = FaultySmtp(at_data=hold_third), free_port()
    keys = plan(engine, n, channel="email", sender_config=MAIL_CONFIG)
    with smtp_server(handler, port), _timed() as took:
        t0 = time.time()
        first = Worker(db_url, port, t0, "frozen")
        wait_for(handler.holding, first)
        first.proc.send_signal(signal.SIGSTOP)
        handler.release.set()  # the 250 waits in the frozen process's socket
        second = Worker(db_url, port, t0, "takeover")
        taken = second.finish()
        first.proc.send_signal(signal.SIGCONT)
        resumed = first.finish()
    return count(
        "sigstop_past_lease",
        engine,
        keys,
        handler.delivered,
        faults=1,
        stale_sends=resumed["stale_sends"] + taken["stale_sends"],
        seconds=took[0],
        settings=_settings(),
    )


def db_cut(engine: Engine, db_url: str, n: int = 8, cuts: int = 2) -> Counts:
    """The database cut while the dispatcher waits for the server's 250, ``cuts`` times: on
    PostgreSQL its connections are terminated (``pg_terminate_backend``); on SQLite, a file opened
    in-process with no connection to cut, another writer holds the lock past the dispatcher's
    busy timeout, so its writes fail with "database is locked" just the same."""
    seen: list[str] = []

    def hold_every_third(key: str, k: int) -> str | None:
        if k == 1:
            seen.append(key)
            return "hold" if len(seen) % 3 == 0 and len(seen) <= 3 * cuts else None
        return None

    handler, port = FaultySmtp(at_data=hold_every_third), free_port()
    keys = plan(engine, n, channel="email", sender_config=MAIL_CONFIG)
    app = f"dunflow-cut-{uuid.uuid4().hex[:8]}"
    postgres = engine.dialect.name == "postgresql"
    url = f"{db_url}&application_name={app}" if postgres else db_url
    extra = () if postgres else ("--sqlite-busy-s", str(heartbeat_s(LEASE_S) / 2))
    with smtp_server(handler, port), _timed() as took:
        worker = Worker(url, port, time.time(), "cut", *extra)
        for _ in range(cuts):
            wait_for(handler.holding, worker)
            handler.holding.clear()
            lock = _cut(engine, app)
            handler.release.set()
            worker.expect("db-error")
            handler.release.clear()
            if lock is not None:
                lock.rollback()
                lock.close()
        stats = worker.finish()
    return count(
        "db_connection_cut",
        engine,
        keys,
        handler.delivered,
        faults=cuts,
        stale_sends=stats["stale_sends"],
        seconds=took[0],
        settings={**_settings(), "how": "pg_terminate_backend" if postgres else "sqlite lock"},
    )


def _cut(engine: Engine, app: str) -> sqlite3.Connection | None:
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE application_name = :app"
                ),
                {"app": app},
            )
        return None
    lock = sqlite3.connect(str(engine.url.database), isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    return lock
