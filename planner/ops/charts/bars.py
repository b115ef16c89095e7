"""Profit by site: one bar per strategy at every site, in the strategy's fixed colour."""

from __future__ import annotations

import altair as alt
import pandas as pd

from planner.ops.charts.theme import strategy_scale, styled

__all__ = ["site_profit_chart"]


def site_profit_chart(
    frame: pd.DataFrame, sites: list[str], *, width: int | str = 860
) -> alt.Chart:
    """Each site's profit incl. after horizon under each strategy (central run).

    Parameters
    ----------
    frame
        ``site_id``, ``strategy``, ``profit_usd`` [USD].
    sites
        Site ids, top to bottom.
    """
    names = list(dict.fromkeys(frame["strategy"]))
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("site_id:N", sort=sites, title=None, axis=alt.Axis(labelLimit=200)),
            yOffset=alt.YOffset("strategy:N", sort=names),
            x=alt.X(
                "profit_usd:Q",
                title="profit incl. after horizon [USD]",
                axis=alt.Axis(format="$~s"),
            ),
            color=alt.Color(
                "strategy:N", scale=strategy_scale(names), legend=alt.Legend(orient="bottom")
            ),
            tooltip=[
                alt.Tooltip("site_id:N", title="site"),
                "strategy:N",
                alt.Tooltip("profit_usd:Q", title="profit incl. after horizon", format="$,.0f"),
            ],
        )
    )
    height = len(sites) * (10 * len(names) + 12)
    return styled(chart.properties(width=width, height=height))
