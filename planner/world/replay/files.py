"""Which files a replay reads: :class:`ReplayFiles`, and finding them in a data folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field, model_validator

from planner.errors import ConfigError
from planner.settings import Array, FilePath, Number, Settings, TimeZoneName, invalid

__all__ = ["ISD_STATIONS", "ReplayFiles"]

#: Coordinates of the NOAA ISD stations in the hourly file, by column prefix
#: (``austin_temp_c`` -> ``austin``): Austin-Bergstrom (KAUS), Dallas/Fort Worth (KDFW) and
#: Houston Bush Intercontinental (KIAH) airports [deg].
ISD_STATIONS: dict[str, tuple[float, float]] = {
    "austin": (30.183, -97.680),
    "dfw": (32.898, -97.019),
    "houston": (29.980, -95.360),
}

# Glob patterns of the files in the shared data folder layout (../shared/data), newest first.
_PATTERNS: dict[str, str] = {
    "prices": "ercot/ercot_rtm_spp_hubs_hourly_*.csv",
    "load": "ercot/ercot_native_load_hourly_*.csv",
    "weather_hourly": "weather/tx_isd_hourly_*.csv",
    "weather_daily": "weather/nasa_power_daily_*.csv",
    "outages": "outages/doe_oe417_disturbance_events_*.csv",
    "btc": "bitcoin/btc_daily_network_*.csv",
}


def _existing(path: Path) -> Path:
    if not path.is_file():
        raise invalid(f"must be an existing file, got '{path}'")
    return path


#: A file that exists (a path, or a string naming one).
DataFile = Annotated[FilePath, AfterValidator(_existing)]


class ReplayFiles(Settings):
    """The historical files a replay reads (formats in :mod:`planner.world.replay`).

    Attributes
    ----------
    prices
        Real-time prices, CSV or Parquet, wide or long (:func:`weather.grid.read_prices`); its
        nodes are matched to each site's ``grid.node``. Required.
    btc
        Daily BTC network data: ``date_utc``, ``btc_close_usd`` [USD/BTC], ``hashrate_eh_s``
        [EH/s]. Required.
    weather_hourly
        Hourly temperatures: ``timestamp_utc`` and one ``<station>_temp_c`` column per station
        [degC]; station coordinates from ``stations``.
    weather_daily
        NASA POWER daily table: ``date`` (local day), ``region``, ``latitude``, ``longitude``,
        ``temp_min_c``, ``temp_max_c`` [degC]; hours are reconstructed (see
        :func:`planner.world.replay.weather.diurnal_temperature`).
    load
        System load (:func:`weather.grid.read_load`); areas are matched to ``grid.iso`` for 4CP
        peaks. Optional.
    outages
        DOE OE-417 disturbance table (:func:`weather.outages.read_oe417`): outage hazards are
        fitted to it and its reports overlapping the window are listed. Optional (the packaged
        hazard table stands in).
    prices_tz, load_tz
        IANA zone of naive local times in the prices or load file, if they have no UTC column.
    stations
        Station name -> ``(latitude, longitude)`` of the hourly weather columns [deg].

    At least one of ``weather_hourly`` and ``weather_daily`` is needed.
    """

    model_config = ConfigDict(title="replay files")

    prices: DataFile
    btc: DataFile
    weather_hourly: DataFile | None = None
    weather_daily: DataFile | None = None
    load: DataFile | None = None
    outages: DataFile | None = None
    prices_tz: TimeZoneName | None = None
    load_tz: TimeZoneName | None = None
    stations: dict[str, Annotated[tuple[Number, Number], Array]] = Field(
        default_factory=lambda: dict(ISD_STATIONS)
    )

    @model_validator(mode="after")
    def _some_weather(self) -> ReplayFiles:
        if self.weather_hourly is None and self.weather_daily is None:
            raise ValueError("weather: give weather_hourly, weather_daily or both")
        return self

    @classmethod
    def from_folder(cls, folder: str | Path, **overrides: object) -> ReplayFiles:
        """The files of a data folder laid out like ``../shared/data``.

        ``ercot/ercot_rtm_spp_hubs_hourly_*.csv`` (prices), ``ercot/ercot_native_load_hourly_*``
        (load), ``weather/tx_isd_hourly_*.csv``, ``weather/nasa_power_daily_*.csv``,
        ``outages/doe_oe417_disturbance_events_*.csv`` and ``bitcoin/btc_daily_network_*.csv``;
        the last name in sort order wins when several match. Keyword arguments override.

        Raises
        ------
        ConfigError
            The folder is missing, or a required file is neither found nor given.
        """
        root = Path(folder).expanduser()
        if not root.is_dir():
            raise ConfigError("replay files", f"data folder not found: {root}")
        found: dict[str, object] = {}
        for name, pattern in _PATTERNS.items():
            matches = sorted(root.glob(pattern))
            if matches:
                found[name] = matches[-1]
        found.update({k: v for k, v in overrides.items() if v is not None})
        missing = [n for n in ("prices", "btc") if n not in found]
        if missing:
            wanted = ", ".join(f"{n} ({_PATTERNS[n]})" for n in missing)
            raise ConfigError("replay files", f"{root}: no {wanted}; give the file explicitly")
        return cls(**found)  # type: ignore[arg-type]  # paths and overrides, checked by the model

    def used(self) -> dict[str, str]:
        """Feed name -> file path, for the files given."""
        return {n: str(getattr(self, n)) for n in _PATTERNS if getattr(self, n) is not None}
