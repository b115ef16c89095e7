"""The hourly ledger and the policies, on a one-site fleet whose numbers are worked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.domain.examples import one_site
from planner.domain.ledger import SiteHours, marginal_price_usd_per_mwh, site_ledger, site_tiers
from planner.engine.ladder import debounced_on
from planner.engine.policies import RunThrough, StrikePrice, policy_named
from planner.errors import ConfigError


def hours_of(
    price: list[float], *, temp: float = 20.0, hashprice: float = 0.05, **flags: list[bool]
) -> SiteHours:
    n = len(price)
    return SiteHours(
        times=pd.date_range("2025-07-01", periods=n, freq="h", tz="UTC"),
        temp_air_c=np.full(n, temp),
        price_usd_per_mwh=np.array(price, dtype=float),
        hashprice_usd_per_th_day=np.full(n, hashprice),
        grid_available=np.ones(n),
        four_cp_peak=np.array(flags.get("four_cp_peak", [False] * n)),
        dr_called=np.array(flags.get("dr_called", [False] * n)),
        four_cp_probability=np.zeros(n),
        alert_active=np.zeros(n, dtype=bool),
    )


def test_index_site_one_hour_by_hand() -> None:
    # 1,000 S19j Pro: 2.95 MW, 100,000 TH/s. One hour at $40/MWh + $0 adder, hashprice $0.05:
    # revenue 100,000 x 0.05 / 24 = $208.33; cost 2.95 x 40 = $118; profit $90.33.
    fleet = one_site()
    site = fleet.sites[0]
    ledger = site_ledger(fleet, site, hours_of([40.0]), np.ones((1, 1)))
    row = ledger.iloc[0]
    assert row["running_mw"] == pytest.approx(2.95)
    assert row["hashrate_th_s"] == pytest.approx(100_000)
    assert row["revenue_usd"] == pytest.approx(208.333, abs=1e-3)
    assert row["energy_cost_usd"] == pytest.approx(118.0)
    assert row["profit_usd"] == pytest.approx(90.333, abs=1e-3)
    assert row["curtailed_mwh"] == 0.0


def test_overhead_scales_energy_not_hashrate() -> None:
    # PUE 1.1: 2.95 x 1.1 = 3.245 MW drawn for the same 100,000 TH/s.
    fleet = one_site(overhead=1.1)
    ledger = site_ledger(fleet, fleet.sites[0], hours_of([40.0]), np.ones((1, 1)))
    assert ledger["energy_mwh"].iloc[0] == pytest.approx(3.245)
    assert ledger["hashrate_th_s"].iloc[0] == pytest.approx(100_000)


def test_heat_derate_and_curtailment_counted() -> None:
    # At 41 degC air cooling gives 0.925 of nameplate; running half of that: 0.4625 x 2.95 MW.
    fleet = one_site()
    ledger = site_ledger(fleet, fleet.sites[0], hours_of([40.0], temp=41.0), np.full((1, 1), 0.5))
    assert ledger["running_mw"].iloc[0] == pytest.approx(0.4625 * 2.95)
    assert ledger["curtailed_mwh"].iloc[0] == pytest.approx(0.4625 * 2.95)


def test_ppa_sell_back_pays_for_curtailment() -> None:
    # PPA 2 MW at $30, sell-back at RT; 1,000 S19j Pro (2.95 MW). RT $1,000 for one hour.
    # Running: contract 2 x 30 = 60, excess 0.95 x 1000 = 950, cost 1010; revenue 208.33.
    # Off: contract 60, sell-back 2 x 1000 = 2000 -> cost -1940; profit 1940.
    fleet = one_site(contract={"kind": "ppa", "price_usd_per_mwh": 30.0, "contracted_mw": 2.0})
    site = fleet.sites[0]
    on = site_ledger(fleet, site, hours_of([1000.0]), np.ones((1, 1))).iloc[0]
    off = site_ledger(fleet, site, hours_of([1000.0]), np.zeros((1, 1))).iloc[0]
    assert on["energy_cost_usd"] == pytest.approx(1010.0)
    assert off["energy_cost_usd"] == pytest.approx(-1940.0)
    assert off["profit_usd"] - on["profit_usd"] == pytest.approx(
        1940.0 + 1010.0 - 208.333, abs=1e-3
    )


def test_four_cp_peak_hour_carries_a_quarter_of_the_yearly_rate() -> None:
    # $60/kW-yr on 2.95 MW in a peak hour: 60 x 2,950 kW / 4 = $44,250 on top of energy.
    fleet = one_site(four_cp_rate=60.0)
    hours = hours_of([40.0, 40.0], four_cp_peak=[False, True])
    ledger = site_ledger(fleet, fleet.sites[0], hours, np.ones((1, 2)))
    assert ledger["energy_cost_usd"].tolist() == pytest.approx([118.0, 118.0 + 44_250.0])


def test_demand_response_credit_and_penalty() -> None:
    # 2 MW committed at $8/MW-h, $400/MWh penalty. Not called: +$16. Called while running all
    # (no reduction): 16 - 2 x 400 = -$784. Called and curtailed fully (2.95 MW >= 2): +$16.
    dr = [
        {
            "name": "ERS",
            "committed_mw": 2.0,
            "payment_usd_per_mw_h": 8.0,
            "penalty_usd_per_mwh": 400.0,
        }
    ]
    fleet = one_site(demand_response=dr)
    site = fleet.sites[0]
    hours = hours_of([40.0, 4000.0, 4000.0], dr_called=[False, True, True])
    ledger = site_ledger(fleet, site, hours, np.array([[1.0, 1.0, 0.0]]))
    assert ledger["credits_usd"].tolist() == pytest.approx([16.0, -784.0, 16.0])


def test_marginal_price_per_contract_kind() -> None:
    price = np.array([50.0])
    assert marginal_price_usd_per_mwh(one_site().sites[0], price)[0] == 50.0
    flat = one_site(contract={"kind": "hosting", "rate_usd_per_kwh": 0.06}).sites[0]
    assert marginal_price_usd_per_mwh(flat, price)[0] == pytest.approx(60.0)
    ppa = one_site(
        contract={
            "kind": "ppa",
            "price_usd_per_mwh": 30.0,
            "contracted_mw": 2.0,
            "sell_back_discount_usd_per_mwh": 2.0,
        }
    ).sites[0]
    assert marginal_price_usd_per_mwh(ppa, price)[0] == 48.0


def test_tiers_most_efficient_first() -> None:
    from planner import demo_fleet

    fleet = demo_fleet()
    tiers = site_tiers(fleet, fleet.site("west-texas"))
    assert [t.model_id for t in tiers] == ["s21", "s19j-pro"]


def test_debounce_and_min_hold_by_hand() -> None:
    above = np.array([0, 1, 1, 1, 0, 0, 0, 0, 1, 0], dtype=bool)
    # debounce 2: shed in hour 2 (second hour above); off from 2. Below from hour 4; two hours
    # below complete in hour 5 but min hold 4 (off hours counted from hour 3) allows hour 6.
    on = debounced_on(above, debounce_hours=2, min_hold_hours=4)
    assert on.astype(int).tolist() == [1, 1, 0, 0, 0, 0, 1, 1, 1, 1]


def test_strike_sheds_least_efficient_first() -> None:
    # Hashprice 0.05: S21 (17.5 J/TH) breaks even at 0.05/24/17.5e-6 = $119.05/MWh,
    # S19j Pro at $70.62. At $100/MWh only the S19j Pro tier is shed.
    from planner import demo_fleet

    fleet = demo_fleet(power_modes=False)  # on/off alone; the mode ladder: tests/engine
    site = fleet.site("west-texas")
    hours = hours_of([100.0, 60.0, 130.0, 100.0, 50.0])
    runs = StrikePrice(debounce_hours=1, min_hold_hours=0).run_fraction(fleet, site, hours)
    # west-texas has a $4 adder: marginal 104, 64, 134, 104, 54. Each hour acts on the hour
    # before's (nothing has settled before hour 0, so it runs): -, 104, 64, 134, 104.
    assert runs.tolist() == [[1, 1, 1, 0, 1], [1, 0, 1, 0, 0]]
    assert RunThrough().run_fraction(fleet, site, hours).tolist() == [[1] * 5, [1] * 5]


def test_strike_steps_are_settlement_intervals_on_15_minute_prices() -> None:
    # The same rule on 15-minute intervals acts on the last settled interval; 1 h of debounce is
    # 4 intervals and a 30-minute hold 2. S19j Pro breaks even at $70.62 (marginal = price + $4).
    from planner import demo_fleet

    fleet = demo_fleet(power_modes=False)  # on/off alone; the mode ladder: tests/engine
    site = fleet.site("west-texas")
    price = [50.0] + [100.0] * 5 + [50.0] * 4
    n = len(price)
    quarter = SiteHours(
        times=pd.date_range("2025-07-01", periods=n, freq="15min", tz="UTC"),
        temp_air_c=np.full(n, 20.0),
        price_usd_per_mwh=np.array(price),
        hashprice_usd_per_th_day=np.full(n, 0.05),
        grid_available=np.ones(n),
        four_cp_peak=np.zeros(n, dtype=bool),
        dr_called=np.zeros(n, dtype=bool),
        four_cp_probability=np.zeros(n),
        alert_active=np.zeros(n, dtype=bool),
    )
    fast = StrikePrice(debounce_hours=0.25, min_hold_hours=0.5).run_fraction(fleet, site, quarter)
    # seen: -, 50, 100 x 5, 50 x 3: shed at 2 (first settled interval above), restore at 7 (first
    # below, off 5 intervals >= 2).
    assert fast[1].tolist() == [1, 1, 0, 0, 0, 0, 0, 1, 1, 1]
    slow = StrikePrice(debounce_hours=1, min_hold_hours=0.5).run_fraction(fleet, site, quarter)
    # 4 settled intervals above complete at interval 5; 4 below complete at interval 10 (none).
    assert slow[1].tolist() == [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]


def test_unknown_policy_lists_allowed() -> None:
    with pytest.raises(ConfigError, match="allowed: run-through, strike"):
        policy_named("yolo")
    with pytest.raises(ConfigError, match="debounce_hours"):
        StrikePrice(debounce_hours=0)


def _debounced_on_hour_by_hour(above: np.ndarray, debounce: int, hold: int) -> np.ndarray:
    """The strike rule's state machine written the plain way: the oracle for the fast version."""
    on = np.empty(len(above), dtype=bool)
    running, streak, off_for = True, 0, 0
    for h, is_above in enumerate(above):
        if running:
            streak = streak + 1 if is_above else 0
            if streak >= debounce:
                running, streak, off_for = False, 0, 0
        else:
            off_for += 1
            streak = streak + 1 if not is_above else 0
            if streak >= debounce and off_for >= hold:
                running, streak = True, 0
        on[h] = running
    return on


@settings(max_examples=300, deadline=None)
@given(
    above=st.lists(st.booleans(), max_size=60),
    debounce=st.integers(min_value=1, max_value=5),
    hold=st.integers(min_value=0, max_value=8),
)
def test_debounce_by_runs_equals_the_hour_by_hour_rule(
    above: list[bool], debounce: int, hold: int
) -> None:
    flags = np.array(above, dtype=bool)
    np.testing.assert_array_equal(
        debounced_on(flags, debounce, hold), _debounced_on_hour_by_hour(flags, debounce, hold)
    )
