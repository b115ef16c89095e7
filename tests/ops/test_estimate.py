"""The run-time estimate: stage by stage from the unit costs, worked by hand here.

The unit costs themselves are measured by benchmarks/bench_estimate.py (BENCHMARKS.md,
"Start-up, and the run-time estimate"); these tests check the arithmetic that scales them.
"""

from __future__ import annotations

import pytest

from planner.ops import estimate as est
from planner.ops.estimate import estimate_run


def test_a_rule_comparison_is_drawing_plus_simulating() -> None:
    # A 6-site fleet, two weeks (336 h), 40 scenarios, 3 rule strategies, one process:
    # 40 x 6 = 240 scenario-sites drawn once and simulated three times.
    e = estimate_run(sites=6, hours=336, scenarios=40, strategies=3, workers=1)
    assert [stage for stage, _ in e.stages] == ["scenarios", "simulate"]
    seconds = dict(e.stages)
    assert seconds["scenarios"] == pytest.approx(
        240 * est.SCENARIO_S_PER_SITE + 240 * 336 * est.SCENARIO_S_PER_SITE_HOUR
    )
    assert seconds["simulate"] == pytest.approx(
        3 * 240 * est.SIMULATE_S_PER_SITE + 3 * 240 * 336 * est.SIMULATE_S_PER_SITE_HOUR
    )
    assert e.total_s == pytest.approx(seconds["scenarios"] + seconds["simulate"])


def test_the_demo_adds_the_plan_its_strategy_and_the_report() -> None:
    e = estimate_run(
        sites=6,
        hours=336,
        scenarios=40,
        replications=2,
        strategies=4,
        plan_strategies=1,
        plan_scenarios=20,
        report=True,
        workers=1,
    )
    assert [stage for stage, _ in e.stages] == ["scenarios", "optimize", "simulate", "report"]
    seconds = dict(e.stages)
    # 40 judged + 20 planning scenarios drawn, 6 sites each.
    per_site = est.SCENARIO_S_PER_SITE + 336 * est.SCENARIO_S_PER_SITE_HOUR
    assert seconds["scenarios"] == pytest.approx(60 * 6 * per_site)
    # 20 x 6 x 336 = 40,320 scenario-site-hours planned over: 4.032 x 10,000.
    assert seconds["optimize"] == pytest.approx(
        est.OPTIMIZE_S_PER_10K_SITE_HOURS * 4.032**est.OPTIMIZE_EXPONENT
    )
    # 40 scenarios x 2 replications, three rules and one plan follower, 6 sites each.
    per_site = est.SIMULATE_S_PER_SITE + 336 * est.SIMULATE_S_PER_SITE_HOUR
    assert seconds["simulate"] == pytest.approx(80 * (3 + est.PLAN_SIMULATE_FACTOR) * 6 * per_site)
    # The report runs each of the four strategies once through the feeds, then writes the page.
    assert seconds["report"] == pytest.approx(est.REPORT_S + 4 * 6 * per_site)


def test_twice_the_planning_scenarios_cost_two_to_the_exponent() -> None:
    one = dict(estimate_run(sites=6, hours=168, plan_scenarios=8).stages)["optimize"]
    two = dict(estimate_run(sites=6, hours=168, plan_scenarios=16).stages)["optimize"]
    assert two / one == pytest.approx(2**est.OPTIMIZE_EXPONENT)


def test_worker_processes_divide_the_simulation() -> None:
    one = dict(estimate_run(sites=6, hours=168, scenarios=2000, strategies=3, workers=1).stages)
    four = dict(estimate_run(sites=6, hours=168, scenarios=2000, strategies=3, workers=4).stages)
    assert one["simulate"] / four["simulate"] == pytest.approx(1 + 3 * est.PARALLEL_EFFICIENCY)
    assert one["scenarios"] == four["scenarios"]  # drawing stays in one process


def test_a_hundred_times_the_scenarios_is_a_hundred_times_the_judging() -> None:
    small = dict(estimate_run(sites=3, hours=48, scenarios=1_000, strategies=3, workers=2).stages)
    large = dict(estimate_run(sites=3, hours=48, scenarios=100_000, strategies=3, workers=2).stages)
    assert large["simulate"] == pytest.approx(100 * small["simulate"])
    assert large["scenarios"] == pytest.approx(100 * small["scenarios"])


def test_nothing_to_do_is_no_time() -> None:
    e = estimate_run(sites=6, hours=168)
    assert e.stages == () and e.total_s == 0.0


def test_strategy_names_say_whether_a_plan_is_made_and_followed() -> None:
    import planner

    fleet = planner.demo_fleet()  # 6 sites
    # Rules only: the planning scenarios asked for are not drawn and nothing is optimized.
    rules = planner.estimate_strategies(
        fleet, 168, ["run-through", "strike"], scenarios=10, plan_scenarios=8
    )
    assert [stage for stage, _ in rules.stages] == ["scenarios", "simulate"]
    per_site = est.SCENARIO_S_PER_SITE + 168 * est.SCENARIO_S_PER_SITE_HOUR
    assert dict(rules.stages)["scenarios"] == pytest.approx(10 * 6 * per_site)
    # 'optimized+4cp' follows the plan: 8 more scenarios drawn, a plan, one plan follower.
    both = planner.estimate_strategies(
        fleet, 168, ["run-through", "optimized+4cp"], scenarios=10, plan_scenarios=8
    )
    assert (
        both.stages
        == estimate_run(
            sites=6,
            hours=168,
            scenarios=10,
            strategies=2,
            plan_strategies=1,
            plan_scenarios=8,
        ).stages
    )
    assert dict(both.stages)["scenarios"] == pytest.approx(18 * 6 * per_site)
