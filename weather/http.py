"""One HTTP client for the planner: cache, timeouts, retries, User-Agent, offline mode.

Every network call goes through :func:`get_json` (feeds, on a session made by
:func:`make_session`) or :func:`post_json` (the job's webhook; never cached). The policy, in one
place:

Cache
    requests-cache on SQLite (``<cache_dir>/http_cache.sqlite``), keyed on method, URL and query
    *without* secret parameters (:data:`SECRET_PARAMS`), which are also stripped from the stored
    request. Only ``200`` answers to ``GET`` are stored. Expiry is chosen per endpoint kind by the
    first matching URL pattern in :data:`EXPIRE_AFTER` (archives never expire, forecasts and
    ensembles after 1 h, alerts after 5 min); anything else after :data:`DEFAULT_EXPIRE_AFTER`.
    Server ``Cache-Control`` headers are ignored so that expiry is predictable. A corrupt cache
    file is moved aside to ``<name>.corrupt-<UTC timestamp>`` with a warning naming both paths,
    and a fresh cache takes its place (:mod:`weather.sqlite_cache`).
Size
    Every answer is streamed in under a byte cap chosen per endpoint kind by the first matching
    URL pattern in :data:`MAX_RESPONSE_BYTES` (:data:`DEFAULT_MAX_RESPONSE_BYTES` otherwise); a
    bigger answer is refused with a :class:`~weather.errors.FeedError` naming the feed, the URL and
    the cap, and is not cached (:mod:`weather.size_cap`).
Offline
    ``offline=True`` never touches the network: it serves whatever the cache holds, stale entries
    included, and raises :class:`~weather.errors.FeedError` naming the missing URL otherwise.
Timeouts and retries
    Every call has a connect and a read timeout. ``429`` and ``5xx`` answers, timeouts and
    connection errors are retried with exponential backoff (``backoff * 2**attempt`` seconds,
    capped at ``max_wait``); a ``Retry-After`` header (seconds or HTTP-date) is honoured exactly,
    and if it asks for more than ``max_wait`` the call gives up at once instead of hammering early.
Secrets
    API keys come from environment variables. Their values never appear in cache keys, stored
    requests, log lines or error messages (see :func:`redact`); a caller whose URL is a secret
    as a whole (a webhook) passes its own ``mask``, applied to every URL and text shown.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, TypedDict

import requests
from requests_cache import NEVER_EXPIRE, CachedSession, CacheMixin

from weather.errors import FeedError
from weather.redaction import SECRET_PARAMS, redact, redacted_url, secret_values
from weather.size_cap import CappedAdapter, ResponseTooLarge, megabytes
from weather.sqlite_cache import CheckedSession, open_session

__all__ = [
    "DEFAULT_EXPIRE_AFTER",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "EXPIRE_AFTER",
    "MAX_RESPONSE_BYTES",
    "MAX_TIMEOUT_S",
    "SECRET_PARAMS",
    "FetchOptions",
    "check_timeout",
    "default_user_agent",
    "forget",
    "forget_response",
    "get_json",
    "make_session",
    "post_json",
    "redact",
    "response_cap",
]

logger = logging.getLogger(__name__)

#: Sleep function used between retries; tests patch it so nothing waits.
_sleep: Callable[[float], None] = time.sleep


def _utcnow() -> datetime:
    """The current time, tz-aware UTC (patchable for ``Retry-After`` HTTP-date tests)."""
    return datetime.now(UTC)


#: ``(connect, read)`` timeouts [s]. Archive and ensemble answers for many sites can take a while.
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 60.0)
#: Longest connect or read timeout accepted [s].
MAX_TIMEOUT_S = 600.0
#: Retries after the first attempt [-].
DEFAULT_RETRIES = 3
#: First backoff wait [s]; doubles each retry.
DEFAULT_BACKOFF_S = 1.0
#: Longest single wait between attempts [s], also the largest ``Retry-After`` honoured.
DEFAULT_MAX_WAIT_S = 60.0

#: Expiry per endpoint kind, first match wins. Patterns are searched in the full URL, so they also
#: match the commercial ``customer-*`` hosts and the local test server.
EXPIRE_AFTER: dict[str | re.Pattern[str], int | timedelta] = {
    re.compile(r"/v1/archive\b"): NEVER_EXPIRE,  # reanalysis; get_archive shortens recent ranges
    re.compile(r"/v1/ensemble\b"): timedelta(hours=1),
    re.compile(r"/v1/forecast\b"): timedelta(hours=1),
    re.compile(r"/alerts\b"): timedelta(minutes=5),
}
#: Expiry of anything no pattern matches.
DEFAULT_EXPIRE_AFTER = timedelta(minutes=5)

#: Largest answer accepted per endpoint kind, first match wins [B]. Real answers run about 9 bytes
#: per hourly value: a 20-site, 16-day forecast of 6 variables is about 0.5 MB, a 20-site year of
#: archive about 11 MB, a 20-site 31-member ensemble with 92 past days about 15 MB; an NWS point's
#: active alerts are a few kB. Each cap leaves room of at least three times the largest of these.
MAX_RESPONSE_BYTES: dict[re.Pattern[str], int] = {
    re.compile(r"/v1/archive\b"): 50_000_000,
    re.compile(r"/v1/ensemble\b"): 50_000_000,
    re.compile(r"/v1/forecast\b"): 20_000_000,
    re.compile(r"/alerts\b"): 5_000_000,
}
#: Largest answer accepted from any other endpoint [B].
DEFAULT_MAX_RESPONSE_BYTES = 20_000_000

_RETRY_STATUS = frozenset({429}) | frozenset(range(500, 600))
_DEFAULT_CONTACT = "set PLANNER_CONTACT"
_CACHE_FILE = "http_cache"


class FetchOptions(TypedDict, total=False):
    """Keyword arguments the feed clients pass through to :func:`get_json`."""

    timeout: tuple[float, float]
    retries: int
    backoff: float
    max_wait: float


def check_timeout(value: object) -> tuple[float, float]:
    """``(connect, read)`` timeouts [s] from one number (both) or a pair of numbers.

    Parameters
    ----------
    value
        ``5``, ``5.0``, ``(5, 60)`` or ``[5, 60]``; each in ``(0, MAX_TIMEOUT_S]`` seconds.

    Returns
    -------
    tuple of float

    Raises
    ------
    ValueError
        Anything else; the message says what is allowed and what was given.
    """
    pair = value if isinstance(value, list | tuple) else (value, value)
    numbers = len(pair) == 2 and all(
        isinstance(v, int | float) and not isinstance(v, bool) and 0 < v <= MAX_TIMEOUT_S
        for v in pair
    )
    if not numbers:
        raise ValueError(
            f"must be seconds or [connect, read] seconds, each in (0, {MAX_TIMEOUT_S:g}], "
            f"got {value!r}"
        )
    return float(pair[0]), float(pair[1])


def default_user_agent() -> str:
    """The User-Agent sent by default, with a contact from ``PLANNER_CONTACT`` if set.

    NWS refuses requests without a User-Agent and asks for a way to reach the operator.

    Returns
    -------
    str
        e.g. ``mining-fleet-planner/0.1 (contact: ops@example.com)``.
    """
    contact = os.environ.get("PLANNER_CONTACT", "").strip() or _DEFAULT_CONTACT
    return f"mining-fleet-planner/0.1 (contact: {contact})"


def make_session(
    cache_dir: Path | None,
    user_agent: str | None = None,
    offline: bool = False,
    *,
    expire_after: Mapping[str | re.Pattern[str], int | timedelta] | None = None,
    default_expire_after: int | timedelta = DEFAULT_EXPIRE_AFTER,
    max_response_bytes: int | None = None,
) -> requests.Session:
    """Make the one HTTP session every feed uses.

    Parameters
    ----------
    cache_dir
        Directory for the SQLite cache file ``http_cache.sqlite`` (created if missing). ``None``
        keeps an in-memory cache for the life of the session.
    user_agent
        User-Agent header; default :func:`default_user_agent`.
    offline
        Serve only from the cache, stale entries included; never touch the network.
    expire_after
        Extra ``{url pattern: expiry}`` rules (glob strings or compiled regexes; expiry in [s] or a
        ``timedelta``, ``-1`` never expires), checked before :data:`EXPIRE_AFTER`.
    default_expire_after
        Expiry for URLs no pattern matches [s or timedelta].
    max_response_bytes
        Largest answer accepted from any endpoint [B]; default per endpoint kind
        (:data:`MAX_RESPONSE_BYTES`, else :data:`DEFAULT_MAX_RESPONSE_BYTES`).

    Returns
    -------
    requests.Session
        A ``requests_cache.CachedSession`` (on SQLite, a
        :class:`weather.sqlite_cache.CheckedSession`: a corrupt file is moved aside).

    Raises
    ------
    ValueError
        ``offline`` without a ``cache_dir``: there would be nothing to serve.
    """
    if offline and cache_dir is None:
        raise ValueError("offline mode needs a cache_dir to read cached answers from")
    rules = dict(expire_after or {})
    for pattern, expiry in EXPIRE_AFTER.items():
        rules.setdefault(pattern, expiry)
    common: dict[str, Any] = {
        "urls_expire_after": rules,
        "expire_after": default_expire_after,
        "allowable_codes": (200,),
        "allowable_methods": ("GET",),
        "ignored_parameters": SECRET_PARAMS,
        "cache_control": False,
        "only_if_cached": offline,
        # offline: an expired entry is better than nothing; online it is never used
        "stale_if_error": offline,
    }
    session: CachedSession
    if cache_dir is None:
        session = CachedSession(_CACHE_FILE, backend="memory", **common)
    else:
        cache_dir.mkdir(parents=True, exist_ok=True)
        session = open_session(cache_dir / f"{_CACHE_FILE}.sqlite", **common)
    _fit(session, lambda url: max_response_bytes or response_cap(url), user_agent)
    logger.debug("HTTP session: cache %s, offline %s", cache_dir or "in memory", offline)
    return session


def get_json(
    session: requests.Session,
    url: str,
    params: Mapping[str, str | int | float] | None = None,
    *,
    feed: str,
    headers: Mapping[str, str] | None = None,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF_S,
    max_wait: float = DEFAULT_MAX_WAIT_S,
    expire_after: int | timedelta | None = None,
) -> Any:
    """GET ``url`` and decode its JSON body, with timeouts, retries and clear errors.

    Parameters
    ----------
    session
        Usually from :func:`make_session`; a plain ``requests.Session`` works without caching.
    url, params
        Endpoint and query parameters (secret ones are sent, never shown or cached by key).
    feed
        Feed name for errors and logs (``open-meteo forecast``, ``nws alerts``...).
    headers
        Extra request headers (``Accept``...).
    timeout
        ``(connect, read)`` timeouts [s], or one number for both (:func:`check_timeout`),
        applied to every attempt.
    retries
        Attempts after the first one for ``429``, ``5xx``, timeouts and connection errors [-].
    backoff
        First wait [s]; attempt ``n`` (from 0) waits ``backoff * 2**n`` unless ``Retry-After``
        says otherwise.
    max_wait
        Longest single wait [s]. A ``Retry-After`` longer than this fails at once.
    expire_after
        Cache expiry for this request only [s or timedelta], overriding the URL patterns.

    Returns
    -------
    Any
        The decoded JSON document.

    Raises
    ------
    FeedError
        Timeout, connection failure, final HTTP error, a ``Retry-After`` beyond ``max_wait``,
        malformed JSON, or (offline) an answer that is not in the cache. The message names the
        URL with secrets masked.
    ValueError
        ``timeout`` is neither seconds nor a pair of them (:func:`check_timeout`).
    """
    timeout = check_timeout(timeout)
    mask = functools.partial(redact, secrets=secret_values(params))
    shown = redacted_url(url, params)
    extra: dict[str, Any] = {}
    if isinstance(session, CacheMixin) and expire_after is not None:
        extra["expire_after"] = expire_after
    response = _send(
        session,
        "GET",
        url,
        feed=feed,
        shown=shown,
        mask=mask,
        policy=(timeout, retries, backoff, max_wait),
        params=params,
        headers=dict(headers or {}),
        **extra,
    )
    try:
        return response.json()
    except ValueError as exc:
        forget_response(session, response)
        raise FeedError(feed, f"malformed JSON from GET {shown}: {mask(str(exc))}") from None


def post_json(
    url: str,
    payload: Any,
    *,
    feed: str,
    session: requests.Session | None = None,
    mask: Callable[[str], str] = redact,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF_S,
    max_wait: float = DEFAULT_MAX_WAIT_S,
) -> requests.Response:
    """POST ``payload`` as JSON to ``url``, never cached, with the timeouts, retries,
    ``Retry-After`` rule, size cap and errors of :func:`get_json`.

    Parameters
    ----------
    url
        The endpoint.
    payload
        A JSON-ready value, sent as UTF-8 ``application/json``.
    feed
        Name for errors and logs (``webhook``).
    session
        A plain (not cached) session; default a new one for this call, with the size cap
        :data:`DEFAULT_MAX_RESPONSE_BYTES` and the User-Agent of :func:`default_user_agent`.
    mask
        Applied to the URL and to any exception or answer text before a log line or an error
        shows it; pass a stronger one than :func:`redact` when the whole URL is a secret.
    timeout, retries, backoff, max_wait
        As for :func:`get_json` [s, -, s, s].

    Returns
    -------
    requests.Response
        The accepted answer (status below 400).

    Raises
    ------
    FeedError
        As for :func:`get_json`, with the URL as ``mask`` shows it.
    TypeError, ValueError
        ``payload`` is not JSON (NaN, or a type JSON has no form for), ``session`` caches, or
        ``timeout`` is not valid.
    """
    timeout = check_timeout(timeout)
    if isinstance(session, CacheMixin):
        raise TypeError("post_json needs a plain requests.Session: a POST is never cached")
    body = json.dumps(payload, allow_nan=False, ensure_ascii=False).encode("utf-8")
    own = session is None
    if session is None:
        session = _fit(requests.Session(), lambda _: DEFAULT_MAX_RESPONSE_BYTES, None)
    try:
        return _send(
            session,
            "POST",
            url,
            feed=feed,
            shown=mask(url),
            mask=mask,
            policy=(timeout, retries, backoff, max_wait),
            data=body,
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
    finally:
        if own:
            session.close()


def _send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    feed: str,
    shown: str,
    mask: Callable[[str], str],
    policy: tuple[tuple[float, float], int, float, float],
    **request: Any,
) -> requests.Response:
    """The one retry loop: send until an answer that is not retried, or give up with a
    :class:`FeedError` (see the module docstring for the policy).

    ``shown`` is the URL as messages name it; ``mask`` cleans any other text they quote;
    ``policy`` is ``(timeout, retries, backoff, max_wait)``; ``request`` goes to
    :meth:`requests.Session.request`.
    """
    timeout, retries, backoff, max_wait = policy
    cache = session if isinstance(session, CacheMixin) else None
    offline = cache is not None and bool(cache.settings.only_if_cached)
    what = f"{method} {shown}"
    attempts = retries + 1
    for attempt in range(attempts):
        last = attempt == attempts - 1
        try:
            response = session.request(method, url, timeout=timeout, **request)
        except requests.Timeout as exc:
            kind = "connect" if isinstance(exc, requests.ConnectTimeout) else "read"
            limit = timeout[0] if kind == "connect" else timeout[1]
            problem = f"no answer within the {kind} timeout of {limit:g} s"
            if last:
                raise FeedError(feed, f"{problem} for {what} ({_tries(attempts)})") from None
            _wait(_backoff(backoff, attempt, max_wait), feed, problem)
            continue
        except ResponseTooLarge as exc:
            size = "" if exc.declared is None else f" (Content-Length {exc.declared:,} bytes)"
            raise FeedError(
                feed,
                f"the answer to {what} is larger than the {megabytes(exc.limit)} limit"
                f"{size}; it was not cached",
            ) from None
        except requests.ConnectionError as exc:
            problem = f"could not connect: {mask(str(exc))}"
            if last:
                raise FeedError(feed, f"{problem} for {what} ({_tries(attempts)})") from None
            _wait(_backoff(backoff, attempt, max_wait), feed, "connection error")
            continue
        except requests.RequestException as exc:
            raise FeedError(feed, f"request failed for {what}: {mask(str(exc))}") from None

        status = response.status_code
        from_cache = bool(getattr(response, "from_cache", False))
        logger.debug("%s: %s -> %s (from cache: %s)", feed, what, status, from_cache)
        if cache is not None and offline and status == 504 and from_cache:
            where = getattr(cache.cache, "db_path", "the in-memory cache")
            raise FeedError(
                feed,
                f"offline and not in the HTTP cache ({where}): {what}; "
                "run once online to fill the cache",
            )
        problem = f"HTTP {status} {mask(str(response.reason))}"  # a reason is the server's text
        if status in _RETRY_STATUS:
            if last:
                detail = _error_detail(response, mask)
                raise FeedError(feed, f"{problem} for {what} ({_tries(attempts)}){detail}")
            asked = _retry_after_seconds(response.headers.get("Retry-After"))
            if asked is not None and asked > max_wait:
                raise FeedError(
                    feed,
                    f"{problem} for {what}: server asks to retry after {asked:.0f} s, "
                    f"more than max_wait {max_wait:g} s",
                )
            wait = asked if asked is not None else _backoff(backoff, attempt, max_wait)
            _wait(wait, feed, problem)
            continue
        if status >= 400:
            detail = _error_detail(response, mask)
            raise FeedError(feed, f"{problem} for {what}{detail}")
        return response
    raise AssertionError("unreachable: the retry loop returns or raises")  # pragma: no cover


def response_cap(url: str) -> int:
    """The size cap of an answer from ``url`` [B]: the first :data:`MAX_RESPONSE_BYTES` pattern
    found in it, else :data:`DEFAULT_MAX_RESPONSE_BYTES`."""
    for pattern, limit in MAX_RESPONSE_BYTES.items():
        if pattern.search(url):
            return limit
    return DEFAULT_MAX_RESPONSE_BYTES


def forget(
    session: requests.Session, url: str, params: Mapping[str, str | int | float] | None = None
) -> None:
    """Drop the cached answer for ``GET url?params``, if any.

    Clients call this when a payload that decoded fine fails to parse, so a bad answer is not
    served from the cache again (for archives, forever). On an SQLite cache the answer it
    replaced, if any, is put back.

    Parameters
    ----------
    session
        The session holding the cache; a plain ``requests.Session`` is a no-op.
    url, params
        The request exactly as given to :func:`get_json`.
    """
    if not isinstance(session, CacheMixin):
        return
    request = session.prepare_request(requests.Request("GET", url, params=params))
    if isinstance(session, CheckedSession):
        session.forget(session.cache.create_key(request))
    else:
        session.cache.delete(requests=[request])
    logger.debug("dropped cached answer for GET %s", redact(request.url or url))


def forget_response(session: requests.Session, response: requests.Response) -> None:
    """Drop a cached answer by the response the session gave for it, if it was cached.

    Callers use it when an answer that decoded fine is still unusable (malformed, or a weather
    answer with too many missing hours), so no later run is served it from the cache. The
    answer it replaced under the same key, if any, is put back (on an SQLite cache).

    Parameters
    ----------
    session
        The session that gave ``response``; a plain ``requests.Session`` is a no-op.
    response
        A response from that session.
    """
    key = getattr(response, "cache_key", None)
    if isinstance(session, CheckedSession) and key:
        session.forget(key)
    elif isinstance(session, CacheMixin) and key:
        session.cache.delete(key)
        logger.debug("dropped cached answer %s", key)


def _fit(
    session: requests.Session, limit_for: Callable[[str], int], user_agent: str | None
) -> requests.Session:
    """``session`` with the size-capped transport and the User-Agent (default
    :func:`default_user_agent`)."""
    adapter = CappedAdapter(limit_for)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = user_agent or default_user_agent()
    return session


def _backoff(backoff: float, attempt: int, max_wait: float) -> float:
    return float(min(max_wait, backoff * 2.0**attempt))


def _wait(seconds: float, feed: str, problem: str) -> None:
    logger.debug("%s: %s; retrying in %.1f s", feed, problem, seconds)
    _sleep(seconds)


def _tries(attempts: int) -> str:
    return "1 attempt" if attempts == 1 else f"{attempts} attempts"


def _retry_after_seconds(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delay in seconds or an HTTP-date)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        logger.debug("ignoring unreadable Retry-After %r", value)
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - _utcnow()).total_seconds())


def _error_detail(response: requests.Response, mask: Callable[[str], str]) -> str:
    """The provider's own explanation, if the error body carries one (Open-Meteo, NWS), on one
    line; masked before it is cut short, so no part of a secret survives the cut."""
    try:
        body = response.json()
    except ValueError:
        text = _one_line(mask(response.text))
        return f": {text[:200]}" if text else ""
    if isinstance(body, dict):
        for key in ("reason", "detail", "title", "message", "error"):
            if isinstance(body.get(key), str) and body[key].strip():
                return f": {_one_line(mask(body[key]))[:300]}"
    return ""


def _one_line(text: str) -> str:
    return " ".join(text.split())
