"""Hub price forecasters: quantiles of the real-time price, issued from an information set.

Two forecasters of one hub's real-time settlement price, each a
:class:`~planner.world.forecasters.quantiles.QuantileModel` (scikit-learn gradient-boosted trees
with quantile loss, one model per level, on the working scale ``asinh(p / 10)``) of the departure
from a persistence anchor (the same hour's latest published price; the last settled interval),
so that a level never seen in training (Uri's days at the cap) is still forecast:

- :class:`DayAheadForecaster`: each hour of a local day, issued the day before at
  :data:`ISSUE_HOUR` local time (when ERCOT's day-ahead market closes). Features: the target's
  local hour, weekday and month; the latest published prices at the same hour (the last one and
  the mean and maximum of the last seven), the last published price and the mean, maximum and
  spread of the last day and week; the last published grid load, its peak over the last day and
  its value at the same hour; the temperature forecast for the day (maximum and minimum).
- :class:`NextIntervalForecaster`: the next settlement interval's price, issued at its start, when
  the interval before has just settled (intraday, one interval of lag). Features: the last four
  settled intervals, the maximum, mean and spread of the last hour, four hours and day, the same
  time a day earlier, the time of day and weekday, the last published grid load and its change
  over three hours, and the day's temperature forecast.

Features come from one function per forecaster, over many issue times at once; it reads, for each
issue time, only what was published by then (:mod:`planner.domain.publication`). Training is
walk-forward: ``fit(..., until=t)`` keeps only targets published by ``t``. :meth:`forecast` issues
from an :class:`~planner.world.information.InformationSet` (the live path, and the no-leak tests);
:meth:`forecast_history` issues at many times from a :class:`~planner.world.information.History`
(the backtests), and gives the same numbers (``tests/world/test_price_forecasters.py``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.domain.publication import LOAD_LAG
from planner.errors import ConfigError
from planner.world.forecasters.quantiles import (
    ModelSettings,
    PriceQuantiles,
    QuantileModel,
    to_scale,
)
from planner.world.information import History, InformationSet

__all__ = [
    "ISSUE_HOUR",
    "DayAheadForecaster",
    "NextIntervalForecaster",
    "day_ahead_features",
    "day_ahead_issue",
    "next_interval_features",
]

#: Local hour of the day before at which day-ahead forecasts are issued [h].
ISSUE_HOUR = 10

HOUR = pd.Timedelta(hours=1)
DAY = pd.Timedelta(days=1)
#: ERCOT's real-time settlement interval.
QUARTER_HOUR = pd.Timedelta(minutes=15)


# ----------------------------------------------------------------------------------- helpers


def _regular(series: pd.Series, step: pd.Timedelta, end: pd.Timestamp) -> pd.Series:
    """``series`` on a regular grid of ``step`` from its first entry to ``end`` (NaN gaps)."""
    start = series.index[0] if len(series) else end
    grid = pd.date_range(start, max(end, start), freq=step, name="time")
    return series[~series.index.duplicated()].reindex(grid)


def _asof(series: pd.Series | None, when: pd.DatetimeIndex) -> np.ndarray:
    """The last value of ``series`` at or before each time (NaN where none)."""
    if series is None or series.empty:
        return np.full(len(when), np.nan)
    clean = series.dropna()
    clean = clean[~clean.index.duplicated()].sort_index()
    at = clean.index.searchsorted(when, side="right") - 1
    values = clean.to_numpy(dtype=float)
    return np.where(at >= 0, values[np.clip(at, 0, None)], np.nan) if len(values) else at * np.nan


def _temperature(
    frame: pd.DataFrame | None, days: pd.DatetimeIndex, issues: pd.DatetimeIndex, column: str
) -> np.ndarray:
    """The newest forecast of each local day (naive midnights) issued by each issue time [degC].

    ``frame`` is indexed by target day with an ``issued`` column (UTC); NaN where none.
    """
    if frame is None or frame.empty or column not in frame or len(days) == 0:
        return np.full(len(days), np.nan)
    right = pd.DataFrame(
        {
            "day": pd.DatetimeIndex(frame.index).tz_localize(None).normalize().as_unit("ns"),
            "issued": pd.DatetimeIndex(frame["issued"]).tz_convert("UTC").as_unit("ns"),
            "value": frame[column].to_numpy(dtype=float),
        }
    ).sort_values("issued", kind="stable")
    left = pd.DataFrame(
        {
            "day": pd.DatetimeIndex(days).as_unit("ns"),
            "issue": issues.tz_convert("UTC").as_unit("ns"),
            "row": np.arange(len(days)),
        }
    ).sort_values("issue", kind="stable")
    merged = pd.merge_asof(
        left, right, left_on="issue", right_on="issued", by="day", direction="backward"
    )
    return np.asarray(merged.sort_values("row")["value"], dtype=float)


# --------------------------------------------------------------------------------- day ahead


def day_ahead_issue(day: pd.Timestamp | str, zone: str) -> pd.Timestamp:
    """When the day-ahead forecast of local ``day`` is issued: :data:`ISSUE_HOUR` the day before,
    UTC."""
    local = pd.Timestamp(pd.Timestamp(day).date()).tz_localize(zone)
    return (local - DAY + pd.Timedelta(hours=ISSUE_HOUR)).tz_convert("UTC")


def _day_hours(days: pd.DatetimeIndex, zone: str) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Every hour of the local ``days`` (UTC starts) and which day each belongs to."""
    parts, owner = [], []
    for i, day in enumerate(days):
        start = pd.Timestamp(day).tz_localize(zone)
        hours = pd.date_range(start, start + DAY, freq="h", inclusive="left").tz_convert("UTC")
        parts.append(hours)
        owner.append(np.full(len(hours), i))
    nanos = np.concatenate([p.as_unit("ns").asi8 for p in parts]) if parts else np.array([], int)
    times = pd.DatetimeIndex(nanos.astype("datetime64[ns]")).tz_localize("UTC")
    return times, np.concatenate(owner) if owner else np.array([], dtype=int)


def day_ahead_features(
    prices: pd.Series,
    days: Sequence[pd.Timestamp] | pd.DatetimeIndex,
    zone: str,
    *,
    load: pd.Series | None = None,
    temperature: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Features of every hour of the local ``days``, as known when each day's forecast is issued.

    Parameters
    ----------
    prices
        Hourly settled prices of the hub, indexed by UTC hour start [USD/MWh]; only the hours
        that ended by each day's issue time (:func:`day_ahead_issue`) are read for that day.
    days
        Local days to forecast (dates).
    zone
        The hub's time zone (its days and hours).
    load
        Hourly grid load, indexed by UTC hour start [MW]; read where published (an hour is
        published :data:`~planner.domain.publication.LOAD_LAG` after it ends).
    temperature
        Temperature forecasts of local days (index: dates; ``issued``, ``temp_max_c``,
        ``temp_min_c``) [degC]; each day's newest issue by its issue time is read.

    Returns
    -------
    pandas.DataFrame
        Indexed by the target hours (UTC starts), one column per feature.
    """
    days = pd.DatetimeIndex([pd.Timestamp(pd.Timestamp(d).date()) for d in days])
    times, owner = _day_hours(days, zone)
    issue = pd.DatetimeIndex([day_ahead_issue(d, zone) for d in days])[owner]
    last_hour = issue - HOUR  # the last hour that had ended at the issue time
    end = max(times.max(), last_hour.max()) if len(times) else pd.Timestamp.now(tz="UTC")
    grid = _regular(prices.sort_index(), HOUR, end)
    y = pd.Series(to_scale(grid.to_numpy()), index=grid.index)
    local = times.tz_convert(zone)
    out = pd.DataFrame(index=times)
    out["hour"] = local.hour
    out["weekday"] = local.day_of_week
    out["month"] = local.month
    # The same time 1, 2, ... days (24 h steps) earlier, from the latest one that had ended by
    # the issue time: 1 day back for hours before the issue hour, 2 days back after it.
    n = len(times)
    steps = np.arange(1, 10)
    back = times.as_unit("ns").asi8[None, :] - steps[:, None] * DAY.value
    seen = back + HOUR.value <= issue.as_unit("ns").asi8[None, :]
    first = np.argmax(seen, axis=0)
    flat = pd.DatetimeIndex(back.ravel().astype("datetime64[ns]")).tz_localize("UTC")
    values = y.reindex(flat).to_numpy().reshape(back.shape)
    ordered = values[first[None, :] + np.arange(7)[:, None], np.arange(n)[None, :]]
    out["same_hour_last"] = ordered[0] if n else []
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        out["same_hour_mean7"] = np.nanmean(ordered, axis=0) if n else []
        out["same_hour_max7"] = np.nanmax(ordered, axis=0) if n else []
    rolled = {
        "last": y,
        "mean24": y.rolling(24, min_periods=1).mean(),
        "max24": y.rolling(24, min_periods=1).max(),
        "max168": y.rolling(168, min_periods=1).max(),
        "std168": y.rolling(168, min_periods=2).std(),
    }
    for name, series in rolled.items():
        out[name] = series.reindex(last_hour).to_numpy()
    published = issue - HOUR - LOAD_LAG  # the last load hour published at the issue time
    series = None if load is None else load.sort_index()
    out["load_last_gw"] = _asof(series, published) / 1e3
    peak = None if series is None else series.rolling(24, min_periods=1).max()
    out["load_peak24_gw"] = _asof(peak, published) / 1e3
    same_load = []
    for k in (1, 2):
        back = times - k * DAY
        value = _asof(series, back) if series is not None else np.full(len(times), np.nan)
        same_load.append(np.where(back <= published, value, np.nan))
    out["load_same_hour_gw"] = np.where(np.isfinite(same_load[0]), same_load[0], same_load[1]) / 1e3
    day_of = days[owner]
    out["temp_max_c"] = _temperature(temperature, day_of, issue, "temp_max_c")
    out["temp_min_c"] = _temperature(temperature, day_of, issue, "temp_min_c")
    return out


@dataclass(frozen=True, eq=False)
class DayAheadForecaster:
    """Quantiles of each hour of a local day, issued the day before (module docstring).

    Attributes
    ----------
    node
        The hub (a column of the information set's prices).
    zone
        The hub's time zone.
    model
        The fitted quantile models.
    trained_until
        The time the training data were published by.
    load_area
        The load column read (an ISO), or ``None``.
    """

    node: str
    zone: str
    model: QuantileModel = field(repr=False)
    trained_until: pd.Timestamp
    load_area: str | None = "ERCOT"

    @classmethod
    def fit(
        cls,
        history: History,
        node: str,
        until: pd.Timestamp | str,
        *,
        zone: str = "America/Chicago",
        load_area: str | None = "ERCOT",
        settings: ModelSettings | None = None,
    ) -> DayAheadForecaster:
        """Train on every local day of ``history`` whose last hour was published by ``until``."""
        until, info, prices = _published_prices(history, node, until, "day-ahead forecaster")
        local = prices.index.tz_convert(zone)
        first = pd.Timestamp(local[0].date()) + 8 * DAY
        last = pd.Timestamp(until.tz_convert(zone).date()) - DAY  # its last hour ended by then
        days = pd.date_range(first, last, freq="D")
        features = day_ahead_features(
            prices, days, zone, load=_load(info, load_area), temperature=_temps(info)
        )
        target = to_scale(prices.reindex(features.index).to_numpy())
        model = QuantileModel.fit(
            features, target, settings or ModelSettings(), anchor="same_hour_last"
        )
        return cls(node, zone, model, until, load_area)

    def forecast(self, info: InformationSet, day: pd.Timestamp | str) -> PriceQuantiles:
        """The forecast of local ``day``, issued from ``info`` at :func:`day_ahead_issue`.

        ``info`` must be the information set of the issue time or later (it is cut back to the
        issue time).
        """
        issue = day_ahead_issue(day, self.zone)
        if info.at < issue:
            raise ConfigError(
                "day-ahead forecaster", f"the forecast of {day} is issued at {issue}, not before"
            )
        seen = info.as_of(issue)
        features = day_ahead_features(
            seen.prices[self.node],
            [pd.Timestamp(day)],
            self.zone,
            load=_load(seen, self.load_area),
            temperature=_temps(seen),
        )
        return self._quantiles(features)

    def forecast_history(
        self, history: History, days: Sequence[pd.Timestamp] | pd.DatetimeIndex
    ) -> PriceQuantiles:
        """Forecasts of many local days, each issued at its own issue time (backtests)."""
        features = day_ahead_features(
            history.prices[self.node],
            days,
            self.zone,
            load=_load(history, self.load_area),
            temperature=_temps(history),
        )
        return self._quantiles(features)

    def _quantiles(self, features: pd.DataFrame) -> PriceQuantiles:
        local = features.index.tz_convert(self.zone)
        issued = pd.DatetimeIndex([day_ahead_issue(pd.Timestamp(d), self.zone) for d in local.date])
        return PriceQuantiles(
            issued, features.index, self.model.levels, self.model.predict(features)
        )


def _published_prices(
    history: History, node: str, until: pd.Timestamp | str, source: str
) -> tuple[pd.Timestamp, InformationSet, pd.Series]:
    """``until`` in UTC, the information set then, and ``node``'s prices published by then;
    one ``ConfigError`` naming ``source`` when there are none."""
    until = pd.Timestamp(until).tz_convert("UTC")
    info = history.at(until)
    prices = info.prices[node].dropna()
    if prices.empty:
        raise ConfigError(source, f"no {node} prices before {until}")
    return until, info, prices


def _load(info: InformationSet | History, area: str | None) -> pd.Series | None:
    if area is None or area not in info.load:
        return None
    return info.load[area].dropna()


def _temps(info: InformationSet | History) -> pd.DataFrame | None:
    return info.forecasts.get("temperature")


# ----------------------------------------------------------------------------- next interval


def next_interval_features(
    prices: pd.Series,
    times: pd.DatetimeIndex,
    zone: str,
    *,
    interval: pd.Timedelta = QUARTER_HOUR,
    load: pd.Series | None = None,
    temperature: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Features of the intervals starting at ``times``, as known at each interval's start.

    Parameters
    ----------
    prices
        Settled prices of the hub, indexed by interval start [USD/MWh]; for the interval starting
        at ``t`` only intervals that ended by ``t`` are read.
    times
        Interval starts to forecast, UTC.
    zone
        The hub's time zone.
    interval
        Length of the settlement intervals.
    load
        Hourly grid load, indexed by UTC hour start [MW]; read where published.
    temperature
        Temperature forecasts of local days (index: dates; ``issued``, ``temp_max_c``) [degC];
        each interval reads its day's newest issue by the interval's start.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``times``.
    """
    times = pd.DatetimeIndex(times)
    end = times.max() if len(times) else prices.index.max()
    grid = _regular(prices.sort_index(), interval, max(end, prices.index.max()))
    y = pd.Series(to_scale(grid.to_numpy()), index=grid.index)
    per_hour = round(HOUR / interval)
    settled = y.shift(1)  # at the start of each interval: the one that just ended
    out = pd.DataFrame(index=times)
    for k in range(1, 5):
        out[f"lag{k}"] = y.shift(k).reindex(times).to_numpy()
    out["change"] = out["lag1"] - out["lag2"]
    for name, window in (("1h", per_hour), ("4h", 4 * per_hour), ("24h", 24 * per_hour)):
        rolling = settled.rolling(window, min_periods=1)
        out[f"max{name}"] = rolling.max().reindex(times).to_numpy()
        out[f"mean{name}"] = rolling.mean().reindex(times).to_numpy()
    out["std4h"] = settled.rolling(4 * per_hour, min_periods=2).std().reindex(times).to_numpy()
    day_steps = 24 * per_hour
    out["yesterday"] = y.shift(day_steps).reindex(times).to_numpy()
    ahead = y.shift(day_steps - per_hour).rolling(2 * per_hour, min_periods=1).max()
    out["yesterday_max2h"] = ahead.reindex(times).to_numpy()
    local = times.tz_convert(zone)
    out["time_of_day_h"] = local.hour + local.minute / 60.0
    out["weekday"] = local.day_of_week
    published = (times - HOUR - LOAD_LAG).floor("h")
    series = None if load is None else load.sort_index()
    out["load_last_gw"] = _asof(series, published) / 1e3
    out["load_change3h_gw"] = out["load_last_gw"] - _asof(series, published - 3 * HOUR) / 1e3
    days = pd.DatetimeIndex(local.tz_localize(None).normalize())
    out["temp_max_c"] = _temperature(temperature, days, times, "temp_max_c")
    return out


@dataclass(frozen=True, eq=False)
class NextIntervalForecaster:
    """Quantiles of the next settlement interval's price, issued at its start (module docstring).

    Attributes
    ----------
    node, zone, model, trained_until, load_area
        As for :class:`DayAheadForecaster`.
    interval
        Length of the settlement intervals.
    """

    node: str
    zone: str
    model: QuantileModel = field(repr=False)
    trained_until: pd.Timestamp
    interval: pd.Timedelta
    load_area: str | None = "ERCOT"

    @classmethod
    def fit(
        cls,
        history: History,
        node: str,
        until: pd.Timestamp | str,
        *,
        zone: str = "America/Chicago",
        load_area: str | None = "ERCOT",
        settings: ModelSettings | None = None,
    ) -> NextIntervalForecaster:
        """Train on every interval of ``history`` that had settled by ``until``."""
        until, info, prices = _published_prices(history, node, until, "next-interval forecaster")
        features = next_interval_features(
            prices,
            prices.index,
            zone,
            interval=info.price_interval,
            load=_load(info, load_area),
            temperature=_temps(info),
        )
        target = to_scale(prices.to_numpy())
        model = QuantileModel.fit(features, target, settings or ModelSettings(), anchor="lag1")
        return cls(node, zone, model, until, info.price_interval, load_area)

    def forecast(self, info: InformationSet) -> PriceQuantiles:
        """The forecast of the interval starting at ``info.at``."""
        at = pd.DatetimeIndex([info.at])
        features = next_interval_features(
            info.prices[self.node],
            at,
            self.zone,
            interval=self.interval,
            load=_load(info, self.load_area),
            temperature=_temps(info),
        )
        return PriceQuantiles(at, at, self.model.levels, self.model.predict(features))

    def forecast_history(self, history: History, times: pd.DatetimeIndex) -> PriceQuantiles:
        """Forecasts of the intervals starting at ``times``, each issued at its start."""
        features = next_interval_features(
            history.prices[self.node],
            times,
            self.zone,
            interval=self.interval,
            load=_load(history, self.load_area),
            temperature=_temps(history),
        )
        times = pd.DatetimeIndex(times)
        return PriceQuantiles(times, times, self.model.levels, self.model.predict(features))
