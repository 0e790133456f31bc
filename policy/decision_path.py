"""The one decision path: what to do for each debtor now, from the ladder or the learned policy.

:func:`decide_for` is called by everything that decides — the scoring API (which the scheduler
asks), replay in the simulator (``training.sim_policy``) and the batch engine (``batch``) — so
they cannot drift apart. Each caller brings only its I/O: the debtors' situations (their flow
state and what the rules allow now, or a state to derive that from), the feature rows as of the
day, and a model pinned to a version (or none: the ladder). The answer per debtor is the action,
its propensity (1 for the ladder), the scored alternatives, the explanation and, for each channel
the rules removed, the rules' reasons. The plan-logging policy (:mod:`policy.plan_logging`: the
creditor's segment plans with targeted exploration, no model) answers through the plan learner's
branch for the debtors whose segment states a plan and through the ladder for the others.

Draws are keyed by (seed, model version, the creditor's local day, debtor) unless the caller
passes a stream (replay does, to keep its common random numbers): asked again the same day, on
another worker or in another engine, a debtor gets the same answer, so the logged propensity
stays the true chance of what was done.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ledger.enums import Channel, Tone
from policy.actions import Action
from policy.candidates import allowed_actions
from policy.choice import keyed_uniform
from policy.decide import Decision, decide
from policy.encoding import CandidateTable, EncodedBase
from policy.explain import Reason
from policy.flow_state import DebtorState
from policy.guardrails import check_channels
from policy.ladder import ladder_action
from policy.plan_clock import PlanInForce
from policy.plan_encoding import EncodedPlanStates
from policy.plan_logging import PlanLoggingPolicy
from policy.plan_path import PlanAnswer, choose_plans, keyed, plan_answer
from policy.plan_pyfunc import PlanDunningPolicy
from policy.pyfunc import DunningPolicy

LADDER_VERSION = "ladder"
_NO_ROWS = pd.DataFrame()  # the plan-logging policy reads no state rows
FeatureRows = pd.DataFrame | EncodedBase | EncodedPlanStates
"""What ``decide_for`` reads the debtors' features from (see its ``base``)."""


@dataclass(frozen=True)
class Pinned:
    """A learned policy and the registry version it was loaded as (ids and draws depend on it)."""

    policy: DunningPolicy | PlanDunningPolicy
    version: str

    @property
    def learned(self) -> bool:
        """Whether it answers by itself (a learned policy, or the plan-logging policy, which
        needs no model) rather than through the ladder."""
        if isinstance(self.policy, PlanLoggingPolicy):
            return True
        if isinstance(self.policy, PlanDunningPolicy):
            return self.policy.model is not None
        return self.policy.models is not None


@dataclass(frozen=True)
class Situation:
    """One debtor as the decision sees it: the allowed actions (waiting first) and the amount at
    stake; ``state`` is needed for the ladder and the refusals (replay's simulated debtors have
    the simulator's own rules and none)."""

    debtor_id: int
    options: Sequence[Action]
    open_cents: int
    state: DebtorState | None = None
    # the plan learner's: the plans the debtor may be given (default: the reachable channels'),
    # and the plan in force (None: at a checkpoint, a plan is chosen now)
    arms: NDArray[np.bool_] | None = None
    plan: PlanInForce | None = None


@dataclass(frozen=True)
class Alternative:
    action: Action
    value_cents: float
    p_pay: float
    p_complaint: float


@dataclass(frozen=True)
class Refusal:
    channel: Channel
    reasons: tuple[str, ...]


@dataclass
class Answer:
    debtor_id: int
    action: Action
    option: int | None  # position in the situation's options (None: the ladder's own action)
    model_version: str
    degraded: bool  # True when the ladder answered (no learned model)
    propensity: float
    value_cents: float = 0.0
    p_pay: float | None = None
    p_complaint: float | None = None
    alternatives: list[Alternative] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    shap: dict[str, float] = field(default_factory=dict)
    base_value: float | None = None
    versus_runner_up: str | None = None
    refusals: list[Refusal] = field(default_factory=list)
    plan: PlanAnswer | None = None  # the plan learner's: the plan followed after this answer


def situations(
    states: Mapping[int, DebtorState],
    now: datetime,
    plans: Mapping[int, PlanInForce | None] | None = None,
) -> list[Situation]:
    """Each state's situation now: the rules' allowed actions and the open amount (``plans``: a
    plan champion's plans in force, None for a debtor at a checkpoint)."""
    return [
        Situation(
            debtor_id,
            allowed_actions(state, now),
            sum(i.open_amount_cents for i in state.invoices),
            state,
            plan=None if plans is None else plans[debtor_id],
        )
        for debtor_id, state in states.items()
    ]


def refusals(state: DebtorState, allowed: Sequence[Action], now: datetime) -> list[Refusal]:
    """For each channel with no allowed candidate, the rules that removed it."""
    offered = {a.channel for a in allowed if not a.is_wait}
    refused = [channel for channel in Channel if channel not in offered]
    probes = [Action(c, Tone.NEUTRAL, now, state.stage, f"probe.{c.value}") for c in refused]
    return [
        Refusal(c, v.reasons or ("no send time within the horizon satisfies the rules",))
        for c, v in zip(refused, check_channels(probes, state), strict=True)
    ]


def decide_for(
    states: Mapping[int, DebtorState] | Sequence[Situation],
    now: datetime,
    model: Pinned | None,
    *,
    base: FeatureRows | None = None,
    day: date | None = None,
    seed: int = 0,
    rng: np.random.Generator | Callable[[int], float] | None = None,
    lang: str = "en",
    explain: bool = True,
    with_refusals: bool = True,
) -> list[Answer]:
    """One answer per debtor, in the order given.

    ``base``: the debtors' feature rows as of ``now``'s day (index: debtor id), or their
    encoding for the model (a plan model's: checkpoint state rows, or
    :class:`EncodedPlanStates`); needed only when ``model`` is learned. ``day``: the creditor's
    local day keying the draws (default: ``now``'s UTC date); ``rng`` replaces the keyed draws."""
    cases = situations(states, now) if isinstance(states, Mapping) else list(states)
    if model is None or not model.learned:
        return [_ladder(case, now, with_refusals) for case in cases]
    if isinstance(model.policy, PlanLoggingPolicy):
        states_at = base if isinstance(base, (pd.DataFrame, EncodedPlanStates)) else _NO_ROWS
        return _logged(cases, now, model, states_at, day, seed, rng, lang, with_refusals)
    if base is None:
        raise ValueError("decide_for: a learned model needs the debtors' feature rows (base)")
    if isinstance(model.policy, PlanDunningPolicy):
        assert isinstance(base, (pd.DataFrame, EncodedPlanStates))
        return _plans(cases, now, model, base, day, seed, rng, lang, explain, with_refusals)
    policy = model.policy
    assert policy.models is not None
    assert not isinstance(base, EncodedPlanStates)
    rows = []
    for case in cases:
        for a in case.options:
            rows.append(
                (
                    case.debtor_id,
                    None if a.is_wait else str(a.channel),
                    None if a.is_wait else str(a.tone),
                    a.send_at,
                    float(a.cost_cents),
                    float(case.open_cents),
                )
            )
    if rng is None:
        rng = partial(keyed_uniform, seed, model.version, day or now.astimezone(UTC).date())
    decisions = decide(
        policy.models,
        base,
        CandidateTable.from_rows(rows),
        now=now,
        weights=policy.weights,
        exploration=policy.exploration,
        rng=rng,
        explain_choice=explain,
        lang=lang,
    )
    by_debtor = {d.debtor_id: d for d in decisions}
    out, offset = [], 0
    for case in cases:
        out.append(_learned(case, by_debtor[case.debtor_id], offset, now, model, with_refusals))
        offset += len(case.options)
    return out


def _plans(
    cases: Sequence[Situation],
    now: datetime,
    model: Pinned,
    base: pd.DataFrame | EncodedPlanStates,
    day: date | None,
    seed: int,
    rng: np.random.Generator | Callable[[int], float] | None,
    lang: str,
    explain: bool,
    with_refusals: bool,
) -> list[Answer]:
    """The plan learner: a plan chosen at each checkpoint, today's action under the plan in force
    (``base``: the checkpoint state rows of the debtors at a checkpoint, index debtor id)."""
    policy = model.policy
    assert isinstance(policy, PlanDunningPolicy)
    today = day or now.astimezone(UTC).date()
    chosen = choose_plans(policy, cases, base, rng, keyed(seed, model.version, today))
    out = []
    for i, case in enumerate(cases):
        state = case.state
        if state is not None:
            dpd = state.days_overdue(today)
        elif chosen is not None and i in chosen.index:
            dpd = int(chosen.rows.iloc[chosen.index[i]].get("dpd", 0))
        else:
            dpd = 0
        plan, action, reasons, versus = plan_answer(
            policy, case, i, chosen, now, today, dpd, explain=explain, lang=lang
        )
        option = next((k for k, a in enumerate(case.options) if a == action), None)
        out.append(
            Answer(
                debtor_id=case.debtor_id,
                action=action,
                option=option,
                model_version=model.version,
                degraded=False,
                # the logged chance of this answer: the plan's at its checkpoint; between
                # checkpoints the plan in force decides (probability 1)
                propensity=plan.propensity if plan.checkpoint else 1.0,
                value_cents=100.0 * (plan.value_eur or 0.0),
                reasons=reasons,
                versus_runner_up=versus,  # the runner-up plan; the reasons compare it
                refusals=refusals(state, case.options, now)
                if with_refusals and state is not None
                else [],
                plan=plan,
            )
        )
    return out


def _logged(
    cases: Sequence[Situation],
    now: datetime,
    model: Pinned,
    base: pd.DataFrame | EncodedPlanStates,
    day: date | None,
    seed: int,
    rng: np.random.Generator | Callable[[int], float] | None,
    lang: str,
    with_refusals: bool,
) -> list[Answer]:
    """The plan-logging policy (:mod:`policy.plan_logging`): the plan branch for the debtors
    whose segment states a plan of the grid, the ladder for the others (``base``: the plan
    state rows its evidence reads; none without evidence)."""
    policy = model.policy
    assert isinstance(policy, PlanLoggingPolicy)
    stated = [
        i
        for i, c in enumerate(cases)
        if c.state is not None and policy.stated_arm(c.state.segment_plan) >= 0
    ]
    planned = _plans([cases[i] for i in stated], now, model, base, day, seed, rng, lang,
                     False, with_refusals)  # fmt: skip
    by_case = dict(zip(stated, planned, strict=True))
    return [by_case.get(i) or _ladder(c, now, with_refusals) for i, c in enumerate(cases)]


def _ladder(case: Situation, now: datetime, with_refusals: bool) -> Answer:
    if case.state is None:
        raise ValueError(f"debtor {case.debtor_id}: the ladder needs the debtor's flow state")
    action = ladder_action(case.state, now)
    text = action.note or (
        "the fixed ladder's next level" if not action.is_wait else "the ladder waits today"
    )
    return Answer(
        debtor_id=case.debtor_id,
        action=action,
        option=None,
        model_version=LADDER_VERSION,
        degraded=True,
        propensity=1.0,
        reasons=[Reason("ladder", text, None, 0.0)],
        refusals=refusals(case.state, case.options, now) if with_refusals else [],
    )


def _learned(
    case: Situation, d: Decision, offset: int, now: datetime, model: Pinned, with_refusals: bool
) -> Answer:
    options = case.options
    return Answer(
        debtor_id=case.debtor_id,
        action=options[d.chosen - offset],
        option=d.chosen - offset,
        model_version=model.version,
        degraded=False,
        propensity=d.propensity,
        value_cents=d.value_cents,
        p_pay=d.p_pay,
        p_complaint=d.p_complaint,
        alternatives=[
            Alternative(options[a["row"] - offset], a["value_cents"], a["p_pay"], a["p_complaint"])
            for a in d.alternatives
        ],
        reasons=d.reasons,
        shap=d.shap,
        base_value=d.base_value,
        versus_runner_up=d.versus_runner_up,
        refusals=refusals(case.state, options, now)
        if with_refusals and case.state is not None
        else [],
    )
