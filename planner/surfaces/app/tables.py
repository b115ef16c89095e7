"""The tables the page draws: the risk table and the KPI row, hashrate bands and profits, the
plan's schedule, curtailment, relocations and first hour, feed freshness and events, the job's
run history."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner import Evaluation, Feeds, Plan, PlannerError, RunStore, default_store_path
from planner.surfaces.app.colours import HEAT_STOPS, ramp
from planner.surfaces.app.inputs import PLAN, one_line

__all__ = [
    "FLEET_COLUMNS",
    "Headline",
    "History",
    "act_now_table",
    "curtailment_heatmap",
    "events_table",
    "expected_schedule",
    "fleet_profits",
    "freshness_table",
    "hashrate_bands",
    "headline",
    "plan_csv",
    "relocation_table",
    "risk_table",
    "run_history",
]

#: Risk-table columns the page shows, with their labels: the full value (profit incl. after
#: horizon) first, the profit inside the horizon and what is left after it beside it.
FLEET_COLUMNS: dict[str, str] = {
    "expected_profit_incl_after_horizon_usd": "E[profit incl. after] $M",
    "p5_profit_incl_after_horizon_usd": "P5 incl. after $M",
    "cvar5_profit_incl_after_horizon_usd": "CVaR5 incl. after $M",
    "expected_profit_usd": "E[profit in horizon] $M",
    "expected_after_horizon_usd": "left after horizon $M",
    "mean_hashrate_eh_s": "mean EH/s",
    "uptime_pct": "uptime %",
    "curtailed_mwh": "curtailed MWh",
    "outage_hours": "outage h",
    "freeze_events": "freeze events",
}


def risk_table(metrics: pd.DataFrame, site_id: str = "fleet") -> pd.DataFrame:
    """One row per strategy for a site (or the fleet): :data:`FLEET_COLUMNS`, money in $M.

    Parameters
    ----------
    metrics
        :meth:`Evaluation.metrics` of the page's evaluation.
    site_id
        A site id or ``fleet``.
    """
    rows = metrics[metrics["site_id"] == site_id].set_index("policy")[list(FLEET_COLUMNS)]
    money = [c for c in FLEET_COLUMNS if c.endswith("_usd")]
    rows[money] = rows[money] / 1e6
    return rows.rename(columns=FLEET_COLUMNS).rename_axis("strategy")


@dataclass(frozen=True)
class Headline:
    """The KPI row: the plan's figures judged out of sample and the strike rule's beside them.

    The headline profits are the full value, ``*_incl_after_horizon_usd``: the horizon's profit
    less what the fleet leaves behind after it; ``expected_profit_usd`` and
    ``strike_expected_profit_usd`` are the profits inside the horizon alone. Money [USD],
    hashrate [EH/s], energy [MWh], probability [-].
    """

    expected_profit_incl_after_horizon_usd: float
    cvar5_profit_incl_after_horizon_usd: float
    expected_profit_usd: float
    mean_hashrate_eh_s: float
    curtailed_mwh: float
    relocation_cost_usd: float
    strike_expected_profit_incl_after_horizon_usd: float
    strike_cvar5_profit_incl_after_horizon_usd: float
    strike_expected_profit_usd: float
    strike_mean_hashrate_eh_s: float
    strike_curtailed_mwh: float
    below_floor_probability: float


def headline(
    evaluation: Evaluation, metrics: pd.DataFrame, plan: Plan, floor_eh_s: float
) -> Headline:
    """KPIs of the plan and the strike rule: fleet rows of ``metrics``
    (:meth:`Evaluation.metrics` of ``evaluation``), the floor's risk from ``evaluation``."""
    fleet = metrics[metrics["site_id"] == "fleet"].set_index("policy")
    ours, rule = fleet.loc[PLAN], fleet.loc["strike"]
    below = 0.0
    if floor_eh_s > 0:
        below = float(evaluation.hashrate_at_risk(floor_eh_s).loc[PLAN, "probability_below"])
    full = "profit_incl_after_horizon_usd"
    return Headline(
        expected_profit_incl_after_horizon_usd=float(ours[f"expected_{full}"]),
        cvar5_profit_incl_after_horizon_usd=float(ours[f"cvar5_{full}"]),
        expected_profit_usd=float(ours["expected_profit_usd"]),
        mean_hashrate_eh_s=float(ours["mean_hashrate_eh_s"]),
        curtailed_mwh=float(ours["curtailed_mwh"]),
        relocation_cost_usd=float(plan.kpis.relocation_cost_usd),
        strike_expected_profit_incl_after_horizon_usd=float(rule[f"expected_{full}"]),
        strike_cvar5_profit_incl_after_horizon_usd=float(rule[f"cvar5_{full}"]),
        strike_expected_profit_usd=float(rule["expected_profit_usd"]),
        strike_mean_hashrate_eh_s=float(rule["mean_hashrate_eh_s"]),
        strike_curtailed_mwh=float(rule["curtailed_mwh"]),
        below_floor_probability=below,
    )


def hashrate_bands(evaluation: Evaluation) -> pd.DataFrame:
    """Long frame for the hashrate chart: ``strategy``, ``time``, P5/mean/P95 [EH/s]."""
    bands = evaluation.hashrate_bands.reset_index()
    return bands.rename(columns={"policy": "strategy"})[
        ["strategy", "time", "p5_eh_s", "mean_eh_s", "p95_eh_s"]
    ]


def fleet_profits(evaluation: Evaluation) -> pd.DataFrame:
    """Fleet profit of every judged run: ``strategy``, ``scenario``, ``weight``, ``profit_musd``
    (incl. after horizon) and ``in_horizon_musd`` (inside the horizon) [M USD]."""
    runs = evaluation.runs
    rows = runs[runs["site_id"] == "fleet"]
    out = pd.DataFrame(
        {
            "strategy": rows["policy"].to_numpy(),
            "scenario": rows["scenario"].to_numpy(),
            "weight": rows["weight"].to_numpy(),
            "profit_musd": rows["profit_incl_after_horizon_usd"].to_numpy() / 1e6,
            "in_horizon_musd": rows["profit_usd"].to_numpy() / 1e6,
        }
    )
    return out


def expected_schedule(plan: Plan) -> pd.DataFrame:
    """The plan's probability-weighted schedule: one row per site, model and hour.

    Columns ``site_id``, ``model_id``, ``time``, ``available_mw``, ``running_mw``,
    ``curtailed_mw`` (IT load [MW]) and ``run_fraction`` [-]; the first hour is the decision to
    act on now (the same in every scenario).
    """
    s = plan.schedule
    w = plan.weights[s["scenario"].to_numpy()]
    weighted = s[["site_id", "model_id", "time"]].assign(
        available_mw=s["available_mw"].to_numpy() * w,
        running_mw=s["running_mw"].to_numpy() * w,
        curtailed_mw=s["curtailed_mw"].to_numpy() * w,
    )
    out = weighted.groupby(["site_id", "model_id", "time"], sort=False, as_index=False).sum()
    avail = out["available_mw"].to_numpy()
    out["run_fraction"] = np.divide(
        out["running_mw"].to_numpy(), avail, out=np.zeros_like(avail), where=avail > 1e-9
    )
    return out


def curtailment_heatmap(plan: Plan) -> pd.DataFrame:
    """Expected curtailment per site and period: ``site_id``, ``time`` and ``end`` (an hour
    later), ``curtailed_mw`` [MW], ``available_mw`` [MW], ``curtailed_pct`` of the available load
    [%] and its ``colour`` (:data:`HEAT_STOPS`)."""
    schedule = expected_schedule(plan)
    out = schedule.groupby(["site_id", "time"], sort=False, as_index=False)[
        ["curtailed_mw", "available_mw"]
    ].sum()
    avail = out["available_mw"].to_numpy()
    out["curtailed_pct"] = 100.0 * np.divide(
        out["curtailed_mw"].to_numpy(), avail, out=np.zeros_like(avail), where=avail > 1e-9
    )
    out["colour"] = [ramp(p / 100.0, HEAT_STOPS) for p in out["curtailed_pct"]]
    out["end"] = out["time"] + pd.Timedelta(hours=1)
    return out


def relocation_table(plan: Plan) -> pd.DataFrame:
    """The plan's relocations with departure and arrival times (UTC)."""
    rel = plan.relocations.copy()
    start = plan.times[0]
    rel["departs"] = [start + pd.Timedelta(hours=float(h)) for h in rel["depart_h"]]
    rel["arrives"] = [start + pd.Timedelta(hours=float(h)) for h in rel["arrive_h"]]
    return rel[["from_site", "to_site", "model_id", "machines", "cost_usd", "departs", "arrives"]]


def act_now_table(plan: Plan) -> pd.DataFrame:
    """The first hour's decision per site and model: run share and MW (IT)."""
    first = plan.first_period
    return first[first["available_mw"] > 1e-9][
        ["site_id", "model_id", "running_mw", "available_mw", "run_fraction"]
    ].reset_index(drop=True)


def plan_csv(plan: Plan) -> str:
    """The expected schedule as CSV (times ISO 8601 UTC)."""
    frame = expected_schedule(plan)
    return str(frame.to_csv(index=False, float_format="%.4f", date_format="%Y-%m-%dT%H:%MZ"))


def freshness_table(feeds: Feeds) -> pd.DataFrame:
    """One row per feed: status, source, when fetched, how old [h], the hours filled per site,
    node or area [h] and why a feed is missing."""
    columns = ["feed", "status", "source", "fetched_at", "age_h", "filled_hours", "note"]
    rows = [
        {
            "feed": name,
            "status": str(f.status),
            "source": f.source,
            "fetched_at": f.fetched_at,
            "age_h": f.age_hours,
            "filled_hours": f.filled_summary,
            "note": f.detail,
        }
        for name, f in feeds.freshness.items()
    ]
    return pd.DataFrame(rows, columns=columns)


def events_table(events: pd.DataFrame) -> pd.DataFrame:
    """An alerts or outage event table in display order (columns as in ``weather.schema``)."""
    columns = ["start", "end", "site_id", "kind", "severity", "source"]
    return events[[c for c in columns if c in events.columns]].reset_index(drop=True)


@dataclass(frozen=True)
class History:
    """The job's run history as the page shows it.

    Attributes
    ----------
    path
        The SQLite file looked at.
    runs
        One row per run, newest first (empty when there is no file or no run).
    error
        One line when the file exists but cannot be read.
    """

    path: Path
    runs: pd.DataFrame = field(default_factory=pd.DataFrame)
    error: str | None = None


def run_history(path: str | Path | None = None, limit: int = 50) -> History:
    """Read the job's run history (:class:`planner.RunStore`) without creating it.

    Parameters
    ----------
    path
        The SQLite file; default :func:`planner.default_store_path`.
    limit
        Newest runs to show.
    """
    where = Path(path) if path is not None else default_store_path()
    if not where.is_file():
        return History(where)
    try:
        with RunStore(where) as store:
            records = store.list_runs(limit)
    except PlannerError as exc:  # a corrupt, foreign or newer file: shown as one line
        return History(where, error=one_line(exc))
    rows: list[dict[str, Any]] = []
    for r in records:
        row: dict[str, Any] = {
            "run": r.id,
            "started": r.started_at,
            "status": str(r.status),
            "duration_s": r.duration_s,
            "fleet": r.fleet_hash[:12],
        }
        row.update({str(k): float(v) for k, v in r.kpis.items()})
        row["error"] = r.error or ""
        rows.append(row)
    return History(where, pd.DataFrame(rows))
