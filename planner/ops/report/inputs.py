"""What a report is made from: :class:`ReportInputs`, checked once and given to every section."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import pandas as pd

from planner.domain.fleet import Fleet
from planner.engine.metrics import KPI_COLUMNS, best_strategy
from planner.ops.charts.theme import strategy_colour
from planner.ops.summary import DEFAULT_CURRENT_RULE, Summary, summarise

if TYPE_CHECKING:
    from planner.engine.concentration import Concentration
    from planner.engine.montecarlo import Evaluation
    from planner.engine.optimization import Plan
    from planner.ops.notify import RiskAlert
    from planner.world.feeds import Feeds

__all__ = ["BASELINE_STRATEGY", "FLEET_ROW", "LEDGER_COLUMNS", "ReportInputs"]

BASELINE_STRATEGY = "run-through"
"""The strategy the KPI deltas and ``hashrate_kept_pct`` are measured against."""
FLEET_ROW = "fleet"
"""The ``site_id`` of the fleet-total rows of the KPI table."""
LEDGER_COLUMNS = ("hashrate_th_s", "profit_usd")
"""Columns every ledger must have."""


@dataclass(frozen=True)
class ReportInputs:
    """Everything a report draws on, checked when made.

    Make one with the keywords below and hand it to :func:`~planner.ops.report.render_report` or
    :func:`~planner.ops.report.write_report`; every section reads it.

    Attributes
    ----------
    fleet
        The fleet the ledgers describe.
    kpis
        One row per ``(strategy, site_id)`` and one per strategy with ``site_id == "fleet"``;
        columns :data:`~planner.engine.metrics.KPI_COLUMNS` (money [USD], energy [MWh],
        hashrate [EH/s], shares [%]).
    ledgers
        Strategy -> hourly ledger: index ``(site_id, time)`` (time tz-aware, interval start) with
        float columns ``hashrate_th_s`` [TH/s] and ``profit_usd`` [USD per interval], among
        others. Strategies are shown, and coloured, in this mapping's order, then any found only
        in ``kpis`` or the evaluation.
    title
        Page title.
    generated_at
        When the report was made; tz-aware, shown in UTC.
    notes
        Lines listed under the title (``offline synthetic feeds, seed 7``).
    risk
        Monte Carlo risk table (:func:`planner.engine.metrics.risk_table`), shown when given;
        optional ``hashrate_kept_pct`` [%] and ``hashrate_at_risk_probability`` [-] columns are
        shown too.
    evaluation
        The Monte Carlo evaluation: hashrate bands (:attr:`~planner.Evaluation.hashrate_bands`)
        and the fleet profit of every run (:attr:`~planner.Evaluation.runs`).
    plan
        The optimizer's plan: its expected curtailment (heat map) and relocations.
    feeds
        The feeds: weather alerts, outage reports and per-feed freshness.
    risk_alerts
        Notification thresholds crossed (:func:`planner.ops.notify.risk_alerts`); ``None`` when
        none were checked.
    actions
        The plan's action schedule (:func:`planner.ops.actions.action_schedule`), shown when
        given.
    concentration
        Concentration risk (:func:`planner.engine.concentration.concentration_risk`), shown when
        given.
    action_files
        Label -> relative link of the action schedule's files next to the report
        (``{"CSV": "actions.csv", "iCalendar": "actions.ics"}``); the action section links them.
    featured
        Strategy whose central-run curtailment the heat map shows when there is no plan (default
        the first strategy other than the baseline).
    current_rule
        The rule the operator runs today, which the summary measures the recommendation
        against; ``None``: ``strike`` when it was judged, else the first strategy.
    alert_rules
        The job's alert thresholds in words, with this run's values
        (:func:`planner.ops.notify.explain_thresholds`); the summary lists them.
    strategies
        Derived: strategy names in display order.
    colours
        Derived: strategy -> CSS colour (each strategy's fixed colour,
        :func:`planner.ops.charts.theme.strategy_colour`).
    best
        Derived: the best strategy at full value (:func:`planner.engine.metrics.best_strategy`)
        when there is a risk table, else ``None``.
    summary
        Derived: the executive summary (:func:`planner.ops.summary.executive_summary`) when
        there are a risk table and an evaluation, else ``None``.

    Raises
    ------
    ValueError
        Missing KPI or ledger columns, duplicate KPI rows, a ledger index other than
        ``(site_id, time)`` with tz-aware times, or a naive ``generated_at``.
    """

    fleet: Fleet
    kpis: pd.DataFrame
    ledgers: Mapping[str, pd.DataFrame]
    title: str
    generated_at: datetime
    notes: Sequence[str] = ()
    risk: pd.DataFrame | None = None
    evaluation: Evaluation | None = None
    plan: Plan | None = None
    feeds: Feeds | None = None
    risk_alerts: Sequence[RiskAlert] | None = None
    featured: str | None = None
    current_rule: str | None = None
    alert_rules: Sequence[str] = ()
    actions: pd.DataFrame | None = None
    concentration: Concentration | None = None
    action_files: Mapping[str, str] | None = None
    strategies: tuple[str, ...] = field(init=False)
    colours: Mapping[str, str] = field(init=False)
    best: str | None = field(init=False)
    summary: Summary | None = field(init=False)

    def __post_init__(self) -> None:
        _check(self.kpis, self.ledgers, self.generated_at)
        extra = self.evaluation.policies if self.evaluation is not None else ()
        strategies = tuple(
            dict.fromkeys(
                [*map(str, self.ledgers), *map(str, self.kpis["strategy"]), *map(str, extra)]
            )
        )
        object.__setattr__(self, "notes", tuple(self.notes))
        if self.risk_alerts is not None:
            object.__setattr__(self, "risk_alerts", tuple(self.risk_alerts))
        object.__setattr__(self, "alert_rules", tuple(self.alert_rules))
        object.__setattr__(self, "strategies", strategies)
        object.__setattr__(self, "colours", {s: strategy_colour(s) for s in strategies})
        has_risk = self.risk is not None and (self.risk["site_id"] == FLEET_ROW).any()
        object.__setattr__(self, "best", best_strategy(self.risk) if has_risk else None)
        object.__setattr__(self, "summary", self._summary() if has_risk else None)

    def _summary(self) -> Summary | None:
        if self.risk is None or self.evaluation is None:
            return None
        judged = set(self.risk.loc[self.risk["site_id"] == FLEET_ROW, "policy"])
        rule = next(
            (r for r in (self.current_rule, DEFAULT_CURRENT_RULE) if r is not None and r in judged),
            next(s for s in self.strategies if s in judged),
        )
        times = self.evaluation.hashrate_bands.index.get_level_values("time")
        return summarise(
            self.fleet,
            self.risk,
            rule,
            runs=len(self.evaluation.run_index),
            plan=self.plan,
            ledgers=self.ledgers,
            start=pd.Timestamp(times.min()) if len(times) else None,
        )


def _check(kpis: pd.DataFrame, ledgers: Mapping[str, pd.DataFrame], generated_at: datetime) -> None:
    if generated_at.utcoffset() is None:
        raise ValueError("generated_at must be timezone-aware")
    missing = [c for c in KPI_COLUMNS if c not in kpis.columns]
    if missing:
        raise ValueError(f"kpis: missing columns {', '.join(missing)}")
    duplicated = kpis[kpis.duplicated(["strategy", "site_id"])]
    if len(duplicated):
        pairs = ", ".join(
            f"{a}/{b}" for a, b in zip(duplicated.strategy, duplicated.site_id, strict=True)
        )
        raise ValueError(f"kpis: more than one row for (strategy, site_id) {pairs}")
    for name, ledger in ledgers.items():
        where = f"ledgers[{name!r}]"
        if list(ledger.index.names) != ["site_id", "time"]:
            raise ValueError(f"{where}: index must be (site_id, time), got {ledger.index.names}")
        missing = [c for c in LEDGER_COLUMNS if c not in ledger.columns]
        if missing:
            raise ValueError(f"{where}: missing columns {', '.join(missing)}")
        times = ledger.index.get_level_values("time")
        if not isinstance(times, pd.DatetimeIndex) or times.tz is None:
            raise ValueError(f"{where}: the time level must hold tz-aware datetimes (UTC)")
