"""Solving the Pyomo model through any Pyomo solver named in ``OptimizeSettings(solver=...)``.

The default solve passes the model's arrays to HiGHS (:mod:`~planner.engine.optimization.solve`).
A named solver (``"appsi_highs"``, ``"gurobi"``, ``"cplex"``, ``"cbc"``... whatever
``pyomo.environ.SolverFactory`` knows and finds installed) instead solves the Pyomo model itself,
a user's edits included, through Pyomo's own interface; the values of the model's variables come
back in column order, so the plan is read the same way. The solver is kept between solves:
Pyomo's persistent interfaces (``appsi_*``, ``*_persistent``) then only pass what changed.

The MIP gap is the solver's own default; the time limit is passed as Pyomo's ``timelimit``.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.opt import SolverStatus, TerminationCondition

from planner.engine.optimization.mirror import Mirror
from planner.engine.optimization.status import SolveResult, SolveStatus
from planner.errors import ConfigError, SolveError
from planner.quiet import fd_stdout_to_log

_log = logging.getLogger(__name__)

_INFEASIBLE = (
    TerminationCondition.infeasible,
    TerminationCondition.infeasibleOrUnbounded,
    TerminationCondition.invalidProblem,
)
_LIMITS = (
    TerminationCondition.maxTimeLimit,
    TerminationCondition.maxIterations,
    TerminationCondition.maxEvaluations,
    TerminationCondition.userInterrupt,
    TerminationCondition.resourceInterrupt,
)


def pyomo_solver(name: str) -> Any:
    """The Pyomo solver called ``name``, checked to be known and available here.

    Raises
    ------
    ConfigError
        One line: the name is unknown to Pyomo, or the solver is not installed.
    """
    if name not in pyo.SolverFactory:
        raise ConfigError(
            "optimize settings",
            [f"solver: {name!r} is not a Pyomo solver name (e.g. appsi_highs, gurobi, cplex)"],
        )
    with fd_stdout_to_log(_log, name):
        opt = pyo.SolverFactory(name)
        available = bool(opt.available(exception_flag=False))
    if not available:
        raise ConfigError(
            "optimize settings", [f"solver: {name!r} is not installed or licensed here"]
        )
    return opt


def solve_through_pyomo(
    opt: Any, name: str, mirror: Mirror, *, time_limit_s: float, build_seconds: float = 0.0
) -> SolveResult:
    """Solve the Pyomo model of ``mirror`` with ``opt``; values in the model's column order.

    Parameters
    ----------
    opt
        The solver (:func:`pyomo_solver`).
    name
        Its name, for messages.
    mirror
        The model's Pyomo mirror (with any edits a user made).
    time_limit_s
        Wall-clock limit [s].
    build_seconds
        Build time to report [s].

    Raises
    ------
    SolveError
        Infeasible, unbounded or a solver error (one line naming the solver).
    """
    objective = next(
        iter(mirror.objective[0].model().component_data_objects(pyo.Objective, active=True))
    )
    model = objective.model()
    started = time.perf_counter()
    with fd_stdout_to_log(_log, name):
        results = opt.solve(model, load_solutions=False, timelimit=time_limit_s)
    seconds = time.perf_counter() - started
    condition = results.solver.termination_condition
    has_solution = len(results.solution) > 0
    if condition == TerminationCondition.optimal or (
        results.solver.status == SolverStatus.ok and has_solution and condition not in _LIMITS
    ):
        status = SolveStatus.OPTIMAL
    elif condition in _LIMITS:
        status = (
            SolveStatus.TIME_LIMIT_FEASIBLE if has_solution else SolveStatus.TIME_LIMIT_NO_SOLUTION
        )
    elif condition in _INFEASIBLE:
        raise SolveError(f"optimizer: the model is infeasible ({name}: {condition})")
    elif condition == TerminationCondition.unbounded:
        raise SolveError(f"optimizer: the model is unbounded ({name})")
    else:
        raise SolveError(f"optimizer: no usable solution ({name}: {condition})")
    values = np.zeros(0)
    value = None
    if status.has_solution:
        model.solutions.load_from(results)
        values = np.array([v.value for v in mirror.variables], dtype=float)
        values[np.isnan(values)] = 0.0  # a variable in no constraint and not in the objective
        value = float(pyo.value(objective))
    integers = sum(1 for v in mirror.variables if v.is_integer())
    return SolveResult(
        status=status,
        objective_usd=value,
        mip_gap=_gap(results) if value is not None else None,
        build_seconds=build_seconds,
        solve_seconds=seconds,
        columns=len(mirror.variables),
        rows=sum(1 for _ in model.component_data_objects(pyo.Constraint, active=True)),
        integers=integers,
        nonzeros=0,
        values=values,
        message=f"{name}: {condition}",
    )


def _gap(results: Any) -> float:
    """Relative gap between the bounds the solver reports (0 when it reports none) [-]."""
    upper, lower = results.problem.upper_bound, results.problem.lower_bound
    try:
        upper, lower = float(upper), float(lower)
    except (TypeError, ValueError):
        return 0.0
    if not (np.isfinite(upper) and np.isfinite(lower)):
        return 0.0
    return max(0.0, upper - lower) / max(abs(upper), 1.0)
