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
from planner.feeds import Feeds, fetch_feeds
from planner.fleet import Fleet, MinerModel, Route, Site, load_fleet
from planner.metrics import kpis
from planner.policies import Policy, RunThrough, StrikePrice
from planner.simulation import SimResult, simulate

__all__ = [
    "ConfigError",
    "DemoOutcome",
    "FeedError",
    "Feeds",
    "Fleet",
    "JobError",
    "MinerModel",
    "PlannerError",
    "Policy",
    "Route",
    "RunThrough",
    "SimResult",
    "Site",
    "SolveError",
    "StrikePrice",
    "demo_fleet",
    "fetch_feeds",
    "kpis",
    "load_fleet",
    "run_demo",
    "simulate",
]
__version__ = "0.1.0"
