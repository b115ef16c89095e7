"""The controller: a plan carried out on what has been published, with an optional spike forecast.

Worked by hand on one site with 1,000 S19j Pro (breakeven 70.62 USD/MWh at hashprice 0.05, no
adder, no overhead) and, where a tier order matters, 400 S21 (119.05 USD/MWh) beside them.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from planner.domain.examples import one_site
from planner.domain.fleet import fleet_from_dict
from planner.domain.ledger import SiteHours
from planner.engine.control import (
    ForecastGuard,
    SpikeGuard,
    controlled_strategy,
    controller,
    realtime_guard,
)
from planner.engine.optimization import OptimizeSettings, optimize
from planner.engine.strategies import optimized_strategy
from planner.errors import ConfigError
from planner.world.scenarios import flat_scenario


def quarter_hours(price: list[float], forecast: list[float] | None = None) -> SiteHours:
    n = len(price)
    return SiteHours(
        times=pd.date_range("2025-07-01", periods=n, freq="15min", tz="UTC"),
        temp_air_c=np.full(n, 20.0),
        price_usd_per_mwh=np.array(price),
        hashprice_usd_per_th_day=np.full(n, 0.05),
        grid_available=np.ones(n),
        four_cp_peak=np.zeros(n, dtype=bool),
        dr_called=np.zeros(n, dtype=bool),
        four_cp_probability=np.zeros(n),
        alert_active=np.zeros(n, dtype=bool),
        price_forecast_usd_per_mwh=None if forecast is None else np.array(forecast),
    )


def two_tiers() -> object:
    base = one_site().sites[0].model_dump(by_alias=True)
    return fleet_from_dict({"sites": [{**base, "machines": {"s19j-pro": 1000, "s21": 400}}]})


def test_spike_guard_sheds_where_the_forecast_is_above_each_tiers_breakeven() -> None:
    # Forecasts 50, 100, 150: S21 (119.05) sheds at 150 only, S19j Pro (70.62) at 100 and 150.
    fleet = two_tiers()
    site = fleet.sites[0]
    hours = quarter_hours([40.0] * 3, forecast=[50.0, 100.0, 150.0])
    assert SpikeGuard().run_fraction(fleet, site, hours).tolist() == [[1, 1, 0], [1, 0, 0]]
    assert SpikeGuard().run_fraction(fleet, site, quarter_hours([40.0] * 3)).min() == 1.0


def test_the_real_time_guard_acts_on_the_last_settled_interval_and_the_forecast() -> None:
    # Prices 40, 40, 900, 900, 40, 40: the guard alone reads the interval before and sheds in
    # intervals 3 and 4 (one late on the way in and on the way out). The forecast of interval 2,
    # 300, sheds it too; the spike is then missed by none.
    fleet = one_site()
    site = fleet.sites[0]
    price = [40.0, 40.0, 900.0, 900.0, 40.0, 40.0]
    alone = realtime_guard(0.0, step=0.25).run_fraction(fleet, site, quarter_hours(price))
    assert alone.tolist() == [[1, 1, 1, 0, 0, 1]]
    forecast = [40.0, 40.0, 300.0, 900.0, 900.0, 40.0]
    both = realtime_guard(0.0, step=0.25).run_fraction(fleet, site, quarter_hours(price, forecast))
    assert both.tolist() == [[1, 1, 0, 0, 0, 1]]
    # One dear interval (2): the guard sheds at 3 and restores at 4; a 30-minute hold keeps the
    # tier off two intervals, to 5.
    single = quarter_hours([40.0, 40.0, 900.0, 40.0, 40.0, 40.0])
    assert realtime_guard(0.0, step=0.25).run_fraction(fleet, site, single).tolist() == [
        [1, 1, 1, 0, 1, 1]
    ]
    assert realtime_guard(0.5, step=0.25).run_fraction(fleet, site, single).tolist() == [
        [1, 1, 1, 0, 0, 1]
    ]


def test_restoring_on_the_forecast_runs_the_interval_after_a_spike_when_it_falls_back() -> None:
    # Prices 40, 40, 900, 900, 40, 40. The guard alone sheds 3 and 4 (one interval late both
    # ways). Deciding both ways on forecasts 40, 40, 300, 900, 40, 40, the tier sheds 2 and 3
    # and runs 4 (forecast 40 although 3 settled at 900): the oracle's schedule. Where the
    # forecast of 4 is missing (NaN) the last settled price decides: 900, shed.
    fleet = one_site()
    site = fleet.sites[0]
    price = [40.0, 40.0, 900.0, 900.0, 40.0, 40.0]
    forecast = [40.0, 40.0, 300.0, 900.0, 40.0, 40.0]
    both = realtime_guard(0.0, step=0.25, restore_on_forecast=True)
    assert both.name == "realtime-guard"
    assert both.run_fraction(fleet, site, quarter_hours(price, forecast)).tolist() == [
        [1, 1, 0, 0, 1, 1]
    ]
    gap = [40.0, 40.0, 300.0, 900.0, np.nan, 40.0]
    assert both.run_fraction(fleet, site, quarter_hours(price, gap)).tolist() == [
        [1, 1, 0, 0, 0, 1]
    ]
    # Without a forecast it is the guard alone.
    alone = realtime_guard(0.0, step=0.25).run_fraction(fleet, site, quarter_hours(price))
    np.testing.assert_array_equal(both.run_fraction(fleet, site, quarter_hours(price)), alone)
    # A 45-minute hold (three intervals) keeps the tier shed at 2 off through 4.
    held = ForecastGuard(0.25, 0.75).run_fraction(fleet, site, quarter_hours(price, forecast))
    assert held.tolist() == [[1, 1, 0, 0, 0, 1]]


def test_restoring_on_the_forecast_reads_each_tiers_breakeven() -> None:
    # After a settled 900 the forecast is 100: above the S19j Pro's breakeven (70.62), below the
    # S21's (119.05). The S21 (first row: most efficient first) runs again, the S19j Pro stays
    # shed.
    fleet = two_tiers()
    site = fleet.sites[0]
    hours = quarter_hours([40.0, 900.0, 100.0], forecast=[40.0, 40.0, 100.0])
    got = ForecastGuard(debounce_hours=0.25).run_fraction(fleet, site, hours)
    assert got.tolist() == [[1, 1, 1], [1, 1, 0]]
    with pytest.raises(ConfigError, match="debounce_hours"):
        ForecastGuard(debounce_hours=0.0)


def test_the_controller_keeps_the_plans_commitments_and_freeze_floor() -> None:
    # Caps hold hour 1 at 0 (a commitment); hour 3's price of 500 (published at hour 4) sheds
    # hour 4; a hydro-free site has no floor. With a floor share the freeze floor would win.
    fleet = one_site()
    site = fleet.sites[0]
    scenario = flat_scenario(fleet, 6, price_usd_per_mwh=np.array([40, 40, 40, 500, 40, 40.0]))
    caps = {"tx": np.array([[1.0, 0.0, 1.0, 1.0, 1.0, 1.0]])}
    policy = controller(caps, OptimizeSettings())
    assert policy.run_fraction(fleet, site, scenario.site_hours(0)).tolist() == [[1, 0, 1, 1, 0, 1]]
    # Deciding both ways, a forecast of 40 for hour 4 runs it; the commitment of hour 1 holds
    # even where the forecast (40) would run it.
    hours = dataclasses.replace(
        scenario.site_hours(0), price_forecast_usd_per_mwh=np.array([40, 40, 40, 500, 40, 40.0])
    )
    both = controller(caps, OptimizeSettings(), restore_on_forecast=True)
    assert both.run_fraction(fleet, site, hours).tolist() == [[1, 0, 1, 0, 1, 1]]


def test_controlled_strategy_adds_the_spike_guard_to_the_plans_strategy() -> None:
    # On hourly hours without a forecast the controlled strategy is the strategy; with one it
    # also sheds hour 2, whose forecast (200) is above breakeven though hour 1 settled at 40.
    fleet = one_site()
    site = fleet.sites[0]
    scenario = flat_scenario(fleet, 4, price_usd_per_mwh=40.0)
    strategy = optimized_strategy(optimize(fleet, [scenario]))
    controlled = controlled_strategy(strategy, name="controlled")
    assert controlled.name == "controlled" and controlled.shipments == strategy.shipments
    hours = scenario.site_hours(0)
    plain = strategy.policy.run_fraction(fleet, site, hours)
    np.testing.assert_array_equal(controlled.policy.run_fraction(fleet, site, hours), plain)
    forecast = dataclasses.replace(hours, price_forecast_usd_per_mwh=np.array([40, 40, 200, 40.0]))
    assert controlled.policy.run_fraction(fleet, site, forecast).tolist() == [[1, 1, 0, 1]]


def test_hashprice_is_read_from_the_last_closed_day() -> None:
    # The breakeven moves with the hashprice of the day before: hashprice 0.05 on July 1 and
    # 0.10 on July 2 (breakeven 70.62 -> 141.24). A forecast of 100 at 00:15 on July 2 still
    # sheds (July 1's 0.05 is the last closed day), although July 2's own hashprice would run it.
    fleet = one_site()
    site = fleet.sites[0]
    times = pd.date_range("2025-07-01 23:45", periods=3, freq="15min", tz="UTC")
    hours = dataclasses.replace(
        quarter_hours([40.0] * 3, forecast=[40.0, 40.0, 100.0]),
        times=times,
        hashprice_usd_per_th_day=np.array([0.05, 0.10, 0.10]),
    )
    assert hours.published.hashprice_usd_per_th_day.tolist() == pytest.approx([0.05, 0.05, 0.05])
    assert SpikeGuard().run_fraction(fleet, site, hours).tolist() == [[1, 1, 0]]
