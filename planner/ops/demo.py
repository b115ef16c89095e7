"""The offline demo: the demo fleet through a mid-January cold snap, strategies compared over
Monte Carlo scenarios (:func:`run_demo`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from planner.domain.examples import demo_fleet
from planner.domain.fleet import Fleet
from planner.engine.compare import horizon_limit
from planner.engine.montecarlo import Evaluation
from planner.engine.optimization import OptimizeSettings, Plan
from planner.inputs import check_hours
from planner.ops.comparison import run_comparison
from planner.ops.jobs.artifacts import prepare_output_dir
from planner.world.feeds import fetch_feeds
from weather.synthetic import StormSettings

__all__ = ["DEMO_STORMS", "DEMO_STRATEGIES", "DEMO_TIME_LIMIT_S", "DemoOutcome", "run_demo"]

#: Strategies the demo compares, in report order; the first is the baseline.
DEMO_STRATEGIES: tuple[str, ...] = ("run-through", "strike", "strike+protective", "optimized")

#: The demo is a stress test: a mid-January cold snap happens for sure, at full depth.
DEMO_STORMS = StormSettings(
    cold_snap_depth_c=14.0,
    cold_snap_chance=1.0,
    cold_snap_window_days=0.0,
    cold_snap_depth_sd_c=0.0,
)

#: The demo optimizer's time limit [s]: a batch job that should finish with the optimizer's plan
#: on a busy machine too (about 20 s of CPU for the two-week, 20-scenario model).
DEMO_TIME_LIMIT_S = 300.0

Progress = Callable[[str, int, int], None]
"""Called as ``progress(step, done, total)`` while long work runs."""


@dataclass(frozen=True, eq=False)
class DemoOutcome:
    """What :func:`run_demo` produced.

    Attributes
    ----------
    kpis
        Risk figures per strategy and site over the Monte Carlo scenarios
        (:func:`planner.engine.metrics.risk_table`) plus ``hashrate_kept_pct`` against the baseline;
        written to ``kpis.csv``.
    evaluation
        The Monte Carlo evaluation behind them.
    plan
        The optimizer's plan (``None`` when no ``optimized`` strategy is compared).
    kpis_path, report_path
        The files written.
    action_paths
        ``actions.csv`` and ``actions.ics``, the plan's action schedule (none without a plan).
    """

    kpis: pd.DataFrame
    evaluation: Evaluation
    plan: Plan | None
    kpis_path: Path
    report_path: Path
    action_paths: tuple[Path, ...] = ()


def run_demo(
    out_dir: str | Path = "planner-out/demo",
    *,
    fleet: Fleet | None = None,
    start: str | pd.Timestamp = "2025-01-10",
    hours: int = 24 * 14,
    scenarios: int = 40,
    replications: int = 1,
    seed: int = 7,
    strategies: Sequence[str] = DEMO_STRATEGIES,
    plan_scenarios: int = 20,
    workers: int | None = None,
    progress: Progress | None = None,
    optimize_settings: OptimizeSettings | None = None,
) -> DemoOutcome:
    """Run the demo job offline: synthetic feeds with a cold snap, strategies over Monte Carlo.

    Parameters
    ----------
    out_dir
        Folder for ``kpis.csv`` and ``report.html`` (created if missing).
    fleet
        The fleet; the embedded demo fleet when ``None``.
    start, hours
        Horizon: first interval start (ISO 8601, UTC if naive) and number of hourly intervals,
        24 .. 336 when an ``optimized`` strategy is compared
        (:func:`planner.engine.compare.horizon_limit`); the default two weeks hold the demo's cold
        snap (16 January).
    scenarios, replications
        Monte Carlo scenarios (joint weather, price, outage and hashprice draws) and ASIC-failure
        replications per scenario.
    seed
        Seed of the synthetic feeds, the scenarios and the failures.
    strategies
        Strategy names to compare (``+`` composes; ``optimized`` follows the optimizer's plan);
        the first is the baseline. Every strategy is judged on scenarios drawn with ``seed + 1``,
        which the optimizer never saw.
    plan_scenarios
        Scenarios (seed ``seed``) the optimizer plans over.
    workers
        Local worker processes (default: all cores when the work is large enough).
    progress
        Called with ``(step, done, total)`` as the work advances.
    optimize_settings
        The optimizer's settings (default: :class:`OptimizeSettings` with a
        :data:`DEMO_TIME_LIMIT_S` time limit). A solve out of time shows the best plan found, or
        the strike rule's, with :attr:`Plan.note` saying so.

    Returns
    -------
    DemoOutcome

    Raises
    ------
    ConfigError
        A start, horizon or seed out of range (the message names it), or an output folder that
        cannot be created or written (checked before the work).
    """

    fleet = fleet or demo_fleet()
    check_hours(hours, most=horizon_limit(strategies))
    out = prepare_output_dir(out_dir)  # created and proven writable before the work
    _tick(progress, "feeds", 0, 1)
    feeds = fetch_feeds(fleet, start, hours, "offline", seed=seed, storms=DEMO_STORMS)
    outcome = run_comparison(
        fleet,
        feeds,
        strategies,
        scenarios=scenarios,
        plan_scenarios=plan_scenarios,
        replications=replications,
        seed=seed,
        out_dir=out,
        optimize_settings=optimize_settings or OptimizeSettings(time_limit_s=DEMO_TIME_LIMIT_S),
        workers=workers,
        progress=progress,
    )
    assert outcome.kpis_path is not None and outcome.report_path is not None
    _tick(progress, "done", 1, 1)
    return DemoOutcome(
        outcome.kpis,
        outcome.evaluation,
        outcome.plan,
        outcome.kpis_path,
        outcome.report_path,
        outcome.action_paths,
    )


def _tick(progress: Progress | None, step: str, done: int, total: int) -> None:
    if progress is not None:
        progress(step, done, total)
