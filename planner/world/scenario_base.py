"""The centre scenarios spread around: the feeds as ``(sites, hours)`` arrays, computed once.

:class:`BaseArrays` holds what every draw of :mod:`planner.world.scenarios` reads and never
changes: the feeds' temperature, prices, hashprice, 4CP and alerts at every site, where the hours
sit on the calendar, each site's local hour and the grid stress of the feed's own weather.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.domain.fleet import Fleet
from planner.world.feeds import Feeds, fleet_hours, hashprice_hourly
from planner.world.feeds.arrays import hashprice_before
from weather import draws
from weather.climate import grid_stress


@dataclass(frozen=True, eq=False)
class BaseArrays:
    """The feeds as ``(sites, hours)`` arrays: the centre the scenarios spread around."""

    site_ids: tuple[str, ...]
    times: pd.DatetimeIndex
    hours: draws.Hours  # where the times sit on the calendar
    temp: np.ndarray
    price: np.ndarray
    hashprice: np.ndarray
    btc_price: np.ndarray
    four_cp_peak: np.ndarray
    four_cp_probability: np.ndarray
    alert_active: np.ndarray
    members: np.ndarray | None  # (members, sites, hours) ensemble temperatures, if any
    latitudes: np.ndarray  # (sites,) [deg]
    local_hours: np.ndarray  # (sites, hours) local hour of day [h]
    stress: np.ndarray  # (sites, hours) grid stress of the feed's weather [-]
    hashprice_before: float  # of the last day closed before the horizon (NaN: not in the feeds)
    quantiles: np.ndarray | None  # (sites, hours, levels) price quantiles (NaN: none for a site)
    levels: np.ndarray | None  # their levels

    @classmethod
    def from_feeds(cls, fleet: Fleet, feeds: Feeds, hours: int) -> BaseArrays:
        hashprice = hashprice_hourly(fleet, feeds)
        arrays = fleet_hours(fleet, feeds)
        times = feeds.times[:hours]
        daily_btc = feeds.market["btc_price_usd"].reindex(times.floor("D"), method="ffill")
        temp = arrays.temp_air_c[:, :hours]
        latitudes = np.array([s.latitude for s in fleet.sites])
        zones = {s.timezone for s in fleet.sites}
        hour_in = {zone: np.asarray(times.tz_convert(zone).hour) for zone in zones}
        local_hours = np.array([hour_in[s.timezone] for s in fleet.sites])
        return cls(
            site_ids=fleet.site_ids,
            times=times,
            hours=draws.Hours.of(times),
            temp=temp,
            price=arrays.price_usd_per_mwh[:, :hours],
            hashprice=hashprice[:hours],
            btc_price=daily_btc.to_numpy(),
            four_cp_peak=arrays.four_cp_peak[:, :hours],
            four_cp_probability=arrays.four_cp_probability[:, :hours],
            alert_active=arrays.alert_active[:, :hours],
            members=ensemble_members(fleet, feeds, times),
            latitudes=latitudes,
            local_hours=local_hours,
            stress=fleet_stress(temp, latitudes, local_hours),
            hashprice_before=hashprice_before(fleet, feeds),
            **price_quantiles(fleet, feeds, times),
        )


def price_quantiles(
    fleet: Fleet, feeds: Feeds, times: pd.DatetimeIndex
) -> dict[str, np.ndarray | None]:
    """The feeds' price quantiles as ``(sites, hours, levels)`` (NaN where a node has none)."""
    frame = feeds.price_quantiles
    if frame is None or frame.empty:
        return {"quantiles": None, "levels": None}
    levels = np.array([float(c) for c in frame.columns])
    nodes = set(frame.index.get_level_values("node"))
    out = np.full((len(fleet.sites), len(times), len(levels)), np.nan)
    for i, site in enumerate(fleet.sites):
        if site.grid.node in nodes:
            out[i] = frame.xs(site.grid.node, level="node").reindex(times).to_numpy(dtype=float)
    return {"quantiles": out, "levels": levels}


def ensemble_members(fleet: Fleet, feeds: Feeds, times: pd.DatetimeIndex) -> np.ndarray | None:
    if "member" not in (feeds.ensemble.index.names if feeds.ensemble is not None else []):
        return None
    assert feeds.ensemble is not None
    temp = feeds.ensemble["temp_air_c"].unstack("time").reindex(columns=times)
    members = sorted(temp.index.get_level_values("member").unique())
    return np.array(
        [
            [
                temp.loc[(s.id, m)].interpolate(limit_direction="both").to_numpy()
                for s in fleet.sites
            ]
            for m in members
        ]
    )


def fleet_stress(temp: np.ndarray, latitudes: np.ndarray, local_hours: np.ndarray) -> np.ndarray:
    """Grid stress of every site, hour by hour (:func:`weather.climate.grid_stress`) [-]."""
    return grid_stress(temp, latitudes[:, None], local_hours)
