"""The feeds: everything the planner knows about the outside world for one horizon.

:func:`fetch_feeds` gathers weather, alerts, prices, load, market and outage hazards for a fleet in
one of three modes and returns one :class:`Feeds` bundle of canonical frames:

``offline``
    The seeded synthetic generator (:mod:`weather.synthetic`) and the packaged OE-417 hazard
    table (:mod:`planner.world.hazards`). Never touches the network; the same seed gives the same
    numbers.
``live``
    Open-Meteo weather: the archive for days more than :data:`RECENT_PAST_DAYS` before today, the
    forecast for the rest, at most :data:`MAX_FORECAST_DAYS` days ahead, and ensemble members
    when the horizon reaches the future; NWS alerts at U.S. sites; prices and load from the files
    in :class:`FeedSources` (or gridstatus); hazards fitted to a configured OE-417 file. Every
    HTTP answer goes through :mod:`weather.http` and lands in its SQLite cache.
``cache``
    Like ``live``, but every HTTP answer comes from that cache (an offline :mod:`weather.http`
    session); no socket is opened.

Fallback rules, recorded per feed in :attr:`Feeds.freshness` and as lines in :attr:`Feeds.notes`:

- a live HTTP feed that fails falls back to the newest cached answer for the same endpoint and
  sites that passes the gap limits below and is at most ``max_stale_hours`` old (status
  ``stale``); an older answer, or none, raises :class:`~planner.errors.FeedError` naming the feed
  and the reason. Cache mode applies the same rule to every HTTP feed (``fresh`` while the answer
  is within its normal HTTP expiry, ``stale`` after).
- a weather answer (forecast, archive, ensemble) lacking, at any site, more than
  ``max_gap_hours`` hours in a row (default 6) or more than ``max_missing_share`` of the hours
  (default 10 %) is refused like a failed one, and is not kept in the cache (the answer it
  replaced there is put back); within the limits its missing hours are interpolated, counted per
  site in the feed's :attr:`Freshness.filled_hours` and named in a ``FILLED`` note (see
  :mod:`planner.world.feeds.gaps` for how the limits were chosen).
- the ensemble and the NWS alerts are optional: when one fails with no usable cached answer it is
  ``missing`` (the reason in :attr:`Freshness.detail` and a ``MISSING`` note), not an error; the
  scenarios spread around the deterministic forecast, and the run has no alert context.
- hours a price or load file does not cover are filled by weekly persistence (:func:`persist`),
  counted in :attr:`Freshness.filled_hours` (no limit: beyond the file's last hour persistence is
  the forecast itself); a node or area with no configured source gets synthetic values driven
  by the fetched weather (status ``fallback``). The market path (BTC price, network hashrate)
  is synthetic in every mode.
- NWS alerts are fetched only for sites in U.S. time zones (:func:`is_us_site`) and only when the
  horizon reaches the present (NWS serves active alerts only).
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from planner.domain.fleet import Fleet
from planner.inputs import check_choice, check_hours, check_seed, parse_start
from planner.world.feeds.arrays import (
    SEVERE,
    FleetHours,
    fleet_hours,
    hashprice_hourly,
    site_hours,
)
from planner.world.feeds.bundle import FEED_MODES, FeedMode, Feeds
from planner.world.feeds.fill import persist
from planner.world.feeds.live import MAX_FORECAST_DAYS, RECENT_PAST_DAYS, LiveRun, is_us_site
from planner.world.feeds.sources import (
    APP_NAME,
    CACHE_DIR_ENV,
    DEFAULT_MAX_STALE_HOURS,
    FeedSources,
    Freshness,
    FreshnessStatus,
    default_cache_dir,
    default_data_dir,
    env_sources,
)
from planner.world.hazards import fleet_hazards, packaged_hazard_table
from weather import synthetic

__all__ = [
    "APP_NAME",
    "CACHE_DIR_ENV",
    "DEFAULT_MAX_STALE_HOURS",
    "FEED_MODES",
    "MAX_FORECAST_DAYS",
    "RECENT_PAST_DAYS",
    "SEVERE",
    "FeedMode",
    "FeedSources",
    "Feeds",
    "FleetHours",
    "Freshness",
    "FreshnessStatus",
    "default_cache_dir",
    "default_data_dir",
    "env_sources",
    "fetch_feeds",
    "fleet_hours",
    "hashprice_hourly",
    "is_us_site",
    "persist",
    "site_hours",
]


def fetch_feeds(
    fleet: Fleet,
    start: pd.Timestamp | str,
    hours: int,
    mode: FeedMode = "offline",
    *,
    seed: int = 7,
    storms: synthetic.StormSettings | None = None,
    sources: FeedSources | None = None,
    now: pd.Timestamp | datetime | str | None = None,
) -> Feeds:
    """Gather the feeds for ``fleet`` over ``hours`` hourly intervals from ``start``.

    Parameters
    ----------
    fleet
        The fleet whose sites, nodes and grids need feeds.
    start
        First interval start: ISO 8601 (``2025-01-10``, ``2025-01-10T06:00Z``) or a timestamp,
        UTC if naive, from 2009-01-04 to one year after today (:func:`planner.inputs.parse_start`).
    hours
        Horizon length [h], 24 .. 87,600 (:func:`planner.inputs.check_hours`).
    mode
        ``offline`` (seeded generator, no network), ``live`` (providers, the cache as fallback)
        or ``cache`` (the HTTP cache only); see the module docstring.
    seed
        Seed of the synthetic generator and of every synthetic fallback, in ``[0, 2**32)``.
    storms
        Cold snap and heat wave settings of the synthetic generator (offline mode).
    sources
        Files, endpoints, cache directory and staleness limit for the live and cache modes;
        default ``FeedSources()``. Offline mode ignores them.
    now
        The current time (UTC if naive); default the system clock. It splits the horizon into
        archive and forecast days and dates cached answers.

    Returns
    -------
    Feeds

    Raises
    ------
    ConfigError
        Unknown mode, a start, horizon or seed out of range (the message names the parameter),
        or a live horizon beyond the forecast range.
    FeedError
        A required feed failed with no cached answer young enough (the message names the feed
        and the reason), or a configured file is unreadable.
    """
    check_choice(mode, "mode", FEED_MODES)
    start = parse_start(start, now=now)
    hours = check_hours(hours)
    seed = check_seed(seed)
    if mode == "offline":
        return _offline_feeds(fleet, start, hours, seed, storms)
    return LiveRun(fleet, start, hours, mode, seed, sources or FeedSources(), now).feeds()


def _offline_feeds(
    fleet: Fleet,
    start: pd.Timestamp | str,
    hours: int,
    seed: int,
    storms: synthetic.StormSettings | None,
) -> Feeds:
    """The seeded synthetic world and the packaged hazard table.

    The weather is drawn from :data:`weather.synthetic.PRICE_HISTORY_HOURS` before ``start`` so
    that the first hours' prices see their whole trailing window: every value then depends on
    the seed and its calendar hour alone, not on where the horizon starts.
    """
    times = synthetic.hourly_index(start, hours)
    lead = synthetic.PRICE_HISTORY_HOURS
    locations = [synthetic.Location(s.id, s.latitude, s.longitude, s.timezone) for s in fleet.sites]
    history = synthetic.synthetic_weather(
        locations, times[0] - pd.Timedelta(hours=lead), hours + lead, seed, storms
    )
    nodes = {s.id: s.grid.node for s in fleet.sites}
    prices = _from(synthetic.synthetic_prices(history, locations, nodes, seed), times[0])
    weather = _from(history, times[0])
    areas: dict[str, list[str]] = {}
    for s in fleet.sites:
        areas.setdefault(s.grid.iso, []).append(s.id)
    table = packaged_hazard_table()
    hazards, hazard_notes = fleet_hazards(fleet.sites, table)
    generator = Freshness("fallback", f"synthetic generator (seed {seed})")
    return Feeds(
        times=times,
        weather=weather,
        prices=prices,
        load=synthetic.synthetic_load(weather, areas, seed),
        market=synthetic.synthetic_market(start, hours, seed),
        mode="offline",
        notes=(f"Offline synthetic feeds (seed {seed}); no network was used.", *hazard_notes),
        hazards=hazards,
        freshness={
            "weather": generator,
            "prices": generator,
            "load": generator,
            "market": generator,
            "outage hazards": Freshness("fallback", table.source),
        },
    )


def _from(frame: pd.DataFrame, first: pd.Timestamp) -> pd.DataFrame:
    """The rows of a canonical ``(key, time)`` frame from ``first`` on."""
    kept = frame[frame.index.get_level_values("time") >= first]
    return kept.set_axis(kept.index.remove_unused_levels(), axis=0)
