"""A quantile forecast blended with persistence by their skill before each issue time.

The gradient-boosted forecasters (:mod:`planner.world.forecasters.prices`) learn how prices
usually move; in a regime they never saw (Uri's week of scarcity pricing, days on end near the
cap) they forecast a return to what they know, where persistence (the latest published price at
the same time of day) is right. Neither is best everywhere, and which one is can be read off the
record: both forecasts of every target already settled are scored, and the blend at an issue
time weighs them by how they did over the ``lookback`` before it.

- **Score**: the mean pinball loss over the forecast's levels, on the working scale
  ``asinh(p / 10)`` (:func:`~planner.world.forecasters.quantiles.to_scale`), of each target whose
  price had settled by the issue time and whose forecast was issued within ``lookback`` before
  it. Persistence is a point forecast: every level at the persistence price.
- **Blend**: quantile averaging, ``q(tau) = w q_model(tau) + (1 - w) persistence`` with the
  inverse-loss weight ``w = L_persistence / (L_model + L_persistence)``; the model alone
  (``w = 1``) where nothing had settled yet in the lookback, or where persistence has no price.

Only prices settled by each issue time are read for that issue (a no-leak property test checks
it), so the blend is as causal as its two inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.errors import ConfigError
from planner.world.forecasters.quantiles import PriceQuantiles, to_scale

__all__ = ["SkillBlend", "pinball_loss", "skill_blend"]


def pinball_loss(
    levels: tuple[float, ...], quantiles: np.ndarray, actual: np.ndarray
) -> np.ndarray:
    """Mean pinball loss over ``levels`` of each target's quantiles ``(n, levels)`` [-].

    ``mean_tau max(tau (y - q_tau), (tau - 1) (y - q_tau))``, on whatever scale the inputs are
    in; NaN where the actual value is missing.
    """
    tau = np.asarray(levels, dtype=float)[None, :]
    gap = np.asarray(actual, dtype=float)[:, None] - np.asarray(quantiles, dtype=float)
    return np.asarray(np.maximum(tau * gap, (tau - 1.0) * gap).mean(axis=1))


@dataclass(frozen=True)
class SkillBlend:
    """A blended forecast and the model's weight in each target's blend.

    Attributes
    ----------
    forecast
        The blended quantiles, issued when the model's were.
    weight
        The model's weight ``w`` of each target, in [0, 1] [-].
    """

    forecast: PriceQuantiles
    weight: np.ndarray


def skill_blend(
    forecast: PriceQuantiles,
    persistence: np.ndarray,
    prices: pd.Series,
    *,
    interval: pd.Timedelta,
    lookback: pd.Timedelta,
) -> SkillBlend:
    """Blend ``forecast`` with ``persistence`` by their skill before each issue (module docstring).

    Parameters
    ----------
    forecast
        The model's quantiles of many targets, each with its issue time; the targets before an
        issue are its record.
    persistence
        The persistence price of each target, read at its issue time [USD/MWh]; NaN where none.
    prices
        Settled prices indexed by interval start [USD/MWh]; a target's price is read for an
        issue only once the target had settled (its start + ``interval``) by then.
    interval
        Length of the targets' settlement interval.
    lookback
        How far back from an issue the record is scored (by the forecasts' issue times), > 0.

    Returns
    -------
    SkillBlend
    """
    if lookback <= pd.Timedelta(0):
        raise ConfigError("skill blend", f"lookback: must be > 0, got {lookback}")
    persistence = np.asarray(persistence, dtype=float)
    if persistence.shape != (len(forecast.times),):
        raise ConfigError(
            "skill blend",
            f"persistence: one price per target ({len(forecast.times)}), got {persistence.shape}",
        )
    clean = prices[~prices.index.duplicated()].sort_index()
    actual = to_scale(clean.reindex(forecast.times).to_numpy(dtype=float))
    model_loss = pinball_loss(forecast.levels, to_scale(forecast.usd_per_mwh), actual)
    point = np.repeat(to_scale(persistence)[:, None], len(forecast.levels), axis=1)
    persistence_loss = pinball_loss(forecast.levels, point, actual)
    scored = np.isfinite(model_loss) & np.isfinite(persistence_loss)
    settled = (forecast.times + interval).as_unit("ns").asi8
    issued = forecast.issued.as_unit("ns").asi8
    weight = np.ones(len(forecast.times))
    for at in np.unique(issued):
        record = scored & (settled <= at) & (issued >= at - lookback.value)
        if not record.any():
            continue
        lm, lp = float(model_loss[record].mean()), float(persistence_loss[record].mean())
        weight[issued == at] = lp / (lm + lp) if lm + lp > 0 else 1.0
    weight[~np.isfinite(persistence)] = 1.0
    blended = np.where(
        np.isfinite(persistence)[:, None],
        weight[:, None] * forecast.usd_per_mwh
        + (1.0 - weight[:, None]) * np.nan_to_num(persistence)[:, None],
        forecast.usd_per_mwh,
    )
    return SkillBlend(
        PriceQuantiles(forecast.issued, forecast.times, forecast.levels, blended), weight
    )
