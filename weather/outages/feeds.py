"""Live outage feeds: any JSON list of outages, read through a mapping that names the keys."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Unpack

import pandas as pd
import requests

from weather.errors import FeedError
from weather.http import FetchOptions, get_json
from weather.schema import empty_events, validate


@dataclass(frozen=True)
class OutageFeedMapping:
    """Where a live outage feed keeps each field of an outage record.

    Keys may be dotted paths into nested objects (``"properties.startTime"``).

    Attributes
    ----------
    start
        Key of the outage start (required in every record).
    end
        Key of the (estimated) restoration time; missing or ``null`` means still open.
    id
        Key of the provider's outage id.
    site
        Key of the site, area or feeder the outage is reported for (-> ``site_id``).
    kind
        Key of the outage kind; records without one get ``default_kind``.
    severity
        Key of the severity or status.
    time_format
        ``iso8601`` (offsets or ``Z``; naive values are read in ``timezone``), ``epoch_s``,
        ``epoch_ms``, or a ``strftime`` pattern such as ``%m/%d/%Y %I:%M %p``.
    timezone
        IANA zone of naive times. An ambiguous or skipped wall time (DST) is an error.
    records
        Dotted path to the list of outages inside the payload; ``None`` when the payload is the
        list itself.
    default_kind
        Kind of records without a ``kind`` key.
    source
        Value of the ``source`` column.
    """

    start: str
    end: str | None = None
    id: str = "id"
    site: str | None = None
    kind: str | None = None
    severity: str | None = None
    time_format: str = "iso8601"
    timezone: str = "UTC"
    records: str | None = None
    default_kind: str = "grid-outage"
    source: str = "outage-feed"


def parse_outage_feed(payload: Any, mapping: OutageFeedMapping, feed: str) -> pd.DataFrame:
    """Read one outage-feed payload into the canonical event table.

    Parameters
    ----------
    payload
        Decoded JSON: a list of outage objects, or an object holding one at ``mapping.records``.
    mapping
        Which keys hold which field, and the time format.
    feed
        Feed name for error messages.

    Returns
    -------
    pandas.DataFrame
        Columns ``start``, ``end`` (UTC, ``NaT`` for open outages), ``site_id``, ``kind``,
        ``severity``, ``source``, ``source_id``. An empty list gives an empty table (the feed
        answered and reports no outages).

    Raises
    ------
    FeedError
        The payload is not a list (at ``records``), a record is not an object or lacks its start
        or id, a time cannot be read, or an outage ends before it starts.
    """
    records = _lookup(payload, mapping.records) if mapping.records else payload
    if records is _MISSING or not isinstance(records, list):
        where = f" at {mapping.records!r}" if mapping.records else ""
        raise FeedError(
            feed, f"expected a JSON list of outages{where}, got {type(records).__name__}"
        )
    if not records:
        return empty_events()
    rows: list[dict[str, Any]] = []
    for i, record in enumerate(records):
        if not isinstance(record, dict):
            raise FeedError(feed, f"outage #{i} is a {type(record).__name__}, not an object")
        start = _lookup(record, mapping.start)
        if start is _MISSING or start is None:
            raise FeedError(feed, f"outage #{i} has no {mapping.start!r} (its start)")
        ident = _lookup(record, mapping.id)
        if ident is _MISSING or ident is None:
            raise FeedError(feed, f"outage #{i} has no {mapping.id!r} (its id)")
        end = _lookup(record, mapping.end) if mapping.end else None
        rows.append(
            {
                "start": _feed_time(start, mapping, feed, i, mapping.start),
                "end": None
                if end in (_MISSING, None, "")
                else _feed_time(end, mapping, feed, i, str(mapping.end)),
                "site_id": _optional(record, mapping.site),
                "kind": _optional(record, mapping.kind) or mapping.default_kind,
                "severity": _optional(record, mapping.severity),
                "source": mapping.source,
                "source_id": str(ident),
            }
        )
    events = pd.DataFrame(rows)
    for column in ("start", "end"):
        events[column] = pd.to_datetime(events[column], utc=True)
    return validate(events, "events", feed)


def get_outage_feed(
    session: requests.Session,
    url: str,
    mapping: OutageFeedMapping,
    *,
    feed: str | None = None,
    params: Mapping[str, str | int | float] | None = None,
    **fetch: Unpack[FetchOptions],
) -> pd.DataFrame:
    """Fetch a live outage feed and read it with :func:`parse_outage_feed`.

    Parameters
    ----------
    session
        HTTP session, usually from :func:`weather.http.make_session`.
    url
        Feed URL.
    mapping
        Field mapping of the feed.
    feed
        Feed name for errors; ``outage feed <url>`` by default.
    params
        Query parameters (API keys are masked in errors by :mod:`weather.http`).
    **fetch
        Passed to :func:`weather.http.get_json` (``timeout``, ``retries``...).

    Returns
    -------
    pandas.DataFrame
        Canonical event table.

    Raises
    ------
    FeedError
        HTTP or network failure, malformed JSON, or a payload :func:`parse_outage_feed` rejects.
    """
    name = feed or f"outage feed {url.split('?')[0]}"
    payload = get_json(session, url, params, feed=name, **fetch)
    return parse_outage_feed(payload, mapping, name)


_MISSING: Any = object()


def _lookup(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return _MISSING
        obj = obj[part]
    return obj


def _optional(record: dict[str, Any], key: str | None) -> str | None:
    if key is None:
        return None
    value = _lookup(record, key)
    return None if value is _MISSING or value is None else str(value)


def _feed_time(value: Any, mapping: OutageFeedMapping, feed: str, i: int, key: str) -> pd.Timestamp:
    fmt = mapping.time_format
    try:
        if fmt in ("epoch_s", "epoch_ms"):
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise ValueError("not a number")
            stamp = pd.Timestamp(float(value), unit="s" if fmt == "epoch_s" else "ms", tz="UTC")
        elif fmt == "iso8601":
            stamp = pd.Timestamp(str(value))
        else:
            stamp = pd.Timestamp(pd.to_datetime(str(value), format=fmt))
    except (ValueError, TypeError, OverflowError) as exc:
        raise FeedError(
            feed, f"outage #{i}: cannot read {key!r} = {value!r} as {fmt}: {exc}"
        ) from None
    if pd.isna(stamp):
        raise FeedError(feed, f"outage #{i}: {key!r} is empty")
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(mapping.timezone, ambiguous="NaT", nonexistent="NaT")
        if pd.isna(stamp):
            raise FeedError(
                feed,
                f"outage #{i}: {key!r} = {value!r} is ambiguous or skipped in "
                f"{mapping.timezone} (DST); the feed needs UTC offsets for such times",
            )
    return stamp.tz_convert("UTC")
