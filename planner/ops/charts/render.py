"""Charts as static SVG, rendered offline by vl-convert: no browser, no network, no script."""

from __future__ import annotations

import hashlib
import html
import json
import re
from functools import lru_cache
from typing import Any

import vl_convert

__all__ = ["chart_svg"]

_OPEN = re.compile(r"<svg\b[^>]*>")
_DROPPED = re.compile(r'\s(width|height|class|version|xmlns(:\w+)?)="[^"]*"')
_ID = re.compile(r'\bid="([^"]+)"')


def chart_svg(chart: Any, *, label: str) -> str:
    """A chart as one inline ``<svg class="chart">`` element that scales to its container.

    Parameters
    ----------
    chart
        An Altair chart (or a Vega-Lite spec as a dict).
    label
        The chart's accessible name (``aria-label``).

    Returns
    -------
    str
        The SVG element: a ``viewBox`` and no fixed width or height (CSS sizes it), no script,
        no namespace or other ``http`` reference (it is inline HTML). Element ids (gradients,
        clip paths) are renamed from the spec's digest, so that two charts on one page never
        share one and the same chart always renders the same text.
    """
    if isinstance(chart, dict):
        spec = chart
    else:
        import altair as alt  # loaded with the chart modules already

        # Altair refuses data over 5,000 rows by default, a guard for notebooks that send data to
        # a browser; here the data is rendered offline once (a report of 5,000 judged runs has
        # 20,000 points in its profit distribution).
        with alt.data_transformers.disable_max_rows():
            spec = chart.to_dict()
    return _rendered(json.dumps(spec, sort_keys=True, default=str), label)


@lru_cache(maxsize=32)
def _rendered(spec_text: str, label: str) -> str:
    """:func:`chart_svg` of a spec given as JSON text, kept for the next identical chart (the
    site map of one fleet costs seconds to project)."""
    svg = vl_convert.vegalite_to_svg(json.loads(spec_text))
    opening = _OPEN.search(svg)
    if opening is None:  # pragma: no cover - vl-convert always answers with an <svg> element
        raise ValueError("vl-convert returned no <svg> element")
    attrs = _DROPPED.sub("", opening.group(0)[4:-1])
    tag = f'<svg{attrs} class="chart" role="img" aria-label="{html.escape(label, quote=True)}">'
    svg = svg[: opening.start()] + tag + svg[opening.end() :]
    prefix = "c" + hashlib.sha256(spec_text.encode()).hexdigest()[:10]
    for k, old in enumerate(dict.fromkeys(_ID.findall(svg))):
        new = f"{prefix}-{k}"
        svg = svg.replace(f'id="{old}"', f'id="{new}"').replace(f"#{old})", f"#{new})")
        svg = svg.replace(f'href="#{old}"', f'href="#{new}"')
    return svg
