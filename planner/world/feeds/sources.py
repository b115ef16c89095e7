"""Where live and cached feeds come from, where they are cached, and how fresh they are."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
import platformdirs
from pydantic import BeforeValidator, ConfigDict, Field

from planner.errors import ConfigError
from planner.inputs import MAX_SIMULATION_HOURS
from planner.settings import (
    Array,
    FilePath,
    Number,
    Settings,
    TimeZoneName,
    Url,
    Whole,
    invalid,
)
from planner.world.feeds.gaps import DEFAULT_MAX_GAP_HOURS, DEFAULT_MAX_MISSING_SHARE
from weather import http, nws

__all__ = [
    "APP_NAME",
    "CACHE_DIR_ENV",
    "DATA_DIR_ENV",
    "DEFAULT_MAX_STALE_HOURS",
    "MAX_RETRIES",
    "FeedSources",
    "Freshness",
    "FreshnessStatus",
    "default_cache_dir",
    "default_data_dir",
    "env_sources",
]

FreshnessStatus = Literal["fresh", "stale", "fallback", "missing"]

#: Name of the per-user cache and data directories (platformdirs).
APP_NAME = "mining-fleet-planner"
#: Environment variable overriding the cache directory.
CACHE_DIR_ENV = "PLANNER_CACHE_DIR"
#: Environment variable overriding the data directory :meth:`FeedSources.from_env` looks in.
DATA_DIR_ENV = "PLANNER_DATA_DIR"
#: Oldest cached answer accepted when a feed fails, by default [h].
DEFAULT_MAX_STALE_HOURS = 24.0
#: Most retries after the first attempt of a request [-].
MAX_RETRIES = 10


@dataclass(frozen=True)
class Freshness:
    """Where one feed's data came from and how old they are.

    Attributes
    ----------
    status
        ``fresh`` (fetched now, or cached within its normal HTTP expiry), ``stale`` (the provider
        failed or was not asked; a cached answer younger than ``max_stale_hours`` stood in),
        ``fallback`` (a substitute: synthetic values, persistence, a packaged table) or
        ``missing`` (an optional feed with nothing to serve, or one that does not apply).
    source
        URL, file or generator the data came from.
    fetched_at
        When the data were fetched (HTTP answer time, file modification time), UTC.
    age_hours
        ``now - fetched_at`` [h].
    filled_hours
        Per site (weather), node (prices) or area (load): hours of the horizon the data lacked
        and the planner filled (interpolation for weather, persistence for prices and load) [h].
        Empty when nothing was measured (synthetic or missing feeds).
    detail
        Why the feed is ``missing`` (or what else a reader should know), one line; empty if
        nothing to add.
    """

    status: FreshnessStatus
    source: str
    fetched_at: pd.Timestamp | None = None
    age_hours: float | None = None
    filled_hours: Mapping[str, int] = field(default_factory=dict)
    detail: str = ""

    @property
    def total_filled_hours(self) -> int:
        """Sum of :attr:`filled_hours` over sites, nodes or areas [h]."""
        return int(sum(self.filled_hours.values()))

    @property
    def filled_summary(self) -> str:
        """:attr:`filled_hours` as text, ``tx 3 h, hydro 0 h``; empty when nothing was measured."""
        return ", ".join(f"{where} {h:,} h" for where, h in self.filled_hours.items())


class FeedSources(Settings):
    """Where the live and cached feeds come from. API keys never go here: they come from env.

    Attributes
    ----------
    prices_path
        Real-time prices file (CSV or Parquet, wide or long; see :func:`weather.grid.read_prices`).
        Its nodes are matched to each site's ``grid.node``.
    prices_tz
        IANA zone of naive local times in the prices file.
    load_path, load_tz
        System load file and its zone (:func:`weather.grid.read_load`); areas are ``grid.iso``.
    outages_path
        DOE OE-417 disturbance CSV; hazards are fitted to it instead of the packaged table.
    gridstatus
        Fetch prices of nodes missing from ``prices_path`` through gridstatus (``grid`` extra).
    ensemble_models
        Open-Meteo ensemble models; empty to skip the ensemble.
    forecast_url, archive_url, ensemble_url
        Open-Meteo endpoints, ``http(s)://`` URLs (default the public ones, or the
        ``customer-`` hosts when ``OPEN_METEO_API_KEY`` is set).
    nws_url
        NWS API root, an ``http(s)://`` URL.
    cache_dir
        HTTP cache directory; default :func:`default_cache_dir`.
    max_stale_hours
        Oldest cached answer accepted for a failing feed [h], >= 0.
    max_gap_hours, max_missing_share
        A weather answer (forecast, archive, ensemble) lacking more than ``max_gap_hours`` hours
        in a row [h], or more than ``max_missing_share`` of the hours [-], at any site is refused
        like a failed one (see :mod:`planner.world.feeds.gaps` for the defaults, 6 h and 0.10).
    max_response_mb
        Largest HTTP answer accepted from any endpoint [MB, 10^6 bytes]; default per endpoint kind
        (:data:`weather.http.MAX_RESPONSE_BYTES`: archive and ensemble 50 MB, forecast 20 MB,
        alerts 5 MB).
    retries, backoff_s, timeout_s
        Retries after the first attempt (0 .. :data:`MAX_RETRIES`) [-], first backoff wait
        (0 .. 60) [s] and ``(connect, read)`` timeouts [s] of every request (one number sets
        both; each in (0, 600]).
    user_agent
        User-Agent; default :func:`weather.http.default_user_agent` (``PLANNER_CONTACT``).
    site_share
        Share of its NERC region's outage reports a site sees [-]; default the packaged table's
        (see :mod:`planner.world.hazards`).
    """

    model_config = ConfigDict(title="feed sources")

    prices_path: FilePath | None = None
    prices_tz: TimeZoneName | None = None
    load_path: FilePath | None = None
    load_tz: TimeZoneName | None = None
    outages_path: FilePath | None = None
    gridstatus: bool = False
    ensemble_models: Annotated[tuple[Annotated[str, Field(min_length=1)], ...], Array] = (
        "gfs_seamless",
    )
    forecast_url: Url | None = None
    archive_url: Url | None = None
    ensemble_url: Url | None = None
    nws_url: Url = nws.NWS_URL
    cache_dir: FilePath | None = None
    max_stale_hours: Number = Field(DEFAULT_MAX_STALE_HOURS, ge=0)
    max_gap_hours: Whole = Field(DEFAULT_MAX_GAP_HOURS, ge=0, le=MAX_SIMULATION_HOURS)
    max_missing_share: Number = Field(DEFAULT_MAX_MISSING_SHARE, ge=0, le=1)
    max_response_mb: Number | None = Field(None, gt=0)
    retries: Whole = Field(http.DEFAULT_RETRIES, ge=0, le=MAX_RETRIES)
    backoff_s: Number = Field(http.DEFAULT_BACKOFF_S, ge=0, le=http.DEFAULT_MAX_WAIT_S)
    timeout_s: Annotated[tuple[float, float], BeforeValidator(_timeout)] = http.DEFAULT_TIMEOUT
    user_agent: Annotated[str, BeforeValidator(_non_blank)] | None = None
    site_share: Number | None = Field(None, ge=0, le=1)

    @classmethod
    def from_env(cls, **overrides: Any) -> FeedSources:
        """Sources from the environment (:func:`env_sources`), for cron jobs.

        Keyword arguments override the environment.

        Returns
        -------
        FeedSources

        Raises
        ------
        ConfigError
            ``PLANNER_MAX_STALE_HOURS`` is not a number, or a value is out of range.
        """
        return cls(**{**env_sources(), **overrides})


def _timeout(value: Any) -> tuple[float, float]:
    try:
        return http.check_timeout(value)
    except ValueError as exc:
        raise invalid(str(exc)) from None


def _non_blank(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        raise invalid(f"must be a non-empty string, got {value!r}")
    return value


def env_sources() -> dict[str, Any]:
    """The :class:`FeedSources` keys the environment sets.

    ``PLANNER_PRICES_PATH``, ``PLANNER_LOAD_PATH`` and ``PLANNER_OUTAGES_PATH`` name the files;
    when unset, ``prices.csv``, ``load.csv`` and ``oe417.csv`` in :func:`default_data_dir` are
    used if they exist. ``PLANNER_MAX_STALE_HOURS`` sets ``max_stale_hours``.

    Returns
    -------
    dict
        Key -> value, only for the keys set.

    Raises
    ------
    ConfigError
        ``PLANNER_MAX_STALE_HOURS`` is not a number.
    """
    values: dict[str, Any] = {}
    data_dir = default_data_dir()
    for name, env, default in (
        ("prices_path", "PLANNER_PRICES_PATH", "prices.csv"),
        ("load_path", "PLANNER_LOAD_PATH", "load.csv"),
        ("outages_path", "PLANNER_OUTAGES_PATH", "oe417.csv"),
    ):
        text = os.environ.get(env, "").strip()
        if text:
            values[name] = Path(text).expanduser()
        elif (data_dir / default).is_file():
            values[name] = data_dir / default
    stale = os.environ.get("PLANNER_MAX_STALE_HOURS", "").strip()
    if stale:
        try:
            values["max_stale_hours"] = float(stale)
        except ValueError:
            raise ConfigError(
                "PLANNER_MAX_STALE_HOURS", f"must be a number of hours, got {stale!r}"
            ) from None
    return values


def default_cache_dir() -> Path:
    """The HTTP cache directory: ``PLANNER_CACHE_DIR`` if set, else the user cache dir.

    Returns
    -------
    pathlib.Path
        e.g. ``~/.cache/mining-fleet-planner`` on Linux.
    """
    text = os.environ.get(CACHE_DIR_ENV, "").strip()
    return Path(text).expanduser() if text else Path(platformdirs.user_cache_dir(APP_NAME))


def default_data_dir() -> Path:
    """Where :meth:`FeedSources.from_env` looks for data files.

    Returns
    -------
    pathlib.Path
        ``PLANNER_DATA_DIR`` if set, else the user data dir
        (``~/.local/share/mining-fleet-planner`` on Linux).
    """
    text = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(text).expanduser() if text else Path(platformdirs.user_data_dir(APP_NAME))
