"""Replay readers: a historical window read from files into a feeds bundle.

:func:`read_replay_feeds` reads a historical window into a :class:`~planner.world.feeds.Feeds`
bundle with ``mode="replay"``; :func:`planner.ops.replay.run_replay` replays it for every
strategy with grid outages drawn from the OE-417 hazard and reports each strategy's profit,
curtailed energy and hashrate kept against the first (the baseline, ``run-through`` by default).

File formats (:class:`ReplayFiles`; :meth:`ReplayFiles.from_folder` finds them in a folder laid
out like ``../shared/data``)
-------------------------------------------------------------------------------------------------
prices (required)
    Real-time prices per node, CSV or Parquet, wide (a time column and one column per node, like
    ERCOT's ``hour_start_local, hour_start_utc, HB_HUBAVG, HB_NORTH, HB_WEST, ...``) or long;
    read by :func:`weather.grid.read_prices` (UTC column preferred, DST-safe local times,
    15-minute prices averaged to hours). Each site's ``grid.node`` must be a node of the file.
btc (required)
    Daily BTC network data: ``date_utc``, ``btc_close_usd`` [USD/BTC], ``hashrate_eh_s`` [EH/s]
    (``btc_daily_network_2020-01-01_2025-03-22.csv``). Hashprice follows from them, the block
    subsidy in force and the fleet's ``market.fee_share`` and ``pool_fee``
    (:func:`planner.domain.economics.hashprice_usd_per_th_day`).
weather_hourly
    Hourly temperatures: ``timestamp_utc`` (UTC interval start) and one ``<station>_temp_c``
    column per station [degC] (the NOAA ISD file ``tx_isd_hourly_temp_austin_dfw_houston_2021.csv``
    with ``austin``, ``dfw``, ``houston``); coordinates from :data:`ISD_STATIONS` or
    ``ReplayFiles(stations=...)``.
weather_daily
    NASA POWER daily table: ``date`` (local day), ``region``, ``latitude``, ``longitude``,
    ``temp_min_c``, ``temp_max_c`` [degC]. Hours are rebuilt by a diurnal reconstruction: the
    minimum at 06:00 and the maximum at 15:00 local time, half-cosine (sinusoidal) curves between
    successive extremes (:func:`planner.world.replay.weather.diurnal_temperature`).
load
    System load (``ercot_native_load_hourly_*.csv``, areas matched to ``grid.iso``) for 4CP peaks;
    with ``weather_daily`` its history trains the day-ahead 4CP forecaster
    (:func:`replay_four_cp`).
outages
    DOE OE-417 disturbance events (``doe_oe417_disturbance_events_2015_2023.csv``): outage hazards
    per NERC region are fitted to the whole table (:mod:`planner.world.hazards`) and its reports
    that overlap the window are listed.

Each site takes its temperature from the nearest hourly station within 150 km, else the nearest
daily location (see :mod:`planner.world.replay.weather`); the choice is a note in the bundle and the
report.
"""

from planner.world.replay.feeds import (
    DEFAULT_HOURLY_RADIUS_KM,
    read_btc_market,
    read_replay_feeds,
    replay_window,
)
from planner.world.replay.files import ISD_STATIONS, ReplayFiles
from planner.world.replay.four_cp import replay_four_cp
from planner.world.replay.weather import diurnal_temperature

__all__ = [
    "DEFAULT_HOURLY_RADIUS_KM",
    "ISD_STATIONS",
    "ReplayFiles",
    "diurnal_temperature",
    "read_btc_market",
    "read_replay_feeds",
    "replay_four_cp",
    "replay_window",
]
