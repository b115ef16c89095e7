"""The optimizer, on cases whose optimum is worked out by hand, and against the closed form."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest

from planner.domain.examples import one_site, two_sites, without_modes
from planner.domain.fleet import Fleet, fleet_from_dict, read_catalog
from planner.domain.ledger import (
    marginal_price_usd_per_mwh,
    site_ledger,
    site_tiers,
    tier_breakeven_usd_per_mwh,
)
from planner.engine.optimization import (
    OptimizeSettings,
    PlanSolver,
    SolveStatus,
    optimize,
)
from planner.engine.optimization.data import down_share
from planner.engine.optimization.plan import cvar_of_loss
from planner.engine.simulation import Shipment, SimSettings, simulate
from planner.engine.strategies import follow_plan, plan_shipments
from planner.errors import ConfigError, SolveError
from planner.world.scenarios import Scenario, flat_scenario

ERCOT = (
    Path(__file__).resolve().parents[3]
    / "shared/data/ercot/ercot_rtm_spp_hubs_hourly_2020_2025.csv"
)

# 1,000 S19j Pro (29.5 J/TH) at hashprice 0.05 USD/(TH/s day): one MWh drawn earns
# 0.05 / (29.5 x 86,400 / 3.6e9) = 70.6215 USD; the site draws 2.95 MW and hashes 0.1 EH/s.
REVENUE_S19JPRO = 0.05 / (29.5 * 86_400 / 3.6e9)


def weighted(scenarios: list[Scenario], weights: list[float]) -> list[Scenario]:
    return [
        dataclasses.replace(s, index=i, weight=w)
        for i, (s, w) in enumerate(zip(scenarios, weights, strict=True))
    ]


# ------------------------------------------------------------------------------- closed form


def closed_form_on(fleet: Fleet, scenario: Scenario) -> np.ndarray:
    """Tier k runs in hour h iff its facility-level breakeven exceeds the marginal price."""
    site = fleet.sites[0]
    strike = np.array(
        [
            tier_breakeven_usd_per_mwh(site, t, scenario.hashprice_usd_per_th_day)
            for t in site_tiers(fleet, site)
        ]
    )
    return strike > marginal_price_usd_per_mwh(site, scenario.price_usd_per_mwh[0])[None, :]


def closed_form_share(fleet: Fleet, scenario: Scenario) -> np.ndarray:
    """Per mode: each hour every machine of a tier runs in the mode (off, sleep, a profile or the
    nameplate) with the most margin, revenue - marginal price x overhead x power; the tier's
    load share is that mode's power over the nameplate's. Ties are not expected (checked)."""
    site = fleet.sites[0]
    marginal = marginal_price_usd_per_mwh(site, scenario.price_usd_per_mwh[0])
    hashprice = scenario.hashprice_usd_per_th_day
    out = []
    for tier in site_tiers(fleet, site):
        model = tier.model
        hashing = [m for m in model.modes if m.hashrate_th_s > 0]  # sleep is worth what off is
        rows = [(0.0, 0.0)] + [(m.power_w, m.hashrate_th_s) for m in hashing]
        rows.append((model.power_w, model.hashrate_th_s))
        power = np.array([p for p, _ in rows])[:, None]
        hashrate = np.array([h for _, h in rows])[:, None]
        # USD per machine-hour: TH/s x USD/(TH/s day) / 24 - MW x USD/MWh x PUE.
        margin = (
            hashrate * hashprice[None, :] / 24.0 - power / 1e6 * marginal[None, :] * site.overhead
        )
        best = np.sort(margin, axis=0)
        assert np.all(best[-1] - best[-2] > 1e-9), "a tie between two modes"
        out.append(power[np.argmax(margin, axis=0), 0] / model.power_w)
    return np.array(out)


def assert_closed_form(fleet: Fleet, scenario: Scenario) -> None:
    plan = optimize(fleet, [scenario], OptimizeSettings(relocate=False))
    expected = closed_form_share(fleet, scenario)
    got = plan.schedule_for(fleet.sites[0].id, 0)
    np.testing.assert_allclose(got, expected, atol=1e-7)
    # The plan's profit is the hourly ledger's profit under the same schedule.
    ledger = site_ledger(fleet, fleet.sites[0], scenario.site_hours(0), got)
    assert plan.kpis.expected_profit_usd == pytest.approx(ledger["profit_usd"].sum(), rel=1e-9)
    mean_eh_s = ledger["hashrate_th_s"].mean() / 1e6
    assert plan.kpis.mean_hashrate_eh_s == pytest.approx(mean_eh_s, rel=1e-9)


def index_fleet_two_tiers(power_modes: bool = True) -> Fleet:
    """HB_WEST, index contract with a 4 USD/MWh adder, PUE 1.05, S21 and S19j Pro tiers; the
    S19j Pro with the catalog's power modes unless told otherwise."""
    site = one_site(overhead=1.05, contract={"kind": "index", "adder_usd_per_mwh": 4.0})
    raw = site.sites[0].model_dump(by_alias=True)
    raw["machines"] = {"s19j-pro": 1000, "s21": 500}
    raw["capacity_mw"] = 10.0
    models = {} if power_modes else without_modes("s19j-pro")
    return fleet_from_dict({"sites": [raw], "models": models})


def test_closed_form_on_a_real_ercot_week_at_hb_west() -> None:
    if not ERCOT.exists():
        pytest.skip(f"ERCOT price file not present at {ERCOT}")
    from weather.grid import read_prices

    prices = read_prices(ERCOT, nodes=["HB_WEST"]).loc["HB_WEST", "price_usd_per_mwh"]
    week = prices["2023-08-14":"2023-08-20 23:00"].to_numpy()
    assert len(week) == 168 and np.isfinite(week).all()
    fleet = index_fleet_two_tiers()
    scenario = flat_scenario(fleet, 168, price_usd_per_mwh=week, start="2023-08-14")
    # Strikes: S19j Pro 70.62 / 1.05 - 4 = 63.26 USD/MWh; S21 (17.5 J/TH) 119.05 / 1.05 - 4
    # = 109.38 USD/MWh. The week crosses both; no hour sits within a cent of either.
    on = closed_form_on(fleet, scenario)
    assert 0 < on[0].sum() < 168 and 0 < on[1].sum() < 168
    assert_closed_form(fleet, scenario)
    # On/off alone (no power modes): the closed form is the tier's breakeven.
    on_off = index_fleet_two_tiers(power_modes=False)
    np.testing.assert_array_equal(closed_form_share(on_off, scenario), on.astype(float))
    assert_closed_form(on_off, scenario)
    # With modes the S19j Pro tier uses a low mode in some hours (a share strictly in (0, 1)).
    shares = closed_form_share(fleet, scenario)[1]  # tiers: S21, then S19j Pro
    assert ((shares > 0) & (shares < 1)).sum() > 0


def test_closed_form_on_synthetic_prices_with_spikes_and_negatives() -> None:
    rng = np.random.default_rng(11)
    price = np.concatenate([rng.normal(60, 40, 160), [-20.0, -5.0, 400.0, 9000.0, 55.0, 75.0]])
    fleet = index_fleet_two_tiers()
    assert_closed_form(fleet, flat_scenario(fleet, len(price), price_usd_per_mwh=price))


def test_closed_form_by_hand_four_hours() -> None:
    # One S19j Pro tier (breakeven 70.62 USD/MWh, no adder, PUE 1): runs at 20 and 60, not at 80
    # and 100. Profit = 2.95 x (70.62 - 20) + 2.95 x (70.62 - 60) = 149.33 + 31.33 = 180.67 USD.
    fleet = one_site()
    plan = optimize(
        fleet, [flat_scenario(fleet, 4, price_usd_per_mwh=np.array([20.0, 80, 60, 100]))]
    )
    assert plan.schedule_for("tx", 0).tolist() == [[1.0, 0.0, 1.0, 0.0]]
    assert plan.kpis.expected_profit_usd == pytest.approx(2.95 * (2 * REVENUE_S19JPRO - 80))
    assert plan.kpis.expected_curtailed_mwh == pytest.approx(2 * 2.95)
    assert plan.solver.status is SolveStatus.OPTIMAL
    assert plan.solver.mip_gap == 0.0


# ------------------------------------------------------------------------------- relocation


#: A West Texas air-cooled site on the real-time index with no adder: the fields the relocation
#: fleets share.
INDEX_SITE: dict[str, Any] = {
    "latitude": 31.0,
    "longitude": -100.0,
    "timezone": "America/Chicago",
    "grid": {"iso": "ERCOT", "node": "HB_WEST"},
    "cooling": "air",
    "overhead": 1.0,
    "contract": {"kind": "index", "adder_usd_per_mwh": 0.0},
}


def relocation_fleet() -> Fleet:
    """Site a (S21 x 10, 200 USD/MWh) and site b (empty, room for 6.5 S21 by capacity)."""
    base = INDEX_SITE
    a = {**base, "id": "a", "name": "A", "capacity_mw": 1.0, "machines": {"s21": 10}, "slots": 10}
    b = {**base, "id": "b", "name": "B", "capacity_mw": 6.5 * 0.0035, "machines": {}, "slots": 10}
    route = {
        "from": "a",
        "to": "b",
        "cost_usd_per_machine": 0.1,
        "transit_days": 1.0 / 24.0,  # one hour: the machines hash at b from hour 1
        "max_machines_per_week": 100_000,
    }
    return fleet_from_dict({"sites": [a, b], "routes": [route]})


def test_moving_machines_to_cheap_power_is_worth_it_and_counted_in_whole_machines() -> None:
    # S21: 200 TH/s, 3.5 kW. Hashprice 0.05: a machine-hour earns 200 x 0.05 / 24 = 0.41667 USD.
    # At a (200 USD/MWh) it costs 0.0035 x 200 = 0.70 USD: every machine at a is curtailed.
    # At b (20 USD/MWh) it costs 0.07 USD: margin 0.34667 USD per machine-hour, hours 1 and 2.
    # Moving one costs 0.10 USD and earns 2 x 0.34667 = 0.69333: worth it. Capacity at b allows
    # 6.5 machines (0.02275 MW / 3.5 kW): the relaxation moves 6.5, the plan moves 6.
    # Objective: 6 x (0.69333 - 0.10) = 3.56 USD.
    fleet = relocation_fleet()
    price = np.array([[200.0] * 3, [20.0] * 3])
    plan = optimize(fleet, [flat_scenario(fleet, 3, price_usd_per_mwh=price)])
    assert plan.relocations[
        ["from_site", "to_site", "model_id", "machines"]
    ].to_numpy().tolist() == [["a", "b", "s21", 6]]
    assert plan.relocations["cost_usd"].sum() == pytest.approx(0.6)
    margin = 200 * 0.05 / 24 - 0.0035 * 20
    assert plan.kpis.expected_profit_usd == pytest.approx(6 * (2 * margin - 0.1))
    assert plan.solver.objective_usd == pytest.approx(6 * (2 * margin - 0.1))
    # b runs its 6 machines (0.021 MW) from hour 1; a runs nothing.
    running = plan.schedule.groupby(["site_id", "period"])["running_mw"].sum()
    assert running.loc["b"].tolist() == pytest.approx([0.0, 0.021, 0.021])
    assert running.loc["a"].tolist() == pytest.approx([0.0, 0.0, 0.0])
    (shipment,) = plan_shipments(plan)
    assert shipment.cost_usd_per_machine == pytest.approx(0.1)  # the route's, for full value
    assert dataclasses.replace(shipment, cost_usd_per_machine=0.1) == Shipment(
        "a", "b", "s21", 6, 0.0, 1.0 / 24.0, 0.1
    )


def test_the_simulation_can_follow_the_plan() -> None:
    # The plan's shipments and schedule, simulated: the 6 machines hash at b in hours 1 and 2.
    fleet = relocation_fleet()
    price = np.array([[200.0] * 3, [20.0] * 3])
    scenario = flat_scenario(fleet, 3, price_usd_per_mwh=price)
    plan = optimize(fleet, [scenario])
    result = simulate(
        fleet,
        scenario,
        follow_plan(plan, 0),
        shipments=plan_shipments(plan),
        settings=SimSettings(failures=False),
    )
    hashrate = result.ledger["hashrate_th_s"].unstack("site_id")
    assert hashrate["b"].tolist() == pytest.approx([0.0, 1200.0, 1200.0])
    assert hashrate["a"].tolist() == pytest.approx([0.0, 0.0, 0.0])
    assert result.ledger["profit_usd"].sum() - 0.6 == pytest.approx(plan.kpis.expected_profit_usd)


def test_rounding_within_the_gap_is_accepted_and_its_gap_reported() -> None:
    # Scaled up: 1,000 S21 at a, capacity for 650.5 at b. The relaxation moves 650.5 machines and
    # earns 650.5 x 0.59333 = 385.96 USD; rounded down to 650 it earns 385.67, a relative gap of
    # 0.5 / 650.5 = 7.7e-4: accepted with mip_gap 1e-3, reported as such.
    fleet = relocation_fleet()
    raw = fleet.model_dump(by_alias=True)
    raw["sites"][0].update(machines={"s21": 1000}, slots=1000, capacity_mw=10.0)
    raw["sites"][1].update(capacity_mw=650.5 * 0.0035, slots=1000)
    fleet = fleet_from_dict({"sites": raw["sites"], "routes": raw["routes"]})
    price = np.array([[200.0] * 3, [20.0] * 3])
    scenario = flat_scenario(fleet, 3, price_usd_per_mwh=price)
    plan = optimize(fleet, [scenario], OptimizeSettings(mip_gap=1e-3))
    assert plan.relocations["machines"].tolist() == [650]
    assert plan.solver.status is SolveStatus.OPTIMAL
    assert plan.solver.mip_gap == pytest.approx(0.5 / 650.5, rel=1e-6)
    # With the default gap (1e-4) branch and bound proves 650 optimal.
    exact = optimize(fleet, [scenario])
    assert exact.relocations["machines"].tolist() == [650]
    assert exact.solver.mip_gap <= 1e-4


def test_a_rounding_that_breaks_a_row_of_shipments_is_made_again_with_room_for_it() -> None:
    # Site b is full (1,000 S19j Pro, 2.95 MW) and cheap; a holds 500 S21 at an expensive price.
    # Per machine-hour at b an S21 earns 200 x 0.05 / 24 - 3.5 x 0.02 = 0.34667 USD, an S19j Pro
    # 100 x 0.05 / 24 - 2.95 x 0.02 = 0.14933. The relaxation brings all 500 S21 (9 hours at b)
    # and sends 500 x 3.5 / 2.95 = 593.22 S19j Pro away to make room. Rounded down to 500 and
    # 593, b is over its capacity by 0.22 S19j Pro. Re-solved with b's capacity row tightened by
    # one S19j Pro (2.95 kW, what rounding down could add to it), the LP sends 594.22 away:
    # rounded down, 500 and 594 keep the row, within the gap of the relaxation's bound (branch
    # and bound, which this replaces, would report its own bound).
    s19, s21 = 100 * 0.05 / 24 - 2.95 * 0.02, 200 * 0.05 / 24 - 3.5 * 0.02
    site = {**INDEX_SITE, "slots": 5000}
    a = {**site, "id": "a", "name": "A", "capacity_mw": 10.0, "machines": {"s21": 500}}
    b = {**site, "id": "b", "name": "B", "capacity_mw": 2.95, "machines": {"s19j-pro": 1000}}
    route = {"cost_usd_per_machine": 0.1, "transit_days": 1 / 24, "max_machines_per_week": 10**5}
    fleet = fleet_from_dict(
        {
            "sites": [a, b],
            "routes": [{**route, "from": "a", "to": "b"}, {**route, "from": "b", "to": "a"}],
            "models": without_modes("s19j-pro", "s21"),
        }
    )
    price = np.array([[200.0] * 10, [20.0] * 10])
    scenario = flat_scenario(fleet, 10, price_usd_per_mwh=price)
    plan = optimize(fleet, [scenario], OptimizeSettings(mip_gap=1e-2))
    moved = plan.relocations.set_index("model_id")["machines"]
    assert moved.to_dict() == {"s21": 500, "s19j-pro": 594}
    stay = 1000 * 10 * s19
    expected = stay - 594 * (10 * s19 + 0.1) + 500 * (9 * s21 - 0.1)
    relaxed = stay - 500 * 3.5 / 2.95 * (10 * s19 + 0.1) + 500 * (9 * s21 - 0.1)
    assert plan.solver.objective_usd == pytest.approx(expected, rel=1e-9)
    assert plan.solver.status is SolveStatus.OPTIMAL
    assert plan.solver.mip_gap == pytest.approx((relaxed - expected) / relaxed, rel=1e-6)


def slow_route_move() -> tuple[Fleet, Scenario]:
    """:func:`relocation_fleet` with a transit of 1.5 days, and 5 days at which moving pays: 200
    USD/MWh at a, 20 at b."""
    raw = relocation_fleet().model_dump(by_alias=True)
    raw["routes"][0]["transit_days"] = 1.5
    fleet = fleet_from_dict({"sites": raw["sites"], "routes": raw["routes"]})
    price = np.array([[200.0] * 120, [20.0] * 120])
    return fleet, flat_scenario(fleet, 120, price_usd_per_mwh=price)


def test_strategic_relocation_arrives_in_the_first_whole_period_after_transit() -> None:
    # Daily periods, transit 1.5 days: the machines hash at b from day 2 (hour 48), not day 1.
    fleet, scenario = slow_route_move()
    plan = optimize(
        fleet,
        [scenario],
        OptimizeSettings(horizon="strategic", strategic_price_blocks=1),
    )
    assert plan.relocations[["machines", "depart_h", "arrive_h"]].to_numpy().tolist() == [
        [6, 0.0, 36.0]
    ]
    b = plan.schedule[plan.schedule["site_id"] == "b"]["running_mw"].tolist()
    assert b == pytest.approx([0.0, 0.0, 0.021, 0.021, 0.021])
    # 3 days x 24 h x 6 machines x 0.34667 USD - 0.6 USD.
    margin = 200 * 0.05 / 24 - 0.0035 * 20
    assert plan.kpis.expected_profit_usd == pytest.approx(3 * 24 * 6 * margin - 0.6)


def test_with_price_blocks_a_period_starts_when_relocated_machines_arrive() -> None:
    # The same move with price blocks (the strategic default): a block holds hours from all over
    # its period, so a period starts at the arrival, hour 36, and the machines hash from there:
    # 84 h x 6 machines x 0.34667 USD - 0.6 USD.
    fleet, scenario = slow_route_move()
    plan = optimize(
        fleet,
        [scenario],
        OptimizeSettings(horizon="strategic"),
    )
    assert plan.duration_h.tolist() == [24.0, 12.0, 12.0, 24.0, 24.0, 24.0]
    b = plan.schedule[plan.schedule["site_id"] == "b"]["running_mw"].tolist()
    assert b == pytest.approx([0.0, 0.0, 0.021, 0.021, 0.021, 0.021])
    margin = 200 * 0.05 / 24 - 0.0035 * 20
    assert plan.kpis.expected_profit_usd == pytest.approx(84 * 6 * margin - 0.6)


def test_no_relocation_when_moving_does_not_pay() -> None:
    # Same fleet, b's power at 150 USD/MWh: margin 0.41667 - 0.525 < 0, nothing moves.
    fleet = relocation_fleet()
    price = np.array([[200.0] * 3, [150.0] * 3])
    plan = optimize(fleet, [flat_scenario(fleet, 3, price_usd_per_mwh=price)])
    assert plan.relocations.empty
    assert plan.kpis.expected_profit_usd == pytest.approx(0.0, abs=1e-9)


def test_a_plan_that_must_ship_is_solved_although_holding_shipments_at_zero_is_infeasible() -> None:
    # A first solve holds the shipments at zero, then releases them; a user's row that demands
    # 3 machines on the road leaves the held model with no solution, so the model is solved
    # afresh. Power is dear at both sites (200 and 150 USD/MWh: every machine-hour loses), so
    # the 3 machines earn nothing at b and cost 3 x 0.10 USD to move: objective -0.30 USD.
    def must_ship(model: Any, data: Any) -> None:
        model.must_ship = pyo.Constraint(expr=sum(model.ship[o] for o in model.ship) >= 3)

    fleet = relocation_fleet()
    price = np.array([[200.0] * 3, [150.0] * 3])
    settings = OptimizeSettings(extra_functionality=must_ship)
    plan = optimize(fleet, [flat_scenario(fleet, 3, price_usd_per_mwh=price)], settings)
    assert plan.relocations["machines"].tolist() == [3]
    assert plan.solver.status is SolveStatus.OPTIMAL
    assert plan.solver.objective_usd == pytest.approx(-0.3)


def test_relocation_budget_caps_the_moves() -> None:
    # A 0.35 USD budget pays for 3 machines at 0.10 USD each.
    fleet = relocation_fleet()
    price = np.array([[200.0] * 3, [20.0] * 3])
    plan = optimize(
        fleet,
        [flat_scenario(fleet, 3, price_usd_per_mwh=price)],
        OptimizeSettings(relocation_budget_usd=0.35),
    )
    assert plan.relocations["machines"].tolist() == [3]


# ------------------------------------------------------------------------------------- CVaR


def test_cvar_of_two_scenarios_by_hand() -> None:
    # One hour, decided before knowing the price (non-anticipative): 20 USD/MWh with probability
    # 0.8, 250 USD/MWh with 0.2. Running all 2.95 MW earns 2.95 x (70.62 - 20) = 149.33 or
    # 2.95 x (70.62 - 250) = -529.17: expected 0.8 x 149.33 - 0.2 x 529.17 = 13.63.
    fleet = one_site()
    a = 2.95 * (REVENUE_S19JPRO - 20.0)  # 149.33
    b = 2.95 * (REVENUE_S19JPRO - 250.0)  # -529.17
    expected = 0.8 * a + 0.2 * b  # 13.63
    cvar = (0.2 * -b - 0.3 * a) / 0.5
    scen = weighted(
        [flat_scenario(fleet, 1, price_usd_per_mwh=p) for p in (20.0, 250.0)], [0.8, 0.2]
    )
    # lambda = 0.1: objective 13.63 - 0.1 x 122.07 = 1.43 > 0: run.
    solver = PlanSolver(fleet, scen, OptimizeSettings(risk_lambda=0.1, cvar_alpha=0.5))
    plan = solver.solve()
    m = solver.model
    assert plan.first_period["running_mw"].tolist() == pytest.approx([2.95])
    assert m.eta.value == pytest.approx(-a)
    assert [m.excess_loss[s].value for s in (0, 1)] == pytest.approx([0.0, a - b])
    assert plan.solver.objective_usd == pytest.approx(expected - 0.1 * cvar)
    assert plan.kpis.cvar_loss_usd == pytest.approx(cvar)
    assert plan.kpis.expected_profit_usd == pytest.approx(expected)
    # lambda = 0.2: 13.63 - 24.41 < 0: curtail (objective 0).
    plan = solver.update(risk_lambda=0.2)
    assert plan.first_period["running_mw"].tolist() == pytest.approx([0.0], abs=1e-9)
    assert plan.solver.objective_usd == pytest.approx(0.0, abs=1e-6)


def test_cvar_of_loss_formula() -> None:
    # Losses 10, 20, 30, 40 equally likely; alpha 0.5: mean of the worst half = 35.
    assert cvar_of_loss(np.array([10.0, 20, 30, 40]), np.full(4, 0.25), 0.5) == pytest.approx(35)
    # alpha 0: the mean.
    assert cvar_of_loss(np.array([10.0, 20, 30, 40]), np.full(4, 0.25), 0.0) == pytest.approx(25)


# ---------------------------------------------------------------------- demand response


def dr_fleet(committed_mw: float, contract: dict[str, Any] | None = None) -> Fleet:
    return one_site(
        contract=contract,
        demand_response=[
            {
                "name": "ERS",
                "committed_mw": committed_mw,
                "payment_usd_per_mw_h": 8.0,
                "penalty_usd_per_mwh": 400.0,
            }
        ],
    )


def test_demand_response_that_cannot_be_met_names_the_family() -> None:
    # 5 MW committed, but the site only ever draws 2.95 MW: in the called hour (3,500 USD/MWh)
    # it cannot shed 5 MW; it is 5 - 2.95 = 2.05 MW short.
    fleet = dr_fleet(5.0)
    price = np.array([40.0, 3500.0, 40.0])
    with pytest.raises(SolveError, match=r"demand_response \(short by 2.05 MW"):
        optimize(fleet, [flat_scenario(fleet, 3, price_usd_per_mwh=price)])


def test_demand_response_commitment_cuts_a_profitable_hosting_site() -> None:
    # Hosting at 0.05 USD/kWh = 50 USD/MWh: running earns 20.62 USD/MWh, so the site runs all
    # 2.95 MW, except in the called hour (RT price 3,500 at the node) where it must shed 1 MW.
    # Hosting allows 8,760 curtailment hours a year here, so that limit does not bind.
    # Profit: 20.6215 x (2.95 + 1.95 + 2.95) + DR payments 8 x 1 x 3 = 161.88 + 24 = 185.88 USD.
    hosting = {"kind": "hosting", "rate_usd_per_kwh": 0.05, "curtailment_hours_per_year": 8760}
    fleet = dr_fleet(1.0, hosting)
    plan = optimize(
        fleet, [flat_scenario(fleet, 3, price_usd_per_mwh=np.array([40.0, 3500.0, 40.0]))]
    )
    running = plan.schedule["running_mw"].tolist()
    assert running == pytest.approx([2.95, 1.95, 2.95])
    margin = REVENUE_S19JPRO - 50.0
    assert plan.kpis.expected_profit_usd == pytest.approx(margin * 7.85 + 24.0)


def test_hosting_curtailment_allowance_forces_running_at_a_loss() -> None:
    # Hosting at 0.08 USD/kWh: every hour loses 80 - 70.62 = 9.38 USD/MWh. The contract allows
    # 876 curtailment hours a year = 10 % of the time: over 10 hours, 1 hour-equivalent of the
    # 2.95 MW site, so 9 x 2.95 MWh must be drawn: loss 9 x 2.95 x 9.38 = 249.1 USD.
    hosting = {"kind": "hosting", "rate_usd_per_kwh": 0.08, "curtailment_hours_per_year": 876}
    fleet = one_site(contract=hosting)
    plan = optimize(fleet, [flat_scenario(fleet, 10)])
    assert plan.kpis.expected_curtailed_mwh == pytest.approx(2.95)
    assert plan.kpis.expected_profit_usd == pytest.approx(-9 * 2.95 * (80 - REVENUE_S19JPRO))


# ------------------------------------------------------------------------- hashrate floor


def test_hashrate_floor_forces_running_at_a_loss() -> None:
    # At 100 USD/MWh the S19j Pro loses 29.38 USD/MWh and curtails; a 0.05 EH/s floor (half the
    # 0.1 EH/s site) keeps 1.475 MW running: 4 hours x 1.475 x -29.38 = -173.3 USD.
    fleet = one_site()
    scenario = flat_scenario(fleet, 4, price_usd_per_mwh=100.0)
    free = optimize(fleet, [scenario])
    assert free.kpis.mean_hashrate_eh_s == pytest.approx(0.0, abs=1e-12)
    held = optimize(fleet, [scenario], OptimizeSettings(hashrate_floor_eh_s=0.05))
    assert held.kpis.mean_hashrate_eh_s == pytest.approx(0.05)
    assert held.schedule["running_mw"].tolist() == pytest.approx([1.475] * 4)
    assert held.kpis.expected_profit_usd == pytest.approx(4 * 1.475 * (REVENUE_S19JPRO - 100))


def test_a_floor_above_the_fleet_names_the_family() -> None:
    fleet = one_site()
    with pytest.raises(SolveError, match="hashrate_floor"):
        optimize(fleet, [flat_scenario(fleet, 2)], OptimizeSettings(hashrate_floor_eh_s=0.2))


def test_probabilistic_floor_holds_in_the_cheaper_scenarios() -> None:
    # Three scenarios (weights 0.5, 0.3, 0.2) at 100, 200, 300 USD/MWh, one hour after a free
    # first hour at 0 USD/MWh. Floor 0.05 EH/s with probability 0.5: keeping it in the
    # 100 USD/MWh scenario alone (weight 0.5) is cheapest: 1.475 x 29.38 x 0.5 = 21.67 USD.
    fleet = one_site()
    prices = [100.0, 200.0, 300.0]
    scen = weighted(
        [flat_scenario(fleet, 2, price_usd_per_mwh=np.array([0.0, p])) for p in prices],
        [0.5, 0.3, 0.2],
    )
    solver = PlanSolver(
        fleet, scen, OptimizeSettings(hashrate_floor_eh_s=0.05, floor_probability=0.5)
    )
    plan = solver.solve()
    second = plan.running_mw[0, 1, :]
    assert second.tolist() == pytest.approx([1.475, 0.0, 0.0])
    assert [solver.model.floor_met[s].value for s in range(3)] == pytest.approx([1, 0, 0])
    free_hour = 2.95 * REVENUE_S19JPRO
    assert plan.kpis.expected_profit_usd == pytest.approx(
        free_hour - 0.5 * 1.475 * (100 - REVENUE_S19JPRO)
    )
    # With probability 0.6 the 200 USD/MWh scenario joins: + 0.3 x 1.475 x 129.38.
    plan = solver.update(floor_probability=0.6)
    assert plan.running_mw[0, 1, :].tolist() == pytest.approx([1.475, 1.475, 0.0])


# --------------------------------------------------------------------------------------- PPA


def test_ppa_sell_back_is_valued_at_the_real_time_price_less_the_discount() -> None:
    # PPA: 2 MW block at 30 USD/MWh, sell-back discount 10. The site could draw 2.95 MW.
    # h0, RT 10: inside the block a MWh costs 10 - 10 = 0, above it 10 < 70.62: run 2.95 MW.
    #   cost = 30 x 2 + 0.95 x 10 = 69.5.
    # h1, RT 200: a MWh not drawn sells for 190 > 70.62: draw nothing, sell 2 MWh.
    #   cost = 60 - 2 x 190 = -320.
    # h2, RT 75: inside 65 < 70.62 (run), above 75 > 70.62 (do not): draw exactly 2 MW.
    #   cost = 60.
    # Revenue 70.6215 x (2.95 + 2) = 349.58; cost -190.5; profit 540.08 USD.
    contract = {
        "kind": "ppa",
        "price_usd_per_mwh": 30.0,
        "contracted_mw": 2.0,
        "sell_back": True,
        "sell_back_discount_usd_per_mwh": 10.0,
    }
    fleet = one_site(contract=contract)
    scenario = flat_scenario(fleet, 3, price_usd_per_mwh=np.array([10.0, 200.0, 75.0]))
    plan = optimize(fleet, [scenario])
    assert plan.schedule["running_mw"].tolist() == pytest.approx([2.95, 0.0, 2.0])
    assert plan.kpis.expected_power_cost_usd == pytest.approx(69.5 - 320 + 60)
    assert plan.kpis.expected_profit_usd == pytest.approx(REVENUE_S19JPRO * 4.95 + 190.5)
    ledger = site_ledger(fleet, fleet.sites[0], scenario.site_hours(0), plan.schedule_for("tx", 0))
    assert ledger["profit_usd"].sum() == pytest.approx(plan.kpis.expected_profit_usd)


# ---------------------------------------------------------------------------- persistence


def market_scenarios(fleet: Fleet, n: int, hours: int, scale: float = 1.0) -> list[Scenario]:
    rng = np.random.default_rng(5)
    out = []
    for i in range(n):
        price = rng.gamma(3.0, 20.0, (len(fleet.sites), hours))
        hashprice = 0.05 * np.exp(rng.normal(0.0, 0.1)) * scale
        out.append(
            flat_scenario(
                fleet,
                hours,
                price_usd_per_mwh=price,
                hashprice_usd_per_th_day=hashprice,
                outages={"tx": [(5.0, 8.0)]} if i % 3 == 0 else None,
            )
        )
    return weighted(out, [1.0 / n] * n)


def test_re_solve_after_hashprice_update_matches_a_fresh_build() -> None:
    fleet = two_sites()
    settings = OptimizeSettings(risk_lambda=0.3, cvar_alpha=0.9)
    solver = PlanSolver(fleet, market_scenarios(fleet, 6, 120), settings)
    solver.solve()
    updated = solver.update(hashprice_scale=0.8)
    fresh = optimize(fleet, market_scenarios(fleet, 6, 120, scale=0.8), settings)
    assert updated.solver.objective_usd == pytest.approx(fresh.solver.objective_usd, rel=1e-7)
    assert updated.kpis.expected_profit_usd == pytest.approx(
        fresh.kpis.expected_profit_usd, rel=1e-7
    )
    assert updated.relocations["machines"].tolist() == fresh.relocations["machines"].tolist()
    np.testing.assert_allclose(updated.schedule_for("tx"), fresh.schedule_for("tx"), atol=1e-6)
    assert updated.parameters["hashprice_scale"] == 0.8
    assert updated.solver.build_seconds == 0.0


def test_a_re_solve_whose_warm_start_runs_out_is_solved_afresh_in_a_new_instance() -> None:
    # An iteration limit of 1 on the instance cuts the warm start off (HiGHS reports it as a
    # limit, like running out of time). The re-solve then moves the model into a new HiGHS
    # instance (the old one's working memory goes with it), which has HiGHS's default options:
    # it solves to the same optimum as a model built afresh with the new hashprice.
    fleet = two_sites()
    settings = OptimizeSettings(relocate=True)
    solver = PlanSolver(fleet, market_scenarios(fleet, 6, 120), settings)
    solver.solve()
    old = solver._highs
    assert old is not None
    old.setOptionValue("simplex_iteration_limit", 1)
    updated = solver.update(hashprice_scale=0.8)
    assert solver._highs is not old
    fresh = optimize(fleet, market_scenarios(fleet, 6, 120, scale=0.8), settings)
    assert updated.solver.status is SolveStatus.OPTIMAL
    assert updated.solver.objective_usd == pytest.approx(fresh.solver.objective_usd, rel=1e-9)
    assert updated.relocations["machines"].tolist() == fresh.relocations["machines"].tolist()
    # The new instance keeps the re-plans warm: the next one starts from its basis.
    again = solver.update(hashprice_scale=1.0)
    assert again.solver.objective_usd == pytest.approx(
        optimize(fleet, market_scenarios(fleet, 6, 120), settings).solver.objective_usd, rel=1e-9
    )


def test_time_limit_applies_to_each_re_solve_not_to_their_sum() -> None:
    # HiGHS's run clock keeps counting across runs of one instance; each re-plan must still get
    # its own time limit (0.1 s here) however long the earlier ones took together. Each re-solve
    # starts cold (basis dropped) so that the clock advances quickly.
    fleet = two_sites()
    solver = PlanSolver(fleet, market_scenarios(fleet, 6, 120), OptimizeSettings(time_limit_s=0.1))
    solver.solve()
    scales = iter(np.tile([0.8, 1.2], 500))
    while solver._highs.getRunTime() < 0.3:
        solver._highs.clearSolver()
        plan = solver.update(hashprice_scale=next(scales))
        assert plan.solver.status is SolveStatus.OPTIMAL


def test_the_solve_seam_returns_a_typed_result() -> None:
    from planner.engine.optimization import solve
    from planner.engine.optimization.data import prepare
    from planner.engine.optimization.model import build_model

    fleet = one_site()
    data = prepare(fleet, [flat_scenario(fleet, 4)], OptimizeSettings())
    built = build_model(data)
    result = solve(built.matrix)
    # 4 h x 2.95 MW x (70.62 - 40) USD/MWh = 361.33 USD.
    assert result.status is SolveStatus.OPTIMAL
    assert result.objective_usd == pytest.approx(4 * 2.95 * (REVENUE_S19JPRO - 40))
    assert result.mip_gap == 0.0
    assert result.build_seconds > 0 and result.solve_seconds > 0
    assert result.columns == built.matrix.n_cols and result.rows == built.matrix.n_rows


def test_compiled_model_matches_pyomos_own_highs_interface() -> None:
    # The arrays passed to HiGHS and the Pyomo model are the same model: Pyomo's persistent HiGHS
    # interface, reading the Pyomo constraints, finds the same optimum.
    from pyomo.contrib.solver.solvers.highs import Highs

    fleet = two_sites()
    solver = PlanSolver(
        fleet,
        market_scenarios(fleet, 2, 12),
        OptimizeSettings(risk_lambda=0.5, hashrate_floor_eh_s=0.01),
    )
    plan = solver.solve()
    solver.set_parameters(hashprice_scale=0.9)
    again = solver.solve()
    reference = Highs()
    reference.config.load_solutions = False
    result = reference.solve(solver.model)
    assert result.incumbent_objective == pytest.approx(again.solver.objective_usd, rel=1e-7)
    assert plan.solver.objective_usd != pytest.approx(again.solver.objective_usd, rel=1e-3)


def test_update_rejects_unknown_or_out_of_range_parameters() -> None:
    fleet = one_site()
    solver = PlanSolver(fleet, [flat_scenario(fleet, 2)])
    with pytest.raises(ConfigError, match="hashprice_scales: unknown parameter"):
        solver.set_parameters(hashprice_scales=1.0)
    with pytest.raises(ConfigError, match=r"cvar_alpha: must be in \[0, 1\), got 1.0"):
        solver.set_parameters(cvar_alpha=1.0)
    with pytest.raises(ConfigError, match="floor_probability: the model was built"):
        solver.set_parameters(floor_probability=0.5)


# ------------------------------------------------------------------- settings and horizons


def test_settings_errors_name_the_setting_and_the_range() -> None:
    with pytest.raises(ConfigError) as info:
        OptimizeSettings(horizon="weekly", cvar_alpha=1.5, mip_gap=-1)  # type: ignore[arg-type]
    message = str(info.value)
    assert "horizon: must be one of operational, strategic, got 'weekly'" in message
    assert "cvar_alpha: must be in [0, 1), got 1.5" in message
    assert "mip_gap: must be in [0, 1), got -1" in message


def test_operational_horizon_is_at_most_two_weeks() -> None:
    fleet = one_site()
    with pytest.raises(ConfigError, match="use horizon='strategic'"):
        optimize(fleet, [flat_scenario(fleet, 15 * 24)])


def test_strategic_horizon_aggregates_hours_into_days() -> None:
    # Two days. Day 0: 12 h at 20 and 12 h at 100 USD/MWh: mean 60 < 70.62, run all day.
    # Day 1: mean 90: curtail all day. The schedule comes back hour by hour.
    fleet = one_site()
    price = np.array([20.0] * 12 + [100.0] * 12 + [90.0] * 24)
    plan = optimize(
        fleet,
        [flat_scenario(fleet, 48, price_usd_per_mwh=price)],
        OptimizeSettings(horizon="strategic"),
    )
    assert plan.duration_h.tolist() == [24.0, 24.0]
    assert plan.schedule_for("tx").tolist() == [[1.0] * 24 + [0.0] * 24]
    assert plan.kpis.expected_profit_usd == pytest.approx(2.95 * 24 * (REVENUE_S19JPRO - 60))


def test_strategic_prices_are_weighted_by_availability() -> None:
    # An outage over the 12 cheap hours: the energy-weighted price of day 0 is the 100 USD/MWh
    # of the hours the site can run (not the plain mean of 60), so it curtails.
    fleet = one_site()
    price = np.array([20.0] * 12 + [100.0] * 12)
    scenario = flat_scenario(fleet, 24, price_usd_per_mwh=price, outages={"tx": [(0.0, 11.0)]})
    plan = optimize(fleet, [scenario], OptimizeSettings(horizon="strategic"))
    assert plan.kpis.mean_hashrate_eh_s == pytest.approx(0.0, abs=1e-12)


def test_outages_count_restart_and_cold_start() -> None:
    # Grid down 2-5 h, site restart 30 min and S19j Pro cold start 10 min: hour 5 is 2/3 down.
    assert down_share([(2.0, 5.0)], 40 / 60, 8).tolist() == pytest.approx(
        [0, 0, 1, 1, 1, 2 / 3, 0, 0]
    )
    fleet = one_site()
    plan = optimize(fleet, [flat_scenario(fleet, 8, outages={"tx": [(2.0, 5.0)]})])
    assert plan.available_mw[0, :, 0].tolist() == pytest.approx(
        [2.95, 2.95, 0, 0, 0, 2.95 / 3, 2.95, 2.95]
    )


# ---------------------------------------------------------- freeze protection, ramp, min down


def hydro_site() -> Fleet:
    raw = one_site(cooling="hydro", model="s21-hyd", count=1000).sites[0].model_dump(by_alias=True)
    return fleet_from_dict({"sites": [raw]})


# 1,000 S21 Hyd. (335 TH/s, 5.36 kW), no overhead, hashprice 0.05: a machine earns
# 335 x 0.05 / 24 = 0.697917 USD an hour (breakeven 130.2 USD/MWh). At 500 USD/MWh keeping the
# idle share (10 %, 100 machines, 0.536 MW) running one hour costs 100 x (2.68 - 0.697917) =
# 198.2083 USD; a freeze puts 300 machines out and costs 300 x 450 = 135,000 USD of repairs (their
# margin at 500 USD/MWh is 0, in the horizon and in the forward week).
PULSE_AT_500 = 100 * (5.36 * 0.5 - 335 * 0.05 / 24)


def test_cold_spells_shorter_than_the_protection_cost_nothing() -> None:
    # Three idle hours below 0 degC (the last without grid) do not outlast the 6-hour protection:
    # nothing needs to run, and nothing is left behind.
    fleet = hydro_site()
    temp = np.array([5.0, -5.0, -5.0, -5.0])
    scenario = flat_scenario(
        fleet, 4, temp_air_c=temp, price_usd_per_mwh=500.0, outages={"tx": [(3.0, 4.0)]}
    )
    plan = optimize(fleet, [scenario])
    assert plan.schedule["running_mw"].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert plan.kpis.expected_after_horizon_usd == 0.0


def test_a_long_cold_run_is_kept_warm_one_hour_in_seven() -> None:
    # 16 idle hours below 0 degC: every 7 in a row must hold a warm hour, so two hours run the
    # idle share (0.536 MW), never more; the freeze it avoids would cost 135,000 USD.
    fleet = hydro_site()
    scenario = flat_scenario(fleet, 16, temp_air_c=-5.0, price_usd_per_mwh=500.0)
    plan = optimize(fleet, [scenario])
    running = np.array(plan.schedule["running_mw"])
    assert sorted(running.round(6).tolist())[-3:] == [0.0, 0.536, 0.536]
    warm = np.flatnonzero(running > 0)
    assert warm[0] <= 6 and warm[1] - warm[0] <= 7 and warm[1] >= 16 - 7  # no 7 idle in a row
    assert plan.kpis.expected_profit_usd == pytest.approx(-2 * PULSE_AT_500)
    assert plan.kpis.expected_after_horizon_usd == 0.0


def test_a_cheap_hour_inside_a_cold_run_keeps_the_loops_warm_for_free() -> None:
    # 14 cold hours at 500 USD/MWh but for hour 5 at 40: the whole site runs then (margin
    # 0.697917 - 0.2144 = 0.483517 USD per machine), which breaks the idle stretch; one paid
    # warm hour covers hours 6-13. Profit 483.5167 - 198.2083 = 285.3083 USD.
    fleet = hydro_site()
    price = np.r_[np.full(5, 500.0), 40.0, np.full(8, 500.0)]
    plan = optimize(fleet, [flat_scenario(fleet, 14, temp_air_c=-5.0, price_usd_per_mwh=price)])
    running = np.array(plan.schedule["running_mw"])
    assert running[5] == pytest.approx(5.36)
    assert np.count_nonzero(running[6:] > 1e-9) == 1
    assert running[6:].max() == pytest.approx(0.536)
    assert plan.kpis.expected_profit_usd == pytest.approx(
        1000 * (335 * 0.05 / 24 - 5.36 * 0.04) - PULSE_AT_500
    )


@pytest.mark.parametrize(("before", "warm_hours"), [(0, 0), (3, 1), (7, 0)])
def test_idle_cold_hours_carried_in_shorten_the_first_window(before: int, warm_hours: int) -> None:
    # Six idle hours below 0 degC at 500 USD/MWh: alone they do not outlast the protection. With
    # 3 such hours behind the site when the horizon starts the stretch would reach 9: one of
    # hours 0-3 must be warm (7 - 3 = 4 hours left of the protection). With 7 behind it the
    # protection has already run out (the damage is done): nothing to save.
    fleet = hydro_site()
    scenario = flat_scenario(fleet, 6, temp_air_c=-5.0, price_usd_per_mwh=500.0)
    plan = optimize(fleet, [scenario], exposed_before_h={"tx": before})
    running = np.array(plan.schedule["running_mw"])
    assert np.count_nonzero(running > 1e-9) == warm_hours
    if warm_hours:
        assert np.flatnonzero(running > 1e-9)[0] <= 3
        assert plan.kpis.expected_profit_usd == pytest.approx(-PULSE_AT_500)
    assert plan.kpis.expected_after_horizon_usd == 0.0


def cheap_repair_hydro_site() -> Fleet:
    """The hydro site with freeze repairs of 1 USD a machine, done in a day."""
    hydro = dict(read_catalog()["cooling"]["hydro"])
    hydro.update(freeze_repair_days=1.0, freeze_repair_usd_per_machine=1.0)
    raw = one_site(cooling="hydro", model="s21-hyd", count=1000).sites[0].model_dump(by_alias=True)
    return fleet_from_dict({"sites": [raw], "cooling": {"hydro": hydro}})


@pytest.mark.parametrize(
    ("price", "damaged"),
    [(500.0, False), (9000.0, True)],
)
def test_the_plan_weighs_keeping_warm_against_what_a_freeze_costs(
    price: float, damaged: bool
) -> None:
    # 12 cold hours: one warm hour (in hour 5 or 6) covers every 7 in a row. A freeze costs
    # 300 machines x 1 USD of repairs (their margin is 0 at these prices, inside the horizon and
    # after it). At 500 USD/MWh the warm hour costs 198.21 USD: keep warm. At 9,000 it costs
    # 100 x (48.24 - 0.697917) = 4,754.21 USD: the freeze is cheaper.
    fleet = cheap_repair_hydro_site()
    scenario = flat_scenario(fleet, 12, temp_air_c=-5.0, price_usd_per_mwh=price)
    plan = optimize(fleet, [scenario])
    if damaged:
        assert plan.schedule["running_mw"].max() == 0.0
        assert plan.kpis.expected_after_horizon_usd == pytest.approx(300.0)
        assert plan.kpis.expected_profit_incl_after_horizon_usd == pytest.approx(-300.0)
    else:
        assert plan.kpis.expected_after_horizon_usd == 0.0
        assert plan.kpis.expected_profit_incl_after_horizon_usd == pytest.approx(-PULSE_AT_500)


def test_ramp_limit_makes_the_site_stop_ahead_of_a_spike() -> None:
    # 2.95 MW site, ramp 1 MW/h, price 20 in hours 0-1 (margin 50.62 USD/MWh) and 200 after
    # (loss 129.38 USD/MWh). With hour 1 at x MW, hour 2 runs at least x - 1, so each MW of
    # hour 1 above 1 MW costs 129.38 in hour 2 and earns 2 x 50.62 (hours 0 and 1, hour 0 being
    # at most x + 1): the best is x = 1, i.e. 2, 1, 0, 0, 0, 0 MW (profit 3 x 50.62 = 151.86).
    fleet = one_site()
    price = np.array([20.0, 20.0, 200.0, 200.0, 200.0, 200.0])
    plan = optimize(
        fleet,
        [flat_scenario(fleet, 6, price_usd_per_mwh=price)],
        OptimizeSettings(ramp_mw_per_h=1.0),
    )
    assert plan.schedule["running_mw"].tolist() == pytest.approx([2.0, 1.0, 0, 0, 0, 0], abs=1e-7)
    assert plan.kpis.expected_profit_usd == pytest.approx(3 * (REVENUE_S19JPRO - 20))


def test_minimum_down_time_keeps_a_stopped_site_stopped() -> None:
    # Price 200 in hour 1 only (loss 129.38 USD/MWh), 60 in hours 2-3 (margin 10.62). Without a
    # minimum down time the site stops in hour 1 alone. With 3 hours, stopping in hour 1 means
    # staying stopped in hours 2 and 3 (giving up 2 x 2.95 x 10.62 = 62.7 USD); the alternative
    # is to idle at the minimum running share in hour 1.
    fleet = one_site()
    scenario = flat_scenario(fleet, 5, price_usd_per_mwh=np.array([20.0, 200, 60, 60, 20]))
    free = optimize(fleet, [scenario])
    assert free.schedule["running_mw"].tolist() == pytest.approx([2.95, 0, 2.95, 2.95, 2.95])
    # Minimum running share 10 %: idling at 0.295 MW in hour 1 loses 0.295 x 129.38 = 38.2 USD,
    # less than 62.7: it idles.
    idle = optimize(fleet, [scenario], OptimizeSettings(min_down_hours=3.0, min_on_share=0.1))
    assert idle.schedule["running_mw"].tolist() == pytest.approx([2.95, 0.295, 2.95, 2.95, 2.95])
    # Minimum running share 50 %: idling loses 1.475 x 129.38 = 190.8 USD: it stops for 3 hours.
    held = optimize(fleet, [scenario], OptimizeSettings(min_down_hours=3.0, min_on_share=0.5))
    assert held.schedule["running_mw"].tolist() == pytest.approx([2.95, 0, 0, 0, 2.95], abs=1e-7)
    assert held.kpis.expected_profit_usd == pytest.approx(
        2 * 2.95 * (REVENUE_S19JPRO - 20), rel=1e-6
    )


def test_four_cp_peak_hour_is_curtailed_when_the_charge_outweighs_the_margin() -> None:
    # 4CP at 60 USD/(kW yr): a peak hour carries 60 x 1000 / 4 = 15,000 USD per MW drawn, far more
    # than the 50.62 USD/MWh margin at 20 USD/MWh: the site stops in the peak hour only.
    fleet = one_site(four_cp_rate=60.0)
    scenario = flat_scenario(fleet, 3, price_usd_per_mwh=20.0)
    peak = np.zeros((1, 3), dtype=bool)
    peak[0, 1] = True
    plan = optimize(fleet, [dataclasses.replace(scenario, four_cp_peak=peak)])
    assert plan.schedule["running_mw"].tolist() == pytest.approx([2.95, 0.0, 2.95])


def test_first_period_is_the_same_in_every_scenario() -> None:
    # Hour 0 is decided before the scenario is known: 20 or 100 USD/MWh with equal weight; the
    # expected margin 0.5 x 50.62 - 0.5 x 29.38 > 0, so hour 0 runs in both; hour 1 follows each
    # scenario's price.
    fleet = one_site()
    scen = weighted(
        [flat_scenario(fleet, 2, price_usd_per_mwh=p) for p in (20.0, 100.0)], [0.5, 0.5]
    )
    plan = optimize(fleet, scen)
    np.testing.assert_allclose(plan.running_mw[0], [[2.95, 2.95], [2.95, 0.0]], atol=1e-9)
    assert plan.first_period["running_mw"].tolist() == pytest.approx([2.95])
    assert isinstance(plan.schedule["time"].iloc[0], pd.Timestamp)
