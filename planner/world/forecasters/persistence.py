"""The persistence forecast issued from an information set: tomorrow looks like the last day seen.

For each target hour, the price is the latest published price at the same time of day (24-hour
steps back from the target until one had ended by the issue time); the market (BTC price,
network hashrate) is held at its level at the start of the horizon, which the rolling driver's
conditioning moves to the last closed day's hashprice; weather, load, alerts and hazards are the
template's, a forecast issued before the horizon. It is the comparator of the price forecasters
and the rolling driver's forecast in replays (``benchmarks/validate_storms.py``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from planner.domain.fleet import Fleet
from planner.world.feeds import Feeds
from planner.world.information import InformationSet

__all__ = ["latest_same_time", "persistence_feeds"]

DAY = pd.Timedelta(days=1)


def latest_same_time(
    prices: pd.Series, times: pd.DatetimeIndex, at: pd.Timestamp, interval: pd.Timedelta
) -> np.ndarray:
    """For each target, the price at the same time of day on the latest day it had settled by
    ``at`` (24-hour steps back, up to a week past the first such day) [USD/MWh]; NaN where none.

    Parameters
    ----------
    prices
        Settled prices indexed by interval start [USD/MWh].
    times
        Target interval starts, UTC.
    at
        The issue time.
    interval
        Length of the price intervals.

    Examples
    --------
    >>> t = pd.date_range("2025-01-01", periods=48, freq="h", tz="UTC")
    >>> p = pd.Series(np.arange(48.0), index=t)
    >>> targets = pd.DatetimeIndex([t[40], t[47]])
    >>> latest_same_time(p[:30], targets, t[30], pd.Timedelta(hours=1)).tolist()
    [16.0, 23.0]
    """
    clean = prices.dropna()
    clean = clean[~clean.index.duplicated()]
    first = np.maximum(1, np.ceil(np.asarray((times + interval - at) / DAY, dtype=float))).astype(
        int
    )
    days = first[None, :] + np.arange(8)[:, None]  # (tries, targets)
    back = np.repeat(times.as_unit("ns").asi8[None, :], 8, axis=0) - days * DAY.value
    stamps = pd.DatetimeIndex(back.ravel().astype("datetime64[ns]")).tz_localize("UTC")
    found = clean.reindex(stamps).to_numpy(dtype=float).reshape(back.shape)
    known = np.isfinite(found)
    pick = np.argmax(known, axis=0)
    out = found[pick, np.arange(len(times))]
    return np.where(known.any(axis=0), out, np.nan)


def persistence_feeds(
    fleet: Fleet, info: InformationSet, template: Feeds, times: pd.DatetimeIndex
) -> Feeds:
    """The persistence forecast of ``times``, issued from ``info`` (module docstring).

    Parameters
    ----------
    fleet
        The fleet; ``info.prices`` has a column per site id or per node.
    info
        What was published at the issue time.
    template
        A forecast issued before the horizon: its weather, load, alerts and hazards are kept, and
        its market's first day sets the market level.
    times
        The hours to forecast (UTC), within the template's horizon.

    Returns
    -------
    Feeds
        Over ``times``.
    """
    parts = []
    for node in dict.fromkeys(s.grid.node for s in fleet.sites):
        column = (
            node if node in info.prices else next(s.id for s in fleet.sites if s.grid.node == node)
        )
        price = latest_same_time(info.prices[column], times, info.at, info.price_interval)
        fallback = template.prices.xs(node, level="node")["price_usd_per_mwh"].reindex(times)
        price = np.where(np.isnan(price), fallback.to_numpy(dtype=float), price)
        index = pd.MultiIndex.from_arrays([[node] * len(times), times], names=["node", "time"])
        parts.append(pd.DataFrame({"price_usd_per_mwh": price}, index=index))
    days = pd.date_range(times[0].floor("D") - DAY, times[-1].floor("D"), freq="D", name="time")
    first = template.market.iloc[0]
    market = pd.DataFrame(
        {name: np.full(len(days), float(first[name])) for name in template.market.columns},
        index=days,
    )
    return replace(
        template,
        times=times,
        prices=pd.concat(parts),
        market=market,
        notes=(*template.notes, f"Forecast: persistence issued at {info.at:%Y-%m-%d %H:%M} UTC."),
    )
