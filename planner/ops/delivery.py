"""How a notification reaches people: the plain webhook, and notification URLs through apprise.

- :func:`send_webhook`: POST the JSON payload (:func:`planner.ops.notify.webhook_payload`) to a
  URL through :func:`weather.http.post_json`, the one HTTP client and its one policy (timeouts;
  retries on 5xx, 429, timeouts and dropped connections with a doubling backoff;
  ``Retry-After`` honoured); a final failure is one :class:`~planner.errors.JobError` line with
  everything after the URL's host masked (:func:`redact_url`), as in every log line the client
  writes.
- :func:`send_to_channels`: the same alert as a message (:func:`channel_message`) to each
  notification URL, through `apprise <https://github.com/caronc/apprise>`_: ``slack://``,
  ``msteams://`` (or ``workflows://``), ``mailto://``, ``pagerduty://``, ``tgram://``,
  ``json://``... (:func:`check_channel_urls` refuses one apprise does not know). Each URL is
  tried on its own, so one failing channel neither hides nor stops the others.

Secrets: a webhook's path and query, and any part of a notification URL (in ``slack://A/B/C``
the "host" is a token), can be the secret. Messages, log lines and files name a URL by
:func:`redact_url` or :func:`channel_name` only; while a notification is sent, every record
apprise's and urllib3's loggers write (urllib3 logs the request path and query) passes through
:func:`mask_url_secrets` for every URL in play.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import requests

from planner.errors import ConfigError, FeedError, JobError, PlannerError
from planner.inputs import check_number, check_url
from planner.ops.notify import finite_or_none, iso_utc
from weather.http import check_timeout, post_json, redact

__all__ = [
    "DEFAULT_BACKOFF_S",
    "DEFAULT_RETRIES",
    "DEFAULT_TIMEOUT",
    "HOST_SCHEMES",
    "MAX_WAIT_S",
    "ChannelResult",
    "channel_message",
    "channel_name",
    "check_channel_urls",
    "deliver",
    "mask_channel_secrets",
    "mask_url_secrets",
    "redact_url",
    "send_to_channels",
    "send_webhook",
]

#: Default ``(connect, read)`` timeouts of a webhook POST [s].
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 10.0)
#: Default retries after the first attempt [-].
DEFAULT_RETRIES = 2
#: First wait between attempts [s]; doubles each retry.
DEFAULT_BACKOFF_S = 0.5
#: Longest single wait, also the largest ``Retry-After`` honoured [s]: a server asking for
#: more fails the POST at once.
MAX_WAIT_S = 30.0


def send_webhook(
    url: str,
    payload: Mapping[str, Any],
    *,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    backoff_s: float = DEFAULT_BACKOFF_S,
    session: requests.Session | None = None,
) -> int:
    """POST ``payload`` as JSON to ``url``, retrying transient failures.

    The POST goes through :func:`weather.http.post_json`: the planner's one HTTP policy, with
    everything after the URL's host masked in its log lines and errors (:func:`redact_url`).

    Parameters
    ----------
    url
        ``http(s)://`` endpoint from the job config; may carry a secret in its path or query.
    payload
        JSON-serialisable mapping (datetimes become ISO 8601 UTC; NaN and infinities ``null``).
    timeout
        Seconds, or ``(connect, read)`` seconds [s].
    retries
        Attempts after the first, >= 0. Retried: HTTP 5xx and 429, timeouts, connection errors.
        Other 4xx fail at once.
    backoff_s
        First wait [s], doubled each retry and capped at :data:`MAX_WAIT_S`; a ``Retry-After``
        (seconds or HTTP-date) wins, and one beyond :data:`MAX_WAIT_S` fails at once.
    session
        A plain :class:`requests.Session` to use (default: a new one for this POST).

    Returns
    -------
    int
        The HTTP status of the accepted answer.

    Raises
    ------
    planner.errors.ConfigError
        ``url`` is not http(s), or ``retries``/``backoff_s``/``timeout`` out of range.
    planner.errors.JobError
        The last attempt failed: one line with the masked URL, the status or error, and the
        number of attempts.
    """
    check_url(url, "webhook url")
    shown = redact_url(url)
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ConfigError("webhook retries", f"must be an integer >= 0, got {retries!r}")
    check_number(backoff_s, "webhook backoff_s", 0.0)
    try:
        timeout = check_timeout(timeout)
    except ValueError as exc:
        raise ConfigError("webhook timeout", str(exc)) from None
    try:
        body = _jsonable(payload)
    except (TypeError, ValueError) as exc:
        raise JobError(f"webhook POST {shown}: payload is not JSON ({exc})") from None
    try:
        with _masked_logs((url,), mask=lambda text: mask_url_secrets(text, url)):
            response = post_json(
                url,
                body,
                feed="webhook",
                session=session,
                mask=lambda text: mask_url_secrets(text, url),
                timeout=timeout,
                retries=retries,
                backoff=backoff_s,
                max_wait=MAX_WAIT_S,
            )
    except FeedError as exc:
        raise JobError(str(exc)) from None
    return response.status_code


def redact_url(url: str) -> str:
    """``url`` as ``scheme://host/…``: the webhook's path, query and credentials can all be the
    secret (``https://hooks.slack.com/services/T/B/SECRET``), so everything after the host goes.

    Every message, log line and file that names a webhook uses this one function.

    Parameters
    ----------
    url
        The webhook URL.

    Returns
    -------
    str
        e.g. ``https://hooks.slack.com/…``; for text that is no URL at all, ``…``.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return "…"
    if not parts.scheme or not host:
        return "…"
    host = f"[{host}]" if ":" in host else host  # an IPv6 address
    netloc = host if port is None else f"{host}:{port}"
    return f"{parts.scheme}://{netloc}/…"


# -- notification URLs (apprise) ---------------------------------------------------------------

#: Notification URL schemes whose host is a server address, shown in :func:`channel_name`; in
#: every other scheme the "host" can be a token (``slack://TokenA/TokenB/TokenC``).
HOST_SCHEMES = frozenset({"json", "jsons", "form", "forms", "xml", "xmls"})
#: Loggers whose records are masked while apprise works: its own, and urllib3's (request paths).
LIBRARY_LOGGERS: tuple[str, ...] = ("apprise", "urllib3")


def channel_name(url: str) -> str:
    """How every message, log line and file names a notification URL.

    Parameters
    ----------
    url
        An apprise notification URL.

    Returns
    -------
    str
        ``json://127.0.0.1:8080/…`` for the schemes of :data:`HOST_SCHEMES` (the host is a
        server), ``slack://…`` for the others, ``…`` for text that is no URL.
    """
    scheme = _scheme(url)
    if not scheme:
        return "…"
    return redact_url(url) if scheme in HOST_SCHEMES else f"{scheme}://…"


def mask_channel_secrets(text: str, url: str) -> str:
    """``text`` with every part of the notification URL ``url`` masked (its host too, unless
    the scheme is one of :data:`HOST_SCHEMES`); see :func:`mask_url_secrets`."""
    return mask_url_secrets(
        text, url, shown=channel_name(url), host_is_secret=_scheme(url) not in HOST_SCHEMES
    )


def check_channel_urls(urls: Sequence[str], source: str = "notify.urls") -> tuple[str, ...]:
    """The notification URLs, each one apprise knows how to send to.

    Parameters
    ----------
    urls
        apprise URLs (``slack://...``, ``msteams://...``, ``mailto://...``, ``json://...``).
    source
        What to name in the error (the config key or the environment variable).

    Returns
    -------
    tuple of str
        ``urls``, stripped.

    Raises
    ------
    ConfigError
        One line per URL apprise cannot use, naming its position and its masked form (never
        the URL itself: it may be a secret).
    """
    apprise = _apprise()
    problems = []
    cleaned = tuple(str(u).strip() for u in urls)
    with _masked_logs(cleaned):
        for i, url in enumerate(cleaned):
            if not apprise.Apprise().add(url):
                problems.append(
                    f"[{i}]: not a notification URL apprise can send to, got {channel_name(url)} "
                    "(e.g. slack://TokenA/TokenB/TokenC, msteams://..., mailto://user:pass@host, "
                    "json://host/path; see the apprise documentation)"
                )
    if problems:
        raise ConfigError(source, problems)
    return cleaned


def channel_message(payload: Mapping[str, Any]) -> tuple[str, str]:
    """The webhook payload as a title and a plain-text body for people.

    Parameters
    ----------
    payload
        :func:`planner.ops.notify.webhook_payload`'s body.

    Returns
    -------
    tuple of str
        ``(title, body)``: the title names the run and the number of alerts; the body is the
        summary line, one line per alert, when the job notifies (``thresholds``) and the
        report's path.
    """
    alerts = list(payload.get("alerts", []))
    n = len(alerts)
    title = (
        f"Mining fleet planner: {n} risk alert{'s' if n != 1 else ''} "
        f"(run {payload.get('run_id', '?')})"
    )
    lines = [str(payload.get("text", ""))]
    if alerts:
        lines += ["", "Alerts:", *(f"- {a['message']}" for a in alerts)]
    if payload.get("thresholds"):
        lines += ["", "Why you got this (the job's alert thresholds):"]
        lines += [f"- {line}" for line in payload["thresholds"]]
    report = (payload.get("artifacts") or {}).get("report")
    if report:
        lines += ["", f"Report: {os.fspath(report)}"]
    return title, "\n".join(lines).strip()


@dataclass(frozen=True)
class ChannelResult:
    """How sending to one notification URL went.

    Attributes
    ----------
    channel
        The URL as :func:`channel_name` shows it.
    sent
        Whether the service accepted the message.
    detail
        Why not, in apprise's words with every secret masked; ``""`` when sent.
    """

    channel: str
    sent: bool
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"channel": self.channel, "sent": self.sent, "detail": self.detail}


def send_to_channels(urls: Sequence[str], title: str, body: str) -> list[ChannelResult]:
    """Send one message to every notification URL, each on its own.

    Parameters
    ----------
    urls
        apprise URLs (:func:`check_channel_urls`).
    title, body
        The message (:func:`channel_message`), plain text.

    Returns
    -------
    list of ChannelResult
        One per URL, in order. A failure never raises: it is the result's ``detail``.
    """
    apprise = _apprise()
    out = []
    with _masked_logs(urls) as heard:
        for url in urls:
            heard.clear()
            notifier = apprise.Apprise()
            if not notifier.add(url):
                out.append(ChannelResult(channel_name(url), False, "not a notification URL"))
                continue
            try:
                sent = bool(notifier.notify(body=body, title=title, notify_type="warning"))
            except Exception as exc:  # a plugin's bug is this channel's failure, not the run's
                heard.append(mask_channel_secrets(f"{type(exc).__name__}: {exc}", url))
                sent = False
            detail = "" if sent else "; ".join(heard) or "the service did not accept it"
            out.append(ChannelResult(channel_name(url), sent, detail))
    return out


def deliver(
    payload: Mapping[str, Any], *, webhook_url: str | None, channels: Sequence[str]
) -> tuple[str, list[dict[str, Any]]]:
    """Send ``payload`` to the webhook (as JSON) and to every notification URL (as a message).

    Parameters
    ----------
    payload
        :func:`planner.ops.notify.webhook_payload`'s body.
    webhook_url
        The plain webhook, ``None`` for none.
    channels
        Notification URLs (:func:`check_channel_urls`).

    Returns
    -------
    tuple
        ``("sent" | "failed: <why, secrets masked>", [ChannelResult.to_json(), ...])``; no
        failure raises.
    """
    failures = []
    if webhook_url is not None:
        try:
            send_webhook(webhook_url, payload)
        except PlannerError as exc:
            failures.append(str(exc))
    results = send_to_channels(channels, *channel_message(payload)) if channels else []
    failures += [f"{r.channel}: {r.detail}" for r in results if not r.sent]
    status = f"failed: {'; '.join(failures)}" if failures else "sent"
    return status, [r.to_json() for r in results]


class _MaskingFilter(logging.Filter):
    """Masks every URL's secrets in each record; keeps the warnings and errors it saw."""

    def __init__(self, urls: Sequence[str], mask: Callable[[str], str] | None = None) -> None:
        super().__init__()
        self.urls = tuple(urls)
        self.custom = mask
        self.heard: list[str] = []

    def mask(self, text: str) -> str:
        if self.custom is not None:
            return self.custom(text)
        for url in self.urls:
            text = mask_channel_secrets(text, url)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.mask(record.getMessage()), None
        if record.exc_info:
            trace = logging.Formatter().formatException(record.exc_info)
            record.exc_text = "\n".join(self.mask(line) for line in trace.splitlines())
        if record.levelno >= logging.WARNING:
            self.heard.append(record.msg)
        return True


@contextmanager
def _masked_logs(
    urls: Sequence[str], mask: Callable[[str], str] | None = None
) -> Iterator[list[str]]:
    """While inside, every record of :data:`LIBRARY_LOGGERS` is masked (by ``mask``, default
    :func:`mask_channel_secrets` for each URL); yields the warnings and errors heard (a list the
    caller may clear)."""
    masking = _MaskingFilter(urls, mask)
    loggers = [logging.getLogger(name) for name in LIBRARY_LOGGERS]
    # A logger's filter sees only the records made on that logger, not its children's.
    loggers += [logging.getLogger(n) for n in ("urllib3.connectionpool", "urllib3.util.retry")]
    for logger in loggers:
        logger.addFilter(masking)
    try:
        yield masking.heard
    finally:
        for logger in loggers:
            logger.removeFilter(masking)


def _apprise() -> Any:
    """The apprise module, imported when first needed: it loads some 190 plugins (~0.5 s)."""
    import apprise

    return apprise


def _scheme(url: str) -> str:
    head, sep, _ = url.partition("://")
    return head.lower() if sep and head.isalnum() else ""


# -- helpers -----------------------------------------------------------------------------------


def mask_url_secrets(
    text: str, url: str, *, shown: str | None = None, host_is_secret: bool = False
) -> str:
    """``text`` (a URL, an exception, a log line or a response excerpt) on one line, with every
    part of ``url`` after its host masked.

    The URL itself becomes ``shown`` (default :func:`redact_url`'s form); its path, query, query
    values, credentials and path segments of token length (8 characters or more) become ``…``,
    and so do the key-like query values of :func:`weather.redaction.redact`.

    Parameters
    ----------
    text
        What to mask.
    url
        The URL whose secrets must not show.
    shown
        What the URL itself becomes.
    host_is_secret
        Mask the host too: in notification URLs such as ``slack://TokenA/TokenB/TokenC`` the
        "host" is a token.

    Returns
    -------
    str
    """
    text = text.replace(url, redact_url(url) if shown is None else shown)
    try:
        parts = urlsplit(url)
        credentials = [parts.username or "", parts.password or ""]
        host = parts.hostname or ""
    except ValueError:
        return " ".join(redact(text).split())
    segments = [s for s in parts.path.split("/") if len(s) >= 8]
    pieces = [
        f"{parts.path}?{parts.query}",
        parts.path,
        parts.query,
        *credentials,
        *(v for _, v in parse_qsl(parts.query)),
        *segments,
        *(unquote(s) for s in segments),
        *((host, parts.netloc) if host_is_secret else ()),
    ]
    # Long enough not to mask ordinary characters; longest first so a piece is masked whole.
    for piece in sorted({p for p in pieces if len(p) >= 4}, key=len, reverse=True):
        text = text.replace(piece, "…")
    return " ".join(redact(text).split())


# -- helpers-------------------------------------------------------------------------------------


def _jsonable(obj: object) -> object:
    """Plain JSON values: datetimes to ISO strings, numpy scalars to Python, NaN to ``None``."""
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, datetime):
        return iso_utc(obj)
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if isinstance(obj, StrEnum):
        return obj.value
    if isinstance(obj, bool | int | str) or obj is None:
        return obj
    if isinstance(obj, float):
        return finite_or_none(obj)
    item = getattr(obj, "item", None)  # numpy scalars
    if callable(item) and getattr(obj, "shape", None) == ():
        return _jsonable(item())
    raise TypeError(f"{type(obj).__name__} is not JSON-serialisable")
