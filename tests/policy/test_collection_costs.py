"""Collection costs: every worked example in shared/DOMAIN.md, plus boundaries, cap and rounding."""

import re
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.enums import Country, DebtorKind
from policy.collection_costs import (
    be_b2b_compensation,
    be_consumer_damages,
    be_reminder_fee_cap_cents,
    collection_costs,
    collection_costs_cents,
    nl_collection_costs,
    vat_add_on_applies,
)
from policy.effective import NoRuleInForceError
from policy.money import AmountError, format_eur, parse_euros, round_cents, to_decimal_string

ON = date(2026, 3, 1)


@pytest.mark.parametrize(
    ("principals", "expected"),
    [
        # DOMAIN.md worked examples
        ([10_000], 4_000),
        ([26_700], 4_005),
        ([300_000], 42_500),
        ([1_000_000], 87_500),
        ([1_200_000], 89_500),
        ([30_000_000], 327_500),
        ([10_000, 10_000, 10_000], 4_500),  # several claims summed once, not 3 × 40.00
        # the minimum and where it stops biting (40.00 / 15% = 266.67)
        ([1], 4_000),
        ([26_666], 4_000),  # 3999.9 → 4000
        ([26_667], 4_000),  # 4000.05 → 4000
        ([26_670], 4_001),  # 4000.5 → 4001 (half up)
        # bracket boundaries
        ([250_000], 37_500),
        ([250_001], 37_500),  # 37500.1 → 37500
        ([250_005], 37_501),  # 37500.5 → 37501 (half up)
        ([500_000], 62_500),
        ([500_100], 62_505),
        ([1_000_100], 87_501),
        ([20_000_000], 277_500),
        ([20_000_100], 277_501),  # 277500 + 0.5% of 1.00 = 277500.5 → half up
        # the maximum 6,775.00 is reached at 1,000,000.00
        ([100_000_000], 677_500),
        ([100_000_200], 677_500),
        ([500_000_000], 677_500),
        # several claims crossing a bracket together
        ([200_000, 100_000], 42_500),
        ([0], 0),
    ],
)
def test_nl_wik_staffel(principals: list[int], expected: int) -> None:
    got = nl_collection_costs(principals, on=ON)
    assert got.costs_cents == expected
    assert got.total_cents == expected
    assert got.vat_cents == 0
    assert got.principal_cents == sum(principals)


def test_nl_breakdown_per_bracket_adds_up() -> None:
    got = nl_collection_costs([1_200_000], on=ON)
    assert [line.base_cents for line in got.lines] == [250_000, 250_000, 500_000, 200_000, 0]
    assert [round_cents(line.exact_cents) for line in got.lines] == [
        37_500,
        25_000,
        25_000,
        2_000,
        0,
    ]
    assert not got.minimum_applied
    assert not got.maximum_applied
    small = nl_collection_costs([10_000], on=ON)
    assert small.rounded_cents == 1_500
    assert small.minimum_applied
    big = nl_collection_costs([200_000_000], on=ON)
    assert big.maximum_applied


@pytest.mark.parametrize(
    ("principals", "costs", "vat", "total"),
    [
        ([26_700], 4_005, 841, 4_846),  # 21% of 40.05 = 8.4105 → 8.41
        ([10_000], 4_000, 840, 4_840),
        ([300_000], 42_500, 8_925, 51_425),
        ([100_000_000], 677_500, 142_275, 819_775),
    ],
)
def test_nl_vat_add_on(principals: list[int], costs: int, vat: int, total: int) -> None:
    got = nl_collection_costs(principals, on=ON, vat_add_on=True)
    assert (got.costs_cents, got.vat_cents, got.total_cents) == (costs, vat, total)


@pytest.mark.parametrize(
    ("deductible", "outsourced", "stated", "applies"),
    [
        (False, True, True, True),
        (True, True, True, False),
        (False, False, True, False),
        (False, True, False, False),
        (True, False, False, False),
    ],
)
def test_vat_add_on_only_when_all_three_hold(
    deductible: bool, outsourced: bool, stated: bool, applies: bool
) -> None:
    assert (
        vat_add_on_applies(
            vat_deductible=deductible, collection_outsourced=outsourced, stated_in_letter=stated
        )
        is applies
    )


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        # DOMAIN.md worked examples
        (30_000, 4_500),
        (100_000, 9_000),
        (1_200_000, 64_000),
        # tier boundaries
        (1, 2_000),
        (15_000, 2_000),
        (15_001, 3_000),  # 3000 + 0.1 cent
        (15_005, 3_001),  # 3000 + 0.5 cent → half up
        (50_000, 6_500),
        (50_001, 6_500),
        (50_010, 6_501),  # 6500 + 0.5 cent
        # the 2,000 cap is reached at 39,200.00
        (3_920_000, 200_000),
        (3_920_100, 200_000),
        (100_000_000, 200_000),
        (0, 0),
    ],
)
def test_be_consumer_damages_cap(principal: int, expected: int) -> None:
    assert be_consumer_damages([principal], on=ON).total_cents == expected


def test_be_consumer_damages_before_book_xix_is_not_guessed() -> None:
    with pytest.raises(NoRuleInForceError):
        be_consumer_damages([10_000], on=date(2020, 1, 1))


def test_be_reminders_first_free_then_capped() -> None:
    assert be_reminder_fee_cap_cents(1, postage_cents=150, on=ON) == 0
    assert be_reminder_fee_cap_cents(2, postage_cents=150, on=ON) == 900
    assert be_reminder_fee_cap_cents(3, postage_cents=0, on=ON) == 750
    with pytest.raises(ValueError, match="numbered"):
        be_reminder_fee_cap_cents(0, postage_cents=0, on=ON)


def test_be_b2b_flat_per_invoice() -> None:
    assert be_b2b_compensation([100], on=ON).total_cents == 4_000
    assert be_b2b_compensation([1_000_000, 5_000], on=ON).total_cents == 8_000


@pytest.mark.parametrize(
    ("country", "kind", "principals", "expected"),
    [
        (Country.NL, DebtorKind.B2C, [26_700], 4_005),
        (Country.NL, DebtorKind.B2B, [26_700], 4_005),
        (Country.BE, DebtorKind.B2C, [30_000], 4_500),
        (Country.BE, DebtorKind.B2B, [30_000], 4_000),
    ],
)
def test_dispatch(country: Country, kind: DebtorKind, principals: list[int], expected: int) -> None:
    assert collection_costs(country, kind, principals, on=ON).total_cents == expected


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(list(Country)),
    st.sampled_from(list(DebtorKind)),
    st.lists(st.integers(0, 50_000_000) | st.sampled_from([250_000, 1_000_000]), max_size=4),
    st.integers(0, 6_000).map(lambda k: date(2012, 1, 1) + timedelta(days=k)),
    st.booleans(),
)
def test_the_total_alone_is_the_breakdowns_total(
    country: Country, kind: DebtorKind, principals: list[int], on: date, vat: bool
) -> None:
    """``collection_costs_cents`` skips the breakdown, never its result (nor its refusals)."""
    try:
        expected: int | Exception = collection_costs(
            country, kind, principals, on=on, vat_add_on=vat
        ).total_cents
    except (ValueError, NoRuleInForceError) as e:
        expected = e
    if isinstance(expected, Exception):
        with pytest.raises(type(expected), match=re.escape(str(expected))):
            collection_costs_cents(country, kind, principals, on=on, vat_add_on=vat)
    else:
        assert collection_costs_cents(country, kind, principals, on=on, vat_add_on=vat) == expected


def test_bad_principals_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        nl_collection_costs([-1], on=ON)
    with pytest.raises(ValueError, match="at least one"):
        nl_collection_costs([], on=ON)
    with pytest.raises(ValueError, match="VAT"):
        collection_costs(Country.BE, DebtorKind.B2C, [100], on=ON, vat_add_on=True)


@pytest.mark.parametrize(
    ("text", "cents"),
    [("267.00", 26_700), ("267", 26_700), ("267,5", 26_750), ("€ 1 000.01", 100_001), ("0", 0)],
)
def test_parse_euros(text: str, cents: int) -> None:
    assert parse_euros(text) == cents


@pytest.mark.parametrize("text", ["abc", "-1", "1.001", "nan", "inf", ""])
def test_parse_euros_refuses(text: str) -> None:
    with pytest.raises(AmountError):
        parse_euros(text)


def test_formatting() -> None:
    assert to_decimal_string(4_005) == "40.05"
    assert to_decimal_string(-5) == "-0.05"
    assert format_eur(123_456_78, "nl") == "€ 123.456,78"
    assert format_eur(123_456_78, "en") == "EUR 123,456.78"
