"""Benchmark: loading debtors' flow state from the ledger (``policy.ledger_state``).

Simulates a ledger (seed 5, 2,000 debtors, 120 days) into a fresh SQLite file and, when
``DUNFLOW_BENCH_POSTGRES_URL`` names an empty PostgreSQL database (``make bench`` makes one when
PostgreSQL answers), into that one too. On each it times, in one session as the API and the
scheduler use it:

- single: ``state_from_ledger`` for one debtor at a time (the scoring API's usual request), over
  300 debtors after a warm-up; mean, min, p50 and p99 in ms. Target: ≤ 1 ms.
- batch: ``states_from_ledger`` for 1,000 debtors at once (the scheduler's batch: its candidates
  come sorted, so consecutive ids), every debtor three times over; ms per batch and µs per
  debtor. Target: well under 0.3 ms a debtor (the daily cycle must handle 100k debtors in 120 s,
  state loading being one part of it). ``batch_shuffled``: the same with the ids shuffled first
  (no locality in the tables' pages).

Writes ``benchmarks/results/state.json`` with the machine's load average before and after (the
figures move with it); asserts nothing (``make bench`` shows the figures).
"""

import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlmodel import Session, col, select  # noqa: E402

from ledger import migrate  # noqa: E402
from ledger.db import make_engine  # noqa: E402
from ledger.tables import Debtor  # noqa: E402
from policy import state_from_ledger, states_from_ledger  # noqa: E402
from simulator.config import SimConfig  # noqa: E402
from simulator.generate import simulate_to_ledger  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "state.json"
SINGLE_CALLS, WARMUP, BATCH, ROUNDS = 300, 30, 1_000, 3
TARGET_SINGLE_MS, TARGET_BATCH_US_PER_DEBTOR = 1.0, 300.0


def _ms(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    return {
        "calls": len(ms),
        "mean_ms": round(statistics.fmean(ms), 3),
        "min_ms": round(ms[0], 3),
        "p50_ms": round(ms[len(ms) // 2], 3),
        "p99_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 3),
    }


def measure(engine: sa.Engine, now: datetime) -> dict[str, Any]:
    with Session(engine) as session:
        ids = [int(i) for i in session.exec(select(Debtor.id).order_by(col(Debtor.id))) if i]
        rng = random.Random(5)
        picks = rng.sample(ids, min(len(ids), WARMUP + SINGLE_CALLS))
        single: list[float] = []
        for n, debtor_id in enumerate(picks):
            t0 = time.perf_counter()
            state_from_ledger(session, debtor_id, now)
            if n >= WARMUP:
                single.append(time.perf_counter() - t0)
        batches = _batches(session, [ids] * ROUNDS, now)
        shuffled = _batches(session, [rng.sample(ids, len(ids)) for _ in range(ROUNDS)], now)
    return {
        "n_debtors": len(ids),
        "single": _ms(single),
        "batch": batches,
        "batch_shuffled": shuffled,
    }


def _batches(session: Session, orders: list[list[int]], now: datetime) -> dict[str, Any]:
    seconds: list[float] = []
    for order in orders:
        for k in range(0, len(order), BATCH):
            t0 = time.perf_counter()
            states_from_ledger(session, order[k : k + BATCH], now)
            seconds.append(time.perf_counter() - t0)
    stats = _ms(seconds)
    return {
        "batch_size": BATCH,
        **stats,
        "us_per_debtor": round(stats["mean_ms"] * 1000 / BATCH, 1),
    }


def _fill(url: str, tmp: Path) -> sa.Engine:
    migrate.upgrade(url)
    engine = make_engine(url)
    simulate_to_ledger(engine, 5, SimConfig(n_debtors=2_000, days=120), tmp / "truth.pq")
    return engine


def main() -> dict[str, Any]:
    now = datetime.now(UTC)
    load_before = os.getloadavg()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        urls = {"sqlite": f"sqlite:///{tmp / 'ledger.db'}"}
        if pg := os.environ.get("DUNFLOW_BENCH_POSTGRES_URL"):
            urls["postgresql"] = pg
        for name, url in urls.items():
            engine = _fill(url, tmp)
            results[name] = measure(engine, now)
            engine.dispose()
    sqlite = results["sqlite"]
    result = {
        "benchmark": "flow state from the ledger: single debtor and batches of 1,000",
        **results,
        "target_single_ms": TARGET_SINGLE_MS,
        "target_batch_us_per_debtor": TARGET_BATCH_US_PER_DEBTOR,
        "within_target": sqlite["single"]["mean_ms"] <= TARGET_SINGLE_MS
        and sqlite["batch"]["us_per_debtor"] <= TARGET_BATCH_US_PER_DEBTOR,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "sqlalchemy": sa.__version__,
            "platform": platform.platform(),
            "load_average_1min_before_after": [
                round(load_before[0], 2),
                round(os.getloadavg()[0], 2),
            ],
        },
        "measured_at": now.isoformat(timespec="seconds"),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
