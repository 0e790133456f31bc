"""Benchmark: the closed loop (``dunflow simulate loop``) on the default world.

Writes ``benchmarks/results/loop.json`` with a ``loop`` section per gate reference: each round's
candidate (greedy) share of the ceiling in the first three validation worlds, the reference's, the
gate's verdict and failed checks, what was deployed next and its coverage of the action space.
``segment-fixed`` is the gate's bar; ``ladder`` is run beside it so a champion is deployed and
its exploration's coverage measured. Part of ``make bench``; run alone:
``python benchmarks/bench_loop.py [--rounds N] [--reference NAME ...]``.
"""

import argparse
import json
import time
from pathlib import Path
from typing import Any

from training.policy_loop import LoopConfig, run_loop

OUT = Path(__file__).resolve().parent / "results" / "loop.json"


def main(rounds: int = 4, references: tuple[str, ...] = ("segment-fixed", "ladder")) -> None:
    body: dict[str, Any] = json.loads(OUT.read_text()) if OUT.exists() else {}
    loops = body.setdefault("loop", {})
    for ref in references:
        start = time.perf_counter()
        loops[ref] = run_loop(LoopConfig(rounds=rounds, reference=ref), progress=print)
        print(f"{ref}: {time.perf_counter() - start:.0f} s")
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(json.dumps(body, indent=2))  # each part as soon as it is done
    print(f"wrote {OUT}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--reference", action="append")
    args = parser.parse_args()
    main(args.rounds, tuple(args.reference or ("segment-fixed", "ladder")))
