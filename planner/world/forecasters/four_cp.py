"""The day-ahead chance that a day holds its month's 4CP peak, from what is known before it.

ERCOT bills transmission on the 15-minute interval of highest system load in each of June, July,
August and September (:data:`planner.domain.economics.FOUR_CP_MONTHS`). This forecaster works on
hourly load (the peak hour stands for the interval inside it) and answers, at
:data:`ISSUE_HOUR_LOCAL` the evening before a day (:func:`day_ahead_issue`), the chance that the
day holds its month's peak, and in which hours.

It reads only the issue time's information set, through the one feature function
:func:`planner.world.forecasters.four_cp_features.issue_features` (load published by then, the
month-to-date peak, observed and forecast daily maximum temperatures, the calendar).

Model (:func:`fit_four_cp`, trained on data before its ``until`` only, one training row per
day of :data:`FIT_MONTHS` issued as the day-ahead forecast would have been):

- the day's peak as a ratio to the issue day's published peak (:data:`YARDSTICK`: the highest
  load of the 24 hours before the issue, which hold the issue day's afternoon), as quantiles
  (scikit-learn ``HistGradientBoostingRegressor`` with quantile loss, one per level of
  :data:`LEVELS`) from the forecast and observed temperatures, the calendar and the recent load;
- the highest peak of the month's days after it, as a ratio to the same, as quantiles from the
  number of those days and their highest forecast (or climate) temperature;
- the *peak window*: the :data:`WINDOW_HOURS` local hours that held most peaks of days
  within :data:`NEAR_PEAK` of their month's peak in the training years.

Chance (:func:`peak_day_probabilities`): the day's peak must beat the month-to-date peak and the
rest of the month's highest, ``P(X > max(M, R))`` with ``X`` and ``R`` read from their quantiles
(independent, interpolated on :data:`GRID` levels). :func:`hourly_probability` gives that chance
to the hours of the peak window and 0 to the others: the hours an alert curtails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from planner.domain.economics import FOUR_CP_MONTHS
from planner.errors import ConfigError
from planner.world.forecasters.four_cp_features import (
    FEATURES,
    ISSUE_HOUR_LOCAL,
    LOAD_LAG,
    REST_FEATURES,
    day_ahead_issue,
    issue_features,
    known_load,
)
from planner.world.forecasters.temperature import (
    DAY_AHEAD_MAE_C,
    MAX_LEAD_DAYS,
    emulated_forecast,
)

if TYPE_CHECKING:
    from sklearn.ensemble import HistGradientBoostingRegressor

__all__ = [
    "FEATURES",
    "ISSUE_HOUR_LOCAL",
    "LEVELS",
    "LOAD_LAG",
    "FourCPModel",
    "chance_from_quantiles",
    "chances_from_rows",
    "day_ahead_chances",
    "day_ahead_issue",
    "fit_four_cp",
    "fit_from_rows",
    "hourly_probability",
    "peak_day_probabilities",
    "peak_quantiles",
    "training_rows",
    "training_set",
]

SOURCE = "4cp forecaster"
#: Months whose days train the models (May and October widen the summer's sample).
FIT_MONTHS = (5, 6, 7, 8, 9, 10)
#: Quantile levels of both models [-].
LEVELS: tuple[float, ...] = (0.05, 0.15, 0.3, 0.5, 0.7, 0.85, 0.95)
#: Levels at which the two distributions are read to compute a chance [-].
GRID = np.linspace(0.005, 0.995, 100)
#: Hours of the peak window (the 4CP interval falls in 16:00-18:00 CDT in most years) [h].
WINDOW_HOURS = 2
#: A day is "near its month's peak" (counts for the peak window) within this share [-].
NEAR_PEAK = 0.97
#: How the day's peak moves with each of :data:`FEATURES` (1 up, -1 down, 0 free): hotter than
#: the day before, or a working day after an off day, raises it.
MONOTONE = (1, 0, 1, -1, 1, 0, 0, 0)
#: The same for :data:`REST_FEATURES`: more days left and hotter days ahead raise the rest's
#: highest.
REST_MONOTONE = (1, 1, 1, 0, 0)
#: The load the models' peaks are ratios to (a column of :func:`issue_features`): the highest
#: load of the 24 published hours before the issue, the issue day's peak. Chosen over the week's
#: peak on out-of-fold forecasts of the training summers alone (more of their peaks caught within
#: the false-alarm budget, with 2021-2022 and with 2021-2023 as the training years); tomorrow's
#: peak moves less from today's than from the week's.
YARDSTICK = "recent_peak_mw"
#: Whole training days needed [days].
MIN_TRAIN_DAYS = 60
_DAY = pd.Timedelta(days=1)


@dataclass(frozen=True, eq=False)
class FourCPModel:
    """A fitted 4CP forecaster (:func:`fit_four_cp`).

    Attributes
    ----------
    peak
        One quantile regressor per level of :data:`LEVELS`: the day's peak over the
        :data:`YARDSTICK`, less 1 [-].
    rest
        The same for the highest peak of the month's days after it [-].
    climate
        Mean daily maximum temperature by day of year 1..366 in the training years [degC].
    window
        The local hours of the peak window [h].
    day1_mae_c
        Day-1 error of the temperature forecasts the training rows were issued with [degC].
    until
        Nothing at or after this time was used [UTC].
    tz
        IANA zone of the grid's days and months.
    """

    peak: tuple[HistGradientBoostingRegressor, ...]
    rest: tuple[HistGradientBoostingRegressor, ...]
    climate: pd.Series
    window: tuple[int, ...]
    day1_mae_c: float
    until: pd.Timestamp
    tz: str


# -------------------------------------------------------------------------------------- fit


def training_rows(
    load_mw: pd.Series,
    temp_max_c: pd.Series,
    days: pd.DatetimeIndex,
    *,
    tz: str,
    climate_c: pd.Series,
    forecasts: Callable[[pd.Timestamp], pd.Series],
    reach_days: int = MAX_LEAD_DAYS,
) -> pd.DataFrame:
    """Feature rows of ``days`` issued the evening before each, with the realised targets
    (``reach_days``: as :func:`issue_features`).

    Returns
    -------
    pandas.DataFrame
        Indexed by local day: :func:`issue_features`' columns, ``peak_mw`` (the day's realised
        peak) and ``rest_peak_mw`` (the highest realised peak of the month's later days, NaN on
        its last day), each from ``load_mw``; days whose features cannot be built are left out.
    """
    local = load_mw.tz_convert(tz)
    daily = local.groupby(local.index.tz_localize(None).normalize()).max()
    rows = []
    for day in pd.DatetimeIndex(days):
        issue = day_ahead_issue(day, tz)
        try:
            row = issue_features(
                load_mw,
                temp_max_c,
                forecasts(issue),
                issue,
                tz,
                climate_c,
                reach_days=reach_days,
            )
        except ConfigError:
            continue
        rows.append(row)
    if not rows:
        return pd.DataFrame(columns=["day", "peak_mw", "rest_peak_mw", *FEATURES])
    table = pd.DataFrame(rows).set_index("day").astype(float)
    table.index = pd.DatetimeIndex(table.index)
    later = daily.groupby([daily.index.year, daily.index.month]).transform(
        lambda s: s[::-1].cummax()[::-1].shift(-1)
    )
    table["peak_mw"] = daily.reindex(table.index).to_numpy()
    table["rest_peak_mw"] = later.reindex(table.index).to_numpy()
    return table


def fit_four_cp(
    load_mw: pd.Series,
    temp_max_c: pd.Series,
    *,
    until: pd.Timestamp,
    tz: str,
    holdout: pd.DatetimeIndex | None = None,
    day1_mae_c: float = DAY_AHEAD_MAE_C,
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
        Local days left out of the training rows and the peak window (a cross-validation fold;
        their load still counts as the history of the days after them).
    day1_mae_c
        Day-1 mean absolute error of the emulated temperature forecasts the training rows are
        issued with (:func:`emulated_forecast`) [degC]: the model learns how far to trust the
        forecast it will be given.
    seed
        Seed of the emulated forecasts and the regressors.

    Raises
    ------
    ConfigError
        Fewer than :data:`MIN_TRAIN_DAYS` whole training days before ``until``.
    """
    rows, climate, load = training_set(
        load_mw, temp_max_c, until=until, tz=tz, day1_mae_c=day1_mae_c, seed=seed
    )
    window_load = load.tz_convert(tz)
    if holdout is not None:
        held = pd.DatetimeIndex(holdout).normalize()
        rows = rows[~rows.index.isin(held)]
        window_load = window_load[~window_load.index.tz_localize(None).normalize().isin(held)]
    return fit_from_rows(
        rows,
        climate=climate,
        window=peak_window(window_load),
        until=until,
        tz=tz,
        day1_mae_c=day1_mae_c,
        seed=seed,
    )


def training_set(
    load_mw: pd.Series,
    temp_max_c: pd.Series,
    *,
    until: pd.Timestamp,
    tz: str,
    day1_mae_c: float = DAY_AHEAD_MAE_C,
    seed: int = 0,
    reach_days: int = MAX_LEAD_DAYS,
) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """The training rows of :func:`fit_four_cp` before ``until``, the training years' climate
    and the load published by ``until`` (parameters as there; ``reach_days`` as
    :func:`issue_features`).

    Rows are the :data:`FIT_MONTHS` days whose peak is published before ``until``, each issued
    the evening before with an emulated forecast (:func:`emulated_forecast`, seeded by ``seed``
    and the issue time); a row's ``rest_peak_mw`` is NaN unless its whole month is published.
    """
    until = pd.Timestamp(until).tz_convert("UTC")
    cut_day = until.tz_convert(tz).tz_localize(None).normalize()
    load = known_load(load_mw, until)
    temps = temp_max_c[pd.DatetimeIndex(temp_max_c.index).normalize() < cut_day].dropna()
    temps.index = pd.DatetimeIndex(temps.index).normalize()
    climate = _climate(temps)
    # Days whose whole peak is published before until.
    last = (until - LOAD_LAG).tz_convert(tz).tz_localize(None).normalize() - _DAY
    span = pd.date_range(temps.index.min() + _DAY, last, freq="D") if len(temps) else []
    days = pd.DatetimeIndex(span)
    days = days[days.month.isin(FIT_MONTHS)]

    def forecast(issue: pd.Timestamp) -> pd.Series:
        rng = np.random.default_rng([seed, int(issue.value // 10**9)])
        issue_day = issue.tz_convert(tz).tz_localize(None).normalize()
        return emulated_forecast(temps, issue_day, day1_mae_c, rng, reach_days)

    rows = training_rows(
        load, temps, days, tz=tz, climate_c=climate, forecasts=forecast, reach_days=reach_days
    )
    month_end = rows.index + pd.offsets.MonthEnd(0)
    rows.loc[np.asarray(month_end > last), "rest_peak_mw"] = np.nan
    return rows, climate, load


def fit_from_rows(
    rows: pd.DataFrame,
    *,
    climate: pd.Series,
    window: tuple[int, ...],
    until: pd.Timestamp,
    tz: str,
    day1_mae_c: float,
    seed: int = 0,
) -> FourCPModel:
    """Fit the two quantile models on :func:`training_rows` (the rest of :func:`fit_four_cp`,
    for callers that fit several subsets of the same rows).

    Raises
    ------
    ConfigError
        Fewer than :data:`MIN_TRAIN_DAYS` rows with a realised peak and every feature.
    """
    rows = rows.dropna(subset=["peak_mw", *FEATURES])
    if len(rows) < MIN_TRAIN_DAYS:
        raise ConfigError(
            SOURCE,
            f"training: {len(rows)} days with load and temperature before "
            f"{until:%Y-%m-%d %H:%M} UTC; at least {MIN_TRAIN_DAYS} are needed",
        )
    rest = rows.dropna(subset=["rest_peak_mw", *REST_FEATURES])
    # Loaded before the limit is set, so that the limit reaches its OpenMP runtime (2 s).
    import sklearn.ensemble  # noqa: F401

    with threadpool_limits(limits=1):  # a few hundred rows fit 30 times faster alone
        peak = _fit_levels(
            rows[list(FEATURES)], rows["peak_mw"] / rows[YARDSTICK] - 1, MONOTONE, seed
        )
        later = _fit_levels(
            rest[list(REST_FEATURES)],
            rest["rest_peak_mw"] / rest[YARDSTICK] - 1,
            REST_MONOTONE,
            seed,
        )
    return FourCPModel(
        peak=peak,
        rest=later,
        climate=climate,
        window=window,
        day1_mae_c=day1_mae_c,
        until=until,
        tz=tz,
    )


def _fit_levels(
    x: pd.DataFrame, y: pd.Series, monotone: tuple[int, ...], seed: int
) -> tuple[HistGradientBoostingRegressor, ...]:
    """One quantile-loss regressor per level of :data:`LEVELS`, monotone in each feature as
    ``monotone`` says (1 rising, -1 falling, 0 free)."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    models = []
    for q in LEVELS:
        model = HistGradientBoostingRegressor(
            loss="quantile",
            quantile=q,
            max_iter=80,
            learning_rate=0.1,
            max_leaf_nodes=8,
            min_samples_leaf=20,
            monotonic_cst=list(monotone),
            random_state=seed,
        )
        models.append(model.fit(x.to_numpy(), y.to_numpy()))
    return tuple(models)


def _climate(temps: pd.Series) -> pd.Series:
    """Mean daily maximum by day of year, +-7 days around it [degC]."""
    doy = np.asarray(pd.DatetimeIndex(temps.index).day_of_year)
    values = temps.to_numpy(dtype=float)
    out = np.full(366, np.nan)
    for d in range(1, 367):
        near = np.abs(((doy - d + 183) % 366) - 183) <= 7
        if near.any():
            out[d - 1] = values[near].mean()
    return pd.Series(out, index=pd.RangeIndex(1, 367)).interpolate(limit_direction="both")


def peak_window(load_local: pd.Series) -> tuple[int, ...]:
    """The :data:`WINDOW_HOURS` local hours holding most peaks of the June-September days within
    :data:`NEAR_PEAK` of their month's peak (16:00 and 17:00 when no such day is known) [h].

    ``load_local``: hourly load indexed by local time [MW].
    """
    day = load_local.index.tz_localize(None).normalize()
    grouped = load_local.groupby(day)
    days = pd.DataFrame({"peak": grouped.max(), "hour": pd.DatetimeIndex(grouped.idxmax()).hour})
    days = days[days.index.month.isin(FOUR_CP_MONTHS)]
    top = days.groupby([days.index.year, days.index.month])["peak"].transform("max")
    counts = days.loc[days["peak"] >= NEAR_PEAK * top, "hour"].value_counts()
    counts = counts.reindex(range(24), fill_value=0)
    if not counts.sum():
        counts[16] = counts[17] = 1
    # Most peaks first; ties to the later hour (peaks drift later as solar output grows).
    ranked = sorted(range(24), key=lambda h: (-int(counts[h]), -h))
    return tuple(sorted(ranked[:WINDOW_HOURS]))


# -------------------------------------------------------------------------------- forecast


def chance_from_quantiles(
    peak: np.ndarray, floor: float, rest: np.ndarray | None, levels: tuple[float, ...] = LEVELS
) -> float:
    """``P(X > max(floor, R))`` for independent ``X`` and ``R`` given by their quantiles.

    Parameters
    ----------
    peak
        Quantiles of ``X`` at ``levels`` (sorted if they cross).
    floor
        A known value ``X`` must beat (``-inf`` for none).
    rest
        Quantiles of ``R`` at ``levels``; None when there is no ``R`` (the month's last day).
    levels
        Quantile levels, increasing [-].

    Both are read at the :data:`GRID` levels, interpolated linearly between quantiles and
    extended beyond the outer ones along the slope of the two outermost.
    """
    x = _read(np.sort(np.asarray(peak, dtype=float)), levels)
    beat = x > floor
    if rest is None:
        return float(beat.mean())
    r = _read(np.sort(np.asarray(rest, dtype=float)), levels)
    return float((beat[:, None] & (x[:, None] > r[None, :])).mean())


def _read(values: np.ndarray, levels: tuple[float, ...]) -> np.ndarray:
    """Quantile values at the :data:`GRID` levels, linear beyond the outer levels."""
    lv = np.asarray(levels)
    out = np.interp(GRID, lv, values)
    lo, hi = lv[0] > GRID, lv[-1] < GRID
    out[lo] = values[0] - (values[1] - values[0]) / (lv[1] - lv[0]) * (lv[0] - GRID[lo])
    out[hi] = values[-1] + (values[-1] - values[-2]) / (lv[-1] - lv[-2]) * (GRID[hi] - lv[-1])
    return out


def peak_day_probabilities(
    model: FourCPModel,
    load_mw: pd.Series,
    temp_max_c: pd.Series,
    forecast_c: pd.Series,
    issue: pd.Timestamp,
) -> pd.Series:
    """Chance that the day after the issue day holds its month's peak, seen at ``issue``.

    Parameters
    ----------
    model
        The fitted forecaster.
    load_mw
        Hourly system load indexed by UTC hour start [MW]; only hours published by ``issue``
        are read.
    temp_max_c
        Observed daily maximum temperature by local day [degC]; only days whose maximum has
        passed at ``issue`` are read.
    forecast_c
        Daily maximum temperature forecast issued by ``issue``, by local day [degC] (emulated in
        backtests, Open-Meteo's live); days without one take the climate.
    issue
        The issue time [UTC].

    Returns
    -------
    pandas.Series
        Chance [-] indexed by the local day; empty outside June-September.
    """
    row = issue_features(load_mw, temp_max_c, forecast_c, issue, model.tz, model.climate)
    day = pd.Timestamp(row["day"])
    if day.month not in FOUR_CP_MONTHS:
        return pd.Series(dtype=float)
    rows = pd.DataFrame([row]).set_index("day").astype(float)
    return chances_from_rows(model, rows.set_axis(pd.DatetimeIndex([day])))


def peak_quantiles(model: FourCPModel, rows: pd.DataFrame) -> pd.DataFrame:
    """The day's peak at each level of :data:`LEVELS` (columns), for each row of
    :func:`training_rows` (by local day) [MW]."""
    with threadpool_limits(limits=1):
        ratio = np.column_stack([m.predict(rows[list(FEATURES)].to_numpy()) for m in model.peak])
    base = rows[YARDSTICK].to_numpy(dtype=float)[:, None]
    return pd.DataFrame(base * (1.0 + np.sort(ratio, axis=1)), index=rows.index, columns=LEVELS)


def chances_from_rows(
    model: FourCPModel,
    rows: pd.DataFrame,
    known_peak_mw: pd.Series | None = None,
    known_rest_mw: pd.Series | None = None,
) -> pd.Series:
    """The chance of each row of :func:`training_rows` (by local day) [-]: its peak beats the
    month-to-date peak and the rest of the month's highest (:func:`chance_from_quantiles`).

    Hindsight bounds (by local day) [MW]: ``known_peak_mw``, each day's realised peak, read in
    place of its forecast (what the rest-of-month term alone leaves uncertain);
    ``known_rest_mw``, the realised highest peak of the month's later days, in place of that
    forecast (what the day's own forecast alone leaves uncertain).
    """
    if rows.empty:
        return pd.Series(dtype=float)
    base = rows[YARDSTICK].to_numpy(dtype=float)
    if known_peak_mw is None:
        peak = peak_quantiles(model, rows).to_numpy() / base[:, None] - 1.0
    else:
        peak = _certain(known_peak_mw.reindex(rows.index).to_numpy(dtype=float) / base - 1.0)
    if known_rest_mw is None:
        with threadpool_limits(limits=1):
            rest = np.column_stack(
                [m.predict(rows[list(REST_FEATURES)].fillna(0.0).to_numpy()) for m in model.rest]
            )
    else:
        rest = _certain(known_rest_mw.reindex(rows.index).to_numpy(dtype=float) / base - 1.0)
    floor = np.nan_to_num(rows["month_peak_mw"].to_numpy(dtype=float) / base - 1.0, nan=-np.inf)
    last = rows["rest_days"].to_numpy() <= 0
    out = [
        chance_from_quantiles(peak[i], floor[i], None if last[i] else rest[i])
        for i in range(len(rows))
    ]
    return pd.Series(out, index=rows.index, dtype=float)


def _certain(values: np.ndarray) -> np.ndarray:
    """Quantiles of known values: each row's value at every level of :data:`LEVELS`."""
    return np.repeat(values[:, None], len(LEVELS), axis=1)


def hourly_probability(
    model: FourCPModel, day_chance: pd.Series, times: pd.DatetimeIndex
) -> np.ndarray:
    """The day's chance in the hours of its month's peak window (:attr:`FourCPModel.window`),
    0 in the others and outside June-September: the hours an alert curtails [-].

    Parameters
    ----------
    model
        The fitted forecaster (its zone and peak window).
    day_chance
        Chance by local day (:func:`peak_day_probabilities`) [-].
    times
        Hourly interval starts, UTC.
    """
    local = pd.DatetimeIndex(times).tz_convert(model.tz)
    day = local.tz_localize(None).normalize()
    chance = day_chance.reindex(day).fillna(0.0).to_numpy()
    in_window = np.isin(local.hour, model.window) & np.isin(local.month, FOUR_CP_MONTHS)
    return np.where(in_window, chance, 0.0)


def day_ahead_chances(
    model: FourCPModel,
    load_mw: pd.Series,
    temp_max_c: pd.Series,
    forecasts: Callable[[pd.Timestamp], pd.Series],
    days: pd.DatetimeIndex,
) -> pd.Series:
    """Day-ahead chance of each June-September local day in ``days``, each issued the evening
    before; ``forecasts(issue)`` gives the temperature forecast issued at ``issue``."""
    wanted = pd.DatetimeIndex(days).normalize().unique()
    wanted = wanted[wanted.month.isin(FOUR_CP_MONTHS)]
    rows = training_rows(
        load_mw, temp_max_c, wanted, tz=model.tz, climate_c=model.climate, forecasts=forecasts
    )
    return chances_from_rows(model, rows.drop(columns=["peak_mw", "rest_peak_mw"]))
