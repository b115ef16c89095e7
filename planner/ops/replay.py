"""Strategies judged on a historical window: :func:`run_replay`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from planner.domain.fleet import Fleet
from planner.engine import optimization
from planner.engine.compare import (
    compare_strategies,
    is_plan_strategy,
    simulate_strategies,
)
from planner.engine.metrics import FLEET, HEADLINE, kpis, with_hashrate_kept
from planner.engine.montecarlo import Evaluation
from planner.engine.optimization import OptimizeSettings, Plan
from planner.engine.optimization.settings import MAX_OPERATIONAL_HOURS
from planner.engine.simulation import SimResult
from planner.errors import ConfigError
from planner.inputs import check_seed
from planner.ops.atomic import atomic_write
from planner.ops.jobs.artifacts import prepare_output_dir
from planner.ops.report import ReportInputs, write_report
from planner.world.feeds import Feeds
from planner.world.replay.feeds import read_replay_feeds
from planner.world.replay.files import ReplayFiles
from planner.world.scenarios import (
    ScenarioSet,
    ScenarioSettings,
    make_scenarios,
    scenario_from_feeds,
)

__all__ = [
    "HISTORICAL",
    "REPLAY_STRATEGIES",
    "ReplayOutcome",
    "historical_draws",
    "replay_table",
    "run_replay",
]

#: Strategies a replay compares by default; the first is the baseline.
REPLAY_STRATEGIES: tuple[str, ...] = ("run-through", "strike", "strike+protective", "optimized")

#: Scenario settings that keep the historical weather, prices and hashprice exactly: only grid
#: outages (from the fitted hazard) and ASIC failures are drawn.
HISTORICAL = ScenarioSettings(
    temp_error_c=0.0, price_noise=0.0, btc_volatility_annual=0.0, difficulty_growth_annual=0.0
)

#: Columns of :func:`replay_table`, in order.
TABLE_COLUMNS: tuple[str, ...] = (
    "strategy",
    "profit_incl_after_horizon_usd",
    "profit_incl_after_horizon_vs_baseline_usd",
    "profit_usd",
    "after_horizon_usd",
    "curtailed_mwh",
    "hashrate_kept_pct",
    "mean_hashrate_eh_s",
    "revenue_usd",
    "energy_cost_usd",
    "credits_usd",
    "outage_hours",
    "freeze_events",
)

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, eq=False)
class ReplayOutcome:
    """What :func:`run_replay` found.

    Attributes
    ----------
    feeds
        The historical window (``mode="replay"``).
    table
        One row per strategy, :data:`TABLE_COLUMNS` (:func:`replay_table`).
    evaluation
        The strategies over the outage draws.
    results
        One run per strategy through the window as it happened (no grid outages), for charts.
    plan
        The hindsight plan, when an ``optimized`` strategy was asked for.
    kpis_path, report_path
        Files written when an output folder was given, else ``None``.
    """

    feeds: Feeds
    table: pd.DataFrame
    evaluation: Evaluation
    results: tuple[SimResult, ...]
    plan: Plan | None
    kpis_path: Path | None = None
    report_path: Path | None = None


def run_replay(
    fleet: Fleet,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    files: ReplayFiles,
    *,
    strategies: Sequence[str] = REPLAY_STRATEGIES,
    scenarios: int = 20,
    replications: int = 1,
    seed: int = 7,
    out_dir: str | Path | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> ReplayOutcome:
    """Judge strategies on a historical window read from files.

    The window's weather, prices and hashprice are replayed as recorded, the same in every
    scenario (:data:`HISTORICAL`); each scenario draws its own grid outages from the OE-417
    hazard (raised in cold hours, as in :func:`planner.make_scenarios`) and ASIC failures, and
    every strategy sees the same draws. ``optimized`` is a *hindsight* plan: the optimizer sees
    the window's real prices and weather (but other outage draws, seed ``seed + 1``), so it is an
    upper bound on what planning could have earned, not a forecast.

    Parameters
    ----------
    fleet
        The fleet.
    start, end
        The window (UTC; a date-only ``end`` includes that day).
    files
        The historical files.
    strategies
        Strategy names (see :mod:`planner.engine.compare`); the first is the baseline.
    scenarios
        Outage draws, >= 1.
    replications
        ASIC-failure draws per scenario, >= 1.
    seed
        Seed of the draws.
    out_dir
        If given, ``kpis.csv`` (the table) and ``report.html`` are written there (the folder is
        created and proven writable before the work).
    workers
        Local worker processes.
    progress
        Called with ``(step, done, total)``.

    Returns
    -------
    ReplayOutcome
    """
    if scenarios < 1:
        raise ConfigError("replay", f"scenarios: must be >= 1, got {scenarios}")
    seed = check_seed(seed)
    names = list(strategies)
    folder = None if out_dir is None else prepare_output_dir(out_dir)  # writable before the work
    _tick(progress, "feeds", 0, 1)
    feeds = read_replay_feeds(fleet, start, end, files)
    draws = historical_draws(fleet, feeds, scenarios, seed)
    plan = None
    if any(is_plan_strategy(n) for n in names):
        _tick(progress, "optimize", 0, 1)
        plan = hindsight_plan(fleet, feeds, min(scenarios, 8), seed + 1)
    evaluation = compare_strategies(
        fleet,
        draws,
        names,
        plan=plan,
        replications=replications,
        workers=workers,
        progress=progress,
    )
    table = replay_table(evaluation, baseline=names[0])
    results = tuple(simulate_strategies(fleet, feeds, names, plan=plan, seed=seed))
    outcome = ReplayOutcome(feeds, table, evaluation, results, plan)
    if folder is not None:
        outcome = _write(outcome, fleet, folder, names, scenarios, replications, seed)
    _tick(progress, "done", 1, 1)
    return outcome


def historical_draws(fleet: Fleet, feeds: Feeds, n: int, seed: int) -> ScenarioSet:
    """``n`` scenarios that replay the window as recorded, each with its own grid-outage draws.

    :func:`planner.make_scenarios` with :data:`HISTORICAL` settings keeps the recorded weather
    and hashprice exactly; its prices are then put back as recorded, because the generator clips
    every price at its synthetic cap ($5,000/MWh, ERCOT's cap since 2022), while ERCOT settled at
    $9,000/MWh during Winter Storm Uri.
    """
    draws = make_scenarios(fleet, feeds, n, seed, settings=HISTORICAL)
    recorded = scenario_from_feeds(fleet, feeds).price_usd_per_mwh
    return replace(
        draws,
        scenarios=tuple(replace(s, price_usd_per_mwh=recorded) for s in draws.scenarios),
    )


def hindsight_plan(fleet: Fleet, feeds: Feeds, n: int, seed: int) -> Plan:
    """The optimizer's plan over ``n`` outage draws of the historical window.

    Hourly periods; a window longer than the operational limit (14 days) is planned with the
    strategic model at 1-hour periods, so curtailment is still decided hour by hour.
    """
    draws = historical_draws(fleet, feeds, n, seed)
    long = len(feeds.times) > MAX_OPERATIONAL_HOURS
    settings = (
        OptimizeSettings(horizon="strategic", strategic_period_hours=1)
        if long
        else OptimizeSettings()
    )
    return optimization.optimize(fleet, draws, settings)


def replay_table(evaluation: Evaluation, baseline: str) -> pd.DataFrame:
    """Fleet figures per strategy against ``baseline``, means over the runs.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TABLE_COLUMNS`: ``profit_incl_after_horizon_usd`` (the full value: the
        window's ``profit_usd`` less ``after_horizon_usd``, what the run leaves behind after it)
        and ``profit_incl_after_horizon_vs_baseline_usd`` (minus the baseline's), the other money
        figures [USD], ``curtailed_mwh``
        [MWh], ``hashrate_kept_pct`` (mean hashrate over the baseline's) [%],
        ``mean_hashrate_eh_s`` [EH/s], ``outage_hours`` (site-hours) [h], ``freeze_events`` [-].
    """
    risk = evaluation.metrics()
    fleet = risk[risk["site_id"] == FLEET].set_index("policy")
    if baseline not in fleet.index:
        raise ConfigError("replay", f"baseline {baseline!r} is not among {list(fleet.index)}")
    base = fleet.loc[baseline]
    out = pd.DataFrame(
        {
            "strategy": list(fleet.index),
            "profit_incl_after_horizon_usd": fleet[HEADLINE].to_numpy(),
            "profit_incl_after_horizon_vs_baseline_usd": (
                fleet[HEADLINE] - base[HEADLINE]
            ).to_numpy(),
            "profit_usd": fleet["expected_profit_usd"].to_numpy(),
            "after_horizon_usd": fleet["expected_after_horizon_usd"].to_numpy(),
            "curtailed_mwh": fleet["curtailed_mwh"].to_numpy(),
            "hashrate_kept_pct": (
                100.0 * fleet["mean_hashrate_eh_s"] / base["mean_hashrate_eh_s"]
            ).to_numpy(),
            "mean_hashrate_eh_s": fleet["mean_hashrate_eh_s"].to_numpy(),
            "revenue_usd": fleet["expected_revenue_usd"].to_numpy(),
            "energy_cost_usd": fleet["expected_energy_cost_usd"].to_numpy(),
            "credits_usd": fleet["expected_credits_usd"].to_numpy(),
            "outage_hours": fleet["outage_hours"].to_numpy(),
            "freeze_events": fleet["freeze_events"].to_numpy(),
        }
    )
    return out[list(TABLE_COLUMNS)]


def _write(
    outcome: ReplayOutcome,
    fleet: Fleet,
    folder: Path,
    names: list[str],
    scenarios: int,
    replications: int,
    seed: int,
) -> ReplayOutcome:

    kpis_path = atomic_write(folder / "kpis.csv", lambda f: outcome.table.to_csv(f, index=False))
    feeds = outcome.feeds
    span = f"{feeds.times[0]:%Y-%m-%d} .. {feeds.times[-1]:%Y-%m-%d}"
    notes = (
        *feeds.notes,
        f"{scenarios} outage draw(s) x {replications} failure replication(s), seed {seed}; "
        "charts show the window as it happened (no grid outages).",
        *(
            ["optimized: hindsight plan (knew the window's prices and weather): an upper bound."]
            if outcome.plan is not None
            else []
        ),
    )
    report_path = write_report(
        folder / "report.html",
        ReportInputs(
            fleet=fleet,
            kpis=kpis(fleet, list(outcome.results), baseline=names[0]),
            ledgers={r.policy: r.ledger for r in outcome.results},
            title=f"{fleet.name}: replay {span}",
            generated_at=datetime.now(UTC),
            notes=notes,
            risk=with_hashrate_kept(outcome.evaluation.metrics(), baseline=names[0]),
            evaluation=outcome.evaluation,
            plan=outcome.plan,
            feeds=feeds,
        ),
    )
    return replace(outcome, kpis_path=kpis_path, report_path=report_path)


def _tick(progress: Progress | None, step: str, done: int, total: int) -> None:
    if progress is not None:
        progress(step, done, total)
