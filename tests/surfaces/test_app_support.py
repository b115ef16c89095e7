"""The app's support package: inputs, re-plans through a Replanner and the tables the page draws.

The demo fleet over the default setup (7 days from 2025-01-10, 10 scenarios, seed 7) is built
once per module: feeds, planning and judging scenarios and one engine (about 2 s).
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest
import vl_convert

from planner import ConfigError, Replanner, RunStore, ScenarioSet, SolveError, demo_fleet
from planner.surfaces import app as sup

SETUP = sup.Setup()


@pytest.fixture(scope="module")
def world() -> tuple[Replanner, ScenarioSet]:
    fleet = demo_fleet()
    feeds = sup.feeds_for(fleet, SETUP)
    planning = sup.scenarios_for(fleet, feeds, SETUP, sup.WhatIf(), judging=False)
    judging = sup.scenarios_for(fleet, feeds, SETUP, sup.WhatIf(), judging=True)
    return Replanner(fleet, planning), judging


def test_solver_parameters_carry_the_knobs() -> None:
    # Demo nameplate: 23.703 EH/s; a 50 % floor is 11.8515 EH/s; BTC -20 % scales hashprice 0.8.
    whatif = sup.WhatIf(btc_price_shock=-0.2, hashrate_floor_pct=50.0, risk_lambda=0.5)
    params = whatif.solver_parameters(sup.nameplate_eh_s(demo_fleet()))
    assert params["hashprice_scale"] == pytest.approx(0.8)
    assert params["hashrate_floor_eh_s"] == pytest.approx(11.8515)
    assert params["risk_lambda"] == 0.5
    assert params["relocation_budget_usd"] is None  # no budget
    assert sup.nameplate_eh_s(demo_fleet()) == pytest.approx(23.703)


def test_btc_shock_is_the_solvers_hashprice_scale() -> None:
    # Why the BTC slider can re-solve the same model: the shocked scenarios' hashprice is the
    # unshocked one times (1 + shock), hour by hour, with the same draws.
    fleet = demo_fleet()
    feeds = sup.feeds_for(fleet, sup.Setup(days=3, scenarios=3))
    base = sup.scenarios_for(fleet, feeds, sup.Setup(scenarios=3), sup.WhatIf(), judging=True)
    shocked = sup.scenarios_for(
        fleet, feeds, sup.Setup(scenarios=3), sup.WhatIf(btc_price_shock=-0.3), judging=True
    )
    planning = sup.scenarios_for(
        fleet, feeds, sup.Setup(scenarios=3), sup.WhatIf(btc_price_shock=-0.3), judging=False
    )
    for b, s, p in zip(base, shocked, planning, strict=True):
        np.testing.assert_allclose(s.hashprice_usd_per_th_day, 0.7 * b.hashprice_usd_per_th_day)
        np.testing.assert_array_equal(s.price_usd_per_mwh, b.price_usd_per_mwh)
        # planning scenarios ignore the shock, and come from another seed than judging ones
        assert not np.array_equal(p.price_usd_per_mwh, b.price_usd_per_mwh)


def test_cache_keys_keep_only_what_each_step_depends_on() -> None:
    whatif = sup.WhatIf(
        btc_price_shock=-0.2,
        storm_severity=2.0,
        strike_usd_per_mwh=80.0,
        strategies=("4cp",),
        current_rule="run-through",
    )
    assert whatif.scenario_part(judging=False) == sup.WhatIf(storm_severity=2.0)
    assert whatif.scenario_part(judging=True) == sup.WhatIf(
        btc_price_shock=-0.2, storm_severity=2.0
    )
    assert whatif.plan_part() == sup.WhatIf(btc_price_shock=-0.2, storm_severity=2.0)


def test_engine_replans_through_one_solver_and_remembers(
    world: tuple[Replanner, ScenarioSet],
) -> None:
    engine, _ = world
    solver = engine.solver
    base = sup.plan_for(engine, sup.WhatIf())
    lower = sup.plan_for(engine, sup.WhatIf(btc_price_shock=-0.3))
    assert engine.solver is solver  # no rebuild
    assert lower.parameters["hashprice_scale"] == pytest.approx(0.7)
    assert lower.kpis.expected_revenue_usd < base.kpis.expected_revenue_usd
    assert sup.plan_for(engine, sup.WhatIf()) is base  # from memory, not re-solved


def test_infeasible_floor_raises_the_one_line_solve_error_and_is_remembered() -> None:
    # Every hour at nameplate in every scenario: the week's grid outages make it impossible.
    # One scenario keeps the solver's infeasibility diagnosis short.
    fleet, setup = demo_fleet(), sup.Setup(scenarios=1)
    feeds = sup.feeds_for(fleet, setup)
    engine = Replanner(fleet, sup.scenarios_for(fleet, feeds, setup, sup.WhatIf(), judging=False))
    with pytest.raises(SolveError, match="hashrate_floor") as first:
        sup.plan_for(engine, sup.WhatIf(hashrate_floor_pct=100.0))
    with pytest.raises(SolveError) as second:
        sup.plan_for(engine, sup.WhatIf(hashrate_floor_pct=100.0))
    assert second.value is first.value
    assert "\n" not in sup.one_line(first.value)


def test_replan_judges_the_plan_and_tables_hold_every_chosen_strategy(
    world: tuple[Replanner, ScenarioSet],
) -> None:
    engine, judging = world
    result = sup.replan(engine, judging, sup.WhatIf())
    assert result.evaluation.policies == (sup.PLAN,)
    assert result.seconds == pytest.approx(result.solve_seconds + result.judge_seconds)
    # The strike in dollars names the rule; the chosen composition of the plan is judged too.
    whatif = sup.WhatIf(
        strike_usd_per_mwh=100.0,
        strategies=("run-through", "strike+protective", "4cp", "optimized+4cp"),
        current_rule="strike",
    )
    names = ("run-through", "strike@100", "strike@100+protective", "4cp")
    assert whatif.rule_names() == names and whatif.rule_name == "strike@100"
    assert whatif.judged_names() == (*names, "optimized", "optimized+4cp")
    rules = sup.judge_rules(engine.fleet, judging, whatif)
    composed = sup.judge_plan_strategies(engine.fleet, judging, result.plan, whatif.plan_names())
    evaluation = sup.combine([rules, result.evaluation, composed], whatif.judged_names())
    assert evaluation.policies == whatif.judged_names()
    table = sup.risk_table(evaluation.metrics())
    assert list(table.index) == list(whatif.judged_names())
    full = evaluation.metrics().set_index(["policy", "site_id"])
    assert table.loc["strike@100", "E[profit incl. after] $M"] == pytest.approx(
        full.loc[("strike@100", "fleet"), "expected_profit_incl_after_horizon_usd"] / 1e6
    )
    # The headline is the best strategy at full value, against the current rule.
    head = sup.headline(
        evaluation, evaluation.metrics(), result.plan, floor_eh_s=0.0, rule="strike@100"
    )
    fleet = full.xs("fleet", level="site_id")
    assert head.strategy == fleet["expected_profit_incl_after_horizon_usd"].idxmax()
    assert head.rule == "strike@100"
    ours = fleet.loc[head.strategy]
    assert head.expected_profit_incl_after_horizon_usd == pytest.approx(
        ours["expected_profit_incl_after_horizon_usd"]
    )
    # The full value is the in-horizon profit less what the strategy leaves behind after it.
    assert head.expected_profit_incl_after_horizon_usd == pytest.approx(
        head.expected_profit_usd - ours["expected_after_horizon_usd"]
    )
    assert head.rule_mean_hashrate_eh_s == pytest.approx(
        fleet.loc["strike@100", "mean_hashrate_eh_s"]
    )
    assert head.below_floor_probability == 0.0
    assert sup.judge_plan_strategies(engine.fleet, judging, result.plan, (sup.PLAN,)) is None


def test_expected_schedule_first_hour_is_the_plans_decision(
    world: tuple[Replanner, ScenarioSet],
) -> None:
    engine, _ = world
    plan = sup.plan_for(engine, sup.WhatIf())
    schedule = sup.expected_schedule(plan)
    first = schedule[schedule["time"] == plan.times[0]].set_index(["site_id", "model_id"])
    decision = plan.first_period.set_index(["site_id", "model_id"])
    np.testing.assert_allclose(
        first.loc[decision.index, "running_mw"], decision["running_mw"], atol=1e-6
    )
    csv = sup.plan_csv(plan)
    assert csv.splitlines()[0] == (
        "site_id,model_id,time,available_mw,running_mw,curtailed_mw,run_fraction"
    )
    assert re.match(r"west-texas,[\w-]+,2025-01-10T00:00Z,", csv.splitlines()[1])
    assert list(sup.relocation_table(plan).columns) == [
        "from_site", "to_site", "model_id", "machines", "cost_usd", "departs", "arrives",
    ]  # fmt: skip


def test_report_is_one_self_contained_page(world: tuple[Replanner, ScenarioSet]) -> None:
    engine, judging = world
    plan = sup.plan_for(engine, sup.WhatIf())
    evaluation = sup.combine(
        [sup.judge_rules(engine.fleet, judging, sup.WhatIf()), engine.judge(plan, judging)],
        sup.WhatIf().judged_names(),
    )
    feeds = sup.feeds_for(engine.fleet, SETUP)
    page = sup.report_html(engine.fleet, feeds, SETUP, sup.WhatIf(), evaluation, plan)
    assert page.startswith("<!DOCTYPE html>")
    assert "optimized" in page and "What-if: BTC +0%" in page
    assert "<script" not in page
    # The summary opens the page, against the current rule (strike by default).
    assert page.index('<section id="summary">') < page.index('<section id="kpis">')
    assert "against strike" in page or "Keep strike" in page


def test_uploads_are_checked_with_key_paths() -> None:
    text = files("planner.domain").joinpath("demo_fleet.toml").read_text(encoding="utf-8")
    assert sup.fleet_from_upload(text.encode()).site_ids == demo_fleet().site_ids
    bad = re.sub(r"capacity_mw\s*=\s*[0-9.]+", "capacity_mw = -5", text, count=1)
    rule = r"^bad\.toml: sites\[0\]\.capacity_mw: must be in \(0, 5000\], got -5$"
    with pytest.raises(ConfigError, match=rule):
        sup.fleet_from_upload(bad.encode(), "bad.toml")
    with pytest.raises(ConfigError, match="not UTF-8 text"):
        sup.fleet_from_upload(b"\xff\xfe[[sites]]", "binary.toml")
    with pytest.raises(ConfigError, match="the file is empty"):
        sup.fleet_from_upload(b"  \n", "empty.toml")
    assert sup.fleet_key(demo_fleet()) == sup.fleet_key(sup.fleet_from_upload(text))


def test_risk_map_colours_best_green_worst_red_with_a_legend() -> None:
    fleet = demo_fleet()
    values = {s.id: float(k) for k, s in enumerate(fleet.sites)}  # last site worst
    chart = sup.risk_map_chart(
        fleet, values, label="outage hours", unit="hours", higher_is_worse=True
    )
    svg = vl_convert.vegalite_to_svg(chart.to_dict())
    # The value under each site id, in its unit; the colour legend titled with the figure.
    assert all(f">{k:.1f} h</text>" in svg for k in range(6))
    assert ">outage hours</text>" in svg and ">capacity [MW]</text>" in svg
    spec = chart.to_dict()
    scales = [
        layer["encoding"]["color"]["scale"]
        for layer in spec["layer"][1]["layer"]
        if "color" in layer.get("encoding", {})
    ]
    assert scales == [{"reverse": True, "scheme": "redyellowgreen"}]  # higher: redder


def test_run_history_reads_without_creating_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "runs.sqlite"
    history = sup.run_history(missing)
    assert history.runs.empty and history.error is None and not missing.exists()
    with RunStore(missing) as store:
        run = store.start_run("f" * 64, {}, {})
        store.fail_run(run, "feeds: open-meteo forecast: timed out")
    history = sup.run_history(missing)
    assert list(history.runs["status"]) == ["failed"]
    assert history.runs["error"].iloc[0] == "feeds: open-meteo forecast: timed out"
    assert history.runs["fleet"].iloc[0] == "f" * 12
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"not a database at all" * 100)
    broken = sup.run_history(garbage)
    assert broken.runs.empty and broken.error and "\n" not in broken.error


def test_demand_response_enrolment_can_be_dropped_and_nothing_else() -> None:
    fleet = demo_fleet()
    # The demo's West Texas site is enrolled in ERCOT ERS for 40 MW.
    assert sup.demand_response_mw(fleet) == 40.0
    bare = sup.without_demand_response(fleet)
    assert sup.demand_response_mw(bare) == 0.0
    assert [s.programs.four_cp for s in bare.sites] == [s.programs.four_cp for s in fleet.sites]
    assert bare.site_ids == fleet.site_ids and sup.fleet_key(bare) != sup.fleet_key(fleet)
