"""The creditor's objective and its limits on complaints and cost, stated once.

    net value = collected - contact cost - complaint_cost_eur x complaints      (EUR)

Limits: complaints per 1,000 contacts at most ``max_complaints_per_1000_contacts``; contact cost at
most ``max_cost_per_euro_collected`` per euro collected. The simulator's ``Objective`` (which adds
the contact budget per debtor) and the plan policy's ``PlanObjective`` (which adds the Lagrange
multipliers it chooses under) both extend :class:`CreditorObjective`, so the defaults and the
formulas of the net value and of each limit's excess live here only. It sits in the ledger, below
both, because it is the creditor's statement, not a model's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

F = NDArray[np.float64]


@dataclass(frozen=True)
class CreditorObjective:
    complaint_cost_eur: float = 50.0
    max_complaints_per_1000_contacts: float = 30.0
    max_cost_per_euro_collected: float = 0.0036

    def __post_init__(self) -> None:
        if self.complaint_cost_eur < 0:
            raise ValueError("complaint_cost_eur must not be negative")
        if self.max_complaints_per_1000_contacts <= 0:
            raise ValueError("max_complaints_per_1000_contacts must be positive")
        if self.max_cost_per_euro_collected <= 0:
            raise ValueError("max_cost_per_euro_collected must be positive")

    def net_eur(self, collected_eur: F | float, cost_eur: F | float, complaints: F | float) -> Any:
        """The objective in EUR (vectorised over any shape)."""
        return collected_eur - cost_eur - self.complaint_cost_eur * complaints

    def complaint_excess(self, complaints: F | float, contacts: F | float) -> Any:
        """Complaints above what the limit allows for that many contacts (<= 0: within it)."""
        return complaints - self.max_complaints_per_1000_contacts * contacts / 1000.0

    def cost_excess(self, cost_eur: F | float, collected_eur: F | float) -> Any:
        """Contact cost above what the cost ceiling allows for that much collected (<= 0: held)."""
        return cost_eur - self.max_cost_per_euro_collected * collected_eur
