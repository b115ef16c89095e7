"""The fleet hashrate floor kept at run time, ahead of the price guard, and the hours it could not.

Two air sites worked by hand at hashprice 0.05 USD/(TH/s day), PUE 1, index contracts without
adder: ``a`` holds 1,000 S19j Pro (0.1 EH/s, 2.95 MW, breakeven 70.62 USD/MWh) and pays 100
USD/MWh; ``b`` holds 500 S21 (0.1 EH/s, 1.75 MW, breakeven 119.05 USD/MWh) and pays 150 USD/MWh.
Both prices are above breakeven and stood there in the hour before the window (``BEFORE``, the
price the rule sees first), so the strike rule stops everything from the first hour. Power per TH/s: ``a``
100 x 29.5 = 2,950, ``b`` 150 x 17.5 = 2,625 USD/MWh x J/TH: ``b`` is the cheaper hash.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from planner.domain.examples import one_site, without_modes
from planner.domain.fleet import Fleet, fleet_from_dict
from planner.engine.hashrate_floor import HashrateFloor, fleet_floor_eh_s, run_causes
from planner.engine.montecarlo import evaluate
from planner.engine.optimization import OptimizeSettings, optimize
from planner.engine.policies import Compose, StrikePrice
from planner.engine.simulation import Shipment, SimSettings, simulate
from planner.engine.strategies import optimized_strategy
from planner.errors import ConfigError
from planner.world.scenarios import flat_scenario

NO_FAILURES = SimSettings(failures=False)
FLOOR = 0.15  # EH/s: all of b (0.1) and half of a (0.05)
BEFORE = [100.0, 150.0]  # USD/MWh settled at a and b in the hour before the window

#: The S19j Pro at nameplate or off (its power modes are tested in tests/engine).
ON_OFF = without_modes("s19j-pro")


def two_air_sites() -> Fleet:
    a = one_site().sites[0].model_dump(by_alias=True)
    b = {**a, "id": "b", "machines": {"s21": 500}}
    a["id"] = "a"
    return fleet_from_dict({"name": "two air sites", "models": ON_OFF, "sites": [a, b]})


def prices(hours: int) -> np.ndarray:
    return np.array([[100.0] * hours, [150.0] * hours])


def guard_with_floor(floor: float = FLOOR) -> Compose:
    return Compose(StrikePrice(min_hold_hours=0), HashrateFloor(floor), name="guarded")


def fleet_eh_s(ledger: pd.DataFrame) -> np.ndarray:
    """Fleet hashrate per hour [EH/s]."""
    return np.asarray(ledger["hashrate_th_s"].groupby(level="time").sum()) / 1e6


def test_the_floor_runs_the_cheapest_hash_first_ahead_of_the_guard() -> None:
    fleet = two_air_sites()
    scenario = flat_scenario(fleet, 4, price_usd_per_mwh=prices(4), price_before_usd_per_mwh=BEFORE)
    alone = simulate(fleet, scenario, StrikePrice(min_hold_hours=0), settings=NO_FAILURES)
    assert fleet_eh_s(alone.ledger).tolist() == [0.0] * 4
    run = simulate(fleet, scenario, guard_with_floor(), settings=NO_FAILURES)
    np.testing.assert_allclose(fleet_eh_s(run.ledger), [FLOOR] * 4)
    # b (cheaper hash) runs in full, a half.
    np.testing.assert_allclose(run.ledger.xs("b")["running_mw"], [1.75] * 4)
    np.testing.assert_allclose(run.ledger.xs("a")["running_mw"], [1.475] * 4)
    # Profit: a 1.475 MW x (70.62 - 100) and b 1.75 MW x (119.05 - 150) per hour.
    r19, r21 = 0.05 / (29.5 * 86_400 / 3.6e9), 0.05 / (17.5 * 86_400 / 3.6e9)
    hourly = 1.475 * (r19 - 100) + 1.75 * (r21 - 150)
    assert run.ledger["profit_usd"].sum() == pytest.approx(4 * hourly, rel=1e-9)
    assert run.floor_shortfalls.empty


def test_hours_the_fleet_could_not_keep_the_floor_are_reported_with_the_reason() -> None:
    # b loses the grid in hours 2-3 and restarts 30 min + 8 min cold start after: it is back at
    # 4.633 h, hashing 0.1 x (1 - 38/60) = 0.0367 EH/s in hour 4. a alone has 0.1 EH/s.
    fleet = two_air_sites()
    scenario = flat_scenario(
        fleet,
        6,
        price_usd_per_mwh=prices(6),
        price_before_usd_per_mwh=BEFORE,
        outages={"b": [(2.0, 4.0)]},
    )
    run = simulate(fleet, scenario, guard_with_floor(), settings=NO_FAILURES)
    hour4 = 0.1 + 0.1 * (1 - 38 / 60)
    np.testing.assert_allclose(fleet_eh_s(run.ledger), [FLOOR, FLOOR, 0.1, 0.1, hour4, FLOOR])
    below = run.floor_shortfalls
    assert below["time"].tolist() == scenario.times[[2, 3, 4]].tolist()
    assert below["reason"].tolist() == ["grid outage at b"] * 3
    np.testing.assert_allclose(below["shortfall_eh_s"], [0.05, 0.05, FLOOR - hour4])
    # Where it could not, every available machine ran: nothing was curtailed at either site.
    curtailed = run.ledger["curtailed_mwh"].groupby(level="time").sum().to_numpy()
    assert curtailed[[2, 3, 4]].tolist() == pytest.approx([0.0] * 3, abs=1e-9)


def test_the_floor_covers_for_failed_machines_where_others_are_idle() -> None:
    # 200 S21 fail at b in hour 1 with no crew to repair them: b hashes 0.06 EH/s from then on,
    # and a runs 0.09 EH/s (90 %) instead of 0.05 to keep the floor, hour by hour.
    from planner.engine.simulation import Failure

    raw = two_air_sites().model_dump(by_alias=True)
    raw["sites"][1]["repair_crews"] = 0
    fleet = fleet_from_dict(raw)
    scenario = flat_scenario(fleet, 3, price_usd_per_mwh=prices(3), price_before_usd_per_mwh=BEFORE)
    run = simulate(
        fleet,
        scenario,
        guard_with_floor(),
        failures=[Failure("b", "s21", 200, 1.0)],
        settings=NO_FAILURES,
    )
    np.testing.assert_allclose(fleet_eh_s(run.ledger), [FLOOR] * 3)
    np.testing.assert_allclose(run.ledger.xs("a")["running_mw"], [1.475, 2.655, 2.655])


def test_a_floor_above_what_is_installed_says_so() -> None:
    fleet = two_air_sites()
    scenario = flat_scenario(fleet, 2, price_usd_per_mwh=prices(2), price_before_usd_per_mwh=BEFORE)
    run = simulate(fleet, scenario, guard_with_floor(0.3), settings=NO_FAILURES)
    np.testing.assert_allclose(fleet_eh_s(run.ledger), [0.2, 0.2])
    assert (
        run.floor_shortfalls["reason"].tolist()
        == ["floor above the fleet's nameplate (0.20 EH/s)"] * 2
    )


def test_causes_name_freeze_damage_failures_transit_and_heat() -> None:
    fleet = two_air_sites()
    hot = flat_scenario(fleet, 4, temp_air_c=np.array([[20.0] * 4, [20.0, 20.0, 45.0, 20.0]]))
    log = [
        ("a", "freeze-damage", 1.0, 3.0, 300, ""),
        ("a", "asic-failure", 0.5, None, 10, ""),
        ("a", "asic-repair", 0.5, 2.0, 10, ""),
    ]
    causes = run_causes(
        fleet,
        fleet.sites,
        [hot.site_hours(i) for i in range(2)],
        [[], [(3.0, 3.5)]],
        log,
        [(100, 1.0, 2.0)],
        4,
    )
    assert [causes.reason(h, 0.15) for h in range(4)] == [
        "ASIC failures at a",
        "freeze damage at a; ASIC failures at a; 100 machines in transit",
        "freeze damage at a; heat derate at b; 100 machines in transit",
        "grid outage at b",
    ]


def test_the_optimized_strategy_keeps_the_plans_floor_out_of_sample() -> None:
    # Planned at 60 USD/MWh everywhere (both tiers profitable) with a 0.15 EH/s floor; judged on
    # prices above both breakevens, where its guard alone would stop everything. Hour 0 was
    # ordered at the plan's price (everything runs); from hour 1 the floor holds the fleet.
    fleet = two_air_sites()
    plan = optimize(
        fleet,
        [flat_scenario(fleet, 4, price_usd_per_mwh=60.0)],
        OptimizeSettings(hashrate_floor_eh_s=FLOOR),
    )
    strategy = optimized_strategy(plan)
    assert strategy.hashrate_floor_eh_s == FLOOR
    assert fleet_floor_eh_s(strategy.policy) == FLOOR
    judged = [
        dataclasses.replace(
            flat_scenario(fleet, 4, price_usd_per_mwh=prices(4), price_before_usd_per_mwh=BEFORE),
            index=i,
            weight=w,
        )
        for i, w in enumerate((0.5, 0.5))
    ]
    evaluation = evaluate(fleet, judged, [strategy.policy], seed=3)
    np.testing.assert_allclose(
        evaluation.fleet_hashrate_th_s[0] / 1e6, [[0.2, FLOOR, FLOOR, FLOOR]] * 2, rtol=1e-6
    )
    assert evaluation.floor_shortfalls.empty
    unkept = optimized_strategy(plan, hashrate_floor=False)
    assert fleet_floor_eh_s(unkept.policy) == 0.0


def test_monte_carlo_gathers_the_shortfalls_of_every_run() -> None:
    fleet = two_air_sites()
    world = flat_scenario(
        fleet,
        6,
        price_usd_per_mwh=prices(6),
        price_before_usd_per_mwh=BEFORE,
        outages={"b": [(2.0, 4.0)]},
    )
    scenarios = [dataclasses.replace(world, index=i, weight=0.5) for i in range(2)]
    evaluation = evaluate(
        fleet, scenarios, [guard_with_floor(), StrikePrice()], seed=1, settings=NO_FAILURES
    )
    below = evaluation.floor_shortfalls
    assert below["policy"].unique().tolist() == ["guarded"]
    assert below.groupby("scenario").size().tolist() == [3, 3]
    assert set(below["reason"]) == {"grid outage at b"}
    assert below["weight"].tolist() == [0.5] * 6
    # Every hour below the floor in the hashrate paths is one of them.
    paths = evaluation.fleet_hashrate_th_s[0] / 1e6
    assert int((paths < FLOOR * (1 - 1e-6)).sum()) == len(below)


def test_a_negative_floor_is_refused() -> None:
    with pytest.raises(ConfigError, match="floor_eh_s: must be >= 0"):
        HashrateFloor(-1.0)


def test_shipments_in_transit_are_a_reason() -> None:
    # 500 S21 leave b at hour 0 for a 2-day trip to a: the fleet has only a's 0.1 EH/s.
    raw = two_air_sites().model_dump(by_alias=True)
    raw["sites"][0]["machines"] = {"s19j-pro": 1000, "s21": 0}
    raw["routes"] = [
        {
            "from": "b",
            "to": "a",
            "cost_usd_per_machine": 1.0,
            "transit_days": 2.0,
            "max_machines_per_week": 1000,
        }
    ]
    fleet = fleet_from_dict(raw)
    scenario = flat_scenario(fleet, 2, price_usd_per_mwh=prices(2), price_before_usd_per_mwh=BEFORE)
    run = simulate(
        fleet,
        scenario,
        guard_with_floor(),
        shipments=[Shipment("b", "a", "s21", 500, 0.0, 2.0)],
        settings=NO_FAILURES,
    )
    np.testing.assert_allclose(fleet_eh_s(run.ledger), [0.1, 0.1])
    assert run.floor_shortfalls["reason"].tolist() == ["500 machines in transit"] * 2
