"""Full value in the optimizer: freeze damage as the simulation models it, and what each
scenario leaves behind after the horizon (``docs/model.md``, Optimizer: full value).

- ``freeze_protection``: ``warm[h]``, one per cold hour of a freeze-risk site and scenario
  (:class:`~planner.engine.optimization.freeze_data.FreezeData`), may be 1 only if at least the
  idle share ``theta`` of the site's machines run: ``sum_k run[k,t(h),s] / (a[k,t(h),s] P_k) >=
  theta N warm[h]`` (machines running against the machines installed ``N``, the simulation's
  running share).
- ``freeze_damage``: ``damage[c] + sum_{h in w} warm[h] >= 1`` for every window ``w`` of
  ``floor(protection) + 1`` cold hours in a row of the cold run ``c``: a run whose every window
  holds a warm hour has no idle stretch below 0 degC that outlasts the protection; one that has
  is damaged. Stretches shorter than the protection cost nothing. Each column of these rows holds
  consecutive ones (a warm hour is in consecutive windows; a run's damage in all of its windows),
  so the rows are totally unimodular and the relaxation keeps warm hours and damages whole.
- ``after_horizon``: ``after[s] = sum_c cost_c damage[c] + sum_o l[o,s] ship_o``: damage at its
  cost (lost margin inside and after the horizon, repairs; the cheapest of the run's windows) and
  machines still in transit at the horizon's end at their destination's forward margin. The
  objective and the CVaR rows count ``after[s]`` with the scenario's profit.

The simulation damages a run again for a second idle stretch, from the machines left; the model
counts one damage per run, so its value is never below what the simulation can reach.
"""

from __future__ import annotations

import numpy as np

from planner.engine.optimization.context import Context
from planner.engine.optimization.freeze_data import MIN_AVAILABILITY
from planner.engine.optimization.matrix import label_tuples
from planner.engine.optimization.operations import Terms, concat_terms, tier_load_terms


def add_freeze_variables(ctx: Context) -> None:
    """``warm`` and ``damage`` (where there are cold hours), ``after`` per scenario."""
    m, d, mx = ctx.model, ctx.data, ctx.matrix
    fz = d.freeze
    ids = d.fleet.site_ids
    if len(fz.hour):
        mx.add_var(
            "warm",
            [
                [
                    (ids[i], int(s), int(h))
                    for i, s, h in zip(fz.hour_site, fz.hour_scenario, fz.hour, strict=True)
                ]
            ],
            (len(fz.hour),),
            0.0,
            1.0,
            doc="1 if a freeze-risk site keeps its loops warm in a cold hour",
        )
    if len(fz.run_start):
        mx.add_var(
            "damage",
            [
                [
                    (ids[i], int(s), int(b))
                    for i, s, b in zip(fz.run_site, fz.run_scenario, fz.run_start, strict=True)
                ]
            ],
            (len(fz.run_start),),
            0.0,
            1.0,
            doc="1 if a run of cold hours has an idle stretch that outlasts the protection",
        )
    mx.add_var(
        "after",
        [m.scenarios],
        (d.shape[2],),
        -np.inf,
        np.inf,
        doc="what the scenario leaves behind after the horizon [USD]",
    )


def add_freeze_protection_constraints(ctx: Context) -> None:
    """``freeze_protection``: a warm hour runs at least the idle share of the site's machines."""
    d = ctx.data
    fz = d.freeze
    theta = d.settings.freeze_protection_share
    rows_at = np.flatnonzero(~fz.hour_free)
    if not len(rows_at):
        return
    site, scen = fz.hour_site[rows_at], fz.hour_scenario[rows_at]
    period = d.resolution.slot_of(site, fz.hour[rows_at], scen)
    rows = np.arange(len(rows_at))
    machines = np.bincount(d.tier_site, d.installed, minlength=len(d.sites))
    parts: list[Terms] = [(rows, ctx.var("warm").col(rows_at), -theta * machines[site])]
    for k in range(len(d.tiers)):
        r = rows[site == d.tier_site[k]]
        a = d.availability[k, period[r], scen[r]]
        ok = a >= MIN_AVAILABILITY
        r, a = r[ok], a[ok]
        tier = np.full(len(r), k)
        parts.append(tier_load_terms(ctx, r, tier, period[r], scen[r], 1.0 / (a * d.power_mw[k])))
    ids = d.fleet.site_ids
    ctx.matrix.add_rows(
        "freeze_protection",
        "freeze_warm",
        label_tuples(
            ids, fz.hour_site[rows_at], fz.hour_scenario[rows_at], fz.hour[rows_at], period=2
        ),
        *concat_terms(parts),
        0.0,
        np.inf,
        doc="machines running >= idle share x machines installed, in a warm hour [-]",
    )


def add_freeze_damage_constraints(ctx: Context) -> None:
    """``freeze_damage``: every window of a cold run holds a warm hour, or the run is damaged."""
    d = ctx.data
    fz = d.freeze
    n = len(fz.window_start)
    if not n:
        return
    sizes = np.array([len(h) for h in fz.window_hours], dtype=np.int64)
    rows = np.arange(n)
    parts: list[Terms] = [(rows, ctx.var("damage").col(fz.window_run), np.ones(n))]
    if sizes.sum():
        members = np.concatenate(fz.window_hours)
        parts.append((np.repeat(rows, sizes), ctx.var("warm").col(members), np.ones(len(members))))
    ids = d.fleet.site_ids
    ctx.matrix.add_rows(
        "freeze_damage",
        "freeze_window",
        label_tuples(
            ids,
            fz.run_site[fz.window_run],
            fz.run_scenario[fz.window_run],
            fz.window_start,
            period=2,
        ),
        *concat_terms(parts),
        1.0,
        np.inf,
        doc="damage of the run + warm hours of the window >= 1",
    )


def transit_after_usd(ctx: Context) -> np.ndarray:
    """Margin lost after the horizon per machine of each option still in transit at its end,
    ``(options, scenarios)`` [USD]."""
    d = ctx.data
    out = np.zeros((len(d.options), d.shape[2]))
    for o, opt in enumerate(d.options):
        late_h = max(0.0, opt.transit_days * 24.0 - d.hours)
        out[o] = late_h * d.forward_margin[opt.to_tier]
    return out


def add_after_horizon_definitions(ctx: Context) -> None:
    """``after_horizon``: ``after[s] - sum_c cost_c damage[c] - sum_o l[o,s] ship_o = 0``."""
    d = ctx.data
    fz = d.freeze
    n_scen = d.shape[2]
    scen = np.arange(n_scen)
    parts: list[Terms] = [(scen, ctx.var("after").col(scen), np.ones(n_scen))]
    if len(fz.run_start):
        c = np.arange(len(fz.run_start))
        parts.append((fz.run_scenario, ctx.var("damage").col(c), -fz.run_cost_usd))
    if d.options:
        late = transit_after_usd(ctx)  # (options, scenarios)
        o, s = np.nonzero(late > 0)
        parts.append((s, ctx.ship_cols()[o], -late[o, s]))
    ctx.matrix.add_rows(
        "after_horizon",
        "after_horizon_definition",
        list(range(n_scen)),
        *concat_terms(parts),
        0.0,
        0.0,
        doc="freeze damage and late arrivals, valued after the horizon [USD]",
    )
