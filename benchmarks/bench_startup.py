"""Benchmark of start-up: what ``import planner`` and ``planner --help`` cost before any work.

Prints one JSON object per measurement (``{"bench": ..., ...}``) and then Markdown tables. Times
in seconds; medians over ``--repeat`` fresh interpreters.

- ``import``: ``python -X importtime -c "import planner"``, the cumulative time of the top-level
  ``planner`` import as the interpreter reports it; the wall and CPU time of ``python -c "import
  planner"``; whether Pyomo or highspy was imported.
- ``help``: the wall and CPU time of ``planner --help`` (the installed console script).

CPU time (user + system of the child) is near enough what a quiet machine's wall time would be,
and moves little when the machine is shared.

``--tree NAME=FOLDER`` (repeatable) measures the source trees in turns, one round after another,
so that a load on the machine weighs on each alike: for instance the commit before a change,
extracted with ``git archive``, against this checkout. Each runs with ``PYTHONPATH=FOLDER`` from a
neutral working folder.

Usage::

    .venv/bin/python benchmarks/bench_startup.py [--repeat N] [--tree before=/tmp/old ...]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tables import machine, markdown

ROOT = Path(__file__).resolve().parents[1]
PLANNER = Path(sys.executable).with_name("planner")
SOLVER_CHECK = (
    "import planner, sys; print(int('pyomo' in sys.modules), int('highspy' in sys.modules))"
)


def run(command: list[str], tree: Path, cwd: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(command, check=True, capture_output=True, text=True, env=env, cwd=cwd)


def timed(command: list[str], tree: Path, cwd: str) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run of ``command`` [s]."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    run(command, tree, cwd)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def importtime(tree: Path, cwd: str) -> float:
    """The top-level ``planner`` line of ``-X importtime`` [s] (microseconds there)."""
    stderr = run([sys.executable, "-X", "importtime", "-c", "import planner"], tree, cwd).stderr
    line = next(line for line in stderr.splitlines() if line.split("|")[-1].strip() == "planner")
    return int(line.split("|")[1]) / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--tree", action="append", default=[], metavar="NAME=FOLDER")
    args = parser.parse_args(argv)
    trees = {name: Path(folder) for name, folder in (t.split("=", 1) for t in args.tree)}
    trees = trees or {"this": ROOT}
    times: dict[str, dict[str, list[float]]] = {
        name: {k: [] for k in ("importtime", "import", "import_cpu", "help", "help_cpu")}
        for name in trees
    }
    with tempfile.TemporaryDirectory() as cwd:
        for _ in range(args.repeat):
            for name, tree in trees.items():
                times[name]["importtime"].append(importtime(tree, cwd))
                wall, cpu = timed([sys.executable, "-c", "import planner"], tree, cwd)
                times[name]["import"].append(wall)
                times[name]["import_cpu"].append(cpu)
                wall, cpu = timed([str(PLANNER), "--help"], tree, cwd)
                times[name]["help"].append(wall)
                times[name]["help_cpu"].append(cpu)
        rows: list[dict[str, Any]] = [machine()]
        for name, tree in trees.items():
            solver = run([sys.executable, "-c", SOLVER_CHECK], tree, cwd).stdout.split()
            rows.append(
                {
                    "bench": "import",
                    "tree": name,
                    "importtime_median_s": statistics.median(times[name]["importtime"]),
                    "wall_median_s": statistics.median(times[name]["import"]),
                    "cpu_median_s": statistics.median(times[name]["import_cpu"]),
                    "pyomo_imported": solver[0] == "1",
                    "highspy_imported": solver[1] == "1",
                }
            )
            rows.append(
                {
                    "bench": "help",
                    "tree": name,
                    "wall_median_s": statistics.median(times[name]["help"]),
                    "cpu_median_s": statistics.median(times[name]["help_cpu"]),
                }
            )
    for row in rows:
        print(json.dumps(row), flush=True)
    print(markdown(rows, ("machine", "import", "help")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
