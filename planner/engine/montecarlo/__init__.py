"""Monte Carlo evaluation: every policy through every scenario and replication, in parallel.

A *task* is one ``(scenario, replication)`` pair. Its random ASIC failures come from its own
``numpy.random.SeedSequence``, derived from the set's seed in a fixed order (see
:func:`task_seed`), so the numbers never depend on batching, worker count or executor. Inside a
task every policy runs with the *same* failure seed (common random numbers), so differences
between policies are paired comparisons, not noise.

Tasks run in batches on a local process pool (``executor="local"``) or on a Dask cluster
(``executor="dask"``). Workers send back compact summaries, never hourly ledgers: per policy and
site the money, energy, BTC and hashrate totals, the fleet's hourly hashrate (float32) and the
site outages with their restoration times. :class:`Evaluation` gathers them; the risk metrics are
in :mod:`planner.engine.metrics`.

The rooms: :mod:`~planner.engine.montecarlo.run` (:func:`evaluate`: checks, batches, executor),
:mod:`~planner.engine.montecarlo.seeding` (the failure streams),
:mod:`~planner.engine.montecarlo.tasks` (what a worker does with a batch),
:mod:`~planner.engine.montecarlo.local` (in this process or a process pool),
:mod:`~planner.engine.montecarlo.dask_cluster` (on dask.distributed),
:mod:`~planner.engine.montecarlo.worker_error` (errors carried back from workers),
:mod:`~planner.engine.montecarlo.assembly` (the batches into tables) and
:mod:`~planner.engine.montecarlo.evaluation` (the result).
"""

from planner.engine.montecarlo.evaluation import RUN_KEYS, SUMMARY_COLUMNS, Evaluation
from planner.engine.montecarlo.run import SERIAL_BELOW_SITE_HOURS, Executor, Progress, evaluate
from planner.engine.montecarlo.seeding import SIMULATION_STREAM, task_seed

__all__ = [
    "RUN_KEYS",
    "SERIAL_BELOW_SITE_HOURS",
    "SIMULATION_STREAM",
    "SUMMARY_COLUMNS",
    "Evaluation",
    "Executor",
    "Progress",
    "evaluate",
    "task_seed",
]
