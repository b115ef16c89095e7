"""Scenario reduction: a few scenarios, chosen on their features, standing for many.

A plan over ``n`` scenarios costs a model ``n`` times the size of one; :func:`reduce_scenarios`
keeps ``k`` of them. Each scenario is summed up by features that move a fleet's plan (per site:
mean price, the worst day's mean price, the coldest hour, hours of grid outage; for the fleet:
mean hashprice), standardised across the set. The ``k`` kept are medoids of a k-medoids
clustering on those features (seeded with the scenario nearest the centre, then the farthest
from those already kept; then alternate assigning and re-centring until nothing changes), and
each carries the total weight of the scenarios nearest it. A kept scenario keeps its
``index``, so its failure streams in a Monte Carlo run are the ones it had in the full set.

How much a reduced set loses is measured out of sample in ``benchmarks/bench_horizon.py``
(``reduction``): plans made on the reduced set, on the full set and on as few plain draws, all
judged on scenarios none of them saw.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from planner.errors import ConfigError
from planner.world.scenarios import Scenario, ScenarioSet

#: Rounds of assigning and re-centring before the clustering stops regardless [-].
MAX_ROUNDS = 50


def scenario_features(scenario: Scenario) -> np.ndarray:
    """What a scenario is summed up by: per site the mean price [USD/MWh], the highest daily
    mean price [USD/MWh], the lowest temperature [degC] and hours of grid outage [h]; then the
    mean hashprice [USD/(TH/s day)]. ``(4 x sites + 1,)``."""
    price = scenario.price_usd_per_mwh
    hours = price.shape[1]
    days = max(1, hours // 24)
    daily = price[:, : days * 24].reshape(len(price), days, -1).mean(axis=2)
    outage_h = np.array(
        [
            sum(min(end, hours) - start for start, end in site if start < hours)
            for site in scenario.outages
        ]
    )
    return np.concatenate(
        [
            price.mean(axis=1),
            daily.max(axis=1),
            scenario.temp_air_c.min(axis=1),
            outage_h,
            [float(np.mean(scenario.hashprice_usd_per_th_day))],
        ]
    )


def reduce_scenarios(
    scenarios: ScenarioSet | Sequence[Scenario], k: int
) -> ScenarioSet | tuple[Scenario, ...]:
    """Keep ``k`` scenarios chosen on their features, weighted by the scenarios they stand for.

    Parameters
    ----------
    scenarios
        The full set (weights summing to 1).
    k
        Scenarios to keep, in ``[1, len(scenarios)]``.

    Returns
    -------
    ScenarioSet or tuple of Scenario
        A :class:`ScenarioSet` (same seed and settings) when given one; the kept scenarios in
        the order of their ``index``, their weights summing to 1.

    Raises
    ------
    ConfigError
        ``k`` out of range.

    Examples
    --------
    >>> from planner.domain.examples import one_site
    >>> from planner.world.scenarios import flat_scenario
    >>> fleet = one_site()
    >>> made = [
    ...     dataclasses.replace(flat_scenario(fleet, 24, price_usd_per_mwh=p), index=i, weight=0.25)
    ...     for i, p in enumerate([30.0, 31.0, 32.0, 200.0])
    ... ]
    >>> [(s.index, s.weight) for s in reduce_scenarios(made, 2)]
    [(1, 0.75), (3, 0.25)]
    """
    items = tuple(scenarios)
    if not 1 <= k <= len(items):
        raise ConfigError("scenarios", f"k: must be in [1, {len(items)}], got {k}")
    weights = np.array([s.weight for s in items])
    x = np.array([scenario_features(s) for s in items])
    spread = x.std(axis=0)
    x = (x - x.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    distance = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=2))
    medoids = [int(np.argmin((x**2).sum(axis=1)))]
    while len(medoids) < k:
        medoids.append(int(np.argmax(distance[:, medoids].min(axis=1))))
    for _ in range(MAX_ROUNDS):
        nearest = np.argmin(distance[:, medoids], axis=1)
        moved = list(medoids)
        for c in range(k):
            members = np.flatnonzero(nearest == c)
            within = (distance[np.ix_(members, members)] * weights[members]).sum(axis=1)
            moved[c] = int(members[np.argmin(within)])
        if moved == medoids:
            break
        medoids = moved
    nearest = np.argmin(distance[:, medoids], axis=1)
    share = np.bincount(nearest, weights, k) / weights.sum()
    kept = sorted(
        (
            dataclasses.replace(items[m], weight=float(w))
            for m, w in zip(medoids, share, strict=True)
        ),
        key=lambda s: s.index,
    )
    if isinstance(scenarios, ScenarioSet):
        return ScenarioSet(tuple(kept), scenarios.site_ids, scenarios.seed, scenarios.settings)
    return tuple(kept)
