"""First-stage constraint families: the decisions taken now, the same in every scenario.

Machines move at period 0 along a route (an *option* is a route and a miner model), leave their
origin at once and hash at the destination from the option's arrival period. Orders with a lead
time (shedding and restoring machines, protective orders) fix each site's run shares over its
first periods (:attr:`~planner.engine.optimization.data.ModelData.lead_periods`) before the
scenario is known. See ``docs/model.md`` (Optimizer: first stage).
"""

from __future__ import annotations

import numpy as np

from planner.engine.optimization.context import Context
from planner.engine.optimization.matrix import label_tuples
from planner.engine.optimization.operations import concat_terms, tier_load_terms


def add_stock_constraints(ctx: Context) -> None:
    """``origin_stock``: an origin tier ships at most the machines it has.

    ``sum_{o from k} ship_o <= n_k`` for each tier ``k`` that some option leaves.
    """
    d = ctx.data
    origins = sorted({o.from_tier for o in d.options})
    where = {k: r for r, k in enumerate(origins)}
    rows = [where[o.from_tier] for o in d.options]
    ctx.matrix.add_rows(
        "origin_stock",
        "origin_stock",
        [ctx.tier_labels[k] for k in origins],
        np.array(rows),
        ctx.ship_cols(),
        np.ones(len(rows)),
        -np.inf,
        d.installed[origins],
        doc="machines shipped from a tier <= machines installed there [-]",
    )


def add_throughput_constraints(ctx: Context) -> None:
    """``route_throughput``: ``sum_{o on r} ship_o <= floor(max_per_week x hours / 168)``."""
    d = ctx.data
    routes = sorted({o.route for o in d.options})
    where = {r: i for i, r in enumerate(routes)}
    fleet = d.fleet
    ctx.matrix.add_rows(
        "route_throughput",
        "route_throughput",
        [(fleet.routes[r].from_site, fleet.routes[r].to_site, r) for r in routes],
        np.array([where[o.route] for o in d.options]),
        ctx.ship_cols(),
        np.ones(len(d.options)),
        -np.inf,
        d.route_caps[routes],
        doc="machines moved on a route over the horizon <= its throughput [-]",
    )


def _site_terms(ctx: Context, per_machine: np.ndarray) -> tuple[list[int], np.ndarray, np.ndarray]:
    """Rows per touched site: ``sum_in per_machine[to] ship - sum_out per_machine[from] ship``."""
    d = ctx.data
    touched = sorted({o.from_tier for o in d.options} | {o.to_tier for o in d.options})
    sites = sorted({int(d.tier_site[k]) for k in touched})
    where = {i: r for r, i in enumerate(sites)}
    rows, coefs = [], []
    for o in d.options:
        rows += [where[int(d.tier_site[o.to_tier])], where[int(d.tier_site[o.from_tier])]]
        coefs += [per_machine[o.to_tier], -per_machine[o.from_tier]]
    return sites, np.array(rows), np.array(coefs)


def add_slot_constraints(ctx: Context) -> None:
    """``slots``: machines at a site after all moves fit its slots.

    ``n_i + sum_in ship - sum_out ship <= slots_i``.
    """
    d = ctx.data
    sites, rows, coefs = _site_terms(ctx, np.ones(len(d.tiers)))
    installed = np.array([sum(d.sites[i].machines.values()) for i in sites], dtype=float)
    ctx.matrix.add_rows(
        "slots",
        "slots",
        [d.sites[i].id for i in sites],
        rows,
        np.repeat(ctx.ship_cols(), 2),
        coefs,
        -np.inf,
        np.array([d.sites[i].slots for i in sites], dtype=float) - installed,
        doc="machines at a site after relocations <= slots [-]",
    )


def add_capacity_constraints(ctx: Context) -> None:
    """``site_capacity``: nameplate IT power after all moves x overhead fits the site capacity.

    ``u_i sum_k P_k N_k <= capacity_i``. Because ``run <= availability x P x N`` with availability
    at most 1, this also keeps every period's load within capacity: no hourly rows are needed.
    """
    d = ctx.data
    per_machine = d.power_mw * d.overhead[d.tier_site]
    sites, rows, coefs = _site_terms(ctx, per_machine)
    load = np.array([d.overhead[i] * d.fleet.installed_power_mw(d.sites[i]) for i in sites])
    ctx.matrix.add_rows(
        "site_capacity",
        "site_capacity",
        [d.sites[i].id for i in sites],
        rows,
        np.repeat(ctx.ship_cols(), 2),
        coefs,
        -np.inf,
        np.array([d.sites[i].capacity_mw for i in sites]) - load,
        doc="facility power of the machines at a site after relocations <= capacity [MW]",
    )


def add_budget_constraints(ctx: Context) -> None:
    """``relocation_budget``: ``sum_o cost_o ship_o <= budget`` (a mutable bound)."""
    d = ctx.data
    if not d.options:
        return
    ctx.matrix.add_rows(
        "relocation_budget",
        "relocation_budget",
        ["all"],
        np.zeros(len(d.options), dtype=int),
        ctx.ship_cols(),
        np.array([o.cost_usd_per_machine for o in d.options]),
        -np.inf,
        np.inf,
        mutable_upper=ctx.model.relocation_budget_usd,
        doc="relocation cost <= budget [USD]",
    )


def add_nonanticipativity_constraints(ctx: Context) -> None:
    """``nonanticipativity``: ``run[k,t,s] = order[k,t] x run_max[k,t,s]`` over the lead periods.

    ``order[k, t]`` is the share of the tier's available machines ordered to run, decided now for
    every period ``t`` before the site's lead ends; ``run_max`` is the variable's upper bound
    (availability x nameplate x most machines present). Scenarios in which the tier has nothing
    available have no row: the order holds for whatever is available. Rows are written divided
    by ``run_max`` (a share on both sides), which keeps their coefficients near 1.
    """
    order = ctx.var("order")
    cols = order.dense_cols()
    upper = ctx.run_upper
    k, t, s = np.nonzero((cols[:, :, None] >= 0) & (upper > 0))
    if len(k) == 0:
        return
    rows = np.arange(len(k))
    load = tier_load_terms(ctx, rows, k, t, s, 1.0 / upper[k, t, s])
    ctx.matrix.add_rows(
        "nonanticipativity",
        "nonanticipativity",
        label_tuples(ctx.tier_labels, k, t, s, period=1),
        *concat_terms([load, (rows, cols[k, t], -np.ones(len(k)))]),
        0.0,
        0.0,
        doc="run within the lead time / the most available = the share ordered now [-]",
    )
