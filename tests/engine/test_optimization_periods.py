"""Price blocks: a strategic period's hours sorted by margin and run apart, worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from planner.domain.examples import one_site, without_modes
from planner.domain.fleet import Fleet, fleet_from_dict
from planner.engine.optimization import OptimizeSettings, optimize
from planner.engine.optimization.data import prepare
from planner.engine.optimization.periods import (
    block_sizes,
    breakeven_keys,
    price_blocks,
    resolution,
)
from planner.errors import ConfigError
from planner.world.scenarios import flat_scenario

# 1,000 S19j Pro (100 TH/s, 2.95 kW, 29.5 J/TH) at hashprice 0.05 USD/(TH/s day), PUE 1: one MWh
# drawn earns 0.05 / (29.5 x 86,400 / 3.6e9) = 70.6215 USD; the site draws 2.95 MW and hashes
# 0.1 EH/s.
REVENUE = 0.05 / (29.5 * 86_400 / 3.6e9)
MW = 2.95

# Hour 0 at 50 USD/MWh (hourly: the lead), then one day whose hours are, shuffled, 6 at 300,
# 8 at 100, 6 at 60 and 4 at 20 USD/MWh (mean 3,040 / 24 = 126.7).
DAY = np.random.default_rng(0).permutation([300.0] * 6 + [100.0] * 8 + [60.0] * 6 + [20.0] * 4)
PRICE = np.concatenate([[50.0], DAY])


def settings(**changes: object) -> OptimizeSettings:
    base = OptimizeSettings(
        horizon="strategic",
        strategic_hourly_hours=1,
        lead_hours=1,
        protection_lead_hours=0,
        strategic_block_edges="quantile",
    )
    return base.replace(**changes)


def test_block_sizes_grow_from_the_top() -> None:
    # The first j of 4 blocks hold (j / 4)^2 of the hours: 16 h -> edges 1, 4, 9, 16.
    assert block_sizes(16, 4).tolist() == [1, 3, 5, 7]
    # 24 h: edges 1.5 -> 2, 6, 13.5 -> 14, 24.
    assert block_sizes(24, 4).tolist() == [2, 4, 8, 10]
    # Fewer hours than blocks: one hour each.
    assert block_sizes(3, 6).tolist() == [1, 1, 1]


def test_hours_go_to_blocks_by_their_margin_most_expensive_first() -> None:
    # Hour 0 is the lead (not split); hours 1-8 one period in 2 blocks, of 8 / 4 = 2 and 6
    # hours: the two highest keys (8 at hour 5, 7 at hour 3) form slot 1, the others slot 2.
    key = np.array([0.0, 5, 1, 7, 3, 8, 2, 6, 4]).reshape(1, 9, 1)
    res = resolution(9, settings(strategic_price_blocks=2), key)
    assert res.slot_period.tolist() == [0, 1, 1]
    assert res.slot_hours.tolist() == [1.0, 2.0, 6.0]
    assert res.hour_slot is not None
    assert res.hour_slot[0, :, 0].tolist() == [0, 2, 2, 1, 2, 1, 2, 2, 2]
    # The slot mean of hourly values, and back to the period (hour-weighted).
    values = np.arange(9.0).reshape(1, 9, 1)
    means = res.mean(values, np.array([0]))
    assert means[0, :, 0].tolist() == [0.0, (3 + 5) / 2, (1 + 2 + 4 + 6 + 7 + 8) / 6]
    assert res.to_periods(means, np.array([0]))[0, :, 0].tolist() == [0.0, 4.5]


def test_blocks_are_exact_where_each_block_holds_hours_of_one_sign() -> None:
    # Hourly: run hour 0 (50) and the 10 hours at 60 and 20 (below the 70.62 breakeven).
    # Blocks of 2, 4, 8, 10 hours, most expensive first: 300 | 300 | 100 | 60 and 20. Every
    # block's hours are all above or all below the breakeven: the plan runs the last block and
    # earns what the hourly plan earns. One daily period (mean 126.7) curtails the whole day.
    fleet = one_site()
    scenario = flat_scenario(fleet, 25, price_usd_per_mwh=PRICE)
    hourly = optimize(fleet, [scenario], settings(strategic_period_hours=1))
    blocks = optimize(fleet, [scenario], settings(strategic_price_blocks=4))
    daily = optimize(fleet, [scenario], settings(strategic_price_blocks=1))
    expected_hourly = MW * ((REVENUE - 50) + 6 * (REVENUE - 60) + 4 * (REVENUE - 20))
    assert hourly.kpis.expected_profit_usd == pytest.approx(expected_hourly, rel=1e-9)
    assert blocks.solver.objective_usd == pytest.approx(hourly.solver.objective_usd, abs=1e-6)
    assert daily.kpis.expected_profit_usd == pytest.approx(MW * (REVENUE - 50), rel=1e-9)
    # The daily plan loses the 10 cheap hours' margin: 2.95 x (10 x 70.6215 - 6 x 60 - 4 x 20).
    assert hourly.solver.objective_usd - daily.solver.objective_usd == pytest.approx(
        MW * (10 * REVENUE - 440), rel=1e-9
    )
    # The plan reads in periods: the blocked day runs 10 of its 24 hours.
    assert blocks.duration_h.tolist() == [1.0, 24.0]
    assert blocks.schedule_for("tx")[0].tolist() == pytest.approx([1.0] + [10 / 24] * 24)
    assert blocks.kpis.expected_curtailed_mwh == pytest.approx(14 * MW)


def test_a_hashrate_floor_holds_on_the_blocked_periods_mean() -> None:
    # Floor 0.06 EH/s: 60 % of the site's 0.1 EH/s. Hour 0 runs 60 % or more (it pays: all of
    # it). Over the day the floor needs 0.06 x 24 = 1.44 EH/s-hours: the 10 cheap hours give 1.0,
    # the other 0.44 (4.4 hours at 0.1) come from the cheapest expensive block (100 USD/MWh).
    fleet = one_site()
    scenario = flat_scenario(fleet, 25, price_usd_per_mwh=PRICE)
    plan = optimize(fleet, [scenario], settings(strategic_price_blocks=4, hashrate_floor_eh_s=0.06))
    expected = MW * (
        (REVENUE - 50) + 6 * (REVENUE - 60) + 4 * (REVENUE - 20) - 4.4 * (100 - REVENUE)
    )
    assert plan.kpis.expected_profit_usd == pytest.approx(expected, rel=1e-9)


def test_blocks_are_refused_with_rows_that_link_a_periods_hours() -> None:
    fleet = one_site()
    scenario = flat_scenario(fleet, 72)
    for linked in ({"ramp_mw_per_h": 5.0}, {"min_down_hours": 4.0}):
        chosen = settings(strategic_hourly_hours=0, strategic_price_blocks=4, **linked)
        with pytest.raises(ConfigError, match="strategic_price_blocks: price blocks do not keep"):
            optimize(fleet, [scenario], chosen)
        # Left unset, the blocks step aside for them: one block per period.
        assert price_blocks(settings(**linked)) == 1
    assert price_blocks(settings()) == 6
    assert price_blocks(OptimizeSettings()) == 1  # operational: hourly already
    plan = optimize(fleet, [scenario], settings(strategic_hourly_hours=0, ramp_mw_per_h=5.0))
    assert plan.duration_h.tolist() == [24.0, 24.0, 24.0]


def test_the_number_of_blocks_is_checked() -> None:
    with pytest.raises(
        ConfigError, match=r"strategic_price_blocks: must be a whole number in \[1, 24\], got 0"
    ):
        OptimizeSettings(strategic_price_blocks=0)


# Breakeven blocks. At hashprice 0.05 USD/(TH/s day) and PUE 1 a MWh drawn earns
# 0.05 x 100 / 2950 x 10^6 / 24 = 70.62 USD on an S19j Pro and 0.05 x 200 / 3500 x 10^6 / 24 =
# 119.05 USD on an S21 (3.5 MW for 1,000): margin keys (price / hashprice) of 1,412.4 and 2,381.0.
S21_REVENUE = 0.05 * 200 / 3500 * 1e6 / 24
S21_MW = 3.5
# Hour 0 at 50 USD/MWh (the lead), then a day of 6 hours at 300, 5 at 100, 7 at 60, 6 at 20.
TWO_TIER_DAY = np.random.default_rng(0).permutation(
    [300.0] * 6 + [100.0] * 5 + [60.0] * 7 + [20.0] * 6
)


def two_tier_site() -> Fleet:
    """``one_site`` with 1,000 S21 beside its 1,000 S19j Pro, both at nameplate or off."""
    site = one_site().sites[0].model_dump(by_alias=True)
    site["machines"] = {"s19j-pro": 1000, "s21": 1000}
    site["capacity_mw"] = 10.0
    raw = {"name": "two tiers", "sites": [site], "models": without_modes("s19j-pro", "s21")}
    return fleet_from_dict(raw, "test")


def test_breakeven_keys_are_the_slopes_of_the_efficiency_tables() -> None:
    # Without modes, each tier's nameplate TH/s per W x 10^6 / 24.
    data = prepare(two_tier_site(), [flat_scenario(two_tier_site(), 2)], settings())
    keys = breakeven_keys(data.tiers, 1)[0]
    assert keys.tolist() == pytest.approx([100 / 2950 * 1e6 / 24, 200 / 3500 * 1e6 / 24])
    # The S19j Pro's LuxOS modes: one key per step of its table, from off to the nameplate:
    # sleep -> -8 steps 63.30 TH/s for 1,651.1 W; -4 steps +18.35 for +616.0 W; -2 steps +9.18
    # for +332.9 W; nameplate +9.17 for +350 W.
    fleet = one_site(power_modes=True)
    data = prepare(fleet, [flat_scenario(fleet, 2)], settings())
    steps = [(9.17, 350.0), (9.18, 332.9), (18.35, 616.0), (63.30, 1651.1)]
    assert breakeven_keys(data.tiers, 1)[0].tolist() == pytest.approx(
        [th / w * 1e6 / 24 for th, w in steps]
    )


def test_breakeven_blocks_are_exact_where_quantile_blocks_straddle() -> None:
    # Hourly: both tiers run hour 0 (50 USD/MWh); the S21 the 18 hours below 119.05 (100, 60,
    # 20), the S19j Pro the 13 below 70.62 (60, 20).
    fleet = two_tier_site()
    scenario = flat_scenario(fleet, 25, price_usd_per_mwh=np.concatenate([[50.0], TWO_TIER_DAY]))
    hourly = optimize(fleet, [scenario], settings(strategic_period_hours=1))
    expected = S21_MW * (
        (S21_REVENUE - 50)
        + 5 * (S21_REVENUE - 100)
        + 7 * (S21_REVENUE - 60)
        + 6 * (S21_REVENUE - 20)
    ) + MW * ((REVENUE - 50) + 7 * (REVENUE - 60) + 6 * (REVENUE - 20))
    assert hourly.solver.objective_usd == pytest.approx(expected, rel=1e-9)
    # Edges at the two breakevens: blocks of 13 (60, 20), 5 (100) and 6 hours (300), each on one
    # side of both: the hourly optimum exactly.
    edges = optimize(fleet, [scenario], settings(strategic_block_edges="breakeven"))
    assert edges.solver.objective_usd == pytest.approx(expected, rel=1e-12)
    assert edges.duration_h.tolist() == [1.0, 24.0]
    assert edges.kpis.expected_curtailed_mwh == pytest.approx(6 * S21_MW + 11 * MW)
    # Four quantile blocks of 2, 4, 8 and 10 hours from the top: 300 x 2 | 300 x 4 | 100 x 5 and
    # 60 x 3 | 60 x 4 and 20 x 6. The third straddles the S19j Pro's breakeven (mean 85): it
    # stays off there and loses its 3 hours at 60.
    quantile = optimize(fleet, [scenario], settings(strategic_price_blocks=4))
    assert expected - quantile.solver.objective_usd == pytest.approx(
        MW * 3 * (REVENUE - 60), rel=1e-9
    )


def test_breakeven_blocks_hold_each_sites_hours_between_its_edges() -> None:
    # Two sites, two scenarios; hour 0 the lead, hours 1-4 one period. Edges: site 0 at 10,
    # site 1 at 5 and 20 (and both at PEAK_KEY / 2): up to 4 blocks a period, the fourth
    # (4CP peak hours) empty everywhere and dropped.
    key = np.zeros((2, 5, 2))
    key[0, 1:, 0], key[0, 1:, 1] = [3, 12, 9, 15], [11, 11, 11, 11]
    key[1, 1:, 0], key[1, 1:, 1] = [1, 6, 25, 4], [30, 2, 7, 1]
    chosen = settings(strategic_block_edges="breakeven")
    res = resolution(5, chosen, key, breakevens=[np.array([10.0]), np.array([5.0, 20.0])])
    assert res.slot_period.tolist() == [0, 1, 1, 1]
    assert res.hour_slot is not None and res.site_slot_hours is not None
    assert res.hour_slot[0].T.tolist() == [[0, 1, 2, 1, 2], [0, 2, 2, 2, 2]]
    assert res.hour_slot[1].T.tolist() == [[0, 1, 2, 3, 1], [0, 3, 1, 2, 1]]
    assert res.site_slot_hours[0].T.tolist() == [[1, 2, 2, 0], [1, 0, 4, 0]]
    assert res.site_slot_hours[1].T.tolist() == [[1, 2, 1, 1], [1, 2, 1, 1]]
    assert res.slot_hours.tolist() == [1.0, 1.5, 2.0, 0.5]  # the mean over sites and scenarios
    # Slot means of each site's own hours (an empty slot: 0), and back to the period.
    values = np.broadcast_to(np.arange(5.0)[None, :, None], (2, 5, 2))
    means = res.mean(values, np.array([0, 1]))
    assert means[0, :, 0].tolist() == [0.0, 2.0, 3.0, 0.0]
    assert means[1, :, 1].tolist() == [0.0, 3.0, 3.0, 1.0]
    assert res.to_periods(means, np.array([0, 1]))[:, 1, :].tolist() == [[2.5, 2.5], [2.5, 2.5]]
    # Flagged hours (cold hours at a freeze-risk site) get a slot each, after the blocks.
    apart = np.zeros((2, 5, 2), dtype=bool)
    apart[0, [2, 4], 0] = True
    res = resolution(
        5, chosen, key, breakevens=[np.array([10.0]), np.array([5.0, 20.0])], apart=apart
    )
    assert res.hour_slot is not None
    assert res.hour_slot[0, :, 0].tolist() == [0, 1, 4, 1, 5]
    assert res.slot_period.tolist() == [0, 1, 1, 1, 1, 1]


def test_breakeven_blocks_keep_a_freeze_risk_sites_cold_hours_apart() -> None:
    # A hydro site at 300 USD/MWh (never worth running) with a 12-hour cold spell: the hourly
    # plan keeps its loops warm in one cold hour, at the idle share, rather than risk a freeze.
    # Each cold hour in a slot of its own, the breakeven blocks give the hourly optimum; cold
    # hours in blocks with the warm ones would run the idle share through them all.
    fleet = one_site(model="s21-hyd", cooling="hydro")
    temp = np.full(48, 5.0)
    temp[20:32] = -5.0
    scenario = flat_scenario(fleet, 48, temp_air_c=temp, price_usd_per_mwh=300.0)
    hourly = optimize(fleet, [scenario], settings(strategic_period_hours=1))
    edges = optimize(fleet, [scenario], settings(strategic_block_edges="breakeven"))
    assert edges.solver.objective_usd == pytest.approx(hourly.solver.objective_usd, rel=1e-9)
    assert hourly.kpis.expected_after_horizon_usd == pytest.approx(0.0, abs=1e-6)
    # One block for the whole period (cold hours and warm): the idle share runs in all 47 hours.
    one_block = optimize(fleet, [scenario], settings(strategic_price_blocks=1))
    assert one_block.solver.objective_usd < hourly.solver.objective_usd - 400


def test_the_block_edges_are_checked_and_left_out_of_a_dump_by_default() -> None:
    with pytest.raises(
        ConfigError,
        match=r"strategic_block_edges: must be one of quantile, breakeven, got 'edges'",
    ):
        OptimizeSettings(strategic_block_edges="edges")  # type: ignore[arg-type]
    assert "strategic_block_edges" not in OptimizeSettings().model_dump()
    assert OptimizeSettings().strategic_block_edges == "breakeven"
    chosen = OptimizeSettings(strategic_block_edges="quantile")
    assert chosen.model_dump()["strategic_block_edges"] == "quantile"
