"""The plan learner's branch of :func:`policy.decision_path.decide_for` (called only from there).

For the debtors at a checkpoint (a situation without a plan in force) it scores every plan on the
creditor's objective with the plan model, keeps the plans the debtor can be reached by (and the
policy's own arm set), keeps the segment's plan of an anchored policy unless another beats it by
the margin (:func:`policy.plan_choice.anchored`), and chooses with
:func:`policy.plan_choice.choose` (top-k exploration, exact propensity) in one batch; the draws
are keyed by (seed, model version, day, debtor) unless the caller brings a stream (replay does).
Every debtor, at a checkpoint or not, then gets what its plan in force does today
(:func:`policy.plan_clock.plan_action`), among the actions the rules allow. The explanation of a
choice is :func:`policy.plan_explain.explain_plan`: the chosen plan against waiting and against
the runner-up, in euros, in the client's language. The plan-logging policy
(:class:`policy.plan_logging.PlanLoggingPolicy`, no model) chooses at checkpoints with its own
``choose`` (the segment's stated plan or a neighbour) and explains with its own words; the rest is
shared. Every choice carries the plans it was chosen among (``PlanAnswer.available``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ledger.enums import Stage
from policy.actions import Action, wait
from policy.choice import keyed_uniform
from policy.explain import Reason
from policy.plan_choice import Choice, choose
from policy.plan_clock import PlanInForce, plan_action
from policy.plan_encoding import EncodedPlanStates
from policy.plan_explain import PlanExplanation, explain_plan
from policy.plan_logging import PlanLoggingPolicy
from policy.plan_model import COMPONENTS, one_row
from policy.plan_pyfunc import Plan, PlanDunningPolicy

if TYPE_CHECKING:
    from policy.decision_path import Situation

F = NDArray[np.float64]
B = NDArray[np.bool_]


@dataclass(frozen=True)
class PlanAnswer:
    """The plan a debtor follows after this decision."""

    arm: int
    label: str
    checkpoint: bool  # chosen now (False: the plan in force continues)
    chosen_on: date
    dpd: int  # days past due when it was chosen
    propensity: float  # the probability with which it was chosen
    value_eur: float | None = None  # its expected value on the creditor's objective (at a choice)
    runner_up: int = -1
    greedy: int = -1  # the best plan (the chosen one unless it explored)
    available: tuple[str, ...] | None = None  # at a choice: the plans it was chosen among


@dataclass
class PlanChoices:
    """The choices at the checkpoints of one call, by position among the situations."""

    choice: Choice
    parts: F | None  # [row, arm, component] (None: the plan-logging policy, which has no values)
    rows: pd.DataFrame  # the state rows, same order (none for the plan-logging policy)
    index: dict[int, int]  # situation position -> row
    available: B  # [row, arm]: the plans each row was chosen among
    encoded: F | None = None  # the rows as the boosters read them (None: not kept)
    stated: NDArray[np.int64] | None = None  # the plan-logging policy's: each row's segment plan
    anchor: NDArray[np.int64] | None = None  # ... and the plan it keeps with 1 - epsilon


class _KeyedDraws:
    """The ``random(n)`` of a generator, drawn per debtor from a key instead of a stream: the k-th
    call gives each debtor ``key(debtor, k)``, so asking again gives the same choice."""

    def __init__(self, key: Callable[..., float], debtors: Sequence[int]) -> None:
        self.key, self.debtors, self.calls = key, debtors, 0

    def random(self, n: int) -> F:
        assert n == len(self.debtors)
        self.calls += 1
        return np.array([self.key(d, self.calls) for d in self.debtors])


def reachable_arms(policy: PlanDunningPolicy, situation: Situation) -> B:
    """The plans a situation may choose: its own mask, else those whose channel the debtor can
    be reached by (waiting always), within the policy's arm set."""
    if situation.arms is not None:
        mask = np.asarray(situation.arms, dtype=bool).copy()
    else:
        usable = situation.state.usable_channels() if situation.state is not None else None
        mask = np.array(
            [p.channel is None or usable is None or p.channel in usable for p in policy.arms]
        )
    return np.asarray(mask & policy.arm_mask())


def choose_plans(
    policy: PlanDunningPolicy,
    cases: Sequence[Situation],
    base: pd.DataFrame | EncodedPlanStates,
    rng: np.random.Generator | Callable[[int], float] | None,
    key: Callable[..., float],
) -> PlanChoices | None:
    """The plans chosen for the situations without a plan in force (None: there are none)."""
    due = [i for i, c in enumerate(cases) if c.plan is None]
    if not due:
        return None
    ids = [cases[i].debtor_id for i in due]
    available = np.stack([reachable_arms(policy, cases[i]) for i in due])
    if isinstance(rng, np.random.Generator):
        draws = rng
    else:
        one = rng
        k = key if one is None else (lambda d, n: one(d) if n == 1 else keyed_uniform(one(d), n))
        draws = cast(np.random.Generator, _KeyedDraws(k, ids))
    if isinstance(policy, PlanLoggingPolicy):
        stated = np.array([policy.stated_arm(_stated(cases[i])) for i in due], dtype=np.int64)
        rows = None
        if policy.reads_state:
            rows = _rows(base, ids)
        anchor = policy.anchored(stated, rows)
        logged, among = policy.choose(stated, available, draws, anchor)
        index = {i: j for j, i in enumerate(due)}
        return PlanChoices(logged, None, rows if rows is not None else pd.DataFrame(index=ids),
                           index, among, stated=stated, anchor=anchor)  # fmt: skip
    model = policy.model
    assert model is not None
    states = base if isinstance(base, EncodedPlanStates) else EncodedPlanStates(base, None)
    missing = [d for d in ids if d not in states.rows.index]
    if missing:
        raise ValueError(f"debtor {missing[0]}: no checkpoint state row in base")
    rows, encoded = states.take(ids)
    # only the policy's own plans are scored (the rest could never be chosen): NaN marks them
    mine = policy.scored_arms()
    parts = np.full((len(ids), model.n_arms, len(COMPONENTS)), np.nan)
    known = states.predicted(ids, mine)
    parts[:, mine] = known if known is not None else model.predict(rows, mine, encoded=encoded)
    scores = policy.scores(rows, parts, states.anchors_of(ids), available)
    choice = choose(scores, available, draws, policy.exploration)
    index = {i: j for j, i in enumerate(due)}
    return PlanChoices(choice, parts, rows, index, available, encoded)


def _rows(base: pd.DataFrame | EncodedPlanStates, ids: list[int]) -> pd.DataFrame:
    """The plan-logging policy's state rows of ``ids``, in this order (for its evidence)."""
    states = base if isinstance(base, EncodedPlanStates) else EncodedPlanStates(base, None)
    try:
        return states.take(ids)[0]
    except KeyError as err:
        raise ValueError(f"{err.args[0]}: the plan-logging policy's evidence needs it") from None


def _stated(case: Situation) -> str | None:
    """The segment's stated plan of a situation the plan-logging policy decides."""
    if case.state is None or case.state.segment_plan is None:
        raise ValueError(f"debtor {case.debtor_id}: the plan-logging policy needs a segment plan")
    return case.state.segment_plan


def plan_answer(
    policy: PlanDunningPolicy,
    case: Situation,
    position: int,
    chosen: PlanChoices | None,
    now: datetime,
    day: date,
    dpd: int,
    *,
    explain: bool,
    lang: str,
) -> tuple[PlanAnswer, Action, list[Reason], str | None]:
    """The plan after the decision, today's action under it, the reasons (at a choice: the
    explanation against waiting and the runner-up) and the runner-up plan (None between
    checkpoints)."""
    plans = policy.arms
    nl = lang == "nl"
    if chosen is None or position not in chosen.index:
        force = case.plan
        assert force is not None
        plan = plans[force.arm]
        answer = PlanAnswer(force.arm, plan.label, False, force.chosen_on, force.dpd,
                            force.propensity)  # fmt: skip
        text = (
            f"plan {plan.label} geldt sinds {force.chosen_on.isoformat()}"
            if nl
            else f"plan {plan.label} in force since {force.chosen_on.isoformat()}"
        )
        return answer, _today(plan, case, now), [Reason("plan", text, plan.label, 0.0)], None
    j = chosen.index[position]
    c = chosen.choice
    arm, runner = int(c.arm[j]), int(c.runner_up[j])
    plan = plans[arm]
    parts = chosen.parts
    value = None if parts is None else float(policy.objective.value(parts[j, arm]))
    among = tuple(plans[k].label for k in np.flatnonzero(chosen.available[j]))
    answer = PlanAnswer(arm, plan.label, True, day, dpd, float(c.propensity[j]), value, runner,
                        int(c.greedy[j]), among)  # fmt: skip
    reasons = [Reason("plan", plan.label, plan.label, 0.0)]
    versus = None
    if isinstance(policy, PlanLoggingPolicy):
        assert chosen.stated is not None
        assert chosen.anchor is not None
        text = policy.reason(arm, int(chosen.stated[j]), answer.propensity, lang,
                             int(chosen.anchor[j]))  # fmt: skip
        return answer, _today(plan, case, now), [Reason("plan", text, plan.label, 0.0)], None
    if explain:
        encoded = None if chosen.encoded is None else chosen.encoded[j : j + 1]
        assert parts is not None
        why = _explain(policy, one_row(chosen.rows, j), arm, runner, lang, encoded,
                       parts[j])  # fmt: skip
        reasons = [Reason("plan", why.text, plan.label, 0.0)]
        versus = plans[runner].label if runner >= 0 else None
    return answer, _today(plan, case, now), reasons, versus


def _today(plan: Plan, case: Situation, now: datetime) -> Action:
    if case.state is None:  # replay's runner acts for the plan itself
        return wait(Stage.REMINDER, now, f"plan {plan.label}")
    return plan_action(plan, case.state, case.options, now)


def _explain(
    policy: PlanDunningPolicy,
    row: pd.DataFrame,
    arm: int,
    runner: int,
    lang: str,
    encoded: F | None,
    parts: F,
) -> PlanExplanation:
    model = policy.model
    assert model is not None
    wait_arm = [k for k, p in enumerate(policy.arms) if p.channel is None]
    others = [k for k in (*wait_arm[:1], runner) if k >= 0 and k != arm]
    return explain_plan(
        model, policy.objective, row, arm, list(dict.fromkeys(others)),
        policy.channels, policy.tones, lang=lang, ledger_terms=policy.state_source == "ledger",
        encoded=encoded, parts=parts,
    )  # fmt: skip


def keyed(seed: int, version: str, day: date) -> Callable[..., float]:
    return partial(keyed_uniform, seed, version, day)


__all__ = ["PlanAnswer", "PlanInForce", "choose_plans", "keyed", "plan_answer"]
