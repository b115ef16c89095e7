"""Grid prices and load: file readers, DST handling, hourly resampling, the gridstatus adapter.

Real-data tests read ERCOT exports from ../shared/data and skip when that folder is absent.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from weather.errors import FeedError
from weather.grid import get_iso_load, get_iso_prices, read_load, read_prices, to_hourly
from weather.grid.times import ends_to_starts, most_common_step

DATA = Path(__file__).resolve().parents[1] / "data"
ERCOT = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "ercot"
HOURLY = ERCOT / "ercot_rtm_spp_hubs_hourly_2020_2025.csv"
FIFTEEN = ERCOT / "ercot_rtm_spp_15min_event_windows.csv"
LOAD = ERCOT / "ercot_native_load_hourly_2020_2025-08.csv"
PRICE = "price_usd_per_mwh"


def _need(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"shared ERCOT data not present: {path} (a fresh clone has no ../shared/data)")
    return path


def _utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# real ERCOT files
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hourly_hubs() -> pd.DataFrame:
    return read_prices(_need(HOURLY))


def test_hourly_hubs_file_becomes_the_canonical_prices_frame(hourly_hubs: pd.DataFrame) -> None:
    """7 nodes; 6 years of hours (2020..2025 = 2,192 days = 52,608 h) for each hub; UTC starts."""
    assert list(hourly_hubs.columns) == [PRICE]
    assert hourly_hubs.index.names == ["node", "time"]
    counts = hourly_hubs.groupby(level="node").size()
    assert counts.drop("LZ_WEST").eq(52_608).all()
    # first row: hour_start_local 2020-01-01T00:00-06:00 == hour_start_utc 06:00Z, 13.71 $/MWh
    assert hourly_hubs.loc[("HB_NORTH", _utc("2020-01-01 06:00")), PRICE] == 13.71


def test_lz_west_starts_in_2023_and_its_empty_years_are_dropped(hourly_hubs: pd.DataFrame) -> None:
    """LZ_WEST is blank before 2023: those rows are dropped, not kept as 3 years of NaN."""
    lz_west = hourly_hubs.loc["LZ_WEST"]
    assert lz_west.index.min() == _utc("2023-01-01 06:00")  # 2023-01-01 00:00 CST
    assert len(lz_west) == 26_304  # 2023, 2024 (leap), 2025: 1,096 days x 24 h
    assert lz_west[PRICE].notna().all()


def test_winter_storm_uri_daily_mean_hub_price_is_near_the_cap(hourly_hubs: pd.DataFrame) -> None:
    """ERCOT held prices at the $9,000/MWh cap through Feb 16-18 2021 (days in US/Central)."""
    hub = hourly_hubs.loc["HB_HUBAVG", PRICE]
    local = hub.tz_convert("America/Chicago")
    daily = local.groupby(local.index.date).mean()
    for day in ("2021-02-16", "2021-02-17", "2021-02-18"):
        assert daily[pd.Timestamp(day).date()] >= 8_900.0, day


def test_local_column_with_offsets_gives_the_same_frame_as_the_utc_column(
    hourly_hubs: pd.DataFrame,
) -> None:
    """hour_start_local carries -06:00/-05:00 offsets, so it is as good as hour_start_utc."""
    local = read_prices(_need(HOURLY), time_column="hour_start_local", nodes=["HB_WEST"])
    pd.testing.assert_frame_equal(local, hourly_hubs.loc[["HB_WEST"]])


def test_fifteen_minute_event_windows_average_to_the_published_hourly_prices(
    hourly_hubs: pd.DataFrame,
) -> None:
    """The hourly file is the mean of the 15-min prices: to_hourly must reproduce it (to 1 cent
    of rounding) for every hour of the four event windows, and create no hours between windows."""
    fifteen = read_prices(_need(FIFTEEN))
    uri = fifteen.loc["HB_HUBAVG"]
    assert uri.index[1] - uri.index[0] == pd.Timedelta(minutes=15)
    hourly = to_hourly(fifteen)
    both = hourly.merge(hourly_hubs, left_index=True, right_index=True, suffixes=("_15", "_file"))
    assert len(both) == len(hourly)  # every derived hour exists in the hourly file
    assert len(hourly.loc["HB_HUBAVG"]) == (1_728 + 1_056 + 11_712 + 1_344) // 4
    np.testing.assert_allclose(both[f"{PRICE}_15"], both[f"{PRICE}_file"], atol=0.0100001)


def test_ercot_native_load_hour_ending_utc_becomes_interval_start() -> None:
    """First row: hour_ending_utc 2020-01-01T07:00Z (ERCOT HE 01:00) is the hour that starts at
    06:00Z, i.e. 00:00 CST, as the file's own hour_start_local column says; ERCOT 36,824.1 MW."""
    load = read_load(_need(LOAD), areas=["ERCOT", "FWEST"])
    assert load.index.names == ["area", "time"]
    assert load.loc[("ERCOT", _utc("2020-01-01 06:00")), "load_mw"] == 36_824.1
    assert load.loc[("FWEST", _utc("2020-01-01 06:00")), "load_mw"] == 3_722.0
    ercot = load.loc["ERCOT"]
    assert ercot.index.is_unique and ercot.index.is_monotonic_increasing
    assert (ercot.index.to_series().diff().dropna() == pd.Timedelta(hours=1)).all()


# --------------------------------------------------------------------------------------------
# resampling, by hand
# --------------------------------------------------------------------------------------------


def test_to_hourly_means_by_hand() -> None:
    """tests/data/grid_15min_small.csv, worked by hand:

    HB_NORTH 06:00 = (100+200+300+400)/4 = 250; 07:00 = (9000+9000+8000+8000)/4 = 8500.
    HB_WEST  07:00 = (-5-15+5+15)/4 = 0; 06:00 has 3 of 4 prices -> NaN by default.
    08:00 has 2 of 4 intervals (the window ended) -> NaN by default for both nodes.
    """
    fifteen = read_prices(DATA / "grid_15min_small.csv")
    hourly = to_hourly(fifteen)
    north = hourly.loc["HB_NORTH", PRICE]
    west = hourly.loc["HB_WEST", PRICE]
    assert north[_utc("2021-02-15 06:00")] == 250.0
    assert north[_utc("2021-02-15 07:00")] == 8_500.0
    assert west[_utc("2021-02-15 07:00")] == 0.0
    assert np.isnan(west[_utc("2021-02-15 06:00")])
    assert np.isnan(north[_utc("2021-02-15 08:00")])
    assert list(north.index) == [_utc(f"2021-02-15 0{h}:00") for h in (6, 7, 8)]


def test_to_hourly_partial_hours_with_lower_coverage() -> None:
    """min_coverage=0.5: HB_WEST 06:00 = (10+20+30)/3 = 20; HB_NORTH 08:00 = (50+70)/2 = 60."""
    hourly = to_hourly(read_prices(DATA / "grid_15min_small.csv"), min_coverage=0.5)
    assert hourly.loc[("HB_WEST", _utc("2021-02-15 06:00")), PRICE] == 20.0
    assert hourly.loc[("HB_NORTH", _utc("2021-02-15 08:00")), PRICE] == 60.0
    assert hourly.loc[("HB_WEST", _utc("2021-02-15 08:00")), PRICE] == 1.5


def test_to_hourly_five_minute_prices() -> None:
    """Twelve 5-min prices 1..12 average to 6.5 for the hour; hourly nodes pass through."""
    times = pd.date_range("2024-01-15 12:00", periods=12, freq="5min", tz="UTC")
    hours = pd.date_range("2024-01-15 12:00", periods=2, freq="h", tz="UTC")
    frame = pd.DataFrame(
        {
            "node": ["FIVE"] * 12 + ["HOURLY"] * 2,
            "time": list(times) + list(hours),
            PRICE: [*np.arange(1.0, 13.0), 40.0, 41.0],
        }
    ).set_index(["node", "time"])
    hourly = to_hourly(frame)
    assert hourly.loc[("FIVE", _utc("2024-01-15 12:00")), PRICE] == 6.5
    assert hourly.loc["HOURLY", PRICE].tolist() == [40.0, 41.0]


def test_to_hourly_rejects_steps_that_do_not_divide_an_hour() -> None:
    times = pd.date_range("2024-01-15", periods=4, freq="7min", tz="UTC")
    frame = pd.DataFrame({"node": "N", "time": times, PRICE: 1.0}).set_index(["node", "time"])
    with pytest.raises(FeedError, match="divides 1 h"):
        to_hourly(frame)


# --------------------------------------------------------------------------------------------
# DST with naive local times
# --------------------------------------------------------------------------------------------


def test_naive_local_times_on_both_2021_dst_days_map_to_the_right_utc_hours() -> None:
    """grid_dst_naive_local_2021.csv lists US/Central wall-clock hours as a chronological export
    does: 2021-03-14 has 23 (no 02:00), 2021-11-07 has 25 (01:00 twice).

    Spring: 00:00 CST = 06:00Z ... 01:00 CST = 07:00Z, 03:00 CDT = 08:00Z ... 23:00 CDT = 04:00Z.
    Fall:   00:00 CDT = 05:00Z, 01:00 CDT = 06:00Z, 01:00 CST = 07:00Z ... 23:00 CST = 05:00Z.
    Prices count up 20, 21, ... in file order, so the order in UTC proves which 01:00 is which.
    """
    prices = read_prices(DATA / "grid_dst_naive_local_2021.csv", tz="America/Chicago")
    north = prices.loc["HB_NORTH", PRICE]
    assert north.index.is_unique
    spring = north[_utc("2021-03-14 06:00") : _utc("2021-03-15 04:00")]
    fall = north[_utc("2021-11-07 05:00") : _utc("2021-11-08 05:00")]
    expected_spring = pd.date_range("2021-03-14 06:00", "2021-03-15 04:00", freq="h", tz="UTC")
    expected_fall = pd.date_range("2021-11-07 05:00", "2021-11-08 05:00", freq="h", tz="UTC")
    assert len(spring) == 23 and spring.index.equals(expected_spring)
    assert len(fall) == 25 and fall.index.equals(expected_fall)
    assert len(north) == 48
    # the repeated 01:00: first (44) is CDT = 06:00Z, second (45) is CST = 07:00Z
    assert north[_utc("2021-11-07 06:00")] == 44.0
    assert north[_utc("2021-11-07 07:00")] == 45.0
    assert (np.diff(north.to_numpy()) == 1.0).all()  # file order == time order
    # local-day counts, the way an analyst would check them
    local_days = north.tz_convert("America/Chicago").index.date
    per_day = pd.Series(1, index=local_days).groupby(level=0).size()
    assert per_day[pd.Timestamp("2021-03-14").date()] == 23
    assert per_day[pd.Timestamp("2021-11-07").date()] == 25


def test_long_file_resolves_the_repeated_hour_per_node(tmp_path: Path) -> None:
    """Two nodes interleaved; each node's own first 01:00 is CDT, its second CST."""
    path = _write(
        tmp_path,
        "long.csv",
        "time,node,price\n"
        "2021-11-07 00:00,A,1\n2021-11-07 00:00,B,10\n"
        "2021-11-07 01:00,A,2\n2021-11-07 01:00,B,20\n"
        "2021-11-07 01:00,A,3\n2021-11-07 01:00,B,30\n"
        "2021-11-07 02:00,A,4\n2021-11-07 02:00,B,40\n",
    )
    prices = read_prices(path, tz="America/Chicago")
    expected = pd.date_range("2021-11-07 05:00", periods=4, freq="h", tz="UTC")
    assert prices.loc["A"].index.equals(expected)
    assert prices.loc["A", PRICE].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert prices.loc["B", PRICE].tolist() == [10.0, 20.0, 30.0, 40.0]


def test_nonexistent_spring_forward_time_is_an_error(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "spring.csv", "hour_start,HB_NORTH\n2021-03-14 01:00,1\n2021-03-14 02:00,2\n"
    )
    with pytest.raises(FeedError, match=r"spring.csv: .*2021-03-14 02:00.*line 3.*does not exist"):
        read_prices(path, tz="America/Chicago")


def test_repeated_hour_listed_once_cannot_be_placed(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "fall.csv", "hour_start,HB_NORTH\n2021-11-07 00:00,1\n2021-11-07 01:00,2\n"
    )
    with pytest.raises(FeedError, match=r"fall.csv: .*2021-11-07 01:00.*line 3.*occurs twice"):
        read_prices(path, tz="America/Chicago")


def test_naive_local_times_without_tz_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "naive.csv", "hour_start,HB_NORTH\n2021-01-01 00:00,1\n")
    with pytest.raises(FeedError, match=r"naive.csv: .*'hour_start' have no UTC offset.*tz="):
        read_prices(path)


# --------------------------------------------------------------------------------------------
# formats and bad input
# --------------------------------------------------------------------------------------------


def test_long_parquet_with_tz_aware_times(tmp_path: Path) -> None:
    """A long Parquet file (time as tz-aware datetimes in Chicago) reads to UTC starts."""
    pytest.importorskip("pyarrow")
    times = pd.date_range("2022-12-23 00:00", periods=3, freq="h", tz="America/Chicago")
    pd.DataFrame(
        {
            "Interval Start": list(times) * 2,
            "Location": ["HB_NORTH"] * 3 + ["HB_WEST"] * 3,
            "LMP": [3000.0, 4000.0, 5000.0, 10.0, 20.0, 30.0],
        }
    ).to_parquet(tmp_path / "lmp.parquet")
    prices = read_prices(tmp_path / "lmp.parquet", nodes=["HB_NORTH"])
    assert prices.index.get_level_values("node").unique().tolist() == ["HB_NORTH"]
    assert prices.loc["HB_NORTH"].index[0] == _utc("2022-12-23 06:00")
    assert prices.loc["HB_NORTH", PRICE].tolist() == [3000.0, 4000.0, 5000.0]


def test_interior_gaps_stay_nan(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "gaps.csv",
        "time_utc,A\n2024-01-01T00:00Z,1\n2024-01-01T01:00Z,\n2024-01-01T02:00Z,3\n",
    )
    prices = read_prices(path)
    assert len(prices) == 3
    assert np.isnan(prices.loc[("A", _utc("2024-01-01 01:00")), PRICE])


def test_missing_time_column_names_the_file_and_the_columns(tmp_path: Path) -> None:
    path = _write(tmp_path, "no_time.csv", "when,HB_NORTH\n2024-01-01,1\n")
    with pytest.raises(FeedError) as info:
        read_prices(path)
    message = str(info.value)
    assert message.startswith("no_time.csv: no time column")
    assert "columns: when, HB_NORTH" in message
    with pytest.raises(
        FeedError,
        match=r"no_time.csv: time column 'stamp' not found; "
        r"columns: when, HB_NORTH",
    ):
        read_prices(path, time_column="stamp")


def test_non_numeric_price_names_file_column_line_and_value(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "bad.csv",
        "interval_start_utc,HB_NORTH,HB_WEST\n2024-01-01T00:00Z,1,2\n2024-01-01T01:00Z,abc,2\n",
    )
    with pytest.raises(FeedError) as info:
        read_prices(path)
    assert str(info.value) == (
        "bad.csv: column 'HB_NORTH' has non-numeric value 'abc' at line 3; "
        "allowed: numbers [USD/MWh], empty for missing"
    )


def test_unknown_nodes_list_the_allowed_ones(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "hubs.csv", "interval_start_utc,event,HB_NORTH,HB_WEST\n2024-01-01T00:00Z,x,1,2\n"
    )
    with pytest.raises(FeedError) as info:
        read_prices(path, nodes=["HB_NORTH", "HB_NOPE"])
    assert str(info.value) == "hubs.csv: unknown nodes ['HB_NOPE']; allowed: HB_NORTH, HB_WEST"


def test_unknown_nodes_in_a_long_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "long.csv", "time_utc,node,price\n2024-01-01T00:00Z,A,1\n")
    with pytest.raises(FeedError, match=r"long.csv: unknown nodes \['B'\]; allowed: A"):
        read_prices(path, nodes=["B"])


def test_unreadable_time_and_duplicates_are_errors(tmp_path: Path) -> None:
    bad_time = _write(tmp_path, "t.csv", "time_utc,A\n2024-01-01T00:00Z,1\nyesterday,2\n")
    with pytest.raises(FeedError, match=r"t.csv: cannot read time 'yesterday' .* line 3"):
        read_prices(bad_time)
    dup = _write(tmp_path, "d.csv", "time_utc,A\n2024-01-01T00:00Z,1\n2024-01-01T00:00Z,2\n")
    with pytest.raises(
        FeedError,
        match=r"d.csv: node 'A' has two rows for 2024-01-01 00:00 UTC "
        r"\(line 2 and line 3\)",
    ):
        read_prices(dup)


def test_price_outside_the_schema_range_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "r.csv", "time_utc,A\n2024-01-01T00:00Z,250000\n")
    with pytest.raises(FeedError, match="outside"):
        read_prices(path)


# --------------------------------------------------------------------------------------------
# gridstatus adapter
# --------------------------------------------------------------------------------------------


def test_gridstatus_missing_names_the_feed_and_the_install_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "gridstatus", None)  # import now raises ImportError
    with pytest.raises(FeedError) as info:
        get_iso_prices("ercot", "2024-01-01", "2024-01-02")
    assert str(info.value) == (
        "gridstatus ercot prices: the optional package gridstatus is not installed; "
        "pip install 'mining-fleet-planner[grid]'"
    )
    with pytest.raises(FeedError, match=r"gridstatus ercot load: .*\[grid\]"):
        get_iso_load("ercot", "2024-01-01", "2024-01-02")


def _fake_gridstatus(calls: list[tuple[str, dict[str, Any]]]) -> types.ModuleType:
    """A stand-in with gridstatus's surface: get_iso(id)() -> client with get_spp/get_load."""
    starts = pd.date_range("2024-01-15 00:00", periods=2, freq="15min", tz="US/Central")

    class Ercot:
        def get_spp(self, **kwargs: Any) -> pd.DataFrame:
            calls.append(("get_spp", kwargs))
            return pd.DataFrame(
                {
                    "Time": starts,
                    "Interval Start": starts,
                    "Interval End": starts,
                    "Location": ["HB_NORTH", "HB_NORTH"],
                    "Location Type": "Trading Hub",
                    "Market": "REAL_TIME_15_MIN",
                    "SPP": [25.5, 30.25],
                }
            )

        def get_load(self, **kwargs: Any) -> pd.DataFrame:
            calls.append(("get_load", kwargs))
            return pd.DataFrame(
                {
                    "Time": starts,
                    "Interval Start": starts,
                    "Interval End": starts,
                    "Load": [60_000.0, 61_000.0],
                }
            )

    module = types.ModuleType("gridstatus")

    def get_iso(iso_id: str) -> type:
        if iso_id != "ercot":
            raise KeyError(iso_id)
        return Ercot

    module.get_iso = get_iso  # type: ignore[attr-defined]
    return module


def test_gridstatus_frames_are_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setitem(sys.modules, "gridstatus", _fake_gridstatus(calls))
    prices = get_iso_prices("ERCOT", "2024-01-15", "2024-01-16")
    assert calls[0] == (
        "get_spp",
        {
            "date": "2024-01-15",
            "end": "2024-01-16",
            "market": "REAL_TIME_15_MIN",
            "location_type": "Trading Hub",
        },
    )
    assert prices.loc["HB_NORTH", PRICE].tolist() == [25.5, 30.25]
    assert prices.loc["HB_NORTH"].index[0] == _utc("2024-01-15 06:00")  # 00:00 CST
    load = get_iso_load("ercot", "2024-01-15", "2024-01-16")
    assert load.loc[("ERCOT", _utc("2024-01-15 06:15")), "load_mw"] == 61_000.0
    with pytest.raises(FeedError, match=r"unknown ISO 'nowhere'; allowed: ercot"):
        get_iso_prices("nowhere", "2024-01-15", "2024-01-16")


def test_interval_length_and_ends_to_starts_per_series() -> None:
    # HB_X: 15-minute ends 00:15, 00:30, 00:45, 01:15 (a gap): the most common step is 15 min.
    # LZ_Y: hourly ends 01:00, 02:00. Each series shifts back by its own step.
    ends = ["00:15", "00:30", "00:45", "01:15", "01:00", "02:00"]
    t = pd.to_datetime([f"2024-01-01 {e}" for e in ends]).tz_localize("UTC")
    frame = pd.DataFrame({"node": ["HB_X"] * 4 + ["LZ_Y"] * 2, "time": t})
    assert most_common_step(frame["time"][:4]) == pd.Timedelta(minutes=15)
    assert most_common_step(frame["time"][:1]) is None
    starts = ends_to_starts(frame, "node", "interval_end_utc", "test")
    assert list(starts.dt.strftime("%H:%M")) == [
        "00:00",
        "00:15",
        "00:30",
        "01:00",
        "00:00",
        "01:00",
    ]
    with pytest.raises(FeedError, match=r"node 'HB_X' has a single time"):
        ends_to_starts(frame.iloc[[0, 4, 5]], "node", "interval_end_utc", "test")
