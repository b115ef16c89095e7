"""Benchmark of the run-time estimate: the unit costs behind ``planner.ops.estimate``, then the
estimate against the measured time of whole CLI runs.

Prints one JSON object per measurement (``{"bench": ..., ...}``) and then Markdown tables. Times
in seconds; medians over ``--repeat`` rounds.

- ``unit``: seconds per unit of work on this machine, the figures ``planner/ops/estimate.py``
  holds: drawing scenarios and simulating strategies (demo fleet, 40 scenarios, one process, at
  48 h and 336 h: a fixed part per site and a slope per site-hour), planning (one week, 4 / 8 /
  16 / 32 scenarios; a power law fitted through them) and the report (four strategies, two
  weeks, less the strategies' runs through the feeds, which cost what simulating does). All in
  CPU time of this process: what a quiet machine takes, and what a machine shared with other
  work changes little. ``PARALLEL_EFFICIENCY`` is not measured here: the ``check`` runs, on
  every core, test it.
- ``check``: real ``planner`` runs (``compare``, ``optimize``) against
  :func:`planner.ops.estimate.estimate_run` for the same arguments: their CPU time (the process
  and what it waited for; a pool's workers are not among those, so a run on every core shows
  its parent's share only) and wall time (start-up and feeds included), with the load.

Usage::

    .venv/bin/python benchmarks/bench_estimate.py [--only unit,check] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tables import machine, markdown

import planner
from planner.engine.metrics import with_hashrate_kept
from planner.ops import estimate
from planner.ops.comparison import write_comparison
from planner.ops.demo import DEMO_STORMS

ROOT = Path(__file__).resolve().parents[1]
RULES = ["run-through", "strike", "strike+protective"]


def timed(work: Callable[[], object], repeat: int, clock: Callable[[], float]) -> float:
    """Median time of ``work()`` on ``clock`` [s]."""
    times = []
    for _ in range(repeat):
        started = clock()
        work()
        times.append(clock() - started)
    return statistics.median(times)


def cpu(work: Callable[[], object], repeat: int) -> float:
    """Median CPU time of ``work()`` in this process [s]: the wall time of a quiet machine."""
    return timed(work, repeat, time.process_time)


def fit_line(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Intercept and slope of the least-squares line through ``(x, y)`` points."""
    line = statistics.linear_regression([x for x, _ in points], [y for _, y in points])
    return line.intercept, line.slope


def bench_unit(repeat: int) -> list[dict[str, Any]]:
    fleet = planner.demo_fleet()
    sites, n = len(fleet.sites), 40
    rows: list[dict[str, Any]] = []

    def unit(cost: str, value: float) -> None:
        rows.append({"bench": "unit", "cost": cost, "value": value})

    # Drawing and simulating, per scenario and site, at two horizons: a fixed part and a slope.
    draw, rule, follow = [], [], []
    for hours in (48, 336):
        feeds = planner.fetch_feeds(
            fleet, "2025-01-10", hours, "offline", seed=7, storms=DEMO_STORMS
        )
        draw.append(
            (
                hours,
                cpu(lambda f=feeds: planner.make_scenarios(fleet, f, n, 8), repeat) / n / sites,
            )
        )
        judged = planner.make_scenarios(fleet, feeds, n, 8)
        seconds = cpu(
            lambda j=judged: planner.compare_strategies(fleet, j, RULES, workers=1), repeat
        )
        rule.append((hours, seconds / len(RULES) / n / sites))
        plan = planner.optimize(fleet, planner.make_scenarios(fleet, feeds, 4, 7))
        seconds = cpu(
            lambda j=judged, p=plan: planner.compare_strategies(
                fleet, j, ["optimized"], plan=p, workers=1
            ),
            repeat,
        )
        follow.append((hours, seconds / n / sites))
    fixed, slope = fit_line(draw)
    unit("SCENARIO_S_PER_SITE", fixed)
    unit("SCENARIO_S_PER_SITE_HOUR", slope)
    fixed, slope = fit_line(rule)
    unit("SIMULATE_S_PER_SITE", fixed)
    unit("SIMULATE_S_PER_SITE_HOUR", slope)
    ratios = [f / r for (_, f), (_, r) in zip(follow, rule, strict=True)]
    unit("PLAN_SIMULATE_FACTOR", statistics.fmean(ratios))

    # Planning: four sizes at one week; a power law through them (a line in logs).
    week = planner.fetch_feeds(fleet, "2025-01-10", 168, "offline", seed=7, storms=DEMO_STORMS)
    points = []
    for plan_n in (4, 8, 16, 32):
        planned = planner.make_scenarios(fleet, week, plan_n, 7)
        seconds = cpu(lambda p=planned: planner.optimize(fleet, p), repeat)
        points.append((math.log(plan_n * sites * 168 / 1e4), math.log(seconds)))
        unit(f"optimize, {plan_n} scenarios x 168 h [s]", seconds)
    intercept, exponent = fit_line(points)
    unit("OPTIMIZE_S_PER_10K_SITE_HOURS", math.exp(intercept))
    unit("OPTIMIZE_EXPONENT", exponent)

    # The report, four strategies over two weeks, less its four runs through the feeds.
    names = [*RULES, "optimized"]
    feeds = planner.fetch_feeds(fleet, "2025-01-10", 336, "offline", seed=7, storms=DEMO_STORMS)
    judged = planner.make_scenarios(fleet, feeds, 8, 8)
    plan = planner.optimize(fleet, planner.make_scenarios(fleet, feeds, 4, 7))
    evaluation = planner.compare_strategies(fleet, judged, names, plan=plan, workers=1)
    table = with_hashrate_kept(evaluation.metrics(), baseline=names[0])
    with tempfile.TemporaryDirectory() as out:
        seconds = cpu(
            lambda: write_comparison(out, fleet, feeds, names, evaluation, table, plan=plan),
            repeat,
        )
    central = cpu(
        lambda: planner.simulate_strategies(fleet, feeds, names, plan=plan, seed=7), repeat
    )
    unit("REPORT_S", seconds - central)
    return rows


CHECKS: list[tuple[list[str], dict[str, Any]]] = [
    (["compare", "--scenarios", "120"], {"hours": 168, "scenarios": 120, "strategies": 3}),
    (["compare", "--scenarios", "2000"], {"hours": 168, "scenarios": 2000, "strategies": 3}),
    (["optimize"], {"hours": 168, "plan_scenarios": 8}),
    (["optimize", "--scenarios", "32"], {"hours": 168, "plan_scenarios": 32}),
]


def bench_check(repeat: int) -> list[dict[str, Any]]:
    rows = []
    planner_bin = Path(sys.executable).with_name("planner")
    for args, shape in CHECKS:
        expected = estimate.estimate_run(sites=6, **shape).total_s
        walls, cpus = [], []
        for _ in range(repeat):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            subprocess.run([str(planner_bin), *args], check=True, capture_output=True, cwd=ROOT)
            walls.append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        rows.append(
            {
                "bench": "check",
                "command": "planner " + " ".join(args),
                "estimate_s": expected,
                "cpu_s": statistics.median(cpus),
                "wall_s": statistics.median(walls),
                "load_1min": round(os.getloadavg()[0], 2),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="unit,check")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    benches: dict[str, Callable[[], list[dict[str, Any]]]] = {
        "unit": lambda: bench_unit(args.repeat),
        "check": lambda: bench_check(args.repeat),
    }
    rows = [machine()]
    print(json.dumps(rows[0]), flush=True)
    for name in args.only.split(","):
        if name not in benches:
            parser.error(f"unknown benchmark {name!r}; known: {', '.join(benches)}")
        for row in benches[name]():
            print(json.dumps(row), flush=True)
            rows.append(row)
    print(markdown(rows, ("machine", "unit", "check")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
