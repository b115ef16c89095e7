"""The climate a site's grid is built for, and how far weather pushes that grid towards scarcity.

A grid is sized for its own climate: its heating and cooling load, its reserves and its gas supply
are planned around the temperatures its region usually sees. This module holds that climate as a
function of latitude (annual mean, seasonal swing, daily range; fitted to NASA POWER Texas sites
and North Dakota), the *design band* inside which the grid runs normally (:func:`design_band_c`),
the *grid stress* that grows once temperature leaves it (:func:`grid_stress`: 0 in ordinary
weather, 1 where the real-time price reaches the offer cap) and the offer cap itself
(:data:`PRICE_CAP_USD_PER_MWH`).

The seeded generator (:mod:`weather.synthetic`) draws its weather around this climate and its
scarcity prices from this stress; policies (the freeze guard's default threshold) and scenario
generators (scarcity for weather worse than the feed's) read the same physics from here. The
constants are calibrated with the generator: ``benchmarks/calibrate_synthetic.py`` and
``docs/model.md`` (Synthetic feeds and their calibration).
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np

Lat = TypeVar("Lat", float, np.ndarray)
"""A latitude [deg]: one, or an array of them (every function of it works elementwise)."""

#: ERCOT's real-time offer cap since 2022 [USD/MWh].
PRICE_CAP_USD_PER_MWH = 5000.0


def climate_mean_c(latitude: Lat) -> Lat:
    """Annual mean air temperature for a North American latitude [degC].

    Linear in latitude, fitted to NASA POWER daily means 2021-2025 of Texas sites (Midland
    32 N: 19.4 degC; San Antonio 29.4 N: 21.9; Amarillo 35.2 N: 16.1) and running through
    Jamestown ND (46.9 N, about 5 degC).
    """
    return 19.3 - 0.95 * (abs(latitude) - 32.0)


def seasonal_amplitude_c(latitude: Lat) -> Lat:
    """Half the difference between the warmest and coldest day of the mean annual cycle [degC].

    First-harmonic amplitude fitted to the same NASA POWER series (Midland and Dallas 12.0 degC,
    Amarillo 12.7) and North Dakota's about 17 degC.
    """
    return 11.8 + 0.35 * (abs(latitude) - 32.0)


#: Half the daily temperature range (mean minus daily minimum) [degC]; NASA POWER Texas
#: sites: 5.3 (Tyler) .. 7.0 (Midland).
DIURNAL_HALF_RANGE_C = 7.0


def anomaly_scale(latitude: Lat) -> Lat:
    """Size of a site's weather anomalies relative to 32 N: its seasonal swing over 32 N's [-].

    Departures from the mean (cold-air outbreaks, heat) grow inland and poleward with the
    seasonal swing, so ``anomaly_scale(32.0) == 1`` and North Dakota (46.9 N) has about 1.44.
    """
    return seasonal_amplitude_c(latitude) / seasonal_amplitude_c(32.0)


#: Cold scarcity starts when the 24-h mean temperature falls COLD_MARGIN below the site's
#: January mean and reaches the cap COLD_WIDTH further down [degC].
COLD_MARGIN_C, COLD_WIDTH_C = 9.0, 5.4
#: Heat scarcity starts when the 6-h maximum passes the site's July mean daily maximum plus
#: HOT_MARGIN and reaches the cap HOT_WIDTH further up, in the evening net-load peak [degC].
HOT_MARGIN_C, HOT_WIDTH_C = 0.0, 10.8
#: Centre and width (standard deviation) of the evening net-load peak, local time [h].
EVENING_PEAK_H = (18.5, 1.5)


def trailing_mean(x: np.ndarray, hours: int) -> np.ndarray:
    """Mean over the last ``hours`` values (fewer at the start) along the last axis.

    Parameters
    ----------
    x
        Hourly values; the last axis is time.
    hours
        Window, the current hour included [h].

    Returns
    -------
    numpy.ndarray
        Same shape as ``x``; ``[1, 2, 3, 4]`` over 2 hours gives ``[1, 1.5, 2.5, 3.5]``. Each
        window is summed from its own values (:func:`_trailing`), not as a difference of running
        sums, so an hour's mean is the same to the bit wherever the array starts.
    """
    x = np.asarray(x, dtype=float)
    return _trailing(x, hours, np.add, 0.0) / np.minimum(np.arange(1, x.shape[-1] + 1), hours)


def trailing_max(x: np.ndarray, hours: int) -> np.ndarray:
    """Maximum over the last ``hours`` values (fewer at the start) along the last axis.

    Parameters
    ----------
    x
        Hourly values; the last axis is time.
    hours
        Window, the current hour included [h].

    Returns
    -------
    numpy.ndarray
        Same shape as ``x``; ``[3, 1, 2, 0]`` over 2 hours gives ``[3, 3, 2, 2]``.
    """
    return _trailing(np.asarray(x, dtype=float), hours, np.maximum, -np.inf)


def _trailing(x: np.ndarray, hours: int, op: np.ufunc, empty: float) -> np.ndarray:
    """``op`` over the last ``hours`` values along the last axis, ``empty`` before the start.

    Blocks of 1, 2, 4, ... values are combined as the binary digits of ``hours`` ask: about
    ``2 log2(hours)`` array operations, each value's window from its own values alone.
    """
    out = np.full_like(x, empty)
    block, width, covered = x, 1, 0  # block[t]: op over the `width` values up to t
    while width <= hours:
        if hours & width:
            out = op(out, _lagged(block, covered, empty))
            covered += width
        block = op(block, _lagged(block, width, empty))
        width *= 2
    return out


def _lagged(x: np.ndarray, lag: int, empty: float) -> np.ndarray:
    """``x`` moved ``lag`` steps later along the last axis, ``empty`` before the start."""
    out = np.full_like(x, empty)
    if lag < x.shape[-1]:
        out[..., lag:] = x[..., : x.shape[-1] - lag]
    return out


def design_band_c(latitude: Lat) -> tuple[Lat, Lat]:
    """Where a grid at this latitude starts to run short: its cold and hot stress edges [degC].

    The cold edge applies to the trailing 24-h mean temperature, the hot edge to the trailing
    6-h maximum (see :func:`grid_stress`); at 31.85 N (West Texas) they are -1.3 and 38.2 degC.
    """
    mean, amp = climate_mean_c(latitude), seasonal_amplitude_c(latitude)
    k = anomaly_scale(latitude)
    return mean - amp - k * COLD_MARGIN_C, mean + amp + DIURNAL_HALF_RANGE_C + k * HOT_MARGIN_C


def grid_stress(
    temp_air_c: np.ndarray,
    latitude: Lat,
    local_hour: np.ndarray,
    tightness: tuple[np.ndarray | float, np.ndarray | float] = (1.0, 1.0),
) -> np.ndarray:
    """How far a grid is pushed towards scarcity by the temperature of a site standing for it.

    Grids are built for their own climate, so stress is measured from the site's climate
    (:func:`climate_mean_c`, :func:`seasonal_amplitude_c`) in units that grow with the size of
    its weather anomalies, ``k = amp(lat) / amp(32 N)`` (:func:`anomaly_scale`). Cold stress uses
    the trailing 24-h mean temperature ``T24`` (heating load and gas freeze-offs build over a day
    and outlast the coldest hour)::

        cold = max(0, Tjan - k COLD_MARGIN_C - T24) / (k COLD_WIDTH_C)

    Heat stress uses the trailing 6-h maximum ``Tmax6`` and counts in the evening net-load peak::

        hot = max(0, Tmax6 - (Tjul + DIURNAL_HALF_RANGE_C + k HOT_MARGIN_C)) / (k HOT_WIDTH_C)
              x exp(-(h - 18.5)^2 / (2 x 1.5^2))

    with ``Tjan``, ``Tjul`` the site's mean January and July temperature (so
    ``Tjul + DIURNAL_HALF_RANGE_C`` is July's mean daily maximum) and ``h`` the local hour
    (:data:`EVENING_PEAK_H`).

    Parameters
    ----------
    temp_air_c
        Hourly air temperature [degC]; the last axis is time.
    latitude
        Latitude of the site, or of each row of ``temp_air_c`` as a ``(rows, 1)`` array [deg].
    local_hour
        Local hour of day of each interval, broadcastable to ``temp_air_c`` [h].
    tightness
        Multipliers on the cold and the heat stress (scalars or arrays broadcastable to
        ``temp_air_c``) [-]; 1 for a grid with its typical reserves.

    Returns
    -------
    numpy.ndarray
        ``cold + hot`` [-], same shape as ``temp_air_c``; 0 in ordinary weather, 1 where the
        price reaches the offer cap.
    """
    t = np.asarray(temp_air_c, dtype=float)
    k = anomaly_scale(latitude)
    cold_edge, hot_edge = design_band_c(latitude)
    centre, width = EVENING_PEAK_H
    evening = np.exp(-0.5 * ((np.asarray(local_hour) - centre) / width) ** 2)
    cold = np.maximum(0.0, cold_edge - trailing_mean(t, 24)) / (k * COLD_WIDTH_C)
    hot = np.maximum(0.0, trailing_max(t, 6) - hot_edge) / (k * HOT_WIDTH_C) * evening
    return cold * tightness[0] + hot * tightness[1]
