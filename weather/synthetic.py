"""Seeded offline feeds: the world ``make demo`` and the tests run in when no network is wanted.

Everything here is a plain function of its arguments and a seed; the same seed gives the same
numbers. Each physical stream (temperature, prices, load, market) draws from its own child of
``numpy.random.SeedSequence(seed)`` so that adding a site or a stream does not change the others.

Temperature
    ``T = mean(lat) - amp(lat) cos(2 pi (doy - 20) / 365.25) + diurnal(local hour) + anomaly``,
    where the anomaly is a daily AR(1) shared in part across sites (a continental air mass), plus
    an optional cold snap (mid-winter, several days, Uri-like) and heat wave (mid-summer).
Prices
    A node's real-time price is a base level with a daily shape and lognormal noise, plus scarcity
    pricing that rises steeply as temperature leaves the comfortable band, plus rare random spikes,
    capped at the market's offer cap.
Load
    System load grows with cooling and heating degrees; its June-September monthly maxima are the
    4CP intervals.
Market
    BTC price follows a geometric Brownian motion; network hashrate drifts up with noise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from weather.schema import validate

FEED = "synthetic"

#: ERCOT's real-time offer cap since 2022 [USD/MWh].
PRICE_CAP_USD_PER_MWH = 5000.0


@dataclass(frozen=True)
class Location:
    """Where a site is: its id, coordinates [deg] and IANA time zone."""

    site_id: str
    latitude: float
    longitude: float
    timezone: str


@dataclass(frozen=True)
class StormSettings:
    """Shape of the extreme events the generator injects.

    Attributes
    ----------
    cold_snap_depth_c
        Peak temperature drop of the cold snap [degC]; 0 disables it.
    cold_snap_days
        Duration of the cold snap [d].
    heat_wave_rise_c
        Peak temperature rise of the heat wave [degC]; 0 disables it.
    heat_wave_days
        Duration of the heat wave [d].
    """

    cold_snap_depth_c: float = 16.0
    cold_snap_days: float = 5.0
    heat_wave_rise_c: float = 5.0
    heat_wave_days: float = 6.0


def hourly_index(start: pd.Timestamp | str, hours: int) -> pd.DatetimeIndex:
    """``hours`` UTC interval starts from ``start`` (floored to the hour)."""
    first = pd.Timestamp(start)
    first = first.tz_localize("UTC") if first.tzinfo is None else first.tz_convert("UTC")
    return pd.date_range(first.floor("h"), periods=hours, freq="h", name="time")


def _streams(seed: int, n: int) -> list[np.random.Generator]:
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(n)]


def climate_mean_c(latitude: float) -> float:
    """Annual mean air temperature for a North American latitude [degC].

    Linear in latitude through Midland TX (32 N, 18 degC) and Jamestown ND (47 N, 5 degC).
    """
    return 18.0 - 0.85 * (abs(latitude) - 32.0)


def seasonal_amplitude_c(latitude: float) -> float:
    """Half the difference between July and January mean temperature [degC]."""
    return 9.0 + 0.45 * (abs(latitude) - 30.0)


def _event_weight(times: pd.DatetimeIndex, centre: pd.Timestamp, days: float) -> np.ndarray:
    """A smooth bump (raised cosine) of width ``days`` centred on ``centre``: 1 at the centre."""
    x = (times - centre) / pd.Timedelta(days=days)
    x = np.asarray(x, dtype=float)
    return np.where(np.abs(x) < 0.5, 0.5 * (1 + np.cos(2 * np.pi * x)), 0.0)


def _event_centre(times: pd.DatetimeIndex, month_day: tuple[int, int]) -> pd.Timestamp | None:
    """The first ``month_day`` (UTC noon) inside the horizon, else ``None``."""
    for year in range(times[0].year, times[-1].year + 1):
        centre = pd.Timestamp(year=year, month=month_day[0], day=month_day[1], hour=12, tz="UTC")
        if times[0] <= centre <= times[-1]:
            return centre
    return None


def synthetic_weather(
    locations: Sequence[Location],
    start: pd.Timestamp | str,
    hours: int,
    seed: int,
    storms: StormSettings | None = None,
) -> pd.DataFrame:
    """Hourly weather for each location.

    Parameters
    ----------
    locations
        Sites to generate weather for.
    start
        First interval start (UTC if naive).
    hours
        Number of hourly intervals.
    seed
        Seed of every random draw.
    storms
        Extreme-event settings; the defaults put a cold snap around 16 Jan and a heat wave around
        5 Aug when the horizon includes them.

    Returns
    -------
    pandas.DataFrame
        Canonical weather frame, index ``(site_id, time)``, columns ``temp_air_c``,
        ``wind_gust_m_s``, ``precip_mm``.
    """
    storms = storms or StormSettings()
    times = hourly_index(start, hours)
    days = (times - times[0].floor("D")).days.to_numpy()
    n_days = int(days[-1]) + 1
    shared_rng, *site_rngs = _streams(seed, len(locations) + 1)
    shared = _ar1(shared_rng, n_days, phi=0.8, sd=3.0)
    doy = times.day_of_year.to_numpy()
    cold = _bump(times, (1, 16), storms.cold_snap_days) * storms.cold_snap_depth_c
    heat = _bump(times, (8, 5), storms.heat_wave_days) * storms.heat_wave_rise_c
    frames = []
    for loc, rng in zip(locations, site_rngs, strict=True):
        local_hour = times.tz_convert(loc.timezone).hour.to_numpy()
        own = _ar1(rng, n_days, phi=0.7, sd=2.0)
        temp = (
            climate_mean_c(loc.latitude)
            - seasonal_amplitude_c(loc.latitude) * np.cos(2 * np.pi * (doy - 20) / 365.25)
            - 5.5 * np.cos(2 * np.pi * (local_hour - 3) / 24)  # coolest near 03-06 local
            + shared[days]
            + own[days]
            + rng.normal(0.0, 0.6, hours)
            - cold
            + heat
        )
        gust = np.clip(rng.gamma(4.0, 2.5, hours) + 0.4 * cold, 0.0, 60.0)
        wet = rng.random(hours) < 0.06
        precip = np.where(wet, rng.exponential(1.5, hours), 0.0)
        frames.append(
            pd.DataFrame(
                {"temp_air_c": temp, "wind_gust_m_s": gust, "precip_mm": precip},
                index=pd.MultiIndex.from_product([[loc.site_id], times], names=["site_id", "time"]),
            )
        )
    return validate(pd.concat(frames), "weather", FEED)


def _ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> np.ndarray:
    """A stationary AR(1) series of length ``n`` with marginal standard deviation ``sd``."""
    shocks = rng.normal(0.0, sd * np.sqrt(1 - phi**2), n)
    out = np.empty(n)
    out[0] = rng.normal(0.0, sd)
    for i in range(1, n):
        out[i] = phi * out[i - 1] + shocks[i]
    return out


def _bump(times: pd.DatetimeIndex, month_day: tuple[int, int], days: float) -> np.ndarray:
    centre = _event_centre(times, month_day)
    if centre is None or days <= 0:
        return np.zeros(len(times))
    return _event_weight(times, centre, days)


def synthetic_prices(
    weather: pd.DataFrame,
    locations: Sequence[Location],
    nodes: Mapping[str, str],
    seed: int,
    *,
    base_usd_per_mwh: float = 38.0,
    spike_scale: float = 1.0,
    cap_usd_per_mwh: float = PRICE_CAP_USD_PER_MWH,
) -> pd.DataFrame:
    """Real-time prices per node, with spikes coupled to temperature extremes.

    Parameters
    ----------
    weather
        Canonical weather frame; the temperature of the site a node serves drives its scarcity.
    locations
        The sites; a grid is stressed by temperatures far outside its own climate, so scarcity
        starts 10 degC below the site's January mean or 7 degC above its July mean.
    nodes
        Price node per site id (sites sharing a node share the first site's temperature).
    seed
        Seed of every random draw.
    base_usd_per_mwh
        Typical off-peak price [USD/MWh].
    spike_scale
        Multiplier on scarcity and spike size [-].
    cap_usd_per_mwh
        Offer cap [USD/MWh].

    Returns
    -------
    pandas.DataFrame
        Canonical prices frame, index ``(node, time)``, column ``price_usd_per_mwh``.
    """
    latitude = {loc.site_id: loc.latitude for loc in locations}
    node_sites: dict[str, str] = {}
    for site_id, node in nodes.items():
        node_sites.setdefault(node, site_id)
    frames = []
    for (node, site_id), rng in zip(
        node_sites.items(), _streams(seed, len(node_sites)), strict=True
    ):
        temp = weather.xs(site_id, level="site_id")["temp_air_c"]
        times = pd.DatetimeIndex(temp.index)
        t = temp.to_numpy()
        hour = times.hour.to_numpy()
        shape = 1.0 + 0.25 * np.sin(2 * np.pi * (hour - 15) / 24)  # afternoon/evening peak
        base = base_usd_per_mwh * shape * rng.lognormal(0.0, 0.25, len(t))
        # Scarcity grows with the square of the distance outside the grid's design band.
        mean, amp = climate_mean_c(latitude[site_id]), seasonal_amplitude_c(latitude[site_id])
        cold_edge, hot_edge = mean - amp - 10.0, mean + amp + 7.0
        stress = np.maximum(0.0, cold_edge - t) / 12.0 + np.maximum(0.0, t - hot_edge) / 8.0
        scarcity = cap_usd_per_mwh * np.clip(stress, 0.0, 1.0) ** 2
        spikes = np.where(rng.random(len(t)) < 0.004, rng.exponential(400.0, len(t)), 0.0)
        price = np.minimum(base + spike_scale * (scarcity + spikes), cap_usd_per_mwh)
        frames.append(
            pd.DataFrame(
                {"price_usd_per_mwh": price},
                index=pd.MultiIndex.from_product([[node], times], names=["node", "time"]),
            )
        )
    return validate(pd.concat(frames), "prices", FEED)


def synthetic_load(
    weather: pd.DataFrame, areas: Mapping[str, Sequence[str]], seed: int
) -> pd.DataFrame:
    """System load per area driven by the mean temperature of the sites in it.

    Parameters
    ----------
    weather
        Canonical weather frame.
    areas
        Site ids whose temperatures stand for each area (``{"ERCOT": ["west-texas", ...]}``).
    seed
        Seed of the noise.

    Returns
    -------
    pandas.DataFrame
        Canonical load frame, index ``(area, time)``, column ``load_mw``; about 45 GW plus 1.1 GW
        per cooling degree above 20 degC and 0.8 GW per heating degree below 10 degC.
    """
    frames = []
    for (area, site_ids), rng in zip(areas.items(), _streams(seed, len(areas)), strict=True):
        temp = weather.loc[list(site_ids), "temp_air_c"].groupby(level="time").mean()
        t = temp.to_numpy()
        hour = pd.DatetimeIndex(temp.index).hour.to_numpy()
        load = (
            45_000.0
            + 1_100.0 * np.maximum(0.0, t - 20.0)
            + 800.0 * np.maximum(0.0, 10.0 - t)
            + 4_000.0 * np.sin(2 * np.pi * (hour - 17) / 24 + np.pi / 2)
            + rng.normal(0.0, 600.0, len(t))
        )
        frames.append(
            pd.DataFrame(
                {"load_mw": np.maximum(load, 0.0)},
                index=pd.MultiIndex.from_product([[area], temp.index], names=["area", "time"]),
            )
        )
    return validate(pd.concat(frames), "load", FEED)


def synthetic_market(
    start: pd.Timestamp | str,
    hours: int,
    seed: int,
    *,
    btc_price_usd: float = 95_000.0,
    network_hashrate_eh_s: float = 800.0,
    btc_volatility_annual: float = 0.45,
    hashrate_growth_annual: float = 0.25,
) -> pd.DataFrame:
    """Daily BTC price and network hashrate paths over the horizon.

    Parameters
    ----------
    start, hours
        Horizon (UTC).
    seed
        Seed of the draws.
    btc_price_usd
        Price on the first day [USD].
    network_hashrate_eh_s
        Network hashrate on the first day [EH/s].
    btc_volatility_annual
        Annualised volatility of log price [-].
    hashrate_growth_annual
        Mean yearly growth of network hashrate [-].

    Returns
    -------
    pandas.DataFrame
        Indexed by UTC day (``time``), columns ``btc_price_usd`` and ``network_hashrate_eh_s``.
    """
    times = hourly_index(start, hours)
    days = pd.date_range(times[0].floor("D"), times[-1].floor("D"), freq="D", name="time")
    price_rng, hash_rng = _streams(seed, 2)
    dt = 1.0 / 365.25
    shocks = price_rng.normal(
        -0.5 * btc_volatility_annual**2 * dt, btc_volatility_annual * np.sqrt(dt), len(days)
    )
    shocks[0] = 0.0
    growth = hash_rng.normal(np.log1p(hashrate_growth_annual) * dt, 0.004, len(days))
    growth[0] = 0.0
    return pd.DataFrame(
        {
            "btc_price_usd": btc_price_usd * np.exp(np.cumsum(shocks)),
            "network_hashrate_eh_s": network_hashrate_eh_s * np.exp(np.cumsum(growth)),
        },
        index=days,
    )
