"""Support of the Streamlit what-if app (``app.py``): inputs, the re-plan engine, page tables.

``app.py`` keeps to widgets, caching and charts; what it computes goes through here, and this
module goes through the planner's public API (plus :class:`planner.engine.optimization.PlanSolver`,
the persistent solver, and :func:`planner.engine.compare.merge_evaluations`). No Streamlit import:
tests and ``benchmarks/bench_app.py`` call these functions directly.

The what-if path
----------------
- Feeds depend on the fleet and the :class:`Setup` (start, horizon, mode, seed).
- *Planning* scenarios, the ones the optimizer sees, depend on those and on the scenario knobs
  (storm severity, outage duration, price spikes) but not on the BTC price shock: the shock
  multiplies every hashprice by ``1 + shock`` (:func:`planner.make_scenarios`), which is exactly
  the solver's mutable ``hashprice_scale``. So the BTC shock, risk aversion, hashrate floor and
  relocation budget re-solve the same model (:meth:`PlanSolver.update`); only the scenario knobs
  build a new one.
- *Judging* scenarios are drawn with another seed (``seed + 1``) and every knob, the BTC shock
  included: the plan is judged out of sample, next to the rules fleet software runs today
  (run-through and the strike-price rule).
"""

from __future__ import annotations

import hashlib
import html
import itertools
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner import (
    ConfigError,
    Evaluation,
    Feeds,
    Fleet,
    PlannerError,
    Policy,
    RunThrough,
    ScenarioSet,
    ScenarioSettings,
    Shipment,
    SolveError,
    StrikePrice,
    evaluate,
    fetch_feeds,
    kpis,
    make_scenarios,
    simulate,
)
from planner.domain.fleet import parse_fleet
from planner.engine.compare import merge_evaluations
from planner.engine.optimization import OptimizeSettings, Plan, PlanSolver
from planner.engine.strategies import optimized_strategy
from planner.ops.demo import DEMO_STORMS
from planner.ops.report import ReportInputs, format_usd, render_report
from planner.ops.store import RunStore, default_store_path
from planner.world.feeds import FeedMode

#: First day of the offline demo window (its forced cold snap falls on 16 January).
DEMO_START = "2025-01-10"
#: Strategy names, in display order: today's rules, then the optimizer's plan.
RULES: tuple[str, ...] = ("run-through", "strike")
PLAN = "optimized"
STRATEGIES: tuple[str, ...] = (*RULES, PLAN)
#: One colour per strategy, shared by every chart (Okabe-Ito, colour-blind safe).
COLOURS: dict[str, str] = {"run-through": "#999999", "strike": "#E69F00", PLAN: "#0072B2"}
#: Judging scenarios use ``seed + JUDGE_SEED_OFFSET``: draws the optimizer did not see.
JUDGE_SEED_OFFSET = 1
#: Re-plans kept per solver, by parameter values (a page rerun without a change re-solves nothing).
PLAN_MEMO_SIZE = 16


# ------------------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Setup:
    """What the page plans over; changing it means new feeds and scenarios.

    Attributes
    ----------
    start
        First day of the horizon, ``YYYY-MM-DD`` (UTC midnight).
    days
        Horizon [days].
    scenarios
        Number of scenarios the optimizer plans over (and the plan is judged on) [-].
    seed
        Seed of the feeds and scenarios [-].
    mode
        Feed mode: ``offline`` (seeded generator with the demo's cold snap), ``cache`` or
        ``live`` (see :func:`planner.fetch_feeds`).
    """

    start: str = DEMO_START
    days: int = 7
    scenarios: int = 10
    seed: int = 7
    mode: FeedMode = "offline"

    @property
    def hours(self) -> int:
        """Horizon [h]."""
        return 24 * self.days

    def feeds_part(self) -> Setup:
        """Only what the feeds depend on (not the number of scenarios): a cache key."""
        return replace(self, scenarios=0)


@dataclass(frozen=True)
class WhatIf:
    """The what-if knobs of the page.

    Attributes
    ----------
    btc_price_shock
        Relative change of the BTC price path, -0.2 for a 20 % drop [-].
    storm_severity
        Multiplier on cold-snap depth and on the weather-driven outage hazard [-].
    outage_duration_scale
        Multiplier on grid outage durations [-].
    price_spike_scale
        Multiplier on scarcity price spikes [-].
    strike_usd_per_mwh
        Strike of the rule for every tier [USD/MWh]; ``None``: each tier's breakeven.
    risk_lambda
        Weight of the CVaR of loss in the optimizer's objective [-].
    cvar_alpha
        CVaR confidence level [-].
    hashrate_floor_pct
        Fleet hashrate the plan keeps in every hour, in percent of nameplate [%].
    relocation_budget_usd
        Most the relocations may cost [USD]; ``None``: no budget.
    lead_hours
        Order lead time: the plan's first hours decided now, the same in every scenario [h]
        (:attr:`OptimizeSettings.lead_hours`; the model is built with it).
    time_limit_s
        The optimizer's time limit; at it the best plan found, or the strike rule's [s].
    """

    btc_price_shock: float = 0.0
    storm_severity: float = 1.0
    outage_duration_scale: float = 1.0
    price_spike_scale: float = 1.0
    strike_usd_per_mwh: float | None = None
    risk_lambda: float = 0.0
    cvar_alpha: float = 0.95
    hashrate_floor_pct: float = 0.0
    relocation_budget_usd: float | None = None
    lead_hours: float = 1.0
    time_limit_s: float = 60.0

    def scenario_settings(self, *, judging: bool) -> ScenarioSettings:
        """Scenario knobs; the BTC shock only for judging (the solver scales hashprice itself).

        Raises
        ------
        ConfigError
            A knob out of its range.
        """
        return ScenarioSettings(
            storm_severity=self.storm_severity,
            outage_duration_scale=self.outage_duration_scale,
            price_spike_scale=self.price_spike_scale,
            btc_price_shock=self.btc_price_shock if judging else 0.0,
        )

    def scenario_part(self, *, judging: bool) -> WhatIf:
        """Only the knobs the planning (or judging) scenarios depend on: a cache key."""
        return WhatIf(
            btc_price_shock=self.btc_price_shock if judging else 0.0,
            storm_severity=self.storm_severity,
            outage_duration_scale=self.outage_duration_scale,
            price_spike_scale=self.price_spike_scale,
        )

    def plan_part(self) -> WhatIf:
        """Every knob the plan and its judging depend on (all but the rule's strike)."""
        return replace(self, strike_usd_per_mwh=None)

    def solver_parameters(self, nameplate_eh_s: float) -> dict[str, float | None]:
        """Mutable parameters of :class:`~planner.engine.optimization.PlanSolver` for these knobs.

        Parameters
        ----------
        nameplate_eh_s
            Fleet nameplate hashrate [EH/s], the base of the floor.
        """
        return {
            "hashprice_scale": 1.0 + self.btc_price_shock,
            "risk_lambda": self.risk_lambda,
            "cvar_alpha": self.cvar_alpha,
            "hashrate_floor_eh_s": self.hashrate_floor_pct / 100.0 * nameplate_eh_s,
            "relocation_budget_usd": self.relocation_budget_usd,
        }

    def describe(self) -> str:
        """One line for notes and captions."""
        strike = (
            "each tier's breakeven"
            if self.strike_usd_per_mwh is None
            else f"${self.strike_usd_per_mwh:,.0f}/MWh"
        )
        budget = (
            "none" if self.relocation_budget_usd is None else format_usd(self.relocation_budget_usd)
        )
        return (
            f"What-if: BTC {self.btc_price_shock:+.0%}, storm x{self.storm_severity:g}, "
            f"outage duration x{self.outage_duration_scale:g}, price spikes "
            f"x{self.price_spike_scale:g}; strike {strike}; risk lambda {self.risk_lambda:g} at "
            f"alpha {self.cvar_alpha:g}; hashrate floor {self.hashrate_floor_pct:g} % of "
            f"nameplate; relocation budget {budget}; order lead time {self.lead_hours:g} h; "
            f"time limit {self.time_limit_s:g} s."
        )


def fleet_from_upload(data: bytes | str, source: str = "uploaded fleet") -> Fleet:
    """Parse an uploaded (or pasted) fleet TOML.

    Parameters
    ----------
    data
        The file's bytes (UTF-8) or text.
    source
        Name used in error messages (the file name).

    Raises
    ------
    ConfigError
        Not UTF-8 text, TOML syntax, or invalid content; one line naming each key path.
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ConfigError(source, f"not UTF-8 text (byte {exc.start})") from None
    if not data.strip():
        raise ConfigError(source, "the file is empty; a fleet needs [[sites]]")
    return parse_fleet(data, source=source)


def fleet_key(fleet: Fleet) -> str:
    """A short hash of the fleet's content: the cache key of everything made for it."""
    return hashlib.sha256(fleet.model_dump_json().encode()).hexdigest()[:16]


def nameplate_eh_s(fleet: Fleet) -> float:
    """Installed hashrate of the fleet [EH/s]."""
    return sum(fleet.installed_hashrate_th_s(s) for s in fleet.sites) / 1e6


def one_line(exc: BaseException) -> str:
    """An error as the single line the page shows."""
    return " ".join(str(exc).split()) or type(exc).__name__


# --------------------------------------------------------------------------------- the work


def feeds_for(fleet: Fleet, setup: Setup) -> Feeds:
    """The feeds of the setup; offline feeds carry the demo's mid-January cold snap.

    Raises
    ------
    ConfigError, FeedError
        Bad horizon or mode; a live feed with no usable cached answer.
    """
    storms = DEMO_STORMS if setup.mode == "offline" else None
    return fetch_feeds(fleet, setup.start, setup.hours, setup.mode, seed=setup.seed, storms=storms)


def scenarios_for(
    fleet: Fleet, feeds: Feeds, setup: Setup, whatif: WhatIf, *, judging: bool
) -> ScenarioSet:
    """Planning scenarios (seed, no BTC shock) or judging ones (``seed + 1``, every knob)."""
    seed = setup.seed + (JUDGE_SEED_OFFSET if judging else 0)
    settings = whatif.scenario_settings(judging=judging)
    return make_scenarios(fleet, feeds, setup.scenarios, seed, settings=settings)


class ReplanEngine:
    """One persistent :class:`PlanSolver` for a fleet and its planning scenarios.

    Re-plans change only the solver's mutable parameters; results are remembered by parameter
    values (the last :data:`PLAN_MEMO_SIZE`), infeasible ones too. A lock makes the engine safe
    to share between page sessions.

    Parameters
    ----------
    fleet
        The fleet.
    scenarios
        Planning scenarios.
    settings
        Optimizer settings the model is built with (mutable parameters start from them).
    """

    def __init__(
        self, fleet: Fleet, scenarios: ScenarioSet, settings: OptimizeSettings | None = None
    ) -> None:
        self.fleet = fleet
        self.nameplate_eh_s = nameplate_eh_s(fleet)
        self.solver = PlanSolver(fleet, scenarios, settings)
        self._lock = threading.Lock()
        self._memo: OrderedDict[tuple[tuple[str, float | None], ...], Plan | SolveError] = (
            OrderedDict()
        )

    @property
    def build_seconds(self) -> float:
        """Time to build the model and hand it to HiGHS [s]."""
        return float(self.solver.build_seconds)

    def forget(self) -> None:
        """Drop the remembered plans (the solver keeps its model and last basis)."""
        with self._lock:
            self._memo.clear()

    def plan(self, whatif: WhatIf) -> Plan:
        """The plan for the knobs: from memory, or :meth:`PlanSolver.update`.

        Raises
        ------
        SolveError
            No plan meets the settings (the message names the constraint families).
        ConfigError
            A parameter out of the solver's range.
        """
        parameters = whatif.solver_parameters(self.nameplate_eh_s)
        key = (*sorted(parameters.items()), ("time_limit_s", whatif.time_limit_s))
        with self._lock:
            found = self._memo.get(key)
            if found is None:
                self.solver.time_limit_s = whatif.time_limit_s
                try:
                    found = self.solver.update(**parameters)
                except SolveError as exc:
                    found = exc
                self._memo[key] = found
                while len(self._memo) > PLAN_MEMO_SIZE:
                    self._memo.popitem(last=False)
            else:
                self._memo.move_to_end(key)
        if isinstance(found, SolveError):
            raise found
        return found


def strike_policy(whatif: WhatIf) -> StrikePrice:
    """The strike-price rule of the page."""
    return StrikePrice(strike_usd_per_mwh=whatif.strike_usd_per_mwh)


def judge_rules(fleet: Fleet, judging: ScenarioSet, whatif: WhatIf) -> Evaluation:
    """Run-through and the strike rule over the judging scenarios (no relocations)."""
    return evaluate(fleet, judging, [RunThrough(), strike_policy(whatif)])


def judge_plan(fleet: Fleet, judging: ScenarioSet, plan: Plan) -> Evaluation:
    """The plan as a strategy (:func:`~planner.engine.strategies.optimized_strategy`: the hour's
    price decides, within the plan's commitments and freeze protection; its relocations carried out)
    over the judging scenarios."""
    strategy = optimized_strategy(plan, name=PLAN)
    return evaluate(fleet, judging, [strategy.policy], shipments=strategy.shipments)


@dataclass(frozen=True, eq=False)
class Replan:
    """One what-if re-plan as the page shows it.

    Attributes
    ----------
    plan
        The optimizer's plan.
    evaluation
        The plan judged out of sample (policy :data:`PLAN` only).
    solve_seconds, judge_seconds
        Time in :meth:`ReplanEngine.plan` and in :func:`judge_plan` [s].
    """

    plan: Plan
    evaluation: Evaluation
    solve_seconds: float
    judge_seconds: float

    @property
    def seconds(self) -> float:
        """The whole re-plan [s]."""
        return self.solve_seconds + self.judge_seconds


def replan(engine: ReplanEngine, judging: ScenarioSet, whatif: WhatIf) -> Replan:
    """Re-plan through the persistent solver and judge the plan: the page's what-if path.

    Raises
    ------
    SolveError, ConfigError
        See :meth:`ReplanEngine.plan`.
    """
    started = time.perf_counter()
    plan = engine.plan(whatif)
    solved = time.perf_counter()
    evaluation = judge_plan(engine.fleet, judging, plan)
    return Replan(plan, evaluation, solved - started, time.perf_counter() - solved)


def combine(rules: Evaluation, planned: Evaluation) -> Evaluation:
    """The rules and the plan in one evaluation, in :data:`STRATEGIES` order."""
    return merge_evaluations([rules, planned], STRATEGIES)


# ------------------------------------------------------------------------------- page tables

#: Risk-table columns the page shows, with their labels: the full value (profit incl. after
#: horizon) first, the profit inside the horizon and what is left after it beside it.
FLEET_COLUMNS: dict[str, str] = {
    "expected_profit_incl_after_horizon_usd": "E[profit incl. after] $M",
    "p5_profit_incl_after_horizon_usd": "P5 incl. after $M",
    "cvar5_profit_incl_after_horizon_usd": "CVaR5 incl. after $M",
    "expected_profit_usd": "E[profit in horizon] $M",
    "expected_after_horizon_usd": "left after horizon $M",
    "mean_hashrate_eh_s": "mean EH/s",
    "uptime_pct": "uptime %",
    "curtailed_mwh": "curtailed MWh",
    "outage_hours": "outage h",
    "freeze_events": "freeze events",
}


def risk_table(metrics: pd.DataFrame, site_id: str = "fleet") -> pd.DataFrame:
    """One row per strategy for a site (or the fleet): :data:`FLEET_COLUMNS`, money in $M.

    Parameters
    ----------
    metrics
        :meth:`Evaluation.metrics` of the page's evaluation.
    site_id
        A site id or ``fleet``.
    """
    rows = metrics[metrics["site_id"] == site_id].set_index("policy")[list(FLEET_COLUMNS)]
    money = [c for c in FLEET_COLUMNS if c.endswith("_usd")]
    rows[money] = rows[money] / 1e6
    return rows.rename(columns=FLEET_COLUMNS).rename_axis("strategy")


@dataclass(frozen=True)
class Headline:
    """The KPI row: the plan's figures judged out of sample and the strike rule's beside them.

    The headline profits are the full value, ``*_incl_after_horizon_usd``: the horizon's profit
    less what the fleet leaves behind after it; ``expected_profit_usd`` and
    ``strike_expected_profit_usd`` are the profits inside the horizon alone. Money [USD],
    hashrate [EH/s], energy [MWh], probability [-].
    """

    expected_profit_incl_after_horizon_usd: float
    cvar5_profit_incl_after_horizon_usd: float
    expected_profit_usd: float
    mean_hashrate_eh_s: float
    curtailed_mwh: float
    relocation_cost_usd: float
    strike_expected_profit_incl_after_horizon_usd: float
    strike_cvar5_profit_incl_after_horizon_usd: float
    strike_expected_profit_usd: float
    strike_mean_hashrate_eh_s: float
    strike_curtailed_mwh: float
    below_floor_probability: float


def headline(
    evaluation: Evaluation, metrics: pd.DataFrame, plan: Plan, floor_eh_s: float
) -> Headline:
    """KPIs of the plan and the strike rule: fleet rows of ``metrics``
    (:meth:`Evaluation.metrics` of ``evaluation``), the floor's risk from ``evaluation``."""
    fleet = metrics[metrics["site_id"] == "fleet"].set_index("policy")
    ours, rule = fleet.loc[PLAN], fleet.loc["strike"]
    below = 0.0
    if floor_eh_s > 0:
        below = float(evaluation.hashrate_at_risk(floor_eh_s).loc[PLAN, "probability_below"])
    full = "profit_incl_after_horizon_usd"
    return Headline(
        expected_profit_incl_after_horizon_usd=float(ours[f"expected_{full}"]),
        cvar5_profit_incl_after_horizon_usd=float(ours[f"cvar5_{full}"]),
        expected_profit_usd=float(ours["expected_profit_usd"]),
        mean_hashrate_eh_s=float(ours["mean_hashrate_eh_s"]),
        curtailed_mwh=float(ours["curtailed_mwh"]),
        relocation_cost_usd=float(plan.kpis.relocation_cost_usd),
        strike_expected_profit_incl_after_horizon_usd=float(rule[f"expected_{full}"]),
        strike_cvar5_profit_incl_after_horizon_usd=float(rule[f"cvar5_{full}"]),
        strike_expected_profit_usd=float(rule["expected_profit_usd"]),
        strike_mean_hashrate_eh_s=float(rule["mean_hashrate_eh_s"]),
        strike_curtailed_mwh=float(rule["curtailed_mwh"]),
        below_floor_probability=below,
    )


#: Map colourings: label -> (risk-table column, higher is worse, unit formatter).
MAP_METRICS: dict[str, tuple[str, bool, str]] = {
    "Worst-5 % profit incl. after horizon (CVaR)": (
        "cvar5_profit_incl_after_horizon_usd",
        False,
        "usd",
    ),
    "Expected profit incl. after horizon": ("expected_profit_incl_after_horizon_usd", False, "usd"),
    "Expected profit in horizon": ("expected_profit_usd", False, "usd"),
    "Grid outage hours": ("outage_hours", True, "hours"),
    "Uptime": ("uptime_pct", False, "pct"),
    "Freeze events": ("freeze_events", True, "count"),
}


def format_value(value: float, unit: str) -> str:
    """A map or table value in its unit (``usd``, ``hours``, ``pct``, ``count``)."""
    if not math.isfinite(value):
        return "—"
    if unit == "usd":
        return format_usd(value)
    if unit == "hours":
        return f"{value:,.1f} h"
    if unit == "pct":
        return f"{value:,.1f} %"
    return f"{value:,.2f}"


def site_values(metrics: pd.DataFrame, policy: str, column: str) -> dict[str, float]:
    """One column of :meth:`Evaluation.metrics` per site for one strategy."""
    rows = metrics[(metrics["policy"] == policy) & (metrics["site_id"] != "fleet")]
    return {str(s): float(v) for s, v in zip(rows["site_id"], rows[column], strict=True)}


Stops = tuple[tuple[float, tuple[int, int, int]], ...]
#: Risk colours: green (0, best) through amber to red (1, worst).
RISK_STOPS: Stops = ((0.0, (26, 152, 80)), (0.5, (254, 196, 79)), (1.0, (215, 48, 39)))
#: Curtailment colours: white (0, runs) through orange to dark orange (1, all held off).
HEAT_STOPS: Stops = ((0.0, (255, 255, 255)), (0.5, (253, 174, 107)), (1.0, (166, 54, 3)))


def _ramp(share: float, stops: Stops = RISK_STOPS) -> str:
    """The colour at ``share`` in [0, 1] along ``stops``, as ``#rrggbb``."""
    share = min(max(share, 0.0), 1.0)
    for (a, ca), (b, cb) in itertools.pairwise(stops):
        if share <= b:
            t = 0.0 if b == a else (share - a) / (b - a)
            rgb = [round(x + (y - x) * t) for x, y in zip(ca, cb, strict=True)]
            return "#{:02x}{:02x}{:02x}".format(*rgb)
    return "#{:02x}{:02x}{:02x}".format(*stops[-1][1])


def risk_map_svg(
    fleet: Fleet,
    values: Mapping[str, float],
    *,
    label: str,
    unit: str,
    higher_is_worse: bool,
    width: int = 820,
    height: int = 420,
) -> str:
    """Sites on an equirectangular map of their bounding box, coloured by a risk value.

    No tiles and no network: a graticule, one circle per site (area grows with capacity [MW]),
    green for the best value of the fleet through amber to red for the worst, and a legend.

    Parameters
    ----------
    fleet
        The fleet.
    values
        Site id -> value (missing sites are drawn grey).
    label, unit
        What the value is, and its unit for :func:`format_value`.
    higher_is_worse
        Whether larger values are redder.
    width, height
        Canvas size [px].
    """
    sites = fleet.sites
    lats = np.array([s.latitude for s in sites])
    lons = np.array([s.longitude for s in sites])
    kx = math.cos(math.radians(float(lats.mean())))
    xs, ys = lons * kx, lats
    pad = max(1.5, 0.15 * max(float(np.ptp(xs)), float(np.ptp(ys))))
    left, top, plot_w, plot_h = 12.0, 44.0, width - 24.0, height - 56.0
    scale = min(plot_w / (np.ptp(xs) + 2 * pad), plot_h / (np.ptp(ys) + 2 * pad))
    cx, cy = (xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2

    def px(lon: float) -> float:
        return left + plot_w / 2 + (lon * kx - cx) * scale

    def py(lat: float) -> float:
        return top + plot_h / 2 - (lat - cy) * scale

    known = [v for v in values.values() if math.isfinite(v)]
    low, high = (min(known), max(known)) if known else (0.0, 0.0)

    def share(value: float) -> float:
        s = 0.0 if high <= low else (value - low) / (high - low)
        return s if higher_is_worse else 1.0 - s

    esc = html.escape
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{esc(label)} by site" '
        'style="font-family: sans-serif; font-size: 12px; max-width: 900px">',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#f4f8fb" '
        'stroke="#e4e7eb"/>',
    ]
    lon_w = (cx - plot_w / 2 / scale) / kx
    lon_e = (cx + plot_w / 2 / scale) / kx
    lat_s, lat_n = cy - plot_h / 2 / scale, cy + plot_h / 2 / scale
    span = max(lon_e - lon_w, lat_n - lat_s)
    step = next((s for s in (1, 2, 5, 10, 15, 30) if span / s <= 9), 45)
    for lon in np.arange(math.ceil(lon_w / step) * step, lon_e, step):
        x = px(float(lon))
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + plot_h}" stroke="#e4e7eb"/>'
            f'<text x="{x + 3:.1f}" y="{top + plot_h - 5:.1f}" font-size="10" fill="#7b8794">'
            f"{abs(lon):g}°{'W' if lon < 0 else 'E'}</text>"
        )
    for lat in np.arange(math.ceil(lat_s / step) * step, lat_n, step):
        y = py(float(lat))
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e4e7eb"/>'
            f'<text x="{left + 4}" y="{y - 3:.1f}" font-size="10" fill="#7b8794">'
            f"{abs(lat):g}°{'N' if lat >= 0 else 'S'}</text>"
        )
    biggest = max(s.capacity_mw for s in sites)
    ordered = sorted(sites, key=lambda s: -s.capacity_mw)  # small circles drawn on top
    circles = [
        (px(s.longitude), py(s.latitude), 7 + 13 * math.sqrt(s.capacity_mw / biggest))
        for s in ordered
    ]
    texts = [format_value(values.get(s.id, math.nan), unit) for s in ordered]
    sizes = [(7.2 * max(len(s.id), len(t)) + 4, 30.0) for s, t in zip(ordered, texts, strict=True)]
    places = _place_labels(circles, sizes, (left, top, left + plot_w, top + plot_h))
    labels = []
    for site, (x, y, r), text, (box_x, box_y, _) in zip(
        ordered, circles, texts, places, strict=True
    ):
        value = values.get(site.id, math.nan)
        colour = _ramp(share(value)) if math.isfinite(value) else "#bbbbbb"
        tip = f"{site.name} ({site.id}), {site.capacity_mw:,.0f} MW {site.cooling}: {label} {text}"
        parts.append(
            f'<circle data-site="{esc(site.id)}" cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" '
            f'fill="{colour}" fill-opacity="0.9" stroke="#fff" stroke-width="2">'
            f"<title>{esc(tip)}</title></circle>"
        )
        labels.append(
            f'<text x="{box_x + 2:.1f}" y="{box_y + 12:.1f}" font-weight="600" stroke="#fff" '
            f'stroke-width="3" paint-order="stroke">{esc(site.id)}</text>'
            f'<text x="{box_x + 2:.1f}" y="{box_y + 26:.1f}" fill="#323f4b" stroke="#fff" '
            f'stroke-width="3" paint-order="stroke">{esc(text)}</text>'
        )
    parts.extend(labels)
    best, worst = (low, high) if higher_is_worse else (high, low)
    stops = "".join(f'<stop offset="{k / 4:.2f}" stop-color="{_ramp(k / 4)}"/>' for k in range(5))
    parts.append(
        f'<defs><linearGradient id="risk-ramp">{stops}</linearGradient></defs>'
        f'<text x="{left}" y="16" font-weight="600">{esc(label)}</text>'
        f'<text x="{left}" y="34" fill="#52606d">better {esc(format_value(best, unit))}</text>'
        f'<rect x="{left + 150}" y="24" width="160" height="12" fill="url(#risk-ramp)"/>'
        f'<text x="{left + 318}" y="34" fill="#52606d">worse '
        f"{esc(format_value(worst, unit))}</text>"
        f'<text x="{width - 12}" y="34" text-anchor="end" fill="#7b8794">circle area: '
        "capacity [MW]</text></svg>"
    )
    return "".join(parts)


Box = tuple[float, float, float, float]


def _overlap(a: Box, b: Box) -> float:
    """Overlapping area of two ``(x0, y0, x1, y1)`` boxes [px^2]."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(w, 0.0) * max(h, 0.0)


def _place_labels(
    circles: list[tuple[float, float, float]], sizes: list[tuple[float, float]], bounds: Box
) -> list[tuple[float, float, float]]:
    """Greedy label placement: per circle, the first of right, left, above, below and the
    diagonals that overlaps no circle or label placed and stays inside ``bounds``; else the
    least bad one.

    Parameters
    ----------
    circles
        ``(x, y, r)`` of each circle [px], in placing order.
    sizes
        ``(width, height)`` of each label [px].
    bounds
        ``(x0, y0, x1, y1)`` of the drawing area [px].

    Returns
    -------
    list of (x, y, cost)
        Top-left corner of each label [px] and what it overlaps [px^2] (0 when free).
    """
    obstacles: list[Box] = [(x - r, y - r, x + r, y + r) for x, y, r in circles]
    placed: list[tuple[float, float, float]] = []
    for k, ((x, y, r), (w, h)) in enumerate(zip(circles, sizes, strict=True)):
        gap, diag = r + 4, 0.7 * (r + 4)
        candidates = [
            (x + gap, y - h / 2),
            (x - gap - w, y - h / 2),
            (x - w / 2, y - gap - h),
            (x - w / 2, y + gap),
            (x + diag, y - diag - h),
            (x - diag - w, y - diag - h),
            (x + diag, y + diag),
            (x - diag - w, y + diag),
        ]
        best: tuple[float, float, float] | None = None
        for bx, by in candidates:
            box = (bx, by, bx + w, by + h)
            outside = (
                max(bounds[0] - box[0], 0.0)
                + max(box[2] - bounds[2], 0.0)
                + max(bounds[1] - box[1], 0.0)
                + max(box[3] - bounds[3], 0.0)
            )
            cost = 1e3 * outside + sum(_overlap(box, o) for j, o in enumerate(obstacles) if j != k)
            if best is None or cost < best[2]:
                best = (bx, by, cost)
            if cost == 0.0:
                break
        assert best is not None
        placed.append(best)
        obstacles.append((best[0], best[1], best[0] + w, best[1] + h))
    return placed


def hashrate_bands(evaluation: Evaluation) -> pd.DataFrame:
    """Long frame for the hashrate chart: ``strategy``, ``time``, P5/mean/P95 [EH/s]."""
    bands = evaluation.hashrate_bands.reset_index()
    return bands.rename(columns={"policy": "strategy"})[
        ["strategy", "time", "p5_eh_s", "mean_eh_s", "p95_eh_s"]
    ]


def fleet_profits(evaluation: Evaluation) -> pd.DataFrame:
    """Fleet profit of every judged run: ``strategy``, ``scenario``, ``weight``, ``profit_musd``
    (incl. after horizon) and ``in_horizon_musd`` (inside the horizon) [M USD]."""
    runs = evaluation.runs
    rows = runs[runs["site_id"] == "fleet"]
    out = pd.DataFrame(
        {
            "strategy": rows["policy"].to_numpy(),
            "scenario": rows["scenario"].to_numpy(),
            "weight": rows["weight"].to_numpy(),
            "profit_musd": rows["profit_incl_after_horizon_usd"].to_numpy() / 1e6,
            "in_horizon_musd": rows["profit_usd"].to_numpy() / 1e6,
        }
    )
    return out


def expected_schedule(plan: Plan) -> pd.DataFrame:
    """The plan's probability-weighted schedule: one row per site, model and hour.

    Columns ``site_id``, ``model_id``, ``time``, ``available_mw``, ``running_mw``,
    ``curtailed_mw`` (IT load [MW]) and ``run_fraction`` [-]; the first hour is the decision to
    act on now (the same in every scenario).
    """
    s = plan.schedule
    w = plan.weights[s["scenario"].to_numpy()]
    weighted = s[["site_id", "model_id", "time"]].assign(
        available_mw=s["available_mw"].to_numpy() * w,
        running_mw=s["running_mw"].to_numpy() * w,
        curtailed_mw=s["curtailed_mw"].to_numpy() * w,
    )
    out = weighted.groupby(["site_id", "model_id", "time"], sort=False, as_index=False).sum()
    avail = out["available_mw"].to_numpy()
    out["run_fraction"] = np.divide(
        out["running_mw"].to_numpy(), avail, out=np.zeros_like(avail), where=avail > 1e-9
    )
    return out


def curtailment_heatmap(plan: Plan) -> pd.DataFrame:
    """Expected curtailment per site and period: ``site_id``, ``time``, ``curtailed_mw`` [MW],
    ``available_mw`` [MW], ``curtailed_pct`` of the available load [%] and its ``colour``
    (:data:`HEAT_STOPS`)."""
    schedule = expected_schedule(plan)
    out = schedule.groupby(["site_id", "time"], sort=False, as_index=False)[
        ["curtailed_mw", "available_mw"]
    ].sum()
    avail = out["available_mw"].to_numpy()
    out["curtailed_pct"] = 100.0 * np.divide(
        out["curtailed_mw"].to_numpy(), avail, out=np.zeros_like(avail), where=avail > 1e-9
    )
    out["colour"] = [_ramp(p / 100.0, HEAT_STOPS) for p in out["curtailed_pct"]]
    return out


def relocation_table(plan: Plan) -> pd.DataFrame:
    """The plan's relocations with departure and arrival times (UTC)."""
    rel = plan.relocations.copy()
    start = plan.times[0]
    rel["departs"] = [start + pd.Timedelta(hours=float(h)) for h in rel["depart_h"]]
    rel["arrives"] = [start + pd.Timedelta(hours=float(h)) for h in rel["arrive_h"]]
    return rel[["from_site", "to_site", "model_id", "machines", "cost_usd", "departs", "arrives"]]


def act_now_table(plan: Plan) -> pd.DataFrame:
    """The first hour's decision per site and model: run share and MW (IT)."""
    first = plan.first_period
    return first[first["available_mw"] > 1e-9][
        ["site_id", "model_id", "running_mw", "available_mw", "run_fraction"]
    ].reset_index(drop=True)


def plan_csv(plan: Plan) -> str:
    """The expected schedule as CSV (times ISO 8601 UTC)."""
    frame = expected_schedule(plan)
    return str(frame.to_csv(index=False, float_format="%.4f", date_format="%Y-%m-%dT%H:%MZ"))


def freshness_table(feeds: Feeds) -> pd.DataFrame:
    """One row per feed: status, source, when fetched, how old [h], the hours filled per site,
    node or area [h] and why a feed is missing."""
    columns = ["feed", "status", "source", "fetched_at", "age_h", "filled_hours", "note"]
    rows = [
        {
            "feed": name,
            "status": str(f.status),
            "source": f.source,
            "fetched_at": f.fetched_at,
            "age_h": f.age_hours,
            "filled_hours": f.filled_summary,
            "note": f.detail,
        }
        for name, f in feeds.freshness.items()
    ]
    return pd.DataFrame(rows, columns=columns)


def events_table(events: pd.DataFrame) -> pd.DataFrame:
    """An alerts or outage event table in display order (columns as in ``weather.schema``)."""
    columns = ["start", "end", "site_id", "kind", "severity", "source"]
    return events[[c for c in columns if c in events.columns]].reset_index(drop=True)


@dataclass(frozen=True)
class History:
    """The job's run history as the page shows it.

    Attributes
    ----------
    path
        The SQLite file looked at.
    runs
        One row per run, newest first (empty when there is no file or no run).
    error
        One line when the file exists but cannot be read.
    """

    path: Path
    runs: pd.DataFrame = field(default_factory=pd.DataFrame)
    error: str | None = None


def run_history(path: str | Path | None = None, limit: int = 50) -> History:
    """Read the job's run history (:class:`planner.ops.store.RunStore`) without creating it.

    Parameters
    ----------
    path
        The SQLite file; default :func:`planner.ops.store.default_store_path`.
    limit
        Newest runs to show.
    """
    where = Path(path) if path is not None else default_store_path()
    if not where.is_file():
        return History(where)
    try:
        with RunStore(where) as store:
            records = store.list_runs(limit)
    except PlannerError as exc:  # a corrupt, foreign or newer file: shown as one line
        return History(where, error=one_line(exc))
    rows: list[dict[str, Any]] = []
    for r in records:
        row: dict[str, Any] = {
            "run": r.id,
            "started": r.started_at,
            "status": str(r.status),
            "duration_s": r.duration_s,
            "fleet": r.fleet_hash[:12],
        }
        row.update({str(k): float(v) for k, v in r.kpis.items()})
        row["error"] = r.error or ""
        rows.append(row)
    return History(where, pd.DataFrame(rows))


def report_html(
    fleet: Fleet,
    feeds: Feeds,
    setup: Setup,
    whatif: WhatIf,
    evaluation: Evaluation,
    plan: Plan,
) -> str:
    """The self-contained HTML report of the page's state
    (:func:`planner.ops.report.render_report`).

    Charts of the central forecast come from one run per strategy through the feeds; the risk
    figures, bands and distribution from the judged evaluation.
    """
    strategy = optimized_strategy(plan, name=PLAN)
    runs: list[tuple[Policy, tuple[Shipment, ...]]] = [
        (RunThrough(), ()),
        (strike_policy(whatif), ()),
        (strategy.policy, strategy.shipments),
    ]
    results = [simulate(fleet, feeds, p, seed=setup.seed, shipments=s) for p, s in runs]
    notes = (
        *feeds.notes,
        f"{setup.scenarios} scenarios, seed {setup.seed}; the plan is judged on "
        f"{setup.scenarios} other scenarios (seed {setup.seed + JUDGE_SEED_OFFSET}).",
        whatif.describe(),
    )
    return render_report(
        ReportInputs(
            fleet=fleet,
            kpis=kpis(fleet, results, baseline=RULES[0]),
            ledgers={r.policy: r.ledger for r in results},
            title=f"{fleet.name}: what-if plan",
            generated_at=datetime.now(UTC),
            notes=notes,
            risk=evaluation.metrics(),
            evaluation=evaluation,
            plan=plan,
            feeds=feeds,
        ),
    )
