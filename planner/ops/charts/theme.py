"""What every chart shares: the font, one fixed colour per strategy, and the common config.

A strategy keeps its colour on every chart of the report, the app and every run, whatever else
is shown beside it: the colour comes from the strategy's name (:func:`strategy_colour`), never
from its position in a list. Names not known here get one of :data:`SPARE_COLOURS`, picked by a
hash of the name, so they too keep theirs from run to run.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import altair as alt


__all__ = [
    "FONT",
    "SPARE_COLOURS",
    "STRATEGY_COLOURS",
    "strategy_colour",
    "strategy_scale",
    "styled",
]

#: The charts' font. Liberation Sans is what the static renderer measures text with; it ships
#: with Chromium on Linux and has the same metrics as Arial (Windows, macOS), so a label drawn
#: by the browser is as wide as the space laid out for it.
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"

#: Fixed colours of the strategies (Okabe-Ito first, then Tol's muted scheme: colour-blind safe).
#: ``@`` stands for a strike given in dollars (``strike@80``).
STRATEGY_COLOURS: dict[str, str] = {
    "run-through": "#999999",
    "strike": "#E69F00",
    "strike@": "#A6761D",
    "strike+protective": "#D55E00",
    "strike@+protective": "#882255",
    "protective": "#CC79A7",
    "4cp": "#009E73",
    "strike+4cp": "#56B4E9",
    "strike+4cp+protective": "#44AA99",
    "optimized": "#0072B2",
    "optimized+4cp": "#332288",
    "optimized+protective": "#117733",
}
#: Colours of strategies not in :data:`STRATEGY_COLOURS`, chosen by a hash of the name.
SPARE_COLOURS: tuple[str, ...] = ("#88CCEE", "#999933", "#AA4499", "#DDCC77", "#661100", "#6699CC")

_DOLLARS = re.compile(r"@\s*[0-9.]+")


def strategy_colour(name: str) -> str:
    """The fixed colour of a strategy name, as ``#rrggbb``.

    Parameters
    ----------
    name
        A strategy name (``run-through``, ``strike@80+protective``, ``optimized+4cp``...).
    """
    key = "+".join(part.strip() for part in _DOLLARS.sub("@", name).split("+"))
    if key in STRATEGY_COLOURS:
        return STRATEGY_COLOURS[key]
    digest = hashlib.sha256(key.encode()).digest()
    return SPARE_COLOURS[digest[0] % len(SPARE_COLOURS)]


def strategy_scale(names: Sequence[str]) -> alt.Scale:
    """A colour scale giving each strategy of ``names`` its fixed colour.

    Parameters
    ----------
    names
        Strategy names, in legend order.
    """
    names = list(dict.fromkeys(names))
    import altair as alt  # here: the colours are read without loading Altair

    return alt.Scale(domain=names, range=[strategy_colour(n) for n in names])


def styled(chart: Any) -> Any:
    """``chart`` with the shared look: font, sizes, muted axes, no view border.

    Parameters
    ----------
    chart
        Any top-level Altair chart (single, layered, faceted or concatenated).
    """
    return (
        chart.configure(font=FONT, padding={"left": 4, "right": 12, "top": 6, "bottom": 4})
        .configure_view(strokeWidth=0)
        .configure_axis(
            labelFontSize=12,
            titleFontSize=12,
            titleFontWeight="normal",
            titleColor="#52606d",
            labelColor="#323f4b",
            gridColor="#e4e7eb",
            domainColor="#9aa5b1",
            tickColor="#9aa5b1",
            labelFlush=True,
            labelOverlap=True,
        )
        .configure_legend(
            labelFontSize=12,
            titleFontSize=12,
            titleFontWeight="normal",
            titleColor="#52606d",
            labelLimit=260,
        )
        .configure_title(fontSize=14, anchor="start", color="#1f2933", fontWeight="bold")
    )
