"""Hours a weather answer lacks, per site, and the limits beyond which the answer is refused.

The planner fills missing hourly temperatures by linear interpolation (constant before the first
and after the last value). That is harmless for a few hours and wrong for many: an answer with
one value in 48 hours would paint the whole horizon at that temperature. An answer is therefore
refused when, at any site, more than ``max_gap_hours`` hours in a row or more than
``max_missing_share`` of the window's hours lack a temperature (:func:`gap_problem`); the feed
then falls back like any failed feed (see :mod:`planner.world.feeds`).

The defaults come from the NOAA ISD hourly temperatures of Austin, Dallas-Fort Worth and Houston
over 2021 (8,760 hours each; ``tests/world/test_feeds.py`` recomputes the figures): bridging a
gap of ``k`` hours by a straight line misses the true curve, at its worst point, by 1.0-1.4 degC
on average for k = 3 and 1.9-2.6 degC for k = 6 (95th percentile 4.1-5.9 degC), about the error
of a day-two forecast; at k = 12 it is 4.2-5.2 degC (95th percentile 8.5-10.2 degC) as the daily
cycle is lost. Hence at most :data:`DEFAULT_MAX_GAP_HOURS` = 6 hours in a row. With gaps that
short each filled hour is off by 1.1-1.5 degC on average, so filling at most
:data:`DEFAULT_MAX_MISSING_SHARE` = 10 % of the hours adds at most about 0.15 degC to the
horizon's mean error; an answer with more holes than that is broken, not patchy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_MAX_GAP_HOURS",
    "DEFAULT_MAX_MISSING_SHARE",
    "Gaps",
    "gap_problem",
    "weather_gaps",
]

#: Longest run of missing hours that interpolation may fill, per site [h].
DEFAULT_MAX_GAP_HOURS = 6
#: Largest share of a window's hours that may be missing, per site [-].
DEFAULT_MAX_MISSING_SHARE = 0.10


@dataclass(frozen=True)
class Gaps:
    """The hours one site's series lacks in a window.

    Attributes
    ----------
    missing_h
        Hours of the window without a value [h] (the hours that get filled).
    longest_h
        Longest run of consecutive missing hours [h].
    hours
        Length of the window [h].
    """

    missing_h: int
    longest_h: int
    hours: int


def weather_gaps(
    frame: pd.DataFrame, window: pd.DatetimeIndex, sites: Sequence[str]
) -> dict[str, Gaps]:
    """Per site, the hours of ``window`` without an air temperature.

    Parameters
    ----------
    frame
        Canonical weather, index ``(site_id, time)`` or, for an ensemble,
        ``(site_id, member, time)``; an ensemble hour counts as missing when any member lacks it.
    window
        The hours the answer should cover, UTC, in the frame's time unit.
    sites
        Every site the answer should cover (a site absent from ``frame`` lacks every hour).

    Returns
    -------
    dict
        Site id -> :class:`Gaps`, in the order of ``sites``.
    """
    ok = frame["temp_air_c"].notna()
    if "member" in frame.index.names:
        ok = ok.groupby(level=["site_id", "time"], sort=False).all()
    present = ok[ok.to_numpy(dtype=bool)].index
    out = {}
    for site in sites:
        times = present[present.get_level_values("site_id") == site].get_level_values("time")
        missing = ~window.isin(times)
        out[site] = Gaps(int(missing.sum()), _longest_run(missing), len(window))
    return out


def gap_problem(
    gaps: Mapping[str, Gaps], max_gap_hours: int, max_missing_share: float
) -> str | None:
    """Why an answer with these gaps cannot be used, or ``None`` if it can.

    Parameters
    ----------
    gaps
        :func:`weather_gaps` of the answer.
    max_gap_hours
        Longest run of missing hours allowed [h].
    max_missing_share
        Largest share of missing hours allowed [-].

    Returns
    -------
    str or None
        e.g. ``the answer lacks 47 of 48 h at site tx (47 h in a row); at most 6 h in a row and
        10 % of the hours may be filled``.
    """
    bad = [
        f"{g.missing_h} of {g.hours} h at site {site} ({g.longest_h} h in a row)"
        for site, g in gaps.items()
        if g.longest_h > max_gap_hours or g.missing_h > max_missing_share * g.hours
    ]
    if not bad:
        return None
    return (
        f"the answer lacks {', '.join(bad)}; at most {max_gap_hours} h in a row and "
        f"{max_missing_share:.0%} of the hours may be filled"
    )


def _longest_run(mask: np.ndarray) -> int:
    """Length of the longest run of ``True`` in a boolean array."""
    best = run = 0
    for value in mask:
        run = run + 1 if value else 0
        best = max(best, run)
    return best
