"""Statutory interest: NL consumer (BW 6:119) and commercial (BW 6:119a), and the BE B2B rate.

Rates are data (``policy/data/nl_interest_rates.csv``, one row per kind and effective date). The
computation, documented so a lawyer can check it:

* interest runs for every calendar day ``d`` with ``start <= d < end`` (``start`` is the first day
  of interest: the day after the due date for B2B, the first day of default for B2C);
* each day earns ``base × rate / 365`` (actual/365, also in leap years) at the rate in force that
  day, so a rate change splits the period;
* yearly compounding (6:119 lid 2): on every anniversary of ``start`` the interest of the past year,
  rounded to cents, is added to the base;
* the total is rounded to cents, half up, once at the end.

This reproduces the worked example 3,000.00 B2B for 90 days at 10.15% = 75.08.

Unsettled rates (the consumer rate from 2025-07-01) are never silently invented: by default the last
settled rate is carried forward and the days so computed are counted in ``unsettled_days`` so the
caller can flag them; pass ``unsettled_rate`` to use another (e.g. a lower, conservative) rate.
This module must never use floats, and never charge interest for a date before ``start``.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from functools import lru_cache
from itertools import pairwise

from dateutil.relativedelta import relativedelta

from ledger.enums import DebtorKind
from policy.effective import NoRuleInForceError, data_text
from policy.money import round_cents

_RATES = "nl_interest_rates.csv"
DAYS_PER_YEAR = Decimal(365)


@dataclass(frozen=True)
class RateRow:
    effective_from: date
    kind: DebtorKind
    rate_percent: Decimal | None
    settled: bool
    source: str


@dataclass(frozen=True)
class InterestPeriod:
    """A stretch of days with one rate and one base."""

    start: date
    end: date  # exclusive
    days: int
    rate_percent: Decimal
    base_cents: int
    exact_cents: Decimal
    unsettled: bool


@dataclass(frozen=True)
class InterestResult:
    kind: DebtorKind
    principal_cents: int
    start: date
    end: date
    days: int
    periods: tuple[InterestPeriod, ...]
    capitalised: tuple[tuple[date, int], ...]
    interest_cents: int
    unsettled_days: int
    day_count: str = "actual/365, compounded yearly on the anniversary of the start date"


@lru_cache
def rate_table() -> tuple[RateRow, ...]:
    rows: list[RateRow] = []
    for r in csv.DictReader(io.StringIO(data_text(_RATES))):
        raw = r["rate_percent"].strip()
        rows.append(
            RateRow(
                effective_from=date.fromisoformat(r["effective_from"]),
                kind=DebtorKind(r["kind"]),
                rate_percent=Decimal(raw) if raw else None,
                settled=r["status"] == "settled",
                source=r["source"],
            )
        )
    return tuple(sorted(rows, key=lambda x: x.effective_from))


def rate_on(kind: DebtorKind, on: date, *, unsettled_rate: Decimal | None = None) -> RateRow:
    """The rate in force for ``kind`` on ``on``; an unsettled row is resolved (see module doc)."""
    rows = [r for r in rate_table() if r.kind == kind and r.effective_from <= on]
    if not rows:
        raise NoRuleInForceError(f"no {kind.value} interest rate known for {on.isoformat()}")
    row = rows[-1]
    if row.settled and row.rate_percent is not None:
        return row
    if unsettled_rate is not None:
        return RateRow(row.effective_from, kind, unsettled_rate, False, row.source)
    settled = [r for r in rows if r.settled and r.rate_percent is not None]
    if not settled:
        raise NoRuleInForceError(f"no settled {kind.value} rate before {on.isoformat()}")
    carried = settled[-1]
    return RateRow(row.effective_from, kind, carried.rate_percent, False, row.source)


def _change_dates(kind: DebtorKind, start: date, end: date) -> list[date]:
    return [
        r.effective_from for r in rate_table() if r.kind == kind and start < r.effective_from < end
    ]


def statutory_interest(
    principal_cents: int,
    *,
    kind: DebtorKind,
    start: date,
    end: date,
    unsettled_rate: Decimal | None = None,
) -> InterestResult:
    """Interest over ``principal_cents`` for the days ``start <= d < end`` (see module doc)."""
    if principal_cents < 0:
        raise ValueError("principal must not be negative")
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    base = principal_cents
    periods: list[InterestPeriod] = []
    capitalised: list[tuple[date, int]] = []
    total = Decimal(0)
    unsettled_days = 0
    year = 1
    year_start = start
    while year_start < end:
        year_end = min(start + relativedelta(years=year), end)
        cuts = [year_start, *_change_dates(kind, year_start, year_end), year_end]
        year_interest = Decimal(0)
        for a, b in pairwise(cuts):
            row = rate_on(kind, a, unsettled_rate=unsettled_rate)
            assert row.rate_percent is not None
            days = (b - a).days
            exact = Decimal(base) * row.rate_percent / 100 * days / DAYS_PER_YEAR
            periods.append(
                InterestPeriod(a, b, days, row.rate_percent, base, exact, not row.settled)
            )
            year_interest += exact
            unsettled_days += 0 if row.settled else days
        if year_end == start + relativedelta(years=year) and year_end < end:
            added = round_cents(year_interest)
            capitalised.append((year_end, added))
            base += added
            total += added
        else:
            total += year_interest
        year_start = year_end
        year += 1
    return InterestResult(
        kind=kind,
        principal_cents=principal_cents,
        start=start,
        end=end,
        days=(end - start).days,
        periods=tuple(periods),
        capitalised=tuple(capitalised),
        interest_cents=round_cents(total),
        unsettled_days=unsettled_days,
    )


def commercial_interest_start(
    *, due_date: date | None = None, invoice_received_on: date | None = None
) -> date:
    """First day of B2B interest: the day after the agreed due date, or, with no date agreed, the
    day after the 30th day after receipt of the invoice (BW 6:119a lid 2)."""
    if due_date is not None:
        return due_date + timedelta(days=1)
    if invoice_received_on is None:
        raise ValueError("need a due date or the date the invoice was received")
    return invoice_received_on + timedelta(days=31)


def be_commercial_rate(ecb_refi_percent: Decimal) -> Decimal:
    """BE B2B rate: ECB main refinancing rate + 8 points, rounded UP to the next half point."""
    raw = ecb_refi_percent + 8
    return (raw * 2).to_integral_value(rounding=ROUND_CEILING) / 2
