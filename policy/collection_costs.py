"""Collection costs a creditor may charge: NL WIK staffel, BE consumer damages cap, BE B2B flat fee.

Pure functions of principals (integer cents) and a date; the figures come from
``policy/data/collection_costs.json`` (effective-dated). Exact arithmetic in Decimal, rounded once
to cents, half up. This module must never add a fee the law does not name (no admin fees), never
compute costs per claim when several claims of one debtor are demanded together in NL (they are
summed once), and never add VAT unless :func:`vat_add_on_applies`.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from ledger.enums import Country, DebtorKind
from policy.effective import in_force, load_json
from policy.money import round_cents
from policy.public_holidays import add_working_days

_DATA = "collection_costs.json"


@dataclass(frozen=True)
class BracketLine:
    """One bracket's share of the costs: ``rate`` × the part of the principal in it."""

    lower_cents: int
    upper_cents: int | None
    rate: Decimal
    base_cents: int
    fixed_cents: int
    exact_cents: Decimal


@dataclass(frozen=True)
class CostBreakdown:
    """The costs and how they were reached. ``total_cents`` is what may be charged."""

    country: Country
    kind: DebtorKind
    rule: str
    source: str
    effective_from: date
    principals_cents: tuple[int, ...]
    principal_cents: int
    lines: tuple[BracketLine, ...]
    exact_cents: Decimal
    rounded_cents: int
    minimum_applied: bool
    maximum_applied: bool
    costs_cents: int
    vat_rate: Decimal
    vat_cents: int
    total_cents: int


def vat_add_on_applies(
    *, vat_deductible: bool, collection_outsourced: bool, stated_in_letter: bool
) -> bool:
    """VAT may be added to NL collection costs only when the creditor outsourced collection, cannot
    deduct VAT, and says so in the letter."""
    return collection_outsourced and not vat_deductible and stated_in_letter


def _check_principals(principals: Sequence[int]) -> tuple[int, ...]:
    if not principals:
        raise ValueError("at least one principal is needed")
    for p in principals:
        if p < 0:
            raise ValueError(f"principal {p} cents is negative")
    return tuple(principals)


@lru_cache(maxsize=1024)
def _version(section: str, on: date) -> dict[str, Any]:
    version: dict[str, Any] = in_force(load_json(_DATA)[section], on, what=section)
    return version


def nl_collection_costs(
    principals: Sequence[int],
    *,
    on: date,
    kind: DebtorKind = DebtorKind.B2C,
    vat_add_on: bool = False,
) -> CostBreakdown:
    """WIK staffel over the SUM of the principals (claims demanded together count once), clamped to
    the minimum and maximum; 21% VAT on top only when ``vat_add_on`` (see
    :func:`vat_add_on_applies`). Zero principal → zero costs (nothing to collect)."""
    ps = _check_principals(principals)
    total = sum(ps)
    v = _version("nl_wik", on)
    lines = []
    for lower, upper, rate in _nl_bands(on):
        base = _in_band(total, lower, upper)
        lines.append(BracketLine(lower, upper, rate, base, 0, rate * base))
    exact = sum((line.exact_cents for line in lines), Decimal(0))
    rounded = round_cents(exact)
    costs = _nl_clamped(total, rounded, v)
    vat_rate = _nl_vat_rate(on) if vat_add_on else Decimal(0)
    vat = round_cents(vat_rate * costs)
    return CostBreakdown(
        country=Country.NL,
        kind=kind,
        rule="NL WIK staffel",
        source=v["source"],
        effective_from=date.fromisoformat(v["effective_from"]),
        principals_cents=ps,
        principal_cents=total,
        lines=tuple(lines),
        exact_cents=exact,
        rounded_cents=rounded,
        minimum_applied=total > 0 and rounded < v["minimum_cents"],
        maximum_applied=rounded > v["maximum_cents"],
        costs_cents=costs,
        vat_rate=vat_rate,
        vat_cents=vat,
        total_cents=costs + vat,
    )


@lru_cache(maxsize=1024)
def _nl_bands(on: date) -> tuple[tuple[int, int | None, Decimal], ...]:
    """The WIK brackets in force on ``on``: lower and upper bound (None: no upper), rate."""
    bands, lower = [], 0
    for b in _version("nl_wik", on)["brackets"]:
        upper: int | None = b["upto_cents"]
        bands.append((lower, upper, Decimal(b["rate"])))
        if upper is None:
            break
        lower = upper
    return tuple(bands)


def _in_band(total: int, lower: int, upper: int | None) -> int:
    """The part of ``total`` between ``lower`` and ``upper``."""
    return max(0, (total if upper is None else min(total, upper)) - lower)


def _nl_clamped(total: int, rounded: int, version: dict[str, Any]) -> int:
    if total == 0:
        return 0
    clamped: int = min(max(rounded, version["minimum_cents"]), version["maximum_cents"])
    return clamped


@lru_cache(maxsize=1024)
def _nl_vat_rate(on: date) -> Decimal:
    return Decimal(_version("nl_vat", on)["rate"])


def be_consumer_damages(principals: Sequence[int], *, on: date) -> CostBreakdown:
    """Book XIX cap on the damages a Belgian consumer may be charged, over the balance due."""
    ps = _check_principals(principals)
    total = sum(ps)
    v = _version("be_consumer_damages", on)
    lines: list[BracketLine] = []
    lower = 0
    exact = Decimal(0)
    for t in v["tiers"]:
        upper: int | None = t["upto_cents"]
        if upper is None or total <= upper:
            rate = Decimal(t["rate"])
            base = max(0, total - t["above_cents"])
            exact = t["fixed_cents"] + rate * base
            lines.append(BracketLine(lower, upper, rate, base, t["fixed_cents"], exact))
            break
        lower = upper
    if total == 0:
        exact = Decimal(0)
    rounded = round_cents(exact)
    costs = min(rounded, v["maximum_cents"])
    return CostBreakdown(
        country=Country.BE,
        kind=DebtorKind.B2C,
        rule="BE consumer damages cap (Book XIX)",
        source=v["source"],
        effective_from=date.fromisoformat(v["effective_from"]),
        principals_cents=ps,
        principal_cents=total,
        lines=tuple(lines),
        exact_cents=exact,
        rounded_cents=rounded,
        minimum_applied=False,
        maximum_applied=rounded > v["maximum_cents"],
        costs_cents=costs,
        vat_rate=Decimal(0),
        vat_cents=0,
        total_cents=costs,
    )


def be_b2b_compensation(principals: Sequence[int], *, on: date) -> CostBreakdown:
    """BE commercial late payment: a flat amount per unpaid invoice (interest comes on top)."""
    ps = _check_principals(principals)
    v = _version("be_b2b", on)
    flat: int = v["flat_cents_per_invoice"]
    lines = tuple(BracketLine(0, None, Decimal(0), p, flat, Decimal(flat)) for p in ps if p > 0)
    costs = flat * len(lines)
    return CostBreakdown(
        country=Country.BE,
        kind=DebtorKind.B2B,
        rule="BE B2B flat compensation per invoice",
        source=v["source"],
        effective_from=date.fromisoformat(v["effective_from"]),
        principals_cents=ps,
        principal_cents=sum(ps),
        lines=lines,
        exact_cents=Decimal(costs),
        rounded_cents=costs,
        minimum_applied=False,
        maximum_applied=False,
        costs_cents=costs,
        vat_rate=Decimal(0),
        vat_cents=0,
        total_cents=costs,
    )


def be_reminder_fee_cap_cents(reminder_number: int, *, postage_cents: int, on: date) -> int:
    """The most a Belgian consumer may be charged for reminder number ``reminder_number`` (1-based):
    nothing for the free ones, else the capped fee plus postage."""
    if reminder_number < 1:
        raise ValueError("reminders are numbered from 1")
    v = _version("be_consumer_damages", on)
    if reminder_number <= v["free_reminders"]:
        return 0
    cap: int = v["reminder_fee_cap_cents"]
    return cap + max(0, postage_cents)


def be_first_reminder_grace_ends_on(sent_on: date, *, by_post: bool) -> date:
    """The last day of the 14 days' grace a Belgian consumer gets after the free first reminder:
    counted from the 3rd working day after posting, or from the day after an e-mail. Read
    conservatively: the grace runs 14 full days after that starting day."""
    start = add_working_days(Country.BE, sent_on, 3) if by_post else sent_on + timedelta(days=1)
    return start + timedelta(days=14)


def collection_costs(
    country: Country,
    kind: DebtorKind,
    principals: Sequence[int],
    *,
    on: date,
    vat_add_on: bool = False,
) -> CostBreakdown:
    """The one entry point: dispatch on country and debtor kind."""
    return _collection_costs(country, kind, tuple(principals), on, vat_add_on)


def collection_costs_cents(
    country: Country,
    kind: DebtorKind,
    principals: Sequence[int],
    *,
    on: date,
    vat_add_on: bool = False,
) -> int:
    """:func:`collection_costs`' ``total_cents`` alone. The guardrails need the total of every
    bundle they check, and bundles differ from debtor to debtor: for NL the breakdown's objects
    cost several times the arithmetic."""
    if country != Country.NL:
        return collection_costs(country, kind, principals, on=on, vat_add_on=vat_add_on).total_cents
    total = sum(_check_principals(principals))
    v = _version("nl_wik", on)
    exact = Decimal(0)
    for lower, upper, rate in _nl_bands(on):
        exact += rate * _in_band(total, lower, upper)
    costs = _nl_clamped(total, round_cents(exact), v)
    return costs + round_cents(_nl_vat_rate(on) * costs) if vat_add_on else costs


@lru_cache(maxsize=1024, typed=True)  # typed: the breakdown echoes ``kind`` as it was given
def _collection_costs(
    country: Country, kind: DebtorKind, principals: tuple[int, ...], on: date, vat_add_on: bool
) -> CostBreakdown:
    # remembered because the guardrails ask for the same bundle on the same day for every
    # candidate; a breakdown is frozen and the rule data is loaded once per process anyway
    if country == Country.NL:
        return nl_collection_costs(principals, on=on, kind=kind, vat_add_on=vat_add_on)
    if vat_add_on:
        raise ValueError("the VAT add-on exists only for NL collection costs")
    if kind == DebtorKind.B2C:
        return be_consumer_damages(principals, on=on)
    return be_b2b_compensation(principals, on=on)
