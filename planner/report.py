"""One self-contained HTML report comparing operating strategies across a fleet.

The page is a single file that works offline: inline CSS, charts drawn here as inline SVG (no
plotting library, no scripts, no external fonts or images, no ``http`` reference at all). Each
section is one small function from :class:`ReportInputs` to an HTML string, listed in
``_SECTIONS``; :func:`render_report` puts them in order and :func:`write_report` writes the page
atomically. Every piece of text goes through :func:`html.escape`.

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

from __future__ import annotations

import html
import math
import os
import stat
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from planner.fleet import FlatContract, Fleet, IndexContract, PPAContract, Site

__all__ = [
    "BASELINE_STRATEGY",
    "KPI_COLUMNS",
    "ReportInputs",
    "bar_chart_svg",
    "fleet_cumulative_profit_usd",
    "fleet_daily_hashrate_eh_s",
    "format_eh_s",
    "format_mwh",
    "format_usd",
    "line_chart_svg",
    "nice_ticks",
    "render_report",
    "site_map_svg",
    "write_report",
]

BASELINE_STRATEGY = "run-through"
"""The strategy the KPI deltas and ``hashrate_kept_pct`` are measured against."""
FLEET_ROW = "fleet"
KPI_COLUMNS = (
    "strategy",
    "site_id",
    "profit_usd",
    "revenue_usd",
    "energy_cost_usd",
    "credits_usd",
    "energy_mwh",
    "curtailed_mwh",
    "mean_hashrate_eh_s",
    "hashrate_kept_pct",
    "uptime_pct",
)
LEDGER_COLUMNS = ("hashrate_th_s", "profit_usd")
# Okabe & Ito (2008), colour-blind safe; yellow last because it is faint on white.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
COOLING_COLOURS = {"air": "#E69F00", "hydro": "#0072B2", "immersion": "#009E73"}
MISSING = "—"
_MAX_LINE_POINTS = 2000  # longer cumulative series are thinned to one point per UTC midnight
_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")
_HOUR = pd.Timedelta(hours=1)
_GRID = "#e4e7eb"
_AXIS = "#52606d"


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


# ------------------------------------------------------------------------------------ formatting


def format_usd(value: float, *, signed: bool = False) -> str:
    """Dollars, compact: ``$950``, ``$12.3k``, ``-$1.2M``, ``$3.4B``; ``+`` too when ``signed``.

    Parameters
    ----------
    value
        Amount [USD]; NaN gives an em dash.
    signed
        Prefix positive amounts with ``+`` (for deltas).
    """
    if not math.isfinite(value):
        return MISSING
    magnitude = abs(value)
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if round(magnitude / scale, 1) >= 1:
            text = f"${magnitude / scale:,.1f}{suffix}"
            break
    else:
        text = f"${magnitude:,.0f}"
        if text == "$0":
            return text
    return ("-" if value < 0 else "+" if signed else "") + text


def _usd_exact(value: float) -> str:
    return (
        MISSING if not math.isfinite(value) else ("-" if value < 0 else "") + f"${abs(value):,.2f}"
    )


def format_mwh(value: float) -> str:
    """Energy with thousands separators: ``12,345 MWh`` (input [MWh])."""
    return f"{value:,.0f} MWh" if math.isfinite(value) else MISSING


def format_eh_s(value: float) -> str:
    """Hashrate: ``3.51 EH/s`` (input [EH/s])."""
    return f"{value:,.2f} EH/s" if math.isfinite(value) else MISSING


def _format_pct(value: float, *, signed: bool = False) -> str:
    return f"{value:{'+' if signed else ''},.1f}%" if math.isfinite(value) else MISSING


def _format_mw(value: float) -> str:
    return f"{value:,.1f} MW" if math.isfinite(value) else MISSING


# ----------------------------------------------------------------------------------------- ticks


def nice_ticks(low: float, high: float, target: int = 7) -> list[float]:
    """About ``target`` evenly spaced round values (steps 1, 2, 2.5 or 5 x 10^k) covering a range.

    Parameters
    ----------
    low, high
        Range to cover (any order); an empty range is widened by 10 % (or by 1 around zero).
    target
        Wished number of ticks; the result has between about ``target / 2`` and ``target + 1``.

    Returns
    -------
    list of float
        Ticks from at or below ``low`` to at or above ``high``.
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"tick range must be finite, got {low!r}..{high!r}")
    low, high = min(low, high), max(low, high)
    if high - low <= 1e-12 * max(1.0, abs(high)):
        pad = abs(high) * 0.1 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / max(target - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    return [float(f"{i * step:.12g}") + 0.0 for i in range(first, last + 1)]


def _decimals(step: float) -> int:
    """Decimals needed to tell ticks ``step`` apart."""
    for digits in range(13):
        scaled = abs(step) * 10**digits
        if round(scaled) >= 1 and abs(scaled - round(scaled)) < 1e-6 * scaled:
            return digits
    return 12


def number_tick_labels(ticks: Sequence[float]) -> list[str]:
    """Tick labels with thousands separators and just enough decimals."""
    digits = _decimals(ticks[1] - ticks[0]) if len(ticks) > 1 else 0
    return [f"{t:,.{digits}f}" for t in ticks]


def usd_tick_labels(ticks: Sequence[float]) -> list[str]:
    """Dollar tick labels on one scale (``$0``, ``$2.5k``, ``$5.0k``), never two alike."""
    biggest = max((abs(t) for t in ticks), default=0.0)
    scale, suffix = next(
        ((s, x) for s, x in ((1e9, "B"), (1e6, "M"), (1e3, "k")) if biggest >= s), (1.0, "")
    )
    digits = _decimals((ticks[1] - ticks[0]) / scale) if len(ticks) > 1 else 0
    return [
        "$0" if t == 0 else f"{'-' if t < 0 else ''}${abs(t) / scale:,.{digits}f}{suffix}"
        for t in ticks
    ]


def _time_ticks(
    start: pd.Timestamp, end: pd.Timestamp, target: int = 8
) -> tuple[list[pd.Timestamp], list[str]]:
    """Round times (hours, UTC midnights or month starts) between ``start`` and ``end``."""
    span_h = (end - start) / _HOUR
    for step_h in ([1, 2, 3, 6, 12] if span_h < 48 else []) + [24, 48, 72, 168, 336]:
        ticks = list(pd.date_range(start.ceil(f"{step_h}h"), end, freq=f"{step_h}h"))
        if len(ticks) <= target:
            fmt = "%b %d %H:%M" if step_h < 24 else "%b %d"
            return ticks, [t.strftime(fmt) for t in ticks]
    first_month = start.normalize().replace(day=1)
    months = [t for t in pd.date_range(first_month, end, freq="MS") if t >= start]
    for step_m in (1, 2, 3, 6, 12):
        ticks = [t for t in months if (t.month - 1) % step_m == 0]
        if len(ticks) <= target or step_m == 12:
            return ticks, [t.strftime("%b %Y") for t in ticks]
    raise AssertionError("unreachable")  # pragma: no cover


# ------------------------------------------------------------------------------------ svg pieces


@dataclass(frozen=True)
class _Frame:
    """The plot rectangle inside an SVG canvas [px]."""

    left: float
    top: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height


def _text_px(text: str, size: float = 12) -> float:
    """Rough rendered width of ``text`` in a sans-serif font [px]."""
    return len(text) * size * 0.58


def _svg_open(width: float, height: float, label: str, css_class: str) -> str:
    return (
        f'<svg class="{css_class}" viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" '
        f'height="{height:.0f}" role="img" aria-label="{_esc(label)}" font-size="12">'
        f"<title>{_esc(label)}</title>"
    )


def _legend(
    items: Sequence[tuple[str, str]], *, left: float, top: float, width: float, shape: str = "rect"
) -> tuple[str, float]:
    """Swatches and labels in rows from ``(left, top)``; returns the markup and its height [px]."""
    parts = ['<g class="legend">']
    x, y = left, top
    for label, colour in items:
        item_w = 20 + _text_px(label) + 18
        if x > left and x + item_w > left + width:
            x, y = left, y + 20
        if shape == "circle":
            parts.append(f'<circle cx="{x + 6:.1f}" cy="{y + 6:.1f}" r="5" fill="{colour}"/>')
        else:
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="12" height="12" rx="2" fill="{colour}"/>'
            )
        parts.append(f'<text x="{x + 18:.1f}" y="{y + 10:.1f}">{_esc(label)}</text>')
        x += item_w
    parts.append("</g>")
    return "".join(parts), (y - top + 20 if items else 0.0)


def _palette(names: Sequence[str]) -> dict[str, str]:
    return {name: OKABE_ITO[i % len(OKABE_ITO)] for i, name in enumerate(names)}


def _seconds(index: pd.DatetimeIndex) -> np.ndarray:
    if index.tz is None:
        raise ValueError("chart times must be tz-aware")
    return np.asarray((index - _EPOCH) / pd.Timedelta(seconds=1), dtype=float)


def _empty(message: str) -> str:
    return f'<p class="empty">{_esc(message)}</p>'


def line_chart_svg(
    series: Mapping[str, pd.Series],
    *,
    title: str,
    y_label: str,
    colours: Mapping[str, str] | None = None,
    y_tick_labels: Callable[[Sequence[float]], list[str]] = number_tick_labels,
    value_format: Callable[[float], str] = "{:,.2f}".format,
    include_zero: bool = True,
    width: int = 960,
    height: int = 360,
) -> str:
    """A time-series line chart: one polyline per series, legend, value grid and date ticks.

    Parameters
    ----------
    series
        Name -> values indexed by tz-aware times; NaNs are dropped. Each series is drawn as
        ``<g class="series" data-series="name"><polyline .../></g>`` with dot markers (and a
        tooltip per point) when it has at most 60 points.
    title
        Accessible name of the chart (``<title>``).
    y_label
        Axis label with its unit (``EH/s``).
    colours
        Name -> CSS colour; Okabe-Ito in series order by default.
    y_tick_labels
        Ticks -> their labels (:func:`number_tick_labels`, :func:`usd_tick_labels`).
    value_format
        Value -> tooltip text.
    include_zero
        Stretch the value axis to include 0.
    width, height
        Canvas size [px]; the SVG scales to its container.

    Returns
    -------
    str
        An ``<svg>`` element, or a short ``<p>`` when there is nothing to draw.
    """
    clean = {name: s.dropna().sort_index() for name, s in series.items()}
    clean = {name: s for name, s in clean.items() if len(s)}
    if not clean:
        return _empty("No data to plot.")
    colours = colours or _palette(list(clean))
    t0 = min(pd.DatetimeIndex(s.index)[0] for s in clean.values())
    t1 = max(pd.DatetimeIndex(s.index)[-1] for s in clean.values())
    if t0 == t1:
        t0, t1 = t0 - 12 * _HOUR, t1 + 12 * _HOUR
    values = np.concatenate([s.to_numpy(dtype=float) for s in clean.values()])
    low, high = float(values.min()), float(values.max())
    if include_zero:
        low, high = min(low, 0.0), max(high, 0.0)
    y_ticks = nice_ticks(low, high)
    legend, legend_h = _legend(
        [(name, colours[name]) for name in clean], left=76, top=8, width=width - 100
    )
    frame = _Frame(left=76, top=16 + legend_h, width=width - 100, height=height - 60 - legend_h)
    s0, s1 = t0.timestamp(), t1.timestamp()
    y_lo, y_hi = y_ticks[0], y_ticks[-1]

    def sx(seconds: np.ndarray) -> np.ndarray:
        return frame.left + (seconds - s0) / (s1 - s0) * frame.width

    def sy(value: np.ndarray) -> np.ndarray:
        return frame.bottom - (value - y_lo) / (y_hi - y_lo) * frame.height

    parts = [_svg_open(width, height, title, "chart line-chart"), legend]
    for tick, label in zip(y_ticks, y_tick_labels(y_ticks), strict=True):
        y = float(sy(np.asarray(tick)))
        stroke = _AXIS if tick == 0 else _GRID
        parts.append(
            f'<line x1="{frame.left}" x2="{frame.right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{stroke}"/><text x="{frame.left - 6}" y="{y + 4:.1f}" '
            f'text-anchor="end" fill="{_AXIS}">{_esc(label)}</text>'
        )
    x_ticks, x_labels = _time_ticks(t0, t1)
    for tick, label in zip(x_ticks, x_labels, strict=True):
        x = float(sx(np.asarray(tick.timestamp())))
        half = _text_px(label) / 2  # keep edge labels inside the canvas
        anchor = "end" if x + half > width - 2 else "start" if x - half < 2 else "middle"
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{frame.bottom}" y2="{frame.bottom + 5}" '
            f'stroke="{_AXIS}"/><text x="{x:.1f}" y="{frame.bottom + 19}" '
            f'text-anchor="{anchor}" fill="{_AXIS}">{_esc(label)}</text>'
        )
    parts.append(
        f'<line x1="{frame.left}" x2="{frame.right}" y1="{frame.bottom}" y2="{frame.bottom}" '
        f'stroke="{_AXIS}"/><text x="16" y="{frame.top + frame.height / 2:.1f}" '
        f'transform="rotate(-90 16 {frame.top + frame.height / 2:.1f})" text-anchor="middle" '
        f'fill="{_AXIS}">{_esc(y_label)}</text>'
    )
    for name, s in clean.items():
        index = pd.DatetimeIndex(s.index)
        xs, ys = sx(_seconds(index)), sy(s.to_numpy(dtype=float))
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
        parts.append(
            f'<g class="series" data-series="{_esc(name)}"><polyline points="{points}" '
            f'fill="none" stroke="{colours[name]}" stroke-width="2" stroke-linejoin="round">'
            f"<title>{_esc(name)}</title></polyline>"
        )
        if len(s) <= 60:
            for x, y, t, v in zip(xs, ys, index, s.to_numpy(dtype=float), strict=True):
                tip = f"{name} · {t:%Y-%m-%d %H:%M} UTC · {value_format(v)}"
                parts.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colours[name]}">'
                    f"<title>{_esc(tip)}</title></circle>"
                )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def bar_chart_svg(
    values: pd.DataFrame,
    *,
    title: str,
    x_label: str,
    colours: Mapping[str, str] | None = None,
    x_tick_labels: Callable[[Sequence[float]], list[str]] = usd_tick_labels,
    value_format: Callable[[float], str] = format_usd,
    width: int = 960,
    bar_px: int = 14,
) -> str:
    """A grouped horizontal bar chart; bars grow right from zero for positive values, left for
    negative ones, each labelled with its value.

    Parameters
    ----------
    values
        One row per category (a group of bars, labelled by the index) and one column per series
        (a bar in every group, in the legend); NaN draws no bar. Each bar is
        ``<rect class="bar" data-category=... data-series=...>``.
    title
        Accessible name of the chart.
    x_label
        Value axis label with its unit.
    colours
        Series -> CSS colour; Okabe-Ito in column order by default.
    x_tick_labels, value_format
        Tick labels for the value axis; text of each bar's label and tooltip.
    width, bar_px
        Canvas width and bar thickness [px]; the height follows from the data.
    """
    names = [str(c) for c in values.columns]
    categories = [str(c) for c in values.index]
    data = values.to_numpy(dtype=float)
    finite = data[np.isfinite(data)]
    if finite.size == 0:
        return _empty("No data to plot.")
    colours = colours or _palette(names)
    low, high = min(0.0, float(finite.min())), max(0.0, float(finite.max()))
    span = (high - low) or 1.0  # room for the value labels at the bar ends:
    ticks = nice_ticks(low - 0.15 * span * (low < 0), high + 0.15 * span * (high > 0))
    left = min(200.0, max(_text_px(c) for c in categories) + 24)
    legend, legend_h = _legend(
        [(n, colours[n]) for n in names], left=left, top=8, width=width - left - 24
    )
    group_h = len(names) * (bar_px + 3) + 14
    frame = _Frame(
        left=left, top=16 + legend_h, width=width - left - 24, height=group_h * len(data)
    )
    height = frame.bottom + 48

    def sx(value: float) -> float:
        return frame.left + (value - ticks[0]) / (ticks[-1] - ticks[0]) * frame.width

    zero = sx(0.0)
    parts = [_svg_open(width, height, title, "chart bar-chart"), legend]
    for i, category in enumerate(categories):
        top = frame.top + i * group_h
        if i % 2:
            parts.append(
                f'<rect x="{frame.left}" y="{top:.1f}" width="{frame.width}" height="{group_h}" '
                f'fill="#f5f7fa"/>'
            )
        parts.append(
            f'<text x="{frame.left - 8}" y="{top + group_h / 2 + 4:.1f}" text-anchor="end">'
            f"{_esc(category)}</text>"
        )
    for tick, label in zip(ticks, x_tick_labels(ticks), strict=True):
        x = sx(tick)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{frame.top}" y2="{frame.bottom + 5}" '
            f'stroke="{_GRID}"/><text x="{x:.1f}" y="{frame.bottom + 19}" text-anchor="middle" '
            f'fill="{_AXIS}">{_esc(label)}</text>'
        )
    for i, category in enumerate(categories):
        for j, name in enumerate(names):
            value = float(data[i, j])
            if not math.isfinite(value):
                continue
            y = frame.top + i * group_h + 7 + j * (bar_px + 3)
            end = sx(value)
            text_x, anchor = (end + 4, "start") if value >= 0 else (end - 4, "end")
            parts.append(
                f'<rect class="bar" data-category="{_esc(category)}" data-series="{_esc(name)}" '
                f'x="{min(zero, end):.1f}" y="{y:.1f}" width="{abs(end - zero):.1f}" '
                f'height="{bar_px}" fill="{colours[name]}"><title>{_esc(category)} · '
                f"{_esc(name)}: {_esc(value_format(value))}</title></rect>"
                f'<text x="{text_x:.1f}" y="{y + bar_px - 3:.1f}" text-anchor="{anchor}" '
                f'font-size="11" fill="{_AXIS}">{_esc(value_format(value))}</text>'
            )
    parts.append(
        f'<line class="zero" x1="{zero:.1f}" x2="{zero:.1f}" y1="{frame.top}" '
        f'y2="{frame.bottom}" stroke="{_AXIS}"/><text x="{frame.left + frame.width / 2:.1f}" '
        f'y="{frame.bottom + 38}" text-anchor="middle" fill="{_AXIS}">{_esc(x_label)}</text>'
        "</svg>"
    )
    return "".join(parts)


def _graticule_step(span_deg: float) -> float:
    return next((s for s in (1.0, 2.0, 5.0, 10.0, 15.0, 30.0) if span_deg / s <= 8), 45.0)


def site_map_svg(
    fleet: Fleet, *, width: int = 960, min_height: int = 260, max_height: int = 520
) -> str:
    """Sites on an equirectangular projection of their bounding box, with a graticule.

    x is longitude x cos(centre latitude) and y is latitude, so shapes are true near the centre of
    the box; the box gets a margin of 12 % of its larger side (at least 1 degree) and is stretched
    to fill the canvas. Circle area grows with capacity [MW], colour is the cooling kind, labels
    are site ids. Fleets across the antimeridian are not handled.

    Parameters
    ----------
    fleet
        The fleet whose sites to draw.
    width, min_height, max_height
        Canvas size limits [px].
    """
    sites: Sequence[Site] = fleet.sites
    lats = np.array([s.latitude for s in sites])
    lons = np.array([s.longitude for s in sites])
    kx = math.cos(math.radians((lats.min() + lats.max()) / 2))
    xs, ys = lons * kx, lats
    pad = max(1.0, 0.12 * max(np.ptp(xs), np.ptp(ys)))
    box_w, box_h = np.ptp(xs) + 2 * pad, np.ptp(ys) + 2 * pad
    kinds = [k for k in COOLING_COLOURS if any(s.cooling == k for s in sites)]
    legend, legend_h = _legend(
        [(k, COOLING_COLOURS[k]) for k in kinds], left=16, top=8, width=width, shape="circle"
    )
    plot_w = width - 32
    scale = min(plot_w / box_w, max_height / box_h)
    plot_h = max(float(min_height), box_h * scale)
    frame = _Frame(left=16, top=16 + legend_h, width=plot_w, height=plot_h)
    cx, cy = (xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2
    x0, y1 = cx - plot_w / scale / 2, cy + plot_h / scale / 2  # west edge, north edge

    def px(lon: float) -> float:
        return frame.left + (lon * kx - x0) * scale

    def py(lat: float) -> float:
        return frame.top + (y1 - lat) * scale

    label = f"Site map of {fleet.name}"
    parts = [
        _svg_open(width, frame.bottom + 8, label, "chart site-map"),
        legend,
        f'<rect x="{frame.left}" y="{frame.top}" width="{frame.width}" height="{frame.height}" '
        f'fill="#f4f8fb" stroke="{_GRID}"/>',
    ]
    lon_w, lon_e = x0 / kx, (x0 + plot_w / scale) / kx
    lat_s, lat_n = y1 - plot_h / scale, y1
    step = _graticule_step(max(lon_e - lon_w, lat_n - lat_s))
    for lon in np.arange(math.ceil(lon_w / step) * step, lon_e, step):
        x = px(lon)
        text = f"{abs(lon):g}°{'E' if lon > 0 else 'W' if lon < 0 else ''}"
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{frame.top}" y2="{frame.bottom}" '
            f'stroke="{_GRID}"/><text x="{x + 3:.1f}" y="{frame.bottom - 5}" font-size="10" '
            f'fill="{_AXIS}">{_esc(text)}</text>'
        )
    for lat in np.arange(math.ceil(lat_s / step) * step, lat_n, step):
        y = py(lat)
        text = f"{abs(lat):g}°{'N' if lat > 0 else 'S' if lat < 0 else ''}"
        parts.append(
            f'<line x1="{frame.left}" x2="{frame.right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{_GRID}"/><text x="{frame.left + 4}" y="{y - 3:.1f}" font-size="10" '
            f'fill="{_AXIS}">{_esc(text)}</text>'
        )
    biggest = max(s.capacity_mw for s in sites)
    for site in sites:
        x, y = px(site.longitude), py(site.latitude)
        r = 5 + 9 * math.sqrt(site.capacity_mw / biggest)
        right = x + r + 4 + _text_px(site.id) <= frame.right
        text_x, anchor = (x + r + 4, "start") if right else (x - r - 4, "end")
        tip = f"{site.name} ({site.id}): {site.capacity_mw:,.0f} MW, {site.cooling}"
        parts.append(
            f'<g class="site" data-site="{_esc(site.id)}"><circle cx="{x:.1f}" cy="{y:.1f}" '
            f'r="{r:.1f}" fill="{COOLING_COLOURS[site.cooling]}" fill-opacity="0.85" '
            f'stroke="#fff" stroke-width="1.5"><title>{_esc(tip)}</title></circle>'
            f'<text x="{text_x:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}" font-weight="600" '
            f'stroke="#fff" stroke-width="3" paint-order="stroke">{_esc(site.id)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


# ----------------------------------------------------------------------------- data preparation


def _fleet_total(ledger: pd.DataFrame, column: str) -> pd.Series:
    """``column`` summed over sites, per interval start (UTC, sorted)."""
    total = ledger[column].groupby(level="time").sum().sort_index()
    total.index = pd.DatetimeIndex(total.index).tz_convert("UTC")
    return total.astype(float)


def _interval(times: pd.DatetimeIndex) -> pd.Timedelta:
    """The ledger's interval length: the smallest gap between times, 1 h for a single time."""
    gaps = times.sort_values().to_series().diff().dropna()
    return pd.Timedelta(gaps.min()) if len(gaps) else _HOUR


def fleet_daily_hashrate_eh_s(ledger: pd.DataFrame) -> pd.Series:
    """Daily mean fleet hashrate [EH/s], indexed by UTC day start.

    Hourly hashrate is summed over sites, then averaged over the ledger hours in each UTC day
    (a partial first or last day is averaged over the hours it has).

    Parameters
    ----------
    ledger
        Hourly ledger, index ``(site_id, time)``, column ``hashrate_th_s`` [TH/s].
    """
    daily = _fleet_total(ledger, "hashrate_th_s").resample("D").mean().dropna()
    return daily / 1e6


def fleet_cumulative_profit_usd(ledger: pd.DataFrame) -> pd.Series:
    """Fleet profit accumulated over the horizon [USD], indexed by interval end.

    The series starts at 0 at the first interval start; each later point is the profit summed over
    sites and over every interval up to that time. Series longer than 2,000 points keep only the
    values at UTC midnights (plus the first and last).

    Parameters
    ----------
    ledger
        Hourly ledger, index ``(site_id, time)``, column ``profit_usd`` [USD per interval].
    """
    profit = _fleet_total(ledger, "profit_usd")
    if profit.empty:
        return profit
    times = pd.DatetimeIndex(profit.index)
    cumulative = pd.Series(profit.cumsum().to_numpy(), index=times + _interval(times))
    out = pd.concat([pd.Series([0.0], index=times[:1]), cumulative])
    if len(out) > _MAX_LINE_POINTS:
        index = pd.DatetimeIndex(out.index)
        keep = np.asarray(index == index.normalize())
        keep[0] = keep[-1] = True
        out = out[keep]
    return out


# -------------------------------------------------------------------------------------- sections


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


_SECTIONS: tuple[tuple[str, str, Callable[[ReportInputs], str]], ...] = (
    ("kpis", "Fleet KPIs by strategy", _kpi_section),
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
    fleet, kpis, ledgers, title, generated_at, notes
        As for :func:`render_report`.

    Returns
    -------
    Path
        ``path``.
    """
    target = Path(path)
    data = render_report(
        fleet=fleet,
        kpis=kpis,
        ledgers=ledgers,
        title=title,
        generated_at=generated_at,
        notes=notes,
    ).encode("utf-8")
    mode = stat.S_IMODE(target.stat().st_mode) if target.is_file() else 0o644
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.chmod(mode)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
