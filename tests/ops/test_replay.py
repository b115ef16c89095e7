"""Replays: historical files into a Feeds bundle, strategies judged on the window as recorded.

Small worked example (the project's own files ``tests/data/replay_*.csv``): the packaged Texas
fleet over 2021-02-14 .. 2021-02-16 (72 h) with HB_WEST and HB_NORTH at $25/MWh except six hours
at $9,000/MWh (2021-02-15 06:00-11:59 UTC), BTC at $48,000 and 150 EH/s every day.

- Hashprice: 144 blocks x 6.25 BTC / (1 - 0.03 fees) x $48,000 x (1 - 0.02 pool) / 150e6 TH/s
  = $0.290969 per TH/s per day.
- Facility load: permian 18,000 x 2,950 W + 12,000 x 3,250 W = 92.1 MW x 1.05 = 96.705 MW;
  dallas-north (12,000 x 2,950 + 6,000 x 3,250) W = 54.9 MW x 1.06 = 58.194 MW; rockdale
  20,000 x 5,304 W = 106.08 MW x 1.04 = 110.3232 MW; 265.2222 MW in all.
- The strike rule acts on each hour's price once it has settled: it runs through the first spike
  hour and sheds every tier (breakevens are a few hundred $/MWh) from the second spike hour to
  the first calm one after (07:00-12:59 UTC): 6 h x 265.22 MW = 1,591.3 MWh curtailed (a few
  failed machines make it a hair less).
- Profit against running through, per spike hour avoided: permian 96.705 MW x ($9,000 + $4
  adder) = $870,732; dallas-north 58.194 x $9,005 = $524,037; rockdale (PPA 100 MW at $25, take or
  pay) stops buying 10.3232 MW above its block at $9,000 ($92,909) and sells its 100 MW back at
  $9,000 - $1.50 ($899,850): $2,387,528 an hour, $11,937,638 over five hours; in the calm hour
  off it saves 96.705 x $29 + 58.194 x $30 + 10.3232 x $25 + 100 x $23.50 = $7,158. Less the
  revenue given up, 6 h x 9.81e6 TH/s x $0.290969 / 24 = $713,602; plus the ERS penalty
  run-through pays, and the strike rule too in the first spike hour, for not curtailing 20 MW
  when called, 5 h x 20 MW x $400 = $40,000: +$11,271,195.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import planner
from planner.errors import ConfigError, FeedError
from planner.ops.replay import historical_draws, run_replay
from planner.world.feeds import hashprice_hourly
from planner.world.replay import (
    ReplayFiles,
    diurnal_temperature,
    read_replay_feeds,
    replay_window,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
SHARED = ROOT.parent / "shared" / "data"
CHICAGO = "America/Chicago"


def small_files(**overrides: object) -> ReplayFiles:
    files: dict[str, object] = {
        "prices": DATA / "replay_hubs_hourly.csv",
        "btc": DATA / "replay_btc_daily.csv",
        "weather_hourly": DATA / "replay_isd_hourly.csv",
        "weather_daily": DATA / "replay_power_daily.csv",
    }
    files.update(overrides)
    return ReplayFiles(**files)  # type: ignore[arg-type]


# ------------------------------------------------------------------------ diurnal reconstruction


def test_diurnal_curve_meets_min_at_six_and_max_at_fifteen_local() -> None:
    days = pd.DataFrame(
        {"temp_min_c": [0.0, 2.0], "temp_max_c": [10.0, 12.0]},
        index=pd.to_datetime(["2021-02-15", "2021-02-16"]),
    )
    times = pd.date_range("2021-02-15 00:00", periods=48, freq="h", tz=CHICAGO)
    t = dict(zip(range(48), diurnal_temperature(days, times, CHICAGO), strict=True))
    assert t[6] == 0.0 and t[15] == 10.0 and t[24 + 6] == 2.0 and t[24 + 15] == 12.0
    # Half a cosine between extremes: halfway in time is halfway in value. 06:00 -> 15:00 is 9 h,
    # so 10:30 is the middle; at 10:00, (1 - cos(pi * 4/9)) / 2 x 10 = 4.132 degC.
    assert t[10] == pytest.approx(10 * (1 - math.cos(math.pi * 4 / 9)) / 2)
    # Falling from 10 degC (15:00) to tomorrow's 2 degC (06:00): 15 h, the middle at 22:30.
    assert (t[22] + t[23]) / 2 == pytest.approx(6.0, abs=0.1)
    # Before the first minimum the value holds; the curve never leaves the extremes' range.
    assert t[0] == t[5] == 0.0
    values = np.array(list(t.values()))
    assert values.min() == 0.0 and values.max() == 12.0


def test_diurnal_curve_follows_local_time_across_dst() -> None:
    # 2021-03-14 springs forward in Chicago: the minimum is still at 06:00 local (11:00 UTC,
    # not 12:00 UTC as the day before).
    days = pd.DataFrame(
        {"temp_min_c": [0.0, 0.0], "temp_max_c": [10.0, 10.0]},
        index=pd.to_datetime(["2021-03-13", "2021-03-14"]),
    )
    utc = pd.date_range("2021-03-13", periods=48, freq="h", tz="UTC")
    t = pd.Series(diurnal_temperature(days, utc, CHICAGO), index=utc)
    assert t[pd.Timestamp("2021-03-13 12:00", tz="UTC")] == 0.0  # CST: 06:00 local
    assert t[pd.Timestamp("2021-03-14 11:00", tz="UTC")] == 0.0  # CDT: 06:00 local
    assert t[pd.Timestamp("2021-03-14 20:00", tz="UTC")] == 10.0  # CDT: 15:00 local


# ------------------------------------------------------------------------ the window and files


def test_window_takes_whole_days_and_rejects_short_ones() -> None:
    lo, hi = replay_window("2021-02-07", "2021-02-24")
    assert (lo, hi) == (pd.Timestamp("2021-02-07", tz="UTC"), pd.Timestamp("2021-02-25", tz="UTC"))
    assert (hi - lo) / pd.Timedelta(hours=1) == 432  # Uri: 18 days
    lo, hi = replay_window("2021-02-07 06:00", "2021-02-08 12:00")
    assert (hi - lo) == pd.Timedelta(hours=30)
    with pytest.raises(ConfigError, match="at least 24 h"):
        replay_window("2021-02-07 00:00", "2021-02-07 12:00")


def test_small_window_reads_every_file_into_a_replay_bundle() -> None:
    fleet = planner.texas_fleet()
    feeds = read_replay_feeds(fleet, "2021-02-14", "2021-02-16", small_files())
    assert feeds.mode == "replay" and len(feeds.times) == 72
    # Each site takes the nearest source: DFW and Austin stations, the Permian Basin daily table.
    status = {name: f.status for name, f in feeds.freshness.items()}
    assert status["weather dallas-north"] == status["weather rockdale"] == "fresh"
    assert status["weather permian"] == "fallback"  # rebuilt from daily min and max
    notes = " ".join(feeds.notes)
    assert "Weather permian: Permian_Basin_US daily min/max" in notes
    assert "Weather dallas-north: hourly station dfw" in notes
    temp = feeds.weather["temp_air_c"]
    assert temp.xs("dallas-north", level="site_id").eq(5.0).all()
    permian = temp.xs("permian", level="site_id")
    assert permian.min() == 0.0 and permian.max() == 10.0
    # 06:00 local on 2021-02-15 is 12:00 UTC (CST): the daily minimum.
    assert permian[pd.Timestamp("2021-02-15 12:00", tz="UTC")] == 0.0
    # Hashprice from the BTC file, worked in the module docstring.
    assert hashprice_hourly(fleet, feeds) == pytest.approx(
        144 * 6.25 / 0.97 * 48_000 * 0.98 / 150e6
    )
    price = feeds.prices["price_usd_per_mwh"].xs("HB_WEST", level="node")
    assert price.max() == 9000.0 and (price == 9000.0).sum() == 6


def test_a_missing_node_or_uncovered_window_names_the_file(tmp_path: Path) -> None:
    fleet = planner.texas_fleet()
    moved = fleet.model_copy(
        update={
            "sites": tuple(
                s.model_copy(update={"grid": s.grid.model_copy(update={"node": "HB_PAN"})})
                if s.id == "permian"
                else s
                for s in fleet.sites
            )
        }
    )
    with pytest.raises(FeedError, match=r"replay_hubs_hourly\.csv.*HB_PAN"):
        read_replay_feeds(moved, "2021-02-14", "2021-02-16", small_files())
    # The prices file ends 2021-02-17 23:00 UTC: a window past it is an error, not a fill.
    with pytest.raises(FeedError, match=r"node HB_NORTH: 48 hour\(s\) .*first 2021-02-18 00:00"):
        read_replay_feeds(fleet, "2021-02-16", "2021-02-19", small_files())
    btc = pd.read_csv(DATA / "replay_btc_daily.csv")
    gap = tmp_path / "btc_gap.csv"
    btc[btc["date_utc"] != "2021-02-15"].to_csv(gap, index=False)
    with pytest.raises(FeedError, match=r"btc_gap\.csv: no BTC data for 1 day\(s\) .*2021-02-15"):
        read_replay_feeds(fleet, "2021-02-14", "2021-02-16", small_files(btc=gap))
    with pytest.raises(ConfigError, match="weather: give weather_hourly, weather_daily or both"):
        small_files(weather_hourly=None, weather_daily=None)


def test_strategies_on_the_small_window_match_the_hand_worked_figures(tmp_path: Path) -> None:
    outcome = run_replay(
        planner.texas_fleet(),
        "2021-02-14",
        "2021-02-16",
        small_files(),
        strategies=["run-through", "strike"],
        scenarios=2,
        workers=1,
        out_dir=tmp_path,
    )
    table = outcome.table.set_index("strategy")
    assert list(table.index) == ["run-through", "strike"]
    base, strike = table.loc["run-through"], table.loc["strike"]
    assert base["curtailed_mwh"] == 0.0 and base["hashrate_kept_pct"] == 100.0
    assert strike["curtailed_mwh"] == pytest.approx(6 * 265.2222, rel=1e-4)
    assert strike["profit_usd"] - base["profit_usd"] == pytest.approx(11_271_195, rel=1e-3)
    # Neither freezes: both leave behind only the machines their (common) failure draws still
    # have in repair when the window ends, so the full value moves by the same amount.
    assert strike["after_horizon_usd"] == pytest.approx(base["after_horizon_usd"])
    assert 0 < base["after_horizon_usd"] < 1e4
    assert strike["profit_incl_after_horizon_vs_baseline_usd"] == pytest.approx(
        11_271_195, rel=1e-3
    )
    # 6 of 72 hours off: 66/72 of the hashrate kept (less a hair for failures in both runs).
    assert strike["hashrate_kept_pct"] == pytest.approx(100 * 66 / 72, abs=0.05)
    assert outcome.kpis_path is not None and outcome.report_path is not None
    written = pd.read_csv(outcome.kpis_path)
    assert list(written["strategy"]) == ["run-through", "strike"]
    html = outcome.report_path.read_text(encoding="utf-8")
    assert "replay 2021-02-14 .. 2021-02-16" in html and 'id="heatmap"' in html


def test_historical_draws_keep_recorded_prices_above_the_synthetic_cap() -> None:
    fleet = planner.texas_fleet()
    feeds = read_replay_feeds(fleet, "2021-02-14", "2021-02-16", small_files())
    draws = historical_draws(fleet, feeds, 3, seed=5)
    for scenario in draws:
        assert scenario.price_usd_per_mwh.max() == 9000.0  # not clipped to $5,000
        np.testing.assert_array_equal(scenario.temp_air_c, draws[0].temp_air_c)
        np.testing.assert_array_equal(
            scenario.hashprice_usd_per_th_day, hashprice_hourly(fleet, feeds)
        )


# ------------------------------------------------------------------------ Winter Storm Uri


needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"real public data not found at {SHARED} (../shared/data)"
)


@pytest.mark.slow
@needs_shared
def test_uri_replay_reports_each_strategy_against_run_through(tmp_path: Path) -> None:
    files = ReplayFiles.from_folder(SHARED)
    outcome = run_replay(
        planner.texas_fleet(),
        "2021-02-07",
        "2021-02-24",
        files,
        strategies=["run-through", "strike", "strike+protective", "optimized"],
        scenarios=3,
        workers=1,
    )
    feeds = outcome.feeds
    assert len(feeds.times) == 432
    # The dataset's documented Uri minimum: DFW -17.75 degC on 2021-02-16 12:00 UTC.
    dallas = feeds.weather["temp_air_c"].xs("dallas-north", level="site_id")
    assert dallas.min() == -17.75 and dallas.idxmin() == pd.Timestamp("2021-02-16 12:00", tz="UTC")
    assert feeds.prices["price_usd_per_mwh"].max() > 9000.0
    # Hashprice: the file's subsidy-only figure ($283.56 per PH/s per day on 2021-02-16) with 3 %
    # fees and a 2 % pool fee.
    hp = pd.Series(hashprice_hourly(outcome_fleet := planner.texas_fleet(), feeds), feeds.times)
    assert hp[pd.Timestamp("2021-02-16 12:00", tz="UTC")] == pytest.approx(
        283.56 / 1000 / 0.97 * 0.98, rel=1e-3
    )
    assert len(outcome_fleet.sites) == 3

    t = outcome.table.set_index("strategy")
    assert list(t.index) == ["run-through", "strike", "strike+protective", "optimized"]
    # Running through Uri at index prices loses money; every curtailing strategy beats it.
    assert t.loc["run-through", "profit_usd"] < 0
    assert (
        t.loc["run-through", "curtailed_mwh"] == 0
        and t.loc["run-through", "hashrate_kept_pct"] == 100
    )
    for name in ("strike", "strike+protective", "optimized"):
        assert t.loc[name, "profit_incl_after_horizon_vs_baseline_usd"] > 0
        assert t.loc[name, "curtailed_mwh"] > 0 and t.loc[name, "hashrate_kept_pct"] < 100
    # The strike rule leaves the hydro loops idle in the freeze; the protective floor does not.
    assert t.loc["strike", "freeze_events"] > 0 and t.loc["strike+protective", "freeze_events"] == 0
    # The hindsight plan keeps the hydro loops safe too (a freeze costs it 30 % of the site for
    # 60 days) and beats the rule with the same safety, keeping more hashrate. At full value the
    # strike rule pays for its freezes: tens of millions of margin lost after the window, so
    # the plan and the protective rule are both ahead of it.
    assert t.loc["optimized", "freeze_events"] == 0
    assert t.loc["optimized", "profit_usd"] > t.loc["strike+protective", "profit_usd"]
    assert t.loc["optimized", "hashrate_kept_pct"] > t.loc["strike+protective", "hashrate_kept_pct"]
    assert t.loc["strike", "after_horizon_usd"] > 1e7
    full = t["profit_incl_after_horizon_usd"]
    assert full["optimized"] > full["strike+protective"] > full["strike"]


@pytest.mark.skipif(
    not SHARED.is_dir(), reason="../shared/data is absent (real ERCOT/NOAA/BTC data)"
)
def test_a_2022_window_falls_back_to_daily_weather_when_the_hourly_file_is_2021_only() -> None:
    # The shared ISD hourly file covers 2021 only; Winter Storm Elliott (Dec 2022) must be read
    # from the NASA POWER daily file, rebuilt hour by hour, instead of failing on the hourly file.
    feeds = read_replay_feeds(
        planner.texas_fleet(), "2022-12-18", "2022-12-28", ReplayFiles.from_folder(SHARED)
    )
    assert len(feeds.times) == 24 * 11  # both end days included, as for Uri
    assert all(
        f.status == "fallback" for k, f in feeds.freshness.items() if k.startswith("weather")
    )
    assert feeds.weather["temp_air_c"].min() < -10.0  # Elliott's arctic front reached Texas
