"""Quantile forecasts of a price: the gradient-boosted models, their output, and feeds from it.

- :class:`QuantileModel`: one scikit-learn ``HistGradientBoostingRegressor`` with quantile loss
  per level of :data:`LEVELS`, on the working scale ``asinh(p / 10)`` (log-like for high prices,
  linear through zero: prices can be negative);
- :class:`PriceQuantiles`: what a forecaster issues, with the expected value (a capped Pareto
  tail above the highest level: :func:`capped_pareto_tail`) and any level;
- :func:`calibrated_levels`: the level each quantile actually reached on settled prices (the
  levels the expected value is read at once the forecasts are calibrated);
- :func:`forecast_feeds`: a forecast as the feeds the scenario generator draws from (the
  quantiles, or one planning path).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from planner.errors import ConfigError
from planner.world.feeds import Feeds

if TYPE_CHECKING:
    from sklearn.ensemble import HistGradientBoostingRegressor

__all__ = [
    "LEVELS",
    "ModelSettings",
    "PriceQuantiles",
    "QuantileModel",
    "calibrated_levels",
    "capped_pareto_tail",
    "forecast_feeds",
    "from_scale",
    "to_scale",
]

#: Quantile levels every forecaster issues [-].
LEVELS: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.9, 0.95, 0.98)

#: Scale of the working transform ``asinh(p / SCALE)`` [USD/MWh].
SCALE_USD_PER_MWH = 10.0


def to_scale(price: np.ndarray | pd.Series) -> np.ndarray:
    """Prices to the working scale ``asinh(p / 10)`` [-]."""
    return np.arcsinh(np.asarray(price, dtype=float) / SCALE_USD_PER_MWH)


def from_scale(y: np.ndarray) -> np.ndarray:
    """The working scale back to prices [USD/MWh]."""
    return SCALE_USD_PER_MWH * np.sinh(np.asarray(y, dtype=float))


# ------------------------------------------------------------------------------ quantiles


@dataclass(frozen=True, eq=False)
class PriceQuantiles:
    """Quantile forecasts of a price at target intervals.

    Attributes
    ----------
    issued
        Issue time of each target's forecast, UTC.
    times
        Target interval starts, UTC.
    levels
        Quantile levels, increasing [-].
    usd_per_mwh
        ``(targets, levels)``, non-decreasing along the levels [USD/MWh].
    """

    issued: pd.DatetimeIndex
    times: pd.DatetimeIndex
    levels: tuple[float, ...]
    usd_per_mwh: np.ndarray

    def level(self, q: float) -> np.ndarray:
        """The ``q``-quantile of each target, interpolated between levels [USD/MWh]."""
        if not self.levels[0] <= q <= self.levels[-1]:
            raise ConfigError(
                "price quantiles", f"level {q:g} outside [{self.levels[0]}, {self.levels[-1]}]"
            )
        levels = np.asarray(self.levels)
        j = int(np.clip(np.searchsorted(levels, q, side="right") - 1, 0, len(levels) - 2))
        if len(levels) == 1:
            return self.usd_per_mwh[:, 0].copy()
        share = (q - levels[j]) / (levels[j + 1] - levels[j])
        return np.asarray(
            self.usd_per_mwh[:, j] + share * (self.usd_per_mwh[:, j + 1] - self.usd_per_mwh[:, j])
        )

    def relabelled(self, levels: tuple[float, ...] | np.ndarray) -> PriceQuantiles:
        """The same quantiles at other levels (those they reached: :func:`calibrated_levels`)."""
        levels = tuple(float(x) for x in levels)
        if len(levels) != len(self.levels):
            raise ConfigError(
                "price quantiles", f"levels: {len(self.levels)} needed, got {len(levels)}"
            )
        ModelSettings(levels=levels)  # in (0, 1) and increasing, or one clear error
        return replace(self, levels=levels)

    def expected(self, cap_usd_per_mwh: float | None = None) -> np.ndarray:
        """Mean of each target's distribution [USD/MWh].

        The quantile function is linear between levels and flat below the lowest one. Above the
        highest level ``K`` it is flat too when ``cap_usd_per_mwh`` is ``None`` (a lower bound of
        the mean where the upper tail is long); with a cap (the market's offer cap, the highest
        price there can be) it is the Pareto tail through the two highest levels, capped::

            Q(tau) = min(cap, q_K ((1 - tau_K) / (1 - tau)) ** b),
            b = ln(q_K / q_K-1) / ln((1 - tau_K-1) / (1 - tau_K)),

        flat (``b = 0``) where ``q_K-1 <= 0`` or the two are equal (:func:`capped_pareto_tail`).
        A plan's profit is linear in the price, so the mean is the number it should read, and
        the tail beyond the highest level is where a day at the cap lives.
        """
        levels = np.asarray(self.levels)
        values = self.usd_per_mwh
        width = np.diff(levels)
        inner = ((values[:, 1:] + values[:, :-1]) / 2.0) @ width
        if cap_usd_per_mwh is None or len(levels) < 2:
            upper = (1.0 - levels[-1]) * values[:, -1]
        else:
            upper = capped_pareto_tail(
                values[:, -2], values[:, -1], (levels[-2], levels[-1]), cap_usd_per_mwh
            )
        return np.asarray(inner + levels[0] * values[:, 0] + upper)


def capped_pareto_tail(
    below: np.ndarray, top: np.ndarray, levels: tuple[float, float], cap: float
) -> np.ndarray:
    """The integral over ``tau`` in ``(tau_K, 1)`` of the capped Pareto tail through two
    quantiles (:meth:`PriceQuantiles.expected`) [USD/MWh].

    Parameters
    ----------
    below, top
        The quantiles at the two highest levels ``tau_K-1 < tau_K`` [USD/MWh].
    levels
        ``(tau_K-1, tau_K)`` [-].
    cap
        The highest price [USD/MWh].

    Returns
    -------
    numpy.ndarray
        With ``s = 1 - tau``, ``s_K = 1 - tau_K`` and ``s_c = s_K (q_K / cap) ** (1 / b)`` (where
        the tail reaches the cap): ``cap s_c + (q_K s_K - cap s_c) / (1 - b)``
        (``cap s_c + q_K s_K ln(cap / q_K)`` at ``b = 1``; ``q_K s_K / (1 - b)`` with no cap,
        infinite for ``b >= 1``); ``s_K q_K`` where the tail is flat or ``q_K`` is at the cap
        already (real-time prices with their adders settle a little above the offer cap at
        times, and the tail never lies below ``q_K``).

    Examples
    --------
    Quantiles 10 and 20 at 0.96 and 0.99 are those of a Pareto distribution of index 2
    (``Q = 2 / sqrt(1 - tau)``, ``b = 1/2``); its mean above 0.99 is
    ``2 x 2 sqrt(0.01) = 0.4``, and 0.3 with a cap of 40 (reached at ``s_c = 0.0025``):

    >>> capped_pareto_tail(np.array([10.0]), np.array([20.0]), (0.96, 0.99), np.inf).round(9)
    array([0.4])
    >>> capped_pareto_tail(np.array([10.0]), np.array([20.0]), (0.96, 0.99), 40.0).round(9)
    array([0.3])
    """
    s_below, s_top = 1.0 - levels[0], 1.0 - levels[1]
    below = np.asarray(below, dtype=float)
    top = np.asarray(top, dtype=float)
    rising = (below > 0) & (top > below) & (top < cap)
    q = np.where(rising, top, 1.0)  # placeholders where flat, so that every branch is finite
    b = np.log(q / np.where(rising, below, 0.5)) / np.log(s_below / s_top)
    one = np.abs(b - 1.0) < 1e-6
    if np.isfinite(cap):
        # q_K (s_K / s_c) ** b = cap turns the power integral into (q_K s_K - cap s_c) / (1 - b)
        s_cap = s_top * (q / cap) ** (1.0 / b)
        bent = np.where(one, q * s_top * np.log(cap / q), (q * s_top - cap * s_cap) / (1.0 - b))
        tail = cap * s_cap + bent
    else:
        tail = np.where(b < 1.0, q * s_top / np.where(one, 1.0, 1.0 - b), np.inf)
    return np.asarray(np.where(rising, tail, s_top * top))


def calibrated_levels(forecast: PriceQuantiles, actual: np.ndarray) -> np.ndarray:
    """The level each of ``forecast``'s quantiles actually reached on the ``actual`` prices: the
    share of targets at or below it [-].

    Quantile trees trained on calm years spread their levels too narrowly for a year with more
    scarcity (the "0.98" quantile is exceeded 4 % of the time, not 2 %); read at the levels they
    reached on forecasts already settled, the mean (:meth:`PriceQuantiles.expected`) gives the
    upper tail its weight. Targets with no actual price are left out; the shares are kept within
    ``[1 / (n + 1), n / (n + 1)]`` of ``n`` targets and made strictly increasing (steps of
    ``1e-6`` where two levels reached the same share).

    Examples
    --------
    Quantiles 10, 20, 30 at 0.25, 0.5, 0.75; of four prices 5, 15, 35, 40, one lies at or below
    10, two at or below 20 and 30:

    >>> t = pd.DatetimeIndex([pd.Timestamp("2023-07-01", tz="UTC")] * 4)
    >>> q = PriceQuantiles(t, t, (0.25, 0.5, 0.75), np.tile([10.0, 20.0, 30.0], (4, 1)))
    >>> calibrated_levels(q, np.array([5.0, 15.0, 35.0, 40.0])).round(6).tolist()
    [0.25, 0.5, 0.500001]
    """
    actual = np.asarray(actual, dtype=float)
    known = np.isfinite(actual)
    n = int(known.sum())
    if n == 0:
        raise ConfigError("price quantiles", "no settled price to calibrate the levels on")
    reached = (actual[known, None] <= forecast.usd_per_mwh[known]).mean(axis=0)
    reached = np.clip(reached, 1.0 / (n + 1), n / (n + 1.0))
    steps = 1e-6 * np.arange(len(reached))
    return np.asarray(np.maximum.accumulate(reached - steps) + steps)


@dataclass(frozen=True)
class ModelSettings:
    """Settings of the gradient-boosted quantile models.

    Attributes
    ----------
    levels
        Quantile levels, increasing, in (0, 1) [-].
    max_iter
        Boosting iterations per model [-].
    learning_rate
        Shrinkage [-].
    max_leaf_nodes
        Leaves per tree [-].
    min_samples_leaf
        Smallest leaf [-].
    seed
        Seed of the models' random state.
    """

    levels: tuple[float, ...] = LEVELS
    max_iter: int = 80
    learning_rate: float = 0.1
    max_leaf_nodes: int = 15
    min_samples_leaf: int = 40
    seed: int = 0

    def __post_init__(self) -> None:
        levels = np.asarray(self.levels, dtype=float)
        if not (len(levels) and (levels > 0).all() and (levels < 1).all()):
            raise ConfigError("forecaster", f"levels: must be in (0, 1), got {self.levels}")
        if (np.diff(levels) <= 0).any():
            raise ConfigError("forecaster", f"levels: must increase, got {self.levels}")


@dataclass(frozen=True, eq=False)
class QuantileModel:
    """One fitted gradient-boosted regressor per quantile level, on the working scale.

    With an ``anchor`` (a feature column on the working scale, such as the last settled price)
    the trees learn the departure from it: trees cannot forecast a level they never saw in
    training, but they can forecast a change from one. Nor can they tell what departure follows
    an anchor beyond every anchor they were trained on: a tree reads it as the highest (lowest)
    one it saw, and after a history whose highest prices fell back the next day it forecasts a
    price at the cap to fall back too. Where the anchor lies outside ``anchor_range`` (the
    anchors of the training rows) the forecast is therefore the anchor itself, at every level:
    persistence. A missing anchor counts as 0 (and is never beyond the range).
    """

    levels: tuple[float, ...]
    columns: tuple[str, ...]
    models: tuple[HistGradientBoostingRegressor, ...] = field(repr=False)
    anchor: str | None = None
    anchor_range: tuple[float, float] = (-np.inf, np.inf)

    @classmethod
    def fit(
        cls,
        features: pd.DataFrame,
        target: np.ndarray,
        settings: ModelSettings,
        anchor: str | None = None,
    ) -> QuantileModel:
        """Fit every level on ``features`` (NaN allowed) and the working-scale ``target``.

        A feature with no value in the training rows (a feed that starts later) is left out.
        """
        from sklearn.ensemble import HistGradientBoostingRegressor  # 2 s: only when fitting

        keep = np.isfinite(target)
        if keep.sum() < 10 * settings.min_samples_leaf:
            raise ConfigError(
                "forecaster", f"too little history to train on: {int(keep.sum())} examples"
            )
        rows = features[keep]
        rows = rows.loc[:, rows.notna().any(axis=0)]
        base = _anchor(rows, anchor)
        y = np.asarray(target)[keep] - base
        x = rows.to_numpy(dtype=float)
        models = tuple(
            HistGradientBoostingRegressor(
                loss="quantile",
                quantile=q,
                max_iter=settings.max_iter,
                learning_rate=settings.learning_rate,
                max_leaf_nodes=settings.max_leaf_nodes,
                min_samples_leaf=settings.min_samples_leaf,
                early_stopping=False,
                random_state=settings.seed,
            ).fit(x, y)
            for q in settings.levels
        )
        seen = (float(base.min()), float(base.max())) if anchor in rows else (-np.inf, np.inf)
        return cls(settings.levels, tuple(rows.columns), models, anchor, seen)

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        """Quantiles ``(rows, levels)`` [USD/MWh], sorted along the levels (no crossing)."""
        rows = features[list(self.columns)]
        if len(rows) == 0:
            return np.empty((0, len(self.levels)))
        x = rows.to_numpy(dtype=float)
        y = np.sort(np.column_stack([m.predict(x) for m in self.models]), axis=1)
        base = _anchor(rows, self.anchor)
        low, high = self.anchor_range
        known = rows[self.anchor].notna().to_numpy() if self.anchor in rows else False
        y[known & ((base < low) | (base > high))] = 0.0  # beyond the training anchors: persistence
        return from_scale(y + base[:, None])


def _anchor(rows: pd.DataFrame, anchor: str | None) -> np.ndarray:
    """The anchor column of ``rows`` (0 where missing, or without an anchor)."""
    if anchor is None or anchor not in rows:
        return np.zeros(len(rows))
    return np.nan_to_num(rows[anchor].to_numpy(dtype=float), nan=0.0)


def forecast_feeds(
    template: Feeds,
    forecasts: Mapping[str, PriceQuantiles],
    *,
    planning_level: float | None = None,
) -> Feeds:
    """The template with the forecast nodes' prices replaced by their forecasts.

    Parameters
    ----------
    template
        The feeds whose hours (the forecasts' targets) and other frames are kept.
    forecasts
        Per node, the quantile forecast of every hour of the template.
    planning_level
        ``None``: each node's price is its median, and the quantiles go with the feeds for the
        scenario generator to draw from; a level: that quantile is the node's one price path
        (a plan made on it sheds wherever the level's price is above breakeven), no quantiles.

    Returns
    -------
    Feeds
    """
    prices = template.prices.copy()
    frames = []
    for node, forecast in forecasts.items():
        if not template.times.isin(forecast.times).all():
            raise ConfigError(
                "forecast feeds", f"the {node} forecast does not cover the feeds' hours"
            )
        at = pd.Series(np.arange(len(forecast.times)), index=forecast.times)[template.times]
        values = forecast.usd_per_mwh[at.to_numpy()]
        level = 0.5 if planning_level is None else planning_level
        path = PriceQuantiles(
            forecast.issued[at.to_numpy()], template.times, forecast.levels, values
        )
        index = pd.MultiIndex.from_arrays(
            [[node] * len(template.times), template.times], names=["node", "time"]
        )
        prices.loc[index, "price_usd_per_mwh"] = path.level(level)
        frames.append(pd.DataFrame(values, index=index, columns=list(forecast.levels)))
    quantiles = pd.concat(frames) if frames and planning_level is None else None
    return replace(template, prices=prices, price_quantiles=quantiles)
