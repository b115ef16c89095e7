"""Money: revenue and energy cost per scenario, the PPA split, and the CVaR of loss.

Per scenario, ``revenue_s`` (at hashprice scale 1), ``rt_cost_s`` (the part of the energy cost
that moves with real-time prices, at price scale 1) and ``fixed_cost_s`` (adders, flat rates, PPA
block, 4CP, less demand-response payments) are variables defined by equality rows, so the
scenario's profit ``hs x revenue_s - ps x rt_cost_s - fixed_cost_s`` carries the mutable scales on
two coefficients only. See ``docs/model.md`` (Optimizer: money and risk).
"""

from __future__ import annotations

import numpy as np

from planner.domain.economics.units import HOURS_PER_DAY, KW_PER_MW, TH_PER_EH
from planner.engine.optimization.context import Context
from planner.engine.optimization.matrix import label_tuples
from planner.engine.optimization.operations import Terms, concat_terms, load_terms


def add_ppa_split_constraints(ctx: Context) -> None:
    """``ppa_split``: energy within the contracted block never exceeds the energy drawn.

    ``u_i dur_t sum_k run[k,t,s] - ppa_in[i,t,s] >= 0``; ``ppa_in`` is bounded by ``C_i dur_t``.
    Energy above the block (``E - ppa_in``) is bought at the real-time price; the block itself is
    paid whatever is drawn, and with sell-back the unused part earns ``price - discount``.
    """
    d = ctx.data
    ppa = ctx.ppa_sites()
    if not ppa:
        return
    _, n_periods, n_scen = d.shape
    j, t, s = (a.ravel() for a in np.indices((len(ppa), n_periods, n_scen)))
    site = np.array(ppa)[j]
    rows = np.arange(len(j))
    load = load_terms(ctx, rows, site, t, s, d.overhead[d.tier_site], scale=d.hours_in[site, t, s])
    inside = (rows, ctx.var("ppa_in").col(j, t, s), -np.ones(len(j)))
    ctx.matrix.add_rows(
        "ppa_split",
        "ppa_split",
        label_tuples(d.fleet.site_ids, site, t, s, period=1),
        *concat_terms([load, inside]),
        0.0,
        np.inf,
        doc="energy drawn - energy within the contracted block >= 0 [MWh]",
    )


def add_revenue_definitions(ctx: Context) -> None:
    """``revenue``: ``revenue_s = sum_{k,t} hashprice[i,t,s] eh_k 10^6 dur_t / 24 run[k,t,s]``.

    ``hashprice[i, t, s]`` is the mean over the hours of the site's period (or price block).

    For a tier with power modes, ``sum_m eh_m mode_run[k,m,t,s]`` in place of ``eh_k run``
    (:mod:`~planner.engine.optimization.modes`).
    """
    d = ctx.data
    k, t, s, cols, eh = ctx.hash_columns()
    site = d.tier_site[k]
    per_mw = d.hashprice[site, t, s] * eh * TH_PER_EH * d.hours_in[site, t, s] / HOURS_PER_DAY
    n_scen = d.shape[2]
    own = (np.arange(n_scen), ctx.var("revenue").col(np.arange(n_scen)), np.ones(n_scen))
    ctx.matrix.add_rows(
        "revenue",
        "revenue_definition",
        list(range(n_scen)),
        *concat_terms([own, (s, cols, -per_mw)]),
        0.0,
        0.0,
        doc="mining revenue of the scenario at hashprice scale 1 [USD]",
    )


def add_energy_cost_definitions(ctx: Context) -> None:
    """``energy_cost``: ``rt_cost_s`` and ``fixed_cost_s`` from each site's contract.

    Each contract gives its terms (:meth:`~planner.domain.economics.ContractTerms.linear_cost`):
    index ``rt = price x E``, ``fixed = adder x E``; PPA with sell-back
    ``rt = price x (E - C dur)``, ``fixed = (k + d) C dur - d ppa_in``; PPA without sell-back
    ``rt = price x (E - ppa_in)``, ``fixed = k C dur``; flat ``fixed = 1000 rate x E``. 4CP:
    ``fixed += rate x 1000 / 4 x peak hours x L``. Demand response: ``fixed -= committed x
    payment x dur``. ``E = u dur sum_k run`` [MWh], ``L = u sum_k run`` [MW]. Terms whose
    coefficients are all 0 are not written.
    """
    d = ctx.data
    _, n_periods, n_scen = d.shape
    rt_parts: list[Terms] = []
    fixed_parts: list[Terms] = []
    rt_const = np.zeros(n_scen)
    fixed_const = np.zeros(n_scen)
    t_all, s_all = (a.ravel() for a in np.indices((n_periods, n_scen)))
    u_tier = d.overhead[d.tier_site]
    ppa_order = {i: j for j, i in enumerate(ctx.ppa_sites())}
    for i, site in enumerate(d.sites):
        site_rows = np.full(len(t_all), i)
        dur = d.hours_in[i, t_all, s_all]
        cost = site.contract.linear_cost(d.price[i, t_all, s_all], dur)
        if np.any(cost.rt_per_mwh != 0):
            rt_parts.append(
                load_terms(ctx, s_all, site_rows, t_all, s_all, u_tier, cost.rt_per_mwh * dur)
            )
        if i in ppa_order:
            inside = ctx.var("ppa_in").col(ppa_order[i], t_all, s_all)
            for parts, per_block in (
                (rt_parts, cost.rt_per_block_mwh),
                (fixed_parts, cost.fixed_per_block_mwh),
            ):
                if np.any(per_block != 0):
                    parts.append((s_all, inside, per_block))
        rt_const += np.bincount(s_all, cost.rt_usd, n_scen)
        fixed_const += np.bincount(s_all, cost.fixed_usd, n_scen)
        four_cp = site.programs.four_cp
        peak_cost = np.zeros(len(t_all))
        if four_cp is not None:
            peak_cost = (
                four_cp.rate_usd_per_kw_year * KW_PER_MW / 4.0 * d.four_cp_hours[i, t_all, s_all]
            )
        per_mw = cost.fixed_per_mwh * dur + peak_cost
        if np.any(per_mw != 0):
            fixed_parts.append(load_terms(ctx, s_all, site_rows, t_all, s_all, u_tier, per_mw))
        credit = sum(p.committed_mw * p.payment_usd_per_mw_h for p in site.programs.demand_response)
        fixed_const -= credit * np.bincount(s_all, dur, n_scen)
    scen = np.arange(n_scen)
    for family, name, var, parts, const in (
        ("energy_cost", "rt_cost_definition", "rt_cost", rt_parts, rt_const),
        ("energy_cost", "fixed_cost_definition", "fixed_cost", fixed_parts, fixed_const),
    ):
        row, col, coef = concat_terms(parts)
        own = (scen, ctx.var(var).col(scen), np.ones(n_scen))
        ctx.matrix.add_rows(
            family,
            name,
            list(range(n_scen)),
            *concat_terms([own, (row, col, -coef)]),
            const,
            const,
            doc=f"{var} of the scenario [USD]",
        )


def add_cvar_constraints(ctx: Context) -> None:
    """``cvar``: ``excess_loss_s >= loss_s - eta`` (Rockafellar-Uryasev).

    ``loss_s = -(hs revenue_s - ps rt_cost_s - fixed_cost_s) + sum_o cost_o ship_o +
    after_s`` (what the scenario leaves behind after the horizon,
    :mod:`~planner.engine.optimization.freeze`); the objective subtracts
    ``lambda (eta + 1 / (1 - alpha) sum_s w_s excess_loss_s)``.
    """
    d, m = ctx.data, ctx.model
    n_scen = d.shape[2]
    scen = np.arange(n_scen)
    ship = ctx.ship_cols()
    cost = np.array([o.cost_usd_per_machine for o in d.options])
    parts: list[Terms] = [
        (scen, ctx.var("excess_loss").col(scen), np.ones(n_scen)),
        (scen, np.full(n_scen, int(ctx.var("eta").col())), np.ones(n_scen)),
        (scen, ctx.var("fixed_cost").col(scen), -np.ones(n_scen)),
        (scen, ctx.var("after").col(scen), -np.ones(n_scen)),
        (np.repeat(scen, len(ship)), np.tile(ship, n_scen), np.tile(-cost, n_scen)),
    ]
    mutable = []
    for s in range(n_scen):
        mutable.append((s, int(ctx.var("revenue").col(s)), m.hashprice_scale))
        mutable.append((s, int(ctx.var("rt_cost").col(s)), -m.price_scale))
    ctx.matrix.add_rows(
        "cvar",
        "cvar",
        list(range(n_scen)),
        *concat_terms(parts),
        0.0,
        np.inf,
        mutable=mutable,
        doc="loss above eta, per scenario [USD]",
    )
