"""Monte Carlo batches on this machine: in this process, or on a pool of worker processes."""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.forkserver
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
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
    if context.get_start_method() == "forkserver":
        _deaf_forkserver()
    results: list[BatchResult | None] = [None] * len(batches)
    others = set(multiprocessing.active_children())
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(batches)),
        mp_context=context,
        initializer=_init_worker,
        initargs=(job,),
    )
    try:
        with _interrupt_deferred():  # submitting starts the workers
            pending: dict[Future[BatchResult | WorkerError], int] = {
                pool.submit(_run_batch_in_worker, batch): k for k, batch in enumerate(batches)
            }
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                k = pending.pop(future)
                results[k] = unwrap(future.result())
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


_WORKER: tuple[Job, Memos] | None = None


def _init_worker(job: Job) -> None:
    global _WORKER  # one job per worker process, set once by the pool
    _WORKER = (job, Memos())
    # Ctrl-C reaches the whole process group: the parent stops the pool, workers stay quiet.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_batch_in_worker(tasks: Sequence[tuple[int, int]]) -> BatchResult | WorkerError:
    assert _WORKER is not None, "worker was not initialised"
    try:
        return run_batch(_WORKER[0], tasks, _WORKER[1])
    except Exception as exc:  # carried back whole; re-raised in the parent
        return WorkerError.carry(exc)
