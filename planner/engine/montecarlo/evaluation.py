"""The result of a Monte Carlo evaluation: its tables, arrays and the risk metrics over them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.engine import metrics

#: Columns of the per-run summaries, in order (units in the names; ``btc_mined`` in BTC).
SUMMARY_COLUMNS: tuple[str, ...] = (
    "profit_usd",
    "revenue_usd",
    "energy_cost_usd",
    "credits_usd",
    "energy_mwh",
    "curtailed_mwh",
    "btc_mined",
    "mean_hashrate_eh_s",
    "uptime_pct",
    "outage_hours",
    "freeze_events",
    "machines_out",
    "lost_margin_usd",
    "repair_usd",
    "transport_usd",
    "after_horizon_usd",
    "profit_incl_after_horizon_usd",
)

#: Columns of :attr:`Evaluation.floor_shortfalls`, in order.
SHORTFALL_KEYS: tuple[str, ...] = (
    "policy",
    "scenario",
    "replication",
    "time",
    "hashrate_eh_s",
    "floor_eh_s",
    "shortfall_eh_s",
    "reason",
    "weight",
)

#: Key columns of :attr:`Evaluation.runs`, in order.
RUN_KEYS: tuple[str, ...] = ("policy", "scenario", "replication", "site_id", "weight")


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Policies judged over scenarios and replications.

    Attributes
    ----------
    policies
        Policy names, in the order given.
    site_ids
        Site ids in fleet order (the tables add a ``fleet`` row per run).
    times
        Hourly interval starts of the horizon, UTC.
    runs
        One row per ``(policy, scenario, replication, site_id)``, ``fleet`` included: the keys
        :data:`RUN_KEYS` (``weight`` is the scenario's weight over the replications [-]) then
        :data:`SUMMARY_COLUMNS`. Money [USD], energy [MWh], ``btc_mined`` [BTC] (NaN when the
        scenarios carry no BTC price), ``mean_hashrate_eh_s`` [EH/s], ``uptime_pct`` mean running
        hashrate over nameplate [%], ``outage_hours`` hours inside the horizon from grid loss to
        full restart [h] (site-hours summed on the fleet row), ``freeze_events`` [-]; then what
        the run leaves behind (:attr:`planner.engine.simulation.SimResult.after_horizon`):
        ``machines_out`` at the horizon's end [-], ``lost_margin_usd``, ``repair_usd``,
        ``transport_usd``, their sum ``after_horizon_usd`` and the full value
        ``profit_incl_after_horizon_usd = profit_usd - after_horizon_usd`` [USD].
    run_index
        The runs of one policy in order: ``scenario``, ``replication``, ``weight``; row ``k`` is
        row ``k`` of :attr:`fleet_hashrate_th_s` for every policy.
    fleet_hashrate_th_s
        Hourly fleet hashrate, ``(policies, runs, hours)``, float32 [TH/s].
    hashrate_bands
        Index ``(policy, time)``; weighted ``p5_eh_s``, ``median_eh_s``, ``p95_eh_s`` and
        ``mean_eh_s`` of the fleet hashrate over the runs, hour by hour [EH/s].
    outages
        Outage records: ``policy``, ``scenario``, ``replication``, ``site_id``, ``start_h``
        (grid loss), ``grid_end_h`` (grid back), ``restored_h`` (every tier hashing again after
        the restart and cold starts), hours from the horizon start [h], and ``weight`` [-].
    weights
        Scenario weight by scenario index [-].
    replications
        Replications per scenario.
    seed
        The seed the failure streams came from (see
        :func:`~planner.engine.montecarlo.seeding.task_seed`).
    floor_shortfalls
        Hours in which a policy's fleet hashrate floor could not be kept (every available machine
        ran; :mod:`planner.engine.hashrate_floor`), one row per run and hour: ``policy``,
        ``scenario``, ``replication``, ``time``, ``hashrate_eh_s``, ``floor_eh_s``,
        ``shortfall_eh_s`` [EH/s], ``reason`` and ``weight`` [-]; columns
        :data:`SHORTFALL_KEYS`. Empty when no policy asks for a floor or every floor held.
    """

    policies: tuple[str, ...]
    site_ids: tuple[str, ...]
    times: pd.DatetimeIndex
    runs: pd.DataFrame
    run_index: pd.DataFrame
    fleet_hashrate_th_s: np.ndarray
    hashrate_bands: pd.DataFrame
    outages: pd.DataFrame
    weights: pd.Series
    replications: int
    seed: int
    floor_shortfalls: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(SHORTFALL_KEYS))
    )

    def metrics(self) -> pd.DataFrame:
        """Risk metrics per policy and site; see :func:`planner.engine.metrics.risk_table`."""
        return metrics.risk_table(self.runs)

    def hashrate_at_risk(self, floor_eh_s: float) -> pd.DataFrame:
        """Chance and share of hours the fleet falls below a floor; see
        :func:`planner.engine.metrics.hashrate_at_risk`.
        """
        return metrics.hashrate_at_risk(
            self.fleet_hashrate_th_s, self.run_index["weight"].to_numpy(), self.policies, floor_eh_s
        )

    def survival(self, durations_h: Sequence[float] | np.ndarray | None = None) -> pd.DataFrame:
        """Chance a site is back within ``d`` hours of an outage start; see
        :func:`planner.engine.metrics.survival_curves`.
        """
        return metrics.survival_curves(self.outages, self.policies, self.site_ids, durations_h)

    def equals(self, other: Evaluation) -> bool:
        """Whether two evaluations hold exactly the same numbers (NaN equal to NaN)."""
        return (
            self.policies == other.policies
            and self.site_ids == other.site_ids
            and self.replications == other.replications
            and self.seed == other.seed
            and self.times.equals(other.times)
            and self.runs.equals(other.runs)
            and self.run_index.equals(other.run_index)
            and np.array_equal(self.fleet_hashrate_th_s, other.fleet_hashrate_th_s)
            and self.hashrate_bands.equals(other.hashrate_bands)
            and self.outages.equals(other.outages)
            and self.weights.equals(other.weights)
            and self.floor_shortfalls.equals(other.floor_shortfalls)
        )
