"""The what-if page's inputs: what it plans over (:class:`Setup`), its knobs (:class:`WhatIf`),
the fleet it was given, and the names and seeds every view shares."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from planner import ConfigError, FeedMode, Fleet, ScenarioSettings, format_usd, parse_fleet

__all__ = [
    "DEMO_START",
    "JUDGE_SEED_OFFSET",
    "PLAN",
    "RULES",
    "STRATEGIES",
    "Setup",
    "WhatIf",
    "fleet_from_upload",
    "fleet_key",
    "nameplate_eh_s",
    "one_line",
]

#: First day of the offline demo window (its forced cold snap falls on 16 January).
DEMO_START = "2025-01-10"
#: Strategy names, in display order: today's rules, then the optimizer's plan.
RULES: tuple[str, ...] = ("run-through", "strike")
PLAN = "optimized"
STRATEGIES: tuple[str, ...] = (*RULES, PLAN)
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
