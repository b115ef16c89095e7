"""Calendar-anchored random numbers: a day's draws do not depend on the days drawn with it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from weather import draws

#: 2025-01-10 is day 20,098 since 1970-01-01 (55 years, 14 of them leap, plus 9 days).
JAN_10_2025 = 55 * 365 + 14 + 9


def test_day_numbers_count_utc_days_from_1970() -> None:
    assert draws.day_number(pd.Timestamp("1970-01-02 23:59", tz="UTC")) == 1
    assert draws.day_number(pd.Timestamp("2025-01-10")) == JAN_10_2025
    # 2025-01-10 20:00 in Chicago is 02:00 UTC on the 11th.
    assert draws.day_number(pd.Timestamp("2025-01-10 20:00", tz="America/Chicago")) == (
        JAN_10_2025 + 1
    )
    assert draws.day_dates(JAN_10_2025, 2)[1] == pd.Timestamp("2025-01-11", tz="UTC")


def test_hours_know_their_days() -> None:
    # 30 hours from 2025-01-10 05:00 UTC: 19 hours on the 10th, 11 on the 11th.
    times = pd.date_range("2025-01-10 05:00", periods=30, freq="h", tz="UTC")
    on = draws.Hours.of(times)
    assert (on.first_day, on.n_days, on.first_hour, on.count) == (JAN_10_2025, 2, 5, 30)
    assert on.day.tolist() == [0] * 19 + [1] * 11
    rows = np.arange(48.0).reshape(2, 24)  # value = hour counted from the 10th's midnight
    np.testing.assert_array_equal(on.take(rows), np.arange(5.0, 35.0))
    with pytest.raises(ValueError, match="times: must be consecutive whole hours, got 2 from"):
        draws.Hours.of(times[[0, 2]])
    with pytest.raises(ValueError, match="times: must be consecutive whole hours"):
        draws.Hours.of(times + pd.Timedelta(minutes=30))


def test_a_day_s_words_do_not_depend_on_the_days_drawn_with_it() -> None:
    short = draws.words(7, ("price", 3, "site"), JAN_10_2025, 4, 24)
    long = draws.words(7, ("price", 3, "site"), JAN_10_2025 + 2, 40, 24)
    np.testing.assert_array_equal(short[2:], long[:2])
    # Another seed, scenario or site is another stream.
    for other in (
        draws.words(8, ("price", 3, "site"), JAN_10_2025, 4, 24),
        draws.words(7, ("price", 4, "site"), JAN_10_2025, 4, 24),
        draws.words(7, ("price", 3, "other"), JAN_10_2025, 4, 24),
    ):
        assert not np.any(other == short)


def test_every_distribution_keeps_each_value_in_its_place() -> None:
    for draw in (draws.uniform, draws.normal, draws.exponential):
        a = draw(1, ("x",), 100, 10, 5)
        b = draw(1, ("x",), 103, 2, 5)
        np.testing.assert_array_equal(a[3:5], b)
    a = draws.erlang(1, ("x",), 100, 10, 5, 3)
    np.testing.assert_array_equal(a[3:5], draws.erlang(1, ("x",), 103, 2, 5, 3))


def test_distributions_have_their_moments() -> None:
    # 120,000 values each: the standard error of a mean of unit variance is 0.003.
    u = draws.uniform(3, ("u",), 0, 5_000, 24).ravel()
    assert u.min() >= 0.0 and u.max() < 1.0
    assert u.mean() == pytest.approx(0.5, abs=0.004)
    assert u.var() == pytest.approx(1 / 12, abs=0.002)
    z = draws.normal(3, ("z",), 0, 5_000, 24)
    assert z.mean() == pytest.approx(0.0, abs=0.012)
    assert z.var() == pytest.approx(1.0, abs=0.02)
    # Cosine and sine halves of a Box-Muller pair are uncorrelated, so are neighbouring days.
    assert abs(np.corrcoef(z[:, 0], z[:, 1])[0, 1]) < 0.04
    assert abs(np.corrcoef(z[1:, 0], z[:-1, 0])[0, 1]) < 0.04
    # P(|Z| > 1.96) = 0.05.
    assert np.mean(np.abs(z) > 1.96) == pytest.approx(0.05, abs=0.004)
    e = draws.exponential(3, ("e",), 0, 5_000, 24)
    assert e.mean() == pytest.approx(1.0, abs=0.012)
    assert np.mean(e > 2.0) == pytest.approx(np.exp(-2.0), abs=0.004)
    # Gamma of shape 3: mean 3, variance 3.
    g = draws.erlang(3, ("g",), 0, 5_000, 24, 3)
    assert g.mean() == pytest.approx(3.0, abs=0.03)
    assert g.var() == pytest.approx(3.0, abs=0.1)
    with pytest.raises(ValueError, match="shape: must be an integer >= 1, got 0"):
        draws.erlang(3, ("g",), 0, 1, 1, 0)


def test_at_hours_matches_per_hour() -> None:
    times = pd.date_range("2025-01-10 05:00", periods=100, freq="h", tz="UTC")
    on = draws.Hours.of(times)
    every = draws.per_hour(draws.normal, 2, ("x",), on)
    which = np.array([0, 18, 19, 60, 99])
    np.testing.assert_array_equal(draws.at_hours(draws.normal, 2, ("x",), on, which), every[which])


def test_memory_is_where_phi_to_the_steps_falls_below_the_threshold() -> None:
    # ln(1e-9) / ln(0.75) = 72.03 days; hourly at 0.9: 196.7 hours = 8.2 days -> 9.
    assert draws.ar1_memory_days(0.75) == 73
    assert draws.ar1_memory_days(0.9, per_day=24) == 9
    assert draws.ar1_memory_days(0.0) == 0
    with pytest.raises(ValueError, match=r"phi: must be in \[0, 1\), got 1.0"):
        draws.ar1_memory_days(1.0)


def test_ar1_by_hand() -> None:
    # Daily, phi 0.5, two days of memory: each day is the recursion started two days before it.
    # x2 = 3 + 0.5 x 2 + 0.25 x 1 = 4.25; x3 = 4 + 1.5 + 0.5 = 6; x4 = 5 + 2 + 0.75 = 7.75.
    shocks = np.array([1.0, 2, 3, 4, 5])[:, None]
    np.testing.assert_allclose(draws.ar1(shocks, 0.5, 2)[:, 0], [4.25, 6.0, 7.75])
    # Two steps a day, one day of memory. Day 1 starts its recursion at day 0: 1, 0.5, then
    # 0.25, 0.125 on day 1. Day 2 starts at day 1 (zero shocks): 2, then 0.5 x 2 + 1 = 2.
    shocks = np.array([[1.0, 0.0], [0.0, 0.0], [2.0, 1.0]])
    np.testing.assert_allclose(draws.ar1(shocks, 0.5, 1), [[0.25, 0.125], [2.0, 2.0]])


def test_ar1_normal_is_stationary_with_its_persistence() -> None:
    # Sample moments of 20,000 days: marginal sd 1 and lag-1 autocorrelation phi from the start.
    x = draws.ar1_normal(5, [("a",), ("b",)], 0, 20_000, 1, 0.7)[:, :, 0]
    assert x.shape == (2, 20_000)
    assert x.std() == pytest.approx(1.0, abs=0.03)
    assert np.corrcoef(x[0, 1:], x[0, :-1])[0, 1] == pytest.approx(0.7, abs=0.02)
    assert abs(np.corrcoef(x[0], x[1])[0, 1]) < 0.03
    # The first day is already stationary: across 2,000 streams its sd is 1 too (standard
    # error of a sample sd 0.016).
    first = draws.ar1_normal(5, [("s", k) for k in range(2_000)], 0, 1, 1, 0.7)
    assert first.std() == pytest.approx(1.0, abs=0.05)
    # Hourly: the value at an hour is the same whichever day the series starts on.
    a = draws.ar1_normal(5, [("h",)], 100, 10, 24, 0.9)
    b = draws.ar1_normal(5, [("h",)], 104, 3, 24, 0.9)
    np.testing.assert_array_equal(a[:, 4:7], b)
