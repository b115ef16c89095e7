"""Strategies compared over Monte Carlo scenarios, the optimizer's plan among them, and the
comparison's files: :func:`run_comparison`, :func:`write_comparison`.

The plan is made over scenarios drawn with ``seed`` and every strategy is judged on scenarios
drawn with ``seed + 1``, which the optimizer never saw. ``planner compare`` and the demo
(:func:`planner.run_demo`) run through here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from planner.domain.fleet import Fleet
from planner.engine import optimization
from planner.engine.compare import compare_strategies, is_plan_strategy, simulate_strategies
from planner.engine.concentration import concentration_risk
from planner.engine.metrics import kpis, with_hashrate_kept
from planner.engine.montecarlo import Evaluation
from planner.engine.optimization import OptimizeSettings, Plan
from planner.ops.actions import action_schedule, write_actions
from planner.ops.atomic import atomic_write
from planner.ops.jobs.artifacts import prepare_output_dir
from planner.ops.report import ReportInputs, write_report
from planner.world.feeds import Feeds
from planner.world.scenarios import make_scenarios

__all__ = ["ComparisonOutcome", "run_comparison", "write_comparison"]

Progress = Callable[[str, int, int], None]
"""Called as ``progress(step, done, total)`` while long work runs."""


@dataclass(frozen=True, eq=False)
class ComparisonOutcome:
    """What :func:`run_comparison` produced.

    Attributes
    ----------
    kpis
        Risk figures per strategy and site over the judged scenarios
        (:meth:`planner.Evaluation.metrics`) plus ``hashrate_kept_pct`` against the baseline.
    evaluation
        The Monte Carlo evaluation behind them.
    plan
        The optimizer's plan (``None`` when no ``optimized`` strategy is compared).
    kpis_path, report_path
        ``kpis.csv`` and ``report.html``, when an output folder was given.
    action_paths
        ``actions.csv`` and ``actions.ics`` (the plan's action schedule), when an output folder
        and a plan were given.
    """

    kpis: pd.DataFrame
    evaluation: Evaluation
    plan: Plan | None
    kpis_path: Path | None = None
    report_path: Path | None = None
    action_paths: tuple[Path, ...] = ()


def run_comparison(
    fleet: Fleet,
    feeds: Feeds,
    strategies: Sequence[str],
    *,
    scenarios: int = 20,
    plan_scenarios: int = 8,
    replications: int = 1,
    seed: int = 7,
    out_dir: str | Path | None = None,
    optimize_settings: OptimizeSettings | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> ComparisonOutcome:
    """Judge strategies over Monte Carlo scenarios around the feeds; the plan on draws it did
    not see.

    Parameters
    ----------
    fleet, feeds
        The fleet and its feeds over the horizon (at most 336 h with an ``optimized`` strategy,
        :func:`planner.horizon_limit`).
    strategies
        Strategy names (``+`` composes; ``optimized`` follows the optimizer's plan); the first
        is the baseline of ``hashrate_kept_pct``.
    scenarios, replications
        Scenarios judged on (seed ``seed + 1``) and ASIC-failure draws per scenario.
    plan_scenarios
        Scenarios (seed ``seed``) the optimizer plans over, when a strategy follows the plan.
    seed
        Seed of the scenarios and failures.
    out_dir
        Also write ``kpis.csv`` and ``report.html`` here (:func:`write_comparison`); the folder
        is created and proven writable before the work.
    optimize_settings
        The optimizer's settings (default :class:`~planner.OptimizeSettings`).
    workers
        Local worker processes (see :func:`planner.evaluate`).
    progress
        Called with ``(step, done, total)``: ``scenarios``, ``optimize``, ``simulate``,
        ``report``.

    Returns
    -------
    ComparisonOutcome

    Raises
    ------
    ConfigError
        Unknown or repeated strategy names, a count out of range, or an output folder that
        cannot be written.
    SolveError
        No plan meets the optimizer's settings.
    """
    folder = None if out_dir is None else prepare_output_dir(out_dir)
    plan = None
    if any(is_plan_strategy(name) for name in strategies):
        planned = make_scenarios(fleet, feeds, plan_scenarios, seed, progress=progress)
        _tick(progress, "optimize", 0, 1)
        plan = optimization.optimize(fleet, planned, optimize_settings)
    # Strategies are judged on scenarios the optimizer never saw (another seed).
    judged = make_scenarios(fleet, feeds, scenarios, seed + 1, progress=progress)
    evaluation = compare_strategies(
        fleet,
        judged,
        list(strategies),
        plan=plan,
        replications=replications,
        workers=workers,
        progress=progress,
    )
    table = with_hashrate_kept(evaluation.metrics(), baseline=strategies[0])
    if folder is None:
        return ComparisonOutcome(table, evaluation, plan)
    _tick(progress, "report", 0, 1)
    kpis_path, report_path, *actions = write_comparison(
        folder, fleet, feeds, strategies, evaluation, table, plan=plan, seed=seed
    )
    return ComparisonOutcome(table, evaluation, plan, kpis_path, report_path, tuple(actions))


def _tick(progress: Progress | None, step: str, done: int, total: int) -> None:
    if progress is not None:
        progress(step, done, total)


def write_comparison(
    out_dir: str | Path,
    fleet: Fleet,
    feeds: Feeds,
    strategies: Sequence[str],
    evaluation: Evaluation,
    table: pd.DataFrame,
    *,
    plan: Plan | None = None,
    seed: int = 7,
) -> tuple[Path, ...]:
    """Write a strategy comparison: ``kpis.csv`` (``table``) and ``report.html``; with a plan,
    its action schedule too (``actions.csv``, ``actions.ics``: :mod:`planner.ops.actions`).

    Parameters
    ----------
    out_dir
        Output folder (created if missing).
    fleet, feeds
        The fleet and the feeds the comparison ran on.
    strategies
        Strategy names; the first is the baseline. Each also runs once through the feeds
        themselves for the report's charts (:func:`planner.simulate_strategies`).
    evaluation, table
        The comparison (:func:`planner.compare_strategies`) and its risk table.
    plan
        The optimizer's plan, when ``optimized`` strategies are among them.
    seed
        Seed of the central runs' failures.

    Returns
    -------
    tuple of Path
        ``(kpis.csv, report.html)``, then ``actions.csv`` and ``actions.ics`` with a plan.
    """

    folder = prepare_output_dir(out_dir)
    results = simulate_strategies(fleet, feeds, strategies, plan=plan, seed=seed)
    made = datetime.now(UTC)
    actions = action_schedule(plan) if plan is not None else None
    action_paths = (
        ()
        if actions is None
        else write_actions(folder, actions, stamp=made, uid_prefix=f"plan-{made:%Y%m%dT%H%M%SZ}")
    )
    # Both files at the end, each atomically: an interruption before leaves the old pair.
    report = write_report(
        folder / "report.html",
        ReportInputs(
            fleet=fleet,
            kpis=kpis(fleet, results, baseline=strategies[0]),
            ledgers={r.policy: r.ledger for r in results},
            title=f"{fleet.name}: which strategy to run",
            generated_at=made,
            notes=(*feeds.notes, *([f"Optimizer: {plan.note}."] if plan and plan.note else [])),
            risk=table,
            evaluation=evaluation,
            plan=plan,
            feeds=feeds,
            actions=actions,
            concentration=concentration_risk(
                fleet, evaluation, None if plan is None else plan.relocations
            ),
            action_files=(
                None if actions is None else {"CSV": "actions.csv", "iCalendar": "actions.ics"}
            ),
        ),
    )
    kpis_path = atomic_write(folder / "kpis.csv", lambda f: table.to_csv(f, index=False))
    return (kpis_path, report, *action_paths)
