"""Policies hour by hour: 4CP avoidance, protective shutdown, follow-a-plan, and composition."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from planner.domain.examples import one_site, two_sites
from planner.domain.fleet import Fleet, fleet_from_dict
from planner.domain.ledger import SiteHours, site_tiers
from planner.engine.policies import (
    Compose,
    FollowPlan,
    FourCPAvoidance,
    ProtectiveShutdown,
    RunThrough,
    StrikePrice,
    policy_named,
    protection_fractions,
    run_floor,
    widen,
)
from planner.engine.simulation import SimSettings, simulate
from planner.errors import ConfigError
from planner.world.scenarios import Scenario
from weather.climate import design_band_c


def hours_of(
    n: int,
    *,
    start: str = "2025-07-15 12:00",
    temp: list[float] | None = None,
    price: list[float] | float = 40.0,
    probability: list[float] | None = None,
    alert: list[bool] | None = None,
    price_before: float = float("nan"),
) -> SiteHours:
    return SiteHours(
        times=pd.date_range(start, periods=n, freq="h", tz="UTC"),
        temp_air_c=np.array(temp if temp is not None else [20.0] * n, dtype=float),
        price_usd_per_mwh=np.broadcast_to(np.asarray(price, dtype=float), (n,)).copy(),
        hashprice_usd_per_th_day=np.full(n, 0.05),
        grid_available=np.ones(n),
        four_cp_peak=np.zeros(n, dtype=bool),
        dr_called=np.zeros(n, dtype=bool),
        four_cp_probability=np.array(probability if probability is not None else [0.0] * n),
        alert_active=np.array(alert if alert is not None else [False] * n, dtype=bool),
        price_before_usd_per_mwh=price_before,
    )


def fleet_with(machines: dict[str, int], cooling: str = "air", **site: Any) -> Fleet:
    """one_site's ``tx`` with other machines, cooling or keys."""
    base = one_site().sites[0].model_dump(by_alias=True)
    return fleet_from_dict(
        {"name": "test", "sites": [{**base, "machines": machines, "cooling": cooling, **site}]}
    )


# -------------------------------------------------------------------------------------- 4CP

PROBABILITY = [0.1, 0.49, 0.5, 0.84, 0.6, 0.2, 0.5, 0.0]


def test_4cp_curtails_exactly_the_hours_at_or_above_threshold_at_an_enrolled_site() -> None:
    # Threshold 0.5: hours 2 (0.5), 3 (0.84), 4 (0.6) and 6 (0.5); 0.49 in hour 1 is below.
    enrolled = one_site(four_cp_rate=60.0)
    run = FourCPAvoidance().run_fraction(
        enrolled, enrolled.sites[0], hours_of(8, probability=PROBABILITY)
    )
    assert run.tolist() == [[1, 1, 0, 0, 0, 1, 0, 1]]


def test_4cp_never_curtails_a_site_not_enrolled() -> None:
    fleet = one_site()
    assert fleet.sites[0].programs.four_cp is None
    run = FourCPAvoidance(threshold=0.01, window_hours=3).run_fraction(
        fleet, fleet.sites[0], hours_of(8, probability=PROBABILITY)
    )
    assert run.tolist() == [[1] * 8]


def test_4cp_window_widens_each_flagged_hour_on_both_sides() -> None:
    # Flagged 2, 3, 4, 6; one hour either side adds 1, 5 and 7: only hour 0 runs.
    fleet = one_site(four_cp_rate=60.0)
    run = FourCPAvoidance(window_hours=1).run_fraction(
        fleet, fleet.sites[0], hours_of(8, probability=PROBABILITY)
    )
    assert run.tolist() == [[1, 0, 0, 0, 0, 0, 0, 0]]


def test_4cp_only_in_june_to_september_local_time() -> None:
    # 03:00-06:00 UTC on 1 June is 22:00 and 23:00 on 31 May, then 00:00, 01:00 CDT on 1 June:
    # a chance of 0.9 all along is curtailed only in the two June hours.
    fleet = one_site(four_cp_rate=60.0)
    hours = hours_of(4, start="2025-06-01 03:00", probability=[0.9] * 4)
    assert FourCPAvoidance().run_fraction(fleet, fleet.sites[0], hours).tolist() == [[1, 1, 0, 0]]


def test_4cp_can_shed_only_the_least_efficient_tiers() -> None:
    # S21 (17.5 J/TH) before S19j Pro (29.5 J/TH): tiers=1 sheds only the S19j Pro row.
    fleet = fleet_with(
        {"s21": 400, "s19j-pro": 500}, programs={"four_cp": {"rate_usd_per_kw_year": 60.0}}
    )
    hours = hours_of(3, probability=[0.0, 0.9, 0.0])
    run = FourCPAvoidance(tiers=1).run_fraction(fleet, fleet.sites[0], hours)
    assert [t.model_id for t in site_tiers(fleet, fleet.sites[0])] == ["s21", "s19j-pro"]
    assert run.tolist() == [[1, 1, 1], [1, 0, 1]]


def test_4cp_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match=r"threshold: must be in \(0, 1\], got 1.5"):
        FourCPAvoidance(threshold=1.5)
    with pytest.raises(ConfigError, match="tiers: must be 'all' or a whole number >= 1, got 0"):
        FourCPAvoidance(tiers=0)


def test_policy_parameters_are_checked_in_the_words_of_the_settings() -> None:
    with pytest.raises(ConfigError) as info:
        StrikePrice(debounce_hours=0, min_hold_hours=-1.5)
    assert str(info.value) == (
        "strike policy: debounce_hours: must be in (0, 87600], got 0; "
        "min_hold_hours: must be in [0, 87600], got -1.5"
    )
    with pytest.raises(ConfigError) as info:
        ProtectiveShutdown(lead_hours=-1, freeze_protection_share=0.0)
    assert str(info.value) == (
        "protective policy: lead_hours: must be a whole number in [0, 87600], got -1; "
        "freeze_protection_share: must be in (0, 1], got 0.0"
    )
    with pytest.raises(ConfigError, match=r"^4cp policy: window_hours: must be a whole number"):
        FourCPAvoidance(window_hours=2.0)  # type: ignore[arg-type]


# ------------------------------------------------------------------------ protective shutdown

#       hour:  0    1    2    3    4    5     6     7     8    9    10   11
FREEZE = [5.0, 5.0, 5.0, 5.0, 5.0, -6.0, -7.0, -6.0, 5.0, 5.0, 5.0, 5.0]


def test_protective_shuts_an_air_site_lead_hours_before_a_freeze() -> None:
    # Below -5 degC in hours 5-7. Lead 3: off from hour 2 (3 hours before hour 5) to hour 7.
    fleet = one_site()
    site = fleet.sites[0]
    run = ProtectiveShutdown(lead_hours=3).run_fraction(fleet, site, hours_of(12, temp=FREEZE))
    assert run.tolist() == [[1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]]
    # Hold 2: stays off through hour 9.
    held = ProtectiveShutdown(lead_hours=3, hold_hours=2)
    assert held.run_fraction(fleet, site, hours_of(12, temp=FREEZE)).tolist() == [
        [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]
    ]
    # Default lead of 6 h reaches back past hour 0; the threshold is strict (-5 does not count).
    assert ProtectiveShutdown().run_fraction(fleet, site, hours_of(12, temp=FREEZE)).tolist() == [
        [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]
    ]
    at_threshold = hours_of(4, temp=[5.0, -5.0, -5.0, 5.0])
    fixed = ProtectiveShutdown(freeze_below_c=-5.0)
    assert fixed.run_fraction(fleet, site, at_threshold).tolist() == [[1, 1, 1, 1]]


def test_protective_default_threshold_is_the_local_design_band() -> None:
    # The default threshold is each site's design-band cold edge (10 degC below its January
    # mean): a Texas hard freeze is an ordinary North Dakota night.
    fleet = one_site()
    tx = fleet.sites[0]
    nd = tx.model_copy(update={"latitude": 46.91})
    edge_tx, edge_nd = design_band_c(tx.latitude)[0], design_band_c(nd.latitude)[0]
    assert edge_nd < -6.0 < edge_tx < 0.0
    policy = ProtectiveShutdown(lead_hours=0)
    around = hours_of(3, temp=[edge_tx + 0.5, edge_tx - 0.5, edge_tx + 0.5])
    assert policy.run_fraction(fleet, tx, around).tolist() == [[1, 0, 1]]
    assert policy.run_fraction(fleet, nd, hours_of(3, temp=-6.0)).tolist() == [[1, 1, 1]]
    assert policy.run_fraction(fleet, nd, hours_of(1, temp=edge_nd - 0.5)).tolist() == [[0]]


def test_protective_shuts_on_severe_alerts_unless_told_not_to() -> None:
    # Alert in hours 4-5, warm weather; lead 2, hold 1: off in hours 2-6.
    fleet = fleet_with({"s19j-pro": 1000}, cooling="immersion")
    alert = [False] * 4 + [True, True] + [False] * 4
    hours = hours_of(10, alert=alert)
    policy = ProtectiveShutdown(lead_hours=2, hold_hours=1)
    assert policy.run_fraction(fleet, fleet.sites[0], hours).tolist() == [
        [1, 1, 0, 0, 0, 0, 0, 1, 1, 1]
    ]
    quiet = ProtectiveShutdown(lead_hours=2, hold_hours=1, on_alerts=False)
    assert quiet.run_fraction(fleet, fleet.sites[0], hours).tolist() == [[1] * 10]


#        hour:  0    1    2    3     4     5     6     7    8
HYDRO_TEMP = [3.0, 3.0, 3.0, -1.0, -8.0, -8.0, -2.0, 4.0, 4.0]


def _hydro_fleet() -> Fleet:
    # 100 S21 Hyd. (16.0 J/TH) and 300 S19 XP Hyd. (20.8 J/TH): S21 Hyd. is the first tier.
    return fleet_with({"s21-hyd": 100, "s19-xp-hyd": 300}, cooling="hydro")


def test_protection_fractions_fill_the_most_efficient_tier_first() -> None:
    # 20 % of 400 = 80 machines: 80 of the 100 S21 Hyd. 50 %: all 100, then 100 of 300.
    assert protection_fractions([100, 300], 0.2).tolist() == pytest.approx([0.8, 0.0])
    assert protection_fractions([100, 300], 0.5).tolist() == pytest.approx([1.0, 1 / 3])
    assert protection_fractions([0, 300], 0.5).tolist() == pytest.approx([0.0, 0.5])


def test_hydro_site_keeps_its_floor_around_freezing_hours() -> None:
    # Threat (below -5) in hours 4-5, lead 1: shutdown window 3-5. Below 0 degC in hours 3-6;
    # with the 1 h lead the floor covers hours 2-6: 80 of 100 S21 Hyd. (20 % of 400 machines).
    fleet = _hydro_fleet()
    site = fleet.sites[0]
    policy = ProtectiveShutdown(lead_hours=1, freeze_below_c=-5.0)
    hours = hours_of(9, start="2025-01-20", temp=HYDRO_TEMP)
    floor = run_floor(policy, fleet, site, hours)
    assert_allclose(floor, np.array([[0, 0, 0.8, 0.8, 0.8, 0.8, 0.8, 0, 0], [0] * 9]))
    # Alone: inside the shutdown window (3-5) only the floor runs; elsewhere everything.
    assert_allclose(
        policy.run_fraction(fleet, site, hours),
        np.array([[1, 1, 1, 0.8, 0.8, 0.8, 1, 1, 1], [1, 1, 1, 0, 0, 0, 1, 1, 1]]),
    )


def test_hydro_floor_wins_over_a_strike_rule_that_wants_everything_off() -> None:
    # At $5,000/MWh, already the price of the hour before, both tiers are far above breakeven
    # (about $130 and $100/MWh): strike sheds everything from hour 0. Composed, the floor of 80
    # S21 Hyd. holds in hours 2-6, in any order.
    fleet = _hydro_fleet()
    site = fleet.sites[0]
    hours = hours_of(9, start="2025-01-20", temp=HYDRO_TEMP, price=5000.0, price_before=5000.0)
    strike = StrikePrice()
    assert strike.run_fraction(fleet, site, hours).sum() == 0.0
    expected = np.array([[0, 0, 0.8, 0.8, 0.8, 0.8, 0.8, 0, 0], [0] * 9])
    for composed in (
        Compose(strike, ProtectiveShutdown(lead_hours=1, freeze_below_c=-5.0)),
        Compose(ProtectiveShutdown(lead_hours=1, freeze_below_c=-5.0), strike),
    ):
        assert_allclose(composed.run_fraction(fleet, site, hours), expected)
    # Nested compositions keep the floor too.
    nested = Compose(
        Compose(strike, ProtectiveShutdown(lead_hours=1, freeze_below_c=-5.0)), RunThrough()
    )
    assert_allclose(nested.run_fraction(fleet, site, hours), expected)


# ------------------------------------------------------------------------ compose, follow plan


def test_compose_is_the_elementwise_minimum() -> None:
    fleet = fleet_with({"s21": 400, "s19j-pro": 500})
    a = FollowPlan({"tx": [[1.0, 0.5, 0.2], [0.0, 1.0, 0.7]]}, name="a")
    b = FollowPlan({"tx": [[0.3, 0.6, 1.0], [1.0, 0.0, 0.7]]}, name="b")
    composed = Compose(a, b)
    assert composed.name == "a+b"
    assert Compose(a, b, name="both").name == "both"
    run = composed.run_fraction(fleet, fleet.sites[0], hours_of(3))
    assert_allclose(run, [[0.3, 0.5, 0.2], [0.0, 0.0, 0.7]])
    with pytest.raises(ConfigError, match="needs at least one policy"):
        Compose()


def test_widen_by_hand() -> None:
    mask = np.array([0, 0, 0, 1, 0, 0, 0, 1], dtype=bool)
    assert widen(mask, ahead=2, behind=0).astype(int).tolist() == [0, 1, 1, 1, 0, 1, 1, 1]
    assert widen(mask, ahead=0, behind=1).astype(int).tolist() == [0, 0, 0, 1, 1, 0, 0, 1]
    assert widen(mask, ahead=20, behind=20).all()


def test_follow_plan_runs_the_schedule_and_names_the_site_and_shape_when_wrong() -> None:
    fleet = one_site()
    site = fleet.sites[0]
    plan = FollowPlan({"tx": np.array([[1.0, 0.25, 1.0 + 1e-9]])})
    assert plan.name == "optimized"
    assert plan.run_fraction(fleet, site, hours_of(3)).tolist() == [[1.0, 0.25, 1.0]]
    wrong = FollowPlan({"tx": np.ones((2, 3))})
    with pytest.raises(ConfigError) as info:
        wrong.run_fraction(fleet, site, hours_of(3))
    assert str(info.value) == (
        "policy 'optimized': schedule['tx']: must have shape (tiers, hours) = (1, 3) "
        "(tiers s19j-pro, most efficient first; 3 hours), got (2, 3)"
    )
    with pytest.raises(ConfigError, match="no schedule for site 'tx'; scheduled: hydro"):
        FollowPlan({"hydro": np.ones((1, 3))}).run_fraction(fleet, site, hours_of(3))
    with pytest.raises(ConfigError, match=r"schedule\['tx'\]: run fractions must be in \[0, 1\]"):
        FollowPlan({"tx": [[0.5, 1.5]]})
    with pytest.raises(ConfigError, match=r"must be 2-D \(tiers, hours\), got shape \(3,\)"):
        FollowPlan({"tx": [1.0, 1.0, 1.0]})


# ---------------------------------------------------------------------------------- by name


def test_policy_named_builds_and_composes_built_ins() -> None:
    assert isinstance(policy_named("run-through"), RunThrough)
    assert isinstance(policy_named("strike"), StrikePrice)
    assert isinstance(policy_named("4cp"), FourCPAvoidance)
    assert isinstance(policy_named("protective"), ProtectiveShutdown)
    composed = policy_named("strike+4cp+protective")
    assert isinstance(composed, Compose)
    assert composed.name == "strike+4cp+protective"
    assert [type(p) for p in composed.policies] == [
        StrikePrice,
        FourCPAvoidance,
        ProtectiveShutdown,
    ]
    assert policy_named(" strike + protective ").name == "strike+protective"


def test_policy_named_reads_a_strike_in_dollars() -> None:
    rule = policy_named("strike@80")
    assert isinstance(rule, StrikePrice)
    assert (rule.strike_usd_per_mwh, rule.name, rule.debounce_hours) == (80.0, "strike@80", 1)
    both = policy_named("strike@62.5+protective")
    assert both.name == "strike@62.5+protective"
    assert isinstance(both, Compose)
    assert [p.strike_usd_per_mwh for p in both.policies if isinstance(p, StrikePrice)] == [62.5]
    with pytest.raises(ConfigError, match="unknown policy 'strike@'"):
        policy_named("strike@")


def test_policy_named_lists_the_allowed_names() -> None:
    allowed = (
        "allowed: run-through, strike, 4cp, protective, strike@X (a strike of X USD/MWh), "
        "or several joined by '+'"
    )
    with pytest.raises(ConfigError, match=re.escape(f"unknown policy 'yolo'; {allowed}")):
        policy_named("yolo")
    with pytest.raises(ConfigError, match="unknown policy '4CP' in 'strike\\+4CP'"):
        policy_named("strike+4CP")
    with pytest.raises(ConfigError, match="unknown policy ''"):
        policy_named("strike+")


# ------------------------------------------------------------------------- through simulate


def _storm_scenario(fleet: Fleet) -> Scenario:
    """30 hours in January; both sites at -8 degC in hours 10-19 and +5 otherwise; $2,000/MWh at
    the hydro site's node (HB_NORTH) in the same hours and $40 otherwise; tx always $40."""
    n = 30
    storm = (np.arange(n) >= 10) & (np.arange(n) < 20)
    temp = np.where(storm, -8.0, 5.0)
    hydro_price = np.where(storm, 2000.0, 40.0)
    order = list(fleet.site_ids)
    assert order == ["tx", "hydro"]
    return Scenario(
        index=0,
        weight=1.0,
        times=pd.date_range("2025-01-20", periods=n, freq="h", tz="UTC"),
        temp_air_c=np.vstack([temp, temp]),
        price_usd_per_mwh=np.vstack([np.full(n, 40.0), hydro_price]),
        hashprice_usd_per_th_day=np.full(n, 0.05),
        outages=((), ()),
        failure_multiplier=np.ones((2, n)),
        four_cp_peak=np.zeros((2, n), dtype=bool),
        four_cp_probability=np.zeros((2, n)),
        alert_active=np.zeros((2, n), dtype=bool),
    )


def test_strike_alone_freezes_the_hydro_site_and_protective_prevents_it() -> None:
    # Hydro site: 500 S21 Hyd. (335 TH/s each), breakeven at hashprice 0.05 about $130/MWh.
    # Hours 10-19 cost $2,000; strike sees each hour's price when it has settled, so it sheds
    # the site in hours 11-20 while it is -8 degC: idle and freezing from hour 11, the 6 h
    # protection runs out at hour 17 and 30 % (150 machines) are damaged.
    fleet = two_sites()
    scenario = _storm_scenario(fleet)
    quiet = SimSettings(failures=False)
    strike = simulate(fleet, scenario, "strike", settings=quiet)
    damage = strike.events[strike.events["kind"] == "freeze-damage"]
    assert damage["site_id"].tolist() == ["hydro"]
    assert damage["count"].tolist() == [150]
    assert damage["start"].tolist() == [pd.Timestamp("2025-01-20 17:00", tz="UTC")]

    # Strike + protective: both sites are in the shutdown window from hour 4 (6 h lead) to 19.
    # tx (air) is off; the hydro site keeps its floor, 20 % (100 S21 Hyd.), hashing through the
    # storm and the 6 h before it, so there is no damage. Hour 20 is warm again (no floor) but
    # its published price is hour 19's $2,000: strike keeps the site off; it restores at 21.
    safe = simulate(fleet, scenario, "strike+protective", settings=quiet)
    assert safe.policy == "strike+protective"
    assert (safe.events["kind"] != "freeze-damage").all()
    hydro = safe.ledger.loc["hydro", "hashrate_th_s"].to_numpy() / 335.0
    assert hydro.round(6).tolist() == [500] * 4 + [100] * 16 + [0] + [500] * 9
    tx = safe.ledger.loc["tx", "running_mw"].to_numpy()
    assert (tx[4:20] == 0.0).all()
    assert tx[:4] == pytest.approx([2.95] * 4)
    assert tx[20:] == pytest.approx([2.95] * 10)
