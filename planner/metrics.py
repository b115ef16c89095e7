"""Key figures of simulated runs, per policy and site."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from planner.fleet import Fleet
from planner.simulation import SimResult

#: Columns of the KPI table, in order.
KPI_COLUMNS: tuple[str, ...] = (
    "strategy",
    "site_id",
    "profit_usd",
    "revenue_usd",
    "energy_cost_usd",
    "credits_usd",
    "energy_mwh",
    "curtailed_mwh",
    "mean_hashrate_eh_s",
    "hashrate_kept_pct",
    "uptime_pct",
)

FLEET = "fleet"


def kpis(fleet: Fleet, results: Sequence[SimResult], baseline: str = "run-through") -> pd.DataFrame:
    """One row per (strategy, site) and one ``fleet`` row per strategy.

    Parameters
    ----------
    fleet
        The fleet the results belong to.
    results
        Simulated runs of the same horizon.
    baseline
        Strategy whose hashrate counts as 100 % kept.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`KPI_COLUMNS`. ``hashrate_kept_pct`` is the strategy's TH/s-hours over the
        baseline's [%]; ``uptime_pct`` is mean running hashrate over nameplate [%].
    """
    nameplate = {s.id: fleet.installed_hashrate_th_s(s) for s in fleet.sites}
    nameplate[FLEET] = sum(nameplate.values())
    rows = []
    for result in results:
        per_site = result.ledger.groupby(level="site_id", sort=False)
        sums = per_site.sum()
        hashrate = per_site["hashrate_th_s"].mean()
        sums.loc[FLEET] = sums.sum()
        hashrate.loc[FLEET] = hashrate.sum()
        for site_id, row in sums.iterrows():
            rows.append(
                {
                    "strategy": result.policy,
                    "site_id": site_id,
                    **{c: row[c] for c in KPI_COLUMNS[2:8]},
                    "mean_hashrate_eh_s": hashrate[site_id] / 1e6,
                    "uptime_pct": 100.0 * hashrate[site_id] / nameplate[str(site_id)],
                }
            )
    table = pd.DataFrame(rows)
    base = table[table["strategy"] == baseline].set_index("site_id")["mean_hashrate_eh_s"]
    kept = table["mean_hashrate_eh_s"] / table["site_id"].map(base)
    table["hashrate_kept_pct"] = 100.0 * kept
    return table[list(KPI_COLUMNS)]
