"""Solving with HiGHS (highspy) behind one seam, :func:`solve`, and the persistent solver state.

The model's arrays (:class:`~planner.engine.optimization.matrix.Matrix`) go to HiGHS in one call
each for columns and rows (:func:`to_highs`); a what-if update re-evaluates only the coefficients
that depend on mutable Params and pushes them with ``changeCoeff`` / ``changeColCost`` /
``changeRowBounds``, so HiGHS keeps its model (and, for LPs, its basis). An infeasible model is
diagnosed by an elastic re-solve: one pair of penalised slacks per constraint family, minimising
their sum; the families whose slack is positive are named in the :class:`SolveError`.
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import highspy
import numpy as np
import pyomo.environ as pyo

from planner.engine.optimization.algorithm import lp_algorithm
from planner.engine.optimization.matrix import ADDED_FAMILY, Matrix, RowBlock
from planner.engine.optimization.rounding import set_row_bounds, shipment_rows
from planner.engine.optimization.status import SolveResult, SolveStatus, WarmStartCutOff
from planner.errors import SolveError
from planner.memory import release_freed_memory
from planner.quiet import fd_stdout_to_log

_log = logging.getLogger(__name__)

#: Families an elastic re-solve may relax: commitments and policies. Physics (availability) and
#: accounting (definitions, CVaR) always hold and are never blamed.
RELAXABLE: frozenset[str] = frozenset(
    {
        "origin_stock",
        "route_throughput",
        "slots",
        "site_capacity",
        "relocation_budget",
        "nonanticipativity",
        "ramp",
        "min_down",
        "demand_response",
        "curtailment_allowance",
        "freeze_protection",
        "hashrate_floor",
        "fleet_cap",
        ADDED_FAMILY,
    }
)

_SLACK_TOLERANCE = 1e-6

#: Unit of the rows of each relaxable family, for messages.
FAMILY_UNITS: dict[str, str] = {
    "origin_stock": "machines",
    "route_throughput": "machines",
    "slots": "machines",
    "site_capacity": "MW",
    "relocation_budget": "USD",
    "nonanticipativity": "share of the available load",
    "ramp": "MW",
    "min_down": "MW or on/off",
    "demand_response": "MW",
    "curtailment_allowance": "MWh",
    "freeze_protection": "machines",
    "hashrate_floor": "EH/s",
    "fleet_cap": "MW",
    ADDED_FAMILY: "units of the added constraints",
}


def to_highs(
    matrix: Matrix, *, elastic: bool = False
) -> tuple[highspy.Highs, list[tuple[str, int]]]:
    """Pass the model's arrays to a new HiGHS instance (maximising, every column continuous).

    Integrality is set by :func:`solve` when it runs a branch and bound.

    Parameters
    ----------
    matrix
        The model.
    elastic
        Add, per relaxable family, two slack columns (+1 and -1 in every row of the family) and
        minimise their sum instead of the objective: the feasibility diagnosis. Binary columns
        stay binary there.

    Returns
    -------
    highs, slacks
        The instance, and ``(family, column)`` of each slack column.
    """
    h = new_highs()
    lower = finite(np.concatenate(matrix.col_lower) if matrix.col_lower else np.zeros(0))
    upper = finite(np.concatenate(matrix.col_upper) if matrix.col_upper else np.zeros(0))
    n = matrix.n_cols
    h.addVars(n, lower, upper)
    slacks: list[tuple[str, int]] = []
    if elastic:
        if matrix.has_binaries():
            _set_integrality(h, matrix.integer_cols(), True)
        families = sorted({b.family for b in matrix.rows if b.family in RELAXABLE})
        for family in families:
            slacks += [(family, n + len(slacks)), (family, n + len(slacks) + 1)]
        h.addVars(len(slacks), np.zeros(len(slacks)), np.full(len(slacks), highspy.kHighsInf))
    starts, index, value, row_lo, row_hi = [], [], [], [], []
    offset = 0
    for block in matrix.rows:
        extra = [c for f, c in slacks if f == block.family]
        if extra:
            at = np.repeat(block.indptr[1:], 2)
            cols = np.insert(block.cols, at, np.tile(extra, block.size))
            vals = np.insert(block.coefs, at, np.tile([1.0, -1.0], block.size))
            indptr = np.concatenate([[0], np.cumsum(np.diff(block.indptr) + 2)])
        else:
            cols, vals, indptr = block.cols, block.coefs, block.indptr
        starts.append(indptr[:-1] + offset)
        index.append(cols)
        value.append(vals)
        offset += int(indptr[-1])
        row_lo.append(block.lower)
        row_hi.append(block.upper)
    if starts:
        h.addRows(
            matrix.n_rows,
            finite(np.concatenate(row_lo)),
            finite(np.concatenate(row_hi)),
            offset,
            np.concatenate(starts).astype(np.int32),
            np.concatenate(index).astype(np.int32),
            np.concatenate(value).astype(float),
        )
    if elastic:
        cols = np.array([c for _, c in slacks], dtype=np.int32)
        h.changeColsCost(len(cols), cols, np.ones(len(cols)))
        h.changeObjectiveSense(highspy.ObjSense.kMinimize)
    else:
        h.changeColsCost(n, np.arange(n, dtype=np.int32), matrix.cost_vector())
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    return h, slacks


def new_highs() -> highspy.Highs:
    """An empty HiGHS instance that writes nothing (its log: :func:`_run_highs`)."""
    with fd_stdout_to_log(_log, "HiGHS"):  # highspy >= 1.16 prints a banner on construction
        h = highspy.Highs()
    h.setOptionValue("log_to_console", False)  # the solver's log: _run_highs, at debug level
    h.setOptionValue("output_flag", False)
    return h


def _run_highs(h: highspy.Highs) -> None:
    """``h.run()``; at debug level the solver's log goes to the log, line by line.

    HiGHS writes it to a temporary file, read after the run: a Python logging callback would run
    inside the solver, where a Ctrl-C turns into a solve error instead of an interruption.
    """
    if not _log.isEnabledFor(logging.DEBUG):
        h.run()
        return
    with tempfile.TemporaryDirectory(prefix="planner-highs-") as folder:
        path = Path(folder, "highs.log")
        h.setOptionValue("log_file", str(path))
        h.setOptionValue("output_flag", True)
        try:
            h.run()
        finally:
            h.setOptionValue("output_flag", False)
            h.setOptionValue("log_file", "")  # closes the file
        text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    for line in text.splitlines():
        _log.debug("HiGHS: %s", line)


def _set_integrality(h: highspy.Highs, cols: np.ndarray, integer: bool) -> None:
    if len(cols):
        kind = highspy.HighsVarType.kInteger if integer else highspy.HighsVarType.kContinuous
        h.changeColsIntegrality(
            len(cols), cols.astype(np.int32), np.full(len(cols), kind.value, dtype=np.uint8)
        )


def finite(x: np.ndarray) -> np.ndarray:
    """``inf`` as HiGHS's infinity."""
    return np.clip(np.asarray(x, dtype=float), -highspy.kHighsInf, highspy.kHighsInf)


def push_mutables(matrix: Matrix, h: highspy.Highs) -> None:
    """Re-evaluate every mutable coefficient, cost and bound; pass the new values to HiGHS.

    The row arrays are kept in step, so an elastic diagnosis sees the current values.
    """
    cache: dict[int, float] = {}

    def value(expr: object) -> float:
        key = id(expr)
        if key not in cache:
            cache[key] = float(pyo.value(expr))
        return cache[key]

    bounds: dict[int, tuple[RowBlock, int]] = {}
    for mut in matrix.mutables:
        v = value(mut.expr)
        if mut.kind == "cost":
            h.changeColCost(mut.col, v)
            continue
        assert mut.block is not None
        if mut.kind == "coef":
            mut.block.coefs[mut.position] = v
            h.changeCoeff(mut.row, mut.col, v)
            continue
        if mut.row in matrix.freed:  # a row a user removed: its bounds wait for its return
            lo, hi = matrix.freed[mut.row]
            matrix.freed[mut.row] = (v, hi) if mut.kind == "lower" else (lo, v)
            continue
        (mut.block.lower if mut.kind == "lower" else mut.block.upper)[mut.position] = v
        bounds[mut.row] = (mut.block, mut.position)
    if bounds:
        rows = np.array(sorted(bounds), dtype=np.int32)
        lower = np.array([bounds[r][0].lower[bounds[r][1]] for r in rows.tolist()])
        upper = np.array([bounds[r][0].upper[bounds[r][1]] for r in rows.tolist()])
        # changeRowsBounds exists in highspy._core but is missing from its type stub
        h.changeRowsBounds(len(rows), rows, finite(lower), finite(upper))  # type: ignore[attr-defined]


_LIMITS = (
    highspy.HighsModelStatus.kTimeLimit,
    highspy.HighsModelStatus.kIterationLimit,
    highspy.HighsModelStatus.kSolutionLimit,
    highspy.HighsModelStatus.kInterrupt,
)
_INTEGRAL = 1e-6
#: HiGHS's option scaling the dual simplex's cost perturbation (default 1.0, 0.0: none).
_COST_PERTURBATION = "dual_simplex_cost_perturbation_multiplier"


@dataclass
class _Run:
    """One HiGHS run: status, objective, bound and column values."""

    status: SolveStatus
    objective: float
    bound: float
    values: np.ndarray
    message: str
    iterations: int = 0


def _run(
    h: highspy.Highs, deadline: float, algorithm: Literal["simplex", "ipm"] = "simplex"
) -> _Run:
    """Run HiGHS until ``deadline`` with ``algorithm`` (from the basis ``h`` holds, if any)."""
    # HiGHS's "choose" is its dual simplex for an LP: the path every solve took before the rule
    h.setOptionValue("solver", "choose" if algorithm == "simplex" else algorithm)
    return _run_once(h, deadline)


def _run_unperturbed(h: highspy.Highs, deadline: float) -> _Run:
    """:func:`_run_once` with the dual simplex's costs unperturbed, for a run from a basis near
    the optimum.

    A perturbed run ends in a primal simplex clean-up whose working memory comes on top of the
    dual's (at the app's largest setup 45-60 MB more, the process's peak); from such a basis the
    perturbation saved no iterations (``BENCHMARKS.md``).
    """
    h.setOptionValue(_COST_PERTURBATION, 0.0)
    try:
        return _run_once(h, deadline)
    finally:
        h.setOptionValue(_COST_PERTURBATION, 1.0)  # HiGHS's default


def _run_warm(h: highspy.Highs, deadline: float, warm_limit_s: float) -> _Run | None:
    """The simplex from the basis the last solve left, for at most ``warm_limit_s`` (or until
    ``deadline`` if that is sooner); ``None``, with the basis dropped, if it was cut off."""
    h.setOptionValue("solver", "choose")
    if warm_limit_s >= deadline - time.perf_counter():
        return _run_unperturbed(h, deadline)
    warm = _run_unperturbed(h, time.perf_counter() + warm_limit_s)
    if warm.status not in (SolveStatus.TIME_LIMIT_FEASIBLE, SolveStatus.TIME_LIMIT_NO_SOLUTION):
        return warm
    return None


def _run_once(h: highspy.Highs, deadline: float) -> _Run:
    # HiGHS compares time_limit with its run clock, which keeps counting across runs of the same
    # instance: the limit of this run is the clock now plus the time left.
    budget = max(deadline - time.perf_counter(), 1e-3)
    h.setOptionValue("time_limit", h.getRunTime() + budget)
    _run_highs(h)
    model_status = h.getModelStatus()
    info = h.getInfo()
    feasible = info.primal_solution_status == 2
    if model_status in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kModelEmpty):
        status = SolveStatus.OPTIMAL
    elif model_status in (
        highspy.HighsModelStatus.kInfeasible,
        highspy.HighsModelStatus.kUnboundedOrInfeasible,
    ):
        status = SolveStatus.INFEASIBLE
    elif model_status == highspy.HighsModelStatus.kUnbounded:
        status = SolveStatus.UNBOUNDED
    elif model_status in _LIMITS:
        status = SolveStatus.TIME_LIMIT_FEASIBLE if feasible else SolveStatus.TIME_LIMIT_NO_SOLUTION
    else:
        status = SolveStatus.ERROR
    mip = info.mip_node_count >= 0
    bound = float(info.mip_dual_bound) if mip else float(info.objective_function_value)
    values = np.asarray(h.getSolution().col_value, dtype=float) if feasible else np.zeros(0)
    return _Run(
        status,
        float(info.objective_function_value),
        bound,
        values,
        h.modelStatusToString(model_status),
        max(0, int(info.simplex_iteration_count)),
    )


def solve(
    matrix: Matrix,
    highs: highspy.Highs | None = None,
    *,
    time_limit_s: float = 60.0,
    mip_gap: float = 1e-4,
    build_seconds: float = 0.0,
    warm_limit_s: float | None = None,
    algorithm: Literal["auto", "simplex", "ipm"] = "auto",
) -> SolveResult:
    """Solve the model with HiGHS: the one place the optimizer calls the solver.

    When the only integer columns are the first-stage shipments (no binaries), the LP relaxation
    is solved first: a first solve with the shipments held at their lower bounds, then released
    from that basis (:func:`_run_staged`); a re-solve warm-started from the previous basis when
    ``highs`` is reused, which skips presolve. Shipments that come out whole are the answer;
    otherwise they are rounded down and the LP is solved again with them fixed, and the result
    is accepted when its gap to the relaxation's bound is within ``mip_gap``. Only if not does
    HiGHS's branch and bound run, as it does at once for models with binaries.

    Parameters
    ----------
    matrix
        The model's arrays.
    highs
        A HiGHS instance holding the model (:func:`to_highs`), reused across re-solves; a new one
        when ``None``.
    time_limit_s
        Wall-clock limit of the whole solve [s].
    mip_gap
        Relative gap to the best bound at which a solution is accepted [-].
    build_seconds
        Build time to report with the result [s].
    warm_limit_s
        For a re-solve: how long the LP may run from the previous basis before the re-solve
        gives up (:class:`WarmStartCutOff`) [s]; ``None``: a first solve.
    algorithm
        The LP algorithm of a first solve: ``"auto"`` picks by the model's size
        (:func:`~planner.engine.optimization.algorithm.lp_algorithm`).

    Returns
    -------
    SolveResult
        With status ``OPTIMAL``, ``TIME_LIMIT_FEASIBLE`` (the best solution found in the time
        limit) or ``TIME_LIMIT_NO_SOLUTION`` (no solution found in time: no values; the caller
        decides what to show, :class:`~planner.engine.optimization.PlanSolver` the strike rule's
        plan).

    Raises
    ------
    SolveError
        Infeasible (naming the constraint families an elastic re-solve had to relax), unbounded,
        or a solver error.
    WarmStartCutOff
        A re-solve (``warm_limit_s``) of an LP ran out of its warm start: solve afresh, best in a
        new instance holding ``highs.getLp()`` (:func:`new_highs`).
    """
    started = time.perf_counter()
    if highs is None:
        highs = to_highs(matrix)[0]
        build_seconds += time.perf_counter() - started
    started = time.perf_counter()
    deadline = started + time_limit_s
    integers = matrix.integer_cols()
    nonzeros = int(sum(len(b.cols) for b in matrix.rows))
    lp = lp_algorithm(nonzeros, algorithm)
    if not matrix.has_binaries():
        outcome = _relax_and_round(matrix, highs, integers, deadline, mip_gap, warm_limit_s, lp)
    else:
        outcome = _branch_and_bound(matrix, highs, integers, deadline, mip_gap)
    seconds = time.perf_counter() - started
    if outcome.status is SolveStatus.INFEASIBLE:
        families = infeasible_families(matrix, time_limit_s)
        raise SolveError(_infeasibility_message(families), families)
    if outcome.status in (SolveStatus.UNBOUNDED, SolveStatus.ERROR):
        raise SolveError(
            f"optimizer: no usable solution ({outcome.status.value}: {outcome.message})"
        )
    found = outcome.status.has_solution
    gap = _gap(outcome.objective, outcome.bound) if len(integers) and found else 0.0
    return SolveResult(
        status=outcome.status,
        objective_usd=outcome.objective if found else None,
        mip_gap=gap if found else None,
        build_seconds=build_seconds,
        solve_seconds=seconds,
        columns=matrix.n_cols,
        rows=matrix.n_rows,
        integers=len(integers),
        nonzeros=nonzeros,
        values=outcome.values,
        message=outcome.message,
        iterations=outcome.iterations,
    )


def _gap(objective: float, bound: float) -> float:
    """Relative gap of a maximisation: ``(bound - objective) / max(|bound|, 1)`` [-]."""
    if not (np.isfinite(objective) and np.isfinite(bound)):
        return float("inf")
    return max(0.0, bound - objective) / max(abs(bound), 1.0)


def _relax_and_round(
    matrix: Matrix,
    h: highspy.Highs,
    integers: np.ndarray,
    deadline: float,
    mip_gap: float,
    warm_limit_s: float | None,
    algorithm: Literal["simplex", "ipm"],
) -> _Run:
    lower = np.concatenate(matrix.col_lower)[integers]
    upper = np.concatenate(matrix.col_upper)[integers]
    cols = integers.astype(np.int32)
    if warm_limit_s is not None:
        relaxed = _run_warm(h, deadline, warm_limit_s)
        if relaxed is None:
            raise WarmStartCutOff
    elif len(cols):
        relaxed = _run_staged(h, cols, finite(lower), finite(upper), deadline, algorithm)
    else:
        relaxed = _run(h, deadline, algorithm)
    if relaxed.status is SolveStatus.TIME_LIMIT_FEASIBLE:
        # A feasible point of the relaxation: whole shipments, rounded down, keep every
        # first-stage row.
        relaxed.values[integers] = np.floor(relaxed.values[integers] + _INTEGRAL)
    if relaxed.status is not SolveStatus.OPTIMAL:
        return relaxed
    x = relaxed.values[integers]
    whole = np.floor(x + _INTEGRAL)
    if np.all(np.abs(x - np.round(x)) <= _INTEGRAL):
        relaxed.values[integers] = np.round(x)
        return relaxed
    fixed = _run_rounded(matrix, h, cols, whole, deadline)
    fixed.iterations += relaxed.iterations
    h.changeColsBounds(len(cols), cols, finite(lower), finite(upper))
    if fixed.status.has_solution and _gap(fixed.objective, relaxed.bound) <= mip_gap:
        fixed.bound = relaxed.bound
        return fixed
    return _branch_and_bound(matrix, h, integers, deadline, mip_gap)


def _run_rounded(
    matrix: Matrix, h: highspy.Highs, cols: np.ndarray, whole: np.ndarray, deadline: float
) -> _Run:
    """The LP with the shipments fixed at ``whole`` (the relaxation's, rounded down).

    Rounding down can break a row over shipments alone: a site full to its capacity that sends
    machines of one model and receives another's is over it when fewer leave, and around a ring
    of such sites every rounding of the relaxation's shipments can break one. Then those rows
    are tightened by what rounding down could add to them (a ``<=`` row by the sum of its
    negative coefficients, a ``>=`` row by the sum of its positive ones), the LP re-solved with
    the shipments free, its shipments rounded down (which now keeps every such row) and fixed.
    """
    h.changeColsBounds(len(cols), cols, whole, whole)
    fixed = _run(h, deadline)
    if fixed.status is not SolveStatus.INFEASIBLE:
        return fixed
    rows, margin_lower, margin_upper = shipment_rows(matrix, cols)
    if not len(rows):
        return fixed
    lower = finite(np.concatenate(matrix.col_lower)[cols])
    upper = finite(np.concatenate(matrix.col_upper)[cols])
    _, _, row_lower, row_upper, _ = h.getRows(len(rows), rows)
    set_row_bounds(h, rows, row_lower + margin_lower, row_upper - margin_upper)
    h.changeColsBounds(len(cols), cols, lower, upper)
    tightened = _run(h, deadline)
    set_row_bounds(h, rows, row_lower, row_upper)
    if tightened.status is not SolveStatus.OPTIMAL:
        return fixed
    again = np.floor(tightened.values[cols] + _INTEGRAL)
    h.changeColsBounds(len(cols), cols, again, again)
    refixed = _run(h, deadline)
    refixed.iterations += fixed.iterations + tightened.iterations
    return refixed


def _run_staged(
    h: highspy.Highs,
    cols: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    deadline: float,
    algorithm: Literal["simplex", "ipm"],
) -> _Run:
    """A first solve in two stages: the shipments held at their lower bounds, then released.

    Held, the machines present at every tier are constants, so the rows that bound a tier's load
    by them (availability, power modes) are bounds that presolve folds away, and the LP solves
    several times faster (the app's 14 days x 40 scenarios: about 6 CPU s instead of 23 s,
    ``BENCHMARKS.md``). The held model is solved on a copy of the instance, deleted before the
    release so that the two solves' working memory is never held at once. Released, the simplex
    goes on from the held optimum's basis in ``highs``, its costs unperturbed, and moves only as
    far as relocating pays; that run also leaves ``highs`` with the solver state that makes
    what-if re-solves quick. A held model with no optimum (a row that needs shipments, say) is
    solved afresh, released, in the time left; one that runs out of time returns its point,
    which the released model also allows.
    """
    held_h = new_highs()  # its presolve and simplex memory is freed before the release
    held_h.passModel(h.getLp())
    held_h.changeColsBounds(len(cols), cols, lower, lower)
    held = _run(held_h, deadline, algorithm)
    basis = held_h.getBasis() if held.status is SolveStatus.OPTIMAL else None
    del held_h
    release_freed_memory()
    if basis is None:
        if held.status is SolveStatus.TIME_LIMIT_FEASIBLE:
            return held
        fresh = _run(h, deadline, algorithm)  # no optimum held: afresh, released
        fresh.iterations += held.iterations
        return fresh
    status = basis.col_status  # a copy: each read of the attribute converts every column's
    for c in cols.tolist():  # a held shipment, if nonbasic, sits at its lower bound
        if status[c] != highspy.HighsBasisStatus.kBasic:
            status[c] = highspy.HighsBasisStatus.kLower
    basis.col_status = status
    h.setBasis(basis)
    h.setOptionValue("solver", "choose")  # the simplex, from the held optimum's basis
    released = _run_unperturbed(h, deadline)
    released.iterations += held.iterations
    return released


def _branch_and_bound(
    matrix: Matrix, h: highspy.Highs, integers: np.ndarray, deadline: float, mip_gap: float
) -> _Run:
    h.setOptionValue("mip_rel_gap", float(mip_gap))
    h.setOptionValue("solver", "choose")
    _set_integrality(h, integers, True)
    try:
        return _run_once(h, deadline)
    finally:
        _set_integrality(h, integers, False)


def infeasible_families(matrix: Matrix, time_limit_s: float = 60.0) -> dict[str, float] | None:
    """Elastic re-solve: the relaxable families that must be violated, with their total slack.

    Returns
    -------
    dict or None
        Family name -> total slack needed (in the family's row units); ``None`` when even the
        elastic model is infeasible (the physics or accounting cannot hold).
    """
    h, slacks = to_highs(matrix, elastic=True)
    h.setOptionValue("time_limit", float(time_limit_s))
    _run_highs(h)
    if h.getInfo().primal_solution_status != 2:
        return None
    values = np.asarray(h.getSolution().col_value)
    out: dict[str, float] = {}
    for family, col in slacks:
        out[family] = out.get(family, 0.0) + float(values[col])
    return {f: v for f, v in out.items() if v > _SLACK_TOLERANCE}


def _infeasibility_message(families: dict[str, float] | None) -> str:
    if families is None:
        return "optimizer: the model is infeasible even with every commitment relaxed"
    if not families:
        return "optimizer: the model is infeasible or unbounded (no commitment needs relaxing)"
    named = ", ".join(
        f"{f} (short by {v:.4g} {FAMILY_UNITS[f]} over its rows)"
        for f, v in sorted(families.items(), key=lambda x: -x[1])
    )
    return f"optimizer: the model is infeasible; constraint families that cannot be met: {named}"
