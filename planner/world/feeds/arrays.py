"""The feeds as hourly arrays at one site: temperature, price, hashprice, 4CP, alerts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.domain import economics
from planner.domain.fleet import Fleet, Site
from planner.domain.ledger import DR_TRIGGER_USD_PER_MWH, SiteHours
from planner.world.feeds.bundle import Feeds

__all__ = [
    "SEVERE",
    "FleetHours",
    "fleet_hours",
    "hashprice_before",
    "hashprice_hourly",
    "site_hours",
]


def hashprice_hourly(fleet: Fleet, feeds: Feeds) -> np.ndarray:
    """Hashprice for each hour of the horizon from the daily market path [USD/(TH/s day)]."""
    daily = feeds.market.reindex(feeds.times.floor("D"), method="ffill")
    return economics.hashprice_usd_per_th_day(
        daily["btc_price_usd"].to_numpy(),
        network_hashrate_eh_s=daily["network_hashrate_eh_s"].to_numpy(),
        subsidy_btc=economics.block_subsidy_btc_at(feeds.times),
        fee_share=fleet.market.fee_share,
        pool_fee=fleet.market.pool_fee,
    )


def hashprice_before(fleet: Fleet, feeds: Feeds) -> float:
    """Hashprice of the last UTC day closed before the horizon [USD/(TH/s day)].

    From the market frame's row of the day before the horizon's first day; NaN when the frame
    starts on that day (the synthetic market, whose first day is its given starting level).
    """
    first_day = feeds.times[0].floor("D")
    earlier = feeds.market[feeds.market.index < first_day]
    if earlier.empty:
        return float("nan")
    row = earlier.iloc[-1]
    return float(
        economics.hashprice_usd_per_th_day(
            float(row["btc_price_usd"]),
            network_hashrate_eh_s=float(row["network_hashrate_eh_s"]),
            subsidy_btc=economics.block_subsidy_btc_at(feeds.times[:1])[0],
            fee_share=fleet.market.fee_share,
            pool_fee=fleet.market.pool_fee,
        )
    )


def site_hours(fleet: Fleet, site: Site, feeds: Feeds, hashprice: np.ndarray) -> SiteHours:
    """The outside world at one site as arrays over the horizon.

    The feeds' weather is also the temperature forecast the policies read (in a replay that is
    the realised weather: a perfect forecast).
    """
    times = feeds.times
    peak, probability = _four_cp(site, feeds)
    temp = feeds.weather.xs(site.id, level="site_id")["temp_air_c"].reindex(times)
    price = feeds.prices.xs(site.grid.node, level="node")["price_usd_per_mwh"].reindex(times)
    temperature = temp.interpolate(limit_direction="both").to_numpy()
    return SiteHours(
        times=times,
        temp_air_c=temperature,
        price_usd_per_mwh=price.ffill().bfill().to_numpy(),
        hashprice_usd_per_th_day=hashprice,
        grid_available=np.ones(len(times)),
        four_cp_peak=peak,
        dr_called=price.to_numpy() >= DR_TRIGGER_USD_PER_MWH,
        four_cp_probability=probability,
        alert_active=_alert_mask(site, feeds),
        temp_forecast_c=temperature,
        hashprice_before_usd_per_th_day=hashprice_before(fleet, feeds),
    )


@dataclass(frozen=True, eq=False)
class FleetHours:
    """The outside world at every site of a fleet, ``(sites, hours)`` arrays in fleet order.

    The same values as :func:`site_hours` of each site, computed once per grid node, grid area
    and time zone rather than once per site.

    Attributes
    ----------
    temp_air_c
        Temperature, gaps interpolated [degC].
    price_usd_per_mwh
        Real-time price at the site's node, gaps filled forward then backward [USD/MWh].
    four_cp_peak
        Whether the hour is a June-September monthly peak of the site's grid.
    four_cp_probability
        The forecast chance that the hour is such a peak (0 where none was made) [-].
    alert_active
        Whether a severe or extreme alert covers the site.
    """

    temp_air_c: np.ndarray
    price_usd_per_mwh: np.ndarray
    four_cp_peak: np.ndarray
    four_cp_probability: np.ndarray
    alert_active: np.ndarray


def fleet_hours(fleet: Fleet, feeds: Feeds) -> FleetHours:
    """Every site's hourly arrays at once (:class:`FleetHours`): what the scenario generator
    spreads its draws around.

    Temperatures come out of the weather frame in one reindex; prices once per node and 4CP once
    per grid area and time zone, however many sites share them.
    """
    times = feeds.times
    n = len(times)
    ids = [s.id for s in fleet.sites]  # not fleet.site_ids: a copied fleet may keep the old one
    weather = feeds.weather["temp_air_c"]
    wanted = pd.MultiIndex.from_product([ids, times], names=weather.index.names)
    temp = weather.reindex(wanted).to_numpy(dtype=float).reshape(len(ids), n)
    if np.isnan(temp).any():
        temp = pd.DataFrame(temp).interpolate(axis=1, limit_direction="both").to_numpy()
    prices: dict[str, np.ndarray] = {}
    four_cp: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    for site in fleet.sites:
        if site.grid.node not in prices:
            node = feeds.prices.xs(site.grid.node, level="node")["price_usd_per_mwh"]
            prices[site.grid.node] = node.reindex(times).ffill().bfill().to_numpy()
        key = (site.grid.iso, site.timezone)
        if key not in four_cp:
            four_cp[key] = _four_cp(site, feeds)
    alerts = feeds.alerts
    alerted = set(alerts.loc[alerts["severity"].isin(SEVERE), "site_id"])
    none = np.zeros(n, dtype=bool)
    return FleetHours(
        temp_air_c=temp,
        price_usd_per_mwh=np.array([prices[s.grid.node] for s in fleet.sites]),
        four_cp_peak=np.array([four_cp[(s.grid.iso, s.timezone)][0] for s in fleet.sites]),
        four_cp_probability=np.array([four_cp[(s.grid.iso, s.timezone)][1] for s in fleet.sites]),
        alert_active=np.array(
            [_alert_mask(s, feeds) if s.id in alerted else none for s in fleet.sites]
        ),
    )


def _four_cp(site: Site, feeds: Feeds) -> tuple[np.ndarray, np.ndarray]:
    """Which hours are June-September monthly peaks of the site's grid (the billing truth, from
    the feeds' load), and the forecast chance issued before each day (:attr:`Feeds.four_cp`;
    0 where none was made)."""
    n = len(feeds.times)
    chance = np.zeros(n)
    if site.grid.iso in feeds.four_cp.index.unique(level="area"):
        given = feeds.four_cp.xs(site.grid.iso, level="area")["four_cp_probability"]
        chance = given.reindex(feeds.times).fillna(0.0).to_numpy()
    if site.grid.iso not in feeds.load.index.unique(level="area"):
        return np.zeros(n, dtype=bool), chance
    load = feeds.load.xs(site.grid.iso, level="area")["load_mw"].reindex(feeds.times)
    peaks = economics.four_cp_peak_hours(load.dropna(), tz=site.timezone)
    return np.asarray(feeds.times.isin(peaks)), chance


#: Alert severities that count as a threat to a site.
SEVERE = ("Severe", "Extreme")


def _alert_mask(site: Site, feeds: Feeds) -> np.ndarray:
    """Hours a severe or extreme alert covers the site (open alerts run to the horizon's end)."""
    mask = np.zeros(len(feeds.times), dtype=bool)
    alerts = feeds.alerts
    alerts = alerts[(alerts["site_id"] == site.id) & alerts["severity"].isin(SEVERE)]
    hour = pd.Timedelta(hours=1)
    for start, end in zip(alerts["start"], alerts["end"], strict=True):
        stop = feeds.times[-1] + hour if pd.isna(end) else end
        mask |= np.asarray((feeds.times + hour > start) & (feeds.times < stop))
    return mask
