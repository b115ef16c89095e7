"""The day-ahead chance that a day holds its month's 4CP peak, from what is known before it.

ERCOT bills transmission on the 15-minute interval of highest system load in each of June, July,
August and September (:data:`planner.domain.economics.FOUR_CP_MONTHS`). This forecaster works on
hourly load (the peak hour stands for the interval inside it) and answers, at an *issue time*,
the chance that each remaining day of the month holds the month's peak.

Information set at the issue time ``t`` (never anything later):

- system load of the hours published by ``t``: an hour's load is published
  :data:`LOAD_LAG` after it ends; the month-to-date peak is the highest of those in the month;
- daily maximum temperatures observed on the days before the issue day's own (the issue day's
  maximum too when ``t`` is at or after :data:`ISSUE_HOUR_LOCAL`, by when it has passed);
- a daily maximum temperature forecast issued by ``t`` for the days ahead, with its error
  growing with lead time (:func:`forecast_sd_c`); beyond the forecast the climate of the
  training years stands in;
- the calendar (weekends and U.S. federal holidays).

The day-ahead forecast of day ``d`` is issued at ``ISSUE_HOUR_LOCAL`` on ``d - 1``
(:func:`day_ahead_issue`).

Model (:func:`fit_four_cp`, trained on data before its ``until`` only):

- a gradient-boosted regression (scikit-learn ``HistGradientBoostingRegressor``) of the daily
  peak above the load *level* (the mean load of the 365 whole days before the issue day, which
  carries the grid's growth: new flat loads such as data centres raise every hour alike) on the
  day's maximum temperature, the day before's, the calendar and the day of the year;
- its out-of-fold errors (cross-validated by month) less their mean over the
  :data:`BIAS_DAYS` days before, drawn as the day's residual; at the issue time the mean error
  of the last :data:`BIAS_DAYS` published days is added to every day ahead (errors persist);
- the climate: mean and spread of the daily maximum by day of year (+-7 days);
- the peak hour's distribution by month among days near their month's peak.

Chance (:func:`peak_day_probabilities`): ``N`` paths of the remaining days of the month draw each
day's temperature (forecast plus its error, or the climate) and residual; a day holds the peak
in a path when its load beats the month-to-date peak and every other remaining day. The chance
of an hour (:func:`hourly_probability`) is the day's chance times the hour's share of peaks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from planner.domain.economics import FOUR_CP_MONTHS
from planner.errors import ConfigError
from planner.world.forecasters.calendar import calendar_table
from planner.world.forecasters.temperature import DAY_AHEAD_MAE_C, MAX_LEAD_DAYS, forecast_sd_c

if TYPE_CHECKING:
    from sklearn.ensemble import HistGradientBoostingRegressor

__all__ = [
    "FEATURES",
    "ISSUE_HOUR_LOCAL",
    "LOAD_LAG",
    "FourCPModel",
    "daily_table",
    "day_ahead_chances",
    "day_ahead_issue",
    "fit_four_cp",
    "hourly_probability",
    "known_load",
    "peak_day_probabilities",
    "response_table",
]

SOURCE = "4cp forecaster"
#: Local hour of the day before at which the day-ahead forecast is issued (after the evening
#: peak, when 4CP alerts go out) [h].
ISSUE_HOUR_LOCAL = 20
#: Delay between the end of an hour and the publication of its system load.
LOAD_LAG = pd.Timedelta(hours=1)
#: Months the load regression is fitted on (May and October widen the summer's sample).
FIT_MONTHS = (5, 6, 7, 8, 9, 10)
#: Regression features, in order.
FEATURES = ("temp_max_c", "temp_prev_c", "off_day", "weekday", "day_of_year")
#: Days of history the load level averages [days].
LEVEL_DAYS = 365
#: Published days whose mean error corrects the forecast [days].
BIAS_DAYS = 7
#: A day is "near its month's peak" (counts for the peak-hour table) within this share [-].
NEAR_PEAK = 0.97
#: Days either side of a day of year its climate averages [days].
CLIMATE_HALF_WIDTH_DAYS = 7
#: Monte Carlo paths per issue.
PATHS = 400
#: Temperatures [degC] at which the regression is tabulated for each day (today's and the day
#: before's); paths interpolate between them, and temperatures beyond take the edge.
TEMP_GRID_C = np.arange(16.0, 48.0, 1.0)
_DAY = pd.Timedelta(days=1)


@dataclass(frozen=True, eq=False)
class FourCPModel:
    """A fitted 4CP forecaster (:func:`fit_four_cp`).

    Attributes
    ----------
    regressor
        Daily peak above the load level from :data:`FEATURES` [MW].
    residuals
        Out-of-fold errors of the regression on June-September training days, less their mean
        over the :data:`BIAS_DAYS` days before [MW].
    climate
        Mean and standard deviation of the daily maximum temperature by day of year 1..366,
        columns ``mean_c`` and ``sd_c`` [degC].
    hour_share
        Share of near-peak days whose peak falls in each local hour, by month (index 6..9,
        columns 0..23) [-]; rows sum to 1.
    until
        Nothing at or after this time was used [UTC].
    tz
        IANA zone of the grid's days and months.
    tables
        The regression on :data:`TEMP_GRID_C` by local day, filled as days are asked for
        (:func:`response_table`).
    """

    regressor: HistGradientBoostingRegressor
    residuals: np.ndarray
    climate: pd.DataFrame
    hour_share: pd.DataFrame
    until: pd.Timestamp
    tz: str
    tables: dict[pd.Timestamp, np.ndarray] = field(default_factory=dict, repr=False)


# ------------------------------------------------------------------------------------ tables


def known_load(load_mw: pd.Series, issue: pd.Timestamp) -> pd.Series:
    """The hours of ``load_mw`` (indexed by UTC hour start) published by ``issue``."""
    published = load_mw.index + pd.Timedelta(hours=1) + LOAD_LAG
    return load_mw[np.asarray(published <= issue)].dropna()


def daily_table(load_mw: pd.Series, temp_max_c: pd.Series, tz: str) -> pd.DataFrame:
    """Per local day: peak load and hour, load level, temperatures, calendar.

    Parameters
    ----------
    load_mw
        Hourly system load indexed by UTC hour start [MW].
    temp_max_c
        Daily maximum temperature by local day (naive dates) [degC].
    tz
        IANA zone of the grid's days.

    Returns
    -------
    pandas.DataFrame
        Indexed by local day: ``peak_mw``, ``peak_hour``, ``level_mw`` (mean load of the
        :data:`LEVEL_DAYS` whole days ending two days before, all known the evening before),
        ``temp_max_c``, ``temp_prev_c`` and the :func:`calendar_table` columns.
    """
    local = load_mw.tz_convert(tz)
    day = local.index.tz_localize(None).normalize()
    grouped = local.groupby(day)
    days = pd.DataFrame(
        {
            "peak_mw": grouped.max(),
            "peak_hour": pd.DatetimeIndex(grouped.idxmax()).hour,
            "mean_mw": grouped.mean(),
        }
    )
    days = days.reindex(pd.date_range(days.index.min(), days.index.max(), freq="D"))
    rolling = days["mean_mw"].rolling(LEVEL_DAYS, min_periods=LEVEL_DAYS - 30).mean()
    days["level_mw"] = rolling.shift(2)
    temp = temp_max_c.copy()
    temp.index = pd.DatetimeIndex(temp.index).normalize()
    days["temp_max_c"] = temp.reindex(days.index)
    days["temp_prev_c"] = temp.reindex(days.index - _DAY).to_numpy()
    return days.drop(columns="mean_mw").join(calendar_table(days.index))


# -------------------------------------------------------------------------------------- fit


def fit_four_cp(
    load_mw: pd.Series,
    temp_max_c: pd.Series,
    *,
    until: pd.Timestamp,
    tz: str,
    holdout: pd.DatetimeIndex | None = None,
    seed: int = 0,
) -> FourCPModel:
    """Fit the forecaster on the load and temperatures known before ``until``.

    Parameters
    ----------
    load_mw
        Hourly system load indexed by UTC hour start [MW]; hours published at or after
        ``until`` are dropped.
    temp_max_c
        Observed daily maximum temperature by local day [degC]; days from ``until``'s local day
        on are dropped.
    until
        The first moment not used [UTC].
    tz
        IANA zone of the grid's days.
    holdout
        Local days left out of the regression, the climate and the peak-hour table (a
        cross-validation fold; they still count in the load level of the days after them).
    seed
        Seed of the regression's random state.

    Raises
    ------
    ConfigError
        Fewer than 60 training days with load and temperature before ``until``.
    """
    until = pd.Timestamp(until).tz_convert("UTC")
    cut_day = until.tz_convert(tz).tz_localize(None).normalize()
    load = known_load(load_mw, until)
    temps = temp_max_c[pd.DatetimeIndex(temp_max_c.index) < cut_day]
    days = daily_table(load, temps, tz)
    # Whole days only: the day of the last published hour may still miss its evening.
    complete = days.index < (until - LOAD_LAG).tz_convert(tz).tz_localize(None).normalize()
    if holdout is not None:
        complete &= ~days.index.isin(pd.DatetimeIndex(holdout).normalize())
        temps = temps[~pd.DatetimeIndex(temps.index).normalize().isin(holdout)]
    train = days[complete & days.index.month.isin(FIT_MONTHS)].dropna()
    if len(train) < 60:
        raise ConfigError(
            SOURCE,
            f"training: {len(train)} days with load and temperature before "
            f"{until:%Y-%m-%d %H:%M} UTC; at least 60 are needed",
        )
    x = train[list(FEATURES)].to_numpy()
    y = (train["peak_mw"] - train["level_mw"]).to_numpy()
    regressor = _regressor(seed)
    groups = train.index.year * 100 + train.index.month
    folds = min(5, len(np.unique(groups)))
    from sklearn.model_selection import GroupKFold, cross_val_predict  # 2 s: only when fitting

    # One thread: a few hundred rows fit faster alone than fighting other work for cores.
    with threadpool_limits(limits=1):
        out_of_fold = cross_val_predict(_regressor(seed), x, y, groups=groups, cv=GroupKFold(folds))
        regressor.fit(x, y)
    summer = np.asarray(train.index.month.isin(FOUR_CP_MONTHS))
    residuals = _corrected(pd.Series(y - out_of_fold, index=train.index))[summer]
    return FourCPModel(
        regressor=regressor,
        residuals=residuals[np.isfinite(residuals)],
        climate=_climate(temps),
        hour_share=_hour_share(days[complete]),
        until=until,
        tz=tz,
    )


def _corrected(errors: pd.Series) -> np.ndarray:
    """Errors less the mean of the :data:`BIAS_DAYS` days before each (NaN without 3 of them)."""
    daily = errors.asfreq("D")
    bias = daily.shift(1).rolling(BIAS_DAYS, min_periods=3).mean()
    return (daily - bias).reindex(errors.index).to_numpy()


def _bias(
    model: FourCPModel, stats: pd.DataFrame, observed_c: pd.Series, issue: pd.Timestamp
) -> float:
    """Mean error of the regression over the last :data:`BIAS_DAYS` whole days published by
    ``issue`` (0 when fewer than 3 have load and temperatures) [MW].

    ``stats``: :func:`_daily_stats` of the load published by ``issue``.
    """
    complete = (issue - LOAD_LAG).tz_convert(model.tz).tz_localize(None).normalize()
    level = stats["mean_mw"].rolling(LEVEL_DAYS, min_periods=LEVEL_DAYS - 30).mean().shift(2)
    temps = observed_c.copy()
    temps.index = pd.DatetimeIndex(temps.index).normalize()
    days = pd.DataFrame(
        {
            "peak_mw": stats["peak_mw"],
            "level_mw": level,
            "temp_max_c": temps.reindex(stats.index).to_numpy(),
            "temp_prev_c": temps.reindex(stats.index - _DAY).to_numpy(),
        },
        index=stats.index,
    )
    days = days[days.index < complete].tail(BIAS_DAYS).dropna()
    if len(days) < 3:
        return 0.0
    table = response_table(model, pd.DatetimeIndex(days.index))
    fitted = _interpolate(
        table, days["temp_max_c"].to_numpy()[None, :], days["temp_prev_c"].to_numpy()[None, :]
    )[0]
    return float(np.mean(days["peak_mw"] - days["level_mw"] - fitted))


def _daily_stats(load: pd.Series, tz: str) -> pd.DataFrame:
    """Peak and mean load of each local day of ``load``, every day in the span a row [MW]."""
    local = load.tz_convert(tz)
    day = local.index.tz_localize(None).normalize()
    stats = local.groupby(day).agg(["max", "mean"]).set_axis(["peak_mw", "mean_mw"], axis=1)
    return stats.reindex(pd.date_range(stats.index.min(), stats.index.max(), freq="D"))


def _regressor(seed: int) -> HistGradientBoostingRegressor:
    """The daily peak regression: shallow trees, monotone in today's temperature."""
    from sklearn.ensemble import HistGradientBoostingRegressor  # 2 s: only when fitting

    return HistGradientBoostingRegressor(
        max_iter=200,
        learning_rate=0.05,
        max_leaf_nodes=15,
        min_samples_leaf=15,
        l2_regularization=1.0,
        monotonic_cst=[1, 0, 0, 0, 0],
        random_state=seed,
    )


def _climate(temps: pd.Series) -> pd.DataFrame:
    """Mean and spread of the daily maximum by day of year, +-7 days around it [degC]."""
    temps = temps.dropna()
    doy = np.asarray(pd.DatetimeIndex(temps.index).day_of_year)
    values = temps.to_numpy(dtype=float)
    rows = []
    for d in range(1, 367):
        near = np.abs(((doy - d + 183) % 366) - 183) <= CLIMATE_HALF_WIDTH_DAYS
        if near.sum() >= 2:
            rows.append((float(values[near].mean()), float(values[near].std(ddof=1))))
        else:
            rows.append((math.nan, math.nan))
    table = pd.DataFrame(rows, index=pd.RangeIndex(1, 367), columns=["mean_c", "sd_c"])
    # Days of the year never seen (a held-out month) take their neighbours' climate.
    return table.interpolate(limit_direction="both")


def _hour_share(days: pd.DataFrame) -> pd.DataFrame:
    """Share of each local hour among the peak hours of near-peak summer days, by month."""
    summer = days[days.index.month.isin(FOUR_CP_MONTHS)].dropna(subset=["peak_mw"])
    month_max = summer.groupby([summer.index.year, summer.index.month])["peak_mw"].transform("max")
    near = summer[summer["peak_mw"] >= NEAR_PEAK * month_max]
    counts = pd.crosstab(near.index.month, near["peak_hour"].astype(int))
    counts = counts.reindex(index=list(FOUR_CP_MONTHS), columns=range(24), fill_value=0)
    pooled = counts.sum(axis=0)
    counts.loc[counts.sum(axis=1) == 0] = pooled.to_numpy()  # a month never seen: all months
    return counts.div(counts.sum(axis=1), axis=0).fillna(0.0)


# -------------------------------------------------------------------------------- forecast


def day_ahead_issue(day: pd.Timestamp, tz: str) -> pd.Timestamp:
    """When the day-ahead forecast of local ``day`` is issued: :data:`ISSUE_HOUR_LOCAL` the day
    before [UTC]."""
    before = pd.Timestamp(day).normalize() - _DAY + pd.Timedelta(hours=ISSUE_HOUR_LOCAL)
    return before.tz_localize(tz).tz_convert("UTC")


def peak_day_probabilities(
    model: FourCPModel,
    load_mw: pd.Series,
    temp_max_c: pd.Series,
    forecast_c: pd.Series,
    issue: pd.Timestamp,
    *,
    day1_mae_c: float = DAY_AHEAD_MAE_C,
    last_day: pd.Timestamp | None = None,
    paths: int = PATHS,
    seed: int = 0,
) -> pd.Series:
    """Chance that each day after the issue day holds its month's peak, seen at ``issue``.

    Parameters
    ----------
    model
        The fitted forecaster.
    load_mw
        Hourly system load indexed by UTC hour start [MW]; only hours published by ``issue``
        are read (:func:`known_load`).
    temp_max_c
        Observed daily maximum temperature by local day [degC]; only days whose maximum has
        passed at ``issue`` are read.
    forecast_c
        Daily maximum temperature forecast issued by ``issue``, by local day [degC]; days
        without a forecast, or further than :data:`MAX_LEAD_DAYS` ahead, take the climate.
    issue
        The issue time [UTC].
    day1_mae_c
        Mean absolute error of the forecast at one day of lead [degC] (:func:`forecast_sd_c`).
    last_day
        Last local day wanted; default the day after the issue day (the day-ahead chance).
        The paths always run to the end of that day's month.
    paths
        Monte Carlo paths.
    seed
        Seed of the paths (with the issue time).

    Returns
    -------
    pandas.Series
        Chance [-] by local day, June-September days only (others are left out).
    """
    tz = model.tz
    issue = pd.Timestamp(issue).tz_convert("UTC")
    issue_local = issue.tz_convert(tz)
    issue_day = issue_local.tz_localize(None).normalize()
    first = issue_day + _DAY
    last = pd.Timestamp(last_day).normalize() if last_day is not None else first
    end = last + pd.offsets.MonthEnd(0)
    days = pd.date_range(first, end, freq="D")
    days = days[days.month.isin(FOUR_CP_MONTHS)]
    if len(days) == 0:
        return pd.Series(dtype=float)
    since = issue - pd.Timedelta(days=LEVEL_DAYS + BIAS_DAYS + 3)
    load = known_load(load_mw[load_mw.index >= since], issue)
    seen = issue_day if issue_local.hour >= ISSUE_HOUR_LOCAL else issue_day - _DAY
    observed = temp_max_c[pd.DatetimeIndex(temp_max_c.index).normalize() <= seen]
    if load.empty:
        raise ConfigError(SOURCE, f"load: no hours published by {issue:%Y-%m-%d %H:%M} UTC")
    stats = _daily_stats(load, tz)
    level = _level(stats, issue_day)
    span = pd.date_range(first, days[-1], freq="D")
    mean_c, sd_c = _temperature_paths(model, span, forecast_c, first, day1_mae_c)
    rng = np.random.default_rng([seed, int(issue.value // 10**9)])
    temps = mean_c[None, :] + sd_c[None, :] * rng.standard_normal((paths, len(span)))
    before = observed.reindex([first - _DAY]).to_numpy(dtype=float)
    # Without yesterday's observed maximum, the day's own stands in (persistence).
    previous = np.full(paths, before[0]) if np.isfinite(before[0]) else temps[:, 0]
    prev = np.concatenate([previous[:, None], temps[:, :-1]], axis=1)
    above = _interpolate(response_table(model, span), temps, prev)
    above += _bias(model, stats, observed, issue) + rng.choice(model.residuals, size=above.shape)
    peak = level + above
    local_load = load.tz_convert(tz)
    month_key = local_load.index.year * 12 + local_load.index.month
    out = {}
    for key in np.unique(np.asarray(span.year * 12 + span.month)):
        cols = np.flatnonzero(np.asarray(span.year * 12 + span.month) == key)
        if span[cols[0]].month not in FOUR_CP_MONTHS:
            continue
        so_far = local_load[np.asarray(month_key == key)]
        floor = float(so_far.max()) if len(so_far) else -np.inf
        block = peak[:, cols]
        best = block.argmax(axis=1)
        wins = block[np.arange(paths), best] > floor
        counts = np.bincount(best[wins], minlength=len(cols))
        for i, c in enumerate(cols):
            if span[c] <= last:
                out[span[c]] = counts[i] / paths
    return pd.Series(out, dtype=float).sort_index()


def _level(stats: pd.DataFrame, issue_day: pd.Timestamp) -> float:
    """The load level of the days after the issue day: the mean of the daily mean loads of the
    :data:`LEVEL_DAYS` days ending the day before the issue day (as in :func:`daily_table`) [MW].
    """
    start = issue_day - pd.Timedelta(days=LEVEL_DAYS)
    means = stats.loc[(stats.index >= start) & (stats.index < issue_day), "mean_mw"].dropna()
    if len(means) < LEVEL_DAYS - 30:
        raise ConfigError(
            SOURCE,
            f"load: {len(means)} days published in the {LEVEL_DAYS} before "
            f"{issue_day:%Y-%m-%d}; at least {LEVEL_DAYS - 30} are needed",
        )
    return float(means.mean())


def _temperature_paths(
    model: FourCPModel,
    span: pd.DatetimeIndex,
    forecast_c: pd.Series,
    first: pd.Timestamp,
    day1_mae_c: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and spread of each day's maximum temperature: the forecast with its error where it
    is sharper than the climate, else the climate [degC]."""
    climate = model.climate.reindex(np.asarray(span.day_of_year))
    clim_mean = climate["mean_c"].to_numpy(dtype=float)
    clim_sd = climate["sd_c"].to_numpy(dtype=float)
    forecast = forecast_c.copy()
    forecast.index = pd.DatetimeIndex(forecast.index).normalize()
    given = forecast.reindex(span).to_numpy(dtype=float)
    lead = np.asarray((span - first).days, dtype=float) + 1.0
    sd = forecast_sd_c(lead, day1_mae_c)
    use = np.isfinite(given) & (lead <= MAX_LEAD_DAYS) & ~(sd >= clim_sd)
    return np.where(use, given, clim_mean), np.where(use, sd, clim_sd)


def response_table(model: FourCPModel, days: pd.DatetimeIndex) -> np.ndarray:
    """The regression on the temperature grid for each local day, ``(days, today, before)``.

    Entry ``[i, a, b]`` is the predicted peak above the level of ``days[i]`` with its maximum
    at ``TEMP_GRID_C[a]`` and the day before's at ``TEMP_GRID_C[b]`` [MW]. Computed once per day
    and kept in :attr:`FourCPModel.tables` (a gradient-boosted prediction per path and day
    would cost a thousand times more).
    """
    wanted = [d for d in pd.DatetimeIndex(days) if d not in model.tables]
    if wanted:
        calendar = calendar_table(pd.DatetimeIndex(wanted))
        n = len(TEMP_GRID_C)
        today, before = np.meshgrid(TEMP_GRID_C, TEMP_GRID_C, indexing="ij")
        rows = [
            np.column_stack(
                [
                    today.ravel(),
                    before.ravel(),
                    np.full(n * n, c.off_day),
                    np.full(n * n, c.weekday),
                    np.full(n * n, c.day_of_year),
                ]
            )
            for c in calendar.itertuples()
        ]
        with threadpool_limits(limits=1):
            values = model.regressor.predict(np.concatenate(rows)).reshape(-1, n, n)
        model.tables.update(zip(calendar.index, values, strict=True))
    return np.stack([model.tables[d] for d in pd.DatetimeIndex(days)])


def _interpolate(table: np.ndarray, today_c: np.ndarray, before_c: np.ndarray) -> np.ndarray:
    """Bilinear interpolation of ``table`` (days, grid, grid) at paths' temperatures
    ``(paths, days)``."""
    step = TEMP_GRID_C[1] - TEMP_GRID_C[0]
    last = len(TEMP_GRID_C) - 1
    a = np.clip((today_c - TEMP_GRID_C[0]) / step, 0.0, last)
    b = np.clip((before_c - TEMP_GRID_C[0]) / step, 0.0, last)
    a0 = np.minimum(a.astype(int), last - 1)
    b0 = np.minimum(b.astype(int), last - 1)
    wa, wb = a - a0, b - b0
    day = np.arange(table.shape[0])[None, :]
    return (
        (1 - wa) * (1 - wb) * table[day, a0, b0]
        + wa * (1 - wb) * table[day, a0 + 1, b0]
        + (1 - wa) * wb * table[day, a0, b0 + 1]
        + wa * wb * table[day, a0 + 1, b0 + 1]
    )


def hourly_probability(
    model: FourCPModel, day_chance: pd.Series, times: pd.DatetimeIndex
) -> np.ndarray:
    """Chance that each hour of ``times`` is its month's peak: its day's chance times the hour's
    share of peaks in that month (:attr:`FourCPModel.hour_share`); 0 outside June-September.

    Parameters
    ----------
    model
        The fitted forecaster (its zone and hour table).
    day_chance
        Chance by local day (:func:`peak_day_probabilities`) [-].
    times
        Hourly interval starts, UTC.
    """
    local = pd.DatetimeIndex(times).tz_convert(model.tz)
    day = local.tz_localize(None).normalize()
    chance = day_chance.reindex(day).fillna(0.0).to_numpy()
    months = np.asarray(local.month)
    share = np.zeros(len(times))
    summer = np.isin(months, FOUR_CP_MONTHS)
    table = model.hour_share.to_numpy()
    rows = np.searchsorted(np.asarray(model.hour_share.index), months[summer])
    share[summer] = table[rows, np.asarray(local.hour)[summer]]
    return chance * share


def day_ahead_chances(
    model: FourCPModel,
    load_mw: pd.Series,
    temp_max_c: pd.Series,
    forecasts: Callable[[pd.Timestamp], pd.Series],
    days: pd.DatetimeIndex,
    *,
    day1_mae_c: float = DAY_AHEAD_MAE_C,
    paths: int = PATHS,
    seed: int = 0,
) -> pd.Series:
    """Day-ahead chance of each local day in ``days``, each issued the evening before.

    ``forecasts(issue)`` gives the temperature forecast issued at ``issue`` by local day.
    """
    out = {}
    for day in pd.DatetimeIndex(days).normalize().unique():
        if day.month not in FOUR_CP_MONTHS:
            continue
        issue = day_ahead_issue(day, model.tz)
        chances = peak_day_probabilities(
            model,
            load_mw,
            temp_max_c,
            forecasts(issue),
            issue,
            day1_mae_c=day1_mae_c,
            paths=paths,
            seed=seed,
        )
        out[day] = float(chances.get(day, 0.0))
    return pd.Series(out, dtype=float)
