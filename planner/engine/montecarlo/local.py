"""Monte Carlo batches on this machine: in this process, or on a pool of worker processes."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

from planner.engine.montecarlo.tasks import BatchResult, Job, Memos, run_batch
from planner.engine.montecarlo.worker_error import WorkerError, unwrap


def run_serial(
    job: Job, batches: list[list[tuple[int, int]]], tick: Callable[[int], None]
) -> list[BatchResult]:
    """The batches one after another in this process; ``tick(tasks)`` after each."""
    results = []
    memos = Memos()
    for batch in batches:
        results.append(run_batch(job, batch, memos))
        tick(len(batch))
    return results


def run_local(
    job: Job, batches: list[list[tuple[int, int]]], workers: int, tick: Callable[[int], None]
) -> list[BatchResult]:
    """A process pool; workers start from a fork server (or spawn), never a fork of this process.

    Results come back in the order of ``batches``; ``tick(tasks)`` after each batch done. An
    error in a worker is raised here as itself.
    """
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    results: list[BatchResult | None] = [None] * len(batches)
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(batches)),
        mp_context=context,
        initializer=_init_worker,
        initargs=(job,),
    )
    try:
        pending: dict[Future[BatchResult | WorkerError], int] = {
            pool.submit(_run_batch_in_worker, batch): k for k, batch in enumerate(batches)
        }
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                k = pending.pop(future)
                results[k] = unwrap(future.result())
                tick(len(batches[k]))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return [r for r in results if r is not None]


_WORKER: tuple[Job, Memos] | None = None


def _init_worker(job: Job) -> None:
    global _WORKER  # one job per worker process, set once by the pool
    _WORKER = (job, Memos())


def _run_batch_in_worker(tasks: Sequence[tuple[int, int]]) -> BatchResult | WorkerError:
    assert _WORKER is not None, "worker was not initialised"
    try:
        return run_batch(_WORKER[0], tasks, _WORKER[1])
    except Exception as exc:  # carried back whole; re-raised in the parent
        return WorkerError.carry(exc)
