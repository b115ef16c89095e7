"""The model's Pyomo variables, constraints and objective, made from its arrays when first read.

The solver receives the arrays of :class:`~planner.engine.optimization.matrix.Matrix`; nothing
on the default solve reads a Pyomo component. :func:`build_mirror` makes them, the same model
term for term, when something does: :attr:`PlanSolver.model
<planner.engine.optimization.PlanSolver.model>` read, an ``extra_functionality`` hook given or
a Pyomo solver named. For the operational model of the demo fleet that is about 2 million Python
objects (0.9 s, and most of the memory a model holds), which the default path does not pay.

Components are made in bulk: one monomial per CSR term in a single pass (mutable coefficients
put in place of their values), one ``LinearExpression`` per row over a slice of them, and the
``ConstraintData`` objects stored under their labels directly: the per-index rule call, index
normalisation and validation of ``Constraint(rule=...)`` cost more than the rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC
from pyomo.core.base.constraint import ConstraintData
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression
from pyomo.core.expr.relational_expr import (
    EqualityExpression,
    InequalityExpression,
    RangedExpression,
)

from planner.engine.optimization.matrix import INF, ColumnBlock, Matrix, RowBlock, labels_list


@dataclass(eq=False)
class MirroredRows:
    """The ``Constraint`` of one row block as made, to tell later edits from it.

    Attributes
    ----------
    block
        The row block.
    component
        Its ``Constraint``.
    rows
        Its ``ConstraintData`` in row order.
    exprs
        The expression each row was made with (a row whose expression is no longer that object
        was changed).
    """

    block: RowBlock
    component: Any
    rows: list[Any]
    exprs: list[Any]


@dataclass(eq=False)
class Mirror:
    """The Pyomo components of a model, as made from its arrays, and the edits compiled since.

    Attributes
    ----------
    variables
        Every ``VarData`` in column order: the model's, then those of variables a user added
        and the default solve compiled (:mod:`~planner.engine.optimization.edits`).
    var_components
        The ``Var`` component of each column block, by name.
    constraints
        The ``Constraint`` of each row block, in row order.
    objective
        The ``Objective`` and the expression it was made with.
    """

    variables: list[Any]
    var_components: dict[str, Any]
    constraints: list[MirroredRows]
    objective: tuple[Any, Any]


def build_mirror(matrix: Matrix) -> Mirror:
    """Make the Pyomo variables, constraints and objective of ``matrix`` on ``matrix.model``.

    Parameters
    ----------
    matrix
        The model's arrays; its ``model`` holds the index sets and mutable Params.

    Returns
    -------
    Mirror
    """
    with PauseGC():
        variables: list[Any] = []
        lower = np.concatenate(matrix.col_lower).tolist() if matrix.col_lower else []
        upper = np.concatenate(matrix.col_upper).tolist() if matrix.col_upper else []
        components = {}
        for block in matrix.columns.values():
            var = _add_var(matrix.model, block)
            values = list(var.values())
            end = block.start + len(values)
            for v, a, b in zip(
                values, lower[block.start : end], upper[block.start : end], strict=True
            ):
                v.setlb(None if a == -INF else a)
                v.setub(None if b == INF else b)
            variables.extend(values)
            components[block.name] = var
        constraints = [_add_constraint(matrix.model, block, variables) for block in matrix.rows]
        objective = _add_objective(matrix, variables)
    return Mirror(variables, components, constraints, objective)


def _add_var(model: Any, block: ColumnBlock) -> Any:
    """The ``Var`` component of a column block (its entries in column order)."""
    sets = labels_list(block.index) if block.index is not None else []
    if block.dense is not None:
        var = pyo.Var(sets, domain=block.domain, doc=block.doc, dense=True)
    else:
        var = pyo.Var(*sets, domain=block.domain, doc=block.doc)
    model.add_component(block.name, var)
    return var


def _add_constraint(model: Any, block: RowBlock, variables: list[Any]) -> MirroredRows:
    """The ``Constraint`` of a row block, built in bulk (see the module docstring)."""
    indptr = block.indptr.tolist()
    coefs: list[Any] = block.coefs.tolist()
    for (r, c), expr in block.mutable.items():
        a, b = indptr[r], indptr[r + 1]
        coefs[a + block.cols[a:b].tolist().index(c)] = expr
    terms = zip(coefs, map(variables.__getitem__, block.cols.tolist()), strict=True)
    monomials = list(map(MonomialTermExpression, terms))
    lowers = (
        [block.mutable_lower] * block.size
        if block.mutable_lower is not None
        else _bounds(block.lower)
    )
    uppers = (
        [block.mutable_upper] * block.size
        if block.mutable_upper is not None
        else _bounds(block.upper)
    )
    labels = labels_list(block.labels)
    component = pyo.Constraint(labels, doc=block.doc)
    model.add_component(block.name, component)
    data = component._data  # bulk insertion, see the module docstring
    exprs, rows = [], []
    for label, lo, a, b, hi in zip(labels, lowers, indptr[:-1], indptr[1:], uppers, strict=True):
        expr = _relation(lo, LinearExpression(monomials[a:b]), hi)
        row = data[label] = ConstraintData(expr, component)
        row._index = label  # as IndexedComponent._setitem_when_not_present does: names the row
        exprs.append(expr)
        rows.append(row)
    return MirroredRows(block, component, rows, exprs)


def _add_objective(matrix: Matrix, variables: list[Any]) -> tuple[Any, Any]:
    """The objective from the recorded coefficients (constant and mutable)."""
    mutable_cost = {m.col: m.expr for m in matrix.mutables if m.kind == "cost"}
    terms = [
        MonomialTermExpression((v, variables[c]))
        for c, v in sorted(matrix.cost.items())
        if c not in mutable_cost
    ]
    terms += [MonomialTermExpression((e, variables[c])) for c, e in mutable_cost.items()]
    expr = LinearExpression(terms)
    sense = pyo.maximize if matrix.maximize else pyo.minimize
    matrix.model.objective = pyo.Objective(expr=expr, sense=sense)
    return matrix.model.objective, expr


def _bounds(values: np.ndarray) -> list[float | None]:
    """Row bounds for Pyomo: ``None`` where infinite."""
    return [v if math.isfinite(v) else None for v in values.tolist()]


def _relation(lower: Any, body: Any, upper: Any) -> Any:
    if lower is None:
        return InequalityExpression((body, upper), False)
    if upper is None:
        return InequalityExpression((lower, body), False)
    if lower is upper or (isinstance(lower, float) and isinstance(upper, float) and lower == upper):
        return EqualityExpression((body, upper))
    return RangedExpression((lower, body, upper), (False, False))
