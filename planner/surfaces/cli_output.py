"""Text and JSON shapes of the CLI's results (tables for people, records for machines)."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from typing import Any

import pandas as pd
import typer

import planner

__all__ = [
    "Progress",
    "format_kpi_table",
    "format_plan",
    "format_replay_table",
    "format_risk_table",
    "format_run",
    "format_runs",
    "frame_records",
    "run_json",
]


class Progress:
    """Progress on stderr: a redrawn bar on a terminal, one line per update otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.step = ""

    def __call__(self, step: str, done: int, total: int) -> None:
        if not self.tty:
            typer.echo(f"[{done}/{total}] {step}", err=True)
            return
        if step != self.step and self.step:
            sys.stderr.write("\n")
        self.step = step
        filled = int(30 * done / total) if total else 30
        sys.stderr.write(f"\r{step:<10} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}")
        if step == "done":
            sys.stderr.write("\n")
        sys.stderr.flush()


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (NaN as ``null``, times as ISO 8601)."""
    loaded: list[dict[str, Any]] = json.loads(frame.to_json(orient="records", date_format="iso"))
    return loaded


def format_kpi_table(fleet_rows: pd.DataFrame, *, central: bool = False) -> str:
    """The fleet rows of the demo's risk table (or, ``central``, of a KPI table) as text."""
    if central:
        shown = pd.DataFrame(
            {
                "strategy": fleet_rows["policy"],
                "profit $M": (fleet_rows["profit_usd"] / 1e6).round(3),
                "curtailed MWh": fleet_rows["curtailed_mwh"].round(0),
                "mean EH/s": fleet_rows["mean_hashrate_eh_s"].round(2),
                "kept %": fleet_rows["hashrate_kept_pct"].round(1),
                "uptime %": fleet_rows["uptime_pct"].round(1),
            }
        )
        return shown.to_string(index=False)
    shown = pd.DataFrame(
        {
            "strategy": fleet_rows["policy"],
            "E[profit] $M": (fleet_rows["expected_profit_usd"] / 1e6).round(2),
            "P5 $M": (fleet_rows["p5_profit_usd"] / 1e6).round(2),
            "CVaR5 $M": (fleet_rows["cvar5_profit_usd"] / 1e6).round(2),
            "curtailed GWh": (fleet_rows["curtailed_mwh"] / 1e3).round(1),
            "mean EH/s": fleet_rows["mean_hashrate_eh_s"].round(2),
            "kept %": fleet_rows["hashrate_kept_pct"].round(1),
            "freeze events": fleet_rows["freeze_events"].round(2),
        }
    )
    return shown.to_string(index=False)


def format_risk_table(fleet_rows: pd.DataFrame) -> str:
    """Fleet rows of a strategy table (risk table plus hashrate kept/at risk) as text."""
    columns: dict[str, Any] = {
        "strategy": fleet_rows["policy"],
        "E[profit] $M": (fleet_rows["expected_profit_usd"] / 1e6).round(3),
        "P5 $M": (fleet_rows["p5_profit_usd"] / 1e6).round(3),
        "CVaR5 $M": (fleet_rows["cvar5_profit_usd"] / 1e6).round(3),
        "curtailed MWh": fleet_rows["curtailed_mwh"].round(0),
        "mean EH/s": fleet_rows["mean_hashrate_eh_s"].round(2),
    }
    if "hashrate_kept_pct" in fleet_rows:
        columns["kept %"] = fleet_rows["hashrate_kept_pct"].round(1)
    if "hashrate_at_risk_probability" in fleet_rows:
        columns["P(<floor) %"] = (100 * fleet_rows["hashrate_at_risk_probability"]).round(1)
    columns["freeze events"] = fleet_rows["freeze_events"].round(2)
    return pd.DataFrame(columns).to_string(index=False)


def format_replay_table(table: pd.DataFrame, feeds: planner.Feeds) -> str:
    """A replay's strategy table with its window, as text."""
    start, end = feeds.times[0], feeds.times[-1] + pd.Timedelta(hours=1)
    head = f"Replay {start:%Y-%m-%d %H:%M} .. {end:%Y-%m-%d %H:%M} UTC ({len(feeds.times)} h)"
    shown = pd.DataFrame(
        {
            "strategy": table["strategy"],
            "profit $M": (table["profit_usd"] / 1e6).round(2),
            "vs baseline $M": (table["profit_vs_baseline_usd"] / 1e6).round(2),
            "curtailed MWh": table["curtailed_mwh"].round(0),
            "hashrate kept %": table["hashrate_kept_pct"].round(1),
            "mean EH/s": table["mean_hashrate_eh_s"].round(2),
            "freeze events": table["freeze_events"].round(2),
        }
    )
    return f"{head}\n{shown.to_string(index=False)}"


def format_plan(plan: planner.Plan) -> str:
    """The plan's status, KPIs, relocations and first-hour decision per site, as text."""
    k = plan.kpis
    gap = "none" if plan.solver.mip_gap is None else f"{plan.solver.mip_gap:.2g}"
    lines = [
        f"solver: {plan.solver.status.value} (gap {gap}, {plan.solver.solve_seconds:.2f} s)",
        *([f"note: {plan.note}"] if plan.note else []),
        f"expected profit ${k.expected_profit_usd / 1e6:,.3f}M, CVaR of loss "
        f"${k.cvar_loss_usd / 1e6:,.3f}M, curtailed {k.expected_curtailed_mwh:,.0f} MWh, "
        f"mean {k.mean_hashrate_eh_s:,.2f} EH/s, relocations ${k.relocation_cost_usd:,.0f}",
    ]
    if plan.relocations.empty:
        lines.append("relocations: none")
    else:
        lines.append("relocations:")
        lines.append(plan.relocations.to_string(index=False))
    first = plan.first_period.groupby("site_id", sort=False)[["running_mw", "available_mw"]].sum()
    first["run %"] = (100 * first["running_mw"] / first["available_mw"]).round(1)
    lines.append("first hour (IT MW):")
    lines.append(first.round(1).to_string())
    return "\n".join(lines)


def run_json(record: planner.RunRecord) -> dict[str, Any]:
    """One run as JSON values."""

    def clean(value: float) -> float | None:
        return value if math.isfinite(value) else None

    return {
        "id": record.id,
        "status": record.status.value,
        "started_at": record.started_at.isoformat(),
        "finished_at": None if record.finished_at is None else record.finished_at.isoformat(),
        "duration_s": record.duration_s,
        "error": record.error,
        "fleet_hash": record.fleet_hash,
        "kpis": {k: clean(v) for k, v in record.kpis.items()},
        "artifacts": {k: str(v) for k, v in record.artifacts.items()},
        "freshness": dict(record.freshness),
        "settings": dict(record.settings),
        "notified_at": None if record.notified_at is None else record.notified_at.isoformat(),
    }


def format_runs(records: Sequence[planner.RunRecord]) -> str:
    """One line per run: id, status, start, duration, profit or error."""
    rows = []
    for r in records:
        profit = r.kpis.get("expected_profit_usd")
        rows.append(
            {
                "run": r.id,
                "status": r.status.value,
                "started (UTC)": f"{r.started_at:%Y-%m-%d %H:%M}",
                "took s": "" if r.duration_s is None else f"{r.duration_s:.1f}",
                "E[profit] $M": "" if profit is None else f"{profit / 1e6:,.3f}",
                "error": (r.error or "")[:60],
            }
        )
    return pd.DataFrame(rows).to_string(index=False)


def _number(value: float) -> str:
    return f"{value:,.0f}" if math.isfinite(value) and abs(value) >= 1000 else f"{value:.4g}"


def format_run(r: planner.RunRecord) -> str:
    """One run in full, as text."""
    lines = [
        f"run {r.id}: {r.status.value}",
        f"started {r.started_at:%Y-%m-%d %H:%M:%S} UTC"
        + ("" if r.finished_at is None else f", finished {r.finished_at:%Y-%m-%d %H:%M:%S} UTC"),
        f"fleet hash {r.fleet_hash}",
    ]
    if r.error:
        lines.append(f"error: {r.error}")
    if r.notified_at is not None:
        lines.append(f"webhook sent {r.notified_at:%Y-%m-%d %H:%M:%S} UTC")
    if r.kpis:
        lines.append("kpis:")
        lines.extend(f"  {k:32} {_number(v)}" for k, v in sorted(r.kpis.items()))
    if r.freshness:
        lines.append("feeds:")
        for name, stamp in sorted(r.freshness.items()):
            status = stamp.get("status", "") if isinstance(stamp, dict) else stamp
            lines.append(f"  {name:32} {status}")
    if r.artifacts:
        lines.append("artifacts:")
        lines.extend(f"  {k:32} {p}" for k, p in sorted(r.artifacts.items()))
    return "\n".join(lines)
