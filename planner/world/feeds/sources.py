"""Where live and cached feeds come from, where they are cached, and how fresh they are."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
import platformdirs

from planner.errors import ConfigError
from planner.inputs import MAX_SIMULATION_HOURS, check_number, check_url, check_whole, gather
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


@dataclass(frozen=True)
class FeedSources:
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

    prices_path: Path | None = None
    prices_tz: str | None = None
    load_path: Path | None = None
    load_tz: str | None = None
    outages_path: Path | None = None
    gridstatus: bool = False
    ensemble_models: tuple[str, ...] = ("gfs_seamless",)
    forecast_url: str | None = None
    archive_url: str | None = None
    ensemble_url: str | None = None
    nws_url: str = nws.NWS_URL
    cache_dir: Path | None = None
    max_stale_hours: float = DEFAULT_MAX_STALE_HOURS
    max_gap_hours: int = DEFAULT_MAX_GAP_HOURS
    max_missing_share: float = DEFAULT_MAX_MISSING_SHARE
    max_response_mb: float | None = None
    retries: int = http.DEFAULT_RETRIES
    backoff_s: float = http.DEFAULT_BACKOFF_S
    timeout_s: tuple[float, float] = http.DEFAULT_TIMEOUT
    user_agent: str | None = None
    site_share: float | None = None

    def __post_init__(self) -> None:
        problems = []
        for name in ("prices_path", "load_path", "outages_path", "cache_dir"):
            value = getattr(self, name)
            if isinstance(value, str) and value.strip():
                object.__setattr__(self, name, Path(value).expanduser())
            elif value is not None and not isinstance(value, Path):
                problems.append(f"{name}: must be a path (a string), got {value!r}")
        models = self.ensemble_models
        if isinstance(models, list | tuple) and all(isinstance(m, str) and m for m in models):
            object.__setattr__(self, "ensemble_models", tuple(models))
        else:
            problems.append(
                f"ensemble_models: must be an array of Open-Meteo model names, got {models!r}"
            )
        try:
            object.__setattr__(self, "timeout_s", http.check_timeout(self.timeout_s))
        except ValueError as exc:
            problems.append(f"timeout_s: {exc}")
        problems += gather(
            lambda: check_number(self.max_stale_hours, "max_stale_hours", 0.0),
            lambda: check_whole(self.max_gap_hours, "max_gap_hours", 0, MAX_SIMULATION_HOURS),
            lambda: check_number(self.max_missing_share, "max_missing_share", 0.0, 1.0),
            lambda: (
                self.max_response_mb is None
                or check_number(self.max_response_mb, "max_response_mb", 0.0, open_lo=True)
            ),
            lambda: check_whole(self.retries, "retries", 0, MAX_RETRIES),
            lambda: check_number(self.backoff_s, "backoff_s", 0.0, http.DEFAULT_MAX_WAIT_S),
            lambda: self.site_share is None or check_number(self.site_share, "site_share", 0, 1),
            *(
                partial(check_url, getattr(self, name), name)
                for name in ("forecast_url", "archive_url", "ensemble_url", "nws_url")
                if getattr(self, name) is not None
            ),
        )
        for name in ("prices_tz", "load_tz"):
            zone = getattr(self, name)
            if zone is not None and not _is_zone(zone):
                problems.append(
                    f"{name}: must be an IANA time zone such as America/Chicago, got {zone!r}"
                )
        if not isinstance(self.gridstatus, bool):
            problems.append(f"gridstatus: must be true or false, got {self.gridstatus!r}")
        if self.user_agent is not None and not (
            isinstance(self.user_agent, str) and self.user_agent.strip()
        ):
            problems.append(f"user_agent: must be a non-empty string, got {self.user_agent!r}")
        if problems:
            raise ConfigError("feed sources", problems)

    @classmethod
    def from_env(cls, **overrides: Any) -> FeedSources:
        """Sources from the environment, for cron jobs.

        ``PLANNER_PRICES_PATH``, ``PLANNER_LOAD_PATH`` and ``PLANNER_OUTAGES_PATH`` name the
        files; when unset, ``prices.csv``, ``load.csv`` and ``oe417.csv`` in
        :func:`default_data_dir` are used if they exist. ``PLANNER_MAX_STALE_HOURS`` sets
        ``max_stale_hours``. Keyword arguments override all of these.

        Returns
        -------
        FeedSources

        Raises
        ------
        ConfigError
            ``PLANNER_MAX_STALE_HOURS`` is not a number, or a value is out of range.
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
        return cls(**{**values, **overrides})


def _is_zone(name: object) -> bool:
    if not isinstance(name, str):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


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
