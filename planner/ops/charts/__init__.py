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
- ``site_map`` and ``boundaries``: sites over state, province and country borders.
- ``render``: a chart as inline SVG.
"""

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
from planner.ops.charts.site_map import COOLING_COLOURS, map_bounds, site_map
from planner.ops.charts.theme import STRATEGY_COLOURS, strategy_colour, strategy_scale

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
