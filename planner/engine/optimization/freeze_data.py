"""The optimizer's view of freeze damage and of the time after the horizon, as arrays.

Freeze damage is modelled as the simulation models it (:mod:`planner.domain.freeze`): at a
freeze-risk site, an hour is *warm* when at least the idle share of the machines run, and a
stretch of idle hours below 0 degC one hour longer than the protection lasts damages a share of
the machines for the repair time. Every hour below 0 degC of a freeze-risk site and scenario is
listed (:class:`FreezeData`), with every *window* of ``floor(protection) + 1`` such hours in a
row and, per run of cold hours, what a damage in it costs: the margin the damaged machines lose
inside the horizon and after it (:mod:`planner.domain.after_horizon`) and their repair bill.
The rows that use these arrays are in :mod:`planner.engine.optimization.freeze`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from planner.domain.after_horizon import (
    forward_margin_usd_per_machine_hour,
    hourly_margin_usd_per_machine_hour,
)
from planner.domain.economics.units import HOURS_PER_DAY
from planner.domain.fleet import Fleet
from planner.domain.freeze import WATER_FREEZE_C, exposed_hours_allowed
from planner.domain.ledger import marginal_price_usd_per_mwh, site_tiers
from planner.engine.simulation import merge_for_restart, outage_mask, restart_hours
from planner.world.scenarios import Scenario

#: Availability below which a tier counts as down in an hour (no warm-keeping possible) [-].
MIN_AVAILABILITY = 1e-3


@dataclass(frozen=True, eq=False)
class FreezeData:
    """Cold hours, cold runs and damage windows of the freeze-risk sites, flat over sites and
    scenarios.

    Attributes
    ----------
    hour_site, hour_scenario, hour
        Each cold hour in which the site may keep warm: site position, scenario position and
        hour of the horizon, ``(cold hours,)``. Hours with the grid down for more than half the
        hour are idle whatever is decided and are not listed.
    hour_free
        Whether keeping warm costs nothing in the hour (no tier has power to run, but the grid
        is up: a restart), ``(cold hours,)``.
    run_site, run_scenario, run_start
        Each run of cold hours at least ``floor(protection) + 1`` long, ``(runs,)``.
    run_cost_usd
        What a freeze damage in the run costs, at the cheapest of its windows: lost margin inside
        the horizon (hourly margins, floored at 0, times availability) and after it (forward
        margin), plus repairs, ``(runs,)`` [USD].
    window_run
        The cold run of each window of ``floor(protection) + 1`` cold hours in a row,
        ``(windows,)``.
    window_start
        First hour of each window, ``(windows,)``.
    window_hours
        Per window, the positions in the cold-hour list of its hours that may keep warm (a
        ragged list; hours with the grid down are left out).
    """

    hour_site: np.ndarray
    hour_scenario: np.ndarray
    hour: np.ndarray
    hour_free: np.ndarray
    run_site: np.ndarray
    run_scenario: np.ndarray
    run_start: np.ndarray
    run_cost_usd: np.ndarray
    window_run: np.ndarray
    window_start: np.ndarray
    window_hours: list[np.ndarray]


def forward_margins(
    fleet: Fleet, scen: Sequence[Scenario], tier_site: np.ndarray, models: Sequence[str]
) -> np.ndarray:
    """Forward margin of each tier in each scenario, ``(tiers, scenarios)`` [USD per machine-h]
    (:func:`planner.domain.after_horizon.forward_margin_usd_per_machine_hour`)."""
    out = np.zeros((len(models), len(scen)))
    for s, sc in enumerate(scen):
        for i, site in enumerate(fleet.sites):
            ks = np.flatnonzero(tier_site == i)
            if not len(ks):
                continue
            miners = [fleet.models[models[int(k)]] for k in ks]
            out[ks, s] = forward_margin_usd_per_machine_hour(
                [m.hashrate_th_s for m in miners],
                [m.power_w for m in miners],
                site.overhead,
                sc.hashprice_usd_per_th_day,
                marginal_price_usd_per_mwh(site, sc.price_usd_per_mwh[i]),
            )
    return out


def freezing_hours(fleet: Fleet, scen: Sequence[Scenario]) -> np.ndarray:
    """Hours below 0 degC at freeze-risk sites, ``(sites, hours, scenarios)`` (the hours whose
    warm-keeping rows :func:`prepare_freeze` lists, before outages are taken out)."""
    risk = np.array([fleet.cooling[site.cooling].freeze_risk for site in fleet.sites])
    cold = np.stack([sc.temp_air_c < WATER_FREEZE_C for sc in scen], axis=-1)
    return cold & risk[:, None, None]


def prepare_freeze(
    fleet: Fleet,
    scen: Sequence[Scenario],
    tier_site: np.ndarray,
    models: Sequence[str],
    installed: np.ndarray,
    availability_h: np.ndarray,
    forward: np.ndarray,
    exposed_before_h: Mapping[str, int],
) -> FreezeData:
    """List the cold hours and damage windows of every freeze-risk site and scenario.

    Parameters
    ----------
    fleet, scen
        The fleet and the scenarios.
    tier_site, models, installed
        Site position, model id and machines installed of each tier.
    availability_h
        Hourly availability of each tier, ``(tiers, hours, scenarios)`` [-].
    forward
        Forward margins, ``(tiers, scenarios)`` (:func:`forward_margins`) [USD per machine-h].
    exposed_before_h
        Idle hours below 0 degC in a row behind each site when the horizon starts, per site id
        [h]: a cold run from hour 0 continues that stretch, so its first window is shorter by
        as much (and the damage it would cause starts that much earlier).
    """
    hours = len(scen[0].times)
    cols: dict[str, list[int]] = {k: [] for k in ("site", "scen", "hour")}
    free: list[bool] = []
    runs: dict[str, list[float]] = {k: [] for k in ("site", "scen", "start", "cost")}
    windows: dict[str, list[int]] = {k: [] for k in ("run", "start")}
    members: list[np.ndarray] = []
    for i, site in enumerate(fleet.sites):
        envelope = fleet.cooling[site.cooling]
        ks = np.flatnonzero(tier_site == i)
        if not envelope.freeze_risk or not len(ks) or installed[ks].sum() <= 0:
            continue
        need = exposed_hours_allowed(envelope.freeze_protection_hours) + 1
        damaged = np.floor(installed[ks] * envelope.freeze_damage_share)
        repair_h = envelope.freeze_repair_days * HOURS_PER_DAY
        restart_h = restart_hours(site, site_tiers(fleet, site))
        miners = [fleet.models[models[int(k)]] for k in ks]
        before = int(exposed_before_h.get(site.id, 0))
        carried = before if 0 < before < need else 0  # past the protection: the damage is done
        for s, sc in enumerate(scen):
            cold = sc.temp_air_c[i] < WATER_FREEZE_C
            if cold.sum() < need - carried or damaged.sum() <= 0:
                continue
            down = outage_mask(merge_for_restart(sc.outages[i], restart_h), hours) > 0.5
            avail = availability_h[ks, :, s]
            position = np.full(hours, -1)
            for h in np.flatnonzero(cold & ~down):
                position[h] = len(cols["hour"])
                cols["site"].append(i)
                cols["scen"].append(s)
                cols["hour"].append(int(h))
                free.append(bool((avail[:, h] < MIN_AVAILABILITY).all()))
            margin = hourly_margin_usd_per_machine_hour(
                [m.hashrate_th_s for m in miners],
                [m.power_w for m in miners],
                site.overhead,
                sc.hashprice_usd_per_th_day,
                marginal_price_usd_per_mwh(site, sc.price_usd_per_mwh[i]),
            ) * np.where(avail < MIN_AVAILABILITY, 0.0, avail)
            lost_per_hour = damaged @ margin  # (hours,) [USD/h] while the damaged are out
            after_per_hour = float(damaged @ forward[ks, s])
            repairs = float(damaged.sum()) * envelope.freeze_repair_usd_per_machine
            for begin, end in _cold_runs(cold, need, carried):
                costs = []
                # (first hour, length, damage time) of each window; a run from hour 0 continues
                # the stretch carried in, so its first window ends where that stretch would
                # outlast the protection.
                protection = envelope.freeze_protection_hours
                spans = [(b, need, b + protection) for b in range(begin, end - need + 1)]
                if begin == 0 and carried:
                    spans.insert(0, (0, need - carried, protection - carried))
                for b, length, at in spans:
                    costs.append(
                        _integral(lost_per_hour, at + repair_h)
                        - _integral(lost_per_hour, at)
                        + max(0.0, at + repair_h - hours) * after_per_hour
                        + repairs
                    )
                    span = position[b : b + length]
                    members.append(span[span >= 0])
                    windows["run"].append(len(runs["site"]))
                    windows["start"].append(b)
                runs["site"].append(i)
                runs["scen"].append(s)
                runs["start"].append(begin)
                runs["cost"].append(min(costs))
    return FreezeData(
        hour_site=np.array(cols["site"], dtype=np.int64),
        hour_scenario=np.array(cols["scen"], dtype=np.int64),
        hour=np.array(cols["hour"], dtype=np.int64),
        hour_free=np.array(free, dtype=bool),
        run_site=np.array(runs["site"], dtype=np.int64),
        run_scenario=np.array(runs["scen"], dtype=np.int64),
        run_start=np.array(runs["start"], dtype=np.int64),
        run_cost_usd=np.array(runs["cost"], dtype=float),
        window_run=np.array(windows["run"], dtype=np.int64),
        window_start=np.array(windows["start"], dtype=np.int64),
        window_hours=members,
    )


def _cold_runs(cold: np.ndarray, need: int, carried: int = 0) -> list[tuple[int, int]]:
    """``(first, end)`` of every run of at least ``need`` cold hours in a row (a run from hour 0
    counting ``carried`` hours more)."""
    edges = np.diff(np.concatenate(([0], cold.astype(np.int8), [0])))
    begins, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [
        (int(b), int(e))
        for b, e in zip(begins, ends, strict=True)
        if e - b + (carried if b == 0 else 0) >= need
    ]


def _integral(per_hour: np.ndarray, x: float) -> float:
    """``int_0^x`` of the piecewise-constant hourly ``per_hour`` (0 past its end)."""
    x = min(max(x, 0.0), float(len(per_hour)))
    whole = int(x)
    partial = per_hour[whole] * (x - whole) if whole < len(per_hour) else 0.0
    return float(per_hour[:whole].sum() + partial)
