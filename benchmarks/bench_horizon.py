"""Benchmarks of the optimizer over long horizons: algorithm, resolution, scenarios, reduction.

Prints one JSON object per measurement (``{"bench": ..., ...}``), then Markdown tables, and
writes ``benchmarks/horizon.svg`` (solve time against horizon, one line per scenario count).
Times are wall-clock seconds of one run each (the cases are minutes long); every model case runs
in a fresh child process, whose peak resident memory is reported.

- ``algorithm``: HiGHS's dual simplex against its interior point method (with crossover) on the
  same matrices, from a week of hourly periods for 6 sites to a year of daily periods for 50:
  the measurement behind ``lp_algorithm="auto"``
  (:data:`planner.engine.optimization.algorithm.IPM_FROM_NONZEROS`).
- ``horizon``: the strategic relocation plan of 50 sites (a ring of routes) over 7, 30, 90 and
  365 days and 5, 10 and 20 scenarios, daily periods, ``lp_algorithm="auto"``: build + solve
  and peak memory. The 365-day, 20-scenario case is the acceptance case (<= 60 s, <= 4 GB),
  there at daily periods; at the resolution it is measured at, ``--child`` below.
- ``accuracy``: the objective of coarser horizons (daily and 3-hourly periods; daily, weekly and
  monthly periods split into price blocks after 6 hourly hours, blocks of fixed sizes or cut at
  the sites' breakevens) against the full hourly model, where the full model solves.
- ``--child '["plan", sites, days, scenarios, period_h, hourly_h, algorithm, blocks, edges]'``:
  one plan alone; the acceptance case (50 sites x 1 year x 20 scenarios at monthly periods of
  breakeven blocks after 6 hourly hours) is ``["plan", 50, 365, 20, 744, 6, "auto", 12,
  "breakeven"]``.
- ``reduction``: a 90-day strategic plan of the demo fleet made on 100 scenarios, on 10 chosen
  from them by :func:`planner.world.scenario_reduction.reduce_scenarios`, and on 10 plain draws,
  each judged out of sample (simulated on 100 scenarios none of them saw) at full value, with
  the paired difference per unseen run against the full set's plan and its standard error.
  ``--reduction days,full,kept`` sizes the case and ``--limit-s`` sets each plan's wall-clock
  limit (the full set needs it raised on a loaded machine).

Usage::

    .venv/bin/python benchmarks/bench_horizon.py [--only algorithm,horizon,accuracy,reduction]
        [--days 7,30,90,365] [--scenarios 5,10,20]
    .venv/bin/python benchmarks/bench_horizon.py --plot-from run1.jsonl run2.jsonl  # chart + tables
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from bench_optimizer import routed_fleet
from svg_chart import line_chart
from tables import machine, markdown

from planner.domain.examples import demo_fleet
from planner.engine.montecarlo import evaluate
from planner.engine.optimization import OptimizeSettings, PlanSolver
from planner.engine.optimization.data import prepare
from planner.engine.optimization.model import build_model
from planner.engine.optimization.solve import solve, to_highs
from planner.engine.strategies import optimized_strategy
from planner.world.feeds import fetch_feeds
from planner.world.scenario_reduction import reduce_scenarios
from planner.world.scenarios import make_scenarios

START = "2025-01-01"
HERE = Path(__file__).resolve().parent
#: Time limit of every solve here [s].
LIMIT_S = 1800.0
FULL = "expected_profit_incl_after_horizon_usd"


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def _world(sites: int, days: int, scenarios: int) -> tuple[Any, Any]:
    fleet = routed_fleet(sites)
    feeds = fetch_feeds(fleet, START, days * 24, "offline", seed=7)
    return fleet, make_scenarios(fleet, feeds, scenarios, seed=1)


def _strategic(
    period_h: int, hourly_h: int, blocks: int, edges: str = "quantile", **more: Any
) -> OptimizeSettings:
    """The strategic settings every case of this script solves with."""
    return OptimizeSettings(
        horizon="strategic",
        strategic_period_hours=period_h,
        strategic_hourly_hours=hourly_h,
        strategic_price_blocks=blocks,
        strategic_block_edges=edges,
        mip_gap=1e-3,
        time_limit_s=LIMIT_S,
        **more,
    )


def case_algorithm(
    sites: int,
    days: int,
    scenarios: int,
    period_h: int,
    algorithm: str,
    hourly_h: int = 0,
    blocks: int = 1,
) -> dict:
    """One solve of one model with one LP algorithm (in a child process)."""
    fleet, scen = _world(sites, days, scenarios)
    settings = _strategic(period_h, hourly_h, blocks)
    built = build_model(prepare(fleet, scen, settings), components=False)
    highs, _ = to_highs(built.matrix)
    t0, c0 = time.perf_counter(), time.process_time()
    result = solve(built.matrix, highs, time_limit_s=LIMIT_S, mip_gap=1e-3, algorithm=algorithm)  # type: ignore[arg-type]
    return {
        "bench": "algorithm",
        "sites": sites,
        "days": days,
        "scenarios": scenarios,
        "period_h": period_h,
        "hourly_h": hourly_h,
        "blocks": blocks,
        "algorithm": algorithm,
        "nonzeros": result.nonzeros,
        "columns": result.columns,
        "solve_s": time.perf_counter() - t0,
        "solve_cpu_s": time.process_time() - c0,
        "objective_usd": result.objective_usd,
        "status": result.status.value,
        "peak_gib": _peak_gib(),
    }


def case_plan(
    sites: int,
    days: int,
    scenarios: int,
    period_h: int,
    hourly_h: int,
    algorithm: str,
    blocks: int = 1,
    edges: str = "quantile",
) -> dict:
    """Build and solve one strategic plan through PlanSolver (in a child process)."""
    fleet, scen = _world(sites, days, scenarios)
    settings = _strategic(period_h, hourly_h, blocks, edges, lp_algorithm=algorithm)
    t0, c0 = time.perf_counter(), time.process_time()
    solver = PlanSolver(fleet, scen, settings)
    plan = solver.solve()
    return {
        "bench": "plan",
        "sites": sites,
        "days": days,
        "scenarios": scenarios,
        "period_h": period_h,
        "hourly_h": hourly_h,
        "algorithm": algorithm,
        "blocks": blocks,
        "edges": edges,
        "periods": len(plan.duration_h),
        "slots": len(solver.built.data.duration_h),
        "columns": plan.solver.columns,
        "nonzeros": plan.solver.nonzeros,
        "build_s": solver.build_seconds,
        "solve_s": plan.solver.solve_seconds,
        "total_s": time.perf_counter() - t0,
        "total_cpu_s": time.process_time() - c0,
        "objective_usd": plan.solver.objective_usd,
        "status": plan.solver.status.value,
        "machines_moved": int(plan.relocations["machines"].sum()) if len(plan.relocations) else 0,
        "peak_gib": _peak_gib(),
    }


def child(kind: str, *args: Any) -> dict:
    """Run one case in a fresh interpreter; its JSON row (a failed child: the error)."""
    spec = json.dumps([kind, *args])
    proc = subprocess.run(
        [sys.executable, str(Path(__file__)), "--child", spec],
        capture_output=True,
        text=True,
        cwd=HERE,
        check=False,
    )
    if proc.returncode != 0:
        return {"bench": kind, "args": spec, "error": proc.stderr.strip().splitlines()[-1:]}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


ALGORITHM_CASES = (  # sites, days, scenarios, period [h]
    (6, 7, 10, 1),
    (50, 30, 5, 24),
    (6, 14, 10, 1),
    (50, 90, 20, 24),
    (50, 365, 20, 24),
)


def bench_algorithm() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for case in ALGORITHM_CASES:
        pair = [child("algorithm", *case, a) for a in ("simplex", "ipm")]
        rows.extend(pair)
        for r in pair:
            print(json.dumps(r), flush=True)
    return rows


def bench_horizon(
    days_list: list[int], scen_list: list[int], resolution: tuple[int, int, int] = (24, 0, 1)
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for n in scen_list:
        for days in days_list:
            row = child("plan", 50, days, n, *resolution[:2], "auto", resolution[2])
            row["bench"] = "horizon"
            print(json.dumps(row), flush=True)
            rows.append(row)
    return rows


ACCURACY_CASES = ((6, 7, 10), (6, 14, 10))
COARSE = (  # (period [h], hourly hours first, price blocks per period, where blocks are cut)
    (24, 0, 1, "quantile"),
    (3, 0, 1, "quantile"),
    (24, 6, 6, "quantile"),
    (168, 6, 12, "quantile"),
    (744, 6, 8, "quantile"),
    (744, 6, 12, "quantile"),
    (744, 6, 16, "quantile"),
    (744, 6, 24, "quantile"),
    (744, 6, 12, "breakeven"),
)


def bench_accuracy() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for sites, days, n in ACCURACY_CASES:
        full = child("plan", sites, days, n, 1, 0, "auto")
        print(json.dumps(full), flush=True)
        for period, hourly, blocks, edges in COARSE:
            row = child("plan", sites, days, n, period, hourly, "auto", blocks, edges)
            ok = "error" not in row and "error" not in full
            rows.append(
                {
                    "bench": "accuracy",
                    "sites": sites,
                    "days": days,
                    "scenarios": n,
                    "resolution": f"{period} h"
                    + (f" x {blocks} price blocks" if blocks > 1 and edges == "quantile" else "")
                    + (" x breakeven blocks" if blocks > 1 and edges == "breakeven" else "")
                    + (f" after {hourly} h hourly" if hourly else ""),
                    "columns": row.get("columns"),
                    "total_s": row.get("total_s"),
                    "total_cpu_s": row.get("total_cpu_s"),
                    "full_hourly_s": full.get("total_s"),
                    "full_hourly_cpu_s": full.get("total_cpu_s"),
                    "objective_usd": row.get("objective_usd"),
                    "full_hourly_usd": full.get("objective_usd"),
                    "error_pct": 100 * (row["objective_usd"] / full["objective_usd"] - 1)
                    if ok
                    else None,
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    return rows


def _decision(strategy: Any) -> dict[str, Any]:
    """What a strategy acts on beyond the shared price guard: its shipments (route, model,
    machines, departure day) and its commitment caps (tier-hours capped below 1, and a digest of
    the caps), to tell whether two plans made the same decision."""
    shipments = sorted(
        (s.from_site, s.to_site, s.model_id, s.count, round(s.depart_h / 24.0, 3))
        for s in strategy.shipments
    )
    caps = [strategy.commitments[k] for k in sorted(strategy.commitments)]
    digest = hashlib.sha256(b"".join(np.round(c, 9).tobytes() for c in caps)).hexdigest()[:12]
    return {
        "shipments": [list(s) for s in shipments],
        "capped_tier_hours": int(sum(int((c < 1.0 - 1e-9).sum()) for c in caps)),
        "caps_digest": digest,
    }


def bench_reduction(
    workers: int, days: int = 90, full_n: int = 100, reduced_n: int = 10, limit_s: float = LIMIT_S
) -> list[dict[str, Any]]:
    fleet = demo_fleet()
    feeds = fetch_feeds(fleet, START, days * 24, "offline", seed=7)
    full = make_scenarios(fleet, feeds, full_n, seed=1)
    unseen = make_scenarios(fleet, feeds, 100, seed=2)
    settings = OptimizeSettings(horizon="strategic", mip_gap=1e-3, time_limit_s=limit_s)
    sets = {
        f"full set ({full_n})": full,
        f"reduced on features ({reduced_n} of the {full_n})": reduce_scenarios(full, reduced_n),
        f"plain draws ({reduced_n})": make_scenarios(fleet, feeds, reduced_n, seed=1),
    }
    rows: list[dict[str, Any]] = []
    per_run: dict[str, np.ndarray] = {}
    for name, scen in sets.items():
        t0, c0 = time.perf_counter(), time.process_time()
        plan = PlanSolver(fleet, scen, settings).solve()
        plan_s = time.perf_counter() - t0
        plan_cpu_s = time.process_time() - c0
        strategy = optimized_strategy(plan)
        evaluation = evaluate(
            fleet, unseen, [strategy.policy], shipments=strategy.shipments, workers=workers
        )
        judged = evaluation.metrics()
        fleet_row = judged[judged["site_id"] == "fleet"].iloc[0]
        runs = evaluation.runs[evaluation.runs["site_id"] == "fleet"]
        per_run[name] = runs.sort_values(["scenario", "replication"])[
            "profit_incl_after_horizon_usd"
        ].to_numpy()
        rows.append(
            {
                "bench": "reduction",
                "planned_on": name,
                "days": days,
                "plan_s": plan_s,
                "plan_cpu_s": plan_cpu_s,
                "status": plan.solver.status.value,
                "in_sample_objective_usd": plan.solver.objective_usd,
                "machines_moved": int(plan.relocations["machines"].sum())
                if len(plan.relocations)
                else 0,
                "out_of_sample_usd": float(fleet_row[FULL]),
                "cvar5_out_of_sample_usd": float(fleet_row["cvar5_profit_incl_after_horizon_usd"]),
                **_decision(strategy),
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    best = rows[0]["out_of_sample_usd"]
    full = per_run[rows[0]["planned_on"]]
    for r in rows:
        r["vs_full_set_pct"] = 100 * (r["out_of_sample_usd"] / best - 1)
        # the same unseen runs: the paired difference per run and its standard error
        diff = per_run[r["planned_on"]] - full
        r["paired_diff_usd"] = float(diff.mean())
        r["paired_diff_se_usd"] = float(diff.std(ddof=1) / np.sqrt(len(diff)))
        r["runs_differing"] = int((np.abs(diff) > 0.005).sum())
    return rows


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    """Build + solve CPU seconds against horizon, one line per scenario count (CPU: on a shared
    machine the wall time measures the load as much as the work)."""
    series: dict[str, list[tuple[float, float]]] = {}
    for r in rows:
        if r["bench"] == "horizon" and "error" not in r:
            seconds = r.get("total_cpu_s", r["total_s"])
            blocks = (
                "breakeven blocks" if r.get("edges") == "breakeven" else f"{r['blocks']} blocks"
            )
            label = f"{r['scenarios']} scenarios, " + (
                f"{r['period_h']} h x {blocks}"
                if r.get("blocks", 1) > 1
                else f"{r['period_h']} h periods"
            )
            series.setdefault(label, []).append((r["days"], seconds))
    if series:
        line_chart(
            path,
            series,
            title="Strategic plan, 50 sites: build + solve",
            x_label="horizon [days]",
            y_label="build + solve, CPU [s]",
            x_ticks=(7, 30, 90, 365),
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="algorithm,horizon,accuracy,reduction")
    parser.add_argument("--days", default="7,30,90,365")
    parser.add_argument("--scenarios", default="5,10,20")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--reduction",
        default="90,100,10",
        help="reduction case: days, scenarios of the full set, scenarios kept (default 90,100,10)",
    )
    parser.add_argument(
        "--limit-s",
        type=float,
        default=LIMIT_S,
        help="wall-clock limit of each reduction plan's solve [s]; raise it on a loaded machine",
    )
    parser.add_argument(
        "--resolution",
        default="24,0,1",
        help="horizon case: period [h], hourly hours first, price blocks (default daily)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument(
        "--plot-from",
        nargs="+",
        help="files of this script's JSON lines: draw horizon.svg and the tables from them",
    )
    args = parser.parse_args(argv)
    if args.child:
        kind, *rest = json.loads(args.child)
        fn = case_algorithm if kind == "algorithm" else case_plan
        print(json.dumps(fn(*rest)))
        return 0
    if args.plot_from:
        rows = [
            json.loads(line)
            for name in args.plot_from
            for line in Path(name).read_text(encoding="utf-8").splitlines()
            if line.startswith("{")
        ]
        for r in rows:  # a 50-site case run alone (--child) is a point of the horizon chart
            if r["bench"] == "plan" and r.get("sites") == 50:
                r["bench"] = "horizon"
        plot(rows, HERE / "horizon.svg")
        print(markdown(rows, ("machine", "algorithm", "horizon", "accuracy", "reduction")))
        return 0
    rows: list[dict[str, Any]] = [machine()]
    print(json.dumps(rows[0]), flush=True)
    wanted = args.only.split(",")
    if "algorithm" in wanted:
        rows += bench_algorithm()
    if "horizon" in wanted:
        days = [int(d) for d in args.days.split(",")]
        period, hourly, blocks = (int(v) for v in args.resolution.split(","))
        scen = [int(n) for n in args.scenarios.split(",")]
        rows += bench_horizon(days, scen, (period, hourly, blocks))
        plot(rows, HERE / "horizon.svg")
    if "accuracy" in wanted:
        rows += bench_accuracy()
    if "reduction" in wanted:
        days, full_n, reduced_n = (int(x) for x in args.reduction.split(","))
        rows += bench_reduction(args.workers, days, full_n, reduced_n, args.limit_s)
    print(markdown(rows, ("machine", "algorithm", "horizon", "accuracy", "reduction")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
