"""Statutory interest: the DOMAIN.md example, rate changes, yearly compounding, unsettled rates."""

from datetime import date
from decimal import Decimal

import pytest

from ledger.enums import DebtorKind
from policy.effective import NoRuleInForceError
from policy.interest import (
    be_commercial_rate,
    commercial_interest_start,
    rate_on,
    statutory_interest,
)

B2B, B2C = DebtorKind.B2B, DebtorKind.B2C


@pytest.mark.parametrize(
    ("principal", "kind", "start", "end", "expected"),
    [
        # DOMAIN.md: 3,000 B2B, 90 days at 10.15% = 75.08 (actual/365)
        (300_000, B2B, date(2025, 7, 1), date(2025, 9, 29), 7_508),
        (300_000, B2B, date(2026, 1, 10), date(2026, 4, 10), 7_508),
        # one day: 3000 × 10.15% / 365 = 0.8342 → 0.83
        (300_000, B2B, date(2026, 2, 1), date(2026, 2, 2), 83),
        # zero days, zero principal
        (300_000, B2B, date(2026, 2, 1), date(2026, 2, 1), 0),
        (0, B2B, date(2025, 2, 1), date(2026, 2, 1), 0),
        # rate change inside the period: 30 days (June) at 11.15% + 31 (July) at 10.15%
        # 300000 × (0.1115 × 30 + 0.1015 × 31) / 365 = 5335.48 → 5335
        (300_000, B2B, date(2025, 6, 1), date(2025, 8, 1), 5_335),
        # consumer at 7%: 1000 × 7% × 184/365 = 35.29
        (100_000, B2C, date(2024, 7, 1), date(2025, 1, 1), 3_529),
    ],
)
def test_interest_table(
    principal: int, kind: DebtorKind, start: date, end: date, expected: int
) -> None:
    assert statutory_interest(principal, kind=kind, start=start, end=end).interest_cents == expected


def test_yearly_compounding_adds_the_years_interest_to_the_base() -> None:
    got = statutory_interest(300_000, kind=B2B, start=date(2024, 3, 1), end=date(2026, 3, 1))
    # year 1: 122 d at 12.50 + 184 d at 12.25 + 59 d at 11.15 over 3000.00 = 364.67
    assert got.capitalised == ((date(2025, 3, 1), 36_467),)
    year2_base = [p.base_cents for p in got.periods if p.start >= date(2025, 3, 1)]
    assert set(year2_base) == {336_467}
    simple = statutory_interest(300_000, kind=B2B, start=date(2024, 3, 1), end=date(2025, 3, 1))
    assert got.interest_cents > 2 * simple.interest_cents - 2_000  # compounding adds, not subtracts
    assert got.interest_cents == 71_743


def test_exactly_one_year_is_not_capitalised_twice() -> None:
    got = statutory_interest(100_000, kind=B2B, start=date(2025, 1, 1), end=date(2026, 1, 1))
    assert got.capitalised == ()
    # 181 d at 11.15% + 184 d at 10.15%
    assert got.interest_cents == round(100_000 * (0.1115 * 181 + 0.1015 * 184) / 365)


def test_unsettled_consumer_rate_is_carried_and_flagged() -> None:
    got = statutory_interest(100_000, kind=B2C, start=date(2025, 6, 1), end=date(2025, 8, 1))
    assert got.unsettled_days == 31
    assert {p.rate_percent for p in got.periods} == {Decimal("6.00")}
    lower = statutory_interest(
        100_000,
        kind=B2C,
        start=date(2025, 6, 1),
        end=date(2025, 8, 1),
        unsettled_rate=Decimal("4"),
    )
    assert lower.interest_cents < got.interest_cents
    assert rate_on(B2C, date(2026, 5, 1)).settled is False
    assert rate_on(B2B, date(2026, 5, 1)).rate_percent == Decimal("10.15")


def test_no_rate_before_the_table_starts() -> None:
    with pytest.raises(NoRuleInForceError):
        statutory_interest(100_000, kind=B2B, start=date(2023, 6, 1), end=date(2024, 2, 1))


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="before"):
        statutory_interest(1, kind=B2B, start=date(2026, 1, 2), end=date(2026, 1, 1))
    with pytest.raises(ValueError, match="negative"):
        statutory_interest(-1, kind=B2B, start=date(2026, 1, 1), end=date(2026, 1, 2))


def test_commercial_start() -> None:
    assert commercial_interest_start(due_date=date(2026, 1, 31)) == date(2026, 2, 1)
    assert commercial_interest_start(invoice_received_on=date(2026, 1, 1)) == date(2026, 2, 1)
    with pytest.raises(ValueError, match="due date"):
        commercial_interest_start()


@pytest.mark.parametrize(
    ("ecb", "rate"), [("2.15", "10.5"), ("2.00", "10"), ("4.50", "12.5"), ("4.01", "12.5")]
)
def test_be_commercial_rate_rounds_up_to_half_points(ecb: str, rate: str) -> None:
    assert be_commercial_rate(Decimal(ecb)) == Decimal(rate)
