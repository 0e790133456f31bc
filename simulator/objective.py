"""The creditor's objective and limits, declared once, and a run's outcome measured against them.

    objective = collected - contact cost - complaint_cost_eur x complaints      (EUR, per run)

Limits every policy must respect (a run that breaks one is reported so, never silently scored):
complaints per 1,000 contacts at most ``max_complaints_per_1000_contacts``; no debtor contacted more
than ``max_contacts_per_debtor`` times in any ``budget_window_days`` days. The defaults are the
creditor's statement (reasoning in ``simulator/README.md``, "Objective and limits"), not tuning
knobs: a learner or a baseline search takes them as given. This module draws no random numbers and
runs no policy; :mod:`simulator.outcome` turns a replay into the per-debtor figures it scores.

``max_cost_per_euro_collected`` is the creditor's ceiling on contact cost per euro collected: no
more than its current process, the ladder, spends (0.0036: the ladder's mean over the VALIDATION
worlds, 0.0019 to 0.0047). A plan learner may choose its segment plans and its plans under it with
a Lagrange multiplier on ``cost_excess`` (``LearnerConfig.cost_mu``; ``CHOSEN``'s docstring says
what holding it cost on VALIDATION and why the chosen learner does not); the reported objective
never includes that multiplier, and the fixed-plan baselines are not held to it (every report
shows cost per euro collected beside it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

F = NDArray[np.float64]


@dataclass(frozen=True)
class Objective:
    complaint_cost_eur: float = 50.0
    max_complaints_per_1000_contacts: float = 30.0
    max_contacts_per_debtor: int = 5
    budget_window_days: int = 30
    max_cost_per_euro_collected: float = 0.0036

    def __post_init__(self) -> None:
        if self.complaint_cost_eur < 0:
            raise ValueError("complaint_cost_eur must not be negative")
        if self.max_complaints_per_1000_contacts <= 0:
            raise ValueError("max_complaints_per_1000_contacts must be positive")
        if self.max_contacts_per_debtor < 1 or self.budget_window_days < 1:
            raise ValueError("the contact budget needs at least one contact in at least one day")
        if self.max_cost_per_euro_collected <= 0:
            raise ValueError("max_cost_per_euro_collected must be positive")

    def value(self, collected_eur: F | float, cost_eur: F | float, complaints: F | float) -> Any:
        """The objective in EUR (vectorised over any shape)."""
        return collected_eur - cost_eur - self.complaint_cost_eur * complaints

    def complaint_excess(self, complaints: F | float, contacts: F | float) -> Any:
        """Complaints above what the limit allows for that many contacts (<= 0: within it)."""
        return complaints - self.max_complaints_per_1000_contacts * contacts / 1000.0

    def cost_excess(self, cost_eur: F | float, collected_eur: F | float) -> Any:
        """Contact cost above what the cost ceiling allows for that much collected (<= 0: held)."""
        return cost_eur - self.max_cost_per_euro_collected * collected_eur

    def limits(self, complaints: float, contacts: float, max_in_window: int) -> dict[str, bool]:
        """Which limits a run held (``True`` = held)."""
        return {
            "complaints": bool(self.complaint_excess(complaints, contacts) <= 1e-9),
            "contact_budget": max_in_window <= self.max_contacts_per_debtor,
        }

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT_OBJECTIVE = Objective()
