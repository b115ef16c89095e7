"""The plan as a strategy for scenarios it did not see, and the fleet cap, on hand-worked cases."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from test_optimization import INDEX_SITE

from planner.domain.examples import one_site, without_modes
from planner.domain.fleet import Fleet, fleet_from_dict
from planner.engine.optimization import OptimizeSettings, PlanSolver, optimize
from planner.engine.policies import FollowPlan, StrikePrice
from planner.engine.simulation import SimSettings, simulate
from planner.engine.strategies import (
    FreezeProtection,
    commitment_caps,
    follow_plan,
    optimized_strategy,
    plan_shipments,
)
from planner.errors import ConfigError
from planner.world.scenarios import flat_scenario

NO_FAILURES = SimSettings(failures=False)
# S19j Pro (29.5 J/TH) at hashprice 0.05: one MWh earns 70.62 USD, its breakeven at PUE 1.
BREAKEVEN_S19JPRO = 0.05 / (29.5 * 86_400 / 3.6e9)

#: The S19j Pro at nameplate or off (its power modes are tested in tests/engine).
ON_OFF = without_modes("s19j-pro")


def two_tier_site() -> Fleet:
    """PUE 1, index without adder: 500 S21 (1.75 MW, 17.5 J/TH) and 1,000 S19j Pro (2.95 MW)."""
    raw = one_site().sites[0].model_dump(by_alias=True)
    raw["machines"] = {"s21": 500, "s19j-pro": 1000}
    raw["capacity_mw"] = 10.0
    raw["slots"] = 2000
    return fleet_from_dict({"models": ON_OFF, "sites": [raw]})


def hydro_site(count: int = 1000) -> Fleet:
    raw = one_site(cooling="hydro", model="s21-hyd", count=count).sites[0].model_dump(by_alias=True)
    return fleet_from_dict({"models": ON_OFF, "sites": [raw]})


# -------------------------------------------------------------------------------- fleet cap


def test_fleet_cap_goes_to_the_most_efficient_tier_first() -> None:
    # Price 40 USD/MWh: both tiers earn more than it (S21 119.05, S19j Pro 70.62 USD/MWh). A
    # 2 MW cap runs all 1.75 MW of S21 and 0.25 MW of S19j Pro; raising it to 3 MW runs 1.25.
    fleet = two_tier_site()
    scenario = flat_scenario(fleet, 3, price_usd_per_mwh=40.0)
    solver = PlanSolver(fleet, [scenario], OptimizeSettings(fleet_cap_mw=2.0))
    plan = solver.solve()
    by_model = plan.schedule.groupby("model_id")["running_mw"].sum() / 3
    assert by_model["s21"] == pytest.approx(1.75)
    assert by_model["s19j-pro"] == pytest.approx(0.25)
    s21 = 0.05 / (17.5 * 86_400 / 3.6e9)
    assert plan.kpis.expected_profit_usd == pytest.approx(
        3 * (1.75 * (s21 - 40) + 0.25 * (BREAKEVEN_S19JPRO - 40))
    )
    plan = solver.update(fleet_cap_mw=3.0)
    by_model = plan.schedule.groupby("model_id")["running_mw"].sum() / 3
    assert by_model["s19j-pro"] == pytest.approx(1.25)
    assert plan.parameters["fleet_cap_mw"] == 3.0


def test_fleet_cap_counts_facility_load_with_the_overhead() -> None:
    # PUE 1.25: a 2.5 MW facility cap leaves 2 MW of IT load.
    fleet = one_site(overhead=1.25)
    plan = optimize(fleet, [flat_scenario(fleet, 2)], OptimizeSettings(fleet_cap_mw=2.5))
    assert plan.schedule["running_mw"].tolist() == pytest.approx([2.0, 2.0])


def test_fleet_cap_needs_a_model_built_with_one() -> None:
    fleet = one_site()
    solver = PlanSolver(fleet, [flat_scenario(fleet, 2)])
    assert solver.parameters["fleet_cap_mw"] == pytest.approx(fleet.sites[0].capacity_mw)
    with pytest.raises(ConfigError, match="fleet_cap_mw: the model was built without"):
        solver.update(fleet_cap_mw=1.0)
    with pytest.raises(ConfigError, match=r"fleet_cap_mw: must be in \[0, 1e\+06\]"):
        OptimizeSettings(fleet_cap_mw=-1.0)


def test_demand_response_in_a_partial_outage_sheds_what_is_left() -> None:
    # 1 MW committed at a 2.95 MW site. The called hour (3,500 USD/MWh) is 80 % outage: the site
    # can draw 0.59 MW at most, less than the 1 MW asked. It is no modelling error (the site
    # could shed 1 MW with its grid up): the plan sheds all 0.59 MW and the ledger charges the
    # penalty on the rest.
    ers = {"name": "ERS", "committed_mw": 1.0, "payment_usd_per_mw_h": 8.0}
    fleet = one_site(demand_response=[{**ers, "penalty_usd_per_mwh": 400.0}])
    price = np.array([40.0, 3500.0, 40.0])
    scenario = flat_scenario(fleet, 3, price_usd_per_mwh=price, outages={"tx": [(1.2, 2.0)]})
    plan = optimize(fleet, [scenario])
    running, available = plan.schedule["running_mw"], plan.schedule["available_mw"]
    assert available.iloc[1] == pytest.approx(0.2 * 2.95)
    assert running.iloc[1] == pytest.approx(0.0, abs=1e-9)
    # Either side of the call the site runs what it has (hour 2: restarting after the outage).
    assert running.iloc[[0, 2]].tolist() == pytest.approx(available.iloc[[0, 2]].tolist())


# --------------------------------------------------------------------------------- strategy


def test_the_guard_reads_the_latest_published_price_not_the_plans() -> None:
    # The plan saw 100 USD/MWh in hour 1 (above the 70.62 breakeven: curtailed) and 40 elsewhere.
    # The unseen hour 1 costs 40 and hour 2 costs 100. Following the schedule stops in hour 1;
    # the strategy acts on each price once it has settled: it runs hours 0-2 and stops in hour 3,
    # after hour 2's 100 USD/MWh is published.
    fleet = one_site()
    seen = flat_scenario(fleet, 4, price_usd_per_mwh=np.array([40.0, 100.0, 40.0, 40.0]))
    unseen = flat_scenario(fleet, 4, price_usd_per_mwh=np.array([40.0, 40.0, 100.0, 40.0]))
    plan = optimize(fleet, [seen])
    strategy = optimized_strategy(plan)
    assert strategy.commitments["tx"].tolist() == [[1.0, 1.0, 1.0, 1.0]]
    site, hours = fleet.sites[0], unseen.site_hours(0)
    assert follow_plan(plan).run_fraction(fleet, site, hours).tolist() == [[1.0, 0.0, 1.0, 1.0]]
    assert strategy.policy.run_fraction(fleet, site, hours).tolist() == [[1.0, 1.0, 1.0, 0.0]]


def test_a_4cp_peak_is_a_commitment_a_price_spike_is_not() -> None:
    # 4CP 60 USD/kW-yr: the peak hour costs 15,000 USD per MW drawn, so the plan stands down in
    # hour 2 although 40 USD/MWh is below breakeven: a commitment (cap 0). In hour 4 it stands
    # down because 300 USD/MWh is above breakeven: the guard's business (cap 1).
    fleet = one_site(four_cp_rate=60.0)
    scenario = flat_scenario(fleet, 6, price_usd_per_mwh=np.array([40, 40, 40, 40, 300, 40.0]))
    scenario.four_cp_peak[0, 2] = True
    plan = optimize(fleet, [scenario])
    assert plan.schedule_for("tx", 0).tolist() == [[1, 1, 0, 1, 0, 1]]
    caps = commitment_caps(plan)["tx"]
    assert caps.tolist() == [[1, 1, 0, 1, 1, 1]]
    strategy = optimized_strategy(plan)
    assert strategy.committed_hours() == {"tx": 1}
    quiet = flat_scenario(fleet, 6, price_usd_per_mwh=40.0)
    quiet.four_cp_peak[0, 2] = True
    u = strategy.policy.run_fraction(fleet, fleet.sites[0], quiet.site_hours(0))
    assert u.tolist() == [[1, 1, 0, 1, 1, 1]]


def test_commitment_needs_every_scenario_that_would_run() -> None:
    # Two scenarios with the peak in different hours (2 and 3): in each hour one scenario would
    # run the tier (the other stands down for its own peak), so neither hour is committed.
    fleet = one_site(four_cp_rate=60.0)
    a, b = (flat_scenario(fleet, 5) for _ in range(2))
    a.four_cp_peak[0, 2] = True
    b.four_cp_peak[0, 3] = True
    scenarios = [dataclasses.replace(s, index=i, weight=0.5) for i, s in enumerate((a, b))]
    plan = optimize(fleet, scenarios)
    assert commitment_caps(plan)["tx"].tolist() == [[1, 1, 1, 1, 1]]


def test_hydro_site_keeps_warm_one_hour_where_the_strike_rule_freezes() -> None:
    # 1,000 S21 Hyd. at 500 USD/MWh (above breakeven, as in the hour before) for 12 hours below
    # 0 degC: the strike rule stops everything, the loops freeze after their 6 protection hours
    # and 30 % of the machines are lost. The strategy runs 10 % (a hair more) in the 7th idle
    # hour only, which starts the protection over, and nothing freezes.
    fleet = hydro_site()
    scenario = dataclasses.replace(
        flat_scenario(fleet, 12, temp_air_c=-5.0, price_usd_per_mwh=500.0),
        price_before_usd_per_mwh=np.array([500.0]),
    )
    strategy = optimized_strategy(optimize(fleet, [scenario]))
    u = strategy.policy.run_fraction(fleet, fleet.sites[0], scenario.site_hours(0))
    expected = np.zeros((1, 12))
    expected[0, 6] = 0.1 * (1 + 1e-6)
    np.testing.assert_allclose(u, expected)
    strike = simulate(fleet, scenario, StrikePrice(), settings=NO_FAILURES)
    mine = simulate(fleet, scenario, strategy.policy, settings=NO_FAILURES)
    assert (strike.events["kind"] == "freeze-damage").sum() == 1
    assert (mine.events["kind"] == "freeze-damage").sum() == 0
    # The plan itself keeps warm once: one hour, 5 or 6, lies in every window of 7 cold hours.
    plan = optimize(fleet, [scenario])
    warm = np.flatnonzero(np.array(plan.schedule["running_mw"]) > 1e-9)
    assert len(warm) == 1 and warm[0] in (5, 6)
    # Without the protection member only the plan's orders over the 6-hour protective lead (hours
    # 0-5, decided before the hours came) are carried out: its warm hour if it falls there.
    unprotected = optimized_strategy(plan, freeze_protection=False).policy.run_fraction(
        fleet, fleet.sites[0], scenario.site_hours(0)
    )
    ordered = np.flatnonzero(unprotected[0] > 0).tolist()
    assert ordered == ([5] if warm[0] == 5 else [])


def test_freeze_protection_runs_only_where_the_protection_would_run_out() -> None:
    # Hours 1-8 and 10-17 below 0 degC (hour 9 at 0 degC is not below it); protection 6 hours.
    # Taking the site as idle, the 7th cold hour of each run is kept warm: hours 7 and 16.
    temp = np.r_[1.0, np.full(8, -1.0), 0.0, np.full(8, -1.0)]
    hydro = hydro_site(400)
    cold = flat_scenario(hydro, len(temp), temp_air_c=temp)
    site, hours = hydro.sites[0], cold.site_hours(0)
    floor = FreezeProtection(share=0.25).min_run_fraction(hydro, site, hours)
    assert np.flatnonzero(floor[0]).tolist() == [7, 16]
    np.testing.assert_allclose(floor[0, [7, 16]], 0.25 * (1 + 1e-6))
    # Protecting decisions that run the site in hour 3: the clock starts over there, and the
    # first run's last 5 idle hours (4-8) do not outlast the protection.
    runs_at_3 = FollowPlan({site.id: (np.arange(len(temp)) == 3)[None, :].astype(float)})
    wrapped = FreezeProtection(runs_at_3, share=0.25)
    assert np.flatnonzero(wrapped.min_run_fraction(hydro, site, hours)[0]).tolist() == [16]
    assert wrapped.run_fraction(hydro, site, hours)[0, [3, 16]].tolist() == pytest.approx(
        [1.0, 0.25]
    )
    # Six idle cold hours carried in from a rolling plan's earlier steps into 10 cold hours: the
    # first is kept warm, then the 8th; above freezing in hour 0, the count would start over.
    carried = FreezeProtection(share=0.25, exposed_before_h={site.id: 6})
    still_cold = flat_scenario(hydro, 10, temp_air_c=-1.0).site_hours(0)
    assert np.flatnonzero(carried.min_run_fraction(hydro, site, still_cold)[0]).tolist() == [0, 7]
    assert np.flatnonzero(carried.min_run_fraction(hydro, site, hours)[0]).tolist() == [7, 16]
    air = one_site()
    freezing = flat_scenario(air, 3, temp_air_c=-20.0)
    policy = FreezeProtection(share=0.25)
    assert policy.min_run_fraction(air, air.sites[0], freezing.site_hours(0)).max() == 0.0
    assert policy.run_fraction(air, air.sites[0], freezing.site_hours(0)).min() == 1.0


def test_minimum_down_time_becomes_the_guards_hold() -> None:
    # With a 3 h minimum down time in the plan, a tier shed for one dear hour stays off 3 hours
    # (from hour 2, when hour 1's price is published).
    fleet = one_site()
    prices = np.array([40.0, 100.0, 40.0, 40.0, 40.0, 40.0])
    scenario = flat_scenario(fleet, 6, price_usd_per_mwh=prices)
    plan = optimize(fleet, [scenario], OptimizeSettings(min_down_hours=3.0))
    u = optimized_strategy(plan).policy.run_fraction(fleet, fleet.sites[0], scenario.site_hours(0))
    assert u.tolist() == [[1, 1, 0, 0, 0, 1]]


def relocation_fleet() -> Fleet:
    """Site a (S21 x 10, dear power) and site b (empty, cheap, room for 6 S21)."""
    base = INDEX_SITE
    a = {**base, "id": "a", "name": "A", "capacity_mw": 1.0, "machines": {"s21": 10}, "slots": 10}
    b = {**base, "id": "b", "name": "B", "capacity_mw": 6 * 0.0035, "machines": {}, "slots": 10}
    route = {
        "from": "a",
        "to": "b",
        "cost_usd_per_machine": 0.1,
        "transit_days": 1.0 / 24.0,
        "max_machines_per_week": 100_000,
    }
    return fleet_from_dict({"models": ON_OFF, "sites": [a, b], "routes": [route]})


def test_strategy_carries_the_plans_relocations_and_their_new_tier() -> None:
    # 6 S21 move from a (200 USD/MWh, as before the horizon) to b (20 USD/MWh) and hash there
    # from hour 1; the strategy ships them and runs them at b by the published price.
    fleet = relocation_fleet()
    price = np.array([[200.0] * 3, [20.0] * 3])
    scenario = dataclasses.replace(
        flat_scenario(fleet, 3, price_usd_per_mwh=price),
        price_before_usd_per_mwh=np.array([200.0, 20.0]),
    )
    plan = optimize(fleet, [scenario])
    strategy = optimized_strategy(plan)
    assert list(strategy.shipments) == plan_shipments(plan)
    assert strategy.commitments["b"].shape == (1, 3)
    result = simulate(
        fleet, scenario, strategy.policy, shipments=strategy.shipments, settings=NO_FAILURES
    )
    hashrate = result.ledger["hashrate_th_s"].unstack("site_id")
    assert hashrate["b"].tolist() == pytest.approx([0.0, 1200.0, 1200.0])
    assert hashrate["a"].tolist() == pytest.approx([0.0, 0.0, 0.0])
