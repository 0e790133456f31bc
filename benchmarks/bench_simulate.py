"""Benchmark: ``dunflow simulate`` at full size (5,000 debtors x 540 days) into a fresh SQLite DB.

Writes ``benchmarks/results/simulate.json``: seconds (simulation, ledger write, total), rows written
per table and peak RSS. Target: total <= 120 s on 2 cores.
"""

import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from ledger import migrate
from ledger.db import make_engine
from simulator.config import SimConfig
from simulator.generate import simulate_to_ledger

OUT = Path(__file__).resolve().parent / "results" / "simulate.json"


def main(debtors: int = 5_000, days: int = 540, seed: int = 42) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        t0 = time.perf_counter()
        migrate.upgrade(url)
        engine = make_engine(url)
        t1 = time.perf_counter()
        marks: dict[str, float] = {}
        res = simulate_to_ledger(
            engine,
            seed,
            SimConfig(n_debtors=debtors, days=days),
            Path(tmp) / "bench.truth.parquet",
            on_day=lambda d: marks.__setitem__("sim_done", time.perf_counter()),
        )
        t2 = time.perf_counter()
        engine.dispose()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result: dict[str, object] = {
        "debtors": debtors,
        "days": days,
        "seed": seed,
        "seconds_total": round(t2 - t0, 2),
        "seconds_migrate": round(t1 - t0, 2),
        "seconds_simulate": round(marks["sim_done"] - t1, 2),
        "seconds_write_ledger": round(t2 - marks["sim_done"], 2),
        "rows": res.rows,
        "rows_total": sum(res.rows.values()),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "target_seconds": 120,
        "python": sys.version.split()[0],
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
