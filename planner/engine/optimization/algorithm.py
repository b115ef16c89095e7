"""Which HiGHS algorithm solves a linear programme: the rule measured on the planner's models.

HiGHS's dual simplex is quick on small models and restarts from a basis; its interior point
method (with crossover to a basis, so re-solves can still start warm) grows more slowly with the
model. ``benchmarks/bench_horizon.py`` (``algorithm``) times both on operational and strategic
models of 6 to 50 sites, 7 to 365 days and 5 to 20 scenarios; the crossing point is
:data:`IPM_FROM_NONZEROS` (``BENCHMARKS.md``, LP algorithm by size).
"""

from __future__ import annotations

from typing import Literal

#: Models with at least this many constraint nonzeros go to the interior point method under
#: ``lp_algorithm="auto"`` [-].
IPM_FROM_NONZEROS = 400_000


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
