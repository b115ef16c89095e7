"""The skill blend of a quantile forecast and persistence: weights by hand, and no look ahead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.errors import ConfigError
from planner.world.forecasters.blend import pinball_loss, skill_blend
from planner.world.forecasters.quantiles import PriceQuantiles, from_scale

HOUR = pd.Timedelta(hours=1)
T0 = pd.Timestamp("2023-07-01 00:00", tz="UTC")


def test_pinball_loss_by_hand() -> None:
    # Levels 0.25 and 0.75, quantiles 0 and 2, actual 2: 0.25 x 2 = 0.5 and 0; mean 0.25.
    # A point forecast at 1: 0.25 x 1 and 0.75 x 1; mean 0.5. Missing actual: NaN.
    got = pinball_loss((0.25, 0.75), np.array([[0.0, 2.0], [1.0, 1.0]]), np.array([2.0, 2.0]))
    assert got.tolist() == pytest.approx([0.25, 0.5])
    assert np.isnan(pinball_loss((0.5,), np.array([[1.0]]), np.array([np.nan]))[0])


def test_the_weights_follow_the_record_settled_before_each_issue() -> None:
    # Working scale asinh(p / 10): the prices are 10 sinh(y). Target A (00:00, issued 23:00 the
    # day before): model quantiles y = 0 and 2, persistence y = 1, settled at y = 2: losses
    # 0.25 (model) and 0.5 (persistence), as in the pinball test, so a later issue weighs the
    # model 0.5 / 0.75 = 2/3. Target B (02:00, issued 01:00, after A settled): model 0 at both
    # levels, persistence 90 USD/MWh: the blend is 1/3 x 90 = 30 at both. A itself had no
    # record: the model alone. Target C (issued 00:30, before A settled): the model alone too.
    # Target D (issued two days later, beyond the one-day lookback): the model alone.
    y = np.array([[0.0, 2.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    times = pd.DatetimeIndex([T0, T0 + 2 * HOUR, T0 + 3 * HOUR, T0 + 50 * HOUR])
    issued = pd.DatetimeIndex([T0 - HOUR, T0 + HOUR, T0 + HOUR / 2, T0 + 49 * HOUR])
    forecast = PriceQuantiles(issued, times, (0.25, 0.75), from_scale(y))
    persistence = np.array([from_scale(np.array(1.0)), 90.0, 90.0, 90.0])
    prices = pd.Series(from_scale(np.array([2.0, 0.0, 0.0, 0.0])), index=times)
    got = skill_blend(forecast, persistence, prices, interval=HOUR, lookback=pd.Timedelta(days=1))
    assert got.weight.tolist() == pytest.approx([1.0, 2.0 / 3.0, 1.0, 1.0])
    assert got.forecast.usd_per_mwh[1].tolist() == pytest.approx([30.0, 30.0])
    np.testing.assert_array_equal(
        got.forecast.usd_per_mwh[[0, 2, 3]], forecast.usd_per_mwh[[0, 2, 3]]
    )
    # Without a persistence price, the model alone.
    none = skill_blend(
        forecast,
        np.array([1.0, np.nan, 90.0, 90.0]),
        prices,
        interval=HOUR,
        lookback=pd.Timedelta(days=1),
    )
    assert none.weight[1] == 1.0
    with pytest.raises(ConfigError, match="lookback"):
        skill_blend(forecast, persistence, prices, interval=HOUR, lookback=pd.Timedelta(0))


@settings(max_examples=30, deadline=None)
@given(cut=st.integers(0, 95), seed=st.integers(0, 2**31 - 1))
def test_a_blend_is_the_same_whatever_is_published_after_its_issue(cut: int, seed: int) -> None:
    # Four days of hourly targets, each day's issued at 10:00 the day before; every price that
    # settles after the cut is redrawn: no target issued by the cut changes.
    rng = np.random.default_rng(seed)
    times = pd.date_range(T0, periods=96, freq="h")
    issued = times.floor("D") - pd.Timedelta(hours=14)
    quantiles = np.sort(rng.uniform(0.0, 300.0, (96, 3)), axis=1)
    forecast = PriceQuantiles(issued, times, (0.1, 0.5, 0.9), quantiles)
    persistence = rng.uniform(0.0, 300.0, 96)
    prices = pd.Series(rng.uniform(-20.0, 3000.0, 96), index=times)
    at = times[cut]
    changed = prices.copy()
    late = changed.index + HOUR > at
    changed[late] = rng.uniform(-20.0, 3000.0, int(late.sum()))
    kw = {"interval": HOUR, "lookback": pd.Timedelta(days=2)}
    a = skill_blend(forecast, persistence, prices, **kw)
    b = skill_blend(forecast, persistence, changed, **kw)
    known = issued <= at
    np.testing.assert_array_equal(a.forecast.usd_per_mwh[known], b.forecast.usd_per_mwh[known])
