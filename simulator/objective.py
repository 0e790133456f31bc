"""The creditor's objective and limits as the simulator holds every policy to them.

    objective = collected - contact cost - complaint_cost_eur x complaints      (EUR, per run)

The objective, the complaint limit and the cost ceiling are stated once, in
:mod:`ledger.creditor_objective` (the plan policy's ``PlanObjective`` extends the same class);
``Objective`` adds the contact budget per debtor.

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

from ledger.creditor_objective import CreditorObjective

F = NDArray[np.float64]


@dataclass(frozen=True)
class Objective(CreditorObjective):
    """The creditor's objective and limits (:class:`ledger.creditor_objective.CreditorObjective`)
    with the contact budget per debtor every simulated policy must respect."""

    max_contacts_per_debtor: int = 5
    budget_window_days: int = 30

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.max_contacts_per_debtor < 1 or self.budget_window_days < 1:
            raise ValueError("the contact budget needs at least one contact in at least one day")

    def value(self, collected_eur: F | float, cost_eur: F | float, complaints: F | float) -> Any:
        """The objective in EUR (vectorised over any shape)."""
        return self.net_eur(collected_eur, cost_eur, complaints)

    def limits(self, complaints: float, contacts: float, max_in_window: int) -> dict[str, bool]:
        """Which limits a run held (``True`` = held)."""
        return {
            "complaints": bool(self.complaint_excess(complaints, contacts) <= 1e-9),
            "contact_budget": max_in_window <= self.max_contacts_per_debtor,
        }

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT_OBJECTIVE = Objective()
