"""Historical temperatures at the sites: hourly station files and NASA POWER daily tables.

Each site takes its temperature from the nearest source (great-circle distance): the nearest
hourly station if one lies within ``hourly_radius_km``, otherwise the nearest daily location,
whose hours are rebuilt by :func:`diurnal_temperature`; with no daily table, the nearest hourly
station at any distance. The choice and its distance are reported per site.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from planner.domain.fleet import Site
from planner.errors import FeedError

__all__ = [
    "MAX_HOUR_LOCAL",
    "MIN_HOUR_LOCAL",
    "WeatherSource",
    "distance_km",
    "diurnal_temperature",
    "read_daily_temperatures",
    "read_hourly_temperatures",
    "site_temperature",
]

#: Local clock hour of the daily minimum in the reconstruction (about sunrise) [h].
MIN_HOUR_LOCAL = 6.0
#: Local clock hour of the daily maximum in the reconstruction (mid-afternoon) [h].
MAX_HOUR_LOCAL = 15.0
_EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class WeatherSource:
    """One place with a temperature record.

    Attributes
    ----------
    name
        Station (``dfw``) or region (``Midland_TX``) name.
    kind
        ``hourly`` (a station column) or ``daily`` (a NASA POWER region).
    latitude, longitude
        Where [deg].
    path
        The file it comes from.
    """

    name: str
    kind: str
    latitude: float
    longitude: float
    path: Path


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance between two points [km]."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


def read_hourly_temperatures(path: Path) -> pd.DataFrame:
    """Read an hourly station file: ``timestamp_utc`` and ``<station>_temp_c`` columns.

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (UTC interval start), one column per station name [degC].

    Raises
    ------
    FeedError
        Missing time column, no ``*_temp_c`` column, unreadable times or values.
    """
    feed = path.name
    try:
        raw = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise FeedError(feed, f"cannot read {path}: {exc}") from None
    if "timestamp_utc" not in raw.columns:
        raise FeedError(feed, f"needs a timestamp_utc column; columns: {list(raw.columns)}")
    columns = [c for c in raw.columns if str(c).endswith("_temp_c")]
    if not columns:
        raise FeedError(feed, f"no <station>_temp_c columns; columns: {list(raw.columns)}")
    try:
        times = pd.to_datetime(raw["timestamp_utc"], utc=True)
        values = raw[columns].apply(pd.to_numeric, errors="raise")
    except (ValueError, TypeError) as exc:
        raise FeedError(feed, f"unreadable time or temperature: {exc}") from None
    values.columns = [str(c)[: -len("_temp_c")] for c in columns]
    values.index = pd.DatetimeIndex(times, name="time")
    if values.index.has_duplicates:
        raise FeedError(feed, "repeated timestamp_utc values")
    return values.sort_index()


def read_daily_temperatures(path: Path) -> pd.DataFrame:
    """Read a NASA POWER daily table.

    Returns
    -------
    pandas.DataFrame
        Columns ``date`` (naive local day), ``region``, ``latitude``, ``longitude`` [deg],
        ``temp_min_c``, ``temp_max_c`` [degC].

    Raises
    ------
    FeedError
        Missing columns, unreadable values, or a minimum above the maximum.
    """
    feed = path.name
    needed = ["date", "region", "latitude", "longitude", "temp_min_c", "temp_max_c"]
    try:
        raw = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise FeedError(feed, f"cannot read {path}: {exc}") from None
    missing = [c for c in needed if c not in raw.columns]
    if missing:
        raise FeedError(feed, f"missing columns {missing}; columns: {list(raw.columns)}")
    table = raw[needed].copy()
    try:
        table["date"] = pd.to_datetime(table["date"], format="%Y-%m-%d")
        for c in needed[2:]:
            table[c] = pd.to_numeric(table[c], errors="raise").astype(float)
    except (ValueError, TypeError) as exc:
        raise FeedError(feed, f"unreadable value: {exc}") from None
    bad = table[table["temp_min_c"] > table["temp_max_c"]]
    if len(bad):
        row = bad.iloc[0]
        raise FeedError(
            feed, f"{row['region']} {row['date']:%Y-%m-%d}: temp_min_c above temp_max_c"
        )
    return table


def diurnal_temperature(
    daily: pd.DataFrame,
    times: pd.DatetimeIndex,
    timezone: str,
    *,
    min_hour: float = MIN_HOUR_LOCAL,
    max_hour: float = MAX_HOUR_LOCAL,
) -> np.ndarray:
    """Hourly temperatures rebuilt from daily minima and maxima.

    The daily minimum is placed at ``min_hour`` and the maximum at ``max_hour`` local time; between
    two successive extremes (today's minimum and maximum, today's maximum and tomorrow's minimum)
    the temperature follows half a cosine wave,
    ``T(t) = T0 + (T1 - T0) (1 - cos(pi f)) / 2`` with ``f`` the elapsed fraction of the interval,
    so the curve is continuous, flat at the extremes and each day meets its own minimum and
    maximum. Hours before the first or after the last extreme hold that value.

    Parameters
    ----------
    daily
        Index: local days (naive dates); columns ``temp_min_c`` and ``temp_max_c`` [degC].
    times
        Hourly interval starts to fill, tz-aware.
    timezone
        IANA zone of the local days.
    min_hour, max_hour
        Local clock hours of the minimum and maximum [h], ``min_hour < max_hour``.

    Returns
    -------
    numpy.ndarray
        Temperature at each of ``times`` [degC].

    Examples
    --------
    >>> day = pd.DataFrame({"temp_min_c": [0.0], "temp_max_c": [10.0]},
    ...                    index=pd.to_datetime(["2021-02-15"]))
    >>> times = pd.date_range("2021-02-15 06:00", periods=10, freq="h", tz="America/Chicago")
    >>> diurnal_temperature(day, times, "America/Chicago")[[0, 9]].tolist()  # 06:00 and 15:00
    [0.0, 10.0]
    """
    if not min_hour < max_hour:
        raise ValueError(f"min_hour must be before max_hour, got {min_hour} and {max_hour}")
    days = pd.DatetimeIndex(daily.index).normalize()
    order = np.argsort(days.asi8)
    days = days[order]
    lows = daily["temp_min_c"].to_numpy(dtype=float)[order]
    highs = daily["temp_max_c"].to_numpy(dtype=float)[order]

    def at(hour: float) -> np.ndarray:
        local = (days + pd.Timedelta(hours=hour)).tz_localize(
            timezone, nonexistent="shift_forward", ambiguous=False
        )
        return np.asarray(local.tz_convert("UTC").asi8, dtype=np.int64)

    knots = np.column_stack([at(min_hour), at(max_hour)]).ravel()
    values = np.column_stack([lows, highs]).ravel()
    x = np.asarray(times.tz_convert("UTC").asi8, dtype=np.int64)
    i = np.clip(np.searchsorted(knots, x, side="right") - 1, 0, len(knots) - 2)
    if len(knots) < 2:
        return np.full(len(x), values[0])
    span = (knots[i + 1] - knots[i]).astype(float)
    f = np.clip((x - knots[i]) / span, 0.0, 1.0)
    return values[i] + (values[i + 1] - values[i]) * (1.0 - np.cos(np.pi * f)) / 2.0


def site_temperature(
    site: Site,
    times: pd.DatetimeIndex,
    hourly: tuple[pd.DataFrame, list[WeatherSource]] | None,
    daily: tuple[pd.DataFrame, list[WeatherSource]] | None,
    hourly_radius_km: float,
) -> tuple[np.ndarray, WeatherSource, float]:
    """The temperature of one site over ``times``, its source and the source's distance.

    Parameters
    ----------
    site
        The site.
    times
        Hourly interval starts, UTC.
    hourly
        :func:`read_hourly_temperatures` and its stations, or ``None``.
    daily
        :func:`read_daily_temperatures` and its regions, or ``None``.
    hourly_radius_km
        Farthest hourly station preferred over a daily location [km].

    Returns
    -------
    tuple
        ``(temperature [degC], source, distance [km])``.

    Raises
    ------
    FeedError
        The chosen source does not cover ``times`` (an hourly file entirely outside the window
        is passed over for the daily one when both are given).
    """

    def nearest(sources: list[WeatherSource]) -> tuple[WeatherSource, float] | None:
        ranked = sorted(
            (distance_km(site.latitude, site.longitude, s.latitude, s.longitude), s.name, s)
            for s in sources
        )
        return (ranked[0][2], ranked[0][0]) if ranked else None

    # An hourly file that does not reach the window (the 2021-only ISD file for a 2022 storm)
    # gives way to the daily one when there is one.
    if hourly is not None and daily is not None:
        index = hourly[0].index
        if index.max() < times[0] or index.min() > times[-1]:
            hourly = None
    near_hourly = nearest(hourly[1]) if hourly is not None else None
    near_daily = nearest(daily[1]) if daily is not None else None
    if near_hourly is not None and (near_daily is None or near_hourly[1] <= hourly_radius_km):
        source, km = near_hourly
        assert hourly is not None
        return _hourly_values(hourly[0], source, times), source, km
    assert near_daily is not None and daily is not None
    source, km = near_daily
    return _daily_values(daily[0], source, times, site.timezone), source, km


def _hourly_values(
    table: pd.DataFrame, source: WeatherSource, times: pd.DatetimeIndex
) -> np.ndarray:
    series = table[source.name].reindex(times)
    missing = int(series.isna().sum())
    if missing == len(times):
        covered = f"{table.index[0]:%Y-%m-%d} .. {table.index[-1]:%Y-%m-%d}"
        raise FeedError(
            source.path.name, f"station {source.name} has no hours in the window (file {covered})"
        )
    if missing > 6 and series.isna().rolling(7).sum().max() >= 7:
        raise FeedError(source.path.name, f"station {source.name}: a gap of 7 h or more")
    return series.interpolate(limit_direction="both").to_numpy(dtype=float)


def _daily_values(
    table: pd.DataFrame, source: WeatherSource, times: pd.DatetimeIndex, timezone: str
) -> np.ndarray:
    rows = table[table["region"] == source.name].set_index("date").sort_index()
    local = times.tz_convert(timezone)
    first, last = local[0].tz_localize(None).normalize(), local[-1].tz_localize(None).normalize()
    wanted = pd.date_range(first, last, freq="D")
    have = rows.index.intersection(wanted)
    if len(have) < len(wanted):
        gone = wanted.difference(have)
        raise FeedError(
            source.path.name,
            f"{source.name}: no daily temperatures for {len(gone)} local day(s) of the window, "
            f"first {gone[0]:%Y-%m-%d}",
        )
    around = rows.loc[first - pd.Timedelta(days=1) : last + pd.Timedelta(days=1)]
    return diurnal_temperature(around[["temp_min_c", "temp_max_c"]], times, timezone)


def hourly_sources(
    table: pd.DataFrame, path: Path, stations: dict[str, tuple[float, float]]
) -> list[WeatherSource]:
    """The stations of an hourly file, with coordinates from ``stations``.

    Raises
    ------
    FeedError
        A column's station has no coordinates.
    """
    unknown = [c for c in table.columns if c not in stations]
    if unknown:
        raise FeedError(
            path.name,
            f"no coordinates for station(s) {unknown}; known: {sorted(stations)} "
            "(pass ReplayFiles(stations={name: (latitude, longitude)}))",
        )
    return [WeatherSource(c, "hourly", *stations[c], path) for c in table.columns]


def daily_sources(table: pd.DataFrame, path: Path) -> list[WeatherSource]:
    """The regions of a NASA POWER table at their (first listed) coordinates."""
    first = table.groupby("region", sort=True)[["latitude", "longitude"]].first()
    return [
        WeatherSource(str(name), "daily", float(row.latitude), float(row.longitude), path)
        for name, row in first.iterrows()
    ]
