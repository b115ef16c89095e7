"""The forecast, archive and ensemble getters: each checks its window and asks its endpoint."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Unpack

import pandas as pd
import requests

from weather.http import FetchOptions
from weather.openmeteo.parsers import parse_archive, parse_ensemble, parse_forecast
from weather.openmeteo.request import (
    ARCHIVE_URL,
    ENSEMBLE_URL,
    FORECAST_URL,
    Endpoint,
    SiteLike,
    fetch,
)
from weather.openmeteo.variables import VARIABLES

#: Archive days younger than this may still be revised or missing (ERA5 arrives ~5 days late);
#: such requests are cached for a day instead of forever.
ARCHIVE_SETTLE_DAYS = 14
_ARCHIVE_RECENT_EXPIRY = timedelta(days=1)

_MAX_FORECAST_DAYS = 16
_MAX_ENSEMBLE_DAYS = 35
_MAX_PAST_DAYS = 92

_FORECAST = Endpoint(FORECAST_URL, "open-meteo forecast", parse_forecast)
_ARCHIVE = Endpoint(ARCHIVE_URL, "open-meteo archive", parse_archive)
_ENSEMBLE = Endpoint(ENSEMBLE_URL, "open-meteo ensemble", parse_ensemble)


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
    if start is not None or end is not None:
        window = _date_range(start, end)
    else:
        window = _days(forecast_days, past_days, _MAX_FORECAST_DAYS)
    return fetch(session, _FORECAST, sites, variables, window, base_url=base_url, options=options)


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
    window = _date_range(start, end)
    recent = _as_date(end) >= datetime.now(UTC).date() - timedelta(days=ARCHIVE_SETTLE_DAYS)
    return fetch(
        session,
        _ARCHIVE,
        sites,
        variables,
        window,
        base_url=base_url,
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
    names = [models] if isinstance(models, str) else list(models)
    if not names or not all(names):
        raise ValueError("models must name at least one Open-Meteo ensemble model")
    window = {"models": ",".join(names), **_days(forecast_days, past_days, _MAX_ENSEMBLE_DAYS)}
    return fetch(session, _ENSEMBLE, sites, variables, window, base_url=base_url, options=options)


def _as_date(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _date_range(start: date | None, end: date | None) -> dict[str, str | int | float]:
    if start is None or end is None:
        raise ValueError("give both start and end dates, or neither")
    first, last = _as_date(start), _as_date(end)
    if last < first:
        raise ValueError(f"end {last} is before start {first}")
    return {"start_date": first.isoformat(), "end_date": last.isoformat()}


def _days(forecast_days: int, past_days: int, most: int) -> dict[str, str | int | float]:
    """``forecast_days`` (0 .. ``most``) and, unless 0, ``past_days`` (0 .. 92) as query params."""
    for name, value, limit in (
        ("forecast_days", forecast_days, most),
        ("past_days", past_days, _MAX_PAST_DAYS),
    ):
        if not 0 <= value <= limit:
            raise ValueError(f"{name} must be 0..{limit}, got {value}")
    window: dict[str, str | int | float] = {"forecast_days": forecast_days}
    if past_days:
        window["past_days"] = past_days
    return window
