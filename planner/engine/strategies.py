"""The optimizer's plan as a strategy the simulation can run on scenarios the plan did not see.

A plan's schedule is one answer per scenario it was optimized on. Out of sample the hour's price
is not any of those, so following the probability-weighted schedule (:func:`follow_plan`) sheds
at prices that did not come and runs through spikes that did. The optimized strategy keeps what
the plan knows that a price rule cannot, and lets the hour's price decide the rest
(``docs/model.md``, Optimizer: the optimized strategy):

- **Guard** (the second stage's closed form, applied to the realised hour): a tier runs when its
  facility-level breakeven at the hour's hashprice covers the hour's marginal power price
  (:class:`~planner.engine.policies.StrikePrice` with one hour of debounce and the plan's minimum
  down time as its hold). With no coupling rows this *is* the optimizer's answer, hour by hour.
- **Commitments** (:func:`commitment_caps`): where the plan curtails a tier although the price
  rule would run it, in every scenario in which the price rule would run it (4CP peaks, ramps
  ahead of a spike, demand-response shares), the tier is capped at the most the plan ran it there.
- **Orders** (:class:`Orders`): over each site's lead time the plan's run shares were decided
  before the scenario was known, the same in every scenario; they are carried out as ordered
  (a cap and a keep-running floor at once).
- **Freeze protection** (:class:`FreezeProtection`): at freeze-risk (hydro) sites, when the guard
  and the caps would leave the site idle below 0 degC for longer than its loops' protection
  lasts, the plan's protection share runs for one hour whatever the price, which starts the
  protection over (:func:`planner.domain.freeze.keep_warm_hours`): the least running that
  avoids the freeze damage the optimizer charges (30 % of the machines out for 60 days).
- **Hashrate floor** (:class:`~planner.engine.hashrate_floor.HashrateFloor`): the plan's fleet
  floor, kept by the simulation in every hour ahead of the guard, cheapest hash first, wherever
  the machines allow it; the hours they do not are reported with their reason.
- **Relocations**: the plan's shipments, carried out by the simulation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from planner.domain import economics
from planner.domain.fleet import Fleet, Site
from planner.domain.freeze import FREEZE_IDLE_SHARE, idle_hours, keep_warm_hours
from planner.domain.ledger import SiteHours, site_tiers
from planner.engine.hashrate_floor import HashrateFloor, fleet_floor_eh_s
from planner.engine.optimization.plan import Plan
from planner.engine.policies import (
    Compose,
    FollowPlan,
    Policy,
    StrikePrice,
    protection_fractions,
    run_floor,
)
from planner.engine.simulation import Shipment
from planner.errors import ConfigError

#: A run fraction within this of 1 (of 0) is taken as 1 (as 0): solver tolerance [-].
FRACTION_TOLERANCE = 1e-6

#: The plan's evidence for a commitment: the price rule runs the tier by at least this [USD/MWh].
PRICE_MARGIN_USD_PER_MWH = 1e-6

#: Relative margin on a freeze-protection share, so that rounding never leaves a site a hair
#: below the simulation's idle threshold [-].
FREEZE_MARGIN = 1e-6


@dataclass(frozen=True, eq=False)
class FreezeProtection:
    """Keep a freeze-risk site's loops from freezing with the least running the protection allows.

    At a freeze-risk site it walks the hours forward under the decisions it protects
    (``policy``): where those would leave the site idle below 0 degC
    (:func:`planner.domain.freeze.idle_hours`) one hour longer than the loops' protection lasts,
    it runs ``share`` of the installed machines, most efficient tier first
    (:func:`~planner.engine.policies.protection_fractions`), for that hour, which starts the
    protection over (:func:`planner.domain.freeze.keep_warm_hours`). Only past decisions and the
    hour's own temperature are read, so it needs no forecast. The hours it runs are a
    keep-running floor (:meth:`min_run_fraction`) that :class:`~planner.engine.policies.Compose`
    lets win over any curtailment.

    Attributes
    ----------
    policy
        The decisions to protect; ``None``: the site is taken as idle but for the floor (as a
        :class:`~planner.engine.policies.Compose` member), and alone the policy runs everything.
    share
        Share of the site's installed machines to run in a protecting hour, in [0, 1]; at least
        the simulation's idle share (:data:`planner.domain.freeze.FREEZE_IDLE_SHARE`) [-].
    exposed_before_h
        Idle hours below 0 degC in a row just before the first hour, per site id (a rolling
        plan's earlier steps) [h].
    name
        Name shown in results.
    """

    policy: Policy | None = None
    share: float = FREEZE_IDLE_SHARE
    exposed_before_h: Mapping[str, int] = field(default_factory=dict)
    name: str = "freeze-protection"

    def _floor(self, fleet: Fleet, site: Site, hours: SiteHours, decided: np.ndarray) -> np.ndarray:
        tiers = site_tiers(fleet, site)
        floor = np.zeros((len(tiers), len(hours.times)))
        envelope = fleet.cooling[site.cooling]
        if self.share <= 0.0 or not envelope.freeze_risk:
            return floor
        counts = [t.count for t in tiers]
        warm = keep_warm_hours(
            idle_hours(decided, counts, idle_share=self.share),
            hours.temp_air_c,
            envelope.freeze_protection_hours,
            self.exposed_before_h.get(site.id, 0),
        )
        share = min(1.0, self.share * (1.0 + FREEZE_MARGIN))
        floor[:, warm] = protection_fractions(counts, share)[:, None]
        return floor

    def _decided(self, fleet: Fleet, site: Site, hours: SiteHours) -> np.ndarray:
        shape = (len(site_tiers(fleet, site)), len(hours.times))
        if self.policy is None:
            return np.zeros(shape)
        return np.asarray(self.policy.run_fraction(fleet, site, hours), dtype=float)

    @property
    def hashrate_floor_eh_s(self) -> float:
        """The fleet hashrate floor the protected decisions ask for [EH/s] (0: none)."""
        return fleet_floor_eh_s(self.policy)

    def min_run_fraction(self, fleet: Fleet, site: Site, hours: SiteHours) -> np.ndarray:
        """The protecting hours' fractions at freeze-risk sites (else 0), and any keep-running
        floor of the protected decisions, ``(tiers, hours)`` [-]."""
        protecting = self._floor(fleet, site, hours, self._decided(fleet, site, hours))
        if self.policy is None:
            return protecting
        return np.maximum(protecting, run_floor(self.policy, fleet, site, hours))

    def run_fraction(self, fleet: Fleet, site: Site, hours: SiteHours) -> np.ndarray:
        """The protected decisions raised to the floor (all ones without ``policy``) [-]."""
        if self.policy is None:
            return np.ones((len(site_tiers(fleet, site)), len(hours.times)))
        decided = self._decided(fleet, site, hours)
        return np.maximum(decided, self._floor(fleet, site, hours, decided))


@dataclass(frozen=True, eq=False)
class Orders:
    """Run shares decided ahead, carried out as ordered: a cap and a keep-running floor.

    Attributes
    ----------
    fractions
        Per site id, ``(tiers, hours)`` in the tier order of
        :func:`planner.domain.ledger.site_tiers`: the ordered share of each tier's available
        machines, NaN where nothing was ordered [-].
    name
        Name shown in results.
    """

    fractions: Mapping[str, np.ndarray] = field(repr=False)
    name: str = "orders"

    def _ordered(self, fleet: Fleet, site: Site, hours: SiteHours) -> np.ndarray:
        shape = (len(site_tiers(fleet, site)), len(hours.times))
        ordered = self.fractions.get(site.id)
        if ordered is None:
            return np.full(shape, np.nan)
        if ordered.shape != shape:
            raise ConfigError(
                f"policy {self.name!r}",
                f"fractions[{site.id!r}]: must have shape (tiers, hours) = {shape}, "
                f"got {ordered.shape}",
            )
        return ordered

    def min_run_fraction(self, fleet: Fleet, site: Site, hours: SiteHours) -> np.ndarray:
        """The ordered shares; 0 where nothing was ordered [-]."""
        return np.nan_to_num(self._ordered(fleet, site, hours), nan=0.0)

    def run_fraction(self, fleet: Fleet, site: Site, hours: SiteHours) -> np.ndarray:
        """The ordered shares; 1 where nothing was ordered [-]."""
        return np.nan_to_num(self._ordered(fleet, site, hours), nan=1.0)


@dataclass(frozen=True, eq=False)
class Strategy:
    """A plan made runnable on any scenario of its horizon: a policy and the relocations.

    Judge it with ``planner.evaluate(fleet, scenarios, [strategy.policy, ...],
    shipments=strategy.shipments)`` on scenarios the optimizer did not see. The shipments add
    tiers at their destinations, so the policy expects them to be carried out.

    Attributes
    ----------
    name
        Name of the policy in results.
    policy
        ``FreezeProtection(Compose(guard, commitments))`` (module docstring).
    shipments
        The plan's relocations.
    commitments
        The caps per site id, ``(tiers, hours)`` in the order of :meth:`Plan.tier_models` [-];
        1 where the plan commits to nothing.
    plan
        The plan it came from.
    hashrate_floor_eh_s
        The fleet hashrate floor the strategy keeps [EH/s] (0: none).
    """

    name: str
    policy: Policy
    shipments: tuple[Shipment, ...]
    commitments: Mapping[str, np.ndarray] = field(repr=False)
    plan: Plan = field(repr=False)
    hashrate_floor_eh_s: float = 0.0

    def committed_hours(self) -> dict[str, int]:
        """Hours in which the commitments cap some tier below 1, per site id."""
        return {
            site_id: int((caps < 1.0).any(axis=0).sum())
            for site_id, caps in self.commitments.items()
        }


def optimized_strategy(
    plan: Plan,
    *,
    name: str = "optimized",
    commitments: bool = True,
    freeze_protection: bool = True,
    hashrate_floor: bool = True,
) -> Strategy:
    """Turn a plan into the strategy to judge out of sample (module docstring).

    Parameters
    ----------
    plan
        The optimizer's plan; its horizon is the horizon of the scenarios the strategy runs on.
    name
        Name of the policy in results.
    commitments
        Whether to cap tiers where the plan curtails beyond the price rule and carry out the
        orders of its lead times (off: the guard and the floors only, for comparisons).
    freeze_protection
        Whether hydro sites run the plan's ``freeze_protection_share`` when their loops'
        protection would otherwise run out (:class:`FreezeProtection`).
    hashrate_floor
        Whether the fleet keeps the plan's ``hashrate_floor_eh_s`` where its machines allow.

    Returns
    -------
    Strategy

    Examples
    --------
    >>> from planner.domain.examples import one_site
    >>> from planner.world.scenarios import flat_scenario
    >>> from planner.engine.optimization import optimize
    >>> fleet = one_site(four_cp_rate=60.0)
    >>> scenario = flat_scenario(fleet, 24)
    >>> scenario.four_cp_peak[0, 17] = True  # one known 4CP peak: 15,000 USD per MW drawn
    >>> strategy = optimized_strategy(optimize(fleet, [scenario]))
    >>> strategy.policy.name, strategy.committed_hours()
    ('optimized', {'tx': 1})
    """
    settings = plan.settings
    hold = 0 if settings.min_down_hours is None else math.ceil(settings.min_down_hours - 1e-9)
    members: list[Policy] = [
        StrikePrice(debounce_hours=1, min_hold_hours=hold, name="breakeven-guard")
    ]
    caps = commitment_caps(plan)
    if commitments:
        members.append(FollowPlan(caps, name="commitments"))
        members.append(Orders(ordered_fractions(plan)))
    floor = float(plan.parameters.get("hashrate_floor_eh_s", 0.0)) if hashrate_floor else 0.0
    if floor > 0.0:
        members.append(HashrateFloor(floor))
    policy: Policy = Compose(*members, name=name)
    if freeze_protection and settings.freeze_protection_share > 0.0:
        policy = FreezeProtection(policy, settings.freeze_protection_share, name=name)
    return Strategy(
        name=name,
        policy=policy,
        shipments=tuple(plan_shipments(plan)),
        commitments=caps if commitments else {k: np.ones_like(v) for k, v in caps.items()},
        plan=plan,
        hashrate_floor_eh_s=floor,
    )


def ordered_fractions(plan: Plan) -> dict[str, np.ndarray]:
    """The run shares the plan decided ahead, over each site's lead time, as hourly fractions.

    Parameters
    ----------
    plan
        The plan; :attr:`Plan.lead_periods` says how many of its periods each site decided now.

    Returns
    -------
    dict
        Site id -> ``(tiers, hours)`` in the order of :meth:`Plan.tier_models`: the ordered share
        of each tier's available machines (expected running over expected available, the same in
        every scenario), NaN after the lead time [-].
    """
    where = {(t.site_id, t.model_id): k for k, t in enumerate(plan.tiers)}
    out = {}
    for site in plan.fleet.sites:
        n = plan.lead_periods.get(site.id, 0)
        ks = [where[(site.id, m)] for m in plan.tier_models(site.id)]
        run = plan.running_mw[ks, :n] @ plan.weights
        available = plan.available_mw[ks, :n] @ plan.weights
        ordered = np.full((len(ks), len(plan.duration_h)), np.nan)
        ordered[:, :n] = np.divide(
            run, available, out=np.full_like(run, np.nan), where=available > 1e-12
        )
        ordered = np.clip(ordered, 0.0, 1.0)
        ordered[ordered > 1.0 - FRACTION_TOLERANCE] = 1.0
        ordered[ordered < FRACTION_TOLERANCE] = 0.0
        out[site.id] = np.repeat(ordered, plan.duration_h.astype(int), axis=1)
    return out


def plan_shipments(plan: Plan) -> list[Shipment]:
    """The plan's relocations as shipments :func:`planner.engine.simulation.simulate` runs."""
    return [
        Shipment(
            from_site=row.from_site,
            to_site=row.to_site,
            model_id=row.model_id,
            count=int(row.machines),
            depart_h=float(row.depart_h),
            transit_days=float(row.arrive_h - row.depart_h) / 24.0,
            cost_usd_per_machine=float(row.cost_usd) / max(int(row.machines), 1),
        )
        for row in plan.relocations.itertuples(index=False)
    ]


def follow_plan(plan: Plan, scenario: int | None = None, name: str = "optimized") -> FollowPlan:
    """A :class:`~planner.engine.policies.FollowPlan` running :meth:`Plan.schedule_for` at every
    site.

    The schedule is fixed in advance: on scenarios the plan did not see it neither sheds at an
    unforeseen price spike nor runs through an unforeseen dip. :func:`optimized_strategy` is the
    plan as a rule that reacts to the hour's price (the one to judge out of sample).
    """
    return FollowPlan(
        {s.id: plan.schedule_for(s.id, scenario) for s in plan.fleet.sites}, name=name
    )


def commitment_caps(plan: Plan) -> dict[str, np.ndarray]:
    """What the plan curtails beyond the price rule, as a cap per site, tier and hour.

    For tier ``k`` in period ``t`` the *evidence* is the scenarios in which the tier was
    available and the price rule would run it: its breakeven at the scenario's hashprice exceeds
    the scenario's highest marginal price (index: price + adder; PPA: the price above the
    contracted block; flat: the rate), all at the plan's price and hashprice scales. The cap is
    the largest run fraction the plan chose in those scenarios; 1 without evidence.

    Parameters
    ----------
    plan
        The plan.

    Returns
    -------
    dict
        Site id -> ``(tiers, hours)`` caps in [0, 1], tiers in the order of
        :meth:`Plan.tier_models` [-].
    """
    sigma_p = float(plan.parameters.get("price_scale", 1.0))
    sigma_h = float(plan.parameters.get("hashprice_scale", 1.0))
    where = {(t.site_id, t.model_id): k for k, t in enumerate(plan.tiers)}
    repeat = plan.duration_h.astype(int)
    out: dict[str, np.ndarray] = {}
    for i, site in enumerate(plan.fleet.sites):
        ks = [where[(site.id, m)] for m in plan.tier_models(site.id)]
        price = sigma_p * plan.price_usd_per_mwh[i]  # (t, s)
        marginal = site.contract.marginal_usd_per_mwh(price, above_block=True)
        caps = np.ones((len(ks), len(plan.duration_h)))
        for row, k in enumerate(ks):
            tier = plan.tiers[k]
            breakeven = economics.breakeven_usd_per_mwh(
                sigma_h * plan.hashprice_usd_per_th_day,
                tier.power_w / tier.hashrate_th_s,
                site.overhead,
            )
            avail = plan.available_mw[k]
            run = plan.running_mw[k]
            fraction = np.divide(run, avail, out=np.ones_like(run), where=avail > 1e-12)
            evidence = (avail > 1e-12) & (marginal < breakeven - PRICE_MARGIN_USD_PER_MWH)
            cap = np.where(evidence, fraction, -np.inf).max(axis=1, initial=-np.inf)
            caps[row] = np.where(np.isfinite(cap), np.clip(cap, 0.0, 1.0), 1.0)
        caps[caps > 1.0 - FRACTION_TOLERANCE] = 1.0
        caps[caps < FRACTION_TOLERANCE] = 0.0
        out[site.id] = np.repeat(caps, repeat, axis=1)
    return out
