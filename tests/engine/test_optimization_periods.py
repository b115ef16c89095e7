"""Price blocks: a strategic period's hours sorted by margin and run apart, worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from planner.domain.examples import one_site
from planner.engine.optimization import OptimizeSettings, optimize
from planner.engine.optimization.periods import block_sizes, price_blocks, resolution
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
    assert res.to_periods(means)[0, :, 0].tolist() == [0.0, 4.5]


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
