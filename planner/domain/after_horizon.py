"""Full value: what a run leaves behind after its horizon, in dollars.

A horizon's hourly ledger stops at its last hour, but some of what happened inside it goes on
costing money after it: machines frozen, damaged, under repair, in transit or restarting from an
outage when the horizon ends stay out for hours or weeks, and freeze damage and relocations have
a bill. The valuation is defined here once; the simulation
(:func:`planner.engine.simulation.simulate`) measures the machine-hours, the optimizer
(:mod:`planner.engine.optimization.freeze`) prices its decisions with the same margins.

Forward assumption
------------------
After the horizon the world is the horizon's **last week held flat**: the margin a machine
would have earned in an hour after the horizon is the mean, over the last :data:`FORWARD_HOURS`
hours of the horizon (all of it when shorter), of its hourly margin

``m_h = max(0, H x hp_h / 24 - P / 10^6 x u x c_h)``  [USD per machine-hour]

with ``H`` the hashrate [TH/s], ``hp_h`` the scenario's hashprice [USD/(TH/s day)], ``P`` the
power [W], ``u`` the site's overhead (PUE) and ``c_h`` the marginal power price its contract gives
[USD/MWh] (:meth:`~planner.domain.economics.ContractTerms.marginal_usd_per_mwh`). The floor at 0
is the fleet's own rule: a machine runs only in the hours it pays, so an hour at storm prices
loses nothing. A machine out for ``d`` hours after the horizon loses ``d x mean(m)``.

Bills: freeze-damaged machines cost the cooling kind's ``freeze_repair_usd_per_machine`` each
(the catalog's default is a published repair price); relocations cost their route's
``cost_usd_per_machine`` per machine shipped (the hourly ledger carries neither). Commitments
broken inside the horizon are already in its ledger: a demand-response shortfall is charged in
the hour it is called and a 4CP peak's charge (a quarter of the yearly rate on the load drawn in
it) in the peak hour itself, so nothing decided inside the horizon falls due after it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from planner.domain.economics.units import HOURS_PER_DAY, HOURS_PER_YEAR
from planner.domain.fleet import Fleet, Site
from planner.domain.ledger import SiteHours, marginal_price_usd_per_mwh, site_tiers

#: Hours at the end of the horizon whose margins stand for the time after it (a week) [h].
FORWARD_HOURS = 168

#: Longest time after the horizon a machine is valued as out: a machine not back by then (a
#: failed machine at a site without repair crews) counts for this long [h].
VALUATION_CAP_HOURS = HOURS_PER_YEAR

#: Columns of a run's after-horizon table (:func:`after_horizon_row`), in order.
AFTER_HORIZON_COLUMNS: tuple[str, ...] = (
    "machines_out",
    "machine_hours_out",
    "back_after_h",
    "lost_margin_usd",
    "repair_usd",
    "transport_usd",
    "after_horizon_usd",
)


def hourly_margin_usd_per_machine_hour(
    hashrate_th_s: npt.ArrayLike,
    power_w: npt.ArrayLike,
    overhead: float,
    hashprice_usd_per_th_day: npt.ArrayLike,
    marginal_usd_per_mwh: npt.ArrayLike,
) -> np.ndarray:
    """What one machine running earns over its power in each hour, floored at 0 [USD/h].

    Parameters
    ----------
    hashrate_th_s, power_w
        Per tier, ``(tiers,)`` [TH/s], [W].
    overhead
        The site's PUE [-].
    hashprice_usd_per_th_day
        ``(hours,)`` [USD/(TH/s day)].
    marginal_usd_per_mwh
        What one more MWh drawn costs the site, ``(hours,)`` [USD/MWh].

    Returns
    -------
    numpy.ndarray
        ``(tiers, hours)`` [USD per machine-hour].
    """
    hashrate = np.asarray(hashrate_th_s, dtype=float)[:, None]
    power_mw = np.asarray(power_w, dtype=float)[:, None] / 1e6
    revenue = hashrate * np.asarray(hashprice_usd_per_th_day, dtype=float)[None, :] / HOURS_PER_DAY
    cost = power_mw * overhead * np.asarray(marginal_usd_per_mwh, dtype=float)[None, :]
    return np.asarray(np.maximum(revenue - cost, 0.0))


def forward_margin_usd_per_machine_hour(
    hashrate_th_s: npt.ArrayLike,
    power_w: npt.ArrayLike,
    overhead: float,
    hashprice_usd_per_th_day: npt.ArrayLike,
    marginal_usd_per_mwh: npt.ArrayLike,
) -> np.ndarray:
    """The margin per machine-hour after the horizon: the mean hourly margin of its last
    :data:`FORWARD_HOURS` (module docstring), ``(tiers,)`` [USD per machine-hour]."""
    hashprice = np.asarray(hashprice_usd_per_th_day, dtype=float)[-FORWARD_HOURS:]
    marginal = np.asarray(marginal_usd_per_mwh, dtype=float)[-FORWARD_HOURS:]
    margin = hourly_margin_usd_per_machine_hour(
        hashrate_th_s, power_w, overhead, hashprice, marginal
    )
    return np.asarray(margin.mean(axis=1)) if margin.shape[1] else np.zeros(margin.shape[0])


def site_forward_margins(fleet: Fleet, site: Site, hours: SiteHours) -> np.ndarray:
    """:func:`forward_margin_usd_per_machine_hour` of each tier of ``site``, in the order of
    :func:`~planner.domain.ledger.site_tiers` [USD per machine-hour]."""
    tiers = site_tiers(fleet, site)
    return forward_margin_usd_per_machine_hour(
        [t.model.hashrate_th_s for t in tiers],
        [t.model.power_w for t in tiers],
        site.overhead,
        hours.hashprice_usd_per_th_day,
        marginal_price_usd_per_mwh(site, hours.price_usd_per_mwh),
    )


@dataclass(frozen=True)
class MachinesOut:
    """What one site's machines do after the horizon, per tier in :func:`site_tiers` order.

    Attributes
    ----------
    at_horizon
        Machines not working at the horizon's end that come back later, ``(tiers,)`` [-].
    machine_hours
        Their hours out after the horizon, summed, ``(tiers,)`` [machine-h].
    back_after_h
        Hours after the horizon until the last of them is back [h].
    freeze_damaged
        Machines damaged by freeze inside the horizon (each has a repair bill) [-].
    transport_usd
        Relocation cost of the machines shipped to the site inside the horizon [USD].
    """

    at_horizon: np.ndarray
    machine_hours: np.ndarray
    back_after_h: float
    freeze_damaged: float = 0.0
    transport_usd: float = 0.0


def after_horizon_row(
    fleet: Fleet, site: Site, hours: SiteHours, out: MachinesOut
) -> dict[str, float]:
    """One site's after-horizon figures, the columns :data:`AFTER_HORIZON_COLUMNS`.

    ``lost_margin_usd = sum_k machine_hours_k x m_k`` with ``m_k`` the tier's forward margin
    (:func:`site_forward_margins`); ``repair_usd`` = freeze-damaged machines x the cooling kind's
    ``freeze_repair_usd_per_machine``; ``after_horizon_usd`` is the three costs together [USD].
    """
    lost = float(out.machine_hours @ site_forward_margins(fleet, site, hours))
    repair = out.freeze_damaged * fleet.cooling[site.cooling].freeze_repair_usd_per_machine
    return {
        "machines_out": float(out.at_horizon.sum()),
        "machine_hours_out": float(out.machine_hours.sum()),
        "back_after_h": float(out.back_after_h),
        "lost_margin_usd": lost,
        "repair_usd": float(repair),
        "transport_usd": float(out.transport_usd),
        "after_horizon_usd": lost + float(repair) + float(out.transport_usd),
    }
