"""Which moves off its anchors the plan model may make: those the creditor's own log shows to pay.

An anchored plan policy keeps a debtor on its anchor (the segment's plan, or the escalation plan
once its history shows the evidence) unless the model expects another plan to gain more than the
margin. The model's expectation can be wrong in a systematic way for a whole kind of move (off the
firm letter for proven late payers, say), and a margin cannot tell such a move from a good one.
Here each kind of move, (segment, anchor, plan taken instead), is checked on checkpoints of debtors
the model was not fitted on (the held-out share of the creditor's log): on the rows where the
policy would make that move, the doubly-robust estimate of (value of the plan taken) - (value of
the anchor), with the logged arm's exact propensity, is averaged; the move is kept only when that
mean is more than ``z`` standard errors above 0 on at least ``min_rows`` rows (safe policy
improvement with the anchors as the baseline: a move off them must be shown to pay on data). The
value of a checkpoint is the creditor's objective over what its totals gained until the next
checkpoint plus the model's value of the best plan there (fitted-Q's target), or, with
``monte_carlo``, everything until the episode's end as logged.

Tried on VALIDATION in session 17 (``training.plan_learner.CHOSEN``'s docstring): a strict check
keeps no move at all, even cross-fitted over every debtor (``LearnerConfig.move_folds``), and a
loose one lets bad moves through, so no candidate with it was adopted. ``move_report`` gives the
same reading of a ledger's held-out checkpoints in ``train policy --kind plan``'s report.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from policy.plan_choice import Move, PlanObjective, reachable_anchor
from policy.plan_pyfunc import PlanDunningPolicy
from training.plan_fit import Transitions, bootstrapped, returns, transitions
from training.plan_policy import CheckpointLog

F = NDArray[np.float64]
I = NDArray[np.int64]  # noqa: E741
B = NDArray[np.bool_]


@dataclass(frozen=True)
class MoveCheck:
    """One kind of move, on the held-out checkpoints where the policy makes it."""

    move: Move
    rows: int
    gain_eur: float  # doubly-robust mean gain per checkpoint over the anchor
    se_eur: float
    kept: bool


def check_moves(
    policy: PlanDunningPolicy,
    held_out: CheckpointLog,
    objective: PlanObjective,
    *,
    z: float,
    min_rows: int = 30,
    arms: B | None = None,
    monte_carlo: bool = False,
) -> list[MoveCheck]:
    """Every kind of move ``policy`` (anchored, its moves not yet restricted) makes on
    ``held_out``'s checkpoints, each with its doubly-robust gain over the anchor; ``arms``: the
    arms it may choose (None: all)."""
    keys, gains = move_gains(policy, held_out, objective, arms=arms, monte_carlo=monte_carlo)
    return judged(keys, gains, z=z, min_rows=min_rows)


def move_gains(
    policy: PlanDunningPolicy,
    held_out: CheckpointLog,
    objective: PlanObjective,
    *,
    arms: B | None = None,
    monte_carlo: bool = False,
) -> tuple[I, F]:
    """Per checkpoint of ``held_out`` where ``policy`` leaves its anchor, the kind of move
    [row, (segment, anchor, plan)] and its doubly-robust gain over the anchor (EUR)."""
    t = transitions(held_out)
    return move_gains_at(
        policy, t, np.flatnonzero(t.learn), objective, arms=arms, monte_carlo=monte_carlo
    )


def move_gains_at(
    policy: PlanDunningPolicy,
    t: Transitions,
    rows: I,
    objective: PlanObjective,
    *,
    arms: B | None = None,
    monte_carlo: bool = False,
) -> tuple[I, F]:
    """:func:`move_gains` on the checkpoints ``rows`` of ``t`` (e.g. a ledger's time hold-out)."""
    model = policy.model
    if model is None or policy.segment_defaults is None:
        raise ValueError("the moves of an anchored plan policy with its model")
    if rows.size == 0:
        return np.zeros((0, 3), dtype=np.int64), np.zeros(0)
    state = t.state.iloc[rows].reset_index(drop=True)
    parts = model.predict(state)
    default, margin = policy.anchors(state)
    free = copy.copy(policy)  # ranked as it would be with every move the margin allows
    free.moves = None
    avail = t.available[rows] & (True if arms is None else arms[None, :])
    if policy.letter_fallback:
        default = reachable_anchor(default, avail, policy.fallback_arms)
    score = np.where(avail, free.scores(state, parts, (default, margin)), -np.inf)
    taken = np.argmax(score, axis=1)
    n = np.arange(rows.size)
    moved = (default >= 0) & (taken != default) & avail[n, np.maximum(default, 0)]
    q = objective.value(parts)  # [row, arm], EUR
    if monte_carlo:
        y = objective.value(returns(t)[rows])
    else:
        y = objective.value(bootstrapped(t, model, objective, rows))
    a = np.maximum(default, 0)
    both = dr_values(q, y, t.arm[rows], t.propensity[rows], np.stack([taken, a], axis=1))
    dr = both[:, 0] - both[:, 1]
    keys = np.stack([policy.segment_index(state), default, taken], axis=1)
    return keys[moved].astype(np.int64), np.asarray(dr[moved], dtype=float)


def dr_values(q: F, y: F, logged: I, propensity: F, arms: I) -> F:
    """[row, k]: the doubly-robust value of plan ``arms[row, k]`` at each checkpoint,
    ``q + 1[logged = arm] / propensity × (y - q)`` (``q``: [row, arm] the model's value; ``y``:
    the checkpoint's value as logged; ``propensity``: the logged arm's, exact)."""
    n = np.arange(len(q))[:, None]
    hit = logged[:, None] == arms
    return np.asarray(q[n, arms] + hit / propensity[:, None] * (y[:, None] - q[n, arms]))


def judged(keys: I, gains: F, *, z: float, min_rows: int = 30) -> list[MoveCheck]:
    """Per kind of move among ``keys``, its mean gain and standard error, kept when the mean is
    more than ``z`` standard errors above 0 on at least ``min_rows`` checkpoints."""
    out = []
    for key in sorted({tuple(int(v) for v in k) for k in keys}):
        mine = gains[(keys == np.array(key)).all(axis=1)]
        mean = float(mine.mean())
        se = float(mine.std(ddof=1) / np.sqrt(mine.size)) if mine.size > 1 else float("inf")
        kept = mine.size >= min_rows and mean - z * se > 0
        out.append(MoveCheck((key[0], key[1], key[2]), int(mine.size), mean, se, kept))
    return out


def kept_moves(checks: list[MoveCheck]) -> frozenset[Move]:
    return frozenset(c.move for c in checks if c.kept)


SHOWN_Z = 1.96
"""The report's bar for a kind of move shown to pay: its mean gain 1.96 standard errors above 0 (a
reading of the log, not a choice: nothing decides on it)."""


def move_report(
    policy: PlanDunningPolicy,
    t: Transitions,
    rows: I,
    objective: PlanObjective,
    named: Callable[[str], str] = str,
) -> dict[str, Any]:
    """What the log's held-out checkpoints ``rows`` say of each kind of move the candidate
    makes off its anchors (``train policy --kind plan``'s report): per kind, how often, its
    doubly-robust gain over the anchor and whether that is shown to pay (``SHOWN_Z``);
    ``named``: a segment's name as the report shows it."""
    keys, gains = move_gains_at(policy, t, rows, objective, arms=policy.arm_mask())
    names = policy.segment_names or ()
    labels = [p.label for p in policy.arms]
    kinds = [
        {
            "segment": named(names[c.move[0]] if 0 <= c.move[0] < len(names) else str(c.move[0])),
            "anchor": labels[c.move[1]],
            "plan": labels[c.move[2]],
            "checkpoints": c.rows,
            "gain_eur": round(c.gain_eur, 2),
            "se_eur": round(c.se_eur, 2) if np.isfinite(c.se_eur) else None,
            "shown_to_pay": c.kept,
        }
        for c in judged(keys, gains, z=SHOWN_Z, min_rows=2)
    ]
    return {
        "held_out_checkpoints": int(rows.size),
        "moved": len(gains),
        "shown_to_pay": sum(k["shown_to_pay"] for k in kinds),
        "z": SHOWN_Z,
        "kinds": kinds,
    }
