"""Grid outage hazards per site, from the DOE OE-417 history of each site's NERC region.

The planner's scenarios draw grid outages per site from an
:class:`~planner.world.hazards.OutageHazard` (a yearly rate and a lognormal duration). This module
turns the OE-417 history into one per site.

Which reports count
    Only reports with a loss of load (``severity == "load-loss"``: demand lost > 0 MW or customers
    affected > 0), of every cause. Reports of suspicious activity, cyber events or public appeals
    that cut nobody off cannot darken a site. Durations of those reports with a usable end feed a
    lognormal fit (:func:`weather.outages.fit_outage_model`).
Regional rate
    ``R_region`` = load-loss reports per year whose ``nerc_region`` lists the region (a report
    naming two regions counts in both), over the table's observation window (2015-01-01 to
    2023-07-01 for the 2015-2023 file: 8.50 years).
Scaling to a site
    A report is about an area, not a site. The planner assumes a site is inside the affected area
    of a fixed share ``s`` of its region's load-loss reports, so its rate is ``s x R_region``; the
    scenarios then multiply by the site's ``outage_exposure`` and by the weather terms of
    ``planner.world.scenarios`` (cold, heat, alerts). ``s`` is the expected share of a region's load
    a report cuts off, ``s = mean(demand_loss_mw) / mean(load_mw)``, measured where both are at
    hand: Texas RE reports (53 of the 122 load-loss reports give a MW figure, mean 645 MW) against
    ERCOT's mean native load over the overlapping 2020-01 to 2023-06 window (45.9 GW): ``s`` = 1.40
    %. The same share is used for every region (no regional load series is packaged); the outage
    durations are those of the whole event, a conservative choice since a site in the area is often
    restored before the last customer.
Figures (packaged table, load-loss reports 2015-01-01 to 2023-07-01)
    Texas RE: 14.4 reports/yr, median 16 h, so a Texas site with exposure 1 sees 0.20 outages a
    year of median 16 h (mean 92 h): about 19 h a year without grid in ordinary weather, against
    9 h a year for the generic :class:`~planner.world.hazards.OutageHazard` (1.5 a year, median 3
    h). Fewer but longer outages: the storm tail (Uri, Elliott) that matters for mining sites.

The packaged table ``weather/data/oe417_region_rates.json`` holds only these derived numbers, never
the raw data; ``benchmarks/derive_outage_rates.py`` derives it from the OE-417 file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from planner.domain.fleet import Site
from planner.errors import FeedError
from weather.outages import NERC_ALIASES, fit_outage_model

__all__ = [
    "HAZARD_TABLE_RESOURCE",
    "REGIONS",
    "HazardTable",
    "OutageHazard",
    "RegionRate",
    "fleet_hazards",
    "hazard_summary",
    "hazard_table_from_events",
    "observation_window",
    "packaged_hazard_table",
    "read_hazard_table",
    "site_hazards",
    "site_share_from_load",
    "write_hazard_table",
]


@dataclass(frozen=True)
class OutageHazard:
    """How often a site loses the grid and for how long.

    Attributes
    ----------
    rate_per_year
        Expected grid outages a year in ordinary weather [1/yr].
    duration_median_h
        Median outage duration [h].
    duration_sigma
        Standard deviation of log duration (lognormal) [-].
    """

    rate_per_year: float = 1.5
    duration_median_h: float = 3.0
    duration_sigma: float = 1.2


#: The packaged table, relative to the ``weather`` package.
HAZARD_TABLE_RESOURCE = "data/oe417_region_rates.json"
#: NERC regions (and Puerto Rico) fitted into the table, in OE-417 spelling.
REGIONS: tuple[str, ...] = tuple(dict.fromkeys(NERC_ALIASES.values()))
#: Reports that count: those with a loss of load.
SELECTION = (
    "OE-417 reports with a loss of load (demand_loss_mw > 0 or customers_affected > 0), all causes"
)
_SEVERITY = "load-loss"


@dataclass(frozen=True)
class RegionRate:
    """Outage frequency and duration of one NERC region.

    Attributes
    ----------
    region
        NERC region code (``TRE``, ``SERC``...).
    rate_per_year
        Load-loss reports per year in the region [1/yr].
    log_mu, log_sigma
        Lognormal duration parameters: ``ln(duration / 1 h) ~ Normal(log_mu, log_sigma)`` [ln h].
    n_events
        Reports counted [-].
    n_durations
        Reports with a usable duration in the fit [-].
    """

    region: str
    rate_per_year: float
    log_mu: float
    log_sigma: float
    n_events: int
    n_durations: int

    @property
    def median_hours(self) -> float:
        """Median outage duration ``exp(log_mu)`` [h]."""
        return math.exp(self.log_mu)


@dataclass(frozen=True)
class HazardTable:
    """Regional outage rates and the share of them a site sees.

    Attributes
    ----------
    regions
        Rate and duration per NERC region code.
    window_start, window_end
        Observation window of the rates, UTC, ``[start, end)``.
    years
        Window length [years of 365.25 days].
    site_share
        Share of its region's reports a site is inside the affected area of [-].
    source
        Where the numbers come from (file, table), for notes.
    selection
        Which reports were counted.
    share_basis
        How ``site_share`` was measured (figures and their origin).
    """

    regions: Mapping[str, RegionRate] = field(hash=False)
    window_start: pd.Timestamp
    window_end: pd.Timestamp
    years: float
    site_share: float
    source: str
    selection: str = SELECTION
    share_basis: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def hazard(self, region: str, *, site_share: float | None = None) -> OutageHazard | None:
        """The hazard of a site in ``region``, before its ``outage_exposure``.

        Parameters
        ----------
        region
            NERC region code or alias (``TRE``, ``Texas RE``...), case-insensitive.
        site_share
            Share of the region's reports the site sees [-]; default :attr:`site_share`.

        Returns
        -------
        OutageHazard or None
            ``rate_per_year = share x R_region`` [1/yr], the region's median duration [h] and
            log-duration spread [-]; ``None`` when the region is not in the table.
        """
        code = NERC_ALIASES.get(region.strip().upper())
        rate = self.regions.get(code) if code else None
        if rate is None:
            return None
        share = self.site_share if site_share is None else site_share
        return OutageHazard(
            rate_per_year=share * rate.rate_per_year,
            duration_median_h=rate.median_hours,
            duration_sigma=rate.log_sigma,
        )


def observation_window(events: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The default observation window of :func:`weather.outages.fit_outage_model`.

    From 1 January of the year of the first report to the first day of the month after the last
    report, over the whole table.

    Parameters
    ----------
    events
        Event table from :func:`weather.outages.read_oe417`.

    Returns
    -------
    tuple of pandas.Timestamp
        ``(start, end)``, UTC.
    """
    first, last = events["start"].min(), events["start"].max()
    start = pd.Timestamp(year=first.year, month=1, day=1, tz="UTC")
    end = pd.Timestamp(year=last.year, month=last.month, day=1, tz="UTC") + pd.DateOffset(months=1)
    return start, pd.Timestamp(end)


def hazard_table_from_events(
    events: pd.DataFrame,
    *,
    site_share: float,
    source: str,
    regions: Iterable[str] = REGIONS,
    share_basis: Mapping[str, Any] | None = None,
) -> HazardTable:
    """Fit the load-loss report rate and duration of every region with enough reports.

    Parameters
    ----------
    events
        Event table from :func:`weather.outages.read_oe417` (all reports: the window is taken
        from the whole table, then only load-loss reports are counted).
    site_share
        Share of its region's reports a site sees [-], e.g. from :func:`site_share_from_load`.
    source
        Where the events come from, for notes.
    regions
        Region codes to fit; those without reports or with fewer than two usable durations are
        left out.
    share_basis
        How ``site_share`` was measured, kept in the table.

    Returns
    -------
    HazardTable

    Raises
    ------
    FeedError
        No events, or missing columns.
    ValueError
        ``site_share`` outside [0, 1].
    """
    if not 0.0 <= site_share <= 1.0:
        raise ValueError(f"site_share must be in [0, 1], got {site_share}")
    if events.empty:
        raise FeedError(source, "no outage reports to fit")
    if "severity" not in events.columns:
        raise FeedError(source, "event table lacks 'severity'; use weather.outages.read_oe417")
    window = observation_window(events)
    chosen = events[events["severity"] == _SEVERITY]
    fitted: dict[str, RegionRate] = {}
    years = (window[1] - window[0]) / pd.Timedelta(days=365.25)
    for region in regions:
        try:
            model = fit_outage_model(chosen, region, window=window)
        except FeedError:
            continue  # no reports, or fewer than two durations: the region is not in the table
        fitted[region] = RegionRate(
            region=region,
            rate_per_year=model.rate_per_year,
            log_mu=model.log_mu,
            log_sigma=model.log_sigma,
            n_events=model.n_events,
            n_durations=model.n_durations,
        )
    return HazardTable(
        regions=MappingProxyType(fitted),
        window_start=window[0],
        window_end=window[1],
        years=float(years),
        site_share=float(site_share),
        source=source,
        share_basis=MappingProxyType(dict(share_basis or {})),
    )


def site_share_from_load(
    events: pd.DataFrame, load_mw: pd.Series, *, region: str = "TRE"
) -> tuple[float, dict[str, Any]]:
    """Expected share of a region's load one load-loss report cuts off [-].

    ``s = mean(demand_loss_mw) / mean(load_mw)``: the mean demand loss of the region's load-loss
    reports that give a MW figure, over the mean system load in the part of the load series that
    overlaps the reports' observation window.

    Parameters
    ----------
    events
        Event table from :func:`weather.outages.read_oe417`.
    load_mw
        Hourly system load of the region [MW], indexed by UTC time (ERCOT native load for TRE).
    region
        The region both series describe.

    Returns
    -------
    tuple
        ``s`` [-] and the figures it was computed from.

    Raises
    ------
    FeedError
        No report with a MW figure, or no load inside the window.
    """
    start, end = observation_window(events)
    code = NERC_ALIASES[region.strip().upper()]
    listed = events["nerc_region"].fillna("").str.split("/").map(lambda codes: code in codes)
    chosen = events[listed.to_numpy(dtype=bool) & (events["severity"] == _SEVERITY).to_numpy()]
    losses = chosen["demand_loss_mw"].dropna()
    losses = losses[losses > 0]
    if losses.empty:
        raise FeedError("outage share", f"no {region} load-loss report gives a MW figure")
    times = pd.DatetimeIndex(load_mw.index)
    inside = load_mw[(times >= start) & (times < end)].dropna()
    if inside.empty:
        raise FeedError("outage share", f"no load between {start:%Y-%m-%d} and {end:%Y-%m-%d}")
    mean_loss = float(losses.mean())
    mean_load = float(inside.mean())
    first, last = pd.DatetimeIndex(inside.index)[[0, -1]]
    basis = {
        "region": code,
        "reports_with_mw": len(losses),
        "load_loss_reports": len(chosen),
        "mean_demand_loss_mw": mean_loss,
        "mean_load_mw": mean_load,
        "load_from": first.isoformat(),
        "load_to": last.isoformat(),
    }
    return mean_loss / mean_load, basis


def site_hazards(
    sites: Iterable[Site], table: HazardTable, *, site_share: float | None = None
) -> tuple[dict[str, OutageHazard], list[str]]:
    """The outage hazard of each site from its NERC region, and notes on the ones left default.

    Parameters
    ----------
    sites
        Sites with a ``region`` (NERC code).
    table
        Regional rates.
    site_share
        Share of the region's reports a site sees [-]; default the table's.

    Returns
    -------
    tuple
        ``{site_id: OutageHazard}`` for sites whose region is in the table (rates before
        ``outage_exposure``, which the scenarios apply), and one note per site left to the
        generic default hazard.
    """
    hazards: dict[str, OutageHazard] = {}
    notes: list[str] = []
    default = OutageHazard()
    for site in sites:
        hazard = table.hazard(site.region, site_share=site_share) if site.region else None
        if hazard is None:
            why = f"region {site.region!r} is not in the table" if site.region else "no region set"
            notes.append(
                f"Outage hazard of {site.id}: {why}; generic default {default.rate_per_year:g}/yr, "
                f"median {default.duration_median_h:g} h."
            )
            continue
        hazards[site.id] = hazard
    return hazards, notes


def hazard_summary(sites: Iterable[Site], table: HazardTable, *, site_share: float | None) -> str:
    """One line for a report: where the hazards come from and the figures of each region.

    Parameters
    ----------
    sites
        The fleet's sites (their regions are summarised, in order).
    table
        Regional rates.
    site_share
        Share override [-]; default the table's.

    Returns
    -------
    str
    """
    share = table.site_share if site_share is None else site_share
    figures = []
    for region in dict.fromkeys(s.region for s in sites if s.region):
        hazard = table.hazard(region, site_share=share)
        if hazard is not None:
            figures.append(
                f"{region} {hazard.rate_per_year:.2f}/yr, median {hazard.duration_median_h:.0f} h"
            )
    return (
        f"Outage hazards: load-loss reports per NERC region from {table.source} "
        f"({table.window_start:%Y-%m-%d} to {table.window_end:%Y-%m-%d}) x a site share of "
        f"{100 * share:.2f} %, times each site's outage_exposure in the scenarios"
        + (f": {'; '.join(figures)}." if figures else ".")
    )


def fleet_hazards(
    sites: Sequence[Site], table: HazardTable | None = None, *, site_share: float | None = None
) -> tuple[dict[str, OutageHazard], list[str]]:
    """Hazards of every site and the notes a report should carry about them.

    Parameters
    ----------
    sites
        The fleet's sites.
    table
        Regional rates; default :func:`packaged_hazard_table`.
    site_share
        Share override [-]; default the table's.

    Returns
    -------
    tuple
        ``{site_id: OutageHazard}`` (see :func:`site_hazards`) and the notes: the summary line
        first, then one line per site left to the default hazard.
    """
    table = table or packaged_hazard_table()
    hazards, notes = site_hazards(sites, table, site_share=site_share)
    return hazards, [hazard_summary(sites, table, site_share=site_share), *notes]


# --------------------------------------------------------------------------------------------
# the packaged table
# --------------------------------------------------------------------------------------------


def write_hazard_table(table: HazardTable, path: str | Path, *, derived_by: str) -> Path:
    """Write ``table`` as JSON (numbers rounded to 6 significant digits).

    Parameters
    ----------
    table
        The table to write.
    path
        Target file.
    derived_by
        The script that made it, recorded in the file.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    doc = {
        "source": table.source,
        "derived_by": derived_by,
        "selection": table.selection,
        "window_start": table.window_start.isoformat(),
        "window_end": table.window_end.isoformat(),
        "years": _round(table.years),
        "site_share": _round(table.site_share),
        "share_basis": {k: _round(v) for k, v in table.share_basis.items()},
        "regions": {
            code: {
                "rate_per_year": _round(r.rate_per_year),
                "log_mu": _round(r.log_mu),
                "log_sigma": _round(r.log_sigma),
                "median_hours": _round(r.median_hours),
                "n_events": r.n_events,
                "n_durations": r.n_durations,
            }
            for code, r in table.regions.items()
        },
    }
    target = Path(path)
    target.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return target


def read_hazard_table(text: str, source: str = "hazard table") -> HazardTable:
    """Read a table written by :func:`write_hazard_table`.

    Parameters
    ----------
    text
        The JSON text.
    source
        Name used in errors.

    Returns
    -------
    HazardTable

    Raises
    ------
    FeedError
        Malformed JSON or a missing key.
    """
    try:
        doc = json.loads(text)
        regions = {
            code: RegionRate(
                region=code,
                rate_per_year=float(r["rate_per_year"]),
                log_mu=float(r["log_mu"]),
                log_sigma=float(r["log_sigma"]),
                n_events=int(r["n_events"]),
                n_durations=int(r["n_durations"]),
            )
            for code, r in doc["regions"].items()
        }
        return HazardTable(
            regions=MappingProxyType(regions),
            window_start=pd.Timestamp(doc["window_start"]),
            window_end=pd.Timestamp(doc["window_end"]),
            years=float(doc["years"]),
            site_share=float(doc["site_share"]),
            source=str(doc["source"]),
            selection=str(doc["selection"]),
            share_basis=MappingProxyType(dict(doc.get("share_basis", {}))),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise FeedError(source, f"malformed hazard table: {type(exc).__name__}: {exc}") from None


@cache
def packaged_hazard_table() -> HazardTable:
    """The table shipped in ``weather/data`` (derived once from OE-417 2015-2023).

    Returns
    -------
    HazardTable
    """
    text = resources.files("weather").joinpath(HAZARD_TABLE_RESOURCE).read_text(encoding="utf-8")
    return read_hazard_table(text, source=f"weather/{HAZARD_TABLE_RESOURCE}")


def _round(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, float | np.floating):
        return value
    return float(f"{float(value):.6g}")
