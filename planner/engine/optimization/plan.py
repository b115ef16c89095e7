"""The optimizer's answer: relocations, the curtailment schedule, expected KPIs and solver figures.

A :class:`Plan` is read off a solved model (:func:`extract_plan`). Schedules are in IT MW per tier
(facility MW = IT MW x the site's overhead); run fractions are running over available load, the
share :class:`planner.engine.policies.FollowPlan` expects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from planner.domain.fleet import Fleet
from planner.domain.ledger import site_tiers
from planner.domain.power_modes import machine_shares
from planner.engine.optimization.data import ModelData, TierData
from planner.engine.optimization.settings import OptimizeSettings
from planner.engine.optimization.status import SolveResult, SolveStatus
from planner.errors import ConfigError

if TYPE_CHECKING:
    from planner.engine.optimization.model import BuiltModel

#: Columns of :attr:`Plan.schedule`, in order.
SCHEDULE_COLUMNS: tuple[str, ...] = (
    "scenario",
    "site_id",
    "model_id",
    "period",
    "time",
    "duration_h",
    "available_mw",
    "running_mw",
    "curtailed_mw",
    "run_fraction",
)

#: Columns of :attr:`Plan.relocations`, in order.
RELOCATION_COLUMNS: tuple[str, ...] = (
    "route",
    "from_site",
    "to_site",
    "model_id",
    "machines",
    "cost_usd",
    "depart_h",
    "arrive_h",
)


@dataclass(frozen=True)
class PlanKPIs:
    """Expected outcomes of a plan over the scenarios it was optimized on.

    Attributes
    ----------
    expected_profit_usd
        Probability-weighted profit inside the horizon, after relocation costs [USD].
    cvar_loss_usd
        Mean loss (negative full-value profit) over the worst ``1 - alpha`` of probability
        [USD]; negative when even those scenarios make money.
    expected_revenue_usd
        Mining revenue [USD].
    expected_power_cost_usd
        Energy, 4CP charges and PPA settlement less demand-response payments [USD].
    relocation_cost_usd
        Cost of the relocations [USD].
    expected_curtailed_mwh
        Facility energy available but not drawn [MWh].
    mean_hashrate_eh_s
        Time- and probability-weighted mean fleet hashrate [EH/s].
    expected_after_horizon_usd
        What the plan leaves behind after the horizon, as the model values it: freeze damage
        (lost margin inside and after the horizon, repairs) and machines still in transit
        [USD].
    expected_profit_incl_after_horizon_usd
        The full value the plan maximises (risk neutral): ``expected_profit_usd -
        expected_after_horizon_usd`` [USD].
    """

    expected_profit_usd: float
    cvar_loss_usd: float
    expected_revenue_usd: float
    expected_power_cost_usd: float
    relocation_cost_usd: float
    expected_curtailed_mwh: float
    mean_hashrate_eh_s: float
    expected_after_horizon_usd: float = 0.0
    expected_profit_incl_after_horizon_usd: float = 0.0


@dataclass(frozen=True, eq=False)
class Plan:
    """Relocations and curtailment chosen by the optimizer.

    Attributes
    ----------
    fleet, settings
        What was optimized.
    parameters
        Values of the mutable parameters at the solve (hashprice scale, risk weight...).
    relocations
        One row per relocation option used, columns :data:`RELOCATION_COLUMNS` (``machines`` [-],
        ``cost_usd`` [USD], ``depart_h`` / ``arrive_h`` hours from the horizon start [h]).
    schedule
        Tidy frame, one row per scenario, tier and period, columns :data:`SCHEDULE_COLUMNS`
        (IT load [MW]; ``scenario`` is the position in the scenario set).
    first_period
        The decision to act on now (the same in every scenario): ``site_id``, ``model_id``,
        ``running_mw``, ``available_mw`` (probability-weighted), ``run_fraction``.
    kpis
        Expected outcomes.
    solver
        Status, objective, gap and timings of the solve.
    times, duration_h
        Period starts (UTC) and lengths [h].
    weights
        Scenario probabilities [-].
    profit_usd
        Profit of each scenario inside the horizon after relocation costs, ``(scenarios,)``
        [USD].
    after_horizon_usd
        What each scenario leaves behind after the horizon (:attr:`PlanKPIs`), ``(scenarios,)``
        [USD]; the full value of a scenario is ``profit_usd - after_horizon_usd``.
    tiers
        The tiers of the arrays below.
    running_mw, available_mw
        ``(tiers, periods, scenarios)`` IT load run and available [MW], means over the period
        (of its price blocks' loads, weighted by their hours, where it was split).
    price_usd_per_mwh
        Real-time price the plan saw, ``(sites, periods, scenarios)``, before ``price_scale``
        [USD/MWh].
    hashprice_usd_per_th_day
        Hashprice the plan saw, ``(periods, scenarios)``, before ``hashprice_scale``
        [USD/(TH/s day)].
    four_cp_hours, dr_share, cold_hours
        What the plan weighed, ``(sites, periods, scenarios)``: 4CP peak hours in the period
        [h], the share of its hours with demand response called [-], and the hours below 0 degC
        in which a freeze-risk site's loops can freeze (0 at other sites) [h]; empty when the
        plan did not carry them.
    lead_periods
        Periods whose run shares were decided now, the same in every scenario, per site id
        (``docs/model.md``, Optimizer: first stage) [-].
    note
        How the solve ended when the plan is not its optimum, in words: the time limit hit with
        the best plan found, or with none and the strike rule's plan shown
        (:attr:`is_fallback`); ``""`` otherwise.
    """

    fleet: Fleet
    settings: OptimizeSettings
    parameters: Mapping[str, float]
    relocations: pd.DataFrame
    schedule: pd.DataFrame
    first_period: pd.DataFrame
    kpis: PlanKPIs
    solver: SolveResult
    times: pd.DatetimeIndex
    duration_h: np.ndarray
    weights: np.ndarray
    profit_usd: np.ndarray
    after_horizon_usd: np.ndarray
    tiers: tuple[TierData, ...] = field(repr=False)
    running_mw: np.ndarray = field(repr=False)
    available_mw: np.ndarray = field(repr=False)
    price_usd_per_mwh: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 0, 0)))
    hashprice_usd_per_th_day: np.ndarray = field(
        repr=False, default_factory=lambda: np.zeros((0, 0))
    )
    four_cp_hours: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 0, 0)))
    dr_share: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 0, 0)))
    cold_hours: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 0, 0)))
    lead_periods: Mapping[str, int] = field(default_factory=dict)
    note: str = ""

    @property
    def is_fallback(self) -> bool:
        """Whether the plan is the strike rule's, shown because the solve found no solution."""
        return self.solver.status is SolveStatus.TIME_LIMIT_NO_SOLUTION

    @property
    def hours(self) -> int:
        """Horizon [h]."""
        return int(self.duration_h.sum())

    def tier_models(self, site_id: str) -> tuple[str, ...]:
        """Models of the rows of :meth:`schedule_for`: the site's installed models and those the
        plan ships to it, most efficient first (the order of
        :func:`planner.domain.ledger.site_tiers`)."""
        site = self.fleet.site(site_id)
        to_site = self.relocations["to_site"] == site_id
        arriving = dict.fromkeys(self.relocations.loc[to_site, "model_id"], 0)
        effective = site.model_copy(update={"machines": {**arriving, **site.machines}})
        return tuple(t.model_id for t in site_tiers(self.fleet, effective))

    def schedule_for(self, site_id: str, scenario: int | None = None) -> np.ndarray:
        """Run fractions of one site, hour by hour.

        Parameters
        ----------
        site_id
            The site.
        scenario
            Position of a scenario in the set; ``None`` for the plan across scenarios: expected
            running over expected available load (the first hour is the same either way).

        Returns
        -------
        numpy.ndarray
            ``(tiers, hours)`` in the order of :meth:`tier_models`, each a share from 0 to 1
            [-]; 0 where nothing was available.
        """
        models = self.tier_models(site_id)
        where = {(t.site_id, t.model_id): k for k, t in enumerate(self.tiers)}
        ks = [where[(site_id, m)] for m in models]
        if scenario is None:
            run = np.tensordot(self.running_mw[ks], self.weights, axes=([2], [0]))
            avail = np.tensordot(self.available_mw[ks], self.weights, axes=([2], [0]))
        else:
            if not 0 <= scenario < len(self.weights):
                raise ConfigError(
                    "plan", f"scenario: must be in [0, {len(self.weights) - 1}], got {scenario}"
                )
            run = self.running_mw[ks, :, scenario]
            avail = self.available_mw[ks, :, scenario]
        fraction = np.divide(run, avail, out=np.zeros_like(run), where=avail > 1e-12)
        per_period = np.clip(fraction, 0.0, 1.0)
        return np.repeat(per_period, self.duration_h.astype(int), axis=1)

    def mode_shares(self, period: int = 0, scenario: int | None = None) -> pd.DataFrame:
        """Share of each tier's available machines in each power mode in one period.

        A tier's load is split between the two rows of its model's efficiency table around it
        (:func:`planner.domain.power_modes.machine_shares`), as the optimizer's mode variables
        split it at the optimum; a model without modes has the rows ``off`` and ``nameplate``.

        Parameters
        ----------
        period
            Position of the period (0: the decision to act on now).
        scenario
            Position of a scenario; ``None``: expected running over expected available load.

        Returns
        -------
        pandas.DataFrame
            One row per tier and mode: ``site_id``, ``model_id``, ``mode``, ``power_w`` and
            ``hashrate_th_s`` of one machine in the mode [W], [TH/s], ``machine_share`` [-].
        """
        if not 0 <= period < len(self.duration_h):
            raise ConfigError(
                "plan", f"period: must be in [0, {len(self.duration_h) - 1}], got {period}"
            )
        if scenario is None:
            run = self.running_mw[:, period, :] @ self.weights
            avail = self.available_mw[:, period, :] @ self.weights
        else:
            run = self.running_mw[:, period, scenario]
            avail = self.available_mw[:, period, scenario]
        fraction = np.divide(run, avail, out=np.zeros_like(run), where=avail > 1e-12)
        rows = [row for k, t in enumerate(self.tiers) for row in _mode_rows(t, float(fraction[k]))]
        return pd.DataFrame(rows)


def _mode_rows(tier: TierData, fraction: float) -> list[dict[str, object]]:
    shares = machine_shares(fraction, np.asarray(tier.power_share))
    return [
        {
            "site_id": tier.site_id,
            "model_id": tier.model_id,
            "mode": name,
            "power_w": p * tier.power_w,
            "hashrate_th_s": h * tier.hashrate_th_s,
            "machine_share": float(x),
        }
        for name, p, h, x in zip(
            tier.mode_names, tier.power_share, tier.hash_share, shares.tolist(), strict=True
        )
    ]


def extract_plan(
    built: BuiltModel, result: SolveResult, parameters: Mapping[str, float], note: str = ""
) -> Plan:
    """Read a :class:`Plan` off a solved model.

    Parameters
    ----------
    built
        The model.
    result
        Its solution (or a fallback's values).
    parameters
        Current values of the mutable parameters.
    note
        :attr:`Plan.note`.
    """
    d = built.data
    ctx = built.context
    values = result.values  # noqa: PD011 - the solver's column values, not a pandas object
    ship = np.round(values[ctx.ship_cols()]) if d.options else np.zeros(0)
    running = ctx.tier_load(values)
    leaving, arriving = d.shipped_machines(ship)
    machines = d.installed[:, None] - leaving[:, None] + arriving
    available = d.availability * (d.power_mw[:, None] * machines)[:, :, None]
    running = np.clip(running, 0.0, available)
    scen = np.arange(len(d.weights))
    revenue = values[ctx.var("revenue").col(scen)] * parameters["hashprice_scale"]
    power = (
        values[ctx.var("rt_cost").col(scen)] * parameters["price_scale"]
        + values[ctx.var("fixed_cost").col(scen)]
    )
    relocation_cost = float(ship @ np.array([o.cost_usd_per_machine for o in d.options]))
    profit = revenue - power - relocation_cost
    after = values[ctx.var("after").col(scen)]
    u = d.overhead[d.tier_site][:, None, None]
    hours = d.hours_in[d.tier_site]
    curtailed = ((available - running) * u * hours).sum(axis=(0, 1))
    hashrate = (d.hashrate_eh_s(running, available) * hours).sum(axis=(0, 1)) / d.hours
    w = d.weights
    res = d.resolution
    sites = np.arange(len(d.sites))
    running = res.to_periods(running, d.tier_site)
    available = res.to_periods(available, d.tier_site)
    times = res.period_times(d.times[0])
    kpis = PlanKPIs(
        expected_profit_usd=float(w @ profit),
        cvar_loss_usd=cvar_of_loss(after - profit, w, parameters["cvar_alpha"]),
        expected_revenue_usd=float(w @ revenue),
        expected_power_cost_usd=float(w @ power),
        relocation_cost_usd=relocation_cost,
        expected_curtailed_mwh=float(w @ curtailed),
        mean_hashrate_eh_s=float(w @ hashrate),
        expected_after_horizon_usd=float(w @ after),
        expected_profit_incl_after_horizon_usd=float(w @ (profit - after)),
    )
    return Plan(
        fleet=d.fleet,
        settings=d.settings,
        parameters=dict(parameters),
        relocations=_relocations(d, ship),
        schedule=_schedule(d, times, running, available),
        first_period=_first_period(d, running, available),
        kpis=kpis,
        solver=result,
        times=times,
        duration_h=res.period_hours,
        weights=d.weights,
        profit_usd=profit,
        after_horizon_usd=after,
        tiers=d.tiers,
        running_mw=running,
        available_mw=available,
        price_usd_per_mwh=res.to_periods(d.price, sites),
        hashprice_usd_per_th_day=res.to_periods(d.hashprice, sites)[0],
        four_cp_hours=res.to_periods(d.four_cp_hours, sites, total=True),
        dr_share=res.to_periods(d.dr_share, sites),
        cold_hours=res.to_periods(_cold_hours(d), sites, total=True),
        lead_periods={site.id: int(n) for site, n in zip(d.sites, d.lead_periods, strict=True)},
        note=note,
    )


def cvar_of_loss(loss: np.ndarray, weights: np.ndarray, alpha: float) -> float:
    """Rockafellar-Uryasev CVaR: ``min_eta eta + 1 / (1 - alpha) sum_s w_s (loss_s - eta)+``.

    The function of ``eta`` is convex and piecewise linear with kinks at the losses, so its
    minimum is at one of them.

    Parameters
    ----------
    loss
        Loss per scenario [USD].
    weights
        Probabilities [-].
    alpha
        Confidence level in [0, 1) [-].
    """
    loss = np.asarray(loss, dtype=float)
    excess = np.maximum(loss[None, :] - loss[:, None], 0.0)
    values = loss + excess @ weights / (1.0 - alpha)
    return float(values.min())


def _relocations(d: ModelData, ship: np.ndarray) -> pd.DataFrame:
    rows = []
    for o, count in zip(d.options, ship.tolist(), strict=True):
        if count < 0.5:
            continue
        rows.append(
            {
                "route": f"{o.from_site}->{o.to_site}",
                "from_site": o.from_site,
                "to_site": o.to_site,
                "model_id": o.model_id,
                "machines": int(count),
                "cost_usd": count * o.cost_usd_per_machine,
                "depart_h": 0.0,
                "arrive_h": float(o.transit_days * 24.0),
            }
        )
    return pd.DataFrame(rows, columns=list(RELOCATION_COLUMNS)).astype(
        {"machines": "int64", "cost_usd": "float64", "depart_h": "float64", "arrive_h": "float64"}
    )


def _cold_hours(d: ModelData) -> np.ndarray:
    """Cold hours of the freeze-risk sites per period, ``(sites, periods, scenarios)`` [h]."""
    out = np.zeros((len(d.sites), len(d.times), len(d.weights)))
    f = d.freeze
    period = d.resolution.slot_of(f.hour_site, f.hour, f.hour_scenario)
    np.add.at(out, (f.hour_site, period, f.hour_scenario), 1.0)
    return out


def _schedule(
    d: ModelData, times: pd.DatetimeIndex, running: np.ndarray, available: np.ndarray
) -> pd.DataFrame:
    n_tiers, n_periods, n_scen = running.shape
    s, k, t = (a.ravel() for a in np.indices((n_scen, n_tiers, n_periods)))
    run = running.transpose(2, 0, 1).ravel()
    avail = available.transpose(2, 0, 1).ravel()
    return pd.DataFrame(
        {
            "scenario": s,
            "site_id": np.array([tier.site_id for tier in d.tiers], dtype=object)[k],
            "model_id": np.array([tier.model_id for tier in d.tiers], dtype=object)[k],
            "period": t,
            "time": times[t],
            "duration_h": d.resolution.period_hours[t],
            "available_mw": avail,
            "running_mw": run,
            "curtailed_mw": avail - run,
            "run_fraction": np.divide(run, avail, out=np.zeros_like(run), where=avail > 1e-12),
        }
    )[list(SCHEDULE_COLUMNS)]


def _first_period(d: ModelData, running: np.ndarray, available: np.ndarray) -> pd.DataFrame:
    run = running[:, 0, 0]
    avail = available[:, 0, :] @ d.weights
    return pd.DataFrame(
        {
            "site_id": [t.site_id for t in d.tiers],
            "model_id": [t.model_id for t in d.tiers],
            "running_mw": run,
            "available_mw": avail,
            "run_fraction": np.divide(run, avail, out=np.zeros_like(run), where=avail > 1e-12),
        }
    )
