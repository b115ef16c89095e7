"""The fleet hashrate floor kept at run time, and the hours it could not be kept, with why.

A plan made with a hashrate floor keeps it on the scenarios it saw; out of sample the policy
must keep it too. A policy asks for a fleet floor through :class:`FleetFloorPolicy` (the
optimized strategy's :class:`HashrateFloor` member; :class:`~planner.engine.policies.Compose`
passes the largest of its members' floors on). The simulation then raises the run fractions
(:func:`raise_to_floor`) in every hour whose fleet hashrate falls short, ahead of any price rule
or commitment (a floor wins over curtailment): more machines run, cheapest hash first (lowest
power cost per TH/s: marginal price x J/TH x PUE), until the floor is met or every available
machine runs. It does so twice: before the run, with the machines installed and the grid as the
scenario has it (so that the freeze model sees a hydro site the floor keeps running); after it,
with the machines the run left working (failures, freeze damage, relocations in transit), each
hour's own state only. Hours still below the floor are those where the fleet could not keep it;
:func:`shortfalls` names the reason of each.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from planner.domain.fleet import Fleet, Site
from planner.domain.ledger import SiteHours, Tier, available_fraction, site_tiers
from planner.engine.site_processes import LogEntry
from planner.errors import ConfigError

#: An hour is below the floor when its hashrate is short by more than this share of it [-].
FLOOR_TOLERANCE = 1e-6

Shortfall = tuple[int, float, str]
"""One hour below the floor: ``(hour, fleet hashrate [TH/s], reason)``."""


@runtime_checkable
class FleetFloorPolicy(Protocol):
    """A policy that asks for a fleet hashrate floor, kept by the simulation across sites."""

    @property
    def hashrate_floor_eh_s(self) -> float:
        """Fleet hashrate to keep in every hour [EH/s] (0: none)."""
        ...


def fleet_floor_eh_s(policy: object) -> float:
    """The fleet hashrate floor ``policy`` asks for [EH/s]; 0 when it asks for none."""
    if isinstance(policy, FleetFloorPolicy):
        return float(policy.hashrate_floor_eh_s)
    return 0.0


@dataclass(frozen=True)
class HashrateFloor:
    """A member policy that asks for a fleet hashrate floor and curtails nothing itself.

    Attributes
    ----------
    floor_eh_s
        Fleet hashrate to keep in every hour where the machines allow it [EH/s], >= 0.
    name
        Name shown in results.
    """

    floor_eh_s: float
    name: str = "hashrate-floor"

    def __post_init__(self) -> None:
        value = self.floor_eh_s
        if isinstance(value, bool) or not math.isfinite(value) or value < 0:
            raise ConfigError("hashrate floor", f"floor_eh_s: must be >= 0, got {value!r}")

    @property
    def hashrate_floor_eh_s(self) -> float:
        """:attr:`floor_eh_s` [EH/s]."""
        return self.floor_eh_s

    def run_fraction(self, fleet: Fleet, site: Site, hours: SiteHours) -> np.ndarray:
        """All ones: the floor is kept across sites by the simulation."""
        return np.ones((len(site_tiers(fleet, site)), len(hours.times)))


def raise_to_floor(
    fleet: Fleet,
    sites: Sequence[Site],
    hours: Sequence[SiteHours],
    runs: Sequence[np.ndarray],
    working: Sequence[np.ndarray],
    floor_eh_s: float,
) -> list[np.ndarray]:
    """Run fractions raised, cheapest hash first, until the fleet hashrate meets the floor.

    Parameters
    ----------
    fleet
        The fleet.
    sites
        Its sites as the run sees them (with any tier a relocation adds), fleet order.
    hours
        The outside world at each site.
    runs
        Run fraction per site, ``(tiers, hours)`` [-].
    working
        Machines working per site, tier and hour, ``(tiers, hours)`` [-].
    floor_eh_s
        The floor [EH/s].

    Returns
    -------
    list of numpy.ndarray
        The run fractions, raised where the fleet fell short; unchanged where it did not.
    """
    capacity, cost = [], []
    for site, site_hours, count in zip(sites, hours, working, strict=True):
        tiers = site_tiers(fleet, site)
        capacity.append(_capacity_th_s(fleet, site, tiers, site_hours, count))
        marginal = site.contract.marginal_usd_per_mwh(site_hours.price_usd_per_mwh)
        per_th = np.array([t.model.efficiency_j_per_th for t in tiers]) * site.overhead
        cost.append(per_th[:, None] * marginal[None, :])
    cap = np.concatenate(capacity)  # (all tiers, hours) [TH/s] with every machine running
    u = np.clip(np.concatenate([np.asarray(r, dtype=float) for r in runs]), 0.0, 1.0)
    deficit = np.maximum(floor_eh_s * 1e6 - (u * cap).sum(axis=0), 0.0)
    if not (deficit > floor_eh_s * 1e6 * FLOOR_TOLERANCE).any():
        return [np.asarray(r, dtype=float) for r in runs]
    extra = (1.0 - u) * cap
    order = np.argsort(np.where(extra > 0, np.concatenate(cost), np.inf), axis=0, kind="stable")
    spare = np.take_along_axis(extra, order, axis=0)
    before = np.cumsum(spare, axis=0) - spare
    taken = np.empty_like(spare)
    np.put_along_axis(taken, order, np.clip(deficit[None, :] - before, 0.0, spare), axis=0)
    raised = np.minimum(u + np.divide(taken, cap, out=np.zeros_like(cap), where=cap > 0), 1.0)
    bounds = np.cumsum([0, *(len(r) for r in runs)])
    return [raised[a:b] for a, b in itertools.pairwise(bounds.tolist())]


def _capacity_th_s(
    fleet: Fleet, site: Site, tiers: Sequence[Tier], hours: SiteHours, working: np.ndarray
) -> np.ndarray:
    """Hashrate of every working, available machine per tier and hour [TH/s] (the ledger's)."""
    per_machine = np.array([t.model.hashrate_th_s for t in tiers])[:, None]
    return working * available_fraction(fleet, site, hours)[None, :] * per_machine


@dataclass(frozen=True)
class Causes:
    """What kept machines from hashing in a run, hour by hour, to explain a shortfall.

    Attributes
    ----------
    site_ids
        Sites in fleet order.
    down
        Whether each site was without grid or restarting, ``(sites, hours)``.
    derated
        Whether heat derated each site, ``(sites, hours)``.
    frozen
        Machines out with freeze damage, ``(sites, hours)`` [-].
    failed
        Machines failed and not yet repaired, ``(sites, hours)`` [-].
    in_transit
        Machines on the road, ``(hours,)`` [-].
    nameplate_eh_s
        Installed hashrate of the fleet [EH/s].
    """

    site_ids: tuple[str, ...]
    down: np.ndarray
    derated: np.ndarray
    frozen: np.ndarray
    failed: np.ndarray
    in_transit: np.ndarray
    nameplate_eh_s: float

    def reason(self, hour: int, floor_eh_s: float) -> str:
        """Why the fleet could not keep ``floor_eh_s`` in ``hour``, in words."""
        parts = []
        if self.nameplate_eh_s < floor_eh_s * (1.0 - FLOOR_TOLERANCE):
            parts.append(f"floor above the fleet's nameplate ({self.nameplate_eh_s:.2f} EH/s)")
        for label, where in (
            ("grid outage", self.down[:, hour]),
            ("freeze damage", self.frozen[:, hour] > 0),
            ("ASIC failures", self.failed[:, hour] > 0),
            ("heat derate", self.derated[:, hour]),
        ):
            sites = [s for s, hit in zip(self.site_ids, where.tolist(), strict=True) if hit]
            if sites:
                parts.append(f"{label} at {', '.join(sites)}")
        if self.in_transit[hour] > 0:
            parts.append(f"{int(self.in_transit[hour]):,} machines in transit")
        return "; ".join(parts) or "every available machine ran"


def shortfalls(hashrate_th_s: np.ndarray, floor_eh_s: float, causes: Causes) -> list[Shortfall]:
    """The hours whose fleet hashrate is below the floor, each with its reason.

    Parameters
    ----------
    hashrate_th_s
        Fleet hashrate per hour after the floor was kept where it could be [TH/s].
    floor_eh_s
        The floor [EH/s].
    causes
        What kept machines from hashing (:class:`Causes`).

    Returns
    -------
    list of Shortfall
        ``(hour, hashrate [TH/s], reason)`` in hour order.
    """
    limit = floor_eh_s * 1e6 * (1.0 - FLOOR_TOLERANCE)
    below = np.flatnonzero(np.asarray(hashrate_th_s) < limit)
    return [(int(h), float(hashrate_th_s[h]), causes.reason(int(h), floor_eh_s)) for h in below]


def run_causes(
    fleet: Fleet,
    sites: Sequence[Site],
    hours: Sequence[SiteHours],
    down: Sequence[Sequence[tuple[float, float]]],
    log: Sequence[LogEntry],
    transits: Sequence[tuple[int, float, float]],
    n_hours: int,
) -> Causes:
    """What kept machines from hashing in a run, from its inputs and its event log.

    Parameters
    ----------
    fleet, sites, hours
        The fleet, its sites as the run sees them and the outside world at each.
    down
        Per site, the ``(start, end)`` of each stretch without grid or restarting [h].
    log
        The run's events (freeze damage, ASIC failures and repairs).
    transits
        ``(machines, departure [h], transit [h])`` of each relocation.
    n_hours
        Hours of the run.
    """
    site_ids = tuple(s.id for s in sites)
    where = {s: i for i, s in enumerate(site_ids)}
    left = np.arange(n_hours, dtype=float)

    def overlaps(start: float, end: float) -> np.ndarray:
        return (left < end) & (left + 1.0 > start)

    down_mask = np.zeros((len(sites), n_hours), dtype=bool)
    for i, stretches in enumerate(down):
        for start, end in stretches:
            down_mask[i] |= overlaps(start, end)
    derated = np.array(
        [
            fleet.cooling[s.cooling].derate(h.temp_air_c) < 1.0 - FLOOR_TOLERANCE
            for s, h in zip(sites, hours, strict=True)
        ]
    ).reshape(len(sites), n_hours)
    frozen = np.zeros((len(sites), n_hours))
    failed = np.zeros((len(sites), n_hours))
    for site_id, kind, began, ended, count, _ in log:
        k = where.get(site_id)
        if k is None:
            continue
        if kind == "freeze-damage":
            frozen[k] += count * overlaps(began, math.inf if ended is None else ended)
        elif kind == "asic-failure":
            failed[k] += count * (left + 1.0 > began)
        elif kind == "asic-repair" and ended is not None:
            failed[k] -= count * (left >= ended)
    in_transit = np.zeros(n_hours)
    for count, depart, transit in transits:
        in_transit += count * overlaps(depart, depart + transit)
    nameplate = sum(fleet.installed_hashrate_th_s(s) for s in sites) / 1e6
    return Causes(site_ids, down_mask, derated, frozen, failed, in_transit, nameplate)
