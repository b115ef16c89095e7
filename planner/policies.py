"""Operating policies: how a site decides, hour by hour, which efficiency tiers run.

A policy turns a site's hours into a run fraction per tier and hour (``(tiers, hours)``, each in
[0, 1], the share of that tier's *available* machines that run). Tiers come from
:func:`planner.ledger.site_tiers`, most efficient first.

- :class:`RunThrough`: run every available machine, whatever the price.
- :class:`StrikePrice`: the rule fleet software uses today. A tier is shed when the marginal power
  price has stayed above its strike for ``debounce_hours`` consecutive hours and restored when it
  has stayed below for as long, after at least ``min_hold_hours`` off. Each tier's strike is its
  breakeven power price (so the least efficient tiers shed first and the most efficient restore
  first), or one fixed strike for every tier.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from planner.errors import ConfigError
from planner.fleet import Fleet, Site
from planner.ledger import (
    SiteHours,
    marginal_price_usd_per_mwh,
    site_tiers,
    tier_breakeven_usd_per_mwh,
)


class Policy(Protocol):
    """Anything with a ``name`` and a ``run_fraction`` method is a policy."""

    @property
    def name(self) -> str: ...

    def run_fraction(self, fleet: Fleet, site: Site, hours: SiteHours) -> np.ndarray:
        """Share of each tier's available machines to run, shape ``(tiers, hours)`` [-]."""
        ...


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

    Attributes
    ----------
    debounce_hours
        Consecutive hours above (below) the strike before shedding (restoring) [h].
    min_hold_hours
        Hours a shed tier stays off before it may restore [h].
    strike_usd_per_mwh
        One strike for every tier [USD/MWh]; ``None`` uses each tier's breakeven.
    """

    debounce_hours: int = 1
    min_hold_hours: int = 2
    strike_usd_per_mwh: float | None = None
    name: str = "strike"

    def __post_init__(self) -> None:
        if self.debounce_hours < 1:
            raise ConfigError(
                "strike policy", f"debounce_hours: must be >= 1, got {self.debounce_hours}"
            )
        if self.min_hold_hours < 0:
            raise ConfigError(
                "strike policy", f"min_hold_hours: must be >= 0, got {self.min_hold_hours}"
            )

    def run_fraction(self, fleet: Fleet, site: Site, hours: SiteHours) -> np.ndarray:
        """1 while a tier runs, 0 while it is shed."""
        marginal = marginal_price_usd_per_mwh(site, hours.price_usd_per_mwh)
        rows = []
        for tier in site_tiers(fleet, site):
            strike = (
                tier_breakeven_usd_per_mwh(site, tier, hours.hashprice_usd_per_th_day)
                if self.strike_usd_per_mwh is None
                else self.strike_usd_per_mwh
            )
            rows.append(debounced_on(marginal > strike, self.debounce_hours, self.min_hold_hours))
        return np.array(rows, dtype=float).reshape(-1, len(hours.times))


def debounced_on(above: np.ndarray, debounce_hours: int, min_hold_hours: int) -> np.ndarray:
    """Run state of one tier under a debounced strike rule, hour by hour.

    Parameters
    ----------
    above
        Whether the price is above the strike in each hour.
    debounce_hours
        Consecutive hours of a condition needed to switch [h].
    min_hold_hours
        Hours off before a restore is allowed [h].

    Returns
    -------
    numpy.ndarray
        Boolean run state; the switch takes effect in the hour that completes the debounce.
    """
    on = np.empty(len(above), dtype=bool)
    running, streak, off_for = True, 0, 0
    for h, is_above in enumerate(above):
        if running:
            streak = streak + 1 if is_above else 0
            if streak >= debounce_hours:
                running, streak, off_for = False, 0, 0
        else:
            off_for += 1
            streak = streak + 1 if not is_above else 0
            if streak >= debounce_hours and off_for >= min_hold_hours:
                running, streak = True, 0
        on[h] = running
    return on


def policy_named(name: str) -> Policy:
    """The built-in policy called ``name`` with default settings."""
    policies: dict[str, Policy] = {"run-through": RunThrough(), "strike": StrikePrice()}
    try:
        return policies[name]
    except KeyError:
        raise ConfigError(
            "policy", f"unknown policy {name!r}; allowed: {', '.join(policies)}"
        ) from None
