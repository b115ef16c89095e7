"""Scenario reduction keeps scenarios that stand for the others, each with their weight."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from planner.domain.examples import one_site, two_sites
from planner.errors import ConfigError
from planner.world.scenario_reduction import reduce_scenarios, scenario_features
from planner.world.scenarios import ScenarioSet, flat_scenario


def _set(prices: list[float]) -> list:  # type: ignore[type-arg]
    fleet = one_site()
    w = 1.0 / len(prices)
    return [
        dataclasses.replace(flat_scenario(fleet, 48, price_usd_per_mwh=p), index=i, weight=w)
        for i, p in enumerate(prices)
    ]


def test_two_groups_keep_the_middle_of_each_with_the_groups_weight() -> None:
    # Prices 30, 31, 32 and 200, 210: the medoid of the first group is 31 (distances 1 + 1
    # against 1 + 2), of the second the first of the two (a tie).
    kept = reduce_scenarios(_set([30.0, 200.0, 31.0, 210.0, 32.0]), 2)
    assert [(s.index, round(s.weight, 12)) for s in kept] == [(1, 0.4), (2, 0.6)]
    assert float(kept[1].price_usd_per_mwh[0, 0]) == 31.0


def test_keeping_all_changes_nothing_and_k_is_checked() -> None:
    made = _set([10.0, 20.0, 40.0])
    kept = reduce_scenarios(made, 3)
    assert [(s.index, s.weight) for s in kept] == [(s.index, s.weight) for s in made]
    with pytest.raises(ConfigError, match=r"k: must be in \[1, 3\], got 0"):
        reduce_scenarios(made, 0)
    with pytest.raises(ConfigError, match="got 4"):
        reduce_scenarios(made, 4)


def test_a_scenario_set_stays_a_set_with_its_seed() -> None:
    made = _set([10.0, 20.0, 40.0, 45.0])
    full = ScenarioSet(tuple(made), one_site().site_ids, seed=17)
    kept = reduce_scenarios(full, 2)
    assert isinstance(kept, ScenarioSet) and kept.seed == 17
    assert sum(s.weight for s in kept) == pytest.approx(1.0)


def test_features_by_hand() -> None:
    fleet = two_sites()
    price = np.array([[10.0] * 24 + [50.0] * 24, [20.0] * 48])
    scenario = flat_scenario(
        fleet,
        48,
        price_usd_per_mwh=price,
        temp_air_c=np.array([[5.0] * 47 + [-3.0], [15.0] * 48]),
        outages={fleet.sites[1].id: [(10.0, 14.5), (40.0, 60.0)]},
        hashprice_usd_per_th_day=0.05,
    )
    # per site: mean price, worst daily mean, coldest hour, outage hours (cut at 48 h); hashprice
    assert scenario_features(scenario).tolist() == pytest.approx(
        [30.0, 20.0, 50.0, 20.0, -3.0, 15.0, 0.0, 12.5, 0.05]
    )
