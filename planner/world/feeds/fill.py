"""Filling the hours a price or load series does not cover: persistence."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["persist"]

_DAY = pd.Timedelta(days=1)
_WEEK = pd.Timedelta(days=7)


def persist(observed: pd.Series, times: pd.DatetimeIndex) -> tuple[np.ndarray, int]:
    """Values of ``observed`` on ``times``, filling the hours it lacks by persistence.

    An hour without a value takes the value of the same hour ``k`` weeks earlier (or later, for
    hours before the data start) for the smallest ``k`` that has one, earlier first: a weekly
    profile keeps weekday and hour-of-day shapes. Hours no whole week reaches (a series shorter
    than a week) use whole days the same way; a series shorter than a day gives its last value.

    Parameters
    ----------
    observed
        Hourly values indexed by UTC interval start; ``NaN`` counts as missing.
    times
        Hourly target times, UTC.

    Returns
    -------
    tuple
        The values on ``times`` and the number of hours that had to be filled [-].
    """
    obs = observed.dropna()
    obs = obs[~obs.index.duplicated(keep="last")]
    values = obs.reindex(times).to_numpy(dtype=float, copy=True)
    filled = int(np.isnan(values).sum())
    if obs.empty or not filled:
        return values, filled
    first, last = obs.index.min(), obs.index.max()
    reach = max(abs(times[-1] - first), abs(last - times[0]))
    for period in (_WEEK, _DAY):
        for k in range(1, int(reach / period) + 2):
            for sign in (1, -1):
                gaps = np.isnan(values)
                if not gaps.any():
                    return values, filled
                candidate = obs.reindex(times - sign * k * period).to_numpy(dtype=float)
                take = gaps & ~np.isnan(candidate)
                values[take] = candidate[take]
    values[np.isnan(values)] = float(obs.iloc[-1])
    return values, filled
