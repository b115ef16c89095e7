"""Scenarios: joint draws of weather, prices, grid outages and hashprice over a horizon.

Each :class:`Scenario` is one plausible future for the whole fleet. Its random draws are
anchored to the calendar (:mod:`weather.draws`): a draw comes from the stream named by its
process, the scenario's index and the site (``("scenario-price", i, site id)``) at its calendar
day and hour. So scenario ``i`` is the same whatever ``n`` is, a longer horizon sees the same days
plus more, and the same seed gives the same set. See ``docs/model.md`` (Scenarios) for the
formulas.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pydantic import ConfigDict, Field

from planner.domain.fleet import Fleet
from planner.domain.ledger import DR_TRIGGER_USD_PER_MWH, SiteHours
from planner.errors import ConfigError
from planner.settings import Number, Settings
from planner.world.feeds import Feeds
from planner.world.hazards import OutageHazard
from planner.world.scenario_base import BaseArrays, fleet_stress
from weather import draws
from weather.climate import PRICE_CAP_USD_PER_MWH


class ScenarioSettings(Settings):
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

    model_config = ConfigDict(title="scenario settings")

    storm_severity: Number = Field(1.0, ge=0, le=5)
    outage_duration_scale: Number = Field(1.0, ge=0, le=20)
    price_spike_scale: Number = Field(1.0, ge=0, le=20)
    btc_price_shock: Number = Field(0.0, ge=-0.95, le=5)
    temp_error_c: Number = Field(2.0, ge=0, le=15)
    price_noise: Number = Field(0.15, ge=0, le=2)
    btc_volatility_annual: Number = Field(0.55, ge=0, le=3)
    difficulty_growth_annual: Number = Field(0.3, ge=-0.9, le=5)


@dataclass(frozen=True, eq=False)
class Scenario:
    """One joint realisation over the horizon; arrays are ``(sites, hours)`` in fleet order.

    Attributes
    ----------
    index
        Position in its set; with the set's seed and the calendar it identifies the draw.
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
    temp_forecast_c
        The temperature forecast issued before the horizon, ``(sites, hours)`` [degC]: what the
        policies read ahead (drawn scenarios: the feeds' forecast, not the draw); ``None``: the
        scenario's own temperature (a perfect forecast).
    price_before_usd_per_mwh
        Settled price of the hour before the horizon per site, ``(sites,)`` [USD/MWh]; ``None``
        when not known.
    hashprice_before_usd_per_th_day
        Hashprice of the last UTC day closed before the horizon [USD/(TH/s day)]; NaN: the
        first hour's is taken as known at the start.
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
    temp_forecast_c: np.ndarray | None = None
    price_before_usd_per_mwh: np.ndarray | None = None
    hashprice_before_usd_per_th_day: float = np.nan

    def site_hours(self, site_index: int) -> SiteHours:
        """The outside world at one site in this scenario (grid up: outages are events)."""
        price = self.price_usd_per_mwh[site_index]
        forecast = self.temp_forecast_c
        before = self.price_before_usd_per_mwh
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
            temp_forecast_c=None if forecast is None else forecast[site_index],
            price_before_usd_per_mwh=np.nan if before is None else float(before[site_index]),
            hashprice_before_usd_per_th_day=self.hashprice_before_usd_per_th_day,
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
    if n < 1:
        raise ConfigError("scenarios", f"n: must be >= 1, got {n}")
    drawer = scenario_drawer(fleet, feeds, seed, horizon, settings, hazards)
    scenarios = []
    for i in range(n):
        if progress is not None:
            progress("scenarios", i, n)
        scenarios.append(drawer.draw(i, 1.0 / n))
    if progress is not None:
        progress("scenarios", n, n)
    return ScenarioSet(tuple(scenarios), fleet.site_ids, seed, drawer.settings)


@dataclass(frozen=True, eq=False)
class ScenarioDrawer:
    """Everything a draw needs but the scenario's index: the feeds as arrays, the seed, the
    settings and each site's outage hazard. Scenario ``i`` depends on these and ``i`` alone, so
    any process holding a drawer draws the same scenario ``i``.
    """

    base: BaseArrays
    seed: int
    settings: ScenarioSettings
    hazards: tuple[OutageHazard, ...]
    exposure: np.ndarray

    def draw(self, index: int, weight: float) -> Scenario:
        """Scenario ``index`` with probability ``weight``."""
        return _draw(
            index, self.seed, self.base, self.settings, self.hazards, self.exposure, weight
        )


def scenario_drawer(
    fleet: Fleet,
    feeds: Feeds,
    seed: int,
    horizon: int | None = None,
    settings: ScenarioSettings | None = None,
    hazards: dict[str, OutageHazard] | None = None,
) -> ScenarioDrawer:
    """The :class:`ScenarioDrawer` of :func:`make_scenarios` (same arguments).

    Raises
    ------
    ConfigError
        A horizon shorter than a day or longer than the feeds.
    """
    hours = len(feeds.times) if horizon is None else horizon
    if not 24 <= hours <= len(feeds.times):
        raise ConfigError(
            "scenarios", f"horizon: must be in [24, {len(feeds.times)}] hours, got {hours}"
        )
    hazards = feeds.hazards if hazards is None else hazards
    return ScenarioDrawer(
        base=BaseArrays.from_feeds(fleet, feeds, hours),
        seed=seed,
        settings=settings or ScenarioSettings(),
        hazards=tuple(hazards.get(s.id, OutageHazard()) for s in fleet.sites),
        exposure=np.array([s.outage_exposure for s in fleet.sites]),
    )


#: Persistence of the scenario's temperature error from one day to the next, and of its log
#: price noise from one hour to the next [-].
TEMP_ERROR_PHI, PRICE_NOISE_PHI = 0.7, 0.9


def _streams(name: str, index: int, base: BaseArrays) -> list[tuple[str, int, str]]:
    """The stream of each site for one process of scenario ``index``."""
    return [(name, index, site) for site in base.site_ids]


def _draw(
    index: int,
    seed: int,
    base: BaseArrays,
    settings: ScenarioSettings,
    hazards: Sequence[OutageHazard],
    exposure: np.ndarray,
    weight: float,
) -> Scenario:
    temp = _scenario_temperature(index, seed, base, settings)
    price = _scenario_prices(index, seed, base, temp, settings)
    hashprice, btc_price = _scenario_hashprice(index, seed, base, settings)
    outages = _draw_outages(seed, index, base, hazards, exposure, temp, settings)
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
        temp_forecast_c=base.temp,
        hashprice_before_usd_per_th_day=base.hashprice_before,
    )


def failure_multiplier(temp_air_c: np.ndarray) -> np.ndarray:
    """ASIC failure rate multiplier from heat: +5 % per degC of ambient above 35 degC [-]."""
    return 1.0 + 0.05 * np.maximum(0.0, temp_air_c - 35.0)


def scenario_from_feeds(fleet: Fleet, feeds: Feeds) -> Scenario:
    """The feeds themselves as one scenario: no noise; outages from the feeds' outage events."""
    base = BaseArrays.from_feeds(fleet, feeds, len(feeds.times))
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
        temp_forecast_c=base.temp,
        hashprice_before_usd_per_th_day=base.hashprice_before,
    )


def _scenario_temperature(
    index: int, seed: int, base: BaseArrays, settings: ScenarioSettings
) -> np.ndarray:
    """An ensemble member when the feeds have them, else the feed plus a smooth error.

    The error is a daily AR(1) held over each UTC calendar day. Storm severity deepens frost:
    ``T' = T - (severity - 1) max(0, -T)``.
    """
    centre = base.members[index % len(base.members)] if base.members is not None else base.temp
    streams = _streams("scenario-temp", index, base)
    on = base.hours
    daily = draws.ar1_normal(seed, streams, on.first_day, on.n_days, 1, TEMP_ERROR_PHI)[..., 0]
    temp = centre + settings.temp_error_c * daily[:, on.day]
    return temp - (settings.storm_severity - 1.0) * np.maximum(0.0, -temp)


def _scenario_prices(
    index: int,
    seed: int,
    base: BaseArrays,
    temp: np.ndarray,
    settings: ScenarioSettings,
) -> np.ndarray:
    """Feed prices with correlated log noise, plus scarcity for weather worse than the feed's.

    Where the feeds carry price quantiles, the price is drawn from them instead: the level of
    each hour is ``Phi(z_h)``, ``z`` an hourly AR(1) of unit variance (the same persistence as
    the log noise), and the quantile function is linear between levels and flat beyond them.
    Prices are capped at the offer cap, or at the feed's own highest price where that is higher
    (ERCOT's cap was 9,000 USD/MWh during Uri: recorded prices are never clipped).
    """
    on = base.hours
    streams = _streams("scenario-price", index, base)
    hourly = draws.ar1_normal(seed, streams, on.first_day, on.n_days, 24, PRICE_NOISE_PHI)
    centre = base.price * np.exp(settings.price_noise * on.take(hourly))
    if base.quantiles is not None and base.levels is not None:
        streams = _streams("scenario-price-level", index, base)
        z = draws.ar1_normal(seed, streams, on.first_day, on.n_days, 24, PRICE_NOISE_PHI)
        drawn = quantile_at(base.quantiles, base.levels, normal_cdf(on.take(z)))
        centre = np.where(np.isnan(drawn), centre, drawn)
    stress = fleet_stress(temp, base.latitudes, base.local_hours)
    extra = np.maximum(0.0, stress**2 - base.stress**2)
    price = centre + settings.price_spike_scale * PRICE_CAP_USD_PER_MWH * extra
    cap = np.maximum(PRICE_CAP_USD_PER_MWH, base.price.max(axis=1, keepdims=True))
    return np.minimum(price, cap)


def normal_cdf(z: np.ndarray) -> np.ndarray:
    """Standard normal distribution function, elementwise."""
    return 0.5 * (1.0 + np.vectorize(math.erf)(np.asarray(z, dtype=float) / math.sqrt(2.0)))


def quantile_at(quantiles: np.ndarray, levels: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Values of piecewise-linear quantile functions at levels ``u``, flat beyond the outer ones.

    Parameters
    ----------
    quantiles
        ``(..., len(levels))``, non-decreasing along the last axis.
    levels
        Increasing levels in (0, 1).
    u
        Levels to read, the shape of ``quantiles`` without its last axis.

    Examples
    --------
    >>> quantile_at(np.array([[10.0, 20.0, 60.0]]), np.array([0.25, 0.5, 0.75]), np.array([0.625]))
    array([40.])
    """
    u = np.clip(np.asarray(u, dtype=float), levels[0], levels[-1])
    j = np.clip(np.searchsorted(levels, u, side="right") - 1, 0, len(levels) - 2)
    lo = np.take_along_axis(quantiles, j[..., None], axis=-1)[..., 0]
    hi = np.take_along_axis(quantiles, (j + 1)[..., None], axis=-1)[..., 0]
    share = (u - levels[j]) / (levels[j + 1] - levels[j])
    return np.asarray(lo + share * (hi - lo))


def _scenario_hashprice(
    index: int, seed: int, base: BaseArrays, settings: ScenarioSettings
) -> tuple[np.ndarray, np.ndarray]:
    """Feed hashprice scaled by a BTC price path (GBM, one step per UTC calendar day) and a
    difficulty drift; the BTC price."""
    on = base.hours
    dt = 1.0 / 365.25
    vol = settings.btc_volatility_annual
    z = draws.normal(seed, ("scenario-btc", index), on.first_day, on.n_days, 1)[:, 0]
    log_btc = np.cumsum(-0.5 * vol**2 * dt + vol * np.sqrt(dt) * z)
    log_btc -= log_btc[0]
    drift = np.log1p(settings.difficulty_growth_annual) * dt * np.arange(on.n_days)
    daily = (1.0 + settings.btc_price_shock) * np.exp(log_btc - drift)
    btc = (1.0 + settings.btc_price_shock) * np.exp(log_btc)
    return base.hashprice * daily[on.day], base.btc_price * btc[on.day]


def _draw_outages(
    seed: int,
    index: int,
    base: BaseArrays,
    hazards: Sequence[OutageHazard],
    exposure: np.ndarray,
    temp: np.ndarray,
    settings: ScenarioSettings,
) -> tuple[tuple[tuple[float, float], ...], ...]:
    """Grid outages of every site: an hourly Bernoulli hazard raised by cold, heat and alerts.

    Each calendar hour of a site holds three draws (streams named by the scenario index and the
    site): a uniform that decides whether an outage starts in it, a uniform for where in the hour
    it starts and a standard normal for its lognormal length. The hazards of all sites are
    computed at once, ``(sites, hours)``; only the days an outage starts in are drawn for the
    other two.
    """
    weather = 4.0 * (temp < -10.0) + 1.0 * (temp > 40.0) + 2.0 * base.alert_active
    per_hour = np.array([h.rate_per_year for h in hazards]) / 8760.0 * exposure
    rate = per_hour[:, None] * (1.0 + settings.storm_severity * weather)
    hours = base.hours
    arrival = np.array(
        [
            draws.per_hour(draws.uniform, seed, ("scenario-outage", index, site), hours)
            for site in base.site_ids
        ]
    )
    starting = arrival < rate
    out: list[tuple[tuple[float, float], ...]] = [()] * len(base.site_ids)
    for s in np.flatnonzero(starting.any(axis=1)).tolist():
        site, hazard = base.site_ids[s], hazards[s]
        which = np.flatnonzero(starting[s])
        offset = draws.at_hours(
            draws.uniform, seed, ("scenario-outage-offset", index, site), hours, which
        )
        length = draws.at_hours(
            draws.normal, seed, ("scenario-outage-length", index, site), hours, which
        )
        starts = which + offset
        durations = (
            hazard.duration_median_h
            * settings.outage_duration_scale
            * np.exp(hazard.duration_sigma * length)
        )
        out[s] = merge_intervals(zip(starts.tolist(), (starts + durations).tolist(), strict=True))
    return tuple(out)


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


def flat_scenario(
    fleet: Fleet,
    hours: int,
    *,
    temp_air_c: float | np.ndarray = 20.0,
    price_usd_per_mwh: float | np.ndarray = 40.0,
    hashprice_usd_per_th_day: float = 0.05,
    outages: dict[str, list[tuple[float, float]]] | None = None,
    start: str = "2025-03-01",
    price_before_usd_per_mwh: float | np.ndarray | None = None,
) -> Scenario:
    """A hand-made scenario: the same weather and price at every site unless arrays are given.

    Arrays may be ``(hours,)`` (every site) or ``(sites, hours)``. ``outages`` maps site ids to
    ``(start_h, end_h)`` intervals. ``price_before_usd_per_mwh`` (one value, or one per site) is
    the price settled in the hour before the first, which rules acting on the last published
    price see in the first hour; without it nothing is published before the window (and the
    hashprice of the day before is the flat hashprice either way).
    """
    n_sites = len(fleet.sites)

    def grid(value: float | np.ndarray) -> np.ndarray:
        return np.broadcast_to(np.asarray(value, dtype=float), (n_sites, hours)).copy()

    outages = outages or {}
    return Scenario(
        index=0,
        weight=1.0,
        times=pd.date_range(start, periods=hours, freq="h", tz="UTC", name="time"),
        temp_air_c=grid(temp_air_c),
        price_usd_per_mwh=grid(price_usd_per_mwh),
        hashprice_usd_per_th_day=np.full(hours, hashprice_usd_per_th_day),
        outages=tuple(tuple(outages.get(s.id, [])) for s in fleet.sites),
        failure_multiplier=np.ones((n_sites, hours)),
        four_cp_peak=np.zeros((n_sites, hours), dtype=bool),
        four_cp_probability=np.zeros((n_sites, hours)),
        alert_active=np.zeros((n_sites, hours), dtype=bool),
        price_before_usd_per_mwh=(
            None
            if price_before_usd_per_mwh is None
            else np.broadcast_to(
                np.asarray(price_before_usd_per_mwh, dtype=float), (n_sites,)
            ).copy()
        ),
        hashprice_before_usd_per_th_day=hashprice_usd_per_th_day,
    )
