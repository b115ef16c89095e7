"""Monte Carlo batches on a dask.distributed cluster (an optional dependency)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from planner.engine.montecarlo.tasks import BatchResult, Job, run_batch
from planner.engine.montecarlo.worker_error import WorkerError, unwrap
from planner.errors import ConfigError


def run_dask(
    job: Job,
    batches: list[list[tuple[int, int]]],
    address: str | None,
    workers: int | None,
    tick: Callable[[int], None],
) -> list[BatchResult]:
    """Batches on dask.distributed at ``address``, or on a LocalCluster started and closed here.

    Parameters
    ----------
    job
        The evaluation's inputs, scattered once to every worker.
    batches
        Lists of ``(scenario position, replication)`` tasks.
    address
        Scheduler address; ``None`` starts a LocalCluster of ``workers`` (default 2)
        single-threaded worker processes.
    workers
        Worker processes of the LocalCluster.
    tick
        Called as ``tick(tasks)`` after each batch done.

    Returns
    -------
    list of BatchResult
        In the order of ``batches``. An error in a worker is raised here as itself.

    Raises
    ------
    ConfigError
        dask.distributed is not installed.
    """
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
        results: list[BatchResult | None] = [None] * len(batches)
        for future in as_completed(futures):
            k = position[future.key]
            results[k] = unwrap(future.result())
            tick(len(batches[k]))
        return [r for r in results if r is not None]
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


def _run_batch_remote(job: Job, tasks: Sequence[tuple[int, int]]) -> BatchResult | WorkerError:
    try:
        return run_batch(job, tasks)
    except Exception as exc:  # carried back whole; re-raised in the parent
        return WorkerError.carry(exc)
