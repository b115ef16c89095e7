"""Grid prices and load: files (CSV or Parquet, wide or long), the gridstatus adapter, EIA demand.

Everything here ends in a canonical frame (see :mod:`weather.schema`):

- prices: index ``(node, time)``, column ``price_usd_per_mwh`` [USD/MWh];
- load: index ``(area, time)``, column ``load_mw`` [MW].

``time`` is the tz-aware UTC *start* of each interval.

Time columns
------------
A file may carry several time columns (ERCOT exports carry ``hour_start_local`` *and*
``hour_start_utc``). Unless ``time_column`` is given, the reader picks, in order of preference:

1. a column whose name says UTC (``..._utc``, ``utc_...``);
2. a column whose values carry explicit UTC offsets (``2021-11-07T01:00:00-05:00``);
3. a column of naive wall-clock times, which then needs ``tz`` (an IANA zone such as
   ``America/Chicago``).

A column whose name says *ending* or *end* (``hour_ending_utc``, ``interval_end``) holds interval
ends; it is shifted back by the interval length (the most common step between successive times of
one node or area) to give interval starts.

Naive local times are converted DST-safely, never by guessing silently:

- a wall time that does not exist (02:00-02:59 on the spring-forward day in US zones) is an error;
- a wall time that occurs twice (01:00-01:59 on the fall-back day) must appear twice for the same
  node: the first occurrence in file order is daylight time, the second standard time, which is how
  every chronological export lists them. A repeated wall time that appears only once cannot be
  placed and is an error naming the line.

Values
------
Empty cells are missing values and stay ``NaN`` (gaps stay visible). Per node (or area), leading and
trailing missing values are dropped (a node that had not started reporting yet, like ERCOT's
``LZ_WEST`` before 2023), and a node with no values at all is dropped. Any other non-numeric value
is an error naming the file, column, line and value.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from weather.eia import get_eia_demand
from weather.errors import FeedError
from weather.schema import validate

__all__ = [
    "get_eia_demand",
    "get_iso_load",
    "get_iso_prices",
    "read_load",
    "read_prices",
    "to_hourly",
]

#: Columns that label rows but are neither times nor values (normalised names); they are dropped.
LABEL_COLUMNS: frozenset[str] = frozenset(
    {"event", "dst_flag", "dstflag", "repeated_hour_flag", "source", "notes", "note"}
)

_TIME_TOKENS = frozenset(
    {"time", "date", "datetime", "timestamp", "hour", "interval", "period", "utc", "local"}
)
_END_TOKENS = frozenset({"end", "ending"})
_OFFSET_RE = r"(?:Z|[+-]\d{2}:?\d{2})$"
_GRID_EXTRA_HINT = "pip install 'mining-fleet-planner[grid]'"


@dataclass(frozen=True)
class _FrameSpec:
    """What distinguishes a prices file from a load file."""

    kind: Literal["prices", "load"]
    key: str  # index level next to time: node or area
    value: str  # canonical value column
    selector: str  # keyword argument that selects keys: nodes or areas
    key_aliases: frozenset[str]
    value_aliases: frozenset[str]
    unit: str


_PRICES = _FrameSpec(
    kind="prices",
    key="node",
    value="price_usd_per_mwh",
    selector="nodes",
    key_aliases=frozenset(
        {"node", "location", "settlement_point", "settlement_point_name", "settlementpoint", "hub"}
    ),
    value_aliases=frozenset(
        {
            "price",
            "price_usd_per_mwh",
            "lmp",
            "spp",
            "settlement_point_price",
            "settlementpointprice",
        }
    ),
    unit="USD/MWh",
)

_LOAD = _FrameSpec(
    kind="load",
    key="area",
    value="load_mw",
    selector="areas",
    key_aliases=frozenset({"area", "zone", "weather_zone", "region", "respondent", "ba"}),
    value_aliases=frozenset({"load", "load_mw", "demand", "demand_mw", "mw", "value"}),
    unit="MW",
)


# --------------------------------------------------------------------------------------------
# public readers
# --------------------------------------------------------------------------------------------


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
    return _read_grid_file(path, _PRICES, nodes, time_column, tz, feed)


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
    return _read_grid_file(path, _LOAD, areas, time_column, tz, feed)


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
    value = _PRICES.value
    frame = prices[[value]].reset_index().sort_values(["node", "time"], kind="stable")
    hour = pd.Timedelta(hours=1)
    parts: list[pd.DataFrame] = []
    for node, rows in frame.groupby("node", sort=False):
        step = _most_common_step(rows["time"])
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


# --------------------------------------------------------------------------------------------
# gridstatus adapter (optional dependency)
# --------------------------------------------------------------------------------------------


def get_iso_prices(
    iso: str,
    start: Any,
    end: Any,
    *,
    market: str | None = None,
    locations: Sequence[str] | None = None,
    location_type: str | None = None,
) -> pd.DataFrame:
    """Fetch ISO real-time prices through the optional ``gridstatus`` package.

    ``gridstatus`` is imported only here, so the planner runs without it. For ERCOT the settlement
    point prices come from ``Ercot.get_spp`` (default market ``REAL_TIME_15_MIN``, location type
    ``Trading Hub``); for the other ISOs from ``get_lmp`` (default market ``REAL_TIME_HOURLY``).

    Parameters
    ----------
    iso
        gridstatus ISO id: ``ercot``, ``caiso``, ``pjm``, ``miso``, ``spp``, ``nyiso``, ``isone``.
    start, end
        Anything ``pandas.Timestamp`` accepts; passed to gridstatus as ``date`` and ``end``.
    market
        gridstatus market name, e.g. ``REAL_TIME_15_MIN`` or ``DAY_AHEAD_HOURLY``.
    locations
        Locations (nodes) to keep.
    location_type
        ERCOT only: ``Trading Hub``, ``Load Zone``, ``Resource Node``...

    Returns
    -------
    pandas.DataFrame
        Canonical prices frame, native resolution (see :func:`to_hourly`).

    Raises
    ------
    FeedError
        gridstatus not installed (with the install command), unknown ISO, or the fetch failed.
    """
    feed = f"gridstatus {iso} prices"
    gridstatus = _import_gridstatus(feed)
    client = _iso_client(gridstatus, iso, feed)
    is_ercot = iso.strip().lower() == "ercot"
    market_name = market or ("REAL_TIME_15_MIN" if is_ercot else "REAL_TIME_HOURLY")
    market_arg: Any = market_name
    markets = getattr(gridstatus, "Markets", None)
    if markets is not None:
        try:
            market_arg = markets(market_name)
        except ValueError as exc:
            raise FeedError(feed, f"unknown gridstatus market {market_name!r}") from exc
    kwargs: dict[str, Any] = {"date": start, "end": end, "market": market_arg}
    try:
        if is_ercot:
            kwargs["location_type"] = location_type or "Trading Hub"
            raw = client.get_spp(**kwargs)
        else:
            if locations is not None:
                kwargs["locations"] = list(locations)
            raw = client.get_lmp(**kwargs)
    except FeedError:
        raise
    except Exception as exc:  # gridstatus raises many kinds; report them all as a feed failure
        raise FeedError(feed, f"gridstatus failed: {type(exc).__name__}: {exc}") from exc
    frame = _from_gridstatus(
        raw, feed, key_columns=("Location", "Settlement Point"), value_columns=("SPP", "LMP")
    )
    frame = frame.rename(columns={"key": "node", "value": _PRICES.value})
    if locations is not None:
        frame = _select_keys(frame, "node", locations, _PRICES.selector, feed)
    return validate(frame.set_index(["node", "time"]).sort_index(), "prices", feed)


def get_iso_load(iso: str, start: Any, end: Any) -> pd.DataFrame:
    """Fetch ISO system load through the optional ``gridstatus`` package (``get_load``).

    Parameters
    ----------
    iso
        gridstatus ISO id (``ercot``, ``caiso``...). The area in the result is its upper-case form.
    start, end
        Anything ``pandas.Timestamp`` accepts; passed to gridstatus as ``date`` and ``end``.

    Returns
    -------
    pandas.DataFrame
        Canonical load frame, index ``(area, time)``, column ``load_mw`` [MW].

    Raises
    ------
    FeedError
        gridstatus not installed (with the install command), unknown ISO, or the fetch failed.
    """
    feed = f"gridstatus {iso} load"
    gridstatus = _import_gridstatus(feed)
    client = _iso_client(gridstatus, iso, feed)
    try:
        raw = client.get_load(date=start, end=end)
    except Exception as exc:  # gridstatus raises many kinds; report them all as a feed failure
        raise FeedError(feed, f"gridstatus failed: {type(exc).__name__}: {exc}") from exc
    if isinstance(raw, pd.DataFrame) and "Location" not in raw.columns:
        raw = raw.assign(Location=iso.strip().upper())
    frame = _from_gridstatus(raw, feed, key_columns=("Location",), value_columns=("Load",))
    frame = frame.rename(columns={"key": "area", "value": _LOAD.value})
    return validate(frame.set_index(["area", "time"]).sort_index(), "load", feed)


def _import_gridstatus(feed: str) -> Any:
    try:
        import gridstatus  # optional dependency, imported only when used
    except ImportError as exc:
        raise FeedError(
            feed, f"the optional package gridstatus is not installed; {_GRID_EXTRA_HINT}"
        ) from exc
    return gridstatus


def _iso_client(gridstatus: Any, iso: str, feed: str) -> Any:
    try:
        return gridstatus.get_iso(iso.strip().lower())()
    except KeyError as exc:
        allowed = "ercot, caiso, pjm, miso, spp, nyiso, isone"
        raise FeedError(feed, f"unknown ISO {iso!r}; allowed: {allowed}") from exc


def _from_gridstatus(
    raw: Any, feed: str, *, key_columns: Sequence[str], value_columns: Sequence[str]
) -> pd.DataFrame:
    """gridstatus frame (``Interval Start``, location, value) -> columns key, time, value."""
    if not isinstance(raw, pd.DataFrame) or raw.empty:
        raise FeedError(feed, "gridstatus returned no rows")
    time_col = next((c for c in ("Interval Start", "Time") if c in raw.columns), None)
    key_col = next((c for c in key_columns if c in raw.columns), None)
    value_col = next((c for c in value_columns if c in raw.columns), None)
    if time_col is None or key_col is None or value_col is None:
        raise FeedError(
            feed,
            f"unexpected gridstatus columns {list(raw.columns)}; need 'Interval Start', one of "
            f"{list(key_columns)} and one of {list(value_columns)}",
        )
    times = pd.to_datetime(raw[time_col], utc=True)
    values = _numeric(raw[value_col], value_col, feed, None, unit="")
    return pd.DataFrame(
        {
            "key": raw[key_col].astype(str).reset_index(drop=True),
            "time": pd.Series(times).reset_index(drop=True),
            "value": values.reset_index(drop=True),
        }
    )


# --------------------------------------------------------------------------------------------
# the shared file reader
# --------------------------------------------------------------------------------------------


def _read_grid_file(
    path: str | Path,
    spec: _FrameSpec,
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
                feed, f"column {key_col!r} is empty at {where(_first(key_values.isna()))}"
            )
        groups = key_values.to_numpy(dtype=object)
        times = _parse_times(table[time_col], groups, time_col, norm[time_col], tz, feed, where)
        frame = pd.DataFrame(
            {
                spec.key: groups,
                "time": times,
                spec.value: _numeric(
                    table[value_col], value_col, feed, where, spec.unit
                ).to_numpy(),
                "_row": np.arange(len(table)),
            }
        )
        if ends:
            frame["time"] = _ends_to_starts(frame, spec.key, time_col, feed)
        if keys is not None:
            frame = _select_keys(frame, spec.key, keys, spec.selector, feed)
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
        times = _parse_times(table[time_col], None, time_col, norm[time_col], tz, feed, where)
        if ends:
            step = _most_common_step(pd.Series(times))
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
                        _numeric(table[c], c, feed, where, spec.unit).to_numpy(float)
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


def _first(mask: pd.Series | np.ndarray) -> int:
    return int(np.flatnonzero(np.asarray(mask))[0])


def _has_offsets(values: pd.Series) -> pd.Series:
    return values.astype(str).str.strip().str.contains(_OFFSET_RE, regex=True)


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
        kind = 0 if "utc" in tokens else 1 if _carries_offsets(table[col]) else 2
        return kind, 1 if _END_TOKENS & tokens else 0

    return min(candidates, key=rank)


def _carries_offsets(series: pd.Series) -> bool:
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return True
    sample = series.dropna().head(50)
    if sample.empty or pd.api.types.is_datetime64_dtype(series.dtype):
        return False
    return bool(_has_offsets(sample).all())


def _parse_times(
    raw: pd.Series,
    groups: np.ndarray | None,
    column: Any,
    normed: str,
    tz: str | None,
    feed: str,
    where: Callable[[int], str],
) -> pd.DatetimeIndex:
    """Raw time cells (one per table row) -> UTC timestamps; DST rules in the module docstring."""
    missing = raw.isna().to_numpy()
    if missing.any():
        raise FeedError(feed, f"column {column!r} is empty at {where(_first(missing))}")
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
            i = _first(~offsets)
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
        i = _first(bad)
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
        i = _first(gone)
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


def _ends_to_starts(frame: pd.DataFrame, key: str, column: Any, feed: str) -> pd.Series:
    steps = {name: _most_common_step(times) for name, times in frame.groupby(key)["time"]}
    single = [name for name, step in steps.items() if step is None]
    if single:
        raise FeedError(
            feed,
            f"column {column!r} holds interval ends but {key} {single[0]!r} has a single time, "
            "so the interval length cannot be inferred",
        )
    return frame["time"] - frame[key].map(steps)


def _most_common_step(times: pd.Series) -> pd.Timedelta | None:
    """The most frequent positive gap between sorted distinct times (None for a single time)."""
    stamps = pd.DatetimeIndex(times)
    if stamps.tz is not None:
        stamps = stamps.tz_convert("UTC").tz_localize(None)
    distinct = np.unique(stamps.to_numpy())
    if len(distinct) < 2:
        return None
    gaps, counts = np.unique(np.diff(distinct), return_counts=True)
    return pd.Timedelta(gaps[np.argmax(counts)])


def _numeric(
    values: pd.Series, column: Any, feed: str, where: Callable[[int], str] | None, unit: str
) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    text = values.astype("string").str.strip()
    numbers = pd.to_numeric(text, errors="coerce")
    bad = (numbers.isna() & text.notna() & (text != "")).to_numpy()
    if bad.any():
        i = _first(bad)
        at = f" at {where(i)}" if where is not None else ""
        allowed = f"numbers [{unit}]" if unit else "numbers"
        raise FeedError(
            feed,
            f"column {column!r} has non-numeric value {text.iloc[i]!r}{at}; allowed: "
            f"{allowed}, empty for missing",
        )
    return numbers.astype(float)


def _select_keys(
    frame: pd.DataFrame, key: str, wanted: Sequence[str], selector: str, feed: str
) -> pd.DataFrame:
    if isinstance(wanted, str):
        wanted = [wanted]
    present = [str(k) for k in pd.unique(frame[key].to_numpy())]
    unknown = [k for k in wanted if k not in present]
    if unknown:
        raise FeedError(feed, f"unknown {selector} {unknown}; allowed: {', '.join(present)}")
    return frame[frame[key].isin(wanted)]


def _trim_missing(
    frame: pd.DataFrame, spec: _FrameSpec, requested: Sequence[str] | None, feed: str
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
