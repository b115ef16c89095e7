"""The realisable controller: a plan carried out on what has been published, step by step.

Fleet software acts on the latest published real-time price; so does the controller. A plan is
carried out as

- its **commitments** (:func:`~planner.engine.strategies.commitment_caps`: 4CP peaks, ramps,
  demand-response shares) and **protections** (:class:`~planner.engine.strategies.FreezeProtection`:
  the hydro loops kept warm when the decisions would leave them idle below 0 degC beyond their
  protection, read on the site's own sensor; any floor the plan's strategy keeps);
- a **guard** on the latest published price: a tier is shed when the last settled price (the
  step before's: one interval of lag) is above its breakeven at the last published hashprice
  (:class:`~planner.engine.policies.StrikePrice` with one step of debounce and the plan's
  minimum down time as its hold);
- optionally a **spike guard** (:class:`SpikeGuard`): a tier is also shed in a step whose
  forecast expected price, issued at the step's start from what was published then (the
  next-interval forecast of :mod:`planner.world.forecasters.prices`), is above its breakeven.
  The guard alone sheds one interval late on every spike; the forecast can shed before it.
- or, with ``restore_on_forecast``, a **forecast guard** (:class:`ForecastGuard`) in place of
  both: the step's forecast decides both ways where there is one (a tier the last settled price
  would shed runs when the next interval is forecast to fall back below its breakeven), the last
  settled price where there is none. The guard alone also sheds one interval late on the way
  out: it keeps a tier off in the interval after a spike's last one.

The steps are those of the :class:`~planner.domain.ledger.SiteHours` the policy is given:
hours in the fleet simulation, native 15-minute settlement intervals on the real-time test bed
(``benchmarks/validate_capture.py``). Nothing here reads a step's own price.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from planner.domain.fleet import Fleet, Site
from planner.domain.ledger import (
    SiteHours,
    marginal_price_usd_per_mwh,
    site_tiers,
    tier_breakeven_usd_per_mwh,
)
from planner.engine.optimization.plan import Plan
from planner.engine.optimization.settings import OptimizeSettings
from planner.engine.policies import Compose, FollowPlan, Policy, StrikePrice
from planner.engine.strategies import FreezeProtection, Strategy, commitment_caps

__all__ = [
    "ForecastGuard",
    "SpikeGuard",
    "controlled_strategy",
    "controller",
    "guard_hold_hours",
    "plan_controller",
    "realtime_guard",
]


@dataclass(frozen=True)
class SpikeGuard:
    """Shed a tier in a step whose forecast expected price is above the tier's breakeven.

    Reads ``hours.price_forecast_usd_per_mwh`` (the expected price of each step, forecast at its
    start) against each tier's breakeven at the last published hashprice; runs everything when
    the hours carry no forecast. No debounce and no hold: the forecast is issued afresh at every
    step.
    """

    name: str = "spike-guard"

    def run_fraction(self, fleet: Fleet, site: Site, hours: SiteHours) -> np.ndarray:
        """0 for a tier in the steps whose forecast marginal price exceeds its breakeven, else 1."""
        tiers = site_tiers(fleet, site)
        out = np.ones((len(tiers), len(hours.times)))
        if hours.price_forecast_usd_per_mwh is None:
            return out
        expected = marginal_price_usd_per_mwh(
            site, np.asarray(hours.price_forecast_usd_per_mwh, dtype=float)
        )
        hashprice = hours.published.hashprice_usd_per_th_day
        for row, tier in enumerate(tiers):
            out[row, expected > tier_breakeven_usd_per_mwh(site, tier, hashprice)] = 0.0
        return out


@dataclass(frozen=True)
class ForecastGuard:
    """The guard on the step's forecast where there is one, on the last settled price elsewhere.

    A strike rule (:class:`~planner.engine.policies.StrikePrice`: each tier's mode ladder against
    its breakevens at the last published hashprice, with debounce and a minimum hold) whose price
    in each step is ``hours.price_forecast_usd_per_mwh`` where that is a number, else the last
    settled price (the step before's). Both ways: it sheds ahead of a forecast spike and runs a
    tier through a step forecast to fall back below its breakeven although the step before
    settled above it.

    Attributes
    ----------
    debounce_hours
        Time above (below) the strike before shedding (restoring), > 0 [h].
    min_hold_hours
        Time a shed tier stays off before it may restore, >= 0 [h].
    """

    debounce_hours: float = 1.0
    min_hold_hours: float = 0.0
    name: str = "forecast-guard"

    def run_fraction(self, fleet: Fleet, site: Site, hours: SiteHours) -> np.ndarray:
        """Load share of each tier in each step, as the strike rule's [-]."""
        price = np.asarray(hours.published.price_usd_per_mwh, dtype=float)
        if hours.price_forecast_usd_per_mwh is not None:
            forecast = np.asarray(hours.price_forecast_usd_per_mwh, dtype=float)
            price = np.where(np.isfinite(forecast), forecast, price)
        strike = StrikePrice(self.debounce_hours, self.min_hold_hours)
        return strike.run_fraction_at(fleet, site, hours, price)

    def __post_init__(self) -> None:
        StrikePrice(self.debounce_hours, self.min_hold_hours)  # the same checks, one clear error


def guard_hold_hours(settings: OptimizeSettings) -> int:
    """The guard's hold: the plan's minimum down time, whole hours (0 without one) [h]."""
    return 0 if settings.min_down_hours is None else math.ceil(settings.min_down_hours - 1e-9)


def realtime_guard(
    hold_hours: float = 0.0, *, step: float = 1.0, restore_on_forecast: bool = False
) -> Policy:
    """The controller's guard alone: the published-price guard and the spike guard, or the
    forecast guard.

    Parameters
    ----------
    hold_hours
        Time a shed tier stays off before the published-price guard may restore it [h].
    step
        Length of the steps it will act on [h] (one step of debounce): 1 in the simulation,
        0.25 on 15-minute settlement intervals.
    restore_on_forecast
        Let the forecast restore a tier too: the forecast decides both ways where there is one.

    Returns
    -------
    Policy
        ``Compose(StrikePrice(debounce_hours=step, min_hold_hours=hold_hours), SpikeGuard())``;
        with ``restore_on_forecast``, ``ForecastGuard(step, hold_hours)``.
    """
    if restore_on_forecast:
        return ForecastGuard(step, hold_hours, name="realtime-guard")
    return Compose(
        StrikePrice(debounce_hours=step, min_hold_hours=hold_hours, name="guard"),
        SpikeGuard(),
        name="realtime-guard",
    )


def controller(
    caps: Mapping[str, np.ndarray],
    settings: OptimizeSettings,
    *,
    exposed_before_h: Mapping[str, int] | None = None,
    restore_on_forecast: bool = False,
    name: str = "controlled",
) -> Policy:
    """A plan's commitments and protections with the real-time guard (module docstring).

    Parameters
    ----------
    caps
        The plan's commitments per site id, ``(tiers, hours)`` over the hours it acts on [-].
    settings
        The plan's optimizer settings (minimum down time, freeze protection share).
    exposed_before_h
        Idle hours below 0 degC in a row before the first hour, per site id [h].
    restore_on_forecast
        The guard's forecast may restore a tier too (:func:`realtime_guard`).
    name
        Name shown in results.
    """
    policy: Policy = Compose(
        realtime_guard(guard_hold_hours(settings), restore_on_forecast=restore_on_forecast),
        FollowPlan(caps, name="commitments"),
        name=name,
    )
    share = settings.freeze_protection_share
    if share > 0.0:
        policy = FreezeProtection(policy, share, dict(exposed_before_h or {}), name=name)
    return policy


def controlled_strategy(strategy: Strategy, *, name: str | None = None) -> Strategy:
    """A plan's strategy carried out by the controller: its policy, and the spike guard.

    ``strategy`` (:func:`~planner.engine.strategies.optimized_strategy`) already guards on the
    latest published price and keeps the plan's commitments and floors; the controller adds the
    spike guard, which acts where the hours carry a next-step price forecast.
    """
    label = name or strategy.name
    return replace(strategy, name=label, policy=Compose(strategy.policy, SpikeGuard(), name=label))


def plan_controller(
    plan: Plan,
    hours: int,
    *,
    exposed_before_h: Mapping[str, int] | None = None,
    name: str = "controlled",
) -> Policy:
    """The controller of the first ``hours`` of ``plan`` (the rolling horizon's step)."""
    caps = {k: v[:, :hours] for k, v in commitment_caps(plan).items()}
    return controller(caps, plan.settings, exposed_before_h=exposed_before_h, name=name)
