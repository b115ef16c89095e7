"""Text and JSON shapes of the CLI's results (tables for people, records for machines)."""

from __future__ import annotations

import contextlib
import json
import math
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TextIO

import pandas as pd
import typer

import planner
from planner.quiet import stdout_to_stderr

__all__ = [
    "ESTIMATE_SHOWN_FROM_S",
    "Progress",
    "command_output",
    "echo",
    "format_duration",
    "format_kpi_table",
    "format_plan",
    "format_replay_table",
    "format_risk_table",
    "format_run",
    "format_runs",
    "frame_records",
    "run_json",
    "show_estimate",
    "show_interrupted",
]


#: Where results go while a command runs (:func:`command_output`); ``None``: ``sys.stdout``.
_results: TextIO | None = None
#: Whether a progress bar has drawn a line that is not ended yet.
_bar_open = False
#: Estimates below this are not shown [s].
ESTIMATE_SHOWN_FROM_S = 10.0


@contextlib.contextmanager
def command_output() -> Iterator[None]:
    """While a command works, everything but its results goes to stderr.

    File descriptor 1 and ``sys.stdout`` point at stderr (:func:`planner.quiet.stdout_to_stderr`),
    so a dependency that prints, from Python or C, cannot corrupt the results; :func:`echo`
    writes to the real standard output.
    """
    global _results
    outer = _results
    with stdout_to_stderr() as real:
        _results = real
        try:
            yield
        finally:
            _results = outer
            _end_bar()


def echo(text: str = "") -> None:
    """Write a result (text and a newline) to the command's standard output."""
    stream = _results if _results is not None else sys.stdout
    stream.write(f"{text}\n")
    stream.flush()


def _end_bar() -> None:
    global _bar_open
    if _bar_open:
        sys.stderr.write("\n")
        sys.stderr.flush()
        _bar_open = False


def show_interrupted() -> None:
    """The one line of an interrupted command, on stderr (after any progress bar)."""
    _end_bar()
    typer.echo("interrupted", err=True)


def format_duration(seconds: float) -> str:
    """A duration for people: ``40 s``, ``12 min``, ``3 h 05 min``, ``2.5 days``."""
    if seconds < 59.5:
        return f"{max(round(seconds), 1)} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{seconds / 86400:.1f} days"


def show_estimate(estimate: planner.RunEstimate) -> None:
    """Say on stderr how long the run will take, when that is :data:`ESTIMATE_SHOWN_FROM_S` or
    more: the total and the stages that matter (a tenth of it or more)."""
    total = estimate.total_s
    if total < ESTIMATE_SHOWN_FROM_S:
        return
    parts = [f"{stage} {format_duration(s)}" for stage, s in estimate.stages if s >= total / 10]
    typer.echo(
        f"estimate: about {format_duration(total)} ({', '.join(parts)}); Ctrl-C stops cleanly",
        err=True,
    )


class Progress:
    """Progress on stderr: a bar redrawn at most ten times a second on a terminal; elsewhere (a
    log file, a pipe) one line when a stage (or a count within it) starts or ends and at most
    one per ``every_s`` seconds in between. With counts, both show the time left at the rate so
    far.

    Parameters
    ----------
    every_s
        Seconds between two lines within a stage when stderr is not a terminal [s].
    clock
        Seconds from a fixed point [s] (default :func:`time.monotonic`).
    """

    def __init__(self, every_s: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.tty = sys.stderr.isatty()
        self.every_s, self.clock = every_s, clock
        self.step, self.total = "", 0
        self.started = self.shown = clock()

    def __call__(self, step: str, done: int, total: int) -> None:
        global _bar_open
        now = self.clock()
        new = (step, total) != (self.step, self.total)  # a new stage, or a new set in it
        if new:
            self.step, self.total, self.started = step, total, now
        left = ""
        if 0 < done < total:
            rate = (now - self.started) / done
            left = f" ({format_duration(rate * (total - done))} left)"
        gap = 0.1 if self.tty else self.every_s
        if not (new or done >= total or now - self.shown >= gap):
            return
        self.shown = now
        if not self.tty:
            typer.echo(f"[{done}/{total}] {step}{left}", err=True)
            return
        if new:
            _end_bar()
        filled = int(30 * done / total) if total else 30
        sys.stderr.write(
            f"\r{step:<10} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}{left:<20}"
        )
        _bar_open = True
        if step == "done":
            _end_bar()
        sys.stderr.flush()


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (NaN as ``null``, times as ISO 8601)."""
    loaded: list[dict[str, Any]] = json.loads(frame.to_json(orient="records", date_format="iso"))
    return loaded


def format_kpi_table(fleet_rows: pd.DataFrame, *, central: bool = False) -> str:
    """The fleet rows of the demo's risk table (or, ``central``, of a KPI table) as text, the
    profit incl. after horizon first and the profit inside the horizon beside it."""
    if central:
        shown = pd.DataFrame(
            {
                "strategy": fleet_rows["policy"],
                "profit incl. after $M": (fleet_rows["profit_incl_after_horizon_usd"] / 1e6).round(
                    3
                ),
                "in horizon $M": (fleet_rows["profit_usd"] / 1e6).round(3),
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
            **_full_value_columns(fleet_rows, digits=2),
            "curtailed GWh": (fleet_rows["curtailed_mwh"] / 1e3).round(1),
            "mean EH/s": fleet_rows["mean_hashrate_eh_s"].round(2),
            "kept %": fleet_rows["hashrate_kept_pct"].round(1),
            "freeze events": fleet_rows["freeze_events"].round(2),
        }
    )
    return shown.to_string(index=False)


def _full_value_columns(fleet_rows: pd.DataFrame, digits: int) -> dict[str, pd.Series]:
    """Expected profit incl. after horizon, its P5 and CVaR5, and the expected profit inside
    the horizon and what is left after it, in $M."""
    full = "profit_incl_after_horizon_usd"
    return {
        "E[profit incl. after] $M": (fleet_rows[f"expected_{full}"] / 1e6).round(digits),
        "P5 $M": (fleet_rows[f"p5_{full}"] / 1e6).round(digits),
        "CVaR5 $M": (fleet_rows[f"cvar5_{full}"] / 1e6).round(digits),
        "E[in horizon] $M": (fleet_rows["expected_profit_usd"] / 1e6).round(digits),
        "left after $M": (fleet_rows["expected_after_horizon_usd"] / 1e6).round(digits),
    }


def format_risk_table(fleet_rows: pd.DataFrame) -> str:
    """Fleet rows of a strategy table (risk table plus hashrate kept/at risk) as text."""
    columns: dict[str, Any] = {
        "strategy": fleet_rows["policy"],
        **_full_value_columns(fleet_rows, digits=3),
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
            "profit incl. after $M": (table["profit_incl_after_horizon_usd"] / 1e6).round(2),
            "vs baseline $M": (table["profit_incl_after_horizon_vs_baseline_usd"] / 1e6).round(2),
            "in window $M": (table["profit_usd"] / 1e6).round(2),
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
        f"expected profit incl. after horizon "
        f"${k.expected_profit_incl_after_horizon_usd / 1e6:,.3f}M (in horizon "
        f"${k.expected_profit_usd / 1e6:,.3f}M), CVaR of loss "
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
        profit = r.kpis.get("expected_profit_incl_after_horizon_usd")
        rows.append(
            {
                "run": r.id,
                "status": r.status.value,
                "started (UTC)": f"{r.started_at:%Y-%m-%d %H:%M}",
                "took s": "" if r.duration_s is None else f"{r.duration_s:.1f}",
                "E[profit incl. after] $M": "" if profit is None else f"{profit / 1e6:,.3f}",
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
