"""The run history itself: :class:`RunStore`, one SQLite file of job runs."""

from __future__ import annotations

import hashlib
import math
import os
import secrets
import sqlite3
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from planner.errors import ConfigError, JobError
from planner.ops.store.codec import format_time, from_json, to_json
from planner.ops.store.failures import MOVE_ASIDE, one_line, sqlite_errors
from planner.ops.store.paths import DATA_DIR_ENV, STORE_FILENAME, default_store_path
from planner.ops.store.records import (
    PruneResult,
    RunRecord,
    RunStatus,
    idempotency_key,
    record_from_row,
)
from planner.ops.store.schema import RUN_COLUMNS, needs_upgrade, upgrade, user_version

#: Default wait for another process's write lock on the file [s].
DEFAULT_BUSY_TIMEOUT_S = 10.0


class RunStore:
    """The run history in one SQLite file.

    Parameters
    ----------
    path
        The SQLite file; ``None`` for :func:`default_store_path`. Missing folders are created.
    busy_timeout_s
        How long to wait for another process's write lock before giving up [s].
    clock
        Returns the current time, tz-aware (tests pass a fixed clock).

    Raises
    ------
    planner.errors.JobError
        One line naming the file and the fix, when it cannot be created, read or written, is
        not a SQLite file, is corrupted, holds something else, or has a newer schema.

    Notes
    -----
    One connection per instance, used from the thread that opened it; other threads and
    processes open their own :class:`RunStore` on the same file. Use it as a context manager or
    call :meth:`close`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.path = Path(path).expanduser() if path is not None else default_store_path()
        self.busy_timeout_s = float(busy_timeout_s)
        self._clock = clock or _utcnow
        self._conn: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise JobError(
                f"run history {self.path}: cannot create folder {self.path.parent} "
                f"({exc.strerror or exc}); make it writable or set {DATA_DIR_ENV} to another folder"
            ) from None
        if self.path.is_dir():
            raise JobError(
                f"run history {self.path} is a folder, not a file; give a file path such as "
                f"{self.path / STORE_FILENAME}"
            )
        try:
            with self._sqlite("open"):
                conn = sqlite3.connect(self.path, timeout=self.busy_timeout_s, isolation_level=None)
                self._conn = conn
                conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_s * 1000)}")
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise JobError(
                        f"run history {self.path}: SQLite refused WAL mode (got {mode}); "
                        f"put the data folder on a local disk or set {DATA_DIR_ENV}"
                    )
                problems = [row[0] for row in conn.execute("PRAGMA quick_check")]
                if problems != ["ok"]:
                    raise JobError(
                        f"run history {self.path} is corrupted ({problems[0]}); {MOVE_ASIDE}"
                    )
                self._migrate()
        except BaseException:
            self.close()
            raise

    # -- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection (idempotent)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        """The file's ``PRAGMA user_version``."""
        with self._sqlite("read the schema version"):
            return user_version(self._db)

    # -- writes --------------------------------------------------------------------------------

    def start_run(
        self,
        fleet_hash: str,
        settings: Mapping[str, Any],
        freshness: Mapping[str, Any],
        *,
        key: str | None = None,
        stage: str | None = None,
    ) -> str:
        """Record a new run as ``running``.

        Parameters
        ----------
        fleet_hash
            Hash of the fleet being planned.
        settings
            The job settings (JSON values).
        freshness
            Feed name -> timestamp of the data used.
        key
            Idempotency key; default :func:`idempotency_key` of the three above.
        stage
            The stage the run starts in (see :meth:`set_stage`).

        Returns
        -------
        str
            The new run's id, ``YYYYMMDDTHHMMSSZ-xxxxxxxx``.
        """
        settings_json = to_json(settings, "settings")
        freshness_json = to_json(freshness, "freshness")
        key = key if key is not None else idempotency_key(fleet_hash, freshness, settings)
        started = self._now()
        with self._write("start a run") as db:
            for _ in range(5):
                run_id = _new_run_id(started, key)
                try:
                    db.execute(
                        "INSERT INTO runs (id, started_at, status, fleet_hash, settings_json,"
                        " freshness_json, idempotency_key, stage, seen_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            run_id,
                            format_time(started),
                            RunStatus.RUNNING.value,
                            fleet_hash,
                            settings_json,
                            freshness_json,
                            key,
                            stage,
                            format_time(started),
                        ),
                    )
                except sqlite3.IntegrityError:
                    continue  # the same id twice: draw again
                return run_id
        raise JobError(f"run history {self.path}: could not draw a unique run id")

    def set_stage(self, run_id: str, stage: str) -> None:
        """Record that a running run entered ``stage`` (and is alive now); no-op once it ended."""
        self._update_running(run_id, "set a run's stage", stage=stage)

    def touch(self, run_id: str) -> None:
        """Record that a running run is alive now (a heartbeat); no-op once it ended."""
        self._update_running(run_id, "record a heartbeat")

    def set_inputs(self, run_id: str, freshness: Mapping[str, Any], key: str) -> None:
        """Record a running run's feed freshness and idempotency key, once its feeds are in.

        Raises
        ------
        planner.errors.JobError
            If the run does not exist or is no longer running.
        """
        freshness_json = to_json(freshness, "freshness")
        with self._write(f"record the inputs of run {run_id}") as db:
            cur = db.execute(
                "UPDATE runs SET freshness_json = ?, idempotency_key = ?"
                " WHERE id = ? AND status = ?",
                (freshness_json, key, run_id, RunStatus.RUNNING.value),
            )
            if cur.rowcount == 0:
                raise self._not_running(run_id, "given its inputs")

    def drop_run(self, run_id: str) -> None:
        """Delete a run that is still ``running`` (a job that found its work already done).

        Raises
        ------
        planner.errors.JobError
            If the run does not exist or is no longer running (finished runs stay; see
            :meth:`prune`).
        """
        with self._write(f"drop run {run_id}") as db:
            cur = db.execute(
                "DELETE FROM runs WHERE id = ? AND status = ?", (run_id, RunStatus.RUNNING.value)
            )
            if cur.rowcount == 0:
                raise self._not_running(run_id, "dropped")

    def finish_run(
        self,
        run_id: str,
        kpis: Mapping[str, float],
        artifacts: Mapping[str, str | os.PathLike[str]],
    ) -> RunRecord:
        """Mark a running run ``succeeded`` with its KPIs and artifact paths.

        Parameters
        ----------
        run_id
            A run in state ``running``.
        kpis
            KPI name -> value (units in the names, as in
            :data:`planner.engine.metrics.KPI_COLUMNS`).
        artifacts
            Artifact name -> path of the file the run wrote.

        Returns
        -------
        RunRecord
            The updated row.

        Raises
        ------
        planner.errors.JobError
            If the run does not exist or is no longer running.
        """
        kpis_json = to_json({str(k): _kpi_value(k, v) for k, v in kpis.items()}, "kpis")
        artifacts_json = to_json({str(k): os.fspath(v) for k, v in artifacts.items()}, "artifacts")
        return self._end(run_id, RunStatus.SUCCEEDED, None, kpis_json, artifacts_json)

    def fail_run(self, run_id: str, reason: str) -> RunRecord:
        """Mark a running run ``failed`` with its reason (one line; newlines are folded).

        Raises
        ------
        planner.errors.JobError
            If the run does not exist or is no longer running.
        """
        return self._end(run_id, RunStatus.FAILED, one_line(reason) or "failed", None, None)

    def mark_interrupted(self, older_than_s: float = 0.0) -> list[str]:
        """Mark runs left ``running`` by a process that died as ``failed`` ("interrupted").

        Call it while holding the job lock (:func:`planner.ops.locking.job_lock`): then no other
        run can be live, and ``older_than_s=0`` catches every orphan. Without the lock, a margin
        longer than any real run spares live ones. A run that recorded a sign of life
        (:meth:`set_stage`, :meth:`touch`) ends at its last one, so its duration is the time it
        really ran; its reason names the stage it died in.

        Parameters
        ----------
        older_than_s
            Only runs started at least this long ago [s], >= 0.

        Returns
        -------
        list of str
            Ids of the runs marked, oldest first.
        """
        if not older_than_s >= 0:
            raise ConfigError("older_than_s", f"must be >= 0, got {older_than_s}")
        now = self._now()
        cutoff = format_time(now - timedelta(seconds=older_than_s))
        with self._write("mark interrupted runs") as db:
            rows = db.execute(
                "SELECT id, stage, seen_at FROM runs WHERE status = ? AND started_at <= ?"
                " ORDER BY started_at",
                (RunStatus.RUNNING.value, cutoff),
            ).fetchall()
            updates = []
            for run_id, stage, seen in rows:
                where = f" at stage {stage}" if stage else ""
                last = f"last seen {seen}, " if seen else ""
                reason = (
                    f"interrupted{where}: the process ended before the run finished "
                    f"({last}found running at {format_time(now)})"
                )
                updates.append((RunStatus.FAILED.value, seen or format_time(now), reason, run_id))
            db.executemany(
                "UPDATE runs SET status = ?, finished_at = ?, error = ? WHERE id = ?", updates
            )
        return [row[0] for row in rows]

    def mark_notified(self, run_id: str) -> RunRecord:
        """Record that a webhook went out for ``run_id`` now."""
        with self._write("mark a run notified") as db:
            cur = db.execute(
                "UPDATE runs SET notified_at = ? WHERE id = ?", (format_time(self._now()), run_id)
            )
            if cur.rowcount == 0:
                raise self._no_run(run_id)
        return self.get_run(run_id)

    def prune(
        self,
        *,
        keep_last: int | None = None,
        older_than_days: float | None = None,
        keep_ids: Collection[str] = (),
        dry_run: bool = False,
    ) -> PruneResult:
        """Delete old finished runs.

        Parameters
        ----------
        keep_last
            Keep the newest ``keep_last`` runs (all statuses), >= 0.
        older_than_days
            Delete runs started more than this many days ago [d], >= 0.
        keep_ids
            Runs never to delete, whatever the other arguments say.
        dry_run
            Only say what would go; delete nothing.

        Returns
        -------
        PruneResult
            The deleted rows and the artifact paths that only they referred to; the caller
            deletes those files (the store never touches them).

        Notes
        -----
        With both arguments a run goes only if it is outside the newest ``keep_last`` *and*
        older than ``older_than_days``: each argument protects runs from the other. Running runs
        and ``keep_ids`` are never deleted.
        """
        if keep_last is None and older_than_days is None:
            raise ConfigError("prune", "give keep_last, older_than_days or both")
        if keep_last is not None and (isinstance(keep_last, bool) or keep_last < 0):
            raise ConfigError("prune", f"keep_last: must be an integer >= 0, got {keep_last}")
        if older_than_days is not None and not (
            math.isfinite(older_than_days) and older_than_days >= 0
        ):
            raise ConfigError("prune", f"older_than_days: must be >= 0, got {older_than_days}")
        clauses = ["status != ?"]
        params: list[Any] = [RunStatus.RUNNING.value]
        if keep_last is not None:
            clauses.append(
                "id NOT IN (SELECT id FROM runs ORDER BY started_at DESC, id DESC LIMIT ?)"
            )
            params.append(int(keep_last))
        if older_than_days is not None:
            clauses.append("started_at < ?")
            params.append(format_time(self._now() - timedelta(days=older_than_days)))
        keep = sorted(set(keep_ids))
        if keep:
            clauses.append(f"id NOT IN ({', '.join('?' * len(keep))})")
            params.extend(keep)
        where = " AND ".join(clauses)
        with self._write("prune runs") as db:
            rows = db.execute(
                f"SELECT {RUN_COLUMNS} FROM runs WHERE {where} ORDER BY started_at DESC, id DESC",
                params,
            ).fetchall()
            gone = [record_from_row(row, self.path) for row in rows]
            gone_ids = {r.id for r in gone}
            if not dry_run:
                db.executemany("DELETE FROM runs WHERE id = ?", [(i,) for i in gone_ids])
            kept: set[str] = set()
            for run_id, artifacts_json in db.execute("SELECT id, artifacts_json FROM runs"):
                if run_id not in gone_ids:
                    kept.update(str(p) for p in from_json(artifacts_json, "artifacts").values())
        orphaned: dict[str, Path] = {}
        for record in gone:
            for path in record.artifacts.values():
                if str(path) not in kept:
                    orphaned.setdefault(str(path), path)
        return PruneResult(runs=tuple(gone), orphaned_paths=tuple(orphaned.values()))

    # -- reads ---------------------------------------------------------------------------------

    def get_run(self, run_id: str) -> RunRecord:
        """The run ``run_id``.

        Raises
        ------
        planner.errors.JobError
            If there is no such run.
        """
        with self._sqlite("read a run"):
            row = self._db.execute(
                f"SELECT {RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,)
            ).fetchone()
        if row is None:
            raise self._no_run(run_id)
        return record_from_row(row, self.path)

    def list_runs(
        self, limit: int = 20, *, status: RunStatus | str | None = None
    ) -> list[RunRecord]:
        """The newest runs, newest first.

        Parameters
        ----------
        limit
            At most this many, >= 1.
        status
            Only runs in this state.
        """
        if isinstance(limit, bool) or limit < 1:
            raise ConfigError("limit", f"must be an integer >= 1, got {limit}")
        sql = f"SELECT {RUN_COLUMNS} FROM runs"
        params: list[Any] = []
        if status is not None:
            sql += " WHERE status = ?"
            params.append(_status(status).value)
        sql += " ORDER BY started_at DESC, id DESC LIMIT ?"
        params.append(int(limit))
        with self._sqlite("list runs"):
            rows = self._db.execute(sql, params).fetchall()
        return [record_from_row(row, self.path) for row in rows]

    def find_succeeded(self, key: str) -> RunRecord | None:
        """The newest ``succeeded`` run with idempotency key ``key``, or ``None``.

        A job that finds one can skip the work (after checking
        :meth:`RunRecord.missing_artifacts`).
        """
        with self._sqlite("look up a finished run"):
            row = self._db.execute(
                f"SELECT {RUN_COLUMNS} FROM runs WHERE idempotency_key = ? AND status = ?"
                " ORDER BY started_at DESC, id DESC LIMIT 1",
                (key, RunStatus.SUCCEEDED.value),
            ).fetchone()
        return None if row is None else record_from_row(row, self.path)

    # -- internals -----------------------------------------------------------------------------

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise JobError(f"run history {self.path} is closed; open a new RunStore")
        return self._conn

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ConfigError("clock", f"must return tz-aware times, got {now!r}")
        return now.astimezone(UTC)

    def _migrate(self) -> None:
        if not needs_upgrade(self._db, self.path):
            return
        with self._write("upgrade the schema") as tx:
            upgrade(tx, self.path)

    def _end(
        self,
        run_id: str,
        status: RunStatus,
        error: str | None,
        kpis_json: str | None,
        artifacts_json: str | None,
    ) -> RunRecord:
        with self._write(f"mark run {run_id} {status.value}") as db:
            row = db.execute("SELECT status FROM runs WHERE id = ?", (run_id,)).fetchone()
            if row is None:
                raise self._no_run(run_id)
            if row[0] != RunStatus.RUNNING.value:
                raise JobError(
                    f"run history {self.path}: run {run_id} is already {row[0]}; "
                    f"only a running run can be marked {status.value}"
                )
            db.execute(
                "UPDATE runs SET status = ?, finished_at = ?, error = ?,"
                " kpis_json = COALESCE(?, kpis_json), artifacts_json = COALESCE(?, artifacts_json)"
                " WHERE id = ?",
                (status.value, format_time(self._now()), error, kpis_json, artifacts_json, run_id),
            )
        return self.get_run(run_id)

    def _update_running(self, run_id: str, action: str, stage: str | None = None) -> None:
        """Set ``seen_at`` to now (and ``stage`` if given) on a row still running."""
        with self._write(action) as db:
            db.execute(
                "UPDATE runs SET seen_at = ?, stage = COALESCE(?, stage)"
                " WHERE id = ? AND status = ?",
                (format_time(self._now()), stage, run_id, RunStatus.RUNNING.value),
            )

    def _not_running(self, run_id: str, what: str) -> JobError:
        try:
            status = self.get_run(run_id).status.value
        except JobError:
            return self._no_run(run_id)
        return JobError(
            f"run history {self.path}: run {run_id} is already {status}; only a running run "
            f"can be {what}"
        )

    def _no_run(self, run_id: str) -> JobError:
        return JobError(f"run history {self.path}: no run {run_id!r}; see `planner runs`")

    @contextmanager
    def _write(self, action: str) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction: committed on success, rolled back on any error."""
        with self._sqlite(action):
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def _sqlite(self, action: str) -> AbstractContextManager[None]:
        """Turn any :class:`sqlite3.Error` into a one-line :class:`JobError` with the fix."""
        return sqlite_errors(self.path, action, self.busy_timeout_s)


# -- helpers -----------------------------------------------------------------------------------


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _new_run_id(started: datetime, key: str) -> str:
    salt = f"{key}|{format_time(started)}|{os.getpid()}|{secrets.token_hex(8)}"
    short = hashlib.sha256(salt.encode("utf-8")).hexdigest()[:8]
    return f"{started.astimezone(UTC):%Y%m%dT%H%M%SZ}-{short}"


def _status(value: RunStatus | str) -> RunStatus:
    try:
        return RunStatus(value)
    except ValueError:
        allowed = ", ".join(s.value for s in RunStatus)
        raise ConfigError("status", f"must be one of {allowed}, got {value!r}") from None


def _kpi_value(name: object, value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]  # numpy scalars, ints; checked below
    except (TypeError, ValueError):
        raise ConfigError("kpis", f"{name}: must be a number, got {value!r}") from None
