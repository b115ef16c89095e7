"""Causal forecasters: each trained on data before its issue time and fed only what is published
by then.

``four_cp``
    The day-ahead chance that a day holds its month's ERCOT 4CP peak (:func:`fit_four_cp`,
    :func:`peak_day_probabilities`, :func:`hourly_probability`).
``four_cp_features``
    What that forecast reads at its issue time, one feature function for training, backtests
    and live issues (:func:`issue_features`).
``temperature``
    The skill of a daily maximum temperature forecast by lead, and the emulated forecast
    backtests use (:func:`forecast_sd_c`, :func:`emulated_forecast`).
``calendar``
    Weekdays, weekends and U.S. federal holidays (:func:`calendar_table`).
``prices``
    Hub price quantiles, day ahead and for the next settlement interval, issued from an
    information set (:mod:`planner.world.information`): :class:`~.prices.DayAheadForecaster`,
    :class:`~.prices.NextIntervalForecaster`; their quantile models in ``quantiles``.
``blend``
    A quantile forecast averaged with persistence by their skill over a lookback before each
    issue: :func:`~.blend.skill_blend`.
``persistence``
    The plain persistence forecast issued from an information set (the comparator, and the
    rolling driver's forecast in replays): :func:`~.persistence.persistence_feeds`.
"""

from planner.world.forecasters.calendar import calendar_table
from planner.world.forecasters.four_cp import (
    FourCPModel,
    chance_from_quantiles,
    chances_from_rows,
    day_ahead_chances,
    fit_four_cp,
    fit_from_rows,
    hourly_probability,
    peak_day_probabilities,
    peak_quantiles,
    training_rows,
    training_set,
)
from planner.world.forecasters.four_cp_features import (
    ISSUE_HOUR_LOCAL,
    LOAD_LAG,
    day_ahead_issue,
    issue_features,
    known_load,
)
from planner.world.forecasters.temperature import (
    DAY_AHEAD_MAE_C,
    MAX_LEAD_DAYS,
    emulated_forecast,
    forecast_sd_c,
)

__all__ = [
    "DAY_AHEAD_MAE_C",
    "ISSUE_HOUR_LOCAL",
    "LOAD_LAG",
    "MAX_LEAD_DAYS",
    "FourCPModel",
    "calendar_table",
    "chance_from_quantiles",
    "chances_from_rows",
    "day_ahead_chances",
    "day_ahead_issue",
    "emulated_forecast",
    "fit_four_cp",
    "fit_from_rows",
    "forecast_sd_c",
    "hourly_probability",
    "issue_features",
    "known_load",
    "peak_day_probabilities",
    "peak_quantiles",
    "training_rows",
    "training_set",
]
