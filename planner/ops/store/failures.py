"""SQLite failures as one-line :class:`~planner.errors.JobError` naming the file and the fix."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from planner.errors import JobError
from planner.ops.store.paths import DATA_DIR_ENV

__all__ = ["MOVE_ASIDE", "one_line", "sqlite_errors", "translate_error"]

#: The fix for a run history file that cannot be used: the end of every such error.
MOVE_ASIDE = "move it aside; a new history will be created"


@contextmanager
def sqlite_errors(path: Path, action: str, busy_timeout_s: float) -> Iterator[None]:
    """Turn any :class:`sqlite3.Error` into a one-line :class:`JobError` with the fix."""
    try:
        yield
    except sqlite3.Error as exc:
        raise translate_error(exc, action, path, busy_timeout_s) from None


def translate_error(exc: sqlite3.Error, action: str, path: Path, busy_timeout_s: float) -> JobError:
    """One-line :class:`JobError` for a SQLite failure while trying to ``action``, with the fix."""
    detail = one_line(str(exc)) or type(exc).__name__
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    where = f"run history {path}"
    if primary in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT) or "not a database" in detail:
        return JobError(f"{where} is not a usable SQLite file ({detail}); {MOVE_ASIDE}")
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return JobError(
            f"{where} stayed busy for {busy_timeout_s:g} s ({detail}) while trying to "
            f"{action}; another process is writing to it, try again"
        )
    if primary in (
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_PERM,
        sqlite3.SQLITE_AUTH,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_FULL,
    ):
        return JobError(
            f"{where}: cannot {action} ({detail}); make the file and its folder writable "
            f"or set {DATA_DIR_ENV} to another folder"
        )
    return JobError(f"{where}: cannot {action} ({detail})")


def one_line(text: str) -> str:
    """``text`` on one line: every run of whitespace, newlines included, becomes one space."""
    return " ".join(str(text).split())
