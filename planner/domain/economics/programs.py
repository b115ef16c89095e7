"""Grid programs: ERCOT 4CP transmission charges and peaks, demand-response credits, penalties."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from planner.domain.economics.checks import (
    FINITE,
    NONNEG,
    SOURCE,
    FloatArray,
    as_float64,
    broadcast,
    checked_arrays,
    checked_real,
)
from planner.domain.economics.units import KW_PER_MW
from planner.errors import ConfigError

# --------------------------------------------------------------------------- ERCOT 4CP

#: The months whose system peaks ERCOT's 4CP bills: June, July, August, September.
FOUR_CP_MONTHS: tuple[int, ...] = (6, 7, 8, 9)


def four_cp_charge_usd(
    load_mw_at_peaks: npt.ArrayLike, rate_usd_per_kw_year: npt.ArrayLike
) -> FloatArray:
    """ERCOT-style 4CP transmission charge for a year.

    ``rate * 1000 * mean(load at the four June-September peaks)``: the mean is the billing
    determinant [kW], so each peak the site misses (0 MW) saves ``rate / 4`` per kW.

    Parameters
    ----------
    load_mw_at_peaks : array_like, shape (..., 4)
        The site's load in the four monthly peak intervals [MW], >= 0; the last axis holds
        June, July, August, September.
    rate_usd_per_kw_year : array_like
        Transmission rate [USD/(kW·year)], >= 0; broadcasts against ``load_mw_at_peaks[..., 0]``.

    Returns
    -------
    numpy.ndarray, shape (...)
        Annual charge [USD/year].
    """
    load = checked_real("load_mw_at_peaks", load_mw_at_peaks, NONNEG)
    if load.ndim == 0 or load.shape[-1] != 4:
        raise ConfigError(
            SOURCE, f"load_mw_at_peaks: last axis must hold the 4 peaks, got shape {load.shape}"
        )
    determinant_mw, rate = broadcast(
        {
            "load_mw_at_peaks[..., 0]": load.mean(axis=-1),
            "rate_usd_per_kw_year": checked_real(
                "rate_usd_per_kw_year", rate_usd_per_kw_year, NONNEG
            ),
        }
    )
    return as_float64(rate * KW_PER_MW * determinant_mw)


def four_cp_peak_hours(load_mw: pd.Series, tz: str = "America/Chicago") -> pd.DatetimeIndex:
    """The interval of highest load in each June, July, August and September in a series.

    Months are taken in ``tz`` (ERCOT months are Central Prevailing Time). A month counts if
    any of its intervals is present, so a month only partly covered gives the peak of the part
    present. With hourly load this approximates ERCOT's 4CP, which uses 15-minute intervals.

    Parameters
    ----------
    load_mw : pandas.Series
        System load [MW], indexed by tz-aware interval *start* times (the canonical
        convention; shift hour-ending data back one interval first). Must not hold NaN.
    tz : str, default "America/Chicago"
        IANA zone whose calendar months define the peaks.

    Returns
    -------
    pandas.DatetimeIndex
        Index labels of the peak intervals (in ``load_mw``'s zone), one per (year, month)
        present, in time order; empty when no June-September interval is present. Ties go to
        the earliest interval.
    """
    index = load_mw.index
    if not isinstance(index, pd.DatetimeIndex) or index.tz is None:
        raise ConfigError(SOURCE, "load_mw: index must be a tz-aware DatetimeIndex")
    checked_real("load_mw", load_mw.to_numpy(), FINITE)
    try:
        local = index.tz_convert(tz)
    except (KeyError, ValueError) as exc:
        raise ConfigError(SOURCE, f"tz: must be an IANA time zone, got {tz!r} ({exc})") from None
    summer = np.asarray(local.month.isin(FOUR_CP_MONTHS))
    summer_load = pd.Series(load_mw.to_numpy()[summer], index=np.flatnonzero(summer))
    keys = [np.asarray(local.year)[summer], np.asarray(local.month)[summer]]
    peak_positions = summer_load.groupby(keys).idxmax().to_numpy()
    return pd.DatetimeIndex(index[np.sort(peak_positions)])


# --------------------------------------------------------------------------- demand response


def dr_credit_usd(
    committed_mw: npt.ArrayLike, hours: npt.ArrayLike, payment_usd_per_mw_h: npt.ArrayLike
) -> FloatArray:
    """Capacity payment for being enrolled in a demand-response program.

    ``committed * hours * payment``, earned for standing ready whether or not a call comes.

    Parameters
    ----------
    committed_mw : array_like
        Load reduction the site is enrolled to deliver when called [MW], >= 0.
    hours : array_like
        Hours enrolled [h], >= 0.
    payment_usd_per_mw_h : array_like
        Capacity payment per MW committed per hour enrolled [USD/(MW·h)], >= 0.

    Returns
    -------
    numpy.ndarray
        Credit [USD].
    """
    committed, duration, payment = checked_arrays(
        committed_mw=(committed_mw, NONNEG),
        hours=(hours, NONNEG),
        payment_usd_per_mw_h=(payment_usd_per_mw_h, NONNEG),
    )
    return as_float64(committed * duration * payment)


def dr_penalty_usd(
    required_reduction_mw: npt.ArrayLike,
    delivered_reduction_mw: npt.ArrayLike,
    hours: npt.ArrayLike,
    penalty_usd_per_mwh: npt.ArrayLike,
) -> FloatArray:
    """Penalty for under-delivering a demand-response call; over-delivery earns nothing here.

    ``max(required - delivered, 0) * hours * penalty``, never negative.

    Parameters
    ----------
    required_reduction_mw : array_like
        Reduction the call asked for [MW], >= 0.
    delivered_reduction_mw : array_like
        Reduction delivered [MW]; negative if load rose during the call.
    hours : array_like
        Duration of the call interval [h], >= 0.
    penalty_usd_per_mwh : array_like
        Penalty per MWh of shortfall [USD/MWh], >= 0.

    Returns
    -------
    numpy.ndarray
        Penalty [USD], >= 0.
    """
    required, delivered, duration, penalty = checked_arrays(
        required_reduction_mw=(required_reduction_mw, NONNEG),
        delivered_reduction_mw=(delivered_reduction_mw, FINITE),
        hours=(hours, NONNEG),
        penalty_usd_per_mwh=(penalty_usd_per_mwh, NONNEG),
    )
    return as_float64(np.maximum(required - delivered, 0.0) * duration * penalty)
