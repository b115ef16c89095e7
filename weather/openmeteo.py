"""Open-Meteo forecasts, archives (reanalysis) and ensembles, as canonical ``weather`` frames.

One request serves every site: Open-Meteo takes comma-separated ``latitude``/``longitude`` lists
and answers with a JSON list, one object per location, in the order asked (a single object for a
single location).

Time
    Requests ask for ``timezone=GMT``, so labels are UTC. Payloads asked in a local time zone are
    also read correctly: Open-Meteo shifts *every* label by the one ``utc_offset_seconds`` valid
    when the request was made (it applies no daylight-saving switch inside a response), so
    ``utc = label - utc_offset_seconds``. Converting with the zone's rules instead
    (``tz_localize("America/Chicago")``) would be wrong across a DST change.
Interval start
    Open-Meteo labels an hour by its *end* for aggregated variables (``precipitation`` and
    ``snowfall``: sum of the preceding hour; ``wind_gusts_10m``: maximum of the preceding hour) and
    gives instantaneous values at the label (``temperature_2m``, ``relative_humidity_2m``,
    ``wind_speed_10m``). The canonical row ``t`` is the interval ``[t, t + 1 h)``: it holds the
    instantaneous values at ``t`` and the aggregates labelled ``t + 1 h``. So the aggregates of the
    last row are NaN (that hour was not asked for) and the aggregates labelled at the first time,
    which describe the hour before the window, are dropped.
Units
    Requests ask for ``wind_speed_unit=ms``. Parsers read ``hourly_units`` and convert the units
    Open-Meteo can send (``km/h``, ``mph``, ``kn``, ``°F``, ``inch``) to the canonical ones; any
    other unit is a :class:`~weather.errors.FeedError`. Snowfall comes in cm already.
API key
    If ``OPEN_METEO_API_KEY`` is set, requests carry it as ``apikey`` and go to the commercial
    ``customer-*`` hosts (unless a base URL is given). The key never reaches logs, errors or
    cache keys (see :mod:`weather.http`).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol, Unpack

import numpy as np
import pandas as pd
import requests

from weather import schema
from weather.errors import FeedError
from weather.http import FetchOptions, forget, get_json

__all__ = [
    "API_KEY_ENV",
    "ARCHIVE_URL",
    "ENSEMBLE_URL",
    "FORECAST_URL",
    "VARIABLES",
    "Point",
    "SiteLike",
    "get_archive",
    "get_ensemble",
    "get_forecast",
    "parse_archive",
    "parse_ensemble",
    "parse_forecast",
]

logger = logging.getLogger(__name__)

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

#: Canonical columns fetched by default (all the ``weather`` columns of :mod:`weather.schema`).
VARIABLES: tuple[str, ...] = (
    "temp_air_c",
    "relative_humidity_pct",
    "wind_speed_m_s",
    "wind_gust_m_s",
    "precip_mm",
    "snowfall_cm",
)

#: Archive days younger than this may still be revised or missing (ERA5 arrives ~5 days late);
#: such requests are cached for a day instead of forever.
ARCHIVE_SETTLE_DAYS = 14
_ARCHIVE_RECENT_EXPIRY = timedelta(days=1)

_MAX_FORECAST_DAYS = 16
_MAX_ENSEMBLE_DAYS = 35
_MAX_PAST_DAYS = 92


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
class _Var:
    provider: str  # Open-Meteo hourly variable name
    quantity: str  # key into _UNITS
    preceding_hour: bool  # value labelled t describes the hour (t - 1 h, t]


_VARS: dict[str, _Var] = {
    "temp_air_c": _Var("temperature_2m", "temperature", False),
    "relative_humidity_pct": _Var("relative_humidity_2m", "humidity", False),
    "wind_speed_m_s": _Var("wind_speed_10m", "speed", False),
    "wind_gust_m_s": _Var("wind_gusts_10m", "speed", True),
    "precip_mm": _Var("precipitation", "precipitation", True),
    "snowfall_cm": _Var("snowfall", "snowfall", True),
}

_Convert = Callable[[np.ndarray], np.ndarray]
_UNITS: dict[str, dict[str, _Convert]] = {
    "temperature": {"°C": lambda v: v, "°F": lambda v: (v - 32.0) * 5.0 / 9.0},
    "humidity": {"%": lambda v: v},
    "speed": {
        "m/s": lambda v: v,
        "km/h": lambda v: v / 3.6,
        "mph": lambda v: v * 0.44704,
        "mp/h": lambda v: v * 0.44704,
        "kn": lambda v: v * (1852.0 / 3600.0),
    },
    "precipitation": {"mm": lambda v: v, "inch": lambda v: v * 25.4},
    "snowfall": {"cm": lambda v: v, "inch": lambda v: v * 2.54},
}

_HOUR = pd.Timedelta(hours=1)


# --------------------------------------------------------------------------- network


def get_forecast(
    session: requests.Session,
    sites: SiteLike | Sequence[SiteLike],
    *,
    forecast_days: int = 7,
    past_days: int = 0,
    start: date | None = None,
    end: date | None = None,
    variables: Sequence[str] = VARIABLES,
    base_url: str | None = None,
    **options: Unpack[FetchOptions],
) -> pd.DataFrame:
    """Hourly forecast for one or many sites, in one request.

    Parameters
    ----------
    session
        From :func:`weather.http.make_session`.
    sites
        One site or several (objects with ``id``, ``latitude``, ``longitude``).
    forecast_days, past_days
        Horizon from today 00:00 UTC [days, 0..16] and days of recent past to include [0..92].
    start, end
        Alternatively, an inclusive range of UTC dates (both or neither).
    variables
        Canonical columns to fetch (subset of :data:`VARIABLES`).
    base_url
        Endpoint; default :data:`FORECAST_URL` (or its ``customer-`` host with an API key).
    **options
        ``timeout``, ``retries``, ``backoff``, ``max_wait`` for :func:`weather.http.get_json`.

    Returns
    -------
    pandas.DataFrame
        Canonical ``weather`` frame indexed ``(site_id, time)``, time = UTC interval start.

    Raises
    ------
    FeedError
        The request failed or the payload is not what was asked for.
    ValueError
        Bad arguments (empty sites, duplicate ids, days out of range, half a date range).
    """
    points = _as_points(sites)
    params = _base_params(points, variables)
    if start is not None or end is not None:
        params.update(_date_range(start, end))
    else:
        _check_days("forecast_days", forecast_days, _MAX_FORECAST_DAYS)
        _check_days("past_days", past_days, _MAX_PAST_DAYS)
        params["forecast_days"] = forecast_days
        if past_days:
            params["past_days"] = past_days
    return _fetch(
        session,
        base_url or FORECAST_URL,
        params,
        points,
        variables,
        parse=parse_forecast,
        feed="open-meteo forecast",
        options=options,
    )


def get_archive(
    session: requests.Session,
    sites: SiteLike | Sequence[SiteLike],
    start: date,
    end: date,
    *,
    variables: Sequence[str] = VARIABLES,
    base_url: str | None = None,
    **options: Unpack[FetchOptions],
) -> pd.DataFrame:
    """Hourly historical weather (ERA5 and friends) for one or many sites, in one request.

    Archive answers are cached forever, except when ``end`` is less than
    :data:`ARCHIVE_SETTLE_DAYS` old: recent days may still be missing or revised, so those answers
    are kept for a day only.

    Parameters
    ----------
    session
        From :func:`weather.http.make_session`.
    sites
        One site or several.
    start, end
        Inclusive range of UTC dates.
    variables
        Canonical columns to fetch (subset of :data:`VARIABLES`).
    base_url
        Endpoint; default :data:`ARCHIVE_URL`.
    **options
        ``timeout``, ``retries``, ``backoff``, ``max_wait`` for :func:`weather.http.get_json`.

    Returns
    -------
    pandas.DataFrame
        Canonical ``weather`` frame indexed ``(site_id, time)``; days not yet in the archive are
        NaN.

    Raises
    ------
    FeedError
        The request failed or the payload is not what was asked for.
    ValueError
        Bad arguments.
    """
    points = _as_points(sites)
    params = _base_params(points, variables)
    params.update(_date_range(start, end))
    recent = _as_date(end) >= datetime.now(UTC).date() - timedelta(days=ARCHIVE_SETTLE_DAYS)
    return _fetch(
        session,
        base_url or ARCHIVE_URL,
        params,
        points,
        variables,
        parse=parse_archive,
        feed="open-meteo archive",
        options=options,
        expire_after=_ARCHIVE_RECENT_EXPIRY if recent else None,
    )


def get_ensemble(
    session: requests.Session,
    sites: SiteLike | Sequence[SiteLike],
    *,
    models: str | Sequence[str] = "gfs_seamless",
    forecast_days: int = 7,
    past_days: int = 0,
    variables: Sequence[str] = VARIABLES,
    base_url: str | None = None,
    **options: Unpack[FetchOptions],
) -> pd.DataFrame:
    """Hourly ensemble forecast, every member, for one or many sites, in one request.

    Parameters
    ----------
    session
        From :func:`weather.http.make_session`.
    sites
        One site or several.
    models
        Open-Meteo ensemble model(s), e.g. ``gfs_seamless`` (GEFS, 31 members) or
        ``ecmwf_ifs025`` (51 members). Several models are numbered one after the other, see
        :func:`parse_ensemble`.
    forecast_days, past_days
        Horizon [days, 1..35] and recent past to include [days, 0..92].
    variables
        Canonical columns to fetch (subset of :data:`VARIABLES`). Some models lack some variables
        (the answer is all null); leave those out.
    base_url
        Endpoint; default :data:`ENSEMBLE_URL`.
    **options
        ``timeout``, ``retries``, ``backoff``, ``max_wait`` for :func:`weather.http.get_json`.

    Returns
    -------
    pandas.DataFrame
        Canonical ``weather`` frame indexed ``(site_id, member, time)``; member 0 is the control.

    Raises
    ------
    FeedError
        The request failed or the payload is not what was asked for.
    ValueError
        Bad arguments.
    """
    points = _as_points(sites)
    names = [models] if isinstance(models, str) else list(models)
    if not names or not all(names):
        raise ValueError("models must name at least one Open-Meteo ensemble model")
    _check_days("forecast_days", forecast_days, _MAX_ENSEMBLE_DAYS)
    _check_days("past_days", past_days, _MAX_PAST_DAYS)
    params = _base_params(points, variables)
    params["models"] = ",".join(names)
    params["forecast_days"] = forecast_days
    if past_days:
        params["past_days"] = past_days
    return _fetch(
        session,
        base_url or ENSEMBLE_URL,
        params,
        points,
        variables,
        parse=parse_ensemble,
        feed="open-meteo ensemble",
        options=options,
    )


# --------------------------------------------------------------------------- parsers


def parse_forecast(
    payload: Any,
    site_ids: str | Sequence[str],
    *,
    variables: Sequence[str] = VARIABLES,
    feed: str = "open-meteo forecast",
) -> pd.DataFrame:
    """Read an Open-Meteo forecast answer into a canonical ``weather`` frame.

    Parameters
    ----------
    payload
        The decoded JSON: one location object, or a list of them in the order of ``site_ids``.
    site_ids
        Site id(s) for the location(s), in request order.
    variables
        Canonical columns expected in the payload; each must be present.
    feed
        Name used in errors.

    Returns
    -------
    pandas.DataFrame
        Indexed ``(site_id, time)`` with time the UTC interval start, hourly, one column per
        variable in canonical units.

    Raises
    ------
    FeedError
        Wrong number of locations, missing block or variable, empty or mismatched arrays,
        non-numeric values, unexpected units, times that are not consecutive hours, or a frame
        that fails :func:`weather.schema.validate`.
    """
    frames = [
        _frame(site, None, *_parse_location(loc, site, variables, feed))
        for site, loc in _locations(payload, site_ids, feed)
    ]
    return schema.validate(pd.concat(frames), "weather", feed)


def parse_archive(
    payload: Any,
    site_ids: str | Sequence[str],
    *,
    variables: Sequence[str] = VARIABLES,
    feed: str = "open-meteo archive",
) -> pd.DataFrame:
    """Read an Open-Meteo archive answer into a canonical ``weather`` frame.

    Same format and rules as :func:`parse_forecast`; hours the archive does not hold yet are NaN.
    """
    return parse_forecast(payload, site_ids, variables=variables, feed=feed)


def parse_ensemble(
    payload: Any,
    site_ids: str | Sequence[str],
    *,
    variables: Sequence[str] = VARIABLES,
    feed: str = "open-meteo ensemble",
) -> pd.DataFrame:
    """Read an Open-Meteo ensemble answer into a canonical ``weather`` frame with members.

    Members are read from the keys of the first variable: ``temperature_2m`` is the control
    (member 0), ``temperature_2m_member07`` member 7. With several models the keys carry a model
    suffix (``temperature_2m_member07_ncep_gefs025``; the suffix is Open-Meteo's name, not always
    the one requested); the members of the models are then numbered one after the other in the
    order the payload lists them, and ``df.attrs["members"]`` maps each member number to
    ``(model suffix, member within the model)``. Every other variable must exist for every member.

    Parameters
    ----------
    payload
        The decoded JSON: one location object, or a list in the order of ``site_ids``.
    site_ids
        Site id(s) for the location(s), in request order.
    variables
        Canonical columns expected in the payload.
    feed
        Name used in errors.

    Returns
    -------
    pandas.DataFrame
        Indexed ``(site_id, member, time)``, time the UTC interval start.

    Raises
    ------
    FeedError
        As :func:`parse_forecast`, plus a variable missing for some member.
    """
    frames = []
    members: dict[int, tuple[str | None, int]] = {}
    for site, loc in _locations(payload, site_ids, feed):
        hourly = _hourly(loc, site, feed)
        first = _canonical(variables)[0]
        found = _members(hourly, _VARS[first].provider)
        if not found:
            raise FeedError(
                feed, f"{site}: variable {_VARS[first].provider!r} ({first}) missing from hourly"
            )
        suffixes = list(dict.fromkeys(suffix for suffix, _, _ in found))
        offsets, total = {}, 0
        for suffix in suffixes:
            offsets[suffix] = total
            total += 1 + max(number for s, number, _ in found if s == suffix)
        for suffix, number, token in found:
            member = number if len(suffixes) == 1 else offsets[suffix] + number
            members[member] = (suffix, number)
            times, columns = _parse_location(loc, site, variables, feed, token=token)
            frames.append(_frame(site, member, times, columns))
    df = pd.concat(frames)  # sites in request order, then members, then time
    df.attrs["members"] = dict(sorted(members.items()))
    return schema.validate(df, "weather", feed)


# --------------------------------------------------------------------------- helpers


def _fetch(
    session: requests.Session,
    url: str,
    params: dict[str, str | int | float],
    points: list[SiteLike],
    variables: Sequence[str],
    *,
    parse: Callable[..., pd.DataFrame],
    feed: str,
    options: FetchOptions,
    expire_after: timedelta | None = None,
) -> pd.DataFrame:
    key = os.environ.get(API_KEY_ENV, "").strip()
    if key:
        params["apikey"] = key
        url = _CUSTOMER_URL.get(url, url)
    payload = get_json(session, url, params, feed=feed, expire_after=expire_after, **options)
    try:
        return parse(payload, [p.id for p in points], variables=variables, feed=feed)
    except FeedError:
        forget(session, url, params)  # do not serve a bad answer from the cache again
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


def _base_params(points: list[SiteLike], variables: Sequence[str]) -> dict[str, str | int | float]:
    return {
        "latitude": ",".join(_coord(p.latitude) for p in points),
        "longitude": ",".join(_coord(p.longitude) for p in points),
        "hourly": ",".join(_VARS[v].provider for v in _canonical(variables)),
        "timezone": "GMT",
        "wind_speed_unit": "ms",
    }


def _canonical(variables: Sequence[str]) -> list[str]:
    names = list(dict.fromkeys(variables))
    unknown = [v for v in names if v not in _VARS]
    if unknown:
        raise ValueError(f"unknown variables {unknown}; choose from {', '.join(VARIABLES)}")
    if "temp_air_c" not in names:
        raise ValueError("variables must include temp_air_c (the canonical frame requires it)")
    return sorted(names, key=VARIABLES.index)


def _as_date(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _date_range(start: date | None, end: date | None) -> dict[str, str | int | float]:
    if start is None or end is None:
        raise ValueError("give both start and end dates, or neither")
    first, last = _as_date(start), _as_date(end)
    if last < first:
        raise ValueError(f"end {last} is before start {first}")
    return {"start_date": first.isoformat(), "end_date": last.isoformat()}


def _check_days(name: str, value: int, most: int) -> None:
    if not 0 <= value <= most:
        raise ValueError(f"{name} must be 0..{most}, got {value}")


def _locations(payload: Any, site_ids: str | Sequence[str], feed: str) -> list[tuple[str, Any]]:
    ids = [site_ids] if isinstance(site_ids, str) else list(site_ids)
    if isinstance(payload, dict) and payload.get("error"):
        raise FeedError(feed, f"provider error: {payload.get('reason', 'no reason given')}")
    locations = [payload] if isinstance(payload, dict) else payload
    if not isinstance(locations, list):
        raise FeedError(feed, f"expected a JSON object or list, got {type(payload).__name__}")
    if len(locations) != len(ids):
        raise FeedError(feed, f"answered {len(locations)} locations for {len(ids)} sites {ids}")
    return list(zip(ids, locations, strict=True))


def _hourly(loc: Any, site: str, feed: str) -> Mapping[str, Any]:
    if not isinstance(loc, dict):
        raise FeedError(feed, f"{site}: location entry is {type(loc).__name__}, not an object")
    hourly = loc.get("hourly")
    if not isinstance(hourly, dict):
        raise FeedError(feed, f"{site}: no 'hourly' block in the answer")
    return hourly


def _members(hourly: Mapping[str, Any], provider: str) -> list[tuple[str | None, int, str]]:
    """``(model suffix, member number, key tail)`` for every key of ``provider``, grouped."""
    pattern = re.compile(rf"^{re.escape(provider)}(_member(\d+))?(?:_(\w+))?$")
    found = []
    for key in hourly:
        match = pattern.match(key)
        if match:
            token, number, suffix = match.group(1) or "", match.group(2), match.group(3)
            tail = token + (f"_{suffix}" if suffix else "")
            found.append((suffix, int(number) if number else 0, tail))
    order = list(dict.fromkeys(suffix for suffix, _, _ in found))
    return sorted(found, key=lambda f: (order.index(f[0]), f[1]))


def _times(
    loc: Mapping[str, Any], hourly: Mapping[str, Any], site: str, feed: str
) -> pd.DatetimeIndex:
    raw = hourly.get("time")
    if not isinstance(raw, list) or not raw:
        raise FeedError(feed, f"{site}: hourly 'time' is missing or empty")
    if all(isinstance(t, int) and not isinstance(t, bool) for t in raw):
        times = pd.to_datetime(raw, unit="s", utc=True)  # timeformat=unixtime is always UTC
    else:
        offset = loc.get("utc_offset_seconds")
        if not isinstance(offset, int) or isinstance(offset, bool):
            raise FeedError(feed, f"{site}: 'utc_offset_seconds' missing; cannot place local times")
        try:
            labels = pd.to_datetime(pd.Series(raw, dtype=object), format="%Y-%m-%dT%H:%M")
        except (TypeError, ValueError) as exc:
            raise FeedError(feed, f"{site}: unreadable hourly time: {exc}") from None
        utc = labels - pd.Timedelta(seconds=offset)
        times = pd.DatetimeIndex(utc).tz_localize("UTC")
    steps = times[1:] - times[:-1]
    if len(steps) and (steps != _HOUR).any():
        at = times[1:][steps != _HOUR][0]
        raise FeedError(feed, f"{site}: hourly times are not consecutive hours (at {at})")
    return times.rename("time")


def _parse_location(
    loc: Any, site: str, variables: Sequence[str], feed: str, *, token: str = ""
) -> tuple[pd.DatetimeIndex, dict[str, np.ndarray]]:
    """Read one location (one member: key tail ``token``): UTC interval starts and columns."""
    hourly = _hourly(loc, site, feed)
    times = _times(loc, hourly, site, feed)
    units = loc.get("hourly_units")
    if not isinstance(units, dict):
        raise FeedError(feed, f"{site}: no 'hourly_units' block in the answer")
    columns: dict[str, np.ndarray] = {}
    for name in _canonical(variables):
        var = _VARS[name]
        key = var.provider + token
        values = _values(hourly, key, len(times), site, name, feed)
        unit = units.get(key, units.get(var.provider))
        convert = _UNITS[var.quantity].get(unit) if isinstance(unit, str) else None
        if convert is None:
            expected = ", ".join(_UNITS[var.quantity])
            raise FeedError(feed, f"{site}: {key} in unexpected unit {unit!r}; expected {expected}")
        values = convert(values)
        if var.preceding_hour:  # labelled by hour end -> row of the hour's start
            values = np.append(values[1:], np.nan)
        columns[name] = values
    return times, columns


def _frame(
    site: str, member: int | None, times: pd.DatetimeIndex, columns: dict[str, np.ndarray]
) -> pd.DataFrame:
    n = len(times)
    levels: list[Any] = [np.full(n, site, dtype=object)]
    names = ["site_id"]
    if member is not None:
        levels.append(np.full(n, member, dtype=np.int64))
        names.append("member")
    index = pd.MultiIndex.from_arrays([*levels, times], names=[*names, "time"])
    return pd.DataFrame(columns, index=index)


def _values(
    hourly: Mapping[str, Any], key: str, n: int, site: str, name: str, feed: str
) -> np.ndarray:
    raw = hourly.get(key)
    if raw is None:
        raise FeedError(feed, f"{site}: variable {key!r} ({name}) missing from hourly")
    if not isinstance(raw, list):
        raise FeedError(feed, f"{site}: variable {key!r} is {type(raw).__name__}, not a list")
    if len(raw) != n:
        raise FeedError(feed, f"{site}: variable {key!r} has {len(raw)} values for {n} times")
    for i, v in enumerate(raw):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
            raise FeedError(feed, f"{site}: variable {key!r} has non-numeric {v!r} at index {i}")
    return np.array([np.nan if v is None else v for v in raw], dtype=float)
