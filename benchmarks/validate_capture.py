"""Perfect-foresight capture over summer 2023 at HB_WEST: how much of the best possible profit
the rolling-horizon optimizer and the strike rule earn.

One index-priced site at ERCOT's West hub (real-time price + 4 USD/MWh adder, PUE 1.05) with
10,000 Antminer S19j Pro (29.5 J/TH) and 10,000 S21 (17.5 J/TH), paid the real hashprice of each
day (daily BTC close and network hashrate from the shared BTC file, 3 % fees, 2 % pool fee).
June-September 2023 in Central time, 2,928 hours.

Profit of a schedule ``u_kh`` (share of tier ``k`` running in hour ``h``)::

    profit = sum_kh u_kh n_k (H_k hashprice_h / 24 - P_k / 10^6 x PUE x (price_h + adder))

(every machine available: no derate, failures or outages, so the study isolates the price
decision). Perfect foresight runs a tier exactly in the hours its margin is positive (the
closed form); every capture share is a strategy's profit over that. The 15-minute figures use
the native 15-minute settlement prices with the same formula per interval.

Prints JSON lines (see :class:`benchmarks.validate_common.Report`). Usage::

    .venv/bin/python -m benchmarks.validate_capture [--data DIR]
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
    NASA_DAILY,
    PRICES_15MIN,
    PRICES_HOURLY,
    PriceForecaster,
    Report,
    calibrate_noise,
    data_dir,
    day_ahead_feeds,
    missing_files,
    offer_cap_usd_per_mwh,
    read_hourly_prices,
    rolling_run,
)

if TYPE_CHECKING:
    from planner.domain.fleet import Fleet
    from planner.world.feeds import Feeds
    from planner.world.scenarios import Scenario

REQUIRED_DATA = [PRICES_HOURLY, PRICES_15MIN, BTC_DAILY, NASA_DAILY]
TITLE = "Perfect-foresight capture, HB_WEST, summer 2023"

NODE = "HB_WEST"
FIRST_LOCAL, END_LOCAL = "2023-06-01", "2023-10-01"
ZONE = "America/Chicago"
#: The site (one index-priced site, two tiers).
SITE: dict[str, Any] = {
    "id": "west",
    "name": "West Texas capture site",
    "latitude": 31.85,
    "longitude": -102.37,
    "timezone": ZONE,
    "region": "TRE",
    "grid": {"iso": "ERCOT", "node": NODE},
    "capacity_mw": 70.0,
    "cooling": "air",
    "overhead": 1.05,
    "slots": 20000,
    "repair_crews": 2,
    "restart_minutes": 30.0,
    "contract": {"kind": "index", "adder_usd_per_mwh": 4.0},
    "machines": {"s19j-pro": 10000, "s21": 10000},
}
MARKET = {"fee_share": 0.03, "pool_fee": 0.02}
#: Forecast scenarios of the hourly decision, of each rolling re-plan, hours each plan looks ahead.
SCENARIOS = 10
ROLLING_SCENARIOS = 5
HORIZON_H = 24
#: Hours at which the forecast-only decision is checked against the LP: every CHECK_EVERY hours.
CHECK_EVERY = 24
CHECK_OFFSET = 18
ROLLING = "rolling optimizer, daily plan"
ROLLING_GUARD = "rolling optimizer + guard"
#: Strike rule on 15-minute prices: intervals above (below) the strike before shedding
#: (restoring), and intervals a shed tier stays off (2 h, the library default hold).
STRIKE_DEBOUNCE = 1
STRIKE_HOLD = 8
#: Published comparators.
PUBLISHED_ML_PCT = 99.7
PUBLISHED_DAY_AHEAD_PCT = 79.0


def capture_fleet() -> Fleet:
    """The one-site fleet of the study."""
    from planner.domain.fleet import fleet_from_dict

    return fleet_from_dict({"name": "capture", "market": MARKET, "sites": [SITE]}, "capture")


@dataclass(frozen=True)
class Tiers:
    """Per tier (most efficient first): machines, TH/s and W per machine."""

    count: np.ndarray
    th_s: np.ndarray
    watts: np.ndarray
    overhead: float
    adder: float

    @classmethod
    def of(cls, fleet: Fleet) -> Tiers:
        """The tiers of the fleet's only site, in :func:`planner.domain.ledger.site_tiers` order."""
        from planner.domain.economics import IndexContract
        from planner.domain.ledger import site_tiers

        site = fleet.sites[0]
        if not isinstance(site.contract, IndexContract):
            raise ValueError(f"site {site.id}: the capture study needs an index contract")
        tiers = site_tiers(fleet, site)
        return cls(
            np.array([t.count for t in tiers], dtype=float),
            np.array([t.model.hashrate_th_s for t in tiers]),
            np.array([t.model.power_w for t in tiers]),
            float(site.overhead),
            float(site.contract.adder_usd_per_mwh),
        )

    def margin(self, price: np.ndarray, hashprice: np.ndarray, hours: float) -> np.ndarray:
        """Profit of running each tier fully over intervals of ``hours`` h, ``(tiers, n)`` [USD].

        ``n_k (H_k hashprice / 24 - P_k / 10^6 x PUE x (price + adder)) x hours``.
        """
        revenue = self.count[:, None] * self.th_s[:, None] * hashprice[None, :] / 24.0
        mw = self.count[:, None] * self.watts[:, None] / 1e6 * self.overhead
        return np.asarray((revenue - mw * (price[None, :] + self.adder)) * hours)

    def breakeven(self, hashprice: np.ndarray) -> np.ndarray:
        """Marginal price (real-time + adder) at which each tier breaks even, ``(tiers, n)``."""
        revenue_per_mwh = (
            self.th_s[:, None] * hashprice[None, :] / 24.0 / (self.watts[:, None] / 1e6)
        )
        return np.asarray(revenue_per_mwh / self.overhead)


def profit(run: np.ndarray, margin: np.ndarray) -> float:
    """Profit of run fractions ``(tiers, n)`` against the full-run margins ``(tiers, n)`` [USD]."""
    return float((run * margin).sum())


def hashprice_for(times: pd.DatetimeIndex, data: Path) -> np.ndarray:
    """Hashprice in each interval from the daily BTC file [USD/(TH/s day)]."""
    from planner.domain import economics

    btc = pd.read_csv(data / BTC_DAILY)
    btc.index = pd.DatetimeIndex(pd.to_datetime(btc["date_utc"], utc=True))
    day = btc.reindex(times.floor("D"))
    return np.asarray(
        economics.hashprice_usd_per_th_day(
            day["btc_close_usd"].to_numpy(),
            network_hashrate_eh_s=day["hashrate_eh_s"].to_numpy(),
            subsidy_btc=economics.block_subsidy_btc_at(times),
            fee_share=MARKET["fee_share"],
            pool_fee=MARKET["pool_fee"],
        )
    )


def read_15min(data: Path) -> pd.Series:
    """Native 15-minute HB_WEST prices of the summer 2023 window [USD/MWh]."""
    raw = pd.read_csv(data / PRICES_15MIN)
    raw = raw[raw["event"] == "summer_2023"]
    index = pd.DatetimeIndex(pd.to_datetime(raw["interval_start_utc"], utc=True), name="time")
    return pd.Series(raw[NODE].to_numpy(dtype=float), index=index).sort_index()


def truth_scenario(
    fleet: Fleet, times: pd.DatetimeIndex, price: np.ndarray, hashprice: np.ndarray
) -> Scenario:
    """The realised window as one scenario (20 degC: no derate; no outages)."""
    from planner.world.scenarios import Scenario

    n = len(times)
    return Scenario(
        index=0,
        weight=1.0,
        times=times,
        temp_air_c=np.full((1, n), 20.0),
        price_usd_per_mwh=price[None, :],
        hashprice_usd_per_th_day=hashprice,
        outages=((),),
        failure_multiplier=np.ones((1, n)),
        four_cp_peak=np.zeros((1, n), dtype=bool),
        four_cp_probability=np.zeros((1, n)),
        alert_active=np.zeros((1, n), dtype=bool),
    )


def strike_15min(price_15: np.ndarray, breakeven_15: np.ndarray, adder: float) -> np.ndarray:
    """The strike rule in real time: each 15-min interval acts on the last settled interval.

    Tier ``k`` is shed after :data:`STRIKE_DEBOUNCE` settled intervals with the marginal price
    above its breakeven and restored after as many below, once off :data:`STRIKE_HOLD`
    intervals (:func:`planner.engine.policies.debounced_on`). The first interval uses its own
    predecessor's price as unknown: it runs.
    """
    from planner.engine.policies import debounced_on

    seen = np.r_[-np.inf, price_15[:-1] + adder]  # price known when interval i starts
    rows = [
        debounced_on(seen > breakeven_15[k], STRIKE_DEBOUNCE, STRIKE_HOLD)
        for k in range(breakeven_15.shape[0])
    ]
    return np.array(rows, dtype=float)


def main(argv: list[str] | None = None) -> int:
    """Run the capture study and print the results as JSON lines."""
    import time

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="data folder (default ../shared/data)")
    args = parser.parse_args(argv)
    data = data_dir(args.data)
    report = Report("capture", TITLE)
    missing = missing_files(data, REQUIRED_DATA)
    if missing:
        report.text("Missing data files: " + ", ".join(missing))
        report.done()
        return 0
    from planner.engine.optimization import OptimizeSettings, optimize
    from planner.engine.policies import FollowPlan, RunThrough, StrikePrice
    from planner.engine.simulation import SimSettings, simulate
    from planner.world.scenarios import scenario_from_feeds

    fleet = capture_fleet()
    tiers = Tiers.of(fleet)
    prices = read_hourly_prices(data)
    full = prices[NODE].asfreq("h").interpolate(limit_direction="both")
    local = full.index.tz_convert(ZONE)
    inside = (local >= pd.Timestamp(FIRST_LOCAL, tz=ZONE)) & (
        local < pd.Timestamp(END_LOCAL, tz=ZONE)
    )
    w = np.flatnonzero(inside)
    w0, hours = int(w[0]), len(w)
    times = full.index[w]
    price = full.to_numpy()[w]
    hashprice = hashprice_for(times, data)
    margin = tiers.margin(price, hashprice, 1.0)
    breakeven = tiers.breakeven(hashprice)
    marginal = price + tiers.adder

    q15 = read_15min(data)
    if len(q15) != 4 * hours or q15.index[0] != times[0]:
        raise SystemExit(f"15-min prices do not cover the window: {len(q15)} intervals")
    price_15 = q15.to_numpy()
    hashprice_15 = np.repeat(hashprice, 4)
    margin_15 = tiers.margin(price_15, hashprice_15, 0.25)
    breakeven_15 = tiers.breakeven(hashprice_15)

    rows: list[dict[str, Any]] = []

    def add(name: str, p: float, how: str, seconds: float = 0.0) -> None:
        rows.append({"strategy": name, "profit_usd": p, "how": how, "seconds": seconds})

    pf_run = (marginal[None, :] < breakeven).astype(float)
    pf = profit(pf_run, margin)
    add("perfect foresight, hourly (closed form)", pf, "runs a tier when its margin is positive")

    # The library's ledger gives the same profits (a check of the formula above).
    truth = truth_scenario(fleet, times, price, hashprice)
    no_failures = SimSettings(failures=False)
    ledger_pf = simulate(fleet, truth, FollowPlan({"west": pf_run}), settings=no_failures)
    ledger_pf_usd = float(ledger_pf.ledger["profit_usd"].sum())

    started = time.perf_counter()
    oracle = optimize(
        fleet,
        [truth],
        OptimizeSettings(horizon="strategic", strategic_period_hours=1, relocate=False),
    )
    oracle_run = oracle.schedule_for("west", 0)
    add(
        "optimizer on the realised prices",
        profit(oracle_run, margin),
        "one LP over the 2,928 realised hours (strategic model, 1-h periods)",
        time.perf_counter() - started,
    )
    pf15 = profit((price_15[None, :] + tiers.adder < breakeven_15).astype(float), margin_15)
    add("perfect foresight, 15-min (closed form)", pf15, "the same on 15-min settlement prices")

    run_through = simulate(fleet, truth, RunThrough(), settings=no_failures)
    add("run-through", float(run_through.ledger["profit_usd"].sum()), "every machine, every hour")

    day_ahead = np.r_[np.full(24, np.nan), marginal[:-24]]
    day_ahead[:24] = full.to_numpy()[w0 - 24 : w0] + tiers.adder
    add(
        "day-ahead persistence rule",
        profit((day_ahead[None, :] < breakeven).astype(float), margin),
        "runs a tier when the same hour yesterday was below its breakeven",
    )

    strike_lib = simulate(fleet, truth, StrikePrice(), settings=no_failures)
    add(
        "strike, library rule on hourly prices",
        float(strike_lib.ledger["profit_usd"].sum()),
        "debounce 1 h, hold 2 h, acting in the hour whose mean price it reads (not realisable: "
        "the hourly mean is known only when the hour ends)",
    )
    guard = strike_15min(price_15, breakeven_15, tiers.adder)
    add(
        "strike, real time (15-min)",
        profit(guard, margin_15),
        f"acts on the last settled 15-min price; debounce {STRIKE_DEBOUNCE} interval, hold "
        f"{STRIKE_HOLD} intervals (2 h)",
    )

    forecaster, fit_info = _forecaster(full, local, w0)
    cap = offer_cap_usd_per_mwh(times[0])
    started = time.perf_counter()
    hourly_run, checks = forecast_only_hourly(
        fleet, tiers, forecaster, full.to_numpy(), local, w0, times, hashprice, cap
    )
    add(
        "forecast only, hourly decision",
        profit(hourly_run, margin),
        f"each hour: run a tier when the forecast's expected price is below its breakeven (the "
        f"optimizer's first-hour decision; the LP agreed at {checks[0]} of {checks[1]} sampled "
        "hours)",
        time.perf_counter() - started,
    )
    combined = np.minimum(np.repeat(hourly_run, 4, axis=1), guard)
    add(
        "forecast only, hourly + real-time strike guard",
        profit(combined, margin_15),
        "the hourly decision, and within the hour the 15-min strike rule sheds on a settled spike",
    )

    feeds = window_feeds(fleet, data)
    realised = scenario_from_feeds(fleet, feeds)
    gap = float(np.abs(realised.price_usd_per_mwh[0] - price).max())
    noise = calibrate_noise(data, prices, [NODE], times[0])
    forecast_feeds = day_ahead_feeds(feeds, prices, data)
    for name, react, detail in (
        (
            ROLLING,
            False,
            "re-plans daily at local midnight over 24 h from the day-ahead forecast; carries out "
            "the plan's expected schedule (no price seen after the plan)",
        ),
        (
            ROLLING_GUARD,
            True,
            "re-plans daily; acts with the plan's strategy: breakeven guard on the hour's own "
            "price (the hourly mean, as the library strike rule reads it)",
        ),
    ):
        result = rolling_run(
            fleet,
            forecast_feeds,
            realised,
            step_hours=24,
            window_hours=HORIZON_H,
            scenarios=ROLLING_SCENARIOS,
            seed=7,
            noise=noise,
            react=react,
        )
        add(
            name,
            profit(result.schedule["west"], margin),
            f"{detail} ({len(result.plans)} plans x {ROLLING_SCENARIOS} scenarios)",
            result.seconds,
        )

    table = pd.DataFrame(rows)
    table.insert(2, "capture_pct", 100.0 * table["profit_usd"] / pf)
    report.text(_method(fit_info, pf, ledger_pf_usd, hashprice, gap), heading="Method")
    report.table(
        "capture_strategies",
        "Summer 2023 (Jun-Sep), HB_WEST, S19j Pro + S21: profit and share of perfect foresight",
        table[["strategy", "profit_usd", "capture_pct", "seconds", "how"]],
        {"profit_usd": ",.0f", "capture_pct": ".1f", "seconds": ".1f"},
    )
    share = table.set_index("strategy")["capture_pct"]
    report.figure(
        "capture_strike_realtime",
        "Summer 2023: real-time strike rule (15-min, one settled interval of lag) share of "
        "perfect foresight",
        float(share["strike, real time (15-min)"]),
        "%",
        published=f"{PUBLISHED_ML_PCT} % (machine learning)",
        comparison=f"below by {PUBLISHED_ML_PCT - share['strike, real time (15-min)']:.1f} points",
    )
    report.figure(
        "capture_rolling_guard",
        "Summer 2023: rolling optimizer + guard (the plan's strategy) share of perfect foresight",
        float(share[ROLLING_GUARD]),
        "%",
        published=f"{PUBLISHED_ML_PCT} % for a machine-learning approach",
        comparison=(
            f"{share[ROLLING_GUARD] - PUBLISHED_ML_PCT:+.1f} points; but its guard reads the "
            "hour's own mean price, as the library strike rule does "
            f"({share['strike, library rule on hourly prices']:.1f} %): not realisable. "
            "Realisable, acting on settled 15-min prices: strike "
            f"{share['strike, real time (15-min)']:.1f} %, forecast-only hourly decision + "
            f"15-min guard {share['forecast only, hourly + real-time strike guard']:.1f} %"
        ),
    )
    report.figure(
        "capture_forecast_only",
        "Summer 2023: forecast-only hourly decision (no price of the hour seen) share of "
        "perfect foresight",
        float(share["forecast only, hourly decision"]),
        "%",
        published=f"{PUBLISHED_ML_PCT} % (machine learning)",
        comparison=(
            f"below by {PUBLISHED_ML_PCT - share['forecast only, hourly decision']:.1f} points"
        ),
    )
    report.figure(
        "capture_day_ahead",
        "Summer 2023: rolling optimizer planned daily from day-ahead forecasts, share of "
        "perfect foresight",
        float(share[ROLLING]),
        "%",
        published=f"{PUBLISHED_DAY_AHEAD_PCT:.0f} % for a day-ahead-only rule",
        comparison=(
            f"{share[ROLLING] - PUBLISHED_DAY_AHEAD_PCT:+.1f} points; the plain day-ahead "
            f"persistence rule {share['day-ahead persistence rule']:.1f} %"
        ),
    )
    report.figure(
        "capture_oracle_gap",
        "Summer 2023: optimizer on realised prices minus the closed form (oracle check)",
        float(
            table.set_index("strategy").loc["optimizer on the realised prices", "profit_usd"] - pf
        ),
        "USD",
        comparison="the LP reproduces the hour-by-hour closed form",
        fmt=",.2f",
    )
    for text in _WEAKNESSES:
        report.weakness(text)
    report.done()
    return 0


def window_feeds(fleet: Fleet, data: Path) -> Feeds:
    """The window read by the replay reader, with a constant 20 degC (no derate): one call."""
    from dataclasses import replace

    from planner.world.replay import ReplayFiles, read_replay_feeds

    files = ReplayFiles.from_folder(data).replace(weather_hourly=None)
    start = pd.Timestamp(FIRST_LOCAL, tz=ZONE).tz_convert("UTC")
    end = pd.Timestamp(END_LOCAL, tz=ZONE).tz_convert("UTC")
    feeds = read_replay_feeds(fleet, start, end, files)
    weather = feeds.weather.copy()
    weather["temp_air_c"] = 20.0
    return replace(feeds, weather=weather)


def forecast_only_hourly(
    fleet: Fleet,
    tiers: Tiers,
    forecaster: PriceForecaster,
    history: np.ndarray,
    local: pd.DatetimeIndex,
    w0: int,
    times: pd.DatetimeIndex,
    hashprice: np.ndarray,
    cap: float,
) -> tuple[np.ndarray, tuple[int, int]]:
    """Each hour, the optimizer's first-hour decision from the price forecast alone.

    With no coupling between hours, the LP's first-hour decision over weighted scenarios is to run
    tier ``k`` fully when the scenarios' expected marginal price is below its breakeven at the
    forecast hashprice (the last completed day's), else not at all. That closed form is used for
    every hour; at every :data:`CHECK_EVERY`-th hour the LP itself
    (:func:`planner.engine.optimization.optimize` over the :data:`SCENARIOS` scenarios of the next
    :data:`HORIZON_H` h) is solved and compared.

    Returns
    -------
    run, (agreed, checked)
        Run fractions ``(tiers, hours)`` [-]; LP checks that agreed and that were made.
    """
    from planner.engine.optimization import OptimizeSettings, optimize

    hours = len(times)
    run = np.zeros((len(tiers.count), hours))
    agreed = checked = 0
    settings = OptimizeSettings(relocate=False)
    for t in range(hours):
        past = history[None, w0 + t - 48 : w0 + t]
        hour = int(local[w0 + t].hour)
        hp = float(hashprice[t - 24]) if t >= 24 else float(hashprice[0])
        paths, weights = forecaster.reduced(past, hour, 1, SCENARIOS, cap)
        expected = float(weights @ paths[:, 0, 0]) + tiers.adder
        run[:, t] = (expected < tiers.breakeven(np.array([hp]))[:, 0]).astype(float)
        if t % CHECK_EVERY == CHECK_OFFSET:
            span = min(HORIZON_H, hours - t)
            paths, weights = forecaster.reduced(past, hour, span, SCENARIOS, cap)
            scen = [
                _scenario(times[t : t + span], paths[s, 0], hp, float(w), s)
                for s, w in enumerate(weights)
            ]
            first = optimize(fleet, scen, settings).schedule_for("west")[:, 0]
            checked += 1
            agreed += int(np.allclose(first, run[:, t], atol=1e-6))
    return run, (agreed, checked)


def _forecaster(full: pd.Series, local: pd.DatetimeIndex, w0: int) -> tuple[PriceForecaster, dict]:
    """The price forecaster fitted on every hour of May-October before the window."""
    months = np.isin(local.month, [5, 6, 7, 8, 9, 10])
    train = (np.arange(len(full)) + HORIZON_H < w0) & months
    forecaster = PriceForecaster.fit(
        full.to_numpy()[None, :], local.hour.to_numpy(), train, HORIZON_H
    )
    return forecaster, {
        "phi": forecaster.phi,
        "train_hours": int(train.sum()),
        "first": f"{full.index[np.flatnonzero(train)[0]]:%Y-%m-%d}",
    }


def _scenario(
    times: pd.DatetimeIndex, price: np.ndarray, hashprice: float, weight: float, index: int
) -> Scenario:
    """A one-site forecast scenario at 20 degC with a flat hashprice."""
    from planner.world.scenarios import Scenario

    n = len(times)
    return Scenario(
        index=index,
        weight=weight,
        times=times,
        temp_air_c=np.full((1, n), 20.0),
        price_usd_per_mwh=price[None, :],
        hashprice_usd_per_th_day=np.full(n, hashprice),
        outages=((),),
        failure_multiplier=np.ones((1, n)),
        four_cp_peak=np.zeros((1, n), dtype=bool),
        four_cp_probability=np.zeros((1, n)),
        alert_active=np.zeros((1, n), dtype=bool),
    )


def _method(info: dict, pf: float, ledger_pf: float, hashprice: np.ndarray, gap: float) -> str:
    return f"""\
One index-priced site at HB_WEST (real-time price + 4 USD/MWh, PUE 1.05) with 10,000 Antminer
S19j Pro (100 TH/s, 2,950 W) and 10,000 S21 (200 TH/s, 3,500 W), every machine available every
hour (no derate, failures or outages: the study isolates the price decision), at the real
hashprice of each day (daily BTC close and network hashrate, 6.25 BTC subsidy, 3 % fees, 2 % pool
fee: {hashprice.min():.3f} to {hashprice.max():.3f} USD/(TH/s day), mean {hashprice.mean():.3f}).
Window: June-September 2023, Central time (2,928 hours; 11,712 native 15-minute intervals).

**Profit** of a schedule is `sum n_k (H_k hashprice/24 - P_k/10^6 x PUE x (price + adder))` over
the hours (or 15-minute intervals x 0.25 h) a tier runs. **Perfect foresight** runs a tier in
exactly the hours its margin is positive, on the true hourly prices: {pf:,.0f} USD. The
library's simulation ledger (`planner.simulate`, failures off) gives {ledger_pf:,.0f} USD for
the same schedule (difference {ledger_pf - pf:,.2f} USD). **Capture** is a strategy's profit over
that figure; a 15-minute strategy can exceed 100 % (it can stop inside an hour).

**Strike rule, real time**: decides each 15-minute interval from the last settled interval's
price, with `planner.engine.policies.debounced_on` (shed after 1 interval above the tier's
breakeven, restore after 1 below, at least 2 h off). The library's `StrikePrice` on hourly prices
instead acts in the hour whose mean price it reads: the same information as perfect foresight inside
the hour, less its debounce and hold.

**Rolling optimizer** (`planner.engine.rolling.rolling_horizon`, the project's driver, through
`benchmarks.validate_common.rolling_run`): every day at local midnight the planner's scenario
generator draws {ROLLING_SCENARIOS} scenarios of the next {HORIZON_H} h around a day-ahead forecast
(each hour's price = the realised price 24 h earlier; BTC data of the day before), with log-price
noise measured on the real series (robust sd of day-ahead persistence errors of hourly HB_WEST
prices, May-July 2020-2023 before the window), conditioned on the last observed hour; the
optimizer plans over them. *Daily plan*: the plan's expected schedule is carried out for the day.
*+ guard*: the plan's strategy (`optimized_strategy(plan)`) is carried out: a tier runs while the
hour's own price is below its breakeven, within the plan's commitments.

**Forecast only, hourly decision**: each hour, the optimizer's first-hour decision over
{SCENARIOS} weighted scenarios from a causal price forecaster fitted on history
(`benchmarks.validate_common.PriceForecaster`): the last observed hour fading into the same hour a
day earlier (weight phi^(k+1) at lead k, phi = {info["phi"]:.2f} by least squares), plus
forecast-error paths bootstrapped from the {info["train_hours"]:,} May-October hours since
{info["first"]} with the same local hour, reduced to {SCENARIOS} scenarios by quantile bins of
the first-hour price (finer in the spike tail; the weighted mean equals the mean over every
path). With no coupling between hours that decision is closed form (run when the expected price
is below breakeven); the LP is solved at one hour a day to check it. The replay reader's prices
equal the file's to {gap:.2g} USD/MWh."""


_WEAKNESSES = [
    "The price forecast sees prices only: no day-ahead market prices, load or wind forecasts, "
    "reserves or outages (none is in the shared folder for 2023 except load, which did not help "
    "in a trial). Its first-hour error is what separates it from perfect foresight: it runs into "
    "the first hour of a spike and waits an hour after one.",
    "An hourly plan cannot stop inside an hour; the real-time strike rule can (15-min). Most of "
    "the remaining gap to perfect foresight is the first settled interval of each spike, which "
    "no rule acting on settled prices avoids.",
    "The site has no ramp, minimum-down or restart cost, so the optimizer's first-hour decision "
    "reduces to 'run when the expected price is below breakeven': this study measures the "
    "forecast, not the optimizer's constraints.",
    "The published 99.7 % and 79 % come from another project with its own site, prices and "
    "definition of profit; the comparison is of the order of magnitude, not a like-for-like test.",
]


if __name__ == "__main__":
    raise SystemExit(main())
