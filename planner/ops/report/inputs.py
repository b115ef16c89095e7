"""What the report's sections draw on: :class:`ReportInputs`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import pandas as pd

from planner.domain.fleet import Fleet

if TYPE_CHECKING:
    from planner.engine.montecarlo import Evaluation
    from planner.engine.optimization import Plan
    from planner.ops.notify import RiskAlert
    from planner.world.feeds import Feeds

__all__ = ["BASELINE_STRATEGY", "FLEET_ROW", "ReportInputs"]

BASELINE_STRATEGY = "run-through"
"""The strategy the KPI deltas and ``hashrate_kept_pct`` are measured against."""
FLEET_ROW = "fleet"


@dataclass(frozen=True)
class ReportInputs:
    """Everything a section may draw on; see :func:`planner.ops.report.render_report`.

    Attributes
    ----------
    fleet, kpis, ledgers, title, generated_at, notes, risk
        As given to :func:`~planner.ops.report.render_report`.
    strategies
        Strategy names in display order.
    colours
        Strategy -> CSS colour.
    evaluation
        Monte Carlo evaluation (hashrate bands, profit distribution), or ``None``.
    plan
        The optimizer's plan (planned curtailment, relocations), or ``None``.
    feeds
        The feeds (alerts, outage reports, freshness), or ``None``.
    risk_alerts
        Notification thresholds the run crossed; ``None`` when none were checked.
    featured
        Strategy whose curtailment the heat map shows when there is no plan.
    """

    fleet: Fleet
    kpis: pd.DataFrame
    ledgers: Mapping[str, pd.DataFrame]
    title: str
    generated_at: datetime
    notes: Sequence[str]
    strategies: tuple[str, ...]
    colours: Mapping[str, str]
    risk: pd.DataFrame | None = None
    evaluation: Evaluation | None = None
    plan: Plan | None = None
    feeds: Feeds | None = None
    risk_alerts: Sequence[RiskAlert] | None = None
    featured: str | None = None
