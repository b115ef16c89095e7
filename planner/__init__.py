"""Mining fleet resilience planner.

Simulate a geographically distributed Bitcoin mining fleet under weather, grid and outage feeds,
compare operating strategies, plan curtailment and relocation, replay historical storms, and run
the whole thing as a scheduled job.

>>> import planner
>>> fleet = planner.demo_fleet()
>>> len(fleet.sites)
6

The optimizer's solver side (:func:`optimize`: Pyomo and highspy) loads on first use, not with
``import planner``.
"""

from typing import TYPE_CHECKING, Any

from planner.domain.examples import demo_fleet, texas_fleet
from planner.domain.fleet import Fleet, MinerModel, Route, Site, load_fleet, parse_fleet
from planner.engine.compare import (
    compare_strategies,
    horizon_limit,
    is_plan_strategy,
    merge_evaluations,
    simulate_strategies,
)
from planner.engine.concentration import JOINT_LOSS_SHARE, Concentration, concentration_risk
from planner.engine.metrics import best_strategy, kpis
from planner.engine.montecarlo import Evaluation, evaluate
from planner.engine.optimization import OptimizeSettings, Plan
from planner.engine.policies import (
    Compose,
    FollowPlan,
    FourCPAvoidance,
    Policy,
    ProtectiveShutdown,
    RunThrough,
    StrikePrice,
)
from planner.engine.replanner import Replan, Replanner
from planner.engine.simulation import Shipment, SimResult, SimSettings, simulate
from planner.errors import ConfigError, FeedError, JobError, PlannerError, SolveError
from planner.ops.actions import (
    ACTION_COLUMNS,
    ACTION_KINDS,
    action_schedule,
    actions_csv,
    actions_ics,
)
from planner.ops.charts import WHERE as _CHART_MODULES
from planner.ops.comparison import ComparisonOutcome, run_comparison
from planner.ops.demo import (
    DEMO_STORMS,
    DEMO_STRATEGIES,
    DEMO_TIME_LIMIT_S,
    DemoOutcome,
    run_demo,
)
from planner.ops.dispatch import DispatchResult, DispatchSettings, dispatch_plan, read_plan_csv
from planner.ops.estimate import RunEstimate, estimate_strategies
from planner.ops.jobs import JobOutcome, JobSettings, load_job_settings, run_forecast_job
from planner.ops.jobs.artifacts import prepare_output_dir, write_plan
from planner.ops.jobs.prune import PruneOutcome, prune_runs
from planner.ops.locking import JobLockedError
from planner.ops.replay import ReplayOutcome, run_replay
from planner.ops.report import (
    ReportInputs,
    format_eh_s,
    format_usd,
    render_report,
    summary_lines,
    summary_text,
)
from planner.ops.store import RunRecord, RunStore, default_store_path
from planner.ops.store.actions import ActionRecord, read_actions
from planner.ops.summary import (
    CURRENT_RULES,
    DEFAULT_CURRENT_RULE,
    NextAction,
    Summary,
    curtailment_frame,
    executive_summary,
    next_actions,
    summarise,
)
from planner.world.feeds import FEED_MODES, FeedMode, Feeds, FeedSources, fetch_feeds
from planner.world.replay import ReplayFiles, read_replay_feeds
from planner.world.scenario_draws import ScenarioDraws, draw_scenarios
from planner.world.scenario_reduction import reduce_scenarios
from planner.world.scenarios import Scenario, ScenarioSet, ScenarioSettings, make_scenarios

if TYPE_CHECKING:
    from planner.engine.optimization import optimize
    from planner.ops.charts import (
        band_frame,
        band_panel_chart,
        cumulative_profit_chart,
        curtailment_blocks,
        curtailment_heatmap_chart,
        daily_hashrate_chart,
        exceedance_chart,
        fleet_cumulative_profit,
        fleet_daily_hashrate,
        hashrate_bands_chart,
        profit_distribution_chart,
        run_profits,
        site_map,
        site_profit_chart,
        strategy_colour,
        strategy_scale,
    )

__all__ = [
    "ACTION_COLUMNS",
    "ACTION_KINDS",
    "CURRENT_RULES",
    "DEFAULT_CURRENT_RULE",
    "DEMO_STORMS",
    "DEMO_STRATEGIES",
    "DEMO_TIME_LIMIT_S",
    "FEED_MODES",
    "JOINT_LOSS_SHARE",
    "ActionRecord",
    "ComparisonOutcome",
    "Compose",
    "Concentration",
    "ConfigError",
    "DemoOutcome",
    "DispatchResult",
    "DispatchSettings",
    "Evaluation",
    "FeedError",
    "FeedMode",
    "FeedSources",
    "Feeds",
    "Fleet",
    "FollowPlan",
    "FourCPAvoidance",
    "JobError",
    "JobLockedError",
    "JobOutcome",
    "JobSettings",
    "MinerModel",
    "NextAction",
    "OptimizeSettings",
    "Plan",
    "PlannerError",
    "Policy",
    "ProtectiveShutdown",
    "PruneOutcome",
    "Replan",
    "Replanner",
    "ReplayFiles",
    "ReplayOutcome",
    "ReportInputs",
    "Route",
    "RunEstimate",
    "RunRecord",
    "RunStore",
    "RunThrough",
    "Scenario",
    "ScenarioDraws",
    "ScenarioSet",
    "ScenarioSettings",
    "Shipment",
    "SimResult",
    "SimSettings",
    "Site",
    "SolveError",
    "StrikePrice",
    "Summary",
    "action_schedule",
    "actions_csv",
    "actions_ics",
    "band_frame",
    "band_panel_chart",
    "best_strategy",
    "compare_strategies",
    "concentration_risk",
    "cumulative_profit_chart",
    "curtailment_blocks",
    "curtailment_frame",
    "curtailment_heatmap_chart",
    "daily_hashrate_chart",
    "default_store_path",
    "demo_fleet",
    "dispatch_plan",
    "draw_scenarios",
    "estimate_strategies",
    "evaluate",
    "exceedance_chart",
    "executive_summary",
    "fetch_feeds",
    "fleet_cumulative_profit",
    "fleet_daily_hashrate",
    "format_eh_s",
    "format_usd",
    "hashrate_bands_chart",
    "horizon_limit",
    "is_plan_strategy",
    "kpis",
    "load_fleet",
    "load_job_settings",
    "make_scenarios",
    "merge_evaluations",
    "next_actions",
    "optimize",
    "parse_fleet",
    "prepare_output_dir",
    "profit_distribution_chart",
    "prune_runs",
    "read_actions",
    "read_plan_csv",
    "read_replay_feeds",
    "reduce_scenarios",
    "render_report",
    "run_comparison",
    "run_demo",
    "run_forecast_job",
    "run_profits",
    "run_replay",
    "simulate",
    "simulate_strategies",
    "site_map",
    "site_profit_chart",
    "strategy_colour",
    "strategy_scale",
    "summarise",
    "summary_lines",
    "summary_text",
    "texas_fleet",
    "write_plan",
]

#: The public chart names, loaded with Altair on first use (:mod:`planner.ops.charts`).
_CHART_NAMES = frozenset(_CHART_MODULES).intersection(__all__)
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """:func:`optimize`, imported with the solver (Pyomo, highspy) on first use; the chart
    functions, imported with Altair on first use."""
    if name == "optimize":
        from planner.engine import optimization

        value = optimization.optimize
    elif name in _CHART_NAMES:
        from planner.ops import charts

        value = getattr(charts, name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | {"optimize"} | _CHART_NAMES)
