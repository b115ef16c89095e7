"""The causal 4CP forecaster: calendar, forecast skill, features and chances by hand, no
look-ahead, and the replay's chance.

Features are checked on a tiny grid worked by hand; the forecaster is fitted once on a synthetic
grid (load driven by a seeded temperature path, 2020-01 .. 2022-09); its issue-time answers must
not move when anything published after the issue time changes (a hypothesis property test). The
replay test reads ../shared/data and skips without it.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.errors import ConfigError
from planner.world.forecasters import (
    calendar_table,
    chance_from_quantiles,
    chances_from_rows,
    day_ahead_issue,
    emulated_forecast,
    fit_four_cp,
    forecast_sd_c,
    hourly_probability,
    issue_features,
    peak_day_probabilities,
    peak_quantiles,
    training_rows,
)
from planner.world.forecasters.four_cp import FEATURES, LEVELS, peak_window

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


# ------------------------------------------------------------------- features and chances


def tiny_grid() -> tuple[pd.Series, pd.Series]:
    """Ten days of hourly load and daily maxima, June 21-30 2024, worked by hand: each day's load
    is ``base + 100 h`` at local hour ``h`` (peak at 23:00), ``base`` 50,000 MW on June 21
    rising by 1,000 MW a day; daily maxima 30, 31, ... degC."""
    hours = pd.date_range("2024-06-21", "2024-07-01", freq="h", tz=TZ, inclusive="left")
    day = (hours.tz_localize(None).normalize() - pd.Timestamp("2024-06-21")).days.to_numpy()
    load = 50_000.0 + 1_000.0 * day + 100.0 * hours.hour.to_numpy()
    temp = pd.Series(30.0 + np.arange(10.0), index=pd.date_range("2024-06-21", periods=10))
    return pd.Series(load, index=hours.tz_convert("UTC")), temp


def test_the_features_of_an_issue_by_hand() -> None:
    """Issued at 20:00 CDT on Saturday June 29 2024 for Sunday June 30 (an off day)."""
    load, temp = tiny_grid()
    issue = day_ahead_issue(pd.Timestamp("2024-06-30"), TZ)
    forecast = pd.Series([41.5], index=pd.DatetimeIndex(["2024-06-30"]))
    climate = pd.Series(35.0, index=pd.RangeIndex(1, 367))
    got = issue_features(load, temp, forecast, issue, TZ, climate)
    assert got["day"] == pd.Timestamp("2024-06-30")
    # Published by 20:00: hours ending by 19:00, i.e. starting by 18:00 on June 29 (base
    # 58,000): the day's 18:00 hour, 59,800 MW. The 24 published hours before hold June 28's
    # 23:00 hour: 57,000 + 2,300 = 59,300 < 59,800.
    assert got["recent_peak_mw"] == 59_800.0
    assert got["week_peak_mw"] == 59_800.0 and got["week_ratio"] == 1.0
    assert got["month_peak_mw"] == 59_800.0  # June's highest published hour
    # June 29's maximum (38 degC) has passed at 20:00; the forecast says 41.5 for June 30.
    assert got["temp_obs_c"] == 38.0 and got["temp_fc_c"] == 41.5
    assert got["temp_rise_c"] == pytest.approx(3.5)
    # Sunday after a Saturday; day of year 182 (leap year).
    assert (got["off_day"], got["off_day_before"], got["weekday"]) == (1.0, 1.0, 6.0)
    assert got["day_of_year"] == 182.0
    # June 30 is the month's last day: nothing after it.
    assert got["rest_days"] == 0.0 and np.isnan(got["rest_temp_c"])


def test_the_rest_of_the_month_reads_the_forecast_then_the_climate() -> None:
    """Issued on June 21 for June 22: 8 days follow it in June. The forecast runs from 32 degC
    on June 22 to 40 on June 30 but misses June 28, whose climate (45) stands in: the highest
    of June 23-30 is 45, 15 above June 21's observed 30."""
    load, temp = tiny_grid()
    issue = day_ahead_issue(pd.Timestamp("2024-06-22"), TZ)
    days = pd.date_range("2024-06-22", "2024-06-30")
    forecast = pd.Series(np.arange(32.0, 41.0), index=days).drop(pd.Timestamp("2024-06-28"))
    climate = pd.Series(45.0, index=pd.RangeIndex(1, 367))
    got = issue_features(load, temp, forecast, issue, TZ, climate)
    assert got["rest_days"] == 8.0 and got["rest_temp_c"] == 45.0
    assert got["rest_rise_c"] == 15.0 and got["temp_fc_c"] == 32.0
    # The month's first published hours give its peak so far: June 21 18:00, 51,800 MW.
    assert got["month_peak_mw"] == 51_800.0
    # With June 28 forecast the forecast's own highest, 40 on June 30, is read.
    full = pd.Series(np.arange(32.0, 41.0), index=days)
    assert issue_features(load, temp, full, issue, TZ, climate)["rest_temp_c"] == 40.0


def test_a_forecast_beyond_its_reach_gives_way_to_the_climate() -> None:
    """Issued on May 31 for June 1: a forecast of 50 degC for June 20 (20 days ahead, beyond
    the 16 a forecast reaches) is not read; the climate (36) is."""
    hours = pd.date_range("2024-05-24", "2024-06-01", freq="h", tz=TZ, inclusive="left")
    load = pd.Series(60_000.0, index=hours.tz_convert("UTC"))
    temp = pd.Series(33.0, index=pd.date_range("2024-05-24", "2024-05-31"))
    forecast = pd.Series([34.0, 50.0], index=pd.DatetimeIndex(["2024-06-01", "2024-06-20"]))
    climate = pd.Series(36.0, index=pd.RangeIndex(1, 367))
    issue = day_ahead_issue(pd.Timestamp("2024-06-01"), TZ)
    got = issue_features(load, temp, forecast, issue, TZ, climate)
    assert got["rest_days"] == 29.0 and got["rest_temp_c"] == 36.0
    assert np.isnan(got["month_peak_mw"])  # no June hour published yet
    # A hindsight bound that knows the whole month reads it: 50 degC, 17 above May 31's 33.
    month = issue_features(load, temp, forecast, issue, TZ, climate, reach_days=31)
    assert month["rest_temp_c"] == 50.0 and month["rest_rise_c"] == 17.0


def test_an_emulated_forecast_can_reach_the_whole_month_for_a_bound() -> None:
    realised = pd.Series(np.arange(40.0), index=pd.date_range("2023-07-01", periods=40))
    got = emulated_forecast(
        realised, pd.Timestamp("2023-07-01"), 0.0, np.random.default_rng(1), reach_days=31
    )
    # July 2 .. August 1: the realised values 1 .. 31.
    assert len(got) == 31 and got.index[-1] == pd.Timestamp("2023-08-01")
    assert got.to_numpy() == pytest.approx(np.arange(1.0, 32.0))


def test_an_issue_without_published_load_is_refused() -> None:
    load, temp = tiny_grid()
    issue = day_ahead_issue(pd.Timestamp("2024-07-05"), TZ)
    with pytest.raises(ConfigError, match="load: no hour published in the day before"):
        issue_features(load, temp, pd.Series(dtype=float), issue, TZ, pd.Series(dtype=float))


def test_a_chance_from_quantiles_by_hand() -> None:
    levels = (0.05, 0.25, 0.5, 0.75, 0.95)
    uniform = np.array(levels)  # a uniform variable on (0, 1): its quantile is its level
    # No rest of the month: P(X > 0.5) over the 100 grid levels 0.005..0.995 is 50 of 100.
    assert chance_from_quantiles(uniform, 0.5, None, levels) == pytest.approx(0.50)
    assert chance_from_quantiles(uniform, -np.inf, None, levels) == 1.0
    assert chance_from_quantiles(uniform, 2.0, None, levels) == 0.0
    # X and R alike, no floor: X beats R in the 99 x 100 / 2 pairs of the 100 x 100 where it is
    # the larger: 0.495.
    assert chance_from_quantiles(uniform, -np.inf, uniform, levels) == pytest.approx(0.495)
    # R far above everything X can reach: never.
    assert chance_from_quantiles(uniform, -np.inf, uniform + 5.0, levels) == 0.0


def test_the_peak_window_holds_the_hours_of_most_near_peak_days() -> None:
    """Three July days: peaks at 17:00 (100), 17:00 (99) and 15:00 (90, not within 3 % of the
    month's peak): the near-peak days peak at 17 and 17; the second hour is the tie-break
    among hours with no near-peak day: the latest, 23:00."""
    hours = pd.date_range("2023-07-01", periods=72, freq="h", tz=TZ)
    load = pd.Series(10.0, index=hours)
    load.iloc[17], load.iloc[24 + 17], load.iloc[48 + 15] = 100.0, 99.0, 90.0
    assert peak_window(load) == (17, 23)
    load.iloc[24 + 16], load.iloc[24 + 17] = 99.5, 10.0  # day 2 peaks at 16
    assert peak_window(load) == (16, 17)


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


UNTIL = pd.Timestamp("2021-01-01 06:00", tz="UTC")


@pytest.fixture(scope="module")
def grid() -> tuple[pd.Series, pd.Series, object]:
    load, temp = synthetic_grid()
    return load, temp, fit_four_cp(load, temp, until=UNTIL, tz=TZ)


ISSUE = pd.Timestamp("2022-07-06 20:00", tz=TZ).tz_convert("UTC")


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
    the features and the chance issued at that time stay exactly the same."""
    load, temp, model = grid
    forecast = forecast_for(temp, ISSUE)
    before = peak_day_probabilities(model, load, temp, forecast, ISSUE)
    cut = ISSUE - pd.Timedelta(hours=1) + pd.Timedelta(hours=lag_hours)  # first unpublished start
    changed_load = load.where(load.index < cut, load * load_scale + load_shift)
    issue_day = ISSUE.tz_convert(TZ).tz_localize(None).normalize()
    changed_temp = temp.where(temp.index <= issue_day, temp + temp_shift)
    after = peak_day_probabilities(model, changed_load, changed_temp, forecast, ISSUE)
    pd.testing.assert_series_equal(before, after)
    pd.testing.assert_series_equal(
        issue_features(load, temp, forecast, ISSUE, TZ, model.climate),
        issue_features(changed_load, changed_temp, forecast, ISSUE, TZ, model.climate),
    )


def test_the_hour_before_publication_does_move_it(grid: tuple) -> None:
    """The property test's cut is tight: the last published hour (18:00-19:00 local, published
    at 20:00) moves the features and the chance, and so does the issue day's observed maximum.
    An hour of the month beyond the week raised above anything the day can reach sets a
    month-to-date peak it cannot beat."""
    load, temp, model = grid
    forecast = forecast_for(temp, ISSUE)
    plain = peak_day_probabilities(model, load, temp, forecast, ISSUE)
    assert plain.index.tolist() == [pd.Timestamp("2022-07-07")]
    assert 0.0 < plain.iloc[0] <= 1.0
    last = ISSUE - pd.Timedelta(hours=2)
    raised = load.copy()
    raised[last] = 1e6
    row = issue_features(raised, temp, forecast, ISSUE, TZ, model.climate)
    assert row["recent_peak_mw"] == row["month_peak_mw"] == 1e6
    assert peak_day_probabilities(model, raised, temp, forecast, ISSUE).iloc[0] != plain.iloc[0]
    late = pd.Timestamp("2022-07-29 20:00", tz=TZ).tz_convert("UTC")
    ahead = forecast_for(temp, late)
    assert peak_day_probabilities(model, load, temp, ahead, late).iloc[0] > 0.0
    early = load.copy()
    early[pd.Timestamp("2022-07-02 17:00", tz=TZ).tz_convert("UTC")] = 1e6
    assert peak_day_probabilities(model, early, temp, ahead, late).iloc[0] == 0.0
    warmer = temp.copy()
    warmer[pd.Timestamp("2022-07-06")] += 5.0
    moved = issue_features(load, warmer, forecast, ISSUE, TZ, model.climate)
    assert moved["temp_obs_c"] == pytest.approx(temp[pd.Timestamp("2022-07-06")] + 5.0)


def test_a_new_month_has_no_floor(grid: tuple) -> None:
    """Issued on July 31 for August 1: no August hour is published, so the day only has to beat
    the rest of August; on September 30 (the month's last day) there is no rest either."""
    load, temp, model = grid
    issue = pd.Timestamp("2022-07-31 20:00", tz=TZ).tz_convert("UTC")
    row = issue_features(load, temp, forecast_for(temp, issue), issue, TZ, model.climate)
    assert np.isnan(row["month_peak_mw"]) and row["rest_days"] == 30.0
    chance = peak_day_probabilities(model, load, temp, forecast_for(temp, issue), issue)
    assert chance.index.tolist() == [pd.Timestamp("2022-08-01")]
    assert 0.0 <= chance.iloc[0] < 1.0
    # October is not a 4CP month: nothing is issued for it.
    last = pd.Timestamp("2022-09-30 20:00", tz=TZ).tz_convert("UTC")
    assert peak_day_probabilities(model, load, temp, forecast_for(temp, last), last).empty


@pytest.mark.slow
def test_fitting_reads_nothing_from_until_on(grid: tuple) -> None:
    """The same model comes out when everything published from ``until`` on is rewritten: its
    quantiles of a fixed feature row are unchanged."""
    load, temp, model = grid
    cut = UNTIL - pd.Timedelta(hours=2)  # hours starting after this end after until - 1 h
    changed = fit_four_cp(
        load.where(load.index <= cut, load * 1.7),
        temp.where(temp.index < pd.Timestamp("2021-01-01"), temp + 9.0),
        until=UNTIL,
        tz=TZ,
    )
    row = issue_features(load, temp, forecast_for(temp, ISSUE), ISSUE, TZ, model.climate)
    x = np.array([[float(row[f]) for f in FEATURES]])
    assert [m.predict(x)[0] for m in changed.peak] == [m.predict(x)[0] for m in model.peak]
    pd.testing.assert_series_equal(changed.climate, model.climate)
    assert changed.window == model.window


def rows_for(grid: tuple, days: list[str]) -> pd.DataFrame:
    """Feature rows of ``days`` issued the evening before, with their realised peaks."""
    load, temp, model = grid
    return training_rows(
        load,
        temp,
        pd.DatetimeIndex(days),
        tz=TZ,
        climate_c=model.climate,
        forecasts=lambda issue: forecast_for(temp, issue),
    )


def test_a_known_peak_stands_in_for_the_forecast(grid: tuple) -> None:
    """The hindsight bounds' chance with the day's peak (or the rest's highest) known, worked
    from the rule P(peak > max(month-to-date, rest)): a peak below the month-to-date peak never
    holds the month; on the month's last day (nothing after it) a peak above it always does; a
    peak ten times the month-to-date beats anything the rest of the month can reach."""
    _, _, model = grid
    rows = rows_for(grid, ["2022-07-20", "2022-09-30"]).drop(columns=["peak_mw", "rest_peak_mw"])
    month_peak = rows["month_peak_mw"]
    assert rows["rest_days"].tolist() == [11.0, 0.0]
    below = chances_from_rows(model, rows, month_peak - 1.0)
    assert below.tolist() == [0.0, 0.0]
    above = chances_from_rows(model, rows, month_peak + 1.0)
    assert above.iloc[1] == 1.0 and 0.0 <= above.iloc[0] <= 1.0
    assert chances_from_rows(model, rows, month_peak * 10.0).tolist() == [1.0, 1.0]
    # Both known: July 20 holds the month when it beats both the month-to-date peak and the
    # realised rest, and not when the rest beats it (September 30 has no rest to beat).
    peak, rest = month_peak + 2.0, month_peak + 1.0
    assert chances_from_rows(model, rows, peak, rest).tolist() == [1.0, 1.0]
    assert chances_from_rows(model, rows, peak, rest + 2.0).tolist() == [0.0, 1.0]
    # The rest alone known, far above anything the day can reach: never.
    assert chances_from_rows(model, rows, None, month_peak * 10.0).iloc[0] == 0.0


def test_the_peak_quantiles_are_megawatts_scaled_by_the_issue_days_peak(grid: tuple) -> None:
    """The model forecasts a ratio to the issue day's published peak: the same features with
    that peak doubled give quantiles twice as large, rising with the level."""
    _, _, model = grid
    rows = rows_for(grid, ["2022-07-20"])
    got = peak_quantiles(model, rows)
    assert list(got.columns) == list(LEVELS)
    assert np.all(np.diff(got.to_numpy(), axis=1) >= 0)
    doubled = rows.assign(recent_peak_mw=2.0 * rows["recent_peak_mw"])
    assert peak_quantiles(model, doubled).to_numpy() == pytest.approx(2.0 * got.to_numpy())
    # The median is near the day's realised peak on the synthetic grid (within 10 %).
    assert got[0.5].iloc[0] == pytest.approx(rows["peak_mw"].iloc[0], rel=0.1)


def test_the_chance_goes_to_the_hours_of_the_peak_window(grid: tuple) -> None:
    _, _, model = grid
    day = pd.Timestamp("2022-07-20")
    times = pd.date_range(day.tz_localize(TZ), periods=24, freq="h").tz_convert("UTC")
    got = hourly_probability(model, pd.Series({day: 0.4}), times)
    local_hours = times.tz_convert(TZ).hour
    assert got.tolist() == [0.4 if h in model.window else 0.0 for h in local_hours]
    assert len(model.window) == 2 and got.sum() == pytest.approx(0.8)
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
