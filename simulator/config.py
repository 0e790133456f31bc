"""The simulator's knobs: population shape, calendar and the ground-truth response parameters.

Every number here is an ASSUMPTION (documented with its reasoning in ``simulator/README.md``), not a
fact about real debtors. Parameters are plain data so tests and notebooks can vary them; nothing in
this module draws random numbers or touches a database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

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


_B2B_MIX = {
    "punctual": 0.20,
    "forgetful": 0.20,
    "chronic_late": 0.30,
    "ap_department": 0.16,
    "disputer": 0.08,
    "wont_pay": 0.06,
}
_B2C_MIX = {
    "punctual": 0.32,
    "forgetful": 0.25,
    "cash_strapped": 0.22,
    "chronic_late": 0.07,
    "disputer": 0.05,
    "wont_pay": 0.09,
}

DEFAULT_CREDITORS: tuple[CreditorProfile, ...] = (
    CreditorProfile(
        key="wholesale",
        name="Groothandel Van Dijk B.V.",
        share=0.35,
        b2b_share=1.0,
        amount_median_eur=900.0,
        amount_sigma=0.9,
        invoices_per_month=1.2,
        terms_b2b_days=30,
        terms_b2c_days=14,
        allowed_weekdays=(0, 1, 2, 3, 4),
        contact_start_minute=7 * 60,
        contact_end_minute=20 * 60,
        archetype_mix_b2b=_B2B_MIX,
        archetype_mix_b2c=_B2C_MIX,
        intercompany_debtors=3,
    ),
    CreditorProfile(
        key="installer",
        name="Installatiebedrijf De Vries",
        share=0.25,
        b2b_share=0.4,
        amount_median_eur=450.0,
        amount_sigma=0.8,
        invoices_per_month=0.3,
        terms_b2b_days=30,
        terms_b2c_days=14,
        allowed_weekdays=(0, 1, 2, 3, 4, 5),
        contact_start_minute=8 * 60,
        contact_end_minute=17 * 60 + 30,
        archetype_mix_b2b={**_B2B_MIX, "ap_department": 0.06, "punctual": 0.42},
        archetype_mix_b2c=_B2C_MIX,
    ),
    CreditorProfile(
        key="subscription",
        name="StreamWel Abonnementen",
        share=0.40,
        b2b_share=0.0,
        amount_median_eur=32.0,
        amount_sigma=0.35,
        invoices_per_month=0.0,
        terms_b2b_days=14,
        terms_b2c_days=14,
        allowed_weekdays=(0, 1, 2, 3, 4, 5),
        contact_start_minute=7 * 60,
        contact_end_minute=20 * 60,
        archetype_mix_b2b=_B2B_MIX,
        archetype_mix_b2c=_B2C_MIX,
    ),
)


@dataclass(frozen=True)
class ContactDetails:
    """Shares of debtors with a missing channel or an opt-out (assumptions)."""

    no_email_b2b: float = 0.05
    no_email_b2c: float = 0.10
    no_phone_b2b: float = 0.08
    no_phone_b2c: float = 0.20
    no_mobile_b2b: float = 0.40  # a landline cannot take an SMS
    no_address: float = 0.02
    opt_out_sms: float = 0.05
    opt_out_email: float = 0.02
    opt_out_robocall: float = 0.10


@dataclass(frozen=True)
class SimConfig:
    """Everything that shapes one simulated world; the seed is passed separately."""

    n_debtors: int = 2_000
    days: int = 180
    end: date = date(2026, 11, 23)
    creditors: tuple[CreditorProfile, ...] = DEFAULT_CREDITORS
    contacts: ContactDetails = field(default_factory=ContactDetails)
    min_gap_days: int = 3
    handover_dpd: int = 90  # still open this many days past due: handed to collection
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
        if self.min_gap_days < 1:
            raise ValueError("min_gap_days must be at least 1")
