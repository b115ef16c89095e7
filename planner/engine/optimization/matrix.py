"""A Pyomo model built from coefficient arrays, with the same arrays kept for the solver.

Pyomo's generic route to a solver walks every constraint expression (``generate_standard_repn``)
and, in the persistent interfaces, every variable of every constraint: about 100 us a row, which
is 15-20 s for the operational model of the demo fleet. Here each constraint family is computed
once as numpy arrays (CSR rows over global column numbers); the Pyomo components are created from
those arrays, and the solver (:mod:`planner.engine.optimization.solve`) receives the very same
arrays in one call. Coefficients that depend on a mutable ``Param`` are recorded as Pyomo
expressions next to their position, so a what-if update only re-evaluates those few expressions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.core.base.constraint import ConstraintData
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression
from pyomo.core.expr.relational_expr import (
    EqualityExpression,
    InequalityExpression,
    RangedExpression,
)

INF = float("inf")


@dataclass(eq=False)
class ColumnBlock:
    """One Pyomo ``Var`` component and the solver columns it occupies.

    Attributes
    ----------
    name
        Component name on the model.
    start
        First column number.
    shape
        Shape of the index (the Var's index is the product of ``range(n)`` over ``shape``, in C
        order, unless ``labels`` are given).
    """

    name: str
    start: int
    shape: tuple[int, ...]
    component: Any = None
    dense: np.ndarray | None = None

    @property
    def size(self) -> int:
        """Number of columns."""
        if self.dense is not None:
            return int((self.dense >= 0).sum())
        return int(np.prod(self.shape)) if self.shape else 1

    def col(self, *index: np.ndarray | int) -> np.ndarray:
        """Column numbers of (broadcast) index arrays; -1 where a sparse block has no column."""
        if not self.shape:
            return np.asarray(self.start)
        if self.dense is not None:
            return self.dense[tuple(np.asarray(i) for i in index)]
        flat = np.ravel_multi_index(tuple(np.asarray(i) for i in index), self.shape)
        return self.start + flat

    def dense_cols(self) -> np.ndarray:
        """Column numbers over the whole index shape (-1 where a sparse block has none)."""
        if self.dense is not None:
            return self.dense
        return self.start + np.arange(int(np.prod(self.shape))).reshape(self.shape)


@dataclass(eq=False)
class RowBlock:
    """One Pyomo ``Constraint`` component: a constraint family's rows as CSR arrays.

    Attributes
    ----------
    family
        Name of the constraint family (as in ``docs/model.md``); errors name it.
    name
        Component name on the model.
    start
        First row number.
    labels
        The Pyomo index of each row.
    indptr, cols, coefs
        CSR rows over global column numbers; ``coefs`` hold the current values.
    lower, upper
        Row bounds (``-inf`` / ``inf`` when absent).
    """

    family: str
    name: str
    start: int
    labels: list[Any]
    indptr: np.ndarray
    cols: np.ndarray
    coefs: np.ndarray
    lower: np.ndarray
    upper: np.ndarray

    @property
    def size(self) -> int:
        """Number of rows."""
        return len(self.lower)


@dataclass(eq=False)
class Mutable:
    """A coefficient or bound that follows mutable ``Param`` values.

    ``kind`` is ``"coef"`` (``row``, ``col``), ``"cost"`` (``col``), ``"lower"`` or ``"upper"``
    (``row``); ``expr`` is the Pyomo expression giving its value; ``block`` and ``position`` say
    where the value lives in the row arrays (``coefs[position]`` for a coefficient, the bound of
    local row ``position`` for a bound).
    """

    kind: str
    row: int
    col: int
    expr: Any
    block: RowBlock | None = None
    position: int = -1

    def value(self) -> float:
        """Current value of the expression."""
        return float(pyo.value(self.expr))


@dataclass(eq=False)
class Matrix:
    """The model as the solver sees it: columns, CSR rows, costs and mutable entries.

    With ``components=False`` only the solver's arrays are made, no Pyomo variables,
    constraints or objective (the mutable ``Param`` s still are): the benchmarks' reference for
    what the Pyomo layer costs (``benchmarks/bench_optimizer.py``).
    """

    model: pyo.ConcreteModel
    components: bool = True
    columns: dict[str, ColumnBlock] = field(default_factory=dict)
    rows: list[RowBlock] = field(default_factory=list)
    col_lower: list[np.ndarray] = field(default_factory=list)
    col_upper: list[np.ndarray] = field(default_factory=list)
    col_integer: list[np.ndarray] = field(default_factory=list)
    col_binary: list[np.ndarray] = field(default_factory=list)
    cost: dict[int, float] = field(default_factory=dict)
    mutables: list[Mutable] = field(default_factory=list)
    n_cols: int = 0
    n_rows: int = 0
    _vars: list[Any] = field(default_factory=list)

    # ------------------------------------------------------------------ columns

    def add_var(
        self,
        name: str,
        index: Sequence[Any] | None,
        shape: tuple[int, ...],
        lower: np.ndarray | float,
        upper: np.ndarray | float,
        *,
        domain: Any = pyo.Reals,
        present: np.ndarray | None = None,
        doc: str = "",
    ) -> ColumnBlock:
        """Add a Pyomo ``Var``.

        Parameters
        ----------
        name
            Component name.
        index
            Index sets (their product, in C order, has ``shape``); ``None`` for a scalar. With
            ``present``, a list of the labels of the present entries instead.
        shape
            Shape of the index.
        lower, upper
            Bounds, scalars or one per column (present entries only).
        domain
            Pyomo domain.
        present
            Boolean mask of ``shape``: a sparse variable with columns only where it is true.
        doc
            Description with units.
        """
        block = ColumnBlock(name, self.n_cols, shape)
        if present is not None:
            dense = np.full(shape, -1, dtype=np.int64)
            dense[present] = self.n_cols + np.arange(int(present.sum()))
            block.dense = dense
        n = block.size
        lo = np.broadcast_to(np.asarray(lower, dtype=float), (n,)).copy()
        hi = np.broadcast_to(np.asarray(upper, dtype=float), (n,)).copy()
        if self.components:
            if present is not None:
                var = pyo.Var(index or [], domain=domain, doc=doc, dense=True)
            else:
                var = pyo.Var(*(index or ()), domain=domain, doc=doc)
            self.model.add_component(name, var)
            values = list(var.values())
            self._vars.extend(values)
            for v, a, b in zip(values, lo.tolist(), hi.tolist(), strict=True):
                v.setlb(None if a == -INF else a)
                v.setub(None if b == INF else b)
            block.component = var
        integer = domain in (pyo.Binary, pyo.NonNegativeIntegers, pyo.Integers)
        self.columns[name] = block
        self.col_lower.append(lo)
        self.col_upper.append(hi)
        self.col_integer.append(np.full(n, integer))
        self.col_binary.append(np.full(n, domain is pyo.Binary))
        self.n_cols += n
        return block

    def integer_cols(self) -> np.ndarray:
        """Column numbers of integer (including binary) columns."""
        if not self.col_integer:
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(np.concatenate(self.col_integer))

    def has_binaries(self) -> bool:
        """Whether any column is binary."""
        return bool(self.col_binary) and bool(np.concatenate(self.col_binary).any())

    def var_data(self) -> list[Any]:
        """Every ``VarData`` in column order."""
        return self._vars

    # --------------------------------------------------------------------- rows

    def add_rows(
        self,
        family: str,
        name: str,
        labels: list[Any],
        row: np.ndarray,
        col: np.ndarray,
        coef: np.ndarray,
        lower: np.ndarray | float,
        upper: np.ndarray | float,
        *,
        mutable: Sequence[tuple[int, int, Any]] = (),
        mutable_lower: Any = None,
        mutable_upper: Any = None,
        doc: str = "",
    ) -> RowBlock | None:
        """Add a constraint family from COO terms ``(row, col, coef)``.

        Parameters
        ----------
        family
            Family name used in messages.
        name
            Pyomo component name (``<name>[label]`` for each row).
        labels
            Index of each row (tuples or scalars), one per row.
        row, col, coef
            Terms: local row number, global column number, coefficient. Terms on the same
            (row, col) are summed.
        lower, upper
            Row bounds, scalars or one per row (``-inf`` / ``inf`` for none).
        mutable
            ``(local row, column, expr)``: a term whose coefficient is a Pyomo expression of
            mutable Params (its ``coef`` entry is ignored and may be absent).
        mutable_lower, mutable_upper
            A Pyomo expression that is the lower (upper) bound of every row.

        Returns
        -------
        RowBlock or None
            ``None`` when there are no rows (no Pyomo component is created).
        """
        n = len(labels)
        if n == 0:
            return None
        lo = np.broadcast_to(np.asarray(lower, dtype=float), (n,)).copy()
        hi = np.broadcast_to(np.asarray(upper, dtype=float), (n,)).copy()
        mut = {(int(r), int(c)): e for r, c, e in mutable}
        r_all = np.concatenate([np.asarray(row, dtype=np.int64), [r for r, _ in mut]]).astype(
            np.int64
        )
        c_all = np.concatenate([np.asarray(col, dtype=np.int64), [c for _, c in mut]]).astype(
            np.int64
        )
        v_all = np.concatenate([np.asarray(coef, dtype=float), np.zeros(len(mut))])
        if len(c_all) and c_all.min() < 0:
            raise ValueError(f"{name}: a term refers to a column that does not exist")
        indptr, cols, coefs = _csr(n, r_all, c_all, v_all)
        block = RowBlock(family, name, self.n_rows, list(labels), indptr, cols, coefs, lo, hi)
        for (r, c), expr in mut.items():
            position = indptr[r] + int(np.searchsorted(cols[indptr[r] : indptr[r + 1]], c))
            coefs[position] = float(pyo.value(expr))
            self.mutables.append(Mutable("coef", block.start + r, c, expr, block, int(position)))
        for kind, expr, bound in (("lower", mutable_lower, lo), ("upper", mutable_upper, hi)):
            if expr is not None:
                bound[:] = float(pyo.value(expr))
                self.mutables += [
                    Mutable(kind, block.start + r, -1, expr, block, r) for r in range(n)
                ]
        if self.components:
            self._add_constraint(block, mut, mutable_lower, mutable_upper, doc)
        self.rows.append(block)
        self.n_rows += n
        return block

    def _add_constraint(
        self,
        block: RowBlock,
        mut: dict[tuple[int, int], Any],
        mutable_lower: Any,
        mutable_upper: Any,
        doc: str,
    ) -> None:
        """The Pyomo ``Constraint`` of a row block, built in bulk.

        One monomial per term in a single pass over the CSR arrays (mutable coefficients put in
        place of their values), one ``LinearExpression`` per row over a slice of them, and the
        ``ConstraintData`` objects stored under their labels directly: the per-index rule call,
        index normalisation and validation of ``Constraint(rule=...)`` cost more than the rows.
        """
        variables = self.var_data()
        indptr = block.indptr.tolist()
        coefs: list[Any] = block.coefs.tolist()
        for (r, c), expr in mut.items():
            a, b = indptr[r], indptr[r + 1]
            coefs[a + block.cols[a:b].tolist().index(c)] = expr
        terms = zip(coefs, map(variables.__getitem__, block.cols.tolist()), strict=True)
        monomials = list(map(MonomialTermExpression, terms))
        lowers = [mutable_lower] * block.size if mutable_lower is not None else _bounds(block.lower)
        uppers = [mutable_upper] * block.size if mutable_upper is not None else _bounds(block.upper)
        component = pyo.Constraint(block.labels, doc=doc)
        self.model.add_component(block.name, component)
        data = component._data  # bulk insertion, see the docstring
        for label, lo, a, b, hi in zip(
            block.labels, lowers, indptr[:-1], indptr[1:], uppers, strict=True
        ):
            data[label] = ConstraintData(
                _relation(lo, LinearExpression(monomials[a:b]), hi), component
            )

    # ---------------------------------------------------------------- objective

    def add_cost(self, col: np.ndarray, coef: np.ndarray) -> None:
        """Add constant objective coefficients (maximised)."""
        for c, v in zip(np.atleast_1d(col).tolist(), np.atleast_1d(coef).tolist(), strict=True):
            self.cost[c] = self.cost.get(c, 0.0) + v

    def add_mutable_cost(self, col: int, expr: Any) -> None:
        """An objective coefficient that is a Pyomo expression of mutable Params."""
        self.mutables.append(Mutable("cost", -1, int(col), expr))

    def build_objective(self) -> None:
        """Create the Pyomo objective (maximise) from the recorded coefficients."""
        if not self.components:
            return
        variables = self.var_data()
        mutable_cost = {m.col: m.expr for m in self.mutables if m.kind == "cost"}
        terms = [
            MonomialTermExpression((v, variables[c]))
            for c, v in sorted(self.cost.items())
            if c not in mutable_cost
        ]
        terms += [MonomialTermExpression((e, variables[c])) for c, e in mutable_cost.items()]
        self.model.objective = pyo.Objective(expr=LinearExpression(terms), sense=pyo.maximize)

    def cost_vector(self) -> np.ndarray:
        """Objective coefficients in column order, mutable ones at their current values."""
        out = np.zeros(self.n_cols)
        for c, v in self.cost.items():
            out[c] += v
        for m in self.mutables:
            if m.kind == "cost":
                out[m.col] = m.value()
        return out

    def block_of_row(self, row: int) -> RowBlock:
        """The row block holding a global row number."""
        starts = [b.start for b in self.rows]
        return self.rows[int(np.searchsorted(starts, row, side="right")) - 1]


def _csr(
    n: int, row: np.ndarray, col: np.ndarray, val: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """COO terms to CSR with columns sorted within rows and duplicates summed."""
    key = row * (int(col.max()) + 1 if len(col) else 1) + col
    order = np.argsort(key, kind="stable")
    key, row, col, val = key[order], row[order], col[order], val[order]
    _, first = np.unique(key, return_index=True)
    sums = np.add.reduceat(val, first) if len(val) else val
    rows_u, cols_u = row[first], col[first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, rows_u + 1, 1)
    return np.cumsum(indptr), cols_u.astype(np.int64), sums.astype(float)


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
