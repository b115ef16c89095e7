"""What the run history holds: run status, run rows (and reading one), prune results and
idempotency keys."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from planner.errors import JobError
from planner.ops.store.codec import from_json, parse_time, to_json
from planner.ops.store.failures import MOVE_ASIDE, one_line

__all__ = ["PruneResult", "RunRecord", "RunStatus", "idempotency_key", "record_from_row"]


class RunStatus(StrEnum):
    """How a run stands: still going, done, or stopped by an error (or by dying)."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class RunRecord:
    """One row of the run history.

    Attributes
    ----------
    id
        ``YYYYMMDDTHHMMSSZ-xxxxxxxx``: start time (UTC) and a short hash; sorts by start.
    started_at, finished_at
        tz-aware UTC; ``finished_at`` is ``None`` while running.
    status
        :class:`RunStatus`.
    fleet_hash
        Hash of the fleet the run planned, as the job computed it.
    settings
        The job settings (JSON values).
    freshness
        Feed name -> timestamp of the data used (JSON values, times as ISO 8601 UTC strings).
    kpis
        KPI name -> value, empty until the run succeeds.
    artifacts
        Artifact name -> path written by the run, empty until the run succeeds.
    error
        Why the run failed; ``None`` otherwise.
    idempotency_key
        :func:`idempotency_key` of fleet hash, freshness and settings (or the job's own key).
    notified_at
        When the job last sent a webhook about this run (tz-aware UTC), or ``None``.
    stage
        The job stage the run reached (``feeds``, ``scenarios``...), or ``None`` if not recorded.
    seen_at
        The run's last sign of life while running (stage change or heartbeat), tz-aware UTC, or
        ``None`` if not recorded. A run found dead ends at this time.
    """

    id: str
    started_at: datetime
    finished_at: datetime | None
    status: RunStatus
    fleet_hash: str
    settings: Mapping[str, Any]
    freshness: Mapping[str, Any]
    kpis: Mapping[str, float]
    artifacts: Mapping[str, Path]
    error: str | None
    idempotency_key: str
    notified_at: datetime | None = None
    stage: str | None = None
    seen_at: datetime | None = None

    @property
    def duration_s(self) -> float | None:
        """Wall time from start to end [s], ``None`` while running."""
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    def missing_artifacts(self) -> list[str]:
        """Names of artifacts whose file is gone (a job re-runs rather than trust them)."""
        return [name for name, path in self.artifacts.items() if not path.exists()]


@dataclass(frozen=True)
class PruneResult:
    """What :meth:`RunStore.prune` removed.

    Attributes
    ----------
    runs
        The removed rows, newest first.
    orphaned_paths
        Artifact paths of the removed runs that no remaining run refers to: safe for the caller
        to delete. Paths still referenced by a kept run are left out.
    """

    runs: tuple[RunRecord, ...]
    orphaned_paths: tuple[Path, ...]


def idempotency_key(
    fleet_hash: str, freshness: Mapping[str, Any], settings: Mapping[str, Any]
) -> str:
    """Hash of everything that decides a run's result.

    Parameters
    ----------
    fleet_hash
        Hash of the fleet.
    freshness
        Feed name -> timestamp of the data used. Put only the data's own timestamps here (not
        ages that grow with the clock), or two identical runs get different keys.
    settings
        Job settings, JSON values (datetimes, paths and numpy scalars are converted).

    Returns
    -------
    str
        64 hex digits of SHA-256 over canonical JSON (sorted keys, no spaces): the same inputs in
        any key order give the same key; ``1`` and ``1.0`` differ.
    """
    text = to_json(
        {"fleet_hash": fleet_hash, "freshness": freshness, "settings": settings},
        "idempotency key",
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_from_row(row: Sequence[Any], path: Path) -> RunRecord:
    """One row of the ``runs`` table, selected as :data:`~planner.ops.store.schema.RUN_COLUMNS`,
    as a :class:`RunRecord`.

    Parameters
    ----------
    row
        The column values in the order of ``RUN_COLUMNS``.
    path
        The history file, for the error.

    Raises
    ------
    planner.errors.JobError
        The row cannot be read (a time, status or JSON column that is not what was written).
    """
    (
        run_id,
        started,
        finished,
        status,
        fleet_hash,
        settings_json,
        freshness_json,
        kpis_json,
        artifacts_json,
        error,
        key,
        notified,
        stage,
        seen,
    ) = row
    try:
        return RunRecord(
            id=run_id,
            started_at=parse_time(started),
            finished_at=None if finished is None else parse_time(finished),
            status=RunStatus(status),
            fleet_hash=fleet_hash,
            settings=from_json(settings_json, "settings"),
            freshness=from_json(freshness_json, "freshness"),
            kpis={str(k): float(v) for k, v in from_json(kpis_json, "kpis").items()},
            artifacts={str(k): Path(v) for k, v in from_json(artifacts_json, "artifacts").items()},
            error=error,
            idempotency_key=key,
            notified_at=None if notified is None else parse_time(notified),
            stage=stage,
            seen_at=None if seen is None else parse_time(seen),
        )
    except (ValueError, TypeError) as exc:
        raise JobError(
            f"run history {path}: run {run_id!r} is unreadable ({one_line(str(exc))}); {MOVE_ASIDE}"
        ) from None
