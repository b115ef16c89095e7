"""Scenarios: joint draws of weather, prices, grid outages and hashprice over a horizon.

Each :class:`Scenario` is one plausible future for the whole fleet. Its random draws come from
its own child of ``numpy.random.SeedSequence(seed)``, split again per process (weather, prices,
outages, market), so scenario ``i`` is the same whatever ``n`` is and the same seed gives the same
set. See ``docs/model.md`` (Scenarios) for the formulas.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd

from planner.errors import ConfigError
from planner.feeds import Feeds, hashprice_hourly, site_hours
from planner.fleet import Fleet
from planner.inputs import check_number, gather
from planner.ledger import DR_TRIGGER_USD_PER_MWH, SiteHours
from weather.synthetic import PRICE_CAP_USD_PER_MWH, grid_stress


@dataclass(frozen=True)
class OutageHazard:
    """How often a site loses the grid and for how long.

    Attributes
    ----------
    rate_per_year
        Expected grid outages a year in ordinary weather [1/yr].
    duration_median_h
        Median outage duration [h].
    duration_sigma
        Standard deviation of log duration (lognormal) [-].
    """

    rate_per_year: float = 1.5
    duration_median_h: float = 3.0
    duration_sigma: float = 1.2


@dataclass(frozen=True)
class ScenarioSettings:
    """What-if knobs and uncertainty levels of the scenario generator.

    Attributes
    ----------
    storm_severity
        Multiplier on how far temperatures fall below 0 degC and on the weather-driven part of the
        outage hazard (1 = as forecast, 2 = twice as bad) [-].
    outage_duration_scale
        Multiplier on outage durations [-].
    price_spike_scale
        Multiplier on the scarcity spikes added to prices [-].
    btc_price_shock
        Relative change of the BTC price path, e.g. -0.2 for a 20 % drop [-].
    temp_error_c
        Standard deviation of the scenario's temperature departure from the feed [degC].
    price_noise
        Standard deviation of the log price departure from the feed [-].
    btc_volatility_annual
        Annualised volatility of log BTC price [-].
    difficulty_growth_annual
        Mean yearly growth of network hashrate [-].
    """

    storm_severity: float = 1.0
    outage_duration_scale: float = 1.0
    price_spike_scale: float = 1.0
    btc_price_shock: float = 0.0
    temp_error_c: float = 2.0
    price_noise: float = 0.15
    btc_volatility_annual: float = 0.55
    difficulty_growth_annual: float = 0.3

    def __post_init__(self) -> None:
        bad = gather(
            *(
                partial(check_number, getattr(self, k), k, lo, hi)
                for k, lo, hi in (
                    ("storm_severity", 0.0, 5.0),
                    ("outage_duration_scale", 0.0, 20.0),
                    ("price_spike_scale", 0.0, 20.0),
                    ("btc_price_shock", -0.95, 5.0),
                    ("temp_error_c", 0.0, 15.0),
                    ("price_noise", 0.0, 2.0),
                    ("btc_volatility_annual", 0.0, 3.0),
                    ("difficulty_growth_annual", -0.9, 5.0),
                )
            )
        )
        if bad:
            raise ConfigError("scenario settings", bad)


@dataclass(frozen=True, eq=False)
class Scenario:
    """One joint realisation over the horizon; arrays are ``(sites, hours)`` in fleet order.

    Attributes
    ----------
    index
        Position in its set; with the set's seed it identifies the draw.
    weight
        Probability weight [-]; the weights of a set sum to 1.
    times
        Hourly interval starts, UTC.
    temp_air_c
        Ambient temperature [degC].
    price_usd_per_mwh
        Real-time price at each site's node [USD/MWh].
    hashprice_usd_per_th_day
        Hashprice, ``(hours,)`` [USD/(TH/s day)].
    outages
        Per site, grid outages as ``(start_h, end_h)`` hours from the horizon start, sorted and
        disjoint.
    failure_multiplier
        Multiplier on each site's ASIC failure rate (heat stress) [-].
    four_cp_peak
        Whether the hour is a June-September monthly system peak of the site's grid.
    four_cp_probability
        The forecast chance, known ahead, that the hour is such a peak [-].
    alert_active
        Whether a severe-weather alert covers the site in the hour.
    btc_price_usd
        BTC price, ``(hours,)`` [USD/BTC]; ``None`` when the scenario was built without one (BTC
        mined is then unknown).
    """

    index: int
    weight: float
    times: pd.DatetimeIndex
    temp_air_c: np.ndarray
    price_usd_per_mwh: np.ndarray
    hashprice_usd_per_th_day: np.ndarray
    outages: tuple[tuple[tuple[float, float], ...], ...]
    failure_multiplier: np.ndarray
    four_cp_peak: np.ndarray
    four_cp_probability: np.ndarray
    alert_active: np.ndarray
    btc_price_usd: np.ndarray | None = None

    def site_hours(self, site_index: int) -> SiteHours:
        """The outside world at one site in this scenario (grid up: outages are events)."""
        price = self.price_usd_per_mwh[site_index]
        return SiteHours(
            times=self.times,
            temp_air_c=self.temp_air_c[site_index],
            price_usd_per_mwh=price,
            hashprice_usd_per_th_day=self.hashprice_usd_per_th_day,
            grid_available=np.ones(len(self.times)),
            four_cp_peak=self.four_cp_peak[site_index],
            dr_called=price >= DR_TRIGGER_USD_PER_MWH,
            four_cp_probability=self.four_cp_probability[site_index],
            alert_active=self.alert_active[site_index],
        )


@dataclass(frozen=True, eq=False)
class ScenarioSet:
    """``n`` scenarios of one fleet and horizon, with the seed and settings that made them."""

    scenarios: tuple[Scenario, ...]
    site_ids: tuple[str, ...]
    seed: int
    settings: ScenarioSettings = field(default_factory=ScenarioSettings)

    def __len__(self) -> int:
        return len(self.scenarios)

    def __iter__(self) -> Iterator[Scenario]:
        return iter(self.scenarios)

    def __getitem__(self, i: int) -> Scenario:
        return self.scenarios[i]


def make_scenarios(
    fleet: Fleet,
    feeds: Feeds,
    n: int,
    seed: int,
    horizon: int | None = None,
    settings: ScenarioSettings | None = None,
    hazards: dict[str, OutageHazard] | None = None,
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> ScenarioSet:
    """Draw ``n`` joint scenarios around the feeds.

    Parameters
    ----------
    fleet
        The fleet.
    feeds
        The forecast (or historical) feeds the scenarios spread around.
    n
        Number of scenarios, >= 1.
    seed
        Seed of every draw.
    horizon
        Hours from the feeds' start (default: the whole feed horizon).
    settings
        What-if knobs and uncertainty levels.
    hazards
        Outage hazard per site id, scaled by each site's ``outage_exposure`` (default
        ``feeds.hazards``; sites without one get the generic :class:`OutageHazard`).
    progress
        Called as ``progress("scenarios", done, n)`` before the first draw and after each.

    Returns
    -------
    ScenarioSet
    """
    settings = settings or ScenarioSettings()
    if n < 1:
        raise ConfigError("scenarios", f"n: must be >= 1, got {n}")
    hours = len(feeds.times) if horizon is None else horizon
    if not 24 <= hours <= len(feeds.times):
        raise ConfigError(
            "scenarios", f"horizon: must be in [24, {len(feeds.times)}] hours, got {hours}"
        )
    base = _BaseArrays.from_feeds(fleet, feeds, hours)
    hazards = feeds.hazards if hazards is None else hazards
    site_hazards = [hazards.get(s.id, OutageHazard()) for s in fleet.sites]
    exposure = np.array([s.outage_exposure for s in fleet.sites])
    latitudes = np.array([s.latitude for s in fleet.sites])
    local_hours = np.array([base.times.tz_convert(s.timezone).hour for s in fleet.sites])
    children = np.random.SeedSequence(seed).spawn(n)
    scenarios = []
    for i, child in enumerate(children):
        if progress is not None:
            progress("scenarios", i, n)
        scenarios.append(
            _draw(i, child, base, settings, site_hazards, exposure, (latitudes, local_hours), 1 / n)
        )
    if progress is not None:
        progress("scenarios", n, n)
    return ScenarioSet(tuple(scenarios), fleet.site_ids, seed, settings)


@dataclass(frozen=True, eq=False)
class _BaseArrays:
    """The feeds as ``(sites, hours)`` arrays: the centre the scenarios spread around."""

    times: pd.DatetimeIndex
    temp: np.ndarray
    price: np.ndarray
    hashprice: np.ndarray
    btc_price: np.ndarray
    four_cp_peak: np.ndarray
    four_cp_probability: np.ndarray
    alert_active: np.ndarray
    members: np.ndarray | None  # (members, sites, hours) ensemble temperatures, if any

    @classmethod
    def from_feeds(cls, fleet: Fleet, feeds: Feeds, hours: int) -> _BaseArrays:
        hashprice = hashprice_hourly(fleet, feeds)
        per_site = [site_hours(fleet, s, feeds, hashprice) for s in fleet.sites]
        times = feeds.times[:hours]
        daily_btc = feeds.market["btc_price_usd"].reindex(times.floor("D"), method="ffill")
        return cls(
            times=times,
            temp=np.array([h.temp_air_c[:hours] for h in per_site]),
            price=np.array([h.price_usd_per_mwh[:hours] for h in per_site]),
            hashprice=hashprice[:hours],
            btc_price=daily_btc.to_numpy(),
            four_cp_peak=np.array([h.four_cp_peak[:hours] for h in per_site]),
            four_cp_probability=np.array([h.four_cp_probability[:hours] for h in per_site]),
            alert_active=np.array([h.alert_active[:hours] for h in per_site]),
            members=_ensemble_members(fleet, feeds, times),
        )


def _ensemble_members(fleet: Fleet, feeds: Feeds, times: pd.DatetimeIndex) -> np.ndarray | None:
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


def _ar1(rng: np.random.Generator, shape: tuple[int, int], phi: float, sd: float) -> np.ndarray:
    """Stationary AR(1) along the last axis with marginal standard deviation ``sd``."""
    shocks = rng.normal(0.0, sd * np.sqrt(1 - phi**2), shape)
    out = np.empty(shape)
    out[:, 0] = rng.normal(0.0, sd, shape[0])
    for t in range(1, shape[1]):
        out[:, t] = phi * out[:, t - 1] + shocks[:, t]
    return out


def _draw(
    index: int,
    seed: np.random.SeedSequence,
    base: _BaseArrays,
    settings: ScenarioSettings,
    hazards: list[OutageHazard],
    exposure: np.ndarray,
    where: tuple[np.ndarray, np.ndarray],
    weight: float,
) -> Scenario:
    weather_rng, price_rng, outage_rng, market_rng = (
        np.random.default_rng(s) for s in seed.spawn(4)
    )
    sites = base.temp.shape[0]
    temp = _scenario_temperature(index, weather_rng, base, settings)
    price = _scenario_prices(price_rng, base, temp, where, settings)
    hashprice, btc_price = _scenario_hashprice(market_rng, base, settings)
    outages = tuple(
        _draw_outages(outage_rng, hazards[s], exposure[s], temp[s], base.alert_active[s], settings)
        for s in range(sites)
    )
    return Scenario(
        index=index,
        weight=weight,
        times=base.times,
        temp_air_c=temp,
        price_usd_per_mwh=price,
        hashprice_usd_per_th_day=hashprice,
        outages=outages,
        failure_multiplier=failure_multiplier(temp),
        four_cp_peak=base.four_cp_peak,
        four_cp_probability=base.four_cp_probability,
        alert_active=base.alert_active,
        btc_price_usd=btc_price,
    )


def failure_multiplier(temp_air_c: np.ndarray) -> np.ndarray:
    """ASIC failure rate multiplier from heat: +5 % per degC of ambient above 35 degC [-]."""
    return 1.0 + 0.05 * np.maximum(0.0, temp_air_c - 35.0)


def scenario_from_feeds(fleet: Fleet, feeds: Feeds) -> Scenario:
    """The feeds themselves as one scenario: no noise; outages from the feeds' outage events."""
    base = _BaseArrays.from_feeds(fleet, feeds, len(feeds.times))
    start = feeds.times[0]
    hour = pd.Timedelta(hours=1)
    horizon = float(len(feeds.times))
    outages = []
    for site in fleet.sites:
        events = feeds.outages[feeds.outages["site_id"] == site.id]
        spans = [
            ((s - start) / hour, horizon if pd.isna(e) else (e - start) / hour)
            for s, e in zip(events["start"], events["end"], strict=True)
        ]
        outages.append(
            merge_intervals(
                [(max(a, 0.0), min(b, horizon)) for a, b in spans if b > 0 and a < horizon]
            )
        )
    return Scenario(
        index=0,
        weight=1.0,
        times=base.times,
        temp_air_c=base.temp,
        price_usd_per_mwh=base.price,
        hashprice_usd_per_th_day=base.hashprice,
        outages=tuple(outages),
        failure_multiplier=failure_multiplier(base.temp),
        four_cp_peak=base.four_cp_peak,
        four_cp_probability=base.four_cp_probability,
        alert_active=base.alert_active,
        btc_price_usd=base.btc_price,
    )


def _scenario_temperature(
    index: int, rng: np.random.Generator, base: _BaseArrays, settings: ScenarioSettings
) -> np.ndarray:
    """An ensemble member when the feeds have them, else the feed plus a smooth error.

    Storm severity deepens frost: ``T' = T - (severity - 1) max(0, -T)``.
    """
    centre = base.members[index % len(base.members)] if base.members is not None else base.temp
    sites, hours = centre.shape
    days = (hours + 23) // 24
    daily = _ar1(rng, (sites, days), phi=0.7, sd=settings.temp_error_c)
    temp = centre + np.repeat(daily, 24, axis=1)[:, :hours]
    return temp - (settings.storm_severity - 1.0) * np.maximum(0.0, -temp)


def _stress(temp: np.ndarray, latitudes: np.ndarray, local_hours: np.ndarray) -> np.ndarray:
    """Grid stress of every site, hour by hour (:func:`weather.synthetic.grid_stress`) [-]."""
    return np.array(
        [grid_stress(t, lat, h) for t, lat, h in zip(temp, latitudes, local_hours, strict=True)]
    )


def _scenario_prices(
    rng: np.random.Generator,
    base: _BaseArrays,
    temp: np.ndarray,
    where: tuple[np.ndarray, np.ndarray],
    settings: ScenarioSettings,
) -> np.ndarray:
    """Feed prices with correlated log noise, plus scarcity for weather worse than the feed's.

    Prices are capped at the offer cap, or at the feed's own highest price where that is higher
    (ERCOT's cap was 9,000 USD/MWh during Uri: recorded prices are never clipped).
    """
    noise = np.exp(_ar1(rng, base.price.shape, phi=0.9, sd=settings.price_noise))
    extra = np.maximum(0.0, _stress(temp, *where) ** 2 - _stress(base.temp, *where) ** 2)
    price = base.price * noise + settings.price_spike_scale * PRICE_CAP_USD_PER_MWH * extra
    cap = np.maximum(PRICE_CAP_USD_PER_MWH, base.price.max(axis=1, keepdims=True))
    return np.minimum(price, cap)


def _scenario_hashprice(
    rng: np.random.Generator, base: _BaseArrays, settings: ScenarioSettings
) -> tuple[np.ndarray, np.ndarray]:
    """Feed hashprice scaled by a BTC price path (GBM) and a difficulty drift; the BTC price."""
    days = len(base.btc_price) // 24 + 1
    dt = 1.0 / 365.25
    vol = settings.btc_volatility_annual
    log_btc = np.cumsum(rng.normal(-0.5 * vol**2 * dt, vol * np.sqrt(dt), days))
    log_btc -= log_btc[0]
    drift = np.log1p(settings.difficulty_growth_annual) * dt * np.arange(days)
    daily = (1.0 + settings.btc_price_shock) * np.exp(log_btc - drift)
    hour_day = np.arange(len(base.hashprice)) // 24
    btc = (1.0 + settings.btc_price_shock) * np.exp(log_btc)
    return base.hashprice * daily[hour_day], base.btc_price * btc[hour_day]


def _draw_outages(
    rng: np.random.Generator,
    hazard: OutageHazard,
    exposure: float,
    temp: np.ndarray,
    alert: np.ndarray,
    settings: ScenarioSettings,
) -> tuple[tuple[float, float], ...]:
    """Grid outages of one site: an hourly Bernoulli hazard raised by cold, heat and alerts."""
    weather = 4.0 * (temp < -10.0) + 1.0 * (temp > 40.0) + 2.0 * alert
    rate = hazard.rate_per_year / 8760.0 * exposure * (1.0 + settings.storm_severity * weather)
    starts = np.flatnonzero(rng.random(len(temp)) < rate) + rng.random()
    durations = (
        hazard.duration_median_h
        * settings.outage_duration_scale
        * rng.lognormal(0.0, hazard.duration_sigma, len(starts))
    )
    return merge_intervals(zip(starts.tolist(), (starts + durations).tolist(), strict=True))


def merge_intervals(
    intervals: Iterator[tuple[float, float]] | list[tuple[float, float]],
) -> tuple[tuple[float, float], ...]:
    """Sort and merge overlapping ``(start, end)`` intervals."""
    merged: list[list[float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((a, b) for a, b in merged)
