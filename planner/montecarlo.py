"""Monte Carlo evaluation: every policy through every scenario and replication, in parallel.

A *task* is one ``(scenario, replication)`` pair. Its random ASIC failures come from its own
``numpy.random.SeedSequence``, derived from the set's seed in a fixed order (see
:func:`task_seed`), so the numbers never depend on batching, worker count or executor. Inside a
task every policy runs with the *same* failure seed (common random numbers), so differences
between policies are paired comparisons, not noise.

Tasks run in batches on a local process pool (``executor="local"``) or on a Dask cluster
(``executor="dask"``). Workers send back compact summaries, never hourly ledgers: per policy and
site the money, energy, BTC and hashrate totals, the fleet's hourly hashrate (float32) and the
site outages with their restoration times. :class:`Evaluation` gathers them; the risk metrics are
in :mod:`planner.metrics`.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import multiprocessing.forkserver
import os
import pickle
import signal
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from planner import metrics
from planner.errors import ConfigError
from planner.fleet import Fleet, Site
from planner.ledger import LEDGER_COLUMNS, SiteHours, site_tiers
from planner.policies import Policy, policy_named
from planner.scenarios import Scenario, ScenarioSet
from planner.simulation import (
    Shipment,
    SimSettings,
    _effective_site,  # the same site view the simulation runs (shipped-in models)
    _merge_for_restart,  # the same outage merging the simulation applies
    simulate_arrays,
)

Executor = Literal["local", "dask"]
Progress = Callable[[str, int, int], None]
"""Called as ``progress(step, done, total)`` after each batch (``done`` and ``total`` in tasks)."""

#: First spawn-key word of the failure streams: task seeds have spawn keys
#: ``(SIMULATION_STREAM, scenario, replication)``, three words long, while the scenario draws of
#: the same seed use keys of one or two words, so the streams never coincide.
SIMULATION_STREAM = 0x4D43

#: Columns of the per-run summaries, in order (units in the names; ``btc_mined`` in BTC).
SUMMARY_COLUMNS: tuple[str, ...] = (
    "profit_usd",
    "revenue_usd",
    "energy_cost_usd",
    "credits_usd",
    "energy_mwh",
    "curtailed_mwh",
    "btc_mined",
    "mean_hashrate_eh_s",
    "uptime_pct",
    "outage_hours",
    "freeze_events",
)

#: Key columns of :attr:`Evaluation.runs`, in order.
RUN_KEYS: tuple[str, ...] = ("policy", "scenario", "replication", "site_id", "weight")

#: Below this many simulated site-hours (all tasks and policies) the work runs in this process
#: unless ``workers`` is given: starting worker processes would cost more than it saves.
SERIAL_BELOW_SITE_HOURS = 400_000

#: At most this many runs (tasks x policies) and simulated site-hours per batch, a second or two
#: of work: progress moves on a large run, and an interrupted one stops within a batch or two.
BATCH_RUNS_MAX = 200
BATCH_SITE_HOURS_MAX = 1_000_000

_SUMMED: tuple[str, ...] = SUMMARY_COLUMNS[:6]  # hourly ledger columns summed over the horizon
_LEDGER_POS = {c: LEDGER_COLUMNS.index(c) for c in (*_SUMMED, "hashrate_th_s")}
_COL = {c: i for i, c in enumerate(SUMMARY_COLUMNS)}


def task_seed(seed: int, scenario_index: int, replication: int) -> np.random.SeedSequence:
    """The seed of the random failures of one ``(scenario, replication)`` task.

    It is ``SeedSequence(seed, spawn_key=(SIMULATION_STREAM,)).spawn(n)[scenario_index]
    .spawn(r)[replication]`` for any ``n > scenario_index`` and ``r > replication``, built
    directly so that it does not depend on how many scenarios or replications there are. A fresh
    object is returned on every call (``spawn`` is stateful).

    Parameters
    ----------
    seed
        The scenario set's seed.
    scenario_index
        :attr:`Scenario.index` of the scenario.
    replication
        Replication number, from 0.

    Returns
    -------
    numpy.random.SeedSequence
    """
    return np.random.SeedSequence(
        seed, spawn_key=(SIMULATION_STREAM, int(scenario_index), int(replication))
    )


# ------------------------------------------------------------------------------- the result


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Policies judged over scenarios and replications.

    Attributes
    ----------
    policies
        Policy names, in the order given.
    site_ids
        Site ids in fleet order (the tables add a ``fleet`` row per run).
    times
        Hourly interval starts of the horizon, UTC.
    runs
        One row per ``(policy, scenario, replication, site_id)``, ``fleet`` included: the keys
        :data:`RUN_KEYS` (``weight`` is the scenario's weight over the replications [-]) then
        :data:`SUMMARY_COLUMNS`. Money [USD], energy [MWh], ``btc_mined`` [BTC] (NaN when the
        scenarios carry no BTC price), ``mean_hashrate_eh_s`` [EH/s], ``uptime_pct`` mean running
        hashrate over nameplate [%], ``outage_hours`` hours inside the horizon from grid loss to
        full restart [h] (site-hours summed on the fleet row), ``freeze_events`` [-].
    run_index
        The runs of one policy in order: ``scenario``, ``replication``, ``weight``; row ``k`` is
        row ``k`` of :attr:`fleet_hashrate_th_s` for every policy.
    fleet_hashrate_th_s
        Hourly fleet hashrate, ``(policies, runs, hours)``, float32 [TH/s].
    hashrate_bands
        Index ``(policy, time)``; weighted ``p5_eh_s``, ``median_eh_s``, ``p95_eh_s`` and
        ``mean_eh_s`` of the fleet hashrate over the runs, hour by hour [EH/s].
    outages
        Outage records: ``policy``, ``scenario``, ``replication``, ``site_id``, ``start_h``
        (grid loss), ``grid_end_h`` (grid back), ``restored_h`` (every tier hashing again after
        the restart and cold starts), hours from the horizon start [h], and ``weight`` [-].
    weights
        Scenario weight by scenario index [-].
    replications
        Replications per scenario.
    seed
        The seed the failure streams came from (see :func:`task_seed`).
    """

    policies: tuple[str, ...]
    site_ids: tuple[str, ...]
    times: pd.DatetimeIndex
    runs: pd.DataFrame
    run_index: pd.DataFrame
    fleet_hashrate_th_s: np.ndarray
    hashrate_bands: pd.DataFrame
    outages: pd.DataFrame
    weights: pd.Series
    replications: int
    seed: int

    def metrics(self) -> pd.DataFrame:
        """Risk metrics per policy and site; see :func:`planner.metrics.risk_table`."""
        return metrics.risk_table(self.runs)

    def hashrate_at_risk(self, floor_eh_s: float) -> pd.DataFrame:
        """Chance and share of hours the fleet falls below a floor; see
        :func:`planner.metrics.hashrate_at_risk`.
        """
        return metrics.hashrate_at_risk(
            self.fleet_hashrate_th_s, self.run_index["weight"].to_numpy(), self.policies, floor_eh_s
        )

    def survival(self, durations_h: Sequence[float] | np.ndarray | None = None) -> pd.DataFrame:
        """Chance a site is back within ``d`` hours of an outage start; see
        :func:`planner.metrics.survival_curves`.
        """
        return metrics.survival_curves(self.outages, self.policies, self.site_ids, durations_h)

    def equals(self, other: Evaluation) -> bool:
        """Whether two evaluations hold exactly the same numbers (NaN equal to NaN)."""
        return (
            self.policies == other.policies
            and self.site_ids == other.site_ids
            and self.replications == other.replications
            and self.seed == other.seed
            and self.times.equals(other.times)
            and self.runs.equals(other.runs)
            and self.run_index.equals(other.run_index)
            and np.array_equal(self.fleet_hashrate_th_s, other.fleet_hashrate_th_s)
            and self.hashrate_bands.equals(other.hashrate_bands)
            and self.outages.equals(other.outages)
            and self.weights.equals(other.weights)
        )


# ------------------------------------------------------------------------------- the work


@dataclass(frozen=True, eq=False)
class _Job:
    """Everything a worker needs; sent once per worker."""

    fleet: Fleet
    scenarios: tuple[Scenario, ...]
    policies: tuple[Policy, ...]
    seed: int
    settings: SimSettings
    shipments: tuple[Shipment, ...]


@dataclass(frozen=True, eq=False)
class _BatchResult:
    """Compact results of a batch of tasks."""

    summary: np.ndarray  # (tasks, policies, sites, SUMMARY_COLUMNS) float64
    hashrate: np.ndarray  # (tasks, policies, hours) float32 [TH/s]
    outages: list[tuple[int, int, int, float, float, float]]  # task, policy, site, start, end, up


@dataclass(eq=False)
class _Memo:
    """A policy whose decisions are kept per site for one scenario.

    A policy sees only the fleet, the site and the scenario's hours, so its run fractions are
    the same in every replication of a scenario; a worker computes them once per scenario and
    saves the policy's cost in every other replication. Anything else (a keep-running floor) is
    the wrapped policy's own.
    """

    policy: Policy
    cache: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.policy.name

    def __getattr__(self, attribute: str) -> Any:
        if attribute in ("policy", "cache"):  # not set yet (copying): no recursion
            raise AttributeError(attribute)
        return getattr(self.policy, attribute)

    def run_fraction(self, fleet: Fleet, site: Site, hours: SiteHours) -> np.ndarray:
        if site.id not in self.cache:
            self.cache[site.id] = self.policy.run_fraction(fleet, site, hours)
        return self.cache[site.id]


def _outage_records(job: _Job, scenario: Scenario) -> list[tuple[int, float, float, float]]:
    """Each site's outages as the simulation runs them: ``(site, start, grid end, restored)``."""
    hours = len(scenario.times)
    out = []
    for i, base in enumerate(job.fleet.sites):
        site = _effective_site(job.fleet, base, job.shipments)
        cold = max((t.model.cold_start_minutes for t in site_tiers(job.fleet, site)), default=0.0)
        restart_h = site.restart_minutes / 60.0 + cold / 60.0
        for start, end in _merge_for_restart(scenario.outages[i], restart_h):
            if start < hours:
                out.append((i, float(start), float(end), float(end) + restart_h))
    return out


def _run_task(
    job: _Job, position: int, replication: int, memos: Sequence[_Memo]
) -> tuple[np.ndarray, np.ndarray, list[tuple[int, float, float, float]]]:
    """Every policy through one scenario and replication with one failure seed."""
    fleet = job.fleet
    scenario = job.scenarios[position]
    hours = len(scenario.times)
    n_sites = len(fleet.sites)
    records = _outage_records(job, scenario)
    outage_hours = np.zeros(n_sites)
    for i, start, _, restored in records:
        outage_hours[i] += min(restored, hours) - start
    nameplate = np.array([fleet.installed_hashrate_th_s(s) for s in fleet.sites])
    btc = scenario.btc_price_usd
    summary = np.empty((len(memos), n_sites, len(SUMMARY_COLUMNS)))
    hashrate = np.empty((len(memos), hours), dtype=np.float32)
    for p, memo in enumerate(memos):
        run = simulate_arrays(
            fleet,
            scenario,
            memo,
            seed=task_seed(job.seed, scenario.index, replication),
            shipments=job.shipments,
            settings=job.settings,
        )
        values = run.ledger_values.reshape(n_sites, hours, -1)
        for c in _SUMMED:
            summary[p, :, _COL[c]] = values[:, :, _LEDGER_POS[c]].sum(axis=1)
        revenue = values[:, :, _LEDGER_POS["revenue_usd"]]
        summary[p, :, _COL["btc_mined"]] = (
            (revenue / btc).sum(axis=1) if btc is not None else np.nan
        )
        site_hashrate = values[:, :, _LEDGER_POS["hashrate_th_s"]]
        mean_th_s = site_hashrate.mean(axis=1)
        summary[p, :, _COL["mean_hashrate_eh_s"]] = mean_th_s / 1e6
        summary[p, :, _COL["uptime_pct"]] = _percent(mean_th_s, nameplate)
        summary[p, :, _COL["outage_hours"]] = outage_hours
        frozen = Counter(entry[0] for entry in run.log if entry[1] == "freeze-damage")
        summary[p, :, _COL["freeze_events"]] = [frozen[s] for s in fleet.site_ids]
        hashrate[p] = site_hashrate.sum(axis=0)
    return summary, hashrate, records


def _percent(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    out = np.full(part.shape, np.nan)
    np.divide(100.0 * part, whole, out=out, where=whole > 0)
    return out


@dataclass(eq=False)
class _Memos:
    """The memoised policies of the scenario last run (tasks come scenario by scenario)."""

    position: int = -1
    memos: list[_Memo] = field(default_factory=list)

    def get(self, job: _Job, position: int) -> list[_Memo]:
        if position != self.position:
            self.position, self.memos = position, [_Memo(p) for p in job.policies]
        return self.memos


def _run_batch(
    job: _Job, tasks: Sequence[tuple[int, int]], memos: _Memos | None = None
) -> _BatchResult:
    """Run a batch of ``(scenario position, replication)`` tasks (in any process)."""
    memos = memos or _Memos()
    summaries, hashrates = [], []
    outages: list[tuple[int, int, int, float, float, float]] = []
    for t, (position, replication) in enumerate(tasks):
        summary, hashrate, records = _run_task(job, position, replication, memos.get(job, position))
        summaries.append(summary)
        hashrates.append(hashrate)
        outages.extend(
            (t, p, i, start, end, up)
            for p in range(len(job.policies))
            for i, start, end, up in records
        )
    return _BatchResult(np.stack(summaries), np.stack(hashrates), outages)


_WORKER: tuple[_Job, _Memos] | None = None


def _init_worker(job: _Job) -> None:
    global _WORKER  # one job per worker process, set once by the pool
    _WORKER = (job, _Memos())
    # Ctrl-C reaches the whole process group: the parent stops the pool, workers stay quiet.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_batch_in_worker(tasks: Sequence[tuple[int, int]]) -> _BatchResult | _WorkerError:
    assert _WORKER is not None, "worker was not initialised"
    try:
        return _run_batch(_WORKER[0], tasks, _WORKER[1])
    except Exception as exc:  # carried back whole; re-raised in the parent
        return _WorkerError.carry(exc)


def _run_batch_remote(job: _Job, tasks: Sequence[tuple[int, int]]) -> _BatchResult | _WorkerError:
    try:
        return _run_batch(job, tasks)
    except Exception as exc:  # carried back whole; re-raised in the parent
        return _WorkerError.carry(exc)


@dataclass(frozen=True)
class _WorkerError:
    """An exception raised in a worker, carried back as its class, args and attributes.

    Pickle rebuilds an exception by calling its class with ``args``, which fails for errors whose
    ``__init__`` takes other arguments (``ConfigError(source, problems)``) and can leave a process
    pool waiting for ever; this carrier rebuilds the same error without calling ``__init__``.
    """

    kind: type[Exception]
    args: tuple[Any, ...]
    state: dict[str, Any]

    @classmethod
    def carry(cls, exc: Exception) -> _WorkerError:
        carrier = cls(type(exc), exc.args, dict(vars(exc)))
        try:
            pickle.dumps(carrier)
        except Exception:  # attributes that do not pickle: keep the type's name and the message
            return cls(RuntimeError, (f"{type(exc).__name__}: {exc}",), {})
        return carrier

    def rebuild(self) -> Exception:
        exc = self.kind.__new__(self.kind)
        exc.args = self.args
        vars(exc).update(self.state)
        exc.add_note("(raised in a Monte Carlo worker process)")
        return exc


def _unwrap(result: _BatchResult | _WorkerError) -> _BatchResult:
    if isinstance(result, _WorkerError):
        raise result.rebuild()
    return result


# ------------------------------------------------------------------------------- executors


def _run_serial(
    job: _Job, batches: list[list[tuple[int, int]]], tick: Callable[[int], None]
) -> list[_BatchResult]:
    results = []
    memos = _Memos()
    for batch in batches:
        results.append(_run_batch(job, batch, memos))
        tick(len(batch))
    return results


def _run_local(
    job: _Job, batches: list[list[tuple[int, int]]], workers: int, tick: Callable[[int], None]
) -> list[_BatchResult]:
    """A process pool; workers start from a fork server (or spawn), never a fork of this process."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if context.get_start_method() == "forkserver":
        _deaf_forkserver()
    results: list[_BatchResult | None] = [None] * len(batches)
    others = set(multiprocessing.active_children())
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(batches)),
        mp_context=context,
        initializer=_init_worker,
        initargs=(job,),
    )
    try:
        with _interrupt_deferred():  # submitting starts the workers
            pending: dict[Future[_BatchResult | _WorkerError], int] = {
                pool.submit(_run_batch_in_worker, batch): k for k, batch in enumerate(batches)
            }
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                k = pending.pop(future)
                results[k] = _unwrap(future.result())
                tick(len(batches[k]))
    except KeyboardInterrupt:  # stop now: no batch is worth finishing (nor a worker starting)
        for worker in set(multiprocessing.active_children()) - others:
            worker.terminate()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return [r for r in results if r is not None]


@contextlib.contextmanager
def _interrupt_deferred() -> Iterator[None]:
    """Hold Ctrl-C back while worker processes start; deliver it once the pool is whole.

    An interrupt in the middle of a start leaves a half-made worker that fails loudly once the
    pool is gone. Only the main thread receives signals, so elsewhere this does nothing.
    """
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous is None:
        yield  # not ours to change (a thread, or a handler installed outside Python)
        return
    caught: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            signal.raise_signal(signal.SIGINT)  # to the handler we put back


def _deaf_forkserver() -> None:
    """Start the fork server, if it is not running, with SIGINT ignored: the workers it forks
    then ignore Ctrl-C from birth (a terminal sends it to the whole process group; the parent
    stops the pool)."""
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous is None:
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)


def _run_dask(
    job: _Job,
    batches: list[list[tuple[int, int]]],
    address: str | None,
    workers: int | None,
    tick: Callable[[int], None],
) -> list[_BatchResult]:
    """Batches on dask.distributed at ``address``, or on a LocalCluster started and closed here."""
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ConfigError(
            "executor",
            "dask: dask.distributed is not installed; pip install 'mining-fleet-planner[dask]'",
        ) from None
    cluster: Any = None
    client: Any = None
    try:
        if address is None:
            cluster = LocalCluster(
                n_workers=workers or 2,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
            client = Client(cluster)
        else:
            client = Client(address)
        shared = client.scatter(job, broadcast=True)
        futures = client.map(_run_batch_remote, [shared] * len(batches), batches, pure=False)
        position = {f.key: k for k, f in enumerate(futures)}
        results: list[_BatchResult | None] = [None] * len(batches)
        for future in as_completed(futures):
            k = position[future.key]
            results[k] = _unwrap(future.result())
            tick(len(batches[k]))
        return [r for r in results if r is not None]
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


# ------------------------------------------------------------------------------- evaluate


def evaluate(
    fleet: Fleet,
    scenarios: ScenarioSet | Sequence[Scenario],
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
        A :class:`~planner.scenarios.ScenarioSet` (or scenarios of one fleet and horizon, then
        ``seed`` is required).
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
        Seed of the failure streams (default: the set's seed); see :func:`task_seed`.
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
    items = tuple(scenarios)
    base_seed = scenarios.seed if seed is None and isinstance(scenarios, ScenarioSet) else seed
    assert base_seed is not None
    job = _Job(fleet, items, resolved, int(base_seed), settings or SimSettings(), tuple(shipments))
    tasks = [(i, r) for i in range(len(items)) for r in range(replications)]
    hours = len(items[0].times)
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
        results = _run_dask(job, batches, address, workers, tick)
    elif serial or len(batches) == 1:
        results = _run_serial(job, batches, tick)
    else:
        results = _run_local(job, batches, n_workers, tick)
    return _assemble(job, tasks, results, replications)


def _check(
    fleet: Fleet,
    scenarios: ScenarioSet | Sequence[Scenario],
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
    if seed is None and not isinstance(scenarios, ScenarioSet):
        problems.append("seed: required when scenarios is not a ScenarioSet")
    if isinstance(scenarios, ScenarioSet) and scenarios.site_ids != fleet.site_ids:
        problems.append(
            f"scenarios: made for sites {', '.join(scenarios.site_ids)}, "
            f"not the fleet's {', '.join(fleet.site_ids)}"
        )
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


def _assemble(
    job: _Job, tasks: list[tuple[int, int]], results: list[_BatchResult], replications: int
) -> Evaluation:
    """Stack the batches in task order and build the tables."""
    fleet = job.fleet
    names = tuple(p.name for p in job.policies)
    summary = np.concatenate([r.summary for r in results])  # (tasks, policies, sites, cols)
    hashrate = np.concatenate([r.hashrate for r in results])  # (tasks, policies, hours)
    n_tasks, n_policies = summary.shape[:2]
    scenario_index = np.array([job.scenarios[i].index for i, _ in tasks])
    replication = np.array([r for _, r in tasks])
    weight = np.array([job.scenarios[i].weight for i, _ in tasks]) / replications
    run_index = pd.DataFrame(
        {"scenario": scenario_index, "replication": replication, "weight": weight}
    )

    fleet_row = summary.sum(axis=2, keepdims=True)
    nameplate = sum(fleet.installed_hashrate_th_s(s) for s in fleet.sites)
    fleet_row[..., _COL["uptime_pct"]] = _percent(
        fleet_row[..., _COL["mean_hashrate_eh_s"]] * 1e6, np.asarray(nameplate)
    )
    table = np.concatenate([summary, fleet_row], axis=2).transpose(1, 0, 2, 3)
    rows = table.reshape(-1, len(SUMMARY_COLUMNS))
    sites = (*fleet.site_ids, metrics.FLEET)
    per_policy = n_tasks * len(sites)
    runs = pd.DataFrame(
        {
            "policy": np.repeat(np.array(names, dtype=object), per_policy),
            "scenario": np.tile(np.repeat(scenario_index, len(sites)), n_policies),
            "replication": np.tile(np.repeat(replication, len(sites)), n_policies),
            "site_id": np.tile(np.array(sites, dtype=object), n_tasks * n_policies),
            "weight": np.tile(np.repeat(weight, len(sites)), n_policies),
            **{c: rows[:, k] for k, c in enumerate(SUMMARY_COLUMNS)},
        }
    )

    paths = np.ascontiguousarray(hashrate.transpose(1, 0, 2))  # (policies, tasks, hours)
    times = job.scenarios[0].times
    bands = []
    for p, name in enumerate(names):
        eh_s = paths[p].astype(float) / 1e6
        low, mid, high = metrics.weighted_quantile(eh_s, weight, [0.05, 0.5, 0.95])
        bands.append(
            pd.DataFrame(
                {
                    "p5_eh_s": low,
                    "median_eh_s": mid,
                    "p95_eh_s": high,
                    "mean_eh_s": weight @ eh_s / weight.sum(),
                },
                index=pd.MultiIndex.from_product([[name], times], names=["policy", "time"]),
            )
        )

    keyed: list[tuple[int, int, int, float, float, float]] = []
    offset = 0
    for r in results:
        keyed.extend((p, offset + t, i, s, e, u) for t, p, i, s, e, u in r.outages)
        offset += len(r.summary)
    keyed.sort()
    table = np.array(keyed, dtype=np.float64).reshape(-1, 6)
    task = table[:, 1].astype(np.int64)
    outages = pd.DataFrame(
        {
            "policy": pd.Series(np.array(names, dtype=object)[table[:, 0].astype(np.int64)]),
            "scenario": scenario_index[task].astype(np.int64),
            "replication": replication[task].astype(np.int64),
            "site_id": pd.Series(np.array(fleet.site_ids, dtype=object)[table[:, 2].astype(int)]),
            "start_h": table[:, 3],
            "grid_end_h": table[:, 4],
            "restored_h": table[:, 5],
            "weight": weight[task],
        }
    )
    return Evaluation(
        policies=names,
        site_ids=fleet.site_ids,
        times=times,
        runs=runs,
        run_index=run_index,
        fleet_hashrate_th_s=paths,
        hashrate_bands=pd.concat(bands),
        outages=outages,
        weights=pd.Series(
            [s.weight for s in job.scenarios],
            index=pd.Index([s.index for s in job.scenarios], name="scenario"),
            name="weight",
        ),
        replications=replications,
        seed=job.seed,
    )
