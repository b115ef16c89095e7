"""The model as the solver receives it: coefficient arrays, with what its Pyomo mirror needs.

Pyomo's generic route to a solver walks every constraint expression (``generate_standard_repn``)
and, in the persistent interfaces, every variable of every constraint: about 100 us a row, which
is 15-20 s for the operational model of the demo fleet. Here each constraint family is computed
once as numpy arrays (CSR rows over global column numbers) and the solver
(:mod:`planner.engine.optimization.solve`) receives them in one call. Each block also keeps what
its Pyomo component needs (index labels, domain, the mutable expressions, a description), so the
Pyomo variables, constraints and objective can be made from the same arrays when something reads
them (:mod:`planner.engine.optimization.mirror`); the default solve never does. Coefficients
that depend on a mutable ``Param`` are recorded as Pyomo expressions next to their position, so
a what-if update only re-evaluates those few expressions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyomo.environ as pyo

INF = float("inf")

#: Family of the rows compiled from constraints a user added to the Pyomo model.
ADDED_FAMILY = "added"


@dataclass(frozen=True, eq=False)
class Labels:
    """Pyomo index labels of a block's rows or columns, made only when the mirror is built.

    Making a label tuple per row costs about a microsecond and 100 bytes; only the Pyomo
    components read them, so large blocks keep the recipe instead (:func:`label_tuples`).

    Attributes
    ----------
    size
        Number of labels.
    make
        Makes the list of labels.
    parts
        The integer arrays the labels are made from (:func:`label_tuples`: the position in its
        ``heads``, then each further part), one entry per label; empty when not known.
    period
        Which of ``parts`` is the model's period, ``None`` when the labels have none: a later
        model of a rolling plan finds a row by its parts with the period shifted
        (:mod:`~planner.engine.optimization.warm_start`).
    """

    size: int
    make: Callable[[], list[Any]]
    parts: tuple[np.ndarray, ...] = ()
    period: int | None = None

    def __len__(self) -> int:
        return self.size


def label_tuples(
    heads: Sequence[Any], first: np.ndarray, *rest: np.ndarray, period: int | None = None
) -> Labels:
    """Labels ``(*heads[first[j]], rest[0][j], rest[1][j], ...)``, made on demand.

    Parameters
    ----------
    heads
        Leading part of each label: a tuple (spliced in) or a single value.
    first
        Position in ``heads`` of each label's leading part.
    rest
        Further label parts, one array each, as long as ``first``.
    period
        Which part is the model's period: 0 for ``first``, ``i`` for ``rest[i - 1]``; ``None``
        when none is.
    """
    first, rest = np.array(first), tuple(np.array(r) for r in rest)

    def make() -> list[Any]:
        head = [h if isinstance(h, tuple) else (h,) for h in heads]
        parts = zip(first.tolist(), *(r.tolist() for r in rest), strict=True)
        return [(*head[a], *more) for a, *more in parts]

    return Labels(len(first), make, (first, *rest), period)


def labels_list(labels: Sequence[Any] | Labels) -> list[Any]:
    """The labels as a list (made now if they were deferred)."""
    return labels.make() if isinstance(labels, Labels) else list(labels)


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
        Shape of the index (columns are in C order over it).
    dense
        For a sparse block: the column number at each index position, -1 where it has none.
    index
        The Pyomo index: a list of index sets (their product, in C order, is ``shape``), or the
        labels of the present entries of a sparse block; ``None`` for a scalar.
    domain
        Pyomo domain of the variable.
    doc
        Description with units.
    period_axis
        The axis of ``shape`` that is the model's period, ``None`` when there is none (a later
        model of a rolling plan finds a column at its period shifted).
    """

    name: str
    start: int
    shape: tuple[int, ...]
    dense: np.ndarray | None = None
    index: Sequence[Any] | Labels | None = None
    domain: Any = field(default_factory=lambda: pyo.Reals)
    doc: str = ""
    period_axis: int | None = None

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
    mutable
        ``(local row, column) -> expr``: coefficients that are Pyomo expressions of mutable
        Params.
    mutable_lower, mutable_upper
        A Pyomo expression that is the lower (upper) bound of every row, or ``None``.
    doc
        Description with units.
    """

    family: str
    name: str
    start: int
    labels: Sequence[Any] | Labels
    indptr: np.ndarray
    cols: np.ndarray
    coefs: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    mutable: dict[tuple[int, int], Any] = field(default_factory=dict)
    mutable_lower: Any = None
    mutable_upper: Any = None
    doc: str = ""

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

    ``model`` holds the index sets and the mutable ``Param`` s the mutable entries refer to; its
    variables, constraints and objective are made from these arrays only when something reads
    them (:func:`planner.engine.optimization.mirror.build_mirror`). ``maximize`` is the sense
    of the objective (``cost``): the planner's model maximises. ``freed`` holds the model's rows
    a user deactivated, deleted or replaced in the mirror (their bounds are infinite), with the
    bounds they had (:mod:`planner.engine.optimization.edits`).
    """

    model: pyo.ConcreteModel
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
    maximize: bool = True
    freed: dict[int, tuple[float, float]] = field(default_factory=dict)

    # ------------------------------------------------------------------ columns

    def add_var(
        self,
        name: str,
        index: Sequence[Any] | Labels | None,
        shape: tuple[int, ...],
        lower: np.ndarray | float,
        upper: np.ndarray | float,
        *,
        domain: Any = pyo.Reals,
        present: np.ndarray | None = None,
        doc: str = "",
        period_axis: int | None = None,
    ) -> ColumnBlock:
        """Add the columns of a Pyomo ``Var`` (made in the mirror, on demand).

        Parameters
        ----------
        name
            Component name.
        index
            Index sets (their product, in C order, has ``shape``); ``None`` for a scalar. With
            ``present``, the labels of the present entries instead.
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
        period_axis
            The axis of ``shape`` that is the model's period, if any.
        """
        block = ColumnBlock(
            name, self.n_cols, shape, index=index, domain=domain, doc=doc, period_axis=period_axis
        )
        if present is not None:
            dense = np.full(shape, -1, dtype=np.int64)
            dense[present] = self.n_cols + np.arange(int(present.sum()))
            block.dense = dense
        n = block.size
        lo = np.broadcast_to(np.asarray(lower, dtype=float), (n,)).copy()
        hi = np.broadcast_to(np.asarray(upper, dtype=float), (n,)).copy()
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

    # --------------------------------------------------------------------- rows

    def add_rows(
        self,
        family: str,
        name: str,
        labels: Sequence[Any] | Labels,
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
            Index of each row (tuples or scalars), one per row, or :class:`Labels` made when
            the mirror is built.
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
        doc
            Description with units.

        Returns
        -------
        RowBlock or None
            ``None`` when there are no rows (the mirror has no component for it).
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
        block = RowBlock(
            family,
            name,
            self.n_rows,
            labels,
            indptr,
            cols,
            coefs,
            lo,
            hi,
            mut,
            mutable_lower,
            mutable_upper,
            doc,
        )
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
        self.rows.append(block)
        self.n_rows += n
        return block

    # ---------------------------------------------------------------- objective

    def add_cost(self, col: np.ndarray, coef: np.ndarray) -> None:
        """Add constant objective coefficients."""
        for c, v in zip(np.atleast_1d(col).tolist(), np.atleast_1d(coef).tolist(), strict=True):
            self.cost[c] = self.cost.get(c, 0.0) + v

    def add_mutable_cost(self, col: int, expr: Any) -> None:
        """An objective coefficient that is a Pyomo expression of mutable Params."""
        self.mutables.append(Mutable("cost", -1, int(col), expr))

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
