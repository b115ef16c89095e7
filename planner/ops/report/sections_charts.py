"""The report's chart sections: map, hashrate (central run and bands), profit (path, sites and
distribution) and the curtailment heat map.

Each chart is the app's own spec (:mod:`planner.ops.charts`) rendered to inline SVG offline
(:func:`planner.ops.charts.chart_svg`); each section is a function from
:class:`~planner.ops.report.inputs.ReportInputs` to HTML.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from planner.ops import charts  # each chart module, with Altair, loaded on first use
from planner.ops.report.cells import empty_note
from planner.ops.report.format import escape
from planner.ops.report.inputs import BASELINE_STRATEGY, FLEET_ROW, ReportInputs
from planner.ops.summary import curtailment_frame

__all__ = [
    "bands_section",
    "distribution_section",
    "hashrate_section",
    "heatmap_section",
    "map_section",
    "profit_section",
    "site_profit_section",
]


def _figure(chart: Any, label: str, caption: str) -> str:
    svg = charts.chart_svg(chart, label=label)
    return f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>"


def _ledgers(r: ReportInputs) -> dict[str, pd.DataFrame]:
    return {s: r.ledgers[s] for s in r.strategies if s in r.ledgers}


def map_section(r: ReportInputs) -> str:
    """The sites on a map with state, province and country borders."""
    return _figure(
        charts.site_map(r.fleet),
        "Site map",
        "Equal-area projection around the sites, with state, province and country borders "
        "(Natural Earth, public domain). Circle area grows with capacity (MW); colour is the "
        "cooling kind.",
    )


def hashrate_section(r: ReportInputs) -> str:
    """Daily mean fleet hashrate of each strategy's central run."""
    ledgers = _ledgers(r)
    if not ledgers:
        return empty_note("No central runs in this report.")
    return _figure(
        charts.daily_hashrate_chart(charts.fleet_daily_hashrate(ledgers)),
        "Fleet hashrate by strategy",
        "Daily mean of the fleet's hourly hashrate (summed over sites), per UTC day.",
    )


def bands_section(r: ReportInputs) -> str:
    """Hourly fleet hashrate per strategy across the scenarios: median and P5-P95 band."""
    if r.evaluation is None:
        return empty_note("No Monte Carlo evaluation in this run.")
    runs = len(r.evaluation.run_index)
    return _figure(
        charts.hashrate_bands_chart(charts.band_frame(r.evaluation)),
        "Fleet hashrate across scenarios",
        f"Hour by hour over {runs} run(s), one panel per strategy: the line is the weighted "
        "median of the fleet's hashrate, the band spans P5 to P95 [EH/s].",
    )


def profit_section(r: ReportInputs) -> str:
    """Cumulative fleet profit of each strategy's central run."""
    ledgers = _ledgers(r)
    if not ledgers:
        return empty_note("No central runs in this report.")
    return _figure(
        charts.cumulative_profit_chart(charts.fleet_cumulative_profit(ledgers)),
        "Cumulative fleet profit by strategy",
        "Fleet profit (revenue − energy cost + credits) accumulated from the start of the "
        "horizon; what a strategy leaves behind after it is in the KPI table.",
    )


def distribution_section(r: ReportInputs) -> str:
    """Fleet profit over the runs, per strategy."""
    if r.evaluation is None:
        return empty_note("No Monte Carlo evaluation in this run.")
    return _figure(
        charts.profit_distribution_chart(charts.run_profits(r.evaluation)),
        "Fleet profit incl. after horizon, by strategy",
        "Fleet profit of each run at full value (dots: the horizon's profit less what the run "
        "leaves behind): the box spans the quartiles, the whiskers the lowest and highest run. "
        "Every strategy sees the same draws.",
    )


def site_profit_section(r: ReportInputs) -> str:
    """Profit per site of each strategy's central run, as bars."""
    per_site = r.kpis[r.kpis["site_id"] != FLEET_ROW]
    if per_site.empty:
        return empty_note("No per-site rows in the KPI table.")
    frame = pd.DataFrame(
        {
            "site_id": per_site["site_id"].to_numpy(),
            "strategy": per_site["strategy"].to_numpy(),
            "profit_usd": per_site["profit_incl_after_horizon_usd"].to_numpy(dtype=float),
        }
    )
    order = {s: k for k, s in enumerate(r.strategies)}
    frame = frame.sort_values("strategy", key=lambda s: s.map(order), kind="stable")
    sites = [s for s in r.fleet.site_ids if s in set(frame["site_id"])]
    sites += [s for s in dict.fromkeys(frame["site_id"]) if s not in sites]
    return _figure(
        charts.site_profit_chart(frame, sites),
        "Profit incl. after horizon, by site and strategy",
        "Profit per site over the horizon less what the site is left with after it (machines "
        "still out, freeze repairs, relocations).",
    )


def heatmap_section(r: ReportInputs) -> str:
    """Share of available energy curtailed, site by period."""
    if r.plan is not None and not r.plan.schedule.empty:
        name, what = "optimized", "the optimizer's plan (expected over its scenarios)"
    else:
        name = r.featured or next(
            (s for s in r.strategies if s != BASELINE_STRATEGY and s in r.ledgers), ""
        )
        what = f"strategy {name} (central run)"
    data = curtailment_frame(r.fleet, name, plan=r.plan, ledgers=r.ledgers) if name else None
    if data is None or data.empty:
        return empty_note("No curtailment schedule to show.")
    sites = [s for s in r.fleet.site_ids if s in set(data["site_id"])]
    blocks, label = charts.curtailment_blocks(data, sites)
    total = float(np.nansum(blocks["curtailed_mwh"].to_numpy()))
    return _figure(
        charts.curtailment_heatmap_chart(blocks, sites),
        "Curtailment by site and period",
        f"Share of each site's available facility energy curtailed per {label}, from {what}; "
        f"{total:,.0f} MWh in all. Grey: nothing available (outage, transit or no machines).",
    )
