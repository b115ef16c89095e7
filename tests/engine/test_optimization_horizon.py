"""Long horizons: a multi-resolution strategic horizon and the LP algorithm chosen by size."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from planner.domain.examples import one_site, two_sites
from planner.engine.optimization import OptimizeSettings, PlanSolver, optimize
from planner.engine.optimization.algorithm import IPM_FROM_NONZEROS, lp_algorithm
from planner.errors import ConfigError
from planner.world.scenarios import flat_scenario

# 1,000 S19j Pro (29.5 J/TH) at hashprice 0.05 USD/(TH/s day): one MWh drawn earns
# 0.05 / (29.5 x 86,400 / 3.6e9) = 70.6215 USD; the site draws 2.95 MW.
REVENUE_S19JPRO = 0.05 / (29.5 * 86_400 / 3.6e9)


def test_hourly_near_term_then_days_catches_the_spike_a_daily_plan_averages_away() -> None:
    # Three days. Day 0: 12 h at 20 and 12 h at 100 USD/MWh (mean 60 < 70.62). Days 1-2 at 90.
    # Daily periods run all of day 0 (profit 24 x 2.95 x (70.62 - 60)); with day 0 hourly the
    # plan runs the 12 cheap hours alone (12 x 2.95 x (70.62 - 20)); days 1 and 2 are curtailed
    # either way.
    fleet = one_site()
    price = np.array([20.0] * 12 + [100.0] * 12 + [90.0] * 48)
    scenario = flat_scenario(fleet, 72, price_usd_per_mwh=price)
    daily = optimize(fleet, [scenario], OptimizeSettings(horizon="strategic"))
    mixed = optimize(
        fleet, [scenario], OptimizeSettings(horizon="strategic", strategic_hourly_hours=24)
    )
    assert daily.duration_h.tolist() == [24.0, 24.0, 24.0]
    assert mixed.duration_h.tolist() == [1.0] * 24 + [24.0, 24.0]
    assert daily.kpis.expected_profit_usd == pytest.approx(2.95 * 24 * (REVENUE_S19JPRO - 60))
    assert mixed.kpis.expected_profit_usd == pytest.approx(2.95 * 12 * (REVENUE_S19JPRO - 20))
    assert mixed.schedule_for("tx").tolist() == [[1.0] * 12 + [0.0] * 60]


def test_a_multi_resolution_horizon_longer_than_the_scenarios_is_the_hourly_model() -> None:
    fleet = two_sites()
    rng = np.random.default_rng(3)
    scenarios = [
        flat_scenario(fleet, 30, price_usd_per_mwh=rng.uniform(10, 140, (2, 30))) for _ in range(3)
    ]
    scenarios = [dataclasses.replace(s, index=i, weight=1 / 3) for i, s in enumerate(scenarios)]
    hourly = optimize(
        fleet, scenarios, OptimizeSettings(horizon="strategic", strategic_period_hours=1)
    )
    mixed = optimize(
        fleet, scenarios, OptimizeSettings(horizon="strategic", strategic_hourly_hours=100)
    )
    assert mixed.duration_h.tolist() == [1.0] * 30
    assert mixed.solver.objective_usd == pytest.approx(hourly.solver.objective_usd, rel=1e-9)


def test_a_minimum_down_time_needs_periods_of_one_length() -> None:
    fleet = one_site()
    settings = OptimizeSettings(horizon="strategic", strategic_hourly_hours=24, min_down_hours=4)
    with pytest.raises(ConfigError, match="strategic_hourly_hours: a minimum down time"):
        optimize(fleet, [flat_scenario(fleet, 72)], settings)


def test_interior_point_and_simplex_reach_the_same_optimum_and_re_solves_start_warm() -> None:
    fleet = two_sites()
    rng = np.random.default_rng(5)
    scenarios = [
        flat_scenario(fleet, 48, price_usd_per_mwh=rng.uniform(10, 140, (2, 48))) for _ in range(2)
    ]
    scenarios = [dataclasses.replace(s, index=i, weight=0.5) for i, s in enumerate(scenarios)]
    plans = {}
    for algorithm in ("simplex", "ipm"):
        solver = PlanSolver(fleet, scenarios, OptimizeSettings(lp_algorithm=algorithm))
        plans[algorithm] = solver.solve()
        again = solver.update(price_scale=1.1)  # from the basis the first solve left
        plans[algorithm + " re-solve"] = again
    assert plans["ipm"].solver.objective_usd == pytest.approx(
        plans["simplex"].solver.objective_usd, rel=1e-7
    )
    assert plans["ipm re-solve"].solver.objective_usd == pytest.approx(
        plans["simplex re-solve"].solver.objective_usd, rel=1e-7
    )


def test_auto_picks_the_interior_point_from_the_measured_size() -> None:
    assert lp_algorithm(IPM_FROM_NONZEROS - 1) == "simplex"
    assert lp_algorithm(IPM_FROM_NONZEROS) == "ipm"
    assert lp_algorithm(10**9, "simplex") == "simplex"
    with pytest.raises(ConfigError, match="lp_algorithm"):
        OptimizeSettings(lp_algorithm="barrier")  # type: ignore[arg-type]
