"""Public holidays and working days for the contact window and for legal terms.

NL: the ``holidays`` package's public days (Good Friday included) plus its optional category for
Liberation Day (5 May, every year, as Bki 4.2 and the Algemene termijnenwet list it), plus the
days the government adds, kept in ``policy/data/extra_holidays.csv`` (``country,date,name,source``).
BE: the package's public days plus the same table. This module must never drop a day the package
or the table names; it only adds.

To add a day the government declares: append a row to ``extra_holidays.csv``; nothing else.
"""

import csv
import io
from datetime import date, timedelta
from functools import lru_cache

import holidays

from ledger.enums import Country
from policy.effective import data_text

_EXTRA = "extra_holidays.csv"
_CATEGORIES: dict[Country, tuple[str, ...]] = {
    Country.NL: (holidays.PUBLIC, holidays.OPTIONAL),
    Country.BE: (holidays.PUBLIC,),
}


def parse_extra_days(text: str) -> dict[tuple[Country, date], str]:
    rows: dict[tuple[Country, date], str] = {}
    for r in csv.DictReader(io.StringIO(text)):
        rows[(Country(r["country"].strip()), date.fromisoformat(r["date"].strip()))] = r["name"]
    return rows


@lru_cache
def extra_days() -> dict[tuple[Country, date], str]:
    return parse_extra_days(data_text(_EXTRA))


@lru_cache(maxsize=256)
def _package_days(country: Country, year: int) -> dict[date, str]:
    days = holidays.country_holidays(country.value, years=year, categories=_CATEGORIES[country])
    return {d: str(name) for d, name in days.items()}


@lru_cache(maxsize=256)
def _year_days(country: Country, year: int) -> dict[date, str]:
    """The package's days and the table's for one year, merged once: the window search asks about
    the same few days thousands of times per scoring batch. The table's name wins."""
    merged = dict(_package_days(country, year))
    merged.update(
        {d: name for (c, d), name in extra_days().items() if c == country and d.year == year}
    )
    return merged


def holiday_name(country: Country, day: date) -> str | None:
    """The holiday's name when ``day`` is a public holiday in ``country``, else None."""
    return _year_days(country, day.year).get(day)


def is_working_day(country: Country, day: date) -> bool:
    """Monday to Friday and not a public holiday."""
    return day.weekday() < 5 and holiday_name(country, day) is None


def extend_to_working_day(country: Country, day: date) -> date:
    """A term ending on a Saturday, Sunday or holiday ends on the next working day
    (Algemene termijnenwet art. 1)."""
    while not is_working_day(country, day):
        day += timedelta(days=1)
    return day


def add_working_days(country: Country, day: date, n: int) -> date:
    """The ``n``-th working day after ``day`` (``n`` >= 1)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    while n:
        day += timedelta(days=1)
        if is_working_day(country, day):
            n -= 1
    return day
