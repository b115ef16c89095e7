"""Run a fleet under a policy through the feeds' horizon and keep the hourly ledger.

This first engine is deterministic: each site's state changes only with the policy's hourly
decisions and the ambient derate, so the ledger is computed as numpy arithmetic over the horizon.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from planner.feeds import Feeds, hashprice_hourly, site_hours
from planner.fleet import Fleet
from planner.ledger import LEDGER_COLUMNS, site_ledger
from planner.policies import Policy, policy_named
from weather.schema import empty_events


@dataclass(frozen=True, eq=False)
class SimResult:
    """One policy's run through one horizon.

    Attributes
    ----------
    policy
        Name of the policy.
    ledger
        Hourly ledger, index ``(site_id, time)``, columns :data:`planner.ledger.LEDGER_COLUMNS`.
    events
        Event log (``start``, ``end``, ``site_id``, ``kind``, ``severity``, ``source``,
        ``source_id``).
    """

    policy: str
    ledger: pd.DataFrame
    events: pd.DataFrame


def simulate(fleet: Fleet, feeds: Feeds, policy: Policy | str = "run-through") -> SimResult:
    """Run ``fleet`` under ``policy`` through the horizon of ``feeds``.

    Parameters
    ----------
    fleet
        The fleet.
    feeds
        The outside world over the horizon.
    policy
        A policy object or the name of a built-in one (``run-through``, ``strike``).

    Returns
    -------
    SimResult
    """
    policy = policy_named(policy) if isinstance(policy, str) else policy
    hashprice = hashprice_hourly(fleet, feeds)
    frames = {}
    for site in fleet.sites:
        hours = site_hours(fleet, site, feeds, hashprice)
        frames[site.id] = site_ledger(fleet, site, hours, policy.run_fraction(fleet, site, hours))
    ledger = pd.concat(frames, names=["site_id", "time"])[list(LEDGER_COLUMNS)]
    return SimResult(policy=policy.name, ledger=ledger, events=empty_events())
