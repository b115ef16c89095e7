"""Sub-hourly prices (5- or 15-minute) averaged to hourly prices per node."""

from __future__ import annotations

import pandas as pd

from weather.errors import FeedError
from weather.grid.frames import PRICES_SPEC
from weather.grid.times import most_common_step
from weather.schema import validate


def to_hourly(prices: pd.DataFrame, *, min_coverage: float = 1.0) -> pd.DataFrame:
    """Average sub-hourly prices (5- or 15-minute) to hourly prices per node.

    Each hour is labelled by its start (the interval-start convention of every canonical frame)
    and its price is the arithmetic mean of the intervals that start inside it, which is how ERCOT
    derives an hourly real-time price from its four 15-minute settlement point prices.

    Partial hours: an hour whose non-missing intervals cover less than ``min_coverage`` of it
    (by default the whole hour must be present: 4 of 4 fifteen-minute prices) keeps its row with a
    ``NaN`` price, so the gap stays visible instead of being filled from a fraction of the hour.
    Pass e.g. ``min_coverage=0.5`` to accept hours with at least half their intervals. Hours with
    no interval rows at all (between two separate event windows) get no row. Nodes already at
    hourly resolution pass through unchanged.

    Parameters
    ----------
    prices
        Canonical prices frame, index ``(node, time)``.
    min_coverage
        Fraction of an hour's intervals (0 < x <= 1) that must carry a price [-].

    Returns
    -------
    pandas.DataFrame
        Canonical prices frame at hourly resolution.

    Raises
    ------
    FeedError
        Input that is not a prices frame, or a node whose interval length does not divide an hour.
    ValueError
        ``min_coverage`` outside (0, 1].
    """
    if not 0.0 < min_coverage <= 1.0:
        raise ValueError(f"min_coverage must be in (0, 1], got {min_coverage}")
    feed = "to_hourly"
    validate(prices, "prices", feed)
    value = PRICES_SPEC.value
    frame = prices[[value]].reset_index().sort_values(["node", "time"], kind="stable")
    hour = pd.Timedelta(hours=1)
    parts: list[pd.DataFrame] = []
    for node, rows in frame.groupby("node", sort=False):
        step = most_common_step(rows["time"])
        if step is None or step == hour:
            parts.append(rows)
            continue
        if step > hour or hour % step != pd.Timedelta(0):
            raise FeedError(
                feed,
                f"node {node!r} has {step} intervals; to_hourly needs a step that divides 1 h "
                "(5, 10, 15, 20 or 30 minutes) or hourly data",
            )
        per_hour = hour // step
        hours = rows["time"].dt.floor("h")
        grouped = rows.groupby(hours)[value].agg(["mean", "count"])
        coverage = grouped["count"] / per_hour
        hourly = grouped["mean"].where(coverage >= min_coverage - 1e-12)
        parts.append(
            pd.DataFrame({"node": node, "time": hourly.index, value: hourly.to_numpy(float)})
        )
    out = pd.concat(parts, ignore_index=True).set_index(["node", "time"]).sort_index()
    return validate(out, "prices", feed)
