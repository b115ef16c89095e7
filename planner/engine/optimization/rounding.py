"""Rounding the relaxation's shipments down: the rows over shipments alone, and their margins.

A row whose every column is a shipment (a site's capacity and slots, an origin's stock, a
route's throughput, the budget) can be broken by rounding its shipments down when it nets them:
a site full to its capacity that sends machines of one model and receives another's is over it
when fewer leave. Tightened by what rounding down could add to it, the row holds after any
rounding down (:func:`~planner.engine.optimization.solve.solve`).
"""

from __future__ import annotations

import highspy
import numpy as np

from planner.engine.optimization.matrix import Matrix


def set_row_bounds(
    h: highspy.Highs, rows: np.ndarray, lower: np.ndarray, upper: np.ndarray
) -> None:
    """Set the bounds of ``rows`` in ``h``, one row at a time (a few hundred rows at most)."""
    for r, lo, up in zip(rows.tolist(), lower.tolist(), upper.tolist(), strict=True):
        h.changeRowBounds(r, lo, up)


def shipment_rows(matrix: Matrix, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows whose every column is one of ``cols``: their numbers, and what rounding those
    columns down can take off the row's activity (the sum of its positive coefficients) and add
    to it (the sum of its negative ones)."""
    among = np.zeros(matrix.n_cols, dtype=bool)
    among[cols] = True
    rows, take, add = [], [], []
    for block in matrix.rows:
        if not len(block.cols) or not among[block.cols].any():
            continue
        row = np.repeat(np.arange(block.size), np.diff(block.indptr))
        other = np.bincount(row, ~among[block.cols], minlength=block.size)
        keep = (other == 0) & (np.diff(block.indptr) > 0)
        rows.append(block.start + np.flatnonzero(keep))
        take.append(np.bincount(row, np.maximum(block.coefs, 0.0), minlength=block.size)[keep])
        add.append(np.bincount(row, -np.minimum(block.coefs, 0.0), minlength=block.size)[keep])
    if not rows:
        return np.zeros(0, dtype=np.int32), np.zeros(0), np.zeros(0)
    return np.concatenate(rows).astype(np.int32), np.concatenate(take), np.concatenate(add)
