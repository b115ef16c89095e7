"""The optimizer with power modes: an hour where a low mode is the unique optimum, by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from planner.domain.examples import one_site
from planner.engine.optimization import OptimizeSettings, optimize
from planner.world.scenarios import flat_scenario

# 1,000 S19j Pro with the catalog's LuxOS profiles, PUE 1, index contract without adder, hashprice
# 0.05 USD/(TH/s day): a TH/s earns 0.05 / 24 = 0.00208333 USD an hour. Per machine-hour:
#                    power [W]  TH/s    revenue   cost at 75 USD/MWh   margin at 75
#   nameplate         2950.0   100.00   0.208333   0.221250            -0.012917
#   -2 steps          2600.0    90.83   0.189229   0.195000            -0.005771
#   -4 steps          2267.1    81.65   0.170104   0.170033            +0.000071
#   -8 steps          1651.1    63.30   0.131875   0.123833            +0.008043
#   off / sleep          0.0     0.00   0          0                    0
# At 75 USD/MWh the nameplate loses money (its breakeven is 0.05 / 24 / 2.95e-3 x 1000 = 70.62
# USD/MWh) but the -8 steps profile earns 8.04 USD for the site: it is the unique optimum
# (next best -4 steps, 0.07 USD). Breakevens of the steps from off up (marginal J/TH):
# off -> -8: 26.08 J/TH, 79.87 USD/MWh; -8 -> -4: 33.57, 62.06; -4 -> -2: 36.29, 57.41;
# -2 -> nameplate: 38.15, 54.60. So at 20 USD/MWh: nameplate; at 60: -4 steps; at 100: off.
HOURLY = 0.05 / 24.0


def test_a_low_mode_is_the_unique_optimum_in_a_price_band() -> None:
    fleet = one_site(power_modes=True)
    price = np.array([20.0, 75.0, 60.0, 100.0])
    plan = optimize(
        fleet, [flat_scenario(fleet, 4, price_usd_per_mwh=price)], OptimizeSettings(relocate=False)
    )
    shares = plan.schedule_for("tx", 0)[0]
    assert shares == pytest.approx([1.0, 1651.1 / 2950.0, 2267.1 / 2950.0, 0.0], abs=1e-9)
    modes = plan.mode_shares(period=1, scenario=0).set_index("mode")["machine_share"]
    assert modes["-8 steps"] == pytest.approx(1.0)
    assert modes.drop("-8 steps").abs().max() == pytest.approx(0.0, abs=1e-9)
    margins = 1000 * np.array(
        [
            100.0 * HOURLY - 2.950 * 0.020,  # nameplate at 20 USD/MWh: 149.33 USD
            63.30 * HOURLY - 1.6511 * 0.075,  # -8 steps at 75: 8.04 USD
            81.65 * HOURLY - 2.2671 * 0.060,  # -4 steps at 60: 34.08 USD
            0.0,
        ]
    )
    assert margins[1] == pytest.approx(8.0425, abs=1e-4)
    assert plan.kpis.expected_profit_usd == pytest.approx(margins.sum(), rel=1e-9)
    assert plan.kpis.mean_hashrate_eh_s == pytest.approx((100.0 + 63.30 + 81.65) / 4 / 1e3)


def test_without_modes_the_same_hour_is_curtailed() -> None:
    # On/off alone: at 75 USD/MWh the nameplate loses 12.92 USD, so the tier is off; the modes
    # capture 8.04 USD more in that hour and 34.08 - 31.33 = 2.75 USD more at 60 USD/MWh
    # (nameplate margin there: 208.33 - 177.00 = 31.33 USD).
    price = np.array([20.0, 75.0, 60.0, 100.0])
    plans = {}
    for modes in (False, True):
        fleet = one_site(power_modes=modes)
        scenario = flat_scenario(fleet, 4, price_usd_per_mwh=price)
        plans[modes] = optimize(fleet, [scenario], OptimizeSettings(relocate=False))
    assert plans[False].schedule_for("tx", 0)[0].tolist() == [1.0, 0.0, 1.0, 0.0]
    gain = plans[True].kpis.expected_profit_usd - plans[False].kpis.expected_profit_usd
    nameplate_at_60 = 1000 * (100.0 * HOURLY - 2.950 * 0.060)
    assert nameplate_at_60 == pytest.approx(31.3333, abs=1e-4)
    assert gain == pytest.approx(8.0425 + 34.0779 - nameplate_at_60, abs=1e-3)


def hydro_site_with_a_low_mode(modes: bool) -> Any:
    """1,000 S21 Hyd. (5,360 W, 335 TH/s) at a hydro site, with a made-up low mode at half the
    power and 60 % of the hashrate (13.3 J/TH against 16.0 at nameplate) or without it."""
    from planner.domain.fleet import fleet_from_dict, read_catalog

    raw = one_site(cooling="hydro", model="s21-hyd").sites[0].model_dump(by_alias=True)
    table = dict(read_catalog()["models"]["s21-hyd"])
    if modes:
        low = {"name": "low", "power_w": 2680.0, "hashrate_th_s": 201.0, "source": "test"}
        table["modes"] = [low]
    return fleet_from_dict({"sites": [raw], "models": {"s21-hyd": table}})


def test_a_warm_loop_is_kept_with_machines_in_the_low_mode() -> None:
    # -10 degC for 12 hours at 400 USD/MWh: every step loses money (nameplate breakeven 0.05 / 24
    # / 16e-6 = 130.2 USD/MWh; the low mode's 156.3), but a loop idle for more than 6 hours
    # freezes. The plan keeps the loop warm with the idle share (10 %) of the site's nameplate
    # load: with the low mode that load runs 20 % of the machines at half power, which hash
    # 0.2 x 201 = 40.2 PH/s per 1,000 machines instead of 0.1 x 335 = 33.5 at nameplate.
    price, cold = np.full(12, 400.0), np.full(12, -10.0)
    plans = {}
    for modes in (False, True):
        fleet = hydro_site_with_a_low_mode(modes)
        scenario = flat_scenario(fleet, 12, price_usd_per_mwh=price, temp_air_c=cold)
        plans[modes] = optimize(fleet, [scenario], OptimizeSettings(relocate=False))
    warm = plans[True].schedule_for("tx", 0)[0]
    assert warm.max() == pytest.approx(0.1)
    assert np.array_equal(warm > 0, plans[False].schedule_for("tx", 0)[0] > 0)  # same hours
    hour = int(np.argmax(warm))
    shares = plans[True].mode_shares(period=hour, scenario=0).set_index("mode")["machine_share"]
    assert shares.to_dict() == pytest.approx({"off": 0.8, "low": 0.2, "nameplate": 0.0})
    kept = int((warm > 0).sum())
    assert plans[True].kpis.mean_hashrate_eh_s == pytest.approx(kept * 40.2e-3 / 12)
    assert plans[False].kpis.mean_hashrate_eh_s == pytest.approx(kept * 33.5e-3 / 12)
    # Same energy, more hashrate: the warm hours lose less with the low mode.
    gain = plans[True].kpis.expected_profit_usd - plans[False].kpis.expected_profit_usd
    assert gain == pytest.approx(kept * (40.2 - 33.5) * 1000 * HOURLY, rel=1e-6)


def test_a_tier_with_modes_is_its_mode_columns_without_a_run_column_or_split_row() -> None:
    # One site, one tier with four hashing rows (-8, -4, -2 steps, nameplate), 4 hours: the
    # load of the tier is the sum of its 16 mode_run columns; no run column, no row defining it.
    from planner.engine.optimization.data import prepare
    from planner.engine.optimization.model import build_model

    fleet = one_site(power_modes=True)
    scenario = flat_scenario(fleet, 4, price_usd_per_mwh=np.array([20.0, 75.0, 60.0, 100.0]))
    built = build_model(prepare(fleet, [scenario], OptimizeSettings(relocate=False)))
    columns = built.matrix.columns
    assert columns["run"].size == 0
    assert columns["mode_run"].size == 4 * 4
    rows = {b.name: b.size for b in built.matrix.rows}
    assert "mode_split" not in rows
    assert rows["mode_machines"] == 4
    # The tier's load in a solution is the sum of its modes' loads: 1.0 MW in -8 steps and
    # 0.5 MW at nameplate in hour 2 make 1.5 MW.
    values = np.zeros(built.matrix.n_cols)
    mode = columns["mode_run"].dense_cols()
    values[mode[0, 2, 0]], values[mode[3, 2, 0]] = 1.0, 0.5
    assert built.context.tier_load(values)[0, :, 0].tolist() == [0.0, 0.0, 1.5, 0.0]
    # The Pyomo model has the same columns and rows.
    model = built.model
    assert len(model.run) == 0 and len(model.mode_run) == 16
    assert not hasattr(model, "mode_split")


def test_a_fleet_cap_reads_a_mode_tiers_load_as_the_sum_of_its_modes() -> None:
    # 1,000 S19j Pro at 20 USD/MWh under a fleet cap of 2.0 MW (PUE 1): every step pays (the
    # lowest breakeven, nameplate's, is 54.58 USD/MWh), so the cap binds and the best 2.0 MW is
    # the concave table at u = 2.0 / 2.95 = 0.67797: between -8 steps (p 0.55969, h 0.6330) and
    # -4 steps (p 0.76851, h 0.8165), a share (0.76851 - u) / (0.76851 - 0.55969) = 0.43365 of
    # the machines in -8 steps and 0.56635 in -4 steps, hashing
    # 0.6330 + (u - 0.55969) / 0.20882 x 0.1835 = 0.73693 of 100 PH/s; an hour earns
    # 1,000 x 100 TH/s x 0.73693 x 0.05 / 24 = 153.53 USD for 2.0 MWh at 20 USD/MWh (40 USD).
    fleet = one_site(power_modes=True)
    scenario = flat_scenario(fleet, 3, price_usd_per_mwh=20.0)
    plan = optimize(fleet, [scenario], OptimizeSettings(relocate=False, fleet_cap_mw=2.0))
    u = 2.0 / 2.95
    p8, p4 = 1651.1 / 2950.0, 2267.1 / 2950.0
    h = 0.6330 + (u - p8) / (p4 - p8) * (0.8165 - 0.6330)
    assert plan.schedule_for("tx", 0)[0] == pytest.approx([u] * 3, abs=1e-9)
    shares = plan.mode_shares(period=1, scenario=0).set_index("mode")["machine_share"]
    assert shares["-8 steps"] == pytest.approx((p4 - u) / (p4 - p8), abs=1e-9)
    assert shares["-4 steps"] == pytest.approx((u - p8) / (p4 - p8), abs=1e-9)
    assert h == pytest.approx(0.73693, abs=1e-5)
    hourly = 1000 * 100.0 * h * HOURLY - 2.0 * 20.0
    assert hourly == pytest.approx(113.53, abs=0.01)
    assert plan.kpis.expected_profit_usd == pytest.approx(3 * hourly, rel=1e-9)
    assert plan.kpis.mean_hashrate_eh_s == pytest.approx(h * 100.0 / 1e3, rel=1e-9)


def with_a_linear_half_mode(fleet: Any) -> Any:
    """``fleet`` with one power mode in every model at half the nameplate's power and hashrate:
    the same J/TH at every load, so a tier with it is worth exactly what on/off at any share
    is worth."""
    from planner.domain.fleet import fleet_from_dict, read_catalog

    catalog = read_catalog()["models"]
    models = {}
    for name in fleet.models:
        table = {k: v for k, v in catalog[name].items() if k != "modes"}
        half = {"power_w": table["power_w"] / 2, "hashrate_th_s": table["hashrate_th_s"] / 2}
        models[name] = {**table, "modes": [{"name": "half", **half, "source": "test"}]}
    raw = fleet.model_dump(by_alias=True, exclude={"models", "cooling"})
    return fleet_from_dict({**raw, "models": models}, "linear modes")


@pytest.mark.parametrize("min_down_hours", [None, 3.0])
def test_a_linear_mode_changes_no_optimum_in_any_family_that_reads_the_load(
    min_down_hours: float | None,
) -> None:
    # A mode on the straight line from off to nameplate adds no option, so the optimum of the
    # demo fleet with it in every model is the optimum without modes, where every family reads
    # a run column: ramp, fleet cap (binding at 300 MW of 545), lead-time orders, a hosting
    # allowance, a PPA block, relocations and, with a minimum down time, the on/off rows. A
    # family that missed a mode column would let the model with modes earn more.
    from planner.domain.examples import demo_fleet
    from planner.world.feeds import fetch_feeds
    from planner.world.scenarios import make_scenarios

    fleet = demo_fleet(power_modes=False)
    scenarios = make_scenarios(
        fleet, fetch_feeds(fleet, "2025-01-12", 24, "offline", seed=7), 3, seed=1
    )
    settings = OptimizeSettings(
        ramp_mw_per_h=30.0, fleet_cap_mw=300.0, lead_hours=3, min_down_hours=min_down_hours
    )
    on_off = optimize(fleet, scenarios, settings)
    linear = optimize(with_a_linear_half_mode(fleet), scenarios, settings)
    assert linear.solver.objective_usd == pytest.approx(on_off.solver.objective_usd, rel=1e-9)
    assert linear.kpis.expected_curtailed_mwh == pytest.approx(
        on_off.kpis.expected_curtailed_mwh, rel=1e-6
    )
