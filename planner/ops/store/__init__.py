"""Run history of the scheduled jobs, in one SQLite file in the data directory.

One row per run: when it started and ended, how it ended (``running``, ``succeeded``, ``failed``
with its reason), what it ran on (fleet hash, feed freshness, settings), what it found (KPIs) and
what it wrote (artifact paths). The ``idempotency_key`` (a hash of fleet hash, feed freshness and
settings) lets a job find a run that already did the same work (:meth:`RunStore.find_succeeded`).

The file lives in :func:`default_data_dir` (``PLANNER_DATA_DIR`` or the platform's user data
folder) unless a path is given. Its schema version is SQLite's ``PRAGMA user_version``; opening a
store applies the missing :data:`MIGRATIONS` in order, in one transaction. The file runs in WAL
mode with a busy timeout, and every write is one ``BEGIN IMMEDIATE`` transaction, so readers and
writers in other processes are safe. Every SQLite failure (a corrupted or foreign file, an
unwritable folder, a database busy for longer than the timeout) is a one-line
:class:`~planner.errors.JobError` naming the file and the fix.

A typical job, under :func:`planner.ops.locking.job_lock`::

    with job_lock(default_lock_path()) as lock, RunStore() as store:
        store.mark_interrupted(0.0)          # we hold the lock: any "running" row is dead
        key = idempotency_key(fleet_hash, freshness, settings)
        if (done := store.find_succeeded(key)) and not done.missing_artifacts():
            return done
        run_id = store.start_run(fleet_hash, settings, freshness)
        try:
            ...
        except Exception as exc:
            store.fail_run(run_id, str(exc))
            raise
        return store.finish_run(run_id, kpis, artifacts)

Modules: ``paths`` (data folder and file name), ``schema`` (:data:`MIGRATIONS` and the
``user_version`` upgrade), ``records`` (:class:`RunRecord`, :class:`RunStatus`,
:class:`PruneResult`, :func:`idempotency_key`), ``runs`` (:class:`RunStore`); ``failures`` turns
SQLite failures into one-line errors and ``codec`` holds the JSON and time text of the columns.
"""

from planner.ops.store.paths import (
    APP_NAME,
    DATA_DIR_ENV,
    STORE_FILENAME,
    default_data_dir,
    default_store_path,
)
from planner.ops.store.records import PruneResult, RunRecord, RunStatus, idempotency_key
from planner.ops.store.runs import DEFAULT_BUSY_TIMEOUT_S as DEFAULT_BUSY_TIMEOUT_S
from planner.ops.store.runs import RunStore
from planner.ops.store.schema import MIGRATIONS, SCHEMA_VERSION, Migration

__all__ = [
    "APP_NAME",
    "DATA_DIR_ENV",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "STORE_FILENAME",
    "Migration",
    "PruneResult",
    "RunRecord",
    "RunStatus",
    "RunStore",
    "default_data_dir",
    "default_store_path",
    "idempotency_key",
]
