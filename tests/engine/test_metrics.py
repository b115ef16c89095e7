"""Metrics: weighted quantiles, CVaR, the risk table, hashrate at risk and survival curves, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.domain.examples import one_site
from planner.engine.metrics import (
    KPI_COLUMNS,
    RISK_COLUMNS,
    cvar,
    hashrate_at_risk,
    kpis,
    risk_table,
    survival_curves,
    weighted_quantile,
)
from planner.engine.simulation import SimSettings, simulate
from planner.world.scenarios import flat_scenario

# ------------------------------------------------------------------------- weighted quantiles


def test_quantiles_of_equally_likely_outcomes_are_outcomes() -> None:
    # Ten outcomes 1..10 of weight 0.1: F(k) = k/10. P5: the first k with k/10 >= 0.05 is 1;
    # median: k/10 >= 0.5 at k = 5 (the lower middle, not 5.5); P95: k/10 >= 0.95 at k = 10.
    values = np.arange(10.0, 0.0, -1.0)  # given in any order
    weights = np.full(10, 0.1)
    assert weighted_quantile(values, weights, [0.05, 0.5, 0.95]).tolist() == [1.0, 5.0, 10.0]
    # Two equally likely outcomes: the median is the lower one.
    assert float(weighted_quantile([200.0, -50.0], [1, 1], 0.5)) == -50.0


def test_quantiles_follow_the_weights() -> None:
    # 10 (w 0.1), 20 (w 0.6), 30 (w 0.3): F = 0.1, 0.7, 1.0.
    values, weights = [30.0, 10.0, 20.0], [0.3, 0.1, 0.6]
    got = weighted_quantile(values, weights, [0.0, 0.05, 0.1, 0.5, 0.7, 0.71, 1.0])
    assert got.tolist() == [10.0, 10.0, 10.0, 20.0, 20.0, 30.0, 30.0]
    # Unnormalised weights mean the same; numpy's inverted_cdf agrees.
    assert weighted_quantile(values, [3, 1, 6], 0.7) == 20.0
    for q in (0.05, 0.5, 0.95):
        expected = np.quantile(values, q, weights=weights, method="inverted_cdf")
        assert weighted_quantile(values, weights, q) == expected


def test_quantiles_run_column_by_column() -> None:
    # Two hours (columns) of three runs weighted 0.5, 0.25, 0.25.
    values = np.array([[1.0, 9.0], [2.0, 8.0], [3.0, 7.0]])
    weights = [0.5, 0.25, 0.25]
    low, mid, high = weighted_quantile(values, weights, [0.05, 0.5, 0.95])
    assert low.tolist() == [1.0, 7.0]
    assert mid.tolist() == [1.0, 8.0]  # column 2: F(7) = 0.25, F(8) = 0.5
    assert high.tolist() == [3.0, 9.0]


def test_quantile_input_errors_are_plain() -> None:
    with pytest.raises(ValueError, match="weights: need shape"):
        weighted_quantile([1.0, 2.0], [1.0], 0.5)
    with pytest.raises(ValueError, match="q: must be in"):
        weighted_quantile([1.0, 2.0], [1.0, 1.0], 1.5)
    with pytest.raises(ValueError, match="not all 0"):
        weighted_quantile([1.0, 2.0], [0.0, 0.0], 0.5)


# ------------------------------------------------------------------------------------- CVaR


def test_cvar_two_scenarios_by_hand() -> None:
    # Profits 100 and -50, equally likely: the worst 5 % lies inside the -50 atom.
    assert cvar([100.0, -50.0], [0.5, 0.5]) == -50.0
    # At alpha = 0.75 the tail is all of -50 (0.5) and a quarter of 100: (-25 + 25) / 0.75 = 0.
    assert cvar([100.0, -50.0], [0.5, 0.5], alpha=0.75) == pytest.approx(0.0)


def test_cvar_ten_scenarios_by_hand() -> None:
    values = np.arange(1.0, 11.0)
    weights = np.full(10, 0.1)
    assert cvar(values, weights) == 1.0  # 5 % inside the first 10 % atom
    # 15 %: all of 1 (0.10) and half of 2 (0.05): (0.1 + 0.1) / 0.15.
    assert cvar(values, weights, alpha=0.15) == pytest.approx(0.2 / 0.15)
    assert cvar(values, weights, alpha=1.0) == pytest.approx(5.5)  # the mean


def test_cvar_splits_the_atom_at_the_quantile_exactly() -> None:
    # -100 (w 0.02), -40 (w 0.01), 10 (w 0.97): the 5 % tail takes 0.02 + 0.01 + 0.02 of 10.
    # CVaR = (-100 * 0.02 - 40 * 0.01 + 10 * 0.02) / 0.05 = -2.2 / 0.05 = -44.
    assert cvar([10.0, -40.0, -100.0], [0.97, 0.01, 0.02]) == pytest.approx(-44.0)


# ------------------------------------------------------------------------------- risk table


def test_risk_table_by_hand() -> None:
    # One policy, one site, four runs: scenario weights 0.4 / 0.1 / 0.1 / 0.4.
    runs = pd.DataFrame(
        {
            "policy": "p",
            "site_id": "a",
            "weight": [0.4, 0.1, 0.1, 0.4],
            "profit_usd": [100.0, -300.0, 50.0, 200.0],
            "revenue_usd": [1.0, 2.0, 3.0, 4.0],
            "energy_cost_usd": 0.0,
            "credits_usd": 0.0,
            "energy_mwh": 10.0,
            "curtailed_mwh": [0.0, 10.0, 0.0, 0.0],
            "btc_mined": 0.5,
            "mean_hashrate_eh_s": [1.0, 0.0, 1.0, 1.0],
            "uptime_pct": [100.0, 0.0, 100.0, 100.0],
            "outage_hours": [0.0, 24.0, 0.0, 0.0],
            "freeze_events": [0.0, 1.0, 0.0, 0.0],
            # The bad run froze: 30 machines out after the horizon, 700 USD of margin lost
            # after it and 300 USD of repairs.
            "machines_out": [0.0, 30.0, 0.0, 0.0],
            "lost_margin_usd": [0.0, 700.0, 0.0, 0.0],
            "repair_usd": [0.0, 300.0, 0.0, 0.0],
            "transport_usd": 0.0,
            "after_horizon_usd": [0.0, 1000.0, 0.0, 0.0],
            "profit_incl_after_horizon_usd": [100.0, -1300.0, 50.0, 200.0],
        }
    )
    row = risk_table(runs).iloc[0]
    assert list(risk_table(runs).columns) == list(RISK_COLUMNS)
    # Mean: 40 - 30 + 5 + 80 = 95. Sorted: -300 (0.1), 50 (0.1), 100 (0.4), 200 (0.4);
    # F = 0.1, 0.2, 0.6, 1.0 -> P5 -300, median 100, P95 200; CVaR5 = -300.
    assert row["expected_profit_usd"] == pytest.approx(95.0)
    assert (row["p5_profit_usd"], row["median_profit_usd"], row["p95_profit_usd"]) == (
        -300.0,
        100.0,
        200.0,
    )
    assert row["cvar5_profit_usd"] == -300.0
    assert row["expected_revenue_usd"] == pytest.approx(0.4 + 0.2 + 0.3 + 1.6)
    assert row["curtailed_mwh"] == pytest.approx(1.0)
    assert row["uptime_pct"] == pytest.approx(90.0)
    assert row["outage_hours"] == pytest.approx(2.4)
    assert row["freeze_events"] == pytest.approx(0.1)
    assert row["btc_mined"] == pytest.approx(0.5)
    # Full value: the same runs less what they leave behind: 95 - 0.1 x 1,000 = -5; the bad
    # run is still the worst 5 % (-1,300), the quantiles of the others do not move.
    assert row["expected_profit_incl_after_horizon_usd"] == pytest.approx(-5.0)
    assert row["cvar5_profit_incl_after_horizon_usd"] == -1300.0
    assert row["p5_profit_incl_after_horizon_usd"] == -1300.0
    assert row["median_profit_incl_after_horizon_usd"] == 100.0
    assert row["expected_after_horizon_usd"] == pytest.approx(100.0)
    assert row["expected_lost_margin_usd"] == pytest.approx(70.0)
    assert row["expected_repair_usd"] == pytest.approx(30.0)
    assert row["machines_out"] == pytest.approx(3.0)


# -------------------------------------------------------------------------- hashrate at risk


def test_hashrate_at_risk_by_hand() -> None:
    # Fleet hashrate in EH/s over four hours, three runs weighted 0.5 / 0.25 / 0.25:
    #   run 0: 2 2 2 2   run 1: 2 0.5 0.5 2   run 2: 0 2 2 2
    # Floor 1 EH/s: runs 1 and 2 dip (P = 0.5); shares below 0, 2/4, 1/4 -> 0.25*0.5 + 0.25*0.25.
    eh_s = np.array([[2, 2, 2, 2], [2, 0.5, 0.5, 2], [0, 2, 2, 2]], dtype=np.float32)
    table = hashrate_at_risk((eh_s * 1e6)[None], [0.5, 0.25, 0.25], ["p"], floor_eh_s=1.0)
    row = table.loc["p"]
    assert row["probability_below"] == pytest.approx(0.5)
    assert row["share_hours_below"] == pytest.approx(0.1875)
    assert row["expected_hours_below"] == pytest.approx(0.75)
    # A floor at exactly 2 EH/s: only strictly lower hours count, so run 0 (always at 2) never
    # dips; runs 1 and 2 carry half the (unnormalised) weight.
    at_floor = hashrate_at_risk((eh_s * 1e6)[None], [2, 1, 1], ["p"], 2.0).loc["p"]
    assert at_floor["probability_below"] == 0.5


# ------------------------------------------------------------------------------ survival


def test_survival_curve_by_hand() -> None:
    # Site a: outages lasting 2 h (w 0.5) and 6 h (w 0.25); site b: 1 h (w 0.25).
    outages = pd.DataFrame(
        {
            "policy": "p",
            "site_id": ["a", "a", "b"],
            "start_h": [10.0, 100.0, 5.0],
            "restored_h": [12.0, 106.0, 6.0],
            "weight": [0.5, 0.25, 0.25],
        }
    )
    curves = survival_curves(outages, ["p"], ["a", "b", "c"], durations_h=[0, 1, 2, 5, 6])
    by_site = {s: g["probability_restored"].tolist() for s, g in curves.groupby("site_id")}
    assert by_site["a"] == pytest.approx([0, 0, 2 / 3, 2 / 3, 1])
    assert by_site["b"] == pytest.approx([0, 1, 1, 1, 1])
    assert np.isnan(by_site["c"]).all()  # no outages: no curve
    # Fleet pools them: weights 0.25 (1 h), 0.5 (2 h), 0.25 (6 h).
    assert by_site["fleet"] == pytest.approx([0, 0.25, 0.75, 0.75, 1])
    assert curves.groupby("site_id")["outages"].first().to_dict() == {
        "a": 2,
        "b": 1,
        "c": 0,
        "fleet": 3,
    }


# ---------------------------------------------------------------------------------- kpis


def test_kpis_keep_their_columns_and_hand_figures() -> None:
    # 1,000 S19j Pro (100,000 TH/s = 0.1 EH/s, 2.95 MW) for 10 h at $40/MWh, hashprice $0.05:
    # revenue 10 x 100,000 x 0.05 / 24 = $2,083.33; cost 10 x 2.95 x 40 = $1,180.
    fleet = one_site()
    result = simulate(fleet, flat_scenario(fleet, 10), settings=SimSettings(failures=False))
    table = kpis(fleet, [result])
    assert list(table.columns) == list(KPI_COLUMNS)
    fleet_row = table[table["site_id"] == "fleet"].iloc[0]
    assert fleet_row["revenue_usd"] == pytest.approx(2083.3333)
    assert fleet_row["energy_cost_usd"] == pytest.approx(1180.0)
    assert fleet_row["mean_hashrate_eh_s"] == pytest.approx(0.1)
    assert fleet_row["uptime_pct"] == pytest.approx(100.0)
    assert fleet_row["hashrate_kept_pct"] == pytest.approx(100.0)
