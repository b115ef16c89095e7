"""A start for the next model of a rolling plan: the last basis, mapped period by period.

Consecutive windows of a rolling plan are models of the same fleet over hours shifted by the
step, but not the same model: the scenarios are drawn afresh, so which tier-hours can run (and
so which columns exist) changes, and a window cut at the end of the horizon is shorter. HiGHS
takes a basis only for the model it is set on, so the previous basis is mapped entry by entry:

- a column of the new model at period ``t`` is the previous model's column of the same variable
  at period ``t + shift`` with the same other coordinates (tier, scenario, site, ...;
  :attr:`~planner.engine.optimization.matrix.ColumnBlock.period_axis`), a variable without a
  period the one at the same position when both blocks have the same shape;
- a row likewise, by the integer parts its labels are made from
  (:attr:`~planner.engine.optimization.matrix.Labels.parts`, the period part shifted); rows
  whose labels are plain lists match by position when both blocks have as many rows;
- a matched column or row takes the previous status; a new column starts nonbasic at a finite
  bound (a free one at zero) and a new row basic (its slack); a nonbasic status at a bound the
  new model lacks moves to the bound it has;
- the count of basic entries is then made the number of rows, as a basis needs: nonbasic rows
  made basic from the last row back, or basic rows (then columns) with a finite bound made
  nonbasic at it.

The basis may still be singular; HiGHS repairs that by swapping in slacks. Whatever the start,
the simplex ends at an optimum of the new model: a start changes how long the solve takes, never
its answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
import pandas as pd

from planner.engine.optimization.matrix import ColumnBlock, Labels, Matrix, RowBlock

#: HiGHS basis status codes (``highspy.HighsBasisStatus``).
LOWER, BASIC, UPPER, ZERO = 0, 1, 2, 3

_STATUS = {int(s.value): s for s in highspy.HighsBasisStatus.__members__.values()}


@dataclass(frozen=True, eq=False)
class Basis:
    """A solved model's simplex basis, with the model it belongs to.

    Attributes
    ----------
    matrix
        The model.
    col_status, row_status
        HiGHS status code of each column and row (:data:`LOWER`, :data:`BASIC`, :data:`UPPER`,
        :data:`ZERO`).
    times
        The model's period starts, UTC.
    solve_seconds
        How long a cold solve of the model took: its own first solve, or for a model started
        from an earlier basis the time that basis carried (a rolling plan keeps the first
        window's) [s].
    """

    matrix: Matrix
    col_status: np.ndarray
    row_status: np.ndarray
    times: pd.DatetimeIndex
    solve_seconds: float = 0.0


@dataclass(frozen=True)
class MappedBasis:
    """A basis for a new model mapped from a previous one (:func:`shifted_basis`).

    Attributes
    ----------
    col_status, row_status
        Status code of each column and row of the new model.
    matched_cols, matched_rows
        Columns and rows that took the previous model's status [-].
    """

    col_status: np.ndarray
    row_status: np.ndarray
    matched_cols: int
    matched_rows: int


def read_basis(
    matrix: Matrix, highs: highspy.Highs, times: pd.DatetimeIndex, solve_seconds: float = 0.0
) -> Basis | None:
    """The basis HiGHS holds for ``matrix`` after a solve (periods starting at ``times``; a cold
    solve ``solve_seconds`` long [s]), ``None`` when it has no valid one."""
    basis = highs.getBasis()
    if not basis.valid:
        return None
    cols = basis.col_status  # each read converts the whole list
    if len(cols) != matrix.n_cols:
        return None
    return Basis(
        matrix,
        np.array([s.value for s in cols], dtype=np.int8),
        np.array([s.value for s in basis.row_status], dtype=np.int8),
        times,
        solve_seconds,
    )


def period_shift(before: pd.DatetimeIndex, now: pd.DatetimeIndex) -> int | None:
    """How many periods of ``before`` come ahead of ``now``'s first, when ``now``'s periods are
    ``before``'s from there on (as far as both go); ``None`` when they are not.

    Examples
    --------
    >>> hours = pd.date_range("2025-01-01", periods=72, freq="h")
    >>> period_shift(hours, hours[24:]), period_shift(hours[24:], hours)
    (24, None)
    >>> period_shift(hours, hours[::2]) is None  # 2-hourly periods are not these
    True
    """
    if not len(before) or not len(now):
        return None
    shift = int(before.searchsorted(now[0]))
    n = min(len(before) - shift, len(now))
    if shift >= len(before) or not before[shift : shift + n].equals(now[:n]):
        return None
    return shift


def set_basis(highs: highspy.Highs, mapped: MappedBasis) -> bool:
    """Give HiGHS the mapped basis to start its next simplex from; whether it took it."""
    basis = highspy.HighsBasis()
    basis.col_status = [_STATUS[v] for v in mapped.col_status.tolist()]
    basis.row_status = [_STATUS[v] for v in mapped.row_status.tolist()]
    basis.valid = True
    return bool(highs.setBasis(basis) == highspy.HighsStatus.kOk)


def shifted_basis(previous: Basis, matrix: Matrix, shift: int) -> MappedBasis:
    """The previous basis mapped onto ``matrix``, whose period ``t`` is the previous ``t + shift``.

    Parameters
    ----------
    previous
        The basis of the previous model.
    matrix
        The new model.
    shift
        Periods the new model starts after the previous one [-].

    Returns
    -------
    MappedBasis
        A status per column and row with as many basic entries as rows (module docstring).
    """
    old = previous.matrix
    col_lo, col_hi = (
        _bounds(matrix.col_lower, matrix.n_cols),
        _bounds(matrix.col_upper, matrix.n_cols),
    )
    row_lo = _bounds([b.lower for b in matrix.rows], matrix.n_rows)
    row_hi = _bounds([b.upper for b in matrix.rows], matrix.n_rows)
    cols = np.where(np.isfinite(col_lo), LOWER, np.where(np.isfinite(col_hi), UPPER, ZERO))
    cols = cols.astype(np.int8)
    rows = np.full(matrix.n_rows, BASIC, dtype=np.int8)
    matched_cols = matched_rows = 0
    for block in matrix.columns.values():
        before = old.columns.get(block.name)
        if before is None:
            continue
        new_at, old_at = _match(_column_coords(before), _column_coords(block), shift)
        cols[block.start + new_at] = previous.col_status[before.start + old_at]
        matched_cols += len(new_at)
    old_rows = {b.name: b for b in old.rows}
    for row_block in matrix.rows:
        found = old_rows.get(row_block.name)
        if found is None:
            continue
        new_at, old_at = _match(_row_coords(found), _row_coords(row_block), shift)
        rows[row_block.start + new_at] = previous.row_status[found.start + old_at]
        matched_rows += len(new_at)
    _to_bounds(cols, col_lo, col_hi, free=ZERO)
    _to_bounds(rows, row_lo, row_hi, free=BASIC)
    _count_basics(cols, rows, col_lo, col_hi, row_lo, row_hi)
    return MappedBasis(cols, rows, matched_cols, matched_rows)


def _bounds(parts: list[np.ndarray], n: int) -> np.ndarray:
    return np.concatenate(parts).astype(float) if parts else np.zeros(n)


def _to_bounds(status: np.ndarray, lo: np.ndarray, hi: np.ndarray, *, free: int) -> None:
    """Nonbasic entries at a bound they have: at the other bound when theirs is infinite,
    ``free`` when both are."""
    nonbasic = status != BASIC
    at = np.where(np.isfinite(lo), LOWER, np.where(np.isfinite(hi), UPPER, free))
    wrong = nonbasic & (
        ((status == LOWER) & ~np.isfinite(lo))
        | ((status == UPPER) & ~np.isfinite(hi))
        | ((status != LOWER) & (status != UPPER))
    )
    status[wrong] = at[wrong]


def _count_basics(
    cols: np.ndarray,
    rows: np.ndarray,
    col_lo: np.ndarray,
    col_hi: np.ndarray,
    row_lo: np.ndarray,
    row_hi: np.ndarray,
) -> None:
    """As many basic entries as rows: nonbasic rows made basic, or basic rows and then basic
    columns with a finite bound made nonbasic at it, from the last one back."""
    surplus = int((cols == BASIC).sum() + (rows == BASIC).sum()) - len(rows)
    if surplus < 0:
        pick = np.flatnonzero(rows != BASIC)[surplus:]
        rows[pick] = BASIC
        return
    for status, lo, hi in ((rows, row_lo, row_hi), (cols, col_lo, col_hi)):
        if surplus == 0:
            return
        can = np.flatnonzero((status == BASIC) & (np.isfinite(lo) | np.isfinite(hi)))
        pick = can[len(can) - min(surplus, len(can)) :]
        status[pick] = np.where(np.isfinite(lo[pick]), LOWER, UPPER)
        surplus -= len(pick)


Coords = tuple[np.ndarray, int | None] | int
"""Integer coordinates of a block's entries ``(entries, parts)`` and which part is the period,
or, for a block without coordinates, its number of entries (matched by position)."""


def _column_coords(block: ColumnBlock) -> Coords:
    if not block.shape:
        return np.zeros((1, 0), dtype=np.int64), None
    if block.dense is not None:
        return np.stack(np.nonzero(block.dense >= 0), axis=1), block.period_axis
    size = int(np.prod(block.shape))
    return np.indices(block.shape).reshape(len(block.shape), size).T, block.period_axis


def _row_coords(block: RowBlock) -> Coords:
    labels = block.labels
    if isinstance(labels, Labels) and labels.parts:
        parts = [np.asarray(p) for p in labels.parts]
        if all(np.issubdtype(p.dtype, np.integer) for p in parts):
            return np.stack([p.astype(np.int64) for p in parts], axis=1), labels.period
    return block.size


def _match(old: Coords, new: Coords, shift: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions in the new block and in the old one of the entries they share."""
    if isinstance(old, int) or isinstance(new, int):
        if isinstance(old, int) and isinstance(new, int) and old == new:
            return np.arange(new), np.arange(old)
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    (a, period), (b, new_period) = old, new
    if a.shape[1] != b.shape[1] or period != new_period or not len(a) or not len(b):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    a = a.copy()
    keep = np.arange(len(a))
    if period is not None:
        a[:, period] -= shift
        keep = np.flatnonzero(a[:, period] >= 0)
        a = a[keep]
    if not a.shape[1]:  # scalars
        return np.zeros(1, dtype=np.int64), keep[:1]
    if not len(a) or (a < 0).any() or (b < 0).any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    dims = np.maximum(a.max(axis=0, initial=0), b.max(axis=0, initial=0)) + 1
    if float(np.prod(dims.astype(float))) >= 2.0**62:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    key_old = np.ravel_multi_index(tuple(a.T), tuple(dims))
    key_new = np.ravel_multi_index(tuple(b.T), tuple(dims))
    order = np.argsort(key_old, kind="stable")
    at = np.searchsorted(key_old[order], key_new)
    at = np.minimum(at, len(order) - 1)
    hit = key_old[order][at] == key_new
    return np.flatnonzero(hit), keep[order[at[hit]]]
