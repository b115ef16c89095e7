"""The page's risk map: sites coloured by one figure of the judged scenarios, best (green) to
worst (red), the report's site map (:func:`planner.site_map`) with a figure per site."""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import partial

import altair as alt
import pandas as pd

from planner import Fleet, format_usd, site_map

__all__ = ["MAP_METRICS", "format_value", "risk_map_chart", "site_values"]

#: Map colourings: label -> (risk-table column, higher is worse, unit formatter).
MAP_METRICS: dict[str, tuple[str, bool, str]] = {
    "Worst-5 % profit incl. after horizon (CVaR)": (
        "cvar5_profit_incl_after_horizon_usd",
        False,
        "usd",
    ),
    "Expected profit incl. after horizon": ("expected_profit_incl_after_horizon_usd", False, "usd"),
    "Expected profit in horizon": ("expected_profit_usd", False, "usd"),
    "Grid outage hours": ("outage_hours", True, "hours"),
    "Uptime": ("uptime_pct", False, "pct"),
    "Freeze events": ("freeze_events", True, "count"),
}


def format_value(value: float, unit: str) -> str:
    """A map or table value in its unit (``usd``, ``hours``, ``pct``, ``count``)."""
    if not math.isfinite(value):
        return "—"
    if unit == "usd":
        return format_usd(value)
    if unit == "hours":
        return f"{value:,.1f} h"
    if unit == "pct":
        return f"{value:,.1f} %"
    return f"{value:,.2f}"


def site_values(metrics: pd.DataFrame, policy: str, column: str) -> dict[str, float]:
    """One column of :meth:`Evaluation.metrics` per site for one strategy."""
    rows = metrics[(metrics["policy"] == policy) & (metrics["site_id"] != "fleet")]
    return {str(s): float(v) for s, v in zip(rows["site_id"], rows[column], strict=True)}


def risk_map_chart(
    fleet: Fleet,
    values: Mapping[str, float],
    *,
    label: str,
    unit: str,
    higher_is_worse: bool,
) -> alt.LayerChart:
    """Sites over state, province and country borders, coloured by a risk value from the
    fleet's best (green) to its worst (red), the value under each site id, circle area growing
    with capacity [MW] (:func:`planner.site_map`).

    Parameters
    ----------
    fleet
        The fleet.
    values
        Site id -> value (missing sites are drawn grey).
    label, unit
        What the value is, and its unit for :func:`format_value`.
    higher_is_worse
        Whether larger values are redder.
    """
    return site_map(
        fleet,
        values,
        value_title=label,
        value_text=partial(format_value, unit=unit),
        higher_is_worse=higher_is_worse,
    )
