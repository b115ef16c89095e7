"""Discrete-event simulation of the fleet (SimPy), with vectorised hourly economics between events.

The world is discrete where it really is: grid outages interrupt a site's facility process,
restarts take the site's restart time and then each tier's cold start, ASIC failures queue for the
site's repair crews (first come, first served, as a SimPy ``Resource`` would serve them, at the
cost of one timeout per repair), relocated machines leave, spend their transit out of service and
are installed at the destination, and hydro sites left idle below freezing for longer than their
protection lose machines to freeze damage (:mod:`planner.domain.freeze`). Each change appends the
site's working machines per tier to a timeline; between changes the state is constant, so the
hourly ledger is numpy arithmetic over the timeline's hourly means
(:func:`planner.domain.ledger.site_ledger`). After the horizon the run goes on with nothing new
happening until every repair, restart and arrival under way has finished; the timelines then
give each site's machine-hours out after the horizon, which
:mod:`planner.domain.after_horizon` turns into dollars (the run's full value).

This module holds what a run is told (:class:`SimSettings`, :class:`Shipment`, :class:`Failure`),
what it gives back (:class:`SimResult`, :class:`SimArrays`) and :func:`simulate`, which sets the
run up; the SimPy processes and the site state they change are in
:mod:`planner.engine.site_processes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import simpy
from pydantic import ConfigDict, Field

from planner.domain.after_horizon import (
    AFTER_HORIZON_COLUMNS,
    VALUATION_CAP_HOURS,
    after_horizon_row,
)
from planner.domain.economics.units import HOURS_PER_DAY
from planner.domain.fleet import Fleet, Site
from planner.domain.freeze import FREEZE_IDLE_SHARE, freeze_damage_hours, idle_hours
from planner.domain.ledger import LEDGER_COLUMNS, Tier, site_ledger_values, site_tiers
from planner.engine.hashrate_floor import (
    Shortfall,
    fleet_floor_eh_s,
    raise_to_floor,
    run_causes,
    shortfalls,
)
from planner.engine.policies import Policy, policy_named
from planner.engine.site_processes import (
    EventLog,
    SiteState,
    facility,
    freeze,
    grid,
    random_failures,
    scripted_failures,
    ship,
)
from planner.errors import ConfigError
from planner.settings import Number, Settings
from planner.world.feeds import Feeds
from planner.world.scenarios import Scenario, scenario_from_feeds
from weather.schema import EVENT_COLUMNS

#: Columns of :attr:`SimResult.floor_shortfalls`, in order.
SHORTFALL_COLUMNS: tuple[str, ...] = (
    "time",
    "hashrate_eh_s",
    "floor_eh_s",
    "shortfall_eh_s",
    "reason",
)


@dataclass(frozen=True)
class Shipment:
    """Machines relocated along a route.

    Attributes
    ----------
    from_site, to_site
        Site ids.
    model_id
        Catalog model of the machines.
    count
        Machines shipped [-].
    depart_h
        Departure, hours from the horizon start [h].
    transit_days
        Days out of service [d].
    cost_usd_per_machine
        Relocation cost per machine shipped [USD] (the full-value accounting charges it).
    """

    from_site: str
    to_site: str
    model_id: str
    count: int
    depart_h: float
    transit_days: float
    cost_usd_per_machine: float = 0.0


@dataclass(frozen=True)
class Failure:
    """Machines of one model at one site failing together at one time (for scripted runs)."""

    site_id: str
    model_id: str
    count: int
    time_h: float


class SimSettings(Settings):
    """How the discrete-event part runs.

    Attributes
    ----------
    failures
        Draw random ASIC failures from the catalog's annual failure rates.
    failure_batch_hours
        Failures are drawn (Poisson) and reported once per this many hours per tier, so the event
        count does not grow with the number of machines [h]. ``None`` (default) adapts it to the
        horizon: ``horizon / 26`` within 24 .. 336 h, so a two-week plan sees daily batches and a
        year fortnightly ones, and every run costs about the same number of events.
    repair_hours_per_machine
        Crew time to repair one failed machine [h].
    freeze_idle_share
        A hydro site counts as idle when fewer than this share of its machines run [-]
        (:data:`planner.domain.freeze.FREEZE_IDLE_SHARE`).
    """

    model_config = ConfigDict(title="simulation settings")

    failures: bool = True
    failure_batch_hours: Number | None = Field(None, gt=0)
    repair_hours_per_machine: Number = Field(2.0, ge=0)
    freeze_idle_share: Number = Field(FREEZE_IDLE_SHARE, ge=0, le=1)


@dataclass(frozen=True, eq=False)
class SimResult:
    """One policy's run through one scenario.

    Attributes
    ----------
    policy
        Name of the policy.
    ledger
        Hourly ledger, index ``(site_id, time)``, columns
        :data:`planner.domain.ledger.LEDGER_COLUMNS`.
    events
        Event log: ``start``, ``end``, ``site_id``, ``kind``, ``severity``, ``source``,
        ``source_id``, ``count`` (machines concerned).
    after_horizon
        What the run leaves behind, one row per site (index ``site_id``), columns
        :data:`planner.domain.after_horizon.AFTER_HORIZON_COLUMNS`: machines out at the end
        [-], their machine-hours out after it [machine-h], hours until the last is back [h],
        the margin they lose after the horizon, the freeze repair and relocation bills and the
        three together (``after_horizon_usd``) [USD].
    scenario
        Index of the scenario in its set (0 for a run on feeds).
    floor_shortfalls
        The hours a policy's fleet hashrate floor (:mod:`planner.engine.hashrate_floor`) could
        not be kept: ``time``, ``hashrate_eh_s``, ``floor_eh_s``, ``shortfall_eh_s`` [EH/s] and
        the ``reason`` (grid outage, freeze damage, ASIC failures, heat derate at which sites,
        machines in transit, or a floor above the nameplate); empty without a floor.
    """

    policy: str
    ledger: pd.DataFrame
    events: pd.DataFrame
    after_horizon: pd.DataFrame
    scenario: int = 0
    floor_shortfalls: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(SHORTFALL_COLUMNS))
    )

    def profit_by_site(self) -> pd.DataFrame:
        """Per site: ``profit_usd`` inside the horizon, ``after_horizon_usd`` and
        ``profit_incl_after_horizon_usd`` (their difference, the full value) [USD]."""
        inside = self.ledger["profit_usd"].groupby(level="site_id", sort=False).sum()
        after = self.after_horizon["after_horizon_usd"].reindex(inside.index)
        return pd.DataFrame(
            {
                "profit_usd": inside,
                "after_horizon_usd": after,
                "profit_incl_after_horizon_usd": inside - after,
            }
        )

    @property
    def profit_incl_after_horizon_usd(self) -> float:
        """The fleet's full-value profit: inside the horizon less what it leaves behind [USD]."""
        return float(
            self.ledger["profit_usd"].sum() - self.after_horizon["after_horizon_usd"].sum()
        )


@dataclass(frozen=True, eq=False)
class SimArrays:
    """One policy's run through one scenario as bare arrays (see :func:`simulate_arrays`).

    Attributes
    ----------
    policy
        Name of the policy.
    scenario
        The scenario run.
    site_ids
        Sites in fleet order.
    ledger_values
        The hourly ledger, ``(sites x hours, len(LEDGER_COLUMNS))``: site by site, hour by hour,
        columns :data:`planner.domain.ledger.LEDGER_COLUMNS`.
    log
        Events in the order they happened: ``(site_id, kind, start_h, end_h, count, source_id)``
        with times in hours from the horizon start (``end_h`` ``None`` when open).
    after_horizon
        ``(sites, len(AFTER_HORIZON_COLUMNS))``: what the run leaves behind per site, columns
        :data:`planner.domain.after_horizon.AFTER_HORIZON_COLUMNS`.
    floor_eh_s
        The fleet hashrate floor the policy asked for [EH/s] (0: none).
    shortfalls
        The hours still below it, ``(hour, fleet hashrate [TH/s], reason)``.
    """

    policy: str
    scenario: Scenario
    site_ids: tuple[str, ...]
    ledger_values: np.ndarray
    log: EventLog
    after_horizon: np.ndarray
    floor_eh_s: float = 0.0
    shortfalls: tuple[Shortfall, ...] = ()

    def result(self) -> SimResult:
        """The run as a :class:`SimResult` (hourly ledger and event frames)."""
        times = self.scenario.times
        hours = len(times)
        n = len(self.site_ids)
        index = pd.MultiIndex(
            levels=[pd.Index(list(self.site_ids), name="site_id"), times],
            codes=[np.repeat(np.arange(n), hours), np.tile(np.arange(hours), n)],
            names=["site_id", "time"],
            verify_integrity=False,
        )
        ledger = pd.DataFrame(
            self.ledger_values, index=index, columns=list(LEDGER_COLUMNS), copy=False
        )
        after = pd.DataFrame(
            self.after_horizon,
            index=pd.Index(list(self.site_ids), name="site_id"),
            columns=list(AFTER_HORIZON_COLUMNS),
        )
        hour = np.array([h for h, _, _ in self.shortfalls], dtype=int)
        eh_s = np.array([v for _, v, _ in self.shortfalls], dtype=float) / 1e6
        below = pd.DataFrame(
            {
                "time": times[hour],
                "hashrate_eh_s": eh_s,
                "floor_eh_s": np.full(len(hour), self.floor_eh_s),
                "shortfall_eh_s": self.floor_eh_s - eh_s,
                "reason": pd.Series([r for _, _, r in self.shortfalls], dtype=object),
            }
        )
        return SimResult(
            self.policy, ledger, _events_frame(self.log, times), after, self.scenario.index, below
        )


# ------------------------------------------------------------------------------ a run's setup


def effective_site(fleet: Fleet, site: Site, shipments: Sequence[Shipment]) -> Site:
    """The site as a run sees it: with a (possibly empty) tier for every model shipped to it.

    Parameters
    ----------
    fleet
        The fleet (its catalog says where a model can run).
    site
        One of the fleet's sites.
    shipments
        The run's relocations.

    Returns
    -------
    Site
        ``site`` itself when no new model arrives.

    Raises
    ------
    ConfigError
        A model shipped to a site whose cooling it cannot run on.
    """
    arriving = {s.model_id for s in shipments if s.to_site == site.id}
    missing = {m: 0 for m in arriving if m not in site.machines}
    for model_id in missing:
        if site.cooling not in fleet.models[model_id].cooling:
            raise ConfigError(
                "shipments", f"{model_id} cannot run at {site.id} ({site.cooling}-cooled)"
            )
    return site.model_copy(update={"machines": {**site.machines, **missing}}) if missing else site


def restart_hours(site: Site, tiers: Sequence[Tier]) -> float:
    """Hours from the grid's return until every tier of the site hashes again [h].

    The site restarts, then each tier cold-starts; the slowest cold start ends the restart.
    """
    return (
        site.restart_minutes / 60.0
        + max((t.model.cold_start_minutes for t in tiers), default=0.0) / 60.0
    )


def failure_batch_hours(settings: SimSettings, horizon: float) -> float:
    """The failure batch window of a run [h] (see :attr:`SimSettings.failure_batch_hours`)."""
    if settings.failure_batch_hours is not None:
        return settings.failure_batch_hours
    return float(np.clip(horizon / 26.0, 24.0, 336.0))


# ---------------------------------------------------------------------------- outages, freeze


def outage_mask(outages: Sequence[tuple[float, float]], hours: int) -> np.ndarray:
    """Share of each hour without grid [-], given ``(start, end)`` outages [h]."""
    down = np.zeros(hours)
    edges = np.arange(hours + 1, dtype=float)
    for start, end in outages:
        down += np.clip(np.minimum(edges[1:], end) - np.maximum(edges[:-1], start), 0.0, 1.0)
    return np.minimum(down, 1.0)


def merge_for_restart(
    outages: Sequence[tuple[float, float]], restart_h: float
) -> list[tuple[float, float]]:
    """Join outages that start before the site has restarted from the previous one.

    Parameters
    ----------
    outages
        ``(start, end)`` of each grid outage in time order, hours from the horizon start [h].
    restart_h
        Hours the site needs after the grid's return (:func:`restart_hours`) [h].

    Returns
    -------
    list of tuple of float
        The outages the site lives through, ``(start, end)`` [h].
    """
    merged: list[list[float]] = []
    for start, end in outages:
        if merged and start <= merged[-1][1] + restart_h:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


# -------------------------------------------------------------------------------------- run


def simulate(
    fleet: Fleet,
    world: Scenario | Feeds,
    policy: Policy | str = "run-through",
    *,
    seed: int | np.random.SeedSequence = 0,
    shipments: Sequence[Shipment] = (),
    failures: Sequence[Failure] | None = None,
    settings: SimSettings | None = None,
) -> SimResult:
    """Run ``fleet`` under ``policy`` through one scenario (or the feeds as one scenario).

    Parameters
    ----------
    fleet
        The fleet.
    world
        A :class:`~planner.world.scenarios.Scenario`, or :class:`~planner.world.feeds.Feeds` (its
        outage events become the scenario's outages).
    policy
        A policy or the name of a built-in one.
    seed
        Seed of the random ASIC failures; one child stream per site.
    shipments
        Relocations to carry out.
    failures
        Scripted failures instead of random ones (tests, replays).
    settings
        Discrete-event settings.

    Returns
    -------
    SimResult
    """
    run = simulate_arrays(
        fleet, world, policy, seed=seed, shipments=shipments, failures=failures, settings=settings
    )
    return run.result()


def simulate_arrays(
    fleet: Fleet,
    world: Scenario | Feeds,
    policy: Policy | str = "run-through",
    *,
    seed: int | np.random.SeedSequence = 0,
    shipments: Sequence[Shipment] = (),
    failures: Sequence[Failure] | None = None,
    settings: SimSettings | None = None,
) -> SimArrays:
    """:func:`simulate` without building the frames: the fast path of Monte Carlo workers.

    Same arguments and the same numbers as :func:`simulate`; :meth:`SimArrays.result` turns the
    run into the :class:`SimResult` that :func:`simulate` returns.
    """
    settings = settings or SimSettings()
    policy = policy_named(policy) if isinstance(policy, str) else policy
    scenario = world if isinstance(world, Scenario) else scenario_from_feeds(fleet, world)
    hours = len(scenario.times)
    env = simpy.Environment()
    log: EventLog = []
    sequence = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    rngs = [np.random.default_rng(s) for s in sequence.spawn(len(fleet.sites))]
    sites = [effective_site(fleet, base, shipments) for base in fleet.sites]
    tiers_of = [site_tiers(fleet, site) for site in sites]
    site_hours = [scenario.site_hours(i) for i in range(len(sites))]
    outages_of = [
        merge_for_restart(scenario.outages[i], restart_hours(site, tiers))
        for i, (site, tiers) in enumerate(zip(sites, tiers_of, strict=True))
    ]
    runs = [policy.run_fraction(fleet, site, h) for site, h in zip(sites, site_hours, strict=True)]
    floor_eh_s = fleet_floor_eh_s(policy)
    if floor_eh_s > 0:
        # Before the run: the machines installed, the grid as the scenario has it.
        installed = [
            np.array([t.count for t in tiers], dtype=float)[:, None]
            * (1.0 - outage_mask(_restarted(o, site, tiers), hours))[None, :]
            for site, tiers, o in zip(sites, tiers_of, outages_of, strict=True)
        ]
        runs = raise_to_floor(fleet, sites, site_hours, runs, installed, floor_eh_s)
    states: dict[str, SiteState] = {}
    drawn: list[tuple[SiteState, np.random.Generator, np.ndarray]] = []
    for i, site in enumerate(sites):
        tiers, run, outages = tiers_of[i], runs[i], outages_of[i]
        st = SiteState(
            site=site,
            tiers=tiers,
            counts=np.array([t.count for t in tiers], dtype=float),
            powered=np.ones(len(tiers)),
            idle_crews=site.repair_crews,
            repair_hours_per_machine=settings.repair_hours_per_machine,
        )
        st.record(0.0)
        states[site.id] = st
        facility_process = env.process(facility(env, st, log))
        env.process(grid(env, facility_process, [o for o in outages if o[0] < hours]))
        if failures is not None:
            scripted = [
                (f.time_h, f.model_id, f.count)
                for f in failures
                if f.site_id == site.id and f.time_h < hours
            ]
            env.process(scripted_failures(env, st, scripted, log))
        elif settings.failures:
            drawn.append((st, rngs[i], scenario.failure_multiplier[i]))
        envelope = fleet.cooling[site.cooling]
        if envelope.freeze_risk:
            idle = idle_hours(
                run,
                [t.count for t in tiers],
                outage_mask(outages, hours),
                settings.freeze_idle_share,
            )
            at = freeze_damage_hours(
                idle, site_hours[i].temp_air_c, envelope.freeze_protection_hours
            )
            st.freeze_share = envelope.freeze_damage_share
            st.freeze_repair_h = envelope.freeze_repair_days * HOURS_PER_DAY
            env.process(freeze(env, st, at, log))
    if drawn:
        batch = failure_batch_hours(settings, hours)
        env.process(random_failures(env, drawn, batch, hours, log))
    for shipment in shipments:
        if shipment.depart_h >= hours:
            continue
        env.process(
            ship(
                env,
                states[shipment.from_site],
                states[shipment.to_site],
                shipment.model_id,
                shipment.count,
                shipment.depart_h,
                shipment.transit_days * HOURS_PER_DAY,
                log,
                shipment.cost_usd_per_machine,
            )
        )
    env.run(until=hours)
    working = [st.hourly_working(hours) for st in states.values()]
    if floor_eh_s > 0:
        # After it: the machines the run left working, each hour's own state.
        runs = raise_to_floor(fleet, sites, site_hours, runs, working, floor_eh_s)
    values = np.empty((len(states) * hours, len(LEDGER_COLUMNS)))
    for i, st in enumerate(states.values()):
        site_ledger_values(
            fleet,
            st.site,
            site_hours[i],
            runs[i],
            working[i],
            out=values[i * hours : (i + 1) * hours],
        )
    below: list[Shortfall] = []
    if floor_eh_s > 0:
        fleet_th_s = values[:, LEDGER_COLUMNS.index("hashrate_th_s")].reshape(-1, hours).sum(0)
        causes = run_causes(
            fleet,
            sites,
            site_hours,
            [
                _restarted(o, site, t)
                for o, site, t in zip(outages_of, sites, tiers_of, strict=True)
            ],
            log,
            [(s.count, s.depart_h, s.transit_days * HOURS_PER_DAY) for s in shipments],
            hours,
        )
        below = shortfalls(fleet_th_s, floor_eh_s, causes)
    # Past the horizon nothing new happens (no failure, outage, freeze or departure is scheduled
    # after it); what is under way finishes, and the timelines say what the run left behind.
    logged = len(log)
    env.run(until=hours + VALUATION_CAP_HOURS)
    del log[logged:]
    rows = [
        after_horizon_row(
            fleet, st.site, site_hours[i], st.machines_out(hours, VALUATION_CAP_HOURS)
        )
        for i, st in enumerate(states.values())
    ]
    after = np.array([[row[c] for c in AFTER_HORIZON_COLUMNS] for row in rows]).reshape(
        len(states), len(AFTER_HORIZON_COLUMNS)
    )
    return SimArrays(
        policy.name, scenario, tuple(states), values, log, after, floor_eh_s, tuple(below)
    )


def _restarted(
    outages: Sequence[tuple[float, float]], site: Site, tiers: Sequence[Tier]
) -> list[tuple[float, float]]:
    """Outages extended by the restart and cold starts that follow them [h]."""
    extra = restart_hours(site, tiers)
    return [(start, end + extra) for start, end in outages]


def _events_frame(log: EventLog, times: pd.DatetimeIndex) -> pd.DataFrame:
    start = times[0]
    columns = list(zip(*log, strict=True)) if log else [()] * 6
    site_id, kind, start_h, end_h, count, source_id = (list(c) for c in columns)
    after = pd.to_timedelta(np.array(start_h, dtype=float), unit="h")
    starts = start + after
    ends = start + pd.to_timedelta(
        np.array([np.nan if e is None else e for e in end_h], dtype=float), unit="h"
    )
    order = np.argsort(after.to_numpy(), kind="stable")  # as sort_values("start", "stable")
    out = pd.DataFrame(
        {
            "start": starts[order],
            "end": ends[order],
            "site_id": _objects(site_id, order),
            "kind": _objects(kind, order),
            "severity": "",
            "source": "simulation",
            "source_id": _objects(source_id, order),
            "count": np.array(count, dtype=int)[order],
        }
    )
    return out[[*EVENT_COLUMNS, "count"]]


def _objects(values: list[str], order: np.ndarray) -> pd.Series:
    """Strings in ``order`` as an object column (the event table's site, kind and source ids)."""
    return pd.Series(np.array(values, dtype=object)[order], dtype=object)
