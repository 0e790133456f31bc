"""Five call attempts at five different moments, inside the legal contact window.

From the planned send time: today 10:00 and 16:30, the next calling day 09:00, 13:00 and 18:30,
then the same pattern again, keeping only moments at or after the send time. Every slot lies in
07:00–20:00 Europe/Amsterdam on a calling day (Monday–Saturday by default, never a Sunday or a
public holiday of the creditor's country, from the ``holidays`` package including 5 May and Good
Friday). This module must never return a slot outside that window; the creditor may narrow the
weekdays (``weekdays`` option) and the hours (``minutes``: its [start, end) in minutes after
midnight), never widen them. When the creditor's hours hold none of a day's pattern moments, the
day gets the start and the middle of its hours instead, so the attempts still differ in day part.
"""

from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from itertools import cycle

import holidays

from serving.senders.outbox_files import LOCAL_TZ

ATTEMPTS = 5
WINDOW = (time(7, 0), time(20, 0))
PATTERN = ((time(10, 0), time(16, 30)), (time(9, 0), time(13, 0), time(18, 30)))
DEFAULT_WEEKDAYS = frozenset(range(6))  # Monday = 0 … Saturday = 5; never Sunday


def _minute(at: time) -> int:
    return at.hour * 60 + at.minute


def _inside(pattern: tuple[time, ...], start: int, end: int) -> tuple[time, ...]:
    kept = tuple(m for m in pattern if start <= _minute(m) < end)
    if kept:
        return kept
    middle = (start + end) // 2
    return tuple(time(m // 60, m % 60) for m in sorted({start, middle}))


@lru_cache(maxsize=64)
def _holidays(country: str, year: int) -> frozenset[date]:
    categories = (holidays.PUBLIC, holidays.OPTIONAL) if country == "NL" else (holidays.PUBLIC,)
    try:
        days = holidays.country_holidays(country, years=year, categories=categories)
    except NotImplementedError:
        days = holidays.country_holidays("NL", years=year, categories=categories)
    return frozenset(days)


def is_calling_day(
    day: date, country: str = "NL", weekdays: Iterable[int] = DEFAULT_WEEKDAYS
) -> bool:
    allowed = frozenset(weekdays) & DEFAULT_WEEKDAYS
    return day.weekday() in allowed and day not in _holidays(country.upper(), day.year)


def _calling_days(start: date, country: str, weekdays: frozenset[int]) -> Iterator[date]:
    day = start
    for _ in range(366):
        if is_calling_day(day, country, weekdays):
            yield day
        day += timedelta(days=1)


def attempt_slots(
    send_at: datetime,
    *,
    country: str = "NL",
    weekdays: Iterable[int] = DEFAULT_WEEKDAYS,
    attempts: int = ATTEMPTS,
    minutes: tuple[int, int] | None = None,
) -> list[datetime]:
    """``attempts`` moments (Europe/Amsterdam, tz-aware) at or after ``send_at``."""
    if send_at.tzinfo is None:
        raise ValueError("send_at must be timezone-aware")
    allowed = frozenset(weekdays) & DEFAULT_WEEKDAYS
    if not allowed:
        raise ValueError("no calling weekdays left")
    start, end = _minute(WINDOW[0]), _minute(WINDOW[1])
    if minutes is not None:
        start, end = max(start, minutes[0]), min(end, minutes[1])
    if start >= end:
        raise ValueError("no calling hours left")
    local = send_at.astimezone(LOCAL_TZ)
    slots: list[datetime] = []
    patterns = cycle(PATTERN)
    for day in _calling_days(local.date(), country, allowed):
        for moment in _inside(next(patterns), start, end):
            at = datetime.combine(day, moment, tzinfo=LOCAL_TZ)
            if at >= local:
                slots.append(at)
            if len(slots) == attempts:
                return slots
    raise ValueError("no calling days within a year")  # pragma: no cover
