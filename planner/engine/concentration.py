"""Concentration risk: how much of the fleet's hashrate one event can take down at once.

A board asks after a storm how exposed the fleet is to a single grid region or weather system.
This module answers from the Monte Carlo draws of an :class:`~planner.engine.montecarlo.Evaluation`,
whose scenarios share weather (ensemble members, the forecast's cold snaps) and grid stress
across nearby sites, so their grid outages come together where the weather does:

- :func:`hashrate_shares`: each site's share of the fleet's nameplate hashrate, with its grid
  region (:func:`grid_region`) and weather zone (:func:`weather_zones`), as the fleet stands and
  as the plan's relocations leave it (:func:`hashrate_after_relocations`);
- :func:`worst_simultaneous_loss`: for each judged run, the largest share of the fleet's hashrate
  down at the same moment, sites counted down from grid loss until every tier hashes again
  (``start_h`` to ``restored_h`` of :attr:`Evaluation.outages`);
- :func:`concentration_risk`: both together, with the chance that one event takes down
  :data:`JOINT_LOSS_SHARE` (30 %) or more of the fleet's hashrate, before and after the plan's
  relocations, on the same draws.

Only whole-site losses count: grid outages and the restart after them. Heat derates, ASIC
failures and freeze damage take machines, not sites, and are left to the risk tables. The
relocated fleet is judged as it stands once the machines have arrived, on the same outages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.domain.fleet import Fleet, Site
from planner.engine.montecarlo import Evaluation
from planner.errors import ConfigError
from planner.world.replay.weather import distance_km

__all__ = [
    "JOINT_LOSS_SHARE",
    "SHARE_COLUMNS",
    "WEATHER_ZONE_KM",
    "Concentration",
    "concentration_risk",
    "grid_region",
    "hashrate_after_relocations",
    "hashrate_shares",
    "weather_zones",
    "worst_simultaneous_loss",
]

#: Share of the fleet's hashrate whose loss at once is the board's question [-].
JOINT_LOSS_SHARE = 0.30
#: Sites closer than this share a weather zone (single linkage: a chain of such sites is one
#: zone) [km]: about the half-width of a winter storm or a heat dome, the synoptic scale over
#: which daily temperature anomalies stay strongly correlated.
WEATHER_ZONE_KM = 800.0
#: Losses at which :attr:`Concentration.exceedance` is tabulated [-].
EXCEEDANCE_SHARES: tuple[float, ...] = tuple(np.round(np.arange(0.05, 1.0001, 0.05), 2))

#: Columns of :attr:`Concentration.sites`, in order.
SHARE_COLUMNS: tuple[str, ...] = (
    "site_id",
    "grid_region",
    "weather_zone",
    "hashrate_before_eh_s",
    "share_before",
    "hashrate_after_eh_s",
    "share_after",
)


def grid_region(site: Site) -> str:
    """The grid region a site's outages come from: its NERC region (``TRE``, ``MRO``...) with
    the market (``TRE (ERCOT)``), or the market alone when the fleet file names no region."""
    return f"{site.region} ({site.grid.iso})" if site.region else site.grid.iso


def weather_zones(fleet: Fleet, radius_km: float = WEATHER_ZONE_KM) -> dict[str, str]:
    """Group sites that share weather: any two within ``radius_km`` are in one zone.

    Parameters
    ----------
    fleet
        The fleet.
    radius_km
        Linking distance [km], > 0.

    Returns
    -------
    dict
        Site id -> zone name: the zone's site ids in fleet order joined by ``" + "``
        (``"west-texas + rockdale"``), a lone site's id for a zone of one.
    """
    if not radius_km > 0:
        raise ConfigError("weather zones", f"radius_km: must be > 0, got {radius_km!r}")
    sites = fleet.sites
    parent = list(range(len(sites)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(sites):
        for j in range(i + 1, len(sites)):
            b = sites[j]
            if distance_km(a.latitude, a.longitude, b.latitude, b.longitude) <= radius_km:
                parent[root(j)] = root(i)
    members: dict[int, list[str]] = {}
    for i, site in enumerate(sites):
        members.setdefault(root(i), []).append(site.id)
    return {site.id: " + ".join(members[root(i)]) for i, site in enumerate(sites)}


def hashrate_after_relocations(fleet: Fleet, relocations: pd.DataFrame) -> dict[str, float]:
    """Each site's nameplate hashrate once the relocations have arrived [TH/s].

    Parameters
    ----------
    fleet
        The fleet.
    relocations
        :attr:`planner.engine.optimization.Plan.relocations` (``from_site``, ``to_site``,
        ``model_id``, ``machines``); may be empty.

    Returns
    -------
    dict
        Site id -> hashrate [TH/s], in fleet order. The fleet total is unchanged.
    """
    out = {s.id: fleet.installed_hashrate_th_s(s) for s in fleet.sites}
    for row in relocations.itertuples(index=False):
        moved = fleet.models[str(row.model_id)].hashrate_th_s * int(row.machines)
        out[str(row.from_site)] -= moved
        out[str(row.to_site)] += moved
    return out


def hashrate_shares(
    fleet: Fleet,
    relocations: pd.DataFrame | None = None,
    *,
    radius_km: float = WEATHER_ZONE_KM,
) -> pd.DataFrame:
    """Each site's share of the fleet's hashrate, before and after the relocations.

    Parameters
    ----------
    fleet
        The fleet.
    relocations
        The plan's relocations; ``None`` or empty: the shares after equal those before.
    radius_km
        Linking distance of :func:`weather_zones` [km].

    Returns
    -------
    pandas.DataFrame
        One row per site in fleet order, columns :data:`SHARE_COLUMNS`: hashrate [EH/s] and
        share of the fleet [-] as it stands (``_before``) and after the relocations.
    """
    empty = pd.DataFrame(columns=["from_site", "to_site", "model_id", "machines"])
    after = hashrate_after_relocations(fleet, empty if relocations is None else relocations)
    before = np.array([fleet.installed_hashrate_th_s(s) for s in fleet.sites])
    moved = np.array([after[s.id] for s in fleet.sites])
    total = before.sum()
    zones = weather_zones(fleet, radius_km)
    return pd.DataFrame(
        {
            "site_id": list(fleet.site_ids),
            "grid_region": [grid_region(s) for s in fleet.sites],
            "weather_zone": [zones[s.id] for s in fleet.sites],
            "hashrate_before_eh_s": before / 1e6,
            "share_before": before / total,
            "hashrate_after_eh_s": moved / 1e6,
            "share_after": moved / total,
        }
    )[list(SHARE_COLUMNS)]


def worst_simultaneous_loss(
    outages: pd.DataFrame, runs: pd.DataFrame, shares: Mapping[str, float]
) -> np.ndarray:
    """For each run, the largest share of the fleet's hashrate down at the same moment [-].

    A site is down over ``[start_h, restored_h)``; its outages are merged first, so a site
    counts once however its outages overlap. The largest sum of the shares of the sites down
    together is found exactly, by sweeping the outage starts and ends in time order (an end at
    the same moment as a start comes first: half-open intervals).

    Parameters
    ----------
    outages
        Outage records of one policy: ``scenario``, ``replication``, ``site_id``, ``start_h``,
        ``restored_h`` [h] (:attr:`planner.engine.montecarlo.Evaluation.outages`).
    runs
        The runs to answer for: ``scenario``, ``replication`` (a run without outages loses 0).
    shares
        Site id -> share of the fleet's hashrate [-].

    Returns
    -------
    numpy.ndarray
        ``(len(runs),)`` worst simultaneous loss per run, in the order of ``runs`` [-].
    """
    unknown = sorted(set(outages["site_id"]) - set(shares))
    if unknown:
        raise ConfigError("concentration", f"outages name unknown site(s) {', '.join(unknown)}")
    keys = list(zip(runs["scenario"].astype(int), runs["replication"].astype(int), strict=True))
    worst = dict.fromkeys(keys, 0.0)
    grouped = outages.groupby(["scenario", "replication"], sort=False)
    for (scenario, replication), group in grouped:
        key = (int(scenario), int(replication))
        if key in worst:
            worst[key] = _sweep(group, shares)
    return np.array([worst[k] for k in keys])


def _sweep(group: pd.DataFrame, shares: Mapping[str, float]) -> float:
    """The largest sum of shares down at once in one run's outage records."""
    moves: list[tuple[float, int, float]] = []
    for site_id, site_rows in group.groupby("site_id", sort=False):
        share = float(shares[str(site_id)])
        spans = sorted(zip(site_rows["start_h"], site_rows["restored_h"], strict=True))
        merged: list[list[float]] = []
        for start, end in spans:
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([float(start), float(end)])
        for start, end in merged:
            if end > start:
                moves.append((start, 1, share))  # at equal times ends (0) sort before starts
                moves.append((end, 0, -share))
    down = best = 0.0
    for _, _, change in sorted(moves):
        down += change
        best = max(best, down)
    return best


@dataclass(frozen=True, eq=False)
class Concentration:
    """Where the fleet's hashrate sits and how much one event can take at once.

    Attributes
    ----------
    sites
        One row per site, columns :data:`SHARE_COLUMNS`.
    by_region, by_zone
        Shares summed by ``grid_region`` and by ``weather_zone``: hashrate [EH/s] and share
        [-] before and after, largest share before first.
    runs
        One row per judged run: ``scenario``, ``replication``, ``weight`` [-] and the worst
        simultaneous loss ``worst_before`` and ``worst_after`` [-].
    threshold
        The loss share asked about [-].
    probability_before, probability_after
        Chance that one event takes down ``threshold`` or more of the fleet's hashrate at once,
        as the fleet stands and after the relocations [-].
    exceedance
        ``loss_share`` [-] and the chance the worst simultaneous loss reaches it,
        ``probability_before`` and ``probability_after`` [-], at :data:`EXCEEDANCE_SHARES`.
    relocated
        Whether the plan moves any machine (else *after* equals *before*).
    """

    sites: pd.DataFrame
    by_region: pd.DataFrame
    by_zone: pd.DataFrame
    runs: pd.DataFrame
    threshold: float
    probability_before: float
    probability_after: float
    exceedance: pd.DataFrame
    relocated: bool


def concentration_risk(
    fleet: Fleet,
    evaluation: Evaluation,
    relocations: pd.DataFrame | None = None,
    *,
    threshold: float = JOINT_LOSS_SHARE,
    policy: str | None = None,
    radius_km: float = WEATHER_ZONE_KM,
) -> Concentration:
    """Hashrate shares by region and zone, and the chance of a joint loss, before and after.

    Parameters
    ----------
    fleet
        The fleet the evaluation judged.
    evaluation
        Judged runs; their outage draws are the same for every policy.
    relocations
        The plan's relocations (:attr:`planner.engine.optimization.Plan.relocations`); ``None``:
        none.
    threshold
        Loss share asked about, in (0, 1] [-].
    policy
        Whose outage records to read (they differ only in restart times); default the first.
    radius_km
        Linking distance of the weather zones [km].

    Returns
    -------
    Concentration
    """
    if not 0.0 < threshold <= 1.0:
        raise ConfigError("concentration", f"threshold: must be in (0, 1], got {threshold!r}")
    if tuple(evaluation.site_ids) != fleet.site_ids:
        raise ConfigError(
            "concentration",
            f"the evaluation's sites {list(evaluation.site_ids)} are not the fleet's "
            f"{list(fleet.site_ids)}",
        )
    name = policy if policy is not None else evaluation.policies[0]
    if name not in evaluation.policies:
        raise ConfigError(
            "concentration", f"policy {name!r} was not judged; have {list(evaluation.policies)}"
        )
    sites = hashrate_shares(fleet, relocations, radius_km=radius_km)
    records = evaluation.outages[evaluation.outages["policy"] == name]
    runs = evaluation.run_index[["scenario", "replication", "weight"]].reset_index(drop=True)
    weight = runs["weight"].to_numpy(dtype=float)
    weight = weight / weight.sum()
    worst = {
        when: worst_simultaneous_loss(
            records, runs, dict(zip(sites["site_id"], sites[f"share_{when}"], strict=True))
        )
        for when in ("before", "after")
    }
    table = runs.assign(worst_before=worst["before"], worst_after=worst["after"])
    eps = 1e-9  # a share summed from parts is not always bit-equal to the threshold
    exceedance = pd.DataFrame(
        {
            "loss_share": EXCEEDANCE_SHARES,
            "probability_before": [
                float(weight @ (worst["before"] >= x - eps)) for x in EXCEEDANCE_SHARES
            ],
            "probability_after": [
                float(weight @ (worst["after"] >= x - eps)) for x in EXCEEDANCE_SHARES
            ],
        }
    )
    moved = relocations is not None and not relocations.empty
    return Concentration(
        sites=sites,
        by_region=_summed(sites, "grid_region"),
        by_zone=_summed(sites, "weather_zone"),
        runs=table,
        threshold=float(threshold),
        probability_before=float(weight @ (worst["before"] >= threshold - eps)),
        probability_after=float(weight @ (worst["after"] >= threshold - eps)),
        exceedance=exceedance,
        relocated=bool(moved),
    )


def _summed(sites: pd.DataFrame, by: str) -> pd.DataFrame:
    columns: Sequence[str] = (
        "hashrate_before_eh_s",
        "share_before",
        "hashrate_after_eh_s",
        "share_after",
    )
    out = sites.groupby(by, sort=False)[list(columns)].sum().reset_index()
    return out.sort_values("share_before", ascending=False, kind="stable").reset_index(drop=True)
