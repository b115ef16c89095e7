"""Shared pieces of the validation scripts (``benchmarks/validate_*.py``).

Not a validation itself (it declares no ``REQUIRED_DATA``, so ``benchmarks/validate.py`` does not
run it). It holds:

- where the real data lives (``../shared/data`` relative to the project root, or
  ``$PLANNER_VALIDATION_DATA``) and the check for missing files;
- :class:`Report`, the machine-readable output of a script: one JSON object per line on stdout
  (``text``, ``table``, ``figure``, ``weakness``), which the runner assembles into Markdown;
- the histories the price forecasters learn from (:func:`price_history`) with the stand-in
  temperature forecast (:func:`temperature_forecasts`), and :func:`value_captured_pct`;
- :func:`calibrate_noise` and :func:`rolling_run`: the forecast noise of the optimizer's
  rolling-horizon driver (:func:`planner.engine.rolling.rolling_horizon`), measured on the real
  series, and the one call into that driver.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
#: Default data folder, relative to the project root (the shared folder of real public data).
DEFAULT_DATA = Path("..") / "shared" / "data"
DATA_ENV = "PLANNER_VALIDATION_DATA"

#: The hourly ERCOT hub price file and the others the scripts read, relative to the data folder.
PRICES_HOURLY = "ercot/ercot_rtm_spp_hubs_hourly_2020_2025.csv"
PRICES_15MIN = "ercot/ercot_rtm_spp_15min_event_windows.csv"
LOAD_HOURLY = "ercot/ercot_native_load_hourly_2020_2025-08.csv"
FOUR_CP_PEAKS = "ercot/ercot_4cp_monthly_peaks_derived_2020_2025.csv"
BTC_DAILY = "bitcoin/btc_daily_network_2020-01-01_2025-03-22.csv"
BTC_MEMPOOL_HASHRATE = "bitcoin/btc_mempool_daily_hashrate_2009_2025-03-22.csv"
ISD_2021 = "weather/tx_isd_hourly_temp_austin_dfw_houston_2021.csv"
NASA_DAILY = "weather/nasa_power_daily_texas_sites_2020-12_2025-11.csv"
OE417 = "outages/doe_oe417_disturbance_events_2015_2023.csv"

#: ERCOT real-time offer cap in force [USD/MWh]: 9,000 until the post-Uri change, 5,000 from 2022.
OFFER_CAP_2021_USD_PER_MWH = 9000.0
OFFER_CAP_2022_USD_PER_MWH = 5000.0
#: The ERCOT hubs' time zone.
ZONE = "America/Chicago"


# ------------------------------------------------------------------------------------ data


def data_dir(explicit: str | Path | None = None) -> Path:
    """The data folder: ``explicit``, else ``$PLANNER_VALIDATION_DATA``, else ``../shared/data``.

    A relative path is taken from the project root, whatever the working directory.
    """
    raw = explicit if explicit is not None else os.environ.get(DATA_ENV) or DEFAULT_DATA
    path = Path(raw).expanduser()
    return path if path.is_absolute() else (ROOT / path)


def missing_files(data: Path, required: Sequence[str]) -> list[str]:
    """The required files (relative paths) that are not files under ``data``."""
    return [name for name in required if not (data / name).is_file()]


def offer_cap_usd_per_mwh(when: pd.Timestamp) -> float:
    """ERCOT's real-time offer cap at ``when`` [USD/MWh] (9,000 in 2021, 5,000 from 2022)."""
    return (
        OFFER_CAP_2021_USD_PER_MWH
        if when < pd.Timestamp("2022-01-01", tz="UTC")
        else OFFER_CAP_2022_USD_PER_MWH
    )


def read_hourly_prices(data: Path) -> pd.DataFrame:
    """ERCOT hourly hub prices, indexed by UTC hour start [USD/MWh]."""
    raw = pd.read_csv(data / PRICES_HOURLY)
    raw.index = pd.DatetimeIndex(pd.to_datetime(raw["hour_start_utc"], utc=True), name="time")
    raw = raw[~raw.index.duplicated()]
    return raw.drop(columns=["hour_start_local", "hour_start_utc"]).astype(float)


def read_system_load(data: Path) -> pd.Series:
    """ERCOT system native load, indexed by UTC hour start (hour ending minus 1 h) [MW]."""
    raw = pd.read_csv(data / LOAD_HOURLY, usecols=["hour_ending_utc", "ERCOT"])
    start = pd.to_datetime(raw["hour_ending_utc"], utc=True) - pd.Timedelta(hours=1)
    series = pd.Series(raw["ERCOT"].to_numpy(dtype=float), index=pd.DatetimeIndex(start))
    series = series[~series.index.duplicated()].sort_index()
    series.index.name = "time"
    return series


# ---------------------------------------------------------------------------------- output


class Report:
    """Machine-readable results of one validation script: one JSON object per stdout line.

    Record types (the runner renders them in order):

    ``text``
        ``{"heading": str | None, "body": str}`` Markdown prose (method, definitions).
    ``table``
        ``{"id", "title", "columns": [str], "rows": [[value]], "formats": [str | None],
        "note": str | None}``; ``formats`` are Python format specs per column.
    ``figure``
        ``{"id", "label", "value": float, "unit", "published": str | None,
        "comparison": str | None}``: one headline number and how it compares with a published
        figure; the runner also gathers every figure into the summary at the top.
    ``weakness``
        ``{"body": str}``: where the model is weak.
    """

    def __init__(self, script: str, title: str, stream: Any = None) -> None:
        self.script = script
        self.stream = stream if stream is not None else sys.stdout
        self.started = time.perf_counter()
        self._emit("start", title=title)

    def _emit(self, kind: str, **fields: Any) -> None:
        record = {"type": kind, "script": self.script, **fields}
        self.stream.write(json.dumps(record, default=_plain) + "\n")
        self.stream.flush()

    def text(self, body: str, heading: str | None = None) -> None:
        """A paragraph of Markdown, optionally under a heading."""
        self._emit("text", heading=heading, body=body)

    def table(
        self,
        id: str,
        title: str,
        frame: pd.DataFrame,
        formats: dict[str, str] | None = None,
        note: str | None = None,
    ) -> None:
        """A table; ``formats`` maps column names to format specs (``",.0f"``)."""
        formats = formats or {}
        rows = [[_plain(v) for v in row] for row in frame.itertuples(index=False, name=None)]
        self._emit(
            "table",
            id=id,
            title=title,
            columns=[str(c) for c in frame.columns],
            rows=rows,
            formats=[formats.get(str(c)) for c in frame.columns],
            note=note,
        )

    def figure(
        self,
        id: str,
        label: str,
        value: float,
        unit: str,
        *,
        published: str | None = None,
        comparison: str | None = None,
        fmt: str = ",.1f",
    ) -> None:
        """A headline number, with the published figure it answers and how it compares."""
        self._emit(
            "figure",
            id=id,
            label=label,
            value=_plain(value),
            unit=unit,
            published=published,
            comparison=comparison,
            fmt=fmt,
        )

    def weakness(self, body: str) -> None:
        """Where the model is weak (rendered as a bullet)."""
        self._emit("weakness", body=body)

    def done(self) -> None:
        """The closing record, with the script's wall time [s]."""
        self._emit("done", seconds=round(time.perf_counter() - self.started, 2))


def _plain(value: Any) -> Any:
    """A JSON-friendly version of numpy and pandas scalars (NaN becomes None)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# ------------------------------------------------------------------- histories and forecasts


def read_15min_prices(data: Path) -> pd.DataFrame:
    """Native 15-minute hub prices of the four event windows, indexed by UTC interval start
    [USD/MWh], with the ``event`` column (``uri_2021``, ``elliott_2022``, ``summer_2023``,
    ``heather_jan_2024``)."""
    raw = pd.read_csv(data / PRICES_15MIN)
    raw.index = pd.DatetimeIndex(pd.to_datetime(raw["interval_start_utc"], utc=True), name="time")
    raw = raw[~raw.index.duplicated()].sort_index()
    return raw.drop(columns=["interval_start_local", "interval_start_utc"])


#: Mean absolute error of a day-1 daily maximum temperature forecast [degC]: published point
#: verification puts it near 1-2 degC (NWS MOS verification: 2-3 degF), the figure the 4CP
#: forecaster uses too. Backtests stand a forecast in as the realised value plus a normal error
#: of sd = MAE x sqrt(pi / 2).
TEMP_FORECAST_MAE_C = 1.5


def temperature_forecasts(
    data: Path, mae_c: float = TEMP_FORECAST_MAE_C, seed: int = 0, zone: str = ZONE
) -> pd.DataFrame:
    """The day-ahead temperature forecast backtests stand in: Texas daily maximum and minimum
    (the mean of the NASA POWER Texas sites) plus a normal error of the day-1 skill, issued at
    18:00 local the day before (index: local days; ``issued`` UTC, ``temp_max_c``,
    ``temp_min_c``) [degC]."""
    raw = pd.read_csv(data / NASA_DAILY, usecols=["date", "temp_max_c", "temp_min_c"])
    daily = raw.groupby("date")[["temp_max_c", "temp_min_c"]].mean()
    daily.index = pd.DatetimeIndex(pd.to_datetime(daily.index), name="day")
    sd = mae_c * math.sqrt(math.pi / 2.0)
    noise = np.random.default_rng(seed).normal(0.0, 1.0, daily.shape) * sd
    out = daily + noise
    issued = daily.index.tz_localize(zone) - pd.Timedelta(hours=6)
    out.insert(0, "issued", issued.tz_convert("UTC"))
    return out


def price_history(
    data: Path, nodes: Sequence[str], *, quarter_hours: bool = False, seed: int = 0
) -> Any:
    """The record the price forecasters learn from (:class:`planner.world.information.History`):
    the hourly hub prices (or the 15-minute prices of the event windows), ERCOT load and the
    stand-in temperature forecasts."""
    from planner.world.information import History

    if quarter_hours:
        prices = read_15min_prices(data)[list(nodes)].astype(float)
        interval = pd.Timedelta(minutes=15)
    else:
        prices = read_hourly_prices(data)[list(nodes)]
        interval = pd.Timedelta(hours=1)
    return History(
        prices=prices,
        price_interval=interval,
        load=read_system_load(data).to_frame("ERCOT"),
        forecasts={"temperature": temperature_forecasts(data, seed=seed)},
    )


def value_captured_pct(profit: float, run_through: float, oracle: float) -> float:
    """A strategy's gain over running through as a share of the oracle's gain [%].

    Examples
    --------
    >>> value_captured_pct(90.0, 50.0, 100.0)
    80.0
    """
    return 100.0 * (profit - run_through) / (oracle - run_through)


@dataclass(frozen=True)
class NoiseCalibration:
    """Forecast noise measured on the real series before a window (see :func:`calibrate_noise`).

    Attributes
    ----------
    temp_error_c
        Robust sd of day-ahead persistence errors of daily mean temperature [degC].
    price_noise
        Robust sd of day-ahead persistence errors of log hourly price [-].
    btc_volatility_annual
        Annualised sd of daily log BTC returns over the year before [-].
    difficulty_growth_annual
        Network hashrate growth over the year before [-].
    """

    temp_error_c: float
    price_noise: float
    btc_volatility_annual: float
    difficulty_growth_annual: float

    def settings(self) -> Any:
        """The :class:`planner.world.scenarios.ScenarioSettings` of these figures."""
        from planner.world.scenarios import ScenarioSettings

        return ScenarioSettings(
            temp_error_c=float(np.clip(self.temp_error_c, 0.0, 15.0)),
            price_noise=float(np.clip(self.price_noise, 0.0, 2.0)),
            btc_volatility_annual=float(np.clip(self.btc_volatility_annual, 0.0, 3.0)),
            difficulty_growth_annual=float(np.clip(self.difficulty_growth_annual, -0.9, 5.0)),
        )


def calibrate_noise(
    data: Path, prices: pd.DataFrame, nodes: Sequence[str], start: pd.Timestamp
) -> NoiseCalibration:
    """Forecast noise from the real series before ``start``, in the same season.

    Season: the window's month and one month either side (Central time). Temperature: NASA POWER
    daily means of the Texas sites, ``T(d) - T(d-1)``, median over sites of the robust sd
    (1.4826 x MAD). Price: ``ln p(t) - ln p(t - 24 h)`` over hours with both prices above
    1 USD/MWh at the given hubs. BTC: the year before ``start``.
    """
    local = start.tz_convert("America/Chicago")
    months = {((local.month - 1 + d) % 12) + 1 for d in (-1, 0, 1)}
    raw = pd.read_csv(data / NASA_DAILY, usecols=["date", "region", "temp_avg_c"])
    raw["date"] = pd.to_datetime(raw["date"])
    temp_sds = []
    for _, part in raw.groupby("region"):
        series = part.set_index("date")["temp_avg_c"].sort_index().asfreq("D")
        diff = (series - series.shift(1))[
            (series.index < start.tz_localize(None)) & series.index.month.isin(sorted(months))
        ].dropna()
        if len(diff) >= 30:
            temp_sds.append(1.4826 * float(np.median(np.abs(diff - diff.median()))))
    history = prices.loc[prices.index < start, list(nodes)]
    in_season = history.index.tz_convert("America/Chicago").month.isin(sorted(months))
    logs = np.log(history.where(history > 1.0))
    diffs = (logs - logs.shift(24))[in_season].to_numpy().ravel()
    diffs = diffs[np.isfinite(diffs)]
    price_sd = 1.4826 * float(np.median(np.abs(diffs - np.median(diffs))))
    btc = pd.read_csv(data / BTC_DAILY)
    btc.index = pd.DatetimeIndex(pd.to_datetime(btc["date_utc"], utc=True))
    year = btc[(btc.index < start) & (btc.index >= start - pd.Timedelta(days=365))]
    returns = np.diff(np.log(year["btc_close_usd"].to_numpy()))
    rate = year["hashrate_eh_s"]
    growth = float(rate.iloc[-30:].mean() / rate.iloc[:30].mean() - 1.0)
    return NoiseCalibration(
        temp_error_c=float(np.median(temp_sds)) if temp_sds else 2.0,
        price_noise=price_sd,
        btc_volatility_annual=float(returns.std() * np.sqrt(365.0)),
        difficulty_growth_annual=growth,
    )


def rolling_run(
    fleet: Any,
    forecast_feeds: Any,
    realised: Any,
    *,
    step_hours: int,
    window_hours: int,
    scenarios: int,
    seed: int,
    noise: NoiseCalibration,
    react: bool,
    forecaster: Any,
    optimize_settings: Any = None,
) -> Any:
    """One run of the optimizer's rolling-horizon driver: the one seam to it.

    Calls :func:`planner.engine.rolling.rolling_horizon` (re-plan every ``step_hours`` over
    ``window_hours`` from scenarios drawn with the calibrated noise around the forecast
    ``forecaster`` issues from each decision's information set, conditioned on what was
    observed; act with the controller when ``react``, else on the plan's schedule) and returns
    its result (``.schedule``, ``.policy()``, ``.seconds``). ``forecast_feeds`` are the window's
    feeds, the template the forecasts are issued over.
    """
    from planner.engine.optimization import OptimizeSettings
    from planner.engine.rolling import RollingSettings, rolling_horizon

    settings = RollingSettings(
        step_hours=step_hours,
        window_hours=window_hours,
        scenarios=scenarios,
        seed=seed,
        scenario_settings=noise.settings(),
        optimize=optimize_settings or OptimizeSettings(relocate=False),
        react=react,
    )
    return rolling_horizon(fleet, forecast_feeds, realised, settings, forecaster=forecaster)


def machine_line() -> str:
    """One line about this machine: cores, CPU model, Python, numpy, pandas."""
    import platform

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, "
        f"numpy {np.__version__}, pandas {pd.__version__}"
    )
