"""Discrete-event simulation of the fleet (SimPy), with vectorised hourly economics between events.

The world is discrete where it really is: grid outages interrupt a site's facility process,
restarts take the site's restart time and then each tier's cold start, ASIC failures queue for the
site's repair crews (first come, first served, as a SimPy ``Resource`` would serve them, at the
cost of one timeout per repair), relocated machines leave, spend their transit out of service and
are installed at the destination, and hydro sites left idle below freezing for longer than their
protection lose machines to freeze damage. Each change appends the site's working
machines per tier to a timeline; between changes the state is constant, so the hourly ledger is
numpy arithmetic over the timeline's hourly means (:func:`planner.ledger.site_ledger`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import pandas as pd
import simpy

from planner.errors import ConfigError
from planner.feeds import Feeds
from planner.fleet import Fleet, Site
from planner.ledger import LEDGER_COLUMNS, Tier, site_ledger_values, site_tiers
from planner.policies import Policy, policy_named
from planner.scenarios import Scenario, scenario_from_feeds
from weather.schema import EVENT_COLUMNS

_Process = Generator[simpy.Event, object, None]
_Entry = tuple[str, str, float, float | None, int, str]  # site, kind, start_h, end_h, count, source
_Log = list[_Entry]

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
        count does not grow with the number of machines [h]. ``None`` (default) adapts it to the
        horizon: ``horizon / 26`` within 24 .. 336 h, so a two-week plan sees daily batches and a
        year fortnightly ones, and every run costs about the same number of events.
    repair_hours_per_machine
        Crew time to repair one failed machine [h].
    freeze_idle_share
        A hydro site counts as idle when fewer than this share of its machines run [-].
    """

    failures: bool = True
    failure_batch_hours: float | None = None
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
        columns :data:`planner.ledger.LEDGER_COLUMNS`.
    log
        Events in the order they happened: ``(site_id, kind, start_h, end_h, count, source_id)``
        with times in hours from the horizon start (``end_h`` ``None`` when open).
    """

    policy: str
    scenario: Scenario
    site_ids: tuple[str, ...]
    ledger_values: np.ndarray
    log: list[tuple[str, str, float, float | None, int, str]]

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
        return SimResult(self.policy, ledger, _events_frame(self.log, times), self.scenario.index)


# --------------------------------------------------------------------------------- site state


@dataclass(eq=False)
class _SiteState:
    """Mutable state of one site during a run: machines per tier and which tiers have power.

    ``idle_crews`` counts free repair crews; ``waiting`` holds the repairs queued for one.
    """

    site: Site
    tiers: tuple[Tier, ...]
    counts: np.ndarray
    powered: np.ndarray
    idle_crews: int
    waiting: deque[_Repair] = field(default_factory=deque)
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
        if not self.tiers:  # a site with no machines: a spare site, a relocation target
            return np.zeros((0, hours))
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


@dataclass(eq=False)
class _Repair:
    """Failed machines of one tier waiting for, or with, a repair crew."""

    st: _SiteState
    k: int
    count: int
    failed_at: float
    hours: float
    log: _Log

    def start(self, env: simpy.Environment) -> None:
        env.timeout(self.hours).callbacks.append(self.done)

    def done(self, event: simpy.Event) -> None:
        """Machines back; the crew takes the next repair waiting, first come first served."""
        st = self.st
        now = event.env.now
        st.counts[self.k] += self.count
        st.record(now)
        self.log.append(_event(st.site.id, "asic-repair", self.failed_at, now, self.count))
        if st.waiting:
            st.waiting.popleft().start(event.env)
        else:
            st.idle_crews += 1


def _repair(
    env: simpy.Environment, st: _SiteState, k: int, count: int, hours_each: float, log: _Log
) -> None:
    """Failed machines queue for a crew, then take ``count x hours_each`` to repair.

    The crews serve the queue first come, first served, like a SimPy ``Resource`` of
    ``repair_crews`` users, but a repair costs one timeout instead of a process, a request and a
    release.
    """
    job = _Repair(st, k, count, env.now, count * hours_each, log)
    if st.idle_crews > 0:
        st.idle_crews -= 1
        job.start(env)
    else:
        st.waiting.append(job)


def _fail(
    env: simpy.Environment, st: _SiteState, k: int, count: int, settings: SimSettings, log: _Log
) -> None:
    count = min(count, int(st.counts[k]))
    if count <= 0:
        return
    st.counts[k] -= count
    st.record(env.now)
    log.append(_event(st.site.id, "asic-failure", env.now, None, count))
    if st.site.repair_crews > 0:
        _repair(env, st, k, count, settings.repair_hours_per_machine, log)


def failure_batch_hours(settings: SimSettings, horizon: float) -> float:
    """The failure batch window of a run [h] (see :attr:`SimSettings.failure_batch_hours`)."""
    if settings.failure_batch_hours is not None:
        return settings.failure_batch_hours
    return float(np.clip(horizon / 26.0, 24.0, 336.0))


def _random_failures(
    env: simpy.Environment,
    sites: Sequence[tuple[_SiteState, np.random.Generator, np.ndarray]],
    settings: SimSettings,
    horizon: float,
    log: _Log,
) -> _Process:
    """Each batch window, each tier of each site loses Poisson(working x rate x window) machines.

    One process for the fleet (sites in fleet order, each with its own random stream and heat
    multiplier): the windows are the same everywhere, so one timeout per window serves them all.
    """
    batch = failure_batch_hours(settings, horizon)
    starts = []
    t = 0.0
    while t + batch <= horizon:
        starts.append(t)
        t += batch
    if not starts:
        return
    plans = [
        (
            st,
            rng,
            (np.array([t.model.annual_failure_rate for t in st.tiers]) / HOURS_PER_YEAR).tolist(),
            _window_means(multiplier, starts, batch).tolist(),
        )
        for st, rng, multiplier in sites
    ]
    wait = env.timeout(batch)
    for w in range(len(starts)):
        yield wait
        if w + 1 < len(starts):
            wait = env.timeout(batch)  # before the repairs below, as a loop would schedule it
        for st, rng, rates, windows in plans:
            # One scalar draw per tier, in tier order: the same stream as one draw over the array.
            window = windows[w]
            counts = st.counts.tolist()
            draws = [
                int(rng.poisson(c * r * batch * window)) for c, r in zip(counts, rates, strict=True)
            ]
            for k, drawn in enumerate(draws):
                if drawn:
                    _fail(env, st, k, drawn, settings, log)


def _window_means(multiplier: np.ndarray, starts: list[float], batch: float) -> np.ndarray:
    """Mean of ``multiplier`` over each window ``[int(start), int(start + batch))``."""
    first, size = int(starts[0]), int(starts[0] + batch) - int(starts[0])
    bounds = [(int(a), int(a + batch)) for a in starts]
    if all(b - a == size and a == first + w * size for w, (a, b) in enumerate(bounds)):
        block = np.ascontiguousarray(multiplier[first : first + size * len(bounds)])
        if block.size == size * len(bounds):
            return block.reshape(len(bounds), size).mean(axis=1)
    return np.array([multiplier[a:b].mean() for a, b in bounds])


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
) -> _Entry:
    return (site_id, kind, start, end, count, source_id)


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
    need = int(np.floor(protection_hours)) + 1  # idle hours in a row that outlast the protection
    edges = np.diff(np.concatenate(([0], exposed.view(np.int8), [0])))
    begins, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [float(b + protection_hours) for b, e in zip(begins, ends, strict=True) if e - b >= need]


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
    log: _Log = []
    sequence = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    rngs = [np.random.default_rng(s) for s in sequence.spawn(len(fleet.sites))]
    states: dict[str, _SiteState] = {}
    runs: dict[str, np.ndarray] = {}
    drawn: list[tuple[_SiteState, np.random.Generator, np.ndarray]] = []
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
            idle_crews=site.repair_crews,
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
            drawn.append((st, rngs[i], scenario.failure_multiplier[i]))
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
    if drawn:
        env.process(_random_failures(env, drawn, settings, hours, log))
    for shipment in shipments:
        env.process(_ship(env, states[shipment.from_site], states[shipment.to_site], shipment, log))
    env.run(until=hours)
    values = np.empty((len(states) * hours, len(LEDGER_COLUMNS)))
    for i, (site_id, st) in enumerate(states.items()):
        site_ledger_values(
            fleet,
            st.site,
            scenario.site_hours(i),
            runs[site_id],
            st.hourly_working(hours),
            out=values[i * hours : (i + 1) * hours],
        )
    return SimArrays(policy.name, scenario, tuple(states), values, log)


def _events_frame(log: _Log, times: pd.DatetimeIndex) -> pd.DataFrame:
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
