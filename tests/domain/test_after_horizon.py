"""Full value: what a run leaves behind after its horizon, on cases worked out by hand.

Prices and hashprice are flat unless stated: hashprice 0.05 USD per TH/s-day, no overhead, an
index contract without adder. One S21 Hyd. (335 TH/s, 5.36 kW) earns 335 x 0.05 / 24 =
0.697917 USD an hour and draws 5.36 kWh; one S21 (200 TH/s, 3.5 kW) earns 0.416667 USD.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

from planner.domain.after_horizon import (
    AFTER_HORIZON_COLUMNS,
    FORWARD_HOURS,
    VALUATION_CAP_HOURS,
    forward_margin_usd_per_machine_hour,
)
from planner.domain.examples import one_site, without_modes
from planner.domain.fleet import Fleet, fleet_from_dict
from planner.engine.optimization import OptimizeSettings, PlanSolver, SolveStatus, optimize
from planner.engine.optimization.fallback import strike_values
from planner.engine.optimization.plan import extract_plan
from planner.engine.policies import StrikePrice, policy_named
from planner.engine.simulation import Failure, Shipment, SimSettings, simulate
from planner.engine.strategies import optimized_strategy
from planner.world.scenarios import flat_scenario

QUIET = SimSettings(failures=False)
S21_HYD_EARNS = 335 * 0.05 / 24  # USD per machine-hour
S21_EARNS = 200 * 0.05 / 24

#: The S19j Pro at nameplate or off (its power modes are tested in tests/engine).
ON_OFF = without_modes("s19j-pro")


def hydro_site(count: int = 1000) -> Fleet:
    raw = one_site(cooling="hydro", model="s21-hyd", count=count).sites[0].model_dump(by_alias=True)
    return fleet_from_dict({"models": ON_OFF, "sites": [raw]})


def freeze_at_the_end() -> tuple[Fleet, Any]:
    """Three days at 40 USD/MWh and +5 degC; the last 10 hours at -5 degC and 500 USD/MWh."""
    fleet = hydro_site()
    temp = np.r_[np.full(62, 5.0), np.full(10, -5.0)]
    price = np.r_[np.full(62, 40.0), np.full(10, 500.0)]
    return fleet, flat_scenario(fleet, 72, temp_air_c=temp, price_usd_per_mwh=price)


def test_strike_rule_freezing_at_the_end_of_a_three_day_window_by_hand() -> None:
    # The strike rule acts on the last settled price: it runs through hour 62 (500 USD/MWh,
    # breakeven 130.2, not yet published) and sheds every machine from hour 63. Idle below
    # 0 degC for 9 hours, the loops' 6-hour protection runs out at hour 69: 30 % of the 1,000
    # machines are damaged, out for 60 days, back at hour 69 + 1,440 = 1,509: 1,437 hours after
    # the 72-hour window (60 days less the 3 hours already inside it).
    # The stated margin, a machine-hour after the window: the mean over the window's last week
    # (here all 72 hours) of the hourly margin floored at 0: 62 hours at
    # 0.697917 - 0.00536 x 40 = 0.483517 USD and 10 hours at 500 USD/MWh, where a machine earns
    # less than its power and would be off (0): 62 / 72 x 0.483517 = 0.416362 USD.
    fleet, scenario = freeze_at_the_end()
    margin = 62 / 72 * (S21_HYD_EARNS - 0.00536 * 40.0)
    assert margin == pytest.approx(0.416362, abs=1e-6)
    result = simulate(fleet, scenario, StrikePrice(), settings=QUIET)
    assert (result.events["kind"] == "freeze-damage").sum() == 1
    after = result.after_horizon.loc["tx"]
    assert list(result.after_horizon.columns) == list(AFTER_HORIZON_COLUMNS)
    assert after["machines_out"] == 300
    assert after["back_after_h"] == 1437.0
    assert after["machine_hours_out"] == 300 * 1437
    # 30 % x machines x (60 days less 3 hours) x the margin: 300 x 1,437 x 0.416362.
    assert after["lost_margin_usd"] == pytest.approx(300 * 1437 * margin)
    assert after["lost_margin_usd"] == pytest.approx(179_493.47, abs=0.01)
    # Repairs: 300 machines x 450 USD (the hydro cooling's catalog price).
    assert after["repair_usd"] == 300 * 450.0
    assert after["transport_usd"] == 0.0
    assert after["after_horizon_usd"] == pytest.approx(179_493.47 + 135_000.0, abs=0.01)
    inside = result.ledger["profit_usd"].sum()
    # Inside the window: 62 hours x 1,000 machines x 0.483517 = 29,978.03 USD, less hour 62 run
    # at 500 USD/MWh: 1,000 x (0.697917 - 2.68) = -1,982.08 USD.
    assert inside == pytest.approx(
        62 * 1000 * (S21_HYD_EARNS - 0.00536 * 40.0) + 1000 * (S21_HYD_EARNS - 0.00536 * 500.0)
    )
    assert inside == pytest.approx(27_995.95, abs=0.01)
    assert result.profit_incl_after_horizon_usd == pytest.approx(inside - 314_493.47, abs=0.01)
    by_site = result.profit_by_site().loc["tx"]
    assert by_site["profit_incl_after_horizon_usd"] == pytest.approx(
        result.profit_incl_after_horizon_usd
    )


def test_perfect_foresight_plan_is_an_upper_bound_of_every_rule_at_full_value() -> None:
    # The same window. The optimizer, given the scenario it is judged on, keeps the loops warm
    # (one hour of 10 % at 500 USD/MWh, 198.21 USD, in the 7th idle hour) instead of paying
    # 314,493 USD of damage, and stops at the storm price instead of running the 20 % floor of
    # strike+protective through the cold (and its 6 lead hours). Carried out, its guard acts on
    # the last settled price like every rule: all machines run hour 62 at 500 USD/MWh
    # (1,000 x (2.68 - 0.697917) = 1,982.08 USD lost), and it stops from hour 63. Judged in the
    # simulation, its strategy is ahead of every strike price and of strike+protective at full
    # value, and the plan's own value (which saw hour 62's price: a hindsight bound) is an upper
    # bound of all of them.
    fleet, scenario = freeze_at_the_end()
    plan = optimize(fleet, [scenario], OptimizeSettings())
    strategy = optimized_strategy(plan)
    mine = simulate(fleet, scenario, strategy.policy, settings=QUIET)
    assert (mine.events["kind"] == "freeze-damage").sum() == 0
    inside = 62 * 1000 * (S21_HYD_EARNS - 0.00536 * 40.0)
    pulse = 100 * (0.00536 * 500.0 - S21_HYD_EARNS)
    late = 1000 * (0.00536 * 500.0 - S21_HYD_EARNS)
    assert mine.profit_incl_after_horizon_usd == pytest.approx(inside - pulse - late, rel=1e-6)
    rules = [StrikePrice(name="strike@breakeven")] + [
        StrikePrice(strike_usd_per_mwh=x, name=f"strike@{x:g}")
        for x in (25.0, 50.0, 100.0, 200.0, 300.0, 500.0, 1000.0)
    ]
    rules.append(policy_named("strike+protective"))
    bound = plan.kpis.expected_profit_incl_after_horizon_usd
    assert bound == pytest.approx(inside - pulse, rel=1e-6)
    for rule in rules:
        theirs = simulate(fleet, scenario, rule, settings=QUIET).profit_incl_after_horizon_usd
        assert mine.profit_incl_after_horizon_usd >= theirs, rule.name
        assert bound >= theirs - 1e-6, rule.name
    assert bound >= mine.profit_incl_after_horizon_usd - 1e-3  # the strategy's hair of margin


def two_air_sites() -> Fleet:
    """a and b: 100 S21 each on flat index prices, a route a -> b of 3 days at 50 USD/machine."""
    base = one_site(model="s21", count=100).sites[0].model_dump(by_alias=True)
    return fleet_from_dict(
        {
            "sites": [{**base, "id": "a"}, {**base, "id": "b", "slots": 400}],
            "routes": [
                {
                    "from": "a",
                    "to": "b",
                    "cost_usd_per_machine": 50.0,
                    "transit_days": 3.0,
                    "max_machines_per_week": 100,
                }
            ],
        }
    )


def test_machines_in_transit_at_the_end_carry_their_margin_and_transport() -> None:
    # 10 S21 leave a at hour 0 for 72 hours; the window is 24 hours. At b they would earn
    # 0.416667 - 0.0035 x 40 = 0.276667 USD an hour: 48 hours after the window x 10 machines =
    # 132.80 USD lost, plus 10 x 50 = 500 USD of transport, both charged to b (where they go).
    fleet = two_air_sites()
    scenario = flat_scenario(fleet, 24)
    ship = Shipment("a", "b", "s21", 10, 0.0, 3.0, cost_usd_per_machine=50.0)
    result = simulate(fleet, scenario, "run-through", shipments=[ship], settings=QUIET)
    b = result.after_horizon.loc["b"]
    assert b["machines_out"] == 10 and b["machine_hours_out"] == 480.0
    assert b["back_after_h"] == 48.0
    assert b["lost_margin_usd"] == pytest.approx(480 * (S21_EARNS - 0.0035 * 40.0))
    assert b["transport_usd"] == 500.0
    assert b["after_horizon_usd"] == pytest.approx(132.80 + 500.0, abs=0.01)
    assert result.after_horizon.loc["a", "after_horizon_usd"] == 0.0


def test_repairs_and_restarts_under_way_at_the_end_are_counted_until_done() -> None:
    # 1,000 S19j Pro (earns 100 x 0.05 / 24 = 0.208333 USD an hour, draws 2.95 kWh: margin
    # 0.208333 - 0.118 = 0.090333 USD at 40 USD/MWh), one repair crew, 2 hours a machine.
    raw = one_site().sites[0].model_dump(by_alias=True)
    fleet = fleet_from_dict({"models": ON_OFF, "sites": [{**raw, "repair_crews": 1}]})
    margin = 100 * 0.05 / 24 - 0.00295 * 40.0
    scenario = flat_scenario(fleet, 24)
    # 10 machines fail at hour 23: the crew needs 20 hours for them, all back at hour 43,
    # 19 hours after the window: 190 machine-hours.
    failed = simulate(fleet, scenario, failures=[Failure("tx", "s19j-pro", 10, 23.0)])
    row = failed.after_horizon.loc["tx"]
    assert (row["machines_out"], row["machine_hours_out"], row["back_after_h"]) == (10, 190, 19)
    assert row["lost_margin_usd"] == pytest.approx(190 * margin)
    # A grid outage from hour 20 to 30: the site restarts 30 minutes after the grid returns and
    # the S19j Pro take 10 minutes more, so all 1,000 are out until hour 30 + 40 / 60, i.e.
    # 6.6667 hours after the window.
    down = flat_scenario(fleet, 24, outages={"tx": [(20.0, 30.0)]})
    row = simulate(fleet, down, settings=QUIET).after_horizon.loc["tx"]
    assert row["machines_out"] == 1000
    assert row["machine_hours_out"] == pytest.approx(1000 * (6 + 40 / 60))
    # Without repair crews failed machines never come back: counted out for the valuation's cap.
    crewless = fleet_from_dict({"models": ON_OFF, "sites": [{**raw, "repair_crews": 0}]})
    never = simulate(crewless, scenario, failures=[Failure("tx", "s19j-pro", 10, 5.0)])
    row = never.after_horizon.loc["tx"]
    assert row["machines_out"] == 10 and row["back_after_h"] == VALUATION_CAP_HOURS
    assert row["machine_hours_out"] == 10 * VALUATION_CAP_HOURS


def test_commitments_decided_in_the_window_are_charged_in_it() -> None:
    # A 4CP peak and a demand-response call in the window's last hour: the ledger charges the
    # quarter of the yearly 4CP rate on the load drawn then (60 USD/kW-yr x 1,000 kW/MW x
    # 2.95 MW / 4 = 44,250 USD) and the DR penalty for the reduction not delivered (1 MW
    # committed, nothing shed: 1 MWh x 400 USD) in that hour; nothing falls after the window.
    dr = [
        {
            "name": "ERS",
            "committed_mw": 1.0,
            "payment_usd_per_mw_h": 0.0,
            "penalty_usd_per_mwh": 400.0,
        }
    ]
    fleet = one_site(four_cp_rate=60.0, demand_response=dr)
    price = np.r_[np.full(23, 40.0), 3000.0]  # the last hour at the DR trigger, still run through
    scenario = flat_scenario(fleet, 24, price_usd_per_mwh=price)
    scenario.four_cp_peak[0, 23] = True
    result = simulate(fleet, scenario, "run-through", settings=QUIET)
    last = result.ledger.loc[("tx", scenario.times[23])]
    assert last["energy_cost_usd"] == pytest.approx(2.95 * 3000.0 + 44_250.0)
    assert last["credits_usd"] == pytest.approx(-400.0)
    assert result.after_horizon.loc["tx", "after_horizon_usd"] == 0.0


def test_forward_margin_reads_the_last_week_floored_at_zero() -> None:
    # Two weeks: a first week at 10 USD/MWh is forgotten; the last week alternates 40 and 500:
    # one S21 Hyd. earns 0.483517 in half its hours and would be off in the others.
    price = np.r_[np.full(FORWARD_HOURS, 10.0), np.tile([40.0, 500.0], FORWARD_HOURS // 2)]
    margin = forward_margin_usd_per_machine_hour(
        [335.0], [5360.0], 1.0, np.full(len(price), 0.05), price
    )
    assert margin.tolist() == pytest.approx([0.5 * (S21_HYD_EARNS - 0.00536 * 40.0)])


def test_the_strike_rules_fallback_plan_carries_its_freeze_at_full_value() -> None:
    # The plan shown when a solve finds nothing in time is the strike rule's: on the same window
    # its schedule and profit inside the window are the simulation's (it runs hour 62, sheds from
    # 63). The model counts a cold run's damage from the run's first possible damage hour (the
    # cold run starts at hour 62, so hour 68: 300 machines out for 1,436 hours after the window)
    # where the simulation, whose loops were warm in hour 62, damages them at hour 69 (1,437
    # hours): the plan's after-horizon value is one hour of 300 machines' margin lower,
    # 300 x 0.416362 = 124.91 USD.
    fleet, scenario = freeze_at_the_end()
    solver = PlanSolver(fleet, [scenario])
    params = solver.parameters
    result = dataclasses.replace(
        solver.solve().solver,
        status=SolveStatus.TIME_LIMIT_NO_SOLUTION,
        values=strike_values(solver.built, params),
    )
    plan = extract_plan(solver.built, result, params, note="fallback")
    simulated = simulate(fleet, scenario, StrikePrice(), settings=QUIET)
    margin = 62 / 72 * (S21_HYD_EARNS - 0.00536 * 40.0)
    assert plan.kpis.expected_after_horizon_usd == pytest.approx(300 * 1436 * margin + 135_000.0)
    assert plan.kpis.expected_after_horizon_usd == pytest.approx(314_368.57, abs=0.01)
    assert plan.kpis.expected_profit_usd == pytest.approx(simulated.ledger["profit_usd"].sum())
    assert plan.kpis.expected_profit_incl_after_horizon_usd == pytest.approx(
        simulated.profit_incl_after_horizon_usd + 300 * margin
    )
