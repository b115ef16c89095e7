"""Seeded offline feeds: the world ``make demo`` and the tests run in when no network is wanted.

Everything here is a plain function of its arguments and a seed; the same seed gives the same
numbers. Every random number is anchored to the calendar (:mod:`weather.draws`): it comes from
a stream named by what it is and where (``("temp-noise", site id)``, ``("price-daily", node)``)
at its calendar day and hour, so a longer horizon sees the same weather and prices plus more
days, a later start sees the same values on the days it shares, and adding a site, node or area
changes nothing else. Daily anomalies are AR(1) processes with a calendar memory
(:func:`weather.draws.ar1`). Each season's storm draws from a generator seeded by
``(seed, kind, year)``. The climate the weather is drawn around and the grid stress that drives
scarcity prices are :mod:`weather.climate`'s.

Temperature
    ``T = mean(lat) - amp(lat) cos(2 pi (doy - 20) / 365.25) + diurnal(local hour) + anomaly``,
    where the anomaly is a daily AR(1) shared in part across sites (a continental air mass) whose
    spread is larger in winter, plus winter northers (cold-air outbreaks that make winter's cold
    tail heavier than its warm one), plus a cold snap (Uri-like) in some winters and a heat wave
    in some summers.
Prices
    A node's real-time price is a fuel level times a diurnal shape, a load factor and lognormal
    noise, plus scarcity pricing that rises steeply once temperature leaves the band the grid is
    built for (the evening peak for heat), plus rare random spikes, capped at the offer cap.
Load
    System load grows with cooling and heating degrees; its June-September monthly maxima are the
    4CP intervals.
Market
    BTC price follows a geometric Brownian motion; network hashrate drifts up with noise.

The defaults are calibrated against ERCOT HB_WEST / HB_NORTH prices and NASA POWER / NOAA ISD
Texas temperatures of 2021-2024: ``benchmarks/calibrate_synthetic.py`` prints the comparison and
``docs/model.md`` (Synthetic feeds and their calibration) records it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from functools import partial

import numpy as np
import pandas as pd

from weather import draws
from weather.climate import (
    DIURNAL_HALF_RANGE_C,
    PRICE_CAP_USD_PER_MWH,
    anomaly_scale,
    climate_mean_c,
    grid_stress,
    seasonal_amplitude_c,
    trailing_mean,
)
from weather.schema import validate

FEED = "synthetic"


@dataclass(frozen=True)
class Location:
    """Where a site is: its id, coordinates [deg] and IANA time zone."""

    site_id: str
    latitude: float
    longitude: float
    timezone: str


@dataclass(frozen=True)
class StormSettings:
    """Shape and odds of the extreme events the generator injects on top of ordinary weather.

    Each winter (centred on 16 Jan) and each summer (centred on 5 Aug) that the horizon touches
    gets its own draw, from a generator seeded by ``(seed, event kind, year)``: whether the event
    happens (``*_chance``), its centre (uniform within ``*_window_days`` around the nominal date)
    and its size (normal, ``*_sd_c`` around the mean, never below 0). So a 40-day run and a
    one-year run from the same seed see the same storm. ``chance=1, window_days=0, sd_c=0``
    gives the old fixed event: every year, at noon on the nominal date, exactly the mean size.

    Attributes
    ----------
    cold_snap_depth_c
        Mean peak temperature drop of a cold snap [degC]; 0 disables cold snaps.
    cold_snap_days
        Duration of a cold snap (width of its raised-cosine bump) [d].
    heat_wave_rise_c
        Mean peak temperature rise of a heat wave [degC]; 0 disables heat waves.
    heat_wave_days
        Duration of a heat wave [d].
    cold_snap_chance
        Probability that a winter has a cold snap [-].
    cold_snap_window_days
        Width of the window around 16 Jan the cold snap's centre is drawn from [d].
    cold_snap_depth_sd_c
        Standard deviation of the peak drop from one winter to the next [degC].
    heat_wave_chance
        Probability that a summer has a heat wave [-].
    heat_wave_window_days
        Width of the window around 5 Aug the heat wave's centre is drawn from [d].
    heat_wave_rise_sd_c
        Standard deviation of the peak rise from one summer to the next [degC].
    """

    cold_snap_depth_c: float = 12.0
    cold_snap_days: float = 5.0
    heat_wave_rise_c: float = 3.0
    heat_wave_days: float = 12.0
    cold_snap_chance: float = 0.15
    cold_snap_window_days: float = 60.0
    cold_snap_depth_sd_c: float = 3.0
    heat_wave_chance: float = 0.5
    heat_wave_window_days: float = 60.0
    heat_wave_rise_sd_c: float = 1.5

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not value >= 0.0 or (f.name.endswith("_chance") and value > 1.0):
                allowed = "0 .. 1" if f.name.endswith("_chance") else ">= 0"
                raise ValueError(f"{f.name}: must be {allowed}, got {value}")


def hourly_index(start: pd.Timestamp | str, hours: int) -> pd.DatetimeIndex:
    """``hours`` UTC interval starts from ``start`` (floored to the hour)."""
    first = pd.Timestamp(start)
    first = first.tz_localize("UTC") if first.tzinfo is None else first.tz_convert("UTC")
    return pd.date_range(first.floor("h"), periods=hours, freq="h", name="time")


#: Cold air masses come with cloud and wind: below an anomaly of -START the daily range shrinks
#: by 1/PER_C per degC, to no less than FLOOR (NASA POWER Midland winters: daily mean minus
#: minimum 7 degC on ordinary days, about 4.5 degC on the coldest 5 %) [degC], [degC], [-].
COLD_DIURNAL_DAMPING = (5.0, 12.5, 0.6)
#: Standard deviation of the continental (shared) daily anomaly at 32 N in mid-winter and in
#: mid-summer [degC]; Texas sites' daily anomalies correlate 0.9 in winter, 0.7 in summer.
SHARED_ANOMALY_SD_C = (4.5, 2.2)
#: Standard deviation of each site's own daily anomaly at 32 N, mid-winter and mid-summer [degC].
OWN_ANOMALY_SD_C = (1.8, 1.4)
#: Day-to-day persistence of the shared and own anomalies (lag-1 autocorrelation) [-].
ANOMALY_PERSISTENCE = (0.75, 0.7)
#: Northers: chance per mid-winter day of a cold-air outbreak, and the mean and gamma shape (an
#: integer: a sum of exponentials) of its size, added to the shared anomaly [1/d], [degC], [-].
#: They give winter its cold skew.
NORTHER_RATE_PER_DAY, NORTHER_MEAN_C, NORTHER_SHAPE = 0.05, 6.0, 3
#: Hourly weather noise: temperature sd [degC], gust gamma (integer shape, scale [m/s]), chance of
#: a wet hour [-] and its mean rain [mm].
TEMP_NOISE_SD_C, GUST_GAMMA, WET_HOUR_CHANCE, WET_HOUR_MEAN_MM = 0.6, (4, 2.5), 0.06, 1.5


def _event_weight(times: pd.DatetimeIndex, centre: pd.Timestamp, days: float) -> np.ndarray:
    """A smooth bump (raised cosine) of width ``days`` centred on ``centre``: 1 at the centre."""
    x = (times - centre) / pd.Timedelta(days=days)
    x = np.asarray(x, dtype=float)
    return np.where(np.abs(x) < 0.5, 0.5 * (1 + np.cos(2 * np.pi * x)), 0.0)


def _storm(
    times: pd.DatetimeIndex,
    seed: int,
    kind: int,
    month_day: tuple[int, int],
    *odds: float,
) -> np.ndarray:
    """Sum of one season's seeded events per year around ``month_day`` [degC].

    ``odds`` are ``chance, window_days, mean_c, sd_c, days``; see :class:`StormSettings`.
    """
    chance, window_days, mean_c, sd_c, days = odds
    out = np.zeros(len(times))
    if mean_c <= 0 or days <= 0 or chance <= 0:
        return out
    reach = pd.Timedelta(days=window_days / 2 + days / 2)
    for year in range(times[0].year - 1, times[-1].year + 2):
        rng = np.random.default_rng([seed, kind, year])
        happens = rng.random() < chance
        offset = (rng.random() - 0.5) * window_days
        size = max(0.0, mean_c + sd_c * rng.standard_normal())
        nominal = pd.Timestamp(year=year, month=month_day[0], day=month_day[1], hour=12, tz="UTC")
        if not happens or size == 0.0 or not times[0] - reach <= nominal <= times[-1] + reach:
            continue
        out += size * _event_weight(times, nominal + pd.Timedelta(days=offset), days)
    return out


def _daily_span(hours: draws.Hours) -> tuple[int, int]:
    """First day number and count of the days whose daily values the hours interpolate between:
    their UTC days and one on either side."""
    return hours.first_day - 1, hours.n_days + 2


def _daily_to_hourly(on: draws.Hours, first_day: int, daily: np.ndarray) -> np.ndarray:
    """Linear interpolation of per-day values (placed at 12:00 UTC, the first on day number
    ``first_day``) to the hours ``on``."""
    hours = 24.0 * (on.first_day - first_day) + on.first_hour + np.arange(on.count, dtype=float)
    return np.interp(hours, 24.0 * np.arange(len(daily)) + 12.0, daily)


def _daily_ar1(
    seed: int, stream: draws.Stream, first_day: int, n_days: int, phi: float, sd: float
) -> np.ndarray:
    """A stationary daily AR(1) of marginal standard deviation ``sd`` on ``n_days`` days."""
    return sd * draws.ar1_normal(seed, [stream], first_day, n_days, 1, phi)[0, :, 0]


def _winter_weight(doy: np.ndarray) -> np.ndarray:
    """1 on the coldest day of the mean year (20 Jan), 0 on the warmest, cosine between [-]."""
    return 0.5 * (1.0 + np.cos(2 * np.pi * (doy - 20) / 365.25))


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
        Extreme-event settings; by default a winter has a cold snap with probability 0.15 (mean
        depth 12 degC over 5 days, centred within 30 days of 16 Jan) and a summer a heat wave
        with probability 0.5 (mean rise 3 degC over 12 days, within 30 days of 5 Aug).

    Returns
    -------
    pandas.DataFrame
        Canonical weather frame, index ``(site_id, time)``, columns ``temp_air_c``,
        ``wind_gust_m_s``, ``precip_mm``.
    """
    storms = storms or StormSettings()
    times = hourly_index(start, hours)
    on = draws.Hours.of(times)
    first_day, n_days = _daily_span(on)
    winter_day = _winter_weight(draws.day_dates(first_day, n_days).day_of_year.to_numpy())
    shared, northers = _shared_anomaly(seed, first_day, n_days)
    own_sd = OWN_ANOMALY_SD_C[1] + (OWN_ANOMALY_SD_C[0] - OWN_ANOMALY_SD_C[1]) * winter_day
    doy = times.day_of_year.to_numpy()
    s = storms
    cold = _storm(times, seed, 0, (1, 16), s.cold_snap_chance, s.cold_snap_window_days,
                  s.cold_snap_depth_c, s.cold_snap_depth_sd_c, s.cold_snap_days)  # fmt: skip
    heat = _storm(times, seed, 1, (8, 5), s.heat_wave_chance, s.heat_wave_window_days,
                  s.heat_wave_rise_c, s.heat_wave_rise_sd_c, s.heat_wave_days)  # fmt: skip
    frames = []
    for loc in locations:
        local_hour = times.tz_convert(loc.timezone).hour.to_numpy()
        own = _daily_ar1(
            seed, ("own-anomaly", loc.site_id), first_day, n_days, ANOMALY_PERSISTENCE[1], 1.0
        )
        # Gaussian anomalies scale with the site's seasonal swing (larger inland and poleward);
        # northers are the same air mass everywhere.
        scale = anomaly_scale(loc.latitude)
        daily = scale * (shared + own_sd * own) + northers
        anomaly = _daily_to_hourly(on, first_day, daily) - cold + heat
        start_c, per_c, floor = COLD_DIURNAL_DAMPING
        damping = np.clip(1.0 + np.minimum(anomaly + start_c, 0.0) / per_c, floor, 1.0)
        noise = draws.per_hour(draws.normal, seed, ("temp-noise", loc.site_id), on)
        temp = (
            climate_mean_c(loc.latitude)
            - seasonal_amplitude_c(loc.latitude) * np.cos(2 * np.pi * (doy - 20) / 365.25)
            - DIURNAL_HALF_RANGE_C * damping * np.cos(2 * np.pi * (local_hour - 3) / 24)
            + anomaly
            + TEMP_NOISE_SD_C * noise
        )
        shape, scale_m_s = GUST_GAMMA
        gusts = partial(draws.erlang, shape=shape)
        gust = draws.per_hour(gusts, seed, ("gust", loc.site_id), on) * scale_m_s
        gust = np.clip(gust + 0.4 * cold, 0.0, 60.0)
        wet = draws.per_hour(draws.uniform, seed, ("wet-hour", loc.site_id), on)
        rain = draws.per_hour(draws.exponential, seed, ("rain", loc.site_id), on)
        precip = np.where(wet < WET_HOUR_CHANCE, WET_HOUR_MEAN_MM * rain, 0.0)
        frames.append(
            pd.DataFrame(
                {"temp_air_c": temp, "wind_gust_m_s": gust, "precip_mm": precip},
                index=pd.MultiIndex.from_product([[loc.site_id], times], names=["site_id", "time"]),
            )
        )
    return validate(pd.concat(frames), "weather", FEED)


def _shared_anomaly(seed: int, first_day: int, n_days: int) -> tuple[np.ndarray, np.ndarray]:
    """The continental daily anomaly: a Gaussian part at 32 N and the winter northers [degC].

    Both follow ``x[d] = phi x[d-1] + e[d]`` with a calendar memory (:func:`weather.draws.ar1`):
    the Gaussian part with ``e = sqrt(1 - phi^2) sd(d) z[d]`` (``sd`` from
    :data:`SHARED_ANOMALY_SD_C`, larger in winter), the northers with
    ``e = -norther[d] + E[norther[d]]`` so that their mean is 0 and winter's lower tail is heavier
    than its upper one.
    """
    phi = ANOMALY_PERSISTENCE[0]
    memory = draws.ar1_memory_days(phi)
    first, n = first_day - memory, n_days + memory
    winter_day = _winter_weight(draws.day_dates(first, n).day_of_year.to_numpy())
    sd = SHARED_ANOMALY_SD_C[1] + (SHARED_ANOMALY_SD_C[0] - SHARED_ANOMALY_SD_C[1]) * winter_day
    rate = NORTHER_RATE_PER_DAY * winter_day
    hit = draws.uniform(seed, ("norther",), first, n, 1)[:, 0] < rate
    size = draws.erlang(seed, ("norther-size",), first, n, 1, NORTHER_SHAPE)[:, 0]
    northers = np.where(hit, size * NORTHER_MEAN_C / NORTHER_SHAPE, 0.0)
    z = draws.normal(seed, ("shared-anomaly",), first, n, 1)[:, 0]
    gauss = draws.ar1((np.sqrt(1 - phi**2) * sd * z)[:, None], phi, memory)[:, 0]
    return gauss, draws.ar1((rate * NORTHER_MEAN_C - northers)[:, None], phi, memory)[:, 0]


#: Real-time price by local hour relative to the median hour: hour-of-day medians of ERCOT
#: HB_NORTH 2021-2024 (hours under 200 USD/MWh) divided by their median [-].
PRICE_SHAPE = np.array(
    [0.88, 0.83, 0.79, 0.79, 0.81, 0.89, 1.02, 1.00, 0.91, 0.89, 0.91, 0.96,
     1.00, 1.04, 1.04, 1.07, 1.19, 1.44, 1.45, 1.47, 1.37, 1.15, 1.02, 0.93]
)  # fmt: skip
#: Standard deviation of the log fuel price level, one draw per call (gas years such as 2022) [-].
FUEL_LEVEL_SD = 0.3
#: Daily (lag-1 autocorrelation, standard deviation) and hourly standard deviation of log price
#: noise: wind, outages, imports [-].
PRICE_NOISE = (0.6, 0.35, 0.2)
#: Load factor on the energy price: +HEAT per degC of 24-h mean above the site's July mean less
#: HEAT_START, +COLD per degC below its January mean [1/degC], [degC].
HEAT_PRICE_PER_C, HEAT_PRICE_START_C, COLD_PRICE_PER_C = 0.06, 10.0, 0.03
#: Standard deviation of the daily log multiplier on cold and on heat stress: how much reserve,
#: wind and imports the grid happens to have that day [-]. Heat spikes depend more on the wind.
TIGHTNESS_SD = (0.3, 1.0)
#: Hours of temperature before an hour that its price depends on: the trailing 24-h mean of the
#: load factor and of cold stress [h].
PRICE_HISTORY_HOURS = 24
#: Exponent of the scarcity curve ``cap x clip(stress, 0, 1) ** SCARCITY_EXPONENT`` [-].
SCARCITY_EXPONENT = 3.0
#: Random spikes: chance per hour (at the median hour of the daily shape) and mean size [USD/MWh].
SPIKE_RATE_PER_H, SPIKE_MEAN_USD_PER_MWH = 0.012, 330.0


def synthetic_prices(
    weather: pd.DataFrame,
    locations: Sequence[Location],
    nodes: Mapping[str, str],
    seed: int,
    *,
    base_usd_per_mwh: float = 21.0,
    spike_scale: float = 1.0,
    cap_usd_per_mwh: float = PRICE_CAP_USD_PER_MWH,
) -> pd.DataFrame:
    """Real-time prices per node, with spikes coupled to temperature extremes.

    ``price = min(energy + spike_scale (scarcity + spikes), cap)``, where

    - ``energy = base x fuel x shape(local hour) x load(T24) x exp(daily + hourly noise)``: one
      lognormal fuel level per call (:data:`FUEL_LEVEL_SD`), the diurnal shape
      :data:`PRICE_SHAPE`, a load factor rising 6 % per degC of 24-h mean temperature above
      (July mean - 10 degC) and 3 % per degC below the January mean, a daily AR(1) and an hourly
      log noise (:data:`PRICE_NOISE`);
    - ``scarcity = cap x clip(stress, 0, 1)^3`` with ``stress`` from
      :func:`weather.climate.grid_stress`, its cold and heat parts multiplied by a daily lognormal
      tightness (how much reserve, wind and imports the grid happens to have that day;
      :data:`TIGHTNESS_SD`);
    - ``spikes``: random exponential spikes (unit trips, ramps; :data:`SPIKE_RATE_PER_H`),
      likelier in peak hours.

    Daily draws are interpolated linearly between days (placed at 12:00 UTC). Every draw is
    anchored to the calendar (:mod:`weather.draws`); the fuel level is one per seed. The first
    23 hours see a shorter trailing window than 24 h: give ``weather`` a day before the hours
    wanted (as offline :func:`planner.fetch_feeds` does) for prices that do not depend on where
    the frame starts.

    Parameters
    ----------
    weather
        Canonical weather frame; the temperature of the site a node serves drives its prices.
    locations
        The sites (their latitude sets the climate the grid is built for, their time zone the
        local hour).
    nodes
        Price node per site id (sites sharing a node share the first site's temperature).
    seed
        Seed of every random draw.
    base_usd_per_mwh
        Median price in mild weather at the median hour of the day [USD/MWh].
    spike_scale
        Multiplier on scarcity and spike size [-].
    cap_usd_per_mwh
        Offer cap [USD/MWh].

    Returns
    -------
    pandas.DataFrame
        Canonical prices frame, index ``(node, time)``, column ``price_usd_per_mwh``.
    """
    by_id = {loc.site_id: loc for loc in locations}
    node_sites: dict[str, str] = {}
    for site_id, node in nodes.items():
        node_sites.setdefault(node, site_id)
    # One fuel level per seed: a stream of its own, read on day 0.
    fuel = np.exp(FUEL_LEVEL_SD * draws.normal(seed, ("fuel-level",), 0, 1, 1)[0, 0])
    frames = []
    for node, site_id in node_sites.items():
        loc = by_id[site_id]
        temp = weather.xs(site_id, level="site_id")["temp_air_c"]
        times = pd.DatetimeIndex(temp.index)
        t = temp.to_numpy(dtype=float)
        on = draws.Hours.of(times)
        first_day, n_days = _daily_span(on)
        hour = times.tz_convert(loc.timezone).hour.to_numpy()
        mean, amp = climate_mean_c(loc.latitude), seasonal_amplitude_c(loc.latitude)
        t24 = trailing_mean(t, 24)
        load = (
            1.0
            + HEAT_PRICE_PER_C * np.maximum(0.0, t24 - (mean + amp - HEAT_PRICE_START_C))
            + COLD_PRICE_PER_C * np.maximum(0.0, (mean - amp) - t24)
        )
        phi, daily_sd, hourly_sd = PRICE_NOISE
        daily = _daily_ar1(seed, ("price-daily", node), first_day, n_days, phi, daily_sd)
        hourly = hourly_sd * draws.per_hour(draws.normal, seed, ("price-hourly", node), on)
        energy = (
            base_usd_per_mwh * fuel * PRICE_SHAPE[hour] * load
            * np.exp(_daily_to_hourly(on, first_day, daily) + hourly)
        )  # fmt: skip
        day_z = draws.normal(seed, ("tightness", node), first_day, n_days, 1)[:, 0]
        z = _daily_to_hourly(on, first_day, day_z)
        tight = (np.exp(TIGHTNESS_SD[0] * z), np.exp(TIGHTNESS_SD[1] * z))
        stress = grid_stress(t, loc.latitude, hour, tight)
        scarcity = cap_usd_per_mwh * np.clip(stress, 0.0, 1.0) ** SCARCITY_EXPONENT
        rate = SPIKE_RATE_PER_H * PRICE_SHAPE[hour] ** 2
        spike = draws.per_hour(draws.uniform, seed, ("spike", node), on) < rate
        size = draws.per_hour(draws.exponential, seed, ("spike-size", node), on)
        spikes = np.where(spike, SPIKE_MEAN_USD_PER_MWH * size, 0.0)
        price = np.minimum(energy + spike_scale * (scarcity + spikes), cap_usd_per_mwh)
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
    for area, site_ids in areas.items():
        temp = weather.loc[list(site_ids), "temp_air_c"].groupby(level="time").mean()
        t = temp.to_numpy()
        times = pd.DatetimeIndex(temp.index)
        hour = times.hour.to_numpy()
        on = draws.Hours.of(times)
        load = (
            45_000.0
            + 1_100.0 * np.maximum(0.0, t - 20.0)
            + 800.0 * np.maximum(0.0, 10.0 - t)
            + 4_000.0 * np.sin(2 * np.pi * (hour - 17) / 24 + np.pi / 2)
            + 600.0 * draws.per_hour(draws.normal, seed, ("load-noise", area), on)
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
    first_day = draws.day_number(days[0])
    dt = 1.0 / 365.25
    z_price = draws.normal(seed, ("btc-return",), first_day, len(days), 1)[:, 0]
    shocks = -0.5 * btc_volatility_annual**2 * dt + btc_volatility_annual * np.sqrt(dt) * z_price
    shocks[0] = 0.0
    z_hash = draws.normal(seed, ("hashrate-growth",), first_day, len(days), 1)[:, 0]
    growth = np.log1p(hashrate_growth_annual) * dt + 0.004 * z_hash
    growth[0] = 0.0
    return pd.DataFrame(
        {
            "btc_price_usd": btc_price_usd * np.exp(np.cumsum(shocks)),
            "network_hashrate_eh_s": network_hashrate_eh_s * np.exp(np.cumsum(growth)),
        },
        index=days,
    )
