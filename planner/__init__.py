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
from planner.engine.metrics import kpis
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
    site_value_map_svg,
)
from planner.ops.store import RunRecord, RunStore, default_store_path
from planner.ops.store.actions import ActionRecord, read_actions
from planner.world.feeds import FEED_MODES, FeedMode, Feeds, FeedSources, fetch_feeds
from planner.world.replay import ReplayFiles, read_replay_feeds
from planner.world.scenarios import Scenario, ScenarioSet, ScenarioSettings, make_scenarios

if TYPE_CHECKING:
    from planner.engine.optimization import optimize

__all__ = [
    "ACTION_COLUMNS",
    "ACTION_KINDS",
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
    "ScenarioSet",
    "ScenarioSettings",
    "Shipment",
    "SimResult",
    "SimSettings",
    "Site",
    "SolveError",
    "StrikePrice",
    "action_schedule",
    "actions_csv",
    "actions_ics",
    "compare_strategies",
    "concentration_risk",
    "default_store_path",
    "demo_fleet",
    "dispatch_plan",
    "estimate_strategies",
    "evaluate",
    "fetch_feeds",
    "format_eh_s",
    "format_usd",
    "horizon_limit",
    "is_plan_strategy",
    "kpis",
    "load_fleet",
    "load_job_settings",
    "make_scenarios",
    "merge_evaluations",
    "optimize",
    "parse_fleet",
    "prepare_output_dir",
    "prune_runs",
    "read_actions",
    "read_plan_csv",
    "read_replay_feeds",
    "render_report",
    "run_comparison",
    "run_demo",
    "run_forecast_job",
    "run_replay",
    "simulate",
    "simulate_strategies",
    "site_value_map_svg",
    "texas_fleet",
    "write_plan",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """:func:`optimize`, imported with the solver (Pyomo, highspy) on first use."""
    if name != "optimize":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from planner.engine import optimization

    globals()[name] = optimization.optimize
    return optimization.optimize


def __dir__() -> list[str]:
    return sorted(set(globals()) | {"optimize"})
