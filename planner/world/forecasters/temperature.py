"""The skill of a daily maximum temperature forecast: its error by lead time.

Backtests have realised temperatures but no archived forecasts; they stand a forecast in as the
realised value plus a normal error of this size (``benchmarks/validate_4cp.py``), and the 4CP
forecaster trains on rows issued with such forecasts, so that it learns how far to trust the
forecast it is given (:func:`planner.world.forecasters.four_cp.fit_four_cp`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = [
    "DAY_AHEAD_MAE_C",
    "MAE_GROWTH_PER_DAY",
    "MAX_LEAD_DAYS",
    "emulated_forecast",
    "forecast_sd_c",
]

#: Mean absolute error of a day-1 daily maximum temperature forecast [degC]. Published point
#: verification puts it near 1-2 degC (MetGIS: 1.03 degC at day 1, 2.32 at day 5; NWS MOS
#: verification reports 2-3 degF); 1.5 degC is the middle of that range.
DAY_AHEAD_MAE_C = 1.5
#: Growth of the forecast error per day of lead, as a share of the day-1 error [-/day]
#: (MetGIS: 1.03 -> 2.32 degC from day 1 to day 5, +31 % of day 1 per day).
MAE_GROWTH_PER_DAY = 0.3
#: Longest lead a temperature forecast reaches (Open-Meteo: 16 days) [days].
MAX_LEAD_DAYS = 16


def forecast_sd_c(lead_days: np.ndarray, day1_mae_c: float) -> np.ndarray:
    """Standard deviation of a daily maximum temperature forecast by lead [degC].

    ``MAE(k) = MAE(1) (1 + 0.3 (k - 1))`` (:data:`MAE_GROWTH_PER_DAY`) and, for normal errors,
    ``sd = MAE sqrt(pi / 2)``; a 1.5 degC day-1 MAE is a 1.88 degC sd at day 1, 3.01 at day 3.
    """
    lead = np.asarray(lead_days, dtype=float)
    return day1_mae_c * (1.0 + MAE_GROWTH_PER_DAY * (lead - 1.0)) * math.sqrt(math.pi / 2.0)


def emulated_forecast(
    realised_c: pd.Series,
    issue_day: pd.Timestamp,
    day1_mae_c: float,
    rng: np.random.Generator,
    reach_days: int = MAX_LEAD_DAYS,
) -> pd.Series:
    """A daily maximum forecast issued on ``issue_day`` for the ``reach_days`` days after it, as
    a backtest stands it in: the realised value plus a normal error of :func:`forecast_sd_c` at
    each lead (independent across days) [degC].

    Parameters
    ----------
    realised_c
        Realised daily maxima by local day (naive dates) [degC].
    issue_day
        Local day of issue; day 1 of the forecast is the day after.
    day1_mae_c
        Mean absolute error at one day of lead [degC]; 0 gives the realised values (a perfect
        forecast: a bound, not a forecast).
    rng
        Source of the errors.
    reach_days
        Days forecast [days]: :data:`MAX_LEAD_DAYS`, what a real forecast reaches (a hindsight
        bound that knows the whole month passes 31 with ``day1_mae_c`` 0).
    """
    first = pd.Timestamp(issue_day).normalize() + pd.Timedelta(days=1)
    days = pd.date_range(first, periods=reach_days, freq="D")
    realised = realised_c.copy()
    realised.index = pd.DatetimeIndex(realised.index).normalize()
    noise = forecast_sd_c(np.arange(1, reach_days + 1), day1_mae_c) * rng.standard_normal(
        reach_days
    )
    return pd.Series(realised.reindex(days).to_numpy(dtype=float) + noise, index=days)
