"""What a day-ahead 4CP forecast reads at its issue time: one feature row per target day.

The one feature function of the 4CP forecaster (:mod:`planner.world.forecasters.four_cp`):
training rows, backtests and live issues all go through :func:`issue_features`, whatever the
temperature forecast is (an emulated one in backtests, Open-Meteo's live), so a model never sees
in training a feature it could not have had at the issue time.

Information set at the issue time ``t`` (never anything later):

- system load of the hours published by ``t`` (:func:`known_load`: an hour is published
  :data:`LOAD_LAG` after it ends);
- daily maximum temperatures observed on the days whose maximum has passed by ``t``: the days
  before the issue day, and the issue day itself from :data:`ISSUE_HOUR_LOCAL` on;
- a daily maximum temperature forecast issued by ``t`` (by local day);
- the calendar (weekends, U.S. federal holidays) and the climate of the training years.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.errors import ConfigError
from planner.world.forecasters.calendar import calendar_table
from planner.world.forecasters.temperature import MAX_LEAD_DAYS

__all__ = [
    "FEATURES",
    "ISSUE_HOUR_LOCAL",
    "LOAD_LAG",
    "REST_FEATURES",
    "day_ahead_issue",
    "issue_features",
    "known_load",
    "observed_by",
]

SOURCE = "4cp forecaster"
#: Local hour of the day before at which the day-ahead forecast is issued (after the evening
#: peak, when 4CP alerts go out) [h].
ISSUE_HOUR_LOCAL = 20
#: Delay between the end of an hour and the publication of its system load.
LOAD_LAG = pd.Timedelta(hours=1)
#: Features of the target day's peak model, in order.
FEATURES = (
    "temp_fc_c",
    "temp_obs_c",
    "temp_rise_c",
    "off_day",
    "off_day_before",
    "weekday",
    "day_of_year",
    "week_ratio",
)
#: Features of the model of the highest peak of the month's days after the target day.
REST_FEATURES = ("rest_days", "rest_temp_c", "rest_rise_c", "day_of_year", "week_ratio")
_DAY = pd.Timedelta(days=1)


def day_ahead_issue(day: pd.Timestamp, tz: str) -> pd.Timestamp:
    """When the day-ahead forecast of local ``day`` is issued: :data:`ISSUE_HOUR_LOCAL` the day
    before [UTC]."""
    before = pd.Timestamp(day).normalize() - _DAY + pd.Timedelta(hours=ISSUE_HOUR_LOCAL)
    return before.tz_localize(tz).tz_convert("UTC")


def known_load(load_mw: pd.Series, issue: pd.Timestamp) -> pd.Series:
    """The hours of ``load_mw`` (indexed by UTC hour start) published by ``issue``."""
    published = load_mw.index + pd.Timedelta(hours=1) + LOAD_LAG
    return load_mw[np.asarray(published <= issue)].dropna()


def observed_by(temp_max_c: pd.Series, issue: pd.Timestamp, tz: str) -> pd.Series:
    """The daily maxima of ``temp_max_c`` (naive local days) that have passed at ``issue``: the
    days before the issue day, and the issue day from :data:`ISSUE_HOUR_LOCAL` on [degC]."""
    local = pd.Timestamp(issue).tz_convert(tz)
    issue_day = local.tz_localize(None).normalize()
    seen = issue_day if local.hour >= ISSUE_HOUR_LOCAL else issue_day - _DAY
    days = pd.DatetimeIndex(temp_max_c.index)
    if not days.is_monotonic_increasing:
        raise ConfigError(SOURCE, "temperature: days must be in time order")
    return temp_max_c.iloc[: days.searchsorted(seen, side="right")]


def issue_features(
    load_mw: pd.Series,
    temp_max_c: pd.Series,
    forecast_c: pd.Series,
    issue: pd.Timestamp,
    tz: str,
    climate_c: pd.Series,
    *,
    reach_days: int = MAX_LEAD_DAYS,
) -> pd.Series:
    """The features of the day after the issue day, from what is published at ``issue``.

    Parameters
    ----------
    load_mw
        Hourly system load indexed by UTC hour start [MW]; only hours published by ``issue``
        are read.
    temp_max_c
        Observed daily maximum temperature by local day (naive dates at midnight, in order)
        [degC]; only days passed at ``issue`` are read (:func:`observed_by`).
    forecast_c
        Daily maximum temperature forecast issued by ``issue``, by local day [degC]; days
        further than ``reach_days`` ahead or missing take the climate.
    issue
        The issue time [UTC].
    tz
        IANA zone of the grid's days and months.
    climate_c
        Mean daily maximum temperature by day of year 1..366 [degC].
    reach_days
        Longest lead of the forecast read [days]: :data:`MAX_LEAD_DAYS`, what a real forecast
        reaches; a hindsight bound that knows every day's temperature passes 31.

    Returns
    -------
    pandas.Series
        ``day`` (the target local day), ``recent_peak_mw`` (the highest load of the 24
        published hours before the issue, the issue day's peak: the yardstick the models'
        peaks are ratios to), ``week_peak_mw`` (the same over the 7 days before it),
        ``month_peak_mw`` (the highest published load of the target day's month, NaN before
        its first hour), :data:`FEATURES` and :data:`REST_FEATURES`: ``temp_fc_c`` the target
        day's forecast maximum, ``temp_obs_c`` the last observed daily maximum, ``temp_rise_c``
        their difference, ``week_ratio`` the recent peak over the highest load of the 7 days
        before the issue, ``rest_days`` the days of the month after the target day and
        ``rest_temp_c`` the highest forecast (or climate) maximum among them, ``rest_rise_c``
        that less ``temp_obs_c``.

    Raises
    ------
    ConfigError
        No load published in the 24 hours before the issue, or no observed temperature in the
        3 days before it.
    """
    issue = pd.Timestamp(issue).tz_convert("UTC")
    issue_day = issue.tz_convert(tz).tz_localize(None).normalize()
    day = issue_day + _DAY
    # Positional slices of the sorted index: the feature function runs once per training day.
    index = pd.DatetimeIndex(load_mw.index)
    if not index.is_monotonic_increasing:
        raise ConfigError(SOURCE, "load: hours must be in time order")
    end = index.searchsorted(issue - pd.Timedelta(hours=1) - LOAD_LAG, side="right")
    week = load_mw.iloc[index.searchsorted(issue - pd.Timedelta(days=7)) : end].dropna()
    if week.empty or week.index[-1] < issue - pd.Timedelta(hours=26):
        raise ConfigError(
            SOURCE, f"load: no hour published in the day before {issue:%Y-%m-%d %H:%M} UTC"
        )
    recent = week[week.index > week.index[-1] - pd.Timedelta(hours=24)]
    month_start = day.replace(day=1).tz_localize(tz).tz_convert("UTC")
    in_month = load_mw.iloc[index.searchsorted(month_start) : end].dropna()
    observed = observed_by(temp_max_c, issue, tz)
    observed = observed[observed.index >= day - 4 * _DAY].dropna()
    if observed.empty:
        raise ConfigError(
            SOURCE, f"temperature: no daily maximum observed in the 3 days before {day:%Y-%m-%d}"
        )
    temp_obs = float(observed.iloc[-1])
    rest = pd.date_range(day + _DAY, day + pd.offsets.MonthEnd(0), freq="D")
    ahead = _forecast_or_climate(
        forecast_c, pd.DatetimeIndex([day, *rest]), issue_day, climate_c, reach_days
    )
    calendar = calendar_table(pd.DatetimeIndex([day - _DAY, day]))
    recent_peak = float(recent.max())
    rest_temp = float(ahead[1:].max()) if len(rest) else np.nan
    return pd.Series(
        {
            "day": day,
            "recent_peak_mw": recent_peak,
            "week_peak_mw": float(week.max()),
            "month_peak_mw": float(in_month.max()) if len(in_month) else np.nan,
            "temp_fc_c": float(ahead[0]),
            "temp_obs_c": temp_obs,
            "temp_rise_c": float(ahead[0]) - temp_obs,
            "off_day": float(calendar["off_day"].iloc[1]),
            "off_day_before": float(calendar["off_day"].iloc[0]),
            "weekday": float(calendar["weekday"].iloc[1]),
            "day_of_year": float(calendar["day_of_year"].iloc[1]),
            "week_ratio": recent_peak / float(week.max()),
            "rest_days": float(len(rest)),
            "rest_temp_c": rest_temp,
            "rest_rise_c": rest_temp - temp_obs,
        },
        dtype=object,
    )


def _forecast_or_climate(
    forecast_c: pd.Series,
    days: pd.DatetimeIndex,
    issue_day: pd.Timestamp,
    climate_c: pd.Series,
    reach_days: int,
) -> np.ndarray:
    """Forecast maximum of ``days`` where issued within ``reach_days``, else the climate
    [degC]."""
    forecast = forecast_c.copy()
    forecast.index = pd.DatetimeIndex(forecast.index).normalize()
    given = forecast[~forecast.index.duplicated()].reindex(days).to_numpy(dtype=float)
    lead = np.asarray((days - issue_day).days)
    clim = climate_c.reindex(np.asarray(days.day_of_year)).to_numpy(dtype=float)
    return np.where(np.isfinite(given) & (lead <= reach_days), given, clim)
