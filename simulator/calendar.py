"""The simulated calendar: day index -> date, weekday, day of month, Dutch public holidays.

Contact rules need these per day; computing them once per world keeps the daily loop in numpy.
Public holidays come from the ``holidays`` package (NL) plus 5 May every year (Liberation Day is a
day without dunning in our default, see shared/DOMAIN.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import numpy as np
from numpy.typing import NDArray

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@dataclass(frozen=True)
class Calendar:
    start: date
    weekday: NDArray[np.int64]  # Monday = 0
    dom: NDArray[np.int64]  # day of month
    holiday: NDArray[np.bool_]

    @classmethod
    def build(cls, start: date, days: int, horizon: int = 60) -> Calendar:
        n = days + horizon  # lookahead for true_response near the end of the period
        dates = [start + timedelta(days=i) for i in range(n)]
        years = sorted({d.year for d in dates})
        nl = holidays.country_holidays("NL", years=years)
        hol = np.array([(d in nl) or (d.month == 5 and d.day == 5) for d in dates], dtype=bool)
        return cls(
            start=start,
            weekday=np.array([d.weekday() for d in dates], dtype=np.int64),
            dom=np.array([d.day for d in dates], dtype=np.int64),
            holiday=hol,
        )

    def date_of(self, day: int) -> date:
        return self.start + timedelta(days=int(day))

    def local_time(self, day: int, hour: int, minute: int = 0) -> datetime:
        """An aware datetime in Europe/Amsterdam for a day index and a local clock time."""
        return datetime.combine(self.date_of(day), time(hour, minute), tzinfo=AMSTERDAM)

    def contact_day(self, day: int) -> bool:
        """False on Sundays and public holidays (never a contact, whatever the creditor says)."""
        return bool(self.weekday[day] != 6 and not self.holiday[day])
