"""Scenarios drawn where they are used: a lazy set for Monte Carlo runs over many futures.

:func:`make_scenarios` draws every scenario up front and holds them all, ``scenarios x sites x
hours`` arrays in the calling process. :func:`draw_scenarios` holds only the
:class:`~planner.world.scenarios.ScenarioDrawer` (the feeds as arrays, ``sites x hours``) and draws
scenario ``i`` when it is asked for, the very scenario ``make_scenarios`` would give at position
``i``. A Monte Carlo worker that receives a :class:`ScenarioDraws` draws its own scenarios, so a
thousand distinct futures cost a thousand draws spread over the workers, and no process holds
more than the base arrays and the scenario it runs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from planner.domain.fleet import Fleet
from planner.errors import ConfigError
from planner.world.feeds import Feeds
from planner.world.hazards import OutageHazard
from planner.world.scenarios import Scenario, ScenarioDrawer, ScenarioSettings, scenario_drawer


class ScenarioDraws(Sequence[Scenario]):
    """``n`` equally weighted scenarios, each drawn when it is asked for.

    Indexing draws the scenario (the last one drawn is kept, as Monte Carlo tasks come scenario
    by scenario); pickling sends the drawer alone. ``draws[i]`` equals ``make_scenarios(...)[i]``
    for the same fleet, feeds, seed, horizon, settings and hazards.

    Parameters
    ----------
    drawer
        What every draw needs but its index.
    n
        Number of scenarios, >= 1.
    site_ids
        The fleet's sites, in order.
    """

    def __init__(self, drawer: ScenarioDrawer, n: int, site_ids: tuple[str, ...]) -> None:
        if n < 1:
            raise ConfigError("scenarios", f"n: must be >= 1, got {n}")
        self.drawer = drawer
        self.n = n
        self.site_ids = site_ids
        self._last: tuple[int, Scenario] | None = None

    @property
    def seed(self) -> int:
        """Seed of every draw."""
        return self.drawer.seed

    @property
    def settings(self) -> ScenarioSettings:
        """What-if knobs and uncertainty levels of the draws."""
        return self.drawer.settings

    @property
    def times(self) -> pd.DatetimeIndex:
        """Hourly interval starts of every scenario, UTC."""
        return self.drawer.base.times

    @property
    def indices(self) -> np.ndarray:
        """``Scenario.index`` of each position (the position itself)."""
        return np.arange(self.n)

    @property
    def weights(self) -> np.ndarray:
        """Probability of each scenario, ``1 / n`` [-]."""
        return np.full(self.n, 1.0 / self.n)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(self.n))]
        k = int(i) + self.n if int(i) < 0 else int(i)
        if not 0 <= k < self.n:
            raise IndexError(f"scenario {i} of {self.n}")
        if self._last is None or self._last[0] != k:
            self._last = (k, self.drawer.draw(k, 1.0 / self.n))
        return self._last[1]

    def __iter__(self) -> Iterator[Scenario]:
        return (self[k] for k in range(self.n))

    def __getstate__(self) -> dict[str, Any]:
        return {"drawer": self.drawer, "n": self.n, "site_ids": self.site_ids, "_last": None}


def draw_scenarios(
    fleet: Fleet,
    feeds: Feeds,
    n: int,
    seed: int,
    horizon: int | None = None,
    settings: ScenarioSettings | None = None,
    hazards: dict[str, OutageHazard] | None = None,
) -> ScenarioDraws:
    """``n`` scenarios around the feeds, drawn when used.

    Parameters
    ----------
    fleet, feeds, n, seed, horizon, settings, hazards
        As :func:`~planner.world.scenarios.make_scenarios`.

    Returns
    -------
    ScenarioDraws

    Raises
    ------
    ConfigError
        ``n`` below 1, or a horizon shorter than a day or longer than the feeds.
    """
    if n < 1:
        raise ConfigError("scenarios", f"n: must be >= 1, got {n}")
    drawer = scenario_drawer(fleet, feeds, seed, horizon, settings, hazards)
    return ScenarioDraws(drawer, n, fleet.site_ids)


def indices_and_weights(scenarios: Sequence[Scenario]) -> tuple[np.ndarray, np.ndarray]:
    """``Scenario.index`` and weight of every scenario, without drawing lazy ones."""
    if isinstance(scenarios, ScenarioDraws):
        return scenarios.indices, scenarios.weights
    return (
        np.array([s.index for s in scenarios], dtype=int),
        np.array([s.weight for s in scenarios], dtype=float),
    )


def horizon_times(scenarios: Sequence[Scenario]) -> pd.DatetimeIndex:
    """The hours the scenarios cover (those of the first), without drawing lazy ones."""
    if isinstance(scenarios, ScenarioDraws):
        return scenarios.times
    return scenarios[0].times
