"""A small SVG line chart, written without plotting libraries: the benchmarks' figures."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from html import escape
from pathlib import Path

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


def line_chart(
    path: Path,
    series: Mapping[str, Sequence[tuple[float, float]]],
    *,
    title: str,
    x_label: str,
    y_label: str,
    log_x: bool = True,
    log_y: bool = True,
    x_ticks: Sequence[float] | None = None,
    width: int = 720,
    height: int = 440,
) -> None:
    """Write ``series`` (name -> ``(x, y)`` points) as an SVG line chart with point markers.

    Axes are logarithmic unless asked otherwise; ticks at powers of ten (log) or five even steps,
    or at ``x_ticks``.
    """
    points = [p for s in series.values() for p in s]
    if not points:
        raise ValueError("line_chart: no points")
    left, right, top, bottom = 70, 170, 40, 50
    xs = [p[0] for p in points] + list(x_ticks or [])
    fx = _scale(xs, log_x, left, width - right)
    fy = _scale([p[1] for p in points], log_y, height - bottom, top)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="15">{escape(title)}</text>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" '
        'stroke="black"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="black"/>',
    ]
    for value in x_ticks or _ticks(xs, log_x):
        x = fx(value)
        out.append(
            f'<line x1="{x:.1f}" y1="{height - bottom}" x2="{x:.1f}" y2="{height - bottom + 5}" '
            'stroke="black"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{height - bottom + 18}" text-anchor="middle">{value:g}</text>'
        )
    for value in _ticks([p[1] for p in points], log_y):
        y = fy(value)
        out.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>'
        )
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{value:g}</text>')
    out.append(
        f'<text x="{(left + width - right) / 2}" y="{height - 12}" '
        f'text-anchor="middle">{escape(x_label)}</text>'
    )
    out.append(
        f'<text x="16" y="{(top + height - bottom) / 2}" text-anchor="middle" '
        f'transform="rotate(-90 16 {(top + height - bottom) / 2})">{escape(y_label)}</text>'
    )
    for k, (name, pts) in enumerate(series.items()):
        colour = COLOURS[k % len(COLOURS)]
        xy = [(fx(x), fy(y)) for x, y in sorted(pts)]
        path_d = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(xy))
        out.append(f'<path d="{path_d}" fill="none" stroke="{colour}" stroke-width="2"/>')
        out.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>' for x, y in xy)
        ly = top + 10 + 20 * k
        out.append(
            f'<line x1="{width - right + 15}" y1="{ly}" x2="{width - right + 40}" y2="{ly}" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
        out.append(f'<text x="{width - right + 45}" y="{ly + 4}">{escape(name)}</text>')
    out.append("</svg>")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def _scale(values: list[float], log: bool, start: float, end: float) -> Callable[[float], float]:
    f = math.log10 if log else float
    lo, hi = f(min(values)), f(max(values))
    if log:
        lo, hi = float(math.floor(lo)), float(math.ceil(hi))
    if hi == lo:
        hi = lo + 1
    return lambda v: start + (f(v) - lo) / (hi - lo) * (end - start)


def _ticks(values: list[float], log: bool) -> list[float]:
    if log:
        lo, hi = math.floor(math.log10(min(values))), math.ceil(math.log10(max(values)))
        return [10.0**e for e in range(lo, hi + 1)]
    lo, hi = min(values), max(values)
    return [lo + (hi - lo) * i / 4 for i in range(5)]
