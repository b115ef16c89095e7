"""The rolling horizon: re-plans every step from what is known then, and acts on the step."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from planner.domain.examples import demo_fleet, one_site, without_modes
from planner.domain.fleet import fleet_from_dict
from planner.engine.optimization import OptimizeSettings
from planner.engine.policies import StrikePrice
from planner.engine.rolling import RollingSettings, condition, rolling_horizon, slice_scenario
from planner.engine.simulation import SimSettings, simulate
from planner.errors import ConfigError
from planner.world.feeds import fetch_feeds
from planner.world.hazards import OutageHazard
from planner.world.information import scenario_history
from planner.world.scenarios import flat_scenario, make_scenarios

FAST = RollingSettings(step_hours=24, window_hours=48, scenarios=3, seed=5)

#: The S19j Pro at nameplate or off (its power modes are tested in tests/engine).
ON_OFF = without_modes("s19j-pro")


@pytest.fixture(scope="module")
def summer() -> tuple:
    """The demo fleet over three July days (one ERCOT 4CP peak) and an unseen realised world."""
    fleet = demo_fleet()
    feeds = fetch_feeds(fleet, "2025-07-14", 72, "offline", seed=7)
    realised = make_scenarios(fleet, feeds, 1, seed=99)[0]
    return fleet, feeds, realised


def test_decision_times_windows_and_schedule_shape(summer: tuple) -> None:
    """72 hours, a decision every 24 h looking 48 h ahead: plans at 0, 24 and 48 h covering
    48, 48 and 24 hours (cut at the horizon), and one run fraction per tier and hour."""
    fleet, feeds, realised = summer
    result = rolling_horizon(fleet, feeds, realised, FAST)
    assert result.decision_hours == (0, 24, 48)
    assert [p.hours for p in result.plans] == [48, 48, 24]
    assert [p.times[0] for p in result.plans] == [realised.times[h] for h in (0, 24, 48)]
    for site in fleet.sites:
        assert result.schedule[site.id].shape == (len(site.machines), 72)
    assert result.seconds > 0.0


def test_decisions_never_read_what_happens_later(summer: tuple) -> None:
    """Change the realised world from hour 30 on (prices x 10, 25 degC colder, an outage at
    every site): every decision before hour 30 stays exactly the same, and later ones change
    (the test has teeth)."""
    fleet, feeds, realised = summer
    later = np.arange(72) >= 30
    changed = dataclasses.replace(
        realised,
        price_usd_per_mwh=np.where(
            later, realised.price_usd_per_mwh * 10.0, realised.price_usd_per_mwh
        ),
        temp_air_c=np.where(later, realised.temp_air_c - 25.0, realised.temp_air_c),
        outages=tuple(((40.0, 45.0),) for _ in fleet.sites),
    )
    first = rolling_horizon(fleet, feeds, realised, FAST).schedule
    second = rolling_horizon(fleet, feeds, changed, FAST).schedule
    for site in fleet.sites:
        np.testing.assert_array_equal(first[site.id][:, :30], second[site.id][:, :30])
    assert any(not np.array_equal(first[s.id], second[s.id]) for s in fleet.sites)


def test_rolling_stands_down_for_the_4cp_peak_and_beats_the_strike_rule(summer: tuple) -> None:
    """Every re-plan sees the forecast 4CP peak; acting on its commitments and the hour's price
    the rolling horizon earns more in the realised world than the strike rule, which runs
    through the peak (15,000 USD per MW drawn in that hour)."""
    fleet, feeds, realised = summer
    result = rolling_horizon(fleet, feeds, realised, FAST)
    west = fleet.site_ids.index("west-texas")
    peak = np.flatnonzero(realised.four_cp_peak[west])
    assert len(peak) == 1
    assert result.schedule["west-texas"][:, peak].max() == 0.0
    rolling = simulate(fleet, realised, result.policy(), seed=1).ledger["profit_usd"].sum()
    strike = simulate(fleet, realised, StrikePrice(), seed=1).ledger["profit_usd"].sum()
    assert rolling > strike + 1e6


def test_open_loop_rolling_follows_each_plans_expected_schedule(summer: tuple) -> None:
    """With ``react=False`` each step runs the plan's probability-weighted schedule."""
    fleet, feeds, realised = summer
    settings = FAST.replace(react=False)
    result = rolling_horizon(fleet, feeds, realised, settings)
    for j, t0 in enumerate(result.decision_hours):
        for site in fleet.sites:
            expected = result.plans[j].schedule_for(site.id)[:, :24]
            np.testing.assert_allclose(result.schedule[site.id][:, t0 : t0 + 24], expected)


def test_conditioning_carries_the_observed_errors_forward_by_hand() -> None:
    """Decision at hour 24, last observation at hour 23. The realised world is 5 degC warmer,
    twice the price and 1.2 x the hashprice of the drawn scenario there (and on the day that
    closed at hour 24, the published one), and has an outage under way since hour 20 (median
    duration 3 h). In the conditioned scenario the next day is 5 x 0.7 = 3.5 degC warmer,
    hour 24's price is x 2^0.9 and hour 25's x 2^0.81, the hashprice x 1.2, and the outage is
    known from hour 24 until 20 + 3 = 23 h, i.e. at least 1 more hour."""
    fleet = one_site()
    drawn = flat_scenario(fleet, 48, temp_air_c=10.0, price_usd_per_mwh=40.0)
    realised = flat_scenario(
        fleet,
        48,
        temp_air_c=15.0,
        price_usd_per_mwh=80.0,
        hashprice_usd_per_th_day=0.06,
        outages={"tx": [(20.0, 30.0)]},
    )
    info = scenario_history(realised, fleet.site_ids).at(realised.times[24])
    got = condition(drawn, info, 24, 48, [OutageHazard(duration_median_h=3.0)], weight=0.5)
    assert got.weight == 0.5
    assert len(got.times) == 24 and got.times[0] == drawn.times[24]
    np.testing.assert_allclose(got.temp_air_c[0], 10.0 + 3.5)
    assert got.price_usd_per_mwh[0, 0] == pytest.approx(40.0 * 2**0.9)
    assert got.price_usd_per_mwh[0, 1] == pytest.approx(40.0 * 2**0.81)
    np.testing.assert_allclose(got.hashprice_usd_per_th_day, 0.05 * 1.2)
    assert got.outages == (((0.0, 1.0),),)


def test_slicing_shifts_and_clips_outages() -> None:
    fleet = one_site()
    scenario = flat_scenario(fleet, 48, outages={"tx": [(2.0, 5.0), (20.0, 30.0), (40.0, 41.0)]})
    cut = slice_scenario(scenario, 24, 36)
    assert cut.outages == (((0.0, 6.0),),)
    assert cut.price_usd_per_mwh.shape == (1, 12)


def test_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match="window_hours: must be a whole number >= step_hours"):
        RollingSettings(step_hours=24, window_hours=12)
    with pytest.raises(ConfigError, match="scenarios: must be a whole number >= 1"):
        RollingSettings(scenarios=0)


def test_feeds_must_cover_the_realised_horizon(summer: tuple) -> None:
    fleet, _, realised = summer
    short = fetch_feeds(fleet, "2025-07-14", 48, "offline", seed=7)
    with pytest.raises(ConfigError, match="feeds must start at"):
        rolling_horizon(fleet, short, realised, FAST)


def test_relocations_are_not_re_planned(summer: tuple) -> None:
    fleet, feeds, realised = summer
    settings = FAST.replace(optimize=OptimizeSettings(relocate=True))
    result = rolling_horizon(fleet, feeds, realised, settings)
    assert all(not p.settings.relocate and p.relocations.empty for p in result.plans)


def test_freeze_protection_carries_its_count_from_one_step_into_the_next() -> None:
    """A hydro site idle at 500 USD/MWh (above its breakeven) through 24 hours below 0 degC,
    re-planned every 4 hours. The first hour runs: no price was published before it, and the
    controller runs a tier until one is. Each step alone never sees 7 idle cold hours, but the
    count is carried over: after six idle hours (1-6, the hydro protection) the 8th, 15th and
    22nd hours run machines again, and nothing freezes.
    Re-planned every hour and following each plan's first hour, nothing freezes either."""
    raw = one_site(cooling="hydro", model="s21-hyd", count=1000).sites[0].model_dump(by_alias=True)
    fleet = fleet_from_dict({"models": ON_OFF, "sites": [raw]})
    realised = flat_scenario(fleet, 24, temp_air_c=-5.0, price_usd_per_mwh=500.0)
    feeds = fetch_feeds(fleet, str(realised.times[0]), 24, "offline", seed=7)
    settings = RollingSettings(step_hours=4, window_hours=8, scenarios=1, seed=5)
    result = rolling_horizon(fleet, feeds, realised, settings)
    warm = np.flatnonzero(result.schedule["tx"][0] > 0)
    assert warm.tolist() == [0, 7, 14, 21]
    run = simulate(fleet, realised, result.policy(), settings=SimSettings(failures=False))
    assert (run.events["kind"] == "freeze-damage").sum() == 0
    # Acting on each plan's first hour alone, re-planning every hour: each plan is told how long
    # the site has already stood idle in the cold, so a warm hour is never put off for ever.
    hourly = settings.replace(step_hours=1, react=False)
    followed = rolling_horizon(fleet, feeds, realised, hourly)
    run = simulate(fleet, realised, followed.policy(), settings=SimSettings(failures=False))
    assert (run.events["kind"] == "freeze-damage").sum() == 0
