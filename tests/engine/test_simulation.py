"""The discrete-event simulation, on cases whose outcome is worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import planner
from planner.domain.examples import one_site
from planner.domain.fleet import Programs, fleet_from_dict
from planner.domain.freeze import freeze_damage_hours
from planner.domain.ledger import site_ledger
from planner.engine.policies import RunThrough, StrikePrice
from planner.engine.simulation import Failure, Shipment, SimSettings, simulate
from planner.world.scenarios import flat_scenario, make_scenarios

QUIET = SimSettings(failures=False)


def test_outage_loses_its_hours_plus_restart_and_cold_start() -> None:
    # 1,000 S19j Pro (100,000 TH/s); outage from hour 2 to hour 5; site restart 30 min, S19j Pro
    # cold start 10 min: output lost = 3 h + 40 min = 3.6667 h of 100,000 TH/s.
    fleet = one_site()
    calm = simulate(fleet, flat_scenario(fleet, 10), settings=QUIET)
    stormy = simulate(fleet, flat_scenario(fleet, 10, outages={"tx": [(2.0, 5.0)]}), settings=QUIET)
    lost_th_h = calm.ledger["hashrate_th_s"].sum() - stormy.ledger["hashrate_th_s"].sum()
    assert lost_th_h == pytest.approx((3 + 40 / 60) * 100_000)
    hourly = stormy.ledger["hashrate_th_s"].to_numpy() / 100_000
    assert hourly.tolist() == pytest.approx([1, 1, 0, 0, 0, 1 - 40 / 60, 1, 1, 1, 1])
    # An outage is not curtailment: nothing counts as curtailed.
    assert stormy.ledger["curtailed_mwh"].sum() == 0.0
    outage = stormy.events[stormy.events["kind"] == "grid-outage"].iloc[0]
    assert outage["start"] == pd.Timestamp("2025-03-01 02:00", tz="UTC")
    assert outage["end"] == pd.Timestamp("2025-03-01 05:00", tz="UTC")


def test_second_repair_waits_for_the_only_crew() -> None:
    # One crew, 2 h per machine. One machine fails at hour 10 and another at hour 10: the first is
    # back at 12, the second waits 2 h for the crew and is back at 14.
    fleet = _one_crew_fleet()
    failures = [Failure("tx", "s19j-pro", 1, 10.0), Failure("tx", "s19j-pro", 1, 10.0)]
    result = simulate(fleet, flat_scenario(fleet, 20), failures=failures, settings=QUIET)
    repairs = result.events[result.events["kind"] == "asic-repair"]
    ends = sorted((repairs["end"] - pd.Timestamp("2025-03-01", tz="UTC")) / pd.Timedelta(hours=1))
    assert ends == [12.0, 14.0]
    # Machine-hours lost: 2 (first) + 4 (second) = 6 machine-hours of 100 TH/s each.
    assert 2000 * 100 * 20 - result.ledger["hashrate_th_s"].sum() == pytest.approx(600.0)


def _one_crew_fleet() -> planner.Fleet:
    site = one_site(count=2000).sites[0].model_dump(by_alias=True)
    site["repair_crews"] = 1
    return fleet_from_dict({"sites": [site]})


def test_relocated_machines_produce_nothing_in_transit_then_add_at_destination() -> None:
    fleet = _two_air_sites()
    ship = Shipment("a", "b", "s19j-pro", 100, depart_h=5.0, transit_days=1.0)
    result = simulate(fleet, flat_scenario(fleet, 48), shipments=[ship], settings=QUIET)
    machines = result.ledger["hashrate_th_s"].unstack("site_id") / 100.0  # S19j Pro: 100 TH/s
    assert machines["a"].iloc[4] == 1000 and machines["a"].iloc[5] == 900
    assert machines["b"].iloc[28] == 500 and machines["b"].iloc[29] == 600  # arrives at 5 + 24
    in_transit = machines.sum(axis=1).to_numpy()
    assert in_transit[:5].tolist() == [1500] * 5
    assert in_transit[5:29].tolist() == [1400] * 24
    assert in_transit[29:].tolist() == [1500] * 19
    event = result.events[result.events["kind"] == "relocation"].iloc[0]
    assert event["count"] == 100 and event["source_id"] == "a->b"


def test_relocation_only_fills_free_slots() -> None:
    fleet = _two_air_sites(b_slots=550)
    ship = Shipment("a", "b", "s19j-pro", 100, depart_h=0.0, transit_days=0.5)
    result = simulate(fleet, flat_scenario(fleet, 24), shipments=[ship], settings=QUIET)
    assert result.ledger.loc[("b", slice(None)), "hashrate_th_s"].iloc[-1] == 550 * 100


def _two_air_sites(b_slots: int = 2000) -> planner.Fleet:
    a = one_site(count=1000).sites[0].model_dump(by_alias=True)
    b = {**a, "id": "b", "machines": {"s19j-pro": 500}, "slots": b_slots}
    return fleet_from_dict({"sites": [{**a, "id": "a"}, b]})


def test_strike_rule_through_the_simulation_gives_the_exact_sequence() -> None:
    # S19j Pro breaks even at $70.62/MWh at hashprice 0.05; debounce 2 h, hold 2 h. Each hour
    # acts on the price of the hour before (nothing has settled before hour 0).
    # price:  40 80 80 80 40 40 40 80 40 40
    # seen:    -  40 80 80 80 40 40 40 80 40
    # above:   0  0  1  1  1  0  0  0  1  0
    # run:     1  1  1  0  0  0  1  1  1  1   (shed in hour 3; restore in hour 6: 2 below, 3 off)
    fleet = one_site()
    price = np.array([40, 80, 80, 80, 40, 40, 40, 80, 40, 40], dtype=float)
    scenario = flat_scenario(fleet, 10, price_usd_per_mwh=price)
    result = simulate(
        fleet, scenario, StrikePrice(debounce_hours=2, min_hold_hours=2), settings=QUIET
    )
    running = (result.ledger["running_mw"].to_numpy() / 2.95).round(9)
    assert running.tolist() == [1, 1, 1, 0, 0, 0, 1, 1, 1, 1]


def test_freeze_damage_only_when_idle_below_zero_beyond_protection() -> None:
    idle = np.array([1, 1, 1, 1, 1, 1, 1, 1], dtype=bool)
    cold = np.array([-1, -1, -1, -1, -1, -1, -1, -1], dtype=float)
    assert freeze_damage_hours(idle, cold, 6.0) == [6.0]  # protection runs out at hour 0 + 6
    assert freeze_damage_hours(idle, cold, 8.0) == []  # 8 idle hours do not exceed 8 h
    assert freeze_damage_hours(idle, -cold, 2.0) == []  # above freezing
    assert freeze_damage_hours(~idle, cold, 2.0) == []  # running keeps the loops warm
    broken = np.array([1, 1, 1, 0, 1, 1, 1, 1], dtype=bool)
    assert freeze_damage_hours(broken, cold, 3.0) == [7.0]  # the stretch restarts at hour 4


def test_hydro_site_idle_in_a_freeze_loses_a_share_for_its_repair_time() -> None:
    # two_sites' hydro site: 500 S21 Hyd.; hydro envelope: 6 h protection, 30 % damaged, 60 days.
    # An outage from hour 2 to 12 at -5 degC: idle and freezing from hour 2; damage at hour 8.
    fleet = planner.domain.examples.two_sites()
    scenario = flat_scenario(fleet, 24, temp_air_c=-5.0, outages={"hydro": [(2.0, 12.0)]})
    result = simulate(fleet, scenario, settings=QUIET)
    damage = result.events[result.events["kind"] == "freeze-damage"]
    assert len(damage) == 1 and damage.iloc[0]["count"] == 150
    assert damage.iloc[0]["start"] == pd.Timestamp("2025-03-01 08:00", tz="UTC")
    hydro = result.ledger.loc["hydro", "hashrate_th_s"].to_numpy() / 335.0
    # Back at 12 h + 45 min restart + 15 min cold start = 13:00, with 350 machines.
    assert hydro[13:].tolist() == pytest.approx([350] * 11)
    warm = flat_scenario(fleet, 24, temp_air_c=5.0, outages={"hydro": [(2.0, 12.0)]})
    assert (simulate(fleet, warm, settings=QUIET).events["kind"] != "freeze-damage").all()


def test_run_through_without_events_equals_vectorised_economics() -> None:
    fleet = planner.demo_fleet()
    feeds = planner.fetch_feeds(fleet, "2025-01-10", 24 * 14)
    result = simulate(fleet, feeds, RunThrough(), settings=QUIET)
    from planner.world.feeds import hashprice_hourly, site_hours

    hashprice = hashprice_hourly(fleet, feeds)
    for site in fleet.sites:
        hours = site_hours(fleet, site, feeds, hashprice)
        expected = site_ledger(fleet, site, hours, np.ones((len(site.machines), len(hours.times))))
        got = result.ledger.loc[site.id]
        np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-9, atol=1e-9)


def test_same_seed_same_run_other_seed_other_failures() -> None:
    fleet = planner.demo_fleet()
    feeds = planner.fetch_feeds(fleet, "2025-06-01", 24 * 60)
    scenario = make_scenarios(fleet, feeds, n=2, seed=11)[1]
    a = simulate(fleet, scenario, "strike", seed=5)
    b = simulate(fleet, scenario, "strike", seed=5)
    c = simulate(fleet, scenario, "strike", seed=6)
    pd.testing.assert_frame_equal(a.ledger, b.ledger)
    pd.testing.assert_frame_equal(a.events, b.events)
    assert not a.events[a.events["kind"] == "asic-failure"].equals(
        c.events[c.events["kind"] == "asic-failure"]
    )


def test_scenarios_are_reproducible_and_independent_of_n() -> None:
    fleet = planner.demo_fleet()
    feeds = planner.fetch_feeds(fleet, "2025-01-01", 24 * 30)
    three = make_scenarios(fleet, feeds, n=3, seed=4)
    five = make_scenarios(fleet, feeds, n=5, seed=4)
    for a, b in zip(three, five, strict=False):
        np.testing.assert_array_equal(a.price_usd_per_mwh, b.price_usd_per_mwh)
        assert a.outages == b.outages
    assert sum(s.weight for s in five) == pytest.approx(1.0)
    assert not np.array_equal(five[0].temp_air_c, five[1].temp_air_c)


def test_scenarios_keep_recorded_prices_above_the_synthetic_cap() -> None:
    # A feed that recorded $9,000/MWh (Uri) is not clipped to the generator's $5,000 cap.
    fleet = one_site()
    feeds = planner.fetch_feeds(fleet, "2025-01-10", 48)
    node = fleet.sites[0].grid.node
    prices = feeds.prices.copy()
    prices.loc[(node, feeds.times[10]), "price_usd_per_mwh"] = 9000.0
    from dataclasses import replace

    spiky = replace(feeds, prices=prices)
    quiet = planner.ScenarioSettings(price_noise=0.0, price_spike_scale=0.0)
    scenario = make_scenarios(fleet, spiky, n=1, seed=1, settings=quiet)[0]
    assert scenario.price_usd_per_mwh[0, 10] == pytest.approx(9000.0)


def test_a_spare_site_without_machines_runs_and_changes_no_other_site() -> None:
    # A site with `machines = {}` (a relocation target) has no tiers; it used to crash the run.
    # Seeds are spawned per site in file order, so appending it leaves every other site's draws,
    # and so its ledger, exactly as they were; the spare site itself earns and draws nothing.
    fleet = planner.demo_fleet()
    spare = fleet.sites[0].model_copy(
        update={"id": "spare", "name": "Spare hall", "machines": {}, "programs": Programs()}
    )
    with_spare = fleet.model_copy(update={"sites": (*fleet.sites, spare)})
    feeds = planner.fetch_feeds(fleet, "2025-01-10", 48)
    spare_feeds = planner.fetch_feeds(with_spare, "2025-01-10", 48)
    alone = simulate(fleet, feeds, RunThrough(), seed=7).ledger
    both = simulate(with_spare, spare_feeds, RunThrough(), seed=7).ledger
    pd.testing.assert_frame_equal(both.drop(index="spare"), alone, check_like=True)
    assert (both.loc["spare"].to_numpy() == 0.0).all()
