"""US National Weather Service active alerts at a site, as the canonical ``events`` table.

``GET {base}/alerts/active?point=lat,lon`` answers a GeoJSON FeatureCollection of CAP alerts. The
table has one row per alert still in force after applying the CAP message chain:

- an ``Update`` supersedes every alert it ``references``;
- a ``Cancel`` (or CAP ``Error``) removes the alerts it references and itself;
- an ``Ack`` changes nothing and is dropped;
- only ``status == "Actual"`` messages count (``Test``, ``Exercise``, ``System``, ``Draft`` are
  dropped);
- the same alert ``id`` twice is kept once.

Columns: ``start`` = ``onset``, else ``effective``; ``end`` = ``ends``, else ``expires``, all UTC.
``expires`` is when the *message* lapses (NWS reissues before then), so when there is no ``ends``
and ``expires`` falls before ``start`` the end is unknown and left empty rather than made to end
before it starts. ``kind`` is the ``event`` text (``Winter Storm Warning``), ``severity`` the CAP
severity (``Extreme``, ``Severe``, ``Moderate``, ``Minor``, ``Unknown``), ``source`` is ``nws`` and
``source_id`` the alert ``id``; ``urgency``, ``certainty``, ``headline`` and ``message_type`` are
kept as extra columns.

NWS refuses requests without a User-Agent; :func:`weather.http.make_session` sets one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Unpack

import pandas as pd
import requests

from weather import schema
from weather.errors import FeedError
from weather.http import FetchOptions, forget, get_json

__all__ = ["EXTRA_COLUMNS", "NWS_URL", "get_alerts", "parse_alerts"]

logger = logging.getLogger(__name__)

#: Base URL of the NWS API.
NWS_URL = "https://api.weather.gov"
_FEED = "nws alerts"
_SOURCE = "nws"
#: Columns kept beside the canonical event columns.
EXTRA_COLUMNS = ("urgency", "certainty", "headline", "message_type")
_KEEP = {"alert", "update"}
_REMOVE_REFERENCED = {"update", "cancel", "error"}
_KNOWN_TYPES = {"alert", "update", "cancel", "error", "ack"}


def get_alerts(
    session: requests.Session,
    lat: float,
    lon: float,
    *,
    site_id: str,
    base_url: str = NWS_URL,
    **options: Unpack[FetchOptions],
) -> pd.DataFrame:
    """Active NWS alerts at a point.

    Parameters
    ----------
    session
        From :func:`weather.http.make_session` (it carries the User-Agent NWS requires).
    lat, lon
        WGS84 point [degrees north, degrees east]; sent with at most 4 decimals, as NWS asks.
    site_id
        Site the alerts are for (the ``site_id`` column).
    base_url
        API root; default :data:`NWS_URL`.
    **options
        ``timeout``, ``retries``, ``backoff``, ``max_wait`` for :func:`weather.http.get_json`.

    Returns
    -------
    pandas.DataFrame
        Canonical ``events`` table (see the module docstring); no rows when nothing is active.

    Raises
    ------
    FeedError
        The request failed or the answer is malformed.
    ValueError
        Coordinates out of range.
    """
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise ValueError(f"site {site_id!r}: coordinates ({lat}, {lon}) invalid")
    url = f"{base_url.rstrip('/')}/alerts/active"
    params = {"point": f"{_coord(lat)},{_coord(lon)}"}
    payload = get_json(
        session, url, params, feed=_FEED, headers={"Accept": "application/geo+json"}, **options
    )
    try:
        return parse_alerts(payload, site_id)
    except FeedError:
        forget(session, url, params)  # do not serve a bad answer from the cache again
        raise


def parse_alerts(payload: Any, site_id: str, *, feed: str = _FEED) -> pd.DataFrame:
    """Read an NWS alerts FeatureCollection into the canonical ``events`` table.

    Parameters
    ----------
    payload
        Decoded JSON from ``/alerts/active`` (or ``/alerts/active/zone/...``).
    site_id
        Site the alerts are for.
    feed
        Name used in errors.

    Returns
    -------
    pandas.DataFrame
        Columns ``start``, ``end`` (UTC; ``end`` may be missing), ``site_id``, ``kind``,
        ``severity``, ``source``, ``source_id``, ``urgency``, ``certainty``, ``headline``,
        ``message_type``; sorted by ``start``. No active alerts gives a table with no rows.

    Raises
    ------
    FeedError
        Not a FeatureCollection, a feature without properties, an alert without ``id``, ``event``,
        ``messageType`` or any start time, an unknown ``messageType``, unreadable times.
    """
    if not isinstance(payload, dict):
        raise FeedError(feed, f"expected a GeoJSON object, got {type(payload).__name__}")
    features = payload.get("features")
    if not isinstance(features, list):
        # an RFC 7807 problem document (status, title, detail) rather than alerts
        problem = payload.get("detail") or (payload.get("status") and payload.get("title"))
        if problem:
            raise FeedError(feed, f"provider error: {problem}")
        raise FeedError(feed, "no 'features' list in the answer")

    alerts: dict[str, Mapping[str, Any]] = {}
    removed: set[str] = set()
    for i, feature in enumerate(features):
        props = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(props, dict):
            raise FeedError(feed, f"feature {i} has no 'properties' object")
        alert_id = _text(props, "id", i, feed)
        kind = _text(props, "messageType", i, feed).lower()
        if kind not in _KNOWN_TYPES:
            raise FeedError(
                feed, f"alert {alert_id!r}: unknown messageType {props['messageType']!r}"
            )
        status = str(props.get("status") or "Actual")
        if status.lower() != "actual":
            logger.debug("%s: dropping %s message %s", feed, status, alert_id)
            continue
        if kind in _REMOVE_REFERENCED:
            removed |= _references(props, alert_id, feed)
        if kind in _KEEP:
            alerts.setdefault(alert_id, props)  # the same alert twice counts once
        else:
            logger.debug("%s: %s message %s applied and dropped", feed, kind, alert_id)

    rows = [_row(props, site_id, feed) for aid, props in alerts.items() if aid not in removed]
    if not rows:
        empty = schema.empty_events()
        for name in EXTRA_COLUMNS:
            empty[name] = pd.Series(dtype=object)
        return schema.validate(empty, "events", feed)
    table = pd.DataFrame(rows, columns=[*schema.EVENT_COLUMNS, *EXTRA_COLUMNS])
    for name in ("start", "end"):
        table[name] = pd.to_datetime(table[name], utc=True).astype("datetime64[ns, UTC]")
    table = table.sort_values(["start", "kind", "source_id"], kind="stable").reset_index(drop=True)
    return schema.validate(table, "events", feed)


def _coord(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


def _text(props: Mapping[str, Any], key: str, i: int, feed: str) -> str:
    value = props.get(key)
    if not isinstance(value, str) or not value.strip():
        who = props.get("id") if isinstance(props.get("id"), str) else f"feature {i}"
        raise FeedError(feed, f"alert {who!r} has no {key!r}")
    return value.strip()


def _references(props: Mapping[str, Any], alert_id: str, feed: str) -> set[str]:
    refs = props.get("references") or []
    if not isinstance(refs, list):
        raise FeedError(feed, f"alert {alert_id!r}: 'references' is not a list")
    ids = set()
    for ref in refs:
        ident = ref.get("identifier") if isinstance(ref, dict) else None
        if not ident and isinstance(ref, dict) and isinstance(ref.get("@id"), str):
            ident = ref["@id"].rstrip("/").rsplit("/", 1)[-1]
        if not isinstance(ident, str) or not ident:
            raise FeedError(feed, f"alert {alert_id!r}: a reference without 'identifier'")
        ids.add(ident)
    return ids


def _time(props: Mapping[str, Any], key: str, feed: str) -> pd.Timestamp | None:
    value = props.get(key)
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise FeedError(feed, f"alert {props.get('id')!r}: unreadable {key} {value!r}") from None
    if stamp.tzinfo is None:
        raise FeedError(feed, f"alert {props.get('id')!r}: {key} {value!r} has no UTC offset")
    return stamp.tz_convert("UTC")


def _row(props: Mapping[str, Any], site_id: str, feed: str) -> dict[str, Any]:
    alert_id = props["id"]
    start = _time(props, "onset", feed)
    if start is None:
        start = _time(props, "effective", feed)
    if start is None:
        raise FeedError(feed, f"alert {alert_id!r} has neither 'onset' nor 'effective'")
    end = _time(props, "ends", feed)
    if end is None:
        end = _time(props, "expires", feed)
        if end is not None and end < start:
            end = None  # the message lapses before the event starts: the end is not known yet
    return {
        "start": start,
        "end": end,
        "site_id": site_id,
        "kind": _text(props, "event", 0, feed),
        "severity": props.get("severity"),
        "source": _SOURCE,
        "source_id": alert_id,
        "urgency": props.get("urgency"),
        "certainty": props.get("certainty"),
        "headline": props.get("headline"),
        "message_type": props["messageType"],
    }
