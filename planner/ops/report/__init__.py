"""One self-contained HTML report comparing operating strategies across a fleet.

The page is a single file that works offline: inline CSS, charts as inline SVG rendered offline
from the app's own Vega-Lite specs (:mod:`planner.ops.charts`; no scripts, no external fonts or
images, no ``http`` reference at all). Each
section is one small function from :class:`ReportInputs` to an HTML string, listed in
``_SECTIONS``; :func:`render_report` puts them in order and :func:`write_report` writes the page
atomically; both take one :class:`ReportInputs`, checked when it is made::

    inputs = ReportInputs(fleet=fleet, kpis=kpis, ledgers=ledgers, title=title,
                          generated_at=datetime.now(UTC), evaluation=evaluation)
    write_report(path, inputs)

Every piece of text goes through :func:`html.escape`. Sections live in ``sections_tables`` and
``sections_charts`` and ``sections_summary`` (the executive summary, worded by
``summary_text``); ``format`` holds the text (escaping, numbers, money) and ``cells`` the small
HTML pieces
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
from planner.ops.report.format import format_eh_s, format_mwh, format_usd
from planner.ops.report.inputs import BASELINE_STRATEGY, ReportInputs
from planner.ops.report.page import render_report, write_report
from planner.ops.report.summary_text import SummaryText, summary_lines, summary_text

__all__ = [
    "BASELINE_STRATEGY",
    "KPI_COLUMNS",
    "ReportInputs",
    "SummaryText",
    "format_eh_s",
    "format_mwh",
    "format_usd",
    "render_report",
    "summary_lines",
    "summary_text",
    "write_report",
]
