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


def _rounded(value: object) -> object:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


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
    verdicts = {
        m: [r["paired"][m]["verdict"] for r in rows]  # type: ignore[index]
        for m in ("auc", "logloss", "mae_days")
    }
    out = {
        "benchmark": "payment_time",
        "what": "payment-time model vs plain LightGBM on as-of customer history, IBM sample",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpu": platform.processor()},
        "seconds": round(seconds, 1),
        "cuts": [_rounded(r) for r in rows],
        "model_matches_or_beats": {
            m: f"{sum(v != 'worse' for v in vs)} of {len(vs)} (better in {vs.count('better')})"
            for m, vs in verdicts.items()
        },
        "judged_by": "paired bootstrap over customers, 95 % interval of model minus baseline; "
        "matches unless the interval lies wholly on the worse side of 0",
    }
    path = ROOT / "benchmarks" / "results" / "payment_time.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
