"""Scenarios drawn where they are used are the scenarios drawn up front, and a Monte Carlo run
over them is the same run."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from planner.domain.examples import demo_fleet
from planner.engine.montecarlo import evaluate
from planner.errors import ConfigError
from planner.ops.demo import DEMO_STORMS
from planner.world.feeds import fetch_feeds, fleet_hours, hashprice_hourly, site_hours
from planner.world.scenario_draws import draw_scenarios
from planner.world.scenarios import ScenarioSettings, make_scenarios

START, HOURS = "2025-01-10", 24 * 5


@pytest.fixture(scope="module")
def world():  # type: ignore[no-untyped-def]
    fleet = demo_fleet()
    return fleet, fetch_feeds(fleet, START, HOURS, "offline", seed=7, storms=DEMO_STORMS)


def test_drawn_scenario_i_is_make_scenarios_i_to_the_bit(world) -> None:  # type: ignore[no-untyped-def]
    fleet, feeds = world
    stormy = ScenarioSettings(storm_severity=2.5, outage_duration_scale=3.0)
    made = make_scenarios(fleet, feeds, 6, seed=4, settings=stormy)
    drawn = draw_scenarios(fleet, feeds, 6, seed=4, settings=stormy)
    assert len(drawn) == 6 and drawn.seed == 4 and drawn.site_ids == fleet.site_ids
    assert sum(len(s.outages[i]) for s in made for i in range(len(fleet.sites))) > 0
    for a, b in zip(made, drawn, strict=True):
        assert (a.index, a.weight) == (b.index, b.weight)
        for name in (
            "temp_air_c",
            "price_usd_per_mwh",
            "hashprice_usd_per_th_day",
            "btc_price_usd",
        ):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
        assert a.outages == b.outages
    # read backwards and out of order: each draw depends on its index alone
    np.testing.assert_array_equal(drawn[-1].price_usd_per_mwh, made[5].price_usd_per_mwh)
    np.testing.assert_array_equal(drawn[2].temp_air_c, made[2].temp_air_c)


def test_a_pickled_draw_set_carries_no_scenario(world) -> None:  # type: ignore[no-untyped-def]
    fleet, feeds = world
    drawn = draw_scenarios(fleet, feeds, 1000, seed=1)
    first = pickle.dumps(drawn)
    drawn[3]
    assert len(pickle.dumps(drawn)) == len(first)  # the drawn scenario is not sent along
    one = make_scenarios(fleet, feeds, 1, seed=1)[0]
    per_scenario = one.temp_air_c.nbytes + one.price_usd_per_mwh.nbytes
    assert len(first) < 20 * per_scenario  # the base arrays, not 1,000 scenarios
    with pytest.raises(ConfigError, match="n: must be >= 1"):
        draw_scenarios(fleet, feeds, 0, seed=1)
    with pytest.raises(IndexError):
        drawn[1000]


def test_evaluation_over_draws_equals_evaluation_over_made_scenarios(world) -> None:  # type: ignore[no-untyped-def]
    fleet, feeds = world
    made = make_scenarios(fleet, feeds, 4, seed=9)
    drawn = draw_scenarios(fleet, feeds, 4, seed=9)
    a = evaluate(fleet, made, ["run-through", "strike"], replications=2, workers=1)
    b = evaluate(fleet, drawn, ["run-through", "strike"], replications=2, workers=2, batch_size=3)
    np.testing.assert_array_equal(a.runs.to_numpy(), b.runs.to_numpy())
    np.testing.assert_array_equal(a.weights.to_numpy(), b.weights.to_numpy())
    assert list(a.weights.index) == list(b.weights.index) == [0, 1, 2, 3]
    assert a.times.equals(b.times)


def test_fleet_hours_are_each_sites_hours(world) -> None:  # type: ignore[no-untyped-def]
    fleet, feeds = world
    summer = fetch_feeds(fleet, "2025-07-01", 24 * 62, "offline", seed=7)  # 4CP peaks in it
    for f in (feeds, summer):
        hashprice = hashprice_hourly(fleet, f)
        each = [site_hours(fleet, s, f, hashprice) for s in fleet.sites]
        every = fleet_hours(fleet, f)
        for name in (
            "temp_air_c",
            "price_usd_per_mwh",
            "four_cp_peak",
            "four_cp_probability",
            "alert_active",
        ):
            np.testing.assert_array_equal(
                np.array([getattr(h, name) for h in each]), getattr(every, name), err_msg=name
            )
    assert fleet_hours(fleet, summer).four_cp_peak.sum() > 0
