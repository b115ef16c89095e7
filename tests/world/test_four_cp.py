"""The causal 4CP forecaster: calendar, forecast skill, no look-ahead, and the replay's chance.

The forecaster is fitted once on a synthetic grid (load driven by a seeded temperature path,
2020-01 .. 2022-09); its issue-time answers must not move when anything published after the
issue time changes (a hypothesis property test), and must follow from the month-to-date peak as
worked by hand. The replay test reads ../shared/data and skips without it.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.world.forecasters import (
    calendar_table,
    day_ahead_issue,
    emulated_forecast,
    fit_four_cp,
    forecast_sd_c,
    hourly_probability,
    peak_day_probabilities,
)

TZ = "America/Chicago"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


# ----------------------------------------------------------------------------- known answers


def test_calendar_knows_weekends_and_federal_holidays() -> None:
    days = pd.DatetimeIndex(["2024-06-30", "2023-07-04", "2023-07-05", "2023-09-04"])
    table = calendar_table(days)
    # 2024-06-30 was a Sunday; 2023-07-04 a Tuesday (Independence Day); 2023-07-05 an ordinary
    # Wednesday; 2023-09-04 Labor Day (a Monday).
    assert table["weekday"].tolist() == [6.0, 1.0, 2.0, 0.0]
    assert table["off_day"].tolist() == [1.0, 1.0, 0.0, 1.0]
    # Day of year, leap 2024: 31 + 29 + 31 + 30 + 31 + 30 = 182.
    assert table["day_of_year"].iloc[0] == 182.0


def test_forecast_error_grows_with_lead_by_hand() -> None:
    # MAE 1.5 degC at day 1 -> sd 1.5 sqrt(pi/2) = 1.880; day 3: 1.5 x 1.6 = 2.4 MAE -> 3.008.
    sd = forecast_sd_c(np.array([1, 3]), 1.5)
    assert sd == pytest.approx([1.5 * math.sqrt(math.pi / 2), 2.4 * math.sqrt(math.pi / 2)])
    assert forecast_sd_c(np.array([1, 16]), 0.0).tolist() == [0.0, 0.0]


def test_a_perfect_emulated_forecast_is_the_realised_temperature() -> None:
    realised = pd.Series(np.arange(30.0), index=pd.date_range("2023-07-01", periods=30))
    got = emulated_forecast(realised, pd.Timestamp("2023-07-04"), 0.0, np.random.default_rng(1))
    assert got.index[0] == pd.Timestamp("2023-07-05") and len(got) == 16
    assert got.to_numpy() == pytest.approx(np.arange(4.0, 20.0))


def test_the_day_ahead_issue_is_8_pm_local_the_day_before() -> None:
    # 2023-07-31 20:00 CDT (UTC-5) is 2023-08-01 01:00 UTC.
    assert day_ahead_issue(pd.Timestamp("2023-08-01"), TZ) == pd.Timestamp(
        "2023-08-01 01:00", tz="UTC"
    )


# ------------------------------------------------------------------------ a synthetic grid


def synthetic_grid(seed: int = 3) -> tuple[pd.Series, pd.Series]:
    """Hourly load [MW] driven by a daily maximum temperature path [degC], 2020-01 .. 2022-09."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2020-01-01", "2022-09-30", freq="D")
    doy = days.day_of_year.to_numpy()
    anomaly = np.zeros(len(days))
    for i in range(1, len(days)):
        anomaly[i] = 0.7 * anomaly[i - 1] + rng.normal(0.0, 2.0)
    temp = pd.Series(27.0 + 9.0 * np.sin(2 * np.pi * (doy - 110) / 365.0) + anomaly, index=days)
    hours = pd.date_range("2020-01-01", "2022-10-01", freq="h", tz=TZ, inclusive="left")
    day = hours.tz_localize(None).normalize()
    t = temp.reindex(day).to_numpy()
    shape = np.exp(-0.5 * ((hours.hour.to_numpy() - 16.5) / 3.0) ** 2)
    trend = 20.0 * (day - days[0]).days.to_numpy()
    load = 40_000.0 + trend + 1_500.0 * np.maximum(t - 24.0, 0.0) * shape
    load += rng.normal(0.0, 300.0, len(hours))
    return pd.Series(load, index=hours.tz_convert("UTC")), temp


@pytest.fixture(scope="module")
def grid() -> tuple[pd.Series, pd.Series, object]:
    load, temp = synthetic_grid()
    model = fit_four_cp(load, temp, until=pd.Timestamp("2022-01-01 06:00", tz="UTC"), tz=TZ)
    return load, temp, model


ISSUE = pd.Timestamp("2022-07-15 20:00", tz=TZ).tz_convert("UTC")


def forecast_for(temp: pd.Series, issue: pd.Timestamp) -> pd.Series:
    issue_day = issue.tz_convert(TZ).tz_localize(None).normalize()
    return emulated_forecast(temp, issue_day, 1.5, np.random.default_rng(5))


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    load_scale=st.floats(0.5, 2.0),
    load_shift=st.floats(-20_000.0, 20_000.0),
    temp_shift=st.floats(-15.0, 15.0),
    lag_hours=st.integers(0, 400),
)
def test_nothing_published_after_the_issue_moves_the_forecast(
    grid: tuple, load_scale: float, load_shift: float, temp_shift: float, lag_hours: int
) -> None:
    """Load of hours not yet published at the issue time (an hour is published one hour after
    it ends) and temperatures of days whose maximum has not passed are rewritten at random:
    every chance issued at that time stays exactly the same."""
    load, temp, model = grid
    forecast = forecast_for(temp, ISSUE)
    before = peak_day_probabilities(model, load, temp, forecast, ISSUE, paths=200)
    cut = ISSUE - pd.Timedelta(hours=1) + pd.Timedelta(hours=lag_hours)  # first unpublished start
    changed_load = load.where(load.index < cut, load * load_scale + load_shift)
    issue_day = ISSUE.tz_convert(TZ).tz_localize(None).normalize()
    changed_temp = temp.where(temp.index <= issue_day, temp + temp_shift)
    after = peak_day_probabilities(model, changed_load, changed_temp, forecast, ISSUE, paths=200)
    pd.testing.assert_series_equal(before, after)


def test_the_hour_before_publication_does_move_it(grid: tuple) -> None:
    """The property test's cut is tight: the last published hour (18:00-19:00 local, published
    at 20:00) raised above anything the month can reach sets a month-to-date peak no day beats."""
    load, temp, model = grid
    forecast = forecast_for(temp, ISSUE)
    last = ISSUE - pd.Timedelta(hours=2)
    raised = load.copy()
    raised[last] = 1e6
    end = pd.Timestamp("2022-07-31")
    chances = peak_day_probabilities(model, raised, temp, forecast, ISSUE, last_day=end, paths=200)
    assert len(chances) == 16  # July 16 .. 31
    assert chances.sum() == 0.0
    plain = peak_day_probabilities(model, load, temp, forecast, ISSUE, last_day=end, paths=200)
    assert 0.0 < plain.sum() <= 1.0


def test_a_new_month_has_no_floor_and_its_chances_sum_to_one(grid: tuple) -> None:
    """Issued on July 31, the days of August share the month's peak among them: with no August
    hour published, some day of August holds it in every path."""
    load, temp, model = grid
    issue = pd.Timestamp("2022-07-31 20:00", tz=TZ).tz_convert("UTC")
    chances = peak_day_probabilities(
        model, load, temp, forecast_for(temp, issue), issue, last_day=pd.Timestamp("2022-08-31")
    )
    assert chances.index[0] == pd.Timestamp("2022-08-01") and len(chances) == 31
    assert chances.sum() == pytest.approx(1.0)


def test_fitting_reads_nothing_from_until_on(grid: tuple) -> None:
    """The same model comes out when everything published from ``until`` on is rewritten."""
    load, temp, model = grid
    until = model.until
    cut = until - pd.Timedelta(hours=2)  # hours starting after this end after until - 1 h
    changed = fit_four_cp(
        load.where(load.index <= cut, load * 1.7),
        temp.where(temp.index < pd.Timestamp("2022-01-01"), temp + 9.0),
        until=until,
        tz=TZ,
    )
    np.testing.assert_array_equal(changed.residuals, model.residuals)
    pd.testing.assert_frame_equal(changed.climate, model.climate)
    pd.testing.assert_frame_equal(changed.hour_share, model.hour_share)


def test_an_hours_chance_is_its_days_times_its_share_of_peaks(grid: tuple) -> None:
    _, _, model = grid
    day = pd.Timestamp("2022-07-20")
    times = pd.date_range(day.tz_localize(TZ), periods=24, freq="h").tz_convert("UTC")
    got = hourly_probability(model, pd.Series({day: 0.4}), times)
    assert got.sum() == pytest.approx(0.4)  # the July shares sum to 1
    assert got == pytest.approx(0.4 * model.hour_share.loc[7].to_numpy())
    # Outside June-September nothing is a 4CP peak.
    october = pd.date_range("2022-10-03", periods=24, freq="h", tz="UTC")
    assert (
        hourly_probability(model, pd.Series({pd.Timestamp("2022-10-03"): 1.0}), october).max() == 0
    )


# ------------------------------------------------------------------------------- the replay


@pytest.mark.slow
def test_a_replayed_summer_no_longer_scores_every_real_peak_at_084() -> None:
    """The library's former chance took the month's realised maximum, so each of 2023's four
    peaks scored exactly 0.84. Issued the evening before from the past alone, they do not."""
    if not (SHARED / "ercot").is_dir():
        pytest.skip(f"real data not found at {SHARED} (the shared data folder)")
    from planner.domain.examples import one_site
    from planner.world.feeds import site_hours
    from planner.world.replay import ReplayFiles, read_replay_feeds

    fleet = one_site(four_cp_rate=60.0)
    files = ReplayFiles.from_folder(SHARED)
    feeds = read_replay_feeds(fleet, "2023-07-24", "2023-08-13", files)
    hours = site_hours(fleet, fleet.sites[0], feeds, np.zeros(len(feeds.times)))
    peaks = np.flatnonzero(hours.four_cp_peak)
    # Two peaks fall in the window: 2023-07-31 16:00 and 2023-08-10 17:00 CDT.
    assert [f"{t:%m-%d %H}" for t in feeds.times[peaks].tz_convert(TZ)] == ["07-31 16", "08-10 17"]
    chances = hours.four_cp_probability[peaks]
    assert not np.allclose(chances, 0.84, atol=0.01)
    assert (chances >= 0).all() and (chances < 0.84).all()
    assert any("4CP ERCOT: day-ahead peak chance" in n for n in feeds.notes)
