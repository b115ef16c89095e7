"""The report page: its sections in order, styles, rendering and atomic writing."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import UTC
from pathlib import Path

import pandas as pd

from planner.ops.atomic import atomic_write_text
from planner.ops.report import sections_charts as charts
from planner.ops.report import sections_ops as ops
from planner.ops.report import sections_tables as tables
from planner.ops.report.format import MISSING, escape
from planner.ops.report.inputs import ReportInputs
from planner.ops.report.sections_summary import summary_section

__all__ = ["render_report", "write_report"]


def _step(times: pd.DatetimeIndex) -> pd.Timedelta:
    """The ledger's interval: the smallest gap between times, 1 h for a single time."""
    gaps = times.sort_values().to_series().diff().dropna()
    return pd.Timedelta(gaps.min()) if len(gaps) else pd.Timedelta(hours=1)


def _horizon(ledgers: Mapping[str, pd.DataFrame]) -> str:
    times = [
        pd.DatetimeIndex(ledger.index.get_level_values("time")).tz_convert("UTC")
        for ledger in ledgers.values()
        if len(ledger)
    ]
    if not times:
        return ""
    start = min(t.min() for t in times)
    end = max(t.max() for t in times) + min(_step(t.unique()) for t in times)
    hours = (end - start) / pd.Timedelta(hours=1)
    days = hours / 24
    length = f"{days:g} day{'s' if days != 1 else ''}" if hours % 24 == 0 else f"{hours:g} h"
    return f"Horizon {start:%Y-%m-%d %H:%M} → {end:%Y-%m-%d %H:%M} UTC ({length})"


def _header(r: ReportInputs) -> str:
    stamp = r.generated_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    facts = [
        f"Fleet: {r.fleet.name}",
        f"{len(r.fleet.sites)} sites",
        f"strategies: {', '.join(r.strategies) or MISSING}",
    ]
    lines = [" · ".join(facts), _horizon(r.ledgers), f"Generated {stamp}"]
    meta = "".join(f'<p class="meta">{escape(line)}</p>' for line in lines if line)
    notes = "".join(f"<li>{escape(n)}</li>" for n in r.notes)
    notes_html = f'<ul class="notes">{notes}</ul>' if notes else ""
    toc = "".join(f'<a href="#{sid}">{escape(heading)}</a>' for sid, heading, _ in _SECTIONS)
    return (
        f'<header><h1>{escape(r.title)}</h1>{meta}{notes_html}<nav class="toc">{toc}</nav></header>'
    )


_SECTIONS: tuple[tuple[str, str, Callable[[ReportInputs], str]], ...] = (
    ("summary", "Summary", summary_section),
    ("kpis", "Fleet KPIs by strategy", tables.kpi_section),
    ("risk", "Risk across scenarios", tables.risk_section),
    ("full-value", "Strategies at full value", tables.full_value_section),
    ("alerts", "Alerts", tables.alerts_section),
    ("feeds", "Feed freshness", tables.feeds_section),
    ("bands", "Hashrate across scenarios", charts.bands_section),
    ("distribution", "Profit distribution", charts.distribution_section),
    ("heatmap", "Curtailment heat map", charts.heatmap_section),
    ("actions", "Action schedule by site", ops.actions_section),
    ("relocations", "Relocations", tables.relocations_section),
    ("concentration", "Concentration risk", ops.concentration_section),
    ("sites", "Sites", tables.sites_section),
    ("map", "Site map", charts.map_section),
    ("hashrate", "Fleet hashrate", charts.hashrate_section),
    ("profit", "Cumulative profit", charts.profit_section),
    ("site-profit", "Profit by site", charts.site_profit_section),
)
"""``(anchor id, heading, section function)`` in page order; add new sections here."""

_CSS = """
:root { --fg: #1f2933; --muted: #52606d; --line: #d9e2ec; --zebra: #f5f7fa; --head: #eaeff4; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    "Noto Sans", sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 32px 24px 64px; }
h1 { font-size: 1.8rem; margin: 0 0 6px; }
h2 { font-size: 1.25rem; margin: 40px 0 12px; padding-bottom: 6px;
  border-bottom: 1px solid var(--line); }
.meta { color: var(--muted); margin: 2px 0; }
.notes { margin: 10px 0; padding-left: 20px; color: var(--muted); }
.toc { display: flex; flex-wrap: wrap; gap: 6px 18px; margin-top: 14px; font-size: .9rem; }
.toc a { color: #005a8c; text-decoration: none; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .88rem; }
th, td { padding: 6px 8px; text-align: left; border-bottom: 1px solid var(--line);
  overflow-wrap: anywhere; }
td.num { white-space: nowrap; }
thead th { background: var(--head); font-weight: 600; white-space: normal;
  vertical-align: bottom; }
tbody th { font-weight: 500; }
tbody tr:nth-child(even) { background: var(--zebra); }
tfoot th, tfoot td { font-weight: 600; border-top: 2px solid var(--line); }
.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.best, tbody tr.best:nth-child(even) { background: #e3f1fa; }
tr.best th, tr.best td { font-weight: 650; }
.badge { display: inline-block; margin-left: 6px; padding: 0 6px; border-radius: 8px;
  background: #0072B2; color: #fff; font-size: .72rem; font-weight: 600; vertical-align: 1px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px;
  margin-right: 8px; }
.pos { color: #005a8c; } .neg { color: #a33d00; } .muted { color: var(--muted); }
.caption, figcaption { color: var(--muted); font-size: .85rem; margin: 6px 0 0; }
figure { margin: 0; }
svg.chart { display: block; width: 100%; height: auto; }
.empty { color: var(--muted); font-style: italic; }
.status { font-weight: 600; font-size: .8rem; }
.ok { color: #00734d; } .warn { color: #a35f00; } .bad { color: #b3261e; }
ul.alerts { color: #b3261e; margin: 6px 0 12px; padding-left: 20px; }
#alerts .table-wrap { margin-bottom: 8px; }
.headline { font-size: 1.2rem; font-weight: 650; margin: 4px 0 12px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px;
  margin: 0 0 12px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; }
.card-label { color: var(--muted); font-size: .8rem; }
.card-value { font-size: 1.1rem; font-weight: 600; overflow-wrap: anywhere; }
ol.actions { padding-left: 22px; }
h3 { font-size: 1rem; margin: 16px 0 6px; }
footer { margin-top: 48px; color: var(--muted); font-size: .8rem; }
@media print { main { max-width: none; padding: 0; } section, figure { break-inside: avoid; } }
"""


def render_report(inputs: ReportInputs) -> str:
    """The whole report as one self-contained HTML document.

    Sections, in order (``_SECTIONS``): header (title, fleet, horizon, generation time, notes,
    contents), fleet KPIs by strategy, risk across scenarios, alerts, feed freshness, hashrate
    across scenarios (P5-P95 bands), profit distribution, curtailment heat map, action schedule
    by site, relocations, concentration risk, sites, site map, fleet hashrate, cumulative
    profit, profit by site. A section whose input is missing says so in one line.

    Parameters
    ----------
    inputs
        What the report shows (:class:`ReportInputs`, checked when it was made).

    Returns
    -------
    str
        The HTML document.
    """
    sections = "".join(
        f'<section id="{sid}"><h2>{escape(heading)}</h2>{make(inputs)}</section>\n'
        for sid, heading, make in _SECTIONS
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(inputs.title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<main>\n{_header(inputs)}\n{sections}"
        "<footer>Made by the mining fleet resilience planner. This page is self-contained and "
        "works offline.</footer>\n</main>\n</body>\n</html>\n"
    )


def write_report(path: str | os.PathLike[str], inputs: ReportInputs) -> Path:
    """Render the report and write it to ``path`` atomically.

    The page is rendered first, then written to a temporary file in the same directory, flushed
    to disk and moved over ``path`` with :func:`os.replace`: readers see the old file or the new
    one, never a partial one, and a failure leaves the old file as it was and no temporary file
    behind. A replaced file keeps its permission bits; a new one gets ``0o644``.

    Parameters
    ----------
    path
        Where to write the page; its directory must exist.
    inputs
        What the report shows (:class:`ReportInputs`).

    Returns
    -------
    Path
        ``path``.
    """
    target = Path(path)
    atomic_write_text(target, render_report(inputs))
    return target
