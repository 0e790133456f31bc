"""The declared worlds and seeds every choice and every report uses: one place, never repeated.

* ``DEFAULT_REPORT``: the default world, replay seed 2027, 600 debtors x 120 days (the README's
  table); its baselines and knobs are chosen on ``DEFAULT_VALIDATION`` (seeds 9001 and 9002).
* ``VALIDATION``: 10 worlds sampled around the default world with generator seed 101. Every knob
  (weights, hyper-parameters, features, the baselines' plans) is chosen here.
* ``TEST``: 10 worlds, generator seed 202. Reported on, never used for any choice.

Replay seeds of a sampled family are derived: world ``i`` of generator seed ``S`` replays with seed
``S * 100 + i``. All worlds are 600 debtors x 120 days. ``choice_family`` says on which family a
report's baselines are chosen (a family without one chooses on itself: in-sample). A choice made
on TEST, or a second place declaring these seeds, would void every report: never do either.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from simulator.family import family_worlds
from simulator.outcome import WorldCase
from simulator.world_file import DEFAULT_WORLD_PATH, load_world

DEBTORS, DAYS = 600, 120


@dataclass(frozen=True)
class Family:
    name: str
    base: Path = DEFAULT_WORLD_PATH
    generator_seed: int | None = None  # None: the base world itself, at ``seeds``
    n_worlds: int = 0
    seeds: tuple[int, ...] = ()
    debtors: int = DEBTORS
    days: int = DAYS
    choose_on: Family | None = None  # where baselines reported on it are chosen; None: itself

    def replay_seed(self, index: int) -> int:
        if self.generator_seed is None:
            return self.seeds[index]
        return self.generator_seed * 100 + index


DEFAULT_VALIDATION = Family("default-validation", seeds=(9001, 9002))
DEFAULT_REPORT = Family("default", seeds=(2027,), choose_on=DEFAULT_VALIDATION)
VALIDATION = Family("validation", generator_seed=101, n_worlds=10)
TEST = Family("test", generator_seed=202, n_worlds=10, choose_on=VALIDATION)
FAMILIES = {f.name: f for f in (DEFAULT_REPORT, DEFAULT_VALIDATION, VALIDATION, TEST)}


def choice_family(report: Family) -> Family:
    """Where the baselines reported on ``report`` are chosen (validation is its own choice)."""
    return report.choose_on or report


@cache
def cases(family: Family) -> tuple[WorldCase, ...]:
    """The worlds of a family, each with its replay seed and size."""
    base = load_world(family.base)
    if family.generator_seed is None:
        return tuple(
            WorldCase(f"{base.name}@{s}", base, s, family.debtors, family.days)
            for s in family.seeds
        )
    worlds = family_worlds(base, family.generator_seed, family.n_worlds)
    return tuple(
        WorldCase(w.name, w, family.replay_seed(i), family.debtors, family.days)
        for i, w in enumerate(worlds)
    )
