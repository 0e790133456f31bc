"""Exactly once, measured: dispatchers in separate processes sending real e-mail over SMTP to a
server run by the test, killed with SIGKILL at random points and restarted until the outbox is
drained; then two dispatchers at once on PostgreSQL.

What is counted: every message the SMTP server accepted (raw), and the distinct idempotency keys
among them (the Message-ID derives from the key, so a mail store that keeps one copy per
Message-ID — as real ones do — shows the debtor exactly one e-mail). A worker killed after the
server's 250 reply but before its ``sent`` mark commits re-sends that item with the same key: the
outbox's documented crash semantics. The test prints raw and distinct counts and asserts that
nothing is lost, that each key is delivered at most once per crash, and no key twice without one.
"""

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ledger.tables import Contact
from serving.scheduler import outbox
from tests import factories
from tests.serving.scheduler.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
BASE = datetime(2026, 11, 17, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
N_MAILS = 80
MIN_KILLS = 20
LEASE_S = 1.0


@dataclass
class Inbox:
    """aiosmtpd handler: counts every accepted message and its idempotency key."""

    raw: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        mail = message_from_bytes(bytes(envelope.original_content or envelope.content))
        with self.lock:
            self.raw.append(str(mail["X-Dunflow-Idempotency-Key"]))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Any:
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def plan_mails(engine: Engine, n: int) -> set[str]:
    with Session(engine) as session:
        cred = factories.creditor(
            session, sender_config={"email": {"sender": "smtp", "attach_invoice": False}}
        )
        planned = []
        for _ in range(n):
            deb = factories.debtor(session, cred)
            inv = factories.invoice(session, deb)
            planned.append(
                outbox.PlannedContact(
                    creditor_id=cred.id or 0,
                    debtor_id=deb.id or 0,
                    channel="email",
                    tone="friendly",
                    stage="reminder",
                    template="reminder",
                    scheduled_at=BASE - timedelta(minutes=1),
                    idempotency_key=outbox.idempotency_key(deb.id or 0, "2026-11-17", "reminder"),
                    invoice_ids=(inv.id or 0,),
                )
            )
        outbox.enqueue(session, planned)
        session.commit()
    return {p.idempotency_key for p in planned}


def worker(db_url: str, port: int, t0: float, name: str) -> subprocess.Popen[str]:
    args = [db_url, str(port), BASE.isoformat(), str(t0), str(LEASE_S), name]
    return subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.dispatch_worker", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def wait_for_mail(inbox: Inbox, count: int, proc: subprocess.Popen[str]) -> None:
    """Until the server holds ``count`` messages, the worker exits, or 30 s pass."""
    deadline = time.monotonic() + 30
    while len(inbox.raw) < count and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.0005)


def statuses(engine: Engine) -> Counter[str]:
    with Session(engine) as session:
        return Counter(c.status for c in session.exec(select(Contact)))


@pytest.mark.slow
def test_killed_dispatchers_lose_nothing_and_send_nothing_twice(
    db_url: str, engine: Engine, smtp: Any
) -> None:
    controller, inbox = smtp
    keys = plan_mails(engine, N_MAILS)
    rng = random.Random(20261117)
    t0, kills, finished = time.time(), 0, False
    while not finished:
        proc = worker(db_url, controller.port, t0, f"crash-{kills}")
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        if kills < MIN_KILLS:
            # killed after 1-3 more messages reach the server, plus 0-5 ms: mid-work on a machine
            # of any speed (a fixed 0-0.4 s let a fast machine drain the outbox before the kill)
            wait_for_mail(inbox, len(inbox.raw) + rng.randint(1, 3), proc)
            time.sleep(rng.uniform(0.0, 0.005))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                kills += 1
                continue
        finished = proc.wait(timeout=120) == 0
        assert finished or kills < MIN_KILLS, "a dispatcher failed on its own"
    raw = Counter(inbox.raw)
    dupes = {k: n for k, n in raw.items() if n > 1}
    print(
        f"\ncrash test ({engine.dialect.name}): {kills} kills, {N_MAILS} planned, "
        f"{sum(raw.values())} received raw, {len(raw)} distinct keys, "
        f"{len(dupes)} keys re-sent after a kill, outbox {dict(statuses(engine))}"
    )
    assert kills >= MIN_KILLS
    assert set(raw) == keys  # nothing lost, nothing foreign
    assert statuses(engine) == Counter({"sent": N_MAILS})
    assert sum(n - 1 for n in dupes.values()) <= kills  # at most one re-send per kill


@pytest.mark.slow
def test_two_dispatcher_processes_send_nothing_twice(
    db_url: str, engine: Engine, smtp: Any
) -> None:
    """PostgreSQL: SKIP LOCKED claims; SQLite: the single writer lock. Both: nothing twice."""
    controller, inbox = smtp
    keys = plan_mails(engine, N_MAILS)
    t0 = time.time()
    procs = [worker(db_url, controller.port, t0, f"pair-{i}") for i in range(2)]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    raw = Counter(inbox.raw)
    print(
        f"\ntwo dispatchers ({engine.dialect.name}): {sum(raw.values())} received raw, "
        f"{len(raw)} distinct"
    )
    assert set(raw) == keys
    assert max(raw.values()) == 1  # nothing twice
    assert statuses(engine) == Counter({"sent": N_MAILS})
