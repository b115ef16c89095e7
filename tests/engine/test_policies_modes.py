"""The strike rule's mode ladder: a rising price steps machines down before it switches them off."""

from __future__ import annotations

import numpy as np
import pytest

from planner.domain.examples import one_site
from planner.domain.ledger import site_ledger, site_tiers, tier_step_breakevens
from planner.engine.policies import StrikePrice
from planner.world.scenarios import flat_scenario

# S19j Pro with the catalog's LuxOS profiles, hashprice 0.05 USD/(TH/s day) (70.62 USD/MWh of
# revenue at 29.5 J/TH), PUE 1. The steps from off up and their breakevens (70.62 x 29.5 / the
# step's marginal J/TH): off -> -8 steps (1651.1 W, 63.30 TH/s): 26.08 J/TH, 79.87 USD/MWh;
# -8 -> -4 (2267.1 W, 81.65 TH/s): 616.0 W / 18.35 TH/s = 33.57 J/TH, 62.06; -4 -> -2 (2600 W,
# 90.83 TH/s): 332.9 / 9.18 = 36.26 J/TH, 57.45; -2 -> nameplate: 350 / 9.17 = 38.17, 54.58.
REVENUE = 0.05 / (29.5 * 86_400 / 3.6e9)


def test_the_ladder_steps_by_hand() -> None:
    fleet = one_site(power_modes=True)
    site = fleet.sites[0]
    (tier,) = site_tiers(fleet, site)
    width, breakeven = tier_step_breakevens(site, tier, np.array([0.05]))
    assert width * 2950.0 == pytest.approx([1651.1, 616.0, 332.9, 350.0])
    expected = [
        REVENUE * 29.5 / (1651.1 / 63.30),
        REVENUE * 29.5 / (616.0 / 18.35),
        REVENUE * 29.5 / (332.9 / 9.18),
        REVENUE * 29.5 / (350.0 / 9.17),
    ]
    assert breakeven[:, 0] == pytest.approx(expected, rel=1e-3)
    assert breakeven[:, 0] == pytest.approx([79.87, 62.06, 57.45, 54.58], abs=0.01)


def test_a_rising_price_steps_down_before_switching_off() -> None:
    # Each hour acts on the price settled the hour before (nothing yet in hour 0: it runs).
    # Seen: -, 20, 56, 60, 75, 100, 20 -> nameplate, nameplate, -2 steps (56 sheds the top step
    # only), -4 steps, -8 steps, off, nameplate again (no hold).
    fleet = one_site(power_modes=True)
    price = np.array([20.0, 56.0, 60.0, 75.0, 100.0, 20.0, 20.0])
    scenario = flat_scenario(fleet, len(price), price_usd_per_mwh=price)
    hours = scenario.site_hours(0)
    rule = StrikePrice(debounce_hours=1, min_hold_hours=0)
    load = rule.run_fraction(fleet, fleet.sites[0], hours)[0]
    expected_w = [2950.0, 2950.0, 2600.0, 2267.1, 1651.1, 0.0, 2950.0]
    assert load * 2950.0 == pytest.approx(expected_w)
    # The ledger hashes at the profiles' figures: 100, 100, 90.83, 81.65, 63.30, 0, 100 PH/s.
    ledger = site_ledger(fleet, fleet.sites[0], hours, load[None, :])
    th_s = [100.0, 100.0, 90.83, 81.65, 63.30, 0.0, 100.0]
    assert ledger["hashrate_th_s"].to_numpy() / 1000 == pytest.approx(th_s)


def test_without_modes_the_rule_is_on_or_off() -> None:
    fleet = one_site()
    price = np.array([20.0, 56.0, 60.0, 75.0, 100.0, 20.0, 20.0])
    scenario = flat_scenario(fleet, len(price), price_usd_per_mwh=price)
    rule = StrikePrice(debounce_hours=1, min_hold_hours=0)
    load = rule.run_fraction(fleet, fleet.sites[0], scenario.site_hours(0))[0]
    assert load.tolist() == [1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0]  # sheds once 75 > 70.62 is seen
