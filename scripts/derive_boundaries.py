"""Derive planner/ops/charts/boundaries.geojson.gz from Natural Earth (public domain).

Input: the two files scripts/export_natural_earth.R writes from Debian's
r-cran-rnaturalearthdata (Natural Earth 1:50m admin-1 states and provinces, 1:110m admin-0
countries). Output: the U.S. states and Canadian provinces, and every other country, each ring
simplified (Douglas-Peucker, 0.02 degrees), rounded to 0.01 degree (about 1 km) and wound
clockwise as d3-geo (Vega's projections) wants exterior rings; holes are dropped (a site map
needs none). Each feature keeps ``name``, ``code`` (ISO 3166-2 for a state or province,
ISO 3166-1 alpha-3 for a country) and ``kind`` (``state``, ``province`` or ``country``)::

    Rscript scripts/export_natural_earth.R /tmp/ne
    python scripts/derive_boundaries.py /tmp/ne planner/ops/charts/boundaries.geojson.gz
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import numpy as np

TOLERANCE_DEG = 0.02


def simplify(points: np.ndarray, tol: float) -> np.ndarray:
    """Douglas-Peucker on a closed ring (first point == last)."""
    if len(points) <= 4:
        return points
    keep = np.zeros(len(points), bool)
    keep[0] = keep[-1] = True
    far = int(np.argmax(((points - points[0]) ** 2).sum(1)))
    keep[far] = True
    stack = [(0, far), (far, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        if b <= a + 1:
            continue
        seg = points[b] - points[a]
        norm = float(np.hypot(*seg))
        rel = points[a + 1 : b] - points[a]
        if norm > 0:
            d = np.abs(seg[0] * rel[:, 1] - seg[1] * rel[:, 0]) / norm
        else:
            d = np.hypot(rel[:, 0], rel[:, 1])
        k = int(np.argmax(d))
        if d[k] > tol:
            m = a + 1 + k
            keep[m] = True
            stack += [(a, m), (m, b)]
    return points[keep]


def ring(xy: list[list[float]]) -> list[list[float]] | None:
    """The simplified, rounded, clockwise ring; ``None`` when too little is left."""
    points = simplify(np.asarray(xy, dtype=float), TOLERANCE_DEG)
    out = [[round(float(x), 2), round(float(y), 2)] for x, y in points]
    out = [out[0]] + [p for i, p in enumerate(out[1:], 1) if p != out[i - 1]]
    if len(out) < 4:
        return None
    x, y = np.array(out).T
    signed = float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))  # > 0: counter-clockwise
    return out[::-1] if signed > 0 else out


def features(path: Path, kind: object) -> list[dict[str, object]]:
    out = []
    for item in json.loads(path.read_text(encoding="utf-8"))["features"]:
        what = kind(item)
        if what is None:
            continue
        rings = [ring(r["xy"]) for r in item["rings"] if not r["hole"]]
        polygons = [[r] for r in rings if r is not None]
        if polygons:
            out.append(
                {
                    "type": "Feature",
                    "properties": {"name": item["name"], "code": item["code"], "kind": what},
                    "geometry": {"type": "MultiPolygon", "coordinates": polygons},
                }
            )
    return out


def main(source: Path, target: Path) -> None:
    admins = {"United States of America": "state", "Canada": "province"}
    found = features(source / "ne_states50.json", lambda f: admins.get(f["admin"]))
    found += features(
        source / "ne_countries110.json",
        lambda f: None if f["code"] in ("USA", "CAN") else "country",
    )
    text = json.dumps({"type": "FeatureCollection", "features": found}, separators=(",", ":"))
    target.write_bytes(gzip.compress(text.encode(), mtime=0))
    size = target.stat().st_size
    print(f"{len(found)} features, {len(text):,} bytes of GeoJSON, {size:,} gzipped")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
