"""Power modes against on/off alone, summer 2023 at ERCOT HB_WEST, from the shared data.

One index-priced site at HB_WEST (real-time price + 4 USD/MWh adder, PUE 1.05) with 10,000
Antminer S19j Pro and 10,000 S21, paid the real hashprice of each UTC day (daily BTC close and
network hashrate, 3 % fees, 2 % pool fee), every machine available every hour: the study isolates
the price decision. Window: 2023-06-01 to 2023-09-30 (UTC hours), hourly real-time prices.

The S19j Pro runs either with the catalog's power modes (LuxOS profiles) or at nameplate or not
at all; the S21 has no modes in the catalog. Strategies:

- run-through: every machine at nameplate every hour;
- strike: the strike rule (debounce 1 h, hold 2 h) on the last settled hour's price and the last
  closed day's hashprice; with modes it steps down the mode ladder before switching off;
- optimizer (perfect foresight): the optimizer on the realised prices, week by week (168 h),
  nothing else constrained: the oracle of the same model;
- optimizer, ramp 20 MW/h: the same with a ramp limit on the site's load.

Every schedule is scored by the same hourly ledger (:func:`planner.domain.ledger.site_ledger`).
Prints one JSON line per row, then a Markdown table. Usage::

    nice -n 5 .venv/bin/python -m benchmarks.bench_modes [--data DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python benchmarks/bench_modes.py` as well as `-m benchmarks...`
    sys.path.insert(0, str(ROOT))

from benchmarks.validate_capture import hashprice_for  # noqa: E402 - path above
from benchmarks.validate_common import (  # noqa: E402 - path above
    BTC_DAILY,
    PRICES_HOURLY,
    data_dir,
    machine_line,
    missing_files,
    read_hourly_prices,
)

START, END = "2023-06-01", "2023-10-01"
NODE = "HB_WEST"
WEEK_H = 168


def fleet(power_modes: bool) -> Any:
    """The site, with or without the S19j Pro's power modes."""
    from planner.domain.examples import one_site, without_modes
    from planner.domain.fleet import fleet_from_dict

    site = one_site(overhead=1.05, contract={"kind": "index", "adder_usd_per_mwh": 4.0})
    raw = site.sites[0].model_dump(by_alias=True)
    raw["machines"] = {"s19j-pro": 10_000, "s21": 10_000}
    raw["capacity_mw"] = 100.0
    raw["slots"] = 20_000
    models = {} if power_modes else without_modes("s19j-pro")
    market = {"fee_share": 0.03, "pool_fee": 0.02}
    return fleet_from_dict({"sites": [raw], "models": models, "market": market})


def scenario(fl: Any, price: np.ndarray, hashprice: np.ndarray) -> Any:
    """The window as one scenario at 20 degC with no outages."""
    from planner.world.scenarios import flat_scenario

    base = flat_scenario(fl, len(price), price_usd_per_mwh=price, start=START)
    return dataclasses.replace(base, hashprice_usd_per_th_day=hashprice)


def optimized(fl: Any, sc: Any, ramp_mw_per_h: float | None) -> tuple[np.ndarray, float]:
    """Run shares of the optimizer week by week on the realised prices, and its solve time."""
    from planner.engine.optimization import OptimizeSettings, optimize

    settings = OptimizeSettings(relocate=False, ramp_mw_per_h=ramp_mw_per_h)
    hours = len(sc.times)
    parts, seconds = [], 0.0
    for start in range(0, hours, WEEK_H):
        stop = min(start + WEEK_H, hours)
        week = dataclasses.replace(
            sc,
            times=sc.times[start:stop],
            temp_air_c=sc.temp_air_c[:, start:stop],
            price_usd_per_mwh=sc.price_usd_per_mwh[:, start:stop],
            hashprice_usd_per_th_day=sc.hashprice_usd_per_th_day[start:stop],
            failure_multiplier=sc.failure_multiplier[:, start:stop],
            four_cp_peak=sc.four_cp_peak[:, start:stop],
            four_cp_probability=sc.four_cp_probability[:, start:stop],
            alert_active=sc.alert_active[:, start:stop],
        )
        began = time.perf_counter()
        plan = optimize(fl, [week], settings)
        seconds += time.perf_counter() - began
        parts.append(plan.schedule_for(fl.sites[0].id, 0))
    return np.concatenate(parts, axis=1), seconds


def row(strategy: str, modes: bool, fl: Any, sc: Any, run: np.ndarray) -> dict[str, Any]:
    """The ledger's totals for one schedule."""
    from planner.domain.ledger import site_ledger

    ledger = site_ledger(fl, fl.sites[0], sc.site_hours(0), run)
    return {
        "strategy": strategy,
        "power_modes": modes,
        "profit_usd": float(ledger["profit_usd"].sum()),
        "energy_mwh": float(ledger["energy_mwh"].sum()),
        "mean_hashrate_eh_s": float(ledger["hashrate_th_s"].mean() / 1e6),
    }


def main() -> None:
    from planner.engine.policies import StrikePrice

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="the shared data folder")
    args = parser.parse_args()
    data = data_dir(args.data)
    missing = missing_files(data, [PRICES_HOURLY, BTC_DAILY])
    if missing:
        raise SystemExit(f"missing data files: {', '.join(missing)}")
    prices = read_hourly_prices(data)[NODE]
    window = prices[
        pd.Timestamp(START, tz="UTC") : pd.Timestamp(END, tz="UTC") - pd.Timedelta("1h")
    ]
    price = window.to_numpy()
    hashprice = hashprice_for(window.index, data)
    rows = []
    for modes in (False, True):
        fl = fleet(modes)
        sc = scenario(fl, price, hashprice)
        tiers = len(fl.sites[0].machines)
        rows.append(row("run-through", modes, fl, sc, np.ones((tiers, len(price)))))
        strike = StrikePrice().run_fraction(fl, fl.sites[0], sc.site_hours(0))
        rows.append(row("strike", modes, fl, sc, strike))
        for name, ramp in (
            ("optimizer (perfect foresight)", None),
            ("optimizer, ramp 20 MW/h", 20.0),
        ):
            run, seconds = optimized(fl, sc, ramp)
            rows.append({**row(name, modes, fl, sc, run), "solve_s": round(seconds, 1)})
    for r in rows:
        print(json.dumps(r))
    print()
    print(f"Machine: {machine_line()}. Window {START} .. {END} (UTC), {len(price)} h at {NODE}.")
    print()
    print("| strategy | modes | profit [USD] | energy [MWh] | mean hashrate [EH/s] |")
    print("|---|---|---|---|---|")
    for r in rows:
        label = "power modes" if r["power_modes"] else "on/off"
        print(
            f"| {r['strategy']} | {label} | {r['profit_usd']:,.0f} | {r['energy_mwh']:,.0f} | "
            f"{r['mean_hashrate_eh_s']:.3f} |"
        )


if __name__ == "__main__":
    main()
