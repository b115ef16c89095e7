"""What the page says about its own work, and the promises it shows kept out of sample.

The app's default (demo fleet, 7 days from 2025-01-10, 10 planning scenarios of seed 7, judged
on 10 of seed 8) with the hashrate floor at 80 % of nameplate: the plan's strategy keeps the
floor in every judged hour where the fleet's machines allow it, and the page lists the hours
they do not with their reason.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from planner import (
    ConfigError,
    FeedError,
    Replanner,
    ScenarioSet,
    SolveError,
    demo_fleet,
    evaluate,
    simulate,
)
from planner.domain.examples import one_site
from planner.engine.optimization import OptimizeSettings, PlanSolver
from planner.engine.strategies import optimized_strategy
from planner.surfaces import app as sup
from planner.surfaces.app import notices
from planner.world.scenarios import flat_scenario

SETUP = sup.Setup()
FLOOR_PCT = 80.0


@pytest.fixture(scope="module")
def world() -> tuple[Replanner, ScenarioSet]:
    fleet = demo_fleet()
    feeds = sup.feeds_for(fleet, SETUP)
    planning = sup.scenarios_for(fleet, feeds, SETUP, sup.WhatIf(), judging=False)
    judging = sup.scenarios_for(fleet, feeds, SETUP, sup.WhatIf(), judging=True)
    return Replanner(fleet, planning), judging


@pytest.mark.slow
def test_the_app_default_keeps_an_80_pct_floor_wherever_the_fleet_could(
    world: tuple[Replanner, ScenarioSet],
) -> None:
    engine, judging = world
    whatif = sup.WhatIf(hashrate_floor_pct=FLOOR_PCT)
    floor = FLOOR_PCT / 100 * sup.nameplate_eh_s(engine.fleet)  # 18.96 EH/s
    result = sup.replan(engine, judging, whatif)
    assert result.plan.parameters["hashrate_floor_eh_s"] == pytest.approx(floor)
    evaluation = result.evaluation
    paths = evaluation.fleet_hashrate_th_s[0] / 1e6  # (runs, hours)
    below = paths < floor * (1 - 1e-6)
    listed = evaluation.floor_shortfalls
    # Every hour below the floor is listed, with a reason, and only those.
    assert int(below.sum()) == len(listed)
    assert (listed["reason"] != "").all()
    assert notices.hours_below_floor(evaluation, sup.PLAN) == pytest.approx(
        below.sum(axis=1) @ evaluation.run_index["weight"].to_numpy()
    )
    # Independently, from the hourly ledgers of three judged runs: an hour below the floor is an
    # hour in which nothing available was held back at any site.
    strategy = optimized_strategy(result.plan, name=sup.PLAN)
    for scenario in list(judging)[:3]:
        run = simulate(
            engine.fleet, scenario, strategy.policy, shipments=strategy.shipments, seed=5
        )
        hashrate = run.ledger["hashrate_th_s"].groupby(level="time").sum().to_numpy() / 1e6
        curtailed = run.ledger["curtailed_mwh"].groupby(level="time").sum().to_numpy()
        short = hashrate < floor * (1 - 1e-6)
        assert (curtailed[short] < 1e-6).all()
        assert len(run.floor_shortfalls) == int(short.sum())
    # Without the floor kept at run time the same plan falls below it for hours on end.
    unkept = optimized_strategy(result.plan, name="unkept", hashrate_floor=False)
    bare = evaluate(
        engine.fleet, judging, [unkept.policy], shipments=unkept.shipments
    ).fleet_hashrate_th_s[0]
    assert int((bare / 1e6 < floor * (1 - 1e-6)).sum()) > int(below.sum()) + 10


def test_shortfall_table_one_row_per_hour_with_the_likeliest_reason() -> None:
    fleet = one_site()
    base = flat_scenario(fleet, 3, price_usd_per_mwh=20.0)
    scenarios = [dataclasses.replace(base, index=i, weight=w) for i, w in enumerate((0.75, 0.25))]
    times = base.times
    rows = pd.DataFrame(
        {
            "policy": [sup.PLAN] * 3 + ["strike"],
            "scenario": [0, 1, 1, 0],
            "replication": [0, 0, 0, 0],
            "time": [times[1], times[1], times[2], times[1]],
            "hashrate_eh_s": [0.05, 0.08, 0.09, 0.0],
            "floor_eh_s": [0.1] * 4,
            "shortfall_eh_s": [0.05, 0.02, 0.01, 0.1],
            "reason": ["grid outage at tx", "freeze damage at tx", "grid outage at tx", "x"],
            "weight": [0.75, 0.25, 0.25, 0.75],
        }
    )
    evaluation = dataclasses.replace(
        evaluate(fleet, scenarios, ["strike"], seed=1), floor_shortfalls=rows
    )
    table = notices.floor_shortfall_table(evaluation, sup.PLAN)
    assert table["time"].tolist() == [times[1], times[2]]
    assert table["runs below %"].tolist() == pytest.approx([100.0, 25.0])
    # Hour 1: 0.75 x 0.05 + 0.25 x 0.02 = 0.0425 EH/s; the likelier reason is the outage.
    assert table["mean shortfall EH/s"].tolist() == pytest.approx([0.0425, 0.01])
    assert table["reason"].tolist() == ["grid outage at tx", "grid outage at tx"]
    assert notices.hours_below_floor(evaluation, sup.PLAN) == pytest.approx(1.25)
    assert notices.floor_shortfall_table(evaluation, "run-through").empty


def test_hints_name_the_real_cause() -> None:
    whatif = sup.WhatIf(hashrate_floor_pct=100.0, relocation_budget_usd=5e5, lead_hours=6)
    floor = SolveError("optimizer: infeasible", {"hashrate_floor": 3.0, "nonanticipativity": 1.0})
    assert notices.error_hint(floor, whatif) == (
        "What cannot be met: the hashrate floor (100 % of nameplate) cannot be kept in every "
        "hour of every planning scenario: lower it; orders given now for the first 6 h cannot "
        "hold in every scenario: shorten the order lead time."
    )
    fleet_side = SolveError("optimizer: infeasible", {"demand_response": 2.0})
    assert notices.error_hint(fleet_side, whatif) == (
        "What cannot be met: a demand-response commitment larger than what its site can shed "
        "(set in the fleet file) cannot be met."
    )
    assert "budget" not in notices.error_hint(floor, whatif)
    assert "offline" in notices.error_hint(FeedError("open-meteo", "down"), whatif)
    assert "setting or file" in notices.error_hint(ConfigError("x", "bad"), whatif)


def test_an_infeasible_solve_carries_its_families() -> None:
    fleet = one_site()
    with pytest.raises(SolveError) as caught:
        PlanSolver(
            fleet, [flat_scenario(fleet, 2)], OptimizeSettings(hashrate_floor_eh_s=1.0)
        ).solve()
    # 1,000 S19j Pro hash 0.1 EH/s: 0.9 EH/s short (one slack serves every row of a family).
    assert caught.value.families == pytest.approx({"hashrate_floor": 0.9})


def test_stage_labels_and_the_notice_above_a_fallback_plan() -> None:
    whatif = sup.WhatIf(time_limit_s=5)
    labels = [notices.stage_label(s, SETUP, whatif) for s in notices.STAGES]
    assert labels == [
        "Step 1 of 4, feeds: weather, prices and outages, 7 days from 2025-01-10 (offline)…",
        "Step 2 of 4, scenarios: 10 to plan over and 10 to judge on…",
        "Step 3 of 4, plan: building and solving the optimizer's model (time limit 5 s)…",
        "Step 4 of 4, judge: the plan and today's rules on scenarios the plan did not see…",
    ]
    fleet = demo_fleet()
    feeds = sup.feeds_for(fleet, sup.Setup(days=3))
    planning = sup.scenarios_for(fleet, feeds, sup.Setup(days=3), sup.WhatIf(), judging=False)
    engine = Replanner(fleet, planning)
    plan = sup.plan_for(engine, sup.WhatIf(time_limit_s=0.001))
    assert plan.is_fallback
    assert notices.plan_notice(plan) == (
        "Optimizer hit its 0.001 s time limit with no solution; showing the strike rule's plan. "
        "For the optimizer's own plan raise its time limit (under 'Optimizer'), or plan over "
        "fewer days or scenarios."
    )
    # The same knobs with time to spare are another plan, not the remembered fallback.
    solved = sup.plan_for(engine, sup.WhatIf())
    assert not solved.is_fallback and notices.plan_notice(solved) == ""
    assert not np.allclose(solved.running_mw, plan.running_mw)


def test_cvar_help_counts_the_scenarios_each_level_averages() -> None:
    assert "α 0.80: 2, α 0.90: 1, α 0.95: 1" in notices.cvar_help(10)
    assert "α 0.80: 8, α 0.90: 4, α 0.95: 2" in notices.cvar_help(40)


def test_the_caption_and_how_a_replan_was_served() -> None:
    # The demo fleet: 6 sites, 23.703 EH/s installed; the default setup.
    caption = notices.fleet_caption(demo_fleet(), SETUP, 23.703)
    assert caption.endswith(
        "23.70 EH/s nameplate · 7 days from 2025-01-10 · 10 scenarios · offline feeds"
    )
    assert ": 6 sites, " in caption
    # Solved now: the step took about as long as solving (1.2 s) and judging (0.6 s) did.
    assert notices.replan_text(1.9, 1.2, 0.6) == (
        "re-plan 1.90 s (optimizer 1.20 s, judging 0.60 s)"
    )
    # From the caches: under half of what computing it took (0.5 x 1.8 s = 0.9 s).
    assert notices.replan_text(0.89, 1.2, 0.6) == "plan from cache"
    assert notices.replan_text(0.9, 1.2, 0.6).startswith("re-plan 0.90 s")
