"""Point-in-time debtor history for plan choices: what a ledger knows of a debtor at a checkpoint.

:class:`DebtorHistory` is fed every simulated day's events (``record``) and answers, for the rows of
a :class:`~simulator.views.DecisionBatch`, the state features a plan-at-checkpoint policy decides on
(``state``): segment and creditor, amounts and ages, contacts in the last ``FATIGUE_DAYS``, reach
and response (a payment within ``RESPONSE_DAYS`` of a contact) per channel and per tone, promises
made, kept and broken, complaints and disputes. Only events before today enter, so the features are
point-in-time. It also keeps each debtor's running totals on the creditor's objective (collected,
contact cost, complaints, contacts), from which a learner reads the value between two checkpoints.
It never reads the latent archetype and never chooses.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from simulator.actions import CHANNEL_OF, TONE_OF
from simulator.checkpoints import stage_of
from simulator.events import DayEvents
from simulator.params import CHANNELS, TONES
from simulator.views import DecisionBatch

I = NDArray[np.int64]  # noqa: E741
F = NDArray[np.float64]

FATIGUE_DAYS = 14  # the window "contacts lately" counts (an observation window, not the world's)
RESPONSE_DAYS = 7  # a payment this soon after a contact counts as that contact's response
CH = tuple(c.value for c in CHANNELS)
TN = tuple(t.value for t in TONES)
STATE_FEATURES: tuple[str, ...] = (
    "segment",
    "creditor",
    "b2c",
    "log_overdue_eur",
    "n_overdue",
    "dpd",
    "stage",
    "episode_contacts",
    "days_since_contact",
    "prior_paid",
    "prior_mean_dpd",
    "contacts_recent",
    "contacts_total",
    *(f"reach_{c}" for c in CH),
    *(f"paid_after_{c}" for c in CH),
    *(f"paid_after_{t}" for t in TN),
    "promises",
    "promises_kept",
    "promises_broken",
    "complaints",
    "disputes",
)
"""The state features, in column order (their descriptions live with the model that uses them)."""
CATEGORICAL = ("segment", "creditor")
TOTALS = ("collected_eur", "cost_eur", "complaints", "contacts")


class DebtorHistory:
    """Running per-debtor history (world indices) built from :class:`DayEvents`."""

    def __init__(self, inv_debtor: I, n_debtors: int) -> None:
        self.inv_debtor, n = inv_debtor, n_debtors
        self.recent = np.full((n, 8), -10_000, dtype=np.int64)  # last contact days, newest first
        self.by_channel = np.zeros((n, len(CH), 3))  # contacts, reached, paid after
        self.by_tone = np.zeros((n, len(TN), 2))  # contacts, paid after
        self.last_day = np.full(n, -10_000, dtype=np.int64)
        self.last_action = np.zeros(n, dtype=np.int64)
        self.answered = np.ones(n, dtype=bool)  # last contact already credited with a payment
        self.counts = np.zeros((n, 5))  # promises, kept, broken, complaints, disputes
        self.totals = np.zeros((n, len(TOTALS)))

    def record(self, day: int, ev: DayEvents) -> None:
        n, d, a = self.totals.shape[0], ev.contact_debtor, ev.contact_action
        if d.size:
            self.recent[d] = np.column_stack([np.full(d.size, day), self.recent[d, :-1]])
            ch, tn = CHANNEL_OF[a], TONE_OF[a]
            self.by_channel[:, :, 0] += _per2(d, ch, len(CH), None, n)
            self.by_channel[:, :, 1] += _per2(d, ch, len(CH), ev.reached, n)
            self.by_tone[:, :, 0] += _per2(d, tn, len(TN), None, n)
            self.last_day[d], self.last_action[d], self.answered[d] = day, a, False
            self.counts[:, 0] += _per(d, ev.promised, n)
            self.counts[:, 3] += _per(d, ev.complained, n)
            self.counts[:, 4] += _per(d, ev.disputed, n)
            self.totals[:, 1] += _per(d, ev.contact_cost_cents / 100.0, n)
            self.totals[:, 2] += _per(d, ev.complained, n)
            self.totals[:, 3] += _per(d, None, n)
        self.counts[:, 1] += _per(ev.pay_debtor[ev.pay_promised], None, n)
        self.counts[:, 2] += _per(ev.promise_broken, None, n)
        payers = np.unique(ev.pay_debtor)
        fresh = payers[~self.answered[payers] & (day - self.last_day[payers] <= RESPONSE_DAYS)]
        act = self.last_action[fresh]
        self.by_channel[:, :, 2] += _per2(fresh, CHANNEL_OF[act], len(CH), None, n)
        self.by_tone[:, :, 1] += _per2(fresh, TONE_OF[act], len(TN), None, n)
        self.answered[fresh] = True
        self.totals[:, 0] += _per(self.inv_debtor[ev.alloc_invoice], ev.alloc_amount / 100.0, n)

    def outcomes(self, ev: DayEvents) -> I:
        """Debtors with an outcome today that calls for a new choice (broken promise, complaint,
        resolved dispute)."""
        return np.unique(
            np.concatenate(
                [ev.promise_broken, ev.contact_debtor[ev.complained], ev.resolved_debtor]
            ).astype(np.int64)
        )

    def state(self, batch: DecisionBatch, rows: I) -> pd.DataFrame:
        """The state features of ``rows`` of ``batch`` (columns ``STATE_FEATURES``)."""
        d, day = batch.debtor[rows], batch.day
        ch, tn, c = self.by_channel[d], self.by_tone[d], self.counts[d]
        with np.errstate(invalid="ignore", divide="ignore"):
            reach = ch[:, :, 1] / ch[:, :, 0]
            paid_ch = ch[:, :, 2] / ch[:, :, 0]
            paid_tn = tn[:, :, 1] / tn[:, :, 0]
        cols: dict[str, object] = {
            "segment": batch.creditor[rows] * 2 + batch.b2c[rows].astype(np.int64),
            "creditor": batch.creditor[rows],
            "b2c": batch.b2c[rows].astype(np.int64),
            "log_overdue_eur": np.log1p(batch.overdue_cents[rows] / 100.0),
            "n_overdue": batch.n_overdue[rows],
            "dpd": batch.dpd[rows],
            "stage": stage_of(batch.dpd[rows]),
            "episode_contacts": batch.episode_contacts[rows],
            "days_since_contact": np.minimum(batch.days_since_contact[rows], 365),
            "prior_paid": batch.prior_paid[rows],
            "prior_mean_dpd": batch.prior_mean_dpd[rows],
            "contacts_recent": (day - self.recent[d] < FATIGUE_DAYS).sum(axis=1),
            "contacts_total": ch[:, :, 0].sum(axis=1),
            **{f"reach_{k}": reach[:, i] for i, k in enumerate(CH)},
            **{f"paid_after_{k}": paid_ch[:, i] for i, k in enumerate(CH)},
            **{f"paid_after_{k}": paid_tn[:, i] for i, k in enumerate(TN)},
            "promises": c[:, 0],
            "promises_kept": c[:, 1],
            "promises_broken": c[:, 2],
            "complaints": c[:, 3],
            "disputes": c[:, 4],
        }
        return pd.DataFrame(cols, columns=list(STATE_FEATURES))

    def snapshot(self, debtors: I) -> F:
        """Running totals (``TOTALS``) of ``debtors`` so far."""
        return np.asarray(self.totals[debtors].copy())


def _per(debtor: I, weight: NDArray[np.generic] | None, n: int) -> F:
    """Per debtor, the sum of ``weight`` (or the count) over the rows naming it."""
    w = None if weight is None else np.asarray(weight, dtype=float)
    return np.bincount(debtor, w, minlength=n).astype(float)


def _per2(debtor: I, k: I, width: int, weight: NDArray[np.generic] | None, n: int) -> F:
    """[debtor, k]: the sum of ``weight`` (or the count) over the rows naming both."""
    w = None if weight is None else np.asarray(weight, dtype=float)
    flat = np.bincount(debtor * width + k, w, minlength=n * width)
    return flat.astype(float).reshape(n, width)
