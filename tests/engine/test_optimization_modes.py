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
