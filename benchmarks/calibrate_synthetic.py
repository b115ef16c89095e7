"""Calibration of the synthetic generator against real Texas weather and ERCOT prices, 2021-2024.

Prints, as Markdown, the table kept in ``docs/model.md`` (Synthetic feeds and their calibration):
for each figure the real value of each year 2021-2024 next to the synthetic generator's median
and range over ``--seeds`` seeded years, then the generator's parameters. Run it from the
project root::

    .venv/bin/python benchmarks/calibrate_synthetic.py            # Markdown
    .venv/bin/python benchmarks/calibrate_synthetic.py --json     # the same figures as JSON

Definitions (the same for real and synthetic data):

- *winter minimum* of year Y: the lowest temperature in January, February and December of Y
  (local time), so that each calendar year holds one whole cold season's worth of months, as a
  one-year synthetic run from 1 January does. Real: NASA POWER daily ``temp_min_c`` (a 0.5 deg
  grid cell, which smooths station extremes) and NOAA ISD hourly station readings (2021 only).
  Synthetic: the hourly ``temp_air_c``.
- *spike hours*: hours of year Y (US/Central) whose hourly real-time price is above the
  threshold; *mean* and *median* of the hourly prices of the year [USD/MWh].

The real data live outside the repository in ``../shared/data`` (see its README); without them
the script says which files are missing and exits 0 without printing figures.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from weather import climate, synthetic

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PRICES_CSV = DATA / "ercot" / "ercot_rtm_spp_hubs_hourly_2020_2025.csv"
NASA_CSV = DATA / "weather" / "nasa_power_daily_texas_sites_2020-12_2025-11.csv"
ISD_CSV = DATA / "weather" / "tx_isd_hourly_temp_austin_dfw_houston_2021.csv"

YEARS = (2021, 2022, 2023, 2024)
WINTER_MONTHS = (1, 2, 12)
LOCAL_TZ = "America/Chicago"
SPIKE_THRESHOLDS_USD_PER_MWH = (1000.0, 200.0)

#: The synthetic sites: the demo fleet's West Texas and Rockdale sites and a Dallas point.
SITES = (
    synthetic.Location("west-texas", 31.85, -102.37, LOCAL_TZ),
    synthetic.Location("rockdale", 30.65, -97.0, LOCAL_TZ),
    synthetic.Location("dallas", 32.9, -97.0, LOCAL_TZ),
)
#: Price nodes as in the demo fleet: HB_WEST follows West Texas, HB_NORTH follows Rockdale.
NODES = {"west-texas": "HB_WEST", "rockdale": "HB_NORTH"}
#: Synthetic years start at local midnight on 1 January (06:00 UTC) and last 8760 h.
SYNTHETIC_START = "2025-01-01 06:00"
SYNTHETIC_HOURS = 8760


@dataclass(frozen=True)
class Figure:
    """One row of the calibration table.

    Attributes
    ----------
    name
        What is measured, with its unit.
    real
        Real value per year (``None`` where the source has no data for the year).
    synthetic
        The synthetic value of each seeded year.
    """

    name: str
    real: dict[int, float | None]
    synthetic: list[float]

    def real_values(self) -> list[float]:
        """The real values of the years with data."""
        return [v for v in self.real.values() if v is not None]

    def median_in_real_range(self) -> bool | None:
        """Whether the synthetic median lies within the real min .. max (``None``: one year)."""
        values = self.real_values()
        if len(values) < 2:
            return None
        return min(values) <= float(np.median(self.synthetic)) <= max(values)

    def share_reaching(self, value: float) -> float:
        """Share of synthetic years at or below ``value`` (temperatures) or at or above it [-]."""
        syn = np.asarray(self.synthetic)
        reached = syn <= value if "temp" in self.name else syn >= value
        return float(reached.mean())


def missing_files() -> list[Path]:
    """The shared data files this script needs and cannot find."""
    return [p for p in (PRICES_CSV, NASA_CSV, ISD_CSV) if not p.is_file()]


def _winter(times: pd.DatetimeIndex) -> np.ndarray:
    return np.isin(times.month, WINTER_MONTHS)


def real_winter_min_nasa(nasa: pd.DataFrame, region: str) -> dict[int, float | None]:
    """Winter minimum of the daily minimum temperature of one NASA POWER region [degC].

    Parameters
    ----------
    nasa
        The NASA POWER daily table (columns ``date``, ``region``, ``temp_min_c``).
    region
        Region label, e.g. ``Midland_TX``.

    Returns
    -------
    dict
        Year -> lowest ``temp_min_c`` of its January, February and December [degC].
    """
    rows = nasa[nasa["region"] == region]
    dates = pd.DatetimeIndex(rows["date"])
    winter = rows[_winter(dates)]
    by_year = winter.groupby(pd.DatetimeIndex(winter["date"]).year)["temp_min_c"].min()
    return {y: float(by_year[y]) if y in by_year.index else None for y in YEARS}


def real_winter_min_isd(isd: pd.DataFrame, column: str) -> dict[int, float | None]:
    """Winter minimum of an ISD hourly station series (2021 only) [degC]."""
    times = pd.DatetimeIndex(pd.to_datetime(isd["timestamp_utc"], utc=True)).tz_convert(LOCAL_TZ)
    temp = pd.Series(isd[column].to_numpy(dtype=float), index=times)
    winter = temp[_winter(times)]
    by_year = winter.groupby(pd.DatetimeIndex(winter.index).year).min()
    return {y: float(by_year[y]) if y in by_year.index else None for y in YEARS}


def price_statistics(price: pd.Series) -> dict[str, float]:
    """Spike-hour counts, mean and median of one year of hourly prices.

    Parameters
    ----------
    price
        Hourly real-time prices of one year [USD/MWh].

    Returns
    -------
    dict
        ``hours > 1000``, ``hours > 200`` [h], ``mean``, ``median`` [USD/MWh].
    """
    stats = {f"hours > {t:,.0f}": float((price > t).sum()) for t in SPIKE_THRESHOLDS_USD_PER_MWH}
    stats["mean"] = float(price.mean())
    stats["median"] = float(price.median())
    return stats


def real_prices(prices: pd.DataFrame, hub: str) -> dict[int, dict[str, float]]:
    """Price statistics per local (US/Central) year of one ERCOT hub."""
    times = pd.DatetimeIndex(pd.to_datetime(prices["hour_start_utc"], utc=True)).tz_convert(
        LOCAL_TZ
    )
    series = pd.Series(prices[hub].to_numpy(dtype=float), index=times)
    return {y: price_statistics(series[times.year == y]) for y in YEARS}


@dataclass(frozen=True)
class SyntheticYear:
    """Figures of one seeded synthetic year."""

    winter_min_c: dict[str, float]
    prices: dict[str, dict[str, float]]


def synthetic_year(seed: int) -> SyntheticYear:
    """Run the generator for the three sites over one local year and measure it.

    Parameters
    ----------
    seed
        Seed of the generator.

    Returns
    -------
    SyntheticYear
        Winter minimum per site [degC] and price statistics per node.
    """
    weather = synthetic.synthetic_weather(SITES, SYNTHETIC_START, SYNTHETIC_HOURS, seed)
    prices = synthetic.synthetic_prices(weather, SITES, NODES, seed)
    winter_min = {}
    for loc in SITES:
        temp = weather.xs(loc.site_id, level="site_id")["temp_air_c"]
        local = pd.DatetimeIndex(temp.index).tz_convert(LOCAL_TZ)
        winter_min[loc.site_id] = float(temp[_winter(local)].min())
    stats = {
        node: price_statistics(prices.xs(node, level="node")["price_usd_per_mwh"])
        for node in NODES.values()
    }
    return SyntheticYear(winter_min, stats)


def build_figures(seeds: int) -> tuple[list[Figure], float]:
    """Compute every row of the calibration table.

    Parameters
    ----------
    seeds
        Number of synthetic years (seeds 0 .. seeds - 1).

    Returns
    -------
    tuple
        The rows, and the time the generator took per site-year (weather and prices) [s].
    """
    nasa = pd.read_csv(NASA_CSV, parse_dates=["date"])
    isd = pd.read_csv(ISD_CSV)
    prices = pd.read_csv(PRICES_CSV)
    started = time.perf_counter()
    years = [synthetic_year(seed) for seed in range(seeds)]
    per_site_year = (time.perf_counter() - started) / (seeds * len(SITES))

    def syn_temp(site: str) -> list[float]:
        return [y.winter_min_c[site] for y in years]

    midland = real_winter_min_nasa(nasa, "Midland_TX")
    dallas = real_winter_min_nasa(nasa, "Dallas_TX")
    san_antonio = real_winter_min_nasa(nasa, "San_Antonio_TX")
    coldest = {
        y: min(v for v in (midland[y], dallas[y], san_antonio[y]) if v is not None) for y in YEARS
    }
    figures = [
        Figure(
            "Winter min temp, West Texas [degC] (NASA POWER Midland)",
            midland,
            syn_temp("west-texas"),
        ),
        Figure("Winter min temp, Dallas [degC] (NASA POWER Dallas)", dallas, syn_temp("dallas")),
        Figure(
            "Winter min temp, Dallas [degC] (ISD DFW airport, hourly)",
            real_winter_min_isd(isd, "dfw_temp_c"),
            syn_temp("dallas"),
        ),
        Figure(
            "Winter min temp, central Texas [degC] (NASA POWER San Antonio; synthetic Rockdale)",
            san_antonio,
            syn_temp("rockdale"),
        ),
        Figure(
            "Winter min temp, central Texas [degC] (ISD Austin, hourly; synthetic Rockdale)",
            real_winter_min_isd(isd, "austin_temp_c"),
            syn_temp("rockdale"),
        ),
        Figure(
            "Winter min temp, Texas: coldest of the three [degC]",
            {y: coldest[y] for y in YEARS},
            [min(y.winter_min_c.values()) for y in years],
        ),
    ]
    for hub in NODES.values():
        real = real_prices(prices, hub)
        for stat in years[0].prices[hub]:
            unit = "[h]" if stat.startswith("hours") else "[USD/MWh]"
            label = (
                f"{hub} {stat} USD/MWh {unit}"
                if stat.startswith("hours")
                else f"{hub} {stat} price {unit}"
            )
            figures.append(
                Figure(
                    label,
                    {y: real[y][stat] for y in YEARS},
                    [s.prices[hub][stat] for s in years],
                )
            )
    return figures, per_site_year


def _fmt(value: float | None, digits: int) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}".replace("-", "−")


def markdown_table(figures: Sequence[Figure], seeds: int) -> str:
    """The calibration table as Markdown, one row per figure."""
    lines = [
        f"| figure | real {YEARS[0]} | "
        + " | ".join(str(y) for y in YEARS[1:])
        + f" | synthetic median (range over {seeds} seeds) |",
        "|---|" + "---:|" * len(YEARS) + "---|",
    ]
    for fig in figures:
        digits = 0 if "[h]" in fig.name else 1
        values = np.asarray(fig.synthetic)
        verdict = fig.median_in_real_range()
        if verdict is None:
            (only,) = fig.real_values()
            mark = f"; {fig.share_reaching(only):.0%} of seeds as cold"
        else:
            mark = "" if verdict else " (outside the real range)"
        lines.append(
            f"| {fig.name} | "
            + " | ".join(_fmt(fig.real[y], digits) for y in YEARS)
            + f" | {_fmt(float(np.median(values)), digits)} "
            f"({_fmt(float(values.min()), digits)} .. {_fmt(float(values.max()), digits)}){mark} |"
        )
    return "\n".join(lines)


def parameter_rows() -> list[tuple[str, str]]:
    """The generator's and the climate's calibrated parameters, as ``(name, value)`` rows."""
    storms = synthetic.StormSettings()
    base = inspect.signature(synthetic.synthetic_prices).parameters["base_usd_per_mwh"].default
    rows: list[tuple[str, str]] = [
        ("climate_mean_c(lat)", "19.3 − 0.95 (abs(lat) − 32) degC"),
        ("seasonal_amplitude_c(lat)", "11.8 + 0.35 (abs(lat) − 32) degC"),
        ("DIURNAL_HALF_RANGE_C", f"{climate.DIURNAL_HALF_RANGE_C:g} degC"),
        ("SHARED_ANOMALY_SD_C (winter, summer)", f"{synthetic.SHARED_ANOMALY_SD_C} degC"),
        ("OWN_ANOMALY_SD_C (winter, summer)", f"{synthetic.OWN_ANOMALY_SD_C} degC"),
        ("ANOMALY_PERSISTENCE (shared, own)", f"{synthetic.ANOMALY_PERSISTENCE} per day"),
        (
            "NORTHER_RATE_PER_DAY, NORTHER_MEAN_C, NORTHER_SHAPE",
            f"{synthetic.NORTHER_RATE_PER_DAY:g} /d, {synthetic.NORTHER_MEAN_C:g} degC, "
            f"gamma shape {synthetic.NORTHER_SHAPE:g}",
        ),
        (
            "COLD_DIURNAL_DAMPING (start, per degC, floor)",
            "{:g} degC, 1/{:g} per degC, {:g}".format(*synthetic.COLD_DIURNAL_DAMPING),
        ),
        (
            "cold snap (chance, depth ± sd, days, window)",
            f"{storms.cold_snap_chance:g}/winter, {storms.cold_snap_depth_c:g} ± "
            f"{storms.cold_snap_depth_sd_c:g} degC, {storms.cold_snap_days:g} d, "
            f"16 Jan ± {storms.cold_snap_window_days / 2:g} d",
        ),
        (
            "heat wave (chance, rise ± sd, days, window)",
            f"{storms.heat_wave_chance:g}/summer, {storms.heat_wave_rise_c:g} ± "
            f"{storms.heat_wave_rise_sd_c:g} degC, {storms.heat_wave_days:g} d, "
            f"5 Aug ± {storms.heat_wave_window_days / 2:g} d",
        ),
        ("base_usd_per_mwh (default)", f"{base:g} USD/MWh"),
        ("FUEL_LEVEL_SD", f"{synthetic.FUEL_LEVEL_SD:g}"),
        ("PRICE_NOISE (daily phi, daily sd, hourly sd)", f"{synthetic.PRICE_NOISE}"),
        (
            "HEAT_PRICE_PER_C, HEAT_PRICE_START_C, COLD_PRICE_PER_C",
            f"{synthetic.HEAT_PRICE_PER_C:g} /degC, {synthetic.HEAT_PRICE_START_C:g} degC, "
            f"{synthetic.COLD_PRICE_PER_C:g} /degC",
        ),
        (
            "COLD_MARGIN_C, COLD_WIDTH_C",
            f"{climate.COLD_MARGIN_C:g}, {climate.COLD_WIDTH_C:g} degC",
        ),
        (
            "HOT_MARGIN_C, HOT_WIDTH_C",
            f"{climate.HOT_MARGIN_C:g}, {climate.HOT_WIDTH_C:g} degC",
        ),
        ("EVENING_PEAK_H (centre, sd)", f"{climate.EVENING_PEAK_H} h local"),
        ("TIGHTNESS_SD (cold, heat)", f"{synthetic.TIGHTNESS_SD}"),
        ("SCARCITY_EXPONENT", f"{synthetic.SCARCITY_EXPONENT:g}"),
        (
            "SPIKE_RATE_PER_H, SPIKE_MEAN_USD_PER_MWH",
            f"{synthetic.SPIKE_RATE_PER_H:g} /h, {synthetic.SPIKE_MEAN_USD_PER_MWH:g} USD/MWh",
        ),
        ("PRICE_CAP_USD_PER_MWH", f"{climate.PRICE_CAP_USD_PER_MWH:,.0f} USD/MWh"),
    ]
    return rows


def main(argv: Sequence[str] | None = None, out: Callable[[str], None] = print) -> int:
    """Compute and print the calibration; exit status 0.

    Parameters
    ----------
    argv
        Command-line arguments (``--seeds N``, ``--json``).
    out
        Where the lines go (``print`` by default).

    Returns
    -------
    int
        0.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50, help="synthetic years (default 50)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    args = parser.parse_args(argv)
    missing = missing_files()
    if missing:
        out(
            "calibrate_synthetic: shared data not found, nothing computed or written; missing: "
            + ", ".join(str(p) for p in missing)
        )
        return 0
    figures, per_site_year = build_figures(args.seeds)
    if args.json:
        out(
            json.dumps(
                {
                    "seeds": args.seeds,
                    "seconds_per_site_year": per_site_year,
                    "figures": [
                        {
                            "figure": f.name,
                            "real": {str(y): v for y, v in f.real.items()},
                            "synthetic_median": float(np.median(f.synthetic)),
                            "synthetic_min": float(np.min(f.synthetic)),
                            "synthetic_max": float(np.max(f.synthetic)),
                            "median_in_real_range": f.median_in_real_range(),
                        }
                        for f in figures
                    ],
                },
                indent=2,
            )
        )
        return 0
    out(markdown_table(figures, args.seeds))
    out("")
    out("| parameter | value |")
    out("|---|---|")
    for name, value in parameter_rows():
        out(f"| `{name}` | {value} |")
    out("")
    outside = [f.name for f in figures if f.median_in_real_range() is False]
    out(
        f"Synthetic medians outside the real {YEARS[0]}-{YEARS[-1]} range: "
        + ("; ".join(outside) if outside else "none")
        + f". Generator time: {1000 * per_site_year:.0f} ms per site-year (weather and prices)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
