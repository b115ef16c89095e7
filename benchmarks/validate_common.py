"""Shared pieces of the validation scripts (``benchmarks/validate_*.py``).

Not a validation itself (it declares no ``REQUIRED_DATA``, so ``benchmarks/validate.py`` does not
run it). It holds:

- where the real data lives (``../shared/data`` relative to the project root, or
  ``$PLANNER_VALIDATION_DATA``) and the check for missing files;
- :class:`Report`, the machine-readable output of a script: one JSON object per line on stdout
  (``text``, ``table``, ``figure``, ``weakness``), which the runner assembles into Markdown;
- :class:`PriceForecaster`, the causal price forecast the rolling-horizon optimizer sees (a blend
  of the last observed hour and the same hour a day earlier, with forecast-error scenarios
  bootstrapped from the real history before the window);
- :func:`day_ahead_feeds`, :func:`calibrate_noise` and :func:`rolling_run`: the forecast the
  optimizer's rolling-horizon driver (:func:`planner.engine.rolling.rolling_horizon`) sees, its
  noise measured on the real series, and the one call into that driver.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
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
#: ERCOT real-time price floor [USD/MWh].
PRICE_FLOOR_USD_PER_MWH = -250.0
#: Scale of the asinh transform the price forecast works in [USD/MWh]: log-like above it,
#: linear around zero (prices can be negative).
ASINH_SCALE_USD_PER_MWH = 10.0


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


# --------------------------------------------------------------------------- price forecast


def to_asinh(price: np.ndarray) -> np.ndarray:
    """Prices to the forecast's working scale ``asinh(p / 10)`` [-]."""
    return np.arcsinh(np.asarray(price, dtype=float) / ASINH_SCALE_USD_PER_MWH)


def from_asinh(y: np.ndarray) -> np.ndarray:
    """The working scale back to prices [USD/MWh]."""
    return ASINH_SCALE_USD_PER_MWH * np.sinh(y)


@dataclass(frozen=True)
class PriceForecaster:
    """A causal hourly price forecast with bootstrapped error scenarios.

    Working in ``y = asinh(p / 10)`` (log-like for high prices, linear through zero), the point
    forecast made at the start of hour ``t`` for hour ``t + k`` (``k = 0, 1, ...``) uses only
    hours before ``t``::

        y_hat(t, k) = a_k y(t - 1) + (1 - a_k) y(t - 24 + (k mod 24)),   a_k = phi^(k + 1)

    the last observed hour, fading into the same hour of the last observed day (day-ahead
    persistence). ``phi`` is the least-squares fit of ``y(t) - y(t-24)`` on
    ``y(t-1) - y(t-24)`` over the training hours. Scenario ``s`` adds to the whole path the error
    vector ``e(tau, 0..H-1) = y(tau + k) - y_hat(tau, k)`` of a training decision time ``tau``
    drawn at random among those with the same local hour as ``t``: the errors keep their real
    size, skew (spikes) and correlation across leads. Prices are clipped to
    ``[floor, cap]``.

    Attributes
    ----------
    phi
        Weight of the last observed hour at lead 0 [-].
    errors
        Per local hour (0..23), the training error vectors ``(samples, horizon)`` [-], for every
        node in the same rows ``(nodes, samples, horizon)``.
    horizon
        Longest lead the errors cover [h].
    """

    phi: float
    errors: dict[int, np.ndarray]
    horizon: int

    @classmethod
    def fit(
        cls,
        prices: np.ndarray,
        local_hours: np.ndarray,
        train: np.ndarray,
        horizon: int,
    ) -> PriceForecaster:
        """Fit ``phi`` and collect error vectors from history.

        Parameters
        ----------
        prices
            Hourly prices, ``(nodes, hours)`` [USD/MWh], gap-free.
        local_hours
            Local clock hour of each hour, ``(hours,)``.
        train
            Whether each hour may serve as a training decision time (must lie before the
            window being forecast, with ``horizon`` hours after it also before the window).
        horizon
            Leads to keep [h].
        """
        y = to_asinh(np.atleast_2d(prices))
        n = y.shape[1]
        taus = np.flatnonzero(np.asarray(train, dtype=bool))
        taus = taus[(taus >= 48) & (taus + horizon <= n)]
        if len(taus) < 24 * 7:
            raise ValueError(f"too little training history: {len(taus)} decision hours")
        d = (y[:, taus] - y[:, taus - 24]).ravel()
        x = (y[:, taus - 1] - y[:, taus - 24]).ravel()
        phi = float(np.clip((d @ x) / max(x @ x, 1e-12), 0.0, 1.0))
        leads = np.arange(horizon)
        point = _point(y, taus, leads, phi)  # (nodes, taus, horizon)
        actual = y[:, taus[:, None] + leads[None, :]]
        err = actual - point
        hours = np.asarray(local_hours)[taus]
        return cls(phi, {h: err[:, hours == h, :] for h in range(24)}, horizon)

    def point(self, history: np.ndarray, horizon: int) -> np.ndarray:
        """Point forecast in ``y`` for the next ``horizon`` hours, ``(nodes, horizon)``.

        ``history`` holds at least the last 48 observed hours, ``(nodes, >= 48)``, the last
        column being hour ``t - 1``.
        """
        y = to_asinh(np.atleast_2d(history))
        t = y.shape[1]
        return _point(y, np.array([t]), np.arange(horizon), self.phi)[:, 0, :]

    def scenarios(
        self,
        history: np.ndarray,
        local_hour: int,
        horizon: int,
        n: int,
        rng: np.random.Generator,
        cap_usd_per_mwh: float,
    ) -> np.ndarray:
        """``n`` price paths for the next ``horizon`` hours, ``(n, nodes, horizon)`` [USD/MWh]."""
        if horizon > self.horizon:
            raise ValueError(f"horizon {horizon} h beyond the fitted {self.horizon} h")
        point = self.point(history, horizon)
        pool = self.errors[int(local_hour)]
        pick = rng.integers(0, pool.shape[1], n)
        paths = point[None, :, :] + pool[:, pick, :horizon].transpose(1, 0, 2)
        return np.clip(from_asinh(paths), PRICE_FLOOR_USD_PER_MWH, cap_usd_per_mwh)

    def reduced(
        self, history: np.ndarray, local_hour: int, horizon: int, n: int, cap_usd_per_mwh: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """``n`` representative price paths and their weights (deterministic scenario reduction).

        Every stored error vector of the hour gives a path; the paths are ranked by their mean
        price over the first hour of all nodes and cut into ``n`` bins at the quantiles
        :data:`REDUCTION_QUANTILES` (finer in the upper tail, where the spikes are). A bin's
        scenario is the mean of its paths in price space and its weight the bin's share, so the
        weighted mean of the scenarios equals the mean over every path at every lead.

        Returns
        -------
        paths, weights
            ``(bins, nodes, horizon)`` [USD/MWh] and ``(bins,)`` [-]; empty bins are dropped.
        """
        if horizon > self.horizon:
            raise ValueError(f"horizon {horizon} h beyond the fitted {self.horizon} h")
        point = self.point(history, horizon)
        pool = self.errors[int(local_hour)][:, :, :horizon]
        paths = np.clip(
            from_asinh(point[:, None, :] + pool), PRICE_FLOOR_USD_PER_MWH, cap_usd_per_mwh
        ).transpose(1, 0, 2)  # (samples, nodes, horizon)
        rank = np.argsort(paths[:, :, 0].mean(axis=1), kind="stable")
        edges = np.unique(np.round(reduction_quantiles(n) * len(rank)).astype(int))
        groups = [rank[a:b] for a, b in pairwise(edges.tolist()) if b > a]
        scen = np.array([paths[g].mean(axis=0) for g in groups])
        weights = np.array([len(g) for g in groups], dtype=float) / len(rank)
        return scen, weights

    def mean_forecast(
        self, history: np.ndarray, local_hour: int, horizon: int, cap_usd_per_mwh: float
    ) -> np.ndarray:
        """Expected price over every stored error vector, ``(nodes, horizon)`` [USD/MWh]."""
        point = self.point(history, horizon)
        pool = self.errors[int(local_hour)][:, :, :horizon]
        paths = np.clip(
            from_asinh(point[:, None, :] + pool), PRICE_FLOOR_USD_PER_MWH, cap_usd_per_mwh
        )
        return np.asarray(paths.mean(axis=1))


def reduction_quantiles(n: int) -> np.ndarray:
    """Bin edges (quantiles in [0, 1]) of :meth:`PriceForecaster.reduced` for ``n`` bins.

    The top half of the bins halve the remaining tail each time (0.5, 0.75, 0.875, ... of the
    way up), the bottom half are equal; with 10 bins the top bin holds the highest 3.1 % of paths.
    """
    if n < 2:
        return np.array([0.0, 1.0])
    low = n // 2
    tail = n - low
    bottom = np.linspace(0.0, 0.5, low + 1)
    top = 1.0 - 0.5 ** np.arange(2, tail + 1)
    return np.concatenate([bottom, top, [1.0]])


def _point(y: np.ndarray, taus: np.ndarray, leads: np.ndarray, phi: float) -> np.ndarray:
    """Point forecasts ``(nodes, len(taus), len(leads))`` made at each ``tau`` (see the class)."""
    a = phi ** (leads + 1.0)
    last = y[:, taus - 1][:, :, None]
    base = y[:, taus[:, None] - 24 + (leads[None, :] % 24)]
    return np.asarray(a * last + (1.0 - a) * base)


def persistence_error_sd(series: pd.Series, lag: int) -> float:
    """Robust standard deviation (1.4826 x MAD) of ``x(t) - x(t - lag)`` over a series."""
    diff = (series - series.shift(lag)).dropna().to_numpy()
    return float(1.4826 * np.median(np.abs(diff - np.median(diff))))


# --------------------------------------------------------------------------- rolling horizon


def day_ahead_feeds(feeds: Any, prices: pd.DataFrame, data: Path) -> Any:
    """The forecast a rolling driver draws around: what was known a day before each hour.

    Prices of hour ``h`` are the realised prices of ``h - 24 h`` (day-ahead persistence, read
    from the full hourly file so the first day has its eve), the BTC price and network hashrate
    of day ``d`` those of ``d - 1``; temperatures stay the realised ones (a stand-in for a
    weather forecast; the scenario generator adds the calibrated error). Drawn grid outages are
    switched off (zero hazard): the realised windows have none either.

    Parameters
    ----------
    feeds
        The realised window (:class:`planner.world.feeds.Feeds`).
    prices
        Hourly hub prices, the whole history (:func:`read_hourly_prices`) [USD/MWh].
    data
        The data folder (the BTC daily file).
    """
    from dataclasses import replace

    from planner.world.hazards import OutageHazard

    times = feeds.times
    nodes = list(dict.fromkeys(feeds.prices.index.get_level_values("node")))
    parts = []
    for node in nodes:
        series = prices[node].reindex(times - pd.Timedelta(hours=24))
        index = pd.MultiIndex.from_arrays([[node] * len(times), times], names=["node", "time"])
        parts.append(pd.DataFrame({"price_usd_per_mwh": series.to_numpy()}, index=index))
    btc = pd.read_csv(data / BTC_DAILY)
    btc.index = pd.DatetimeIndex(pd.to_datetime(btc["date_utc"], utc=True), name="time")
    days = feeds.market.index
    yesterday = btc.reindex(days - pd.Timedelta(days=1))
    market = pd.DataFrame(
        {
            "btc_price_usd": yesterday["btc_close_usd"].to_numpy(),
            "network_hashrate_eh_s": yesterday["hashrate_eh_s"].to_numpy(),
        },
        index=days,
    )
    hazards = {site_id: OutageHazard(rate_per_year=0.0) for site_id in feeds.hazards}
    return replace(
        feeds,
        prices=pd.concat(parts),
        market=market,
        hazards=hazards,
        outages=feeds.outages.iloc[0:0],
        notes=(*feeds.notes, "Forecast: day-ahead persistence of prices and BTC data."),
    )


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
    optimize_settings: Any = None,
) -> Any:
    """One run of the optimizer's rolling-horizon driver: the one seam to it.

    Calls :func:`planner.engine.rolling.rolling_horizon` (re-plan every ``step_hours`` over
    ``window_hours`` from scenarios drawn around ``forecast_feeds`` with the calibrated noise and
    conditioned on what was observed; act with the plan's strategy when ``react``, else on the
    plan's schedule) and returns its result (``.schedule``, ``.policy()``, ``.seconds``).
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
    return rolling_horizon(fleet, forecast_feeds, realised, settings)


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
