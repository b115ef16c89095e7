"""One Open-Meteo request for every site: the query, the API key, the cached answer, parsed.

Every getter asks the same way: the sites' coordinates as comma-separated lists, the hourly
variables by their Open-Meteo names, UTC labels and wind in m/s, plus the endpoint's own window
(:func:`fetch` takes it as ``params``). With ``OPEN_METEO_API_KEY`` set the key rides along as
``apikey`` and a default endpoint becomes its commercial ``customer-`` host. An answer its parser
rejects is dropped from the HTTP cache so that it is not served again.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

import pandas as pd
import requests

from weather.errors import FeedError
from weather.http import FetchOptions, forget, get_json
from weather.openmeteo.variables import PROVIDER_VARIABLES, canonical_variables

FORECAST_URL = "https://api.open-meteo.com/v1/forecast"
ARCHIVE_URL = "https://archive-api.open-meteo.com/v1/archive"
ENSEMBLE_URL = "https://ensemble-api.open-meteo.com/v1/ensemble"
_CUSTOMER_URL = {
    FORECAST_URL: "https://customer-api.open-meteo.com/v1/forecast",
    ARCHIVE_URL: "https://customer-archive-api.open-meteo.com/v1/archive",
    ENSEMBLE_URL: "https://customer-ensemble-api.open-meteo.com/v1/ensemble",
}
#: Environment variable holding a commercial Open-Meteo API key (optional).
API_KEY_ENV = "OPEN_METEO_API_KEY"


class SiteLike(Protocol):
    """Anything with an ``id`` and WGS84 coordinates (``planner.Site`` fits)."""

    @property
    def id(self) -> str: ...

    @property
    def latitude(self) -> float: ...

    @property
    def longitude(self) -> float: ...


@dataclass(frozen=True)
class Point:
    """A bare site: id and WGS84 coordinates [degrees north, degrees east]."""

    id: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Endpoint:
    """One Open-Meteo API: its public URL, the feed name its errors carry, and its parser.

    ``parse(payload, site_ids, variables=..., feed=...)`` reads the decoded JSON answer into a
    canonical ``weather`` frame (see :mod:`weather.openmeteo.parsers`).
    """

    url: str
    feed: str
    parse: Callable[..., pd.DataFrame]


def fetch(
    session: requests.Session,
    endpoint: Endpoint,
    sites: SiteLike | Sequence[SiteLike],
    variables: Sequence[str],
    params: Mapping[str, str | int | float],
    *,
    base_url: str | None,
    options: FetchOptions,
    expire_after: timedelta | None = None,
) -> pd.DataFrame:
    """Ask ``endpoint`` about every site in one request and parse the answer.

    Parameters
    ----------
    session
        From :func:`weather.http.make_session`.
    endpoint
        The API asked and its parser.
    sites
        One site or several (objects with ``id``, ``latitude``, ``longitude``).
    variables
        Canonical columns to fetch (see :func:`~weather.openmeteo.variables.canonical_variables`).
    params
        The endpoint's own query parameters (days, dates, models), sent after the common ones.
    base_url
        Endpoint URL to use instead of ``endpoint.url``.
    options
        ``timeout``, ``retries``, ``backoff``, ``max_wait`` for :func:`weather.http.get_json`.
    expire_after
        Cache lifetime of the answer; the HTTP cache's default for the URL when ``None``.

    Returns
    -------
    pandas.DataFrame
        What ``endpoint.parse`` makes of the answer.

    Raises
    ------
    FeedError
        The request failed or the payload is not what was asked for.
    ValueError
        No sites, duplicate site ids, coordinates out of range, or unknown variables.
    """
    points = _as_points(sites)
    query: dict[str, str | int | float] = {**_site_params(points, variables), **params}
    url = base_url or endpoint.url
    key = os.environ.get(API_KEY_ENV, "").strip()
    if key:
        query["apikey"] = key
        url = _CUSTOMER_URL.get(url, url)
    feed = endpoint.feed
    payload = get_json(session, url, query, feed=feed, expire_after=expire_after, **options)
    try:
        return endpoint.parse(payload, [p.id for p in points], variables=variables, feed=feed)
    except FeedError:
        forget(session, url, query)  # do not serve a bad answer from the cache again
        raise


def _as_points(sites: SiteLike | Sequence[SiteLike]) -> list[SiteLike]:
    points: list[SiteLike] = list(sites) if isinstance(sites, Sequence) else [sites]
    if not points:
        raise ValueError("need at least one site")
    ids = [p.id for p in points]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"duplicate site ids {dupes}")
    for p in points:
        if not (-90.0 <= p.latitude <= 90.0 and -180.0 <= p.longitude <= 180.0):
            raise ValueError(f"site {p.id!r}: coordinates ({p.latitude}, {p.longitude}) invalid")
    return points


def _coord(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


def _site_params(points: list[SiteLike], variables: Sequence[str]) -> dict[str, str | int | float]:
    """The query every endpoint shares: coordinates, hourly variables, UTC labels, m/s."""
    return {
        "latitude": ",".join(_coord(p.latitude) for p in points),
        "longitude": ",".join(_coord(p.longitude) for p in points),
        "hourly": ",".join(PROVIDER_VARIABLES[v].provider for v in canonical_variables(variables)),
        "timezone": "GMT",
        "wind_speed_unit": "ms",
    }
