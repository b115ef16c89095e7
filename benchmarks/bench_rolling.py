"""Warm starts in rolling use: each window's simplex from the previous window's basis, or cold.

Prints one JSON object per measurement (``{"bench": ..., ...}``), then Markdown tables.

A rolling plan (:func:`planner.engine.rolling.rolling_horizon`, 72-hour windows re-planned every
24 hours, the controller acting) runs through one realised world twice in one process, in turns:
with ``warm_start`` (every window after the first starts from the previous window's basis mapped
period by period, :mod:`planner.engine.optimization.warm_start`) and without (each window solved
afresh, presolve included). Both draw the same scenarios, so the windows are the same models as
long as the plans acted on agree. Per window: simplex iterations, HiGHS's solve seconds (wall and
the process's CPU) and the objective, cold against warm; per case the totals.

- ``demo``: the demo fleet (6 sites) over the demo's 14 days from 2025-01-10 (its storms), 20
  scenarios per re-plan, as ``planner demo`` plans.
- ``large``: ``routed_fleet(50)`` (50 sites) over 7 days from 2025-01-01, 10 scenarios.

HiGHS's solve is timed in wall seconds (``SolveResult.solve_seconds``) and in the process's CPU
seconds around :meth:`PlanSolver.solve` (the better guide on a loaded machine).

Usage::

    .venv/bin/python benchmarks/bench_rolling.py [--only demo,large] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from typing import Any

from bench_optimizer import routed_fleet
from tables import machine, markdown

import planner.engine.rolling as rolling
from planner.domain.examples import demo_fleet
from planner.engine.optimization import PlanSolver
from planner.engine.optimization.plan import Plan
from planner.engine.rolling import RollingSettings, rolling_horizon
from planner.ops.demo import DEMO_STORMS
from planner.world.feeds import fetch_feeds
from planner.world.scenarios import make_scenarios

CASES: dict[str, dict[str, Any]] = {
    "demo": {"sites": 0, "start": "2025-01-10", "days": 14, "scenarios": 20},
    "large": {"sites": 50, "start": "2025-01-01", "days": 7, "scenarios": 10},
}

_SOLVE_CPU: list[float] = []


class _TimedSolver(PlanSolver):
    """A :class:`PlanSolver` that records the CPU seconds of each solve."""

    def solve(self) -> Plan:
        started = time.process_time()
        try:
            return super().solve()
        finally:
            _SOLVE_CPU.append(time.process_time() - started)


rolling.PlanSolver = _TimedSolver  # type: ignore[misc]  # the driver's solves, timed


def _run(case: dict[str, Any], warm: bool) -> tuple[list[dict[str, Any]], float, float]:
    fleet = demo_fleet() if not case["sites"] else routed_fleet(case["sites"])
    storms = DEMO_STORMS if not case["sites"] else None
    feeds = fetch_feeds(fleet, case["start"], case["days"] * 24, "offline", seed=7, storms=storms)
    realised = make_scenarios(fleet, feeds, 1, seed=99)[0]
    settings = RollingSettings(
        step_hours=24, window_hours=72, scenarios=case["scenarios"], seed=3, warm_start=warm
    )
    _SOLVE_CPU.clear()
    t0, c0 = time.perf_counter(), time.process_time()
    result = rolling_horizon(fleet, feeds, realised, settings)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    windows = [
        {
            "window": j,
            "columns": p.solver.columns,
            "rows": p.solver.rows,
            "iterations": p.solver.iterations,
            "solve_s": p.solver.solve_seconds,
            "solve_cpu_s": _SOLVE_CPU[j],
            "objective_usd": p.solver.objective_usd,
            "started": p.solver.started,
        }
        for j, p in enumerate(result.plans)
    ]
    return windows, wall, cpu


def bench_case(name: str, repeat: int) -> list[dict[str, Any]]:
    case = CASES[name]
    runs: dict[bool, list[tuple[list[dict[str, Any]], float, float]]] = {False: [], True: []}
    for _ in range(repeat):
        for warm in (False, True):
            runs[warm].append(_run(case, warm))
    rows: list[dict[str, Any]] = []
    cold_w, warm_w = runs[False][0][0], runs[True][0][0]
    for j, (c, w) in enumerate(zip(cold_w, warm_w, strict=True)):
        solve_c = statistics.median(r[0][j]["solve_s"] for r in runs[False])
        solve_w = statistics.median(r[0][j]["solve_s"] for r in runs[True])
        cpu_c = statistics.median(r[0][j]["solve_cpu_s"] for r in runs[False])
        cpu_w = statistics.median(r[0][j]["solve_cpu_s"] for r in runs[True])
        same = c["objective_usd"] is not None and w["objective_usd"] is not None
        rows.append(
            {
                "bench": "rolling_window",
                "case": name,
                "window": j,
                "columns": w["columns"],
                "same_model": c["columns"] == w["columns"] and c["rows"] == w["rows"],
                "iterations_cold": c["iterations"],
                "iterations_warm": w["iterations"],
                "started": w["started"],
                "solve_s_cold": solve_c,
                "solve_s_warm": solve_w,
                "solve_cpu_s_cold": cpu_c,
                "solve_cpu_s_warm": cpu_w,
                "objective_cold_usd": c["objective_usd"],
                "objective_warm_usd": w["objective_usd"],
                "rel_diff": abs(w["objective_usd"] - c["objective_usd"])
                / max(abs(c["objective_usd"]), 1.0)
                if same
                else None,
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    rows.append(
        {
            "bench": "rolling",
            "case": name,
            "windows": len(cold_w),
            "iterations_cold": sum(r["iterations_cold"] for r in rows),
            "iterations_warm": sum(r["iterations_warm"] for r in rows),
            "solve_s_cold": sum(r["solve_s_cold"] for r in rows),
            "solve_s_warm": sum(r["solve_s_warm"] for r in rows),
            "solve_cpu_s_cold": sum(r["solve_cpu_s_cold"] for r in rows),
            "solve_cpu_s_warm": sum(r["solve_cpu_s_warm"] for r in rows),
            "run_s_cold": statistics.median(r[1] for r in runs[False]),
            "run_s_warm": statistics.median(r[1] for r in runs[True]),
            "run_cpu_s_cold": statistics.median(r[2] for r in runs[False]),
            "run_cpu_s_warm": statistics.median(r[2] for r in runs[True]),
            "max_rel_diff": max((r["rel_diff"] or 0.0) for r in rows),
        }
    )
    print(json.dumps(rows[-1]), flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="demo,large")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    rows: list[dict[str, Any]] = [machine()]
    print(json.dumps(rows[0]), flush=True)
    for name in args.only.split(","):
        rows += bench_case(name, args.repeat)
    print(markdown(rows, ("machine", "rolling", "rolling_window")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
