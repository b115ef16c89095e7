"""An inline SVG heat map: rows (sites) by time columns, shaded by a share in [0, 1]."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from planner.ops.report.canvas import AXIS_COLOUR, GRID_COLOUR, PlotArea, svg_open, text_px
from planner.ops.report.cells import empty_note
from planner.ops.report.format import escape

__all__ = ["heat_colour", "heatmap_svg"]

# Sequential scale from pale to deep (ColorBrewer "OrRd", colour-blind safe): share 0 -> 1.
_STOPS: tuple[tuple[int, int, int], ...] = (
    (255, 247, 236),
    (253, 212, 158),
    (252, 141, 89),
    (215, 48, 31),
    (127, 0, 0),
)


def heat_colour(share: float) -> str:
    """The colour of a share in [0, 1] (clipped) on the sequential scale; grey for NaN."""
    if not math.isfinite(share):
        return "#e4e7eb"
    x = min(1.0, max(0.0, share)) * (len(_STOPS) - 1)
    i = min(int(x), len(_STOPS) - 2)
    f = x - i
    rgb = (round(a + (b - a) * f) for a, b in zip(_STOPS[i], _STOPS[i + 1], strict=True))
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def heatmap_svg(
    share: pd.DataFrame,
    *,
    title: str,
    amounts: pd.DataFrame | None = None,
    amount_format: Callable[[float], str] = "{:,.0f} MWh".format,
    column_format: str = "%b %d",
    width: int = 960,
    cell_h: int = 26,
) -> str:
    """Rows by columns of coloured cells with a colour legend.

    Parameters
    ----------
    share
        Index: row labels (site ids); columns: tz-aware period starts; values: share in [0, 1]
        (NaN: grey, nothing available). Each cell is ``<rect class="cell" data-row=...
        data-col=... data-share=...>`` with a tooltip.
    title
        Accessible name of the chart.
    amounts
        Same shape as ``share``: the amount behind each share, shown in the tooltips.
    amount_format
        Amount -> text.
    column_format
        strftime of the column labels (UTC).
    width, cell_h
        Canvas width and row height [px].
    """
    if share.empty or share.shape[1] == 0:
        return empty_note("Nothing to shade.")
    rows = [str(r) for r in share.index]
    cols = pd.DatetimeIndex(share.columns)
    values = share.to_numpy(dtype=float)
    left = min(200.0, max(text_px(r) for r in rows) + 20)
    legend_h = 34
    frame = PlotArea(
        left=left, top=legend_h + 8, width=width - left - 16, height=cell_h * len(rows)
    )
    cell_w = frame.width / len(cols)
    height = frame.bottom + 40
    parts = [svg_open(width, height, title, "chart heatmap")]
    # Legend: a strip of ten shades from 0 % to 100 %.
    for k in range(10):
        parts.append(
            f'<rect x="{left + 24 * k:.1f}" y="8" width="24" height="12" '
            f'fill="{heat_colour((k + 0.5) / 10)}"/>'
        )
    parts.append(
        f'<text x="{left:.1f}" y="32" font-size="11" fill="{AXIS_COLOUR}">0 %</text>'
        f'<text x="{left + 240:.1f}" y="32" font-size="11" text-anchor="end" '
        f'fill="{AXIS_COLOUR}">100 % curtailed</text>'
    )
    for i, row in enumerate(rows):
        y = frame.top + i * cell_h
        parts.append(
            f'<text x="{left - 8:.1f}" y="{y + cell_h / 2 + 4:.1f}" text-anchor="end">'
            f"{escape(row)}</text>"
        )
        for j, t in enumerate(cols):
            v = float(values[i, j])
            amount = ""
            if amounts is not None:
                amount = f", {amount_format(float(amounts.iloc[i, j]))}"
            shown = "nothing available" if not math.isfinite(v) else f"{100 * v:.1f} %"
            tip = f"{row} · {t:%Y-%m-%d %H:%M} UTC: {shown}{amount}"
            parts.append(
                f'<rect class="cell" data-row="{escape(row)}" data-col="{t:%Y-%m-%dT%H:%MZ}" '
                f'data-share="{v:.4f}" x="{frame.left + j * cell_w:.2f}" y="{y:.1f}" '
                f'width="{cell_w + 0.3:.2f}" height="{cell_h - 2}" fill="{heat_colour(v)}">'
                f"<title>{escape(tip)}</title></rect>"
            )
    step = max(1, int(np.ceil(len(cols) / 12)))
    for j in range(0, len(cols), step):
        x = frame.left + (j + 0.5) * cell_w
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{frame.bottom}" y2="{frame.bottom + 4}" '
            f'stroke="{GRID_COLOUR}"/><text x="{x:.1f}" y="{frame.bottom + 18}" '
            'text-anchor="middle" '
            f'font-size="11" fill="{AXIS_COLOUR}">{escape(cols[j].strftime(column_format))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
