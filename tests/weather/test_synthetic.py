"""The seeded offline generator: reproducible, canonical, with its storms where they belong."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from weather import climate, synthetic
from weather.errors import FeedError
from weather.schema import validate

SITES = [
    synthetic.Location("tx", 31.85, -102.37, "America/Chicago"),
    synthetic.Location("nd", 46.91, -98.71, "America/Chicago"),
]


def test_same_seed_same_numbers_other_seed_other_numbers() -> None:
    a = synthetic.synthetic_weather(SITES, "2025-01-01", 240, seed=1)
    b = synthetic.synthetic_weather(SITES, "2025-01-01", 240, seed=1)
    c = synthetic.synthetic_weather(SITES, "2025-01-01", 240, seed=2)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["temp_air_c"], c["temp_air_c"])


def test_weather_is_canonical_hourly_utc() -> None:
    w = synthetic.synthetic_weather(SITES, "2025-03-08", 72, seed=1)
    assert w.index.names == ["site_id", "time"]
    times = w.xs("tx", level="site_id").index
    assert str(times.tz) == "UTC" and len(times) == 72
    assert (times[1:] - times[:-1] == pd.Timedelta(hours=1)).all()
    validate(w, "weather", "test")


def test_climate_by_latitude_and_season() -> None:
    # Annual means from the linear fit to NASA POWER Texas sites (calibration, docs/model.md):
    # 19.3 degC at 32 N; 19.3 - 0.95 x 14.91 = 5.14 degC at 46.91 N; 19.3 + 0.95 x 0.15 = 19.44
    # at 31.85 N. Seasonal swing at 46.91 N: 11.8 + 0.35 x 14.91 = 17.02 degC.
    assert climate.climate_mean_c(32.0) == pytest.approx(19.3)
    assert climate.climate_mean_c(46.91) == pytest.approx(5.14, abs=0.01)
    assert climate.seasonal_amplitude_c(46.91) == pytest.approx(17.02, abs=0.01)
    no_storms = synthetic.StormSettings(cold_snap_depth_c=0.0, heat_wave_rise_c=0.0)
    w = synthetic.synthetic_weather(SITES, "2025-01-01", 8760, seed=5, storms=no_storms)
    monthly = w.xs("nd", level="site_id")["temp_air_c"].groupby(lambda t: t.month).mean()
    assert monthly[7] - monthly[1] > 25  # ND: July minus January near 2 x 17.0 degC
    annual = w.groupby(level="site_id")["temp_air_c"].mean()
    assert annual["tx"] - annual["nd"] == pytest.approx(19.44 - 5.14, abs=3.0)


#: A cold snap every winter, exactly 16 degC deep, centred on 16 Jan noon UTC.
FIXED_SNAP = synthetic.StormSettings(
    cold_snap_depth_c=16.0,
    cold_snap_days=5.0,
    cold_snap_chance=1.0,
    cold_snap_window_days=0.0,
    cold_snap_depth_sd_c=0.0,
)


#: No cold snap (a heat wave cannot reach January).
NO_SNAP = synthetic.StormSettings(cold_snap_depth_c=0.0)


def _at_local_9(series: pd.Series) -> pd.Series:
    """The 09:00 Central Standard Time hours (15:00 UTC): the diurnal cosine is 0 there, so the
    narrower daily range of cold air masses does not enter and a storm's drop is exactly its bump."""
    return series[series.index.hour == 15]


def test_cold_snap_deepens_mid_january_only() -> None:
    calm = synthetic.StormSettings(cold_snap_depth_c=0.0)
    a = synthetic.synthetic_weather(SITES, "2025-01-01", 24 * 31, seed=3, storms=calm)
    b = synthetic.synthetic_weather(SITES, "2025-01-01", 24 * 31, seed=3, storms=FIXED_SNAP)
    drop = (a["temp_air_c"] - b["temp_air_c"]).xs("tx", level="site_id")
    # 5-day raised cosine centred on 16 Jan 12:00: nothing before 14 Jan 00:00 or from 19 Jan.
    assert drop[:"2025-01-13 23:00"].abs().max() == 0.0
    assert drop["2025-01-19 00:00":].abs().max() == 0.0
    # 16 Jan 15:00 UTC is 3 h from the centre: 16 x 0.5 (1 + cos(2 pi 3 / 120)) = 15.90 degC;
    # a day earlier, 21 h before the centre: 16 x 0.5 (1 + cos(2 pi 21 / 120)) = 11.63 degC.
    at9 = _at_local_9(drop)
    assert at9["2025-01-16"].iloc[0] == pytest.approx(15.90, abs=0.01)
    assert at9["2025-01-15"].iloc[0] == pytest.approx(11.63, abs=0.01)
    # Cold air masses narrow the daily range, so the drop is largest at the warmest hours.
    assert 14.0 < drop.max() < 20.0


def test_storms_come_in_some_winters_and_do_not_depend_on_the_horizon() -> None:
    # Default odds: a cold snap in 15 % of winters, centred within 30 days of 16 Jan. Each
    # winter's draw is seeded by (seed, kind, year), so a 60-day run sees the one-year run's storm.
    calm = synthetic.StormSettings(cold_snap_depth_c=0.0, heat_wave_rise_c=0.0)
    cold_only = synthetic.StormSettings(heat_wave_rise_c=0.0)
    tx = SITES[:1]
    with_snap = []
    for seed in range(20):
        a = synthetic.synthetic_weather(tx, "2025-01-01", 24 * 60, seed=seed, storms=calm)
        b = synthetic.synthetic_weather(tx, "2025-01-01", 24 * 60, seed=seed, storms=cold_only)
        drop = _at_local_9((a["temp_air_c"] - b["temp_air_c"]).xs("tx", level="site_id"))
        if drop.max() > 0.0:
            with_snap.append((seed, drop))
    assert 1 <= len(with_snap) <= 8  # binomial(20, 0.15): 3 expected
    seed, drop = with_snap[0]
    a = synthetic.synthetic_weather(tx, "2025-01-01", 8760, seed=seed, storms=calm)
    b = synthetic.synthetic_weather(tx, "2025-01-01", 8760, seed=seed, storms=cold_only)
    year_drop = _at_local_9((a["temp_air_c"] - b["temp_air_c"]).xs("tx", level="site_id"))
    np.testing.assert_allclose(year_drop[drop.index], drop, atol=1e-9)


def test_storm_settings_reject_impossible_odds() -> None:
    with pytest.raises(ValueError, match=r"cold_snap_chance: must be 0 .. 1, got 1.5"):
        synthetic.StormSettings(cold_snap_chance=1.5)
    with pytest.raises(ValueError, match=r"heat_wave_days: must be >= 0, got -1"):
        synthetic.StormSettings(heat_wave_days=-1.0)


def test_prices_spike_in_the_cold_snap() -> None:
    w = synthetic.synthetic_weather(SITES, "2025-01-01", 24 * 31, seed=3, storms=FIXED_SNAP)
    p = synthetic.synthetic_prices(w, SITES, {"tx": "HB_WEST", "nd": "MINN.HUB"}, seed=3)
    west = p.xs("HB_WEST", level="node")["price_usd_per_mwh"]
    snap = west["2025-01-15":"2025-01-17"]
    calm = west["2025-01-01":"2025-01-10"]
    assert snap.max() > 10 * calm.median()
    assert west.max() <= climate.PRICE_CAP_USD_PER_MWH


def test_load_and_market_paths() -> None:
    w = synthetic.synthetic_weather(SITES, "2025-06-01", 24 * 30, seed=3)
    load = synthetic.synthetic_load(w, {"ERCOT": ["tx"]}, seed=3)
    assert load.index.names == ["area", "time"] and (load["load_mw"] > 30_000).all()
    market = synthetic.synthetic_market("2025-06-01", 24 * 30, seed=3)
    assert len(market) == 30 and market["btc_price_usd"].iloc[0] == 95_000.0


def test_validate_rejects_out_of_range_values() -> None:
    w = synthetic.synthetic_weather(SITES, "2025-01-01", 24, seed=1)
    w.iloc[3, 0] = 99.0
    with pytest.raises(
        FeedError,
        match=r"temp_air_c = 99 at tx 2025-01-01 03:00:00\+00:00 is outside -90 .. 65 degC",
    ):
        validate(w, "weather", "test")


# Real figures, from benchmarks/calibrate_synthetic.py on ../shared/data (ERCOT RTM hourly hub
# prices, US/Central years; NASA POWER daily minimum temperature, January, February and December
# of each year). HB_WEST hours above 1,000 USD/MWh: 2021 161 (Uri), 2022 37, 2023 62, 2024 8.
# Midland winter minimum: 2021 -18.9, 2022 -11.1, 2023 -7.2, 2024 -10.5 degC.
REAL_HB_WEST_HOURS_OVER_1000 = (161, 37, 62, 8)
REAL_MIDLAND_WINTER_MIN_C = (-18.9, -11.1, -7.2, -10.5)


def test_calibrated_spike_hours_and_winter_minimum_lie_in_the_real_range() -> None:
    # Seeded years of the West Texas site on HB_WEST: the median year's count of hours above
    # 1,000 USD/MWh (five years) and its winter minimum lie within what 2021-2024 really did.
    # One winter's minimum varies with sd 3.6 degC between seeds, so a median of five would be
    # a coin toss near the real range's warm end (-7.2 degC); the median of 80 winters has a
    # standard error of 0.5 degC (about -8.4 degC over 600 seeds).
    west = [synthetic.Location("west-texas", 31.85, -102.37, "America/Chicago")]
    hours_over, winter_min = [], []
    for seed in range(80):
        w = synthetic.synthetic_weather(west, "2025-01-01 06:00", 8760, seed=seed)
        winter_min.append(_winter_minimum(w))
        if seed < 5:
            p = synthetic.synthetic_prices(w, west, {"west-texas": "HB_WEST"}, seed=seed)
            hours_over.append(int((p["price_usd_per_mwh"] > 1000.0).sum()))
    assert (
        min(REAL_HB_WEST_HOURS_OVER_1000)
        <= np.median(hours_over)
        <= max(REAL_HB_WEST_HOURS_OVER_1000)
    )
    assert min(REAL_MIDLAND_WINTER_MIN_C) <= np.median(winter_min) <= max(REAL_MIDLAND_WINTER_MIN_C)


def _winter_minimum(weather: pd.DataFrame) -> float:
    """Lowest temperature in January, February and December, local time [degC]."""
    temp = weather["temp_air_c"]
    months = temp.index.get_level_values("time").tz_convert("America/Chicago").month
    return float(temp[np.isin(months, [1, 2, 12])].min())


def _on(frame: pd.DataFrame, times: pd.DatetimeIndex) -> pd.DataFrame:
    """The rows of a canonical ``(key, time)`` frame at ``times``."""
    return frame[frame.index.get_level_values("time").isin(times)]


def test_a_longer_horizon_sees_the_same_days_plus_more() -> None:
    # Every draw is anchored to its calendar day, so 7 and 14 days from the same start agree on
    # the first 7 to the bit: weather (storm included), prices, load and market.
    nodes = {"tx": "HB_WEST", "nd": "MINN.HUB"}
    week, fortnight = (
        synthetic.synthetic_weather(SITES, "2025-01-10", 24 * days, seed=7, storms=FIXED_SNAP)
        for days in (7, 14)
    )
    times = week.index.get_level_values("time").unique()
    pd.testing.assert_frame_equal(week, _on(fortnight, times))
    pd.testing.assert_frame_equal(
        synthetic.synthetic_prices(week, SITES, nodes, seed=7),
        _on(synthetic.synthetic_prices(fortnight, SITES, nodes, seed=7), times),
    )
    pd.testing.assert_frame_equal(
        synthetic.synthetic_load(week, {"ERCOT": ["tx"]}, seed=7),
        _on(synthetic.synthetic_load(fortnight, {"ERCOT": ["tx"]}, seed=7), times),
    )
    market = synthetic.synthetic_market("2025-01-10", 24 * 14, seed=7)
    pd.testing.assert_frame_equal(synthetic.synthetic_market("2025-01-10", 24 * 7, 7), market[:7])
    # The week holds the whole storm: 16 x 0.5 (1 + cos(2 pi 3 / 120)) = 15.90 degC colder at
    # 16 Jan 15:00 UTC than without it (see test_cold_snap_deepens_mid_january_only).
    calm = synthetic.synthetic_weather(SITES, "2025-01-10", 24 * 7, seed=7, storms=NO_SNAP)
    drop = (calm["temp_air_c"] - week["temp_air_c"]).xs("tx", level="site_id")
    assert drop["2025-01-16 15:00"] == pytest.approx(15.90, abs=0.01)


def test_a_later_start_sees_the_same_values_on_the_days_it_shares() -> None:
    # Start 3 days and 5 hours later: weather and load are the same on every shared hour (the
    # daily AR(1) anomalies have a calendar memory, not a state drawn at the start). A node's
    # price reads a trailing 24-h mean of temperature, so it agrees from the 24th shared hour on
    # (offline feeds draw a day of weather before the start for that reason). The market path
    # starts at the given price on the first day: its daily returns are the same.
    nodes = {"tx": "HB_WEST", "nd": "MINN.HUB"}
    early = synthetic.synthetic_weather(SITES, "2025-01-10", 24 * 10, seed=3)
    late = synthetic.synthetic_weather(SITES, "2025-01-13 05:00", 24 * 10, seed=3)
    shared = late.index.get_level_values("time").unique()[: 24 * 7 - 5]
    pd.testing.assert_frame_equal(_on(early, shared), _on(late, shared))
    pd.testing.assert_frame_equal(
        _on(synthetic.synthetic_load(early, {"ERCOT": ["tx", "nd"]}, seed=3), shared),
        _on(synthetic.synthetic_load(late, {"ERCOT": ["tx", "nd"]}, seed=3), shared),
    )
    price_early = _on(synthetic.synthetic_prices(early, SITES, nodes, seed=3), shared[23:])
    price_late = synthetic.synthetic_prices(late, SITES, nodes, seed=3)
    pd.testing.assert_frame_equal(price_early, _on(price_late, shared[23:]))
    assert not _on(price_late, shared[:1]).equals(_on(price_early, shared[:1]))
    returns = [
        np.diff(np.log(synthetic.synthetic_market(start, 24 * 10, seed=3)["btc_price_usd"]))
        for start in ("2025-01-10", "2025-01-13 05:00")
    ]
    np.testing.assert_allclose(returns[0][3:], returns[1][:6], rtol=0, atol=1e-12)
