"""Which HiGHS algorithm solves a linear programme: the rule measured on the planner's models.

HiGHS's dual simplex is quick on small models and restarts from a basis; its interior point
method (with crossover to a basis, so re-solves can still start warm) grows more slowly with the
model. Measured on the planner's own models (``benchmarks/bench_horizon.py``, ``algorithm``;
``BENCHMARKS.md``, LP algorithm by size), the simplex was the faster on every one, from 142,000
to 2.45 million nonzeros: 8.8x on a week of hourly periods for 6 sites, 4.8x on a month of daily
periods for 50 sites and 20 scenarios, 1.3x on a month of hourly periods for 6 sites, 2.8x on
the app's largest page (14 days x 40 scenarios with power modes, solved in two stages:
:func:`~planner.engine.optimization.solve.solve`). The interior point method is kept for models
past :data:`IPM_FROM_NONZEROS`, beyond every size measured.
"""

from __future__ import annotations

from typing import Literal

#: Models with at least this many constraint nonzeros go to the interior point method under
#: ``lp_algorithm="auto"`` [-].
IPM_FROM_NONZEROS = 2_500_000


def lp_algorithm(
    nonzeros: int, choice: Literal["auto", "simplex", "ipm"] = "auto"
) -> Literal["simplex", "ipm"]:
    """The HiGHS ``solver`` option for a first solve of a model of ``nonzeros`` nonzeros.

    Parameters
    ----------
    nonzeros
        Constraint-matrix nonzeros of the model [-].
    choice
        ``"simplex"`` or ``"ipm"`` as given; ``"auto"``: by :data:`IPM_FROM_NONZEROS`.

    Examples
    --------
    >>> lp_algorithm(10_000), lp_algorithm(5_000_000), lp_algorithm(10, "ipm")
    ('simplex', 'ipm', 'ipm')
    """
    if choice != "auto":
        return choice
    return "ipm" if nonzeros >= IPM_FROM_NONZEROS else "simplex"
