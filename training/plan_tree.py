"""A learned plan policy an analyst can read: a shallow policy tree over the checkpoint state.

The plan model's moves off its anchors cancel out (``training.plan_moves``): a boosted value
model ranks every plan for every debtor, and its errors decide as often as its knowledge. Policy
learning (Athey & Wager's doubly-robust policy tree) asks a narrower question of the same log:
which few state conditions call for which plan. Per checkpoint of the creditor's log and per
action (the segment's own plan, or one of the anchored plan set), the doubly-robust score

    q(x, a) + 1[logged = a] / p (y - q(x, a))

uses the logged arm's exact propensity, ``q`` from a plan model cross-fitted by debtor (each
fold's scores from a model fitted on the other folds) and ``y`` the checkpoint's value: fitted-Q's
target (what the totals gained until the next checkpoint plus the model's best plan there) or,
``monte_carlo``, everything logged until the episode's end. EconML's ``PolicyTree`` picks the
splits (at most ``depth`` levels, ``min_leaf`` checkpoints a leaf) that maximise the mean score of
the action each leaf takes. At a checkpoint the debtor's leaf ranks the actions; the best one the
rules leave available is taken (greedy, propensity 1). An action that cannot reach a debtor is
scored there as the segment's plan (or waiting, when that cannot reach either), which is what the
tree's policy does in its place.

A candidate for ``training.plan_bench`` (``LearnerConfig.tree``); replay's chooser only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from policy.plan_choice import Choice, PlanObjective
from policy.plan_model import PlanValueModel
from simulator.debtor_history import CATEGORICAL, STATE_FEATURES
from training.plan_fit import bootstrapped, returns, transitions
from training.plan_moves import dr_values
from training.plan_policy import CheckpointLog

if TYPE_CHECKING:
    from econml.policy import PolicyTree

F = NDArray[np.float64]
I = NDArray[np.int64]  # noqa: E741
B = NDArray[np.bool_]
OWN = -1  # the action "the anchor": the segment's own plan (or, anchored, the escalation plan)
TREE_SEED = 20_261_207
NUMERIC = tuple(f for f in STATE_FEATURES if f not in CATEGORICAL)


@dataclass(frozen=True)
class TreeConfig:
    """The policy tree's knobs (chosen on VALIDATION)."""

    depth: int = 3
    min_leaf: int = 200
    monte_carlo: bool = False
    folds: int = 2
    # the first action: the anchored policy's anchor (the escalation plan once the evidence
    # shows), not the segment's plan
    anchored: bool = False
    per_segment: bool = False  # one tree per observable segment (a small one: a single leaf)
    # waiting among the actions (its one-step score carries the best plan's value at the next
    # checkpoint, which a policy that waits again never collects)
    wait: bool = True


def tree_features(state: pd.DataFrame, n_segments: int) -> F:
    """The state as the tree reads it: the numeric features (missing: -1, below any value they
    take) and one column per observable segment."""
    numeric = state[list(NUMERIC)].to_numpy(dtype=float)
    seg = state["segment"].to_numpy(dtype=np.int64)
    onehot = (seg[:, None] == np.arange(n_segments)[None, :]).astype(float)
    return np.asarray(np.nan_to_num(np.hstack([numeric, onehot]), nan=-1.0), dtype=float)


def action_arms(actions: tuple[int, ...], own: I) -> I:
    """[row, action]: the arm each action is for each row (``OWN``: the row's anchor ``own``)."""
    return np.stack([own if a == OWN else np.full(len(own), a) for a in actions], axis=1)


def reachable(arms: I, avail: B, wait: int) -> I:
    """``arms`` [row, action] with each unavailable one replaced by the row's first action (its
    segment's plan) when that is available, else by waiting."""
    n = np.arange(len(arms))[:, None]
    first = np.where(avail[n[:, 0], arms[:, 0]], arms[:, 0], wait)
    return np.where(avail[n, arms], arms, first[:, None])


def dr_scores(
    log: CheckpointLog,
    fold: I,
    models: Sequence[PlanValueModel],
    objective: PlanObjective,
    actions: tuple[int, ...],
    anchor: Callable[[pd.DataFrame], I],
    wait: int,
    monte_carlo: bool,
) -> tuple[pd.DataFrame, F]:
    """The state of every learnable checkpoint of ``log`` and its doubly-robust score per action
    (EUR on ``objective``), ``q`` cross-fitted: a debtor of fold ``fold[debtor]`` is scored by
    ``models`` of that fold, fitted on the other folds
    (:func:`training.plan_learner.fold_models`)."""
    t = transitions(log)
    rows = np.flatnonzero(t.learn)
    gamma = np.zeros((rows.size, len(actions)))
    for k, model in enumerate(models):
        mine = np.flatnonzero(fold[t.debtor[rows]] == k)
        if mine.size == 0:
            continue
        at = rows[mine]
        q = objective.value(model.predict(t.state.iloc[at].reset_index(drop=True)))
        y = objective.value(
            returns(t)[at] if monte_carlo else bootstrapped(t, model, objective, at)
        )
        state = t.state.iloc[at]
        arms = reachable(action_arms(actions, anchor(state)), t.available[at], wait)
        gamma[mine] = dr_values(q, y, t.arm[at], t.propensity[at], arms)
    return t.state.iloc[rows].reset_index(drop=True), gamma


class Leafed:
    """Per-row action values of a policy tree, or one per observable segment."""

    def __init__(self, state: pd.DataFrame, gamma: F, n_segments: int, cfg: TreeConfig) -> None:
        self.n_segments, self.per_segment = n_segments, cfg.per_segment
        x = tree_features(state, n_segments)
        if not cfg.per_segment:
            self.trees: dict[int, PolicyTree | F] = {-1: _tree(cfg).fit(x, gamma)}
            return
        seg = state["segment"].to_numpy(dtype=np.int64)
        self.trees = {-1: gamma.mean(axis=0)}  # a segment the log never saw
        for k in np.unique(seg):
            mine = seg == k
            big = mine.sum() >= 2 * cfg.min_leaf
            self.trees[int(k)] = (
                _tree(cfg).fit(x[mine], gamma[mine]) if big else gamma[mine].mean(0)
            )

    def value(self, state: pd.DataFrame) -> F:
        """[row, action]: the mean score of each action in the row's leaf."""
        x = tree_features(state, self.n_segments)
        if not self.per_segment:
            return np.asarray(self.trees[-1].predict_value(x), dtype=np.float64)  # type: ignore[union-attr]
        seg = state["segment"].to_numpy(dtype=np.int64)
        out = np.zeros((len(state), len(self.trees[-1])))
        for k in np.unique(seg):
            mine = seg == k
            got = self.trees.get(int(k), self.trees[-1])
            out[mine] = got if isinstance(got, np.ndarray) else got.predict_value(x[mine])
        return out


def _tree(cfg: TreeConfig) -> PolicyTree:
    from econml.policy import PolicyTree  # imported when a tree is fitted: it takes seconds

    return PolicyTree(max_depth=cfg.depth, min_samples_leaf=cfg.min_leaf, random_state=TREE_SEED)


def fit_tree(state: pd.DataFrame, gamma: F, n_segments: int, cfg: TreeConfig) -> Leafed:
    return Leafed(state, gamma, n_segments, cfg)


def tree_chooser(
    tree: Leafed,
    actions: tuple[int, ...],
    anchor: Callable[[pd.DataFrame], I],
    n_segments: int,
    wait: int,
) -> Callable[[pd.DataFrame, B, np.random.Generator], Choice]:
    """Replay's chooser for the tree: the debtor's leaf's best action the rules leave available."""

    def chooser(state: pd.DataFrame, avail: B, rng: np.random.Generator) -> Choice:
        n = len(state)
        if n == 0:
            empty = np.zeros(0, dtype=np.int64)
            return Choice(empty, np.zeros(0), empty, empty)
        value = tree.value(state)
        arms = action_arms(actions, anchor(state))
        rows = np.arange(n)[:, None]
        score = np.where(avail[rows, arms], value, -np.inf)
        order = np.argsort(-score, axis=1, kind="stable")
        best = arms[rows[:, 0], order[:, 0]]
        best = np.where(np.isfinite(score[rows[:, 0], order[:, 0]]), best, wait)
        second = arms[rows[:, 0], order[:, 1]] if len(actions) > 1 else np.full(n, -1)
        runner = np.where(second != best, second, -1)
        return Choice(best.astype(np.int64), np.ones(n), best.astype(np.int64),
                      runner.astype(np.int64))  # fmt: skip

    return chooser
