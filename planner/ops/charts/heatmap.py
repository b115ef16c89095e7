"""Curtailment by site and period: the share of each site's available facility load held off,
with its colour legend."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from planner.ops.charts.theme import styled

__all__ = ["curtailment_blocks", "curtailment_heatmap_chart"]


def curtailment_blocks(curtailment: pd.DataFrame, sites: list[str]) -> tuple[pd.DataFrame, str]:
    """Curtailment per site and block of time, and the block's length in words.

    Parameters
    ----------
    curtailment
        :func:`planner.ops.summary.curtailment_frame`: ``site_id``, ``time`` (UTC),
        ``curtailed_mw``, ``available_mw`` [MW] per hour.
    sites
        Site ids in display order.

    Returns
    -------
    tuple
        Frame ``site_id``, ``start``, ``end``, ``curtailed_mwh`` and ``available_mwh`` [MWh]
        and ``share`` (curtailed over available; NaN where nothing was available) [-];
        blocks are an hour up to 3 days, 6 hours up to 21 days, else a UTC day.
    """
    times = pd.DatetimeIndex(curtailment["time"]).tz_convert("UTC")
    hours = len(times.unique())
    freq, label = (
        ("h", "hour") if hours <= 72 else ("6h", "6 hours") if hours <= 504 else ("D", "UTC day")
    )
    frame = curtailment.assign(
        start=times.floor(freq),
        curtailed_mwh=curtailment["curtailed_mw"].to_numpy(dtype=float),
        available_mwh=curtailment["available_mw"].to_numpy(dtype=float),
    )
    out = frame.groupby(["site_id", "start"], sort=True)[["curtailed_mwh", "available_mwh"]].sum()
    out = out.reset_index()
    out["end"] = out["start"] + pd.Timedelta(freq if freq != "h" else "1h")
    avail = out["available_mwh"].to_numpy()
    out["share"] = np.where(
        avail > 1e-9, out["curtailed_mwh"] / np.where(avail > 1e-9, avail, 1), np.nan
    )
    out = out[out["site_id"].isin(sites)]
    return out, label


def curtailment_heatmap_chart(
    blocks: pd.DataFrame, sites: list[str], *, width: int | str = 860
) -> alt.LayerChart:
    """Sites by time, coloured from white (runs) to dark orange (all held off); grey where
    nothing was available. The colour legend reads in percent.

    Parameters
    ----------
    blocks
        :func:`curtailment_blocks`.
    sites
        Site ids, top to bottom.
    """
    y = alt.Y("site_id:N", sort=sites, title=None, axis=alt.Axis(labelLimit=200))
    x = alt.X(
        "start:T",
        title="time (UTC)",
        axis=alt.Axis(format="%b %d", labelAngle=0, tickCount="day", labelOverlap=True),
    )
    rects = (
        alt.Chart(blocks)
        .transform_filter("isValid(datum.share)")
        .mark_rect()
        .encode(
            x=x,
            x2="end:T",
            y=y,
            color=alt.Color(
                "share:Q",
                title="share of available load curtailed",
                scale=alt.Scale(domain=[0, 1], range=["#fff7ec", "#fdae6b", "#d94801", "#7f2704"]),
                legend=alt.Legend(orient="bottom", format=".0%", gradientLength=240),
            ),
            tooltip=[
                alt.Tooltip("site_id:N", title="site"),
                alt.Tooltip("start:T", title="from (UTC)", format="%b %d %H:%M"),
                alt.Tooltip("share:Q", title="curtailed", format=".0%"),
                alt.Tooltip("curtailed_mwh:Q", title="curtailed [MWh]", format=",.0f"),
            ],
        )
    )
    empty = (
        alt.Chart(blocks)
        .transform_filter("!isValid(datum.share)")
        .mark_rect(color="#cbd2d9")
        .encode(x=x, x2="end:T", y=y)
    )
    height = 34 * len(sites) + 10
    return styled(alt.layer(empty, rects).properties(width=width, height=height))
