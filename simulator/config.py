"""The shapes of the simulator's knobs: creditor profiles, contact details, population traits, and
``SimConfig`` (the size of one run plus the world it runs in).

The numbers themselves live in world files (``simulator/worlds/*.toml``, loaded by
:mod:`simulator.world_file`); every one is an ASSUMPTION (documented in ``simulator/README.md``),
not a fact about real debtors. Nothing in this module draws random numbers or touches a database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.world_file import WorldSpec

ARCHETYPES: tuple[str, ...] = (
    "punctual",
    "forgetful",
    "cash_strapped",
    "chronic_late",
    "ap_department",
    "disputer",
    "wont_pay",
)
"""Latent debtor types. ``ap_department``: a larger business whose invoices wait in an accounts
payable queue until someone phones the right clerk."""

HOURS: tuple[int, ...] = (9, 13, 18)
"""Send-hour slots (local time, Europe/Amsterdam) of the action space."""


@dataclass(frozen=True)
class CreditorProfile:
    """One archetypal creditor: who its customers are and how it invoices."""

    key: str
    name: str
    share: float  # share of the simulated debtors
    b2b_share: float
    amount_median_eur: float
    amount_sigma: float  # log-normal sigma of invoice amounts
    invoices_per_month: float  # Poisson rate per debtor; <= 0 means exactly monthly
    terms_b2b_days: int
    terms_b2c_days: int
    allowed_weekdays: tuple[int, ...]  # Monday = 0
    contact_start_minute: int
    contact_end_minute: int
    archetype_mix_b2b: dict[str, float]
    archetype_mix_b2c: dict[str, float]
    intercompany_debtors: int = 0  # debtors in an excluded segment (never dunned)


@dataclass(frozen=True)
class ContactDetails:
    """Shares of debtors with a missing channel or an opt-out (assumptions)."""

    no_email_b2b: float
    no_email_b2c: float
    no_phone_b2b: float
    no_phone_b2c: float
    no_mobile_b2b: float  # a landline cannot take an SMS
    no_address: float
    opt_out_sms: float
    opt_out_email: float
    opt_out_robocall: float


@dataclass(frozen=True)
class PopulationTraits:
    """How debtors and their invoices vary beyond their creditor's profile (assumptions)."""

    loyal_share: float  # share of non-punctual debtors who are loyal customers (punctual: all)
    individual_sigma: float  # log-normal spread of each debtor's base hazard
    debtor_scale_sigma: float  # log-normal spread of a debtor's typical invoice amount
    ap_amount_factor: float  # AP-department debtors' invoices are this much larger
    activity_shape: float  # gamma shape of a debtor's invoicing activity
    activity_scale: float  # gamma scale of it (mean activity = shape x scale)


@dataclass(frozen=True)
class Rules:
    """The world's own contact and hand-over rules, applied to every policy."""

    min_gap_days: int  # at least this many days between two contacts with a debtor
    handover_dpd: int  # still open this many days past due: handed to collection


def _default_world() -> WorldSpec:
    from simulator.world_file import default_world

    return default_world()


@dataclass(frozen=True)
class SimConfig:
    """One simulated run: its size and period, the world it runs in (a world file's assumptions,
    default ``simulator/worlds/default.toml``) and the oracle's knobs; the seed is passed
    separately."""

    n_debtors: int = 2_000
    days: int = 180
    end: date = date(2026, 11, 23)
    world: WorldSpec = field(default_factory=_default_world)
    horizon_days: int = 14  # horizon of ``true_response``'s pay probability
    harm_per_complaint_eur: float = 25.0
    discount: float = 0.99  # time discount applied to the expected collection in the value
    epsilon: float = 0.2  # exploration share of the logging policy

    def __post_init__(self) -> None:
        if self.n_debtors <= 0:
            raise ValueError("n_debtors must be positive")
        if self.days <= 0:
            raise ValueError("days must be positive")
        if not 0.0 <= self.epsilon <= 1.0:
            raise ValueError("epsilon must lie in [0, 1]")

    @property
    def creditors(self) -> tuple[CreditorProfile, ...]:
        return self.world.creditors

    @property
    def contacts(self) -> ContactDetails:
        return self.world.contacts

    @property
    def min_gap_days(self) -> int:
        return self.world.rules.min_gap_days

    @property
    def handover_dpd(self) -> int:
        return self.world.rules.handover_dpd
