"""The :class:`Feeds` bundle: canonical frames for one fleet and horizon."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from planner.world.feeds.sources import Freshness
from planner.world.hazards import OutageHazard
from weather.schema import empty_events

__all__ = ["FEED_MODES", "FeedMode", "Feeds", "empty_four_cp"]

#: How :func:`~planner.fetch_feeds` gets its data: ``live`` (the providers, through the HTTP
#: cache), ``cache`` (the HTTP cache only, no network) or ``offline`` (the seeded generator).
FeedMode = Literal["live", "cache", "offline"]
#: The feed modes, as values (:data:`FeedMode`).
FEED_MODES: tuple[str, ...] = ("live", "cache", "offline")
#: Freshness name prefix of the NWS alerts feed of a site (``nws alerts <site id>``).
ALERTS_FEED = "nws alerts "


def empty_four_cp() -> pd.DataFrame:
    """A 4CP chance frame with no rows: index ``(area, time)``, ``four_cp_probability``."""
    index = pd.MultiIndex.from_arrays(
        [pd.Index([], dtype=object), pd.DatetimeIndex([], tz="UTC")], names=["area", "time"]
    )
    return pd.DataFrame({"four_cp_probability": pd.Series([], dtype=float)}, index=index)


@dataclass(frozen=True, eq=False)
class Feeds:
    """Canonical frames for one fleet and horizon.

    Attributes
    ----------
    times
        Hourly interval starts of the horizon, UTC.
    weather
        Weather frame, index ``(site_id, time)``.
    prices
        Price frame, index ``(node, time)``.
    load
        Load frame, index ``(area, time)``; areas are ISO names (``ERCOT``).
    market
        Daily ``btc_price_usd`` and ``network_hashrate_eh_s``, indexed by UTC day.
    ensemble
        Ensemble weather, index ``(site_id, member, time)``, when the feed has members.
    alerts, outages
        Event tables (``start``, ``end``, ``site_id``, ``kind``, ``severity``, ``source``,
        ``source_id``). OE-417 outages are regional reports (``site_id`` empty).
    mode
        How the feeds were obtained (``offline`` for the seeded generator, ``live``, ``cache``).
    notes
        One line per fact a reader of a report should know (source, seed, staleness).
    hazards
        Grid outage hazard per site id, before the site's ``outage_exposure`` (see
        :mod:`planner.world.hazards`); :func:`planner.world.scenarios.make_scenarios` uses it by
        default.
    freshness
        Per feed name (``open-meteo forecast``, ``nws alerts <site>``, ``prices <node>``...),
        where its data came from and how old they are.
    four_cp
        Day-ahead chance that each hour is its month's 4CP peak, index ``(area, time)``, column
        ``four_cp_probability`` [-], issued from what was published before each day (replays:
        :func:`planner.world.replay.replay_four_cp`); empty where no forecast was made, and
        then the chance is 0.
    price_quantiles
        A price forecast as quantiles, index ``(node, time)``, one column per level (a float in
        (0, 1), increasing) [USD/MWh]; :func:`planner.world.scenarios.make_scenarios` draws the
        prices of such nodes from it.
    """

    times: pd.DatetimeIndex
    weather: pd.DataFrame
    prices: pd.DataFrame
    load: pd.DataFrame
    market: pd.DataFrame
    ensemble: pd.DataFrame | None = None
    alerts: pd.DataFrame = field(default_factory=empty_events)
    outages: pd.DataFrame = field(default_factory=empty_events)
    mode: str = "offline"
    notes: tuple[str, ...] = ()
    hazards: dict[str, OutageHazard] = field(default_factory=dict)
    freshness: Mapping[str, Freshness] = field(default_factory=dict)
    four_cp: pd.DataFrame = field(default_factory=empty_four_cp)
    price_quantiles: pd.DataFrame | None = None

    @property
    def unavailable_alerts(self) -> list[str]:
        """Sites whose NWS alerts feed failed (``missing`` with a reason): for them an empty
        :attr:`alerts` means "unknown", not "no alert"."""
        return [
            name.removeprefix(ALERTS_FEED)
            for name, f in self.freshness.items()
            if name.startswith(ALERTS_FEED) and f.status == "missing" and f.detail
        ]
