"""Time cells of grid files -> UTC interval starts, DST-safe.

Times with explicit offsets are converted; naive wall-clock times are localised in an IANA zone (a
skipped wall time is an error; a repeated one is daylight time at its first occurrence and standard
time at its second); interval ends become starts by the most common step. The rules are set out in
the :mod:`weather.grid` docstring.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from weather.errors import FeedError
from weather.grid.frames import first_true

_OFFSET_RE = r"(?:Z|[+-]\d{2}:?\d{2})$"


def _has_offsets(values: pd.Series) -> pd.Series:
    return values.astype(str).str.strip().str.contains(_OFFSET_RE, regex=True)


def carries_offsets(series: pd.Series) -> bool:
    """Whether a time column carries explicit UTC offsets (tz-aware, or ``...-05:00``/``Z`` text).

    Text is judged by its first 50 non-missing cells, all of which must end in an offset.
    """
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return True
    sample = series.dropna().head(50)
    if sample.empty or pd.api.types.is_datetime64_dtype(series.dtype):
        return False
    return bool(_has_offsets(sample).all())


def parse_times(
    raw: pd.Series,
    groups: np.ndarray | None,
    column: Any,
    normed: str,
    tz: str | None,
    feed: str,
    where: Callable[[int], str],
) -> pd.DatetimeIndex:
    """Raw time cells (one per table row) -> UTC timestamps; DST rules in the module docstring.

    Parameters
    ----------
    raw
        The time cells: text, naive or tz-aware datetimes.
    groups
        Series label of each row (the node or area of a long file), so that a repeated fall-back
        wall time is counted per series; ``None`` for a single series.
    column
        The column's name, for errors.
    normed
        The column's normalised name; naive times in a column whose name says ``utc`` are UTC.
    tz
        IANA zone of naive wall-clock times; needed only when the cells are naive and the name
        does not say UTC.
    feed
        Name used in errors.
    where
        Row position -> where that is in the source (``line 12``), for errors.

    Returns
    -------
    pandas.DatetimeIndex
        tz-aware UTC, one per row.

    Raises
    ------
    FeedError
        An empty or unreadable cell, cells mixing offsets and none, naive times without ``tz``, an
        unknown zone, or a wall time that does not exist or cannot be placed.
    """
    missing = raw.isna().to_numpy()
    if missing.any():
        raise FeedError(feed, f"column {column!r} is empty at {where(first_true(missing))}")
    if isinstance(raw.dtype, pd.DatetimeTZDtype):
        return pd.DatetimeIndex(raw).tz_convert("UTC")
    if pd.api.types.is_datetime64_dtype(raw.dtype):
        naive = pd.DatetimeIndex(raw)
    else:
        text = raw.astype("string").str.strip()
        if "utc" in normed.split("_"):  # naive values in a UTC column are UTC
            return _to_datetime(text, column, feed, where, utc=True)
        offsets = _has_offsets(text).to_numpy()
        if offsets.all():
            return _to_datetime(text, column, feed, where, utc=True)
        if offsets.any():
            i = first_true(~offsets)
            raise FeedError(
                feed,
                f"column {column!r} mixes times with and without UTC offsets "
                f"({text.iloc[i]!r} at {where(i)})",
            )
        naive = _to_datetime(text, column, feed, where, utc=False)
    if "utc" in normed.split("_"):
        return naive.tz_localize("UTC")
    if tz is None:
        raise FeedError(
            feed,
            f"times in column {column!r} have no UTC offset; pass tz= (the IANA zone of the "
            "file's clock, e.g. 'America/Chicago' for ERCOT) or use a UTC column",
        )
    if groups is None:
        groups = np.zeros(len(naive), dtype=int)
    return _localize(naive, groups, column, tz, feed, where)


def _to_datetime(
    text: pd.Series, column: Any, feed: str, where: Callable[[int], str], *, utc: bool
) -> pd.DatetimeIndex:
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=utc)
    if parsed.isna().any():
        parsed = pd.to_datetime(text, format="mixed", errors="coerce", utc=utc)
    bad = parsed.isna().to_numpy()
    if bad.any():
        i = first_true(bad)
        raise FeedError(
            feed,
            f"cannot read time {text.iloc[i]!r} in column {column!r} at {where(i)}; "
            "expected ISO 8601 like 2021-02-15T06:00:00Z",
        )
    return pd.DatetimeIndex(parsed)


def _localize(
    naive: pd.DatetimeIndex,
    groups: np.ndarray,
    column: Any,
    tz: str,
    feed: str,
    where: Callable[[int], str],
) -> pd.DatetimeIndex:
    """Naive wall times in ``tz`` -> UTC; a repeated fall-back time is daylight time first."""
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise FeedError(
            feed, f"unknown time zone {tz!r}; use an IANA name like America/Chicago"
        ) from exc
    n = len(naive)
    as_dst = naive.tz_localize(tz, ambiguous=np.ones(n, dtype=bool), nonexistent="NaT")
    as_std = naive.tz_localize(tz, ambiguous=np.zeros(n, dtype=bool), nonexistent="NaT")
    gone = np.asarray(as_dst.isna())
    if gone.any():
        i = first_true(gone)
        raise FeedError(
            feed,
            f"time {naive[i]:%Y-%m-%d %H:%M} in column {column!r} at {where(i)} does not exist "
            f"in {tz} (clocks spring forward over it); the file's clock is not {tz} or the row "
            "is spurious",
        )
    result = as_dst.tz_convert("UTC")
    ambiguous = np.asarray(as_dst != as_std)
    if not ambiguous.any():
        return result
    amb = pd.DataFrame(
        {"group": groups[ambiguous], "wall": naive[ambiguous]}, index=np.flatnonzero(ambiguous)
    )
    by_wall = amb.groupby(["group", "wall"], sort=False)["wall"]
    occurrence = by_wall.cumcount().to_numpy()
    count = by_wall.transform("size").to_numpy()
    for bad, problem in (
        (count == 1, "occurs twice in {tz} (daylight, then standard time) but once here"),
        (count > 2, "appears more than twice for the same series"),
    ):
        if bad.any():
            i = int(amb.index[bad][0])
            raise FeedError(
                feed,
                f"time {naive[i]:%Y-%m-%d %H:%M} in column {column!r} at {where(i)} "
                f"{problem.format(tz=tz)}, so it cannot be placed; use a UTC column or times "
                "with offsets",
            )
    second = np.zeros(n, dtype=bool)
    second[amb.index.to_numpy()[occurrence == 1]] = True
    return result.where(~second, as_std.tz_convert("UTC"))


def ends_to_starts(frame: pd.DataFrame, key: str, column: Any, feed: str) -> pd.Series:
    """Interval ends in ``frame["time"]`` shifted back to starts by each series' interval length.

    The length is the most common step between the times of one ``key`` (node or area); a series
    with a single time has none and is a :class:`~weather.errors.FeedError` naming ``column``.
    """
    steps = {name: most_common_step(times) for name, times in frame.groupby(key)["time"]}
    single = [name for name, step in steps.items() if step is None]
    if single:
        raise FeedError(
            feed,
            f"column {column!r} holds interval ends but {key} {single[0]!r} has a single time, "
            "so the interval length cannot be inferred",
        )
    return frame["time"] - frame[key].map(steps)


def most_common_step(times: pd.Series) -> pd.Timedelta | None:
    """The most frequent positive gap between sorted distinct times (None for a single time)."""
    stamps = pd.DatetimeIndex(times)
    if stamps.tz is not None:
        stamps = stamps.tz_convert("UTC").tz_localize(None)
    distinct = np.unique(stamps.to_numpy())
    if len(distinct) < 2:
        return None
    gaps, counts = np.unique(np.diff(distinct), return_counts=True)
    return pd.Timedelta(gaps[np.argmax(counts)])
