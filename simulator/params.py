"""The response model's parameters: per-archetype rows and scalar knobs, as read from a world file.

Every value is an ASSUMPTION (see ``simulator/README.md`` and ``simulator/worlds/default.toml``);
this module only declares their shapes and turns them into numpy arrays indexed
``[archetype, channel, tone]`` for the vectorised model in :mod:`simulator.response`. It holds no
numbers of its own: a value written here would be a second declaration of a world-file fact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ledger.channels import CHANNELS as CHANNEL_FACTS
from ledger.enums import Channel, Tone
from simulator.config import ARCHETYPES

CHANNELS: tuple[Channel, ...] = tuple(f.channel for f in CHANNEL_FACTS)  # ledger.channels' order
TONES: tuple[Tone, ...] = (Tone.FRIENDLY, Tone.NEUTRAL, Tone.FIRM)


@dataclass(frozen=True)
class ArchetypeResponse:
    """One latent debtor type's row of the response tables."""

    h_pre: float  # daily pay hazard 1-5 days before the oldest due date, without action
    h_post: float  # ...and after it
    channel_lift: tuple[float, ...]  # hazard multiplier per channel, neutral tone (CHANNELS order)
    tone_lift: tuple[float, ...]  # multiplier on that lift per tone (TONES order)
    p_promise: float  # a reached phone call yields a promise
    p_keep: float  # a promise is kept
    p_hold: float  # hazard multiplier while a promise is pending
    p_deadline: float  # pays on a firm deadline (x tone x channel factor)
    p_dispute: float  # disputes per reached contact
    firm_dispute: float  # extra dispute factor for a firm tone
    p_complaint: float  # complains per reached contact
    p_full: float  # a payment event pays everything due (else a part)
    p_credit: float  # a resolved dispute ends in a credit note (else the claim reopens)


PER_ARCHETYPE_SCALARS: tuple[str, ...] = tuple(
    f for f in ArchetypeResponse.__dataclass_fields__ if f not in ("channel_lift", "tone_lift")
)


@dataclass(frozen=True)
class ResponseParams:
    """The hazard model's knobs: scalars and per-slot/per-channel/per-tone tuples, plus the
    per-archetype rows (``archetypes``, keyed by the names in ``ARCHETYPES``)."""

    archetypes: dict[str, ArchetypeResponse]
    lift_tau_days: float  # a reminder's effect decays as exp(-t / tau)
    lift_min: float  # bounds on one action's hazard multiplier
    lift_max: float
    stacked_lift_bounds: tuple[float, float]  # bounds on the multiplier of stacked contacts
    hazard_cap: float
    late_dpd: int  # after this many days past due the base hazard drops...
    late_factor: float  # ...by this factor (the claim goes stale)
    payday_dom: tuple[int, int]  # cash-strapped: liquidity between these days of the month
    payday_factor: float
    off_payday_factor: float
    amount_elasticity: float  # B2C hazard x (amount / creditor median) ** elasticity
    fatigue_window_days: int
    fatigue_phi: float  # each recent contact keeps this share of the next one's log-lift
    fatigue_beta: float  # ...and multiplies the hazard by this (annoyance: backfire)
    episode_saturation: float  # each earlier contact in the episode shrinks log-lift so
    saturday_b2b: float  # an office is closed: share of the log-lift kept on Saturday
    saturday_reach_b2b: float  # ...and share of phone reach
    reopen_lift: float  # a disputed claim that reopens starts with this hazard multiplier
    tone_dispute: tuple[float, ...]
    channel_dispute: tuple[float, ...]
    tone_complaint: tuple[float, ...]
    loyal_firm_complaint: float  # extra factor for firm tone towards a loyal customer
    channel_complaint: tuple[float, ...]
    frequency_complaint: float  # complaint x (1 + this x recent contacts)
    evening_call_complaint: float  # B2C phone/robocall at 18:00
    dispute_cap: float
    complaint_cap: float
    promise_delay_days: tuple[int, int]
    deadline_days: int
    tone_deadline: tuple[float, ...]
    channel_deadline: tuple[float, ...]
    partial_share: tuple[float, float]
    dispute_days: tuple[int, int]
    complaint_pause_days: int
    robocall_reach_factor: float
    # Reach of a phone call per send-hour slot (9, 13, 18): offices by day, consumers by evening.
    reach_b2b: tuple[float, ...]
    reach_b2c: tuple[float, ...]
    # Share of a message's log-lift kept per slot (email, sms) for B2B / B2C; letters ignore hours.
    msg_hour_b2b: tuple[float, ...]
    msg_hour_b2c: tuple[float, ...]

    @property
    def log_lift_bounds(self) -> tuple[float, float]:
        lo, hi = self.stacked_lift_bounds
        return float(np.log(lo)), float(np.log(hi))


@dataclass(frozen=True)
class ParamArrays:
    """The per-archetype tables as arrays (index = position in ``ARCHETYPES``)."""

    per_arch: dict[str, NDArray[np.float64]]
    lift: NDArray[np.float64]  # [archetype, channel, tone], already clipped to the bounds
    tone: NDArray[np.float64]  # [archetype, tone]: the tone factor alone


def as_arrays(p: ResponseParams) -> ParamArrays:
    rows = [p.archetypes[a] for a in ARCHETYPES]
    per_arch = {
        k: np.array([getattr(r, k) for r in rows], dtype=float) for k in PER_ARCHETYPE_SCALARS
    }
    ch = np.array([r.channel_lift for r in rows], dtype=float)
    tn = np.array([r.tone_lift for r in rows], dtype=float)
    lift = np.clip(ch[:, :, None] * tn[:, None, :], p.lift_min, p.lift_max)
    return ParamArrays(per_arch=per_arch, lift=lift, tone=tn)
