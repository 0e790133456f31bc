"""The calendar of a candidate send time, in Europe/Amsterdam local time: weekday, hour, days to
the month's end and to the 25th (the usual Dutch payday), and Dutch public holidays.

A send time is chosen, not observed, so these features cannot leak; they still come from the
request only, never from the ledger.
"""

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import pandas as pd

LOCAL_TZ = "Europe/Amsterdam"
_LOCAL = ZoneInfo(LOCAL_TZ)
CALENDAR_COLUMNS = (
    "send_weekday",
    "send_hour",
    "send_days_to_month_end",
    "send_days_to_25th",
    "send_is_holiday",
    "send_days_to_holiday",
)


@lru_cache(maxsize=8)
def _holiday_days(first_year: int, last_year: int) -> np.ndarray:
    days = holidays.country_holidays("NL", years=range(first_year, last_year + 2))
    return np.array(sorted(pd.Timestamp(d).to_datetime64() for d in days), dtype="datetime64[D]")


def calendar_features(send_at: pd.Series) -> pd.DataFrame:
    """Calendar features of each send time (tz-aware UTC in, local calendar out)."""
    local = send_at.dt.tz_convert(LOCAL_TZ)
    day = local.dt.day.to_numpy()
    month_len = local.dt.days_in_month.to_numpy()
    to_25th = np.where(day <= 25, 25 - day, month_len - day + 25)
    dates = local.dt.tz_localize(None).dt.floor("D").to_numpy().astype("datetime64[D]")
    if len(dates):
        years = local.dt.year
        hol = _holiday_days(int(years.min()), int(years.max()))
    else:
        hol = np.array([], dtype="datetime64[D]")
    pos = np.searchsorted(hol, dates, side="left")
    nxt = hol[np.minimum(pos, max(len(hol) - 1, 0))] if len(hol) else dates
    return pd.DataFrame(
        {
            "send_weekday": local.dt.day_of_week.astype("int64"),
            "send_hour": local.dt.hour.astype("int64"),
            "send_days_to_month_end": (month_len - day).astype("int64"),
            "send_days_to_25th": to_25th.astype("int64"),
            "send_is_holiday": np.isin(dates, hol),
            "send_days_to_holiday": (nxt - dates).astype("int64"),
        },
        index=send_at.index,
    )


@lru_cache(maxsize=65_536)
def calendar_of_hour(epoch_hour: int) -> tuple[int, int, int, int, bool, int]:
    """:func:`calendar_features` of any send time in this UTC hour (epoch seconds // 3600), in
    :data:`CALENDAR_COLUMNS` order, without pandas: a request scores a handful of candidates,
    and a one-row DataFrame costs more than its trees. Amsterdam's offsets are whole hours, so the
    UTC hour fixes the local date and hour."""
    local = datetime.fromtimestamp(epoch_hour * 3600, UTC).astimezone(_LOCAL)
    day = local.date()
    month_len = pd.Timestamp(day).days_in_month
    to_25th = 25 - day.day if day.day <= 25 else month_len - day.day + 25
    hol = _holiday_days(day.year, day.year)  # the frame path's table: this year and the next
    today = np.datetime64(day, "D")
    # no holidays known (far past or future): the frame path then reads 0 days, no holiday
    nxt = hol[min(int(np.searchsorted(hol, today)), len(hol) - 1)] if len(hol) else today
    return (
        local.weekday(),
        local.hour,
        month_len - day.day,
        to_25th,
        bool(len(hol)) and bool(nxt == today),
        int((nxt - today).astype(int)),
    )
