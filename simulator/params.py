"""Ground-truth response parameters: the hazard model's numbers, per archetype.

Every value is an ASSUMPTION chosen to be plausible and to make the archetypes differ in the way the
dunning trade describes them (see ``simulator/README.md`` for the reasoning behind each number).
Tables are keyed by names so they read like the README; :func:`as_arrays` turns them into numpy
arrays indexed ``[archetype, channel, tone]`` for the vectorised model in :mod:`simulator.response`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from ledger.enums import Channel, Tone
from simulator.config import ARCHETYPES

CHANNELS: tuple[Channel, ...] = (
    Channel.EMAIL,
    Channel.SMS,
    Channel.LETTER,
    Channel.PHONE,
    Channel.ROBOCALL,
)
TONES: tuple[Tone, ...] = (Tone.FRIENDLY, Tone.NEUTRAL, Tone.FIRM)

A = ARCHETYPES
# Daily pay hazard without any action: 1–5 days before the oldest due date, and after it.
H_PRE = dict(zip(A, (0.22, 0.04, 0.03, 0.003, 0.06, 0.02, 0.001), strict=True))
H_POST = dict(zip(A, (0.18, 0.02, 0.03, 0.006, 0.003, 0.01, 0.001), strict=True))

# Hazard multiplier of a reminder at full strength, neutral tone
# (email, sms, letter, phone, robocall).
CHANNEL_LIFT: dict[str, tuple[float, ...]] = {
    "punctual": (1.5, 1.5, 1.3, 1.6, 1.2),
    "forgetful": (3.4, 3.6, 2.4, 2.0, 1.8),
    "cash_strapped": (1.2, 1.4, 1.2, 2.6, 1.2),
    "chronic_late": (1.2, 1.2, 2.0, 1.0, 1.0),
    "ap_department": (1.1, 1.0, 1.1, 3.0, 1.0),
    "disputer": (3.0, 1.8, 1.6, 1.5, 1.1),
    "wont_pay": (1.1, 1.1, 1.25, 1.1, 1.05),
}
# Tone multiplier on that lift: friendly, neutral, firm.
TONE_LIFT: dict[str, tuple[float, ...]] = {
    "punctual": (1.1, 1.0, 0.9),
    "forgetful": (1.15, 1.0, 0.9),
    "cash_strapped": (1.15, 1.0, 0.7),
    "chronic_late": (0.8, 1.0, 1.9),
    "ap_department": (1.05, 1.0, 0.4),
    "disputer": (1.3, 1.0, 0.8),
    "wont_pay": (1.0, 1.0, 1.1),
}
# On a reached phone call: chance of a promise, and of keeping it.
P_PROMISE = dict(zip(A, (0.7, 0.2, 0.6, 0.8, 0.7, 0.15, 0.4), strict=True))
P_KEEP = dict(zip(A, (0.95, 0.8, 0.65, 0.05, 0.9, 0.5, 0.1), strict=True))
# While a promise is pending, the daily hazard is multiplied by this ("I'll pay on Friday").
P_HOLD = dict(zip(A, (1.0, 1.0, 0.5, 0.1, 1.0, 0.5, 0.3), strict=True))
# A contact in a firm tone sets a deadline (10 days); the debtor pays on it with this chance
# (x tone factor x channel factor): chronic late payers pay at the last moment.
P_DEADLINE = dict(zip(A, (0.3, 0.15, 0.1, 0.6, 0.0, 0.1, 0.05), strict=True))
# Per contact: chance the debtor disputes the claim / complains about the contact.
P_DISPUTE = dict(zip(A, (0.002, 0.002, 0.005, 0.01, 0.003, 0.12, 0.03), strict=True))
# Extra dispute factor for a firm tone: a large company's AP blocks a threatening claim for review.
FIRM_DISPUTE = dict(zip(A, (1.0, 1.0, 1.0, 1.0, 15.0, 1.0, 1.0), strict=True))
P_COMPLAINT = dict(zip(A, (0.006, 0.006, 0.015, 0.01, 0.004, 0.03, 0.02), strict=True))
# A payment event pays everything due in full with this chance, else a part (cash-strapped: a plan).
P_FULL = dict(zip(A, (0.97, 0.95, 0.45, 0.85, 0.97, 0.8, 0.5), strict=True))
# A dispute, when resolved, is settled by a credit note with this chance (else the claim reopens).
P_CREDIT = dict(zip(A, (0.5, 0.5, 0.5, 0.5, 0.3, 0.6, 0.2), strict=True))


@dataclass(frozen=True)
class ResponseParams:
    """The scalar knobs of the response model (tables above hold the per-archetype ones)."""

    lift_tau_days: float = 6.0  # a reminder's effect decays as exp(-t / tau)
    lift_min: float = 0.7  # bounds on one action's hazard multiplier
    lift_max: float = 4.0
    log_lift_bounds: tuple[float, float] = (float(np.log(0.5)), float(np.log(4.0)))
    hazard_cap: float = 0.9
    individual_sigma: float = 0.3  # log-normal spread of each debtor's base hazard
    late_dpd: int = 45  # after this many days past due the base hazard drops...
    late_factor: float = 0.8  # ...by this factor (the claim goes stale)
    payday_dom: tuple[int, int] = (25, 28)  # cash-strapped: liquidity from the 25th to the 28th
    payday_factor: float = 3.0
    off_payday_factor: float = 0.6
    amount_elasticity: float = -0.1  # B2C hazard x (amount / creditor median) ** elasticity
    fatigue_window_days: int = 14
    fatigue_phi: float = 0.4  # each recent contact keeps this share of the next one's log-lift
    fatigue_beta: float = 0.8  # ...and multiplies the hazard by this (annoyance: backfire)
    episode_saturation: float = 0.9  # each earlier contact in the episode shrinks log-lift so
    saturday_b2b: float = 0.4  # an office is closed: share of the log-lift kept on Saturday
    tone_dispute: tuple[float, ...] = (0.6, 1.0, 1.8)
    channel_dispute: tuple[float, ...] = (1.0, 0.7, 1.2, 1.4, 1.2)
    tone_complaint: tuple[float, ...] = (0.6, 1.0, 2.0)
    loyal_firm_complaint: float = 3.0  # extra factor for firm tone towards a loyal customer
    channel_complaint: tuple[float, ...] = (0.6, 1.0, 0.9, 1.3, 2.5)
    frequency_complaint: float = 1.0  # complaint x (1 + this x recent contacts)
    evening_call_complaint: float = 1.5  # B2C phone/robocall at 18:00
    dispute_cap: float = 0.5
    complaint_cap: float = 0.3
    promise_delay_days: tuple[int, int] = (2, 10)
    deadline_days: int = 10
    tone_deadline: tuple[float, ...] = (0.0, 0.3, 1.0)
    channel_deadline: tuple[float, ...] = (0.6, 0.5, 1.0, 0.4, 0.3)
    partial_share: tuple[float, float] = (0.3, 0.7)
    dispute_days: tuple[int, int] = (21, 60)
    complaint_pause_days: int = 14
    robocall_reach_factor: float = 0.8
    # Reach of a phone call per send-hour slot (9, 13, 18): offices by day, consumers by evening.
    reach_b2b: tuple[float, ...] = (0.75, 0.6, 0.1)
    reach_b2c: tuple[float, ...] = (0.35, 0.4, 0.7)
    # Share of a message's log-lift kept per slot (email, sms) for B2B / B2C; letters ignore hours.
    msg_hour_b2b: tuple[float, ...] = (1.0, 0.9, 0.6)
    msg_hour_b2c: tuple[float, ...] = (1.0, 0.9, 1.1)
    tables: dict[str, dict[str, float]] = field(
        default_factory=lambda: {
            "h_pre": H_PRE,
            "h_post": H_POST,
            "p_promise": P_PROMISE,
            "p_keep": P_KEEP,
            "p_hold": P_HOLD,
            "p_deadline": P_DEADLINE,
            "firm_dispute": FIRM_DISPUTE,
            "p_dispute": P_DISPUTE,
            "p_complaint": P_COMPLAINT,
            "p_full": P_FULL,
            "p_credit": P_CREDIT,
        }
    )


@dataclass(frozen=True)
class ParamArrays:
    """The per-archetype tables as arrays (index = position in ``ARCHETYPES``)."""

    per_arch: dict[str, NDArray[np.float64]]
    lift: NDArray[np.float64]  # [archetype, channel, tone], already clipped to the bounds
    tone: NDArray[np.float64]  # [archetype, tone]: the tone factor alone


def as_arrays(p: ResponseParams) -> ParamArrays:
    per_arch = {k: np.array([v[a] for a in ARCHETYPES], dtype=float) for k, v in p.tables.items()}
    ch = np.array([CHANNEL_LIFT[a] for a in ARCHETYPES], dtype=float)
    tn = np.array([TONE_LIFT[a] for a in ARCHETYPES], dtype=float)
    lift = np.clip(ch[:, :, None] * tn[:, None, :], p.lift_min, p.lift_max)
    return ParamArrays(per_arch=per_arch, lift=lift, tone=tn)
