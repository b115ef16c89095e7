"""A historical window read from files into one :class:`~planner.world.feeds.Feeds` bundle (mode
``replay``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from planner.domain.fleet import Fleet
from planner.errors import ConfigError, FeedError
from planner.inputs import parse_start
from planner.world.feeds import Feeds, Freshness
from planner.world.hazards import fleet_hazards, hazard_table_from_events, packaged_hazard_table
from planner.world.replay.files import ReplayFiles
from planner.world.replay.four_cp import replay_four_cp
from planner.world.replay.weather import (
    MAX_HOUR_LOCAL,
    MIN_HOUR_LOCAL,
    daily_sources,
    hourly_sources,
    read_daily_temperatures,
    read_hourly_temperatures,
    site_temperature,
)
from weather.grid import read_load, read_prices, to_hourly
from weather.outages import read_oe417
from weather.schema import empty_events, validate

__all__ = [
    "DEFAULT_HOURLY_RADIUS_KM",
    "MAX_PRICE_GAP_HOURS",
    "read_btc_market",
    "read_replay_feeds",
    "replay_window",
]

#: Farthest hourly station a site uses before it prefers a daily location [km].
DEFAULT_HOURLY_RADIUS_KM = 150.0
#: Longest run of missing hourly prices filled from the nearest hour; longer gaps are errors [h].
MAX_PRICE_GAP_HOURS = 6
_HOUR = pd.Timedelta(hours=1)


def replay_window(
    start: str | pd.Timestamp, end: str | pd.Timestamp
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The window ``[start, end)`` in UTC; a date-only ``end`` includes that whole day.

    Parameters
    ----------
    start, end
        ISO 8601 dates or hours, or timestamps, UTC if naive (``"2021-02-07"``, ``"2021-02-24"``
        is 18 days); see :func:`planner.inputs.parse_start` for the forms and the range.

    Raises
    ------
    ConfigError
        A start or end in another form or out of range (the message names it), or a window
        shorter than 24 h.
    """
    lo = parse_start(start, "start")
    hi = parse_start(end, "end")
    if isinstance(end, str) and len(end.strip()) == 10:  # YYYY-MM-DD: the whole day
        hi = hi + pd.Timedelta(days=1)
    lo, hi = lo.floor("h"), hi.ceil("h")
    if hi - lo < pd.Timedelta(hours=24):
        raise ConfigError(
            "replay window",
            f"must be at least 24 h, got {lo:%Y-%m-%d %H:%M} .. {hi:%Y-%m-%d %H:%M}",
        )
    return lo, hi


def read_replay_feeds(
    fleet: Fleet,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    files: ReplayFiles,
    *,
    hourly_radius_km: float = DEFAULT_HOURLY_RADIUS_KM,
    site_share: float | None = None,
) -> Feeds:
    """Read a historical window for ``fleet`` from files.

    Parameters
    ----------
    fleet
        The fleet; every site's ``grid.node`` must be in the prices file.
    start, end
        The window (see :func:`replay_window`).
    files
        The files.
    hourly_radius_km
        Farthest hourly weather station a site prefers to a daily location [km].
    site_share
        Share of its NERC region's OE-417 reports a site sees [-]; default the packaged one.

    Returns
    -------
    Feeds
        ``mode="replay"``; ``freshness`` names each file (``fresh``: recorded data;
        ``fallback`` for temperatures rebuilt from daily extremes); ``notes`` say which source
        each site's weather came from; ``four_cp`` holds the day-ahead 4CP peak chance in
        June-September windows with a load and a daily temperature file
        (:func:`planner.world.replay.replay_four_cp`).

    Raises
    ------
    FeedError
        A file that cannot be read, lacks a node or area, or does not cover the window.
    ConfigError
        A bad window.
    """
    lo, hi = replay_window(start, end)
    times = pd.date_range(lo, hi - _HOUR, freq="h", name="time")
    freshness: dict[str, Freshness] = {}
    notes = [
        f"Replay of {lo:%Y-%m-%d %H:%M} .. {hi:%Y-%m-%d %H:%M} UTC ({len(times)} h) from "
        "historical files; no network was used."
    ]
    prices = _prices(fleet, files, times, freshness, notes)
    weather = _weather(fleet, files, times, hourly_radius_km, freshness, notes)
    market = read_btc_market(files.btc, times)
    freshness["market"] = _recorded(files.btc)
    notes.append(
        f"Market: BTC close and network hashrate from {files.btc.name}; fees as "
        f"{fleet.market.fee_share:.0%} of the block reward (fleet market.fee_share)."
    )
    load = _load(fleet, files, times, freshness, notes)
    four_cp, four_cp_notes = replay_four_cp(fleet, files, times)
    notes.extend(four_cp_notes)
    hazards, outages = _outages(fleet, files, times, site_share, freshness, notes)
    return Feeds(
        times=times,
        weather=weather,
        prices=prices,
        load=load,
        market=market,
        alerts=empty_events(),
        outages=outages,
        mode="replay",
        notes=tuple(notes),
        hazards=hazards,
        freshness=freshness,
        four_cp=four_cp,
    )


def read_btc_market(path: Path, times: pd.DatetimeIndex) -> pd.DataFrame:
    """Daily BTC price and network hashrate over ``times`` from the BTC network file.

    Parameters
    ----------
    path
        CSV with ``date_utc``, ``btc_close_usd`` [USD/BTC] and ``hashrate_eh_s`` [EH/s].
    times
        Hourly interval starts, UTC.

    Returns
    -------
    pandas.DataFrame
        Indexed by UTC day (``time``): ``btc_price_usd``, ``network_hashrate_eh_s``, from the day
        before the window's first (the last day closed when the window starts) to its last.

    Raises
    ------
    FeedError
        Missing columns, non-positive values or days of the window (or the day before) missing.
    """
    feed = path.name
    try:
        raw = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise FeedError(feed, f"cannot read {path}: {exc}") from None
    needed = ["date_utc", "btc_close_usd", "hashrate_eh_s"]
    missing = [c for c in needed if c not in raw.columns]
    if missing:
        raise FeedError(feed, f"missing columns {missing}; columns: {list(raw.columns)}")
    try:
        days = pd.DatetimeIndex(pd.to_datetime(raw["date_utc"], utc=True), name="time")
        table = pd.DataFrame(
            {
                "btc_price_usd": pd.to_numeric(raw["btc_close_usd"]).to_numpy(dtype=float),
                "network_hashrate_eh_s": pd.to_numeric(raw["hashrate_eh_s"]).to_numpy(dtype=float),
            },
            index=days,
        )
    except (ValueError, TypeError) as exc:
        raise FeedError(feed, f"unreadable value: {exc}") from None
    first = times[0].floor("D") - pd.Timedelta(days=1)  # the day before: known at the start
    wanted = pd.date_range(first, times[-1].floor("D"), freq="D", name="time")
    window = table[~table.index.duplicated()].reindex(wanted)
    if window.isna().any().any():
        gone = wanted[window.isna().any(axis=1).to_numpy()]
        raise FeedError(
            feed, f"no BTC data for {len(gone)} day(s) of the window, first {gone[0]:%Y-%m-%d}"
        )
    if (window <= 0).any().any():
        raise FeedError(feed, "BTC price and network hashrate must be > 0 in the window")
    return window


# ------------------------------------------------------------------------------------ helpers


def _recorded(path: Path, status: str = "fresh") -> Freshness:
    fetched = pd.Timestamp(datetime.fromtimestamp(path.stat().st_mtime, UTC))
    return Freshness(status, f"{path} (historical file)", fetched)  # type: ignore[arg-type]


def _prices(
    fleet: Fleet,
    files: ReplayFiles,
    times: pd.DatetimeIndex,
    freshness: dict[str, Freshness],
    notes: list[str],
) -> pd.DataFrame:
    nodes = sorted({s.grid.node for s in fleet.sites})
    frame = to_hourly(read_prices(files.prices, nodes=nodes, tz=files.prices_tz))
    parts = []
    for node in nodes:
        series = frame.xs(node, level="node")["price_usd_per_mwh"].reindex(times)
        if series.isna().all():
            have = frame.xs(node, level="node").index
            raise FeedError(
                files.prices.name,
                f"node {node} has no prices in the window (file covers "
                f"{have.min():%Y-%m-%d} .. {have.max():%Y-%m-%d})",
            )
        gaps = int(series.isna().sum())
        if gaps:
            missing = series.isna()
            run = missing.groupby((~missing).cumsum()).sum().max()
            if run > MAX_PRICE_GAP_HOURS:
                first = series.index[missing.to_numpy()][0]
                raise FeedError(
                    files.prices.name,
                    f"node {node}: {gaps} hour(s) of the window have no price, {run} in a row "
                    f"(more than {MAX_PRICE_GAP_HOURS}), first {first:%Y-%m-%d %H:%M} UTC",
                )
            notes.append(f"Prices {node}: {gaps} missing hour(s) filled from the nearest hour.")
            series = series.ffill().bfill()
        parts.append(
            pd.DataFrame({"price_usd_per_mwh": series.to_numpy()}, index=_keys(node, times, "node"))
        )
        freshness[f"prices {node}"] = _recorded(files.prices)
    return validate(pd.concat(parts), "prices", files.prices.name)


def _weather(
    fleet: Fleet,
    files: ReplayFiles,
    times: pd.DatetimeIndex,
    radius_km: float,
    freshness: dict[str, Freshness],
    notes: list[str],
) -> pd.DataFrame:
    hourly = daily = None
    if files.weather_hourly is not None:
        table = read_hourly_temperatures(files.weather_hourly)
        hourly = (table, hourly_sources(table, files.weather_hourly, files.stations))
    if files.weather_daily is not None:
        days = read_daily_temperatures(files.weather_daily)
        daily = (days, daily_sources(days, files.weather_daily))
    parts = []
    for site in fleet.sites:
        temp, source, km = site_temperature(site, times, hourly, daily, radius_km)
        parts.append(pd.DataFrame({"temp_air_c": temp}, index=_keys(site.id, times, "site_id")))
        if source.kind == "hourly":
            how = f"hourly station {source.name} ({source.path.name})"
            freshness[f"weather {site.id}"] = _recorded(source.path)
        else:
            how = (
                f"{source.name} daily min/max ({source.path.name}) rebuilt hour by hour: min at "
                f"{MIN_HOUR_LOCAL:02.0f}:00, max at {MAX_HOUR_LOCAL:02.0f}:00 local"
            )
            freshness[f"weather {site.id}"] = _recorded(source.path, "fallback")
        notes.append(f"Weather {site.id}: {how}, {km:,.0f} km away; min {np.min(temp):.1f} °C.")
    return validate(pd.concat(parts), "weather", "replay weather")


def _load(
    fleet: Fleet,
    files: ReplayFiles,
    times: pd.DatetimeIndex,
    freshness: dict[str, Freshness],
    notes: list[str],
) -> pd.DataFrame:
    empty = pd.DataFrame(
        {"load_mw": np.zeros(0)},
        index=pd.MultiIndex.from_arrays(
            [np.array([], dtype=object), pd.DatetimeIndex([], tz="UTC")], names=["area", "time"]
        ),
    )
    if files.load is None:
        return empty
    isos = sorted({s.grid.iso for s in fleet.sites})
    try:  # only the fleet's areas (fast); a file without some of them is read whole
        frame = read_load(files.load, areas=isos, tz=files.load_tz)
    except FeedError:
        frame = read_load(files.load, tz=files.load_tz)
    have = set(frame.index.get_level_values("area"))
    parts = []
    for iso in isos:
        if iso not in have:
            notes.append(f"Load: {files.load.name} has no area {iso}; no 4CP peaks there.")
            continue
        series = frame.xs(iso, level="area")["load_mw"].reindex(times)
        if series.isna().all():
            notes.append(f"Load {iso}: no hours in the window; no 4CP peaks there.")
            continue
        series = series.interpolate(limit_direction="both")
        parts.append(pd.DataFrame({"load_mw": series.to_numpy()}, index=_keys(iso, times, "area")))
        freshness[f"load {iso}"] = _recorded(files.load)
    return pd.concat(parts) if parts else empty


def _outages(
    fleet: Fleet,
    files: ReplayFiles,
    times: pd.DatetimeIndex,
    site_share: float | None,
    freshness: dict[str, Freshness],
    notes: list[str],
) -> tuple[dict, pd.DataFrame]:

    packaged = packaged_hazard_table()
    if files.outages is None:
        hazards, hazard_notes = fleet_hazards(fleet.sites, packaged, site_share=site_share)
        freshness["outage hazards"] = Freshness("fallback", packaged.source)
        notes.extend(hazard_notes)
        return hazards, empty_events()
    events = read_oe417(files.outages)
    table = hazard_table_from_events(
        events, site_share=packaged.site_share, source=files.outages.name
    )
    hazards, hazard_notes = fleet_hazards(fleet.sites, table, site_share=site_share)
    freshness["outage hazards"] = _recorded(files.outages)
    notes.extend(hazard_notes)
    regions = {s.region for s in fleet.sites if s.region}
    listed = events["nerc_region"].fillna("").str.split("/").map(lambda c: bool(regions & set(c)))
    end = times[-1] + _HOUR
    overlaps = (events["start"] < end) & (events["end"].isna() | (events["end"] > times[0]))
    chosen = events[listed.to_numpy(dtype=bool) & overlaps.to_numpy(dtype=bool)]
    if chosen.empty:
        return hazards, empty_events()
    notes.append(
        f"Outages: {len(chosen)} OE-417 reports in {', '.join(sorted(regions))} overlap the window "
        "(regional reports, listed in the report; site outages are drawn from the fitted hazard)."
    )
    return hazards, chosen.reset_index(drop=True)


def _keys(key: str, times: pd.DatetimeIndex, name: str) -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays(
        [np.full(len(times), key, dtype=object), times], names=[name, "time"]
    )
