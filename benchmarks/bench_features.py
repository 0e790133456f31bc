"""Benchmark: point-in-time features for a 1M-invoice synthetic ledger (about 3M events).

Builds the ledger as frames (no database) with the test suite's vectorised generator, then builds
every feature for every invoice as of its issue date (the payment-time model's training rows),
timing the build and recording the process's peak RSS. Targets: ≤ 60 s and ≤ 4 GB. Writes
``benchmarks/results/features.json``; asserts nothing (``make bench`` shows the figures).
"""

import json
import os
import platform
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from features.build import build_features  # noqa: E402
from features.training_set import invoice_issue_requests  # noqa: E402
from tests.features.synthetic_ledger import synthetic_frames  # noqa: E402

N_INVOICES = int(os.environ.get("BENCH_INVOICES", "1000000"))
TARGET_SECONDS, TARGET_RSS_MB = 60.0, 4096.0


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    t0 = time.perf_counter()
    frames = synthetic_frames(N_INVOICES, seed=42, span_days=730, invoices_per_debtor=10)
    generate_s = time.perf_counter() - t0
    events = {
        "invoices_issued": len(frames.invoices),
        "payments": int(frames.invoices["paid_ts"].notna().sum()),
        "contacts": len(frames.contacts),
        "contact_invoice_links": len(frames.contact_invoices),
        "outcomes": len(frames.outcomes),
        "dossier_events": len(frames.dossier),
    }
    requests = invoice_issue_requests(frames)
    t1 = time.perf_counter()
    table = build_features(frames, requests)
    build_s = time.perf_counter() - t1
    peak = _peak_rss_mb()
    result = {
        "benchmark": "features: every invoice as of its issue date",
        "n_invoices": len(frames.invoices),
        "n_debtors": len(frames.debtors),
        "events": events,
        "total_events": sum(v for k, v in events.items() if k != "contact_invoice_links"),
        "n_requests": len(requests),
        "n_feature_columns": table.shape[1],
        "seconds_generate": round(generate_s, 2),
        "seconds_build_features": round(build_s, 2),
        "rows_per_second": round(len(requests) / build_s),
        "peak_rss_mb": round(peak, 1),
        "target_seconds": TARGET_SECONDS,
        "target_peak_rss_mb": TARGET_RSS_MB,
        "within_target": build_s <= TARGET_SECONDS and peak <= TARGET_RSS_MB,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "pandas": pd.__version__,
            "platform": platform.platform(),
        },
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    out = ROOT / "benchmarks" / "results" / "features.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
