"""Second-stage constraint families: how each site runs in each period of each scenario.

``run[k, t, s]`` is the IT load of tier ``k`` [MW] (period mean). The machines a tier holds in
period ``t`` are ``N_k(t) = n_k + sum_o B[k, t, o] ship_o`` (:attr:`Context.moves`), so every
bound that depends on the machines present is linear in the first-stage ``ship``. See
``docs/model.md`` (Optimizer: second stage).
"""

from __future__ import annotations

import math

import numpy as np

from planner.engine.optimization.context import Context
from planner.engine.optimization.matrix import Labels, label_tuples

_EPS = 1e-9
Terms = tuple[np.ndarray, np.ndarray, np.ndarray]


def concat_terms(parts: list[Terms]) -> Terms:
    """Concatenate (row, column, coefficient) term arrays."""
    if not parts:
        empty = np.zeros(0)
        return empty.astype(np.int64), empty.astype(np.int64), empty
    rows, cols, coefs = zip(*parts, strict=True)
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(coefs)


def site_potential(ctx: Context, per_machine: np.ndarray) -> np.ndarray:
    """``sum_{k at i} w[k,t,s] n_k``: the constant part of ``sum_{k at i} w[k,t,s] N_k(t)``
    (:func:`site_moves_terms` gives its ship terms).

    Parameters
    ----------
    per_machine
        ``w``, ``(tiers, periods, scenarios)``.

    Returns
    -------
    numpy.ndarray
        ``(sites, periods, scenarios)``.
    """
    d = ctx.data
    _, n_periods, n_scen = d.shape
    const = np.zeros((len(d.sites), n_periods, n_scen))
    for i in range(len(d.sites)):
        ks = d.site_tier_indices(i)
        const[i] = np.einsum("kts,k->ts", per_machine[ks], d.installed[ks])
    return const


def moves_terms(
    ctx: Context, rows: np.ndarray, k: np.ndarray, t: np.ndarray, scale: np.ndarray
) -> Terms:
    """Terms ``scale[r] sum_o B[k_r, t_r, o] ship_o`` (:attr:`Context.moves`), option by
    option: ``-scale`` where the option leaves tier ``k_r``, ``+scale`` where it has arrived
    there by period ``t_r``. Never makes the dense ``(rows, options)`` array.
    """
    parts = []
    for o, opt in enumerate(ctx.data.options):
        gone = np.flatnonzero(k == opt.from_tier)
        come = np.flatnonzero((k == opt.to_tier) & (t >= opt.arrival_period))
        col = int(ctx.ship_cols()[o])
        parts.append((rows[gone], np.full(len(gone), col), -scale[gone]))
        parts.append((rows[come], np.full(len(come), col), scale[come]))
    return concat_terms(parts)


def site_moves_terms(
    ctx: Context,
    rows: np.ndarray,
    site: np.ndarray,
    t: np.ndarray,
    s: np.ndarray,
    per_machine: np.ndarray,
    scale: np.ndarray,
) -> Terms:
    """Terms ``scale[r] sum_{k at site_r} w[k,t_r,s_r] sum_o B[k, t_r, o] ship_o``: the ship
    part of :func:`site_potential` for the rows given, option by option."""
    d = ctx.data
    parts = []
    for o, opt in enumerate(d.options):
        col = int(ctx.ship_cols()[o])
        for tier, sign, since in ((opt.from_tier, -1.0, 0), (opt.to_tier, 1.0, opt.arrival_period)):
            at = np.flatnonzero((site == d.tier_site[tier]) & (t >= since))
            coef = sign * scale[at] * per_machine[tier, t[at], s[at]]
            parts.append((rows[at], np.full(len(at), col), coef))
    return concat_terms(parts)


def load_terms(
    ctx: Context,
    rows: np.ndarray,
    site: np.ndarray,
    t: np.ndarray,
    s: np.ndarray,
    per_tier: np.ndarray,
    scale: np.ndarray | None = None,
) -> Terms:
    """Terms ``scale[row] sum_{k at site} per_tier[k] run[k, t, s]`` for rows given by arrays.

    Loads that are identically 0 (a tier with no machines or no availability) are left out.
    """
    d = ctx.data
    factor = np.ones(len(rows)) if scale is None else scale
    parts = []
    for i in np.unique(site):
        sel = np.flatnonzero(site == i)
        for k in d.site_tier_indices(int(i)):
            tier = np.full(len(sel), k)
            parts.append(
                tier_load_terms(ctx, rows[sel], tier, t[sel], s[sel], per_tier[k] * factor[sel])
            )
    return concat_terms(parts)


def tier_load_terms(
    ctx: Context, rows: np.ndarray, k: np.ndarray, t: np.ndarray, s: np.ndarray, coefs: np.ndarray
) -> Terms:
    """Terms ``coefs[j] run[k[j], t[j], s[j]]`` in row ``rows[j]``: the ``run`` column, or the
    ``mode_run`` columns of a tier with power modes (:meth:`Context.load_columns`); none where
    the load is identically 0."""
    at, cols = ctx.load_columns(k, t, s)
    return rows[at], cols, coefs[at]


def ship_terms(ctx: Context, rows: np.ndarray, coefs: np.ndarray) -> Terms:
    """Terms ``sum_o coefs[row, o] ship_o``, ``coefs`` ``(rows, options)``, zeros dropped."""
    r, o = np.nonzero(np.abs(coefs) > 0)
    return rows[r], ctx.ship_cols()[o], coefs[r, o]


def period_scenario_labels(n_periods: int, n_scen: int) -> Labels:
    """Labels ``(period, scenario)`` of rows ``period x scenarios + scenario``."""
    t, s = (a.ravel() for a in np.indices((n_periods, n_scen)))
    return label_tuples(range(n_periods), t, s, period=0)


def add_availability_constraints(ctx: Context) -> None:
    """``availability``: ``run[k,t,s] <= a[k,t,s] P_k N_k(t)``.

    Where no option touches tier ``k`` by period ``t``, ``N_k(t) = n_k`` and the bound is the
    variable's upper bound; rows exist only where shipments change the machines present. A tier
    whose power modes all draw at most nameplate needs none: its ``mode_machines`` rows bound
    ``sum_m mode_run / share_m >= run`` by the same right-hand side
    (:func:`~planner.engine.optimization.modes.add_mode_constraints`).
    """
    d = ctx.data
    moves = ctx.moves
    touched = np.abs(moves).sum(axis=2) > 0
    if d.modes:
        tier, share, _ = ctx.mode_arrays()
        bounded = np.setdiff1d(np.unique(tier), tier[share > 1.0])
        touched[bounded] = False
    k, t, s = np.nonzero(touched[:, :, None] & (ctx.run_upper > 0))
    if len(k) == 0:
        return
    rows = np.arange(len(k))
    cap = d.availability[k, t, s] * d.power_mw[k]
    parts = [tier_load_terms(ctx, rows, k, t, s, np.ones(len(k)))]
    parts.append(moves_terms(ctx, rows, k, t, -cap))
    ctx.matrix.add_rows(
        "availability",
        "availability",
        label_tuples(ctx.tier_labels, k, t, s, period=1),
        *concat_terms(parts),
        -np.inf,
        cap * d.installed[k],
        doc="running load <= availability x nameplate x machines present [MW]",
    )


def add_ramp_constraints(ctx: Context) -> None:
    """``ramp``: ``|L[i,t,s] - L[i,t-1,s]| <= R x (dur_{t-1} + dur_t) / 2``.

    ``L = u_i sum_k run`` is the facility load [MW]. Changes the operator does not control (an
    outage, a restart, a thermal derate) are exempt: no row where the availability of any tier of
    the site changes between the two periods.
    """
    d = ctx.data
    ramp = d.settings.ramp_mw_per_h
    if ramp is None or d.shape[1] < 2:
        return
    steady = np.ones((len(d.sites), d.shape[1] - 1, d.shape[2]), dtype=bool)
    for site in range(len(d.sites)):
        ks = d.site_tier_indices(site)
        change = np.abs(np.diff(d.availability[ks], axis=1)).max(axis=0, initial=0.0)
        steady[site] = (change < _EPS) & (len(ks) > 0)
    i, t, s = np.nonzero(steady)
    t = t + 1
    rows = np.arange(len(i))
    per_tier = d.overhead[d.tier_site]
    now = load_terms(ctx, rows, i, t, s, per_tier)
    before = load_terms(ctx, rows, i, t - 1, s, -per_tier)
    limit = ramp * (d.duration_h[t - 1] + d.duration_h[t]) / 2.0
    ctx.matrix.add_rows(
        "ramp",
        "ramp",
        label_tuples(d.fleet.site_ids, i, t, s, period=1),
        *concat_terms([now, before]),
        -limit,
        limit,
        doc="change of facility load between periods within the ramp limit [MW]",
    )


def add_min_down_constraints(ctx: Context) -> None:
    """``min_down``: a stopped site stays stopped for ``D`` periods (big-M on ``on``).

    ``L <= M on``; ``L >= mu x potential - mu M (1 - on)``; ``stop_t >= on_{t-1} - on_t``;
    ``sum_{tau = t-D+1..t} stop_tau <= 1 - on_t``, with ``M`` the site's largest load.
    """
    d = ctx.data
    if d.settings.min_down_hours is None:
        return
    mx = ctx.matrix
    n_sites, (_, n_periods, n_scen) = len(d.sites), d.shape
    span = math.ceil(d.settings.min_down_hours / d.duration_h[0] - _EPS)
    mu = d.settings.min_on_share
    per_tier = d.overhead[d.tier_site]
    big = np.zeros((n_sites, n_periods, n_scen))
    for i in range(n_sites):
        big[i] = d.overhead[i] * ctx.run_upper[d.site_tier_indices(i)].sum(axis=0)
    per_machine = d.availability * d.power_mw[:, None, None]
    const = site_potential(ctx, per_machine)
    i, t, s = (a.ravel() for a in np.indices((n_sites, n_periods, n_scen)))
    rows = np.arange(len(i))
    on = ctx.var("on").col(i, t, s)
    labels = label_tuples(d.fleet.site_ids, i, t, s, period=1)
    load = load_terms(ctx, rows, i, t, s, per_tier)
    mx.add_rows(
        "min_down",
        "min_down_on",
        labels,
        *concat_terms([load, (rows, on, -big[i, t, s])]),
        -np.inf,
        0.0,
        doc="a stopped site draws nothing [MW]",
    )
    u = d.overhead[i]
    floor_ship = site_moves_terms(ctx, rows, i, t, s, per_machine, -mu * u)
    mx.add_rows(
        "min_down",
        "min_down_floor",
        labels,
        *concat_terms([load, floor_ship, (rows, on, -mu * big[i, t, s])]),
        mu * u * const[i, t, s] - mu * big[i, t, s],
        np.inf,
        doc="a running site draws at least min_on_share of its available load [MW]",
    )
    later = t > 0
    i1, t1, s1 = i[later], t[later], s[later]
    rows1 = np.arange(len(i1))
    stop = ctx.var("stop")
    labels1 = label_tuples(d.fleet.site_ids, i1, t1, s1, period=1)
    mx.add_rows(
        "min_down",
        "min_down_stop",
        labels1,
        *concat_terms(
            [
                (rows1, stop.col(i1, t1, s1), np.ones(len(i1))),
                (rows1, ctx.var("on").col(i1, t1 - 1, s1), -np.ones(len(i1))),
                (rows1, ctx.var("on").col(i1, t1, s1), np.ones(len(i1))),
            ]
        ),
        0.0,
        np.inf,
        doc="stop >= on before - on now",
    )
    window = [(rows1, ctx.var("on").col(i1, t1, s1), np.ones(len(i1)))]
    for lag in range(span):
        tau = t1 - lag
        ok = tau >= 1
        window.append((rows1[ok], stop.col(i1[ok], tau[ok], s1[ok]), np.ones(int(ok.sum()))))
    mx.add_rows(
        "min_down",
        "min_down_hold",
        labels1,
        *concat_terms(window),
        -np.inf,
        1.0,
        doc="no restart within the minimum down time of a stop",
    )


def add_demand_response_constraints(ctx: Context) -> None:
    """``demand_response``: in called periods ``L <= potential - committed x called share``.

    ``potential = u_i sum_k a P_k N_k(t)`` [MW]. Periods in which the site has no grid at all are
    exempt (the outage already removed the load). A commitment within the site's nameplate load
    that a period's partial outage or derate leaves it unable to shed in full asks it to shed
    everything it has then (the ledger charges the penalty on the rest). A commitment larger than
    the site's nameplate load makes the model infeasible, and
    :func:`~planner.engine.optimization.solve.solve` names this family.
    """
    d = ctx.data
    committed = np.array([sum(p.committed_mw for p in s.programs.demand_response) for s in d.sites])
    grid_any = np.zeros(d.dr_share.shape, dtype=bool)
    for site in range(len(d.sites)):
        grid_any[site] = (d.grid[d.site_tier_indices(site)] > 0).any(axis=0)
    i, t, s = np.nonzero((committed[:, None, None] > 0) & (d.dr_share > 0) & grid_any)
    if len(i) == 0:
        return
    per_machine = d.availability * d.power_mw[:, None, None]
    const = site_potential(ctx, per_machine)
    u = d.overhead[i]
    nameplate = np.array(
        [d.overhead[k] * (d.power_mw * d.installed)[d.site_tier_indices(int(k))].sum() for k in i]
    )
    required = committed[i] * d.dr_share[i, t, s]
    required = np.where(
        committed[i] <= nameplate + _EPS, np.minimum(required, u * const[i, t, s]), required
    )
    rows = np.arange(len(i))
    parts = [
        load_terms(ctx, rows, i, t, s, d.overhead[d.tier_site]),
        site_moves_terms(ctx, rows, i, t, s, per_machine, -u),
    ]
    ctx.matrix.add_rows(
        "demand_response",
        "demand_response",
        label_tuples(d.fleet.site_ids, i, t, s, period=1),
        *concat_terms(parts),
        -np.inf,
        u * const[i, t, s] - required,
        doc="load in called periods <= potential - committed reduction [MW]",
    )


def add_curtailment_allowance_constraints(ctx: Context) -> None:
    """``curtailment_allowance``: at hosting sites, curtailed energy within the allowance.

    ``sum_t dur_t (potential - L) <= A / 8760 x sum_t dur_t u sum_k P_k N_k(t)`` per scenario,
    ``A / 8760`` the contract's
    :attr:`~planner.domain.economics.ContractTerms.curtailment_allowance_share` (hosting:
    ``curtailment_hours_per_year``, the hours-equivalent at full nameplate load the miner may
    curtail without paying for the reserved power). Contracts without an allowance (tariffs,
    whose hours are the utility's right to interrupt) are not constrained.
    """
    d = ctx.data
    shares = {
        i: share
        for i, site in enumerate(d.sites)
        if (share := site.contract.curtailment_allowance_share) is not None
        and len(d.site_tier_indices(i)) > 0
    }
    if not shares:
        return
    n_scen = d.shape[2]
    upper = ctx.run_upper
    parts, bound, labels = [], [], []
    for r, (i, share) in enumerate(shares.items()):
        ks = d.site_tier_indices(i)
        u, dur = d.overhead[i], d.hours_in[i]
        for k in ks:
            t, s = np.nonzero(upper[k] > 0)
            tier = np.full(len(t), k)
            parts.append(tier_load_terms(ctx, r * n_scen + s, tier, t, s, -u * dur[t, s]))
        # (k, t, s)
        weight = u * dur[None] * d.power_mw[ks, None, None] * (d.availability[ks] - share)
        if d.options:
            coef = np.einsum("kts,kto->so", weight, ctx.moves[ks])
            parts.append(ship_terms(ctx, r * n_scen + np.arange(n_scen), coef))
        bound.append(-np.einsum("kts,k->s", weight, d.installed[ks]))
        labels += [(d.sites[i].id, s) for s in range(n_scen)]
    ctx.matrix.add_rows(
        "curtailment_allowance",
        "curtailment_allowance",
        labels,
        *concat_terms(parts),
        -np.inf,
        np.concatenate(bound),
        doc="curtailed energy <= allowance share of nameplate energy [MWh]",
    )


def add_hashrate_floor_constraints(ctx: Context) -> None:
    """``hashrate_floor``: ``sum_k eh_k run[k,t,s] >= floor`` in every period and scenario.

    With price blocks, the period's mean: ``sum_{b in t} h_b / dur_t sum_k eh_k run[k,b,s]``.

    Tiers with power modes count ``sum_m eh_m mode_run``
    (:mod:`~planner.engine.optimization.modes`).

    With a floor probability ``p``: ``sum_k eh_k run >= floor x met_s`` (big-M with ``M`` = the
    floor itself, the tightest valid value since hashrate is never negative) and
    ``sum_s w_s met_s >= p``.
    """
    d, m = ctx.data, ctx.model
    res = d.resolution
    n_periods, n_scen = len(res.period_hours), d.shape[2]
    k, t, s, cols, eh = ctx.hash_columns()
    rows = res.slot_period[t] * n_scen + s
    terms = [(rows, cols, eh * res.share_in(len(d.sites), n_scen)[d.tier_site[k], t, s])]
    labels = period_scenario_labels(n_periods, n_scen)
    if d.settings.floor_probability is None:
        ctx.matrix.add_rows(
            "hashrate_floor",
            "hashrate_floor",
            labels,
            *concat_terms(terms),
            0.0,
            np.inf,
            mutable_lower=m.hashrate_floor_eh_s,
            doc="fleet hashrate >= floor [EH/s]",
        )
        return
    met = ctx.var("floor_met")
    all_rows = np.arange(n_periods * n_scen)
    mutable = [(int(r), int(met.col(int(r % n_scen))), -m.hashrate_floor_eh_s) for r in all_rows]
    ctx.matrix.add_rows(
        "hashrate_floor",
        "hashrate_floor",
        labels,
        *concat_terms(terms),
        0.0,
        np.inf,
        mutable=mutable,
        doc="fleet hashrate >= floor where the floor is met [EH/s]",
    )
    ctx.matrix.add_rows(
        "hashrate_floor",
        "floor_met_probability",
        ["all"],
        np.zeros(n_scen, dtype=int),
        met.col(np.arange(n_scen)),
        d.weights,
        0.0,
        np.inf,
        mutable_lower=m.floor_probability,
        doc="probability of meeting the floor >= p [-]",
    )


def add_fleet_cap_constraints(ctx: Context) -> None:
    """``fleet_cap``: ``sum_i u_i sum_k run[k,t,s] <= cap`` in every period and scenario.

    The fleet's facility load within one limit (a shared interconnection, a portfolio hedge, a
    grid operator's instruction); the cap is the mutable ``fleet_cap_mw`` [MW]. With price
    blocks, on the period's mean load (the blocks of different sites hold different hours).
    """
    d, m = ctx.data, ctx.model
    if d.settings.fleet_cap_mw is None:
        return
    res = d.resolution
    n_periods, n_scen = len(res.period_hours), d.shape[2]
    k, t, s = np.nonzero(ctx.run_upper > 0)
    rows = res.slot_period[t] * n_scen + s
    ctx.matrix.add_rows(
        "fleet_cap",
        "fleet_cap",
        period_scenario_labels(n_periods, n_scen),
        *tier_load_terms(
            ctx,
            rows,
            k,
            t,
            s,
            d.overhead[d.tier_site[k]] * res.share_in(len(d.sites), n_scen)[d.tier_site[k], t, s],
        ),
        -np.inf,
        np.inf,
        mutable_upper=m.fleet_cap_mw,
        doc="fleet facility load <= fleet cap [MW]",
    )
