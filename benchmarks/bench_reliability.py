"""Benchmark: the outbox's fault scenarios, counted — planned, sent, re-sent, lost, per scenario and
database — into ``benchmarks/results/reliability.json``.

The scenarios are the tests' own (``tests/e2e/fault_scenarios.py`` and ``fault_processes.py``, one
copy): SMTP drops, 4xx then 5xx, the server down for a minute, the webhook timing out and
answering 500 (on the production dispatch period and backoff, the clock stepped), then real
processes: two and four dispatchers beside two CPU hogs, a dispatcher frozen with SIGSTOP past
its lease, the database cut mid-batch. Each runs on a fresh SQLite file and, when
``DUNFLOW_BENCH_POSTGRES_URL`` is set (``benchmarks/run`` sets it), in a fresh PostgreSQL schema.
Targets (issue 15): 0 lost; 0 re-sent where the receiver honours idempotency keys; otherwise at
most one re-send per injected fault, always with the same Message-ID.
"""

import json
import os
import platform
import signal
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import ledger.tables  # noqa: E402, F401
from ledger.db import make_engine  # noqa: E402
from tests.e2e import fault_processes, fault_scenarios  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "reliability.json"
Scenario = Callable[[Engine, str], fault_scenarios.Counts]


def in_process(
    fn: Callable[[Engine], fault_scenarios.Counts], engine: Engine, _url: str
) -> fault_scenarios.Counts:
    return fn(engine)


SCENARIOS: dict[str, Scenario] = {
    **{name: partial(in_process, fn) for name, fn in fault_scenarios.IN_PROCESS.items()},
    "2_dispatchers_cpu_hog_lease_3s": lambda e, u: fault_processes.concurrent(e, u, 2),
    "4_dispatchers_cpu_hog_lease_3s": lambda e, u: fault_processes.concurrent(e, u, 4),
    "2_dispatchers_cpu_hog_lease_120s": lambda e, u: fault_processes.concurrent(
        e, u, 2, production_lease=True
    ),
    "4_dispatchers_cpu_hog_lease_120s": lambda e, u: fault_processes.concurrent(
        e, u, 4, production_lease=True
    ),
    "sigstop_past_lease": fault_processes.frozen,
    "db_connection_cut": fault_processes.db_cut,
}
# where the receiver honours the idempotency key, a re-send is a failure whatever the faults
HONOURS_KEYS = {"webhook_timeout", "webhook_500"}


@contextmanager
def database(kind: str) -> Iterator[tuple[Engine, str]]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/ledger.db"
            engine = make_engine(url)
            SQLModel.metadata.create_all(engine)
            yield engine, url
            engine.dispose()
        return
    base = os.environ["DUNFLOW_BENCH_POSTGRES_URL"]
    schema = f"r_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    try:
        yield engine, url
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def verdict(counts: fault_scenarios.Counts) -> bool:
    allowed = 0 if counts.scenario in HONOURS_KEYS else counts.faults + counts.stale_sends
    return (
        counts.lost == 0
        and counts.one_id_per_key
        and counts.outbox_agrees
        and counts.resent <= allowed
    )


def main() -> None:
    kinds = ["sqlite"] + (["postgresql"] if os.environ.get("DUNFLOW_BENCH_POSTGRES_URL") else [])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the CPU hogs with the bench
    resume = "--resume" in sys.argv  # keep the rows already measured, run the missing ones
    only = {a for a in sys.argv[1:] if not a.startswith("--")}
    # a run of some scenarios replaces their rows and keeps the others' (written after each one)
    old = json.loads(OUT.read_text())["scenarios"] if OUT.exists() and (only or resume) else []
    rows: list[dict[str, Any]] = []
    for kind in kinds:
        for name, scenario in SCENARIOS.items():
            if (only and name not in only) or (resume and (name, kind) in _done(old)):
                continue
            with database(kind) as (engine, url):
                counts = scenario(engine, url)
            row = {**asdict(counts), "target_met": verdict(counts)}
            print(json.dumps(row), flush=True)
            rows.append(row)
            write([r for r in old if (r["scenario"], r["database"]) not in _done(rows)] + rows)
    print(f"wrote {OUT}")


def _done(rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(r["scenario"], r["database"]) for r in rows}


def write(rows: list[dict[str, Any]]) -> None:
    OUT.write_text(
        json.dumps(
            {
                "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                "targets": "0 lost; 0 re-sent where the receiver honours idempotency keys "
                "(webhook_*); otherwise re-sent <= injected faults (+ stale sends a stall "
                "caused, reported by the dispatcher), every copy with the same Message-ID",
                "clock": "sender faults on the production dispatch period (30 s) and backoff "
                "(5 min, doubling), the dispatcher's clock stepped; process scenarios in real "
                "time with an SMTP timeout of 1 s, the lease budget's 3-s lease and the "
                "production backoff scaled like the lease (7.5 s)",
                "all_targets_met": all(r["target_met"] for r in rows),
                "scenarios": rows,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
