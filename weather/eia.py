"""EIA Open Data API v2: hourly demand by balancing authority (Form EIA-930), as a load frame.

Route ``electricity/rto/region-data/data/`` with ``frequency=hourly``, ``data[0]=value``,
``facets[respondent][]=<BA>`` and ``facets[type][]=D`` (demand). One answer holds at most 5,000
rows; the client pages with ``offset``/``length`` until it has read ``response.total`` rows (EIA
sends ``total`` as a string). Rows are sorted by period so that pages are stable.

Times: for ``frequency=hourly`` the ``period`` is UTC, formatted ``YYYY-MM-DDTHH``, and EIA-930
labels each hour by its *end* (the value for period ``2021-02-15T06`` is the demand from 05:00 to
06:00 UTC; gridstatus reads it the same way). The canonical frame is labelled by interval start, so
each period is shifted back one hour. Values are MWh over the hour, i.e. mean MW; since API
v2.1.6 EIA sends them as strings, and a ``null`` value is a gap kept as ``NaN``.

The API key comes from the ``api_key`` argument or the ``EIA_API_KEY`` environment variable. It is
sent as the documented ``api_key`` query parameter and masked in every error and log line by
:mod:`weather.http`.
"""

from __future__ import annotations

import os
from typing import Any, Unpack

import pandas as pd
import requests

from weather.errors import FeedError
from weather.http import FetchOptions, forget, get_json
from weather.schema import validate

__all__ = ["EIA_BASE_URL", "EIA_PAGE_LENGTH", "get_eia_demand", "parse_eia_region_data"]

#: Root of the EIA Open Data API v2.
EIA_BASE_URL = "https://api.eia.gov/v2/"
#: Largest page EIA serves as JSON [rows].
EIA_PAGE_LENGTH = 5000
_ROUTE = "electricity/rto/region-data/data/"
_FEED = "eia region-data"
_UNITS = "megawatthours"


def get_eia_demand(
    session: requests.Session,
    respondent: str,
    start: Any,
    end: Any,
    api_key: str | None = None,
    *,
    base_url: str = EIA_BASE_URL,
    page_length: int = EIA_PAGE_LENGTH,
    **fetch: Unpack[FetchOptions],
) -> pd.DataFrame:
    """Hourly demand of one balancing authority from EIA, as a canonical load frame.

    Parameters
    ----------
    session
        HTTP session, usually from :func:`weather.http.make_session`.
    respondent
        EIA balancing-authority code: ``ERCO`` (ERCOT), ``MISO``, ``PJM``, ``SWPP``, ``CISO``...
    start, end
        First and last *interval start* wanted, inclusive, UTC (anything ``pandas.Timestamp``
        accepts; naive values are read as UTC). Rounded down to the hour.
    api_key
        EIA API key; ``EIA_API_KEY`` from the environment when omitted.
    base_url
        API root (a local test server in tests).
    page_length
        Rows per request, 1 .. 5000.
    **fetch
        Passed to :func:`weather.http.get_json` (``timeout``, ``retries``, ``backoff``,
        ``max_wait``).

    Returns
    -------
    pandas.DataFrame
        Index ``(area, time)`` with ``area`` the respondent code and ``time`` the UTC start of
        each hour; column ``load_mw`` [MW].

    Raises
    ------
    FeedError
        No API key, HTTP or network failure after retries, an answer that is not EIA's shape,
        fewer rows than ``total`` announced, non-numeric values or an empty result. The key never
        appears in the message.
    """
    key = api_key if api_key is not None else os.environ.get("EIA_API_KEY", "")
    if not key.strip():
        raise FeedError(
            _FEED, "no API key: set EIA_API_KEY or pass api_key= (free at eia.gov/opendata)"
        )
    if not 1 <= page_length <= EIA_PAGE_LENGTH:
        raise ValueError(f"page_length must be 1 .. {EIA_PAGE_LENGTH}, got {page_length}")
    first, last = _hour_utc(start), _hour_utc(end)
    if last < first:
        raise ValueError(f"end {last} is before start {first}")
    url = base_url.rstrip("/") + "/" + _ROUTE
    one_hour = pd.Timedelta(hours=1)
    rows: list[dict[str, Any]] = []
    asked: list[dict[str, str | int | float]] = []
    total: int | None = None
    offset = 0
    try:
        while total is None or offset < total:
            params: dict[str, str | int | float] = {
                "frequency": "hourly",
                "data[0]": "value",
                "facets[respondent][]": respondent,
                "facets[type][]": "D",
                # periods are hour-ending: the hour starting at `first` is labelled first + 1 h
                "start": f"{first + one_hour:%Y-%m-%dT%H}",
                "end": f"{last + one_hour:%Y-%m-%dT%H}",
                "sort[0][column]": "period",
                "sort[0][direction]": "asc",
                "offset": offset,
                "length": page_length,
                "api_key": key,
            }
            payload = get_json(session, url, params, feed=_FEED, **fetch)
            asked.append(params)
            page, page_total = _page(payload)
            if total is None:
                total = page_total
            elif page_total != total:
                raise FeedError(_FEED, f"total changed between pages ({total} then {page_total})")
            if not page and total:
                raise FeedError(
                    _FEED, f"page at offset {offset} is empty but total says {total} rows"
                )
            rows.extend(page)
            offset += len(page)
        return parse_eia_region_data(rows, respondent)
    except FeedError:
        for params in asked:  # a cached answer that does not parse must not be served again
            forget(session, url, params)
        raise


def parse_eia_region_data(rows: list[dict[str, Any]], respondent: str) -> pd.DataFrame:
    """EIA ``region-data`` demand rows -> canonical load frame.

    Parameters
    ----------
    rows
        The ``response.data`` records of one or more pages: ``period`` (``YYYY-MM-DDTHH`` UTC,
        hour ending), ``respondent``, ``type`` (``D``), ``value`` and ``value-units``.
    respondent
        The balancing authority that was asked for; rows for any other are an error.

    Returns
    -------
    pandas.DataFrame
        Index ``(area, time)``, column ``load_mw`` [MW], ``time`` the UTC hour start.

    Raises
    ------
    FeedError
        Missing fields, rows for another respondent or type, other units, unreadable periods or
        non-numeric values, no rows.
    """
    if not rows:
        raise FeedError(_FEED, f"no demand rows for respondent {respondent!r}")
    frame = pd.DataFrame(rows)
    missing = [c for c in ("period", "respondent", "type", "value") if c not in frame.columns]
    if missing:
        raise FeedError(_FEED, f"rows lack fields {missing}; got {list(frame.columns)}")
    other = frame[(frame["respondent"] != respondent) | (frame["type"] != "D")]
    if not other.empty:
        row = other.iloc[0]
        raise FeedError(
            _FEED,
            f"row for respondent {row['respondent']!r} type {row['type']!r} in an answer for "
            f"{respondent!r} type 'D'",
        )
    if "value-units" in frame.columns:
        units = set(frame["value-units"].dropna()) - {_UNITS}
        if units:
            raise FeedError(_FEED, f"value-units {sorted(units)}; expected {_UNITS!r}")
    ends = pd.to_datetime(frame["period"], format="%Y-%m-%dT%H", errors="coerce", utc=True)
    if ends.isna().any():
        bad = frame.loc[ends.isna(), "period"].iloc[0]
        raise FeedError(_FEED, f"period {bad!r} is not YYYY-MM-DDTHH")
    raw = frame["value"]
    values = pd.to_numeric(raw, errors="coerce")
    bad_values = values.isna() & raw.notna()
    if bad_values.any():
        raise FeedError(_FEED, f"non-numeric value {raw[bad_values].iloc[0]!r} [MW expected]")
    out = pd.DataFrame(
        {
            "area": respondent,
            "time": ends - pd.Timedelta(hours=1),
            "load_mw": values.astype(float).to_numpy(),
        }
    ).set_index(["area", "time"])
    return validate(out.sort_index(), "load", _FEED)


def _page(payload: Any) -> tuple[list[dict[str, Any]], int]:
    """``(rows, total)`` of one EIA answer, checking its shape."""
    response = payload.get("response") if isinstance(payload, dict) else None
    if not isinstance(response, dict):
        error = payload.get("error") if isinstance(payload, dict) else None
        reason = f": {error}" if isinstance(error, str) else ""
        raise FeedError(_FEED, f"answer has no 'response' object{reason}")
    data = response.get("data")
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise FeedError(_FEED, "response.data is not a list of records")
    try:
        total = int(str(response.get("total")))
    except ValueError:
        raise FeedError(_FEED, f"response.total {response.get('total')!r} is not a count") from None
    if total < 0:
        raise FeedError(_FEED, f"response.total is negative ({total})")
    return data, total


def _hour_utc(value: Any) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    if pd.isna(stamp):
        raise ValueError(f"not a time: {value!r}")
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.floor("h")
