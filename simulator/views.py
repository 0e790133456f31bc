"""What a policy may see: the observable state of the debtors it can contact today, and its answer.

A :class:`DecisionBatch` carries only facts a real ledger also holds (amounts, dates, contact
history, channel availability) - never the latent archetype. ``allowed`` already applies the
simulator's contact rules, so a policy only picks among allowed actions or waits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray

from simulator.actions import WAIT

I = NDArray[np.int64]  # noqa: E741
F = NDArray[np.float64]
B = NDArray[np.bool_]


@dataclass(frozen=True)
class DecisionBatch:
    """The debtors a policy may contact on ``day`` (rows) and what it may do to each."""

    day: int
    date: date
    weekday: int
    debtor: I  # world index of the debtor
    creditor: I
    b2c: B
    overdue_cents: I  # open amount past its due date, in the dunning flow
    n_overdue: I  # number of such invoices
    dpd: I  # days past the oldest open due date
    days_since_contact: I  # 10_000 when never contacted
    episode_contacts: I  # contacts since the debtor last had nothing overdue
    last_action: I  # WAIT when never contacted
    prior_paid: I  # invoices this debtor paid in full before today
    prior_mean_dpd: F  # their mean days past due at payment (0 when none)
    allowed: B  # [row, action]

    def __len__(self) -> int:
        return int(self.debtor.size)

    def take(self, rows: I | B) -> DecisionBatch:
        """The same batch restricted to some rows."""
        kw: dict[str, Any] = {
            k: v[rows] if isinstance(v, np.ndarray) else v for k, v in self.__dict__.items()
        }
        return DecisionBatch(**kw)


@dataclass(frozen=True)
class Decisions:
    """One action index (or ``WAIT``) per row, and the probability the policy chose it."""

    action: I
    propensity: F

    @classmethod
    def wait(cls, n: int) -> Decisions:
        return cls(np.full(n, WAIT, dtype=np.int64), np.ones(n, dtype=float))
