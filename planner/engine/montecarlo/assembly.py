"""The batches of a Monte Carlo evaluation gathered into its tables, in task order."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.engine import metrics
from planner.engine.montecarlo.evaluation import SUMMARY_COLUMNS, Evaluation
from planner.engine.montecarlo.tasks import BatchResult, Job, uptime_pct
from planner.world.scenario_draws import horizon_times, indices_and_weights

_UPTIME = SUMMARY_COLUMNS.index("uptime_pct")
_MEAN_EH_S = SUMMARY_COLUMNS.index("mean_hashrate_eh_s")


def assemble(
    job: Job, tasks: list[tuple[int, int]], results: list[BatchResult], replications: int
) -> Evaluation:
    """Stack the batches in task order and build the tables.

    Parameters
    ----------
    job
        The evaluation's inputs.
    tasks
        Every ``(scenario position, replication)`` task, in the order the batches hold them.
    results
        The batches' results, in order.
    replications
        Replications per scenario.

    Returns
    -------
    Evaluation
    """
    fleet = job.fleet
    names = tuple(p.name for p in job.policies)
    summary = np.concatenate([r.summary for r in results])  # (tasks, policies, sites, cols)
    hashrate = np.concatenate([r.hashrate for r in results])  # (tasks, policies, hours)
    n_tasks, n_policies = summary.shape[:2]
    indices, weights = indices_and_weights(job.scenarios)
    positions = np.array([i for i, _ in tasks], dtype=int)
    scenario_index = indices[positions]
    replication = np.array([r for _, r in tasks])
    weight = weights[positions] / replications
    run_index = pd.DataFrame(
        {"scenario": scenario_index, "replication": replication, "weight": weight}
    )

    fleet_row = summary.sum(axis=2, keepdims=True)
    nameplate = sum(fleet.installed_hashrate_th_s(s) for s in fleet.sites)
    fleet_row[..., _UPTIME] = uptime_pct(fleet_row[..., _MEAN_EH_S] * 1e6, np.asarray(nameplate))
    table = np.concatenate([summary, fleet_row], axis=2).transpose(1, 0, 2, 3)
    rows = table.reshape(-1, len(SUMMARY_COLUMNS))
    sites = (*fleet.site_ids, metrics.FLEET)
    per_policy = n_tasks * len(sites)
    runs = pd.DataFrame(
        {
            "policy": np.repeat(np.array(names, dtype=object), per_policy),
            "scenario": np.tile(np.repeat(scenario_index, len(sites)), n_policies),
            "replication": np.tile(np.repeat(replication, len(sites)), n_policies),
            "site_id": np.tile(np.array(sites, dtype=object), n_tasks * n_policies),
            "weight": np.tile(np.repeat(weight, len(sites)), n_policies),
            **{c: rows[:, k] for k, c in enumerate(SUMMARY_COLUMNS)},
        }
    )

    paths = np.ascontiguousarray(hashrate.transpose(1, 0, 2))  # (policies, tasks, hours)
    times = horizon_times(job.scenarios)
    bands = []
    for p, name in enumerate(names):
        eh_s = paths[p].astype(float) / 1e6
        low, mid, high = metrics.weighted_quantile(eh_s, weight, [0.05, 0.5, 0.95])
        bands.append(
            pd.DataFrame(
                {
                    "p5_eh_s": low,
                    "median_eh_s": mid,
                    "p95_eh_s": high,
                    "mean_eh_s": weight @ eh_s / weight.sum(),
                },
                index=pd.MultiIndex.from_product([[name], times], names=["policy", "time"]),
            )
        )

    keyed: list[tuple[int, int, int, float, float, float]] = []
    offset = 0
    for r in results:
        keyed.extend((p, offset + t, i, s, e, u) for t, p, i, s, e, u in r.outages)
        offset += len(r.summary)
    keyed.sort()
    table = np.array(keyed, dtype=np.float64).reshape(-1, 6)
    task = table[:, 1].astype(np.int64)
    outages = pd.DataFrame(
        {
            "policy": pd.Series(np.array(names, dtype=object)[table[:, 0].astype(np.int64)]),
            "scenario": scenario_index[task].astype(np.int64),
            "replication": replication[task].astype(np.int64),
            "site_id": pd.Series(np.array(fleet.site_ids, dtype=object)[table[:, 2].astype(int)]),
            "start_h": table[:, 3],
            "grid_end_h": table[:, 4],
            "restored_h": table[:, 5],
            "weight": weight[task],
        }
    )
    keyed_below: list[tuple[int, int, int, float, float, str]] = []
    offset = 0
    for r in results:
        keyed_below.extend(
            (p, offset + t, h, th_s, floor, why) for t, p, h, th_s, floor, why in r.shortfalls
        )
        offset += len(r.summary)
    keyed_below.sort(key=lambda e: e[:3])
    task_below = np.array([e[1] for e in keyed_below], dtype=np.int64)
    hour = np.array([e[2] for e in keyed_below], dtype=np.int64)
    eh_s = np.array([e[3] for e in keyed_below], dtype=np.float64) / 1e6
    floor = np.array([e[4] for e in keyed_below], dtype=np.float64)
    shortfalls = pd.DataFrame(
        {
            "policy": pd.Series([names[e[0]] for e in keyed_below], dtype=object),
            "scenario": scenario_index[task_below].astype(np.int64),
            "replication": replication[task_below].astype(np.int64),
            "time": times[hour],
            "hashrate_eh_s": eh_s,
            "floor_eh_s": floor,
            "shortfall_eh_s": floor - eh_s,
            "reason": pd.Series([e[5] for e in keyed_below], dtype=object),
            "weight": weight[task_below],
        }
    )
    return Evaluation(
        policies=names,
        site_ids=fleet.site_ids,
        times=times,
        runs=runs,
        run_index=run_index,
        fleet_hashrate_th_s=paths,
        hashrate_bands=pd.concat(bands),
        outages=outages,
        weights=pd.Series(
            weights,
            index=pd.Index(indices, name="scenario"),
            name="weight",
        ),
        replications=replications,
        seed=job.seed,
        floor_shortfalls=shortfalls,
    )
