"""The value of a dunning plan at a checkpoint: one LightGBM model per part of the creditor's
objective, over the debtor's state and the plan's features.

A plan (arm) is described by its channel, tone and cadence, or is "wait" (no contact until the next
checkpoint); ``arms`` (a table, one row per arm) is given by the caller, so this module knows no
simulator. For a state ``x`` and an arm ``a`` the model predicts, over the window its training
targets cover (until the next checkpoint, or the episode's end), the four ``COMPONENTS``: euros
collected, contact cost in euros, complaints and contacts. Each part is a state-only baseline model
plus a plan model boosted from it (so a plan's effect is not drowned by the spread of amounts);
with ``per_euro_of`` the collected part is learnt per euro of an amount and told in euros. The
creditor's objective and limits combine the parts (:class:`policy.plan_choice.PlanObjective`);
nothing here is weighted, so an explanation can tell each part in euros. ``contributions`` gives
the SHAP split (LightGBM ``pred_contrib``) of each part for one state and arm (or only the share
of it that differs between arms, what compares two plans), for :mod:`policy.plan_explain`. It
never chooses.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from policy.booster_trees import trees_on
from policy.lgb_threads import threads

F = NDArray[np.float64]
I = NDArray[np.int64]  # noqa: E741

COMPONENTS: tuple[str, ...] = ("collected_eur", "cost_eur", "complaints", "contacts")
ARM_COLUMNS: tuple[str, ...] = ("plan_channel", "plan_tone", "plan_every", "plan_wait")
"""Columns of the arm table: channel and tone (category codes, -1 for wait), cadence in days
(0 for wait) and whether the arm waits."""


def one_row(rows: pd.DataFrame, j: int = 0) -> pd.DataFrame:
    """Row ``j`` as a frame; a one-row table is that row already (slicing a frame of ~60 columns,
    most of them categorical, costs about a millisecond: a single-debtor answer's share)."""
    return rows if len(rows) == 1 else rows.iloc[j : j + 1]


@dataclass(frozen=True)
class PlanModelParams:
    num_leaves: int = 31
    learning_rate: float = 0.05
    rounds: int = 200
    min_data_in_leaf: int = 20
    max_depth: int = -1  # LightGBM's depth limit (-1: none); TreeSHAP's cost grows with depth
    seed: int = 0
    baseline_rounds: int = 100  # a state-only model first; the plan model learns what it misses

    def lgb(self) -> dict[str, Any]:
        return {
            "objective": "regression",
            "num_leaves": self.num_leaves,
            "learning_rate": self.learning_rate,
            "min_data_in_leaf": self.min_data_in_leaf,
            "max_depth": self.max_depth,
            "seed": self.seed,
            "deterministic": True,
            "num_threads": 1,
            "verbosity": -1,
        }


@dataclass
class PlanValueModel:
    """Per component a booster over ``state_features`` + ``ARM_COLUMNS``."""

    arms: pd.DataFrame  # index: arm number 0..A-1, columns ARM_COLUMNS
    state_features: tuple[str, ...]
    categorical: tuple[str, ...]
    params: PlanModelParams = field(default_factory=PlanModelParams)
    per_euro_of: str | None = None  # a log1p(EUR) state column: collected is learnt per euro of it
    boosters: dict[str, lgb.Booster] = field(default_factory=dict)
    baselines: dict[str, lgb.Booster] = field(default_factory=dict)
    # per component, the plan booster :meth:`contributions_of` read its arm trees from, and
    # those trees (:func:`trees_on`): built at the first explanation, again after a refit
    _arm_trees: dict[str, tuple[lgb.Booster, lgb.Booster | None]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def n_arms(self) -> int:
        return len(self.arms)

    @property
    def columns(self) -> list[str]:
        return [*self.state_features, *ARM_COLUMNS]

    def design(self, state: pd.DataFrame, arm: I) -> pd.DataFrame:
        """Rows of ``state`` next to the features of ``arm`` (one arm per row)."""
        missing = [c for c in self.state_features if c not in state.columns]
        if missing:
            raise ValueError(f"state lacks feature column(s) {', '.join(missing)}")
        x = state[list(self.state_features)].reset_index(drop=True)
        a = self.arms.loc[np.asarray(arm)].reset_index(drop=True)
        return pd.concat([x, a[list(ARM_COLUMNS)]], axis=1)

    def numeric(self, x: pd.DataFrame) -> pd.DataFrame | F:
        """The design as the float matrix LightGBM reads from it (category columns as codes of
        the categories the boosters were trained with, unknown ones missing), made once for all
        boosters: converting the frame per booster cost more than the trees. The frame itself
        when the boosters disagree on the categories."""
        cats = {json.dumps(b.pandas_categorical) for b in self.boosters.values()}
        cats |= {json.dumps(b.pandas_categorical) for b in self.baselines.values()}
        if len(cats) != 1:
            return x
        known = json.loads(cats.pop()) or []
        if sum(isinstance(t, pd.CategoricalDtype) for t in x.dtypes) != len(known):
            return x
        levels = iter(known)
        out = np.empty(x.shape, dtype=float)
        for j, column in enumerate(x.columns):
            values = x[column]
            if isinstance(values.dtype, pd.CategoricalDtype):
                codes = values.cat.set_categories(next(levels)).cat.codes.to_numpy(dtype=float)
                out[:, j] = np.where(codes < 0, np.nan, codes)
            else:
                out[:, j] = values.to_numpy(dtype=float, na_value=np.nan)
        return out

    def _scale(self, state: pd.DataFrame) -> F:
        """Per row, what the collected part is counted per (1 when not scaled)."""
        if self.per_euro_of is None:
            return np.ones(len(state))
        amount = np.expm1(state[self.per_euro_of].to_numpy(dtype=float))
        return np.asarray(np.maximum(amount, 1.0), dtype=float)

    def fit(self, state: pd.DataFrame, arm: I, targets: F, weight: F | None = None) -> None:
        """Fit one booster per component (``targets``: n x len(COMPONENTS))."""
        if targets.shape != (len(state), len(COMPONENTS)):
            raise ValueError(f"targets must have shape ({len(state)}, {len(COMPONENTS)})")
        x = self.design(state, arm)
        targets = targets.copy()
        targets[:, 0] /= self._scale(state)
        xs = x[list(self.state_features)]
        cats = [*self.categorical, "plan_channel", "plan_tone"]
        for j, name in enumerate(COMPONENTS):
            init = None
            if self.params.baseline_rounds:
                base = lgb.Dataset(
                    xs, targets[:, j], weight=weight, categorical_feature=list(self.categorical)
                )
                self.baselines[name] = lgb.train(
                    self.params.lgb(), base, self.params.baseline_rounds
                )
                init = self.baselines[name].predict(xs)
            data = lgb.Dataset(
                x, targets[:, j], weight=weight, init_score=init, categorical_feature=cats
            )
            self.boosters[name] = lgb.train(self.params.lgb(), data, self.params.rounds)

    def state_matrix(self, state: pd.DataFrame) -> pd.DataFrame | F:
        """The state columns as the boosters read them (:meth:`numeric`): made once per table
        of states, e.g. a day's snapshot, and handed to :meth:`predict` as ``encoded``."""
        return self.numeric(state[list(self.state_features)])

    @cached_property
    def arm_features(self) -> list[dict[str, object]]:
        """Each arm's ``ARM_COLUMNS`` values, read once: indexing the table per explanation cost
        more than telling it."""
        return [{c: self.arms[c].iat[k] for c in ARM_COLUMNS} for k in range(self.n_arms)]

    @cached_property
    def _arm_codes(self) -> F:
        return self.arms[list(ARM_COLUMNS)].to_numpy(dtype=float)

    def _design_matrix(self, xs: F, arm: I) -> F:
        """:meth:`numeric` of :meth:`design` from the state matrix: each of the ``n`` state rows
        once per arm of ``arm`` (``len(arm) = n * k``, ``k`` per row), laid out with numpy."""
        codes = self._arm_codes[np.asarray(arm)]
        return np.hstack([np.repeat(xs, len(codes) // max(len(xs), 1), axis=0), codes])

    def _raw(
        self, name: str, x: pd.DataFrame | F, contrib: bool = False, state: F | None = None
    ) -> F:
        """One component's prediction (or SHAP values): baseline plus plan model; ``x`` a
        design frame or its :meth:`numeric` matrix. ``state``: the distinct state rows of a
        matrix ``x`` that repeats each of them (the baseline reads the state alone, so it is
        evaluated once per state, not once per arm)."""
        out = np.asarray(
            self.boosters[name].predict(x, pred_contrib=contrib, **threads(len(x))), dtype=float
        )
        if name in self.baselines:
            seen: pd.DataFrame | F = (
                state
                if state is not None
                else x[:, : len(self.state_features)]
                if isinstance(x, np.ndarray)
                else x[list(self.state_features)]
            )
            base = np.asarray(
                self.baselines[name].predict(seen, pred_contrib=contrib, **threads(len(seen))),
                dtype=float,
            )
            base = np.repeat(base, len(out) // max(len(base), 1), axis=0)
            if contrib:  # state columns and the base value line up; arm columns get none
                n_state = len(self.state_features)
                out[:, :n_state] += base[:, :n_state]
                out[:, -1] += base[:, -1]
            else:
                out = out + base
        return out

    def predict(
        self, state: pd.DataFrame, arms: Sequence[int] | None = None, *, encoded: F | None = None
    ) -> F:
        """[row, arm, component] for every arm (or ``arms``) of every row of ``state``;
        ``encoded``: its :meth:`state_matrix`, when the caller keeps one."""
        if not self.boosters:
            raise RuntimeError("the plan model is not fitted")
        chosen = np.arange(self.n_arms) if arms is None else np.asarray(arms, dtype=np.int64)
        n, k = len(state), chosen.size
        made = self.state_matrix(state) if encoded is None and n else encoded
        xs = made if isinstance(made, np.ndarray) else None
        if xs is not None:
            x: pd.DataFrame | F = self._design_matrix(xs, np.tile(chosen, n))
        else:  # no rows, or boosters that disagree on categories: LightGBM converts the frame
            rows = state.loc[state.index.repeat(k)] if n else state
            x = self.numeric(self.design(rows, np.tile(chosen, n)))
        out = np.stack([self._raw(c, x, state=xs) for c in COMPONENTS], axis=1)
        parts = np.asarray(out, dtype=float).reshape(n, k, len(COMPONENTS))
        parts[:, :, 0] *= self._scale(state)[:, None]
        return np.asarray(np.maximum(parts, 0.0))  # amounts and counts: none is negative

    def contributions(self, state_row: pd.DataFrame, arm: int) -> dict[str, F]:
        """Per component, the SHAP values (in the component's unit: EUR or counts) of one state
        row with ``arm``; the last entry is the base value. They sum to the prediction."""
        return {c: v[0] for c, v in self.contributions_of(state_row, [arm]).items()}

    def contributions_of(
        self,
        state_row: pd.DataFrame,
        arms: Sequence[int],
        *,
        encoded: F | None = None,
        components: Sequence[str] = COMPONENTS,
        apart: bool = False,
    ) -> dict[str, F]:
        """:meth:`contributions` of one state row with each of ``arms`` at once (per component
        an [arm, column] array): one pass per booster instead of one per arm, the baseline's
        once for the row. ``encoded``: the row's :meth:`state_matrix`; ``components``: only
        these (TreeSHAP is the dearest part of an answer). ``apart``: only what differs between
        the arms, the SHAP values of the plan boosters' trees that split on an arm column (the
        baseline reads the state alone and the other trees never see the arm, so they give every
        arm the same values): a difference between two arms is the same (to rounding) at a
        fraction of the TreeSHAP, but the values no longer sum to the prediction."""
        x, xs, scale = self._compared(state_row, arms, encoded)
        out = {}
        for c in components:
            if not apart:
                values = self._raw(c, x, contrib=True, state=xs)
            elif (trees := self.trees_on_arms(c)) is None:
                values = np.zeros((len(x), len(self.columns) + 1))
            else:
                values = np.asarray(trees.predict(x, pred_contrib=True, **threads(len(x))))
            out[c] = values * (scale if c == COMPONENTS[0] else 1.0)
        return out

    def trees_on_arms(self, name: str) -> lgb.Booster | None:
        """The trees of component ``name``'s plan booster that split on an arm column, as a
        booster (None: no tree does); built once per booster."""
        booster = self.boosters[name]
        kept = self._arm_trees.get(name)
        if kept is None or kept[0] is not booster:
            arm_cols = range(len(self.state_features), len(self.columns))
            kept = self._arm_trees[name] = (booster, trees_on(booster, arm_cols))
        return kept[1]

    def _compared(
        self, state_row: pd.DataFrame, arms: Sequence[int], encoded: F | None
    ) -> tuple[pd.DataFrame | F, F | None, float]:
        """The design of one state row with each of ``arms`` (as the boosters read it), the
        row's state matrix (None: the design is a frame) and what its collected part is counted
        per."""
        first = one_row(state_row)
        made = self.state_matrix(first) if encoded is None else encoded[:1]
        xs = made if isinstance(made, np.ndarray) else None
        picked = np.asarray(arms, dtype=np.int64)
        if xs is not None:
            x: pd.DataFrame | F = self._design_matrix(xs, picked)
        else:
            x = self.numeric(self.design(state_row.iloc[[0] * len(picked)], picked))
        return x, xs, float(self._scale(first)[0])
