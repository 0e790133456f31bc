"""The value of a dunning plan at a checkpoint: one LightGBM model per part of the creditor's
objective, over the debtor's state and the plan's features.

A plan (arm) is described by its channel, tone and cadence, or is "wait" (no contact until the next
checkpoint); ``arms`` (a table, one row per arm) is given by the caller, so this module knows no
simulator. For a state ``x`` and an arm ``a`` the model predicts, over the rest of the episode
(until paid, handed over or 90 days), the four ``COMPONENTS``: euros collected, contact cost in
euros, complaints and contacts. The creditor's objective and limits combine them
(:class:`policy.plan_choice.PlanObjective`); nothing here is weighted, so an explanation can tell
each part in euros. ``contributions`` gives the SHAP split (LightGBM ``pred_contrib``) of each part
for one state and arm, for :mod:`policy.plan_explain`. It never chooses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from numpy.typing import NDArray

F = NDArray[np.float64]
I = NDArray[np.int64]  # noqa: E741

COMPONENTS: tuple[str, ...] = ("collected_eur", "cost_eur", "complaints", "contacts")
ARM_COLUMNS: tuple[str, ...] = ("plan_channel", "plan_tone", "plan_every", "plan_wait")
"""Columns of the arm table: channel and tone (category codes, -1 for wait), cadence in days
(0 for wait) and whether the arm waits."""


@dataclass(frozen=True)
class PlanModelParams:
    num_leaves: int = 31
    learning_rate: float = 0.05
    rounds: int = 200
    min_data_in_leaf: int = 20
    seed: int = 0

    def lgb(self) -> dict[str, Any]:
        return {
            "objective": "regression",
            "num_leaves": self.num_leaves,
            "learning_rate": self.learning_rate,
            "min_data_in_leaf": self.min_data_in_leaf,
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
    boosters: dict[str, lgb.Booster] = field(default_factory=dict)

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

    def fit(self, state: pd.DataFrame, arm: I, targets: F, weight: F | None = None) -> None:
        """Fit one booster per component (``targets``: n x len(COMPONENTS))."""
        if targets.shape != (len(state), len(COMPONENTS)):
            raise ValueError(f"targets must have shape ({len(state)}, {len(COMPONENTS)})")
        x = self.design(state, arm)
        cats = [*self.categorical, "plan_channel", "plan_tone"]
        for j, name in enumerate(COMPONENTS):
            data = lgb.Dataset(
                x, targets[:, j], weight=weight, categorical_feature=cats, free_raw_data=False
            )
            self.boosters[name] = lgb.train(self.params.lgb(), data, self.params.rounds)

    def predict(self, state: pd.DataFrame, arms: Sequence[int] | None = None) -> F:
        """[row, arm, component] for every arm (or ``arms``) of every row of ``state``."""
        if not self.boosters:
            raise RuntimeError("the plan model is not fitted")
        chosen = np.arange(self.n_arms) if arms is None else np.asarray(arms, dtype=np.int64)
        n, k = len(state), chosen.size
        rows = state.loc[state.index.repeat(k)] if n else state
        x = self.design(rows, np.tile(chosen, n))
        out = np.stack([self.boosters[c].predict(x) for c in COMPONENTS], axis=1)
        return np.asarray(out, dtype=float).reshape(n, k, len(COMPONENTS))

    def contributions(self, state_row: pd.DataFrame, arm: int) -> dict[str, F]:
        """Per component, the SHAP values of one state row with ``arm`` (last entry: the base)."""
        x = self.design(state_row.iloc[:1], np.array([arm]))
        return {
            c: np.asarray(self.boosters[c].predict(x, pred_contrib=True), dtype=float)[0]
            for c in COMPONENTS
        }
