"""Inline SVG maps of a fleet's sites: the report's site map (coloured by cooling) and a map of
one value per site (the what-if app's risk map), on one projection and graticule.

No tiles and no network: the sites' bounding box on an equirectangular projection (x is
longitude x cos(centre latitude), y is latitude, so shapes are true near the centre of the box),
a margin of 12 % of the box's larger side (at least 1 degree), a graticule, and one circle per
site whose area grows with its capacity [MW]. Fleets across the antimeridian are not handled.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from planner.domain.fleet import Fleet, Site
from planner.ops.report.canvas import (
    AXIS_COLOUR,
    GRID_COLOUR,
    PlotArea,
    legend_svg,
    svg_open,
    text_px,
)
from planner.ops.report.format import escape

__all__ = [
    "COOLING_COLOURS",
    "MapProjection",
    "fit_map",
    "map_background_svg",
    "place_labels",
    "site_map_svg",
    "site_value_map_svg",
]

COOLING_COLOURS = {"air": "#E69F00", "hydro": "#0072B2", "immersion": "#009E73"}
#: Map background inside the frame.
MAP_FILL = "#f4f8fb"
#: Sites without a value on a value map.
NO_VALUE_COLOUR = "#bbbbbb"

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class MapProjection:
    """Longitude and latitude to canvas pixels, for a plot area fitted to a fleet's sites.

    Attributes
    ----------
    frame
        The plot area [px].
    kx
        cos(centre latitude): degrees of longitude to degrees of latitude on the map [-].
    scale
        Pixels per degree of latitude [px/deg].
    west, north
        The frame's west edge (in degrees of longitude x ``kx``) and north edge [deg].
    """

    frame: PlotArea
    kx: float
    scale: float
    west: float
    north: float

    def x(self, lon: float) -> float:
        """Canvas x of a longitude [px]."""
        return self.frame.left + (lon * self.kx - self.west) * self.scale

    def y(self, lat: float) -> float:
        """Canvas y of a latitude [px]."""
        return self.frame.top + (self.north - lat) * self.scale


def fit_map(
    sites: Sequence[Site],
    *,
    left: float,
    top: float,
    width: float,
    min_height: float,
    max_height: float,
) -> MapProjection:
    """The projection of the sites' bounding box (with its margin) onto a plot area.

    Parameters
    ----------
    sites
        The sites to show.
    left, top, width
        The plot area's corner and width [px].
    min_height, max_height
        Limits of its height [px]: the box fills the width unless that makes it taller than
        ``max_height``; the area is at least ``min_height`` high, the box centred in it.
    """
    lats = np.array([s.latitude for s in sites])
    lons = np.array([s.longitude for s in sites])
    kx = math.cos(math.radians((lats.min() + lats.max()) / 2))
    xs, ys = lons * kx, lats
    pad = max(1.0, 0.12 * max(np.ptp(xs), np.ptp(ys)))
    box_w, box_h = np.ptp(xs) + 2 * pad, np.ptp(ys) + 2 * pad
    scale = min(width / box_w, max_height / box_h)
    height = max(float(min_height), box_h * scale)
    frame = PlotArea(left=left, top=top, width=width, height=height)
    cx, cy = (xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2
    return MapProjection(frame, kx, scale, cx - width / scale / 2, cy + height / scale / 2)


def _graticule_step(span_deg: float) -> float:
    return next((s for s in (1.0, 2.0, 5.0, 10.0, 15.0, 30.0) if span_deg / s <= 8), 45.0)


def map_background_svg(projection: MapProjection) -> str:
    """The frame and its graticule: meridians and parallels every 1, 2, 5, 10, 15, 30 or 45
    degrees (at most about eight across), labelled in degrees."""
    p, frame = projection, projection.frame
    parts = [
        f'<rect x="{frame.left}" y="{frame.top}" width="{frame.width}" height="{frame.height}" '
        f'fill="{MAP_FILL}" stroke="{GRID_COLOUR}"/>'
    ]
    lon_w, lon_e = p.west / p.kx, (p.west + frame.width / p.scale) / p.kx
    lat_s, lat_n = p.north - frame.height / p.scale, p.north
    step = _graticule_step(max(lon_e - lon_w, lat_n - lat_s))
    for lon in np.arange(math.ceil(lon_w / step) * step, lon_e, step):
        x = p.x(lon)
        text = f"{abs(lon):g}°{'E' if lon > 0 else 'W' if lon < 0 else ''}"
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{frame.top}" y2="{frame.bottom}" '
            f'stroke="{GRID_COLOUR}"/><text x="{x + 3:.1f}" y="{frame.bottom - 5}" font-size="10" '
            f'fill="{AXIS_COLOUR}">{escape(text)}</text>'
        )
    for lat in np.arange(math.ceil(lat_s / step) * step, lat_n, step):
        y = p.y(lat)
        text = f"{abs(lat):g}°{'N' if lat > 0 else 'S' if lat < 0 else ''}"
        parts.append(
            f'<line x1="{frame.left}" x2="{frame.right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID_COLOUR}"/><text x="{frame.left + 4}" y="{y - 3:.1f}" font-size="10" '
            f'fill="{AXIS_COLOUR}">{escape(text)}</text>'
        )
    return "".join(parts)


def site_map_svg(
    fleet: Fleet, *, width: int = 960, min_height: int = 260, max_height: int = 520
) -> str:
    """The report's site map: circle area grows with capacity [MW], colour is the cooling kind,
    labels are site ids (module docstring).

    Parameters
    ----------
    fleet
        The fleet whose sites to draw.
    width, min_height, max_height
        Canvas size limits [px].
    """
    sites: Sequence[Site] = fleet.sites
    kinds = [k for k in COOLING_COLOURS if any(s.cooling == k for s in sites)]
    legend, legend_h = legend_svg(
        [(k, COOLING_COLOURS[k]) for k in kinds], left=16, top=8, width=width, shape="circle"
    )
    projection = fit_map(
        sites,
        left=16,
        top=16 + legend_h,
        width=width - 32,
        min_height=min_height,
        max_height=max_height,
    )
    frame = projection.frame
    label = f"Site map of {fleet.name}"
    parts = [
        svg_open(width, frame.bottom + 8, label, "chart site-map"),
        legend,
        map_background_svg(projection),
    ]
    biggest = max(s.capacity_mw for s in sites)
    for site in sites:
        x, y = projection.x(site.longitude), projection.y(site.latitude)
        r = 5 + 9 * math.sqrt(site.capacity_mw / biggest)
        right = x + r + 4 + text_px(site.id) <= frame.right
        text_x, anchor = (x + r + 4, "start") if right else (x - r - 4, "end")
        tip = f"{site.name} ({site.id}): {site.capacity_mw:,.0f} MW, {site.cooling}"
        parts.append(
            f'<g class="site" data-site="{escape(site.id)}"><circle cx="{x:.1f}" cy="{y:.1f}" '
            f'r="{r:.1f}" fill="{COOLING_COLOURS[site.cooling]}" fill-opacity="0.85" '
            f'stroke="#fff" stroke-width="1.5"><title>{escape(tip)}</title></circle>'
            f'<text x="{text_x:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}" font-weight="600" '
            f'stroke="#fff" stroke-width="3" paint-order="stroke">{escape(site.id)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def site_value_map_svg(
    fleet: Fleet,
    values: Mapping[str, float],
    *,
    label: str,
    value_text: Callable[[float], str],
    colour: Callable[[float], str],
    higher_is_worse: bool,
    width: int = 820,
    height: int = 420,
) -> str:
    """Sites coloured by one value each, best to worst, with the value under each site id.

    The canvas scales to its container's width (at most ``width``). Circle area grows with
    capacity [MW]; labels are placed where they overlap no circle or other label if they can
    (:func:`place_labels`); a legend shows the colour scale from the best value to the worst.

    Parameters
    ----------
    fleet
        The fleet.
    values
        Site id -> value (missing or NaN sites are drawn grey).
    label
        What the value is (the legend's title and the map's accessible name).
    value_text
        A value as text, with its unit.
    colour
        A share in [0, 1] (0 the fleet's best value, 1 its worst) -> CSS colour.
    higher_is_worse
        Whether larger values are worse.
    width, height
        Canvas size [px].
    """
    sites = fleet.sites
    plot_h = height - 56.0
    projection = fit_map(
        sites, left=12.0, top=44.0, width=width - 24.0, min_height=plot_h, max_height=plot_h
    )
    frame = projection.frame
    known = [v for v in values.values() if math.isfinite(v)]
    low, high = (min(known), max(known)) if known else (0.0, 0.0)

    def share(value: float) -> float:
        s = 0.0 if high <= low else (value - low) / (high - low)
        return s if higher_is_worse else 1.0 - s

    parts = [
        svg_open(width, height, f"{label} by site", "site-value-map", fluid=True),
        map_background_svg(projection),
    ]
    biggest = max(s.capacity_mw for s in sites)
    ordered = sorted(sites, key=lambda s: -s.capacity_mw)  # small circles drawn on top
    circles = [
        (
            projection.x(s.longitude),
            projection.y(s.latitude),
            7 + 13 * math.sqrt(s.capacity_mw / biggest),
        )
        for s in ordered
    ]
    texts = [value_text(values.get(s.id, math.nan)) for s in ordered]
    sizes = [(7.2 * max(len(s.id), len(t)) + 4, 30.0) for s, t in zip(ordered, texts, strict=True)]
    places = place_labels(circles, sizes, (frame.left, frame.top, frame.right, frame.bottom))
    labels = []
    for site, (x, y, r), text, (box_x, box_y, _) in zip(
        ordered, circles, texts, places, strict=True
    ):
        value = values.get(site.id, math.nan)
        fill = colour(share(value)) if math.isfinite(value) else NO_VALUE_COLOUR
        tip = f"{site.name} ({site.id}), {site.capacity_mw:,.0f} MW {site.cooling}: {label} {text}"
        parts.append(
            f'<circle data-site="{escape(site.id)}" cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" '
            f'fill="{fill}" fill-opacity="0.9" stroke="#fff" stroke-width="2">'
            f"<title>{escape(tip)}</title></circle>"
        )
        labels.append(
            f'<text x="{box_x + 2:.1f}" y="{box_y + 12:.1f}" font-weight="600" stroke="#fff" '
            f'stroke-width="3" paint-order="stroke">{escape(site.id)}</text>'
            f'<text x="{box_x + 2:.1f}" y="{box_y + 26:.1f}" fill="#323f4b" stroke="#fff" '
            f'stroke-width="3" paint-order="stroke">{escape(text)}</text>'
        )
    parts.extend(labels)
    best, worst = (low, high) if higher_is_worse else (high, low)
    stops = "".join(f'<stop offset="{k / 4:.2f}" stop-color="{colour(k / 4)}"/>' for k in range(5))
    left = frame.left
    parts.append(
        f'<defs><linearGradient id="value-ramp">{stops}</linearGradient></defs>'
        f'<text x="{left}" y="16" font-weight="600">{escape(label)}</text>'
        f'<text x="{left}" y="34" fill="{AXIS_COLOUR}">better {escape(value_text(best))}</text>'
        f'<rect x="{left + 150}" y="24" width="160" height="12" fill="url(#value-ramp)"/>'
        f'<text x="{left + 318}" y="34" fill="{AXIS_COLOUR}">worse '
        f"{escape(value_text(worst))}</text>"
        f'<text x="{width - 12}" y="34" text-anchor="end" fill="{AXIS_COLOUR}">circle area: '
        "capacity [MW]</text></svg>"
    )
    return "".join(parts)


def _overlap(a: Box, b: Box) -> float:
    """Overlapping area of two ``(x0, y0, x1, y1)`` boxes [px^2]."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(w, 0.0) * max(h, 0.0)


def place_labels(
    circles: list[tuple[float, float, float]], sizes: list[tuple[float, float]], bounds: Box
) -> list[tuple[float, float, float]]:
    """Greedy label placement: per circle, the first of right, left, above, below and the
    diagonals that overlaps no circle or label placed and stays inside ``bounds``; else the
    least bad one.

    Parameters
    ----------
    circles
        ``(x, y, r)`` of each circle [px], in placing order.
    sizes
        ``(width, height)`` of each label [px].
    bounds
        ``(x0, y0, x1, y1)`` of the drawing area [px].

    Returns
    -------
    list of (x, y, cost)
        Top-left corner of each label [px] and what it overlaps [px^2] (0 when free).
    """
    obstacles: list[Box] = [(x - r, y - r, x + r, y + r) for x, y, r in circles]
    placed: list[tuple[float, float, float]] = []
    for k, ((x, y, r), (w, h)) in enumerate(zip(circles, sizes, strict=True)):
        gap, diag = r + 4, 0.7 * (r + 4)
        candidates = [
            (x + gap, y - h / 2),
            (x - gap - w, y - h / 2),
            (x - w / 2, y - gap - h),
            (x - w / 2, y + gap),
            (x + diag, y - diag - h),
            (x - diag - w, y - diag - h),
            (x + diag, y + diag),
            (x - diag - w, y + diag),
        ]
        best: tuple[float, float, float] | None = None
        for bx, by in candidates:
            box = (bx, by, bx + w, by + h)
            outside = (
                max(bounds[0] - box[0], 0.0)
                + max(box[2] - bounds[2], 0.0)
                + max(bounds[1] - box[1], 0.0)
                + max(box[3] - bounds[3], 0.0)
            )
            cost = 1e3 * outside + sum(_overlap(box, o) for j, o in enumerate(obstacles) if j != k)
            if best is None or cost < best[2]:
                best = (bx, by, cost)
            if cost == 0.0:
                break
        assert best is not None
        placed.append(best)
        obstacles.append((best[0], best[1], best[0] + w, best[1] + h))
    return placed
