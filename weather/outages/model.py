"""Outage report rates by cause and a lognormal duration for one region, fitted to OE-417."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from weather.errors import FeedError
from weather.outages.causes import CAUSES
from weather.outages.regions import NERC_ALIASES, canonical_state


@dataclass(frozen=True)
class OutageModel:
    """Outage frequency and duration for one region, fitted to an event history.

    Frequency: reports per year by cause, ``count / years`` over the observation window.

    Duration: **lognormal**, ``ln(duration / 1 h) ~ Normal(log_mu, log_sigma)``, fitted by maximum
    likelihood, which for the lognormal is closed-form: the mean and the (population, ``ddof=0``)
    standard deviation of the log-durations. Why lognormal: outage durations are positive and span
    four orders of magnitude (a minute to two weeks in Texas RE), their logarithms are roughly
    symmetric, and restoration is multiplicative (damage size times crew throughput), which is the
    generative story of a lognormal. Its right tail is heavy enough for the multi-day storm
    outages that matter for mining sites, unlike an exponential, whose memorylessness would make a
    5-day outage as unlikely as a 5-hour one is likely; and its median is a robust summary that is
    not dragged by the few extreme reports. A Weibull would also fit, but has no closed-form MLE
    and a lighter tail.

    Attributes
    ----------
    region
        The region asked for, as given.
    matched_by
        How events were selected (``nerc_region has TRE``, ``area names Texas``, plus the causes
        when restricted).
    window_start, window_end
        Observation window (UTC), ``[start, end)``.
    years
        Window length [years of 365.25 days].
    n_events
        Reports in the region and window.
    rates_by_cause
        Reports per year by cause [1/yr], for every cause fitted (0 when none was reported).
    n_durations
        Reports with a usable duration (an end after the start) used in the fit.
    log_mu, log_sigma
        Lognormal parameters of the duration in hours [ln h].
    empirical_median_hours
        Median of the observed durations [h], for comparison with the fitted median.
    """

    region: str
    matched_by: str
    window_start: pd.Timestamp
    window_end: pd.Timestamp
    years: float
    n_events: int
    rates_by_cause: Mapping[str, float] = field(hash=False)
    n_durations: int
    log_mu: float
    log_sigma: float
    empirical_median_hours: float

    @property
    def rate_per_year(self) -> float:
        """Reports per year, all causes [1/yr]."""
        return float(sum(self.rates_by_cause.values()))

    @property
    def median_hours(self) -> float:
        """Fitted median duration ``exp(log_mu)`` [h]."""
        return math.exp(self.log_mu)

    @property
    def mean_hours(self) -> float:
        """Fitted mean duration ``exp(log_mu + log_sigma**2 / 2)`` [h]."""
        return math.exp(self.log_mu + self.log_sigma**2 / 2.0)

    def quantile_hours(self, q: float) -> float:
        """Fitted duration quantile [h], e.g. ``q=0.9`` for the 90th percentile."""
        if not 0.0 < q < 1.0:
            raise ValueError(f"q must be in (0, 1), got {q}")
        return math.exp(statistics.NormalDist(self.log_mu, self.log_sigma).inv_cdf(q))

    def sample_durations(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draw ``n`` outage durations [h] from the fitted lognormal.

        Parameters
        ----------
        rng
            Seeded generator (``numpy.random.default_rng(seed)``); same seed, same draws.
        n
            Number of durations.

        Returns
        -------
        numpy.ndarray
            Shape ``(n,)``, durations in hours, all > 0.
        """
        return rng.lognormal(mean=self.log_mu, sigma=self.log_sigma, size=n)


def fit_outage_model(
    events: pd.DataFrame,
    region: str,
    *,
    causes: Sequence[str] | None = None,
    window: tuple[Any, Any] | None = None,
) -> OutageModel:
    """Fit report rates by cause and a lognormal duration for one region.

    Region matching, checked against the real OE-417 values:

    - a NERC region code or alias (``TRE``, ``Texas RE``, ``ERCOT``; ``SERC``; ``RF``/``RFC``;
      ``WECC``; ``MRO``; ``NPCC``; ``FRCC``; ``SPP``/``SPP RE``) selects reports whose
      ``nerc_region`` lists it, alone or in a multi-region report (``TRE/SERC``, ``SPP, SERC,
      TRE``). For ERCOT sites this is the right choice: Texas reports outside TRE are in the SPP
      (panhandle) and SERC (east Texas) footprints;
    - a U.S. state name (``Texas``) selects reports whose ``area_affected`` names that state,
      whatever their NERC region.

    Parameters
    ----------
    events
        Event table from :func:`read_oe417` (needs ``start``, ``end``, ``cause``,
        ``nerc_region``, ``states``).
    region
        NERC code/alias or state name, case-insensitive.
    causes
        Causes to keep (from :data:`CAUSES`); all by default. The all-cause duration mix is
        bimodal: security and operations reports last minutes, weather outages days (Texas RE,
        2015-2023: median 2 h for system-operations, 71 h for weather-winter), so fit weather
        causes alone when the question is how long a storm keeps a site dark.
    window
        ``(start, end)`` of the observation window (anything ``pandas.Timestamp`` accepts; naive
        means UTC). Default: from 1 January of the year of the table's first report to the first
        day of the month after its last report, over the whole table (a region without reports
        late in the window was still observed). For the 2015-2023 file: 2015-01-01 to 2023-07-01,
        8.50 years.

    Returns
    -------
    OutageModel

    Raises
    ------
    FeedError
        Missing columns, an unknown region, no reports in the region and window, or fewer than
        two usable durations.
    ValueError
        An unknown cause, or a window that ends before it starts.
    """
    feed = "outage model"
    needed = ("start", "end", "cause", "nerc_region", "states")
    missing = [c for c in needed if c not in events.columns]
    if missing:
        raise FeedError(feed, f"event table lacks {missing}; use read_oe417")
    if events.empty:
        raise FeedError(feed, "no events to fit")
    if window is None:
        first, last = events["start"].min(), events["start"].max()
        w_start = pd.Timestamp(year=first.year, month=1, day=1, tz="UTC")
        w_end = pd.Timestamp(year=last.year, month=last.month, day=1, tz="UTC") + pd.DateOffset(
            months=1
        )
    else:
        w_start, w_end = (_utc(t) for t in window)
    if w_end <= w_start:
        raise ValueError(f"window end {w_end} is not after its start {w_start}")
    years = (w_end - w_start) / pd.Timedelta(days=365.25)

    key = region.strip().upper()
    if key in NERC_ALIASES:
        code = NERC_ALIASES[key]
        codes = events["nerc_region"].fillna("").str.split("/")
        chosen = codes.map(lambda cs: code in cs)
        matched_by = f"nerc_region has {code}"
    elif (state := canonical_state(region)) is not None:
        chosen = events["states"].fillna("").str.split(";").map(lambda ss: state in ss)
        matched_by = f"area names {state}"
    else:
        allowed = [*sorted(NERC_ALIASES), "<a U.S. state name>"]
        raise FeedError(feed, f"unknown region {region!r}; allowed: {', '.join(allowed)}")
    in_window = (events["start"] >= w_start) & (events["start"] < w_end)
    picked = events[chosen.to_numpy(dtype=bool) & in_window.to_numpy()]
    if picked.empty:
        raise FeedError(feed, f"no reports for {region!r} ({matched_by}) in the window")

    kept = tuple(CAUSES if causes is None else dict.fromkeys(causes))
    unknown_causes = sorted(set(kept) - set(CAUSES))
    if unknown_causes:
        raise ValueError(f"unknown causes {unknown_causes}; allowed: {', '.join(CAUSES)}")
    if causes is not None:
        picked = picked[picked["cause"].isin(kept)]
        matched_by += f", cause in {', '.join(kept)}"
        if picked.empty:
            raise FeedError(feed, f"no reports for {region!r} ({matched_by}) in the window")
    counts = picked["cause"].value_counts()
    stray = sorted(set(counts.index) - set(CAUSES))
    if stray:
        raise FeedError(feed, f"unknown causes {stray} in the events; allowed: {', '.join(CAUSES)}")
    rates = {c: float(counts.get(c, 0)) / years for c in kept}
    hours = (picked["end"] - picked["start"]).dt.total_seconds() / 3600.0
    usable = hours[hours > 0].to_numpy(dtype=float)
    if len(usable) < 2:
        raise FeedError(feed, f"only {len(usable)} usable durations for {region!r}; need 2")
    logs = np.log(usable)
    return OutageModel(
        region=region,
        matched_by=matched_by,
        window_start=w_start,
        window_end=w_end,
        years=float(years),
        n_events=len(picked),
        rates_by_cause=MappingProxyType(rates),
        n_durations=len(usable),
        log_mu=float(logs.mean()),
        log_sigma=float(logs.std(ddof=0)),
        empirical_median_hours=float(np.median(usable)),
    )


def _utc(value: Any) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
