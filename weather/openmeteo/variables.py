"""The canonical weather columns Open-Meteo serves: their provider names, units and labelling."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

#: Canonical columns fetched by default (all the ``weather`` columns of :mod:`weather.schema`).
VARIABLES: tuple[str, ...] = (
    "temp_air_c",
    "relative_humidity_pct",
    "wind_speed_m_s",
    "wind_gust_m_s",
    "precip_mm",
    "snowfall_cm",
)


@dataclass(frozen=True)
class ProviderVariable:
    """How Open-Meteo serves one canonical column.

    Attributes
    ----------
    provider
        Open-Meteo hourly variable name (``temperature_2m``).
    quantity
        What is measured, which sets the units it may come in: ``temperature``, ``humidity``,
        ``speed``, ``precipitation`` or ``snowfall``.
    preceding_hour
        Whether the value labelled ``t`` describes the hour ``(t - 1 h, t]`` (sums and maxima)
        rather than the instant ``t``.
    """

    provider: str
    quantity: str
    preceding_hour: bool


#: How Open-Meteo serves each canonical column of :data:`VARIABLES`.
PROVIDER_VARIABLES: Mapping[str, ProviderVariable] = MappingProxyType(
    {
        "temp_air_c": ProviderVariable("temperature_2m", "temperature", False),
        "relative_humidity_pct": ProviderVariable("relative_humidity_2m", "humidity", False),
        "wind_speed_m_s": ProviderVariable("wind_speed_10m", "speed", False),
        "wind_gust_m_s": ProviderVariable("wind_gusts_10m", "speed", True),
        "precip_mm": ProviderVariable("precipitation", "precipitation", True),
        "snowfall_cm": ProviderVariable("snowfall", "snowfall", True),
    }
)


def canonical_variables(variables: Sequence[str]) -> list[str]:
    """The requested canonical columns, checked, without repeats, in the order of :data:`VARIABLES`.

    Parameters
    ----------
    variables
        Canonical column names; ``temp_air_c`` must be among them.

    Returns
    -------
    list of str
        ``("precip_mm", "temp_air_c", "precip_mm")`` gives ``["temp_air_c", "precip_mm"]``.

    Raises
    ------
    ValueError
        An unknown name (the error lists the known ones), or no ``temp_air_c``.
    """
    names = list(dict.fromkeys(variables))
    unknown = [v for v in names if v not in PROVIDER_VARIABLES]
    if unknown:
        raise ValueError(f"unknown variables {unknown}; choose from {', '.join(VARIABLES)}")
    if "temp_air_c" not in names:
        raise ValueError("variables must include temp_air_c (the canonical frame requires it)")
    return sorted(names, key=VARIABLES.index)
