"""Fit the plan model from a checkpoint log: fitted-Q over the checkpoints of an episode.

The reward of a checkpoint is what the debtor's running totals (collected, contact cost,
complaints, contacts) gained until its next checkpoint (or the end of the log). The target of the
arm taken is that reward plus, when the next checkpoint belongs to the same episode, the model's
parts of the best arm there (best on the creditor's objective with its multiplier, among the arms
available then): "waiting" is thus valued with what can be done later. ``iterations`` rounds of
fitting (the first on the rewards alone). Episodes: a next checkpoint starts a new one when its
oldest claim is younger than the elapsed time allows and in the first stage (older claims were
settled); the episode ends there. Checkpoints without a next one and less than ``TAIL_DAYS``
before the log's end are not learnt from (their value is cut short), only bootstrapped into.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from policy.plan_choice import PlanObjective, anchored
from policy.plan_model import ARM_COLUMNS, PlanModelParams, PlanValueModel
from simulator.checkpoints import ARMS
from simulator.debtor_history import CATEGORICAL, STATE_FEATURES
from simulator.params import CHANNELS, TONES
from training.plan_policy import CheckpointLog

F = NDArray[np.float64]
I = NDArray[np.int64]  # noqa: E741
TAIL_DAYS = 45


def arm_table() -> pd.DataFrame:
    """The simulator's arms as the model's arm features (``ARM_COLUMNS``)."""
    ch, tn = [c.value for c in CHANNELS], [t.value for t in TONES]
    rows = [
        (-1, -1, 0, 1) if p is None else (ch.index(p.channel), tn.index(p.tone), p.every, 0)
        for p in ARMS
    ]
    return pd.DataFrame(rows, columns=list(ARM_COLUMNS))


@dataclass(frozen=True)
class Transitions:
    state: pd.DataFrame
    arm: I
    reward: F  # [row, component]
    next_row: I  # -1: the episode ends (or the log does)
    available: NDArray[np.bool_]
    learn: NDArray[np.bool_]  # rows whose target is not cut short
    debtor: I
    day: I
    totals: F  # the debtor's running totals at the checkpoint
    propensity: F  # of the logged arm


def transitions(log: CheckpointLog) -> Transitions:
    state, c = log.frame()
    debtor, day = np.asarray(c["debtor"]), np.asarray(c["day"])
    totals = np.asarray(c["totals"], dtype=float)
    order = np.lexsort((day, debtor))
    state = state.iloc[order].reset_index(drop=True)
    debtor, day, totals = debtor[order], day[order], totals[order]
    arm = np.asarray(c["arm"])[order]
    avail = np.asarray(c["available"])[order]
    same = np.zeros(debtor.size, dtype=bool)
    same[:-1] = debtor[1:] == debtor[:-1]
    nxt = np.where(same, np.arange(debtor.size) + 1, -1)
    end_totals = np.asarray(log.final_totals, dtype=float)[debtor]
    later = np.where(
        same[:, None], totals[np.minimum(np.arange(debtor.size) + 1, debtor.size - 1)], end_totals
    )
    reward = later - totals
    dpd = state["dpd"].to_numpy()
    stage = state["stage"].to_numpy()
    nxt_i = np.maximum(nxt, 0)
    fresh = (dpd[nxt_i] < dpd + (day[nxt_i] - day)) & (stage[nxt_i] == 0)
    nxt = np.where(same & ~fresh, nxt, -1)
    learn = same | (day <= log.days - TAIL_DAYS)
    prop = np.asarray(c["propensity"], dtype=float)[order]
    return Transitions(state, arm, reward, nxt, avail, learn, debtor, day, totals, prop)


def fit_plan_model(log: CheckpointLog, objective: PlanObjective, **options: Any) -> PlanValueModel:
    """The plan model after ``iterations`` rounds of fitted-Q on ``log`` (``options``: those of
    :func:`fitted_q`; ``state_features``: the simulator's by default, the ledger's for a log read
    from the ledger)."""
    return fitted_q(log, objective, **options).model


@dataclass(frozen=True)
class FittedQ:
    t: Transitions
    models: tuple[PlanValueModel, ...]  # one per round; the last decides
    rows: I  # the checkpoints learnt from
    targets: tuple[F, ...]  # per round, the target of every checkpoint (meaningful at ``rows``)

    @property
    def model(self) -> PlanValueModel:
        return self.models[-1]


Anchors = Callable[[pd.DataFrame], tuple[I, F]]
"""Per state row, the arm the deployed policy is anchored on and the margin another arm must beat
it by (:meth:`policy.plan_pyfunc.PlanDunningPolicy.anchors`)."""


def bootstrapped(
    t: Transitions,
    model: PlanValueModel,
    objective: PlanObjective,
    rows: I,
    reward: F | None = None,
    anchors: Anchors | None = None,
    evaluate: PlanValueModel | None = None,
) -> F:
    """Per checkpoint of ``rows``, its reward plus, when its episode goes on, ``model``'s parts
    of the best available plan at the next checkpoint (the fitted-Q target of the next round);
    with ``anchors``, of the plan the anchored policy would choose there (what will be done later
    is what the deployed policy does, not the best plan it would not take); with ``evaluate``,
    that plan's parts as ``evaluate`` predicts them (double fitted-Q: a model fitted on other
    debtors values the plan ``model`` picks, so the pick's own noise does not inflate it)."""
    out = (t.reward if reward is None else reward)[rows].copy()
    boot = np.flatnonzero(t.next_row[rows] >= 0)
    if boot.size == 0:
        return out
    nxt = t.next_row[rows[boot]]
    state = t.state.iloc[nxt]
    parts = model.predict(state)
    raw = objective.score(parts)
    if anchors is not None:
        raw = anchored(raw, *anchors(state.reset_index(drop=True)))
    score = np.where(t.available[nxt], raw, -np.inf)
    best = np.argmax(score, axis=1)
    valued = parts if evaluate is None else evaluate.predict(state)
    out[boot] += valued[np.arange(boot.size), best]
    return out


def fitted_q(
    log: CheckpointLog,
    objective: PlanObjective,
    *,
    iterations: int = 3,
    params: PlanModelParams | None = None,
    per_euro_of: str | None = None,
    monte_carlo: bool = False,
    horizon_days: int | None = None,
    state_features: tuple[str, ...] = STATE_FEATURES,
    categorical: tuple[str, ...] = CATEGORICAL,
    shuffle: int | None = None,
    anchors: Anchors | None = None,
    double: bool = False,
) -> FittedQ:
    """Every round of :func:`fit_plan_model` with its targets; ``shuffle``: a seed to permute
    the rewards among the learnt checkpoints with (a deliberately weakened model, for the
    gate's tests); ``anchors``: the deployed policy's, valuing what is done later as it would
    (:func:`bootstrapped`); ``double``: each round also fits a model on each half of the debtors,
    and the next round's target of a checkpoint takes the plan its half's model picks, valued by
    the other half's (double fitted-Q, against the max's upward bias)."""
    t = transitions(log)
    rows = np.flatnonzero(t.learn)
    reward = t.reward.copy()
    if shuffle is not None:
        reward[rows] = reward[rng_permutation(shuffle, rows)]
    target = returns(replace(t, reward=reward)) if monte_carlo else reward.copy()
    if horizon_days is not None:
        target, learn = within(log, t, horizon_days)
        rows, iterations = np.flatnonzero(learn), 1
    models: list[PlanValueModel] = []
    targets: list[F] = []
    halves: list[I] = []
    if double:
        half = np.random.default_rng(DOUBLE_SEED).integers(0, 2, int(t.debtor.max()) + 1)
        halves = [rows[half[t.debtor[rows]] == k] for k in (0, 1)]
    pair: tuple[PlanValueModel, PlanValueModel] | None = None

    def fit(at: I, target: F) -> PlanValueModel:
        model = PlanValueModel(
            arm_table(), state_features, categorical, params or PlanModelParams(), per_euro_of
        )
        model.fit(t.state.iloc[at], t.arm[at], target[at])
        return model

    rounds = 1 if monte_carlo else iterations
    for k in range(rounds):
        if models:
            target = reward.copy()
            if pair is None:
                target[rows] = bootstrapped(t, models[-1], objective, rows, reward, anchors)
            else:
                for h, mine in enumerate(halves):
                    target[mine] = bootstrapped(t, pair[h], objective, mine, reward, anchors,
                                                evaluate=pair[1 - h])  # fmt: skip
        models.append(fit(rows, target))
        targets.append(target)
        if not (t.next_row[rows] >= 0).any():
            break
        if double and k + 1 < rounds:
            pair = (fit(halves[0], target), fit(halves[1], target))
    return FittedQ(t, tuple(models), rows, tuple(targets))


DOUBLE_SEED = 20_261_208


def rng_permutation(seed: int, rows: I) -> I:
    return rows[np.random.default_rng(seed).permutation(rows.size)]


def returns(t: Transitions) -> F:
    """Per checkpoint, the rewards summed from it to the end of its episode (Monte Carlo)."""
    out = t.reward.copy()
    for i in range(len(out) - 1, -1, -1):  # a checkpoint's next one always comes later
        if t.next_row[i] >= 0:
            out[i] += out[t.next_row[i]]
    return out


def within(log: CheckpointLog, t: Transitions, horizon: int) -> tuple[F, NDArray[np.bool_]]:
    """Per checkpoint, what the totals gained in the ``horizon`` days from it (whatever came
    after), and which checkpoints lie far enough from the log's end to tell."""
    daily = np.stack(log.daily_totals)  # [day, debtor, total]
    last = np.minimum(t.day + horizon - 1, len(daily) - 1)
    return daily[last, t.debtor] - t.totals, t.day + horizon <= len(daily)
