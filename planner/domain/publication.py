"""When a value becomes known: the publication rules every decision and forecast obeys.

A decision taken at time ``t`` may read only what was published by ``t``:

- **Settlement prices** are published when their interval ends (ERCOT posts each 15-minute
  real-time settlement point price a few minutes after the interval; an hourly mean is known
  when the hour ends). A decision at the start of a step sees the price of the step before: one
  interval of lag (:data:`PRICE_LAG_STEPS`).
- **Daily market data** (the BTC close, the day's network hashrate estimate, and so the day's
  hashprice) are published when the UTC day closes: every step of day ``d`` sees day ``d - 1``'s.
- **A site's own temperature** is read by its sensors in real time: the temperature of a step is
  known at its start (the thermostat that keeps hydro loops warm acts on it).
- **Grid load** (ERCOT actual load, hourly) is published :data:`LOAD_LAG` after its hour ends.
- **Forecasts** (temperature, alerts, 4CP chances, price quantiles) are known from their issue
  time; those a horizon carries were issued before its first step.

:class:`Published` is the part of each step's information set the built-in policies read, as
arrays over the steps (row ``i`` holds only what was published by the start of step ``i``);
:class:`planner.world.information.InformationSet` is the whole set at one decision time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

#: Steps between a settlement interval's start and the first decision that sees its price [-].
PRICE_LAG_STEPS = 1

#: Delay between the end of an hour and the publication of its grid load.
LOAD_LAG = pd.Timedelta(hours=1)


@dataclass(frozen=True, eq=False)
class Published:
    """What was published by the start of each step, as arrays over the steps.

    Attributes
    ----------
    price_usd_per_mwh
        Latest settled price at the start of each step: the step before's [USD/MWh]; NaN where
        nothing had settled yet.
    hashprice_usd_per_th_day
        Hashprice of the last UTC day closed by the start of each step [USD/(TH/s day)].
    """

    price_usd_per_mwh: np.ndarray
    hashprice_usd_per_th_day: np.ndarray


def published_steps(values: npt.ArrayLike, before: float = np.nan) -> np.ndarray:
    """The value each step sees at its start: the step before's, ``before`` for the first.

    Parameters
    ----------
    values
        One value per step, e.g. settlement prices [any unit].
    before
        The value of the step before the first (NaN: not known).

    Returns
    -------
    numpy.ndarray
        Same length as ``values``.

    Examples
    --------
    >>> published_steps([10.0, 20.0, 30.0], before=5.0).tolist()
    [5.0, 10.0, 20.0]
    """
    array = np.asarray(values, dtype=float)
    return np.concatenate([[float(before)], array[:-1]])[: len(array)]


def published_daily(
    times: pd.DatetimeIndex, values: npt.ArrayLike, before: float = np.nan
) -> np.ndarray:
    """The value of the last UTC day closed by the start of each step.

    Parameters
    ----------
    times
        Step starts, UTC (naive times are taken as UTC).
    values
        One value per step, the same for every step of a UTC day (e.g. hourly hashprice from a
        daily close) [any unit]; the value of a day is read at its last step.
    before
        The value of the day before the first step's day (NaN: not known).

    Returns
    -------
    numpy.ndarray
        Per step, the value of the day before the step's day: ``before`` on the first day.

    Examples
    --------
    >>> t = pd.date_range("2025-01-01 22:00", periods=4, freq="h", tz="UTC")
    >>> published_daily(t, [1.0, 1.0, 2.0, 2.0], before=0.5).tolist()
    [0.5, 0.5, 1.0, 1.0]
    """
    array = np.asarray(values, dtype=float)
    if len(array) == 0:
        return array.copy()
    utc = times if times.tz is not None else times.tz_localize("UTC")
    day = np.asarray(utc.tz_convert("UTC").floor("D").asi8)
    new_day = np.flatnonzero(np.diff(day) != 0) + 1  # first step of each later day
    last_of_day = array[new_day - 1]  # the closing value of the day before each of them
    out = np.empty(len(array))
    starts = np.r_[0, new_day]
    ends = np.r_[new_day, len(array)]
    known = np.r_[float(before), last_of_day]
    for a, b, value in zip(starts.tolist(), ends.tolist(), known.tolist(), strict=True):
        out[a:b] = value
    return out


def step_hours(times: pd.DatetimeIndex) -> float:
    """Length of the steps of ``times`` [h]; 1 for a single step."""
    if len(times) < 2:
        return 1.0
    return float((times[1] - times[0]) / pd.Timedelta(hours=1))
