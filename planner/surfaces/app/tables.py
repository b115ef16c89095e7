"""The tables the page draws: the risk table (with a word of help per column) and the KPI row,
the plan's schedule, relocations and first hour, feed freshness and events, the job's run
history."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner import (
    Evaluation,
    Feeds,
    Plan,
    PlannerError,
    RunStore,
    best_strategy,
    default_store_path,
    is_plan_strategy,
)
from planner.surfaces.app.inputs import one_line

__all__ = [
    "COLUMN_HELP",
    "FLEET_COLUMNS",
    "Headline",
    "History",
    "act_now_table",
    "column_help",
    "events_table",
    "expected_schedule",
    "freshness_table",
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


#: What each column of the page's tables means, in an operator's words (shown on hover).
COLUMN_HELP: dict[str, str] = {
    "E[profit incl. after] $M": "What the fleet is expected to earn over the horizon, less what "
    "it is left with afterwards (machines still frozen, under repair, in transit or "
    "restarting). The figure strategies are ranked on.",
    "P5 incl. after $M": "A bad week: 1 horizon in 20 ends at or below this.",
    "CVaR5 incl. after $M": "The average of the worst 1-in-20 horizons.",
    "E[profit in horizon] $M": "Expected profit inside the horizon only, ignoring what is left "
    "behind after it.",
    "left after horizon $M": "Expected margin lost after the horizon plus repair and shipping "
    "bills the strategy leaves behind.",
    "mean EH/s": "Average fleet hashrate over the horizon.",
    "uptime %": "Share of the hours the machines ran.",
    "curtailed MWh": "Energy the fleet chose not to use (price, 4CP, demand response).",
    "outage h": "Site-hours without grid power.",
    "freeze events": "Times a hydro or immersion loop froze for lack of running machines.",
    "from_site": "Where the machines leave from.",
    "to_site": "Where they go.",
    "model_id": "Machine model (catalog id).",
    "machines": "How many machines to ship.",
    "cost_usd": "Trucking, customs and installation [USD].",
    "departs": "When the truck leaves (UTC).",
    "arrives": "When the machines hash again at the new site (UTC).",
    "site_id": "Site.",
    "running_mw": "IT load the plan runs in its first hour [MW].",
    "available_mw": "IT load the site could run then [MW].",
    "run_fraction": "Share of the available load to run.",
    "start": "When it starts (UTC).",
    "end": "When it ends (UTC); empty: still going.",
    "kind": "What the provider reported.",
    "severity": "How severe the provider rates it.",
    "source": "Where the figures came from.",
    "feed": "A data feed the plan reads.",
    "status": "fresh: current; stale: older than allowed; fallback: a stand-in; missing: none.",
    "fetched_at": "When the data was fetched (UTC).",
    "age_h": "How old the data was when planning [h].",
    "filled_hours": "Hours of gaps filled by interpolation or the nearest observed week.",
    "note": "What went wrong, if anything.",
    "run": "The scheduled job's run id.",
    "started": "When the run started (UTC).",
    "duration_s": "How long it took [s].",
    "fleet": "The fleet file's name.",
    "error": "Why a run failed.",
    "time": "The hour (UTC).",
    "runs below %": "Share of judged runs that fell below the hashrate floor in the hour.",
    "mean shortfall EH/s": "How far below the floor, on average over those runs.",
    "reason": "Why no machine was left to run (outage, freeze damage, failures, transit).",
}


def column_help(columns: Any) -> dict[str, str]:
    """:data:`COLUMN_HELP` for the given columns (those it knows)."""
    return {str(c): COLUMN_HELP[str(c)] for c in columns if str(c) in COLUMN_HELP}


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
    """The KPI row: the recommended strategy (the best at full value,
    :func:`planner.best_strategy`) judged out of sample, and the operator's current rule beside
    it.

    The headline profits are the full value, ``*_incl_after_horizon_usd``: the horizon's profit
    less what the fleet leaves behind after it; ``expected_profit_usd`` and
    ``rule_expected_profit_usd`` are the profits inside the horizon alone. Money [USD],
    hashrate [EH/s], energy [MWh], probability [-].
    """

    strategy: str
    rule: str
    expected_profit_incl_after_horizon_usd: float
    cvar5_profit_incl_after_horizon_usd: float
    expected_profit_usd: float
    mean_hashrate_eh_s: float
    curtailed_mwh: float
    relocation_cost_usd: float
    rule_expected_profit_incl_after_horizon_usd: float
    rule_cvar5_profit_incl_after_horizon_usd: float
    rule_expected_profit_usd: float
    rule_mean_hashrate_eh_s: float
    rule_curtailed_mwh: float
    below_floor_probability: float


def headline(
    evaluation: Evaluation, metrics: pd.DataFrame, plan: Plan, floor_eh_s: float, *, rule: str
) -> Headline:
    """KPIs of the best strategy and the current ``rule``: fleet rows of ``metrics``
    (:meth:`Evaluation.metrics` of ``evaluation``), the floor's risk from ``evaluation``."""
    fleet = metrics[metrics["site_id"] == "fleet"].set_index("policy")
    best = best_strategy(metrics)
    ours, theirs = fleet.loc[best], fleet.loc[rule]
    below = 0.0
    if floor_eh_s > 0:
        below = float(evaluation.hashrate_at_risk(floor_eh_s).loc[best, "probability_below"])
    full = "profit_incl_after_horizon_usd"
    moves = plan.kpis.relocation_cost_usd if is_plan_strategy(best) else 0.0
    return Headline(
        strategy=best,
        rule=rule,
        expected_profit_incl_after_horizon_usd=float(ours[f"expected_{full}"]),
        cvar5_profit_incl_after_horizon_usd=float(ours[f"cvar5_{full}"]),
        expected_profit_usd=float(ours["expected_profit_usd"]),
        mean_hashrate_eh_s=float(ours["mean_hashrate_eh_s"]),
        curtailed_mwh=float(ours["curtailed_mwh"]),
        relocation_cost_usd=float(moves),
        rule_expected_profit_incl_after_horizon_usd=float(theirs[f"expected_{full}"]),
        rule_cvar5_profit_incl_after_horizon_usd=float(theirs[f"cvar5_{full}"]),
        rule_expected_profit_usd=float(theirs["expected_profit_usd"]),
        rule_mean_hashrate_eh_s=float(theirs["mean_hashrate_eh_s"]),
        rule_curtailed_mwh=float(theirs["curtailed_mwh"]),
        below_floor_probability=below,
    )


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
