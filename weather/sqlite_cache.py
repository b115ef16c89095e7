"""The SQLite file behind the HTTP cache: checked when opened, moved aside when corrupt.

A cache file damaged by a crash, a full disk or a stray write would otherwise fail every later
run with a bare ``sqlite3.DatabaseError``. Instead:

- on open, :func:`open_session` runs SQLite's ``PRAGMA quick_check`` on the file (under a
  millisecond per megabyte: about 40 ms for a 50 MB cache); a file that fails it, or that SQLite
  cannot read at all, is renamed ``<name>.corrupt-<UTC timestamp>`` (with its ``-journal``,
  ``-wal`` and ``-shm`` companions), a warning names both paths, and a fresh cache takes its
  place;
- on first use, a ``DatabaseError`` raised by a request or a listing of the cache
  (:class:`CheckedSession`) triggers the same check: a corrupt file is moved aside and the request
  is made once more on a fresh cache. On a file that checks healthy (a lock held too long, a disk
  error) the retry meets the same error, which is raised as it comes.

Nothing is deleted: the damaged file stays next to the new one for inspection.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import requests
from requests_cache import CachedResponse, CachedSession, SQLiteCache

__all__ = ["CheckedSession", "cached_responses", "corruption", "move_aside", "open_session"]

logger = logging.getLogger(__name__)

#: SQLite files that belong to a database file and must move with it.
COMPANIONS: tuple[str, ...] = ("-journal", "-wal", "-shm")

_T = TypeVar("_T")
#: How long the check waits for another process's lock before calling the file busy [s].
_BUSY_WAIT_S = 1.0
_TRANSIENT = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


def corruption(path: Path) -> str | None:
    """What is wrong with the SQLite file at ``path``, or ``None`` if it is usable or absent.

    Parameters
    ----------
    path
        The cache file.

    Returns
    -------
    str or None
        SQLite's first complaint (``file is not a database``, ``database disk image is
        malformed``, a ``quick_check`` finding); ``None`` for a healthy, missing or empty file, or
        one another process holds locked (that is not damage).
    """
    if not path.is_file() or path.stat().st_size == 0:
        return None
    try:
        db = sqlite3.connect(path, timeout=_BUSY_WAIT_S)
        try:
            rows = db.execute("PRAGMA quick_check").fetchall()
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        code = getattr(exc, "sqlite_errorcode", None)
        if isinstance(code, int) and code & 0xFF in _TRANSIENT:
            return None
        return " ".join(str(exc).split()) or type(exc).__name__
    findings = [str(row[0]) for row in rows]
    return None if findings == ["ok"] else findings[0]


def move_aside(path: Path, problem: str, now: datetime | None = None) -> Path:
    """Rename a corrupt cache file (and its companions) to ``<name>.corrupt-<UTC timestamp>``.

    Parameters
    ----------
    path
        The corrupt file.
    problem
        What SQLite said, for the warning.
    now
        The time stamped into the new name (default the clock), UTC.

    Returns
    -------
    pathlib.Path
        Where the file went: ``http_cache.sqlite.corrupt-20250114T060000Z`` (``-1``, ``-2``...
        appended if that name is taken).
    """
    stamp = f"{(now or datetime.now(UTC)).astimezone(UTC):%Y%m%dT%H%M%SZ}"
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 0
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    path.rename(aside)
    for suffix in COMPANIONS:
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.rename(aside.with_name(aside.name + suffix))
    logger.warning(
        "HTTP cache %s is corrupt (%s); moved it to %s and started a fresh cache",
        path,
        problem,
        aside,
    )
    return aside


class CheckedSession(CachedSession):
    """A :class:`requests_cache.CachedSession` on SQLite that survives a corrupt cache file.

    After a ``sqlite3.DatabaseError`` during a request the file is checked with
    :func:`corruption`; a damaged one is moved aside (:func:`move_aside`) and the cache starts
    empty; the request is sent once more either way. Build it with :func:`open_session`.

    It also remembers the answer each request's new answer replaces in the cache, so that
    :meth:`forget` can put a good answer back when the new one proves unusable.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.replaced: dict[str, CachedResponse | None] = {}

    def send(  # type: ignore[override]  # the cache's keyword options pass through **kwargs
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> Any:
        def attempt() -> Any:
            key = self.cache.create_key(request, **kwargs)
            self.replaced[key] = self.cache.get_response(key)
            return super(CheckedSession, self).send(request, **kwargs)

        return self.guarded(attempt)

    def forget(self, key: str) -> None:
        """Drop the cached answer under ``key``, putting back the answer it replaced, if any.

        Parameters
        ----------
        key
            A cache key this session wrote (or read) during a request.
        """
        current = self.cache.get_response(key)
        self.cache.delete(key)
        previous = self.replaced.pop(key, None)
        if previous is not None and (current is None or previous.created_at != current.created_at):
            self.cache.responses[key] = previous
            logger.debug("dropped cached answer %s; the answer it replaced is back", key)

    def guarded(self, action: Callable[[], _T]) -> _T:
        """Run ``action`` (a cache read or write); after a ``DatabaseError``, :meth:`recover` and
        run it once more (a second error is raised as it comes)."""
        try:
            return action()
        except sqlite3.DatabaseError:
            self.recover()
        return action()

    def recover(self) -> None:
        """Close the cache's connections, move the file aside if it is corrupt, and reopen.

        Reopening also serves a session whose file another session already replaced: its old
        connections still pointed at the file that was moved.
        """
        backend = cast(SQLiteCache, self.cache)
        path = Path(backend.db_path)
        backend.responses.close()
        backend.redirects.close()
        problem = corruption(path)
        if problem is not None:
            move_aside(path, problem)
        backend.responses.init_db()
        backend.redirects.init_db()


def open_session(path: Path, **settings: Any) -> CheckedSession:
    """A :class:`CheckedSession` on the SQLite file ``path``, moving a corrupt file aside first.

    Parameters
    ----------
    path
        The cache file (``<cache_dir>/http_cache.sqlite``); its folder exists.
    **settings
        Keyword arguments of :class:`requests_cache.CachedSession`.

    Returns
    -------
    CheckedSession
    """
    problem = corruption(path)
    if problem is not None:
        move_aside(path, problem)
    try:
        return CheckedSession(str(path), backend="sqlite", **settings)
    except sqlite3.DatabaseError:  # damaged between the check and the open
        problem = corruption(path)
        if problem is None:
            raise
        move_aside(path, problem)
        return CheckedSession(str(path), backend="sqlite", **settings)


def cached_responses(session: requests.Session) -> list[CachedResponse]:
    """Every readable answer in the session's cache, expired ones included.

    Parameters
    ----------
    session
        From :func:`weather.http.make_session`.

    Returns
    -------
    list of requests_cache.CachedResponse
        Empty for a session without a cache, or one whose corrupt file was just moved aside.
    """
    cache = getattr(session, "cache", None)
    if cache is None:
        return []

    def listing() -> list[CachedResponse]:
        return list(cache.filter(valid=True, expired=True))

    if isinstance(session, CheckedSession):
        return session.guarded(listing)
    return listing()
