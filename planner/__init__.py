"""Mining fleet resilience planner.

Simulate a geographically distributed Bitcoin mining fleet under weather, grid and outage feeds,
compare operating strategies, and (as the optimizer lands) plan curtailment and relocation.

>>> import planner
>>> fleet = planner.demo_fleet()
>>> len(fleet.sites)
6
"""

from planner.api import DemoOutcome, run_demo
from planner.errors import ConfigError, FeedError, JobError, PlannerError, SolveError
from planner.examples import demo_fleet
from planner.feeds import Feeds, FeedSources, fetch_feeds
from planner.fleet import Fleet, MinerModel, Route, Site, load_fleet
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
from planner.scenarios import Scenario, ScenarioSet, ScenarioSettings, make_scenarios
from planner.simulation import Shipment, SimResult, SimSettings, simulate

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
    "MinerModel",
    "PlannerError",
    "Policy",
    "ProtectiveShutdown",
    "Route",
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
    "demo_fleet",
    "evaluate",
    "fetch_feeds",
    "kpis",
    "load_fleet",
    "make_scenarios",
    "run_demo",
    "simulate",
]
__version__ = "0.1.0"
