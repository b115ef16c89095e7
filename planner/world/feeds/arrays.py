"""The feeds as hourly arrays at one site: temperature, price, hashprice, 4CP, alerts."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from planner.domain import economics
from planner.domain.fleet import Fleet, Site
from planner.domain.ledger import DR_TRIGGER_USD_PER_MWH, SiteHours
from planner.world.feeds.bundle import Feeds

__all__ = ["LOAD_FORECAST_ERROR", "SEVERE", "hashprice_hourly", "site_hours"]


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


def site_hours(fleet: Fleet, site: Site, feeds: Feeds, hashprice: np.ndarray) -> SiteHours:
    """The outside world at one site as arrays over the horizon."""
    times = feeds.times
    peak, probability = _four_cp(site, feeds)
    temp = feeds.weather.xs(site.id, level="site_id")["temp_air_c"].reindex(times)
    price = feeds.prices.xs(site.grid.node, level="node")["price_usd_per_mwh"].reindex(times)
    return SiteHours(
        times=times,
        temp_air_c=temp.interpolate(limit_direction="both").to_numpy(),
        price_usd_per_mwh=price.ffill().bfill().to_numpy(),
        hashprice_usd_per_th_day=hashprice,
        grid_available=np.ones(len(times)),
        four_cp_peak=peak,
        dr_called=price.to_numpy() >= DR_TRIGGER_USD_PER_MWH,
        four_cp_probability=probability,
        alert_active=_alert_mask(site, feeds),
    )


#: Relative error of a day-ahead system load forecast, used for 4CP peak probabilities [-].
LOAD_FORECAST_ERROR = 0.02


def _four_cp(site: Site, feeds: Feeds) -> tuple[np.ndarray, np.ndarray]:
    """Which hours are June-September monthly peaks of the site's grid, and the forecast chance.

    The chance that hour ``h`` is its month's peak, seen through a load forecast with relative
    error ``e``: ``Phi((L_h - M) / (e M) + 1)`` with ``M`` the month's forecast maximum, so the
    forecast peak hour scores 0.84 and an hour 2 % below it 0.5.
    """
    n = len(feeds.times)
    if site.grid.iso not in feeds.load.index.get_level_values("area"):
        return np.zeros(n, dtype=bool), np.zeros(n)
    load = feeds.load.xs(site.grid.iso, level="area")["load_mw"].reindex(feeds.times)
    peaks = economics.four_cp_peak_hours(load.dropna(), tz=site.timezone)
    local = feeds.times.tz_convert(site.timezone)
    month_max = load.groupby([local.year, local.month]).transform("max").to_numpy()
    z = (load.to_numpy() - month_max) / (LOAD_FORECAST_ERROR * month_max) + 1.0
    summer = np.isin(local.month, [6, 7, 8, 9])
    probability = np.where(summer, _normal_cdf(np.nan_to_num(z, nan=-10.0)), 0.0)
    return np.asarray(feeds.times.isin(peaks)), probability


def _normal_cdf(z: np.ndarray) -> np.ndarray:
    """Standard normal distribution function, elementwise."""
    return 0.5 * (1.0 + np.vectorize(math.erf)(z / math.sqrt(2.0)))


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
