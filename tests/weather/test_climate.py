"""The climate a grid is built for and the stress weather puts on it, worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from weather import climate


def test_anomaly_scale_is_the_seasonal_swing_over_32_north() -> None:
    # amp(32 N) = 11.8 degC; amp(46.91 N) = 11.8 + 0.35 x 14.91 = 17.0185 degC; 17.0185 / 11.8.
    assert climate.anomaly_scale(32.0) == 1.0
    assert climate.anomaly_scale(46.91) == pytest.approx(1.44225, abs=1e-5)
    assert climate.anomaly_scale(-46.91) == climate.anomaly_scale(46.91)


def test_design_band_of_west_texas_and_of_32_north() -> None:
    # 31.85 N: mean 19.3 + 0.95 x 0.15 = 19.4425, amp 11.8 - 0.35 x 0.15 = 11.7475,
    # k = 11.7475 / 11.8 = 0.995551; cold edge 19.4425 - 11.7475 - 9 k = -1.2650,
    # hot edge 19.4425 + 11.7475 + 7 + 0 k = 38.19 degC.
    cold, hot = climate.design_band_c(31.85)
    assert cold == pytest.approx(-1.2650, abs=1e-4)
    assert hot == pytest.approx(38.19, abs=1e-9)
    # 32 N (k = 1): 19.3 - 11.8 - 9 = -1.5 and 19.3 + 11.8 + 7 = 38.1 degC.
    assert climate.design_band_c(32.0) == pytest.approx((-1.5, 38.1))


def test_trailing_mean_and_max_count_fewer_hours_at_the_start() -> None:
    np.testing.assert_allclose(
        climate.trailing_mean(np.array([1.0, 2, 3, 4]), 2), [1, 1.5, 2.5, 3.5]
    )
    np.testing.assert_allclose(climate.trailing_max(np.array([3.0, 1, 2, 0]), 2), [3, 3, 2, 2])
    # Along the last axis of a 2-D array: each row on its own.
    rows = np.array([[0.0, 6, 0], [3, 3, 9]])
    np.testing.assert_allclose(climate.trailing_mean(rows, 3), [[0, 3, 2], [3, 3, 5]])
    np.testing.assert_allclose(climate.trailing_max(rows, 2), [[0, 6, 6], [3, 3, 9]])


def test_cold_stress_follows_the_day_long_mean() -> None:
    # 32 N: cold edge -1.5 degC, width 5.4 degC (k = 1). A day at 0 degC, then a day at -6:
    # the trailing 24-h mean at hour 24 + j is -6 (j + 1) / 24; it passes -1.5 only from j = 6,
    # reaches -3 at j = 11 (stress 1.5 / 5.4) and -6 at j = 23 (stress 4.5 / 5.4).
    temp = np.r_[np.zeros(24), np.full(24, -6.0)]
    stress = climate.grid_stress(temp, 32.0, np.full(48, 3))
    assert stress[:30].max() == 0.0
    assert stress[24 + 11] == pytest.approx(1.5 / 5.4)
    assert stress[24 + 23] == pytest.approx(4.5 / 5.4)
    # A tight grid (cold tightness 2) doubles it; the heat tightness does not touch it.
    tight = climate.grid_stress(temp, 32.0, np.full(48, 3), (2.0, 7.0))
    assert tight[24 + 23] == pytest.approx(2 * 4.5 / 5.4)


def test_heat_stress_lasts_six_hours_and_peaks_in_the_evening() -> None:
    # 32 N: hot edge 38.1 degC, width 10.8; 43.5 degC is 5.4 over the edge, stress 0.5 at the
    # evening peak (18.5 h local) and 0.5 exp(-2) two standard deviations (3 h) earlier.
    hot = np.full(3, 43.5)
    assert climate.grid_stress(hot, 32.0, np.full(3, 18.5)) == pytest.approx([0.5] * 3)
    assert climate.grid_stress(hot, 32.0, np.full(3, 15.5)) == pytest.approx([0.5 * np.exp(-2)] * 3)
    # One hot hour counts through the trailing 6-h maximum: that hour and the five after it.
    temp = np.full(12, 30.0)
    temp[3] = 43.5
    stress = climate.grid_stress(temp, 32.0, np.full(12, 18.5))
    np.testing.assert_allclose(stress, [0, 0, 0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0, 0, 0])


def test_stress_starts_at_the_edges_of_the_design_band() -> None:
    # The band and the stress are one model: no stress on the edges (up to the rounding of the
    # running sum behind the 24-h mean), some just beyond them.
    for latitude in (29.4, 31.85, 46.91):
        cold, hot = climate.design_band_c(latitude)
        hours = np.full(24, 18.5)
        assert climate.grid_stress(np.full(24, cold), latitude, hours).max() < 1e-12
        assert climate.grid_stress(np.full(24, hot), latitude, hours).max() == 0.0
        assert climate.grid_stress(np.full(24, cold - 0.1), latitude, hours)[-1] > 0.0
        assert climate.grid_stress(np.full(24, hot + 0.1), latitude, hours)[-1] > 0.0
