"""How long a run will take, before it starts: a per-stage estimate from measured unit costs.

The costs are seconds per unit of work measured on the reference machine (``BENCHMARKS.md``,
"Start-up, and the run-time estimate"; ``benchmarks/bench_estimate.py`` measures them again):
drawing a scenario and simulating a strategy through one cost a fixed part per site and a part
per site-hour, the plan grows a little faster than its scenario-site-hours. A machine unlike the
reference, a loaded one, or a storm that makes many events moves the real time; the estimate tells a
two-minute run from a two-hour one, not more.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from planner.domain.fleet import Fleet
from planner.engine.compare import is_plan_strategy
from planner.engine.montecarlo import SERIAL_BELOW_SITE_HOURS

__all__ = [
    "OPTIMIZE_EXPONENT",
    "OPTIMIZE_S_PER_10K_SITE_HOURS",
    "PARALLEL_EFFICIENCY",
    "PLAN_SIMULATE_FACTOR",
    "REPORT_S",
    "SCENARIO_S_PER_SITE",
    "SCENARIO_S_PER_SITE_HOUR",
    "SIMULATE_S_PER_SITE",
    "SIMULATE_S_PER_SITE_HOUR",
    "RunEstimate",
    "estimate_run",
    "estimate_strategies",
]

#: Drawing one scenario: per site [s] ...
SCENARIO_S_PER_SITE = 4.9e-4
#: ... and per site-hour [s].
SCENARIO_S_PER_SITE_HOUR = 8.3e-7
#: One rule strategy (run-through, strike...) through one scenario: per site [s] ...
SIMULATE_S_PER_SITE = 6.4e-4
#: ... and per site-hour [s].
SIMULATE_S_PER_SITE_HOUR = 1.0e-6
#: A strategy that follows the plan costs this many times a rule strategy [-].
PLAN_SIMULATE_FACTOR = 1.26
#: Building and solving the plan over 10,000 scenario-site-hours [s] ...
OPTIMIZE_S_PER_10K_SITE_HOURS = 0.52
#: ... growing as (scenario-site-hours / 10,000) to this power [-].
OPTIMIZE_EXPONENT = 1.15
#: The report page and its files, besides each strategy's one run through the feeds [s].
REPORT_S = 0.2
#: Speed-up of the evaluation per extra worker process, as a share of one process [-] (assumed;
#: the whole-run checks in BENCHMARKS.md test it).
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
    process: drawing is 40 x 6 x (4.9e-4 + 336 x 8.3e-7) = 0.18 s, simulating
    3 x 40 x 6 x (6.4e-4 + 336 x 1.0e-6) = 0.70 s.
    """
    stages: list[tuple[str, float]] = []
    drawn = scenarios + plan_scenarios
    if drawn:
        per_site = SCENARIO_S_PER_SITE + hours * SCENARIO_S_PER_SITE_HOUR
        stages.append(("scenarios", drawn * sites * per_site))
    if plan_scenarios:
        planned = plan_scenarios * sites * (plan_hours or hours) / 1e4
        stages.append(("optimize", OPTIMIZE_S_PER_10K_SITE_HOURS * planned**OPTIMIZE_EXPONENT))
    runs = scenarios * replications
    if runs and strategies:
        weight = strategies - plan_strategies + PLAN_SIMULATE_FACTOR * plan_strategies
        per_run = sites * (SIMULATE_S_PER_SITE + hours * SIMULATE_S_PER_SITE_HOUR)
        speedup = _speedup(runs * strategies * sites * hours, workers)
        stages.append(("simulate", runs * weight * per_run / speedup))
    if report and strategies:
        central = strategies * sites * (SIMULATE_S_PER_SITE + hours * SIMULATE_S_PER_SITE_HOUR)
        stages.append(("report", REPORT_S + central))
    return RunEstimate(tuple(stages))


def estimate_strategies(
    fleet: Fleet,
    hours: int,
    strategies: Sequence[str],
    *,
    scenarios: int = 0,
    replications: int = 1,
    plan_scenarios: int = 0,
    report: bool = False,
) -> RunEstimate:
    """How long judging ``strategies`` on ``fleet`` will take (:func:`estimate_run`); the plan
    is made only when a strategy follows it.

    Parameters
    ----------
    fleet
        The fleet.
    hours
        The horizon [h].
    strategies
        Strategy names (see :func:`planner.compare_strategies`).
    scenarios, replications
        Scenarios judged on (0: none) and failure draws per scenario.
    plan_scenarios
        Scenarios the optimizer plans over, when a strategy follows the plan.
    report
        Whether a report is written.

    Returns
    -------
    RunEstimate
    """
    planning = sum(is_plan_strategy(n) for n in strategies)
    return estimate_run(
        sites=len(fleet.sites),
        hours=hours,
        scenarios=scenarios,
        replications=replications,
        strategies=len(strategies),
        plan_strategies=planning,
        plan_scenarios=plan_scenarios if planning else 0,
        report=report,
    )


def _speedup(site_hours: int, workers: int | None) -> float:
    """What :func:`planner.evaluate` gains from its worker processes (its own rule of choice)."""
    if workers is None:
        workers = 1 if site_hours < SERIAL_BELOW_SITE_HOURS else os.cpu_count() or 1
    return 1.0 + PARALLEL_EFFICIENCY * (max(workers, 1) - 1)
