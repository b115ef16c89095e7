"""Risk notifications of the scheduled job: which thresholds a run crossed, and what to say.

- :func:`risk_alerts` (pure): the run's KPIs and the weather alerts against :class:`Thresholds`
  -> a list of :class:`RiskAlert` (hashrate at risk above a probability, planned curtailment
  above an energy, a severe weather alert at a site).
- :func:`explain_thresholds`: when the job notifies, in words, with the run's values.
- :func:`webhook_payload`: the JSON body for those alerts (with a ``text`` line, so chat
  incoming-webhooks show something readable as they are).

:mod:`planner.ops.delivery` sends it: the plain webhook POST, and Slack, Teams, e-mail... by
notification URL.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

import pandas as pd
from pydantic import ConfigDict, Field

from planner.errors import ConfigError, JobError
from planner.settings import Array, Number, Settings
from weather.schema import validate

__all__ = [
    "HASHRATE_AT_RISK_KPI",
    "PLANNED_CURTAILMENT_KPI",
    "RiskAlert",
    "RiskKind",
    "Thresholds",
    "explain_thresholds",
    "finite_or_none",
    "iso_utc",
    "risk_alerts",
    "webhook_payload",
]

#: KPI key: probability that fleet hashrate falls below its floor during the horizon [-], the
#: ``probability_below`` of :func:`planner.engine.metrics.hashrate_at_risk` for the chosen strategy.
HASHRATE_AT_RISK_KPI = "hashrate_at_risk_probability"
#: KPI key: energy the plan curtails over the horizon [MWh].
PLANNED_CURTAILMENT_KPI = "planned_curtailment_mwh"


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
            "start": iso_utc(self.start),
            "end": iso_utc(self.end),
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


def explain_thresholds(
    thresholds: Thresholds, kpis: Mapping[str, float] | None = None
) -> list[str]:
    """When the job notifies, in words: one line per check, with this run's value beside it.

    Parameters
    ----------
    thresholds
        The limits.
    kpis
        The run's KPIs; :data:`HASHRATE_AT_RISK_KPI`, :data:`PLANNED_CURTAILMENT_KPI` and
        ``hashrate_floor_eh_s`` are quoted when present.

    Returns
    -------
    list of str
        Hashrate at risk, planned curtailment, weather alerts, in that order; a check that is
        switched off says so and names the setting that switches it on.

    Examples
    --------
    >>> limits = Thresholds(planned_curtailment_mwh_max=500)
    >>> explain_thresholds(limits, {"planned_curtailment_mwh": 812.0})[1]
    'planned curtailment: notifies above 500 MWh over the horizon; this run 812 MWh'
    """
    kpis = kpis or {}
    lines = []
    p_max = thresholds.hashrate_at_risk_max
    if p_max is None:
        lines.append("hashrate at risk: not checked (set notify.thresholds.hashrate_at_risk_max)")
    else:
        floor = kpis.get("hashrate_floor_eh_s")
        where = f" ({floor:,.1f} EH/s)" if floor is not None and math.isfinite(floor) else ""
        line = (
            f"hashrate at risk: notifies above a {p_max:.0%} chance that the fleet falls below "
            f"its hashrate floor{where} in some hour of the horizon"
        )
        lines.append(line + _this_run(kpis, HASHRATE_AT_RISK_KPI, "{:.1%}"))
    e_max = thresholds.planned_curtailment_mwh_max
    if e_max is None:
        lines.append(
            "planned curtailment: not checked (set notify.thresholds.planned_curtailment_mwh_max)"
        )
    else:
        line = f"planned curtailment: notifies above {e_max:,.0f} MWh over the horizon"
        lines.append(line + _this_run(kpis, PLANNED_CURTAILMENT_KPI, "{:,.0f} MWh"))
    if thresholds.notify_on_severe_alert:
        levels = " or ".join(thresholds.severe_levels)
        lines.append(
            f"weather: notifies for every site with a weather alert of level {levels} in the "
            "horizon"
        )
    else:
        lines.append("weather: not checked (notify.thresholds.notify_on_severe_alert is false)")
    return lines


def _this_run(kpis: Mapping[str, float], key: str, form: str) -> str:
    value = kpis.get(key)
    if value is None or not (_is_number(value) and math.isfinite(value)):
        return ""
    return f"; this run {form.format(float(value))}"


def webhook_payload(
    alerts: Sequence[RiskAlert],
    *,
    run_id: str,
    kpis: Mapping[str, float] | None = None,
    artifacts: Mapping[str, str | os.PathLike[str]] | None = None,
    summary: Sequence[str] = (),
    thresholds: Thresholds | None = None,
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
    thresholds
        The limits the alerts were checked against, explained in ``thresholds``
        (:func:`explain_thresholds`) when given.

    Returns
    -------
    dict
        ``source``, ``run_id``, ``text`` (one summary line, ending with the expected profit incl.
        after horizon and inside it when ``kpis`` carry them), ``alerts`` (list of
        :meth:`RiskAlert.to_json`), ``summary`` (its lines, also appended to ``text`` one per
        line), plus ``kpis``/``artifacts``/``thresholds`` if given. Non-finite KPI values
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
        body["kpis"] = {str(k): finite_or_none(float(v)) for k, v in kpis.items()}
    if artifacts is not None:
        body["artifacts"] = {str(k): os.fspath(v) for k, v in artifacts.items()}
    if thresholds is not None:
        body["thresholds"] = explain_thresholds(thresholds, kpis)
    return body


def _headline(kpis: Mapping[str, float]) -> str:
    """`` (expected profit incl. after horizon $X, in horizon $Y)`` when the KPIs carry them."""
    full = kpis.get("expected_profit_incl_after_horizon_usd")
    inside = kpis.get("expected_profit_usd")
    if full is None or not math.isfinite(full):
        return ""
    tail = f", in horizon ${inside:,.0f}" if inside is not None and math.isfinite(inside) else ""
    return f" (expected profit incl. after horizon ${full:,.0f}{tail})"


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
        until = f"until {iso_utc(end)}" if end is not None else "with no end given"
        out.append(
            RiskAlert(
                kind=RiskKind.SEVERE_WEATHER,
                message=(
                    f"{worst.lower()} weather alert at site {site_id}: "
                    f"{', '.join(kinds) or 'unnamed alert'} from {iso_utc(start)} {until}"
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


def finite_or_none(value: float) -> float | None:
    """``value``, or ``None`` when it is NaN or infinite (JSON has neither)."""
    return value if math.isfinite(value) else None


def iso_utc(t: datetime | None) -> str | None:
    """``t`` as ISO 8601 UTC with ``Z`` (``2025-01-15T12:00:00Z``); ``None`` stays ``None``.

    Raises
    ------
    ValueError
        ``t`` is naive.
    """
    if t is None:
        return None
    if t.tzinfo is None:
        raise ValueError(f"naive datetime {t.isoformat()} (give a tz-aware time)")
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
