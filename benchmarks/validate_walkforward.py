"""Walk-forward backtests of the hub price forecasters (a helper of ``validate_capture.py``).

Not a validation itself (no ``REQUIRED_DATA``). Every model here is trained on data published
before the forecasts it issues, and every choice (the quantile level a decision reads) is made
on forecasts issued before the window it is used in:

- :func:`day_ahead_backtest`: the day-ahead forecaster (:mod:`planner.world.forecasters.prices`)
  over a window, refitted at the start of each local month; its decision level chosen on the
  same season a year before (a third of the history when there is too little before that
  season), from a model trained before it.
- :func:`next_interval_backtest`: the next-interval forecaster over the 15-minute windows in
  time order, refitted every few days on every 15-minute interval settled before; its level
  chosen at each refit on the current window's own forecasts issued before, once they cover a
  week; none (the guard alone) before that, and where no level did better than the guard alone.
  The rule also chooses its side (:data:`SIDES`): whether the forecast only adds sheds to the
  strike's, or decides both ways.
  A level is not carried from one window to the next: chosen on Uri (prices at the cap for
  days, where shedding on any hint of a spike paid), it shed on false alarms in Elliott.

A decision reads one number per interval from a forecast: its expected value (``"mean"``) or a
quantile level (``"0.9"``); a tier runs where that number is below the hub price at which it
breaks even. A day-ahead plan's ``"mean"`` is the calibrated one: the forecast's quantiles read at
the levels they reached on the selection period's settled prices
(:func:`planner.world.forecasters.quantiles.calibrated_levels`), with the capped Pareto tail up to
the offer cap in force (:meth:`planner.world.forecasters.quantiles.PriceQuantiles.expected`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from benchmarks.validate_common import ZONE, offer_cap_usd_per_mwh

#: 15-minute intervals of its own forecasts after which a window's level is chosen on them alone.
OWN_HISTORY_INTERVALS = 7 * 96

#: Days of history a day-ahead model needs before the season its level is chosen on [days].
MIN_TRAINING_DAYS = 180

#: How far back the day-ahead skill blend scores the trees and persistence (a week) [days].
BLEND_LOOKBACK = pd.Timedelta(days=7)

#: The numbers a decision may read from a forecast: its mean, or one of these levels.
CANDIDATES: tuple[str, ...] = ("mean", "0.5", "0.75", "0.9", "0.95", "0.98")


@dataclass(frozen=True)
class Economics:
    """What a run schedule earns over some intervals.

    Attributes
    ----------
    threshold
        Hub price at which each tier breaks even at the hashprice published when the decision
        is taken, ``(tiers, n)`` [USD/MWh].
    margin
        Profit of running each tier fully in each interval, ``(tiers, n)`` [USD].
    price
        The realised hub price, ``(n,)`` [USD/MWh].
    """

    threshold: np.ndarray
    margin: np.ndarray
    price: np.ndarray

    def value(self, run: np.ndarray) -> float:
        """Value captured by run fractions ``(tiers, n)`` against the oracle, closed form [%]."""
        oracle = float((self.margin * (self.margin > 0)).sum())
        through = float(self.margin.sum())
        gain = oracle - through
        return 100.0 * (float((run * self.margin).sum()) - through) / gain if gain > 0 else 100.0

    def runs_below(self, estimate: np.ndarray) -> np.ndarray:
        """Run a tier where ``estimate`` (NaN: no forecast, run) is below its threshold."""
        return np.asarray(~(estimate[None, :] >= self.threshold), dtype=float)


def read_level(forecast: object, name: str) -> np.ndarray:
    """The number a decision reads from a forecast's quantiles (``PriceQuantiles``)."""
    return forecast.expected() if name == "mean" else forecast.level(float(name))  # type: ignore[attr-defined]


def calibrated_mean(forecast: object, levels: np.ndarray) -> np.ndarray:
    """The mean of ``forecast`` (``PriceQuantiles``) with its quantiles read at the calibrated
    ``levels``, each target's upper tail capped at the offer cap in force then [USD/MWh]."""
    relabelled = forecast.relabelled(levels)  # type: ignore[attr-defined]
    caps = np.array([offer_cap_usd_per_mwh(t) for t in forecast.times])  # type: ignore[attr-defined]
    out = np.empty(len(caps))
    for cap in np.unique(caps):
        out[caps == cap] = relabelled.expected(float(cap))[caps == cap]
    return out


@dataclass
class DayAheadRun:
    """The day-ahead forecaster over a window: its forecasts, their skill blend with
    persistence, the number each plan reads and how it was chosen.

    The sources are ``"trees"`` (the quantile trees alone) and ``"blend"``
    (:func:`planner.world.forecasters.blend.skill_blend` of the trees with persistence); each
    reads its own number (:data:`CANDIDATES`), chosen on the year before the window, and its
    mean at the levels its quantiles reached there (``calibration``).
    """

    forecasts: object
    blended: object
    levels: dict[str, str]
    calibration: dict[str, np.ndarray]
    selection: dict[tuple[str, str], float]
    selection_days: tuple[pd.Timestamp, pd.Timestamp]
    refits: int
    seconds: float

    def path(self, source: str = "trees") -> np.ndarray:
        """The number the plan on ``source`` reads at each hour of the window [USD/MWh]."""
        return self.read(source, self.levels[source])

    def read(self, source: str, name: str) -> np.ndarray:
        """Number ``name`` (:data:`CANDIDATES`) of ``source``'s forecast of each hour [USD/MWh]."""
        forecast = self.blended if source == "blend" else self.forecasts
        return read_day_ahead(forecast, name, self.calibration[source])


def read_day_ahead(forecast: object, name: str, calibration: np.ndarray) -> np.ndarray:
    """The number a day-ahead plan reads: the calibrated mean (:func:`calibrated_mean`) for
    ``"mean"``, else the quantile level."""
    return calibrated_mean(forecast, calibration) if name == "mean" else read_level(forecast, name)


def blend_with_persistence(forecasts: object, prices: pd.Series) -> object:
    """The skill blend of hourly day-ahead ``forecasts`` with persistence read at each issue
    (:func:`planner.world.forecasters.persistence.latest_same_time`), scored on the hourly
    ``prices`` settled by then over :data:`BLEND_LOOKBACK`."""
    from planner.world.forecasters.blend import skill_blend
    from planner.world.forecasters.persistence import latest_same_time

    hour = pd.Timedelta(hours=1)
    issued = forecasts.issued  # type: ignore[attr-defined]
    times = forecasts.times  # type: ignore[attr-defined]
    persistence = np.full(len(times), np.nan)
    clean = prices.dropna()
    for at in issued.unique():
        mask = np.asarray(issued == at)
        persistence[mask] = latest_same_time(clean[clean.index + hour <= at], times[mask], at, hour)
    return skill_blend(
        forecasts,  # type: ignore[arg-type]
        persistence,
        prices,
        interval=hour,
        lookback=BLEND_LOOKBACK,
    ).forecast


def day_ahead_backtest(
    history: object,
    node: str,
    days: pd.DatetimeIndex,
    economics: Callable[[pd.DatetimeIndex], Economics],
    settings: object = None,
) -> DayAheadRun:
    """Walk-forward day-ahead forecasts of the local ``days`` (module docstring)."""
    from planner.world.forecasters.prices import DayAheadForecaster, day_ahead_issue
    from planner.world.forecasters.quantiles import PriceQuantiles, calibrated_levels

    started = time.perf_counter()
    prices = history.prices[node]  # type: ignore[attr-defined]
    first = pd.Timestamp(prices.first_valid_index().tz_convert(ZONE).date())
    chosen_days = selection_days(days, first)
    model = DayAheadForecaster.fit(
        history,
        node,
        day_ahead_issue(chosen_days[0], ZONE),
        zone=ZONE,
        settings=settings,  # type: ignore[arg-type]
    )
    past = model.forecast_history(history, chosen_days)  # type: ignore[arg-type]
    sources = {"trees": past, "blend": blend_with_persistence(past, prices)}
    judge = economics(past.times)
    calibration = {
        source: calibrated_levels(f, prices.reindex(f.times).to_numpy(dtype=float))  # type: ignore[attr-defined]
        for source, f in sources.items()
    }
    scores = {
        (source, c): judge.value(judge.runs_below(read_day_ahead(f, c, calibration[source])))
        for source, f in sources.items()
        for c in CANDIDATES
    }
    levels = {
        source: max(CANDIDATES, key=lambda c, source=source: scores[(source, c)])
        for source in sources
    }
    # The window's forecasts, refitted at its first day and each month's, and the lookback
    # before it (the blend's record at its start).
    span = pd.date_range(days[0] - BLEND_LOOKBACK, days[-1])
    starts = [d for d in span if d in (span[0], days[0]) or d.day == 1]
    parts = []
    for k, start in enumerate(starts):
        stop = starts[k + 1] if k + 1 < len(starts) else span[-1] + pd.Timedelta(days=1)
        chunk = span[(span >= start) & (span < stop)]
        model = DayAheadForecaster.fit(
            history,
            node,
            day_ahead_issue(start, ZONE),
            zone=ZONE,
            settings=settings,  # type: ignore[arg-type]
        )
        parts.append(model.forecast_history(history, chunk))  # type: ignore[arg-type]
    whole = PriceQuantiles(
        _joined([p.issued for p in parts]),
        _joined([p.times for p in parts]),
        parts[0].levels,
        np.vstack([p.usd_per_mwh for p in parts]),
    )
    blended = blend_with_persistence(whole, prices)
    inside = np.asarray(whole.times >= days[0].tz_localize(ZONE).tz_convert("UTC"))
    return DayAheadRun(
        _rows(whole, inside),
        _rows(blended, inside),
        levels,
        calibration,
        scores,
        (chosen_days[0], chosen_days[-1]),
        len(starts) + 1,
        time.perf_counter() - started,
    )


def _joined(parts: Sequence[pd.DatetimeIndex]) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(np.concatenate([p.as_unit("ns").asi8 for p in parts])).tz_localize(
        "UTC"
    )


def _rows(forecast: object, keep: np.ndarray) -> object:
    """The targets ``keep`` of a ``PriceQuantiles``."""
    from planner.world.forecasters.quantiles import PriceQuantiles

    f = forecast
    return PriceQuantiles(f.issued[keep], f.times[keep], f.levels, f.usd_per_mwh[keep])  # type: ignore[attr-defined]


def selection_days(days: pd.DatetimeIndex, first: pd.Timestamp) -> pd.DatetimeIndex:
    """The days a day-ahead decision level is chosen on: the same season a year before (the
    window's days shifted back a year, widened by a month on each side), when at least
    :data:`MIN_TRAINING_DAYS` of history come before it; else the last third of the history."""
    year = pd.DateOffset(years=1)
    month = pd.Timedelta(days=30)
    start, end = days[0] - year - month, days[-1] - year + month
    if (start - first).days >= MIN_TRAINING_DAYS:
        return pd.date_range(start, end)
    span = (days[0] - first).days
    return pd.date_range(days[0] - pd.Timedelta(days=span // 3), days[0] - pd.Timedelta(days=1))


#: How a decision reads the forecast: ``"shed"`` (it may only add sheds to the strike's: the
#: spike guard) or ``"both"`` (it decides both ways: the forecast guard, which also restores a
#: tier the strike would shed when the next interval is forecast to fall back).
SIDES: tuple[str, ...] = ("shed", "both")

#: A decision rule chosen at a refit: the side and the number read (:data:`CANDIDATES`).
Choice = tuple[str, str]


@dataclass
class IntradayRun:
    """The next-interval forecaster over one window: the number each interval's decision read
    (NaN where there was no forecast), whether it decided both ways there (``restore``) and the
    rule chosen at each refit (``None``: the guard alone)."""

    estimate: np.ndarray
    restore: np.ndarray
    levels: list[tuple[pd.Timestamp, Choice | None]] = field(default_factory=list)
    refits: int = 0
    seconds: float = 0.0


def next_interval_backtest(
    history: object,
    node: str,
    windows: Sequence[tuple[str, pd.DatetimeIndex]],
    economics: Callable[[pd.DatetimeIndex], Economics],
    refit_days: dict[str, int],
    settings: object = None,
) -> dict[str, IntradayRun]:
    """Walk-forward next-interval forecasts over the 15-minute ``windows``, in time order."""
    from planner.errors import ConfigError
    from planner.world.forecasters.prices import NextIntervalForecaster

    seen: list[tuple[str, object, Economics, np.ndarray]] = []  # (window, forecast, econ, strike)
    out: dict[str, IntradayRun] = {}
    for name, times in windows:
        started = time.perf_counter()
        run = IntradayRun(np.full(len(times), np.nan), np.zeros(len(times), dtype=bool))
        local = times.tz_convert(ZONE)
        first = local[0].normalize()
        step = pd.Timedelta(days=refit_days.get(name, 7))
        starts = pd.date_range(first, local[-1], freq=step)
        for k, start in enumerate(starts):
            stop = starts[k + 1] if k + 1 < len(starts) else local[-1] + pd.Timedelta(minutes=15)
            inside = np.flatnonzero((local >= max(start, local[0])) & (local < stop))
            level = choose_level(seen, current=name)
            run.levels.append((start, level))
            try:
                model = NextIntervalForecaster.fit(
                    history,
                    node,
                    start.tz_convert("UTC"),
                    zone=ZONE,
                    settings=settings,  # type: ignore[arg-type]
                )
            except ConfigError:
                continue  # too little 15-minute history yet: the guard acts alone
            run.refits += 1
            chunk = times[inside]
            forecast = model.forecast_history(history, chunk)  # type: ignore[arg-type]
            if level is not None:
                run.estimate[inside] = read_level(forecast, level[1])
                run.restore[inside] = level[0] == "both"
            judge = economics(chunk)
            seen.append((name, forecast, judge, strike_runs(judge)))
        run.seconds = time.perf_counter() - started
        out[name] = run
    return out


def strike_runs(judge: Economics) -> np.ndarray:
    """Run fractions of the strike rule on the last settled interval (one interval of lag, no
    debounce or hold: the closed form of the library guard used for choosing levels)."""
    settled = np.r_[np.nan, judge.price[:-1]]
    return judge.runs_below(settled)


def guarded_runs(
    judge: Economics, strike: np.ndarray, estimate: np.ndarray, restore: np.ndarray | bool
) -> np.ndarray:
    """The controller's run fractions in closed form: the ``strike``'s and the forecast's
    (:meth:`Economics.runs_below` ``estimate``) minimum where the rule sheds only, the
    forecast's where it decides both ways (``restore``, per interval or for all) [-]."""
    forecast = judge.runs_below(estimate)
    return np.where(np.asarray(restore)[None, ...], forecast, np.minimum(strike, forecast))


def choose_level(
    seen: list[tuple[str, object, Economics, np.ndarray]], current: str | None = None
) -> Choice | None:
    """The rule (:data:`SIDES` x :data:`CANDIDATES`) with the best value captured on the current
    window's own forecasts already issued, once they cover a week
    (:data:`OWN_HISTORY_INTERVALS`). ``None`` (the guard alone) before that, and wherever no rule
    did better than the guard alone (ties go to the guard alone, then to shedding only).
    """
    own = [(f, e, s) for name, f, e, s in seen if name == current]
    if sum(len(e.price) for _, e, _ in own) < OWN_HISTORY_INTERVALS:
        return None
    joined = Economics(np.empty((0, 0)), np.hstack([e.margin for _, e, _ in own]), np.empty(0))
    score: dict[Choice | None, float] = {}
    for choice in (None, *((side, c) for side in SIDES for c in CANDIDATES)):
        runs = [
            s
            if choice is None
            else guarded_runs(e, s, read_level(f, choice[1]), choice[0] == "both")
            for f, e, s in own
        ]
        score[choice] = joined.value(np.hstack(runs))
    return max(score, key=lambda c: score[c])
