"""The canonical frames: the one glossary of column names, units and allowed ranges.

Every frame that leaves ``weather/`` is long format with a tz-aware UTC ``time`` index level
holding the *start* of each interval (hourly unless stated), and snake_case columns whose suffix
is the unit.

=====================  ==========================================  =================
column                 meaning                                     allowed range
=====================  ==========================================  =================
temp_air_c             air temperature at 2 m [degC]               -90 .. 65
relative_humidity_pct  relative humidity at 2 m [%]                0 .. 100
wind_speed_m_s         mean wind speed at 10 m [m/s]               0 .. 120
wind_gust_m_s          wind gust at 10 m [m/s]                     0 .. 150
precip_mm              precipitation over the interval [mm]        0 .. 500
snowfall_cm            snowfall over the interval [cm]             0 .. 300
price_usd_per_mwh      real-time energy price [USD/MWh]            -10,000 .. 100,000
load_mw                system or zone load [MW]                    0 .. 1,000,000
outage_probability     chance the site is without grid [-]         0 .. 1
=====================  ==========================================  =================

Frames and their index levels:

- ``weather``: ``(site_id, time)``, or ``(site_id, member, time)`` for ensembles;
- ``prices``: ``(node, time)``;
- ``load``: ``(area, time)``;
- ``events`` (alerts and outages): a plain table with columns ``start``, ``end`` (UTC; ``end`` may
  be missing for open events), ``site_id``, ``kind``, ``severity``, ``source``, ``source_id``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from weather.errors import FeedError

FrameKind = Literal["weather", "prices", "load", "events"]


@dataclass(frozen=True)
class Column:
    """One canonical column: its meaning, unit and physically allowed range."""

    name: str
    meaning: str
    unit: str
    low: float
    high: float


COLUMNS: dict[str, Column] = {
    c.name: c
    for c in (
        Column("temp_air_c", "air temperature at 2 m", "degC", -90.0, 65.0),
        Column("relative_humidity_pct", "relative humidity at 2 m", "%", 0.0, 100.0),
        Column("wind_speed_m_s", "mean wind speed at 10 m", "m/s", 0.0, 120.0),
        Column("wind_gust_m_s", "wind gust at 10 m", "m/s", 0.0, 150.0),
        Column("precip_mm", "precipitation over the interval", "mm", 0.0, 500.0),
        Column("snowfall_cm", "snowfall over the interval", "cm", 0.0, 300.0),
        Column("price_usd_per_mwh", "real-time energy price", "USD/MWh", -10_000.0, 100_000.0),
        Column("load_mw", "system or zone load", "MW", 0.0, 1_000_000.0),
        Column("outage_probability", "chance the site is without grid", "-", 0.0, 1.0),
    )
}

#: Columns each frame kind may carry, and the ones it must carry.
FRAME_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "weather": (
        (
            "temp_air_c",
            "relative_humidity_pct",
            "wind_speed_m_s",
            "wind_gust_m_s",
            "precip_mm",
            "snowfall_cm",
        ),
        ("temp_air_c",),
    ),
    "prices": (("price_usd_per_mwh",), ("price_usd_per_mwh",)),
    "load": (("load_mw",), ("load_mw",)),
}

INDEX_LEVELS: dict[str, tuple[tuple[str, ...], ...]] = {
    "weather": (("site_id", "time"), ("site_id", "member", "time")),
    "prices": (("node", "time"),),
    "load": (("area", "time"),),
}

EVENT_COLUMNS: tuple[str, ...] = (
    "start",
    "end",
    "site_id",
    "kind",
    "severity",
    "source",
    "source_id",
)


def validate(df: pd.DataFrame, kind: FrameKind, feed: str) -> pd.DataFrame:
    """Check that ``df`` is a canonical frame of ``kind``; return it unchanged.

    Parameters
    ----------
    df
        The frame to check.
    kind
        ``weather``, ``prices``, ``load`` or ``events``.
    feed
        Name of the feed or file the frame came from, used in error messages.

    Returns
    -------
    pandas.DataFrame
        ``df`` itself, so parsers can ``return validate(df, ...)``.

    Raises
    ------
    FeedError
        Empty frame, wrong index, non-UTC times, duplicate rows, unknown or missing columns,
        non-numeric values or values outside the physically allowed range.
    """
    if kind == "events":
        return _validate_events(df, feed)
    if kind not in FRAME_COLUMNS:
        raise ValueError(f"kind must be one of weather, prices, load, events; got {kind!r}")
    if df.empty:
        raise FeedError(feed, f"no {kind} rows")
    names = tuple(df.index.names)
    if names not in INDEX_LEVELS[kind]:
        allowed = " or ".join(str(levels) for levels in INDEX_LEVELS[kind])
        raise FeedError(feed, f"{kind} index levels must be {allowed}, got {names}")
    times = df.index.get_level_values("time")
    if not isinstance(times, pd.DatetimeIndex) or str(times.tz) != "UTC":
        raise FeedError(feed, "index level 'time' must be tz-aware UTC timestamps")
    if df.index.has_duplicates:
        first = df.index[df.index.duplicated()][0]
        raise FeedError(feed, f"duplicate rows for {first}")
    allowed_cols, required = FRAME_COLUMNS[kind]
    unknown = [c for c in df.columns if c not in allowed_cols]
    if unknown:
        raise FeedError(
            feed, f"unknown {kind} columns {unknown}; allowed: {', '.join(allowed_cols)}"
        )
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise FeedError(feed, f"missing {kind} columns {missing}")
    for name in df.columns:
        _check_range(df[name], COLUMNS[name], feed)
    return df


def _check_range(values: pd.Series, col: Column, feed: str) -> None:
    if not pd.api.types.is_numeric_dtype(values):
        raise FeedError(feed, f"{col.name} must be numeric [{col.unit}], got {values.dtype}")
    finite = values.dropna()
    if finite.empty:
        raise FeedError(feed, f"{col.name} has no values")
    bad = finite[(finite < col.low) | (finite > col.high) | ~np.isfinite(finite)]
    if not bad.empty:
        raise FeedError(
            feed,
            f"{col.name} = {float(bad.iloc[0]):g} at {_label(bad.index[0])} is outside "
            f"{col.low:g} .. {col.high:g} {col.unit}",
        )


def _label(key: object) -> str:
    """A row's index key as plain text: ``tx 2025-01-01 03:00:00+00:00``."""
    parts = key if isinstance(key, tuple) else (key,)
    return " ".join(str(p) for p in parts)


def _validate_events(df: pd.DataFrame, feed: str) -> pd.DataFrame:
    missing = [c for c in EVENT_COLUMNS if c not in df.columns]
    if missing:
        raise FeedError(feed, f"event table lacks columns {missing}; needs {list(EVENT_COLUMNS)}")
    for name in ("start", "end"):
        col = df[name]
        if not isinstance(col.dtype, pd.DatetimeTZDtype) or str(col.dtype.tz) != "UTC":
            raise FeedError(feed, f"event column {name!r} must be tz-aware UTC, got {col.dtype}")
    if df["start"].isna().any():
        raise FeedError(feed, "every event needs a start time")
    backwards = df["end"].notna() & (df["end"] < df["start"])
    if backwards.any():
        row = df.loc[backwards].iloc[0]
        raise FeedError(feed, f"event {row['source_id']!r} ends before it starts")
    return df


def empty_events() -> pd.DataFrame:
    """An event table with no rows and the canonical columns and dtypes.

    For the one legitimate empty case: a feed that answered and reported no events (no active
    alerts at a point), as opposed to a feed that failed.
    """
    utc = pd.DatetimeTZDtype(tz="UTC")
    return pd.DataFrame(
        {
            "start": pd.Series(dtype=utc),
            "end": pd.Series(dtype=utc),
            "site_id": pd.Series(dtype=object),
            "kind": pd.Series(dtype=object),
            "severity": pd.Series(dtype=object),
            "source": pd.Series(dtype=object),
            "source_id": pd.Series(dtype=object),
        }
    )
