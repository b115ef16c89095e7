"""Figures over the judged scenarios: fleet hashrate bands per strategy and the fleet profit of
every run (:class:`planner.Evaluation`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

from planner.ops.charts.theme import strategy_scale, styled

if TYPE_CHECKING:
    from planner.engine.montecarlo import Evaluation

__all__ = ["band_frame", "hashrate_bands_chart", "profit_distribution_chart", "run_profits"]


def band_frame(evaluation: Evaluation) -> pd.DataFrame:
    """Hour by hour per strategy: ``strategy``, ``time``, weighted ``p5_eh_s``,
    ``median_eh_s`` and ``p95_eh_s`` of the fleet's hashrate [EH/s]."""
    bands = evaluation.hashrate_bands.reset_index().rename(columns={"policy": "strategy"})
    return bands[["strategy", "time", "p5_eh_s", "median_eh_s", "p95_eh_s"]]


def run_profits(evaluation: Evaluation) -> pd.DataFrame:
    """The fleet profit of every judged run: ``strategy``, ``scenario``, ``weight``,
    ``profit_usd`` (incl. after horizon) and ``in_horizon_usd`` [USD]."""
    runs = evaluation.runs
    rows = runs[runs["site_id"] == "fleet"]
    return pd.DataFrame(
        {
            "strategy": rows["policy"].to_numpy(),
            "scenario": rows["scenario"].to_numpy(),
            "weight": rows["weight"].to_numpy(dtype=float),
            "profit_usd": rows["profit_incl_after_horizon_usd"].to_numpy(dtype=float),
            "in_horizon_usd": rows["profit_usd"].to_numpy(dtype=float),
        }
    )


def hashrate_bands_chart(
    bands: pd.DataFrame, *, floor_eh_s: float = 0.0, width: int = 860, row_height: int = 90
) -> alt.FacetChart:
    """One panel per strategy (no band hides another): the weighted median of the fleet's
    hashrate as a line, P5 to P95 as a band, the hashrate floor as a dashed red rule.

    Parameters
    ----------
    bands
        :func:`band_frame`.
    floor_eh_s
        The hashrate floor [EH/s]; 0 draws none.
    width, row_height
        Panel size [px].
    """
    names = list(dict.fromkeys(bands["strategy"]))
    colour = alt.Color(
        "strategy:N",
        scale=strategy_scale(names),
        legend=alt.Legend(
            title="strategy: median (line), P5-P95 (band)", orient="bottom", titleLimit=400
        ),
    )
    x = alt.X(
        "time:T", title="time (UTC)", axis=alt.Axis(format="%b %d", labelAngle=0, tickCount="day")
    )
    base = alt.Chart().encode(x=x, color=colour)
    band = base.mark_area(opacity=0.25).encode(y=alt.Y("p5_eh_s:Q", title="EH/s"), y2="p95_eh_s:Q")
    line = base.mark_line(strokeWidth=2).encode(
        y="median_eh_s:Q",
        tooltip=[
            "strategy:N",
            alt.Tooltip("time:T", format="%b %d %H:%M"),
            alt.Tooltip("p5_eh_s:Q", title="P5 [EH/s]", format=".2f"),
            alt.Tooltip("median_eh_s:Q", title="median [EH/s]", format=".2f"),
            alt.Tooltip("p95_eh_s:Q", title="P95 [EH/s]", format=".2f"),
        ],
    )
    layers: list[alt.Chart] = [band, line]
    if floor_eh_s > 0:
        layers.append(
            alt.Chart()
            .mark_rule(color="#d73027", strokeDash=[6, 4])
            .encode(y=alt.datum(floor_eh_s))
        )
    chart = (
        alt.layer(*layers, data=bands)
        .properties(width=width, height=row_height)
        .facet(
            row=alt.Row(
                "strategy:N",
                sort=names,
                title=None,
                header=alt.Header(
                    labelAngle=0,
                    labelAlign="left",
                    labelAnchor="start",
                    labelOrient="top",
                    labelFontSize=12,
                    labelFontWeight="bold",
                ),
            )
        )
        .resolve_scale(y="shared")
    )
    return styled(chart.configure_facet(spacing=8))


def profit_distribution_chart(profits: pd.DataFrame, *, width: int | str = 860) -> alt.LayerChart:
    """Fleet profit at full value of every judged run per strategy: one dot per run, the box
    spans the quartiles and the whiskers the extremes.

    Parameters
    ----------
    profits
        :func:`run_profits`.
    """
    names = list(dict.fromkeys(profits["strategy"]))
    y = alt.Y("strategy:N", sort=names, title=None, axis=alt.Axis(labelLimit=220))
    colour = alt.Color(
        "strategy:N", scale=strategy_scale(names), legend=alt.Legend(orient="bottom")
    )
    x = alt.X(
        "profit_usd:Q",
        title="fleet profit incl. after horizon [USD]",
        axis=alt.Axis(format="$~s"),
        scale=alt.Scale(zero=False, nice=True),
    )
    box = (
        alt.Chart(profits)
        .mark_boxplot(extent="min-max", opacity=0.35, size=22)
        .encode(x=x, y=y, color=colour)
    )
    dots = (
        alt.Chart(profits)
        .mark_circle(size=55, opacity=0.85)
        .encode(
            x="profit_usd:Q",
            y=y,
            color=colour,
            tooltip=[
                "strategy:N",
                "scenario:Q",
                alt.Tooltip("profit_usd:Q", title="incl. after horizon [USD]", format="$,.0f"),
                alt.Tooltip("in_horizon_usd:Q", title="in horizon [USD]", format="$,.0f"),
            ],
        )
    )
    height = 40 * len(names) + 20
    return styled(alt.layer(box, dots).properties(width=width, height=height))
