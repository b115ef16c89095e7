"""Concentration risk worked by hand on two sites with known, partly shared outages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.domain.examples import demo_fleet, two_sites
from planner.engine.concentration import (
    concentration_risk,
    hashrate_shares,
    weather_zones,
    worst_simultaneous_loss,
)
from planner.engine.montecarlo import Evaluation
from planner.errors import ConfigError

# two_sites(): tx holds 1,000 S19j Pro (100 TH/s each: 100 PH/s), hydro 500 S21 Hyd.
# (335 TH/s each: 167.5 PH/s); the fleet 267.5 PH/s. Shares 100/267.5 = 40/107 and 67/107.
TX, HYDRO = 40 / 107, 67 / 107

# Four scenarios of one replication, weights 0.1 to 0.4:
#   0: tx down [2, 10) h, hydro down [5, 12) h: both down in [5, 10) -> loss 1
#   1: tx down [0, 4), hydro down [4, 8): one ends as the other starts -> loss 67/107
#   2: tx down [1, 3) and [2, 6): the same site counted once -> loss 40/107
#   3: no outage -> loss 0
OUTAGES = pd.DataFrame(
    [
        ("judged", 0, 0, "tx", 2.0, 8.0, 10.0),
        ("judged", 0, 0, "hydro", 5.0, 11.0, 12.0),
        ("judged", 1, 0, "tx", 0.0, 3.0, 4.0),
        ("judged", 1, 0, "hydro", 4.0, 7.0, 8.0),
        ("judged", 2, 0, "tx", 1.0, 2.0, 3.0),
        ("judged", 2, 0, "tx", 2.0, 5.0, 6.0),
    ],
    columns=["policy", "scenario", "replication", "site_id", "start_h", "grid_end_h", "restored_h"],
).assign(weight=1.0)
WEIGHTS = [0.1, 0.2, 0.3, 0.4]
RUNS = pd.DataFrame({"scenario": [0, 1, 2, 3], "replication": 0, "weight": WEIGHTS})
# 600 S19j Pro (60 PH/s) shipped tx -> hydro: tx 40/267.5, hydro 227.5/267.5.
MOVE = pd.DataFrame(
    [("tx->hydro", "tx", "hydro", "s19j-pro", 600, 30_000.0, 0.0, 72.0)],
    columns=[
        "route",
        "from_site",
        "to_site",
        "model_id",
        "machines",
        "cost_usd",
        "depart_h",
        "arrive_h",
    ],
)


def evaluation() -> Evaluation:
    times = pd.date_range("2025-01-14", periods=12, freq="h", tz="UTC")
    return Evaluation(
        policies=("judged",),
        site_ids=("tx", "hydro"),
        times=times,
        runs=pd.DataFrame(),
        run_index=RUNS,
        fleet_hashrate_th_s=np.zeros((1, 4, 12), dtype=np.float32),
        hashrate_bands=pd.DataFrame(),
        outages=OUTAGES,
        weights=pd.Series(WEIGHTS, index=[0, 1, 2, 3]),
        replications=1,
        seed=0,
    )


def test_worst_simultaneous_loss_per_run_by_hand() -> None:
    worst = worst_simultaneous_loss(OUTAGES, RUNS, {"tx": TX, "hydro": HYDRO})
    assert worst == pytest.approx([1.0, HYDRO, TX, 0.0])


def test_the_joint_loss_chance_before_and_after_the_relocation_by_hand() -> None:
    risk = concentration_risk(two_sites(), evaluation(), MOVE)
    assert risk.relocated and risk.threshold == 0.30
    # Before: runs 0, 1 and 2 lose >= 30 % (1, 0.626, 0.374): 0.1 + 0.2 + 0.3.
    assert risk.probability_before == pytest.approx(0.6)
    # After: tx holds 40/267.5 = 15 %, so run 2 loses less than 30 %: 0.1 + 0.2.
    assert risk.probability_after == pytest.approx(0.3)
    assert risk.runs["worst_after"].tolist() == pytest.approx([1.0, 227.5 / 267.5, 40 / 267.5, 0])
    at = risk.exceedance.set_index("loss_share")
    assert at.loc[0.5, "probability_before"] == pytest.approx(0.3)  # runs 0 and 1
    assert at.loc[0.65, "probability_before"] == pytest.approx(0.1)  # run 0 only
    assert at.loc[0.65, "probability_after"] == pytest.approx(0.3)  # hydro now 85 %
    # One grid region and one weather zone (the sites are ~520 km apart) hold everything.
    assert risk.by_region.to_dict("records") == [
        {
            "grid_region": "ERCOT",
            "hashrate_before_eh_s": pytest.approx(0.2675),
            "share_before": pytest.approx(1.0),
            "hashrate_after_eh_s": pytest.approx(0.2675),
            "share_after": pytest.approx(1.0),
        }
    ]
    assert risk.sites["weather_zone"].tolist() == ["tx + hydro", "tx + hydro"]
    assert risk.sites["share_after"].tolist() == pytest.approx([40 / 267.5, 227.5 / 267.5])


def test_without_relocations_after_equals_before() -> None:
    risk = concentration_risk(two_sites(), evaluation())
    assert not risk.relocated
    assert risk.probability_after == risk.probability_before == pytest.approx(0.6)


def test_demo_fleet_regions_and_zones() -> None:
    fleet = demo_fleet()
    zones = weather_zones(fleet)
    # West Texas and Rockdale are 510 km apart; Quebec and New York about 240 km; the others alone.
    assert zones["west-texas"] == zones["rockdale"] == "west-texas + rockdale"
    assert zones["quebec"] == zones["new-york"] == "quebec + new-york"
    assert zones["georgia"] == "georgia" and zones["north-dakota"] == "north-dakota"
    shares = hashrate_shares(fleet)
    ercot = shares[shares["grid_region"] == "TRE (ERCOT)"]["share_before"].sum()
    assert ercot == pytest.approx((6_000_000 + 8_230_000) / 23_703_000)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ConfigError, match="threshold: must be in"):
        concentration_risk(two_sites(), evaluation(), threshold=0.0)
    with pytest.raises(ConfigError, match="policy 'x' was not judged"):
        concentration_risk(two_sites(), evaluation(), policy="x")
    with pytest.raises(ConfigError, match=r"unknown site\(s\) tx"):
        worst_simultaneous_loss(OUTAGES, RUNS, {"hydro": 1.0})
