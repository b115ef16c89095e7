"""Mining revenue: per MWh a machine draws, breakeven power price, revenue of running hashrate."""

from __future__ import annotations

import numpy.typing as npt

from planner.domain.economics.checks import (
    NONNEG,
    POSITIVE,
    FloatArray,
    Range,
    as_float64,
    checked_arrays,
    checked_real,
)
from planner.domain.economics.units import HOURS_PER_DAY, MWH_PER_J, SECONDS_PER_DAY


def revenue_usd_per_mwh(
    hashprice_usd_per_th_day: npt.ArrayLike, efficiency_j_per_th: npt.ArrayLike
) -> FloatArray:
    """Mining revenue per MWh a machine draws: its breakeven power price before site overhead.

    ``hashprice / (efficiency * 86400 / 3.6e9)``: one TH/s for a day uses
    ``efficiency * 86400`` J. Example: an S19j Pro (29.5 J/TH) at 0.05 USD/(TH/s·day) earns
    0.05 / 0.000708 = 70.62 USD/MWh.

    Parameters
    ----------
    hashprice_usd_per_th_day : array_like
        Hashprice [USD/(TH/s·day)], >= 0.
    efficiency_j_per_th : array_like
        Machine efficiency [J/TH], > 0.

    Returns
    -------
    numpy.ndarray
        Revenue per MWh of machine energy [USD/MWh].
    """
    hashprice, efficiency = checked_arrays(
        hashprice_usd_per_th_day=(hashprice_usd_per_th_day, NONNEG),
        efficiency_j_per_th=(efficiency_j_per_th, POSITIVE),
    )
    return as_float64(hashprice / (efficiency * SECONDS_PER_DAY * MWH_PER_J))


def breakeven_usd_per_mwh(
    hashprice_usd_per_th_day: npt.ArrayLike,
    efficiency_j_per_th: npt.ArrayLike,
    overhead: npt.ArrayLike = 1.0,
) -> FloatArray:
    """All-in power price at which mining just pays, site overhead included.

    ``revenue_usd_per_mwh / overhead``: the site buys ``overhead`` MWh (cooling, losses) for
    every MWh the machines draw.

    Parameters
    ----------
    hashprice_usd_per_th_day : array_like
        Hashprice [USD/(TH/s·day)], >= 0.
    efficiency_j_per_th : array_like
        Machine efficiency [J/TH], > 0.
    overhead : array_like, default 1
        Site power usage effectiveness, PUE [-], >= 1.

    Returns
    -------
    numpy.ndarray
        Breakeven price of site energy [USD/MWh].
    """
    revenue = revenue_usd_per_mwh(hashprice_usd_per_th_day, efficiency_j_per_th)
    pue = checked_real("overhead", overhead, Range(ge=1.0))
    return as_float64(revenue / pue)


def mining_revenue_usd(
    hashrate_th_s: npt.ArrayLike, hours: npt.ArrayLike, hashprice_usd_per_th_day: npt.ArrayLike
) -> FloatArray:
    """Revenue of a hashrate running for some hours: ``hashrate * hours / 24 * hashprice``.

    Parameters
    ----------
    hashrate_th_s : array_like
        Hashrate actually running [TH/s], >= 0.
    hours : array_like
        Running time [h], >= 0.
    hashprice_usd_per_th_day : array_like
        Hashprice [USD/(TH/s·day)], >= 0.

    Returns
    -------
    numpy.ndarray
        Revenue [USD].
    """
    hashrate, duration, hashprice = checked_arrays(
        hashrate_th_s=(hashrate_th_s, NONNEG),
        hours=(hours, NONNEG),
        hashprice_usd_per_th_day=(hashprice_usd_per_th_day, NONNEG),
    )
    return as_float64(hashrate * duration / HOURS_PER_DAY * hashprice)
