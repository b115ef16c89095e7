"""One self-contained HTML report comparing operating strategies across a fleet.

The page is a single file that works offline: inline CSS, charts drawn here as inline SVG (no
plotting library, no scripts, no external fonts or images, no ``http`` reference at all). Each
section is one small function from :class:`ReportInputs` to an HTML string, listed in
``_SECTIONS``; :func:`render_report` puts them in order and :func:`write_report` writes the page
atomically; both take one :class:`ReportInputs`, checked when it is made::

    inputs = ReportInputs(fleet=fleet, kpis=kpis, ledgers=ledgers, title=title,
                          generated_at=datetime.now(UTC), evaluation=evaluation)
    write_report(path, inputs)

Every piece of text goes through :func:`html.escape`. Sections live in ``sections_tables`` and
``sections_charts``; the charts they draw in ``svg`` (line, bar), ``svg_map`` (the site map,
and a map of one value per site for the app), ``svg_risk`` (hashrate bands, profit box plots)
and ``svg_heatmap``, all drawn with the pieces of ``canvas`` (colours, plot area, legend);
``format`` holds the text (escaping, numbers, money, ticks) and ``cells`` the small HTML pieces
(table cells, tables, the note of an empty section).

Inputs
------
ledgers
    Strategy name -> hourly ledger: index ``(site_id, time)`` (time tz-aware, interval start) with
    float columns ``hashrate_th_s`` [TH/s] and ``profit_usd`` [USD per interval], among others
    (``running_mw``, ``energy_mwh``, ``curtailed_mwh``, ``revenue_usd``...). Ledgers are assumed
    complete: every site has a row for every interval.
kpis
    One row per ``(strategy, site_id)`` plus rows with ``site_id == "fleet"`` for totals, with the
    columns in :data:`KPI_COLUMNS`.
"""

from planner.engine.metrics import KPI_COLUMNS
from planner.ops.report.format import format_eh_s, format_mwh, format_usd, nice_ticks
from planner.ops.report.inputs import BASELINE_STRATEGY, ReportInputs
from planner.ops.report.page import render_report, write_report
from planner.ops.report.summary_text import SummaryText, summary_lines, summary_text
from planner.ops.report.svg import (
    bar_chart_svg,
    fleet_cumulative_profit_usd,
    fleet_daily_hashrate_eh_s,
    line_chart_svg,
)
from planner.ops.report.svg_heatmap import heatmap_svg
from planner.ops.report.svg_map import site_map_svg, site_value_map_svg
from planner.ops.report.svg_risk import band_chart_svg, box_plot_svg

__all__ = [
    "BASELINE_STRATEGY",
    "KPI_COLUMNS",
    "ReportInputs",
    "SummaryText",
    "band_chart_svg",
    "bar_chart_svg",
    "box_plot_svg",
    "fleet_cumulative_profit_usd",
    "fleet_daily_hashrate_eh_s",
    "format_eh_s",
    "format_mwh",
    "format_usd",
    "heatmap_svg",
    "line_chart_svg",
    "nice_ticks",
    "render_report",
    "site_map_svg",
    "site_value_map_svg",
    "summary_lines",
    "summary_text",
    "write_report",
]
