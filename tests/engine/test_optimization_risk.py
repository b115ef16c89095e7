"""Decisions with lead times are taken before the scenario is known, so risk aversion changes them.

Every case is small enough to work by hand: S21 (17.5 J/TH) earns 119.05 USD per MWh and S19j Pro
(29.5 J/TH) 70.62 USD per MWh at hashprice 0.05 USD/(TH/s day), PUE 1, index contract without
adder.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

from planner.domain.examples import one_site, without_modes
from planner.domain.fleet import Fleet, fleet_from_dict
from planner.engine.optimization import OptimizeSettings, PlanSolver, optimize
from planner.engine.optimization.plan import cvar_of_loss
from planner.engine.simulation import SimSettings, simulate
from planner.engine.strategies import optimized_strategy
from planner.errors import SolveError
from planner.world.scenarios import Scenario, flat_scenario

R21 = 0.05 / (17.5 * 86_400 / 3.6e9)  # 119.05 USD/MWh
R19 = 0.05 / (29.5 * 86_400 / 3.6e9)  # 70.62 USD/MWh
MW21, MW19 = 1.75, 2.95  # 500 S21, 1,000 S19j Pro

#: The S19j Pro at nameplate or off (its power modes are tested in tests/engine).
ON_OFF = without_modes("s19j-pro")


def two_tier_site(cooling: str = "air") -> Fleet:
    raw = one_site(cooling=cooling).sites[0].model_dump(by_alias=True)
    raw["machines"] = {"s21": 500, "s19j-pro": 1000}
    raw["capacity_mw"] = 10.0
    raw["slots"] = 2000
    return fleet_from_dict({"models": ON_OFF, "sites": [raw]})


def equally_likely(scenarios: list[Scenario]) -> list[Scenario]:
    w = 1.0 / len(scenarios)
    return [dataclasses.replace(s, index=i, weight=w) for i, s in enumerate(scenarios)]


# ------------------------------------------------------------------------------- lead times


def test_the_lead_time_fixes_run_shares_in_every_scenario_and_no_longer() -> None:
    # 20 or 100 USD/MWh in hours 0-2 with equal weight. S19j Pro: expected margin
    # 0.5 x 50.62 - 0.5 x 29.38 > 0, so over a 2-hour lead it runs in both scenarios; in hour 2
    # each scenario follows its own price.
    fleet = one_site()
    scen = equally_likely([flat_scenario(fleet, 3, price_usd_per_mwh=p) for p in (20.0, 100.0)])
    plan = optimize(fleet, scen, OptimizeSettings(lead_hours=2))
    assert plan.lead_periods == {"tx": 2}
    np.testing.assert_allclose(plan.running_mw[0], [[MW19, MW19], [MW19, MW19], [MW19, 0.0]])
    default = optimize(fleet, scen)
    assert default.lead_periods == {"tx": 1}
    np.testing.assert_allclose(default.running_mw[0], [[MW19, MW19], [MW19, 0.0], [MW19, 0.0]])


def test_an_order_is_a_share_of_what_is_available_so_an_outage_elsewhere_does_not_bind() -> None:
    # Scenario B loses the grid in hour 1. The order for hour 1 is a share of what each scenario
    # has available: A runs in full (nothing forces it down because B has nothing), B runs 0.
    fleet = one_site()
    a = flat_scenario(fleet, 2, price_usd_per_mwh=20.0)
    b = flat_scenario(fleet, 2, price_usd_per_mwh=20.0, outages={"tx": [(1.0, 2.0)]})
    plan = optimize(fleet, equally_likely([a, b]), OptimizeSettings(lead_hours=2))
    np.testing.assert_allclose(plan.running_mw[0], [[MW19, MW19], [MW19, 0.0]], atol=1e-9)


def test_protective_lead_only_where_some_scenario_threatens_the_site() -> None:
    # A hydro site: one scenario dips below 0 degC in hour 4, within the 6-hour protective lead,
    # so the site's first 6 hours are ordered now; warm in both, only the first hour is.
    fleet = one_site(cooling="hydro", model="s21-hyd")
    temps = np.full(12, 5.0)
    cold = temps.copy()
    cold[4] = -2.0
    threatened = [flat_scenario(fleet, 12, temp_air_c=t) for t in (temps, cold)]
    assert optimize(fleet, equally_likely(threatened)).lead_periods == {"tx": 6}
    warm = [flat_scenario(fleet, 12, temp_air_c=temps) for _ in range(2)]
    assert optimize(fleet, equally_likely(warm)).lead_periods == {"tx": 1}
    # Below 0 degC in hour 8: beyond the protective lead, nothing is ordered ahead for it.
    late = temps.copy()
    late[8] = -2.0
    beyond = [flat_scenario(fleet, 12, temp_air_c=t) for t in (temps, late)]
    assert optimize(fleet, equally_likely(beyond)).lead_periods == {"tx": 1}
    settings = OptimizeSettings(protection_lead_hours=0)
    assert optimize(fleet, equally_likely(threatened), settings).lead_periods == {"tx": 1}


def test_an_air_site_under_a_severe_weather_alert_orders_its_protective_lead() -> None:
    fleet = one_site()
    calm = flat_scenario(fleet, 8)
    alert = flat_scenario(fleet, 8)
    alert.alert_active[0, 3] = True
    assert optimize(fleet, equally_likely([calm, alert])).lead_periods == {"tx": 6}


def test_the_strategy_carries_out_the_orders_of_the_lead_time() -> None:
    # Planned over 20 and 100 USD/MWh with a 2-hour lead: S19j Pro runs in hours 0-1 whatever the
    # price. Judged on a world at 300 USD/MWh the guard would stop it; the orders keep it running
    # in hours 0-1 and the guard decides hour 2.
    fleet = one_site()
    scen = equally_likely([flat_scenario(fleet, 3, price_usd_per_mwh=p) for p in (20.0, 100.0)])
    strategy = optimized_strategy(optimize(fleet, scen, OptimizeSettings(lead_hours=2)))
    spike = flat_scenario(fleet, 3, price_usd_per_mwh=300.0)
    u = strategy.policy.run_fraction(fleet, fleet.sites[0], spike.site_hours(0))
    np.testing.assert_allclose(u, [[1.0, 1.0, 0.0]])


# -------------------------------------------------------------------------------------- risk


def _two_scenario_case() -> list[Scenario]:
    """Both scenarios at 20 USD/MWh in hour 0; then A stays at 20, B pays 100 and 130."""
    fleet = two_tier_site()
    a = flat_scenario(fleet, 3, price_usd_per_mwh=20.0)
    b = flat_scenario(fleet, 3, price_usd_per_mwh=np.array([20.0, 100.0, 130.0]))
    return equally_likely([a, b])


def _by_hand(x19: float, x21: float) -> tuple[float, float]:
    """Expected profit and the worse scenario's profit [USD] when S19j Pro runs ``x19`` of hour
    1 and S21 ``x21`` of hour 2 (everything else is settled: both tiers run in hour 0 and S21 in
    hour 1; S19j Pro never runs at 130, whose expected margin 0.5 x 50.62 - 0.5 x 59.38 < 0)."""
    hour0 = MW21 * (R21 - 20) + MW19 * (R19 - 20)
    a = hour0 + MW21 * (R21 - 20) + x19 * MW19 * (R19 - 20) + x21 * MW21 * (R21 - 20)
    b = hour0 + MW21 * (R21 - 100) + x19 * MW19 * (R19 - 100) + x21 * MW21 * (R21 - 130)
    return 0.5 * (a + b), min(a, b)


def test_raising_risk_aversion_never_raises_expected_profit_nor_lowers_cvar5() -> None:
    # Everything is decided before the scenario is known (a 3-hour lead over 3 hours). B is the
    # worse scenario whatever runs, so CVaR5 of profit (the worst 5 % of probability) is B's
    # profit, and lambda trades expected profit for it:
    # - S19j Pro in hour 1: expected margin 0.5 x 2.95 x (50.62 - 29.38) = 31.33 USD against
    #   2.95 x 29.38 = 86.67 USD more loss in B: it runs while lambda < 0.3615;
    # - S21 in hour 2: 0.5 x 1.75 x (99.05 - 10.95) = 77.09 USD against 1.75 x 10.95 = 19.16
    #   USD: it runs while lambda < 4.023.
    fleet = two_tier_site()
    solver = PlanSolver(
        fleet, _two_scenario_case(), OptimizeSettings(lead_hours=3, cvar_alpha=0.95)
    )
    lambdas = [0.0, 0.2, 0.5, 1.0, 3.0, 5.0, 10.0]
    expected = {0.0: (1, 1), 0.2: (1, 1), 0.5: (0, 1), 1.0: (0, 1), 3.0: (0, 1)}
    results = []
    for lam in lambdas:
        plan = solver.update(risk_lambda=lam)
        x19, x21 = expected.get(lam, (0, 0))
        mean, worst = _by_hand(x19, x21)
        assert plan.kpis.expected_profit_usd == pytest.approx(mean, rel=1e-9)
        cvar5 = -cvar_of_loss(-plan.profit_usd, plan.weights, 0.95)
        assert cvar5 == pytest.approx(worst, rel=1e-9)
        assert -plan.kpis.cvar_loss_usd == pytest.approx(worst, rel=1e-9)
        results.append((lam, plan.kpis.expected_profit_usd, cvar5, plan.running_mw.copy()))
    for (l1, e1, c1, _), (l2, e2, c2, _) in itertools.combinations(results, 2):
        assert l1 < l2
        assert e2 <= e1 + 1e-6, (l1, l2, e1, e2)
        assert c2 >= c1 - 1e-6, (l1, l2, c1, c2)
    changed = [
        (a[0], b[0])
        for a, b in itertools.pairwise(results)
        if not np.allclose(a[3], b[3], atol=1e-9)
    ]
    assert changed == [(0.2, 0.5), (3.0, 5.0)]


def test_without_a_lead_time_there_is_nothing_to_hedge() -> None:
    # The same case with only the first hour decided now: each scenario runs its own best in
    # hours 1-2, which is also best for its worst case, so lambda changes nothing.
    fleet = two_tier_site()
    solver = PlanSolver(fleet, _two_scenario_case(), OptimizeSettings(lead_hours=1))
    plans = [solver.update(risk_lambda=lam) for lam in (0.0, 1.0, 10.0)]
    for plan in plans[1:]:
        np.testing.assert_allclose(plan.running_mw, plans[0].running_mw, atol=1e-9)


def test_the_cvar_level_changes_the_plan_where_the_tail_differs() -> None:
    # Four equally likely prices in hour 1 (20, 20, 100, 60 USD/MWh), decided now. S19j Pro's
    # expected margin: 0.25 x 2.95 x (50.62 + 50.62 - 29.38 + 10.62) = 60.83 USD. At lambda 1:
    # alpha 0.75 (the worst scenario, 100) costs 2.95 x 29.38 = 86.67 USD more loss: curtail;
    # alpha 0.5 (the mean of the worst two, 100 and 60) 2.95 x (29.38 - 10.62) / 2 = 27.67: run.
    fleet = one_site()
    scen = equally_likely(
        [
            flat_scenario(fleet, 2, price_usd_per_mwh=np.array([20.0, p]))
            for p in (20.0, 20.0, 100.0, 60.0)
        ]
    )
    solver = PlanSolver(fleet, scen, OptimizeSettings(lead_hours=2, risk_lambda=1.0))
    tail = solver.update(cvar_alpha=0.75)
    assert tail.running_mw[0, 1].tolist() == pytest.approx([0.0] * 4, abs=1e-9)
    wider = solver.update(cvar_alpha=0.5)
    assert wider.running_mw[0, 1].tolist() == pytest.approx([MW19] * 4)


def test_orders_that_cannot_hold_in_every_scenario_make_the_model_infeasible() -> None:
    # 1,000 S21 Hyd. (5.36 MW, 0.335 EH/s) committed to shed 5 MW on a demand-response call,
    # with a fleet floor of 0.02 EH/s. Scenario A is 48 degC in hour 1 (a hydro derate of 0.85):
    # the floor needs a run share of at least 0.02 / (0.85 x 0.335) = 7.02 % of what is
    # available. Scenario B calls demand response then: at most 0.36 MW, 6.72 % of it, may run.
    # Each scenario alone is feasible; one order for hour 1 that holds in both is not, and the
    # diagnosis names the rows in conflict.
    raw = one_site(cooling="hydro", model="s21-hyd").sites[0].model_dump(by_alias=True)
    raw["programs"] = {
        "demand_response": [
            {
                "name": "ers",
                "committed_mw": 5.0,
                "payment_usd_per_mw_h": 1.0,
                "penalty_usd_per_mwh": 100.0,
            }
        ]
    }
    fleet = fleet_from_dict({"models": ON_OFF, "sites": [raw]})
    hot = flat_scenario(fleet, 2, temp_air_c=np.array([20.0, 48.0]), price_usd_per_mwh=20.0)
    called = flat_scenario(fleet, 2, price_usd_per_mwh=np.array([20.0, 3500.0]))
    both = equally_likely([hot, called])
    settings = OptimizeSettings(lead_hours=1, protection_lead_hours=0, hashrate_floor_eh_s=0.02)
    assert optimize(fleet, both, settings).solver.status.has_solution
    with pytest.raises(SolveError, match=r"nonanticipativity|demand_response|hashrate_floor"):
        optimize(fleet, both, settings.replace(lead_hours=2))


def test_judged_out_of_sample_the_strategy_runs_what_was_ordered() -> None:
    # Out of sample the world has 20 USD/MWh throughout, and the guard alone would run both
    # tiers. But everything was ordered before the price was known: S19j Pro stays off in hour 2
    # at any lambda (expected margin < 0), and in hour 1 too for the risk-averse plan (lambda 1).
    fleet = two_tier_site()
    solver = PlanSolver(fleet, _two_scenario_case(), OptimizeSettings(lead_hours=3))
    calm = flat_scenario(fleet, 3, price_usd_per_mwh=20.0)
    ledgers = {}
    for lam in (0.0, 1.0):
        strategy = optimized_strategy(solver.update(risk_lambda=lam))
        run = simulate(fleet, calm, strategy.policy, settings=SimSettings(failures=False))
        ledgers[lam] = run.ledger.xs("tx")["running_mw"].to_numpy()
    np.testing.assert_allclose(ledgers[0.0], [MW21 + MW19, MW21 + MW19, MW21])
    np.testing.assert_allclose(ledgers[1.0], [MW21 + MW19, MW21, MW21])


def test_on_the_demo_week_risk_aversion_moves_a_day_ahead_plan_and_not_an_hourly_one() -> None:
    # The app's default week (demo fleet, 7 days from 2025-01-10, 10 scenarios of seed 7). Its
    # first hours are calm in every scenario, so with hourly orders lambda has nothing to hedge;
    # with a day-ahead schedule the West Texas spike some scenarios hold from hour 8 is ordered
    # for blind, and lambda trades expected profit for the worst scenario (docs/model.md).
    from planner import demo_fleet, fetch_feeds, make_scenarios
    from planner.ops.demo import DEMO_STORMS

    fleet = demo_fleet()
    feeds = fetch_feeds(fleet, "2025-01-10", 168, "offline", seed=7, storms=DEMO_STORMS)
    scenarios = make_scenarios(fleet, feeds, 10, 7)
    for lead, moves in ((1, False), (24, True)):
        solver = PlanSolver(fleet, scenarios, OptimizeSettings(lead_hours=lead))
        neutral = solver.update(risk_lambda=0.0)
        averse = solver.update(risk_lambda=5.0)
        changed = not np.allclose(neutral.running_mw, averse.running_mw, atol=1e-6)
        assert changed is moves, lead
        assert averse.kpis.expected_profit_usd <= neutral.kpis.expected_profit_usd + 1e-3
        assert averse.kpis.cvar_loss_usd <= neutral.kpis.cvar_loss_usd + 1e-3
    # The trade is real but small on this week's draws (tens of USD of CVaR for tens of USD of
    # expected profit): the size depends on the draws, the direction does not.
    assert averse.kpis.cvar_loss_usd < neutral.kpis.cvar_loss_usd
    assert averse.kpis.expected_profit_usd < neutral.kpis.expected_profit_usd
