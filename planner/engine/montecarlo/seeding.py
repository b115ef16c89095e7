"""The random failure streams of Monte Carlo tasks, one per ``(scenario, replication)``."""

from __future__ import annotations

import numpy as np

#: First spawn-key word of the failure streams: task seeds have spawn keys
#: ``(SIMULATION_STREAM, scenario, replication)``, while the scenario draws of the same seed
#: start theirs with ``weather.draws.CALENDAR_STREAM``, so the streams never coincide.
SIMULATION_STREAM = 0x4D43


def task_seed(seed: int, scenario_index: int, replication: int) -> np.random.SeedSequence:
    """The seed of the random failures of one ``(scenario, replication)`` task.

    It is ``SeedSequence(seed, spawn_key=(SIMULATION_STREAM,)).spawn(n)[scenario_index]
    .spawn(r)[replication]`` for any ``n > scenario_index`` and ``r > replication``, built
    directly so that it does not depend on how many scenarios or replications there are. A fresh
    object is returned on every call (``spawn`` is stateful).

    Parameters
    ----------
    seed
        The scenario set's seed.
    scenario_index
        :attr:`Scenario.index` of the scenario.
    replication
        Replication number, from 0.

    Returns
    -------
    numpy.random.SeedSequence
    """
    return np.random.SeedSequence(
        seed, spawn_key=(SIMULATION_STREAM, int(scenario_index), int(replication))
    )
