"""How a service benchmark runs and records itself: wall seconds, the machine, and its load
averages at the start and the end (the machine is shared: latencies and CPU per call on a busy
one measure the queue for its cores as well), written to its ``results/*.json``. Not a
``bench_*`` script itself."""

import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
    }


def run(main: Callable[[], dict[str, Any]], out: Path) -> dict[str, Any]:
    """``main()``'s result with ``seconds_total`` and the load averages, written to ``out``."""
    t0 = time.perf_counter()
    load_before = os.getloadavg()
    result = main()
    result["seconds_total"] = round(time.perf_counter() - t0, 1)
    result.setdefault("machine", machine())["load_average_1_5_15_min"] = {
        "at_start": [round(x, 2) for x in load_before],
        "at_end": [round(x, 2) for x in os.getloadavg()],
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return result
