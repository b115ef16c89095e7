"""What every inline SVG chart of the report is drawn with: colours, the plot area, the opening
tag, text widths, legends and time on the x axis."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.ops.report.format import escape

__all__ = [
    "AXIS_COLOUR",
    "GRID_COLOUR",
    "OKABE_ITO",
    "PlotArea",
    "epoch_seconds",
    "legend_svg",
    "palette",
    "svg_open",
    "text_px",
]

#: Okabe & Ito (2008), colour-blind safe; yellow last because it is faint on white.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
#: Grid lines and frames.
GRID_COLOUR = "#e4e7eb"
#: Axis lines, ticks and their labels.
AXIS_COLOUR = "#52606d"

_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")


@dataclass(frozen=True)
class PlotArea:
    """The plot rectangle inside an SVG canvas [px].

    Attributes
    ----------
    left, top, width, height
        Its position and size on the canvas [px].
    """

    left: float
    top: float
    width: float
    height: float

    @property
    def right(self) -> float:
        """Its right edge [px]."""
        return self.left + self.width

    @property
    def bottom(self) -> float:
        """Its bottom edge [px]."""
        return self.top + self.height


def text_px(text: str, size: float = 12) -> float:
    """Rough rendered width of ``text`` in a sans-serif font of ``size`` [px]."""
    return len(text) * size * 0.58


def svg_open(
    width: float, height: float, label: str, css_class: str, *, fluid: bool = False
) -> str:
    """The opening ``<svg>`` tag of a chart of ``width`` x ``height`` [px] that scales to its
    container, with ``label`` as its accessible name and ``<title>``.

    ``fluid``: the chart fills its container's width up to ``width`` by itself (for pages
    without the report's style sheet), its height following.
    """
    size = (
        f'width="100%" style="max-width: {width:.0f}px; font-family: sans-serif"'
        if fluid
        else f'width="{width:.0f}" height="{height:.0f}"'
    )
    return (
        f'<svg class="{css_class}" viewBox="0 0 {width:.0f} {height:.0f}" {size} '
        f'role="img" aria-label="{escape(label)}" font-size="12">'
        f"<title>{escape(label)}</title>"
    )


def legend_svg(
    items: Sequence[tuple[str, str]], *, left: float, top: float, width: float, shape: str = "rect"
) -> tuple[str, float]:
    """Swatches and labels in rows from ``(left, top)``, wrapped at ``width`` [px].

    Parameters
    ----------
    items
        ``(label, CSS colour)`` in order.
    left, top, width
        Where the legend starts and how wide it may grow [px].
    shape
        ``rect`` or ``circle`` swatches.

    Returns
    -------
    tuple of (str, float)
        The ``<g class="legend">`` markup and its height [px] (0 without items).
    """
    parts = ['<g class="legend">']
    x, y = left, top
    for label, colour in items:
        item_w = 20 + text_px(label) + 18
        if x > left and x + item_w > left + width:
            x, y = left, y + 20
        if shape == "circle":
            parts.append(f'<circle cx="{x + 6:.1f}" cy="{y + 6:.1f}" r="5" fill="{colour}"/>')
        else:
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="12" height="12" rx="2" fill="{colour}"/>'
            )
        parts.append(f'<text x="{x + 18:.1f}" y="{y + 10:.1f}">{escape(label)}</text>')
        x += item_w
    parts.append("</g>")
    return "".join(parts), (y - top + 20 if items else 0.0)


def palette(names: Sequence[str]) -> dict[str, str]:
    """Name -> colour, :data:`OKABE_ITO` in order (repeating after eight names)."""
    return {name: OKABE_ITO[i % len(OKABE_ITO)] for i, name in enumerate(names)}


def epoch_seconds(index: pd.DatetimeIndex) -> np.ndarray:
    """Tz-aware times as seconds since 1970-01-01 UTC [s], the x coordinate before scaling.

    Raises
    ------
    ValueError
        The times are naive.
    """
    if index.tz is None:
        raise ValueError("chart times must be tz-aware")
    return np.asarray((index - _EPOCH) / pd.Timedelta(seconds=1), dtype=float)
