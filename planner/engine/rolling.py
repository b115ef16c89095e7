"""Rolling-horizon planning: re-plan as time advances, using only what is known at each step.

At each decision time ``t0`` (every ``step_hours``) the driver

1. cuts the realised world to its information set at ``t0``
   (:meth:`planner.world.information.History.at`: prices of hours that have ended, temperatures
   read, UTC days closed, outages begun with their end unknown) — the only view of the realised
   world any later step reads;
2. draws fresh forecast scenarios (:func:`planner.world.scenarios.make_scenarios`) either around
   the feeds, a forecast issued before the horizon, and *conditions* them on the information set
   (:func:`condition`: the last observed temperature and price errors against the draw carry on,
   decaying at the scenario generator's own AR(1) rates; the published hashprice level; a grid
   outage under way is known to have started, not when it ends), or around the forecast a
   ``forecaster`` issues from the information set for the window;
3. optimizes the window ``[t0, t0 + window_hours)`` over them (a new model: the data are baked
   into the coefficients; :class:`~planner.engine.optimization.PlanSolver` re-solves scalar
   what-ifs), telling it how long each hydro site has already stood idle below 0 degC, and
   starting its simplex from the previous window's basis mapped period by period
   (:meth:`~planner.engine.optimization.PlanSolver.start_from`: the same plan, found in fewer
   iterations);
4. acts on the hours ``[t0, t0 + step_hours)`` with the controller
   (:func:`~planner.engine.control.plan_controller`: the plan's commitments and freeze
   protection, and the guard on the latest published price and hashprice), or with the plan's
   expected schedule (``react=False``).

No decision reads a value published after it (``tests/engine/test_no_leak.py``). Relocations
are first-stage decisions of :func:`~planner.engine.optimization.optimize`; the re-plans decide
curtailment only.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pydantic import ConfigDict, Field, ValidationInfo, field_validator

from planner.domain.fleet import Fleet
from planner.domain.freeze import exposed_run_before, idle_hours
from planner.domain.ledger import site_tiers
from planner.domain.publication import published_daily
from planner.engine.control import plan_controller
from planner.engine.optimization.plan import Plan
from planner.engine.optimization.settings import OptimizeSettings
from planner.engine.optimization.solver import PlanSolver
from planner.engine.optimization.warm_start import Basis
from planner.engine.policies import FollowPlan, Policy
from planner.engine.simulation import outage_mask
from planner.errors import ConfigError
from planner.settings import Seed, Settings, Whole, invalid
from planner.world.feeds import Feeds
from planner.world.information import InformationSet, scenario_history
from planner.world.scenarios import (
    OutageHazard,
    Scenario,
    ScenarioSettings,
    make_scenarios,
)
from weather.climate import PRICE_CAP_USD_PER_MWH

#: A forecast issued at a decision time: from its information set, the feeds over the hours given
#: (from the hour before the decision, when there is one, to the end of the plan's window; at
#: least 24 h), whose scenarios the plan is made on.
Forecaster = Callable[[InformationSet, pd.DatetimeIndex], Feeds]

#: Day-to-day persistence of a temperature forecast error (the scenario generator's AR(1)) [-].
TEMP_ERROR_PERSISTENCE_PER_DAY = 0.7

#: Hour-to-hour persistence of a log price forecast error (the scenario generator's AR(1)) [-].
PRICE_ERROR_PERSISTENCE_PER_H = 0.9


class RollingSettings(Settings):
    """How the rolling horizon re-plans.

    Attributes
    ----------
    step_hours
        Hours between decisions; each plan is acted on for this long [h].
    window_hours
        Hours each plan looks ahead (at least ``step_hours``; cut at the end of the horizon);
        ``None``: to the end of the horizon [h].
    scenarios
        Forecast scenarios per re-plan [-].
    seed
        Seed of the forecast draws (decision ``j`` draws with a child seed of it).
    scenario_settings
        Forecast noise of the draws (default :class:`~planner.world.scenarios.ScenarioSettings`).
    optimize
        Optimizer settings of every re-plan (relocations are always off).
    react
        ``True``: act with the controller (the plan's commitments and floor, the guard on the
        latest published price); ``False``: act on the plan's probability-weighted schedule.
    warm_start
        Start each re-plan's simplex from the previous window's basis (the plans are the same
        either way, to the solver's tolerance).
    """

    model_config = ConfigDict(title="rolling settings")

    step_hours: Whole = Field(24, ge=1)
    window_hours: Whole | None = None
    scenarios: Whole = Field(5, ge=1)
    seed: Seed = 0
    scenario_settings: ScenarioSettings | None = None
    optimize: OptimizeSettings = Field(default_factory=OptimizeSettings)
    react: bool = True
    warm_start: bool = True

    @field_validator("window_hours")
    @classmethod
    def _window_covers_a_step(cls, window: int | None, info: ValidationInfo) -> int | None:
        step = info.data.get("step_hours")
        if window is not None and step is not None and window < step:
            raise invalid(f"must be a whole number >= step_hours ({step}), got {window!r}")
        return window


@dataclass(frozen=True, eq=False)
class RollingResult:
    """What the rolling horizon did in one realised world.

    Attributes
    ----------
    decision_hours
        Decision times, hours from the horizon start [h].
    plans
        The plan made at each decision time (horizon ``[t0, t0 + window)``).
    schedule
        Run fractions acted on, per site id, ``(tiers, hours)`` in the order of
        :func:`planner.domain.ledger.site_tiers` [-].
    seconds
        Wall-clock time of all re-plans (draws, build, solve) [s].
    """

    decision_hours: tuple[int, ...]
    plans: tuple[Plan, ...]
    schedule: dict[str, np.ndarray] = field(repr=False)
    seconds: float

    def policy(self, name: str = "rolling") -> FollowPlan:
        """The run fractions acted on, to simulate the realised world they were decided in."""
        return FollowPlan(self.schedule, name=name)


def rolling_horizon(
    fleet: Fleet,
    feeds: Feeds,
    realised: Scenario,
    settings: RollingSettings | None = None,
    *,
    forecaster: Forecaster | None = None,
) -> RollingResult:
    """Re-plan every ``step_hours`` through one realised world (module docstring).

    Parameters
    ----------
    fleet
        The fleet (relocations are not re-planned).
    feeds
        The forecast issued before the horizon, which the scenarios are drawn around when there
        is no ``forecaster``; its horizon starts with ``realised``'s.
    realised
        The world as it turns out (e.g. a scenario of a set the planner did not draw); read only
        through its information set at each decision time.
    settings
        Step, window, scenarios per re-plan, optimizer settings.
    forecaster
        A forecast issued at each decision time from its information set (:data:`Forecaster`);
        ``None``: ``feeds`` and :func:`condition`.

    Returns
    -------
    RollingResult

    Raises
    ------
    ConfigError
        Feeds shorter than the realised horizon or starting at another time.
    SolveError
        A re-plan without a usable solution.
    """
    settings = settings or RollingSettings()
    hours = len(realised.times)
    if len(feeds.times) < hours or feeds.times[0] != realised.times[0]:
        raise ConfigError(
            "rolling horizon",
            f"feeds must start at {realised.times[0]} and cover {hours} hours, "
            f"got {len(feeds.times)} hours from {feeds.times[0]}",
        )
    opt = settings.optimize.replace(relocate=False)
    hazards = [feeds.hazards.get(s.id, OutageHazard()) for s in fleet.sites]
    history = scenario_history(realised, fleet.site_ids)
    window = hours if settings.window_hours is None else settings.window_hours
    started = time.perf_counter()
    pieces: dict[str, list[np.ndarray]] = {s.id: [] for s in fleet.sites}
    plans: list[Plan] = []
    basis: Basis | None = None
    decisions = tuple(range(0, hours, settings.step_hours))
    weight = 1.0 / settings.scenarios
    for j, t0 in enumerate(decisions):
        t1 = min(hours, t0 + window)
        act = min(hours, t0 + settings.step_hours) - t0
        seed = int(np.random.SeedSequence(settings.seed, spawn_key=(j,)).generate_state(1)[0])
        info = history.at(realised.times[t0])
        if forecaster is None:
            drawn = make_scenarios(
                fleet, feeds, settings.scenarios, seed, max(24, t1), settings.scenario_settings
            )
            forecast = [condition(s, info, t0, t1, hazards, weight=weight) for s in drawn]
        else:  # issued from the hour before the decision on, so the error seen there carries on
            lead = 1 if t0 > 0 else 0
            span = max(24, t1 - t0 + lead)
            hours_ahead = pd.to_timedelta(np.arange(span), unit="h")
            issued = forecaster(info, realised.times[t0 - lead] + hours_ahead)
            drawn = make_scenarios(
                fleet, issued, settings.scenarios, seed, span, settings.scenario_settings
            )
            forecast = [
                condition(s, info, lead, lead + t1 - t0, hazards, weight=weight) for s in drawn
            ]
        exposed = {
            s.id: _exposed_before(fleet, i, pieces[s.id], realised)
            for i, s in enumerate(fleet.sites)
        }
        solver = PlanSolver(fleet, forecast, opt, exposed_before_h=exposed)
        if basis is not None:
            solver.start_from(basis)
        plan = solver.solve()
        later = j + 1 < len(decisions)
        basis = solver.basis() if settings.warm_start and later else None
        plans.append(plan)
        step = slice_scenario(realised, t0, t0 + act)
        policy = _acting_policy(plan, act, settings.react, exposed)
        for i, site in enumerate(fleet.sites):
            pieces[site.id].append(policy.run_fraction(fleet, site, step.site_hours(i)))
    schedule = {k: np.concatenate(v, axis=1) for k, v in pieces.items()}
    return RollingResult(decisions, tuple(plans), schedule, time.perf_counter() - started)


def _acting_policy(plan: Plan, hours: int, react: bool, exposed: dict[str, int]) -> Policy:
    """The policy acted on for the first ``hours`` of ``plan``; ``exposed`` carries each site's
    idle hours below 0 degC in a row before them into the freeze protection."""
    if not react:
        return FollowPlan(
            {s.id: plan.schedule_for(s.id)[:, :hours] for s in plan.fleet.sites}, name="plan"
        )
    return plan_controller(plan, hours, exposed_before_h=exposed, name="rolling")


def _exposed_before(fleet: Fleet, i: int, acted: list[np.ndarray], realised: Scenario) -> int:
    """Idle hours below 0 degC in a row at site ``i`` just before the hours not yet acted on
    (the site's own decisions, its temperature readings and the outages it has seen)."""
    if not acted:
        return 0
    done = np.concatenate(acted, axis=1)
    hours = done.shape[1]
    tiers = site_tiers(fleet, fleet.sites[i])
    idle = idle_hours(done, [t.count for t in tiers], outage_mask(realised.outages[i], hours))
    return exposed_run_before(idle, realised.temp_air_c[i, :hours])


def condition(
    scenario: Scenario,
    info: InformationSet,
    t0: int,
    t1: int,
    hazards: list[OutageHazard],
    *,
    weight: float,
) -> Scenario:
    """A forecast scenario for ``[t0, t1)`` that agrees with what was published by ``t0``.

    ``scenario`` is a draw whose hour ``t0`` is the decision time ``info.at``; ``info`` is the
    realised world's information set then (:class:`~planner.world.information.InformationSet`,
    columns in fleet order named by site id), the only view of it read here. With ``o = t0 - 1``
    the last hour observed, ``R`` the realised world and ``s`` the draw:

    - temperature: ``T_s(h) + 0.7^(day(h) - day(o)) x (T_R(o) - T_s(o))``;
    - price: ``p_s(h) x (p_R(o) / p_s(o))^(0.9^(h - o))`` where both prices are positive,
      capped at the price cap;
    - hashprice: ``hp_s(h) x H_R / H_s``, ``H`` the hashprice of the last UTC day closed by
      ``info.at`` (the level published, the scenario's moves after it);
    - outages: the scenario's own from ``t0``, plus a realised outage under way at ``info.at``
      (begun, its end not yet published), assumed to last the site's median outage duration and
      at least one more hour.

    At ``t0 = 0`` nothing of the draw lies before the decision: only the hashprice level and the
    outages under way apply.

    Parameters
    ----------
    scenario
        A draw around the forecast over at least ``[0, t1)``.
    info
        The realised world's information set at the decision time.
    t0, t1
        Decision time and end of the plan's window, hours of ``scenario`` [h].
    hazards
        Outage hazard per site, fleet order.
    weight
        Probability of the conditioned scenario [-].
    """
    out = slice_scenario(scenario, t0, t1)
    sites = list(info.prices.columns)
    hour = pd.Timedelta(hours=1)
    outages = []
    for i, own in enumerate(out.outages):
        begun = info.outages[(info.outages["site_id"] == sites[i]) & info.outages["end"].isna()]
        ongoing = [
            (0.0, max(1.0, (start - info.at) / hour + hazards[i].duration_median_h))
            for start in begun["start"]
        ]
        outages.append(_merge([*ongoing, *own]))
    changes: dict[str, object] = {"weight": weight, "outages": tuple(outages)}
    if "hashprice_usd_per_th_day" in info.market and len(info.market):
        known = float(info.market["hashprice_usd_per_th_day"].iloc[-1])
        changes["hashprice_usd_per_th_day"] = out.hashprice_usd_per_th_day * (
            known / _published_hashprice(scenario, t0)
        )
    if t0 == 0:
        return dataclasses.replace(out, **changes)  # type: ignore[arg-type]
    o = t0 - 1
    seen = scenario.times[o]
    ahead = np.arange(t0, t1)
    days = ahead // 24 - o // 24
    temp_seen = info.temperature.loc[seen, sites].to_numpy(dtype=float)
    temp_gap = (temp_seen - scenario.temp_air_c[:, o])[:, None]
    changes["temp_air_c"] = (
        out.temp_air_c + TEMP_ERROR_PERSISTENCE_PER_DAY ** days[None, :] * temp_gap
    )
    price_seen = info.prices.loc[seen, sites].to_numpy(dtype=float)
    positive = (price_seen > 0) & (scenario.price_usd_per_mwh[:, o] > 0)
    log_gap = np.zeros(len(positive))
    log_gap[positive] = np.log(price_seen[positive] / scenario.price_usd_per_mwh[positive, o])
    decay = PRICE_ERROR_PERSISTENCE_PER_H ** (ahead - o)
    changes["price_usd_per_mwh"] = np.minimum(
        out.price_usd_per_mwh * np.exp(decay[None, :] * log_gap[:, None]), PRICE_CAP_USD_PER_MWH
    )
    return dataclasses.replace(out, **changes)  # type: ignore[arg-type]


def _published_hashprice(scenario: Scenario, t: int) -> float:
    """The scenario's hashprice of the last UTC day closed by its hour ``t``."""
    values = np.asarray(scenario.hashprice_usd_per_th_day, dtype=float)
    before = scenario.hashprice_before_usd_per_th_day
    before = float(values[0]) if np.isnan(before) else before
    return float(published_daily(scenario.times[: t + 1], values[: t + 1], before)[t])


def slice_scenario(scenario: Scenario, t0: int, t1: int) -> Scenario:
    """The hours ``[t0, t1)`` of a scenario, outages shifted to start from ``t0`` and clipped.

    The slice knows what was published before its first hour: the price of hour ``t0 - 1`` and
    the hashprice of the last UTC day closed by ``t0``.
    """
    cut = slice(t0, t1)
    outages = tuple(
        tuple(
            (max(a, float(t0)) - t0, min(b, float(t1)) - t0) for a, b in site if b > t0 and a < t1
        )
        for site in scenario.outages
    )
    btc = None if scenario.btc_price_usd is None else scenario.btc_price_usd[cut]
    forecast = None if scenario.temp_forecast_c is None else scenario.temp_forecast_c[:, cut]
    price_before = (
        scenario.price_usd_per_mwh[:, t0 - 1] if t0 > 0 else scenario.price_before_usd_per_mwh
    )
    return dataclasses.replace(
        scenario,
        times=scenario.times[cut],
        temp_air_c=scenario.temp_air_c[:, cut],
        price_usd_per_mwh=scenario.price_usd_per_mwh[:, cut],
        hashprice_usd_per_th_day=scenario.hashprice_usd_per_th_day[cut],
        outages=outages,
        failure_multiplier=scenario.failure_multiplier[:, cut],
        four_cp_peak=scenario.four_cp_peak[:, cut],
        four_cp_probability=scenario.four_cp_probability[:, cut],
        alert_active=scenario.alert_active[:, cut],
        btc_price_usd=btc,
        temp_forecast_c=forecast,
        price_before_usd_per_mwh=price_before,
        hashprice_before_usd_per_th_day=(
            _published_hashprice(scenario, t0)
            if t0 > 0
            else scenario.hashprice_before_usd_per_th_day
        ),
    )


def _merge(spans: list[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    merged: list[list[float]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return tuple((a, b) for a, b in merged)
