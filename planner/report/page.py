"""The report page: its sections, styles, checks, rendering and atomic writing."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from planner.atomic import atomic_write_text
from planner.fleet import FlatContract, Fleet, IndexContract, PPAContract, Site
from planner.metrics import KPI_COLUMNS
from planner.report.format import (
    MISSING,
    _esc,
    _format_mw,
    _format_pct,
    _usd_exact,
    format_eh_s,
    format_mwh,
    format_usd,
    usd_tick_labels,
)
from planner.report.svg import (
    _HOUR,
    _empty,
    _interval,
    _palette,
    bar_chart_svg,
    fleet_cumulative_profit_usd,
    fleet_daily_hashrate_eh_s,
    line_chart_svg,
    site_map_svg,
)

BASELINE_STRATEGY = "run-through"
"""The strategy the KPI deltas and ``hashrate_kept_pct`` are measured against."""
FLEET_ROW = "fleet"
LEDGER_COLUMNS = ("hashrate_th_s", "profit_usd")


@dataclass(frozen=True)
class ReportInputs:
    """Everything a section may draw on; see :func:`render_report` for the fields."""

    fleet: Fleet
    kpis: pd.DataFrame
    ledgers: Mapping[str, pd.DataFrame]
    title: str
    generated_at: datetime
    notes: Sequence[str]
    strategies: tuple[str, ...]
    colours: Mapping[str, str]
    risk: pd.DataFrame | None = None


def _td(text: str, *, num: bool = False, title: str = "", css: str = "") -> str:
    classes = " ".join(c for c in ("num" if num else "", css) if c)
    cls = f' class="{classes}"' if classes else ""
    tip = f' title="{_esc(title)}"' if title else ""
    return f"<td{cls}{tip}>{_esc(text)}</td>"


def _swatch(colour: str) -> str:
    return f'<span class="swatch" style="background:{colour}"></span>'


def _horizon(ledgers: Mapping[str, pd.DataFrame]) -> str:
    times = [
        pd.DatetimeIndex(ledger.index.get_level_values("time")).tz_convert("UTC")
        for ledger in ledgers.values()
        if len(ledger)
    ]
    if not times:
        return ""
    start = min(t.min() for t in times)
    end = max(t.max() for t in times) + min(_interval(t.unique()) for t in times)
    hours = (end - start) / _HOUR
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
    meta = "".join(f'<p class="meta">{_esc(line)}</p>' for line in lines if line)
    notes = "".join(f"<li>{_esc(n)}</li>" for n in r.notes)
    notes_html = f'<ul class="notes">{notes}</ul>' if notes else ""
    toc = "".join(f'<a href="#{sid}">{_esc(heading)}</a>' for sid, heading, _ in _SECTIONS)
    return (
        f'<header><h1>{_esc(r.title)}</h1>{meta}{notes_html}<nav class="toc">{toc}</nav></header>'
    )


def _kpi_section(r: ReportInputs) -> str:
    fleet = r.kpis[r.kpis["site_id"] == FLEET_ROW].set_index("strategy")
    rows = [s for s in r.strategies if s in fleet.index]
    if not rows:
        return _empty("No fleet totals in the KPI table.")
    profit = {s: float(fleet.loc[s, "profit_usd"]) for s in rows}
    base = profit.get(BASELINE_STRATEGY, math.nan)
    best = max((p for p in profit.values() if math.isfinite(p)), default=math.nan)
    body = []
    for s in rows:
        k = {c: float(fleet.loc[s, c]) for c in KPI_COLUMNS[2:]}
        delta = profit[s] - base
        if s == BASELINE_STRATEGY:
            delta_td = _td("baseline", css="muted")
        elif not math.isfinite(delta):
            delta_td = _td(MISSING, num=True)
        else:
            pct = f" ({_format_pct(100 * delta / base, signed=True)})" if base > 0 else ""
            tone = "pos" if delta > 0 else "neg" if delta < 0 else ""
            text = format_usd(delta, signed=True) + pct
            delta_td = _td(text, num=True, title=_usd_exact(delta), css=tone)
        is_best = profit[s] == best
        badge = ' <span class="badge">best</span>' if is_best else ""
        row_class = ' class="best"' if is_best else ""
        body.append(
            f'<tr{row_class}><th scope="row">'
            f"{_swatch(r.colours[s])}{_esc(s)}{badge}</th>"
            + _td(format_usd(k["profit_usd"]), num=True, title=_usd_exact(k["profit_usd"]))
            + delta_td
            + "".join(
                _td(format_usd(k[c]), num=True, title=_usd_exact(k[c]))
                for c in ("revenue_usd", "energy_cost_usd", "credits_usd")
            )
            + _td(format_mwh(k["curtailed_mwh"]), num=True)
            + _td(format_eh_s(k["mean_hashrate_eh_s"]), num=True)
            + _td(_format_pct(k["hashrate_kept_pct"]), num=True)
            + _td(_format_pct(k["uptime_pct"]), num=True)
            + "</tr>"
        )
    heads = ["Profit", f"Δ profit vs {BASELINE_STRATEGY}", "Revenue", "Energy cost", "Credits"]
    heads += ["Curtailed", "Mean hashrate", "Hashrate kept", "Uptime"]
    head = '<th scope="col">Strategy</th>' + "".join(
        f'<th scope="col" class="num">{_esc(h)}</th>' for h in heads
    )
    caption = (
        f"Fleet totals over the horizon. Δ is profit minus {BASELINE_STRATEGY}'s (and as a share "
        f"of it when that is positive); hashrate kept is mean hashrate as a share of "
        f"{BASELINE_STRATEGY}'s. The best profit is marked."
    )
    return (
        f'<div class="table-wrap"><table id="kpi-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
        f'<p class="caption">{_esc(caption)}</p>'
    )


def _contract_text(site: Site) -> str:
    c = site.contract
    if isinstance(c, IndexContract):
        return f"index, RT + ${c.adder_usd_per_mwh:,.2f}/MWh"
    if isinstance(c, PPAContract):
        sell_back = ", sell-back" if c.sell_back else ""
        return f"PPA ${c.price_usd_per_mwh:,.2f}/MWh × {c.contracted_mw:,g} MW{sell_back}"
    assert isinstance(c, FlatContract)
    return f"{c.kind} ${c.rate_usd_per_kwh:.3f}/kWh"


def _location_text(site: Site) -> str:
    ns = "N" if site.latitude >= 0 else "S"
    ew = "E" if site.longitude >= 0 else "W"
    return f"{abs(site.latitude):.2f}°{ns}, {abs(site.longitude):.2f}°{ew}"


def _sites_section(r: ReportInputs) -> str:
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
            f'<tr><th scope="row"><code>{_esc(site.id)}</code></th>'
            + _td(site.name)
            + _td(_location_text(site), title=site.timezone)
            + _td(f"{site.grid.iso} / {site.grid.node}")
            + _td(_contract_text(site))
            + _td(site.cooling)
            + _td(_format_mw(figures[0]), num=True)
            + _td(_format_mw(figures[1]), num=True)
            + _td(format_eh_s(figures[2]), num=True)
            + _td(f"{figures[3]:,.0f}", num=True, title=mix)
            + "</tr>"
        )
    heads = ["Site", "Name", "Location", "Grid (ISO / node)", "Contract", "Cooling"]
    nums = ["Capacity", "Installed IT", "Hashrate", "Machines"]
    head = "".join(f'<th scope="col">{h}</th>' for h in heads) + "".join(
        f'<th scope="col" class="num">{h}</th>' for h in nums
    )
    total = (
        f'<tr><th scope="row" colspan="6">Fleet</th>{_td(_format_mw(totals[0]), num=True)}'
        f"{_td(_format_mw(totals[1]), num=True)}{_td(format_eh_s(totals[2]), num=True)}"
        f"{_td(f'{totals[3]:,.0f}', num=True)}</tr>"
    )
    return (
        f'<div class="table-wrap"><table id="site-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody><tfoot>{total}</tfoot></table></div>"
        '<p class="caption">Installed IT is nameplate machine power, before facility overhead; '
        "hashrate is nameplate.</p>"
    )


def _map_section(r: ReportInputs) -> str:
    return (
        f"<figure>{site_map_svg(r.fleet)}<figcaption>Equirectangular projection of the sites' "
        "bounding box. Circle size grows with capacity (MW); colour is the cooling kind."
        "</figcaption></figure>"
    )


def _hashrate_section(r: ReportInputs) -> str:
    series = {s: fleet_daily_hashrate_eh_s(r.ledgers[s]) for s in r.strategies if s in r.ledgers}
    chart = line_chart_svg(
        series,
        title="Fleet hashrate by strategy",
        y_label="EH/s",
        colours=r.colours,
        value_format=format_eh_s,
    )
    return (
        f"<figure>{chart}<figcaption>Daily mean of the fleet's hourly hashrate (summed over "
        "sites), per UTC day.</figcaption></figure>"
    )


def _profit_section(r: ReportInputs) -> str:
    series = {s: fleet_cumulative_profit_usd(r.ledgers[s]) for s in r.strategies if s in r.ledgers}
    chart = line_chart_svg(
        series,
        title="Cumulative fleet profit by strategy",
        y_label="USD",
        colours=r.colours,
        y_tick_labels=usd_tick_labels,
        value_format=format_usd,
    )
    return (
        f"<figure>{chart}<figcaption>Fleet profit (revenue − energy cost + credits) accumulated "
        "from the start of the horizon.</figcaption></figure>"
    )


def _site_profit_section(r: ReportInputs) -> str:
    per_site = r.kpis[r.kpis["site_id"] != FLEET_ROW]
    if per_site.empty:
        return _empty("No per-site rows in the KPI table.")
    # pivot, not pivot_table: duplicates were rejected up front and must never be aggregated.
    table = per_site.pivot(index="site_id", columns="strategy", values="profit_usd")
    sites = [s for s in r.fleet.site_ids if s in table.index]
    sites += [s for s in table.index if s not in sites]
    table = table.reindex(index=sites, columns=[s for s in r.strategies if s in table.columns])
    chart = bar_chart_svg(
        table,
        title="Profit by site and strategy",
        x_label="Profit over the horizon (USD)",
        colours=r.colours,
    )
    return f"<figure>{chart}<figcaption>Profit per site over the horizon.</figcaption></figure>"


def _risk_section(r: ReportInputs) -> str:
    if r.risk is None or r.risk.empty:
        return _empty("No Monte Carlo evaluation in this run.")
    fleet = r.risk[r.risk["site_id"] == FLEET_ROW].set_index("policy")
    rows = [s for s in r.strategies if s in fleet.index] + [
        s for s in fleet.index if s not in r.strategies
    ]
    money = (
        "expected_profit_usd",
        "median_profit_usd",
        "p5_profit_usd",
        "p95_profit_usd",
        "cvar5_profit_usd",
    )
    body = []
    for s in rows:
        k = fleet.loc[s]
        colour = r.colours.get(s, "#000000")
        body.append(
            f'<tr><th scope="row">{_swatch(colour)}{_esc(s)}</th>'
            + "".join(
                _td(format_usd(float(k[c])), num=True, title=_usd_exact(float(k[c]))) for c in money
            )
            + _td(format_mwh(float(k["curtailed_mwh"])), num=True)
            + _td(format_eh_s(float(k["mean_hashrate_eh_s"])), num=True)
            + _td(f"{float(k['outage_hours']):,.1f} h", num=True)
            + _td(f"{float(k['freeze_events']):.2f}", num=True)
            + "</tr>"
        )
    heads = ["Expected profit", "Median", "P5", "P95", "CVaR5", "Curtailed", "Mean hashrate"]
    heads += ["Outage site-hours", "Freeze events"]
    head = '<th scope="col">Strategy</th>' + "".join(
        f'<th scope="col" class="num">{_esc(h)}</th>' for h in heads
    )
    caption = (
        "Fleet outcomes over the Monte Carlo scenarios (weather, prices, outages, hashprice and "
        "ASIC failures drawn jointly; every strategy sees the same draws). P5 and P95 are "
        "weighted quantiles of profit; CVaR5 is the mean profit of the worst 5 % of runs; "
        "curtailed energy, hashrate, outage hours and freeze events are means per run."
    )
    return (
        f'<div class="table-wrap"><table id="risk-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
        f'<p class="caption">{_esc(caption)}</p>'
    )


_SECTIONS: tuple[tuple[str, str, Callable[[ReportInputs], str]], ...] = (
    ("kpis", "Fleet KPIs by strategy", _kpi_section),
    ("risk", "Risk across scenarios", _risk_section),
    ("sites", "Sites", _sites_section),
    ("map", "Site map", _map_section),
    ("hashrate", "Fleet hashrate", _hashrate_section),
    ("profit", "Cumulative profit", _profit_section),
    ("site-profit", "Profit by site", _site_profit_section),
)
"""``(anchor id, heading, section function)`` in page order; add new sections here."""

_CSS = """
:root { --fg: #1f2933; --muted: #52606d; --line: #d9e2ec; --zebra: #f5f7fa; --head: #eaeff4; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    "Noto Sans", sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 32px 24px 64px; }
h1 { font-size: 1.8rem; margin: 0 0 6px; }
h2 { font-size: 1.25rem; margin: 40px 0 12px; padding-bottom: 6px;
  border-bottom: 1px solid var(--line); }
.meta { color: var(--muted); margin: 2px 0; }
.notes { margin: 10px 0; padding-left: 20px; color: var(--muted); }
.toc { display: flex; flex-wrap: wrap; gap: 6px 18px; margin-top: 14px; font-size: .9rem; }
.toc a { color: #005a8c; text-decoration: none; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .88rem; }
th, td { padding: 6px 9px; text-align: left; border-bottom: 1px solid var(--line);
  white-space: nowrap; }
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
svg text { font-family: inherit; fill: var(--fg); }
.empty { color: var(--muted); font-style: italic; }
footer { margin-top: 48px; color: var(--muted); font-size: .8rem; }
@media print { main { max-width: none; padding: 0; } section, figure { break-inside: avoid; } }
"""


def _check_inputs(
    kpis: pd.DataFrame, ledgers: Mapping[str, pd.DataFrame], generated_at: datetime
) -> None:
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


def render_report(
    *,
    fleet: Fleet,
    kpis: pd.DataFrame,
    ledgers: Mapping[str, pd.DataFrame],
    title: str,
    generated_at: datetime,
    notes: Sequence[str] = (),
    risk: pd.DataFrame | None = None,
) -> str:
    """The whole report as one self-contained HTML document.

    Sections, in order: header (title, fleet, horizon, generation time, notes, contents), fleet
    KPIs by strategy, sites, site map, fleet hashrate, cumulative profit, profit by site.

    Parameters
    ----------
    fleet
        The fleet the ledgers describe.
    kpis
        One row per ``(strategy, site_id)`` and one per strategy with ``site_id == "fleet"``;
        columns :data:`KPI_COLUMNS` (money [USD], energy [MWh], hashrate [EH/s], shares [%]).
    ledgers
        Strategy -> hourly ledger (see the module docstring). Strategies are shown, and coloured,
        in this mapping's order, then any found only in ``kpis``.
    title
        Page title.
    generated_at
        When the report was made; tz-aware, shown in UTC.
    notes
        Lines listed under the title (``offline synthetic feeds, seed 7``).
    risk
        Monte Carlo risk table (:func:`planner.metrics.risk_table`), shown when given.

    Returns
    -------
    str
        The HTML document.

    Raises
    ------
    ValueError
        Missing KPI or ledger columns, duplicate KPI rows, a ledger index other than
        ``(site_id, time)`` with tz-aware times, or a naive ``generated_at``.
    """
    _check_inputs(kpis, ledgers, generated_at)
    strategies = tuple(dict.fromkeys([*map(str, ledgers), *map(str, kpis["strategy"])]))
    inputs = ReportInputs(
        fleet=fleet,
        kpis=kpis,
        ledgers=ledgers,
        title=title,
        generated_at=generated_at,
        notes=tuple(notes),
        strategies=strategies,
        colours=_palette(strategies),
        risk=risk,
    )
    sections = "".join(
        f'<section id="{sid}"><h2>{_esc(heading)}</h2>{make(inputs)}</section>\n'
        for sid, heading, make in _SECTIONS
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        f"{_header(inputs)}\n{sections}"
        "<footer>Made by the mining fleet resilience planner. This page is self-contained and "
        "works offline.</footer>\n</main>\n</body>\n</html>\n"
    )


def write_report(
    path: str | os.PathLike[str],
    *,
    fleet: Fleet,
    kpis: pd.DataFrame,
    ledgers: Mapping[str, pd.DataFrame],
    title: str,
    generated_at: datetime,
    notes: Sequence[str] = (),
    risk: pd.DataFrame | None = None,
) -> Path:
    """Render the report and write it to ``path`` atomically.

    The page is rendered first, then written to a temporary file in the same directory, flushed
    to disk and moved over ``path`` with :func:`os.replace`: readers see the old file or the new
    one, never a partial one, and a failure leaves the old file as it was and no temporary file
    behind. A replaced file keeps its permission bits; a new one gets ``0o644``.

    Parameters
    ----------
    path
        Where to write the page; its directory must exist.
    fleet, kpis, ledgers, title, generated_at, notes, risk
        As for :func:`render_report`.

    Returns
    -------
    Path
        ``path``.
    """
    target = Path(path)
    text = render_report(
        fleet=fleet,
        kpis=kpis,
        ledgers=ledgers,
        title=title,
        generated_at=generated_at,
        notes=notes,
        risk=risk,
    )
    atomic_write_text(target, text)
    return target
