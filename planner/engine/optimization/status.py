"""How a solve ended (:class:`SolveStatus`), what it produced (:class:`SolveResult`), and the
signal of a re-solve whose warm start ran out (:class:`WarmStartCutOff`).

A module of its own, free of the solver, so that a :class:`~planner.engine.optimization.plan.Plan`
and everything that reads one import neither Pyomo nor highspy.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np

__all__ = ["SolveResult", "SolveStatus", "WarmStartCutOff"]


class SolveStatus(enum.Enum):
    """How a solve ended."""

    OPTIMAL = "optimal"
    TIME_LIMIT_FEASIBLE = "time_limit_feasible"
    TIME_LIMIT_NO_SOLUTION = "time_limit_no_solution"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    ERROR = "error"

    @property
    def has_solution(self) -> bool:
        """Whether a usable solution exists."""
        return self in (SolveStatus.OPTIMAL, SolveStatus.TIME_LIMIT_FEASIBLE)


@dataclass(frozen=True, eq=False)
class SolveResult:
    """What one solve produced.

    Attributes
    ----------
    status
        How it ended.
    objective_usd
        Objective value (expected profit - relocation cost - risk term) [USD]; ``None`` without a
        solution.
    mip_gap
        Relative gap between the solution and the best bound (0 for an LP) [-]; ``None`` without
        a solution.
    build_seconds
        Preparing the data, building the model and passing it to HiGHS [s] (0 for a re-solve).
    solve_seconds
        HiGHS wall-clock time [s].
    columns, rows, integers, nonzeros
        Size of the model as HiGHS received it (solved through a named Pyomo solver: the
        variables, active constraints and integer variables of the Pyomo model; nonzeros 0, not
        counted).
    values
        Column values in column order (empty without a solution; a plan made without one holds
        the fallback's values here).
    message
        HiGHS's model status in words.
    iterations
        Simplex iterations of the solve's HiGHS runs [-] (not counted: an interior point
        method's own iterations and a warm start cut off and dropped; 0 through a named Pyomo
        solver).
    started
        Whether the first solve started from a basis mapped from an earlier model
        (:mod:`~planner.engine.optimization.warm_start`).
    """

    status: SolveStatus
    objective_usd: float | None
    mip_gap: float | None
    build_seconds: float
    solve_seconds: float
    columns: int
    rows: int
    integers: int
    nonzeros: int
    values: np.ndarray = field(repr=False)
    message: str = ""
    iterations: int = 0
    started: bool = False


class WarmStartCutOff(Exception):
    """A re-solve's warm start ran out of its time before an optimum: the caller solves afresh.

    Not an error a user sees: :class:`~planner.engine.optimization.PlanSolver` catches it, drops
    its HiGHS instance and solves in a new one, since HiGHS keeps the working memory of its last
    solve until the instance is deleted (about 320 MB at the app's largest setup).
    """
