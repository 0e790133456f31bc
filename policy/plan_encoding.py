"""Checkpoint state rows as the plan model's boosters read them, made once per table of states.

Turning a state frame into LightGBM's float matrix (categories as the training levels' codes)
costs more per request than the plan model's trees. :func:`encode_plan_states` does it once for a
table (the API keeps one per creditor, day and model version), and a request takes its debtors'
rows out of the matrix (:meth:`EncodedPlanStates.take`) beside the frame rows the choice and the
explanation quote. Given the arms a choice scores, it also predicts them for the whole table at
once (:meth:`EncodedPlanStates.predicted`): the parts depend on the state row and the arm alone,
and eight LightGBM calls per answer cost more than one lookup. It is to the plan learner what
:mod:`policy.encoding` is to the per-day policy; it never chooses.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from policy.plan_model import PlanValueModel

F = NDArray[np.float64]


@dataclass(frozen=True)
class EncodedPlanStates:
    """State rows (index: debtor id) and, when the boosters agree on their categories, the same
    rows as :meth:`PlanValueModel.state_matrix` (None: the frame is scored as it is)."""

    rows: pd.DataFrame
    matrix: F | None
    arms: tuple[int, ...] = ()  # the arms ``parts`` holds, in this order
    parts: F | None = None  # [row, arm of ``arms``, component]: PlanValueModel.predict's

    def take(self, debtor_ids: Sequence[int]) -> tuple[pd.DataFrame, F | None]:
        """These debtors' frame rows and matrix rows, in this order."""
        at = self._at(debtor_ids)
        return self.rows.iloc[at], None if self.matrix is None else self.matrix[at]

    def predicted(self, debtor_ids: Sequence[int], arms: Sequence[int]) -> F | None:
        """These debtors' parts for ``arms`` as :meth:`PlanValueModel.predict` gives them,
        predicted with the table (None: not for these arms)."""
        if self.parts is None or tuple(arms) != self.arms:
            return None
        return self.parts[self._at(debtor_ids)]

    def _at(self, debtor_ids: Sequence[int]) -> NDArray[np.intp]:
        at = self.rows.index.get_indexer(pd.Index(debtor_ids))
        if (at < 0).any():
            raise KeyError(f"debtor {list(debtor_ids)[int(np.argmin(at))]}: no state row")
        return at


def encode_plan_states(
    model: PlanValueModel, rows: pd.DataFrame, arms: Sequence[int] | None = None
) -> EncodedPlanStates:
    """The table encoded for ``model``; with ``arms`` (the arms a choice scores) its parts
    predicted for every row too (a row's prediction does not depend on the rows beside it)."""
    made = model.state_matrix(rows) if len(rows) else None
    xs = made if isinstance(made, np.ndarray) else None
    # kept as a copy, which pandas lays out in one block per dtype: a table assembled column by
    # column has a block per column, and taking one debtor's row then costs 3x as much (~1 ms)
    kept = rows.copy()
    if arms is None or xs is None:
        return EncodedPlanStates(kept, xs)
    chosen = tuple(int(k) for k in arms)
    return EncodedPlanStates(kept, xs, chosen, model.predict(kept, list(chosen), encoded=xs))
