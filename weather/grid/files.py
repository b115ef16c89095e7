"""Grid prices and load from CSV or Parquet files, wide or long, into the canonical frames.

How the time column is chosen, how DST is handled and which values are kept is set out in the
:mod:`weather.grid` docstring.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weather.errors import FeedError
from weather.grid.frames import (
    LABEL_COLUMNS,
    LOAD_SPEC,
    PRICES_SPEC,
    FrameSpec,
    first_true,
    numeric_cells,
    select_keys,
)
from weather.grid.times import carries_offsets, ends_to_starts, most_common_step, parse_times
from weather.schema import validate

_TIME_TOKENS = frozenset(
    {"time", "date", "datetime", "timestamp", "hour", "interval", "period", "utc", "local"}
)
_END_TOKENS = frozenset({"end", "ending"})


def read_prices(
    path: str | Path,
    *,
    nodes: Sequence[str] | None = None,
    time_column: str | None = None,
    tz: str | None = None,
    feed: str | None = None,
) -> pd.DataFrame:
    """Read real-time prices from a CSV or Parquet file into the canonical prices frame.

    Two layouts are understood:

    - wide: a time column and one column per price node (ERCOT hub exports:
      ``hour_start_local, hour_start_utc, HB_HUBAVG, HB_NORTH, ...``); label columns such as
      ``event`` are dropped;
    - long: a time column, a node column (``node``, ``location``, ``settlement_point``...) and a
      price column (``price``, ``price_usd_per_mwh``, ``lmp``, ``spp``...).

    See the module docstring for how the time column is chosen and how DST is handled.

    Parameters
    ----------
    path
        ``.csv`` (optionally ``.gz``) or ``.parquet`` file.
    nodes
        Price nodes to keep; all nodes in the file when omitted. Unknown names are an error that
        lists the nodes the file has.
    time_column
        Name of the column holding interval starts (or ends, if the name says so). Chosen
        automatically when omitted, preferring a UTC column.
    tz
        IANA time zone of naive wall-clock times (``America/Chicago`` for ERCOT). Needed only when
        the chosen time column has neither ``utc`` in its name nor explicit offsets.
    feed
        Name used in error messages; the file name by default.

    Returns
    -------
    pandas.DataFrame
        Index ``(node, time)`` with ``time`` the UTC interval start; column
        ``price_usd_per_mwh`` [USD/MWh], ``NaN`` where the file has a gap. The native resolution
        of the file is kept; see :func:`to_hourly`.

    Raises
    ------
    FeedError
        Unreadable file, no time column, unparseable or impossible times, non-numeric prices,
        unknown nodes, duplicate (node, time) rows or prices outside the schema range.
    """
    return _read_grid_file(path, PRICES_SPEC, nodes, time_column, tz, feed)


def read_load(
    path: str | Path,
    *,
    areas: Sequence[str] | None = None,
    time_column: str | None = None,
    tz: str | None = None,
    feed: str | None = None,
) -> pd.DataFrame:
    """Read system or zonal load from a CSV or Parquet file into the canonical load frame.

    Works on the ERCOT native-load export (``hour_ending_utc, hour_start_local,
    ercot_hour_ending_label, COAST, EAST, ..., ERCOT``): the UTC column is preferred, and because
    its name says *ending*, each time is shifted back one interval (1 h) to the interval start.
    The ERCOT label column is recognised as a time label and dropped. Long files (``area``/``zone``
    + ``load``/``load_mw``) are read too.

    Parameters
    ----------
    path
        ``.csv`` (optionally ``.gz``) or ``.parquet`` file.
    areas
        Areas (columns of a wide file, e.g. ``["ERCOT"]``) to keep; all when omitted.
    time_column, tz, feed
        As for :func:`read_prices`.

    Returns
    -------
    pandas.DataFrame
        Index ``(area, time)`` with ``time`` the UTC interval start; column ``load_mw`` [MW]
        (energy over one hour in MWh equals mean power in MW).

    Raises
    ------
    FeedError
        As for :func:`read_prices`.
    """
    return _read_grid_file(path, LOAD_SPEC, areas, time_column, tz, feed)


# --------------------------------------------------------------------------------------------
# the shared file reader
# --------------------------------------------------------------------------------------------


def _read_grid_file(
    path: str | Path,
    spec: FrameSpec,
    keys: Sequence[str] | None,
    time_column: str | None,
    tz: str | None,
    feed: str | None,
) -> pd.DataFrame:
    path = Path(path)
    feed = feed or path.name
    if isinstance(keys, str):
        keys = [keys]
    table, is_csv = _read_table(path, feed)
    where = _csv_line if is_csv else _parquet_row
    norm = {c: _norm(c) for c in table.columns}
    key_col = next((c for c in table.columns if norm[c] in spec.key_aliases), None)
    value_col = next((c for c in table.columns if norm[c] in spec.value_aliases), None)
    time_col = _choose_time_column(table, norm, time_column, feed, exclude=(key_col, value_col))
    ends = bool(_END_TOKENS & set(norm[time_col].split("_")))

    if key_col is not None and value_col is not None:  # long: time, key, value
        key_values = table[key_col].astype("string").str.strip()
        if key_values.isna().any():
            raise FeedError(
                feed, f"column {key_col!r} is empty at {where(first_true(key_values.isna()))}"
            )
        groups = key_values.to_numpy(dtype=object)
        times = parse_times(table[time_col], groups, time_col, norm[time_col], tz, feed, where)
        frame = pd.DataFrame(
            {
                spec.key: groups,
                "time": times,
                spec.value: numeric_cells(
                    table[value_col], value_col, feed, where, spec.unit
                ).to_numpy(),
                "_row": np.arange(len(table)),
            }
        )
        if ends:
            frame["time"] = ends_to_starts(frame, spec.key, time_col, feed)
        if keys is not None:
            frame = select_keys(frame, spec.key, keys, spec.selector, feed)
    else:  # wide: time, one column per key
        skip = {time_col} | {
            c for c in table.columns if _is_time_like(norm[c]) or norm[c] in LABEL_COLUMNS
        }
        value_cols = [c for c in table.columns if c not in skip]
        if keys is not None:
            unknown = [k for k in keys if k not in value_cols]
            if unknown:
                raise FeedError(
                    feed, f"unknown {spec.selector} {unknown}; allowed: {', '.join(value_cols)}"
                )
            value_cols = list(dict.fromkeys(keys))
        if not value_cols:
            raise FeedError(
                feed,
                f"no {spec.kind} columns besides time and label columns; columns: "
                f"{', '.join(map(str, table.columns))}",
            )
        times = parse_times(table[time_col], None, time_col, norm[time_col], tz, feed, where)
        if ends:
            step = most_common_step(pd.Series(times))
            if step is None:
                raise FeedError(
                    feed, f"column {time_col!r} holds interval ends but has a single time"
                )
            times = times - step
        n = len(table)
        frame = pd.DataFrame(
            {
                spec.key: np.repeat(np.asarray(value_cols, dtype=object), n),
                "time": np.tile(times, len(value_cols)),
                spec.value: np.concatenate(
                    [
                        numeric_cells(table[c], c, feed, where, spec.unit).to_numpy(float)
                        for c in value_cols
                    ]
                ),
                "_row": np.tile(np.arange(n), len(value_cols)),
            }
        )

    frame = _trim_missing(frame, spec, keys, feed)
    dup = frame.duplicated([spec.key, "time"], keep=False)
    if dup.any():
        first = frame[dup].iloc[0]
        clash = frame[dup & (frame[spec.key] == first[spec.key]) & (frame["time"] == first["time"])]
        raise FeedError(
            feed,
            f"{spec.key} {first[spec.key]!r} has two rows for {first['time']:%Y-%m-%d %H:%M} UTC "
            f"({' and '.join(where(int(r)) for r in clash['_row'])})",
        )
    out = frame.set_index([spec.key, "time"])[[spec.value]].sort_index()
    return validate(out, spec.kind, feed)


def _read_table(path: Path, feed: str) -> tuple[pd.DataFrame, bool]:
    """Read a CSV (all cells as text) or Parquet file; True when it was a CSV."""
    if not path.exists():
        raise FeedError(feed, f"file not found: {path}")
    suffixes = [s.lower() for s in path.suffixes]
    try:
        if ".parquet" in suffixes or ".pq" in suffixes:
            return pd.read_parquet(path), False
        if ".csv" in suffixes or ".txt" in suffixes:
            return pd.read_csv(path, dtype=str, skipinitialspace=True), True
    except (OSError, ValueError, ImportError) as exc:
        raise FeedError(feed, f"cannot read {path.name}: {exc}") from exc
    raise FeedError(feed, f"unsupported file type {path.suffix!r}; allowed: .csv, .parquet")


def _norm(name: object) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


def _is_time_like(normed: str) -> bool:
    return bool(_TIME_TOKENS & set(normed.split("_"))) or normed.endswith("label")


def _csv_line(row: int) -> str:
    return f"line {row + 2}"  # the header is line 1


def _parquet_row(row: int) -> str:
    return f"row {row}"


def _choose_time_column(
    table: pd.DataFrame,
    norm: dict[Any, str],
    time_column: str | None,
    feed: str,
    exclude: Iterable[Any],
) -> Any:
    if time_column is not None:
        if time_column not in table.columns:
            raise FeedError(
                feed,
                f"time column {time_column!r} not found; columns: "
                f"{', '.join(map(str, table.columns))}",
            )
        return time_column
    excluded = {c for c in exclude if c is not None}
    candidates = [
        c
        for c in table.columns
        if c not in excluded and _is_time_like(norm[c]) and not norm[c].endswith("label")
    ]
    if not candidates:
        raise FeedError(
            feed,
            "no time column: expected one named like time, timestamp, interval_start_utc or "
            f"hour_ending_utc (or pass time_column=); columns: "
            f"{', '.join(map(str, table.columns))}",
        )

    def rank(col: Any) -> tuple[int, int]:
        tokens = set(norm[col].split("_"))
        kind = 0 if "utc" in tokens else 1 if carries_offsets(table[col]) else 2
        return kind, 1 if _END_TOKENS & tokens else 0

    return min(candidates, key=rank)


def _trim_missing(
    frame: pd.DataFrame, spec: FrameSpec, requested: Sequence[str] | None, feed: str
) -> pd.DataFrame:
    """Drop each series' leading/trailing missing values and series with no values at all."""
    frame = frame.sort_values([spec.key, "time"], kind="stable")
    has = frame[spec.value].notna()
    started = has.groupby(frame[spec.key], sort=False).cummax()
    reverse = has.iloc[::-1]
    not_ended = reverse.groupby(frame[spec.key].iloc[::-1], sort=False).cummax().iloc[::-1]
    keep = (started & not_ended).to_numpy()
    if requested is not None:
        with_values = set(pd.unique(frame[spec.key].to_numpy()[keep]))
        empty = [k for k in requested if k not in with_values]
        if empty:
            raise FeedError(feed, f"{spec.selector} {empty} have no values in the file")
    trimmed = frame[keep]
    if trimmed.empty:
        raise FeedError(feed, f"no {spec.kind} values in the file")
    return trimmed
