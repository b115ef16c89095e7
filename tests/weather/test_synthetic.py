"""The seeded offline generator: reproducible, canonical, with its storms where they belong."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from weather import synthetic
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
    # Annual means from the linear fit: 18 degC at 32 N; 18 - 0.85 x 14.91 = 5.33 degC at 46.91 N.
    assert synthetic.climate_mean_c(32.0) == pytest.approx(18.0)
    assert synthetic.climate_mean_c(46.91) == pytest.approx(5.33, abs=0.01)
    no_storms = synthetic.StormSettings(cold_snap_depth_c=0.0, heat_wave_rise_c=0.0)
    w = synthetic.synthetic_weather(SITES, "2025-01-01", 8760, seed=5, storms=no_storms)
    monthly = w.xs("nd", level="site_id")["temp_air_c"].groupby(lambda t: t.month).mean()
    assert monthly[7] - monthly[1] > 25  # ND: July minus January near 2 x 16.6 degC
    annual = w.groupby(level="site_id")["temp_air_c"].mean()
    assert annual["tx"] - annual["nd"] == pytest.approx(18.0 - 5.33, abs=3.0)


def test_cold_snap_deepens_mid_january_only() -> None:
    calm = synthetic.StormSettings(cold_snap_depth_c=0.0)
    storm = synthetic.StormSettings(cold_snap_depth_c=16.0, cold_snap_days=5.0)
    a = synthetic.synthetic_weather(SITES, "2025-01-01", 24 * 31, seed=3, storms=calm)
    b = synthetic.synthetic_weather(SITES, "2025-01-01", 24 * 31, seed=3, storms=storm)
    drop = (a["temp_air_c"] - b["temp_air_c"]).xs("tx", level="site_id")
    assert drop.max() == pytest.approx(16.0, abs=0.05)  # the peak of the raised cosine, 16 Jan noon
    assert drop.idxmax() == pd.Timestamp("2025-01-16 12:00", tz="UTC")
    assert drop[:"2025-01-13 23:00"].max() == 0.0  # 5-day window: 14 Jan 00:00 .. 19 Jan 00:00


def test_prices_spike_in_the_cold_snap() -> None:
    w = synthetic.synthetic_weather(SITES, "2025-01-01", 24 * 31, seed=3)
    p = synthetic.synthetic_prices(w, SITES, {"tx": "HB_WEST", "nd": "MINN.HUB"}, seed=3)
    west = p.xs("HB_WEST", level="node")["price_usd_per_mwh"]
    snap = west["2025-01-15":"2025-01-17"]
    calm = west["2025-01-01":"2025-01-10"]
    assert snap.max() > 10 * calm.median()
    assert west.max() <= synthetic.PRICE_CAP_USD_PER_MWH


def test_load_and_market_paths() -> None:
    w = synthetic.synthetic_weather(SITES, "2025-06-01", 24 * 30, seed=3)
    load = synthetic.synthetic_load(w, {"ERCOT": ["tx"]}, seed=3)
    assert load.index.names == ["area", "time"] and (load["load_mw"] > 30_000).all()
    market = synthetic.synthetic_market("2025-06-01", 24 * 30, seed=3)
    assert len(market) == 30 and market["btc_price_usd"].iloc[0] == 95_000.0


def test_validate_rejects_out_of_range_values() -> None:
    w = synthetic.synthetic_weather(SITES, "2025-01-01", 24, seed=1)
    w.iloc[3, 0] = 99.0
    with pytest.raises(FeedError, match=r"temp_air_c = 99 at tx 2025-01-01 03:00:00\+00:00 is outside -90 .. 65 degC"):
        validate(w, "weather", "test")
