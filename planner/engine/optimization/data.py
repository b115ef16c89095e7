"""The optimizer's data: tiers, relocation options and the scenarios as period arrays.

Everything the model needs is computed here once, as numpy arrays indexed ``(tier or site,
period, scenario)``, so that building the model is only arithmetic on arrays. Operational periods
are the scenarios' hours; strategic periods aggregate them, long ones split into price blocks
(:mod:`~planner.engine.optimization.periods`; ``docs/model.md``, Optimizer: periods). With
blocks, the model's "periods" are the slots: every block of every period, each with its own
hours (its ``duration_h``) and the block means of its site's hours.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from planner.domain.economics.units import HOURS_PER_WEEK
from planner.domain.fleet import Fleet, Site
from planner.domain.freeze import WATER_FREEZE_C
from planner.domain.ledger import DR_TRIGGER_USD_PER_MWH, site_tiers
from planner.engine.optimization.freeze_data import (
    FreezeData,
    forward_margins,
    freezing_hours,
    prepare_freeze,
)
from planner.engine.optimization.periods import Resolution, time_axis
from planner.engine.optimization.settings import MAX_OPERATIONAL_HOURS, OptimizeSettings
from planner.errors import ConfigError
from planner.world.scenarios import Scenario, ScenarioSet
from weather.climate import design_band_c

_SOURCE = "optimize"
#: A period that starts this close to the end of a lead time is not within it [h].
_LEAD_TOLERANCE_H = 1e-9


@dataclass(frozen=True)
class TierData:
    """One efficiency tier: the machines of one model at one site (possibly none yet).

    Attributes
    ----------
    site
        Position of the site in the fleet.
    site_id, model_id
        Identifiers.
    power_w, hashrate_th_s
        Nameplate figures of one machine [W], [TH/s].
    installed
        Machines installed before any relocation [-].
    cold_start_h
        Time from power-on to full hashrate [h].
    power_share, hash_share
        The model's efficiency table as shares of its nameplate, from off ``(0, 0)`` to the
        nameplate ``(1, 1)`` (:attr:`~planner.domain.fleet.MinerModel.curve`) [-].
    mode_names
        Names of the table's rows (``off`` ... ``nameplate``).
    """

    site: int
    site_id: str
    model_id: str
    power_w: float
    hashrate_th_s: float
    installed: int
    cold_start_h: float
    power_share: tuple[float, ...] = (0.0, 1.0)
    hash_share: tuple[float, ...] = (0.0, 1.0)
    mode_names: tuple[str, ...] = ("off", "nameplate")

    @property
    def has_modes(self) -> bool:
        """Whether the model runs at power modes below its nameplate."""
        return len(self.power_share) > 2


@dataclass(frozen=True)
class ShipOption:
    """Machines of one model that may move along one route (first stage, at period 0).

    Attributes
    ----------
    route
        Position of the route in ``fleet.routes``.
    from_site, to_site, model_id
        Identifiers.
    from_tier, to_tier
        Positions of the origin and destination tiers in :attr:`ModelData.tiers`.
    cost_usd_per_machine
        Relocation cost [USD per machine].
    transit_days
        Days out of service [d].
    arrival_period
        First period in which the machines hash at the destination (the number of periods when
        they arrive after the horizon) [-].
    """

    route: int
    from_site: str
    to_site: str
    model_id: str
    from_tier: int
    to_tier: int
    cost_usd_per_machine: float
    transit_days: float
    arrival_period: int


@dataclass(frozen=True, eq=False)
class ModelData:
    """The fleet and scenarios as arrays over tiers, sites, periods and scenarios.

    Attributes
    ----------
    fleet, settings
        The inputs.
    tiers
        Tiers of every site, sites in fleet order, most efficient first within a site.
    options
        Relocation options (route x model).
    route_caps
        Machines each route can move over the horizon: ``max_machines_per_week x hours / 168``,
        rounded down, ``(routes,)`` [-].
    times
        Period starts, UTC (with price blocks: the start of each slot's period).
    start_h, duration_h
        Period start from the horizon start and length (with price blocks: the start of the
        slot's period and the hours in the slot; with breakeven blocks, whose hours differ by
        site and scenario, their mean: :attr:`hours_in` holds each), ``(periods,)`` [h].
    hours
        Horizon [h].
    weights
        Scenario probabilities, ``(scenarios,)`` [-].
    scenario_ids
        ``Scenario.index`` of each scenario.
    availability
        Share of a tier's installed nameplate that can run: grid (outages plus restart and cold
        start) x ambient derate, period mean, ``(tiers, periods, scenarios)`` [-].
    grid
        Share of the period with grid power and the tier restarted, ``(tiers, periods, scenarios)``.
    price
        Real-time price, mean over the period weighted by the site's availability,
        ``(sites, periods, scenarios)`` [USD/MWh].
    hashprice
        Mean hashprice over the hours of each site's periods (the same at every site unless the
        periods are split into price blocks), ``(sites, periods, scenarios)``
        [USD/(TH/s day)].
    four_cp_hours
        4CP peak hours in the period, ``(sites, periods, scenarios)`` [h].
    dr_share
        Share of the period's hours in which demand response is called (price at or above
        :data:`planner.domain.ledger.DR_TRIGGER_USD_PER_MWH`), ``(sites, periods, scenarios)`` [-].
    threat_share
        Share of the period's hours in which a protective order is in play
        (:func:`protective_threat`), ``(sites, periods, scenarios)`` [-].
    forward_margin
        What a machine of each tier earns per hour after the horizon, ``(tiers, scenarios)``
        (:mod:`planner.domain.after_horizon`) [USD per machine-hour].
    freeze
        The freeze-risk sites' cold hours and damage windows
        (:class:`~planner.engine.optimization.freeze_data.FreezeData`).
    resolution
        The time axis: periods, and the slots (price blocks) the arrays above are indexed by
        (:class:`~planner.engine.optimization.periods.Resolution`).
    scenarios
        The scenarios themselves (the strike rule's fallback plan reads their hours).
    """

    fleet: Fleet
    settings: OptimizeSettings
    tiers: tuple[TierData, ...]
    options: tuple[ShipOption, ...]
    route_caps: np.ndarray
    times: pd.DatetimeIndex
    start_h: np.ndarray
    duration_h: np.ndarray
    hours: int
    weights: np.ndarray
    scenario_ids: np.ndarray
    availability: np.ndarray
    grid: np.ndarray
    price: np.ndarray
    hashprice: np.ndarray
    four_cp_hours: np.ndarray
    dr_share: np.ndarray
    threat_share: np.ndarray
    forward_margin: np.ndarray
    freeze: FreezeData
    resolution: Resolution
    scenarios: tuple[Scenario, ...] = ()

    @property
    def sites(self) -> tuple[Site, ...]:
        """The fleet's sites."""
        return self.fleet.sites

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(tiers, periods, scenarios)``."""
        return (len(self.tiers), len(self.duration_h), len(self.weights))

    @cached_property
    def hours_in(self) -> np.ndarray:
        """Hours of each period (slot) at each site in each scenario, ``(sites, periods,
        scenarios)`` [h]: ``duration_h`` for every site and scenario unless breakeven blocks
        give each its own."""
        return self.resolution.hours_in(len(self.sites), len(self.weights))

    @cached_property
    def tier_site(self) -> np.ndarray:
        """Site position of each tier, ``(tiers,)``."""
        return np.array([t.site for t in self.tiers], dtype=int)

    @cached_property
    def installed(self) -> np.ndarray:
        """Machines installed before relocations, ``(tiers,)`` [-]."""
        return np.array([t.installed for t in self.tiers], dtype=float)

    @cached_property
    def power_mw(self) -> np.ndarray:
        """Nameplate IT power of one machine, ``(tiers,)`` [MW]."""
        return np.array([t.power_w for t in self.tiers]) / 1e6

    @cached_property
    def eh_s_per_mw(self) -> np.ndarray:
        """Hashrate per MW of IT load, ``(tiers,)`` [EH/s per MW] (= TH/s per W)."""
        return np.array([t.hashrate_th_s / t.power_w for t in self.tiers])

    @cached_property
    def modes(self) -> tuple[tuple[int, int], ...]:
        """``(tier, row)`` of every hashing row of the tiers with power modes, tier by tier
        (row 1 is the lowest mode, the last row the nameplate)."""
        return tuple(
            (k, m)
            for k, t in enumerate(self.tiers)
            if t.has_modes
            for m in range(1, len(t.power_share))
        )

    def hashrate_eh_s(self, running_mw: np.ndarray, available_mw: np.ndarray) -> np.ndarray:
        """Hashrate of each tier at its load, the efficiency table interpolated [EH/s].

        Parameters
        ----------
        running_mw, available_mw
            IT load and what the available machines draw at nameplate,
            ``(tiers, periods, scenarios)`` [MW].
        """
        out = np.zeros(running_mw.shape)
        for k, tier in enumerate(self.tiers):
            with np.errstate(invalid="ignore", divide="ignore"):
                share = np.where(available_mw[k] > 0, running_mw[k] / available_mw[k], 0.0)
            hashes = np.interp(np.clip(share, 0.0, 1.0), tier.power_share, tier.hash_share)
            out[k] = self.eh_s_per_mw[k] * available_mw[k] * hashes
        return out

    @cached_property
    def overhead(self) -> np.ndarray:
        """PUE of each site, ``(sites,)`` [-]."""
        return np.array([s.overhead for s in self.sites])

    @cached_property
    def lead_periods(self) -> np.ndarray:
        """Periods decided now at each site, ``(sites,)`` [-] (``docs/model.md``, first stage).

        The periods that start within :attr:`OptimizeSettings.lead_hours`; at a site that some
        scenario threatens (:attr:`threat_share`) within
        :attr:`OptimizeSettings.protection_lead_hours`, those that start within that.
        """
        s = self.settings
        ordinary = int(np.sum(self.start_h < s.lead_hours - _LEAD_TOLERANCE_H))
        protective = int(np.sum(self.start_h < s.protection_lead_hours - _LEAD_TOLERANCE_H))
        out = np.full(len(self.sites), ordinary, dtype=int)
        if protective > ordinary:
            threatened = (self.threat_share[:, :protective, :] > 0).any(axis=(1, 2))
            out[threatened] = protective
        return out

    def site_tier_indices(self, site: int) -> np.ndarray:
        """Positions of the tiers of one site, most efficient first."""
        return np.flatnonzero(self.tier_site == site)

    def tier_index(self, site_id: str, model_id: str) -> int:
        """Position of a tier; :class:`ConfigError` if the site has no such tier."""
        for k, t in enumerate(self.tiers):
            if t.site_id == site_id and t.model_id == model_id:
                return k
        raise ConfigError(_SOURCE, f"site {site_id!r} has no tier {model_id!r}")

    def shipped_machines(self, ship: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Machines leaving and arriving per tier for shipments ``ship`` ``(options,)``.

        Returns
        -------
        leaving, arriving_by_period
            ``(tiers,)`` machines gone from period 0, and ``(tiers, periods)`` machines arrived
            by each period [-].
        """
        k, t, _ = self.shape
        leaving = np.zeros(k)
        arriving = np.zeros((k, t))
        for o, opt in enumerate(self.options):
            leaving[opt.from_tier] += ship[o]
            arriving[opt.to_tier, opt.arrival_period :] += ship[o]
        return leaving, arriving


def prepare(
    fleet: Fleet,
    scenarios: ScenarioSet | Sequence[Scenario],
    settings: OptimizeSettings,
    *,
    exposed_before_h: Mapping[str, int] | None = None,
) -> ModelData:
    """Turn the fleet and scenarios into :class:`ModelData`.

    ``exposed_before_h``: idle hours below 0 degC in a row that a freeze-risk site has behind it
    when the horizon starts (a rolling plan's earlier steps), per site id [h].

    Raises
    ------
    ConfigError
        No scenarios, scenarios of different horizons or sites, weights not summing to 1, an
        operational horizon longer than 14 days, or periods that a minimum down time or a ramp
        limit cannot use (of several lengths, or split into price blocks).
    """
    scen = tuple(scenarios)
    _check_scenarios(fleet, scen)
    hours = len(scen[0].times)
    if settings.horizon == "operational" and hours > MAX_OPERATIONAL_HOURS:
        raise ConfigError(
            _SOURCE,
            f"horizon: an operational plan covers at most {MAX_OPERATIONAL_HOURS} hourly "
            f"periods, the scenarios have {hours}; use horizon='strategic'",
        )
    if (
        settings.horizon == "strategic"
        and settings.min_down_hours is not None
        and 0 < settings.strategic_hourly_hours < hours
    ):
        raise ConfigError(
            _SOURCE,
            "strategic_hourly_hours: a minimum down time needs periods of one length; "
            "set strategic_hourly_hours=0 or min_down_hours=None",
        )
    n_sites = len(fleet.sites)
    price_h = np.stack([sc.price_usd_per_mwh for sc in scen], axis=-1)
    hashprice_h = np.stack([sc.hashprice_usd_per_th_day for sc in scen], axis=-1)
    peak_h = np.stack([sc.four_cp_peak for sc in scen], axis=-1).astype(float)
    tiers = _tiers(fleet, settings)
    cold_h = freezing_hours(fleet, scen)
    res = time_axis(hours, settings, fleet, tiers, price_h, hashprice_h, peak_h, cold_h)
    options = _options(fleet, settings, tiers, res.slot_start_h)
    caps = np.array(
        [math.floor(r.max_machines_per_week * hours / HOURS_PER_WEEK + 1e-9) for r in fleet.routes],
        dtype=float,
    )
    tier_site = np.array([t.site for t in tiers], dtype=int)
    sites = np.arange(n_sites)
    derate = np.stack(
        [
            np.array(
                [
                    fleet.cooling[site.cooling].derate(sc.temp_air_c[i])
                    for i, site in enumerate(fleet.sites)
                ]
            )
            for sc in scen
        ],
        axis=-1,
    )  # (sites, hours, scenarios)
    grid_h = np.stack(
        [
            np.array(
                [
                    1.0
                    - down_share(
                        sc.outages[t.site],
                        fleet.sites[t.site].restart_minutes / 60.0 + t.cold_start_h,
                        hours,
                    )
                    for t in tiers
                ]
            ).reshape(len(tiers), hours)
            for sc in scen
        ],
        axis=-1,
    )  # (tiers, hours, scenarios)
    site_grid_h = np.stack(
        [
            np.array(
                [
                    1.0 - down_share(sc.outages[i], site.restart_minutes / 60.0, hours)
                    for i, site in enumerate(fleet.sites)
                ]
            )
            for sc in scen
        ],
        axis=-1,
    )
    site_avail_h = site_grid_h * derate
    avail_h = grid_h * derate[tier_site]
    models = [t.model_id for t in tiers]
    installed = np.array([t.installed for t in tiers], dtype=float)
    forward = forward_margins(fleet, scen, tier_site, models)
    threat_h = np.stack(
        [
            [
                protective_threat(fleet, site, sc.temp_air_c[i], sc.alert_active[i])
                for i, site in enumerate(fleet.sites)
            ]
            for sc in scen
        ],
        axis=-1,
    ).astype(float)
    return ModelData(
        fleet=fleet,
        settings=settings,
        tiers=tiers,
        options=options,
        route_caps=caps,
        times=scen[0].times[res.slot_start_h.astype(int)],
        start_h=res.slot_start_h,
        duration_h=res.slot_hours,
        hours=hours,
        weights=np.array([sc.weight for sc in scen], dtype=float),
        scenario_ids=np.array([sc.index for sc in scen], dtype=int),
        availability=res.mean(avail_h, tier_site),
        grid=res.mean(grid_h, tier_site),
        price=res.mean(price_h, sites, site_avail_h),
        hashprice=res.mean(np.broadcast_to(hashprice_h, price_h.shape), sites),
        four_cp_hours=res.sum(peak_h, sites),
        dr_share=res.mean((price_h >= DR_TRIGGER_USD_PER_MWH).astype(float), sites),
        threat_share=res.mean(threat_h, sites),
        forward_margin=forward,
        freeze=prepare_freeze(
            fleet, scen, tier_site, models, installed, avail_h, forward, exposed_before_h or {}
        ),
        resolution=res,
        scenarios=scen,
    )


def protective_threat(
    fleet: Fleet, site: Site, temp_air_c: np.ndarray, alert_active: np.ndarray
) -> np.ndarray:
    """Hours in which a protective order is in play at a site, the protective policy's defaults.

    At a freeze-risk (hydro) site: below 0 degC, its loops must be kept warm. Elsewhere: below the
    cold edge of the grid's design band (:func:`weather.climate.design_band_c`) or under a
    severe-weather alert, an orderly shutdown is due
    (:class:`~planner.engine.policies.ProtectiveShutdown`).

    Parameters
    ----------
    fleet, site
        The site and its cooling.
    temp_air_c
        Temperature, hourly [degC].
    alert_active
        Whether a severe-weather alert covers the site, hourly.

    Returns
    -------
    numpy.ndarray
        Boolean, hourly.
    """
    temp = np.asarray(temp_air_c, dtype=float)
    if fleet.cooling[site.cooling].freeze_risk:
        return temp < WATER_FREEZE_C
    return (temp < design_band_c(site.latitude)[0]) | np.asarray(alert_active, dtype=bool)


def _check_scenarios(fleet: Fleet, scen: tuple[Scenario, ...]) -> None:
    if not scen:
        raise ConfigError(_SOURCE, "scenarios: at least one scenario is needed")
    problems = []
    first = scen[0]
    n_sites = len(fleet.sites)
    for j, sc in enumerate(scen):
        if not first.times.equals(sc.times):
            problems.append(f"scenarios[{j}].times: every scenario must cover the same hours")
        if sc.price_usd_per_mwh.shape != (n_sites, len(first.times)):
            problems.append(
                f"scenarios[{j}].price_usd_per_mwh: must have shape (sites, hours) = "
                f"{(n_sites, len(first.times))}, got {sc.price_usd_per_mwh.shape}"
            )
        if len(sc.outages) != n_sites:
            problems.append(
                f"scenarios[{j}].outages: must list {n_sites} sites, got {len(sc.outages)}"
            )
    total = sum(sc.weight for sc in scen)
    if abs(total - 1.0) > 1e-6:
        problems.append(f"scenarios: weights must sum to 1, got {total:g}")
    if problems:
        raise ConfigError(_SOURCE, problems)


def _routes_and_models(fleet: Fleet, settings: OptimizeSettings) -> list[tuple[int, str, str]]:
    """``(route, model, destination)`` of every model that may move along a route."""
    raw: list[tuple[int, str, str]] = []
    if settings.relocate:
        for r, route in enumerate(fleet.routes):
            origin, dest = fleet.site(route.from_site), fleet.site(route.to_site)
            for model_id, count in origin.machines.items():
                if count > 0 and dest.cooling in fleet.models[model_id].cooling:
                    raw.append((r, model_id, dest.id))
    return raw


def _tiers(fleet: Fleet, settings: OptimizeSettings) -> tuple[TierData, ...]:
    """Tiers: models at a site or able to arrive there by a route and suited to its cooling."""
    raw = _routes_and_models(fleet, settings)
    tiers: list[TierData] = []
    for i, site in enumerate(fleet.sites):
        extra = {m: 0 for _, m, to in raw if to == site.id and m not in site.machines}
        effective = site.model_copy(update={"machines": {**site.machines, **extra}})
        for t in site_tiers(fleet, effective):
            tiers.append(
                TierData(
                    site=i,
                    site_id=site.id,
                    model_id=t.model_id,
                    power_w=t.model.power_w,
                    hashrate_th_s=t.model.hashrate_th_s,
                    installed=t.count,
                    cold_start_h=t.model.cold_start_minutes / 60.0,
                    power_share=tuple(t.model.curve[0].tolist()),
                    hash_share=tuple(t.model.curve[1].tolist()),
                    mode_names=t.model.curve_names,
                )
            )
    return tuple(tiers)


def _options(
    fleet: Fleet, settings: OptimizeSettings, tiers: Sequence[TierData], starts: np.ndarray
) -> tuple[ShipOption, ...]:
    """Relocation options: each model that may move along each route, arriving in the period
    that holds its arrival (``starts``: period starts [h])."""
    where = {(t.site_id, t.model_id): k for k, t in enumerate(tiers)}
    options = []
    for r, model_id, to in _routes_and_models(fleet, settings):
        route = fleet.routes[r]
        transit_h = route.transit_days * 24.0
        options.append(
            ShipOption(
                route=r,
                from_site=route.from_site,
                to_site=to,
                model_id=model_id,
                from_tier=where[(route.from_site, model_id)],
                to_tier=where[(to, model_id)],
                cost_usd_per_machine=route.cost_usd_per_machine,
                transit_days=route.transit_days,
                arrival_period=int(np.searchsorted(starts, transit_h - 1e-9, side="left")),
            )
        )
    return tuple(options)


def down_share(outages: Sequence[tuple[float, float]], extend_h: float, hours: int) -> np.ndarray:
    """Share of each hour a site (or tier) is down [-].

    Each outage ``(start_h, end_h)`` keeps the machines down until ``end_h + extend_h`` (restart
    and cold start); overlapping down times are merged before they are counted.

    Parameters
    ----------
    outages
        Grid outages, hours from the horizon start [h].
    extend_h
        Time after the grid returns until the machines hash again [h].
    hours
        Horizon [h].
    """
    merged: list[list[float]] = []
    for start, end in sorted(outages):
        stop = end + extend_h
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], stop)
        else:
            merged.append([start, stop])
    down = np.zeros(hours)
    left = np.arange(hours, dtype=float)
    for start, stop in merged:
        down += np.clip(np.minimum(left + 1.0, stop) - np.maximum(left, start), 0.0, 1.0)
    return np.minimum(down, 1.0)
