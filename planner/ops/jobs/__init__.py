"""Scheduled jobs: the morning forecast job and the pieces it is made of.

- :func:`run_forecast_job` (``forecast``): feeds -> scenarios -> optimize -> evaluate -> report
  -> notify -> store, under a lock, idempotent, with atomic per-run folders; see its module.
- :class:`JobSettings` and :func:`load_job_settings` (``settings``): what the job does, from a
  small TOML or JSON file.
- :func:`compare_strategies`, :func:`simulate_strategies` (``strategies``): strategy names, the
  optimizer's plan among them, judged on the same scenarios.
- ``kpis`` (the strategy table, the run's KPIs, input fingerprints) and ``artifacts`` (the run
  folder, written in a temporary folder and renamed into place; checking a finished run's files).
- ``heartbeat`` (a running job's sign of life in the history) and ``prune`` (old runs, stale
  temporary folders and the ``latest`` run, for ``planner runs prune``).
"""

from planner.engine.compare import (
    PLAN_PREFIX,
    compare_strategies,
    horizon_limit,
    is_plan_strategy,
    simulate_strategies,
    strategy_policy,
)
from planner.ops.jobs.forecast import STAGES, JobOutcome, run_forecast_job
from planner.ops.jobs.settings import (
    DEFAULT_STRATEGIES,
    WEBHOOK_ENV,
    JobSettings,
    load_job_settings,
)

__all__ = [
    "DEFAULT_STRATEGIES",
    "PLAN_PREFIX",
    "STAGES",
    "WEBHOOK_ENV",
    "JobOutcome",
    "JobSettings",
    "compare_strategies",
    "horizon_limit",
    "is_plan_strategy",
    "load_job_settings",
    "run_forecast_job",
    "simulate_strategies",
    "strategy_policy",
]
