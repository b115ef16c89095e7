"""A solve out of time is an answer, never an empty one: the best plan found, or the strike rule's.

The strike rule's plan is worked by hand on one site; the time limit is hit for real on the demo
fleet (a 1 ms budget, where the solve needs about 10 ms), and the demo job and the CLI carry on.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner import demo_fleet, fetch_feeds, make_scenarios
from planner.domain.examples import one_site
from planner.domain.ledger import site_ledger
from planner.engine.montecarlo import evaluate
from planner.engine.optimization import OptimizeSettings, PlanSolver, SolveStatus
from planner.engine.optimization.fallback import strike_run_fractions, strike_values
from planner.engine.optimization.plan import extract_plan
from planner.engine.optimization.solver import time_limit_note
from planner.engine.policies import StrikePrice
from planner.engine.strategies import optimized_strategy
from planner.ops.demo import DEMO_STORMS, run_demo
from planner.world.scenarios import flat_scenario

ROOT = Path(__file__).resolve().parents[2]
R19 = 0.05 / (29.5 * 86_400 / 3.6e9)  # S19j Pro earns 70.62 USD/MWh at hashprice 0.05


def test_the_strike_rules_plan_by_hand() -> None:
    # 1,000 S19j Pro: prices 40, 90, 40, 40 USD/MWh. The strike rule (debounce 1 h, hold 2 h)
    # acts on the last settled price: it runs in hour 0 (nothing published yet) and hour 1 (40
    # seen), sheds in hour 2 (90 > 70.62 seen) and stays off two hours: runs in hours 0 and 1.
    # Profit 2.95 MW x ((70.62 - 40) + (70.62 - 90)) x 1 h = 33.17 USD.
    fleet = one_site()
    scenario = flat_scenario(fleet, 4, price_usd_per_mwh=np.array([40.0, 90.0, 40.0, 40.0]))
    solver = PlanSolver(fleet, [scenario])
    params = solver.parameters
    fractions = strike_run_fractions(solver.built, params)
    assert fractions[0, :, 0].tolist() == [1.0, 1.0, 0.0, 0.0]
    rule = StrikePrice().run_fraction(fleet, fleet.sites[0], scenario.site_hours(0))
    assert fractions[0, :, 0].tolist() == rule[0].tolist()
    result = dataclasses.replace(
        solver.solve().solver,
        status=SolveStatus.TIME_LIMIT_NO_SOLUTION,
        values=strike_values(solver.built, params),
    )
    plan = extract_plan(solver.built, result, params, note="fallback")
    assert plan.is_fallback and plan.note == "fallback"
    assert plan.kpis.expected_profit_usd == pytest.approx(2.95 * (2 * R19 - 130.0))
    assert plan.kpis.expected_profit_usd == pytest.approx(33.17, abs=0.01)
    ledger = site_ledger(fleet, fleet.sites[0], scenario.site_hours(0), rule)
    assert plan.kpis.expected_profit_usd == pytest.approx(ledger["profit_usd"].sum())
    assert plan.relocations.empty


def test_a_ppa_site_fills_its_block_first_in_the_fallback() -> None:
    # PPA 2 MW at 30 USD/MWh with sell-back at the price less 1.5 USD/MWh; the rule runs all
    # 2.95 MW at 20 USD/MWh. The fallback fills the block first (2 MWh an hour), buys the other
    # 0.95 MWh at 20, and its accounting (the model's PPA rows) equals the hourly ledger's.
    fleet = one_site(
        contract={
            "kind": "ppa",
            "price_usd_per_mwh": 30.0,
            "contracted_mw": 2.0,
            "sell_back": True,
            "sell_back_discount_usd_per_mwh": 1.5,
        }
    )
    scenario = flat_scenario(fleet, 3, price_usd_per_mwh=20.0)
    solver = PlanSolver(fleet, [scenario])
    params = solver.parameters
    result = dataclasses.replace(solver.solve().solver, values=strike_values(solver.built, params))
    plan = extract_plan(solver.built, result, params)
    rule = StrikePrice().run_fraction(fleet, fleet.sites[0], scenario.site_hours(0))
    ledger = site_ledger(fleet, fleet.sites[0], scenario.site_hours(0), rule)
    assert plan.kpis.expected_profit_usd == pytest.approx(ledger["profit_usd"].sum(), rel=1e-9)


def _demo_day(scenarios: int = 2):  # type: ignore[no-untyped-def]
    fleet = demo_fleet()
    feeds = fetch_feeds(fleet, "2025-01-10", 24, "offline", seed=7, storms=DEMO_STORMS)
    return fleet, make_scenarios(fleet, feeds, scenarios, 7)


def test_a_solve_out_of_time_with_no_solution_shows_the_strike_rules_plan() -> None:
    fleet, scenarios = _demo_day()
    solver = PlanSolver(fleet, scenarios, OptimizeSettings(time_limit_s=1e-3))
    plan = solver.solve()
    assert plan.solver.status is SolveStatus.TIME_LIMIT_NO_SOLUTION
    assert plan.is_fallback
    assert plan.note == (
        "optimizer hit its 0.001 s time limit with no solution; showing the strike rule's plan"
    )
    assert plan.solver.objective_usd is None and plan.solver.mip_gap is None
    where = {(t.site_id, t.model_id): k for k, t in enumerate(plan.tiers)}
    for i, site in enumerate(fleet.sites):
        ks = [where[(site.id, m)] for m in plan.tier_models(site.id)]
        for s, scenario in enumerate(scenarios):
            rule = StrikePrice().run_fraction(fleet, site, scenario.site_hours(i))
            available = plan.available_mw[ks, :, s] > 0  # an outage leaves nothing to run
            np.testing.assert_allclose(plan.schedule_for(site.id, s)[available], rule[available])
    # The plan is runnable: judged, it is the breakeven guard with freeze protection.
    strategy = optimized_strategy(plan)
    judged = evaluate(fleet, scenarios, [strategy.policy], shipments=strategy.shipments, seed=1)
    assert np.isfinite(judged.metrics()["expected_profit_usd"]).all()
    # Given time, the same model has its optimum.
    solved = PlanSolver(fleet, scenarios).solve()
    assert solved.solver.status is SolveStatus.OPTIMAL and solved.note == ""
    assert not solved.is_fallback


def test_the_note_of_a_time_limited_solve_with_a_plan() -> None:
    fleet = one_site()
    result = PlanSolver(fleet, [flat_scenario(fleet, 2)]).solve().solver
    limited = dataclasses.replace(result, status=SolveStatus.TIME_LIMIT_FEASIBLE, mip_gap=0.012)
    assert time_limit_note(limited, 5.0) == (
        "optimizer hit its 5 s time limit; showing the best plan it found, within 1.20% of the "
        "best bound"
    )
    assert time_limit_note(result, 5.0) == ""


def test_the_demo_job_carries_on_with_the_fallback(tmp_path: Path) -> None:
    outcome = run_demo(
        tmp_path,
        hours=24,
        scenarios=2,
        plan_scenarios=2,
        workers=1,
        optimize_settings=OptimizeSettings(time_limit_s=1e-3),
    )
    assert outcome.plan is not None and outcome.plan.is_fallback
    table = pd.read_csv(outcome.kpis_path)
    assert "optimized" in set(table["policy"])
    assert "showing the strike rule&#x27;s plan" in outcome.report_path.read_text(encoding="utf-8")


@pytest.mark.slow
def test_planner_demo_prints_the_note_in_a_real_subprocess(tmp_path: Path) -> None:
    argv = ["demo", "--out", str(tmp_path), "--hours", "24", "--scenarios", "2"]
    argv += ["--plan-scenarios", "2", "--time-limit", "0.001", "--json"]
    proc = subprocess.run(
        [sys.executable, "-m", "planner.surfaces.cli", *argv],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)
    assert payload["plan_note"].endswith("with no solution; showing the strike rule's plan")
    assert [r["policy"] for r in payload["kpis"]][-1] == "optimized"
