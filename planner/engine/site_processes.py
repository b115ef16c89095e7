"""The SimPy processes of a simulation run and the site state they change.

A :class:`SiteState` holds one site's machines per tier and which tiers have power; every change
appends the working machines to its timeline, whose hourly means feed the ledger. The processes
change it: :func:`facility` (grid outages, restart and cold starts, driven by :func:`grid`),
:func:`random_failures` and :func:`scripted_failures` (ASIC failures, queued first come first
served for the site's repair crews), :func:`freeze` (freeze damage and its long repair) and
:func:`ship` (relocated machines in transit). They take plain numbers; the run that wires them
together from the fleet, the scenario and the settings is
:func:`planner.engine.simulation.simulate`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import simpy

from planner.domain.after_horizon import MachinesOut
from planner.domain.economics.units import HOURS_PER_YEAR
from planner.domain.fleet import Site
from planner.domain.ledger import Tier

_Process = Generator[simpy.Event, object, None]

LogEntry = tuple[str, str, float, float | None, int, str]
"""One logged event: ``(site_id, kind, start_h, end_h, count, source_id)``, hours from the horizon
start (``end_h`` ``None`` when open)."""

EventLog = list[LogEntry]
"""A run's events in the order they happened."""


@dataclass(eq=False)
class SiteState:
    """Mutable state of one site during a run: machines per tier and which tiers have power.

    ``idle_crews`` counts free repair crews; ``waiting`` holds the repairs queued for one;
    ``repair_hours_per_machine`` is a crew's time per failed machine [h]; ``freeze_share`` and
    ``freeze_repair_h`` are the share of every tier a freeze damages [-] and its repair time [h].
    What the run leaves behind is counted as it happens: ``freeze_damaged`` machines [-],
    ``transport_usd`` of the machines shipped to the site [USD] and, per tier, ``never_back``:
    machines that will not return by themselves (failed at a site without repair crews, or
    arrived at a site without a free slot) [-].
    """

    site: Site
    tiers: tuple[Tier, ...]
    counts: np.ndarray
    powered: np.ndarray
    idle_crews: int
    repair_hours_per_machine: float
    waiting: deque[_Repair] = field(default_factory=deque)
    freeze_share: float = 0.0
    freeze_repair_h: float = 0.0
    freeze_damaged: float = 0.0
    transport_usd: float = 0.0
    never_back: np.ndarray = field(init=False)
    times: list[float] = field(default_factory=list)
    values: list[np.ndarray] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.never_back = np.zeros(len(self.tiers))

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

    def machines_out(self, horizon: float, cap: float) -> MachinesOut:
        """What the timeline says of the machines out after the horizon.

        Call it once the run has gone on past the horizon with nothing new happening (no
        failure, outage or departure after it), so that every repair, restore, restart and
        arrival under way has finished: the machines working then are the reference, and each
        tier's shortfall against it is integrated from the horizon on. Machines that never come
        back (:attr:`never_back`) count as out for ``cap`` hours.

        Parameters
        ----------
        horizon
            End of the horizon [h].
        cap
            Longest time after the horizon counted [h].
        """
        t = np.asarray(self.times)
        v = np.asarray(self.values)  # (changes, tiers)
        back = v[-1]
        first = int(np.searchsorted(t, horizon, side="right")) - 1  # the state at the horizon
        edges = np.concatenate([[horizon], t[first + 1 :], [horizon + cap]])
        short = back[None, :] - v[first:]
        hours = (short * np.diff(np.minimum(edges, horizon + cap))[:, None]).sum(axis=0)
        last = float(t[-1] - horizon) if t[-1] > horizon else 0.0
        never = self.never_back
        return MachinesOut(
            at_horizon=short[0] + never,
            machine_hours=hours + never * cap,
            back_after_h=cap if never.sum() > 0 else last,
            freeze_damaged=self.freeze_damaged,
            transport_usd=self.transport_usd,
        )


# ------------------------------------------------------------------------------- grid outages


def facility(env: simpy.Environment, st: SiteState, log: EventLog) -> _Process:
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


def grid(
    env: simpy.Environment, facility: simpy.Process, outages: Sequence[tuple[float, float]]
) -> _Process:
    """Interrupt ``facility`` at each outage start, with the outage end as the cause [h]."""
    for start, end in outages:
        yield env.timeout(start - env.now)
        facility.interrupt(end)


# --------------------------------------------------------------------------- failures, repairs


@dataclass(eq=False)
class _Repair:
    """Failed machines of one tier waiting for, or with, a repair crew."""

    st: SiteState
    k: int
    count: int
    failed_at: float
    hours: float
    log: EventLog

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
    env: simpy.Environment, st: SiteState, k: int, count: int, hours_each: float, log: EventLog
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


def fail(env: simpy.Environment, st: SiteState, k: int, count: int, log: EventLog) -> None:
    """Up to ``count`` working machines of tier ``k`` fail now and queue for a repair crew."""
    count = min(count, int(st.counts[k]))
    if count <= 0:
        return
    st.counts[k] -= count
    st.record(env.now)
    log.append(_event(st.site.id, "asic-failure", env.now, None, count))
    if st.site.repair_crews > 0:
        _repair(env, st, k, count, st.repair_hours_per_machine, log)
    else:
        st.never_back[k] += count


def random_failures(
    env: simpy.Environment,
    sites: Sequence[tuple[SiteState, np.random.Generator, np.ndarray]],
    batch: float,
    horizon: float,
    log: EventLog,
) -> _Process:
    """Each batch window, each tier of each site loses Poisson(working x rate x window) machines.

    One process for the fleet (sites in fleet order, each with its own random stream and heat
    multiplier): the windows are the same everywhere, so one timeout per window serves them all.

    Parameters
    ----------
    env
        The run's environment.
    sites
        Per site: its state, its random stream and its hourly failure multiplier [-].
    batch
        The failure batch window [h].
    horizon
        Hours of the run [h]; only whole windows inside it draw failures.
    log
        The run's event log.
    """
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
                    fail(env, st, k, drawn, log)


def _window_means(multiplier: np.ndarray, starts: list[float], batch: float) -> np.ndarray:
    """Mean of ``multiplier`` over each window ``[int(start), int(start + batch))``."""
    first, size = int(starts[0]), int(starts[0] + batch) - int(starts[0])
    bounds = [(int(a), int(a + batch)) for a in starts]
    if all(b - a == size and a == first + w * size for w, (a, b) in enumerate(bounds)):
        block = np.ascontiguousarray(multiplier[first : first + size * len(bounds)])
        if block.size == size * len(bounds):
            return block.reshape(len(bounds), size).mean(axis=1)
    return np.array([multiplier[a:b].mean() for a, b in bounds])


def scripted_failures(
    env: simpy.Environment,
    st: SiteState,
    failures: Sequence[tuple[float, str, int]],
    log: EventLog,
) -> _Process:
    """Failures at given times: ``(time_h, model_id, count)``, hours from the horizon start."""
    for time_h, model_id, count in sorted(failures, key=lambda f: f[0]):
        yield env.timeout(time_h - env.now)
        fail(env, st, st.tier_index(model_id), count, log)


# ------------------------------------------------------------------------ freeze, relocations


def freeze(
    env: simpy.Environment, st: SiteState, at_hours: Sequence[float], log: EventLog
) -> _Process:
    """Freeze damage: a share of every tier out until the (long) repair is done."""
    envelope_share, repair_h = st.freeze_share, st.freeze_repair_h
    for at in at_hours:
        yield env.timeout(at - env.now)
        damaged = np.floor(st.counts * envelope_share)
        if damaged.sum() == 0:
            continue
        st.counts -= damaged
        st.freeze_damaged += float(damaged.sum())
        st.record(env.now)
        log.append(
            _event(st.site.id, "freeze-damage", env.now, env.now + repair_h, int(damaged.sum()))
        )
        env.process(_restore(env, st, damaged, repair_h))


def _restore(
    env: simpy.Environment, st: SiteState, machines: np.ndarray, after_h: float
) -> _Process:
    yield env.timeout(after_h)
    st.counts += machines
    st.record(env.now)


def ship(
    env: simpy.Environment,
    origin: SiteState,
    destination: SiteState,
    model_id: str,
    count: int,
    depart_h: float,
    transit_h: float,
    log: EventLog,
    cost_usd_per_machine: float = 0.0,
) -> _Process:
    """Machines leave, spend their transit out of service, then are installed within free slots.

    Parameters
    ----------
    env
        The run's environment.
    origin, destination
        States of the sites the machines leave and reach.
    model_id
        Catalog model of the machines.
    count
        Machines to ship (no more than the origin has when they leave) [-].
    depart_h
        Departure, hours from the horizon start [h].
    transit_h
        Hours out of service [h].
    log
        The run's event log.
    cost_usd_per_machine
        Relocation cost, charged to the destination for every machine that leaves [USD].
    """
    yield env.timeout(depart_h - env.now)
    k_from = origin.tier_index(model_id)
    count = min(count, int(origin.counts[k_from]))
    origin.counts[k_from] -= count
    origin.record(env.now)
    destination.transport_usd += count * cost_usd_per_machine
    left = env.now
    yield env.timeout(transit_h)
    free = destination.site.slots - int(destination.counts.sum())
    installed = max(0, min(count, free))
    k_to = destination.tier_index(model_id)
    destination.counts[k_to] += installed
    destination.never_back[k_to] += count - installed
    destination.record(env.now)
    log.append(
        _event(
            destination.site.id,
            "relocation",
            left,
            env.now,
            installed,
            source_id=f"{origin.site.id}->{destination.site.id}",
        )
    )


def _event(
    site_id: str, kind: str, start: float, end: float | None, count: int, source_id: str = ""
) -> LogEntry:
    return (site_id, kind, start, end, count, source_id)
