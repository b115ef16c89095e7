"""Operating policies: how a site decides, hour by hour, which efficiency tiers run.

A policy turns a site's hours into a run fraction per tier and hour (``(tiers, hours)``, each in
[0, 1], the share of that tier's *available* machines that run). Tiers come from
:func:`planner.domain.ledger.site_tiers`, most efficient first. The decision of each step reads
only its information set: what was published by the step's start and forecasts issued before
the horizon (:class:`~planner.domain.ledger.SiteHours`, :mod:`planner.domain.publication`), so
changing the world after a step never changes that step's decision.

- :class:`RunThrough`: run every available machine, whatever the price.
- :class:`StrikePrice`: the rule fleet software uses today. A tier is shed when the latest
  published marginal power price has stayed above its strike for ``debounce_hours`` and restored
  when it has stayed below for as long, after at least ``min_hold_hours`` off. Each tier's strike
  is its breakeven power price at the last published hashprice (so the least efficient tiers shed
  first and the most efficient restore first), or one fixed strike for every tier.
- :class:`FourCPAvoidance`: at sites enrolled in 4CP, curtail in the June-September hours the
  forecast gives a high chance of being a monthly system peak.
- :class:`ProtectiveShutdown`: shut air and immersion sites down ahead of forecast hard freezes
  and during severe-weather alerts; keep hydro sites' loops warm while it freezes.
- :class:`FollowPlan`: run fractions given from outside (the optimizer's plan).
- :class:`Compose`: several policies at once. Any of them may curtail (elementwise minimum), but
  a *keep-running floor* a policy asks for (:meth:`ProtectiveShutdown.min_run_fraction` at hydro
  sites in a freeze) wins over every curtailment.

:func:`policy_named` builds the built-in policies from names such as ``"strike+4cp+protective"``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
import pandas as pd

from planner.domain.fleet import Fleet, Site
from planner.domain.freeze import WATER_FREEZE_C
from planner.domain.ledger import (
    SiteHours,
    marginal_price_usd_per_mwh,
    site_tiers,
    tier_step_breakevens,
)
from planner.domain.publication import step_hours
from planner.engine.hashrate_floor import fleet_floor_eh_s
from planner.engine.ladder import ladder_fraction
from planner.errors import ConfigError
from planner.inputs import MAX_SIMULATION_HOURS, check_number, check_whole, gather
from weather.climate import design_band_c

#: Months of ERCOT's coincident peaks (June-September), in the site's local time.
FOUR_CP_MONTHS: tuple[int, ...] = (6, 7, 8, 9)


class Policy(Protocol):
    """Anything with a ``name`` and a ``run_fraction`` method is a policy."""

    @property
    def name(self) -> str: ...

    def run_fraction(self, fleet: Fleet, site: Site, hours: SiteHours) -> np.ndarray:
        """Share of each tier's available machines to run, shape ``(tiers, hours)`` [-]."""
        ...


@runtime_checkable
class FloorPolicy(Policy, Protocol):
    """A policy that also asks for a keep-running floor that other policies may not cut into."""

    def min_run_fraction(self, fleet: Fleet, site: Site, hours: SiteHours) -> np.ndarray:
        """Share of each tier's available machines that must run, ``(tiers, hours)`` [-]."""
        ...


def run_floor(policy: Policy, fleet: Fleet, site: Site, hours: SiteHours) -> np.ndarray:
    """The keep-running floor ``policy`` asks for at ``site``; zeros when it has none.

    Parameters
    ----------
    policy
        Any policy; only a :class:`FloorPolicy` has a floor.
    fleet, site, hours
        As for :meth:`Policy.run_fraction`.

    Returns
    -------
    numpy.ndarray
        Floor per tier and hour, ``(tiers, hours)`` [-].
    """
    if isinstance(policy, FloorPolicy):
        return np.asarray(policy.min_run_fraction(fleet, site, hours), dtype=float)
    return np.zeros((len(site_tiers(fleet, site)), len(hours.times)))


@dataclass(frozen=True)
class RunThrough:
    """Run every available machine all the time."""

    name: str = "run-through"

    def run_fraction(self, fleet: Fleet, site: Site, hours: SiteHours) -> np.ndarray:
        """All ones."""
        return np.ones((len(site_tiers(fleet, site)), len(hours.times)))


@dataclass(frozen=True)
class StrikePrice:
    """Curtail a tier when power costs more than it earns, with debounce and a minimum hold.

    Each step acts on the latest published price, the step before's (one interval of lag: the
    hour before in the hourly simulation, the last settled 15-minute interval on native
    settlement prices), against each tier's breakeven at the last published (closed UTC day's)
    hashprice; before any price is published a tier runs. Durations are converted to steps of
    ``hours`` (rounded up, at least one).

    Attributes
    ----------
    debounce_hours
        Time above (below) the strike before shedding (restoring), > 0 [h].
    min_hold_hours
        Time a shed tier stays off before it may restore, >= 0 [h].
    strike_usd_per_mwh
        One strike for every tier [USD/MWh]; ``None`` uses each tier's breakeven.
    """

    debounce_hours: float = 1
    min_hold_hours: float = 2
    strike_usd_per_mwh: float | None = None
    name: str = "strike"

    def __post_init__(self) -> None:
        problems = gather(
            lambda: check_number(
                self.debounce_hours, "debounce_hours", 0, MAX_SIMULATION_HOURS, open_lo=True
            ),
            lambda: check_number(self.min_hold_hours, "min_hold_hours", 0, MAX_SIMULATION_HOURS),
        )
        if problems:
            raise ConfigError("strike policy", problems)

    def run_fraction(self, fleet: Fleet, site: Site, hours: SiteHours) -> np.ndarray:
        """1 while a tier runs at nameplate, 0 while it is shed; for a model with power modes the
        load share of the steps of its mode ladder that pay (:func:`ladder_fraction`)."""
        return self.run_fraction_at(fleet, site, hours, hours.published.price_usd_per_mwh)

    def run_fraction_at(
        self, fleet: Fleet, site: Site, hours: SiteHours, price_usd_per_mwh: np.ndarray
    ) -> np.ndarray:
        """:meth:`run_fraction` acting on ``price_usd_per_mwh`` (one per step) in place of the
        latest published price, e.g. a forecast of the step's own [-]."""
        seen = hours.published
        marginal = marginal_price_usd_per_mwh(site, price_usd_per_mwh)
        step = step_hours(hours.times)
        debounce = max(1, math.ceil(self.debounce_hours / step - 1e-9))
        hold = math.ceil(self.min_hold_hours / step - 1e-9)
        rows = []
        for tier in site_tiers(fleet, site):
            if self.strike_usd_per_mwh is None:
                width, strike = tier_step_breakevens(site, tier, seen.hashprice_usd_per_th_day)
            else:
                width, strike = np.ones(1), np.full((1, 1), self.strike_usd_per_mwh)
            rows.append(ladder_fraction(marginal, width, strike, debounce, hold))
        return np.array(rows, dtype=float).reshape(-1, len(hours.times))


# ------------------------------------------------------------------------------ 4CP avoidance


@dataclass(frozen=True)
class FourCPAvoidance:
    """Stay off the grid in the hours likely to be a 4CP monthly peak, where 4CP is billed.

    ERCOT bills transmission on a site's load in the four June-September monthly system peaks
    (``docs/model.md``, ERCOT 4CP); each peak missed saves a quarter of the yearly rate. At a site
    enrolled in 4CP (``site.programs.four_cp``) the policy curtails every June-September hour (in
    the site's local time) whose forecast peak chance ``hours.four_cp_probability`` reaches
    ``threshold``, widened by ``window_hours`` on each side because the forecast timing of the
    peak is uncertain. Elsewhere it runs everything.

    Attributes
    ----------
    threshold
        Forecast peak chance at or above which an hour is curtailed, in (0, 1] [-].
    window_hours
        Hours also curtailed before and after each such hour [h]; 0 curtails exactly those hours.
    tiers
        ``"all"``, or how many of the least efficient tiers to curtail (the more efficient ones
        keep running and pay their share of the charge) [-].
    """

    threshold: float = 0.5
    window_hours: int = 0
    tiers: Literal["all"] | int = "all"
    name: str = "4cp"

    def __post_init__(self) -> None:
        problems = gather(
            lambda: check_number(self.threshold, "threshold", 0.0, 1.0, open_lo=True),
            lambda: check_whole(self.window_hours, "window_hours", 0, MAX_SIMULATION_HOURS),
        )
        if self.tiers != "all" and (
            isinstance(self.tiers, bool) or not isinstance(self.tiers, int) or self.tiers < 1
        ):
            problems.append(f"tiers: must be 'all' or a whole number >= 1, got {self.tiers!r}")
        if problems:
            raise ConfigError("4cp policy", problems)

    def curtailed_hours(self, site: Site, hours: SiteHours) -> np.ndarray:
        """Whether the policy curtails at ``site`` in each hour (all False if not enrolled)."""
        n = len(hours.times)
        if site.programs.four_cp is None:
            return np.zeros(n, dtype=bool)
        summer = np.isin(_local_times(hours.times, site.timezone).month, FOUR_CP_MONTHS)
        likely = np.asarray(hours.four_cp_probability, dtype=float) >= self.threshold
        return widen(summer & likely, ahead=self.window_hours, behind=self.window_hours)

    def run_fraction(self, fleet: Fleet, site: Site, hours: SiteHours) -> np.ndarray:
        """0 for the curtailed tiers in the curtailed hours, 1 otherwise."""
        n_tiers = len(site_tiers(fleet, site))
        out = np.ones((n_tiers, len(hours.times)))
        shed = n_tiers if self.tiers == "all" else min(self.tiers, n_tiers)
        if shed:
            out[n_tiers - shed :, self.curtailed_hours(site, hours)] = 0.0
        return out


# ------------------------------------------------------------------------ protective shutdown


@dataclass(frozen=True)
class ProtectiveShutdown:
    """Shut down ahead of hard freezes and severe weather; keep hydro loops warm while it freezes.

    An hour is *threatening* when the temperature is below ``freeze_below_c`` (by default the
    cold edge of the local grid's design band, :func:`weather.climate.design_band_c`: a hard
    freeze for Texas is an ordinary night in North Dakota) or, with
    ``on_alerts``, a severe-weather alert covers the site. The policy reads the temperature
    forecast issued before the horizon (``hours.temperature_forecast``) ahead, never the
    realised temperature. A site is shut from
    ``lead_hours`` before a threatening hour until ``hold_hours`` after it: machines powered down
    in an orderly way survive the grid crashes, brown-outs and cold restarts a storm brings, and
    the site does not buy power at storm prices (Uri, Feb 2021: ERCOT at the cap for days).

    Hydro-cooled sites (``fleet.cooling[site.cooling].freeze_risk``) are the exception. Their
    water loops freeze once the site stands idle below 0 degC for longer than its protection
    (glycol, heat trace): in Winter Storm Elliott (Dec 2022) one public miner lost about
    2.5 EH/s for months to frozen pipes at a hydro site. So a hydro site keeps at least
    ``freeze_protection_share`` of its machines running, most efficient tier first (the most hash
    per MW of heat bought), in every hour below 0 degC and in the ``lead_hours`` before one (the
    loops go into the freeze warm and nothing has to cold-start in the storm). That is the
    policy's :meth:`min_run_fraction`, a floor that :class:`Compose` lets win over any other
    policy's curtailment. Inside a shutdown window the hydro site runs just that floor; outside
    it, the policy does not curtail. The floor is paid for at storm prices, which is cheap next to
    a share of the machines out for the weeks a freeze repair takes. It cannot help during a grid
    outage: without power nothing heats the loops.

    Attributes
    ----------
    freeze_below_c
        Forecast temperature below which air and immersion sites shut down [degC]; ``None``
        uses each site's design-band cold edge.
    lead_hours
        Hours before a threatening hour that the shutdown starts [h].
    on_alerts
        Whether severe-weather alerts (``hours.alert_active``) also threaten.
    hold_hours
        Hours after the last threatening hour the site stays shut [h].
    freeze_protection_share
        Share of a hydro site's installed machines kept running around freezing hours, in
        (0, 1] [-]. Keep
        it above the simulation's idle share (``SimSettings.freeze_idle_share``, 0.1) with a margin
        for failed machines.
    """

    freeze_below_c: float | None = None
    lead_hours: int = 6
    on_alerts: bool = True
    hold_hours: int = 0
    freeze_protection_share: float = 0.2
    name: str = "protective"

    def __post_init__(self) -> None:
        problems = gather(
            lambda: check_whole(self.lead_hours, "lead_hours", 0, MAX_SIMULATION_HOURS),
            lambda: check_whole(self.hold_hours, "hold_hours", 0, MAX_SIMULATION_HOURS),
            lambda: check_number(
                self.freeze_protection_share, "freeze_protection_share", 0.0, 1.0, open_lo=True
            ),
        )
        if problems:
            raise ConfigError("protective policy", problems)

    def shutdown_hours(self, hours: SiteHours, site: Site) -> np.ndarray:
        """Whether a site is inside a shutdown window in each hour."""
        below = (
            design_band_c(site.latitude)[0] if self.freeze_below_c is None else self.freeze_below_c
        )
        threat = np.asarray(hours.temperature_forecast, dtype=float) < below
        if self.on_alerts:
            threat = threat | np.asarray(hours.alert_active, dtype=bool)
        return widen(threat, ahead=self.lead_hours, behind=self.hold_hours)

    def min_run_fraction(self, fleet: Fleet, site: Site, hours: SiteHours) -> np.ndarray:
        """Freeze-protection floor, ``(tiers, hours)`` [-].

        At hydro sites, in hours below 0 degC and the ``lead_hours`` before them, the fractions
        that keep ``freeze_protection_share`` of the machines running, most efficient tier first
        (:func:`protection_fractions`); zeros elsewhere and at air and immersion sites.
        """
        tiers = site_tiers(fleet, site)
        floor = np.zeros((len(tiers), len(hours.times)))
        if not fleet.cooling[site.cooling].freeze_risk:
            return floor
        freezing = np.asarray(hours.temperature_forecast, dtype=float) < WATER_FREEZE_C
        share = protection_fractions([t.count for t in tiers], self.freeze_protection_share)
        floor[:, widen(freezing, ahead=self.lead_hours, behind=0)] = share[:, None]
        return floor

    def run_fraction(self, fleet: Fleet, site: Site, hours: SiteHours) -> np.ndarray:
        """0 inside shutdown windows and 1 outside, but never below the freeze floor."""
        shut = self.shutdown_hours(hours, site)
        out = np.ones((len(site_tiers(fleet, site)), len(hours.times)))
        out[:, shut] = 0.0
        return np.maximum(out, self.min_run_fraction(fleet, site, hours))


def protection_fractions(counts: list[int] | np.ndarray, share: float) -> np.ndarray:
    """Run fraction per tier that keeps ``share`` of all machines running, filling tiers in order.

    Parameters
    ----------
    counts
        Machines per tier, most efficient first [-].
    share
        Share of all machines to keep running [-].

    Returns
    -------
    numpy.ndarray
        Fraction of each tier to run [-]: the first tiers full, one partly, the rest 0. Empty tiers
        get 0.

    Examples
    --------
    >>> protection_fractions([100, 300], 0.5).round(4).tolist()  # 200 machines: 100 + 100
    [1.0, 0.3333]
    """
    n = np.asarray(counts, dtype=float)
    need = share * n.sum()
    before = np.concatenate([[0.0], np.cumsum(n)[:-1]])
    taken = np.clip(need - before, 0.0, n)
    return np.divide(taken, n, out=np.zeros_like(n), where=n > 0)


def widen(mask: np.ndarray, ahead: int, behind: int) -> np.ndarray:
    """Hours within ``ahead`` hours before or ``behind`` hours after a flagged hour.

    Parameters
    ----------
    mask
        Flagged hours.
    ahead
        An hour is included when a flagged hour comes up to this many hours later [h].
    behind
        An hour is included when a flagged hour came up to this many hours earlier [h].

    Returns
    -------
    numpy.ndarray
        Boolean, the flagged hours and their widening.

    Examples
    --------
    >>> widen(np.array([0, 0, 0, 1, 0, 0], dtype=bool), ahead=2, behind=1).astype(int).tolist()
    [0, 1, 1, 1, 1, 0]
    """
    flagged = np.asarray(mask, dtype=bool)
    out = flagged.copy()
    for s in range(1, min(ahead, len(flagged)) + 1):
        out[:-s] |= flagged[s:]
    for s in range(1, min(behind, len(flagged)) + 1):
        out[s:] |= flagged[:-s]
    return out


def _local_times(times: pd.DatetimeIndex, timezone: str) -> pd.DatetimeIndex:
    """Interval starts in the site's time zone (naive times are taken as UTC)."""
    return (times if times.tz is not None else times.tz_localize("UTC")).tz_convert(timezone)


# --------------------------------------------------------------------------------- follow plan


@dataclass(frozen=True, eq=False)
class FollowPlan:
    """Run the fractions of a given schedule, such as the optimizer's plan.

    Attributes
    ----------
    schedule
        Run fraction per site id, each ``(tiers, hours)`` in the tier order of
        :func:`planner.domain.ledger.site_tiers` (including any empty tier a relocation adds) [-].
        Values within 1e-6 of [0, 1] (solver tolerance) are clipped; others are an error.
    name
        Name shown in results.
    """

    schedule: Mapping[str, npt.ArrayLike]
    name: str = "optimized"
    _plan: dict[str, np.ndarray] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        problems = []
        plan: dict[str, np.ndarray] = {}
        for site_id, fractions in self.schedule.items():
            array = np.array(fractions, dtype=float)
            if array.ndim != 2:
                problems.append(
                    f"schedule[{site_id!r}]: must be 2-D (tiers, hours), got shape {array.shape}"
                )
            elif not np.isfinite(array).all():
                problems.append(f"schedule[{site_id!r}]: must be finite, got NaN or inf")
            elif array.size and (array.min() < -1e-6 or array.max() > 1.0 + 1e-6):
                problems.append(
                    f"schedule[{site_id!r}]: run fractions must be in [0, 1], "
                    f"got {array.min():g} to {array.max():g}"
                )
            array = np.clip(array, 0.0, 1.0)
            array.setflags(write=False)
            plan[site_id] = array
        if problems:
            raise ConfigError(f"policy {self.name!r}", problems)
        object.__setattr__(self, "_plan", plan)

    def run_fraction(self, fleet: Fleet, site: Site, hours: SiteHours) -> np.ndarray:
        """The scheduled fractions of ``site``; :class:`ConfigError` if absent or misshapen."""
        if site.id not in self._plan:
            known = ", ".join(self._plan) or "none"
            raise ConfigError(
                f"policy {self.name!r}", f"no schedule for site {site.id!r}; scheduled: {known}"
            )
        fractions = self._plan[site.id]
        tiers = site_tiers(fleet, site)
        expected = (len(tiers), len(hours.times))
        if fractions.shape != expected:
            raise ConfigError(
                f"policy {self.name!r}",
                f"schedule[{site.id!r}]: must have shape (tiers, hours) = {expected} "
                f"(tiers {', '.join(t.model_id for t in tiers)}, most efficient first; "
                f"{expected[1]} hours), got {fractions.shape}",
            )
        return fractions.copy()


# ----------------------------------------------------------------------------------- compose


class Compose:
    """Several policies at once: any may curtail, but a keep-running floor wins.

    ``u = max(floor, min_i u_i)`` elementwise over tiers and hours, where ``u_i`` are the members'
    run fractions and ``floor`` the largest of their keep-running floors (:func:`run_floor`). A
    fleet hashrate floor a member asks for is passed on (:attr:`hashrate_floor_eh_s`).

    Parameters
    ----------
    *policies
        The member policies, at least one.
    name
        Name shown in results; by default the members' names joined by ``+``.

    Examples
    --------
    >>> Compose(StrikePrice(), FourCPAvoidance()).name
    'strike+4cp'
    """

    __slots__ = ("_name", "policies")

    def __init__(self, *policies: Policy, name: str | None = None) -> None:
        if not policies:
            raise ConfigError("compose policy", "needs at least one policy")
        self.policies: tuple[Policy, ...] = policies
        self._name = name if name is not None else "+".join(p.name for p in policies)

    @property
    def name(self) -> str:
        """Name shown in results."""
        return self._name

    def __repr__(self) -> str:
        members = ", ".join(repr(p) for p in self.policies)
        return f"Compose({members}, name={self._name!r})"

    @property
    def hashrate_floor_eh_s(self) -> float:
        """The largest fleet hashrate floor a member asks for [EH/s] (0: none)."""
        return max((fleet_floor_eh_s(p) for p in self.policies), default=0.0)

    def min_run_fraction(self, fleet: Fleet, site: Site, hours: SiteHours) -> np.ndarray:
        """The largest of the members' keep-running floors [-]."""
        floors = [run_floor(p, fleet, site, hours) for p in self.policies]
        return np.clip(np.maximum.reduce(floors), 0.0, 1.0)

    def run_fraction(self, fleet: Fleet, site: Site, hours: SiteHours) -> np.ndarray:
        """``max(floor, min of the members' run fractions)``, ``(tiers, hours)`` [-]."""
        expected = (len(site_tiers(fleet, site)), len(hours.times))
        fractions = []
        for policy in self.policies:
            u = np.asarray(policy.run_fraction(fleet, site, hours), dtype=float)
            if u.shape != expected:
                raise ConfigError(
                    f"policy {self._name!r}",
                    f"member {policy.name!r} gave run fractions of shape {u.shape} at site "
                    f"{site.id!r}, expected {expected}",
                )
            fractions.append(u)
        return np.maximum(self.min_run_fraction(fleet, site, hours), np.minimum.reduce(fractions))


# ------------------------------------------------------------------------------------- names

#: The built-in policies by name, with default settings.
BUILT_IN: dict[str, type[RunThrough | StrikePrice | FourCPAvoidance | ProtectiveShutdown]] = {
    "run-through": RunThrough,
    "strike": StrikePrice,
    "4cp": FourCPAvoidance,
    "protective": ProtectiveShutdown,
}


#: A strike rule with its strike in dollars: ``strike@80`` sheds above 80 USD/MWh.
_STRIKE_AT = re.compile(r"^strike@([0-9]+(?:\.[0-9]+)?)$")


def policy_named(name: str) -> Policy:
    """The built-in policy called ``name`` with default settings, or several joined by ``+``.

    ``name``: ``run-through``, ``strike`` (each tier's breakeven), ``strike@X`` (a strike of
    ``X`` [USD/MWh]), ``4cp``, ``protective``, or several joined by ``+``
    (``strike@80+protective``), which composes them (:class:`Compose`). An unknown or empty
    name raises :class:`~planner.errors.ConfigError` listing the allowed ones.
    """
    parts = [part.strip() for part in name.split("+")]
    dollars = [_STRIKE_AT.match(part) for part in parts]
    unknown = [p for p, d in zip(parts, dollars, strict=True) if p not in BUILT_IN and d is None]
    if unknown:
        where = f" in {name!r}" if len(parts) > 1 else ""
        raise ConfigError(
            "policy",
            f"unknown policy {unknown[0]!r}{where}; allowed: {', '.join(BUILT_IN)}, strike@X "
            f"(a strike of X USD/MWh), or several joined by '+' (e.g. 'strike+4cp+protective')",
        )
    policies: list[Policy] = [
        BUILT_IN[p]() if d is None else StrikePrice(strike_usd_per_mwh=float(d[1]), name=p)
        for p, d in zip(parts, dollars, strict=True)
    ]
    return policies[0] if len(policies) == 1 else Compose(*policies, name="+".join(parts))
