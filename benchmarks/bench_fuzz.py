"""Benchmark: bad input at scale, with the same properties as the tests and many more examples.

- ``api``: schemathesis over every operation of the scoring API (positive and negative cases per
  operation) plus stateful scenarios along the OpenAPI links, at least 5,000 requests in all.
  Judged: 0 server errors, every 4xx names the field and the problem.
- ``imports``: Hypothesis-generated corruption of generic CSV, SAP and CAMT.053 files. Judged: the
  import succeeds whole or writes nothing, raises nothing but ImportValidationError, and every
  error names file, row and column, in row order.

Writes ``benchmarks/results/fuzz.json`` (a part run alone keeps the other part's last figures);
asserts nothing (``make bench`` shows the figures).
Usage: ``python benchmarks/bench_fuzz.py [api|imports]``.
"""

import json
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OUT = ROOT / "benchmarks" / "results" / "fuzz.json"
API_EXAMPLES = 150  # per operation and generation mode (a fifth for the two PDF operations)
# Hypothesis stops early on operations with few distinct inputs (/healthz has one): 150 gave 2,224
# per-operation cases, 220 scenarios 2,182 steps (4,406 requests); 350 scenarios make up the rest
API_SCENARIOS, API_STEPS = 350, 10
IMPORT_EXAMPLES = 200  # per file (five files: 1,000 corrupted imports)
MIN_REQUESTS = 5000


def api() -> dict[str, Any]:
    from tests.serving.api.api_fuzz import FuzzCounts, fuzz_operations, fuzz_stateful, target
    from tests.serving.api.tiny_policy import tiny_policy

    counts = FuzzCounts()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, target(Path(tmp), tiny_policy()) as t:
        fuzz_operations(t, API_EXAMPLES, counts)
        fuzz_stateful(t, API_SCENARIOS, API_STEPS, counts)
    out = counts.as_dict() | {
        "examples_per_operation_and_mode": API_EXAMPLES,
        "stateful_scenarios": API_SCENARIOS, "max_steps_per_scenario": API_STEPS,
        "seconds": round(time.perf_counter() - started, 1),
        "target": f">= {MIN_REQUESTS} requests, 0 server errors, every 4xx names the field",
        "met": counts.requests >= MIN_REQUESTS and not counts.problems,
        "first_problems": counts.problems[:20],
    }  # fmt: skip
    return out


def imports() -> dict[str, Any]:
    from tests.ledger.importers.corruption import run_all

    started = time.perf_counter()
    out = run_all(IMPORT_EXAMPLES)
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out


def main() -> None:
    parts = sys.argv[1:] or ["api", "imports"]
    measured = {part: api() if part == "api" else imports() for part in parts}
    for part, figures in measured.items():
        print(part, json.dumps({k: v for k, v in figures.items() if k != "first_problems"}))
    # read just before writing: a part run alone keeps the other part's figures
    result: dict[str, Any] = json.loads(OUT.read_text()) if OUT.exists() else {}
    result |= measured
    result["machine"] = {"python": platform.python_version(), "cpus": _cpus()}
    result["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    main()
