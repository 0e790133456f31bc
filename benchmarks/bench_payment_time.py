"""Benchmark: the payment-time model against a plain LightGBM over as-of customer history on the
IBM sample, at chronological cuts from 70 % to 85 % of the invoices (issue 16, cold start).

Imports ``../shared/data/real/ibm_accounts_receivable.csv`` into a scratch SQLite ledger and runs
:func:`training.payment_time_baseline.compare_at_cuts`. Writes
``benchmarks/results/payment_time.json``; asserts nothing (the test suite does).
"""

import json
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from dunflow.cli import app  # noqa: E402
from features import load_frames  # noqa: E402
from training.payment_time_baseline import compare_at_cuts  # noqa: E402

IBM = ROOT.parent / "shared" / "data" / "real" / "ibm_accounts_receivable.csv"


def main() -> None:
    if not IBM.exists():
        print(f"skipped: {IBM} not found")
        return
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'ibm.db'}"
        runner = CliRunner()
        runner.invoke(app, ["db", "upgrade", "--db", url], catch_exceptions=False)
        args = ["import", "invoices", str(IBM), "--format", "ibm", "--creditor", "IBM"]
        args.append("--create-creditor")
        runner.invoke(app, [*args, "--db", url], catch_exceptions=False)
        t0 = time.perf_counter()
        rows = compare_at_cuts(load_frames(create_engine(url)))
        seconds = time.perf_counter() - t0
    wins = {
        m: sum(
            (r[f"model_{m}"] >= r[f"baseline_{m}"])
            if m == "auc"
            else (r[f"model_{m}"] <= r[f"baseline_{m}"])  # type: ignore[operator]
            for r in rows
        )
        for m in ("auc", "logloss", "mae_days")
    }
    out = {
        "benchmark": "payment_time",
        "what": "payment-time model vs plain LightGBM on as-of customer history, IBM sample",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpu": platform.processor()},
        "seconds": round(seconds, 1),
        "cuts": [
            {k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()} for r in rows
        ],
        "model_at_least_as_good": {m: f"{n} of {len(rows)}" for m, n in wins.items()},
    }
    path = ROOT / "benchmarks" / "results" / "payment_time.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
