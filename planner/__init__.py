"""Mining fleet resilience planner.

Simulate a geographically distributed Bitcoin mining fleet under weather, grid and outage feeds,
compare operating strategies, plan curtailment and relocation, replay historical storms, and run
the whole thing as a scheduled job.

>>> import planner
>>> fleet = planner.demo_fleet()
>>> len(fleet.sites)
6

The optimizer's names (:func:`optimize`, :class:`Plan`, :class:`OptimizeSettings`) load Pyomo and
highspy on first use, not with ``import planner``.
"""

from typing import TYPE_CHECKING, Any

from planner.api import DemoOutcome, run_demo, texas_fleet
from planner.errors import ConfigError, FeedError, JobError, PlannerError, SolveError
from planner.examples import demo_fleet
from planner.feeds import Feeds, FeedSources, fetch_feeds
from planner.fleet import Fleet, MinerModel, Route, Site, load_fleet
from planner.jobs import (
    JobOutcome,
    JobSettings,
    compare_strategies,
    load_job_settings,
    run_forecast_job,
    simulate_strategies,
)
from planner.locking import JobLockedError
from planner.metrics import kpis
from planner.montecarlo import Evaluation, evaluate
from planner.policies import (
    Compose,
    FollowPlan,
    FourCPAvoidance,
    Policy,
    ProtectiveShutdown,
    RunThrough,
    StrikePrice,
)
from planner.replay import ReplayFiles, ReplayOutcome, read_replay_feeds, run_replay
from planner.scenarios import Scenario, ScenarioSet, ScenarioSettings, make_scenarios
from planner.simulation import Shipment, SimResult, SimSettings, simulate
from planner.store import RunRecord, RunStore

if TYPE_CHECKING:
    from planner.optimization import OptimizeSettings, Plan, optimize

#: Names of :mod:`planner.optimization`, imported on first use (:func:`__getattr__`).
_OPTIMIZATION_NAMES = frozenset({"OptimizeSettings", "Plan", "optimize"})

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
    if name not in _OPTIMIZATION_NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from planner import optimization

    value = getattr(optimization, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | _OPTIMIZATION_NAMES)
