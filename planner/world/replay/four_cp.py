"""The 4CP peak chance of a replay, as it would have been issued: day ahead, from the past only.

For each ISO of the fleet whose load is in the replay's load file, the forecaster of
:mod:`planner.world.forecasters.four_cp` is trained on everything published before the first
issue of the window (the evening before its first day) and issues each day's chance the evening
before, from the load published by then and daily maximum temperatures: the mean over the ISO's
sites of their nearest location in the daily file. Its temperature forecast is the realised
maximum plus an error of a published day-ahead skill
(:func:`planner.world.forecasters.emulated_forecast`), seeded, since a replay has no archived
forecasts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.domain.economics import FOUR_CP_MONTHS
from planner.domain.fleet import Fleet
from planner.errors import ConfigError
from planner.world.feeds.bundle import empty_four_cp
from planner.world.forecasters import (
    DAY_AHEAD_MAE_C,
    day_ahead_chances,
    day_ahead_issue,
    emulated_forecast,
    fit_four_cp,
    hourly_probability,
)
from planner.world.replay.files import ReplayFiles
from planner.world.replay.weather import (
    WeatherSource,
    daily_sources,
    distance_km,
    read_daily_temperatures,
)
from weather.grid import read_load

__all__ = ["REPLAY_FORECAST_SEED", "replay_four_cp"]

#: Seed of a replay's emulated temperature forecasts and the forecaster's paths.
REPLAY_FORECAST_SEED = 0


def replay_four_cp(
    fleet: Fleet,
    files: ReplayFiles,
    times: pd.DatetimeIndex,
    *,
    day1_mae_c: float = DAY_AHEAD_MAE_C,
    seed: int = REPLAY_FORECAST_SEED,
) -> tuple[pd.DataFrame, list[str]]:
    """Day-ahead chance that each hour of the window is its month's peak, per ISO.

    Parameters
    ----------
    fleet
        The fleet; each site's ``grid.iso`` names its load area.
    files
        The replay's files: ``load`` and ``weather_daily`` are needed.
    times
        The window's hourly interval starts, UTC.
    day1_mae_c
        Day-1 mean absolute error of the emulated temperature forecast [degC].
    seed
        Seed of the emulated forecast errors and of the forecaster's paths.

    Returns
    -------
    tuple
        The frame, index ``(area, time)`` with ``four_cp_probability`` [-] (empty when nothing
        could be forecast), and one note per ISO saying how it was made or why not.
    """
    empty = empty_four_cp()
    isos = sorted({s.grid.iso for s in fleet.sites})
    if not np.isin(times.tz_convert(fleet.sites[0].timezone).month, FOUR_CP_MONTHS).any():
        return empty, []
    if files.load is None or files.weather_daily is None:
        return empty, [
            "4CP: no peak chance (a replay forecasts it from the load file's history and the "
            "daily temperature file; give both)."
        ]
    load = read_load(files.load, tz=files.load_tz)
    table = read_daily_temperatures(files.weather_daily)
    sources = daily_sources(table, files.weather_daily)
    parts, notes = [], []
    for iso in isos:
        if iso not in set(load.index.get_level_values("area")):
            continue
        sites = [s for s in fleet.sites if s.grid.iso == iso]
        tz = sites[0].timezone
        names = [
            min(
                sources, key=lambda w: distance_km(s.latitude, s.longitude, w.latitude, w.longitude)
            ).name
            for s in sites
        ]
        temp = table[table["region"].isin(names)].groupby("date")["temp_max_c"].mean().sort_index()
        series = load.xs(iso, level="area")["load_mw"].sort_index()
        days = pd.date_range(
            times[0].tz_convert(tz).tz_localize(None).normalize(),
            times[-1].tz_convert(tz).tz_localize(None).normalize(),
            freq="D",
        )
        try:
            model = fit_four_cp(
                series,
                temp,
                until=day_ahead_issue(days[0], tz),
                tz=tz,
                day1_mae_c=day1_mae_c,
                seed=seed,
            )
        except ConfigError as exc:
            notes.append(f"4CP {iso}: no peak chance: {'; '.join(exc.problems)}.")
            continue

        def forecast(issue: pd.Timestamp, temp: pd.Series = temp, tz: str = tz) -> pd.Series:
            rng = np.random.default_rng([seed, int(issue.value // 10**9)])
            issue_day = issue.tz_convert(tz).tz_localize(None).normalize()
            return emulated_forecast(temp, issue_day, day1_mae_c, rng)

        chances = day_ahead_chances(model, series, temp, forecast, days)
        probability = hourly_probability(model, chances, times)
        index = pd.MultiIndex.from_arrays(
            [np.full(len(times), iso, dtype=object), times], names=["area", "time"]
        )
        parts.append(pd.DataFrame({"four_cp_probability": probability}, index=index))
        notes.append(
            f"4CP {iso}: day-ahead peak chance from a forecaster trained on the load and "
            f"temperatures before {model.until:%Y-%m-%d %H:%M} UTC ({', '.join(sorted(set(names)))}"
            f"), each day issued the evening before; temperature forecast = realised daily "
            f"maximum + a seeded error of day-1 MAE {day1_mae_c:g} degC (seed {seed})."
        )
    return (pd.concat(parts) if parts else empty), notes


def _nearest(sources: list[WeatherSource], latitude: float, longitude: float) -> str:
    """Name of the daily location nearest to a point."""
    return min(
        sources, key=lambda w: distance_km(latitude, longitude, w.latitude, w.longitude)
    ).name
