"""Power modes: the share of a tier's machines in each mode, per period and scenario.

A tier whose model lists power modes (:mod:`planner.domain.power_modes`) splits its load
``run[k, t, s]`` over its hashing modes: ``mode_run[k, m, t, s]`` is the IT load of its machines
in mode ``m`` [MW], so ``mode_run / (share_m P_k)`` machines run in it (``share_m`` the mode's
share of nameplate power) and the rest of the available machines are off. Hashrate is
``sum_m eh_m mode_run`` with ``eh_m`` the mode's EH/s per MW. Because hashrate is concave in power,
this linear model is exact: the best split of any load is on the interpolated table, and no
binary is needed. Every other family (ramp, minimum down time, demand response, freeze floor,
money) reads ``run`` as before. See ``docs/model.md`` (Optimizer: power modes).
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
    """``mode_split``: ``run = sum_m mode_run``; ``mode_machines``: the machines in the modes fit
    the machines available, ``sum_m mode_run / share_m <= a P N_k(t)`` (in nameplate MW)."""
    d = ctx.data
    if not d.modes:
        return
    tier, share, _ = ctx.mode_arrays()
    cols = ctx.var("mode_run").dense_cols()
    run = ctx.run_cols()
    ks = np.unique(tier)
    k, t, s = np.nonzero(ctx.run_upper[ks] > 0)
    k = ks[k]
    rows = np.arange(len(k))
    where = {int(kk): np.flatnonzero(tier == kk) for kk in ks}
    split = [(rows, run[k, t, s], np.ones(len(k)))]
    machines = []
    for r_k in ks.tolist():
        sel = np.flatnonzero(k == r_k)
        for j in where[r_k].tolist():
            present = cols[j, t[sel], s[sel]] >= 0
            r, c = rows[sel][present], cols[j, t[sel][present], s[sel][present]]
            split.append((r, c, -np.ones(len(r))))
            machines.append((r, c, np.full(len(r), 1.0 / share[j])))
    labels = label_tuples(ctx.tier_labels, k, t, s, period=1)
    ctx.matrix.add_rows(
        "power_modes",
        "mode_split",
        labels,
        *concat_terms(split),
        0.0,
        0.0,
        doc="a tier's load = the load of its machines in each mode [MW]",
    )
    cap = d.availability[k, t, s] * d.power_mw[k]
    machines.append(moves_terms(ctx, rows, k, t, -cap))
    ctx.matrix.add_rows(
        "power_modes",
        "mode_machines",
        labels,
        *concat_terms(machines),
        -np.inf,
        cap * d.installed[k],
        doc="machines in the modes x nameplate <= machines available x nameplate [MW]",
    )
