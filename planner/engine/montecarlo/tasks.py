"""What a Monte Carlo worker does: every policy through a batch of ``(scenario, replication)``
tasks, summed up into compact arrays, in whatever process runs it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from planner.domain.after_horizon import AFTER_HORIZON_COLUMNS
from planner.domain.fleet import Fleet, Site
from planner.domain.ledger import LEDGER_COLUMNS, SiteHours, site_tiers
from planner.engine.montecarlo.evaluation import SUMMARY_COLUMNS
from planner.engine.montecarlo.seeding import task_seed
from planner.engine.policies import Policy
from planner.engine.simulation import (
    Shipment,
    SimSettings,
    effective_site,
    merge_for_restart,
    restart_hours,
    simulate_arrays,
)
from planner.world.scenarios import Scenario

_SUMMED: tuple[str, ...] = SUMMARY_COLUMNS[:6]  # hourly ledger columns summed over the horizon
_LEDGER_POS = {c: LEDGER_COLUMNS.index(c) for c in (*_SUMMED, "hashrate_th_s")}
_COL = {c: i for i, c in enumerate(SUMMARY_COLUMNS)}
_AFTER = ("machines_out", "lost_margin_usd", "repair_usd", "transport_usd", "after_horizon_usd")
_AFTER_POS = [AFTER_HORIZON_COLUMNS.index(c) for c in _AFTER]


@dataclass(frozen=True, eq=False)
class Job:
    """Everything a worker needs; sent once per worker."""

    fleet: Fleet
    scenarios: Sequence[Scenario]  # a tuple, or ScenarioDraws drawn in the worker
    policies: tuple[Policy, ...]
    seed: int
    settings: SimSettings
    shipments: tuple[Shipment, ...]


@dataclass(frozen=True, eq=False)
class BatchResult:
    """Compact results of a batch of tasks."""

    summary: np.ndarray  # (tasks, policies, sites, SUMMARY_COLUMNS) float64
    hashrate: np.ndarray  # (tasks, policies, hours) float32 [TH/s]
    outages: list[tuple[int, int, int, float, float, float]]  # task, policy, site, start, end, up
    shortfalls: list[tuple[int, int, int, float, float, str]] = field(default_factory=list)
    # task, policy, hour, fleet hashrate [TH/s], floor [EH/s], reason: hours below a fleet floor


@dataclass(eq=False)
class _Memo:
    """A policy whose decisions are kept per site for one scenario.

    A policy sees only the fleet, the site and the scenario's hours, so its run fractions are
    the same in every replication of a scenario; a worker computes them once per scenario and
    saves the policy's cost in every other replication. Anything else (a keep-running floor) is
    the wrapped policy's own.
    """

    policy: Policy
    cache: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.policy.name

    def __getattr__(self, attribute: str) -> Any:
        if attribute in ("policy", "cache"):  # not set yet (copying): no recursion
            raise AttributeError(attribute)
        return getattr(self.policy, attribute)

    def run_fraction(self, fleet: Fleet, site: Site, hours: SiteHours) -> np.ndarray:
        if site.id not in self.cache:
            self.cache[site.id] = self.policy.run_fraction(fleet, site, hours)
        return self.cache[site.id]


@dataclass(eq=False)
class Memos:
    """The memoised policies of the scenario last run (tasks come scenario by scenario)."""

    position: int = -1
    memos: list[_Memo] = field(default_factory=list)

    def get(self, job: Job, position: int) -> list[_Memo]:
        if position != self.position:
            self.position, self.memos = position, [_Memo(p) for p in job.policies]
        return self.memos


def _outage_records(job: Job, scenario: Scenario) -> list[tuple[int, float, float, float]]:
    """Each site's outages as the simulation runs them: ``(site, start, grid end, restored)``."""
    hours = len(scenario.times)
    out = []
    for i, base in enumerate(job.fleet.sites):
        site = effective_site(job.fleet, base, job.shipments)
        restart_h = restart_hours(site, site_tiers(job.fleet, site))
        for start, end in merge_for_restart(scenario.outages[i], restart_h):
            if start < hours:
                out.append((i, float(start), float(end), float(end) + restart_h))
    return out


def _run_task(
    job: Job, position: int, replication: int, memos: Sequence[_Memo]
) -> tuple[
    np.ndarray,
    np.ndarray,
    list[tuple[int, float, float, float]],
    list[tuple[int, int, float, float, str]],
]:
    """Every policy through one scenario and replication with one failure seed.

    Returns the summaries, the fleet hashrate paths, the outage records and the hours below a
    policy's fleet hashrate floor ``(policy, hour, hashrate [TH/s], floor [EH/s], reason)``.
    """
    fleet = job.fleet
    scenario = job.scenarios[position]
    hours = len(scenario.times)
    n_sites = len(fleet.sites)
    records = _outage_records(job, scenario)
    outage_hours = np.zeros(n_sites)
    for i, start, _, restored in records:
        outage_hours[i] += min(restored, hours) - start
    nameplate = np.array([fleet.installed_hashrate_th_s(s) for s in fleet.sites])
    btc = scenario.btc_price_usd
    summary = np.empty((len(memos), n_sites, len(SUMMARY_COLUMNS)))
    hashrate = np.empty((len(memos), hours), dtype=np.float32)
    below: list[tuple[int, int, float, float, str]] = []
    for p, memo in enumerate(memos):
        run = simulate_arrays(
            fleet,
            scenario,
            memo,
            seed=task_seed(job.seed, scenario.index, replication),
            shipments=job.shipments,
            settings=job.settings,
        )
        values = run.ledger_values.reshape(n_sites, hours, -1)
        for c in _SUMMED:
            summary[p, :, _COL[c]] = values[:, :, _LEDGER_POS[c]].sum(axis=1)
        revenue = values[:, :, _LEDGER_POS["revenue_usd"]]
        summary[p, :, _COL["btc_mined"]] = (
            (revenue / btc).sum(axis=1) if btc is not None else np.nan
        )
        site_hashrate = values[:, :, _LEDGER_POS["hashrate_th_s"]]
        mean_th_s = site_hashrate.mean(axis=1)
        summary[p, :, _COL["mean_hashrate_eh_s"]] = mean_th_s / 1e6
        summary[p, :, _COL["uptime_pct"]] = uptime_pct(mean_th_s, nameplate)
        summary[p, :, _COL["outage_hours"]] = outage_hours
        frozen = Counter(entry[0] for entry in run.log if entry[1] == "freeze-damage")
        summary[p, :, _COL["freeze_events"]] = [frozen[s] for s in fleet.site_ids]
        summary[p][:, [_COL[c] for c in _AFTER]] = run.after_horizon[:, _AFTER_POS]
        summary[p, :, _COL["profit_incl_after_horizon_usd"]] = (
            summary[p, :, _COL["profit_usd"]] - summary[p, :, _COL["after_horizon_usd"]]
        )
        hashrate[p] = site_hashrate.sum(axis=0)
        below.extend((p, h, th_s, run.floor_eh_s, why) for h, th_s, why in run.shortfalls)
    return summary, hashrate, records, below


def uptime_pct(mean_th_s: np.ndarray, nameplate_th_s: np.ndarray) -> np.ndarray:
    """Mean running hashrate over nameplate [%]; NaN where the nameplate is 0.

    Parameters
    ----------
    mean_th_s
        Mean hashrate [TH/s].
    nameplate_th_s
        Installed hashrate, of the same shape or broadcastable to it [TH/s].
    """
    out = np.full(mean_th_s.shape, np.nan)
    np.divide(100.0 * mean_th_s, nameplate_th_s, out=out, where=nameplate_th_s > 0)
    return out


def run_batch(
    job: Job, tasks: Sequence[tuple[int, int]], memos: Memos | None = None
) -> BatchResult:
    """Run a batch of ``(scenario position, replication)`` tasks (in any process).

    Parameters
    ----------
    job
        The evaluation's inputs.
    tasks
        ``(position in job.scenarios, replication)`` pairs.
    memos
        The policies' decisions kept from the batch before in this process, if any.

    Returns
    -------
    BatchResult
        Outage records keyed by the task's position in ``tasks``.
    """
    memos = memos or Memos()
    summaries, hashrates = [], []
    outages: list[tuple[int, int, int, float, float, float]] = []
    shortfalls: list[tuple[int, int, int, float, float, str]] = []
    for t, (position, replication) in enumerate(tasks):
        summary, hashrate, records, below = _run_task(
            job, position, replication, memos.get(job, position)
        )
        summaries.append(summary)
        hashrates.append(hashrate)
        outages.extend(
            (t, p, i, start, end, up)
            for p in range(len(job.policies))
            for i, start, end, up in records
        )
        shortfalls.extend((t, *entry) for entry in below)
    return BatchResult(np.stack(summaries), np.stack(hashrates), outages, shortfalls)
