"""Benchmarks of the simulation and the Monte Carlo runner.

Prints one JSON object per measurement (``{"bench": ..., ...}``) and then a Markdown table of
them. Figures are medians of repeated runs; times in seconds.

- ``fleet50``: one replication of a 50-site fleet-year at hourly resolution (simulation only;
  scenario generation timed separately). Target <= 0.1 s.
- ``mc1000``: 1,000 replications of the demo fleet-year (10 scenarios x 100 replications) for
  run-through and strike through :func:`planner.engine.montecarlo.evaluate` on the local process
  pool. Target <= 60 s on 2 cores.
- ``scaling``: 10, 50 and 200 sites over 1 week, 1 month and 1 year, and the same 50 sites with
  10x the machines: the cost follows the events, not the machines.
- ``generation``: scenario generation against the simulation it feeds, side by side in one
  process, at 50 and 1,000 sites over a year: one scenario drawn (base arrays included, and the
  draw alone) against one run-through simulation of it; medians of ``--repeat`` turns. Target:
  generation / simulation <= 2. Peak traced memory of drawing 1 and 3 scenarios, per
  site-hour-scenario (linear: the same figure).
- ``futures1000``: 1,000 distinct joint futures of the demo fleet-year (``draw_scenarios``:
  each drawn in the worker that simulates it) for run-through and strike, on the local pool of
  2 workers. Target <= 60 s on 2 cores.
- ``dask``: the same evaluation of 200 distinct futures on a dask LocalCluster of 2 worker
  processes and on the local pool of 2, in turns.
- ``scenarios`` (only when asked): offline feeds and :func:`planner.make_scenarios` for the demo
  fleet (14 days from 2025-01-10, the demo's cold snap, 40 scenarios) and 50 sites (one year,
  10 scenarios): wall and CPU medians. Run the same command in another checkout for a baseline.
- ``ab`` (only when asked): this ``simulate`` raced against another version's, run by run. The
  baseline file imports everything else, the SimPy processes of
  ``planner/engine/site_processes.py`` included, from this tree.

Usage::

    .venv/bin/python benchmarks/bench_simulation.py [--only fleet50,mc1000,scaling] [--repeat N]
    .venv/bin/python benchmarks/bench_simulation.py --only scenarios --repeat 3
    .venv/bin/python benchmarks/bench_simulation.py --only generation,futures1000,dask --repeat 5
    git show <commit>:planner/engine/simulation.py > /tmp/simulation_before.py
    .venv/bin/python benchmarks/bench_simulation.py --only ab --baseline /tmp/simulation_before.py
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from tables import machine, markdown

from planner.domain.examples import demo_fleet
from planner.domain.fleet import Fleet, fleet_from_dict
from planner.engine.montecarlo import evaluate
from planner.engine.simulation import simulate, simulate_arrays
from planner.ops.demo import DEMO_STORMS
from planner.world.feeds import fetch_feeds
from planner.world.scenario_draws import draw_scenarios
from planner.world.scenarios import Scenario, make_scenarios, scenario_drawer

START = "2025-01-01"
YEAR_H = 8760


def synthetic_fleet(n_sites: int, machine_scale: float = 1.0, seed: int = 0) -> Fleet:
    """``n_sites`` sites cycled from the demo fleet, moved up to 1 degree and given unique ids.

    ``machine_scale`` multiplies machines, slots and capacity (same sites, more machines).
    """
    demo = demo_fleet()
    rng = np.random.default_rng(seed)
    sites = []
    for k in range(n_sites):
        base = demo.sites[k % len(demo.sites)].model_dump(by_alias=True)
        sites.append(
            {
                **base,
                "id": f"{base['id']}-{k:03d}",
                "name": f"{base['name']} #{k}",
                "latitude": float(np.clip(base["latitude"] + rng.uniform(-1, 1), -89, 89)),
                "longitude": float(base["longitude"] + rng.uniform(-1, 1)),
                "machines": {m: round(n * machine_scale) for m, n in base["machines"].items()},
                "slots": round(base["slots"] * machine_scale),
                "capacity_mw": base["capacity_mw"] * machine_scale,
            }
        )
    return fleet_from_dict({"name": f"synthetic {n_sites} sites", "sites": sites}, "bench")


def timed(fn: Callable[..., Any], repeat: int) -> tuple[float, list[float], Any]:
    """Median wall time of ``fn(seed=0) ... fn(seed=repeat - 1)`` [s], all times, last result."""
    times = []
    result = None
    for i in range(repeat):
        t0 = time.perf_counter()
        result = fn(seed=i)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, result


def scenario_for(fleet: Fleet, hours: int, seed: int = 1) -> tuple[Scenario, float, float]:
    """One scenario over ``hours``; seconds spent on feeds and on scenario generation."""
    t0 = time.perf_counter()
    feeds = fetch_feeds(fleet, START, hours, seed=7)
    t1 = time.perf_counter()
    scenarios = make_scenarios(fleet, feeds, 1, seed=seed)
    return scenarios[0], t1 - t0, time.perf_counter() - t1


def bench_fleet50(repeat: int) -> list[dict[str, Any]]:
    fleet = synthetic_fleet(50)
    scenario, feeds_s, scenario_s = scenario_for(fleet, YEAR_H)
    out = []
    for policy in ("run-through", "strike"):
        for path, run in (("simulate", simulate), ("simulate_arrays", simulate_arrays)):
            run(fleet, scenario, policy, seed=1000)  # warm up (imports, catalog)
            median, times, result = timed(partial(run, fleet, scenario, policy), repeat)
            events = len(result.log if path == "simulate_arrays" else result.events)
            out.append(
                {
                    "bench": "fleet50",
                    "policy": policy,
                    "path": path,
                    "sites": 50,
                    "hours": YEAR_H,
                    "median_s": median,
                    "min_s": min(times),
                    "runs": repeat,
                    "events": events,
                    "events_per_s": events / median,
                    "feeds_s": feeds_s,
                    "scenario_generation_s": scenario_s,
                    "target_s": 0.1,
                }
            )
    return out


def bench_mc1000(
    repeat: int, scenarios_n: int = 10, replications: int = 100
) -> list[dict[str, Any]]:
    fleet = demo_fleet()
    t0 = time.perf_counter()
    feeds = fetch_feeds(fleet, START, YEAR_H, seed=7)
    t1 = time.perf_counter()
    scenarios = make_scenarios(fleet, feeds, scenarios_n, seed=3)
    t2 = time.perf_counter()
    workers = os.cpu_count() or 1

    def run(seed: int) -> Any:  # every repeat runs the same work (the set's seed)
        return evaluate(
            fleet, scenarios, ["run-through", "strike"], replications=replications, workers=workers
        )

    median, times, evaluation = timed(run, repeat)
    runs = scenarios_n * replications
    fleet_rows = evaluation.metrics().set_index(["policy", "site_id"])
    return [
        {
            "bench": "mc1000",
            "policies": "run-through,strike",
            "scenarios": scenarios_n,
            "replications": replications,
            "runs_per_policy": runs,
            "simulations": 2 * runs,
            "workers": workers,
            "median_s": median,
            "min_s": min(times),
            "repeats": repeat,
            "simulations_per_s": 2 * runs / median,
            "feeds_s": t1 - t0,
            "scenario_generation_s": t2 - t1,
            "expected_profit_usd": {
                p: float(fleet_rows.loc[(p, "fleet"), "expected_profit_usd"])
                for p in ("run-through", "strike")
            },
            "target_s": 60.0,
        }
    ]


def bench_scaling(repeat: int) -> list[dict[str, Any]]:
    out = []
    cases = [(n, h, 1.0) for n in (10, 50, 200) for h in (168, 720, YEAR_H)]
    cases.append((50, YEAR_H, 10.0))
    for n_sites, hours, scale in cases:
        fleet = synthetic_fleet(n_sites, machine_scale=scale)
        scenario, _, scenario_s = scenario_for(fleet, hours)
        simulate(fleet, scenario, seed=1000)
        median, _, result = timed(partial(simulate, fleet, scenario, "run-through"), repeat)
        machines = sum(sum(s.machines.values()) for s in fleet.sites)
        events = len(result.events)
        out.append(
            {
                "bench": "scaling",
                "policy": "run-through",
                "sites": n_sites,
                "hours": hours,
                "machines": machines,
                "machine_scale": scale,
                "median_s": median,
                "events": events,
                "us_per_event": 1e6 * median / max(events, 1),
                "us_per_site_hour": 1e6 * median / (n_sites * hours),
                "scenario_generation_s": scenario_s,
            }
        )
    return out


def bench_scenarios(repeat: int) -> list[dict[str, Any]]:
    """Offline feeds and scenario generation: median wall and CPU time of ``repeat`` runs."""
    out = []
    cases = (
        ("demo, 14 days, 40 scenarios", demo_fleet(), "2025-01-10", 24 * 14, 40),
        ("50 sites, 1 year, 10 scenarios", synthetic_fleet(50), START, YEAR_H, 10),
    )
    for name, fleet, start, hours, n in cases:
        fetch = partial(fetch_feeds, fleet, start, hours, "offline", seed=7, storms=DEMO_STORMS)
        feeds = fetch()
        for step, run in (
            ("offline feeds", fetch),
            ("make_scenarios", partial(make_scenarios, fleet, feeds, n, 8)),
        ):
            wall, cpu = [], []
            for _ in range(repeat):
                t0, c0 = time.perf_counter(), time.process_time()
                run()
                wall.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
            out.append(
                {
                    "bench": "scenarios",
                    "case": name,
                    "step": step,
                    "median_s": statistics.median(wall),
                    "cpu_median_s": statistics.median(cpu),
                    "runs": repeat,
                    "load_1min": round(os.getloadavg()[0], 2),
                }
            )
    return out


def bench_generation(repeat: int, sizes: tuple[int, ...] = (50, 1000)) -> list[dict[str, Any]]:
    """Scenario generation against simulation, in turns in one process."""
    out = []
    for n_sites in sizes:
        fleet = synthetic_fleet(n_sites)
        t0 = time.perf_counter()
        feeds = fetch_feeds(fleet, START, YEAR_H, seed=7)
        feeds_s = time.perf_counter() - t0
        drawer = scenario_drawer(fleet, feeds, 1)
        simulate(fleet, drawer.draw(0, 1.0), "run-through", seed=0)  # warm up
        gen, draw, sim = [], [], []
        for r in range(repeat):
            t0 = time.perf_counter()
            scenario = make_scenarios(fleet, feeds, 1, seed=r + 1)[0]
            gen.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            drawer.draw(r + 1, 1.0)
            draw.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            simulate(fleet, scenario, "run-through", seed=r)
            sim.append(time.perf_counter() - t0)
        per_cell = []
        for n in (1, 3):
            tracemalloc.start()
            make_scenarios(fleet, feeds, n, seed=1)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            per_cell.append(peak / (n_sites * YEAR_H * n))
        out.append(
            {
                "bench": "generation",
                "sites": n_sites,
                "hours": YEAR_H,
                "runs": repeat,
                "make_scenarios_1_s": statistics.median(gen),
                "draw_only_s": statistics.median(draw),
                "simulate_s": statistics.median(sim),
                "ratio": statistics.median(gen) / statistics.median(sim),
                "ratio_draw_only": statistics.median(draw) / statistics.median(sim),
                "peak_bytes_per_site_hour_1": per_cell[0],
                "peak_bytes_per_site_hour_scenario_3": per_cell[1],
                "feeds_s": feeds_s,
                "load_1min": round(os.getloadavg()[0], 2),
                "target_ratio": 2.0,
            }
        )
        print(json.dumps(out[-1]), flush=True)
    return out


def bench_futures(n: int = 1000, workers: int = 2) -> list[dict[str, Any]]:
    """``n`` distinct futures of the demo fleet-year, two policies, drawn in the workers."""
    fleet = demo_fleet()
    feeds = fetch_feeds(fleet, START, YEAR_H, seed=7)
    t0 = time.perf_counter()
    futures = draw_scenarios(fleet, feeds, n, seed=3)
    evaluation = evaluate(fleet, futures, ["run-through", "strike"], workers=workers)
    seconds = time.perf_counter() - t0
    rows = evaluation.metrics().set_index(["policy", "site_id"])
    # CPU per fleet-year and policy, drawing included, from a sample run in this process: on a
    # shared machine the wall time above depends on the load, this does much less
    sample = 50
    c0 = time.process_time()
    evaluate(
        fleet, draw_scenarios(fleet, feeds, sample, seed=3), ["run-through", "strike"], workers=1
    )
    cpu_per = (time.process_time() - c0) / (2 * sample)
    return [
        {
            "bench": "futures1000",
            "futures": n,
            "distinct_scenarios": int(evaluation.run_index["scenario"].nunique()),
            "policies": "run-through,strike",
            "workers": workers,
            "wall_s": seconds,
            "per_fleet_year_policy_s": seconds / (2 * n),
            "cpu_per_fleet_year_policy_s": cpu_per,
            "idle_2_cores_estimate_s": 2 * n * cpu_per / workers,
            "expected_profit_usd": {
                p: float(rows.loc[(p, "fleet"), "expected_profit_usd"])
                for p in ("run-through", "strike")
            },
            "load_1min": round(os.getloadavg()[0], 2),
            "target_s": 60.0,
        }
    ]


def bench_dask(n: int = 200, workers: int = 2, repeat: int = 2) -> list[dict[str, Any]]:
    """The same evaluation on a dask LocalCluster and on the local pool, in turns."""
    fleet = demo_fleet()
    feeds = fetch_feeds(fleet, START, YEAR_H, seed=7)
    futures = draw_scenarios(fleet, feeds, n, seed=3)
    times: dict[str, list[float]] = {"local": [], "dask": []}
    results = {}
    for _ in range(repeat):
        for executor in ("local", "dask"):
            t0 = time.perf_counter()
            results[executor] = evaluate(
                fleet, futures, ["run-through", "strike"], executor=executor, workers=workers
            )
            times[executor].append(time.perf_counter() - t0)
    same = results["local"].runs.equals(results["dask"].runs)
    return [
        {
            "bench": "dask",
            "futures": n,
            "policies": 2,
            "workers": workers,
            "local_pool_s": statistics.median(times["local"]),
            "dask_localcluster_s": statistics.median(times["dask"]),
            "dask_over_local": statistics.median(times["dask"]) / statistics.median(times["local"]),
            "identical_results": same,
            "runs": repeat,
            "load_1min": round(os.getloadavg()[0], 2),
        }
    ]


def bench_ab(repeat: int, baseline: str) -> list[dict[str, Any]]:
    """This ``simulate`` against another version's (a ``simulation.py`` file), interleaved run by
    run in one process so that machine load hits both alike."""
    spec = importlib.util.spec_from_file_location("simulation_baseline", baseline)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {baseline}")
    before = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = before  # dataclasses look their module up
    spec.loader.exec_module(before)
    out = []
    for name, fleet in (("demo (6 sites)", demo_fleet()), ("50 sites", synthetic_fleet(50))):
        scenario, _, _ = scenario_for(fleet, YEAR_H)
        for policy in ("run-through", "strike"):
            times: dict[str, list[float]] = {"baseline": [], "current": []}
            for i in range(repeat):
                for label, run in (("baseline", before.simulate), ("current", simulate)):
                    t0 = time.perf_counter()
                    run(fleet, scenario, policy, seed=i)
                    times[label].append(time.perf_counter() - t0)
            old, new = (statistics.median(times[k]) for k in ("baseline", "current"))
            out.append(
                {
                    "bench": "ab",
                    "fleet": name,
                    "policy": policy,
                    "hours": YEAR_H,
                    "baseline_median_s": old,
                    "current_median_s": new,
                    "speedup": old / new,
                    "runs": repeat,
                }
            )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="fleet50,mc1000,scaling")
    parser.add_argument("--repeat", type=int, default=7, help="runs per timing (mc1000: 3)")
    parser.add_argument(
        "--baseline",
        help="simulation.py of another version to race (--only ab), e.g. from git show",
    )
    args = parser.parse_args(argv)
    wanted = args.only.split(",")
    rows = [machine()]
    print(json.dumps(rows[0]), flush=True)
    benches: dict[str, Callable[[], list[dict[str, Any]]]] = {
        "fleet50": lambda: bench_fleet50(args.repeat),
        "mc1000": lambda: bench_mc1000(min(args.repeat, 3)),
        "scaling": lambda: bench_scaling(args.repeat),
        "scenarios": lambda: bench_scenarios(args.repeat),
        "generation": lambda: bench_generation(args.repeat),
        "futures1000": bench_futures,
        "dask": bench_dask,
        "ab": lambda: bench_ab(args.repeat, args.baseline),
    }
    if "ab" in wanted and not args.baseline:
        parser.error("--only ab needs --baseline PATH")
    for name in wanted:
        if name not in benches:
            parser.error(f"unknown benchmark {name!r}; known: {', '.join(benches)}")
        for row in benches[name]():
            print(json.dumps(row), flush=True)
            rows.append(row)
    shown = ("fleet50", "mc1000", "scaling", "generation", "futures1000", "dask", "scenarios", "ab")
    print(markdown(rows, shown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
