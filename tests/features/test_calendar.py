"""The calendar features of a send time: the scalar path the API uses equals the pandas path."""

import numpy as np
import pandas as pd

from features.calendar import CALENDAR_COLUMNS, calendar_features, calendar_of_hour


def test_the_hourly_scalar_path_equals_the_frame_path_over_three_years() -> None:
    # every hour across DST changes, month ends, Easter/King's Day and New Year
    hours = pd.Series(pd.date_range("2025-01-01", "2027-12-31 23:00", freq="h", tz="UTC"))
    minutes = hours + pd.to_timedelta(np.random.default_rng(1).integers(0, 3600, len(hours)), "s")
    frame = calendar_features(minutes)
    epoch_hours = (minutes - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(hours=1)
    scalar = pd.DataFrame(
        [calendar_of_hour(int(h)) for h in epoch_hours], columns=list(CALENDAR_COLUMNS)
    )
    for name in CALENDAR_COLUMNS:
        np.testing.assert_array_equal(scalar[name].to_numpy(), frame[name].to_numpy(), name)
    assert scalar["send_is_holiday"].sum() > 20  # the holidays are really in the range


def test_a_year_without_known_holidays_reads_like_the_frame_path() -> None:
    at = pd.Series([pd.Timestamp("0004-02-01T00:00:01Z")]).astype("datetime64[us, UTC]")
    frame = calendar_features(at)
    hour = int(at.iloc[0].timestamp() // 3600)
    assert calendar_of_hour(hour) == tuple(frame[c].iloc[0] for c in CALENDAR_COLUMNS)
