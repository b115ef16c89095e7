"""ISO prices and load through the optional ``gridstatus`` package, imported only when used."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from weather.errors import FeedError
from weather.grid.frames import LOAD_SPEC, PRICES_SPEC, numeric_cells, select_keys
from weather.schema import validate

_GRID_EXTRA_HINT = "pip install 'mining-fleet-planner[grid]'"


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
    frame = frame.rename(columns={"key": "node", "value": PRICES_SPEC.value})
    if locations is not None:
        frame = select_keys(frame, "node", locations, PRICES_SPEC.selector, feed)
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
    frame = frame.rename(columns={"key": "area", "value": LOAD_SPEC.value})
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
    values = numeric_cells(raw[value_col], value_col, feed, None, unit="")
    return pd.DataFrame(
        {
            "key": raw[key_col].astype(str).reset_index(drop=True),
            "time": pd.Series(times).reset_index(drop=True),
            "value": values.reset_index(drop=True),
        }
    )
