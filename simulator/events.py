"""What happened on one simulated day: contacts and their outcomes, payments, promises, disputes.

Arrays, not objects, so a day with thousands of events stays cheap; :mod:`simulator.history` and
:mod:`simulator.replay` consume them. Debtor and invoice numbers are world indices.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

I = NDArray[np.int64]  # noqa: E741
F = NDArray[np.float64]
B = NDArray[np.bool_]


def _i() -> I:
    return np.zeros(0, dtype=np.int64)


def _b() -> B:
    return np.zeros(0, dtype=bool)


@dataclass
class DayEvents:
    day: int
    # contacts (one row each)
    contact_debtor: I = field(default_factory=_i)
    contact_action: I = field(default_factory=_i)
    contact_propensity: F = field(default_factory=lambda: np.zeros(0))
    contact_dpd: I = field(default_factory=_i)
    contact_cost_cents: I = field(default_factory=_i)
    reached: B = field(default_factory=_b)
    promised: B = field(default_factory=_b)
    promise_day: I = field(default_factory=_i)
    disputed: B = field(default_factory=_b)
    complained: B = field(default_factory=_b)
    # the invoices each contact covered: (row in the contact arrays, invoice)
    covered_contact: I = field(default_factory=_i)
    covered_invoice: I = field(default_factory=_i)
    # payments (one row each) and their allocations to invoices
    pay_debtor: I = field(default_factory=_i)
    pay_amount: I = field(default_factory=_i)
    pay_promised: B = field(default_factory=_b)  # a kept promise
    alloc_payment: I = field(default_factory=_i)
    alloc_invoice: I = field(default_factory=_i)
    alloc_amount: I = field(default_factory=_i)
    # promises that fell due today and were not kept
    promise_broken: I = field(default_factory=_i)
    # disputes resolved today: debtor, invoices, and whether credited (else reopened)
    resolved_debtor: I = field(default_factory=_i)
    resolved_credited: B = field(default_factory=_b)
    resolved_invoice: I = field(default_factory=_i)
    # invoices handed over to collection today
    handover_invoice: I = field(default_factory=_i)

    @property
    def n_contacts(self) -> int:
        return int(self.contact_debtor.size)
