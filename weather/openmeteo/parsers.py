"""Open-Meteo answers read into canonical ``weather`` frames: forecasts, archives, ensembles.

How times, interval starts and units are read is set out in the :mod:`weather.openmeteo`
docstring.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from weather import schema
from weather.errors import FeedError
from weather.openmeteo.variables import PROVIDER_VARIABLES, VARIABLES, canonical_variables

_Convert = Callable[[np.ndarray], np.ndarray]
#: Conversions to the canonical unit, by quantity (:class:`ProviderVariable`) and unit label.
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
        first = canonical_variables(variables)[0]
        provider = PROVIDER_VARIABLES[first].provider
        found = _members(hourly, provider)
        if not found:
            raise FeedError(feed, f"{site}: variable {provider!r} ({first}) missing from hourly")
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
    for name in canonical_variables(variables):
        var = PROVIDER_VARIABLES[name]
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
