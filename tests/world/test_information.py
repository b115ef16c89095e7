"""The information set of a decision time: each publication rule by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.domain.publication import published_daily, published_steps
from planner.errors import ConfigError
from planner.world.information import History

T0 = pd.Timestamp("2025-01-02 00:00", tz="UTC")


def record() -> History:
    hours = pd.date_range("2025-01-01", periods=48, freq="h", tz="UTC")
    quarter = pd.date_range("2025-01-01", periods=4 * 48, freq="15min", tz="UTC")
    days = pd.date_range("2024-12-31", periods=3, freq="D", tz="UTC")
    return History(
        prices=pd.DataFrame({"HB_X": np.arange(len(quarter), dtype=float)}, index=quarter),
        price_interval=pd.Timedelta(minutes=15),
        temperature=pd.DataFrame({"site": np.arange(48.0)}, index=hours),
        market=pd.DataFrame({"hashprice_usd_per_th_day": [0.04, 0.05, 0.06]}, index=days),
        load=pd.DataFrame({"ERCOT": np.arange(48.0)}, index=hours),
        outages=pd.DataFrame(
            {
                "start": pd.to_datetime(["2025-01-01 20:00", "2025-01-02 03:00"], utc=True),
                "end": pd.to_datetime(["2025-01-02 02:00", "2025-01-02 05:00"], utc=True),
                "site_id": ["site", "site"],
            }
        ),
        forecasts={
            "temperature": pd.DataFrame(
                {
                    "issued": pd.to_datetime(
                        ["2025-01-01 18:00", "2025-01-02 00:30", "2025-01-01 18:00"], utc=True
                    ),
                    "temp_max_c": [10.0, 12.0, 8.0],
                },
                index=pd.DatetimeIndex(["2025-01-02", "2025-01-02", "2025-01-03"]),
            )
        },
    )


def test_each_source_is_cut_by_its_publication_rule() -> None:
    # At 01:10 UTC on Jan 2: the 15-min interval 00:45-01:00 has settled (index 99), 01:00 has
    # not; the reading of 01:00 is known; Dec 31 and Jan 1 have closed; the load of 23:00-24:00
    # is published at 01:00 (hour 23), of 00:00-01:00 only at 02:00; the outage begun at 20:00
    # has ended at 02:00 - after 01:10, so its end is unknown; the 00:30 forecast issue is known.
    info = record().at("2025-01-02 01:10")
    assert info.prices.index[-1] == pd.Timestamp("2025-01-02 00:45", tz="UTC")
    assert info.prices["HB_X"].iloc[-1] == 99.0
    assert info.temperature.index[-1] == pd.Timestamp("2025-01-02 01:00", tz="UTC")
    assert info.market["hashprice_usd_per_th_day"].tolist() == [0.04, 0.05]
    assert info.load.index[-1] == pd.Timestamp("2025-01-01 23:00", tz="UTC")
    assert len(info.outages) == 1 and pd.isna(info.outages["end"].iloc[0])
    assert info.newest("temperature")["temp_max_c"].tolist() == [12.0, 8.0]
    # At 06:00 both outages are over, their ends known.
    later = record().at("2025-01-02 06:00")
    assert later.outages["end"].notna().all() and len(later.outages) == 2


def test_an_earlier_view_of_a_set_is_the_set_of_the_earlier_time() -> None:
    history = record()
    late = history.at("2025-01-02 06:00")
    early = history.at("2025-01-02 00:10")
    again = late.as_of("2025-01-02 00:10")
    for name in ("prices", "temperature", "market", "load"):
        pd.testing.assert_frame_equal(getattr(again, name), getattr(early, name))
    assert again.newest("temperature")["temp_max_c"].tolist() == [10.0, 8.0]
    with pytest.raises(ConfigError, match="after its time"):
        early.as_of("2025-01-02 06:00")


def test_published_steps_and_days_by_hand() -> None:
    assert published_steps([1.0, 2.0, 3.0]).tolist()[1:] == [1.0, 2.0]
    assert np.isnan(published_steps([1.0, 2.0])[0])
    times = pd.date_range("2025-01-01 22:00", periods=4, freq="h", tz="UTC")
    got = published_daily(times, [1.0, 1.0, 2.0, 2.0])
    assert np.isnan(got[:2]).all() and got[2:].tolist() == [1.0, 1.0]
    assert times[2] == T0
