"""Contact windows: the legal default, holidays, creditor narrowing, BE calls, the next slot."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from ledger.enums import Channel, Country
from policy.contact_window import CreditorWindow, NaiveTimeError, next_slot
from policy.public_holidays import (
    add_working_days,
    extend_to_working_day,
    holiday_name,
    parse_extra_days,
)

AMS = ZoneInfo("Europe/Amsterdam")


def ams(*args: int) -> datetime:
    return datetime(*args, tzinfo=AMS)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 1, 1), "New Year"),
        (date(2026, 4, 3), "Good Friday"),
        (date(2026, 4, 6), "Easter Monday"),
        (date(2026, 4, 27), "King"),
        (date(2026, 5, 5), "Liberation"),  # every year, not only every fifth
        (date(2027, 5, 5), "Liberation"),
        (date(2026, 5, 14), "Ascension"),
        (date(2026, 5, 25), "Pentecost Monday"),
        (date(2026, 12, 25), "Christmas"),
        (date(2026, 12, 26), "Second Day of Christmas"),
        (date(2025, 4, 26), "King"),  # 27 April was a Sunday
    ],
)
def test_nl_holidays(day: date, name: str) -> None:
    got = holiday_name(Country.NL, day)
    assert got is not None
    assert name in got


def test_ordinary_day_is_no_holiday() -> None:
    assert holiday_name(Country.NL, date(2026, 3, 3)) is None


def test_extra_days_table_parses() -> None:
    rows = parse_extra_days("country,date,name,source\nNL,2026-06-01,Bijzondere dag,Stcrt\n")
    assert rows == {(Country.NL, date(2026, 6, 1)): "Bijzondere dag"}


@pytest.mark.parametrize(
    ("at", "allowed", "next_at", "reason"),
    [
        (ams(2026, 3, 3, 7, 0), True, ams(2026, 3, 3, 7, 0), None),
        (ams(2026, 3, 3, 19, 59), True, ams(2026, 3, 3, 19, 59), None),
        (ams(2026, 3, 3, 6, 59), False, ams(2026, 3, 3, 7, 0), "outside 07:00–20:00"),
        (ams(2026, 3, 3, 20, 0), False, ams(2026, 3, 4, 7, 0), "outside 07:00–20:00"),
        (ams(2026, 3, 7, 12, 0), True, ams(2026, 3, 7, 12, 0), None),  # Saturday is fine
        (ams(2026, 3, 8, 12, 0), False, ams(2026, 3, 9, 7, 0), "Sunday"),
        (ams(2026, 4, 3, 10, 0), False, ams(2026, 4, 4, 7, 0), "Good Friday"),
        # Saturday evening before Easter → Sunday, Easter Monday → Tuesday
        (ams(2026, 4, 4, 21, 0), False, ams(2026, 4, 7, 7, 0), "outside"),
        # the example: Christmas Day 2026 (Friday) → Monday 28 December 07:00
        (
            datetime.fromisoformat("2026-12-25T10:00:00+01:00"),
            False,
            ams(2026, 12, 28, 7, 0),
            "Christmas",
        ),
        # UTC input is read in Amsterdam: 05:30 UTC in summer = 07:30 CEST
        (datetime.fromisoformat("2026-07-01T05:30:00+00:00"), True, ams(2026, 7, 1, 7, 30), None),
        (datetime.fromisoformat("2026-07-01T04:30:00+00:00"), False, ams(2026, 7, 1, 7), "06:30"),
        # DST change night (29 March 2026): the next slot is 07:00 local, Monday
        (ams(2026, 3, 28, 22, 0), False, ams(2026, 3, 30, 7, 0), "outside"),
    ],
)
def test_legal_window(at: datetime, allowed: bool, next_at: datetime, reason: str | None) -> None:
    got = next_slot(at)
    assert got.allowed is allowed
    assert got.next_allowed == next_at
    if reason is None:
        assert got.reasons == []
    else:
        assert any(reason in r for r in got.reasons), got.reasons


def test_creditor_narrows() -> None:
    office = CreditorWindow(
        "Acme", allowed_weekdays=frozenset(range(5)), start_minute=9 * 60, end_minute=17 * 60
    )
    sat = next_slot(ams(2026, 3, 7, 12, 0), creditor=office)
    assert not sat.allowed
    assert any("Saturday" in r and "Acme" in r for r in sat.reasons)
    assert sat.next_allowed == ams(2026, 3, 9, 9, 0)
    late = next_slot(ams(2026, 3, 9, 17, 0), creditor=office)
    assert late.next_allowed == ams(2026, 3, 10, 9, 0)


def test_creditor_cannot_widen() -> None:
    wide = CreditorWindow(
        "Night owl", allowed_weekdays=frozenset(range(7)), start_minute=0, end_minute=24 * 60
    )
    sunday = next_slot(ams(2026, 3, 8, 23, 0), creditor=wide)
    assert not sunday.allowed
    assert sunday.next_allowed == ams(2026, 3, 9, 7, 0)
    late = next_slot(ams(2026, 3, 9, 21, 0), creditor=wide)
    assert not late.allowed


def test_be_calls_not_before_eight() -> None:
    at = datetime(2026, 3, 3, 7, 30, tzinfo=ZoneInfo("Europe/Brussels"))
    assert next_slot(at, country=Country.BE, channel=Channel.EMAIL).allowed
    call = next_slot(at, country=Country.BE, channel=Channel.PHONE)
    assert not call.allowed
    assert any("22:00–08:00" in r for r in call.reasons)
    assert call.next_allowed.hour == 8


def test_naive_time_is_refused() -> None:
    with pytest.raises(NaiveTimeError):
        next_slot(datetime(2026, 3, 3, 10, 0))


def test_working_days() -> None:
    assert extend_to_working_day(Country.NL, date(2026, 3, 7)) == date(2026, 3, 9)
    assert extend_to_working_day(Country.NL, date(2026, 3, 9)) == date(2026, 3, 9)
    # 3rd working day after Thursday 2 April 2026: Good Friday, weekend, Easter Monday skipped
    assert add_working_days(Country.NL, date(2026, 4, 2), 3) == date(2026, 4, 9)
    with pytest.raises(ValueError, match="at least 1"):
        add_working_days(Country.NL, date(2026, 4, 2), 0)
