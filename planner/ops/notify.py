"""Risk notifications of the scheduled job: which thresholds a run crossed, and a webhook.

- :func:`risk_alerts` (pure): the run's KPIs and the weather alerts against :class:`Thresholds`
  -> a list of :class:`RiskAlert` (hashrate at risk above a probability, planned curtailment
  above an energy, a severe weather alert at a site).
- :func:`webhook_payload`: the JSON body for those alerts (with a ``text`` line, so chat
  incoming-webhooks show something readable as they are).
- :func:`send_webhook`: POST JSON to a URL through :func:`weather.http.post_json`, the one HTTP
  client and its one policy (timeouts; retries on 5xx, 429, timeouts and dropped connections
  with a doubling backoff; ``Retry-After`` honoured); a final failure is one
  :class:`~planner.errors.JobError` line with everything after the URL's host masked
  (:func:`redact_url`), as in every log line the client writes.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pandas as pd
import requests
from pydantic import ConfigDict, Field

from planner.errors import ConfigError, FeedError, JobError
from planner.inputs import check_url
from planner.settings import Array, Number, Settings
from weather.http import check_timeout, post_json, redact
from weather.schema import validate

__all__ = [
    "HASHRATE_AT_RISK_KPI",
    "PLANNED_CURTAILMENT_KPI",
    "RiskAlert",
    "RiskKind",
    "Thresholds",
    "redact_url",
    "risk_alerts",
    "send_webhook",
    "webhook_payload",
]

#: KPI key: probability that fleet hashrate falls below its floor during the horizon [-], the
#: ``probability_below`` of :func:`planner.engine.metrics.hashrate_at_risk` for the chosen strategy.
HASHRATE_AT_RISK_KPI = "hashrate_at_risk_probability"
#: KPI key: energy the plan curtails over the horizon [MWh].
PLANNED_CURTAILMENT_KPI = "planned_curtailment_mwh"

#: Default ``(connect, read)`` timeouts of a webhook POST [s].
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 10.0)
#: Default retries after the first attempt [-].
DEFAULT_RETRIES = 2
#: First wait between attempts [s]; doubles each retry.
DEFAULT_BACKOFF_S = 0.5
#: Longest single wait, also the largest ``Retry-After`` honoured [s]: a server asking for
#: more fails the POST at once.
MAX_WAIT_S = 30.0


class RiskKind(StrEnum):
    """What a :class:`RiskAlert` is about."""

    HASHRATE_AT_RISK = "hashrate_at_risk"
    PLANNED_CURTAILMENT = "planned_curtailment"
    SEVERE_WEATHER = "severe_weather_alert"


class Thresholds(Settings):
    """When the job notifies. ``None`` switches a check off.

    :meth:`~planner.settings.Settings.from_mapping` reads a config table (``[notify.thresholds]``).

    Attributes
    ----------
    hashrate_at_risk_max
        Notify when :data:`HASHRATE_AT_RISK_KPI` is strictly above this probability [-],
        0 .. 1.
    planned_curtailment_mwh_max
        Notify when :data:`PLANNED_CURTAILMENT_KPI` is strictly above this energy [MWh], >= 0.
    notify_on_severe_alert
        Notify for every site with a weather alert whose severity is in ``severe_levels``.
    severe_levels
        Severities that count as severe, compared case-insensitively (CAP: ``Extreme``,
        ``Severe``, ``Moderate``, ``Minor``, ``Unknown``).
    """

    model_config = ConfigDict(title="thresholds")

    hashrate_at_risk_max: Number | None = Field(None, ge=0, le=1)
    planned_curtailment_mwh_max: Number | None = Field(None, ge=0)
    notify_on_severe_alert: bool = True
    severe_levels: Annotated[tuple[Annotated[str, Field(min_length=1)], ...], Array] = (
        "Extreme",
        "Severe",
    )


@dataclass(frozen=True)
class RiskAlert:
    """One threshold a run crossed.

    Attributes
    ----------
    kind
        :class:`RiskKind`.
    message
        One line for humans.
    value, threshold
        The KPI and its limit (units of the KPI: [-] or [MWh]); ``None`` for weather alerts.
    site_id
        The site of a weather alert; ``None`` for fleet-wide KPIs.
    severity
        The worst severity among the site's alerts (weather alerts only).
    event_kinds
        Distinct alert kinds at the site (``Winter Storm Warning``...), sorted.
    source_ids
        Ids of the alerts, for following up at the source.
    start, end
        Earliest start and latest end of the site's alerts, tz-aware UTC; ``end`` is ``None``
        when an alert has no end.
    """

    kind: RiskKind
    message: str
    value: float | None = None
    threshold: float | None = None
    site_id: str | None = None
    severity: str | None = None
    event_kinds: tuple[str, ...] = ()
    source_ids: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (times as ISO 8601 UTC with ``Z``)."""
        return {
            "kind": self.kind.value,
            "message": self.message,
            "value": self.value,
            "threshold": self.threshold,
            "site_id": self.site_id,
            "severity": self.severity,
            "event_kinds": list(self.event_kinds),
            "source_ids": list(self.source_ids),
            "start": _iso(self.start),
            "end": _iso(self.end),
        }


def risk_alerts(
    kpis: Mapping[str, float],
    alerts: pd.DataFrame,
    thresholds: Thresholds,
    *,
    window: tuple[datetime, datetime] | None = None,
) -> list[RiskAlert]:
    """The thresholds a run crossed.

    Parameters
    ----------
    kpis
        The run's KPIs; the keys :data:`HASHRATE_AT_RISK_KPI` [-] and
        :data:`PLANNED_CURTAILMENT_KPI` [MWh] are read when their threshold is set.
    alerts
        Canonical event table (``start``, ``end``, ``site_id``, ``kind``, ``severity``,
        ``source``, ``source_id``), e.g. NWS alerts; may be empty.
    thresholds
        The limits.
    window
        ``(start, end)`` of the planning horizon, tz-aware; if given only alerts overlapping
        it count (an alert without an end is open).

    Returns
    -------
    list of RiskAlert
        Hashrate at risk first, then planned curtailment, then one weather alert per site
        (sites sorted). Empty when nothing crossed.

    Raises
    ------
    planner.errors.JobError
        A KPI whose threshold is set is missing or not a finite number.
    planner.errors.FeedError
        ``alerts`` is not a canonical event table.
    """
    out: list[RiskAlert] = []
    p_max = thresholds.hashrate_at_risk_max
    if p_max is not None:
        p = _kpi(kpis, HASHRATE_AT_RISK_KPI, "hashrate_at_risk_max")
        if p > p_max:
            out.append(
                RiskAlert(
                    kind=RiskKind.HASHRATE_AT_RISK,
                    message=(
                        f"hashrate at risk {p:.1%} is above the {p_max:.1%} threshold "
                        "(chance the fleet falls below its hashrate floor)"
                    ),
                    value=p,
                    threshold=float(p_max),
                )
            )
    e_max = thresholds.planned_curtailment_mwh_max
    if e_max is not None:
        e = _kpi(kpis, PLANNED_CURTAILMENT_KPI, "planned_curtailment_mwh_max")
        if e > e_max:
            out.append(
                RiskAlert(
                    kind=RiskKind.PLANNED_CURTAILMENT,
                    message=(
                        f"planned curtailment {e:,.1f} MWh is above the {e_max:,.1f} MWh threshold"
                    ),
                    value=e,
                    threshold=float(e_max),
                )
            )
    if thresholds.notify_on_severe_alert:
        out.extend(_severe_site_alerts(alerts, thresholds.severe_levels, window))
    return out


def webhook_payload(
    alerts: Sequence[RiskAlert],
    *,
    run_id: str,
    kpis: Mapping[str, float] | None = None,
    artifacts: Mapping[str, str | os.PathLike[str]] | None = None,
    summary: Sequence[str] = (),
) -> dict[str, Any]:
    """The JSON body announcing a run's risk alerts.

    Parameters
    ----------
    alerts
        From :func:`risk_alerts`.
    run_id
        The run in the history (:class:`planner.ops.store.RunStore`).
    kpis, artifacts
        Optional extras to include (KPI values; artifact name -> path).
    summary
        The executive summary's lines (:func:`planner.ops.report.summary_lines`): the
        recommendation, its worth against the current rule, the bad case and the next actions.

    Returns
    -------
    dict
        ``source``, ``run_id``, ``text`` (one summary line, ending with the expected profit incl.
        after horizon and inside it when ``kpis`` carry them), ``alerts`` (list of
        :meth:`RiskAlert.to_json`), ``summary`` (its lines, also appended to ``text`` one per
        line), plus ``kpis``/``artifacts`` if given. Non-finite KPI values
        become ``null`` (JSON has no NaN).
    """
    n = len(alerts)
    lines = [str(line) for line in summary]
    crossed = "; ".join(a.message for a in alerts) if alerts else "no thresholds crossed"
    body: dict[str, Any] = {
        "source": "mining-fleet-planner",
        "run_id": run_id,
        "text": f"mining-fleet-planner run {run_id}: {n} risk alert{'s' if n != 1 else ''}: "
        f"{crossed}{_headline(kpis or {})}" + "".join(f"\n{line}" for line in lines),
        "alerts": [a.to_json() for a in alerts],
        "summary": list(lines),
    }
    if kpis is not None:
        body["kpis"] = {str(k): _finite_or_none(float(v)) for k, v in kpis.items()}
    if artifacts is not None:
        body["artifacts"] = {str(k): os.fspath(v) for k, v in artifacts.items()}
    return body


def _headline(kpis: Mapping[str, float]) -> str:
    """`` (expected profit incl. after horizon $X, in horizon $Y)`` when the KPIs carry them."""
    full = kpis.get("expected_profit_incl_after_horizon_usd")
    inside = kpis.get("expected_profit_usd")
    if full is None or not math.isfinite(full):
        return ""
    tail = f", in horizon ${inside:,.0f}" if inside is not None and math.isfinite(inside) else ""
    return f" (expected profit incl. after horizon ${full:,.0f}{tail})"


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
    if not (_is_number(backoff_s) and backoff_s >= 0):
        raise ConfigError("webhook backoff_s", f"must be >= 0 s, got {backoff_s!r}")
    try:
        timeout = check_timeout(timeout)
    except ValueError as exc:
        raise ConfigError("webhook timeout", str(exc)) from None
    try:
        body = _jsonable(payload)
    except (TypeError, ValueError) as exc:
        raise JobError(f"webhook POST {shown}: payload is not JSON ({exc})") from None
    try:
        response = post_json(
            url,
            body,
            feed="webhook",
            session=session,
            mask=lambda text: _scrub(text, url),
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


# -- helpers -----------------------------------------------------------------------------------


def _scrub(text: str, url: str) -> str:
    """``text`` (a URL, an exception or a response excerpt) on one line, with every part of
    ``url`` after its host masked: the URL itself becomes :func:`redact_url`'s form; its path,
    query, query values, credentials and path segments of token length (8 characters or more)
    become ``…``."""
    text = text.replace(url, redact_url(url))
    try:
        parts = urlsplit(url)
        credentials = [parts.username or "", parts.password or ""]
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
    ]
    # Long enough not to mask ordinary characters; longest first so a piece is masked whole.
    for piece in sorted({p for p in pieces if len(p) >= 4}, key=len, reverse=True):
        text = text.replace(piece, "…")
    return " ".join(redact(text).split())


def _severe_site_alerts(
    alerts: pd.DataFrame,
    severe_levels: Sequence[str],
    window: tuple[datetime, datetime] | None,
) -> list[RiskAlert]:
    validate(alerts, "events", "alerts")
    if alerts.empty:
        return []
    rank = {level.casefold(): i for i, level in enumerate(severe_levels)}
    severity = alerts["severity"].astype("string").str.strip().str.casefold()
    keep = severity.isin(list(rank)).fillna(False).to_numpy(dtype=bool)
    if window is not None:
        lo, hi = (pd.Timestamp(t) for t in window)
        if lo.tzinfo is None or hi.tzinfo is None:
            raise ConfigError("window", "start and end must be tz-aware")
        overlaps = (alerts["start"] < hi) & (alerts["end"].isna() | (alerts["end"] > lo))
        keep = keep & overlaps.to_numpy(dtype=bool)
    severe = alerts.loc[keep]
    out: list[RiskAlert] = []
    for site_id, group in severe.groupby("site_id", sort=True):
        levels = group["severity"].astype(str).str.strip()
        worst = min(levels, key=lambda s: rank[s.casefold()])
        kinds = tuple(sorted({str(k) for k in group["kind"].dropna()}))
        start = group["start"].min().to_pydatetime()
        end = None if group["end"].isna().any() else group["end"].max().to_pydatetime()
        until = f"until {_iso(end)}" if end is not None else "with no end given"
        out.append(
            RiskAlert(
                kind=RiskKind.SEVERE_WEATHER,
                message=(
                    f"{worst.lower()} weather alert at site {site_id}: "
                    f"{', '.join(kinds) or 'unnamed alert'} from {_iso(start)} {until}"
                ),
                site_id=str(site_id),
                severity=worst,
                event_kinds=kinds,
                source_ids=tuple(str(s) for s in group["source_id"].dropna()),
                start=start,
                end=end,
            )
        )
    return out


def _kpi(kpis: Mapping[str, float], key: str, threshold: str) -> float:
    if key not in kpis:
        raise JobError(
            f"risk alerts: the run's KPIs lack {key!r}, needed by {threshold}; have {sorted(kpis)}"
        )
    value = kpis[key]
    if not (_is_number(value) and math.isfinite(value)):
        raise JobError(f"risk alerts: KPI {key!r} must be a finite number, got {value!r}")
    return float(value)


def _is_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    try:
        float(value)  # type: ignore[arg-type]  # any real number, numpy scalars included
    except (TypeError, ValueError):
        return False
    return True


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _jsonable(obj: object) -> object:
    """Plain JSON values: datetimes to ISO strings, numpy scalars to Python, NaN to ``None``."""
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, datetime):
        return _iso(obj)
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if isinstance(obj, StrEnum):
        return obj.value
    if isinstance(obj, bool | int | str) or obj is None:
        return obj
    if isinstance(obj, float):
        return _finite_or_none(obj)
    item = getattr(obj, "item", None)  # numpy scalars
    if callable(item) and getattr(obj, "shape", None) == ():
        return _jsonable(item())
    raise TypeError(f"{type(obj).__name__} is not JSON-serialisable")


def _iso(t: datetime | None) -> str | None:
    if t is None:
        return None
    if t.tzinfo is None:
        raise ValueError(f"naive datetime {t.isoformat()} (give a tz-aware time)")
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
