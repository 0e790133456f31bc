"""What the plan learner adds over its own anchors once the creditor's past is known.

The replay worlds start every debtor with no history: at its first checkpoints the learner knows
no more of a debtor than its segment, so what separates a forgetful debtor or an accounts-payable
department from a chronic late payer (earlier invoices paid on time or late, promises kept) is
missing where the model's choice matters most. A creditor that deploys dunflow knows its debtors'
past. Here every world of a family is replayed for ``past + days`` days, and for the first
``past`` days every policy is ``segment-escalation`` (the learner's anchors without its model, the
rule a creditor served before): until then the runs are one run (common random numbers), so every
debtor reaches day ``past`` with the same past, and the paired difference of the objective over
the whole run is what each candidate did from that day on. The same candidates are also replayed
from day 0 (no past) over the same ``past + days`` days, for the comparison.

``python -m training.plan_known_past [--family validation|test] [--config NAME ...] [--jobs J]``
writes ``benchmarks/results/plan_known_past.json``: per candidate and world, EUR per debtor
against the rule (with the past and without), and the paired mean with a 95 % t-interval over the
worlds. The rule is ``CHOSEN``'s anchors without its model; the candidates ``CHOSEN``, session
15's choice and its anchors (which escalated every broken promise, also a debtor that paid its
earlier invoices on time), and ``plan_bench``'s named candidates. Nothing here changes
``CHOSEN``: its knobs are chosen on VALIDATION by ``training.plan_bench``; ``past`` and ``days``
are the replay worlds' own 120 days, twice, not chosen.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from simulator.evaluation import paired
from simulator.families import FAMILIES, VALIDATION, Family, cases
from simulator.objective import DEFAULT_OBJECTIVE, Objective
from simulator.outcome import WorldCase, run_case, score
from simulator.registry import PolicyFactory
from simulator.world import World
from training.plan_bench import CANDIDATES, over_worlds
from training.plan_learner import (
    CHOSEN,
    ESCALATION_RULE,
    SESSION_15,
    escalation_rule_factory,
    plan_factory,
    with_segment_defaults,
)
from training.plan_policy import Chooser, PlanPolicy

OUT = Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "plan_known_past.json"
PAST = 120  # days every policy is the rule before the candidate decides (a replay world's length)
SESSION_15_RULE = "session-15-rule"
PLAN_LEARNER = "plan-learner"
SESSION_15_LEARNER = "chosen"  # plan_bench's name of session 15's choice


class SwitchedPlanPolicy(PlanPolicy):
    """A plan policy that chooses with ``before`` until ``day`` and with ``after`` from then on:
    its clock, the debtors' histories and the plans in force run through the switch, as when a
    creditor deploys a model on a ledger it served with a rule."""

    def __init__(
        self, world: World, before: PlanPolicy, after: Chooser, day: int, name: str
    ) -> None:
        super().__init__(world, before.chooser, name, arms=before.arms)
        self.after, self.day = after, day

    def decide_batch(self, batch: Any, rng: np.random.Generator) -> Any:
        if batch.day >= self.day:
            self.chooser = self.after
        return super().decide_batch(batch, rng)


def switched(before: PolicyFactory, after: PolicyFactory, day: int, name: str) -> PolicyFactory:
    """``before``'s choices until ``day``, ``after``'s from then on (both plan policies)."""

    def factory(world: World) -> PlanPolicy:
        first, then = before(world), after(world)
        if not (isinstance(first, PlanPolicy) and isinstance(then, PlanPolicy)):
            raise TypeError(f"{name}: both policies must be plan policies")
        return SwitchedPlanPolicy(world, first, then.chooser, day, name)

    return factory


def candidates(family: Family, names: list[str]) -> dict[str, PolicyFactory]:
    """The factories compared with the rule: learners (``CHOSEN``, or ``plan_bench``'s names),
    and session 15's anchors without a model (its rule, which escalated every broken promise)."""
    out: dict[str, PolicyFactory] = {}
    for name in names:
        if name == SESSION_15_RULE:
            out[name] = escalation_rule_factory(with_segment_defaults(SESSION_15, family))
        else:
            cfg = CHOSEN if name == PLAN_LEARNER else CANDIDATES[name]
            out[name] = plan_factory(with_segment_defaults(cfg, family))
    return out


def _objective_per_debtor(case: WorldCase, factory: PolicyFactory, objective: Objective) -> float:
    """The objective per debtor, as replay scores a run (:func:`simulator.outcome.score`)."""
    row = score(run_case(case, "candidate", factory, objective), objective)
    return float(row["objective_eur"]) / case.n_debtors


def world_rows(
    case: WorldCase,
    rule: PolicyFactory,
    factories: Mapping[str, PolicyFactory],
    past: int = PAST,
    objective: Objective = DEFAULT_OBJECTIVE,
) -> dict[str, Any]:
    """One world replayed for ``past`` more days than ``case``: the rule's objective per debtor,
    and per candidate the difference from it, switched in at day ``past`` and from day 0."""
    long = replace(case, days=case.days + past)
    base = _objective_per_debtor(long, rule, objective)
    row: dict[str, Any] = {"world": case.label, "rule_eur_per_debtor": round(base, 2)}
    for name, f in factories.items():
        later = _objective_per_debtor(long, switched(rule, f, past, name), objective)
        scratch = _objective_per_debtor(long, f, objective)
        row[name] = {
            "with_past_eur_per_debtor": round(later - base, 2),
            "without_past_eur_per_debtor": round(scratch - base, 2),
        }
    print(json.dumps(row), flush=True)
    return row


def _world(family_name: str, index: int, names: list[str]) -> dict[str, Any]:
    family = FAMILIES[family_name]
    rule_cfg = with_segment_defaults(CHOSEN, family)
    return world_rows(cases(family)[index], escalation_rule_factory(rule_cfg),
                      candidates(family, names))  # fmt: skip


def summary(rows: list[dict[str, Any]], names: list[str]) -> dict[str, Any]:
    """Per candidate: the paired mean against the rule, with and without the past."""
    out: dict[str, Any] = {}
    for name in names:
        out[name] = {
            kind: {
                **paired([r[name][f"{kind}_eur_per_debtor"] for r in rows]),
                "worlds_above_rule": f"{sum(r[name][f'{kind}_eur_per_debtor'] > 0 for r in rows)}"
                f"/{len(rows)}",
            }
            for kind in ("with_past", "without_past")
        }
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", default=VALIDATION.name, choices=("validation", "test"))
    parser.add_argument("--config", action="append", default=[], help="candidate names")
    parser.add_argument("--worlds", type=int, default=None)
    parser.add_argument("--jobs", type=int, default=1, help="worlds at a time (processes)")
    args = parser.parse_args(argv)
    family = FAMILIES[args.family]
    names = args.config or [PLAN_LEARNER, SESSION_15_LEARNER, SESSION_15_RULE]
    n = args.worlds or len(cases(family))
    candidates(family, names)  # the segment plans' searches, once, before forking
    rows = over_worlds(_world, [(family.name, i, names) for i in range(n)], args.jobs)
    result = {
        "family": family.name,
        "rule": ESCALATION_RULE,
        "past_days": PAST,
        "days_after": cases(family)[0].days,
        "unit": "objective EUR per debtor over the whole run, candidate minus the rule",
        "summary": summary(rows, names),
        "worlds": rows,
    }
    old = json.loads(OUT.read_text()) if OUT.exists() else {}
    old[f"{family.name}"] = _merged(old.get(family.name), result)
    OUT.write_text(json.dumps(old, indent=2) + "\n")
    return result


def _merged(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """``new`` over ``old``'s other candidates (a run names a few), when both were measured
    against the same rule (else ``new`` alone: the old differences are from another rule)."""
    rule = [w["rule_eur_per_debtor"] for w in new["worlds"]]
    if not old or [w["rule_eur_per_debtor"] for w in old.get("worlds", [])] != rule:
        return new
    worlds = [{**o, **w} for o, w in zip(old["worlds"], new["worlds"], strict=True)]
    return {**new, "summary": {**old["summary"], **new["summary"]}, "worlds": worlds}


if __name__ == "__main__":
    main()
