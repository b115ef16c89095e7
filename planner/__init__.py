"""Mining fleet resilience planner.

Simulate a geographically distributed Bitcoin mining fleet under weather, grid and outage feeds,
compare operating strategies, plan curtailment and relocation, replay historical storms, and run
the whole thing as a scheduled job.

>>> import planner
>>> fleet = planner.demo_fleet()
>>> len(fleet.sites)
6
"""

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
from planner.optimization import OptimizeSettings, Plan, optimize
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
