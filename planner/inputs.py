"""What a caller may give a run, checked in one place: start times, horizons, seeds, numbers, URLs.

The library (:func:`planner.fetch_feeds`, :class:`planner.JobSettings`,
:class:`planner.FeedSources`, the replay window...) and the CLI call the same functions, so a
keyword argument, a config key and a command-line option get the same rule and the same words.
Each function returns the checked value or raises :class:`~planner.errors.ConfigError` whose
source is the parameter's name (``seed: must be a whole number in [0, 4294967295], got -1``).

The rules:

start
    ISO 8601 only, so that ``10/01/2025`` can never be read as 1 October or 10 January:
    ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH[:MM[:SS]]`` with an optional ``Z`` or ``+HH:MM`` offset (a
    space may stand for the ``T``); UTC when no offset is given. From :data:`EARLIEST_START` (the
    first whole day of Bitcoin: block subsidy and difficulty do not exist before it) to one year
    after today (:data:`LATEST_START_AHEAD`): far enough for any what-if of the offline generator,
    near enough that a typo such as 2999 is refused. Live and cache feeds further need the horizon
    to end within the forecast range (:data:`planner.world.feeds.MAX_FORECAST_DAYS`).
hours
    A whole number of hours from :data:`MIN_HOURS`; at most :data:`MAX_SIMULATION_HOURS` for
    simulation and 336 (:data:`planner.engine.optimization.settings.MAX_OPERATIONAL_HOURS`) where
    the optimizer plans (:func:`planner.engine.compare.horizon_limit`).
seed
    A whole number in ``[0, 2**32)``: what :class:`numpy.random.SeedSequence` takes as one word.
URL
    ``http://`` or ``https://`` with a host. The message never repeats the URL: it may carry a
    token.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from numbers import Integral, Real
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from planner.errors import ConfigError

__all__ = [
    "EARLIEST_START",
    "ISO_FORMS",
    "LATEST_START_AHEAD",
    "MAX_SIMULATION_HOURS",
    "MIN_HOURS",
    "SEED_LIMIT",
    "URL_SCHEMES",
    "check_choice",
    "check_hours",
    "check_number",
    "check_seed",
    "check_url",
    "check_whole",
    "gather",
    "parse_start",
    "range_rule",
]

#: Earliest start: the first whole UTC day after the genesis block (2009-01-03 18:15 UTC).
EARLIEST_START = pd.Timestamp("2009-01-04", tz="UTC")
#: Latest start, after today 00:00 UTC.
LATEST_START_AHEAD = pd.DateOffset(years=1)
#: Shortest horizon [h].
MIN_HOURS = 24
#: Longest simulated horizon [h]: ten years. Measured on the 6-site demo fleet (2 cores): simulate
#: 3.6 s and 0.3 GB; compare with 20 scenarios 42 s and 1.1 GB (memory grows with sites x hours x
#: scenarios).
MAX_SIMULATION_HOURS = 87_600
#: Seeds are below this: one 32-bit word of :class:`numpy.random.SeedSequence` entropy.
SEED_LIMIT = 2**32
#: The accepted start forms, as shown in messages.
ISO_FORMS = "YYYY-MM-DD or YYYY-MM-DDTHH[:MM[:SS]][Z|+HH:MM]"
#: URL schemes accepted for endpoints and webhooks.
URL_SCHEMES = ("http", "https")

_ISO_RULE = f"must be an ISO 8601 date or hour ({ISO_FORMS})"
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}(?::\d{2}(?::\d{2})?)?(?:Z|[+-]\d{2}:\d{2})?)?")


def parse_start(
    value: object, name: str = "start", *, now: pd.Timestamp | datetime | str | None = None
) -> pd.Timestamp:
    """The first hour of a horizon (or a window's end) as a UTC timestamp.

    Parameters
    ----------
    value
        An ISO 8601 string (see the module docstring), or a ``datetime``, ``date`` or
        ``pandas.Timestamp``; UTC when naive.
    name
        The parameter, named in the message.
    now
        The current time (UTC if naive); default the clock. The latest start is one year after
        its day.

    Returns
    -------
    pandas.Timestamp
        tz-aware UTC, not rounded.

    Raises
    ------
    ConfigError
        Another form (``10/01/2025``, ``yesterday``, ``""``), a date that does not exist
        (``2025-13-45``), or a start outside ``[EARLIEST_START, today + 1 year]``.
    """
    if isinstance(value, str):
        text = value.strip()
        if not _ISO.fullmatch(text):
            raise ConfigError(name, f"{_ISO_RULE}, got {value!r}")
        try:
            stamp = pd.Timestamp(datetime.fromisoformat(text))
        except ValueError as exc:
            raise ConfigError(name, f"{value!r} is not a calendar date or time: {exc}") from None
    elif isinstance(value, datetime | date):  # pd.Timestamp is a datetime
        stamp = pd.Timestamp(value)
    else:
        raise ConfigError(name, f"{_ISO_RULE}, got {value!r}")
    stamp = _utc(stamp)
    latest = _utc(pd.Timestamp.now("UTC") if now is None else now).floor("D") + LATEST_START_AHEAD
    if not EARLIEST_START <= stamp <= latest:
        raise ConfigError(
            name,
            f"must be from {EARLIEST_START:%Y-%m-%d} (the first whole day of Bitcoin) to "
            f"{latest:%Y-%m-%d} (one year after today), got {stamp:%Y-%m-%d %H:%M} UTC",
        )
    return stamp


def _utc(value: pd.Timestamp | datetime | str) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def check_hours(value: object, name: str = "hours", *, most: int = MAX_SIMULATION_HOURS) -> int:
    """A horizon length [h]: a whole number in ``[MIN_HOURS, most]``.

    Parameters
    ----------
    value
        The horizon [h].
    name
        The parameter, named in the message.
    most
        Longest horizon allowed [h]: :data:`MAX_SIMULATION_HOURS`, or the optimizer's
        :data:`planner.engine.optimization.settings.MAX_OPERATIONAL_HOURS` where a plan is made.

    Returns
    -------
    int

    Raises
    ------
    ConfigError
        Not a whole number, or out of range.
    """
    return check_whole(value, name, MIN_HOURS, most)


def check_seed(value: object, name: str = "seed") -> int:
    """A seed: a whole number in ``[0, 2**32)``.

    Raises
    ------
    ConfigError
        Not a whole number, negative, or ``>= 2**32``.
    """
    return check_whole(value, name, 0, SEED_LIMIT - 1)


def check_whole(value: object, name: str, lo: int, hi: int) -> int:
    """A whole number in ``[lo, hi]`` (``True``, ``5.0`` and ``"5"`` are not whole numbers).

    Raises
    ------
    ConfigError
        Names ``name`` and the range.
    """
    number = int(value) if isinstance(value, Integral) and not isinstance(value, bool) else None
    if number is None or not lo <= number <= hi:
        raise ConfigError(name, f"must be a whole number {range_rule(lo, hi)}, got {value!r}")
    return number


def check_number(
    value: object,
    name: str,
    lo: float,
    hi: float = math.inf,
    *,
    open_lo: bool = False,
    open_hi: bool = False,
) -> float:
    """A finite number in ``[lo, hi]`` (ends open when asked); a whole number counts as one.

    Raises
    ------
    ConfigError
        Not a finite number (``"twelve"``, ``true``, ``[2, 5]``), or out of range.
    """
    rule = range_rule(lo, hi, open_lo=open_lo, open_hi=open_hi)
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise ConfigError(name, f"must be a number {rule}, got {value!r}")
    x = float(value)
    if not ((x > lo if open_lo else x >= lo) and (x < hi if open_hi else x <= hi)):
        raise ConfigError(name, f"must be {rule}, got {value!r}")
    return x


def range_rule(
    lo: float = -math.inf,
    hi: float = math.inf,
    *,
    open_lo: bool = False,
    open_hi: bool = False,
) -> str:
    """How a range reads in a message: ``in [0, 1]``, ``in (0, 1]``, ``>= 0``, ``< 5``.

    Whole-number ends are written whole (``in [0, 4294967295]``), others with ``:g``
    (``in [0, 1000]``, ``<= 1e+12``); an infinite end is left out (empty for no ends at all).
    """

    def end(x: float) -> str:
        return str(int(x)) if isinstance(x, Integral) else f"{x:g}"

    if math.isfinite(lo) and math.isfinite(hi):
        return f"in {'(' if open_lo else '['}{end(lo)}, {end(hi)}{')' if open_hi else ']'}"
    if math.isfinite(lo):
        return f"{'>' if open_lo else '>='} {end(lo)}"
    if math.isfinite(hi):
        return f"{'<' if open_hi else '<='} {end(hi)}"
    return ""


def check_choice(value: object, name: str, choices: Sequence[str]) -> str:
    """One of ``choices`` (feed modes, horizons...).

    Raises
    ------
    ConfigError
        Names ``name`` and lists the choices.
    """
    if not isinstance(value, str) or value not in choices:
        raise ConfigError(name, f"must be one of {', '.join(choices)}, got {value!r}")
    return value


def check_url(value: object, name: str) -> str:
    """An ``http://`` or ``https://`` URL with a host (webhooks, feed endpoints).

    Raises
    ------
    ConfigError
        Another scheme, no host, or not a string. The URL itself is not repeated (it may hold a
        secret token); only its scheme is.
    """
    allowed = " or ".join(f"{s}://" for s in URL_SCHEMES)
    if not isinstance(value, str):
        raise ConfigError(name, f"must be an {allowed} URL, got {type(value).__name__}")
    try:
        parts = urlsplit(value.strip())
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        raise ConfigError(name, f"must be an {allowed} URL, got an unreadable one") from None
    if parts.scheme.lower() not in URL_SCHEMES:
        got = f"a {parts.scheme!r} URL" if parts.scheme else "no scheme"
        raise ConfigError(name, f"must be an {allowed} URL, got {got}")
    if not host:
        raise ConfigError(name, f"must be an {allowed} URL with a host, got none")
    return value.strip()


def gather(*checks: Callable[[], Any]) -> list[str]:
    """Run every check; return the ``name: rule`` lines of those that failed, in order.

    Settings objects use it to report all their problems in one :class:`ConfigError`.
    """
    problems: list[str] = []
    for check in checks:
        try:
            check()
        except ConfigError as exc:
            problems.append(str(exc))
    return problems
