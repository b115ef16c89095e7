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
from planner.domain.fleet import Fleet, MinerModel, Route, Site, load_fleet
from planner.engine.compare import compare_strategies, simulate_strategies
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
from planner.engine.simulation import Shipment, SimResult, SimSettings, simulate
from planner.errors import ConfigError, FeedError, JobError, PlannerError, SolveError
from planner.ops.demo import DemoOutcome, run_demo
from planner.ops.jobs import JobOutcome, JobSettings, load_job_settings, run_forecast_job
from planner.ops.locking import JobLockedError
from planner.ops.replay import ReplayOutcome, run_replay
from planner.ops.store import RunRecord, RunStore
from planner.world.feeds import Feeds, FeedSources, fetch_feeds
from planner.world.replay import ReplayFiles, read_replay_feeds
from planner.world.scenarios import Scenario, ScenarioSet, ScenarioSettings, make_scenarios

if TYPE_CHECKING:
    from planner.engine.optimization import optimize

__all__ = [
    "Compose",
    "ConfigError",
    "DemoOutcome",
    "Evaluation",
    "FeedError",
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
    "ReplayFiles",
    "ReplayOutcome",
    "Route",
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
    "compare_strategies",
    "demo_fleet",
    "evaluate",
    "fetch_feeds",
    "kpis",
    "load_fleet",
    "load_job_settings",
    "make_scenarios",
    "optimize",
    "read_replay_feeds",
    "run_demo",
    "run_forecast_job",
    "run_replay",
    "simulate",
    "simulate_strategies",
    "texas_fleet",
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
