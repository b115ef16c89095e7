"""Discrete-event simulation of the fleet (SimPy), with vectorised hourly economics between events.

The world is discrete where it really is: grid outages interrupt a site's facility process,
restarts take the site's restart time and then each tier's cold start, ASIC failures queue for the
site's repair crews (a SimPy ``Resource``), relocated machines leave, spend their transit out of
service and are installed at the destination, and hydro sites left idle below freezing for longer
than their protection lose machines to freeze damage. Each change appends the site's working
machines per tier to a timeline; between changes the state is constant, so the hourly ledger is
numpy arithmetic over the timeline's hourly means (:func:`planner.ledger.site_ledger`).
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import pandas as pd
import simpy

from planner.errors import ConfigError
from planner.feeds import Feeds
from planner.fleet import Fleet, Site
from planner.ledger import LEDGER_COLUMNS, Tier, site_ledger, site_tiers
from planner.policies import Policy, policy_named
from planner.scenarios import Scenario, scenario_from_feeds
from weather.schema import EVENT_COLUMNS

_Process = Generator[simpy.Event, object, None]
_Log = list[dict[str, object]]

HOURS_PER_DAY = 24.0
HOURS_PER_YEAR = 8760.0


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
    """

    from_site: str
    to_site: str
    model_id: str
    count: int
    depart_h: float
    transit_days: float


@dataclass(frozen=True)
class Failure:
    """Machines of one model at one site failing together at one time (for scripted runs)."""

    site_id: str
    model_id: str
    count: int
    time_h: float


@dataclass(frozen=True)
class SimSettings:
    """How the discrete-event part runs.

    Attributes
    ----------
    failures
        Draw random ASIC failures from the catalog's annual failure rates.
    failure_batch_hours
        Failures are drawn (Poisson) and reported once per this many hours per tier, so the event
        count does not grow with the number of machines [h].
    repair_hours_per_machine
        Crew time to repair one failed machine [h].
    freeze_idle_share
        A hydro site counts as idle when fewer than this share of its machines run [-].
    """

    failures: bool = True
    failure_batch_hours: float = 168.0
    repair_hours_per_machine: float = 2.0
    freeze_idle_share: float = 0.1


@dataclass(frozen=True, eq=False)
class SimResult:
    """One policy's run through one scenario.

    Attributes
    ----------
    policy
        Name of the policy.
    ledger
        Hourly ledger, index ``(site_id, time)``, columns :data:`planner.ledger.LEDGER_COLUMNS`.
    events
        Event log: ``start``, ``end``, ``site_id``, ``kind``, ``severity``, ``source``,
        ``source_id``, ``count`` (machines concerned).
    scenario
        Index of the scenario in its set (0 for a run on feeds).
    """

    policy: str
    ledger: pd.DataFrame
    events: pd.DataFrame
    scenario: int = 0


# --------------------------------------------------------------------------------- site state


@dataclass(eq=False)
class _SiteState:
    """Mutable state of one site during a run: machines per tier and which tiers have power."""

    site: Site
    tiers: tuple[Tier, ...]
    counts: np.ndarray
    powered: np.ndarray
    crews: simpy.Resource | None
    freeze_share: float = 0.0
    freeze_repair_h: float = 0.0
    times: list[float] = field(default_factory=list)
    values: list[np.ndarray] = field(default_factory=list)

    def tier_index(self, model_id: str) -> int:
        return next(i for i, t in enumerate(self.tiers) if t.model_id == model_id)

    def record(self, now: float) -> None:
        working = self.counts * self.powered
        if self.times and self.times[-1] == now:
            self.values[-1] = working
        else:
            self.times.append(now)
            self.values.append(working)

    def hourly_working(self, hours: int) -> np.ndarray:
        """Mean working machines per tier in each hour, ``(tiers, hours)``."""
        edges = np.arange(hours + 1, dtype=float)
        t = np.append(np.asarray(self.times), float(hours))
        v = np.asarray(self.values)  # (changes, tiers)
        # Cumulative integral of the piecewise-constant timeline at each change, then at each hour.
        cum = np.vstack([np.zeros(v.shape[1]), np.cumsum(v * np.diff(t)[:, None], axis=0)])
        at_edges = np.array([np.interp(edges, t, cum[:, k]) for k in range(v.shape[1])])
        return np.diff(at_edges, axis=1)


def _effective_site(fleet: Fleet, site: Site, shipments: Sequence[Shipment]) -> Site:
    """The site with a (possibly empty) tier for every model shipped to it."""
    arriving = {s.model_id for s in shipments if s.to_site == site.id}
    missing = {m: 0 for m in arriving if m not in site.machines}
    for model_id in missing:
        if site.cooling not in fleet.models[model_id].cooling:
            raise ConfigError(
                "shipments", f"{model_id} cannot run at {site.id} ({site.cooling}-cooled)"
            )
    return site.model_copy(update={"machines": {**site.machines, **missing}}) if missing else site


# ---------------------------------------------------------------------------------- processes


def _facility(env: simpy.Environment, st: _SiteState, log: _Log) -> _Process:
    """Run until the grid fails (an ``Interrupt`` whose cause is the outage end), then restart."""
    restart_h = st.site.restart_minutes / 60.0
    cold_start_h = np.array([t.model.cold_start_minutes / 60.0 for t in st.tiers])
    while True:
        try:
            yield env.timeout(float("inf"))
        except simpy.Interrupt as outage:
            start, end = env.now, float(cast(float, outage.cause))
            st.powered[:] = 0.0
            st.record(env.now)
            yield env.timeout(end - env.now + restart_h)
            for k in np.argsort(cold_start_h, kind="stable"):
                yield env.timeout(end + restart_h + cold_start_h[k] - env.now)
                st.powered[k] = 1.0
                st.record(env.now)
            log.append(_event(st.site.id, "grid-outage", start, end, int(st.counts.sum())))


def _grid(
    env: simpy.Environment, facility: simpy.Process, outages: Sequence[tuple[float, float]]
) -> _Process:
    for start, end in outages:
        yield env.timeout(start - env.now)
        facility.interrupt(end)


def _repair(
    env: simpy.Environment, st: _SiteState, k: int, count: int, hours_each: float, log: _Log
) -> _Process:
    """Failed machines wait for a crew, then take ``count x hours_each`` to repair."""
    failed_at = env.now
    assert st.crews is not None
    with st.crews.request() as crew:
        yield crew
        yield env.timeout(count * hours_each)
    st.counts[k] += count
    st.record(env.now)
    log.append(_event(st.site.id, "asic-repair", failed_at, env.now, count))


def _fail(
    env: simpy.Environment, st: _SiteState, k: int, count: int, settings: SimSettings, log: _Log
) -> None:
    count = min(count, int(st.counts[k]))
    if count <= 0:
        return
    st.counts[k] -= count
    st.record(env.now)
    log.append(_event(st.site.id, "asic-failure", env.now, None, count))
    if st.crews is not None:
        env.process(_repair(env, st, k, count, settings.repair_hours_per_machine, log))


def _random_failures(
    env: simpy.Environment,
    st: _SiteState,
    rng: np.random.Generator,
    multiplier: np.ndarray,
    settings: SimSettings,
    horizon: float,
    log: _Log,
) -> _Process:
    """Each batch window, each tier loses Poisson(working x rate x window) machines."""
    batch = settings.failure_batch_hours
    rates = np.array([t.model.annual_failure_rate for t in st.tiers]) / HOURS_PER_YEAR
    while env.now + batch <= horizon:
        window = multiplier[int(env.now) : int(env.now + batch)].mean()
        yield env.timeout(batch)
        draws = rng.poisson(st.counts * rates * batch * window)
        for k in np.flatnonzero(draws):
            _fail(env, st, int(k), int(draws[k]), settings, log)


def _scripted_failures(
    env: simpy.Environment,
    st: _SiteState,
    failures: Sequence[Failure],
    settings: SimSettings,
    log: _Log,
) -> _Process:
    for failure in sorted(failures, key=lambda f: f.time_h):
        yield env.timeout(failure.time_h - env.now)
        _fail(env, st, st.tier_index(failure.model_id), failure.count, settings, log)


def _freeze(
    env: simpy.Environment, st: _SiteState, at_hours: Sequence[float], log: _Log
) -> _Process:
    """Freeze damage: a share of every tier out until the (long) repair is done."""
    envelope_share, repair_h = st.freeze_share, st.freeze_repair_h
    for at in at_hours:
        yield env.timeout(at - env.now)
        damaged = np.floor(st.counts * envelope_share)
        if damaged.sum() == 0:
            continue
        st.counts -= damaged
        st.record(env.now)
        log.append(
            _event(st.site.id, "freeze-damage", env.now, env.now + repair_h, int(damaged.sum()))
        )
        env.process(_restore(env, st, damaged, repair_h))


def _restore(
    env: simpy.Environment, st: _SiteState, machines: np.ndarray, after_h: float
) -> _Process:
    yield env.timeout(after_h)
    st.counts += machines
    st.record(env.now)


def _ship(
    env: simpy.Environment,
    origin: _SiteState,
    destination: _SiteState,
    shipment: Shipment,
    log: _Log,
) -> _Process:
    """Machines leave, spend their transit out of service, then are installed within free slots."""
    yield env.timeout(shipment.depart_h - env.now)
    k_from = origin.tier_index(shipment.model_id)
    count = min(shipment.count, int(origin.counts[k_from]))
    origin.counts[k_from] -= count
    origin.record(env.now)
    left = env.now
    yield env.timeout(shipment.transit_days * HOURS_PER_DAY)
    free = destination.site.slots - int(destination.counts.sum())
    installed = max(0, min(count, free))
    k_to = destination.tier_index(shipment.model_id)
    destination.counts[k_to] += installed
    destination.record(env.now)
    log.append(
        _event(
            shipment.to_site,
            "relocation",
            left,
            env.now,
            installed,
            source_id=f"{shipment.from_site}->{shipment.to_site}",
        )
    )


def _event(
    site_id: str, kind: str, start: float, end: float | None, count: int, source_id: str = ""
) -> dict[str, object]:
    return {
        "site_id": site_id,
        "kind": kind,
        "start_h": start,
        "end_h": end,
        "count": count,
        "source_id": source_id,
    }


# ------------------------------------------------------------------------------------ freeze


def freeze_damage_hours(
    idle: np.ndarray, temp_air_c: np.ndarray, protection_hours: float
) -> list[float]:
    """Hours at which a hydro site's freeze protection runs out.

    Parameters
    ----------
    idle
        Whether the site is idle (too few machines running to keep the loops warm) each hour.
    temp_air_c
        Ambient temperature [degC].
    protection_hours
        Consecutive idle hours below 0 degC the protection lasts [h].

    Returns
    -------
    list of float
        One time per idle-and-freezing stretch longer than the protection: its start plus the
        protection hours [h].
    """
    exposed = np.asarray(idle, dtype=bool) & (np.asarray(temp_air_c) < 0.0)
    out: list[float] = []
    run = 0
    for h, e in enumerate(exposed):
        run = run + 1 if e else 0
        if run == int(np.floor(protection_hours)) + 1:
            out.append(h + 1 - run + protection_hours)
    return out


def _outage_mask(outages: Sequence[tuple[float, float]], hours: int) -> np.ndarray:
    """Share of each hour without grid [-]."""
    down = np.zeros(hours)
    edges = np.arange(hours + 1, dtype=float)
    for start, end in outages:
        down += np.clip(np.minimum(edges[1:], end) - np.maximum(edges[:-1], start), 0.0, 1.0)
    return np.minimum(down, 1.0)


def _merge_for_restart(
    outages: Sequence[tuple[float, float]], restart_h: float
) -> list[tuple[float, float]]:
    """Join outages that start before the site has restarted from the previous one."""
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
        A :class:`~planner.scenarios.Scenario`, or :class:`~planner.feeds.Feeds` (its outage
        events become the scenario's outages).
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
    settings = settings or SimSettings()
    policy = policy_named(policy) if isinstance(policy, str) else policy
    scenario = world if isinstance(world, Scenario) else scenario_from_feeds(fleet, world)
    hours = len(scenario.times)
    env = simpy.Environment()
    log: _Log = []
    sequence = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    rngs = [np.random.default_rng(s) for s in sequence.spawn(len(fleet.sites))]
    states: dict[str, _SiteState] = {}
    runs: dict[str, np.ndarray] = {}
    for i, base_site in enumerate(fleet.sites):
        site = _effective_site(fleet, base_site, shipments)
        tiers = site_tiers(fleet, site)
        hours_i = scenario.site_hours(i)
        run = policy.run_fraction(fleet, site, hours_i)
        runs[site.id] = run
        st = _SiteState(
            site=site,
            tiers=tiers,
            counts=np.array([t.count for t in tiers], dtype=float),
            powered=np.ones(len(tiers)),
            crews=simpy.Resource(env, capacity=site.repair_crews)
            if site.repair_crews > 0
            else None,
        )
        st.record(0.0)
        states[site.id] = st
        facility = env.process(_facility(env, st, log))
        restart = (
            site.restart_minutes / 60.0
            + max((t.model.cold_start_minutes for t in tiers), default=0.0) / 60.0
        )
        outages = _merge_for_restart(scenario.outages[i], restart)
        env.process(_grid(env, facility, [o for o in outages if o[0] < hours]))
        if failures is not None:
            env.process(
                _scripted_failures(
                    env, st, [f for f in failures if f.site_id == site.id], settings, log
                )
            )
        elif settings.failures:
            env.process(
                _random_failures(
                    env, st, rngs[i], scenario.failure_multiplier[i], settings, hours, log
                )
            )
        envelope = fleet.cooling[site.cooling]
        if envelope.freeze_risk:
            counts = np.array([t.count for t in tiers], dtype=float)[:, None]
            running_share = (run * counts).sum(axis=0) / max(counts.sum(), 1.0)
            idle = (running_share < settings.freeze_idle_share) | (
                _outage_mask(outages, hours) > 0.5
            )
            at = freeze_damage_hours(idle, hours_i.temp_air_c, envelope.freeze_protection_hours)
            st.freeze_share = envelope.freeze_damage_share
            st.freeze_repair_h = envelope.freeze_repair_days * HOURS_PER_DAY
            env.process(_freeze(env, st, at, log))
    for shipment in shipments:
        env.process(_ship(env, states[shipment.from_site], states[shipment.to_site], shipment, log))
    env.run(until=hours)
    frames = {}
    for i, (site_id, st) in enumerate(states.items()):
        working = st.hourly_working(hours)
        frames[site_id] = site_ledger(
            fleet, st.site, scenario.site_hours(i), runs[site_id], working=working
        )
    ledger = pd.concat(frames, names=["site_id", "time"])[list(LEDGER_COLUMNS)]
    return SimResult(policy.name, ledger, _events_frame(log, scenario.times), scenario.index)


def _events_frame(log: _Log, times: pd.DatetimeIndex) -> pd.DataFrame:
    start = times[0]
    frame = pd.DataFrame(log, columns=["site_id", "kind", "start_h", "end_h", "count", "source_id"])
    out = pd.DataFrame(
        {
            "start": start + pd.to_timedelta(pd.to_numeric(frame["start_h"]), unit="h"),
            "end": start + pd.to_timedelta(pd.to_numeric(frame["end_h"]), unit="h"),
            "site_id": frame["site_id"].astype(object),
            "kind": frame["kind"].astype(object),
            "severity": "",
            "source": "simulation",
            "source_id": frame["source_id"].astype(object),
            "count": frame["count"].astype(int),
        }
    )
    return out.sort_values("start", kind="stable").reset_index(drop=True)[[*EVENT_COLUMNS, "count"]]
