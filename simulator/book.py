"""The world's receivables book: invoice state, disputes, hand-over to collection and payments.

:class:`Book` keeps per-invoice arrays (open amount, status, paid day) and the per-debtor facts the
daily cycle needs (oldest due date, overdue and payable amounts). It decides nothing about contacts;
:class:`simulator.world.World` builds on it. Status codes map to ``ledger.enums.InvoiceStatus``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ledger.enums import InvoiceStatus
from simulator.config import SimConfig
from simulator.events import DayEvents
from simulator.params import ResponseParams, as_arrays
from simulator.population import Population

I = NDArray[np.int64]  # noqa: E741
F = NDArray[np.float64]

OPEN, PAID, DISPUTED, IN_COLLECTION, WRITTEN_OFF = range(5)
STATUS_NAMES = (
    InvoiceStatus.OPEN,
    InvoiceStatus.PAID,
    InvoiceStatus.DISPUTED,
    InvoiceStatus.IN_COLLECTION,
    InvoiceStatus.WRITTEN_OFF,
)
FAR = 10**6
PAYABLE_AHEAD_DAYS = 5  # a payment event also settles invoices due within this many days


class Book:
    def __init__(self, pop: Population, cfg: SimConfig, params: ResponseParams) -> None:
        self.pop, self.cfg, self.params = pop, cfg, params
        n, m = pop.n_debtors, pop.n_invoices
        self.inv_open = pop.inv_amount.copy()
        self.inv_status = np.zeros(m, dtype=np.int64)
        self.inv_paid_day = np.full(m, -1, dtype=np.int64)
        self.dispute_until = np.full(n, -1, dtype=np.int64)
        self.prior_paid = np.zeros(n, dtype=np.int64)
        self.prior_dpd_sum = np.zeros(n, dtype=np.int64)
        self.promise_day = np.full(n, -1, dtype=np.int64)
        self.promise_keep = np.zeros(n, dtype=bool)
        self.deadline_day = np.full(n, -1, dtype=np.int64)  # latent: pays on it (unobservable)
        self.today = -1
        self._issued = 0
        self.active = np.zeros(0, dtype=np.int64)
        self.flow = np.zeros(0, dtype=np.int64)
        self.mindue = np.full(n, FAR, dtype=np.int64)
        self.overdue = np.zeros(n, dtype=np.int64)
        self.n_overdue = np.zeros(n, dtype=np.int64)
        self.payable = np.zeros(n, dtype=np.int64)
        self.issued_cents = 0
        self.paid_cents = 0
        self.credited_cents = 0
        self._per_arch = as_arrays(params).per_arch

    def receivable_cents(self) -> int:
        """Everything invoiced and not yet paid or credited (in collection included)."""
        return self.issued_cents - self.paid_cents - self.credited_cents

    def start_day(self, day: int, u: F, ev: DayEvents) -> None:
        pop, st = self.pop, self.inv_status
        j = int(np.searchsorted(pop.inv_issue, day, side="right"))
        new = np.arange(self._issued, j, dtype=np.int64)
        self.issued_cents += int(pop.inv_amount[new].sum())
        self._issued = j
        self.active = np.concatenate([self.active, new])
        res = np.flatnonzero(self.dispute_until == day)
        if res.size:
            p_credit = self._per_arch["p_credit"]
            credit = np.zeros(pop.n_debtors, dtype=bool)
            credit[res] = u[res, 9] < p_credit[pop.archetype[res]]
            resolving = np.zeros(pop.n_debtors, dtype=bool)
            resolving[res] = True
            inv = self.active[
                (st[self.active] == DISPUTED) & resolving[pop.inv_debtor[self.active]]
            ]
            cr = credit[pop.inv_debtor[inv]]
            self.credited_cents += int(self.inv_open[inv[cr]].sum())
            st[inv[cr]], self.inv_open[inv[cr]] = WRITTEN_OFF, 0
            st[inv[~cr]] = OPEN
            self.dispute_until[res] = -1
            ev.resolved_debtor, ev.resolved_credited, ev.resolved_invoice = res, credit[res], inv
        flow = self.active[st[self.active] == OPEN]
        handed = flow[pop.inv_due[flow] <= day - self.cfg.handover_dpd]
        st[handed] = IN_COLLECTION
        ev.handover_invoice = handed
        s_act = st[self.active]
        self.active = self.active[(s_act == OPEN) | (s_act == DISPUTED)]
        self._aggregate(day)

    def _aggregate(self, day: int) -> None:
        pop, n = self.pop, self.pop.n_debtors
        flow = self.active[self.inv_status[self.active] == OPEN]
        deb, due, amt = pop.inv_debtor[flow], pop.inv_due[flow], self.inv_open[flow]
        self.flow = flow
        self.mindue = np.full(n, FAR, dtype=np.int64)
        np.minimum.at(self.mindue, deb, due)
        od = due < day
        self.overdue = np.bincount(deb[od], amt[od], minlength=n).astype(np.int64)
        self.n_overdue = np.bincount(deb[od], minlength=n).astype(np.int64)
        pb = due <= day + PAYABLE_AHEAD_DAYS
        self.payable = np.bincount(deb[pb], amt[pb], minlength=n).astype(np.int64)

    def dispute(self, day: int, debtors: I, u: F) -> tuple[I, I]:
        """Debtors dispute: their open claims leave the flow until resolution. Returns pairs
        (debtor, invoice) of the disputed invoices."""
        lo, hi = self.params.dispute_days
        self.dispute_until[debtors] = day + lo + np.floor(u[debtors, 8] * (hi - lo + 1)).astype(int)
        mask = np.zeros(self.pop.n_debtors, dtype=bool)
        mask[debtors] = True
        inv = self.flow[mask[self.pop.inv_debtor[self.flow]]]
        inv = inv[self.inv_status[inv] == OPEN]
        self.inv_status[inv] = DISPUTED
        return self.pop.inv_debtor[inv], inv

    def pay_day(self, day: int, u: F, ev: DayEvents, hazard: F) -> None:
        """Draw today's payment events (hazard or a kept promise) and settle invoices."""
        pop = self.pop
        elig = (self.payable > 0) & (self.dispute_until < day)
        due_today = self.promise_day == day
        kept = due_today & self.promise_keep & elig
        ev.promise_broken = np.flatnonzero(due_today & ~kept)
        self.promise_day[due_today] = -1
        pay = elig & ((u[:, 0] < hazard) | kept | (self.deadline_day == day))
        if not pay.any():
            return
        full = u[:, 10] < self._per_arch["p_full"][pop.archetype]
        flow = self.flow[self.inv_status[self.flow] == OPEN]
        deb = pop.inv_debtor[flow]
        sel = flow[pay[deb] & (pop.inv_due[flow] <= day + PAYABLE_AHEAD_DAYS)]
        sel = sel[np.lexsort((pop.inv_due[sel], pop.inv_debtor[sel]))]
        sdeb = pop.inv_debtor[sel]
        amount = self.inv_open[sel].copy()
        part = ~full[sdeb]
        if part.any():
            lo, hi = self.params.partial_share
            total = np.bincount(sdeb[part], amount[part], minlength=pop.n_debtors)
            target = np.round(total * (lo + (hi - lo) * u[:, 1])).astype(np.int64)
            idx = np.flatnonzero(part)
            cum = np.cumsum(amount[idx])
            start = np.r_[0, np.flatnonzero(np.diff(sdeb[idx]) != 0) + 1]
            before = np.repeat(cum[start] - amount[idx][start], np.diff(np.r_[start, idx.size]))
            spent_before = cum - amount[idx] - before
            amount[idx] = np.clip(target[sdeb[idx]] - spent_before, 0, amount[idx])
        keep = amount > 0
        sel, sdeb, amount = sel[keep], sdeb[keep], amount[keep]
        self.inv_open[sel] -= amount
        done = sel[self.inv_open[sel] == 0]
        self.inv_status[done] = PAID
        self.inv_paid_day[done] = day
        np.add.at(self.prior_paid, pop.inv_debtor[done], 1)
        np.add.at(self.prior_dpd_sum, pop.inv_debtor[done], day - pop.inv_due[done])
        self.paid_cents += int(amount.sum())
        payers, alloc_payment = np.unique(sdeb, return_inverse=True)
        ev.pay_debtor = payers
        ev.pay_amount = np.bincount(alloc_payment, amount).astype(np.int64)
        ev.pay_promised = kept[payers]
        ev.alloc_payment, ev.alloc_invoice, ev.alloc_amount = alloc_payment, sel, amount
