"""Exactly once, measured: dispatchers in separate processes sending real e-mail over SMTP to a
server run by the test, killed with SIGKILL at random points and restarted until the outbox is
drained (two and four dispatchers at once, and the other faults: ``test_faults.py``).

What is counted: every message the SMTP server accepted (raw), and the distinct idempotency keys
among them (the Message-ID derives from the key, so a mail store that keeps one copy per
Message-ID — as real ones do — shows the debtor exactly one e-mail). A worker killed after the
server's 250 reply but before its ``sent`` mark commits re-sends that item with the same key: the
outbox's documented crash semantics. The test prints raw and distinct counts and asserts that
nothing is lost, that each key is delivered at most once per crash, and no key twice without one.
"""

import random
import signal
import time
from collections import Counter

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ledger.tables import Contact
from tests.e2e.fault_processes import LEASE_S, Worker
from tests.e2e.fault_scenarios import MAIL_CONFIG, plan
from tests.e2e.fault_servers import FaultySmtp, free_port, smtp_server

N_MAILS = 40
MIN_KILLS = 10  # each kill restarts a Python process: 10 keep the test at ~20 s of CPU


def wait_for_mail(handler: FaultySmtp, count: int, worker: Worker) -> None:
    """Until the server holds ``count`` messages or the worker exits (it drained the outbox)."""
    while handler.delivered.raw() < count and worker.proc.poll() is None:
        time.sleep(0.0005)


def statuses(engine: Engine) -> Counter[str]:
    with Session(engine) as session:
        return Counter(c.status for c in session.exec(select(Contact)))


def unsent(engine: Engine) -> dict[int, str]:
    """Why each item not sent is not (its status, attempts and last error): the failure's story."""
    with Session(engine) as session:
        rows = session.exec(select(Contact).where(Contact.status != "sent"))
        return {c.id or 0: f"{c.status} after {c.attempts}: {c.last_error}" for c in rows}


@pytest.mark.slow
def test_killed_dispatchers_lose_nothing_and_send_nothing_twice(
    db_url: str, engine: Engine
) -> None:
    handler, port = FaultySmtp(), free_port()
    keys = set(plan(engine, N_MAILS, channel="email", sender_config=MAIL_CONFIG))
    rng = random.Random(20261117)
    kills, finished = 0, False
    with smtp_server(handler, port):
        t0 = time.time()
        while not finished:
            worker = Worker(db_url, port, t0, f"crash-{kills}")
            worker.expect("ready")
            if kills < MIN_KILLS:
                # killed after 1-3 more messages reach the server, plus 0-5 ms: mid-work on a
                # machine of any speed (a fixed 0-0.4 s let a fast machine drain the outbox)
                wait_for_mail(handler, handler.delivered.raw() + rng.randint(1, 3), worker)
                time.sleep(rng.uniform(0.0, 0.005))
                if worker.proc.poll() is None:
                    worker.proc.send_signal(signal.SIGKILL)
                    worker.proc.wait()
                    kills += 1
                    continue
            worker.finish()
            finished = True
    raw = Counter({k: len(v) for k, v in handler.delivered.copies.items()})
    dupes = {k: n for k, n in raw.items() if n > 1}
    print(
        f"\ncrash test ({engine.dialect.name}, lease {LEASE_S:g} s): {kills} kills, {N_MAILS} "
        f"planned, {sum(raw.values())} received raw, {len(raw)} distinct keys, {len(dupes)} keys "
        f"re-sent after a kill, outbox {dict(statuses(engine))}, not sent {unsent(engine)}"
    )
    assert kills >= MIN_KILLS
    assert set(raw) == keys  # nothing lost, nothing foreign
    assert handler.delivered.one_id_per_key()
    assert statuses(engine) == Counter({"sent": N_MAILS})
    assert sum(n - 1 for n in dupes.values()) <= kills  # at most one re-send per kill
