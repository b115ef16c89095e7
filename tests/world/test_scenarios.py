"""Scenario draws anchored to the calendar: a longer horizon and more scenarios change nothing
already drawn."""

from __future__ import annotations

import numpy as np
import pytest

import planner
from planner.domain.examples import texas_fleet
from planner.domain.fleet import Fleet
from planner.ops.demo import DEMO_STORMS
from planner.world.feeds import fetch_feeds
from planner.world.hazards import OutageHazard
from planner.world.scenarios import Scenario, make_scenarios

WEEK = 24 * 7


def _clipped(outages: tuple[tuple[float, float], ...], hours: int) -> list[tuple[float, float]]:
    """Outage intervals cut at ``hours``."""
    return [(a, min(b, float(hours))) for a, b in outages if a < hours]


def _assert_same_first_hours(a: Scenario, b: Scenario, hours: int) -> None:
    """Every array of two scenarios agrees, to the bit, on the first ``hours`` hours."""
    assert a.index == b.index
    assert (a.times[:hours] == b.times[:hours]).all()
    for name in (
        "temp_air_c",
        "price_usd_per_mwh",
        "failure_multiplier",
        "four_cp_peak",
        "four_cp_probability",
        "alert_active",
    ):
        np.testing.assert_array_equal(
            getattr(a, name)[:, :hours], getattr(b, name)[:, :hours], err_msg=name
        )
    np.testing.assert_array_equal(
        a.hashprice_usd_per_th_day[:hours], b.hashprice_usd_per_th_day[:hours]
    )
    assert a.btc_price_usd is not None and b.btc_price_usd is not None
    np.testing.assert_array_equal(a.btc_price_usd[:hours], b.btc_price_usd[:hours])
    for site_a, site_b in zip(a.outages, b.outages, strict=True):
        assert _clipped(site_a, hours) == _clipped(site_b, hours)


@pytest.mark.parametrize("fleet", [planner.demo_fleet(), texas_fleet()], ids=["demo", "texas"])
def test_a_longer_horizon_and_more_scenarios_leave_the_drawn_ones_unchanged(fleet: Fleet) -> None:
    # The app's default world (start 2025-01-10, seed 7, the demo's certain cold snap on
    # 16 January), judged as the demo does on seed 8. 7 and 14 days from the same start give
    # the same first week in every one of 40 scenarios; 10 scenarios are the first 10 of 40.
    # Run again with outages 20 times likelier and 4 times longer, so that there are outages
    # to compare, some of them running past the first week.
    def feeds(days: int) -> planner.Feeds:
        return fetch_feeds(fleet, "2025-01-10", 24 * days, "offline", seed=7, storms=DEMO_STORMS)

    week, fortnight = feeds(7), feeds(14)
    frequent = {s.id: OutageHazard(30.0, 12.0, 1.2) for s in fleet.sites}
    for hazards in (None, frequent):
        short = make_scenarios(fleet, week, 40, seed=8, hazards=hazards)
        long = make_scenarios(fleet, fortnight, 40, seed=8, hazards=hazards)
        for a, b in zip(short, long, strict=True):
            _assert_same_first_hours(a, b, WEEK)
        few = make_scenarios(fleet, fortnight, 10, seed=8, hazards=hazards)
        for a, b in zip(few, long, strict=False):
            _assert_same_first_hours(a, b, 24 * 14)
            assert a.outages == b.outages
    # The draws are random all the same: scenarios differ from each other, and with frequent
    # outages some run from the first week into the second.
    assert not np.array_equal(long[0].temp_air_c, long[1].temp_air_c)
    assert not np.array_equal(long[0].price_usd_per_mwh, long[1].price_usd_per_mwh)
    spans = [span for s in long for site in s.outages for span in site]
    assert any(a < WEEK < b for a, b in spans)


def test_the_horizon_argument_cuts_the_same_scenarios() -> None:
    # make_scenarios(horizon=...) over a longer feed gives the first hours of the full draw.
    fleet = planner.demo_fleet()
    feeds = fetch_feeds(fleet, "2025-01-10 06:00", 24 * 10, "offline", seed=3)
    full = make_scenarios(fleet, feeds, 5, seed=4)
    cut = make_scenarios(fleet, feeds, 5, seed=4, horizon=50)
    for a, b in zip(cut, full, strict=True):
        assert len(a.times) == 50
        _assert_same_first_hours(a, b, 50)
