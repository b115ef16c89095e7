"""State, province and country borders for the site map, read from a file shipped with the
package: the map works offline.

``boundaries.geojson.gz`` is derived from Natural Earth (public domain, naturalearthdata.com):
the U.S. states and Canadian provinces of *Admin 1 - States, Provinces* (1:50m) and every other
country of *Admin 0 - Countries* (1:110m), as packaged by Debian's ``r-cran-rnaturalearthdata``
(CC0). ``scripts/export_natural_earth.R`` and ``scripts/derive_boundaries.py`` rebuild it: each
ring simplified (Douglas-Peucker, 0.02 degrees), its coordinates rounded to 0.01 degree (about
1 km) and wound clockwise (d3-geo's exterior rings); each feature keeps ``name``, ``code``
(ISO 3166-2 for a state or province, ISO 3166-1 alpha-3 for a country) and ``kind`` (``state``,
``province`` or ``country``).
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from importlib.resources import files
from typing import Any

__all__ = ["BOUNDARY_FILE", "Bounds", "boundaries", "boundaries_within"]

#: The packaged file, next to this module.
BOUNDARY_FILE = "boundaries.geojson.gz"

Bounds = tuple[float, float, float, float]
"""``(west, south, east, north)`` [degrees]."""


@cache
def boundaries() -> tuple[dict[str, Any], ...]:
    """Every feature of the packaged boundary file (GeoJSON features, longitude/latitude)."""
    raw = files("planner.ops.charts").joinpath(BOUNDARY_FILE).read_bytes()
    return tuple(json.loads(gzip.decompress(raw))["features"])


def _extent(geometry: dict[str, Any]) -> Bounds:
    xs = [x for polygon in geometry["coordinates"] for ring in polygon for x, _ in ring]
    ys = [y for polygon in geometry["coordinates"] for ring in polygon for _, y in ring]
    return min(xs), min(ys), max(xs), max(ys)


@cache
def _extents() -> tuple[Bounds, ...]:
    return tuple(_extent(f["geometry"]) for f in boundaries())


def boundaries_within(bounds: Bounds) -> list[dict[str, Any]]:
    """The features whose extent meets ``bounds`` ``(west, south, east, north)`` [degrees]."""
    west, south, east, north = bounds
    return [
        feature
        for feature, (w, s, e, n) in zip(boundaries(), _extents(), strict=True)
        if w <= east and e >= west and s <= north and n >= south
    ]
