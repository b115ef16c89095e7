"""How long a run will take, before it starts: a per-stage estimate from measured unit costs.

The costs are seconds per unit of work measured on the reference machine (``BENCHMARKS.md``,
"Run-time estimates"; ``benchmarks/bench_estimate.py`` measures them again): drawing a scenario
and simulating a strategy through one cost a fixed part per site and a part per site-hour, the
plan a fixed part and a part per scenario-site-hour. A machine unlike the reference,
a loaded one, or a storm that makes many events moves the real time; the estimate tells a
two-minute run from a two-hour one, not more.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from planner.montecarlo import SERIAL_BELOW_SITE_HOURS

__all__ = [
    "OPTIMIZE_S",
    "OPTIMIZE_S_PER_SITE_HOUR",
    "PARALLEL_EFFICIENCY",
    "PLAN_SIMULATE_FACTOR",
    "REPORT_S",
    "REPORT_S_PER_SITE_HOUR",
    "SCENARIO_S_PER_SITE",
    "SCENARIO_S_PER_SITE_HOUR",
    "SIMULATE_S_PER_SITE",
    "SIMULATE_S_PER_SITE_HOUR",
    "RunEstimate",
    "estimate_run",
]

#: Drawing one scenario: per site [s] ...
SCENARIO_S_PER_SITE = 2.0e-4
#: ... and per site-hour [s].
SCENARIO_S_PER_SITE_HOUR = 4.0e-6
#: One rule strategy (run-through, strike...) through one scenario: per site [s] ...
SIMULATE_S_PER_SITE = 2.5e-3
#: ... and per site-hour [s].
SIMULATE_S_PER_SITE_HOUR = 4.0e-6
#: A strategy that follows the plan costs this many times a rule strategy [-].
PLAN_SIMULATE_FACTOR = 2.0
#: Building and solving the plan: a fixed part [s] ...
OPTIMIZE_S = 1.0
#: ... and per scenario-site-hour planned over [s].
OPTIMIZE_S_PER_SITE_HOUR = 5.0e-4
#: The report: a fixed part [s] ...
REPORT_S = 1.0
#: ... and per strategy-site-hour (each strategy once through the feeds, its charts) [s].
REPORT_S_PER_SITE_HOUR = 2.0e-4
#: Speed-up of the evaluation per extra worker process, as a share of one process [-].
PARALLEL_EFFICIENCY = 0.8


@dataclass(frozen=True)
class RunEstimate:
    """Seconds per stage, in the order the stages run.

    Attributes
    ----------
    stages
        ``(stage, seconds)`` pairs; stage names are the ones progress reports use
        (``scenarios``, ``optimize``, ``simulate``, ``report``) [s].
    """

    stages: tuple[tuple[str, float], ...]

    @property
    def total_s(self) -> float:
        """The whole run [s]."""
        return sum(seconds for _, seconds in self.stages)


def estimate_run(
    *,
    sites: int,
    hours: int,
    scenarios: int = 0,
    replications: int = 1,
    strategies: int = 0,
    plan_strategies: int = 0,
    plan_scenarios: int = 0,
    plan_hours: int | None = None,
    report: bool = False,
    workers: int | None = None,
) -> RunEstimate:
    """Estimate a run's time per stage from the unit costs of this module.

    Parameters
    ----------
    sites, hours
        The fleet's sites and the horizon [h].
    scenarios, replications
        Scenarios the strategies are judged on, and failure draws per scenario.
    strategies, plan_strategies
        Strategies judged: all of them, and how many of those follow the optimizer's plan.
    plan_scenarios, plan_hours
        Scenarios the optimizer plans over (0: no plan) and its horizon [h] (default ``hours``).
    report
        Whether a report (each strategy once through the feeds, and the page) is written.
    workers
        Worker processes of the evaluation (default: as :func:`planner.evaluate` chooses).

    Returns
    -------
    RunEstimate
        Stages with no work are left out.

    Examples
    --------
    Forty scenarios of a 6-site fleet over two weeks (336 h), three rule strategies, one
    process: drawing is 40 x 6 x (2.0e-4 + 336 x 4.0e-6) = 0.37 s, simulating
    3 x 40 x 6 x (2.5e-3 + 336 x 4.0e-6) = 2.77 s (with the costs as measured).
    """
    stages: list[tuple[str, float]] = []
    drawn = scenarios + plan_scenarios
    if drawn:
        per_site = SCENARIO_S_PER_SITE + hours * SCENARIO_S_PER_SITE_HOUR
        stages.append(("scenarios", drawn * sites * per_site))
    if plan_scenarios:
        planned = plan_scenarios * sites * (plan_hours or hours)
        stages.append(("optimize", OPTIMIZE_S + planned * OPTIMIZE_S_PER_SITE_HOUR))
    runs = scenarios * replications
    if runs and strategies:
        weight = strategies - plan_strategies + PLAN_SIMULATE_FACTOR * plan_strategies
        per_run = sites * (SIMULATE_S_PER_SITE + hours * SIMULATE_S_PER_SITE_HOUR)
        speedup = _speedup(runs * strategies * sites * hours, workers)
        stages.append(("simulate", runs * weight * per_run / speedup))
    if report and strategies:
        stages.append(("report", REPORT_S + strategies * sites * hours * REPORT_S_PER_SITE_HOUR))
    return RunEstimate(tuple(stages))


def _speedup(site_hours: int, workers: int | None) -> float:
    """What :func:`planner.evaluate` gains from its worker processes (its own rule of choice)."""
    if workers is None:
        workers = 1 if site_hours < SERIAL_BELOW_SITE_HOURS else os.cpu_count() or 1
    return 1.0 + PARALLEL_EFFICIENCY * (max(workers, 1) - 1)
