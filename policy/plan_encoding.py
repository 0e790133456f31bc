"""Checkpoint state rows as the plan model's boosters read them, made once per table of states.

Turning a state frame into LightGBM's float matrix (categories as the training levels' codes)
costs more per request than the plan model's trees. :func:`encode_plan_states` does it once for a
table (the API keeps one per creditor, day and model version), and a request takes its debtors'
rows out of the matrix (:meth:`EncodedPlanStates.take`) beside the frame rows the choice and the
explanation quote. Made for the policy that serves the model, it also predicts the arms that
policy scores and anchors every row, for the whole table at once
(:meth:`EncodedPlanStates.predicted`, :meth:`EncodedPlanStates.anchors_of`): both depend on the
state row alone, and eight LightGBM calls and the anchors' column reads per answer cost more
than two lookups. It is to the plan learner what :mod:`policy.encoding` is to the per-day policy;
it never chooses.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from policy.plan_model import PlanValueModel
from policy.plan_pyfunc import PlanDunningPolicy

F = NDArray[np.float64]


@dataclass(frozen=True)
class EncodedPlanStates:
    """State rows (index: debtor id) and, when the boosters agree on their categories, the same
    rows as :meth:`PlanValueModel.state_matrix` (None: the frame is scored as it is); when made
    for a policy, its parts for the arms it scores and its anchors per row too."""

    rows: pd.DataFrame
    matrix: F | None
    arms: tuple[int, ...] = ()  # the arms ``parts`` holds, in this order
    parts: F | None = None  # [row, arm of ``arms``, component]: PlanValueModel.predict's
    anchors: tuple[NDArray[np.int64], F] | None = None  # PlanDunningPolicy.anchors of ``rows``

    def take(self, debtor_ids: Sequence[int]) -> tuple[pd.DataFrame, F | None]:
        """These debtors' frame rows and matrix rows, in this order."""
        at = self._at(debtor_ids)
        # one debtor (a single-debtor call) as a slice: a quarter of taking by position
        rows = self.rows.iloc[at[0] : at[0] + 1] if len(at) == 1 else self.rows.iloc[at]
        return rows, None if self.matrix is None else self.matrix[at]

    def predicted(self, debtor_ids: Sequence[int], arms: Sequence[int]) -> F | None:
        """These debtors' parts for ``arms`` as :meth:`PlanValueModel.predict` gives them,
        predicted with the table (None: not for these arms)."""
        if self.parts is None or tuple(arms) != self.arms:
            return None
        return self.parts[self._at(debtor_ids)]

    def anchors_of(self, debtor_ids: Sequence[int]) -> tuple[NDArray[np.int64], F] | None:
        """These debtors' anchors (arm, margin) as the table's policy anchors them (None: not
        made)."""
        if self.anchors is None:
            return None
        at = self._at(debtor_ids)
        return self.anchors[0][at], self.anchors[1][at]

    @cached_property
    def _position(self) -> dict[int, int]:
        # a dict: pandas' indexer for a one-debtor call cost ~0.1 ms, as much as the lookups
        return {int(d): i for i, d in enumerate(self.rows.index.tolist())}

    def _at(self, debtor_ids: Sequence[int]) -> NDArray[np.intp]:
        position = self._position
        for d in debtor_ids:
            if d not in position:
                raise KeyError(f"debtor {d}: no state row")
        return np.array([position[d] for d in debtor_ids], dtype=np.intp)


def encode_plan_states(
    model: PlanValueModel, rows: pd.DataFrame, policy: PlanDunningPolicy | None = None
) -> EncodedPlanStates:
    """The table encoded for ``model``; with ``policy`` (the one serving ``model``) the parts of
    the arms it scores and its anchors made for every row too: both are a row's own (neither
    reads the rows beside it), so a call looks them up instead of computing them."""
    made = model.state_matrix(rows) if len(rows) else None
    xs = made if isinstance(made, np.ndarray) else None
    # kept as a copy, which pandas lays out in one block per dtype: a table assembled column by
    # column has a block per column, and taking one debtor's row then costs 3x as much (~1 ms)
    kept = rows.copy()
    if policy is None or xs is None:
        return EncodedPlanStates(kept, xs)
    assert policy.model is model
    arms = tuple(policy.scored_arms())
    parts = model.predict(kept, list(arms), encoded=xs)
    anchored = getattr(policy, "segment_defaults", None) is not None  # None: saved before it
    return EncodedPlanStates(kept, xs, arms, parts, policy.anchors(kept) if anchored else None)
