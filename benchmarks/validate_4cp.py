"""4CP avoidance on real ERCOT load, walk-forward: how many monthly peaks a causal forecast catches.

For each test summer ``Y`` (2022, 2023, 2024; 2025 once the load file covers its September) the
forecaster of :mod:`planner.world.forecasters.four_cp` is trained on 2021 .. ``Y - 1`` only and
issues, at 20:00 the evening before each day, the chance that the day holds its month's peak
(given to the hours of its peak window), from the load published by then, the month-to-date
peak, the calendar and a temperature forecast. :class:`planner.engine.policies.FourCPAvoidance`
curtails the hours whose chance reaches its threshold. The threshold and window are chosen on
the training years alone (cross-validated by month); nothing is tuned on the test year. Scored
against the June-September peaks of ``ercot_4cp_monthly_peaks_derived_2020_2025.csv`` (hourly;
the 2023 rows match ERCOT's published 4CP).

The temperature forecast is the realised load-weighted Texas temperature plus an error of a
published day-ahead skill (:mod:`planner.world.forecasters.temperature`), at three settings: 0
(a perfect forecast: a bound), 1.5 degC day-1 MAE (the headline) and 3 degC.

Prints JSON lines (see :class:`benchmarks.validate_common.Report`). Usage::

    .venv/bin/python -m benchmarks.validate_4cp [--data DIR]
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from benchmarks.validate_common import (
    BTC_DAILY,
    FOUR_CP_PEAKS,
    LOAD_HOURLY,
    NASA_DAILY,
    PRICES_HOURLY,
    Report,
    data_dir,
    missing_files,
    read_hourly_prices,
)

if TYPE_CHECKING:
    from planner.domain.fleet import Fleet, Site
    from planner.world.forecasters import FourCPModel

REQUIRED_DATA = [LOAD_HOURLY, NASA_DAILY, FOUR_CP_PEAKS, PRICES_HOURLY, BTC_DAILY]
TITLE = "4CP avoidance, walk-forward, summers 2022-2024"
ZONE = "America/Chicago"
SUMMER = (6, 7, 8, 9)
#: ERCOT weather zone -> the NASA POWER location standing for it (temperature index weights are
#: the zones' shares of summer load in the training years).
ZONE_SITES: dict[str, str] = {
    "COAST": "Houston_US",
    "EAST": "Tyler_TX",
    "FWEST": "Midland_TX",
    "NORTH": "Dallas_TX",
    "NCENT": "Dallas_TX",
    "SOUTH": "San_Antonio_TX",
    "SCENT": "San_Antonio_TX",
    "WEST": "Midland_TX",
}
TEST_YEARS = (2022, 2023, 2024, 2025)
#: First summer with temperatures (NASA POWER starts in December 2020).
FIRST_TEMPERATURE_YEAR = 2021
HEADLINE_MAE = 1.5
#: Policy settings the training years choose from: chance threshold, window either side.
THRESHOLDS = (0.02, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)
WINDOWS = (0, 1)
#: The operator's budget of false-alarm hours a summer: the commercial service's ~20 [h].
FALSE_ALARM_BUDGET_H = 20.0
#: Cross-validation folds over the training summers' months.
FOLDS = 4
#: Seed of the emulated temperature forecasts and the forecaster's paths.
SEED = 11
#: Transmission rate used for the value of a peak avoided (the example fleets' 4CP rate).
RATE_USD_PER_KW_YEAR = 60.0
#: Published comparator: a commercial 4CP alert service, 2022-2024.
PUBLISHED_CAUGHT = 12
PUBLISHED_PRECISION_PCT = 16.7
PUBLISHED_FALSE_ALARM_H_PER_YEAR = 20


# ------------------------------------------------------------------------------------- data


def read_zone_load(data: Path) -> pd.DataFrame:
    """ERCOT native load by weather zone and system total, by UTC hour start [MW]."""
    raw = pd.read_csv(data / LOAD_HOURLY)
    index = pd.DatetimeIndex(
        pd.to_datetime(raw["hour_ending_utc"], utc=True) - pd.Timedelta(hours=1), name="time"
    )
    frame = raw[[*ZONE_SITES, "ERCOT"]].set_axis(index).astype(float)
    return frame[~frame.index.duplicated()].sort_index().asfreq("h").interpolate(limit=3)


def temperature_index(data: Path, load: pd.DataFrame, train_years: tuple[int, ...]) -> pd.Series:
    """Load-weighted daily maximum temperature of Texas, by local day [degC].

    Weights: each zone's share of June-September load in ``train_years``, given to the NASA
    POWER location standing for it (:data:`ZONE_SITES`).
    """
    raw = pd.read_csv(data / NASA_DAILY, usecols=["date", "region", "temp_max_c"])
    table = raw.pivot_table(index="date", columns="region", values="temp_max_c")
    table.index = pd.DatetimeIndex(pd.to_datetime(table.index))
    local = load.index.tz_convert(ZONE)
    keep = local.year.isin(train_years) & local.month.isin(SUMMER)
    shares = load.loc[keep, list(ZONE_SITES)].mean()
    shares = shares / shares.sum()
    weights = shares.groupby(pd.Series(ZONE_SITES)).sum()
    return (table[weights.index] * weights).sum(axis=1, min_count=len(weights))


def covered_years(load: pd.Series) -> list[int]:
    """Test years whose June-September the load file covers."""
    last = load.dropna().index.max().tz_convert(ZONE)
    return [y for y in TEST_YEARS if last >= pd.Timestamp(f"{y}-09-30 23:00", tz=ZONE)]


# ---------------------------------------------------------------------------------- forecast


@dataclass(frozen=True)
class Inputs:
    """What every forecast of one test year reads: system load and the temperature index."""

    load: pd.Series
    temp: pd.Series


def summer_days(years: list[int]) -> pd.DatetimeIndex:
    """Local June-September days of ``years``."""
    days = pd.date_range(f"{min(years)}-06-01", f"{max(years)}-09-30", freq="D")
    return days[days.year.isin(years) & days.month.isin(SUMMER)]


@dataclass(frozen=True)
class Setting:
    """How the forecasts of one table row are made: the temperature forecast's day-1 MAE
    [degC] and how far it reaches [days] (16, a real forecast's; 31 for a bound)."""

    mae_c: float
    reach_days: int = 16


#: The forecast settings of the table: a perfect 16-day forecast (a bound), the headline, a worse
#: one, and the bound that knows every day's temperature of the month.
SETTINGS: dict[str, Setting] = {
    "perfect": Setting(0.0),
    "headline": Setting(HEADLINE_MAE),
    "worse": Setting(3.0),
    "perfect_month": Setting(0.0, reach_days=31),
}
#: How each setting reads in the tables (``known_peak`` and ``known_rest`` are bounds made
#: from the headline's models, ``month_max`` from the realised month).
LABELS = {
    "perfect": "perfect 16-day forecast (bound)",
    "headline": f"forecast, day-1 MAE {HEADLINE_MAE:g} degC",
    "worse": "forecast, day-1 MAE 3 degC",
    "perfect_month": "hindsight bound: realised temperature every day of the month",
    "known_peak": f"hindsight bound: the day's realised peak known (rest: MAE {HEADLINE_MAE:g})",
    "known_rest": "hindsight bound: the rest of the month's realised highest known (day: MAE "
    f"{HEADLINE_MAE:g})",
    "month_max": "hindsight bound: the month's realised max (former rule)",
}


def issued_rows(
    inputs: Inputs, days: pd.DatetimeIndex, climate: pd.Series, setting: Setting
) -> pd.DataFrame:
    """Feature rows of ``days`` (with their realised peaks), each issued the evening before with
    an emulated temperature forecast of the setting's skill and reach."""
    from planner.world.forecasters import emulated_forecast, training_rows

    def forecast(issue: pd.Timestamp) -> pd.Series:
        rng = np.random.default_rng([SEED, int(issue.value // 10**9)])
        issue_day = issue.tz_convert(ZONE).tz_localize(None).normalize()
        return emulated_forecast(inputs.temp, issue_day, setting.mae_c, rng, setting.reach_days)

    return training_rows(
        inputs.load,
        inputs.temp,
        days,
        tz=ZONE,
        climate_c=climate,
        forecasts=forecast,
        reach_days=setting.reach_days,
    )


def hourly_chances(model: FourCPModel, rows: pd.DataFrame, known: str | None = None) -> pd.Series:
    """Chance that the peak window of each day of ``rows`` holds its month's peak [-]. Hindsight
    bounds: ``known="peak"`` reads the day's realised peak in place of its forecast,
    ``known="rest"`` the realised highest peak of the month's later days in place of that."""
    from planner.world.forecasters import chances_from_rows, hourly_probability

    features = rows.drop(columns=["peak_mw", "rest_peak_mw"])
    chances = chances_from_rows(
        model,
        features,
        known_peak_mw=rows["peak_mw"] if known == "peak" else None,
        known_rest_mw=rows["rest_peak_mw"] if known == "rest" else None,
    )
    times = _hours(pd.DatetimeIndex(rows.index))
    return pd.Series(hourly_probability(model, chances, times), index=times)


def fold_of(day: pd.Timestamp) -> int:
    """Cross-validation fold of a training month: rotates with the year, so a fold holds
    different months in different years."""
    return (day.year + day.month) % FOLDS


def walk_forward(inputs: Inputs, year: int, setting: Setting) -> dict[str, Any]:
    """For test ``year``: the model trained on everything before it, the test summer's issued
    rows, and the out-of-fold hourly chances of the training summers (each month forecast by a
    model fitted without its fold), on which the policy is chosen: ``cv`` forecast,
    ``cv_peak`` and ``cv_rest`` with the day's or the rest of the month's realised peak known
    (:func:`hourly_chances`' bounds). All learn from forecasts of the setting's skill."""
    from planner.world.forecasters import fit_from_rows, training_set
    from planner.world.forecasters.four_cp import peak_window

    until = pd.Timestamp(f"{year}-01-01", tz=ZONE).tz_convert("UTC")
    rows, climate, load = training_set(
        inputs.load,
        inputs.temp,
        until=until,
        tz=ZONE,
        day1_mae_c=setting.mae_c,
        seed=SEED,
        reach_days=setting.reach_days,
    )
    local = load.tz_convert(ZONE)
    local_day = local.index.tz_localize(None).normalize()

    def fit(keep: np.ndarray) -> FourCPModel:
        held = rows.index[~keep]
        return fit_from_rows(
            rows[keep],
            climate=climate,
            window=peak_window(local[~local_day.isin(held)]),
            until=until,
            tz=ZONE,
            day1_mae_c=setting.mae_c,
            seed=SEED,
        )

    model = fit(np.ones(len(rows), dtype=bool))
    summer = np.asarray(rows.index.month.isin(SUMMER))
    folds = np.array([fold_of(d) for d in rows.index])
    parts: dict[str | None, list[pd.Series]] = {None: [], "peak": [], "rest": []}
    for k in sorted(set(folds[summer])):
        held = summer & (folds == k)
        fold_model = fit(~held)
        for known, part in parts.items():
            part.append(hourly_chances(fold_model, rows[held], known))
    return {
        "model": model,
        "test_rows": issued_rows(inputs, summer_days([year]), climate, setting),
        **{f"cv_{k}" if k else "cv": pd.concat(p).sort_index() for k, p in parts.items()},
    }


def day_ahead_mape(median_mw: pd.Series, rows: pd.DataFrame) -> dict[str, float]:
    """Mean absolute percentage error of the day's peak forecast (its median, by local day) and
    of persistence (tomorrow's peak = the issue day's published peak) over ``rows`` [%]."""
    realised = rows["peak_mw"].to_numpy(dtype=float)
    median = median_mw.reindex(rows.index).to_numpy(dtype=float)
    persistence = rows["recent_peak_mw"].to_numpy(dtype=float)
    return {
        "model_mape_pct": float(np.mean(np.abs(median / realised - 1.0)) * 100.0),
        "persistence_mape_pct": float(np.mean(np.abs(persistence / realised - 1.0)) * 100.0),
    }


def reliability(chances: pd.Series, peaks: pd.DatetimeIndex) -> pd.DataFrame:
    """Out-of-fold reliability by decile of the day's chance: mean chance, share of the days
    that held their month's peak, and the count of days and peaks in each decile."""
    local = chances.tz_convert(ZONE)
    day = local.groupby(local.index.tz_localize(None).normalize()).max()
    peak_days = pd.DatetimeIndex(peaks.tz_convert(ZONE).tz_localize(None).normalize())
    frame = pd.DataFrame({"chance": day, "peak": day.index.isin(peak_days)})
    frame["decile"] = pd.qcut(frame["chance"].rank(method="first"), 10, labels=False) + 1
    out = frame.groupby("decile").agg(
        mean_chance=("chance", "mean"),
        peak_share=("peak", "mean"),
        days=("peak", "size"),
        peaks=("peak", "sum"),
    )
    return out.reset_index()


def actual_peaks(data: Path, year: int) -> pd.DatetimeIndex:
    """The four June-September peak hours of ``year`` (UTC hour starts) from the derived file."""
    raw = pd.read_csv(data / FOUR_CP_PEAKS)
    rows = raw[(raw["year"] == year) & raw["month"].isin(SUMMER)]
    ends = pd.to_datetime(rows["hour_ending_utc"], utc=True)
    return pd.DatetimeIndex(ends - pd.Timedelta(hours=1))


# ----------------------------------------------------------------------------------- scoring


def enrolled_site() -> tuple[Fleet, Site]:
    """A site enrolled in 4CP at the example rate, for the policy to act on."""
    from planner.domain.fleet import fleet_from_dict

    fleet = fleet_from_dict(
        {
            "name": "4cp",
            "sites": [
                {
                    "id": "tx",
                    "name": "Texas 4CP site",
                    "latitude": 31.85,
                    "longitude": -102.37,
                    "timezone": ZONE,
                    "region": "TRE",
                    "grid": {"iso": "ERCOT", "node": "HB_WEST"},
                    "capacity_mw": 40.0,
                    "cooling": "air",
                    "overhead": 1.05,
                    "slots": 12000,
                    "repair_crews": 1,
                    "restart_minutes": 30.0,
                    "contract": {"kind": "index", "adder_usd_per_mwh": 4.0},
                    "machines": {"s19j-pro": 10000},
                    "programs": {"four_cp": {"rate_usd_per_kw_year": RATE_USD_PER_KW_YEAR}},
                }
            ],
        },
        "4cp",
    )
    return fleet, fleet.sites[0]


def curtailed(probability: pd.Series, threshold: float, window_hours: int = 0) -> pd.Series:
    """The hours :class:`planner.engine.policies.FourCPAvoidance` curtails at an enrolled site."""
    from planner.domain.ledger import SiteHours
    from planner.engine.policies import FourCPAvoidance

    _, site = enrolled_site()
    times = pd.DatetimeIndex(probability.index)
    n = len(times)
    hours = SiteHours(
        times=times,
        temp_air_c=np.full(n, 25.0),
        price_usd_per_mwh=np.zeros(n),
        hashprice_usd_per_th_day=np.zeros(n),
        grid_available=np.ones(n),
        four_cp_peak=np.zeros(n, dtype=bool),
        dr_called=np.zeros(n, dtype=bool),
        four_cp_probability=probability.to_numpy(),
        alert_active=np.zeros(n, dtype=bool),
    )
    policy = FourCPAvoidance(threshold=threshold, window_hours=window_hours)
    return pd.Series(policy.curtailed_hours(site, hours), index=times)


def score(
    flags: pd.Series, peaks: pd.DatetimeIndex, margin_usd_per_mwh: pd.Series
) -> dict[str, Any]:
    """Peaks caught, curtailed hours, false alarms, precision and the net value per MW.

    Value: each peak caught saves a quarter of the yearly charge on 1 MW (``rate x 1000 / 4``);
    each curtailed hour loses the mining margin of 1 MW in it (S19j Pro at the real HB_WEST price
    and hashprice, never below 0) [USD per MW].
    """
    caught = int(flags.reindex(peaks).fillna(False).astype(bool).sum())
    hours = int(flags.sum())
    saved = RATE_USD_PER_KW_YEAR * 1000.0 / 4.0 * caught
    lost = float(margin_usd_per_mwh.reindex(flags.index[flags.to_numpy()]).clip(lower=0).sum())
    return {
        "caught": caught,
        "curtailed_h": hours,
        "false_alarm_h": hours - caught,
        "precision_pct": 100.0 * caught / hours if hours else float("nan"),
        "net_value_usd_per_mw": saved - lost,
    }


def mining_margin(data: Path, times: pd.DatetimeIndex) -> pd.Series:
    """Margin of 1 MW of S19j Pro per hour at HB_WEST + 4 USD/MWh, PUE 1.05 [USD/MWh]."""
    from planner.domain import economics

    prices = read_hourly_prices(data)["HB_WEST"].reindex(times)
    btc = pd.read_csv(data / BTC_DAILY)
    btc.index = pd.DatetimeIndex(pd.to_datetime(btc["date_utc"], utc=True))
    day = btc.reindex(times.floor("D")).ffill()
    hashprice = economics.hashprice_usd_per_th_day(
        day["btc_close_usd"].to_numpy(),
        network_hashrate_eh_s=day["hashrate_eh_s"].to_numpy(),
        subsidy_btc=economics.block_subsidy_btc_at(times),
        fee_share=0.03,
        pool_fee=0.02,
    )
    breakeven = economics.breakeven_usd_per_mwh(hashprice, 29.5, 1.05)
    return pd.Series(np.asarray(breakeven) - (prices.to_numpy() + 4.0), index=times)


def choose(
    chances: pd.Series, peaks: pd.DatetimeIndex, years: int, margin: pd.Series | None = None
) -> tuple[float, int]:
    """The policy (threshold, window) the training years pick.

    Without ``margin`` (the *budget* rule, the acceptance's): the most peaks caught within
    :data:`FALSE_ALARM_BUDGET_H` false-alarm hours a summer on average, then the fewest
    curtailed hours. With ``margin`` (the *value* rule, a miner's): the best net value per MW
    (:func:`score`). Ties go to the smaller window and the higher threshold.
    """
    best: tuple[Any, ...] | None = None
    for window in WINDOWS:
        for threshold in THRESHOLDS:
            flags = curtailed(chances, threshold, window)
            if margin is not None:
                key: tuple[Any, ...] = (score(flags, peaks, margin)["net_value_usd_per_mw"],)
            else:
                caught = int(flags.reindex(peaks).fillna(False).astype(bool).sum())
                if int(flags.sum()) - caught > FALSE_ALARM_BUDGET_H * years:
                    continue
                key = (caught, -int(flags.sum()))
            key += (-window, threshold)
            if best is None or key > best:
                best = key
    if best is None:
        return max(THRESHOLDS), 0
    return float(best[-1]), int(-best[-2])


#: The policy rules: the acceptance's false-alarm budget and a miner's net value.
RULES = ("budget", "value")


@dataclass(frozen=True)
class Scoring:
    """What a test year's policies are chosen on and scored against."""

    year: int
    peaks: pd.DatetimeIndex
    train_peaks: pd.DatetimeIndex
    margin: pd.Series
    train_margin: pd.Series

    def rows(
        self, key: str, cv: pd.Series, chances: pd.Series, rules: tuple[str, ...]
    ) -> list[dict[str, Any]]:
        """One table row per rule: the policy chosen on the out-of-fold ``cv`` chances of the
        training years, applied to the test year's ``chances`` and scored."""
        out = []
        for rule in rules:
            on = self.train_margin if rule == "value" else None
            threshold, window = choose(cv, self.train_peaks, self.year - FIRST_TEMPERATURE_YEAR, on)
            flags = curtailed(chances, threshold, window)
            out.append(
                {
                    "year": self.year,
                    "setting": key,
                    "rule": rule,
                    "threshold": threshold,
                    "window_h": window,
                    **score(flags, self.peaks, self.margin),
                }
            )
        return out


def hindsight_chances(load: pd.Series, year: int) -> pd.Series:
    """The former library rule, a bound: each hour's chance ``Phi((L - M) / (0.02 M) + 1)`` with
    ``M`` the month's *realised* maximum, so every real peak scores 0.84."""
    from scipy.stats import norm

    local = load.tz_convert(ZONE)
    part = local[(local.index.year == year) & local.index.month.isin(SUMMER)]
    month_max = part.groupby(part.index.month).transform("max")
    z = (part - month_max) / (0.02 * month_max) + 1.0
    return pd.Series(norm.cdf(z.to_numpy()), index=part.index.tz_convert("UTC"))


def peak_table(chances: pd.Series, peaks: pd.DatetimeIndex) -> list[dict[str, Any]]:
    """Each peak's hourly chance and how many summer hours score at least as high."""
    rows = []
    for peak in peaks:
        chance = float(chances.get(peak, 0.0))
        rows.append(
            {
                "peak_hour_local": f"{peak.tz_convert(ZONE):%Y-%m-%d %H:00}",
                "chance": chance,
                "hours_at_or_above": int((chances >= chance).sum()) if chance > 0 else None,
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    """Backtest 4CP avoidance walk-forward and print the results as JSON lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="data folder (default ../shared/data)")
    args = parser.parse_args(argv)
    data = data_dir(args.data)
    report = Report("4cp", TITLE)
    missing = missing_files(data, REQUIRED_DATA)
    if missing:
        report.text("Missing data files: " + ", ".join(missing))
        report.done()
        return 0
    from planner.world.forecasters import peak_quantiles

    zones = read_zone_load(data)
    years = covered_years(zones["ERCOT"])
    rows: list[dict[str, Any]] = []
    peak_rows: list[dict[str, Any]] = []
    mape_rows: list[dict[str, Any]] = []
    calibration = pd.DataFrame()
    for year in years:
        inputs = Inputs(zones["ERCOT"], temperature_index(data, zones, tuple(range(2021, year))))
        peaks = actual_peaks(data, year)
        train_peaks = pd.DatetimeIndex(
            [p for y in range(FIRST_TEMPERATURE_YEAR, year) for p in actual_peaks(data, y)]
        )
        margin = mining_margin(data, _hours(summer_days([year])))
        train_margin = mining_margin(data, _hours(summer_days(list(range(2021, year)))))

        scored = Scoring(year, peaks, train_peaks, margin, train_margin)
        for key, setting in SETTINGS.items():
            fits = walk_forward(inputs, year, setting)
            test = fits["test_rows"]
            chances = hourly_chances(fits["model"], test)
            bound = key == "perfect_month"
            rows += scored.rows(key, fits["cv"], chances, ("budget",) if bound else RULES)
            if bound:
                continue
            median = peak_quantiles(fits["model"], test)[0.5]
            mape_rows.append({"year": year, "setting": key, **day_ahead_mape(median, test)})
            if setting.mae_c == HEADLINE_MAE:
                for known in ("peak", "rest"):
                    hindsight = hourly_chances(fits["model"], test, known)
                    rows += scored.rows(
                        f"known_{known}", fits[f"cv_{known}"], hindsight, ("budget",)
                    )
                peak_rows += [{"year": year, **r} for r in peak_table(chances, peaks)]
                calibration = reliability(fits["cv"], train_peaks).assign(test_year=year)
        rows.append(
            {
                "year": year,
                "setting": "month_max",
                "rule": "hindsight",
                "threshold": 0.5,
                "window_h": 0,
                **score(curtailed(hindsight_chances(inputs.load, year), 0.5), peaks, margin),
            }
        )
    table = pd.DataFrame(rows)
    _publish(report, table, pd.DataFrame(peak_rows), years)
    _publish_diagnostics(report, pd.DataFrame(mape_rows), calibration)
    report.done()
    return 0


def _hours(days: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The hours of the local ``days``, UTC."""
    start = days.min().tz_localize(ZONE)
    end = (days.max() + pd.Timedelta(days=1)).tz_localize(ZONE)
    times = pd.date_range(start, end, freq="h", inclusive="left").tz_convert("UTC")
    return times[times.tz_convert(ZONE).tz_localize(None).normalize().isin(days)]


# ----------------------------------------------------------------------------------- report


def _publish(report: Report, table: pd.DataFrame, peaks: pd.DataFrame, years: list[int]) -> None:
    """Method, tables, headline figures, the acceptance verdict and the weaknesses."""
    report.text(_METHOD, heading="Method")
    shown = table.assign(temperature=table["setting"].map(LABELS)).drop(columns="setting")
    columns = ["year", "temperature", "rule", "threshold", "window_h", "caught", "curtailed_h"]
    columns += ["false_alarm_h", "precision_pct", "net_value_usd_per_mw"]
    report.table(
        "fourcp_walk_forward",
        "Peaks caught (of 4), curtailed and false-alarm hours by test year and temperature "
        "forecast; threshold and window chosen on the training years only",
        shown[columns],
        {
            "year": "d",
            "threshold": ".3f",
            "window_h": "d",
            "caught": "d",
            "curtailed_h": "d",
            "false_alarm_h": "d",
            "precision_pct": ".1f",
            "net_value_usd_per_mw": ",.0f",
        },
        note="Rules, both chosen on the training years: budget = the most peaks within "
        f"{FALSE_ALARM_BUDGET_H:.0f} false-alarm hours a summer (the acceptance's); value = the "
        "best net value per MW (15,000 USD a peak against the margin of each hour curtailed). "
        "Bounds, not forecasts: the perfect 16-day temperature forecast; the realised "
        "temperature of every day of the month (the rest of the month no longer falls back on "
        "the climate); the day's realised peak known (its forecast replaced by what happened, "
        "the rest of the month still forecast, threshold chosen on the training years' "
        "out-of-fold chances made the same way); the former library rule (the month's realised "
        "maximum known), which catches every peak by construction.",
    )
    if not peaks.empty:
        report.table(
            "fourcp_peak_chances",
            f"Each real peak's day-ahead chance (forecast day-1 MAE {HEADLINE_MAE:g} degC) and "
            "how many summer hours score as high (the hours a threshold catching it curtails)",
            peaks,
            {"year": "d", "chance": ".3f", "hours_at_or_above": "d"},
        )
    head = table[(table["setting"] == "headline") & (table["rule"] == "budget")]
    head = head.set_index("year")
    for year in (2023, 2024):
        if year in head.index:
            row = head.loc[year]
            report.figure(
                f"fourcp_{year}_caught",
                f"4CP {year}, out of sample, day-ahead: peaks caught of 4 (forecast day-1 MAE "
                f"{HEADLINE_MAE:g} degC)",
                float(row["caught"]),
                "peaks",
                published="the commercial service caught all 4 with about 20 false-alarm hours",
                comparison=f"{int(row['caught'])} of 4 with {int(row['false_alarm_h'])} "
                f"false-alarm hours (threshold {row['threshold']:g}, window "
                f"{int(row['window_h'])} h, chosen on the years before)",
                fmt=".0f",
            )
    span = [y for y in (2022, 2023, 2024) if y in head.index]
    if span:
        total = head.loc[span].sum(numeric_only=True)
        precision = 100.0 * total["caught"] / total["curtailed_h"] if total["curtailed_h"] else 0
        label = f"{span[0]}-{span[-1]}"
        report.figure(
            "fourcp_precision",
            f"4CP {label}, out of sample, day-ahead: precision, peaks caught over curtailed hours",
            precision,
            "%",
            published=f"{PUBLISHED_PRECISION_PCT} % (commercial service, 12 of 12 peaks)",
            comparison=f"{int(total['caught'])} of {4 * len(span)} peaks, "
            f"{int(total['false_alarm_h'])} false-alarm hours "
            f"({total['false_alarm_h'] / len(span):.0f} a year against about "
            f"{PUBLISHED_FALSE_ALARM_H_PER_YEAR})",
        )
    value = table[(table["setting"] == "headline") & (table["rule"] == "value")]
    report.text(
        _verdict(head, value.set_index("year"), table[table["rule"] == "budget"]),
        heading="Acceptance: all 4 peaks in 2023 and 2024, at most 20 false-alarm hours a year",
    )
    if 2025 not in years:
        report.text(
            "2025 is not scored: the load file ends in August 2025, before September's peak."
        )
    for text in _WEAKNESSES:
        report.weakness(text)


def _publish_diagnostics(report: Report, mape: pd.DataFrame, calibration: pd.DataFrame) -> None:
    """The day-peak forecast's error, walk-forward, and the chance's out-of-fold reliability."""
    if not mape.empty:
        shown = mape.assign(temperature=mape["setting"].map(LABELS)).drop(columns="setting")
        report.table(
            "fourcp_day_ahead_mape",
            "Day-ahead forecast of the day's peak load, walk-forward, June-September of the test "
            "year: mean absolute percentage error of the median and of persistence (tomorrow's "
            "peak = the issue day's)",
            shown[["year", "temperature", "model_mape_pct", "persistence_mape_pct"]],
            {"year": "d", "model_mape_pct": ".2f", "persistence_mape_pct": ".2f"},
            note="ERCOT's own Mid-Term Load Forecast, not in the data, publishes its monthly "
            "day-ahead MAPE over all hours (ercot.com/gridinfo/load/forecast, a chart); an "
            "ERCOT stakeholder table of 2006 gave 2.1-2.7 % for June-August of its 16:00 "
            "day-ahead run. Ranking a month's peak day above days within 1 % of it needs far "
            "less error than either.",
        )
    if not calibration.empty:
        year = int(calibration["test_year"].iloc[0])
        report.table(
            "fourcp_reliability",
            f"Out-of-fold reliability of the day's chance, training summers 2021-{year - 1} "
            f"(forecast day-1 MAE {HEADLINE_MAE:g} degC): by decile of the chance, the share "
            "of days that held their month's peak",
            calibration.drop(columns="test_year"),
            {"decile": "d", "mean_chance": ".3f", "peak_share": ".3f", "days": "d", "peaks": "d"},
        )


def _verdict(head: pd.DataFrame, value: pd.DataFrame, budget: pd.DataFrame) -> str:
    """Whether the headline meets the target in 2023 and 2024, and by how much it misses
    (``value``: the value rule's rows, for the other side of the trade; ``budget``: every
    setting's budget-rule rows, for the bounds)."""
    lines = []
    known = budget[(budget["setting"] == "known_peak") & budget["year"].isin([2023, 2024])]
    rest_falls_short = bool(
        ((known["caught"] < 4) | (known["false_alarm_h"] > FALSE_ALARM_BUDGET_H)).any()
    )
    for year in (2023, 2024):
        if year not in head.index:
            lines.append(f"- {year}: not scored (no data).")
            continue
        row = head.loc[year]
        caught, false_alarms = int(row["caught"]), int(row["false_alarm_h"])
        met = caught == 4 and false_alarms <= FALSE_ALARM_BUDGET_H
        misses = []
        if caught < 4:
            misses.append(f"{4 - caught} peak(s) missed")
        if false_alarms > FALSE_ALARM_BUDGET_H:
            misses.append(f"{false_alarms - FALSE_ALARM_BUDGET_H:.0f} false-alarm hours too many")
        other = value.loc[year] if year in value.index else None
        trade = (
            f" The value rule: {int(other['caught'])} of 4 with {int(other['false_alarm_h'])} "
            "false-alarm hours."
            if other is not None
            else ""
        )
        bounds = " ".join(
            f"{LABELS[key].removeprefix('hindsight bound: ')}: "
            f"{int(r['caught'])} of 4 with {int(r['false_alarm_h'])} false-alarm hours;"
            for key in ("known_peak", "known_rest", "perfect_month")
            for _, r in budget[(budget["setting"] == key) & (budget["year"] == year)].iterrows()
        )
        lines.append(
            f"- {year}: {caught} of 4 caught, {false_alarms} false-alarm hours: "
            + ("**met**." if met else "**missed** (" + ", ".join(misses) + ").")
            + trade
            + (f" Hindsight bounds (budget rule): {bounds.rstrip(';')}." if bounds else "")
        )
    return (
        "\n".join(lines)
        + "\n\nWhere the target is missed, the peak table above says why: a missed peak's "
        "day-ahead chance was below the threshold the training years chose, and catching it "
        "would have meant curtailing every hour that scored as high (its last column; a "
        "hindsight count, not a realisable policy)."
        + (
            " The bounds say where the gap lies: with tomorrow's peak load known exactly, the "
            "rest-of-month term alone still misses peaks or over-alarms, so a better day-ahead "
            "load or temperature forecast cannot close it on its own."
            if rest_falls_short
            else ""
        )
    )


_METHOD = f"""\
**Forecaster** (`planner.world.forecasters.four_cp`, docs/model.md). At 20:00 US/Central the
evening before each June-September day it issues the chance that the day holds its month's peak,
from what is published by then (one feature function, `four_cp_features.issue_features`, for
training rows and issues alike): system load to the hour ending 19:00 (one hour of publication
lag), hence the issue day's peak (the yardstick), the week's peak and the month-to-date peak; the
daily maximum of a load-weighted Texas temperature index (NASA POWER at Houston, Dallas, Tyler,
San Antonio and Midland, weighted by their ERCOT weather zones' share of summer load in the
training years) observed that day; a temperature forecast for the day and the rest of the month
(16 days; the training years' climate beyond); the calendar (weekends and U.S. federal
holidays). Two sets of scikit-learn `HistGradientBoostingRegressor`s with quantile loss (levels
0.05 .. 0.95) forecast the day's peak and the highest peak of the month's later days, each as a
ratio to the issue day's peak; the chance is P(day's peak > max(month-to-date peak, rest's
highest)). The yardstick was the week's peak until the training years' out-of-fold forecasts
(below) preferred the issue day's: 2 of 8 training peaks caught within the budget instead of 1
for the 2023 test, 4 of 12 instead of 3 for 2024.
Alerts curtail only the peak window, the two local hours that held most near-peak days' peaks in
the training years (16:00-18:00 CDT in every test year), not the afternoon.

**Walk-forward.** For test summer Y the models are trained on May-October days of 2021..Y-1
(temperatures start in December 2020; 2020's load serves the peak window), each training day
issued the evening before with an emulated forecast of the same skill as the test's. The policy,
`FourCPAvoidance(threshold, window)`, is chosen on the training summers alone: each month is
forecast by models fitted without its fold (months rotated over {FOLDS} folds), and the
*budget* rule picks the setting catching the most peaks within {FALSE_ALARM_BUDGET_H:.0f}
false-alarm hours a summer, then curtailing the fewest hours (the acceptance's terms); the
*value* rule, shown beside it, picks the best net value per MW on the same forecasts (a miner's
terms). Nothing about the test year is used: no realised temperature (the forecast below), no
error correction from later days, no threshold chosen on it. The model's form (features,
monotone constraints, the two-hour window) was first settled on the 2022 test and on
out-of-fold forecasts of 2021-2023, with no setting tried on the test years. The later changes
(the yardstick above) were chosen on the training years' out-of-fold figures, but the
2023 and 2024 walk-forward results were computed alongside and seen, and several alternatives
were tried and dropped on their out-of-fold figures: training on every month of the year
rather than May-October, widening both quantile models' spread around their medians (twice),
and a simulated rest of the month (one quantile model for every lead, the days' draws joined by
a correlation estimated out of fold).

**Temperature forecast.** No archived forecasts are in the data, so a forecast is the realised
index plus a normal error whose mean absolute error is, at one day of lead, 0 (a perfect
forecast: a bound), {HEADLINE_MAE:g} degC (the headline) or 3 degC, growing by 30 % of the day-1
value per day of lead (`planner.world.forecasters.temperature`). Published point verification
of daily maximum temperature puts the day-1 MAE near 1-2 degC (MetGIS: 1.03 degC at day 1, 1.36
at day 3, 2.32 at day 5, metgis.com/en/about/performance_temp; NWS MOS and NDFD verification of
day-1 maxima is about 2.5-3.5 degF, 1.4-1.9 degC), so {HEADLINE_MAE:g} degC is a mid value; the
index averages five cities, whose errors partly cancel, so the setting is on the cautious side.
Live, the forecast would be Open-Meteo's, through the same feature function.

**Scoring.** Peaks are the hours of the derived monthly peaks file (hourly load: ERCOT's 4CP is
a 15-minute interval, which the peak hour contains; the 2023 days and intervals match the
published ones). A peak is caught when its hour is curtailed; every other curtailed hour is a
false alarm; precision = caught / curtailed hours (the commercial service: 12 of 12 peaks in
2022-2024 at 16.7 %, about 20 false-alarm hours a year). Net value per MW: each caught peak saves
a quarter of {RATE_USD_PER_KW_YEAR:.0f} USD/kW-yr on 1 MW (15,000 USD); each curtailed hour loses
the mining margin of 1 MW of S19j Pro at the real HB_WEST price and hashprice.

**Bounds that locate the gap** (hindsight, labelled in the table; each with its threshold chosen
on the training years' out-of-fold chances made the same way): the perfect 16-day temperature
forecast; the realised temperature of every day of the month (no climate beyond 16 days); and
the day's realised peak known, its forecast replaced by what happened while the rest of the
month is still forecast at the headline skill (what the rest-of-month term alone leaves to
miss); and the converse, the realised highest peak of the month's later days known while the
day is forecast (what the day's own forecast alone leaves to miss). **Day-peak error**: the
MAPE of the median forecast of each test-summer day's peak, walk-forward, beside persistence
(tomorrow's peak = the issue day's). **Reliability**: the out-of-fold chances of the last test
year's training summers by decile, against the share of those days that held their month's
peak."""

_WEAKNESSES = [
    "Neither term of the chance closes the gap alone (the bounds in the table): a perfect "
    "forecast of tomorrow's peak load still leaves the rest-of-month term to miss peaks or "
    "over-alarm, and knowing the rest of the month's highest exactly while the day is "
    "forecast does no better, in 2023 worse than the forecast itself: a month's peak day is "
    "its most extreme, and a day-peak forecast that is right on average sits below it, so the "
    "peak day scores low exactly when it matters. Heat waves with a record day every few "
    "days (28 such days in summer 2023, 24 in 2024) leave many days near the peak.",
    "The chance is over-confident: out of fold its top decile averages about twice the share "
    "of days that held their month's peak, and 4 deciles in 10 score exactly 0 (the quantiles "
    "cannot reach the month-to-date peak or the rest's highest) while a few peaks come from "
    "the middle deciles. The threshold, chosen on the same out-of-fold chances, absorbs the "
    "level; the ranking is what limits it.",
    "Three training summers at most, twelve peaks: the rest-of-month model has seen few "
    "months, and the policy's choice rests on a handful of out-of-fold peaks.",
    "The month's peak often beats other days by under 1 % (two to seven days a month lie "
    "within 1 % of it in 2021-2024), less than a day-ahead forecast's error: days just below "
    "the peak before it are unavoidable alarms, and a peak just above a later day is a likely "
    "miss.",
    "The temperature forecast is emulated (realised plus an independent normal error per day "
    "and issue); real forecast errors are correlated across days and cities and larger in "
    "heat waves that models miss. The perfect-forecast rows show how much of the gap is the "
    "forecast's.",
    "ERCOT's own 7-day load forecast, which commercial services read, is not in the data; the "
    "model rebuilds the peak from load persistence and temperature, and large flexible loads "
    "(miners, data centres) that curtail on high-load days flatten exactly the peaks it must "
    "rank.",
    "Peaks are scored hourly: ERCOT's 4CP is a 15-minute interval, and an hour-long curtailment "
    "covers it only when the interval falls in the curtailed hour.",
]


if __name__ == "__main__":
    raise SystemExit(main())
