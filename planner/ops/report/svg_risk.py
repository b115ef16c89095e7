"""Inline SVG charts of distributions over scenarios: hashrate bands and profit box plots."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from planner.engine.metrics import weighted_quantile
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
    format_eh_s,
    format_usd,
    nice_ticks,
    number_tick_labels,
    time_ticks,
    usd_tick_labels,
)

__all__ = ["BAND_COLUMNS", "band_chart_svg", "box_plot_svg", "box_stats"]

#: Columns a band frame needs: low edge, middle line, high edge [any unit].
BAND_COLUMNS: tuple[str, str, str] = ("p5_eh_s", "median_eh_s", "p95_eh_s")
_MAX_BAND_POINTS = 1500


def _thin(frame: pd.DataFrame) -> pd.DataFrame:
    """Every k-th row so at most :data:`_MAX_BAND_POINTS` remain (the last row kept)."""
    if len(frame) <= _MAX_BAND_POINTS:
        return frame
    step = int(np.ceil(len(frame) / _MAX_BAND_POINTS))
    keep = np.zeros(len(frame), dtype=bool)
    keep[::step] = True
    keep[-1] = True
    return frame[keep]


def band_chart_svg(
    bands: Mapping[str, pd.DataFrame],
    *,
    title: str,
    y_label: str = "EH/s",
    colours: Mapping[str, str] | None = None,
    columns: tuple[str, str, str] = BAND_COLUMNS,
    y_tick_labels: Callable[[Sequence[float]], list[str]] = number_tick_labels,
    value_format: Callable[[float], str] = format_eh_s,
    width: int = 960,
    height: int = 380,
) -> str:
    """Per series, a shaded band between a low and a high edge and a line through the middle.

    Parameters
    ----------
    bands
        Name -> frame indexed by tz-aware times with the three ``columns`` (low, middle, high);
        drawn as ``<g class="band" data-series=name>`` holding a ``<polygon>`` (the band, 18 %
        opaque) and a ``<polyline>`` (the middle). Longer series are thinned to 1,500 points.
    title
        Accessible name of the chart.
    y_label
        Axis label with its unit.
    colours
        Name -> CSS colour; Okabe-Ito in order by default.
    columns
        Low, middle and high column names.
    y_tick_labels, value_format
        Tick labels and tooltip text of values.
    width, height
        Canvas size [px].
    """
    low_c, _, high_c = columns
    clean = {n: _thin(f.sort_index()) for n, f in bands.items() if len(f)}
    if not clean:
        return empty_note("No data to plot.")
    colours = colours or palette(list(clean))
    t0 = min(pd.DatetimeIndex(f.index)[0] for f in clean.values())
    t1 = max(pd.DatetimeIndex(f.index)[-1] for f in clean.values())
    if t0 == t1:
        t1 = t0 + pd.Timedelta(hours=1)
    values = np.concatenate(
        [f[[low_c, high_c]].to_numpy(dtype=float).ravel() for f in clean.values()]
    )
    values = values[np.isfinite(values)]
    ticks = nice_ticks(float(values.min()), float(values.max()))
    legend, legend_h = legend_svg(
        [(n, colours[n]) for n in clean], left=76, top=8, width=width - 100
    )
    frame = PlotArea(left=76, top=16 + legend_h, width=width - 100, height=height - 60 - legend_h)
    s0, s1 = t0.timestamp(), t1.timestamp()

    def sx(seconds: np.ndarray) -> np.ndarray:
        return frame.left + (seconds - s0) / (s1 - s0) * frame.width

    def sy(value: np.ndarray) -> np.ndarray:
        return frame.bottom - (value - ticks[0]) / (ticks[-1] - ticks[0]) * frame.height

    parts = [svg_open(width, height, title, "chart band-chart"), legend]
    for tick, label in zip(ticks, y_tick_labels(ticks), strict=True):
        y = float(sy(np.asarray(tick)))
        parts.append(
            f'<line x1="{frame.left}" x2="{frame.right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{AXIS_COLOUR if tick == 0 else GRID_COLOUR}"/><text x="{frame.left - 6}" '
            f'y="{y + 4:.1f}" text-anchor="end" fill="{AXIS_COLOUR}">{escape(label)}</text>'
        )
    x_ticks, x_labels = time_ticks(t0, t1)
    for tick, label in zip(x_ticks, x_labels, strict=True):
        x = float(sx(np.asarray(tick.timestamp())))
        half = text_px(label) / 2
        anchor = "end" if x + half > width - 2 else "start" if x - half < 2 else "middle"
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{frame.bottom}" y2="{frame.bottom + 5}" '
            f'stroke="{AXIS_COLOUR}"/><text x="{x:.1f}" y="{frame.bottom + 19}" '
            f'text-anchor="{anchor}" fill="{AXIS_COLOUR}">{escape(label)}</text>'
        )
    mid_y = frame.top + frame.height / 2
    parts.append(
        f'<line x1="{frame.left}" x2="{frame.right}" y1="{frame.bottom}" y2="{frame.bottom}" '
        f'stroke="{AXIS_COLOUR}"/><text x="16" y="{mid_y:.1f}" '
        f'transform="rotate(-90 16 {mid_y:.1f})" '
        f'text-anchor="middle" fill="{AXIS_COLOUR}">{escape(y_label)}</text>'
    )
    for name, f in clean.items():
        xs = sx(epoch_seconds(pd.DatetimeIndex(f.index)))
        lo, mid, hi = (sy(f[c].to_numpy(dtype=float)) for c in columns)
        upper = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, hi, strict=True))
        lower = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs[::-1], lo[::-1], strict=True))
        line = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, mid, strict=True))
        spread = f"{value_format(float(f[low_c].min()))} to {value_format(float(f[high_c].max()))}"
        parts.append(
            f'<g class="band" data-series="{escape(name)}">'
            f'<polygon points="{upper} {lower}" fill="{colours[name]}" fill-opacity="0.18" '
            f'stroke="none"><title>{escape(name)}: P5-P95 {escape(spread)}</title></polygon>'
            f'<polyline points="{line}" fill="none" stroke="{colours[name]}" stroke-width="2" '
            f'stroke-linejoin="round"><title>{escape(name)} median</title></polyline></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def box_stats(values: np.ndarray, weights: np.ndarray) -> dict[str, float]:
    """Weighted P5, P25, median, P75, P95 and mean of ``values`` (weights need not sum to 1)."""
    q = weighted_quantile(values, weights, [0.05, 0.25, 0.5, 0.75, 0.95])
    stats = dict(zip(("p5", "p25", "median", "p75", "p95"), (float(v) for v in q), strict=True))
    stats["mean"] = float(weights @ values / weights.sum())
    return stats


def box_plot_svg(
    samples: Mapping[str, tuple[np.ndarray, np.ndarray]],
    *,
    title: str,
    x_label: str = "Profit over the horizon (USD)",
    colours: Mapping[str, str] | None = None,
    x_tick_labels: Callable[[Sequence[float]], list[str]] = usd_tick_labels,
    value_format: Callable[[float], str] = format_usd,
    width: int = 960,
) -> str:
    """Horizontal box plots, one per series, of weighted samples.

    The box spans P25 to P75 with a bar at the median, whiskers reach P5 and P95, a diamond marks
    the mean and each sample is a faint dot (so few runs stay visible as runs).

    Parameters
    ----------
    samples
        Name -> ``(values, weights)``; each drawn as ``<g class="box" data-series=name>``.
    title, x_label
        Accessible name and axis label with its unit.
    colours
        Name -> CSS colour.
    x_tick_labels, value_format
        Tick labels and text of the tooltip figures.
    width
        Canvas width [px]; the height follows from the number of series.
    """
    clean = {n: (np.asarray(v, float), np.asarray(w, float)) for n, (v, w) in samples.items()}
    clean = {n: vw for n, vw in clean.items() if len(vw[0])}
    if not clean:
        return empty_note("No runs to plot.")
    colours = colours or palette(list(clean))
    every = np.concatenate([v for v, _ in clean.values()])
    ticks = nice_ticks(float(every.min()), float(every.max()))
    left = min(220.0, max(text_px(n) for n in clean) + 24)
    row_h = 40
    frame = PlotArea(left=left, top=12, width=width - left - 24, height=row_h * len(clean))
    height = frame.bottom + 48

    def sx(value: np.ndarray | float) -> np.ndarray:
        return frame.left + (np.asarray(value) - ticks[0]) / (ticks[-1] - ticks[0]) * frame.width

    parts = [svg_open(width, height, title, "chart box-plot")]
    for tick, label in zip(ticks, x_tick_labels(ticks), strict=True):
        x = float(sx(tick))
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{frame.top}" y2="{frame.bottom + 5}" '
            f'stroke="{AXIS_COLOUR if tick == 0 else GRID_COLOUR}"/><text x="{x:.1f}" '
            f'y="{frame.bottom + 19}" text-anchor="middle" fill="{AXIS_COLOUR}">'
            f"{escape(label)}</text>"
        )
    for i, (name, (values, weights)) in enumerate(clean.items()):
        s = box_stats(values, weights)
        y = frame.top + i * row_h + row_h / 2
        c = colours[name]
        tip = (
            f"{name}: P5 {value_format(s['p5'])}, P25 {value_format(s['p25'])}, median "
            f"{value_format(s['median'])}, P75 {value_format(s['p75'])}, P95 "
            f"{value_format(s['p95'])}, mean {value_format(s['mean'])} ({len(values)} runs)"
        )
        x5, x25, x50, x75, x95, xm = (
            float(sx(s[k])) for k in ("p5", "p25", "median", "p75", "p95", "mean")
        )
        dots = "".join(
            f'<circle cx="{float(sx(v)):.1f}" cy="{y:.1f}" r="2" fill="{c}" fill-opacity="0.35"/>'
            for v in values
        )
        parts.append(
            f'<g class="box" data-series="{escape(name)}"><title>{escape(tip)}</title>'
            f'<text x="{frame.left - 8}" y="{y + 4:.1f}" text-anchor="end">{escape(name)}</text>'
            f'<line x1="{x5:.1f}" x2="{x95:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{c}"/>'
            f'<line x1="{x5:.1f}" x2="{x5:.1f}" y1="{y - 6:.1f}" y2="{y + 6:.1f}" stroke="{c}"/>'
            f'<line x1="{x95:.1f}" x2="{x95:.1f}" y1="{y - 6:.1f}" y2="{y + 6:.1f}" stroke="{c}"/>'
            f'<rect x="{x25:.1f}" y="{y - 11:.1f}" width="{max(x75 - x25, 1.0):.1f}" height="22" '
            f'fill="{c}" fill-opacity="0.25" stroke="{c}"/>'
            f'<line class="median" x1="{x50:.1f}" x2="{x50:.1f}" y1="{y - 11:.1f}" '
            f'y2="{y + 11:.1f}" stroke="{c}" stroke-width="3"/>{dots}'
            f'<path class="mean" d="M{xm:.1f},{y - 5:.1f} l5,5 l-5,5 l-5,-5 z" fill="#fff" '
            f'stroke="{c}" stroke-width="1.5"/></g>'
        )
    parts.append(
        f'<text x="{frame.left + frame.width / 2:.1f}" y="{frame.bottom + 38}" '
        f'text-anchor="middle" fill="{AXIS_COLOUR}">{escape(x_label)}</text></svg>'
    )
    return "".join(parts)
