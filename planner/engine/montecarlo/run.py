"""Monte Carlo evaluation's entry point: check the inputs, cut the tasks into batches, run them
on the executor asked for and gather the result."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from typing import Literal

from planner.domain.fleet import Fleet
from planner.engine.montecarlo.assembly import assemble
from planner.engine.montecarlo.dask_cluster import run_dask
from planner.engine.montecarlo.evaluation import Evaluation
from planner.engine.montecarlo.local import run_local, run_serial
from planner.engine.montecarlo.tasks import Job
from planner.engine.policies import Policy, policy_named
from planner.engine.simulation import Shipment, SimSettings
from planner.errors import ConfigError
from planner.world.scenario_draws import ScenarioDraws, horizon_times
from planner.world.scenarios import Scenario, ScenarioSet

Executor = Literal["local", "dask"]
Progress = Callable[[str, int, int], None]
"""Called as ``progress(step, done, total)`` after each batch (``done`` and ``total`` in tasks)."""

#: Below this many simulated site-hours (all tasks and policies) the work runs in this process
#: unless ``workers`` is given: starting worker processes would cost more than it saves.
SERIAL_BELOW_SITE_HOURS = 400_000

#: At most this many runs (tasks x policies) and simulated site-hours per batch, a second or two
#: of work: progress moves on a large run, and an interrupted one stops within a batch or two.
BATCH_RUNS_MAX = 200
BATCH_SITE_HOURS_MAX = 1_000_000


def evaluate(
    fleet: Fleet,
    scenarios: ScenarioSet | ScenarioDraws | Sequence[Scenario],
    policies: Sequence[Policy | str],
    replications: int = 1,
    executor: Executor = "local",
    address: str | None = None,
    progress: Progress | None = None,
    seed: int | None = None,
    workers: int | None = None,
    batch_size: int | None = None,
    *,
    settings: SimSettings | None = None,
    shipments: Sequence[Shipment] = (),
) -> Evaluation:
    """Simulate every policy in every scenario and replication, and gather compact summaries.

    Parameters
    ----------
    fleet
        The fleet.
    scenarios
        A :class:`~planner.world.scenarios.ScenarioSet`, a
        :class:`~planner.world.scenario_draws.ScenarioDraws` (each scenario drawn in the worker
        that runs it), or scenarios of one fleet and horizon (then ``seed`` is required).
    policies
        Policies, or names of built-in ones; names must be unique.
    replications
        Failure draws per scenario, >= 1.
    executor
        ``"local"``: a process pool on this machine. ``"dask"``: a dask.distributed cluster.
    address
        Scheduler address for ``"dask"``; ``None`` starts a LocalCluster of ``workers`` (default
        2) single-threaded worker processes and closes it at the end.
    progress
        Called as ``progress("simulate", done, total)`` after each batch, in tasks.
    seed
        Seed of the failure streams (default: the set's seed); see
        :func:`~planner.engine.montecarlo.seeding.task_seed`.
    workers
        Local worker processes (default ``os.cpu_count()``; 1 runs in this process, as does work
        below :data:`SERIAL_BELOW_SITE_HOURS` when ``workers`` is not given).
    batch_size
        Tasks per batch (default: about four batches per worker, at most
        :data:`BATCH_RUNS_MAX` runs and :data:`BATCH_SITE_HOURS_MAX` site-hours each).
    settings
        Discrete-event settings of every run.
    shipments
        Relocations carried out in every run.

    Returns
    -------
    Evaluation
        The same for the same inputs and seed, whatever the executor, workers or batch size.
    """
    resolved = tuple(policy_named(p) if isinstance(p, str) else p for p in policies)
    problems = _check(fleet, scenarios, resolved, replications, executor, seed, workers, batch_size)
    if problems:
        raise ConfigError("evaluate", problems)
    items = scenarios if isinstance(scenarios, ScenarioDraws) else tuple(scenarios)
    base_seed = (
        scenarios.seed
        if seed is None and isinstance(scenarios, ScenarioSet | ScenarioDraws)
        else seed
    )
    assert base_seed is not None
    job = Job(fleet, items, resolved, int(base_seed), settings or SimSettings(), tuple(shipments))
    tasks = [(i, r) for i in range(len(items)) for r in range(replications)]
    hours = len(horizon_times(items))
    site_hours = len(tasks) * len(resolved) * len(fleet.sites) * hours
    serial = workers == 1 or (workers is None and site_hours < SERIAL_BELOW_SITE_HOURS)
    n_workers = 1 if serial else (workers or os.cpu_count() or 1)
    if executor == "dask":
        n_workers = workers or 2
    runs_per_task = len(resolved)
    most = max(
        1,
        min(
            BATCH_RUNS_MAX // runs_per_task,
            BATCH_SITE_HOURS_MAX // (runs_per_task * len(fleet.sites) * hours),
        ),
    )
    size = batch_size or max(1, min(math.ceil(len(tasks) / (4 * n_workers)), most))
    batches = [tasks[k : k + size] for k in range(0, len(tasks), size)]
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress("simulate", done, len(tasks))

    tick(0)
    if executor == "dask":
        results = run_dask(job, batches, address, workers, tick)
    elif serial or len(batches) == 1:
        results = run_serial(job, batches, tick)
    else:
        results = run_local(job, batches, n_workers, tick)
    return assemble(job, tasks, results, replications)


def _check(
    fleet: Fleet,
    scenarios: ScenarioSet | ScenarioDraws | Sequence[Scenario],
    policies: tuple[Policy, ...],
    replications: int,
    executor: str,
    seed: int | None,
    workers: int | None,
    batch_size: int | None,
) -> list[str]:
    problems = []
    if executor not in ("local", "dask"):
        problems.append(f"executor: must be 'local' or 'dask', got {executor!r}")
    if replications < 1:
        problems.append(f"replications: must be >= 1, got {replications}")
    if workers is not None and workers < 1:
        problems.append(f"workers: must be >= 1, got {workers}")
    if batch_size is not None and batch_size < 1:
        problems.append(f"batch_size: must be >= 1, got {batch_size}")
    if not policies:
        problems.append("policies: at least one is needed")
    names = [p.name for p in policies]
    if len(set(names)) != len(names):
        problems.append(f"policies: names must be unique, got {', '.join(names)}")
    if len(scenarios) == 0:
        problems.append("scenarios: at least one is needed")
        return problems
    if seed is None and not isinstance(scenarios, ScenarioSet | ScenarioDraws):
        problems.append("seed: required when scenarios is not a ScenarioSet")
    if isinstance(scenarios, ScenarioSet | ScenarioDraws) and scenarios.site_ids != fleet.site_ids:
        problems.append(
            f"scenarios: made for sites {', '.join(scenarios.site_ids)}, "
            f"not the fleet's {', '.join(fleet.site_ids)}"
        )
    if isinstance(scenarios, ScenarioDraws):
        return problems  # drawn for one fleet and horizon by construction
    first = scenarios[0].times
    for scenario in scenarios:
        if len(scenario.temp_air_c) != len(fleet.sites):
            problems.append(
                f"scenarios[{scenario.index}]: has {len(scenario.temp_air_c)} sites, "
                f"the fleet {len(fleet.sites)}"
            )
        if not scenario.times.equals(first):
            problems.append(f"scenarios[{scenario.index}]: horizon differs from the first's")
    indices = [s.index for s in scenarios]
    if len(set(indices)) != len(indices):
        problems.append("scenarios: indices must be unique (they pick the failure streams)")
    return problems
