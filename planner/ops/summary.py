"""The executive summary: which strategy to run, what it is worth against the operator's current
rule, the bad case in words and the next actions.

:func:`executive_summary` is a pure function of a risk table (the strategies judged together on
the same scenarios), the current rule's name and, for the next actions, the recommended
strategy's curtailment (:func:`curtailment_frame`) and the plan's relocations. Every surface
renders the one :class:`Summary` it returns, in the words of
:func:`planner.ops.report.summary_lines`: the report's first section, the app's first block and
the job's notification text.

"Best" is :func:`planner.engine.metrics.best_strategy`: the highest expected fleet profit at
full value (the horizon's profit less what the strategy leaves behind after it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.domain.fleet import Fleet
from planner.engine.compare import is_plan_strategy
from planner.engine.metrics import FLEET, HEADLINE, best_strategy
from planner.engine.optimization.plan import Plan
from planner.errors import ConfigError

__all__ = [
    "CURRENT_RULES",
    "DEFAULT_CURRENT_RULE",
    "MAX_ACTIONS",
    "NextAction",
    "Summary",
    "curtailment_frame",
    "executive_summary",
    "next_actions",
    "summarise",
]

#: The operator's current rule by default: the strike-price rule at each tier's breakeven.
DEFAULT_CURRENT_RULE = "strike"
#: Current rules offered by the surfaces (``strike@X`` is a strike of X USD/MWh).
CURRENT_RULES: tuple[str, ...] = ("run-through", "strike", "strike+protective")
#: Most next actions listed.
MAX_ACTIONS = 3
#: A curtailment is an action when it holds off at least this much facility load [MW] and
#: this share of what is available [-].
MIN_ACTION_MW, MIN_ACTION_SHARE = 1.0, 0.1


@dataclass(frozen=True)
class NextAction:
    """One thing to do: curtail a site for a while (then restore it) or ship machines.

    Attributes
    ----------
    kind
        ``curtail`` or ``relocate``.
    site_id
        The site acted on (a relocation: the site the machines leave).
    start, end
        When, tz-aware UTC (``end``: when to restore, or when shipped machines arrive).
    megawatts
        Facility load held off at the block's peak [MW] (a relocation: the machines' IT load).
    text
        The action in words, with site-local and UTC times.
    """

    kind: str
    site_id: str
    start: pd.Timestamp
    end: pd.Timestamp
    megawatts: float
    text: str


@dataclass(frozen=True)
class Summary:
    """What a CFO reads first (:func:`executive_summary`).

    Attributes
    ----------
    recommended, current_rule
        The best strategy at full value and the rule it is measured against.
    runs
        Judged scenarios (runs) behind the figures [-].
    expected_profit_usd, current_expected_profit_usd
        Expected fleet profit at full value of each [USD].
    profit_delta_usd
        Recommended minus current rule [USD].
    hashrate_eh_s, hashrate_delta_eh_s
        The recommended strategy's mean fleet hashrate and its difference to the rule's [EH/s].
    bad_case_usd, current_bad_case_usd
        The 1-in-20 bad case: P5 of fleet profit at full value of each [USD].
    after_horizon_avoided_usd
        What the current rule leaves behind after the horizon less what the recommended
        strategy does [USD] (positive: losses avoided).
    actions
        The next actions, earliest first (at most :data:`MAX_ACTIONS`).
    """

    recommended: str
    current_rule: str
    runs: int
    expected_profit_usd: float
    current_expected_profit_usd: float
    profit_delta_usd: float
    hashrate_eh_s: float
    hashrate_delta_eh_s: float
    bad_case_usd: float
    current_bad_case_usd: float
    after_horizon_avoided_usd: float
    actions: tuple[NextAction, ...]


def _fleet_row(risk: pd.DataFrame, name: str) -> pd.Series:
    rows = risk[(risk["site_id"] == FLEET) & (risk["policy"] == name)]
    if rows.empty:
        allowed = ", ".join(map(str, risk.loc[risk["site_id"] == FLEET, "policy"]))
        raise ConfigError("current_rule", f"{name!r} was not judged; judged: {allowed}")
    return rows.iloc[0]


def curtailment_frame(
    fleet: Fleet,
    strategy: str,
    *,
    plan: Plan | None = None,
    ledgers: Mapping[str, pd.DataFrame] | None = None,
) -> pd.DataFrame | None:
    """The strategy's facility curtailment per site and hour [MW]: columns ``site_id``, ``time``
    (tz-aware UTC, interval start), ``curtailed_mw`` and ``available_mw``.

    A plan strategy (``optimized...``) reads the plan's schedule, probability-weighted over its
    scenarios (IT load times the site's overhead); any other strategy its central-run ledger
    (``curtailed_mwh`` and ``energy_mwh`` per hour). ``None`` when neither is at hand.

    Parameters
    ----------
    fleet
        The fleet (site overheads).
    strategy
        The strategy whose curtailment is wanted.
    plan
        The optimizer's plan (plan strategies).
    ledgers
        Strategy -> central-run ledger (the others).
    """
    overhead = {s.id: s.overhead for s in fleet.sites}
    if is_plan_strategy(strategy) and plan is not None and not plan.schedule.empty:
        s = plan.schedule
        w = np.asarray(plan.weights, dtype=float)[s["scenario"].to_numpy()]
        factor = w * s["site_id"].map(overhead).to_numpy(dtype=float)
        frame = pd.DataFrame(
            {
                "site_id": s["site_id"].to_numpy(),
                "time": pd.DatetimeIndex(s["time"]).tz_convert("UTC"),
                "curtailed_mw": s["curtailed_mw"].to_numpy(dtype=float) * factor,
                "available_mw": s["available_mw"].to_numpy(dtype=float) * factor,
            }
        )
    elif ledgers is not None and strategy in ledgers:
        ledger = ledgers[strategy].reset_index()
        times = pd.DatetimeIndex(ledger["time"]).tz_convert("UTC")
        hours = _interval_hours(times)
        curtailed = ledger["curtailed_mwh"].to_numpy(dtype=float)
        energy = ledger["energy_mwh"].to_numpy(dtype=float)
        frame = pd.DataFrame(
            {
                "site_id": ledger["site_id"].to_numpy(),
                "time": times,
                "curtailed_mw": curtailed / hours,
                "available_mw": (curtailed + energy) / hours,
            }
        )
    else:
        return None
    return frame.groupby(["site_id", "time"], sort=True).sum().reset_index()


def _interval_hours(times: pd.DatetimeIndex) -> float:
    unique = pd.DatetimeIndex(times.unique()).sort_values()
    if len(unique) < 2:
        return 1.0
    return float((unique[1:] - unique[:-1]).min() / pd.Timedelta(hours=1))


def _when(fleet: Fleet, site_id: str, start: pd.Timestamp, end: pd.Timestamp) -> str:
    """``Thu 16 Jan 08:00–11:00 CST (14:00–17:00 UTC)``: site-local time, then UTC."""
    zone = next((s.timezone for s in fleet.sites if s.id == site_id), "UTC")
    local_start, local_end = start.tz_convert(zone), end.tz_convert(zone)
    local_end_format = "%H:%M" if local_start.date() == local_end.date() else "%a %d %b %H:%M"
    utc_end_format = "%H:%M" if start.date() == end.date() else "%d %b %H:%M"
    return (
        f"{local_start:%a %d %b %H:%M}–{local_end.strftime(local_end_format)} {local_start:%Z} "
        f"({start:%d %b %H:%M}–{end.strftime(utc_end_format)} UTC)"
    )


def next_actions(
    fleet: Fleet,
    curtailment: pd.DataFrame | None,
    relocations: pd.DataFrame | None = None,
    *,
    start: pd.Timestamp | None = None,
    limit: int = MAX_ACTIONS,
) -> tuple[NextAction, ...]:
    """The earliest actions: blocks of curtailment per site (then restore) and shipments.

    A curtailment block is a run of consecutive intervals in which a site holds off at least
    :data:`MIN_ACTION_MW` and :data:`MIN_ACTION_SHARE` of its available facility load; its
    size is the block's peak [MW]. A shipment leaves at ``start + depart_h``.

    Parameters
    ----------
    fleet
        The fleet (site names and time zones).
    curtailment
        :func:`curtailment_frame`, or ``None``.
    relocations
        :attr:`planner.Plan.relocations` (``from_site``, ``to_site``, ``model_id``,
        ``machines``, ``depart_h``, ``arrive_h``), or ``None``.
    start
        The horizon's first hour (UTC); default the curtailment's first time.
    limit
        Most actions returned.
    """
    actions: list[NextAction] = []
    names = {s.id: s.name for s in fleet.sites}
    if curtailment is not None and not curtailment.empty:
        for site_id, rows in curtailment.groupby("site_id", sort=False):
            times = pd.DatetimeIndex(rows["time"])
            step = pd.Timedelta(hours=_interval_hours(times))
            cut = rows["curtailed_mw"].to_numpy(dtype=float)
            avail = rows["available_mw"].to_numpy(dtype=float)
            on = (cut >= MIN_ACTION_MW) & (cut >= MIN_ACTION_SHARE * np.maximum(avail, 1e-12))
            k = 0
            while k < len(on):
                if not on[k]:
                    k += 1
                    continue
                j = k
                while j + 1 < len(on) and on[j + 1] and times[j + 1] - times[j] == step:
                    j += 1
                first, last = times[k], times[j] + step
                peak = float(cut[k : j + 1].max())
                text = (
                    f"Curtail {peak:,.0f} MW at {names.get(str(site_id), site_id)} "
                    f"{_when(fleet, str(site_id), first, last)}, then restore"
                )
                actions.append(NextAction("curtail", str(site_id), first, last, peak, text))
                k = j + 1
        if start is None:
            start = pd.Timestamp(curtailment["time"].min())
    if relocations is not None and not relocations.empty and start is not None:
        for r in relocations.itertuples(index=False):
            leave = start + pd.Timedelta(hours=float(r.depart_h))
            arrive = start + pd.Timedelta(hours=float(r.arrive_h))
            model = fleet.models.get(str(r.model_id))
            mw = float(r.machines) * (model.power_w / 1e6 if model is not None else 0.0)
            text = (
                f"Ship {float(r.machines):,.0f} {r.model_id} from "
                f"{names.get(str(r.from_site), r.from_site)} to "
                f"{names.get(str(r.to_site), r.to_site)}, leaving "
                f"{_when(fleet, str(r.from_site), leave, arrive)}"
            )
            actions.append(NextAction("relocate", str(r.from_site), leave, arrive, mw, text))
    actions.sort(key=lambda a: (a.start, a.kind, a.site_id))
    return tuple(actions[:limit])


def executive_summary(
    risk: pd.DataFrame,
    current_rule: str = DEFAULT_CURRENT_RULE,
    *,
    runs: int,
    actions: tuple[NextAction, ...] = (),
) -> Summary:
    """The recommendation against the current rule, from strategies judged together.

    Parameters
    ----------
    risk
        Risk table (:func:`planner.engine.metrics.risk_table`) of the strategies, judged on the
        same scenarios, with their fleet rows.
    current_rule
        The strategy the operator runs today, among those judged (``run-through``, ``strike``,
        ``strike@80``, ``strike+protective``...).
    runs
        Judged runs behind the table [-].
    actions
        The recommended strategy's next actions (:func:`next_actions`).

    Returns
    -------
    Summary

    Raises
    ------
    ConfigError
        ``current_rule`` was not judged (the message lists those that were).
    """
    current = _fleet_row(risk, current_rule)
    recommended = best_strategy(risk)
    best = _fleet_row(risk, recommended)
    return Summary(
        recommended=recommended,
        current_rule=current_rule,
        runs=int(runs),
        expected_profit_usd=float(best[HEADLINE]),
        current_expected_profit_usd=float(current[HEADLINE]),
        profit_delta_usd=float(best[HEADLINE] - current[HEADLINE]),
        hashrate_eh_s=float(best["mean_hashrate_eh_s"]),
        hashrate_delta_eh_s=float(best["mean_hashrate_eh_s"] - current["mean_hashrate_eh_s"]),
        bad_case_usd=float(best["p5_profit_incl_after_horizon_usd"]),
        current_bad_case_usd=float(current["p5_profit_incl_after_horizon_usd"]),
        after_horizon_avoided_usd=float(
            current["expected_after_horizon_usd"] - best["expected_after_horizon_usd"]
        ),
        actions=actions,
    )


def summarise(
    fleet: Fleet,
    risk: pd.DataFrame,
    current_rule: str = DEFAULT_CURRENT_RULE,
    *,
    runs: int,
    plan: Plan | None = None,
    ledgers: Mapping[str, pd.DataFrame] | None = None,
    start: pd.Timestamp | None = None,
) -> Summary:
    """:func:`executive_summary` with the recommended strategy's next actions: its curtailment
    (:func:`curtailment_frame`) and, when it follows the plan, the plan's relocations.

    Parameters
    ----------
    fleet
        The fleet.
    risk, current_rule, runs
        See :func:`executive_summary`.
    plan, ledgers
        The optimizer's plan and the central-run ledgers, where the actions come from.
    start
        The horizon's first hour (UTC), from which shipments leave.

    Raises
    ------
    ConfigError
        ``current_rule`` was not judged.
    """
    recommended = best_strategy(risk)
    curtailment = curtailment_frame(fleet, recommended, plan=plan, ledgers=ledgers)
    moves = plan.relocations if plan is not None and is_plan_strategy(recommended) else None
    actions = next_actions(fleet, curtailment, moves, start=start)
    return executive_summary(risk, current_rule, runs=runs, actions=actions)
