"""Benchmark: import the full real SAP FI-AR export (266,093 lines) into a fresh SQLite ledger.

Writes ``benchmarks/results/import_sap.json`` (rows, seconds, rows per second, peak RSS, inserted
counts, machine). Skips gracefully (writes nothing, exits 0) when the real data is absent.
Budget: ≤ 60 s on a 2-core machine.
"""

import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAP_ZIP = ROOT.parent / "shared" / "data" / "real" / "sap_receivables_line_items.zip"
RESULT = ROOT / "benchmarks" / "results" / "import_sap.json"


def main() -> int:
    if not SAP_ZIP.is_file():
        print(f"skipped: real SAP export not found at {SAP_ZIP}")
        return 0
    import psutil
    from sqlmodel import SQLModel

    import ledger.tables  # noqa: F401
    from ledger.db import make_engine
    from ledger.importers import import_file

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        SQLModel.metadata.create_all(engine)
        started = time.perf_counter()
        summary = import_file(
            engine,
            SAP_ZIP,
            entity="invoices",
            fmt="sap",
            creditor="SAP benchmark",
            create_creditor=True,
        )
        seconds = time.perf_counter() - started
        engine.dispose()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = {
        "benchmark": "import_sap",
        "file": SAP_ZIP.name,
        "rows": summary.rows_read,
        "seconds": round(seconds, 2),
        "rows_per_second": round(summary.rows_read / seconds),
        "budget_seconds": 60,
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "counts": {kind: vars(c) for kind, c in summary.counts.items()},
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(),
            "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        },
        "database": "sqlite (file, WAL)",
    }
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0 if seconds <= 60 else 1


if __name__ == "__main__":
    sys.exit(main())
