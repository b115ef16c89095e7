"""The hourly ledger: a site's output and money for a given running state, vectorised over hours.

Between events a site's state is constant, so everything here is numpy arithmetic over arrays of
hours; nothing ticks machine by machine. The formulas are those of ``docs/model.md`` (Economics).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from planner.domain import economics
from planner.domain.economics.units import KW_PER_MW
from planner.domain.fleet import Fleet, MinerModel, Site
from planner.domain.power_modes import ladder_steps
from planner.domain.publication import Published, published_daily, published_steps

#: The ledger's columns, in order.
LEDGER_COLUMNS: tuple[str, ...] = (
    "running_mw",
    "hashrate_th_s",
    "energy_mwh",
    "curtailed_mwh",
    "revenue_usd",
    "energy_cost_usd",
    "credits_usd",
    "profit_usd",
)

#: Real-time price at or above which grid operators call demand response [USD/MWh].
DR_TRIGGER_USD_PER_MWH = 3000.0


@dataclass(frozen=True)
class Tier:
    """The machines of one model at one site: an efficiency tier."""

    model_id: str
    model: MinerModel
    count: int


def site_tiers(fleet: Fleet, site: Site) -> tuple[Tier, ...]:
    """The site's machines grouped by model, most efficient (lowest J/TH) first.

    A model listed with 0 machines still has a tier (it may receive relocated machines).
    """
    tiers = [Tier(m, fleet.models[m], n) for m, n in site.machines.items()]
    return tuple(sorted(tiers, key=lambda t: t.model.efficiency_j_per_th))


@dataclass(frozen=True, eq=False)
class SiteHours:
    """The outside world at one site, hour by hour (all arrays of the length of ``times``).

    The realised world (what the ledger settles) and what a decision may read are kept apart:
    a policy deciding step ``i`` reads :attr:`published` (prices and hashprice published by the
    step's start, :mod:`planner.domain.publication`), the forecasts (:attr:`temperature_forecast`,
    ``four_cp_probability``, ``alert_active``: issued before the horizon) and the step's own
    temperature, which the site's sensors read in real time; never the step's own price.

    Attributes
    ----------
    times
        Interval starts, UTC: hourly in the simulation, 15-minute on native settlement intervals.
    temp_air_c
        Ambient temperature [degC].
    price_usd_per_mwh
        Real-time price at the site's node [USD/MWh].
    hashprice_usd_per_th_day
        Hashprice [USD/(TH/s day)].
    grid_available
        Share of the hour the site has grid power [-] (0 during an outage).
    four_cp_peak
        Whether the hour is one of the June-September monthly peak intervals.
    dr_called
        Whether a demand-response event is called in the hour.
    four_cp_probability
        Forecast chance, known ahead, that the hour is a 4CP peak [-].
    alert_active
        Whether a severe-weather alert covers the site in the hour.
    temp_forecast_c
        Temperature forecast issued before the horizon [degC]; ``None``: the realised
        temperature stands for it (a perfect forecast: replays and hand-made hours).
    price_before_usd_per_mwh
        Settled price of the step before the first [USD/MWh]; NaN when not known.
    hashprice_before_usd_per_th_day
        Hashprice of the last UTC day closed before the first step [USD/(TH/s day)]; NaN: the
        first step's hashprice is taken as known at the start (the level a forecast starts from).
    price_forecast_usd_per_mwh
        Expected price of each step, forecast at the step's start from what was published by
        then (a next-interval price forecast) [USD/MWh]; ``None`` when there is none.
    """

    times: pd.DatetimeIndex
    temp_air_c: np.ndarray
    price_usd_per_mwh: np.ndarray
    hashprice_usd_per_th_day: np.ndarray
    grid_available: np.ndarray
    four_cp_peak: np.ndarray
    dr_called: np.ndarray
    four_cp_probability: np.ndarray
    alert_active: np.ndarray
    temp_forecast_c: np.ndarray | None = None
    price_before_usd_per_mwh: float = np.nan
    hashprice_before_usd_per_th_day: float = np.nan
    price_forecast_usd_per_mwh: np.ndarray | None = None

    @property
    def temperature_forecast(self) -> np.ndarray:
        """The temperature forecast a policy may read ahead [degC]."""
        return self.temp_air_c if self.temp_forecast_c is None else self.temp_forecast_c

    @cached_property
    def published(self) -> Published:
        """Prices and hashprice published by the start of each step (the decision's view)."""
        hashprice = np.asarray(self.hashprice_usd_per_th_day, dtype=float)
        before = self.hashprice_before_usd_per_th_day
        if np.isnan(before) and len(hashprice):
            before = float(hashprice[0])
        return Published(
            price_usd_per_mwh=published_steps(
                self.price_usd_per_mwh, self.price_before_usd_per_mwh
            ),
            hashprice_usd_per_th_day=published_daily(self.times, hashprice, before),
        )


def marginal_price_usd_per_mwh(site: Site, price_usd_per_mwh: np.ndarray) -> np.ndarray:
    """What one more MWh drawn costs the site, hour by hour [USD/MWh].

    Its contract's answer inside any take-or-pay block
    (:meth:`~planner.domain.economics.ContractTerms.marginal_usd_per_mwh`).
    """
    return site.contract.marginal_usd_per_mwh(price_usd_per_mwh)


def tier_breakeven_usd_per_mwh(site: Site, tier: Tier, hashprice: np.ndarray) -> np.ndarray:
    """Facility-level breakeven power price of a tier: revenue per MWh over overhead [USD/MWh]."""
    return economics.breakeven_usd_per_mwh(hashprice, tier.model.efficiency_j_per_th, site.overhead)


def tier_step_breakevens(
    site: Site, tier: Tier, hashprice: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The mode ladder of a tier: each step of its efficiency table and the price it pays up to.

    The steps go from off up to the nameplate (:func:`planner.domain.power_modes.ladder_steps`);
    a step pays while the marginal power price is below its breakeven, the facility-level
    breakeven at the step's marginal efficiency. Hashrate concave in power makes the lowest step
    the one that pays longest: a rising price sheds the top step first (steps down) and turns
    the machines off last. A model without modes has one step, its nameplate breakeven.

    Returns
    -------
    width, breakeven
        Each step's share of nameplate power ``(steps,)`` [-] and breakeven
        ``(steps, hours)`` [USD/MWh].
    """
    width, cost = ladder_steps(*tier.model.curve)
    breakeven = np.array(
        [
            economics.breakeven_usd_per_mwh(
                hashprice, c * tier.model.efficiency_j_per_th, site.overhead
            )
            for c in cost.tolist()
        ]
    )
    return width, breakeven.reshape(len(width), -1)


def available_fraction(fleet: Fleet, site: Site, hours: SiteHours) -> np.ndarray:
    """Share of installed machines that can run each hour: grid availability x ambient derate."""
    return hours.grid_available * fleet.cooling[site.cooling].derate(hours.temp_air_c)


def site_ledger(
    fleet: Fleet,
    site: Site,
    hours: SiteHours,
    run_fraction: np.ndarray,
    working: np.ndarray | None = None,
) -> pd.DataFrame:
    """The hourly ledger of one site.

    Parameters
    ----------
    fleet, site
        The site and the catalog it draws on.
    hours
        The outside world at the site.
    run_fraction
        Load of each tier as a share of the nameplate power of its *available* machines, shape
        ``(tiers, hours)`` in the order of :func:`site_tiers` [-]: the share of machines running
        at nameplate, or, for a model with power modes, the load of its machines in a mix of
        modes, whose hashrate is the model's efficiency table interpolated
        (:meth:`~planner.domain.fleet.MinerModel.hashrate_share`).
    working
        Mean machines installed, repaired and powered per tier and hour, ``(tiers, hours)``, as the
        simulation's events leave them; the installed counts when ``None``.

    Returns
    -------
    pandas.DataFrame
        Index ``time``; columns :data:`LEDGER_COLUMNS`. Energy is facility energy (IT x overhead);
        ``curtailed_mwh`` is what the available machines would have drawn but did not;
        ``energy_cost_usd`` includes any 4CP charge in its peak hours; ``credits_usd`` is
        demand-response payments less penalties.
    """
    values = site_ledger_values(fleet, site, hours, run_fraction, working)
    return pd.DataFrame(values, index=hours.times, columns=list(LEDGER_COLUMNS))


def site_ledger_values(
    fleet: Fleet,
    site: Site,
    hours: SiteHours,
    run_fraction: np.ndarray,
    working: np.ndarray | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """:func:`site_ledger` as a bare ``(hours, len(LEDGER_COLUMNS))`` array (no pandas cost).

    ``out``, when given, is that array to fill (a slice of a whole fleet's ledger).
    """
    tiers = site_tiers(fleet, site)
    n = len(hours.times)
    if run_fraction.shape != (len(tiers), n):
        raise ValueError(
            f"run_fraction must have shape {(len(tiers), n)}, got {run_fraction.shape}"
        )
    avail = available_fraction(fleet, site, hours)
    counts = (
        np.array([t.count for t in tiers], dtype=float)[:, None] if working is None else working
    )
    power_mw = np.array([t.model.power_w for t in tiers])[:, None] / 1e6
    hashrate = np.array([t.model.hashrate_th_s for t in tiers])[:, None]
    share = np.clip(run_fraction, 0.0, 1.0)
    running = counts * avail * share
    running_mw = (running * power_mw).sum(axis=0) * site.overhead
    potential_mw = (counts * avail * power_mw).sum(axis=0) * site.overhead
    hash_share = np.array([t.model.hashrate_share(f) for t, f in zip(tiers, share, strict=True)])
    hashrate_th_s = (counts * avail * hashrate * hash_share.reshape(share.shape)).sum(axis=0)
    energy_mwh = running_mw  # hourly intervals
    revenue = economics.mining_revenue_usd(hashrate_th_s, 1.0, hours.hashprice_usd_per_th_day)
    energy_cost = site.contract.energy_cost_usd(energy_mwh, hours.price_usd_per_mwh, interval_h=1.0)
    cost = energy_cost + _four_cp_usd(site, running_mw, hours)
    credits = _dr_credits_usd(site, potential_mw - running_mw, hours)
    if out is None:
        out = np.empty((n, len(LEDGER_COLUMNS)))
    for k, column in enumerate(
        (
            running_mw,
            hashrate_th_s,
            energy_mwh,
            potential_mw - running_mw,
            revenue,
            cost,
            credits,
            revenue - cost + credits,
        )
    ):
        out[:, k] = column
    return out


def _four_cp_usd(site: Site, running_mw: np.ndarray, hours: SiteHours) -> np.ndarray:
    """Each monthly peak carries a quarter of the yearly charge on the load drawn in it [USD]."""
    four_cp = site.programs.four_cp
    if four_cp is None:
        return np.zeros_like(running_mw)
    per_peak = four_cp.rate_usd_per_kw_year * KW_PER_MW * running_mw / 4.0
    return np.where(hours.four_cp_peak, per_peak, 0.0)


def _dr_credits_usd(site: Site, reduction_mw: np.ndarray, hours: SiteHours) -> np.ndarray:
    """Demand-response payments for every enrolled hour, less penalties for shortfall when called.

    Commitments are met in the order listed: the site's reduction serves the first program first.
    """
    credits = np.zeros_like(reduction_mw)
    left_mw = reduction_mw.copy()
    for program in site.programs.demand_response:
        credits += economics.dr_credit_usd(program.committed_mw, 1.0, program.payment_usd_per_mw_h)
        delivered = np.minimum(left_mw, program.committed_mw)
        penalty = economics.dr_penalty_usd(
            program.committed_mw, delivered, 1.0, program.penalty_usd_per_mwh
        )
        credits -= np.where(hours.dr_called, penalty, 0.0)
        left_mw = left_mw - np.where(hours.dr_called, delivered, 0.0)
    return credits
