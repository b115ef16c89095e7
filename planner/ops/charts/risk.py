"""Figures over the judged scenarios: fleet hashrate bands per strategy, the fleet profit of
every run (:class:`planner.Evaluation`) and the chance one event takes a share of the fleet's
hashrate down at once (:class:`planner.Concentration`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

from planner.ops.charts.theme import strategy_scale, styled

if TYPE_CHECKING:
    from planner.engine.montecarlo import Evaluation

__all__ = [
    "band_frame",
    "band_panel",
    "band_panel_chart",
    "exceedance_chart",
    "hashrate_bands_chart",
    "profit_distribution_chart",
    "run_profits",
]


def band_frame(evaluation: Evaluation) -> pd.DataFrame:
    """Hour by hour per strategy: ``strategy``, ``time``, weighted ``p5_eh_s``,
    ``median_eh_s`` and ``p95_eh_s`` of the fleet's hashrate [EH/s].

    Parameters
    ----------
    evaluation
        The strategies judged over the scenarios.
    """
    bands = evaluation.hashrate_bands.reset_index().rename(columns={"policy": "strategy"})
    return bands[["strategy", "time", "p5_eh_s", "median_eh_s", "p95_eh_s"]]


def run_profits(evaluation: Evaluation) -> pd.DataFrame:
    """The fleet profit of every judged run: ``strategy``, ``scenario``, ``weight``,
    ``profit_usd`` (incl. after horizon) and ``in_horizon_usd`` [USD].

    Parameters
    ----------
    evaluation
        The strategies judged over the scenarios.
    """
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


def band_panel(
    bands: pd.DataFrame,
    strategy: str,
    *,
    floor_eh_s: float = 0.0,
    width: int | str = "container",
    height: int = 110,
) -> alt.LayerChart:
    """One strategy's panel: the weighted median of the fleet's hashrate as a line, P5 to P95
    as a band, the hashrate floor as a dashed red rule, on the y scale every panel of ``bands``
    shares (0 to the highest P95), so panels compare at a glance.

    Parameters
    ----------
    bands
        :func:`band_frame` (every strategy: they set the colours and the shared scale).
    strategy
        The strategy drawn.
    floor_eh_s
        The hashrate floor [EH/s]; 0 draws none.
    width, height
        Panel size [px]; ``"container"``: as wide as the page's column (the app).
    """
    names = list(dict.fromkeys(bands["strategy"]))
    top = max(float(bands["p95_eh_s"].max()), floor_eh_s) if len(bands) else 1.0
    colour = alt.Color(
        "strategy:N",
        scale=strategy_scale(names),
        legend=alt.Legend(title="strategy: median (line), P5-P95 (band)", orient="bottom"),
    )
    x = alt.X(
        "time:T",
        title="time (UTC)",
        axis=alt.Axis(format="%b %d", labelAngle=0, tickCount="day"),
    )
    y = alt.Y("p5_eh_s:Q", title="EH/s", scale=alt.Scale(domain=[0, top], nice=True))
    base = alt.Chart(bands[bands["strategy"] == strategy]).encode(x=x, color=colour)
    layers: list[alt.Chart] = [
        base.mark_area(opacity=0.25).encode(y=y, y2="p95_eh_s:Q"),
        base.mark_line(strokeWidth=2).encode(
            y="median_eh_s:Q",
            tooltip=[
                "strategy:N",
                alt.Tooltip("time:T", format="%b %d %H:%M"),
                alt.Tooltip("p5_eh_s:Q", title="P5 [EH/s]", format=".2f"),
                alt.Tooltip("median_eh_s:Q", title="median [EH/s]", format=".2f"),
                alt.Tooltip("p95_eh_s:Q", title="P95 [EH/s]", format=".2f"),
            ],
        ),
    ]
    if floor_eh_s > 0:
        floor = pd.DataFrame({"floor_eh_s": [floor_eh_s]})
        layers.append(
            alt.Chart(floor).mark_rule(color="#d73027", strokeDash=[6, 4]).encode(y="floor_eh_s:Q")
        )
    title = alt.TitleParams(strategy, fontSize=12, anchor="start")
    return alt.LayerChart(layer=layers).properties(width=width, height=height, title=title)


def band_panel_chart(
    bands: pd.DataFrame, strategy: str, *, floor_eh_s: float = 0.0
) -> alt.LayerChart:
    """One :func:`band_panel` on its own, as wide as its container (the app draws one per
    strategy, the report all of them in :func:`hashrate_bands_chart`).

    Parameters
    ----------
    bands
        :func:`band_frame`.
    strategy
        The strategy drawn.
    floor_eh_s
        The hashrate floor [EH/s]; 0 draws none.
    """
    chart: alt.LayerChart = styled(band_panel(bands, strategy, floor_eh_s=floor_eh_s))
    return chart


def hashrate_bands_chart(
    bands: pd.DataFrame, *, floor_eh_s: float = 0.0, width: int = 860
) -> alt.VConcatChart:
    """Every strategy's :func:`band_panel`, one under the other (no band hides another), one
    legend.

    Parameters
    ----------
    bands
        :func:`band_frame`.
    floor_eh_s
        The hashrate floor [EH/s]; 0 draws none.
    width
        Panel width [px].
    """
    names = list(dict.fromkeys(bands["strategy"]))
    panels = [band_panel(bands, s, floor_eh_s=floor_eh_s, width=width) for s in names]
    return styled(alt.vconcat(*panels, spacing=10))


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


def exceedance_chart(frame: pd.DataFrame) -> alt.Chart:
    """The chance over the judged runs that one event takes down at least a share of the fleet's
    hashrate, now and after the plan's relocations: one line each.

    Parameters
    ----------
    frame
        ``loss_share`` [-], ``fleet`` (``now`` or ``after the plan``) and ``probability`` [-],
        one row per share and fleet.

    Returns
    -------
    altair.Chart
        Share on x, chance on y, a legend for the two fleets.
    """
    chart = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "loss_share:Q",
                title="Share of fleet hashrate down at once",
                axis=alt.Axis(format="%"),
            ),
            y=alt.Y("probability:Q", title="Chance over the runs", axis=alt.Axis(format="%")),
            color=alt.Color("fleet:N", title="Fleet"),
            tooltip=[
                "fleet",
                alt.Tooltip("loss_share:Q", format=".0%"),
                alt.Tooltip("probability:Q", format=".1%"),
            ],
        )
        .properties(height=260)
    )
    return styled(chart)
