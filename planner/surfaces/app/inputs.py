"""The what-if page's inputs: what it plans over (:class:`Setup`), its knobs (:class:`WhatIf`),
the fleet it was given, and the names and seeds every view shares."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from planner import (
    CURRENT_RULES,
    ConfigError,
    FeedMode,
    Fleet,
    ScenarioSettings,
    format_usd,
    parse_fleet,
)

__all__ = [
    "CURRENT_RULES",
    "DEFAULT_STRATEGIES",
    "DEMO_START",
    "JUDGE_SEED_OFFSET",
    "PLAN",
    "PLAN_STRATEGIES",
    "RULES",
    "STRATEGIES",
    "STRATEGY_HELP",
    "Setup",
    "WhatIf",
    "demand_response_mw",
    "fleet_from_upload",
    "fleet_key",
    "nameplate_eh_s",
    "one_line",
    "without_demand_response",
]

#: First day of the offline demo window (its forced cold snap falls on 16 January).
DEMO_START = "2025-01-10"
#: Rules the page can judge (no plan needed), in display order; ``strike`` takes the page's
#: strike price (``strike@80`` when it is set).
RULES: tuple[str, ...] = (
    "run-through",
    "strike",
    "strike+protective",
    "protective",
    "4cp",
    "strike+4cp",
    "strike+4cp+protective",
)
#: The optimizer's plan, always judged, and the rules it can be composed with.
PLAN = "optimized"
PLAN_STRATEGIES: tuple[str, ...] = (PLAN, "optimized+4cp", "optimized+protective")
#: Every strategy the page offers, in display order.
STRATEGIES: tuple[str, ...] = (*RULES, *PLAN_STRATEGIES)
#: Judged unless the operator picks others.
DEFAULT_STRATEGIES: tuple[str, ...] = ("run-through", "strike", "strike+protective", PLAN)
#: The rules an operator may run today, which the summary measures against.
CURRENT_RULES: tuple[str, ...] = CURRENT_RULES
#: What each strategy does, in an operator's words.
STRATEGY_HELP: dict[str, str] = {
    "run-through": "Run every machine whatever the price.",
    "strike": "Shed machines while the power price is above the strike (by default each "
    "model's breakeven), as fleet software does today.",
    "strike+protective": "The strike rule, and shut down ahead of a forecast freeze or storm "
    "to protect the machines.",
    "protective": "Run through, but shut down ahead of a forecast freeze or storm.",
    "4cp": "Texas: shed in the hours most likely to set this summer's 4CP transmission peaks.",
    "strike+4cp": "The strike rule, and shed in likely 4CP peak hours.",
    "strike+4cp+protective": "Strike, 4CP avoidance and protective shutdown together.",
    "optimized": "The optimizer's plan: curtailment, demand-response commitments, freeze "
    "protection and relocations, with the hour's price deciding the rest.",
    "optimized+4cp": "The optimizer's plan, and shed in likely 4CP peak hours.",
    "optimized+protective": "The optimizer's plan, and shut down ahead of a forecast freeze.",
}
#: Judging scenarios use ``seed + JUDGE_SEED_OFFSET``: draws the optimizer did not see.
JUDGE_SEED_OFFSET = 1


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
    strategies
        Strategies to judge beside the plan (:data:`STRATEGIES`); the optimizer's plan and the
        current rule are always judged.
    current_rule
        The rule run today (:data:`CURRENT_RULES`), which the summary measures against.
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
    strategies: tuple[str, ...] = DEFAULT_STRATEGIES
    current_rule: str = "strike"

    def _named(self, name: str) -> str:
        """A strategy's name with the page's strike in dollars (``strike`` -> ``strike@80``)."""
        if self.strike_usd_per_mwh is None:
            return name
        dollars = f"strike@{self.strike_usd_per_mwh:g}"
        return "+".join(dollars if part == "strike" else part for part in name.split("+"))

    @property
    def rule_name(self) -> str:
        """The current rule's strategy name (with the strike in dollars when set)."""
        return self._named(self.current_rule)

    def rule_names(self) -> tuple[str, ...]:
        """The rules to judge: the chosen ones and the current rule, in :data:`RULES` order."""
        chosen = {*self.strategies, self.current_rule}
        return tuple(self._named(r) for r in RULES if r in chosen)

    def plan_names(self) -> tuple[str, ...]:
        """The plan strategies to judge: ``optimized`` and the chosen compositions."""
        return tuple(p for p in PLAN_STRATEGIES if p == PLAN or p in self.strategies)

    def judged_names(self) -> tuple[str, ...]:
        """Every strategy the page judges, in display order."""
        return (*self.rule_names(), *self.plan_names())

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
        """Every knob the plan and its judging depend on (not the rules or their strike)."""
        return replace(
            self, strike_usd_per_mwh=None, strategies=DEFAULT_STRATEGIES, current_rule="strike"
        )

    def floor_eh_s(self, nameplate_eh_s: float) -> float:
        """The hashrate floor [EH/s] of a fleet of ``nameplate_eh_s`` [EH/s]."""
        return self.hashrate_floor_pct / 100.0 * nameplate_eh_s

    def solver_parameters(self, nameplate_eh_s: float) -> dict[str, float | None]:
        """Mutable parameters of the optimizer (:meth:`planner.Replanner.plan`) for these knobs.

        Parameters
        ----------
        nameplate_eh_s
            Fleet nameplate hashrate [EH/s], the base of the floor.
        """
        return {
            "hashprice_scale": 1.0 + self.btc_price_shock,
            "risk_lambda": self.risk_lambda,
            "cvar_alpha": self.cvar_alpha,
            "hashrate_floor_eh_s": self.floor_eh_s(nameplate_eh_s),
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
            f"time limit {self.time_limit_s:g} s; current rule {self.rule_name}."
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


def demand_response_mw(fleet: Fleet) -> float:
    """Demand response the fleet is enrolled in, summed over sites and programs [MW]."""
    return sum(p.committed_mw for s in fleet.sites for p in s.programs.demand_response)


def without_demand_response(fleet: Fleet) -> Fleet:
    """The fleet with every site's demand-response enrolment dropped (its 4CP program and
    everything else kept): what the enrolment is worth is the difference."""
    sites = tuple(
        s.model_copy(update={"programs": s.programs.model_copy(update={"demand_response": ()})})
        for s in fleet.sites
    )
    return fleet.model_copy(update={"sites": sites})


def fleet_key(fleet: Fleet) -> str:
    """A short hash of the fleet's content: the cache key of everything made for it."""
    return hashlib.sha256(fleet.model_dump_json().encode()).hexdigest()[:16]


def nameplate_eh_s(fleet: Fleet) -> float:
    """Installed hashrate of the fleet [EH/s]."""
    return sum(fleet.installed_hashrate_th_s(s) for s in fleet.sites) / 1e6


def one_line(exc: BaseException) -> str:
    """An error as the single line the page shows."""
    return " ".join(str(exc).split()) or type(exc).__name__
