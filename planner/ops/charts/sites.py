"""The site map: sites over state, province and country borders, sized by capacity and
coloured by a figure per site (or by cooling kind)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from planner.domain.fleet import Fleet
from planner.ops.charts.boundaries import Bounds, boundaries_within
from planner.ops.charts.theme import styled

__all__ = ["COOLING_COLOURS", "map_bounds", "site_map"]

#: Colours of the cooling kinds when the map shows no figure.
COOLING_COLOURS: dict[str, str] = {"air": "#E69F00", "hydro": "#0072B2", "immersion": "#009E73"}
_LAND, _BORDER = "#f1f3f5", "#9aa5b1"
_MIN_SPAN_DEG = (12.0, 7.0)  # the least (longitude, latitude) a map spans [degrees]


def map_bounds(fleet: Fleet) -> Bounds:
    """The area the map shows: the sites' box with a margin of a quarter of its size (at least
    2 degrees), widened to at least 12 x 7 degrees, ``(west, south, east, north)``."""
    lons = np.array([s.longitude for s in fleet.sites])
    lats = np.array([s.latitude for s in fleet.sites])
    bounds = []
    for values, least in ((lons, _MIN_SPAN_DEG[0]), (lats, _MIN_SPAN_DEG[1])):
        low, high = float(values.min()), float(values.max())
        margin = max(2.0, 0.25 * (high - low))
        low, high = low - margin, high + margin
        if high - low < least:
            middle = (low + high) / 2
            low, high = middle - least / 2, middle + least / 2
        bounds.append((low, high))
    (west, east), (south, north) = bounds
    return west, max(south, -85.0), east, min(north, 85.0)


def _outline(bounds: Bounds, points: int = 12) -> dict[str, object]:
    """The box's edge as a GeoJSON multipoint (a polygon's winding would matter, points don't)."""
    west, south, east, north = bounds
    xs, ys = np.linspace(west, east, points), np.linspace(south, north, points)
    edge = [*((x, south) for x in xs), *((x, north) for x in xs)]
    edge += [*((west, y) for y in ys), *((east, y) for y in ys)]
    return {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "MultiPoint", "coordinates": [[float(x), float(y)] for x, y in edge]},
    }


def _projection(bounds: Bounds) -> dict[str, Any]:
    """Equal-area conic centred on the box (equal-earth when it spans the equator or more than
    60 degrees of latitude), fitted to the box."""
    west, south, east, north = bounds
    fit = _outline(bounds)
    if south < 0 < north or north - south > 60:
        return {"type": "equalEarth", "fit": fit}
    span = north - south
    return {
        "type": "conicEqualArea",
        "rotate": [-(west + east) / 2, 0, 0],
        "parallels": [south + span / 6, north - span / 6],
        "fit": fit,
    }


def site_map(
    fleet: Fleet,
    values: Mapping[str, float] | None = None,
    *,
    value_title: str = "",
    value_text: Callable[[float], str] = "{:,.2f}".format,
    higher_is_worse: bool = False,
    width: int = 860,
    height: int = 440,
) -> alt.LayerChart:
    """Sites over the borders of the states, provinces and countries around them.

    Circle area grows with the site's capacity [MW]. With ``values``, a circle's colour runs from
    green (the fleet's best value) through yellow to red (its worst) and the value is written
    under the site id; without, the colour is the cooling kind. Both scales have a legend.

    Parameters
    ----------
    fleet
        The fleet.
    values
        Site id -> figure (missing or NaN: grey); ``None`` colours by cooling kind.
    value_title
        What the figure is, with its unit (the colour legend's title).
    value_text
        Figure -> the text under the site id.
    higher_is_worse
        Whether larger figures are redder.
    width, height
        Size of the map [px] (the app stretches it to its column).
    """
    bounds = map_bounds(fleet)
    rows = []
    for s in fleet.sites:
        value = float(values.get(s.id, math.nan)) if values is not None else math.nan
        rows.append(
            {
                "site_id": s.id,
                "name": s.name,
                "longitude": s.longitude,
                "latitude": s.latitude,
                "capacity_mw": s.capacity_mw,
                "cooling": s.cooling,
                "value": value if math.isfinite(value) else None,
                "value_text": value_text(value) if math.isfinite(value) else "—",
            }
        )
    sites = pd.DataFrame(rows)
    projection = _projection(bounds)
    land = (
        alt.Chart(alt.Data(values=boundaries_within(bounds)))
        .mark_geoshape(fill=_LAND, stroke=_BORDER, strokeWidth=0.8, clip=True)
        .project(**projection)
    )
    where = {"longitude": "longitude:Q", "latitude": "latitude:Q"}
    size = alt.Size(
        "capacity_mw:Q",
        title="capacity [MW]",
        scale=alt.Scale(range=[120, 1400], zero=True),
        legend=alt.Legend(orient="bottom", symbolFillColor="#cbd2d9", symbolStrokeWidth=0),
    )
    if values is None:
        kinds = sorted(set(sites["cooling"]))
        colour = alt.Color(
            "cooling:N",
            title="cooling",
            scale=alt.Scale(domain=kinds, range=[COOLING_COLOURS.get(k, "#7b8794") for k in kinds]),
            legend=alt.Legend(orient="bottom"),
        )
    else:
        colour = alt.Color(
            "value:Q",
            title=value_title,
            scale=alt.Scale(scheme="redyellowgreen", reverse=higher_is_worse),
            legend=alt.Legend(orient="bottom", gradientLength=220, format="~s"),
        )
    tooltip = [
        alt.Tooltip("name:N", title="site"),
        alt.Tooltip("capacity_mw:Q", title="capacity [MW]", format=",.0f"),
        alt.Tooltip("cooling:N"),
        alt.Tooltip("value_text:N", title=value_title or "figure"),
    ]
    base = alt.Chart(sites).encode(**where).project(**projection)
    circles = base.mark_circle(opacity=0.92, stroke="white", strokeWidth=1.5).encode(
        size=size, color=colour, tooltip=tooltip
    )
    if values is not None:
        grey = base.transform_filter("datum.value == null").mark_circle(
            color="#bbbbbb", opacity=0.9
        )
        circles = alt.layer(grey.encode(size=size), circles)
    halos: tuple[dict[str, Any], ...] = (
        {"stroke": "white", "strokeWidth": 4, "strokeJoin": "round"},  # drawn under the text
        {},
    )
    lines: list[tuple[str, dict[str, Any]]] = [("site_id:N", {"dy": -7, "fontWeight": "bold"})]
    if values is not None:
        lines.append(("value_text:N", {"dy": 9, "color": "#323f4b"}))
    labels = [
        base.mark_text(align="left", dx=13, fontSize=13, **look, **halo).encode(text=field)
        for field, look in lines
        for halo in halos
    ]
    chart = alt.layer(land, circles, *labels).properties(width=width, height=height)
    return styled(chart)
