"""The report's chart sections: map, hashrate (central run and bands), profit (path, sites and
distribution) and the curtailment heat map.

Each section is a function from :class:`~planner.ops.report.inputs.ReportInputs` to HTML.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.engine.metrics import FLEET
from planner.ops.report.cells import empty_note
from planner.ops.report.format import escape, format_eh_s, format_usd, usd_tick_labels
from planner.ops.report.inputs import BASELINE_STRATEGY, FLEET_ROW, ReportInputs
from planner.ops.report.svg import (
    bar_chart_svg,
    fleet_cumulative_profit_usd,
    fleet_daily_hashrate_eh_s,
    line_chart_svg,
)
from planner.ops.report.svg_heatmap import heatmap_svg
from planner.ops.report.svg_map import site_map_svg
from planner.ops.report.svg_risk import band_chart_svg, box_plot_svg

_HOUR = pd.Timedelta(hours=1)


def _figure(chart: str, caption: str) -> str:
    return f"<figure>{chart}<figcaption>{escape(caption)}</figcaption></figure>"


def map_section(r: ReportInputs) -> str:
    """The sites on a map."""
    return _figure(
        site_map_svg(r.fleet),
        "Equirectangular projection of the sites' bounding box. Circle size grows with capacity "
        "(MW); colour is the cooling kind.",
    )


def hashrate_section(r: ReportInputs) -> str:
    """Daily mean fleet hashrate of each strategy's central run."""
    series = {s: fleet_daily_hashrate_eh_s(r.ledgers[s]) for s in r.strategies if s in r.ledgers}
    chart = line_chart_svg(
        series,
        title="Fleet hashrate by strategy",
        y_label="EH/s",
        colours=r.colours,
        value_format=format_eh_s,
    )
    return _figure(
        chart, "Daily mean of the fleet's hourly hashrate (summed over sites), per UTC day."
    )


def bands_section(r: ReportInputs) -> str:
    """Hourly fleet hashrate per strategy across the scenarios: median and P5-P95 band."""
    if r.evaluation is None:
        return empty_note("No Monte Carlo evaluation in this run.")
    bands = r.evaluation.hashrate_bands
    names = [s for s in r.evaluation.policies]
    frames = {s: bands.xs(s, level="policy") for s in names}
    colours = {s: r.colours.get(s, "#000000") for s in names}
    chart = band_chart_svg(frames, title="Fleet hashrate across scenarios", colours=colours)
    runs = len(r.evaluation.run_index)
    return _figure(
        chart,
        f"Hour by hour over {runs} run(s): the line is the weighted median of the fleet's "
        "hashrate, the band spans P5 to P95 [EH/s].",
    )


def profit_section(r: ReportInputs) -> str:
    """Cumulative fleet profit of each strategy's central run."""
    series = {s: fleet_cumulative_profit_usd(r.ledgers[s]) for s in r.strategies if s in r.ledgers}
    chart = line_chart_svg(
        series,
        title="Cumulative fleet profit by strategy",
        y_label="USD",
        colours=r.colours,
        y_tick_labels=usd_tick_labels,
        value_format=format_usd,
    )
    return _figure(
        chart,
        "Fleet profit (revenue − energy cost + credits) accumulated from the start of the "
        "horizon; what a strategy leaves behind after it is in the KPI table.",
    )


def distribution_section(r: ReportInputs) -> str:
    """Fleet profit over the runs, per strategy, as box plots."""
    if r.evaluation is None:
        return empty_note("No Monte Carlo evaluation in this run.")
    runs = r.evaluation.runs
    fleet = runs[runs["site_id"] == FLEET]
    samples = {
        s: (
            fleet.loc[fleet["policy"] == s, "profit_incl_after_horizon_usd"].to_numpy(dtype=float),
            fleet.loc[fleet["policy"] == s, "weight"].to_numpy(dtype=float),
        )
        for s in r.evaluation.policies
    }
    colours = {s: r.colours.get(s, "#000000") for s in samples}
    chart = box_plot_svg(
        samples, title="Fleet profit incl. after horizon, by strategy", colours=colours
    )
    return _figure(
        chart,
        "Fleet profit of each run at full value (dots: the horizon's profit less what the run "
        "leaves behind): the box spans P25-P75 with the median, whiskers reach P5 and P95, the "
        "diamond is the mean. Every strategy sees the same draws.",
    )


def site_profit_section(r: ReportInputs) -> str:
    """Profit per site of each strategy's central run, as bars."""
    per_site = r.kpis[r.kpis["site_id"] != FLEET_ROW]
    if per_site.empty:
        return empty_note("No per-site rows in the KPI table.")
    # pivot, not pivot_table: duplicates were rejected up front and must never be aggregated.
    table = per_site.pivot(
        index="site_id", columns="strategy", values="profit_incl_after_horizon_usd"
    )
    sites = [s for s in r.fleet.site_ids if s in table.index]
    sites += [s for s in table.index if s not in sites]
    table = table.reindex(index=sites, columns=[s for s in r.strategies if s in table.columns])
    chart = bar_chart_svg(
        table,
        title="Profit incl. after horizon, by site and strategy",
        x_label="Profit incl. after horizon (USD)",
        colours=r.colours,
    )
    return _figure(
        chart,
        "Profit per site over the horizon less what the site is left with after it (machines "
        "still out, freeze repairs, relocations).",
    )


def _block(times: pd.DatetimeIndex) -> tuple[str, str, str]:
    """Heat map column length (pandas frequency), label format and description for a horizon."""
    hours = len(times)
    if hours <= 72:
        return "h", "%d %H:%M", "hour"
    if hours <= 24 * 21:
        return "6h", "%b %d %H:%M", "6 hours"
    return "D", "%b %d", "UTC day"


def planned_curtailment(r: ReportInputs) -> tuple[pd.DataFrame, pd.DataFrame, str] | None:
    """Curtailed and available facility energy per site and period, and what it shows [MWh].

    From the plan's schedule (probability-weighted over the scenarios it was made on) when there
    is a plan, else from the featured strategy's central-run ledger. ``None`` when neither exists.
    """
    overhead = {s.id: s.overhead for s in r.fleet.sites}
    if r.plan is not None and not r.plan.schedule.empty:
        s = r.plan.schedule
        w = np.asarray(r.plan.weights)[s["scenario"].to_numpy()]
        factor = s["duration_h"].to_numpy() * s["site_id"].map(overhead).to_numpy() * w
        frame = pd.DataFrame(
            {
                "site_id": s["site_id"].to_numpy(),
                "time": pd.DatetimeIndex(s["time"]),
                "curtailed": s["curtailed_mw"].to_numpy() * factor,
                "available": s["available_mw"].to_numpy() * factor,
            }
        )
        what = "the optimizer's plan (expected over its scenarios)"
    else:
        name = r.featured or next(
            (s for s in r.strategies if s != BASELINE_STRATEGY and s in r.ledgers), None
        )
        if name is None or name not in r.ledgers:
            return None
        ledger = r.ledgers[name].reset_index()
        frame = pd.DataFrame(
            {
                "site_id": ledger["site_id"].to_numpy(),
                "time": pd.DatetimeIndex(ledger["time"]).tz_convert("UTC"),
                "curtailed": ledger["curtailed_mwh"].to_numpy(dtype=float),
                "available": (ledger["energy_mwh"] + ledger["curtailed_mwh"]).to_numpy(float),
            }
        )
        what = f"strategy {name} (central run)"
    grouped = frame.groupby(["site_id", "time"], sort=True)[["curtailed", "available"]].sum()
    curtailed = grouped["curtailed"].unstack("time")
    available = grouped["available"].unstack("time")
    sites = [s for s in r.fleet.site_ids if s in curtailed.index]
    return curtailed.reindex(sites), available.reindex(sites), what


def heatmap_section(r: ReportInputs) -> str:
    """Share of available energy curtailed, site by period."""
    data = planned_curtailment(r)
    if data is None:
        return empty_note("No curtailment schedule to show.")
    curtailed, available, what = data
    times = pd.DatetimeIndex(curtailed.columns)
    freq, fmt, label = _block(times)
    cur = curtailed.T.resample(freq).sum().T
    avail = available.T.resample(freq).sum().T
    share = cur / avail.where(avail > 1e-9)
    chart = heatmap_svg(
        share, title="Curtailment by site and period", amounts=cur, column_format=fmt
    )
    total = float(np.nansum(cur.to_numpy()))
    return _figure(
        chart,
        f"Share of each site's available facility energy curtailed per {label}, from {what}; "
        f"{total:,.0f} MWh in all. Grey: nothing available (outage, transit or no machines).",
    )
