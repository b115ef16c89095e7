"""The optimizer's model, built in named steps that match ``docs/model.md`` (Optimizer).

:func:`build_model` runs the steps in order: sets, mutable parameters, variables, one function per
constraint family (first stage in :mod:`~planner.engine.optimization.first_stage`, operations in
:mod:`~planner.engine.optimization.operations`, money in :mod:`~planner.engine.optimization.money`),
objective. Bulk data (availability, prices, hashprice) are numpy arrays baked into coefficients;
only the what-if scalars are mutable ``Param`` s, so an update touches a few hundred coefficients.
The steps make the solver's arrays; the Pyomo variables, constraints and objective are made from
them when :attr:`BuiltModel.model` is first read (:mod:`~planner.engine.optimization.mirror`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from planner.engine.optimization import first_stage, freeze, modes, money, operations
from planner.engine.optimization.context import Context
from planner.engine.optimization.data import ModelData
from planner.engine.optimization.matrix import INF, Matrix, label_tuples
from planner.engine.optimization.mirror import Mirror, build_mirror

#: The mutable parameters a built model accepts in :meth:`PlanSolver.update`, with their units.
PARAMETERS: dict[str, str] = {
    "hashprice_scale": "multiplier on every hashprice [-]",
    "price_scale": "multiplier on every real-time power price [-]",
    "risk_lambda": "weight of the CVaR of loss in the objective [-]",
    "cvar_alpha": "CVaR confidence level [-]",
    "hashrate_floor_eh_s": "fleet hashrate floor [EH/s]",
    "floor_probability": "probability with which the floor holds (probabilistic floor only) [-]",
    "relocation_budget_usd": "most that relocations may cost [USD]",
    "fleet_cap_mw": "most facility load the fleet may draw (fleet cap only) [MW]",
}


@dataclass(eq=False)
class BuiltModel:
    """A built model: its arrays, the Pyomo model made from them on demand, the build time.

    Attributes
    ----------
    data
        The arrays the model was built from.
    matrix
        Columns, rows and mutable entries as the solver receives them.
    build_seconds
        Wall-clock time of :func:`build_model` [s].
    mirror
        The Pyomo variables, constraints and objective, once made (``None`` until
        :attr:`model` is read).
    """

    data: ModelData
    matrix: Matrix
    context: Context
    build_seconds: float
    mirror: Mirror | None = None

    @property
    def model(self) -> pyo.ConcreteModel:
        """The Pyomo model, its variables, constraints and objective made on first read."""
        self.made_mirror()
        return self.matrix.model

    def made_mirror(self) -> Mirror:
        """The Pyomo mirror, made now if nothing read it yet."""
        if self.mirror is None:
            self.mirror = build_mirror(self.matrix)
        return self.mirror


def build_model(data: ModelData, *, components: bool = False) -> BuiltModel:
    """Build the two-stage model of ``docs/model.md`` (Optimizer) from prepared data.

    Parameters
    ----------
    data
        Tiers, relocation options and scenario arrays
        (:func:`planner.engine.optimization.data.prepare`).
    components
        ``True``: make the Pyomo variables, constraints and objective now rather than when
        :attr:`BuiltModel.model` is first read (the benchmarks' Pyomo path).

    Returns
    -------
    BuiltModel
    """
    started = time.perf_counter()
    with PauseGC():
        ctx = Context(data, Matrix(pyo.ConcreteModel(name="fleet plan")))
        _add_sets(ctx)
        _add_parameters(ctx)
        _add_variables(ctx)
        modes.add_mode_variables(ctx)
        freeze.add_freeze_variables(ctx)
        first_stage.add_stock_constraints(ctx)
        first_stage.add_throughput_constraints(ctx)
        first_stage.add_slot_constraints(ctx)
        first_stage.add_capacity_constraints(ctx)
        first_stage.add_budget_constraints(ctx)
        first_stage.add_nonanticipativity_constraints(ctx)
        operations.add_availability_constraints(ctx)
        modes.add_mode_constraints(ctx)
        operations.add_ramp_constraints(ctx)
        operations.add_min_down_constraints(ctx)
        operations.add_demand_response_constraints(ctx)
        operations.add_curtailment_allowance_constraints(ctx)
        freeze.add_freeze_protection_constraints(ctx)
        freeze.add_freeze_damage_constraints(ctx)
        operations.add_hashrate_floor_constraints(ctx)
        operations.add_fleet_cap_constraints(ctx)
        money.add_ppa_split_constraints(ctx)
        money.add_revenue_definitions(ctx)
        money.add_energy_cost_definitions(ctx)
        freeze.add_after_horizon_definitions(ctx)
        money.add_cvar_constraints(ctx)
        _add_objective(ctx)
    built = BuiltModel(data, ctx.matrix, ctx, 0.0)
    if components:
        built.mirror = build_mirror(built.matrix)
    built.build_seconds = time.perf_counter() - started
    return built


def _add_sets(ctx: Context) -> None:
    """Sites, tiers, periods, scenarios and relocation options."""
    m, d = ctx.model, ctx.data
    _, n_periods, n_scen = d.shape
    m.sites = pyo.Set(initialize=list(d.fleet.site_ids), ordered=True, doc="site ids")
    m.tiers = pyo.Set(
        initialize=ctx.tier_labels, dimen=2, ordered=True, doc="(site_id, model_id) tiers"
    )
    m.periods = pyo.Set(initialize=range(n_periods), ordered=True, doc="periods")
    m.scenarios = pyo.Set(initialize=range(n_scen), ordered=True, doc="scenarios")
    m.options = pyo.Set(
        initialize=ctx.option_labels, dimen=3, ordered=True, doc="(from, to, model) moves"
    )
    m.ppa_sites = pyo.Set(
        initialize=[d.sites[i].id for i in ctx.ppa_sites()], ordered=True, doc="PPA sites"
    )


def _add_parameters(ctx: Context) -> None:
    """The what-if scalars: mutable so that a re-plan does not rebuild the model."""
    m, s = ctx.model, ctx.data.settings
    max_budget = ctx.max_relocation_cost_usd
    budget = max_budget if s.relocation_budget_usd is None else s.relocation_budget_usd
    values = {
        "hashprice_scale": 1.0,
        "price_scale": 1.0,
        "risk_lambda": s.risk_lambda,
        "cvar_alpha": s.cvar_alpha,
        "hashrate_floor_eh_s": s.hashrate_floor_eh_s,
        "floor_probability": 1.0 if s.floor_probability is None else s.floor_probability,
        "relocation_budget_usd": budget,
        "fleet_cap_mw": (
            sum(site.capacity_mw for site in ctx.data.sites)  # never binds
            if s.fleet_cap_mw is None
            else s.fleet_cap_mw
        ),
    }
    for name, value in values.items():
        m.add_component(name, pyo.Param(mutable=True, initialize=value, doc=PARAMETERS[name]))


def _add_variables(ctx: Context) -> None:
    """First stage ``ship`` and ``order``; second stage ``run`` (tiers without power modes:
    :mod:`~planner.engine.optimization.modes` has the others') and the accounting and risk
    variables."""
    m, d, mx = ctx.model, ctx.data, ctx.matrix
    n_tiers, n_periods, n_scen = d.shape
    mx.add_var(
        "ship",
        [m.options],
        (len(d.options),),
        0.0,
        ctx.ship_upper,
        domain=pyo.NonNegativeIntegers,
        doc="machines moved per option [-]",
    )
    # A tier with power modes has no ``run``: its load is the sum of its ``mode_run`` columns.
    present = (ctx.run_upper > 0) & ~ctx.with_modes[:, None, None]
    k, t, s = np.nonzero(present)
    labels = ctx.tier_labels
    mx.add_var(
        "run",
        label_tuples(labels, k, t, s, period=1),
        (n_tiers, n_periods, n_scen),
        0.0,
        ctx.run_upper[present],
        present=present,
        doc="IT load run per tier without power modes, period and scenario where it can be "
        "positive [MW]",
        period_axis=1,
    )
    ordered = (np.arange(n_periods)[None, :] < d.lead_periods[d.tier_site][:, None]) & (
        ctx.run_upper.max(axis=2, initial=0.0) > 0
    )
    k, t = np.nonzero(ordered)
    mx.add_var(
        "order",
        label_tuples(labels, k, t, period=1),
        (n_tiers, n_periods),
        0.0,
        1.0,
        present=ordered,
        doc="share of a tier's available machines ordered to run, decided now [-]",
        period_axis=1,
    )
    ppa = ctx.ppa_sites()
    contracted = np.array([d.sites[i].contract.block_mw for i in ppa])
    mx.add_var(
        "ppa_in",
        [m.ppa_sites, m.periods, m.scenarios],
        (len(ppa), n_periods, n_scen),
        0.0,
        np.broadcast_to(
            contracted[:, None, None] * d.hours_in[ppa], (len(ppa), n_periods, n_scen)
        ).ravel(),
        doc="energy drawn within the PPA's contracted block [MWh]",
        period_axis=1,
    )
    for name, doc in (
        ("revenue", "mining revenue at hashprice scale 1 [USD]"),
        ("rt_cost", "energy cost at real-time prices, price scale 1 [USD]"),
        ("fixed_cost", "energy cost not indexed to real-time prices, less credits [USD]"),
    ):
        mx.add_var(name, [m.scenarios], (n_scen,), -INF, INF, doc=doc)
    mx.add_var("eta", None, (), -INF, INF, doc="value at risk of loss (CVaR auxiliary) [USD]")
    mx.add_var("excess_loss", [m.scenarios], (n_scen,), 0.0, INF, doc="loss above eta [USD]")
    if d.settings.floor_probability is not None:
        mx.add_var(
            "floor_met",
            [m.scenarios],
            (n_scen,),
            0.0,
            1.0,
            domain=pyo.Binary,
            doc="1 if the hashrate floor holds in the scenario",
        )
    if d.settings.min_down_hours is not None:
        shape = (len(d.sites), n_periods, n_scen)
        mx.add_var(
            "on",
            [m.sites, m.periods, m.scenarios],
            shape,
            0.0,
            1.0,
            domain=pyo.Binary,
            doc="1 if the site runs (not stopped)",
            period_axis=1,
        )
        mx.add_var(
            "stop",
            [m.sites, m.periods, m.scenarios],
            shape,
            0.0,
            1.0,
            doc="1 if the site stops at the start of the period",
            period_axis=1,
        )


def _add_objective(ctx: Context) -> None:
    """Expected profit - relocation cost - what is left behind after the horizon
    - lambda x CVaR_alpha(loss), maximised."""
    m, d, mx = ctx.model, ctx.data, ctx.matrix
    ship = ctx.ship_cols()
    mx.add_cost(ship, -np.array([o.cost_usd_per_machine for o in d.options]))
    fixed = ctx.var("fixed_cost").col(np.arange(len(d.weights)))
    mx.add_cost(fixed, -d.weights)
    mx.add_cost(ctx.var("after").col(np.arange(len(d.weights))), -d.weights)
    for s, w in enumerate(d.weights.tolist()):
        mx.add_mutable_cost(int(ctx.var("revenue").col(s)), w * m.hashprice_scale)
        mx.add_mutable_cost(int(ctx.var("rt_cost").col(s)), -w * m.price_scale)
        mx.add_mutable_cost(
            int(ctx.var("excess_loss").col(s)), -m.risk_lambda * w / (1.0 - m.cvar_alpha)
        )
    mx.add_mutable_cost(int(ctx.var("eta").col()), -m.risk_lambda)
