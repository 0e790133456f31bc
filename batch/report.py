"""What a batch run did and what each phase cost (wall and CPU seconds)."""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

# what a phase's CPU seconds are read from: this process's by default; the benchmark swaps in its
# whole process tree's (Spark's JVM and Python workers run outside this process)
cpu_clock: Callable[[], float] = time.process_time


@dataclass
class RunReport:
    engine: str
    buckets: int
    debtors: int = 0
    decided: int = 0
    planned: int = 0
    inserted_recommendations: int = 0
    inserted_contacts: int = 0
    run_written: bool = False
    wall_s: dict[str, float] = field(default_factory=dict)
    cpu_s: dict[str, float] = field(default_factory=dict)  # by :data:`cpu_clock`
    finished: float = 0.0

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), cpu_clock()
        try:
            yield
        finally:
            self.wall_s[name] = round(time.perf_counter() - wall, 3)
            self.cpu_s[name] = round(cpu_clock() - cpu, 3)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("finished")
        return out
