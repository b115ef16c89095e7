"""One scheduled job at a time: a non-blocking exclusive lock on a file in the data directory.

:func:`job_lock` takes the operating system's lock on the lock file through :mod:`filelock`
(``flock`` on Linux and macOS, ``LockFileEx`` on Windows) and writes the holder's pid, host and
start time into it. A second run, in this process or any other, gets :class:`JobLockedError` at
once, naming the lock file and the holder (the CLI exits with code 3). The kernel
drops the lock when the holder releases it, raises out of the ``with`` block, or dies (even by
``SIGKILL``), so there is never a stale lock to clean up by hand.

The file itself is never deleted (deleting it would let two processes lock two different files
of the same name). On a clean release its content is emptied; content found by the next holder
means the previous one died while holding the lock (:attr:`JobLock.stale`), and its runs left
``running`` in the history can be marked failed
(:meth:`planner.ops.store.RunStore.mark_interrupted`).

Notes
-----
The lock is taken on a descriptor this module opens and owns (:func:`filelock.lock_descriptor`),
not by :class:`filelock.FileLock`, which empties the file when it takes the lock: the content a
dead holder left must survive until the next holder has read it. The lock belongs to the open
file: a child made by ``os.fork`` inside the ``with`` block shares it until it exits; children
started by ``subprocess`` do not (the descriptor is not inheritable). The lock is local to one
machine; keep the data directory off network file systems. On Windows it covers the file's first
byte, which other processes cannot read while it is held, so a refused run there may name the
holder as unknown.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from filelock import lock_descriptor, unlock_descriptor

from planner.errors import JobError
from planner.ops.store import DATA_DIR_ENV, default_data_dir

__all__ = [
    "LOCK_FILENAME",
    "JobLock",
    "JobLockedError",
    "LockHolder",
    "default_lock_path",
    "job_lock",
]

#: File name of the forecast job's lock inside the data directory.
LOCK_FILENAME = "forecast.lock"

#: Windows opens files in text mode unless told otherwise; the holder note is bytes as written.
_O_BINARY = getattr(os, "O_BINARY", 0)
#: How long a loser waits for the winner to write its pid into the lock file [s].
_HOLDER_WAIT_S = 0.2


def default_lock_path(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """``forecast.lock`` in :func:`planner.ops.store.default_data_dir` (``data_dir`` overrides)."""
    return default_data_dir(data_dir) / LOCK_FILENAME


@dataclass(frozen=True)
class LockHolder:
    """Who holds (or held) a lock, as written in the lock file.

    Attributes
    ----------
    pid
        Process id, ``None`` if the file did not say.
    host
        Host name of that process, ``None`` if the file did not say.
    started_at
        When it took the lock, tz-aware UTC, ``None`` if the file did not say.
    """

    pid: int | None
    host: str | None
    started_at: datetime | None

    def describe(self) -> str:
        """``pid 1234 on host, since 2025-01-01T06:00:00Z``, leaving out what is unknown."""
        parts = [f"pid {self.pid}" if self.pid is not None else "pid unknown"]
        if self.host:
            parts[0] += f" on {self.host}"
        if self.started_at is not None:
            parts.append(f"since {self.started_at:%Y-%m-%dT%H:%M:%SZ}")
        return ", ".join(parts)


@dataclass(frozen=True)
class JobLock:
    """A held job lock (what ``with job_lock(...) as lock`` gives).

    Attributes
    ----------
    path
        The lock file.
    holder
        This process: pid, host, start time.
    stale
        The previous holder if it died while holding the lock (its info was still in the file),
        else ``None``. Its runs may be left ``running`` in the history.
    """

    path: Path
    holder: LockHolder
    stale: LockHolder | None


class JobLockedError(JobError):
    """Another run holds the job lock; this one must exit at once, having done nothing.

    Parameters
    ----------
    path
        The lock file.
    holder
        Who holds it, as far as the file says.
    """

    def __init__(self, path: Path, holder: LockHolder) -> None:
        self.path = path
        self.holder = holder
        super().__init__(
            f"another run holds the job lock {path} ({holder.describe()}); "
            "this run exits without doing anything, try again when that one has finished"
        )


@contextmanager
def job_lock(path: str | os.PathLike[str]) -> Iterator[JobLock]:
    """Hold the exclusive, non-blocking job lock on ``path`` for the ``with`` block.

    Parameters
    ----------
    path
        The lock file (:func:`default_lock_path`); it and its folders are created if missing.

    Yields
    ------
    JobLock
        The held lock; released when the block ends, normally or by an exception, or when the
        process dies.

    Raises
    ------
    JobLockedError
        At once, if another holder (another process, or another ``job_lock`` in this one) has it.
    planner.errors.JobError
        One line, if the lock file cannot be created, opened or locked.
    """
    lock_path = Path(path).expanduser()
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | _O_BINARY, 0o644)
    except OSError as exc:
        raise JobError(
            f"cannot create the job lock {lock_path} ({exc.strerror or exc}); make the folder "
            f"writable or set {DATA_DIR_ENV} to another folder"
        ) from None
    try:
        try:
            locked = lock_descriptor(fd, blocking=False)
        except OSError as exc:
            raise JobError(
                f"cannot lock {lock_path} ({exc.strerror or exc}); keep the data folder on a "
                f"local disk or set {DATA_DIR_ENV} to another folder"
            ) from None
        if not locked:
            raise JobLockedError(lock_path, _wait_for_holder(fd))
        previous = _read_holder(fd)
        me = LockHolder(pid=os.getpid(), host=socket.gethostname(), started_at=datetime.now(UTC))
        try:
            _write_holder(fd, me)
        except OSError as exc:
            raise JobError(
                f"cannot write the job lock {lock_path} ({exc.strerror or exc}); make it "
                f"writable or set {DATA_DIR_ENV} to another folder"
            ) from None
        try:
            yield JobLock(path=lock_path, holder=me, stale=previous)
        finally:
            # Empty file = released cleanly; a crash leaves the holder behind (JobLock.stale).
            # If emptying fails the kernel still drops the lock; stale info is only a hint.
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            unlock_descriptor(fd)
    finally:
        os.close(fd)


def _write_holder(fd: int, holder: LockHolder) -> None:
    started = holder.started_at.isoformat() if holder.started_at else None
    data = json.dumps({"pid": holder.pid, "host": holder.host, "started_at": started}) + "\n"
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, data.encode("utf-8"))
    os.fsync(fd)


def _read_holder(fd: int) -> LockHolder | None:
    """The holder written in the file, or ``None`` if it is empty."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        raw = os.read(fd, 4096)
    except OSError:
        return None
    text = raw.decode("utf-8", errors="replace").strip()
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return LockHolder(pid=None, host=None, started_at=None)
    if not isinstance(data, dict):
        return LockHolder(pid=None, host=None, started_at=None)
    pid = data.get("pid")
    host = data.get("host")
    try:
        started = datetime.fromisoformat(str(data["started_at"])).astimezone(UTC)
    except (KeyError, TypeError, ValueError):
        started = None
    return LockHolder(
        pid=pid if isinstance(pid, int) and not isinstance(pid, bool) else None,
        host=host if isinstance(host, str) else None,
        started_at=started,
    )


def _wait_for_holder(fd: int) -> LockHolder:
    """The holder's info; it may take the winner a moment to write it after locking."""
    deadline = time.monotonic() + _HOLDER_WAIT_S
    while True:
        holder = _read_holder(fd)
        if holder is not None and holder.pid is not None:
            return holder
        if time.monotonic() >= deadline:
            return holder or LockHolder(pid=None, host=None, started_at=None)
        time.sleep(0.01)
