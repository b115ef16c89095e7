"""A job run's figures: the strategy table, the run's KPIs, and the fingerprints of its inputs."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from planner.domain.fleet import Fleet
from planner.engine.metrics import FLEET, HEADLINE
from planner.engine.montecarlo import Evaluation
from planner.engine.optimization import Plan
from planner.ops.notify import HASHRATE_AT_RISK_KPI, PLANNED_CURTAILMENT_KPI
from planner.world.feeds import Feeds, Freshness

__all__ = [
    "FEED_FILLED_KPI",
    "FEED_STATUS_KPIS",
    "HEADLINE_KPI",
    "feed_stamps",
    "fleet_hash",
    "run_kpis",
    "strategy_table",
]

#: KPI key of the run's headline: the recommended strategy's expected profit incl. after
#: horizon [USD].
HEADLINE_KPI = HEADLINE

#: KPI keys counting feeds by freshness status (``stale``, ``fallback``, ``missing``) [-].
FEED_STATUS_KPIS: dict[str, str] = {
    "stale": "feeds_stale",
    "fallback": "feeds_fallback",
    "missing": "feeds_missing",
}


#: KPI key: hours the feeds lacked and the planner filled, summed over feeds and sites [h]
#: (per feed and site in ``kpis.json``'s ``feeds``).
FEED_FILLED_KPI = "feeds_filled_h"


def fleet_hash(fleet: Fleet) -> str:
    """SHA-256 of the fleet's validated content (comments and key order in its file do not
    count), 16 hex digits."""
    return hashlib.sha256(fleet.model_dump_json().encode("utf-8")).hexdigest()[:16]


def feed_stamps(feeds: Feeds) -> dict[str, dict[str, Any]]:
    """Per feed, its status, source and fetch time: the feed part of the idempotency key.

    Ages are left out (they grow with the clock); two runs on the same answers get the same
    stamps.
    """
    out: dict[str, dict[str, Any]] = {}
    for name, f in sorted(feeds.freshness.items()):
        fetched = None if f.fetched_at is None else pd.Timestamp(f.fetched_at).isoformat()
        out[name] = {"status": f.status, "source": f.source, "fetched_at": fetched}
    return out


def strategy_table(evaluation: Evaluation, baseline: str, floor_eh_s: float) -> pd.DataFrame:
    """The risk table with ``hashrate_kept_pct`` and, on fleet rows, the hashrate at risk.

    Parameters
    ----------
    evaluation
        The strategies judged on the scenarios.
    baseline
        Strategy whose mean hashrate counts as 100 % kept.
    floor_eh_s
        Hashrate floor [EH/s].

    Returns
    -------
    pandas.DataFrame
        :func:`planner.engine.metrics.risk_table` columns, plus ``hashrate_kept_pct`` [%] and, on
        ``fleet`` rows (NaN elsewhere), ``hashrate_at_risk_probability`` (chance of at least one
        hour below the floor) [-] and ``expected_hours_below_floor`` [h].
    """
    risk = evaluation.metrics()
    base = risk[risk["policy"] == baseline].set_index("site_id")["mean_hashrate_eh_s"]
    risk["hashrate_kept_pct"] = 100.0 * risk["mean_hashrate_eh_s"] / risk["site_id"].map(base)
    at_risk = evaluation.hashrate_at_risk(floor_eh_s)
    fleet_rows = (risk["site_id"] == FLEET).to_numpy()
    policy = risk["policy"]
    risk["hashrate_at_risk_probability"] = np.where(
        fleet_rows, policy.map(at_risk["probability_below"]).to_numpy(dtype=float), np.nan
    )
    risk["expected_hours_below_floor"] = np.where(
        fleet_rows, policy.map(at_risk["expected_hours_below"]).to_numpy(dtype=float), np.nan
    )
    return risk


def run_kpis(
    table: pd.DataFrame,
    *,
    recommended: str,
    baseline: str,
    floor_eh_s: float,
    plan: Plan | None,
    feeds: Feeds,
) -> dict[str, float]:
    """The run's KPIs: the recommended strategy's fleet figures, the plan's, and feed health.

    Returns
    -------
    dict
        The headline, at full value (the horizon's profit less what the run leaves behind
        after it): ``expected_profit_incl_after_horizon_usd``,
        ``p5_profit_incl_after_horizon_usd``, ``cvar5_profit_incl_after_horizon_usd``,
        ``profit_incl_after_horizon_vs_baseline_usd`` and ``expected_after_horizon_usd``; the
        same inside the horizon: ``expected_profit_usd``, ``p5_profit_usd``,
        ``cvar5_profit_usd``, ``profit_vs_baseline_usd`` [USD]; ``curtailed_mwh`` and
        ``planned_curtailment_mwh``
        (the plan's expected curtailment, else the recommended strategy's) [MWh];
        ``mean_hashrate_eh_s``, ``hashrate_floor_eh_s`` [EH/s]; ``hashrate_kept_pct`` [%];
        ``hashrate_at_risk_probability`` [-]; ``relocated_machines`` [-];
        ``feeds_stale``, ``feeds_fallback``, ``feeds_missing`` (feed counts) [-];
        ``feeds_filled_h`` (hours filled over all feeds and sites) [h].
    """
    fleet = table[table["site_id"] == FLEET].set_index("policy")
    mine, base = fleet.loc[recommended], fleet.loc[baseline]
    planned = plan.kpis.expected_curtailed_mwh if plan is not None else float(mine["curtailed_mwh"])
    kpis = {
        HEADLINE_KPI: float(mine[HEADLINE_KPI]),
        "p5_profit_incl_after_horizon_usd": float(mine["p5_profit_incl_after_horizon_usd"]),
        "cvar5_profit_incl_after_horizon_usd": float(mine["cvar5_profit_incl_after_horizon_usd"]),
        "profit_incl_after_horizon_vs_baseline_usd": float(mine[HEADLINE_KPI] - base[HEADLINE_KPI]),
        "expected_after_horizon_usd": float(mine["expected_after_horizon_usd"]),
        "expected_profit_usd": float(mine["expected_profit_usd"]),
        "p5_profit_usd": float(mine["p5_profit_usd"]),
        "cvar5_profit_usd": float(mine["cvar5_profit_usd"]),
        "profit_vs_baseline_usd": float(mine["expected_profit_usd"] - base["expected_profit_usd"]),
        "curtailed_mwh": float(mine["curtailed_mwh"]),
        PLANNED_CURTAILMENT_KPI: float(planned),
        "mean_hashrate_eh_s": float(mine["mean_hashrate_eh_s"]),
        "hashrate_kept_pct": float(mine["hashrate_kept_pct"]),
        HASHRATE_AT_RISK_KPI: float(mine["hashrate_at_risk_probability"]),
        "hashrate_floor_eh_s": float(floor_eh_s),
        "relocated_machines": float(plan.relocations["machines"].sum())
        if plan is not None
        else 0.0,
    }
    kpis.update(feed_counts(feeds.freshness))
    return kpis


def feed_counts(freshness: Mapping[str, Freshness]) -> dict[str, float]:
    """How many feeds are stale, fell back or are missing, and how many hours were filled."""
    counts = dict.fromkeys(FEED_STATUS_KPIS.values(), 0.0)
    counts[FEED_FILLED_KPI] = 0.0
    for f in freshness.values():
        key = FEED_STATUS_KPIS.get(f.status)
        if key is not None:
            counts[key] += 1.0
        counts[FEED_FILLED_KPI] += float(f.total_filled_hours)
    return counts
