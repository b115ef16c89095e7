"""The report's table sections: KPIs, risk, sites, relocations, alerts and feed freshness.

Each section is a function from :class:`~planner.ops.report.inputs.ReportInputs` to HTML.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from planner.domain.fleet import Site
from planner.engine.metrics import HEADLINE, KPI_COLUMNS
from planner.ops.report.cells import empty_note, swatch, table_html, td
from planner.ops.report.format import (
    MISSING,
    escape,
    format_eh_s,
    format_mw,
    format_mwh,
    format_pct,
    format_usd,
    format_usd_exact,
)
from planner.ops.report.inputs import BASELINE_STRATEGY, FLEET_ROW, ReportInputs

#: Most rows of an event table shown (the rest are counted).
MAX_EVENT_ROWS = 40

_STATUS_CSS = {"fresh": "ok", "stale": "warn", "fallback": "muted", "missing": "bad"}


def _caption(text: str) -> str:
    return f'<p class="caption">{escape(text)}</p>'


def kpi_section(r: ReportInputs) -> str:
    """Fleet totals per strategy over the central run, full value first, with the delta to the
    baseline."""
    fleet = r.kpis[r.kpis["site_id"] == FLEET_ROW].set_index("strategy")
    rows = [s for s in r.strategies if s in fleet.index]
    if not rows:
        return empty_note("No fleet totals in the KPI table.")
    profit = {s: float(fleet.loc[s, "profit_incl_after_horizon_usd"]) for s in rows}
    base = profit.get(BASELINE_STRATEGY, math.nan)
    body = []
    for s in rows:
        k = {c: float(fleet.loc[s, c]) for c in KPI_COLUMNS[2:]}
        delta = profit[s] - base
        if s == BASELINE_STRATEGY:
            delta_td = td("baseline", css="muted")
        elif not math.isfinite(delta):
            delta_td = td(MISSING, num=True)
        else:
            pct = f" ({format_pct(100 * delta / base, signed=True)})" if base > 0 else ""
            tone = "pos" if delta > 0 else "neg" if delta < 0 else ""
            text = format_usd(delta, signed=True) + pct
            delta_td = td(text, num=True, title=format_usd_exact(delta), css=tone)
        body.append(
            _name_cell(r, s)
            + _usd_td(k["profit_incl_after_horizon_usd"])
            + delta_td
            + "".join(
                _usd_td(k[c])
                for c in (
                    "profit_usd",
                    "after_horizon_usd",
                    "revenue_usd",
                    "energy_cost_usd",
                    "credits_usd",
                )
            )
            + td(format_mwh(k["curtailed_mwh"]), num=True)
            + td(format_eh_s(k["mean_hashrate_eh_s"]), num=True)
            + td(format_pct(k["hashrate_kept_pct"]), num=True)
            + td(format_pct(k["uptime_pct"]), num=True)
            + "</tr>"
        )
    heads = ["Strategy", "Profit incl. after horizon", f"Δ vs {BASELINE_STRATEGY}"]
    heads += ["Profit in horizon", "Left after horizon", "Revenue", "Energy cost", "Credits"]
    heads += ["Curtailed", "Mean hashrate", "Hashrate kept", "Uptime"]
    caption = (
        "Fleet totals over the horizon. Profit incl. after horizon is the full value: the "
        "horizon's profit less what the run leaves behind (margin lost by machines still frozen, "
        "under repair, in transit or restarting when it ends, freeze repairs and relocation "
        f"bills; see the full-value section). Δ is that figure minus {BASELINE_STRATEGY}'s (and "
        "as a share of it when that is positive); hashrate kept is mean hashrate as a share of "
        f"{BASELINE_STRATEGY}'s. One central run per strategy: the best strategy, marked, is "
        "the one with the highest expected profit incl. after horizon over the scenarios (see "
        "Risk across scenarios), not the highest of these single runs."
    )
    return table_html("kpi-table", heads, body, numeric_from=1) + _caption(caption)


def _name_cell(r: ReportInputs, strategy: str) -> str:
    """``<tr><th>`` with the strategy's swatch and name, marked when it is the best."""
    is_best = strategy == r.best
    badge = ' <span class="badge">best</span>' if is_best else ""
    row_class = ' class="best"' if is_best else ""
    colour = r.colours.get(strategy, "#000000")
    return f'<tr{row_class}><th scope="row">{swatch(colour)}{escape(strategy)}{badge}</th>'


def _usd_td(value: float) -> str:
    return td(format_usd(value), num=True, title=format_usd_exact(value))


def _fleet_risk(r: ReportInputs) -> tuple[pd.DataFrame, list[str]] | None:
    """The risk table's fleet rows and the strategies in page order; ``None`` without one."""
    if r.risk is None or r.risk.empty:
        return None
    fleet = r.risk[r.risk["site_id"] == FLEET_ROW].set_index("policy")
    rows = [s for s in r.strategies if s in fleet.index] + [
        s for s in fleet.index if s not in r.strategies
    ]
    return fleet, rows


def risk_section(r: ReportInputs) -> str:
    """Distribution figures per strategy over the Monte Carlo runs, at full value."""
    found = _fleet_risk(r)
    if found is None:
        return empty_note("No Monte Carlo evaluation in this run.")
    fleet, rows = found
    money = (
        "expected_profit_incl_after_horizon_usd",
        "median_profit_incl_after_horizon_usd",
        "p5_profit_incl_after_horizon_usd",
        "p95_profit_incl_after_horizon_usd",
        "cvar5_profit_incl_after_horizon_usd",
        "expected_profit_usd",
    )
    optional = [
        (c, h, f)
        for c, h, f in (
            ("hashrate_kept_pct", "Hashrate kept", format_pct),
            (
                "hashrate_at_risk_probability",
                "P(below floor)",
                lambda v: format_pct(100 * v),
            ),
        )
        if c in fleet.columns
    ]
    body = []
    for s in rows:
        k = fleet.loc[s]
        body.append(
            _name_cell(r, s)
            + "".join(_usd_td(float(k[c])) for c in money)
            + td(format_mwh(float(k["curtailed_mwh"])), num=True)
            + td(format_eh_s(float(k["mean_hashrate_eh_s"])), num=True)
            + "".join(td(f(float(k[c])), num=True) for c, _, f in optional)
            + td(f"{float(k['outage_hours']):,.1f} h", num=True)
            + td(f"{float(k['freeze_events']):.2f}", num=True)
            + "</tr>"
        )
    heads = ["Strategy", "Expected profit incl. after horizon", "Median", "P5", "P95", "CVaR5"]
    heads += ["Expected profit in horizon", "Curtailed", "Mean hashrate"]
    heads += [*(h for _, h, _ in optional), "Outage site-hours", "Freeze events"]
    caption = (
        "Fleet outcomes over the Monte Carlo scenarios (weather, prices, outages, hashprice and "
        "ASIC failures drawn jointly; every strategy sees the same draws), at full value: each "
        "run's profit less what it leaves behind after the horizon. P5 and P95 are weighted "
        "quantiles; CVaR5 is the mean of the worst 5 % of runs; the profit inside the horizon "
        "alone is shown beside them. Curtailed energy, hashrate, outage hours and freeze events "
        "are means per run."
    )
    if optional:
        caption += (
            " Hashrate kept is mean hashrate as a share of the first strategy's; P(below floor) "
            "is the chance the fleet's hashrate falls below the floor in at least one hour."
        )
    return table_html("risk-table", heads, body, numeric_from=1) + _caption(caption)


def full_value_section(r: ReportInputs) -> str:
    """The strategies compared at full value: what each leaves behind after the horizon."""
    found = _fleet_risk(r)
    if found is None:
        return empty_note("No Monte Carlo evaluation in this run.")
    fleet, rows = found
    best = float(fleet.loc[r.best, HEADLINE]) if r.best in fleet.index else math.nan
    body = []
    for s in rows:
        k = fleet.loc[s]
        gap = float(k[HEADLINE]) - best
        is_best = s == r.best
        body.append(
            _name_cell(r, s)
            + _usd_td(float(k["expected_profit_incl_after_horizon_usd"]))
            + (td("best", css="muted") if is_best else _usd_td(gap))
            + _usd_td(float(k["cvar5_profit_incl_after_horizon_usd"]))
            + _usd_td(float(k["expected_profit_usd"]))
            + _usd_td(float(k["cvar5_profit_usd"]))
            + "".join(
                _usd_td(float(k[c]))
                for c in (
                    "expected_after_horizon_usd",
                    "expected_lost_margin_usd",
                    "expected_repair_usd",
                    "expected_transport_usd",
                )
            )
            + td(f"{float(k['machines_out']):,.0f}", num=True)
            + td(f"{float(k['freeze_events']):.2f}", num=True)
            + "</tr>"
        )
    heads = ["Strategy", "Expected profit incl. after horizon", "Behind the best"]
    heads += ["CVaR5 incl. after horizon", "Expected profit in horizon", "CVaR5 in horizon"]
    heads += ["Left after horizon", "Margin lost after it", "Freeze repairs", "Relocations"]
    heads += ["Machines out at the end", "Freeze events"]
    caption = (
        "What each strategy leaves behind when the horizon ends, in expectation over the "
        "scenarios: machines frozen, under repair, in transit or restarting then stay out after "
        "it, each losing the margin it would have earned (the last week's hourly margin, "
        "floored at 0, held flat); freeze-damaged machines carry their repair bill and "
        "relocations their cost. Demand-response penalties and 4CP charges decided inside the "
        "horizon are already in its profit. Ranked on expected profit incl. after horizon; "
        "docs/model.md (Full value) gives the rule."
    )
    return table_html("full-value-table", heads, body, numeric_from=1) + _caption(caption)


def _location_text(site: Site) -> str:
    ns = "N" if site.latitude >= 0 else "S"
    ew = "E" if site.longitude >= 0 else "W"
    return f"{abs(site.latitude):.2f}°{ns}, {abs(site.longitude):.2f}°{ew}"


def sites_section(r: ReportInputs) -> str:
    """One row per site with its contract, cooling and nameplate figures."""
    rows, totals = [], np.zeros(4)
    for site in r.fleet.sites:
        figures = np.array(
            [
                site.capacity_mw,
                r.fleet.installed_power_mw(site),
                r.fleet.installed_hashrate_th_s(site) / 1e6,
                sum(site.machines.values()),
            ]
        )
        totals += figures
        mix = ", ".join(f"{n:,} × {m}" for m, n in site.machines.items())
        rows.append(
            f'<tr><th scope="row"><code>{escape(site.id)}</code></th>'
            + td(site.name)
            + td(_location_text(site), title=site.timezone)
            + td(f"{site.grid.iso} / {site.grid.node}")
            + td(site.contract.describe())
            + td(site.cooling)
            + td(format_mw(figures[0]), num=True)
            + td(format_mw(figures[1]), num=True)
            + td(format_eh_s(figures[2]), num=True)
            + td(f"{figures[3]:,.0f}", num=True, title=mix)
            + "</tr>"
        )
    heads = ["Site", "Name", "Location", "Grid (ISO / node)", "Contract", "Cooling"]
    heads += ["Capacity", "Installed IT", "Hashrate", "Machines"]
    total = (
        f'<tr><th scope="row" colspan="6">Fleet</th>{td(format_mw(totals[0]), num=True)}'
        f"{td(format_mw(totals[1]), num=True)}{td(format_eh_s(totals[2]), num=True)}"
        f"{td(f'{totals[3]:,.0f}', num=True)}</tr>"
    )
    table = table_html("site-table", heads, rows, numeric_from=6)
    table = table.replace("</tbody></table>", f"</tbody><tfoot>{total}</tfoot></table>")
    return table + _caption(
        "Installed IT is nameplate machine power, before facility overhead; hashrate is nameplate."
    )


def relocations_section(r: ReportInputs) -> str:
    """The plan's relocations: route, model, machines, cost and timing."""
    if r.plan is None:
        return empty_note("No optimizer plan in this run, so no relocations were planned.")
    moves = r.plan.relocations
    if moves.empty:
        return empty_note(
            "The plan keeps every machine where it is: no relocation pays for itself within the "
            "horizon."
        )
    rows = [
        f'<tr><th scope="row">{escape(m.route)}</th>'
        + td(str(m.model_id))
        + td(f"{int(m.machines):,}", num=True)
        + td(format_usd(float(m.cost_usd)), num=True, title=format_usd_exact(float(m.cost_usd)))
        + td(f"{float(m.depart_h):,.0f} h", num=True)
        + td(f"{float(m.arrive_h):,.0f} h", num=True)
        + "</tr>"
        for m in moves.itertuples(index=False)
    ]
    heads = ["Route", "Model", "Machines", "Cost", "Departs", "Arrives"]
    total = int(moves["machines"].sum())
    return table_html("relocation-table", heads, rows, numeric_from=2) + _caption(
        f"{total:,} machines move; departure and arrival are hours from the horizon start. "
        "Machines are out of service in transit."
    )


def _time_text(t: object) -> str:
    if t is None or pd.isna(t):
        return "open"
    return f"{pd.Timestamp(t):%Y-%m-%d %H:%M}"


def _event_rows(events: pd.DataFrame, where: str) -> list[str]:
    rows = []
    for e in events.head(MAX_EVENT_ROWS).itertuples(index=False):
        place = getattr(e, "site_id", None) or getattr(e, where, None) or ""
        rows.append(
            "<tr>"
            + td(_time_text(e.start))
            + td(_time_text(e.end))
            + td(str(place) if not pd.isna(place) else "")
            + td(str(e.kind))
            + td(str(e.severity))
            + td(f"{e.source} {e.source_id}")
            + "</tr>"
        )
    return rows


def alerts_section(r: ReportInputs) -> str:
    """Thresholds crossed, weather alerts at the sites and grid outage reports."""
    parts = []
    if r.risk_alerts is None:
        parts.append(empty_note("No notification thresholds were checked in this run."))
    elif not r.risk_alerts:
        parts.append('<p class="ok">No notification threshold was crossed.</p>')
    else:
        items = "".join(f"<li>{escape(a.message)}</li>" for a in r.risk_alerts)
        parts.append(f'<ul id="risk-alerts" class="alerts">{items}</ul>')
    heads = ["Start (UTC)", "End (UTC)", "Where", "Kind", "Severity", "Source"]
    feeds = r.feeds
    if feeds is None:
        parts.append(empty_note("No feeds attached to this report."))
        return "".join(parts)
    failed = feeds.unavailable_alerts
    if failed:
        parts.append(
            f'<p class="warn">Weather alerts unavailable for {escape(", ".join(failed))}: the NWS '
            "feed failed with no usable cached answer (see Feed freshness); the run went on "
            "without them.</p>"
        )
    if feeds.alerts.empty:
        parts.append(empty_note("No weather alert received for any site over the horizon."))
    else:
        parts.append(table_html("alert-table", heads, _event_rows(feeds.alerts, "site_id")))
        parts.append(_more(len(feeds.alerts), "weather alerts"))
    if not feeds.outages.empty:
        parts.append(table_html("outage-table", heads, _event_rows(feeds.outages, "area")))
        parts.append(
            _caption(
                "Grid outage reports overlapping the horizon (OE-417 reports are regional, not "
                "outages at a site)."
            )
            + _more(len(feeds.outages), "outage reports")
        )
    return "".join(parts)


def _more(n: int, what: str) -> str:
    return _caption(f"{n - MAX_EVENT_ROWS:,} more {what} not shown.") if n > MAX_EVENT_ROWS else ""


def feeds_section(r: ReportInputs) -> str:
    """Where every feed came from, its status and age, the hours filled and why one is missing."""
    if r.feeds is None or not r.feeds.freshness:
        return empty_note("No feed freshness recorded for this run.")
    rows = []
    counts: dict[str, int] = {}
    for name, f in r.feeds.freshness.items():
        counts[f.status] = counts.get(f.status, 0) + 1
        fetched = (
            MISSING if f.fetched_at is None else f"{pd.Timestamp(f.fetched_at):%Y-%m-%d %H:%M}"
        )
        age = MISSING if f.age_hours is None else f"{f.age_hours:,.1f} h"
        rows.append(
            f'<tr><th scope="row">{escape(name)}</th>'
            + td(f.status.upper(), css=f"status {_STATUS_CSS.get(f.status, '')}")
            + td(f.source)
            + td(fetched)
            + td(age, num=True)
            + td(f.filled_summary or MISSING)
            + td(f.detail)
            + "</tr>"
        )
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    filled = sum(f.total_filled_hours for f in r.feeds.freshness.values())
    heads = ["Feed", "Status", "Source", "Fetched (UTC)", "Age", "Filled hours", "Note"]
    return table_html("feed-table", heads, rows, numeric_from=4) + _caption(
        f"Feeds in mode {r.feeds.mode}: {summary}; {filled:,} hour(s) filled in all. STALE: the "
        "provider failed (or sent too few hours) and a cached answer stood in; FALLBACK: a "
        "substitute (synthetic values, persistence, a packaged table or a reconstruction); "
        "MISSING: an optional feed with nothing to serve, the reason in its note. Filled hours: "
        "per site, node or area, hours the data lacked that were interpolated (weather) or "
        "repeated from the nearest observed week (prices, load)."
    )
