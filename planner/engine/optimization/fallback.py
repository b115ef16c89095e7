"""The plan shown when the optimizer has no solution in its time limit: the strike rule's.

A solve that runs out of time with no feasible point found still owes its caller a plan. The
fallback is the strike rule run on every scenario the model holds
(:class:`~planner.engine.policies.StrikePrice` with its defaults: a tier runs while its
facility-level breakeven at the last published hashprice covers the last published marginal
power price, with its debounce and hold), no relocation, and the model's own accounting rows
priced on that schedule, the freeze damage it lets happen included (what it leaves behind after
the horizon), so that :func:`~planner.engine.optimization.plan.extract_plan` reads it like any
solution. The fallback need not meet the model's policy rows (a hashrate floor, demand-response
calls): it is what the operator's rule does, shown with a note saying so.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from planner.domain.ledger import Tier, tier_step_breakevens
from planner.domain.power_modes import machine_shares
from planner.engine.ladder import ladder_fraction
from planner.engine.optimization.model import BuiltModel
from planner.engine.policies import StrikePrice

#: The definition rows whose own column (coefficient 1) follows from the schedule, by the
#: variable they define.
ACCOUNTING_ROWS: dict[str, str] = {
    "revenue_definition": "revenue",
    "rt_cost_definition": "rt_cost",
    "fixed_cost_definition": "fixed_cost",
    "after_horizon_definition": "after",
}


def strike_run_fractions(built: BuiltModel, parameters: Mapping[str, float]) -> np.ndarray:
    """The strike rule's run fraction per tier, period and scenario [-].

    Hour by hour on what each scenario had published by the hour's start (the hour before's
    price, the last closed UTC day's hashprice: the rule's information, as in the simulation)
    at the model's scales (``price_scale``, ``hashprice_scale``), averaged over each period's
    (or price block's) hours.

    Returns
    -------
    numpy.ndarray
        ``(tiers, periods, scenarios)`` in [0, 1].
    """
    d = built.data
    rule = StrikePrice()
    sigma_p = float(parameters.get("price_scale", 1.0))
    sigma_h = float(parameters.get("hashprice_scale", 1.0))
    hourly = np.zeros((d.shape[0], d.hours, d.shape[2]))
    for s, scenario in enumerate(d.scenarios):
        for i, site in enumerate(d.sites):
            seen = scenario.site_hours(i).published
            hashprice = sigma_h * seen.hashprice_usd_per_th_day
            marginal = site.contract.marginal_usd_per_mwh(sigma_p * seen.price_usd_per_mwh)
            for k in d.site_tier_indices(i):
                model_id = d.tiers[k].model_id
                tier = Tier(model_id, d.fleet.models[model_id], d.tiers[k].installed)
                width, breakeven = tier_step_breakevens(site, tier, hashprice)
                on = ladder_fraction(
                    marginal, width, breakeven, int(rule.debounce_hours), int(rule.min_hold_hours)
                )
                hourly[k, :, s] = on
    return d.resolution.mean(hourly, d.tier_site)


def strike_values(built: BuiltModel, parameters: Mapping[str, float]) -> np.ndarray:
    """Column values of the strike rule's plan, in the model's column order.

    ``run`` is the rule's fraction of what each tier has available with no relocation; a PPA
    site's energy fills its contracted block first (``ppa_in``); revenue and energy cost are
    the model's definition rows evaluated on that schedule. Risk, order and on/off columns stay
    0: the plan reads none of them.

    Parameters
    ----------
    built
        The model (built from scenarios, :attr:`ModelData.scenarios`).
    parameters
        Current values of the mutable parameters.

    Returns
    -------
    numpy.ndarray
        ``(columns,)``.
    """
    d, ctx, matrix = built.data, built.context, built.matrix
    values = np.zeros(matrix.n_cols)
    available = d.availability * (d.power_mw * d.installed)[:, None, None]
    fractions = strike_run_fractions(built, parameters)
    running = fractions * available
    run = ctx.run_cols()
    present = run >= 0
    values[run[present]] = running[present]
    _mode_values(built, fractions, available, values)
    _freeze_values(built, fractions, values)
    for j, i in enumerate(ctx.ppa_sites()):
        ks = d.site_tier_indices(i)
        energy = d.overhead[i] * running[ks].sum(axis=0) * d.hours_in[i]
        block = d.sites[i].contract.block_mw * d.hours_in[i]
        cols = ctx.var("ppa_in").col(j, *np.indices(energy.shape))
        values[cols] = np.minimum(energy, block)
    for rows in matrix.rows:
        variable = ACCOUNTING_ROWS.get(rows.name)
        if variable is None:
            continue
        # Each row reads ``own - sum(coef x) = constant``; the own column is still 0 in values.
        row_of_term = np.repeat(np.arange(rows.size), np.diff(rows.indptr))
        sums = np.bincount(row_of_term, rows.coefs * values[rows.cols], minlength=rows.size)
        values[ctx.var(variable).col(np.arange(rows.size))] = rows.lower - sums
    return values


def _mode_values(
    built: BuiltModel, fractions: np.ndarray, available: np.ndarray, values: np.ndarray
) -> None:
    """Each tier's load split over its power modes as the table's mix splits it
    (:func:`~planner.domain.power_modes.machine_shares`)."""
    d, ctx = built.data, built.context
    if not d.modes:
        return
    cols = ctx.var("mode_run").dense_cols()
    for j, (k, m) in enumerate(d.modes):
        power_share = np.asarray(d.tiers[k].power_share)
        machines = machine_shares(fractions[k], power_share)[..., m]
        present = cols[j] >= 0
        values[cols[j][present]] = (machines * power_share[m] * available[k])[present]


def _freeze_values(built: BuiltModel, fractions: np.ndarray, values: np.ndarray) -> None:
    """The strike rule's warm hours and freeze damages, as the model counts them.

    A cold hour is warm when the rule runs at least the idle share of the site's machines (the
    simulation's test); a cold run is damaged when one of its windows has no warm hour.
    """
    d, ctx = built.data, built.context
    fz = d.freeze
    if not len(fz.hour):
        return
    period = d.resolution.slot_of(fz.hour_site, fz.hour, fz.hour_scenario)
    share = np.zeros(len(fz.hour))
    for i in np.unique(fz.hour_site):
        ks = d.site_tier_indices(int(i))
        at = np.flatnonzero(fz.hour_site == i)
        n = d.installed[ks]
        share[at] = (
            n @ fractions[ks][:, period[at], fz.hour_scenario[at]] / max(float(n.sum()), 1.0)
        )
    warm = (share >= d.settings.freeze_protection_share).astype(float)
    values[ctx.var("warm").col(np.arange(len(fz.hour)))] = warm
    if len(fz.run_start):
        damaged = np.zeros(len(fz.run_start))
        for w, members in enumerate(fz.window_hours):
            if warm[members].sum() == 0:
                damaged[fz.window_run[w]] = 1.0
        values[ctx.var("damage").col(np.arange(len(fz.run_start)))] = damaged
