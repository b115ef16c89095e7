"""Hub price forecasters: features by hand, walk-forward training, and no look into the future.

The forecasters are trained on a synthetic history (a daily price shape with random evening
spikes, a load curve and a temperature forecast issued the evening before each day). The no-leak
properties change everything published after an issue time and ask for the same forecast; the
backtest path (many issue times at once) must give exactly what the live path (one information
set) gives.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.errors import ConfigError
from planner.world.forecasters.persistence import latest_same_time
from planner.world.forecasters.prices import (
    DayAheadForecaster,
    NextIntervalForecaster,
    day_ahead_features,
    day_ahead_issue,
    next_interval_features,
)
from planner.world.forecasters.quantiles import (
    ModelSettings,
    PriceQuantiles,
    QuantileModel,
    calibrated_levels,
    capped_pareto_tail,
    from_scale,
    to_scale,
)
from planner.world.information import History

ZONE = "America/Chicago"
SMALL = ModelSettings(max_iter=8, min_samples_leaf=5, max_leaf_nodes=7)
START = pd.Timestamp("2023-06-01 05:00", tz="UTC")  # local midnight (CDT)


def _history(seed: int, step: str = "h", days: int = 40) -> History:
    """Prices with a daily shape and random evening spikes, ERCOT load, a temperature forecast
    of each local day issued at 18:00 local the day before."""
    rng = np.random.default_rng(seed)
    times = pd.date_range(START, periods=days * (24 if step == "h" else 96), freq=step)
    hour = times.tz_convert(ZONE).hour.to_numpy()
    price = 30.0 + 20.0 * np.sin(np.pi * hour / 24.0) + rng.normal(0.0, 5.0, len(times))
    spike = (hour >= 17) & (hour <= 20) & (rng.random(len(times)) < 0.08)
    price = np.where(spike, rng.uniform(500.0, 3000.0, len(times)), price)
    hours = pd.date_range(START - pd.Timedelta(days=1), periods=(days + 2) * 24, freq="h")
    load = 40_000.0 + 15_000.0 * np.sin(np.pi * hours.tz_convert(ZONE).hour / 24.0)
    local_days = pd.date_range(START.tz_convert(ZONE).date(), periods=days + 1, freq="D")
    issued = (local_days.tz_localize(ZONE) - pd.Timedelta(hours=6)).tz_convert("UTC")
    temps = pd.DataFrame(
        {
            "issued": issued,
            "temp_max_c": rng.uniform(30.0, 42.0, len(local_days)),
            "temp_min_c": rng.uniform(20.0, 28.0, len(local_days)),
        },
        index=local_days,
    )
    return History(
        prices=pd.DataFrame({"HB_X": price}, index=times),
        price_interval=pd.Timedelta(step if step != "h" else "1h"),
        load=pd.DataFrame({"ERCOT": load}, index=hours),
        forecasts={"temperature": temps},
    )


def _changed_after(history: History, at: pd.Timestamp, seed: int) -> History:
    """``history`` with every price, load hour and forecast published after ``at`` redrawn."""
    rng = np.random.default_rng(seed)
    prices = history.prices.copy()
    late = prices.index + history.price_interval > at
    prices.loc[late, "HB_X"] = rng.uniform(-50.0, 5000.0, late.sum())
    load = history.load.copy()
    late_load = load.index + pd.Timedelta(hours=2) > at
    load.loc[late_load, "ERCOT"] = rng.uniform(20_000.0, 90_000.0, late_load.sum())
    temps = history.forecasts["temperature"].copy()
    late_temps = temps["issued"] > at
    temps.loc[late_temps, "temp_max_c"] = rng.uniform(-10.0, 50.0, late_temps.sum())
    return History(prices, history.price_interval, load=load, forecasts={"temperature": temps})


# ---------------------------------------------------------------------------------- by hand


def test_quantiles_expected_value_and_levels_by_hand() -> None:
    # Levels 0.25, 0.5, 0.75 at 10, 20, 60: the flat ends weigh 0.25 each (10 and 60), the two
    # inner pieces 0.25 each at their midpoints (15 and 40): 0.25 x (10 + 15 + 40 + 60) = 31.25.
    q = PriceQuantiles(
        pd.DatetimeIndex([START]),
        pd.DatetimeIndex([START]),
        (0.25, 0.5, 0.75),
        np.array([[10.0, 20.0, 60.0]]),
    )
    assert q.expected().tolist() == [31.25]
    assert q.level(0.625).tolist() == [40.0]
    with pytest.raises(ConfigError, match=r"level 0\.9 outside"):
        q.level(0.9)
    assert from_scale(to_scale(np.array([-20.0, 0.0, 9000.0]))) == pytest.approx(
        [-20.0, 0.0, 9000.0]
    )


def test_mean_with_a_capped_pareto_tail_by_hand() -> None:
    # A Pareto distribution of index 2 and scale 2 (Q(tau) = 2 / sqrt(1 - tau), mean 4) at
    # levels 0.75, 0.96, 0.99: 4, 10, 20. The tail through 10 and 20 has b = ln 2 / ln 4 = 1/2,
    # the Pareto's own, so the mass above 0.99 is exact: 2 x 2 sqrt(0.01) = 0.4 (flat: 0.2).
    # The rest: flat below 0.75 (0.75 x 4 = 3), trapezoids 0.21 x 7 = 1.47 and 0.03 x 15 = 0.45.
    q = PriceQuantiles(
        pd.DatetimeIndex([START]),
        pd.DatetimeIndex([START]),
        (0.75, 0.96, 0.99),
        np.array([[4.0, 10.0, 20.0]]),
    )
    assert q.expected().tolist() == pytest.approx([3 + 1.47 + 0.45 + 0.2])
    assert q.expected(np.inf).tolist() == pytest.approx([3 + 1.47 + 0.45 + 0.4])
    # Capped at 40: the tail reaches it where 20 sqrt(0.01 / s) = 40, s = 0.0025, and above:
    # 40 x 0.0025 + 20 x 0.1 x (sqrt(0.01) - sqrt(0.0025)) / (1 - 1/2) = 0.1 + 0.2 = 0.3.
    assert q.expected(40.0).tolist() == pytest.approx([3 + 1.47 + 0.45 + 0.3])


def test_capped_pareto_tail_edge_cases_by_hand() -> None:
    # b = 1 (10 at 0.9, 100 at 0.99), cap 1,000 reached at s = 0.01 x 100 / 1,000 = 0.001:
    # 1,000 x 0.001 + 100 x 0.01 x ln(0.01 / 0.001) = 1 + ln 10.
    # Flat at the top quantile (s_K q_K = 0.01 x ...) where the tail cannot rise: a lower
    # quantile at or below 0 (-5, 30), equal quantiles (30, 30), or a top quantile at or above
    # the cap (900, 1,200: prices with their adders can settle above the offer cap).
    below = np.array([10.0, -5.0, 30.0, 900.0])
    top = np.array([100.0, 30.0, 30.0, 1200.0])
    got = capped_pareto_tail(below, top, (0.9, 0.99), 1000.0)
    assert got == pytest.approx([1.0 + np.log(10.0), 0.3, 0.3, 12.0])


def test_beyond_every_training_anchor_the_forecast_is_persistence() -> None:
    # Trained where the anchor (yesterday's price at the hour, working scale) runs 0 .. 3 and
    # today's price always falls back by 1 on that scale: inside that range the departure is
    # learnt (anchor 2 -> 1 at every level, up to the trees' steps); at anchor 6 (a price at the
    # cap, 10 sinh 6 = 2,017 USD/MWh, never seen) the trees would read it as 3 and forecast 5;
    # the forecast is the anchor itself instead, at every level. Below the range too (anchor -1).
    anchor = np.linspace(0.0, 3.0, 600)
    features = pd.DataFrame({"same_hour_last": anchor})
    model = QuantileModel.fit(features, anchor - 1.0, SMALL, anchor="same_hour_last")
    assert model.anchor_range == (0.0, 3.0)
    got = model.predict(pd.DataFrame({"same_hour_last": [2.0, 6.0, -1.0]}))
    assert got[0] == pytest.approx(np.full(7, from_scale(np.array(1.0))), rel=0.05)
    np.testing.assert_allclose(got[1], np.full(7, 10.0 * np.sinh(6.0)))
    np.testing.assert_allclose(got[2], np.full(7, 10.0 * np.sinh(-1.0)))


def test_levels_calibrated_on_settled_prices_weigh_the_tail() -> None:
    # Quantiles 10, 20, 30 at 0.25, 0.5, 0.75 for four targets. Prices 5, 15, 25, 35 reach
    # exactly those levels (one, two, three of four at or below). With 5, 15, 25 and one missing,
    # the shares of three are 1/3, 2/3 and 1, kept below 3 / (3 + 1).
    times = pd.date_range(START, periods=4, freq="h")
    q = PriceQuantiles(times, times, (0.25, 0.5, 0.75), np.tile([10.0, 20.0, 30.0], (4, 1)))
    exact = calibrated_levels(q, np.array([5.0, 15.0, 25.0, 35.0]))
    assert exact.tolist() == pytest.approx([0.25, 0.5, 0.75])
    partial = calibrated_levels(q, np.array([5.0, 15.0, 25.0, np.nan]))
    assert partial.tolist() == pytest.approx([1 / 3, 2 / 3, 3 / 4])
    # Prices 5, 15, 35, 40: the "0.75" quantile (30) was reached by only half of them, so it is
    # the 0.5 quantile (+1e-6, the levels must increase) and half the mass lies above 30. The
    # flat-tailed mean is 0.25 x 10 + 0.25 x 15 + 0.25 x 25 + 0.25 x 30 = 20. Relabelled, the
    # capped Pareto tail through 20 and 30 at 0.5 and 0.500001 (b = ln 1.5 / ln(0.5 / 0.499999),
    # about 2e5) is at the cap of 100 within a hair: 0.25 x 10 + 0.25 x 15 + 0.5 x 100 = 56.25.
    levels = calibrated_levels(q, np.array([5.0, 15.0, 35.0, 40.0]))
    assert levels == pytest.approx([0.25, 0.5, 0.5], abs=2e-6)
    assert q.expected() == pytest.approx(np.full(4, 20.0))
    assert q.relabelled(levels).expected(100.0) == pytest.approx(np.full(4, 56.25), abs=0.01)
    with pytest.raises(ConfigError, match="levels: 3 needed"):
        q.relabelled((0.5, 0.9))
    with pytest.raises(ConfigError, match="no settled price"):
        calibrated_levels(q, np.full(4, np.nan))


def test_day_ahead_issue_is_ten_local_the_day_before() -> None:
    # 2023-07-05 (CDT, UTC-5): issued 2023-07-04 10:00 local = 15:00 UTC.
    assert day_ahead_issue("2023-07-05", ZONE) == pd.Timestamp("2023-07-04 15:00", tz="UTC")


def test_day_ahead_features_read_the_same_hour_of_the_latest_day_published() -> None:
    # Prices equal to the hour's index. The forecast of 2023-06-10 is issued 2023-06-09 10:00 CDT:
    # hour 09:00 of June 9 had ended (same_hour_last = that hour), hour 10:00 had not (the value
    # comes from June 8). The last published hour is 09:00 local on June 9.
    times = pd.date_range(START, periods=15 * 24, freq="h")
    prices = pd.Series(np.arange(len(times), dtype=float), index=times)
    features = day_ahead_features(prices, [pd.Timestamp("2023-06-10")], ZONE)
    local = features.index.tz_convert(ZONE)
    nine, ten = features[local.hour == 9].iloc[0], features[local.hour == 10].iloc[0]
    index = pd.Series(np.arange(len(times)), index=times)
    june9_0900 = index[pd.Timestamp("2023-06-09 09:00", tz=ZONE)]
    june8_1000 = index[pd.Timestamp("2023-06-08 10:00", tz=ZONE)]
    assert from_scale(nine["same_hour_last"]) == pytest.approx(june9_0900)
    assert from_scale(ten["same_hour_last"]) == pytest.approx(june8_1000)
    assert from_scale(ten["last"]) == pytest.approx(june9_0900)
    assert from_scale(ten["max24"]) == pytest.approx(june9_0900)


def test_next_interval_features_start_from_the_interval_that_just_ended() -> None:
    times = pd.date_range(START, periods=200, freq="15min")
    prices = pd.Series(np.arange(200, dtype=float), index=times)
    row = next_interval_features(prices, times[[150]], ZONE).iloc[0]
    assert from_scale(row["lag1"]) == pytest.approx(149.0)
    assert from_scale(row["lag4"]) == pytest.approx(146.0)
    assert from_scale(row["max1h"]) == pytest.approx(149.0)
    assert from_scale(row["mean1h"]) == pytest.approx(
        from_scale(np.mean(to_scale(np.arange(146, 150.0)))), rel=1e-2
    )
    assert from_scale(row["yesterday"]) == pytest.approx(150.0 - 96)


def test_persistence_reads_the_latest_day_the_hour_had_settled() -> None:
    times = pd.date_range(START, periods=72, freq="h")
    prices = pd.Series(np.arange(72.0), index=times)
    at = times[50]  # hours 0..49 have settled
    got = latest_same_time(
        prices[:50], pd.DatetimeIndex([times[55], times[71]]), at, pd.Timedelta("1h")
    )
    assert got.tolist() == [31.0, 47.0]


# ------------------------------------------------------------------------- walk-forward, no leak


@pytest.fixture(scope="module")
def hourly() -> tuple[History, DayAheadForecaster]:
    history = _history(1)
    until = pd.Timestamp("2023-06-25 05:00", tz="UTC")
    return history, DayAheadForecaster.fit(history, "HB_X", until, zone=ZONE, settings=SMALL)


@pytest.mark.slow
def test_day_ahead_training_reads_nothing_published_after_its_cut(
    hourly: tuple[History, DayAheadForecaster],
) -> None:
    history, model = hourly
    changed = _changed_after(history, model.trained_until, seed=3)
    again = DayAheadForecaster.fit(changed, "HB_X", model.trained_until, zone=ZONE, settings=SMALL)
    days = pd.date_range("2023-06-26", "2023-06-30")
    a, b = model.forecast_history(history, days), again.forecast_history(history, days)
    np.testing.assert_array_equal(a.usd_per_mwh, b.usd_per_mwh)


@pytest.mark.slow
@settings(max_examples=15, deadline=None)
@given(day=st.integers(26, 39), seed=st.integers(0, 2**31 - 1), later=st.integers(0, 40))
def test_a_day_ahead_forecast_is_the_same_whatever_is_published_after_its_issue(
    hourly: tuple[History, DayAheadForecaster], day: int, seed: int, later: int
) -> None:
    history, model = hourly
    target = pd.Timestamp("2023-06-01") + pd.Timedelta(days=day)
    issue = day_ahead_issue(target, ZONE)
    changed = _changed_after(history, issue, seed)
    seen_later = issue + pd.Timedelta(hours=later)  # a later information set is cut back
    a = model.forecast(history.at(issue), target)
    b = model.forecast(changed.at(seen_later), target)
    np.testing.assert_array_equal(a.usd_per_mwh, b.usd_per_mwh)
    many = model.forecast_history(history, [target])
    np.testing.assert_array_equal(many.usd_per_mwh, a.usd_per_mwh)
    assert (a.issued == issue).all()
    with pytest.raises(ConfigError, match="issued at"):
        model.forecast(history.at(issue - pd.Timedelta(minutes=1)), target)


@pytest.fixture(scope="module")
def quarter() -> tuple[History, NextIntervalForecaster]:
    history = _history(2, step="15min", days=12)
    until = pd.Timestamp("2023-06-08 05:00", tz="UTC")
    return history, NextIntervalForecaster.fit(history, "HB_X", until, zone=ZONE, settings=SMALL)


@settings(max_examples=15, deadline=None)
@given(step=st.integers(0, 4 * 96 - 1), seed=st.integers(0, 2**31 - 1))
def test_a_next_interval_forecast_is_the_same_whatever_is_published_after_its_issue(
    quarter: tuple[History, NextIntervalForecaster], step: int, seed: int
) -> None:
    history, model = quarter
    at = model.trained_until + step * pd.Timedelta(minutes=15)
    changed = _changed_after(history, at, seed)
    a = model.forecast(history.at(at))
    b = model.forecast(changed.at(at))
    np.testing.assert_array_equal(a.usd_per_mwh, b.usd_per_mwh)
    many = model.forecast_history(history, pd.DatetimeIndex([at]))
    np.testing.assert_array_equal(many.usd_per_mwh, a.usd_per_mwh)


def test_next_interval_training_reads_nothing_published_after_its_cut(
    quarter: tuple[History, NextIntervalForecaster],
) -> None:
    history, model = quarter
    changed = _changed_after(history, model.trained_until, seed=5)
    again = NextIntervalForecaster.fit(
        changed, "HB_X", model.trained_until, zone=ZONE, settings=SMALL
    )
    times = pd.date_range(model.trained_until, periods=96, freq="15min")
    a, b = model.forecast_history(history, times), again.forecast_history(history, times)
    np.testing.assert_array_equal(a.usd_per_mwh, b.usd_per_mwh)


def test_the_forecaster_learns_the_evening_spikes() -> None:
    """Out of sample, the upper quantiles of evening intervals (17:00-20:59, where the history
    spikes to 500-3,000 USD/MWh about one interval in ten) stand far above those of night
    intervals, whose prices are about 30: the 98 % quantile by more than five times."""
    history = _history(2, step="15min", days=12)
    until = pd.Timestamp("2023-06-09 05:00", tz="UTC")
    trained = ModelSettings(max_iter=60, learning_rate=0.2, min_samples_leaf=20)
    model = NextIntervalForecaster.fit(history, "HB_X", until, zone=ZONE, settings=trained)
    times = pd.date_range(until, periods=3 * 96, freq="15min")
    quantiles = model.forecast_history(history, times)
    hour = times.tz_convert(ZONE).hour
    evening, night = (hour >= 17) & (hour <= 20), (hour >= 1) & (hour <= 4)
    q98 = quantiles.level(0.98)
    assert np.median(q98[evening]) > 5 * np.median(q98[night])
    q50 = quantiles.level(0.5)
    assert np.median(q50[night]) == pytest.approx(30.0, abs=10.0)


# ------------------------------------------------------------------------ the scenario generator


def test_the_scenario_generator_draws_prices_from_a_quantile_forecast() -> None:
    """Every hour forecast at 10 / 20 / 60 USD/MWh for levels 0.25 / 0.5 / 0.75: drawn scenarios
    hold 10 a quarter of the time and 60 a quarter of the time (the quantile function is flat
    beyond the outer levels), 20 at the median; a planning level of 0.75 makes 60 the one path."""
    from planner.domain.examples import one_site
    from planner.world.feeds import fetch_feeds
    from planner.world.forecasters.quantiles import forecast_feeds
    from planner.world.scenarios import ScenarioSettings, make_scenarios

    fleet = one_site()
    feeds = fetch_feeds(fleet, "2025-07-14", 24, "offline", seed=1)
    hours = feeds.times
    forecast = PriceQuantiles(
        pd.DatetimeIndex([hours[0]] * 24),
        hours,
        (0.25, 0.5, 0.75),
        np.tile([10.0, 20.0, 60.0], (24, 1)),
    )
    drawn_from = forecast_feeds(feeds, {"HB_WEST": forecast})
    assert drawn_from.prices["price_usd_per_mwh"].eq(20.0).all()
    calm = ScenarioSettings(temp_error_c=0.0)
    prices = np.array(
        [
            s.price_usd_per_mwh[0]
            for s in make_scenarios(fleet, drawn_from, 400, seed=3, settings=calm)
        ]
    )
    assert (prices == 10.0).mean() == pytest.approx(0.25, abs=0.04)
    assert (prices == 60.0).mean() == pytest.approx(0.25, abs=0.04)
    assert (prices < 20.0).mean() == pytest.approx(0.5, abs=0.06)
    planned = forecast_feeds(feeds, {"HB_WEST": forecast}, planning_level=0.75)
    assert planned.price_quantiles is None
    assert planned.prices["price_usd_per_mwh"].eq(60.0).all()
