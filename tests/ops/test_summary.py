"""The executive summary worked by hand: the recommendation, its deltas against the current rule,
the bad case, the after-horizon losses avoided and the next actions."""

from __future__ import annotations

import pandas as pd
import pytest

from planner import ConfigError
from planner.domain.examples import two_sites
from planner.engine.metrics import best_strategy
from planner.ops.report import summary_lines, summary_text
from planner.ops.summary import curtailment_frame, executive_summary, next_actions

HOUR = pd.Timedelta(hours=1)
T0 = pd.Timestamp("2025-01-16 12:00", tz="UTC")  # 06:00 in Chicago (CST, UTC-6)


def risk(**rows: tuple[float, float, float, float]) -> pd.DataFrame:
    """Fleet rows: strategy -> (expected full value, P5 full value, mean EH/s, left after)."""
    return pd.DataFrame(
        [
            {
                "policy": name,
                "site_id": site,
                "expected_profit_incl_after_horizon_usd": value if site == "fleet" else 1e12,
                "p5_profit_incl_after_horizon_usd": p5,
                "mean_hashrate_eh_s": eh,
                "expected_after_horizon_usd": left,
            }
            for name, (value, p5, eh, left) in rows.items()
            for site in ("tx", "fleet")  # a huge site row must not be taken for the fleet's
        ]
    )


TABLE = risk(
    **{
        "run-through": (900_000.0, 400_000.0, 20.0, 300_000.0),
        "strike": (1_000_000.0, 600_000.0, 18.0, 250_000.0),
        "optimized": (1_200_000.0, 700_000.0, 18.5, 50_000.0),
    }
)


def test_best_is_the_highest_expected_full_value_of_the_fleet_rows() -> None:
    assert best_strategy(TABLE) == "optimized"
    # A tie goes to the strategy listed first.
    tied = risk(a=(5.0, 0, 1, 0), b=(5.0, 0, 1, 0))
    assert best_strategy(tied) == "a"


def test_summary_against_the_current_rule_by_hand() -> None:
    s = executive_summary(TABLE, "strike", runs=10)
    assert s.recommended == "optimized" and s.current_rule == "strike"
    # 1.2M - 1.0M; 18.5 - 18.0 EH/s; P5 0.7M vs 0.6M; left after 250k - 50k = 200k avoided.
    assert s.profit_delta_usd == pytest.approx(200_000.0)
    assert s.hashrate_delta_eh_s == pytest.approx(0.5)
    assert (s.bad_case_usd, s.current_bad_case_usd) == (700_000.0, 600_000.0)
    assert s.after_horizon_avoided_usd == pytest.approx(200_000.0)
    t = summary_text(s)
    assert t.headline == (
        "Run optimized: +$200.0k expected against strike, and +0.50 EH/s of hashrate on average."
    )
    assert t.bad_case == (
        "A 1-in-20 bad horizon ends at $700.0k with optimized ($600.0k with strike); with 10 "
        "scenarios that is the worst of them."
    )
    assert t.after_horizon.startswith("It avoids $200.0k of losses after the horizon")
    # Against run-through the same strategy is recommended; the deltas change.
    other = executive_summary(TABLE, "run-through", runs=40)
    assert other.profit_delta_usd == pytest.approx(300_000.0)
    assert other.hashrate_delta_eh_s == pytest.approx(-1.5)
    assert summary_text(other).bad_case.endswith("($400.0k with run-through).")


def test_when_the_current_rule_is_best_the_summary_says_keep_it() -> None:
    s = executive_summary(TABLE[TABLE["policy"] != "optimized"], "strike", runs=20)
    assert s.recommended == "strike" and s.profit_delta_usd == 0.0
    lines = summary_lines(s)
    assert (
        lines[0]
        == "Keep strike: no judged strategy beats it at full value (expected profit $1.0M)."
    )
    assert lines[-1] == "Next: Nothing to curtail or ship in this horizon: run every machine."


def test_a_current_rule_not_judged_is_one_clear_error() -> None:
    with pytest.raises(
        ConfigError,
        match=r"current_rule: 'strike@80' was not judged; judged: "
        r"run-through, strike, optimized",
    ):
        executive_summary(TABLE, "strike@80", runs=10)


def test_next_actions_are_curtailment_blocks_and_shipments_earliest_first() -> None:
    fleet = two_sites()
    times = [T0 + k * HOUR for k in range(6)]
    # tx curtails 30 of 40 MW in hours 2-4, then 0.5 MW in hour 5 (below 1 MW: no action);
    # hydro curtails 3 of 4 MW in hour 0 only.
    tx = [0.0, 0.0, 30.0, 30.0, 20.0, 0.5]
    hydro = [3.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    frame = pd.DataFrame(
        {
            "site_id": ["tx"] * 6 + ["hydro"] * 6,
            "time": times * 2,
            "curtailed_mw": tx + hydro,
            "available_mw": [40.0] * 6 + [4.0] * 6,
        }
    )
    relocations = pd.DataFrame(
        [
            {
                "from_site": "tx",
                "to_site": "hydro",
                "model_id": "s21",
                "machines": 100.0,
                "depart_h": 1.0,
                "arrive_h": 25.0,
            }
        ]
    )
    actions = next_actions(fleet, frame, relocations, limit=5)
    assert [(a.kind, a.site_id, a.start, a.end, a.megawatts) for a in actions] == [
        ("curtail", "hydro", T0, T0 + HOUR, 3.0),
        ("relocate", "tx", T0 + HOUR, T0 + 25 * HOUR, pytest.approx(100 * 3500 / 1e6)),
        ("curtail", "tx", T0 + 2 * HOUR, T0 + 5 * HOUR, 30.0),
    ]
    assert actions[2].text == (
        "Curtail 30 MW at Test site Thu 16 Jan 08:00–11:00 CST (16 Jan 14:00–17:00 UTC), "
        "then restore"
    )
    assert next_actions(fleet, frame, relocations, limit=1) == actions[:1]


def test_curtailment_of_a_rule_comes_from_its_central_ledger() -> None:
    fleet = two_sites()
    index = pd.MultiIndex.from_product([["tx"], [T0, T0 + HOUR]], names=["site_id", "time"])
    ledger = pd.DataFrame({"curtailed_mwh": [4.0, 0.0], "energy_mwh": [6.0, 10.0]}, index=index)
    frame = curtailment_frame(fleet, "strike", ledgers={"strike": ledger})
    assert frame is not None
    assert frame["curtailed_mw"].tolist() == [4.0, 0.0]
    assert frame["available_mw"].tolist() == [10.0, 10.0]
    assert curtailment_frame(fleet, "optimized", ledgers={"strike": ledger}) is None
