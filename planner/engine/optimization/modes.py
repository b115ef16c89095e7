"""Power modes: the share of a tier's machines in each mode, per period and scenario.

A tier whose model lists power modes (:mod:`planner.domain.power_modes`) splits its load
``run[k, t, s]`` over its hashing modes: ``mode_run[k, m, t, s]`` is the IT load of its machines
in mode ``m`` [MW], so ``mode_run / (share_m P_k)`` machines run in it (``share_m`` the mode's
share of nameplate power) and the rest of the available machines are off. Hashrate is
``sum_m eh_m mode_run`` with ``eh_m`` the mode's EH/s per MW. Because hashrate is concave in power,
this linear model is exact: the best split of any load is on the interpolated table, and no
binary is needed. Such a tier has no ``run`` column: its load ``run[k, t, s]`` is
``sum_m mode_run[k, m, t, s]``, and every family that reads a tier's load (ramp, minimum down
time, demand response, freeze floor, money) reads that sum
(:meth:`~planner.engine.optimization.context.Context.load_columns`). See ``docs/model.md``
(Optimizer: power modes).
"""

from __future__ import annotations

import numpy as np

from planner.engine.optimization.context import Context
from planner.engine.optimization.matrix import label_tuples
from planner.engine.optimization.operations import concat_terms, moves_terms


def add_mode_variables(ctx: Context) -> None:
    """``mode_run[k, m, t, s]``: IT load of tier ``k``'s machines in mode ``m`` [MW]."""
    d = ctx.data
    if not d.modes:
        return
    tier, share, _ = ctx.mode_arrays()
    upper = ctx.run_upper[tier] * share[:, None, None]
    present = upper > 0
    j, t, s = np.nonzero(present)
    heads = [
        (*ctx.tier_labels[tier[a]], d.tiers[tier[a]].mode_names[d.modes[a][1]])
        for a in range(len(tier))
    ]
    labels = label_tuples(heads, j, t, s, period=1)
    ctx.matrix.add_var(
        "mode_run",
        labels,
        upper.shape,
        0.0,
        upper[present],
        present=present,
        doc="IT load of a tier's machines in one power mode [MW]",
        period_axis=1,
    )


def add_mode_constraints(ctx: Context) -> None:
    """``mode_machines``: the machines in the modes fit the machines available,
    ``sum_m mode_run / share_m <= a P N_k(t)`` (in nameplate MW).

    The tier's load is ``sum_m mode_run`` itself (:meth:`Context.load_columns
    <planner.engine.optimization.context.Context.load_columns>`): no ``run`` column and no row
    defining it.
    """
    d = ctx.data
    if not d.modes:
        return
    tier, share, _ = ctx.mode_arrays()
    cols = ctx.var("mode_run").dense_cols()
    ks = np.unique(tier)
    k, t, s = np.nonzero(ctx.run_upper[ks] > 0)
    k = ks[k]
    rows = np.arange(len(k))
    machines = []
    for r_k in ks.tolist():
        sel = np.flatnonzero(k == r_k)
        for j in np.flatnonzero(tier == r_k).tolist():
            c = cols[j, t[sel], s[sel]]
            present = c >= 0
            machines.append(
                (rows[sel][present], c[present], np.full(int(present.sum()), 1.0 / share[j]))
            )
    cap = d.availability[k, t, s] * d.power_mw[k]
    machines.append(moves_terms(ctx, rows, k, t, -cap))
    ctx.matrix.add_rows(
        "power_modes",
        "mode_machines",
        label_tuples(ctx.tier_labels, k, t, s, period=1),
        *concat_terms(machines),
        -np.inf,
        cap * d.installed[k],
        doc="machines in the modes x nameplate <= machines available x nameplate [MW]",
    )
