"""Derive the packaged outage-rate table from the DOE OE-417 history (run once; ships numbers only).

Usage::

    .venv/bin/python benchmarks/derive_outage_rates.py [--oe417 CSV] [--load CSV] [--out JSON]

Reads the OE-417 disturbance table (``doe_oe417_disturbance_events_2015_2023.csv``) with
:func:`weather.outages.read_oe417`, fits load-loss report rates and lognormal durations per NERC
region with :func:`weather.outages.fit_outage_model` (see :mod:`planner.world.hazards`), measures
the site share from Texas RE demand losses against ERCOT's native load, writes
``weather/data/oe417_region_rates.json`` and prints the table as JSON lines. The raw data stay in
``../shared/data``; only the derived numbers enter the repository.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from planner.world.hazards import (  # noqa: E402 (the path above makes the checkout importable)
    HAZARD_TABLE_RESOURCE,
    hazard_table_from_events,
    site_share_from_load,
    write_hazard_table,
)
from weather.grid import read_load  # noqa: E402
from weather.outages import read_oe417  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
OE417 = SHARED / "outages" / "doe_oe417_disturbance_events_2015_2023.csv"
ERCOT_LOAD = SHARED / "ercot" / "ercot_native_load_hourly_2020_2025-08.csv"


def main(argv: list[str] | None = None) -> int:
    """Derive and write the table; print one JSON line per region."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--oe417", type=Path, default=OE417)
    parser.add_argument("--load", type=Path, default=ERCOT_LOAD)
    parser.add_argument("--out", type=Path, default=ROOT / "weather" / HAZARD_TABLE_RESOURCE)
    args = parser.parse_args(argv)
    events = read_oe417(args.oe417)
    load = read_load(args.load, areas=["ERCOT"]).xs("ERCOT", level="area")["load_mw"]
    share, basis = site_share_from_load(events, load, region="TRE")
    basis["load_file"] = args.load.name
    table = hazard_table_from_events(
        events,
        site_share=share,
        source=f"DOE OE-417 electric disturbance events ({args.oe417.name})",
        share_basis=basis,
    )
    write_hazard_table(table, args.out, derived_by="benchmarks/derive_outage_rates.py")
    for code, rate in table.regions.items():
        line = {
            "region": code,
            "rate_per_year": round(rate.rate_per_year, 3),
            "site_rate_per_year": round(share * rate.rate_per_year, 4),
            "median_hours": round(rate.median_hours, 2),
            "log_sigma": round(rate.log_sigma, 3),
            "n_events": rate.n_events,
        }
        print(json.dumps(line))
    print(json.dumps({"site_share": round(share, 5), **basis}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
