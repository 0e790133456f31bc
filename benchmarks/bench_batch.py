"""Benchmark: a whole day's decisions on Apache Spark against the in-process engine.

1. Simulate a ledger (seed 3, N debtors x 120 days; N = ``DUNFLOW_BENCH_BATCH_DEBTORS``, default
   5,000) into a PostgreSQL database (``DUNFLOW_BENCH_POSTGRES_URL``, as ``benchmarks/run`` makes
   one; skipped without). It is kept as a template database named for N (simulating 100,000
   debtors takes about 10 minutes on this machine): a later run with the same N reuses it, and
   every run copies it, so each decides the same untouched day.
2. Decide the day after the simulation with a small LightGBM policy (``served_policy``'s: the
   cost depends on the models' size, not on what they learned): in-process, and on Spark with
   the masters of ``DUNFLOW_BENCH_BATCH_MASTERS`` (default ``local[1],local[2]``) for the bucket
   counts of ``DUNFLOW_BENCH_BATCH_BUCKETS`` (default 2,8,32,128).
3. Per phase (export, decide, write back): wall seconds, debtors per second and CPU seconds per
   1,000 debtors of this process and all its descendants (Spark's JVM and Python workers; not
   PostgreSQL's), read at each phase's start and end; the decide phase's scaling
   local[2]/local[1], Spark's CPU per debtor against in-process (decide phase and all phases);
   and a projection to 50 million debtors on N cores, with its assumptions.
Writes ``benchmarks/results/batch.json`` after every run (an interrupted benchmark leaves the
runs it finished).
"""

import json
import os
import platform
import sys
import tempfile
import threading
import time
from datetime import date
from datetime import time as clock
from pathlib import Path
from typing import Any

import psutil
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from batch import inprocess, report
from batch.report import RunReport
from ledger.db import make_engine
from policy.decision_path import Pinned
from simulator.config import SimConfig
from simulator.generate import simulate_to_ledger
from tests.serving.api.tiny_policy import tiny_policy

OUT = Path(__file__).resolve().parent / "results" / "batch.json"
DEBTORS = int(os.environ.get("DUNFLOW_BENCH_BATCH_DEBTORS", "5000"))
BUCKETS = tuple(
    int(b) for b in os.environ.get("DUNFLOW_BENCH_BATCH_BUCKETS", "2,8,32,128").split(",")
)
MASTERS = tuple(os.environ.get("DUNFLOW_BENCH_BATCH_MASTERS", "local[1],local[2]").split(","))
SIM_DAYS, SIM_SEED = 120, 3
DAY, CYCLE = date(2026, 11, 24), clock(8, 30)


class _CpuMeter:
    """CPU seconds of this process and every descendant it has ever had.

    Spark's Python workers come and go (they are forked by the JVM, which reaps them), so the
    CPU of a descendant that has died is neither in the process tree nor in this process's
    ``children_*`` times. A thread reads every descendant's own user + system time every
    ``every`` seconds and keeps the last reading of each process (keyed by pid and start time,
    so a reused pid is a new process); the total is the sum of those readings. What a
    descendant spends after its last reading (at most ``every`` seconds each) is not counted.
    """

    def __init__(self, every: float = 0.25) -> None:
        self.me = psutil.Process()
        self.seen: dict[tuple[int, float], float] = {}
        self.lock = threading.Lock()
        self.every = every
        threading.Thread(target=self._watch, daemon=True).start()

    def _read(self) -> None:
        for p in self.me.children(recursive=True):
            try:
                with p.oneshot():
                    key, t = (p.pid, p.create_time()), p.cpu_times()
            except psutil.Error:
                continue
            with self.lock:
                self.seen[key] = t.user + t.system

    def _watch(self) -> None:
        while True:
            self._read()
            time.sleep(self.every)

    def __call__(self) -> float:
        self._read()
        own = self.me.cpu_times()
        with self.lock:
            return own.user + own.system + sum(self.seen.values())


def _copy(admin: sa.Engine, template: str, name: str) -> None:
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE {template}")


def _drop(admin: sa.Engine, name: str) -> None:
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _phases(report: RunReport, debtors: int) -> dict[str, Any]:
    return {
        name: {
            "wall_s": report.wall_s[name],
            "debtors_per_s": round(debtors / max(report.wall_s[name], 1e-9), 1),
            "cpu_s_per_1000_debtors": round(1000 * report.cpu_s[name] / debtors, 3),
        }
        for name in ("export", "decide", "write")
    }


def _template(admin: sa.Engine, base: sa.URL) -> tuple[str, dict[str, Any]]:
    """The simulated ledger as a template database, made once per N (its comment says it is
    complete and how long simulating took)."""
    name = f"{base.database}_batch_tpl_{DEBTORS}"
    with admin.connect() as conn:
        comment = conn.exec_driver_sql(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            (name,),
        ).scalar()
    want = {"debtors": DEBTORS, "days": SIM_DAYS, "seed": SIM_SEED}
    if comment:
        made = json.loads(comment)
        if {k: made.get(k) for k in want} == want:
            return name, made | {"reused": True}
    _drop(admin, name)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    tpl = make_engine(base.set(database=name).render_as_string(hide_password=False))
    SQLModel.metadata.create_all(tpl)
    wall, cpu = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory() as tmp:
        simulate_to_ledger(
            tpl, SIM_SEED, SimConfig(n_debtors=DEBTORS, days=SIM_DAYS), Path(tmp) / "t.pq"
        )
    made = want | {
        "simulate_wall_s": round(time.perf_counter() - wall, 1),
        "simulate_cpu_s_this_process": round(time.process_time() - cpu, 1),
    }
    tpl.dispose()
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"COMMENT ON DATABASE {name} IS '{json.dumps(made)}'")
    return name, made | {"reused": False}


def _ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b else float("nan")


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Scaling, CPU ratios and the projection from the runs so far."""
    ref = next((r for r in runs if r["master"] is None), None)
    spark_runs = [r for r in runs if r["master"]]
    if ref is None or not spark_runs:
        return {}

    def cpu(r: dict[str, Any], phase: str | None = None) -> float:
        phases = [phase] if phase else list(r["phases"])
        return float(sum(r["phases"][p]["cpu_s_per_1000_debtors"] for p in phases))

    def decide_wall(master: str, b: int) -> float | None:
        got = [r for r in spark_runs if r["master"] == master and r["buckets"] == b]
        return got[0]["phases"]["decide"]["wall_s"] if got else None

    scaling = {}
    for b in sorted({r["buckets"] for r in spark_runs}):
        one, two = decide_wall("local[1]", b), decide_wall("local[2]", b)
        if one and two:
            scaling[str(b)] = _ratio(one, two)
    best = min(spark_runs, key=lambda r: cpu(r))
    per_debtor = cpu(best) / 1000
    # the share of each core that does useful work: measured (the best decide-phase scaling on
    # 2 cores, halved) when both masters ran, else assumed
    useful = min(1.0, max(scaling.values()) / 2) if scaling else 0.85
    useful_says = (
        f"{useful:.0%} of each core does useful work (measured: the decide phase's best"
        f" local[2]/local[1] scaling here, {max(scaling.values())}x, halved)"
        if scaling
        else "85 % of each core does useful work (assumed: local[1] did not run)"
    )
    return {
        "decide_scaling_local2_over_local1_by_buckets": scaling,
        "decide_cpu_spark_over_inprocess": {
            f"{r['buckets']}/{r['master']}": _ratio(cpu(r, "decide"), cpu(ref, "decide"))
            for r in spark_runs
        },
        "all_phases_cpu_spark_over_inprocess": {
            f"{r['buckets']}/{r['master']}": _ratio(cpu(r), cpu(ref)) for r in spark_runs
        },
        "best_by_cpu": {"master": best["master"], "buckets": best["buckets"]},
        "projection_50m": {
            "debtors": 50_000_000,
            "cpu_s_per_1000_debtors_all_phases": round(cpu(best), 3),
            "cpu_hours": round(50_000_000 * per_debtor / 3600, 1),
            "hours_on_n_cores": {
                str(n): round(50_000_000 * per_debtor / 3600 / (n * useful), 2)
                for n in (16, 64, 256)
            },
            "assumptions": (
                "CPU per debtor of the Spark run with the least CPU (all phases) stays flat with"
                f" size (buckets of the same size, more of them); {useful_says}; the database"
                " takes the export's and write-back's load (one snapshot; at most `connections`"
                " writers), and its own CPU is not counted; Parquet on storage every worker reads."
            ),
        },
    }


def main() -> dict[str, Any]:
    url = os.environ.get("DUNFLOW_BENCH_POSTGRES_URL")
    if not url:
        print("bench_batch: DUNFLOW_BENCH_POSTGRES_URL is not set; skipped")
        return {}
    from batch import spark as engine_spark

    started = time.perf_counter()
    base = make_url(url)
    admin = sa.create_engine(base.set(database="postgres"))
    template, simulated = _template(admin, base)
    pinned = Pinned(tiny_policy(), "bench/1")
    runs: list[dict[str, Any]] = []
    run_db = f"{base.database}_batch_run"
    _cpu = _CpuMeter()
    report.cpu_clock = _cpu  # each phase's CPU: this process and every descendant
    load: list[tuple[float, ...]] = []

    def save() -> dict[str, Any]:
        result = {
            "debtors": DEBTORS,
            "ledger": simulated,
            "masters": list(MASTERS),
            "buckets": list(BUCKETS),
            "runs": runs,
            **_summary(runs),
            "targets": {"decide_scaling_at_least": 1.7, "cpu_ratio_at_most": 1.5},
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "load_average_after_each_run": load,
            },
            "seconds_total": round(time.perf_counter() - started, 1),
        }
        OUT.write_text(json.dumps(result, indent=2) + "\n")
        return result

    def one(label: str, master: str | None, buckets: int, session: Any = None) -> None:
        _copy(admin, template, run_db)
        eng = make_engine(base.set(database=run_db).render_as_string(hide_password=False))
        cpu0 = _cpu()
        if master is None:
            got = inprocess.run(eng, DAY, pinned, buckets=buckets, seed=0, cycle_time=CYCLE)
        else:
            with tempfile.TemporaryDirectory() as work:
                got = engine_spark.run(
                    session, eng, DAY, pinned, buckets=buckets, seed=0, cycle_time=CYCLE,
                    workdir=Path(work), connections=2,
                )  # fmt: skip
        total_cpu = _cpu() - cpu0
        eng.dispose()
        _drop(admin, run_db)
        runs.append(
            {
                "engine": label, "master": master, "buckets": buckets,
                "debtors": got.debtors, "decided": got.decided, "planned": got.planned,
                "cpu_s_total": round(total_cpu, 2), "phases": _phases(got, got.debtors),
            }
        )  # fmt: skip
        load.append(tuple(round(x, 1) for x in os.getloadavg()))
        print(json.dumps(runs[-1]), flush=True)
        save()

    one("inprocess", None, 8)
    # bucket-major, so that an interrupted run already holds both masters for the first B
    for b in BUCKETS:
        for master in MASTERS:
            session = engine_spark.session(master)
            one("spark", master, b, session)
            session.stop()
    return save()


if __name__ == "__main__":
    main()
