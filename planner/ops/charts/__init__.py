"""Every chart of the product, defined once as a Vega-Lite spec through Altair.

The app shows them interactive (``st.altair_chart``); the report renders the very same specs to
static SVG offline (:func:`chart_svg`, vl-convert: no browser, no script, no network). A strategy
keeps one colour everywhere (:func:`strategy_colour`); every colour scale has a legend.

- ``theme``: the font, the strategies' fixed colours, the shared look.
- ``lines``: fleet hashrate per day and cumulative profit per strategy (central runs).
- ``risk``: hashrate bands per strategy, the profit of every judged run, and the chance one
  event takes a share of the fleet down (concentration).
- ``heatmap``: curtailment by site and period.
- ``bars``: profit by site and strategy.
- ``sites`` and ``boundaries``: the site map, sites over state, province and country borders.
- ``render``: a chart as inline SVG.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from planner.ops.charts.bars import site_profit_chart
    from planner.ops.charts.heatmap import curtailment_blocks, curtailment_heatmap_chart
    from planner.ops.charts.lines import (
        cumulative_profit_chart,
        daily_hashrate_chart,
        fleet_cumulative_profit,
        fleet_daily_hashrate,
    )
    from planner.ops.charts.render import chart_svg
    from planner.ops.charts.risk import (
        band_frame,
        band_panel,
        band_panel_chart,
        exceedance_chart,
        hashrate_bands_chart,
        profit_distribution_chart,
        run_profits,
    )
    from planner.ops.charts.sites import COOLING_COLOURS, map_bounds, site_map
    from planner.ops.charts.theme import STRATEGY_COLOURS, strategy_colour, strategy_scale

#: The module of each name: imported on first use, so that ``import planner`` does not load
#: Altair and vl-convert (about 40 MB and a second of start-up) for work that draws nothing.
WHERE: dict[str, str] = {
    "site_profit_chart": "bars",
    "curtailment_blocks": "heatmap",
    "curtailment_heatmap_chart": "heatmap",
    "cumulative_profit_chart": "lines",
    "daily_hashrate_chart": "lines",
    "fleet_cumulative_profit": "lines",
    "fleet_daily_hashrate": "lines",
    "chart_svg": "render",
    "band_frame": "risk",
    "band_panel": "risk",
    "band_panel_chart": "risk",
    "exceedance_chart": "risk",
    "hashrate_bands_chart": "risk",
    "profit_distribution_chart": "risk",
    "run_profits": "risk",
    "COOLING_COLOURS": "sites",
    "map_bounds": "sites",
    "site_map": "sites",
    "STRATEGY_COLOURS": "theme",
    "strategy_colour": "theme",
    "strategy_scale": "theme",
}


def __getattr__(name: str) -> Any:
    """A chart function or constant, its module imported on first use (:data:`WHERE`)."""
    if name not in WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(WHERE))


__all__ = [
    "COOLING_COLOURS",
    "STRATEGY_COLOURS",
    "band_frame",
    "band_panel",
    "band_panel_chart",
    "chart_svg",
    "cumulative_profit_chart",
    "curtailment_blocks",
    "curtailment_heatmap_chart",
    "daily_hashrate_chart",
    "exceedance_chart",
    "fleet_cumulative_profit",
    "fleet_daily_hashrate",
    "hashrate_bands_chart",
    "map_bounds",
    "profit_distribution_chart",
    "run_profits",
    "site_map",
    "site_profit_chart",
    "strategy_colour",
    "strategy_scale",
]
