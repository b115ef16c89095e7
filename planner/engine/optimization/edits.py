"""Edits made to the Pyomo model, compiled into the solver's arrays before the default solve.

The default solve hands HiGHS the model's arrays (:mod:`~planner.engine.optimization.matrix`),
not the Pyomo model. Once the Pyomo mirror exists (something read :attr:`PlanSolver.model
<planner.engine.optimization.PlanSolver.model>`, or an ``extra_functionality`` hook ran), every
solve first compares it with the arrays and compiles what a user changed:

- a variable's bounds tightened or loosened, or the variable fixed: the column's bounds;
- a constraint added (a new component, on the model or a block, or a new index of an existing
  one), or a row's expression replaced (``set_value``): rows compiled through Pyomo's linear
  representation (``generate_standard_repn``), their own mutable Params evaluated at every
  solve; a replaced row's original is freed (its bounds made infinite);
- a row deactivated or deleted: its bounds made infinite (restored when it is activated again);
- a variable a compiled row names that the model did not have: a new column (zero cost);
- the planner's own mutable Params set directly: their coefficients re-evaluated.

What cannot be compiled is refused with one line naming it (:class:`~planner.errors.SolveError`):
a changed or added objective, a nonlinear row, a changed variable domain, a variable fixed
without a value. Such a model can still be solved through Pyomo by naming a Pyomo solver
(``OptimizeSettings(solver="appsi_highs")``).

A check costs about a microsecond per column and half one per row, and only models whose
mirror was made pay it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count
from typing import Any

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.repn import generate_standard_repn

from planner.engine.optimization.matrix import ADDED_FAMILY, INF, Matrix
from planner.engine.optimization.mirror import Mirror
from planner.engine.optimization.solve import finite
from planner.errors import SolveError

_THROUGH_PYOMO = "; solve it through Pyomo instead, e.g. OptimizeSettings(solver='appsi_highs')"


@dataclass(frozen=True)
class _Row:
    """A user's row as compiled: global row number and its numbers."""

    row: int
    cols: tuple[int, ...]
    coefs: tuple[float, ...]
    lower: float
    upper: float


@dataclass(eq=False)
class Edits:
    """What has been compiled from the mirror so far.

    Attributes
    ----------
    added
        ``id(ConstraintData) -> compiled row`` for the rows compiled from a user's
        constraints (added, or replacing a model row).
    col_of
        ``id(VarData) -> column``, made when the first user row is compiled.
    """

    added: dict[int, tuple[Any, _Row]] = field(default_factory=dict)
    col_of: dict[int, int] | None = None


def compile_edits(matrix: Matrix, mirror: Mirror, edits: Edits, highs: highspy.Highs) -> None:
    """Bring ``matrix`` and ``highs`` in line with the Pyomo model of ``mirror``.

    Parameters
    ----------
    matrix
        The model's arrays; changed in place.
    mirror
        Its Pyomo mirror, perhaps edited by a user.
    edits
        What earlier calls compiled; updated.
    highs
        The HiGHS instance holding ``matrix``; changed alongside it.

    Raises
    ------
    SolveError
        An edit the arrays cannot hold (one line naming it).
    """
    _check_objective(mirror)
    _sync_columns(matrix, mirror, highs)
    wanted, grown = _sync_model_rows(matrix, mirror, highs)
    wanted += _added_rows(mirror, grown)
    _sync_added_rows(matrix, mirror, edits, highs, wanted)


# ---------------------------------------------------------------------------- objective


def _check_objective(mirror: Mirror) -> None:
    objective, expr = mirror.objective
    active = list(objective.model().component_data_objects(pyo.Objective, active=True))
    if active != [objective] or objective.expr is not expr or objective.sense != pyo.maximize:
        raise SolveError(
            "optimizer: the objective was changed or another added; the default solve compiles "
            "added or changed constraints and variable bounds, not objectives" + _THROUGH_PYOMO
        )


# ------------------------------------------------------------------------------ columns


def _bound_pairs(variables: list[Any]) -> np.ndarray:
    """``(lower, upper)`` of each variable as Pyomo has them (a fixed one at its value)."""
    pairs = [(v.value, v.value) if v.fixed else (v.lb, v.ub) for v in variables]
    out = np.array(pairs, dtype=float).reshape(len(variables), 2)
    for j in np.flatnonzero(np.isnan(out).any(axis=1)).tolist():
        v = variables[j]
        if v.fixed:
            raise SolveError(f"optimizer: variable {v.name} is fixed without a value")
        lo, hi = v.lb, v.ub
        out[j] = (-INF if lo is None else lo, INF if hi is None else hi)
    return out


def _sync_columns(matrix: Matrix, mirror: Mirror, highs: highspy.Highs) -> None:
    """Column bounds from the variables' (a domain change is refused)."""
    for block in matrix.columns.values():
        component = mirror.var_components.get(block.name)
        if component is None:
            continue
        expected = block.domain
        changed = [v for v in component.values() if v.domain is not expected]
        if changed:
            raise SolveError(
                f"optimizer: the domain of {changed[0].name} was changed from {expected} to "
                f"{changed[0].domain}; the default solve cannot compile a domain" + _THROUGH_PYOMO
            )
    pairs = _bound_pairs(mirror.variables)
    lower = np.concatenate(matrix.col_lower)
    upper = np.concatenate(matrix.col_upper)
    cols = np.flatnonzero((pairs[:, 0] != lower) | (pairs[:, 1] != upper))
    if not len(cols):
        return
    starts = np.cumsum([0] + [len(a) for a in matrix.col_lower])
    for c in cols.tolist():
        b = int(np.searchsorted(starts, c, side="right")) - 1
        matrix.col_lower[b][c - starts[b]] = pairs[c, 0]
        matrix.col_upper[b][c - starts[b]] = pairs[c, 1]
    highs.changeColsBounds(
        len(cols), cols.astype(np.int32), finite(pairs[cols, 0]), finite(pairs[cols, 1])
    )


def _new_columns(matrix: Matrix, mirror: Mirror, new: list[Any], highs: highspy.Highs) -> None:
    """Columns for variables a user's rows name that the model did not have."""
    if not new:
        return
    pairs = _bound_pairs(new)
    integer = np.array([v.is_integer() for v in new])
    binary = np.array([v.is_binary() for v in new])
    start = matrix.n_cols
    matrix.col_lower.append(pairs[:, 0].copy())
    matrix.col_upper.append(pairs[:, 1].copy())
    matrix.col_integer.append(integer)
    matrix.col_binary.append(binary)
    matrix.n_cols += len(new)
    mirror.variables.extend(new)
    highs.addVars(len(new), finite(pairs[:, 0]), finite(pairs[:, 1]))
    highs.changeColsCost(
        len(new), np.arange(start, matrix.n_cols, dtype=np.int32), np.zeros(len(new))
    )


# --------------------------------------------------------------------------------- rows


def _sync_model_rows(
    matrix: Matrix, mirror: Mirror, highs: highspy.Highs
) -> tuple[list[Any], set[int]]:
    """Free the model's rows that were deactivated, deleted or replaced; restore the others.

    Returns
    -------
    replaced, grown
        The replaced rows' ``ConstraintData`` (to compile as a user's rows), and ``id`` of the
        model's components that hold more rows than the model made there.
    """
    replaced: list[Any] = []
    free: list[int] = []
    grown: set[int] = set()
    for made in mirror.constraints:
        start, component = made.block.start, made.component
        if component.parent_block() is None:  # the whole component deleted
            free += range(start, start + made.block.size)
            continue
        off = [
            j
            for j, cd, expr in zip(count(), made.rows, made.exprs, strict=False)
            if cd.expr is not expr or not cd.active or cd.parent_component() is not component
        ]
        gone = 0
        for j in off:
            cd = made.rows[j]
            free.append(start + j)
            if cd.parent_component() is not component:
                gone += 1
            elif cd.active:
                replaced.append(cd)
        if len(component) > len(made.rows) - gone:
            grown.add(id(component))
    free_set = set(free)
    to_free = sorted(r for r in free_set if r not in matrix.freed)
    to_restore = sorted(r for r in matrix.freed if r not in free_set)
    for r in to_free:
        block = matrix.block_of_row(r)
        j = r - block.start
        matrix.freed[r] = (float(block.lower[j]), float(block.upper[j]))
        block.lower[j], block.upper[j] = -INF, INF
    for r in to_restore:
        block = matrix.block_of_row(r)
        j = r - block.start
        block.lower[j], block.upper[j] = matrix.freed.pop(r)
    _push_row_bounds(matrix, highs, to_free + to_restore)
    return replaced, grown


def _added_rows(mirror: Mirror, grown: set[int]) -> list[Any]:
    """Active ``ConstraintData`` that the model did not make (new components or indices)."""
    made = {id(m.component): m for m in mirror.constraints}
    model = mirror.objective[0].model()
    out: list[Any] = []
    for component in model.component_objects(pyo.Constraint, active=True, descend_into=True):
        own = made.get(id(component))
        if own is None:
            out += [cd for cd in component.values() if cd.active]
        elif id(component) in grown:
            mine = set(map(id, own.rows))
            out += [cd for cd in component.values() if cd.active and id(cd) not in mine]
    return out


def _compile_row(
    cd: Any, col_of: dict[int, int], new: dict[int, tuple[int, Any]]
) -> tuple[list[int], list[float], float, float]:
    """A user's row as columns, coefficients and bounds.

    ``col_of`` maps the variables with columns; one without is given the next column and put in
    ``new`` (``id -> (column, VarData)``).
    """
    repn = generate_standard_repn(cd.body, compute_values=True, quadratic=False)
    if not repn.is_linear():
        raise SolveError(
            f"optimizer: constraint {cd.name} is not linear; the default solve compiles linear "
            "rows only" + _THROUGH_PYOMO
        )
    sums: dict[int, float] = {}
    for v, a in zip(repn.linear_vars, repn.linear_coefs, strict=True):
        c = col_of.get(id(v))
        if c is None:
            if id(v) not in new:
                new[id(v)] = (len(col_of) + len(new), v)
            c = new[id(v)][0]
        sums[c] = sums.get(c, 0.0) + float(a)
    constant = float(repn.constant)
    lo = -INF if cd.lower is None else float(pyo.value(cd.lower)) - constant
    hi = INF if cd.upper is None else float(pyo.value(cd.upper)) - constant
    cols = sorted(sums)
    return cols, [sums[c] for c in cols], lo, hi


def _sync_added_rows(
    matrix: Matrix, mirror: Mirror, edits: Edits, highs: highspy.Highs, wanted: list[Any]
) -> None:
    """Compile the wanted user rows that are new or changed; free those no longer wanted."""
    if edits.col_of is None and not wanted and not edits.added:
        return
    if edits.col_of is None:
        edits.col_of = {id(v): c for c, v in enumerate(mirror.variables)}
    new_vars: dict[int, tuple[int, Any]] = {}
    compiled: list[tuple[Any, tuple[list[int], list[float], float, float]]] = []
    keep: set[int] = set()
    for cd in wanted:
        key = id(cd)
        keep.add(key)
        cols, coefs, lo, hi = _compile_row(cd, edits.col_of, new_vars)
        old = edits.added.get(key)
        if old is not None:
            was = old[1]
            if (was.cols, was.coefs, was.lower, was.upper) == (tuple(cols), tuple(coefs), lo, hi):
                continue
        compiled.append((cd, (cols, coefs, lo, hi)))
    redone = {id(cd) for cd, _ in compiled}
    stale = [key for key in edits.added if key not in keep or key in redone]
    freed: list[int] = []
    for key in stale:
        row = edits.added.pop(key)[1].row
        block = matrix.block_of_row(row)
        block.lower[row - block.start], block.upper[row - block.start] = -INF, INF
        freed.append(row)
    _push_row_bounds(matrix, highs, freed)
    edits.col_of.update((key, c) for key, (c, _) in new_vars.items())
    _new_columns(matrix, mirror, [v for _, v in new_vars.values()], highs)
    if compiled:
        _add_rows(matrix, edits, highs, compiled)


def _add_rows(
    matrix: Matrix,
    edits: Edits,
    highs: highspy.Highs,
    compiled: list[tuple[Any, tuple[list[int], list[float], float, float]]],
) -> None:
    rows = np.repeat(np.arange(len(compiled)), [len(c[1][0]) for c in compiled])
    cols = np.array([c for _, (cs, _, _, _) in compiled for c in cs], dtype=np.int64)
    coefs = np.array([a for _, (_, vs, _, _) in compiled for a in vs], dtype=float)
    lower = np.array([lo for _, (_, _, lo, _) in compiled])
    upper = np.array([hi for _, (_, _, _, hi) in compiled])
    block = matrix.add_rows(
        ADDED_FAMILY,
        ADDED_FAMILY,
        [cd.name for cd, _ in compiled],
        rows,
        cols,
        coefs,
        lower,
        upper,
        doc="rows compiled from a user's constraints",
    )
    assert block is not None
    highs.addRows(
        block.size,
        finite(block.lower),
        finite(block.upper),
        len(block.cols),
        block.indptr[:-1].astype(np.int32),
        block.cols.astype(np.int32),
        block.coefs,
    )
    for j, (cd, (cs, vs, lo, hi)) in enumerate(compiled):
        edits.added[id(cd)] = (cd, _Row(block.start + j, tuple(cs), tuple(vs), lo, hi))


def _push_row_bounds(matrix: Matrix, highs: highspy.Highs, rows: list[int]) -> None:
    if not rows:
        return
    blocks = [matrix.block_of_row(r) for r in rows]
    lower = np.array([b.lower[r - b.start] for b, r in zip(blocks, rows, strict=True)])
    upper = np.array([b.upper[r - b.start] for b, r in zip(blocks, rows, strict=True)])
    # changeRowsBounds exists in highspy._core but is missing from its type stub
    highs.changeRowsBounds(  # type: ignore[attr-defined]
        len(rows), np.array(rows, dtype=np.int32), finite(lower), finite(upper)
    )
