"""Benchmark of the what-if app's re-plan: how long a slider move takes to show a new plan.

Prints one JSON object per measurement (``{"bench": ..., ...}``) and then Markdown tables. Times
in seconds; medians over ``--repeat`` rounds.

- ``setup``: what a new fleet or setup costs once (demo fleet, 7 days, 10 scenarios): feeds,
  planning and judging scenarios, building the model, the first solve, judging the rules.
- ``replan``: the page's re-plan path, :func:`planner.surfaces.app.replan` =
  ``PlanSolver.update`` through the persistent solver + judging the plan out of sample on the
  10 judging scenarios. Each round walks the knobs one move at a time (BTC -20 %, risk aversion,
  CVaR level, hashrate floor, relocation budget, BTC +20 %, back to the defaults), with the
  engine's memory of plans cleared first so every move is solved. Target: <= 2 s.
- ``page``: the whole page rerun after a BTC move, in-process through Streamlit's ``AppTest``
  (script and every step the move invalidates: judging scenarios, the rules' evaluation, the
  re-plan, charts and tables), without a browser.
- ``size`` (only when asked): the largest setup the page offers (14 days, 40 scenarios), each
  variant in a fresh process: wall and CPU time of every setup step and the process's peak
  resident memory (``ru_maxrss``). ``default`` is what the page does; ``mirror`` also reads the
  Pyomo model once (what an ``extra_functionality`` hook or a Pyomo solver costs on top);
  ``unlimited`` is the page with a 1,200 s solve limit instead of 60 s (a loaded machine's
  solve to the end). ``--size-variants`` picks some.
  Targets: build + first solve <= 10 s, peak <= 1 GB.
- ``browser`` (only when asked): what the user sees. ``streamlit run app.py`` on a free local
  port, headless Chromium (``/usr/bin/chromium``) through playwright; from the click on "Run
  optimizer" after a BTC slider step to the new expected profit on screen.

Usage::

    .venv/bin/python benchmarks/bench_app.py [--only setup,replan,page,size,browser] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tables import machine, markdown

from planner import Replanner, demo_fleet
from planner.surfaces import app as sup

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 2.0

#: The slider walk of one round: (move, knobs after it); each changes one knob of the previous.
WALK: list[tuple[str, sup.WhatIf]] = [
    ("BTC -20 %", sup.WhatIf(btc_price_shock=-0.2)),
    ("risk aversion 1.0", sup.WhatIf(btc_price_shock=-0.2, risk_lambda=1.0)),
    ("CVaR level 0.90", sup.WhatIf(btc_price_shock=-0.2, risk_lambda=1.0, cvar_alpha=0.9)),
    (
        "hashrate floor 80 %",
        sup.WhatIf(btc_price_shock=-0.2, risk_lambda=1.0, cvar_alpha=0.9, hashrate_floor_pct=80),
    ),
    (
        "relocation budget $0",
        sup.WhatIf(
            btc_price_shock=-0.2,
            risk_lambda=1.0,
            cvar_alpha=0.9,
            hashrate_floor_pct=80,
            relocation_budget_usd=0.0,
        ),
    ),
    ("BTC +20 %, rest default", sup.WhatIf(btc_price_shock=0.2)),
    ("back to defaults", sup.WhatIf()),
]


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def _build(setup: sup.Setup) -> tuple[dict[str, float], Replanner, Any]:
    fleet = demo_fleet()
    times: dict[str, float] = {}
    times["feeds"], feeds = _timed(lambda: sup.feeds_for(fleet, setup))
    times["planning scenarios"], planning = _timed(
        lambda: sup.scenarios_for(fleet, feeds, setup, sup.WhatIf(), judging=False)
    )
    times["judging scenarios"], judging = _timed(
        lambda: sup.scenarios_for(fleet, feeds, setup, sup.WhatIf(), judging=True)
    )
    times["build model"], engine = _timed(lambda: Replanner(fleet, planning))
    times["first solve"], _ = _timed(lambda: sup.plan_for(engine, sup.WhatIf()))
    times["judge run-through + strike"], _ = _timed(
        lambda: sup.judge_rules(fleet, judging, sup.WhatIf())
    )
    return times, engine, judging


#: The largest setup the page offers.
LARGEST = sup.Setup(days=14, scenarios=40)
SIZE_TARGET_S, SIZE_TARGET_MB = 10.0, 1000.0


def _rss_mb() -> float:
    """Resident memory of this process now [MB]."""
    with open("/proc/self/statm", encoding="utf-8") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _size_child(variant: str) -> dict[str, Any]:
    """One process doing what the page does on :data:`LARGEST` (``mirror``: and reading the
    Pyomo model once); wall and CPU time per step, peak resident memory."""
    fleet = demo_fleet()
    out: dict[str, Any] = {"bench": "size", "variant": variant, "start_rss_mb": _rss_mb()}

    def step(name: str, fn: Callable[[], Any]) -> Any:
        cpu, wall = time.process_time(), time.perf_counter()
        value = fn()
        out[f"{name}_s"] = time.perf_counter() - wall
        out[f"{name}_cpu_s"] = time.process_time() - cpu
        out[f"{name}_rss_mb"] = _rss_mb()  # resident after the step: where the memory goes
        return value

    feeds = step("feeds", lambda: sup.feeds_for(fleet, LARGEST))
    planning = step(
        "scenarios", lambda: sup.scenarios_for(fleet, feeds, LARGEST, sup.WhatIf(), judging=False)
    )
    judging = sup.scenarios_for(fleet, feeds, LARGEST, sup.WhatIf(), judging=True)
    engine = step("build", lambda: Replanner(fleet, planning))
    if variant == "mirror":
        step("mirror", lambda: engine.solver.model)
    if variant == "unlimited":
        plan = step("solve", lambda: engine.plan(time_limit_s=1200.0))
    else:
        plan = step("solve", lambda: sup.plan_for(engine, sup.WhatIf()))
    step("judge", lambda: sup.judge_rules(fleet, judging, sup.WhatIf()))
    out["build_solve_s"] = out["build_s"] + out["solve_s"]
    out["build_solve_cpu_s"] = out["build_cpu_s"] + out["solve_cpu_s"]
    out["columns"], out["rows"] = plan.solver.columns, plan.solver.rows
    out["status"] = plan.solver.status.value
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["load_1min_after"] = round(os.getloadavg()[0], 2)
    return out


#: What-if moves made in turn at :data:`LARGEST` after its first plan (``--only size-replans``).
LARGEST_MOVES: list[tuple[str, sup.WhatIf]] = [
    ("BTC -20 %", sup.WhatIf(btc_price_shock=-0.2)),
    ("risk aversion 1.0", sup.WhatIf(btc_price_shock=-0.2, risk_lambda=1.0)),
    ("BTC +20 %", sup.WhatIf(btc_price_shock=0.2, risk_lambda=1.0)),
    (
        "hashrate floor 80 %",
        sup.WhatIf(btc_price_shock=0.2, risk_lambda=1.0, hashrate_floor_pct=80),
    ),
    ("back to the defaults", sup.WhatIf()),
]


def _peak_mb() -> float:
    """Peak resident memory of this process since the last :func:`_reset_peak` [MiB]."""
    with open("/proc/self/status", encoding="utf-8") as f:
        line = next(line for line in f if line.startswith("VmHWM"))
    return int(line.split()[1]) / 1024


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w", encoding="utf-8") as f:
        f.write("5")  # Linux: resets VmHWM to the resident memory now


def bench_size_replans() -> list[dict[str, Any]]:
    """The page's what-if moves at :data:`LARGEST`, in turn after the first plan, in this
    process: peak resident memory of each move (``VmHWM`` reset before it), CPU and wall time."""
    fleet = demo_fleet()
    feeds = sup.feeds_for(fleet, LARGEST)
    planning = sup.scenarios_for(fleet, feeds, LARGEST, sup.WhatIf(), judging=False)
    engine = Replanner(fleet, planning)
    sup.plan_for(engine, sup.WhatIf())
    rows = [{"bench": "size-replans", "move": "first plan", "peak_rss_mb": _peak_mb()}]
    for move, whatif in LARGEST_MOVES:
        _reset_peak()
        cpu, wall = time.process_time(), time.perf_counter()
        plan = sup.plan_for(engine, whatif)
        rows.append(
            {
                "bench": "size-replans",
                "move": move,
                "peak_rss_mb": _peak_mb(),
                "cpu_s": time.process_time() - cpu,
                "wall_s": time.perf_counter() - wall,
                "status": plan.solver.status.value,
            }
        )
    return rows


SIZE_VARIANTS = ("default", "mirror", "unlimited")


def bench_size(repeat: int, variants: list[str]) -> list[dict[str, Any]]:
    rows = []
    for variant in variants:
        for _ in range(repeat):
            done = subprocess.run(
                [sys.executable, __file__, "--size-child", variant],
                check=True,
                capture_output=True,
                text=True,
            )
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return rows


def bench_setup(repeat: int) -> list[dict[str, Any]]:
    runs = [_build(sup.Setup())[0] for _ in range(repeat)]
    rows = [
        {"bench": "setup", "step": step, "median_s": statistics.median(r[step] for r in runs)}
        for step in runs[0]
    ]
    total = statistics.median(sum(r.values()) for r in runs)
    return [*rows, {"bench": "setup", "step": "total", "median_s": total}]


def bench_replan(repeat: int) -> list[dict[str, Any]]:
    _, engine, judging = _build(sup.Setup())
    samples: dict[str, list[tuple[float, float, float]]] = {move: [] for move, _ in WALK}
    for _ in range(repeat):
        engine.forget()
        for move, whatif in WALK:
            result = sup.replan(engine, judging, whatif)
            samples[move].append((result.seconds, result.solve_seconds, result.judge_seconds))
    rows = []
    for move, values in samples.items():
        total = [v[0] for v in values]
        rows.append(
            {
                "bench": "replan",
                "move": move,
                "median_s": statistics.median(total),
                "max_s": max(total),
                "solve_median_s": statistics.median(v[1] for v in values),
                "judge_median_s": statistics.median(v[2] for v in values),
            }
        )
    every = [v[0] for values in samples.values() for v in values]
    rows.append(
        {
            "bench": "replan",
            "move": "all moves",
            "median_s": statistics.median(every),
            "max_s": max(every),
            "within_target": sum(t <= TARGET_S for t in every) / len(every),
        }
    )
    return rows


def bench_page(repeat: int) -> list[dict[str, Any]]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    first, _ = _timed(at.run)
    times = []
    for k in range(repeat):
        at.slider(key="btc_shock").set_value(-5 * (k + 1))  # a new value each time: no cache hit
        next(b for b in at.button if b.label == "Run optimizer").click()
        elapsed, _ = _timed(at.run)
        if at.exception or at.error:
            raise RuntimeError(f"page failed: {at.exception or at.error[0].value}")
        times.append(elapsed)
    return [
        {"bench": "page", "step": "first render (cold caches)", "median_s": first},
        {
            "bench": "page",
            "step": "rerun after a BTC move",
            "median_s": statistics.median(times),
            "max_s": max(times),
        },
    ]


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
METRIC = '[data-testid="stMetricValue"]'


def _serve() -> tuple[subprocess.Popen[bytes], str]:
    """``streamlit run app.py`` on a free localhost port, answering its health check."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py")]
    for name, value in {
        "server.port": str(port),
        "server.address": "127.0.0.1",
        "server.headless": "true",
        "server.fileWatcherType": "none",
        "browser.gatherUsageStats": "false",
    }.items():
        command += [f"--{name}", value]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return process, url
        except OSError:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    raise RuntimeError("streamlit did not start within 60 s")


def bench_browser(repeat: int) -> list[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    process, url = _serve()
    times = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.set_default_timeout(60_000)
                started = time.perf_counter()
                page.goto(url)
                page.locator(METRIC).nth(3).wait_for()
                first = time.perf_counter() - started
                slider = page.get_by_role("slider", name="BTC price shock [%]")
                for _ in range(repeat):
                    before = page.locator(METRIC).first.inner_text()
                    slider.focus()
                    slider.press("ArrowLeft")  # one 5 % step: a value not seen before
                    started = time.perf_counter()
                    page.get_by_role("button", name="Run optimizer").click()
                    page.wait_for_function(
                        "([s, old]) => { const v = document.querySelector(s);"
                        " return v !== null && v.innerText !== old; }",
                        arg=[METRIC, before],
                    )
                    times.append(time.perf_counter() - started)
            finally:
                browser.close()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    return [
        {"bench": "browser", "step": "first page (cold server)", "median_s": first},
        {
            "bench": "browser",
            "step": "click to new KPIs after a BTC move",
            "median_s": statistics.median(times),
            "max_s": max(times),
        },
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="setup,replan,page")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--size-variants", default=",".join(SIZE_VARIANTS))
    parser.add_argument("--size-child", choices=SIZE_VARIANTS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.size_child:
        print(json.dumps(_size_child(args.size_child)), flush=True)
        return 0
    benches: dict[str, Callable[[], list[dict[str, Any]]]] = {
        "setup": lambda: bench_setup(min(args.repeat, 3)),
        "replan": lambda: bench_replan(args.repeat),
        "page": lambda: bench_page(args.repeat),
        "size": lambda: bench_size(min(args.repeat, 1), args.size_variants.split(",")),
        "size-replans": bench_size_replans,
        "browser": lambda: bench_browser(args.repeat),
    }
    rows = [machine()]
    print(json.dumps(rows[0]), flush=True)
    for name in args.only.split(","):
        if name not in benches:
            parser.error(f"unknown benchmark {name!r}; known: {', '.join(benches)}")
        for row in benches[name]():
            print(json.dumps(row), flush=True)
            rows.append(row)
    print(markdown(rows, ("setup", "replan", "page", "size", "size-replans", "browser")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
