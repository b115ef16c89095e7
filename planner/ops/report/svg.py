"""Inline SVG charts: line and grouped bar, plus the series they draw."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from planner.ops.report.canvas import (
    AXIS_COLOUR,
    GRID_COLOUR,
    PlotArea,
    epoch_seconds,
    legend_svg,
    palette,
    svg_open,
    text_px,
)
from planner.ops.report.cells import empty_note
from planner.ops.report.format import (
    escape,
    format_usd,
    nice_ticks,
    number_tick_labels,
    time_ticks,
    usd_tick_labels,
)

_MAX_LINE_POINTS = 2000  # longer cumulative series are thinned to one point per UTC midnight
_HOUR = pd.Timedelta(hours=1)


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
        return empty_note("No data to plot.")
    colours = colours or palette(list(clean))
    t0 = min(pd.DatetimeIndex(s.index)[0] for s in clean.values())
    t1 = max(pd.DatetimeIndex(s.index)[-1] for s in clean.values())
    if t0 == t1:
        t0, t1 = t0 - 12 * _HOUR, t1 + 12 * _HOUR
    values = np.concatenate([s.to_numpy(dtype=float) for s in clean.values()])
    low, high = float(values.min()), float(values.max())
    if include_zero:
        low, high = min(low, 0.0), max(high, 0.0)
    y_ticks = nice_ticks(low, high)
    legend, legend_h = legend_svg(
        [(name, colours[name]) for name in clean], left=76, top=8, width=width - 100
    )
    frame = PlotArea(left=76, top=16 + legend_h, width=width - 100, height=height - 60 - legend_h)
    s0, s1 = t0.timestamp(), t1.timestamp()
    y_lo, y_hi = y_ticks[0], y_ticks[-1]

    def sx(seconds: np.ndarray) -> np.ndarray:
        return frame.left + (seconds - s0) / (s1 - s0) * frame.width

    def sy(value: np.ndarray) -> np.ndarray:
        return frame.bottom - (value - y_lo) / (y_hi - y_lo) * frame.height

    parts = [svg_open(width, height, title, "chart line-chart"), legend]
    for tick, label in zip(y_ticks, y_tick_labels(y_ticks), strict=True):
        y = float(sy(np.asarray(tick)))
        stroke = AXIS_COLOUR if tick == 0 else GRID_COLOUR
        parts.append(
            f'<line x1="{frame.left}" x2="{frame.right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{stroke}"/><text x="{frame.left - 6}" y="{y + 4:.1f}" '
            f'text-anchor="end" fill="{AXIS_COLOUR}">{escape(label)}</text>'
        )
    x_ticks, x_labels = time_ticks(t0, t1)
    for tick, label in zip(x_ticks, x_labels, strict=True):
        x = float(sx(np.asarray(tick.timestamp())))
        half = text_px(label) / 2  # keep edge labels inside the canvas
        anchor = "end" if x + half > width - 2 else "start" if x - half < 2 else "middle"
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{frame.bottom}" y2="{frame.bottom + 5}" '
            f'stroke="{AXIS_COLOUR}"/><text x="{x:.1f}" y="{frame.bottom + 19}" '
            f'text-anchor="{anchor}" fill="{AXIS_COLOUR}">{escape(label)}</text>'
        )
    parts.append(
        f'<line x1="{frame.left}" x2="{frame.right}" y1="{frame.bottom}" y2="{frame.bottom}" '
        f'stroke="{AXIS_COLOUR}"/><text x="16" y="{frame.top + frame.height / 2:.1f}" '
        f'transform="rotate(-90 16 {frame.top + frame.height / 2:.1f})" text-anchor="middle" '
        f'fill="{AXIS_COLOUR}">{escape(y_label)}</text>'
    )
    for name, s in clean.items():
        index = pd.DatetimeIndex(s.index)
        xs, ys = sx(epoch_seconds(index)), sy(s.to_numpy(dtype=float))
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
        parts.append(
            f'<g class="series" data-series="{escape(name)}"><polyline points="{points}" '
            f'fill="none" stroke="{colours[name]}" stroke-width="2" stroke-linejoin="round">'
            f"<title>{escape(name)}</title></polyline>"
        )
        if len(s) <= 60:
            for x, y, t, v in zip(xs, ys, index, s.to_numpy(dtype=float), strict=True):
                tip = f"{name} · {t:%Y-%m-%d %H:%M} UTC · {value_format(v)}"
                parts.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colours[name]}">'
                    f"<title>{escape(tip)}</title></circle>"
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
        return empty_note("No data to plot.")
    colours = colours or palette(names)
    low, high = min(0.0, float(finite.min())), max(0.0, float(finite.max()))
    span = (high - low) or 1.0  # room for the value labels at the bar ends:
    ticks = nice_ticks(low - 0.15 * span * (low < 0), high + 0.15 * span * (high > 0))
    left = min(200.0, max(text_px(c) for c in categories) + 24)
    legend, legend_h = legend_svg(
        [(n, colours[n]) for n in names], left=left, top=8, width=width - left - 24
    )
    group_h = len(names) * (bar_px + 3) + 14
    frame = PlotArea(
        left=left, top=16 + legend_h, width=width - left - 24, height=group_h * len(data)
    )
    height = frame.bottom + 48

    def sx(value: float) -> float:
        return frame.left + (value - ticks[0]) / (ticks[-1] - ticks[0]) * frame.width

    zero = sx(0.0)
    parts = [svg_open(width, height, title, "chart bar-chart"), legend]
    for i, category in enumerate(categories):
        top = frame.top + i * group_h
        if i % 2:
            parts.append(
                f'<rect x="{frame.left}" y="{top:.1f}" width="{frame.width}" height="{group_h}" '
                f'fill="#f5f7fa"/>'
            )
        parts.append(
            f'<text x="{frame.left - 8}" y="{top + group_h / 2 + 4:.1f}" text-anchor="end">'
            f"{escape(category)}</text>"
        )
    for tick, label in zip(ticks, x_tick_labels(ticks), strict=True):
        x = sx(tick)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{frame.top}" y2="{frame.bottom + 5}" '
            f'stroke="{GRID_COLOUR}"/><text x="{x:.1f}" y="{frame.bottom + 19}" '
            f'text-anchor="middle" fill="{AXIS_COLOUR}">{escape(label)}</text>'
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
                f'<rect class="bar" data-category="{escape(category)}" '
                f'data-series="{escape(name)}" '
                f'x="{min(zero, end):.1f}" y="{y:.1f}" width="{abs(end - zero):.1f}" '
                f'height="{bar_px}" fill="{colours[name]}"><title>{escape(category)} · '
                f"{escape(name)}: {escape(value_format(value))}</title></rect>"
                f'<text x="{text_x:.1f}" y="{y + bar_px - 3:.1f}" text-anchor="{anchor}" '
                f'font-size="11" fill="{AXIS_COLOUR}">{escape(value_format(value))}</text>'
            )
    parts.append(
        f'<line class="zero" x1="{zero:.1f}" x2="{zero:.1f}" y1="{frame.top}" '
        f'y2="{frame.bottom}" stroke="{AXIS_COLOUR}"/>'
        f'<text x="{frame.left + frame.width / 2:.1f}" y="{frame.bottom + 38}" '
        f'text-anchor="middle" fill="{AXIS_COLOUR}">{escape(x_label)}</text>'
        "</svg>"
    )
    return "".join(parts)


# ----------------------------------------------------------------------------- data preparation


def _fleet_total(ledger: pd.DataFrame, column: str) -> pd.Series:
    """``column`` summed over sites, per interval start (UTC, sorted)."""
    total = ledger[column].groupby(level="time").sum().sort_index()
    total.index = pd.DatetimeIndex(total.index).tz_convert("UTC")
    return total.astype(float)


def ledger_interval(times: pd.DatetimeIndex) -> pd.Timedelta:
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
    cumulative = pd.Series(profit.cumsum().to_numpy(), index=times + ledger_interval(times))
    out = pd.concat([pd.Series([0.0], index=times[:1]), cumulative])
    if len(out) > _MAX_LINE_POINTS:
        index = pd.DatetimeIndex(out.index)
        keep = np.asarray(index == index.normalize())
        keep[0] = keep[-1] = True
        out = out[keep]
    return out


# -------------------------------------------------------------------------------------- sections
