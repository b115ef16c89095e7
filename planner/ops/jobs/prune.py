"""Pruning the job's runs with their files: old runs, stale temporary folders, and ``latest``.

:func:`prune_runs` deletes old finished runs from the history (:meth:`RunStore.prune`) and the
files only they referred to, and removes the temporary folders (``.<run id>.tmp``) and links
(``.latest.<run id>.tmp``) that killed runs of this history left in the output folders. It
never deletes the run that an output folder's ``latest`` link points to unless told that the
user confirmed it.

Which temporary folders are stale: :func:`prune_runs` tries the job lock without waiting. If it
gets it, no job is running: runs left ``running`` are marked failed (as the next job would, see
:meth:`RunStore.mark_interrupted`) and every temporary folder of this history's runs is stale.
If a job holds the lock, a temporary folder is stale unless its run is ``running`` and started
after the holder took the lock (that run is the live one). The lock is held only for the moment
the pruning takes; a job starting in that moment exits as for any other holder (CLI exit 3).
Temporary folders of runs this history does not know are left alone.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from planner.ops.jobs.artifacts import LATEST_LINK, delete_files
from planner.ops.locking import JobLockedError, default_lock_path, job_lock
from planner.ops.store import RunRecord, RunStatus, RunStore, default_store_path

__all__ = ["PruneOutcome", "latest_runs", "output_dirs", "prune_runs", "stale_temp_paths"]

_TEMP = re.compile(r"\.(?:latest\.)?(?P<id>\d{8}T\d{6}Z-[0-9a-f]{8})\.tmp")
_ALL_RUNS = 1_000_000


@dataclass(frozen=True)
class PruneOutcome:
    """What :func:`prune_runs` did (or, for a dry run, would do).

    Attributes
    ----------
    runs
        The runs deleted from the history, newest first.
    deleted
        Files and temporary folders deleted (or that would be).
    spared_latest
        Runs that qualified but were kept because an output folder's ``latest`` points at them.
    latest
        The runs the output folders' ``latest`` links point at.
    """

    runs: tuple[RunRecord, ...]
    deleted: tuple[str, ...]
    spared_latest: tuple[str, ...]
    latest: tuple[str, ...] = ()

    @property
    def latest_pruned(self) -> tuple[str, ...]:
        """The runs ``latest`` points at that were (or would be) pruned."""
        return tuple(r.id for r in self.runs if r.id in self.latest)


def output_dirs(store: RunStore, given: Iterable[Path] = ()) -> list[Path]:
    """The folders holding run folders: ``given`` ones and those of every run in the history.

    Parameters
    ----------
    store
        The run history.
    given
        Output folders to include (``planner forecast --out``), existing or not.

    Returns
    -------
    list of pathlib.Path
        Existing folders, each once, in the order found.
    """
    found = [Path(p) for p in given]
    for record in store.list_runs(_ALL_RUNS):
        found.extend(Path(p).parent.parent for p in record.artifacts.values())
    return [d for d in dict.fromkeys(found) if d.is_dir()]


def latest_runs(dirs: Iterable[Path]) -> dict[str, Path]:
    """Run id -> the ``latest`` link pointing at it, over the output folders ``dirs``."""
    out = {}
    for d in dirs:
        link = d / LATEST_LINK
        if link.is_symlink():
            out[Path(os.readlink(link)).name] = link
    return out


def stale_temp_paths(
    dirs: Iterable[Path], store: RunStore, live_since: datetime | None
) -> list[Path]:
    """Temporary run folders and ``latest`` links left in ``dirs`` by runs no longer running.

    Parameters
    ----------
    dirs
        Output folders.
    store
        The run history.
    live_since
        When the job lock's current holder took it, or ``None`` if no job holds it.

    Returns
    -------
    list of pathlib.Path
        ``.<run id>.tmp`` folders and ``.latest.<run id>.tmp`` links of runs in the history that
        are not running, or are running but older than the lock's holder (dead). Those of runs
        the history does not know are left alone.
    """
    runs = {r.id: r for r in store.list_runs(_ALL_RUNS)}
    stale = []
    for d in dirs:
        for path in sorted(d.iterdir()):
            match = _TEMP.fullmatch(path.name)
            run = runs.get(match["id"]) if match else None
            if run is None:
                continue  # not a run of this history: another history's job may own it
            alive = run.status is RunStatus.RUNNING and (
                live_since is not None and run.started_at >= live_since
            )
            if not alive:
                stale.append(path)
    return stale


def prune_runs(
    *,
    keep_last: int | None = None,
    older_than_days: float | None = None,
    out_dirs: Iterable[str | os.PathLike[str]] = (),
    keep_files: bool = False,
    include_latest: bool = False,
    dry_run: bool = False,
    data_dir: str | os.PathLike[str] | None = None,
    store_path: str | os.PathLike[str] | None = None,
    lock_path: str | os.PathLike[str] | None = None,
) -> PruneOutcome:
    """Delete the job's old runs, their files and stale temporary folders; see the module
    docstring.

    Parameters
    ----------
    keep_last, older_than_days
        As for :meth:`RunStore.prune` (at least one).
    out_dirs
        Output folders to look in besides those of the runs in the history.
    keep_files
        Leave the pruned runs' files (temporary folders are removed all the same).
    include_latest
        The user confirmed that the run ``latest`` points to may go too.
    dry_run
        Delete nothing; say what would go.
    data_dir
        Folder of the run history and the lock (default ``$PLANNER_DATA_DIR`` or the platform's
        user data folder).
    store_path, lock_path
        The run history file and the job lock, if not in ``data_dir``.

    Returns
    -------
    PruneOutcome

    Raises
    ------
    planner.errors.ConfigError
        Neither ``keep_last`` nor ``older_than_days``, or one out of range.
    planner.errors.JobError
        The history or the lock cannot be used.
    """
    store_file = Path(store_path) if store_path is not None else default_store_path(data_dir)
    lock_file = Path(lock_path) if lock_path is not None else default_lock_path(data_dir)
    with RunStore(store_file) as store:
        return _prune(
            store,
            lock_file,
            keep_last=keep_last,
            older_than_days=older_than_days,
            out_dirs=[Path(d) for d in out_dirs],
            keep_files=keep_files,
            include_latest=include_latest,
            dry_run=dry_run,
        )


def _prune(
    store: RunStore,
    lock_path: Path,
    *,
    keep_last: int | None,
    older_than_days: float | None,
    out_dirs: list[Path],
    keep_files: bool,
    include_latest: bool,
    dry_run: bool,
) -> PruneOutcome:
    """:func:`prune_runs` on an open history."""
    dirs = output_dirs(store, out_dirs)
    latest = latest_runs(dirs)
    protect = () if include_latest else tuple(latest)
    with ExitStack() as held:
        try:
            held.enter_context(job_lock(lock_path))
            live_since = None  # we hold the lock: no job is running
        except JobLockedError as exc:  # a job is running since the holder took the lock
            live_since = exc.holder.started_at or datetime.min.replace(tzinfo=UTC)
        if live_since is None and not dry_run:
            store.mark_interrupted(0.0)  # any "running" row is dead
        result = store.prune(
            keep_last=keep_last, older_than_days=older_than_days, keep_ids=protect, dry_run=dry_run
        )
        spared: tuple[str, ...] = ()
        if protect:
            wanted = store.prune(keep_last=keep_last, older_than_days=older_than_days, dry_run=True)
            spared = tuple(r.id for r in wanted.runs if r.id in latest)
        files = [] if keep_files else list(result.orphaned_paths)
        temps = stale_temp_paths(dirs, store, live_since)
        if dry_run:
            deleted = [str(p) for p in files if p.is_file() or p.is_symlink()]
        else:
            deleted = delete_files(files)
            for path in temps:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink(missing_ok=True)
        deleted += [str(p) for p in temps]
    return PruneOutcome(result.runs, tuple(deleted), spared, tuple(latest))
