"""Key figures of simulated runs, per policy and site.

- :func:`kpis`: totals of single runs (one scenario per strategy), as the demo and report use.
- :func:`risk_table`, :func:`hashrate_at_risk`, :func:`survival_curves`: distributions over many
  weighted runs (:class:`planner.engine.montecarlo.Evaluation`), built on :func:`weighted_quantile`
  and :func:`cvar`.

Weighted quantiles are the left-continuous inverse of the weighted empirical distribution
function, ``Q(q) = min{x : F(x) >= q}`` (numpy's ``method="inverted_cdf"``), so every quantile is
an outcome that happened; with two equally likely outcomes the median is the lower one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from planner.domain.fleet import Fleet
from planner.engine.simulation import SimResult

#: Columns of the KPI table, in order.
KPI_COLUMNS: tuple[str, ...] = (
    "strategy",
    "site_id",
    "profit_incl_after_horizon_usd",
    "profit_usd",
    "after_horizon_usd",
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
        Columns :data:`KPI_COLUMNS`. ``profit_incl_after_horizon_usd`` is the full value: the
        horizon's ``profit_usd`` less ``after_horizon_usd``, what the run leaves behind
        (:attr:`~planner.engine.simulation.SimResult.after_horizon`) [USD].
        ``hashrate_kept_pct`` is the strategy's TH/s-hours over the baseline's [%];
        ``uptime_pct`` is mean running hashrate over nameplate [%].
    """
    nameplate = {s.id: fleet.installed_hashrate_th_s(s) for s in fleet.sites}
    nameplate[FLEET] = sum(nameplate.values())
    rows = []
    for result in results:
        per_site = result.ledger.groupby(level="site_id", sort=False)
        sums = per_site.sum()
        sums["after_horizon_usd"] = result.after_horizon["after_horizon_usd"]
        sums["profit_incl_after_horizon_usd"] = sums["profit_usd"] - sums["after_horizon_usd"]
        hashrate = per_site["hashrate_th_s"].mean()
        sums.loc[FLEET] = sums.sum()
        hashrate.loc[FLEET] = hashrate.sum()
        for site_id, row in sums.iterrows():
            rows.append(
                {
                    "strategy": result.policy,
                    "site_id": site_id,
                    **{c: row[c] for c in KPI_COLUMNS[2:10]},
                    "mean_hashrate_eh_s": hashrate[site_id] / 1e6,
                    "uptime_pct": 100.0 * hashrate[site_id] / nameplate[str(site_id)],
                }
            )
    table = pd.DataFrame(rows)
    base = table[table["strategy"] == baseline].set_index("site_id")["mean_hashrate_eh_s"]
    kept = table["mean_hashrate_eh_s"] / table["site_id"].map(base)
    table["hashrate_kept_pct"] = 100.0 * kept
    return table[list(KPI_COLUMNS)]


# ----------------------------------------------------------------------------- distributions

#: Tail probability of :func:`risk_table`'s value at risk and CVaR [-].
TAIL = 0.05

#: Profit measures of :func:`risk_table`: the full value first, then inside the horizon.
PROFITS: tuple[str, ...] = ("profit_incl_after_horizon_usd", "profit_usd")

#: Columns of :func:`risk_table`, in order.
RISK_COLUMNS: tuple[str, ...] = (
    "policy",
    "site_id",
    *(f"{stat}_{p}" for p in PROFITS for stat in ("expected", "median", "p5", "p95", "cvar5")),
    "expected_after_horizon_usd",
    "expected_lost_margin_usd",
    "expected_repair_usd",
    "expected_transport_usd",
    "expected_revenue_usd",
    "expected_energy_cost_usd",
    "expected_credits_usd",
    "btc_mined",
    "mean_hashrate_eh_s",
    "uptime_pct",
    "energy_mwh",
    "curtailed_mwh",
    "outage_hours",
    "freeze_events",
    "machines_out",
)

#: The headline measure: expected full-value profit [USD]; rankings and "best" use it.
HEADLINE = "expected_profit_incl_after_horizon_usd"

_MEANS = RISK_COLUMNS[RISK_COLUMNS.index("expected_after_horizon_usd") :]

#: Durations at which :func:`survival_curves` reads the curves by default [h].
DEFAULT_SURVIVAL_HOURS = np.arange(0.0, 73.0)

_RELATIVE_TOLERANCE = 1e-12  # cumulative weights within this of a quantile level reach it


def _check_weights(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    if values.ndim == 0 or values.shape[0] == 0:
        raise ValueError("values: need at least one outcome")
    if weights.shape != (values.shape[0],):
        raise ValueError(f"weights: need shape {(values.shape[0],)}, got {weights.shape}")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
        raise ValueError("weights: must be finite, >= 0 and not all 0")
    if np.any(np.isnan(values)):
        raise ValueError("values: must not be NaN")
    return weights / weights.sum()


def weighted_quantile(
    values: np.ndarray | Sequence[float],
    weights: np.ndarray | Sequence[float],
    q: float | Sequence[float],
) -> np.ndarray:
    """Weighted quantiles along the first axis: the smallest outcome whose cumulative weight
    reaches ``q``.

    Parameters
    ----------
    values
        Outcomes, ``(n,)`` or ``(n, m)`` (``m`` independent columns, e.g. hours).
    weights
        Probability weight of each outcome, ``(n,)`` [-]; normalised to sum to 1.
    q
        Quantile level(s) in [0, 1] [-].

    Returns
    -------
    numpy.ndarray
        Shape ``values.shape[1:]`` for a scalar ``q`` (a 0-d array for 1-d values), with a
        leading axis of ``len(q)`` for a sequence; in the units of ``values``.
    """
    v = np.asarray(values, dtype=float)
    w = _check_weights(v, np.asarray(weights, dtype=float))
    levels = np.atleast_1d(np.asarray(q, dtype=float))
    if np.any((levels < 0) | (levels > 1)):
        raise ValueError(f"q: must be in [0, 1], got {q}")
    order = np.argsort(v, axis=0, kind="stable")
    ordered = np.take_along_axis(v, order, axis=0)
    cumulative = np.cumsum(w[order], axis=0)
    out = np.empty((len(levels), *v.shape[1:]))
    for k, level in enumerate(levels):
        before = (cumulative < level * (1.0 - _RELATIVE_TOLERANCE)).sum(axis=0)
        at = np.minimum(before, v.shape[0] - 1)
        out[k] = np.take_along_axis(ordered, np.expand_dims(at, 0), axis=0)[0]
    return out if np.ndim(q) else out[0]


def cvar(
    values: np.ndarray | Sequence[float],
    weights: np.ndarray | Sequence[float],
    alpha: float = TAIL,
) -> float:
    """Conditional value at risk: the weighted mean of the worst ``alpha`` of outcomes.

    The tail holds exactly ``alpha`` of probability: every outcome below the ``alpha``-quantile
    with its whole weight, and the part of the quantile's own atom that tops the tail up to
    ``alpha``: ``CVaR = sum_k x_(k) min(w_(k), max(0, alpha - W_(k-1))) / alpha`` with outcomes
    sorted ascending and ``W`` their cumulative weight (Rockafellar-Uryasev).

    Parameters
    ----------
    values
        Outcomes, ``(n,)`` (lower is worse, e.g. profit [USD]).
    weights
        Probability weights, ``(n,)`` [-]; normalised to sum to 1.
    alpha
        Tail probability in (0, 1] [-].

    Returns
    -------
    float
        In the units of ``values``.
    """
    v = np.asarray(values, dtype=float)
    if v.ndim != 1:
        raise ValueError(f"values: must be 1-d, got shape {v.shape}")
    if not 0 < alpha <= 1:
        raise ValueError(f"alpha: must be in (0, 1], got {alpha}")
    w = _check_weights(v, np.asarray(weights, dtype=float))
    order = np.argsort(v, kind="stable")
    ordered, w = v[order], w[order]
    before = np.cumsum(w) - w
    in_tail = np.clip(alpha - before, 0.0, w)
    return float(in_tail @ ordered / in_tail.sum())


def _mean(values: np.ndarray, weights: np.ndarray) -> float:
    return float(weights @ values / weights.sum())


def best_strategy(risk: pd.DataFrame) -> str:
    """The best strategy: the highest expected fleet profit at full value (:data:`HEADLINE`).

    The one definition of "best" of every surface: the report's badges, the summary's
    recommendation, the job's recommended strategy and the app's headline. Ties go to the
    strategy listed first.

    Parameters
    ----------
    risk
        A risk table (:func:`risk_table`) with its fleet rows (``site_id == "fleet"``).

    Returns
    -------
    str
        The strategy's name (its ``policy``).

    Raises
    ------
    ValueError
        No fleet row with a finite :data:`HEADLINE`.
    """
    fleet = risk[risk["site_id"] == FLEET]
    values = fleet[HEADLINE].to_numpy(dtype=float)
    if not np.isfinite(values).any():
        raise ValueError(f"risk table: no fleet row with a finite {HEADLINE}")
    return str(
        fleet["policy"].iloc[int(np.nanargmax(np.where(np.isfinite(values), values, np.nan)))]
    )


def risk_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Per policy and site, the distribution of outcomes over weighted runs.

    Parameters
    ----------
    runs
        One row per run and site with ``policy``, ``site_id``, ``weight`` and the summary
        columns of :attr:`planner.engine.montecarlo.Evaluation.runs`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RISK_COLUMNS`, one row per ``(policy, site_id)`` in first-seen order.
        For each profit measure, the full value ``profit_incl_after_horizon_usd`` (the headline,
        :data:`HEADLINE`) and ``profit_usd`` inside the horizon: ``expected_*`` the weighted
        mean, ``median``, ``p5``, ``p95`` weighted quantiles and ``cvar5`` the weighted mean of
        the worst 5 % (:func:`cvar`) [USD]. The other ``expected_*`` money figures [USD] and the
        unprefixed ones are weighted means per run: ``btc_mined`` [BTC],
        ``mean_hashrate_eh_s`` [EH/s], ``uptime_pct`` [%], ``energy_mwh`` and ``curtailed_mwh``
        [MWh], ``outage_hours`` [h], ``freeze_events`` and ``machines_out`` (at the horizon's
        end) [-].
    """
    rows = []
    for (policy, site_id), group in runs.groupby(["policy", "site_id"], sort=False):
        w = group["weight"].to_numpy(dtype=float)
        row: dict[str, object] = {"policy": policy, "site_id": site_id}
        for name in PROFITS:
            profit = group[name].to_numpy(dtype=float)
            p5, median, p95 = weighted_quantile(profit, w, [TAIL, 0.5, 1.0 - TAIL])
            row[f"expected_{name}"] = _mean(profit, w)
            row[f"median_{name}"] = float(median)
            row[f"p5_{name}"] = float(p5)
            row[f"p95_{name}"] = float(p95)
            row[f"cvar5_{name}"] = cvar(profit, w, TAIL)
        for column in _MEANS:
            source = column.removeprefix("expected_")
            row[column] = _mean(group[source].to_numpy(dtype=float), w)
        rows.append(row)
    return pd.DataFrame(rows, columns=list(RISK_COLUMNS))


def hashrate_at_risk(
    fleet_hashrate_th_s: np.ndarray,
    weights: np.ndarray | Sequence[float],
    policies: Sequence[str],
    floor_eh_s: float,
) -> pd.DataFrame:
    """How likely, and for how much of the horizon, the fleet hashrate falls below a floor.

    Parameters
    ----------
    fleet_hashrate_th_s
        Hourly fleet hashrate, ``(policies, runs, hours)`` [TH/s].
    weights
        Probability weight of each run, ``(runs,)`` [-]; normalised to sum to 1.
    policies
        Policy names, one per first-axis entry.
    floor_eh_s
        The floor [EH/s], >= 0; an hour is below it when its hashrate is strictly lower.

    Returns
    -------
    pandas.DataFrame
        Index ``policy``; ``floor_eh_s``; ``probability_below`` the weighted share of runs with
        at least one hour below [-]; ``share_hours_below`` the expected share of hours below
        [-]; ``expected_hours_below`` [h].
    """
    paths = np.asarray(fleet_hashrate_th_s)
    if paths.ndim != 3 or paths.shape[0] != len(policies):
        raise ValueError(
            f"fleet_hashrate_th_s: need shape (policies={len(policies)}, runs, hours), "
            f"got {paths.shape}"
        )
    if not floor_eh_s >= 0:
        raise ValueError(f"floor_eh_s: must be >= 0, got {floor_eh_s}")
    w = _check_weights(paths[0], np.asarray(weights, dtype=float))
    below = paths < floor_eh_s * 1e6  # (policies, runs, hours)
    hours = paths.shape[2]
    share = below.mean(axis=2) @ w
    return pd.DataFrame(
        {
            "floor_eh_s": float(floor_eh_s),
            "probability_below": below.any(axis=2) @ w,
            "share_hours_below": share,
            "expected_hours_below": share * hours,
        },
        index=pd.Index(list(policies), name="policy"),
    )


def survival_curves(
    outages: pd.DataFrame,
    policies: Sequence[str],
    site_ids: Sequence[str],
    durations_h: Sequence[float] | np.ndarray | None = None,
) -> pd.DataFrame:
    """Chance that a site is back within ``d`` hours of an outage start (REopt-style curves).

    Each outage counts with its run's weight; ``back`` means every tier hashing again, so the
    time includes the grid outage, the site restart and the machines' cold starts.

    Parameters
    ----------
    outages
        Outage records with ``policy``, ``site_id``, ``start_h``, ``restored_h`` [h] and
        ``weight`` [-] (:attr:`planner.engine.montecarlo.Evaluation.outages`).
    policies, site_ids
        Rows to produce, in order; a ``fleet`` row per policy pools every site's outages.
    durations_h
        Hours after the outage start at which to read the curve [h] (default 0..72).

    Returns
    -------
    pandas.DataFrame
        Columns ``policy``, ``site_id``, ``duration_h`` [h], ``probability_restored`` [-] (NaN
        for a site without outages) and ``outages`` (records behind the curve) [-].
    """
    d = np.asarray(DEFAULT_SURVIVAL_HOURS if durations_h is None else durations_h, dtype=float)
    if d.ndim != 1 or np.any(d < 0):
        raise ValueError("durations_h: must be a 1-d sequence of hours >= 0")
    frames = []
    for policy in policies:
        mine = outages[outages["policy"] == policy]
        for site_id in (*site_ids, FLEET):
            rows = mine if site_id == FLEET else mine[mine["site_id"] == site_id]
            took = (rows["restored_h"] - rows["start_h"]).to_numpy(dtype=float)
            w = rows["weight"].to_numpy(dtype=float)
            if len(took) and w.sum() > 0:
                back = (took[None, :] <= d[:, None]) @ w / w.sum()
            else:
                back = np.full(len(d), np.nan)
            frames.append(
                pd.DataFrame(
                    {
                        "policy": policy,
                        "site_id": site_id,
                        "duration_h": d,
                        "probability_restored": back,
                        "outages": len(took),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def with_hashrate_kept(risk: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """The risk table with ``hashrate_kept_pct``: mean hashrate over the baseline's [%]."""
    base = risk[risk["policy"] == baseline].set_index("site_id")["mean_hashrate_eh_s"]
    out = risk.copy()
    out["hashrate_kept_pct"] = 100.0 * out["mean_hashrate_eh_s"] / out["site_id"].map(base)
    return out
