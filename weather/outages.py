"""Grid outage events: the DOE OE-417 history, a per-region outage model, live outage feeds.

OE-417 (``read_oe417``)
    DOE's Electric Emergency Incident and Disturbance reports, one row per *report*: a large storm
    produces many (Winter Storm Uri left about 30 reports in Texas RE in February 2021), so the
    rates below are report rates, an upper bound on the rate of distinct grid emergencies.

    Time zone. The file's times are local clock times and say nothing about the zone. Each row gets
    the zone of the **first U.S. state named** in ``area_affected`` (the reporting utility's home
    state comes first in practice), using the state's dominant zone (Texas -> America/Chicago,
    although El Paso runs on Mountain time; Tennessee and Kentucky likewise take one zone); rows
    naming no state take the zone of their first NERC region (TRE/SPP/MRO -> Chicago,
    SERC/RF/NPCC/FRCC -> New York, WECC -> Los Angeles); rows with neither take America/Chicago.
    The zone used is kept per row in ``local_tz``. On DST days a repeated wall time is read as the
    first (daylight) occurrence and a skipped one as a clock that forgot to spring forward (02:30
    becomes 03:30 daylight time), like Python's ``fold=0``; both are counted (none in the
    2015-2023 file). For a multi-zone event the error is at
    most a few hours, small against the hours-to-days durations this history is used for.

    Dirty rows are kept and repaired only where the file itself says how, and every repair is
    counted in ``events.attrs["oe417_cleaning"]`` and flagged per row in ``end_status``:

    - ``missing``: no restoration time (``Unknown``); ``end`` is ``NaT``;
    - ``excel-serial-date``: the restoration date was exported as an Excel day number
      (``44641`` = 2022-03-21); it is decoded;
    - ``before-start``: restoration earlier than the start (a year typo such as 2018 for 2019);
      ``end`` is set to ``NaT`` rather than guessed;
    - ``zero-duration``: restored the minute it began; kept, but left out of duration fits.

Outage model (``fit_outage_model``)
    Yearly report rates by cause for one region over the observation window, and a lognormal
    duration distribution; see :class:`OutageModel`.

Live feeds (``parse_outage_feed``, ``get_outage_feed``)
    Any JSON list of outages, read through an :class:`OutageFeedMapping` that names the keys.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any, Unpack

import numpy as np
import pandas as pd
import requests

from weather.errors import FeedError
from weather.http import FetchOptions, get_json
from weather.schema import empty_events, validate

__all__ = [
    "CAUSES",
    "OutageFeedMapping",
    "OutageModel",
    "fit_outage_model",
    "get_outage_feed",
    "parse_outage_feed",
    "read_oe417",
]

#: Normalised causes, from OE-417 ``event_type`` (and season for plain "Severe Weather").
CAUSES: tuple[str, ...] = (
    "weather-winter",
    "weather-summer",
    "weather-other",
    "fuel-supply",
    "system-operations",
    "physical-attack",
    "vandalism",
    "suspicious-activity",
    "cyber",
    "other",
)

_STATES_BY_ZONE: dict[str, tuple[str, ...]] = {
    "America/New_York": (
        "Connecticut", "Delaware", "District of Columbia", "Florida", "Georgia", "Kentucky",
        "Maine", "Maryland", "Massachusetts", "New Hampshire", "New Jersey", "New York",
        "North Carolina", "Ohio", "Pennsylvania", "Rhode Island", "South Carolina", "Vermont",
        "Virginia", "West Virginia",
    ),
    "America/Chicago": (
        "Alabama", "Arkansas", "Illinois", "Iowa", "Kansas", "Louisiana", "Minnesota",
        "Mississippi", "Missouri", "Nebraska", "North Dakota", "Oklahoma", "South Dakota",
        "Tennessee", "Texas", "Wisconsin",
    ),
    "America/Denver": ("Colorado", "Idaho", "Montana", "New Mexico", "Utah", "Wyoming"),
    "America/Los_Angeles": ("California", "Nevada", "Oregon", "Washington"),
    "America/Phoenix": ("Arizona",),
    "America/Indiana/Indianapolis": ("Indiana",),
    "America/Detroit": ("Michigan",),
    "America/Anchorage": ("Alaska",),
    "Pacific/Honolulu": ("Hawaii",),
    "America/Puerto_Rico": ("Puerto Rico",),
}  # fmt: skip

#: Dominant IANA zone of each state named in OE-417 ``area_affected``.
STATE_TZ: Mapping[str, str] = MappingProxyType(
    {state: zone for zone, states in _STATES_BY_ZONE.items() for state in states}
)

#: NERC region spellings in OE-417 -> code. ``RE`` appears once, on a Texas row (Texas RE).
NERC_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "TRE": "TRE",
        "TEXAS RE": "TRE",
        "ERCOT": "TRE",
        "RE": "TRE",
        "RF": "RF",
        "RFC": "RF",
        "SERC": "SERC",
        "WECC": "WECC",
        "MRO": "MRO",
        "NPCC": "NPCC",
        "FRCC": "FRCC",
        "SPP": "SPP",
        "SPP RE": "SPP",
        "PR": "PR",
    }
)

_NERC_TZ: Mapping[str, str] = MappingProxyType(
    {
        "TRE": "America/Chicago",
        "SPP": "America/Chicago",
        "MRO": "America/Chicago",
        "SERC": "America/New_York",
        "RF": "America/New_York",
        "NPCC": "America/New_York",
        "FRCC": "America/New_York",
        "WECC": "America/Los_Angeles",
        "PR": "America/Puerto_Rico",
    }
)
_FALLBACK_TZ = "America/Chicago"
_STATES = {name.lower(): name for name in STATE_TZ}
_STATE_RE = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, _STATES), key=len, reverse=True)) + r")\b",
    flags=re.IGNORECASE,
)
_MISSING_WORDS = frozenset({"", "unknown", "unkonwn", "n/a", "na", "none"})
_OE417_COLUMNS = (
    "event_began_local",
    "restoration_local",
    "area_affected",
    "nerc_region",
    "event_type",
    "demand_loss_mw",
    "customers_affected",
)
_ADEQUACY_WORDS = ("public appeal", "load shed", "voltage reduction", "generation inadequacy")


# --------------------------------------------------------------------------------------------
# OE-417
# --------------------------------------------------------------------------------------------


def read_oe417(path: str | Path) -> pd.DataFrame:
    """Read the DOE OE-417 disturbance-event table into the canonical event table.

    Parameters
    ----------
    path
        CSV with the columns of ``doe_oe417_disturbance_events_2015_2023.csv``:
        ``event_began_local``, ``restoration_local`` (``YYYY-MM-DD HH:MM:SS`` local clock time,
        empty when unknown), ``date_restoration_raw``/``time_restoration_raw`` (as exported),
        ``area_affected``, ``nerc_region``, ``alert_criteria``, ``event_type``,
        ``demand_loss_mw``, ``customers_affected`` (``Unknown`` when not reported).

    Returns
    -------
    pandas.DataFrame
        One row per report: ``start``, ``end`` (UTC; ``NaT`` when unknown), ``site_id`` (``None``:
        reports are about areas, not sites), ``kind`` (``grid-outage``), ``severity``
        (``load-loss`` when MW or customers were lost, ``no-load-loss`` when both are reported as
        0, else ``unknown``), ``source`` (``oe417``), ``source_id`` (``oe417-line-<n>``, the CSV
        line), and ``area``, ``states`` (``;``-joined state names found in the area),
        ``nerc_region`` (codes joined by ``/``), ``cause`` (one of :data:`CAUSES`),
        ``demand_loss_mw`` [MW], ``customers_affected`` [-] (``NaN`` for Unknown), ``local_tz``,
        ``end_status``. ``attrs["oe417_cleaning"]`` counts the repairs (module docstring).

    Raises
    ------
    FeedError
        Missing file or columns, an unreadable start time, or a non-numeric loss figure other
        than ``Unknown``.
    """
    path = Path(path)
    feed = path.name
    if not path.is_file():
        raise FeedError(feed, f"file not found: {path}")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise FeedError(feed, f"cannot read {path.name}: {exc}") from exc
    missing = [c for c in _OE417_COLUMNS if c not in raw.columns]
    if missing:
        raise FeedError(feed, f"missing OE-417 columns {missing}; columns: {list(raw.columns)}")
    if raw.empty:
        raise FeedError(feed, "no OE-417 rows")
    text = {c: raw[c].astype(str).str.strip() for c in raw.columns}
    lines = np.arange(len(raw)) + 2  # header is line 1

    start_local = pd.to_datetime(
        text["event_began_local"], format="%Y-%m-%d %H:%M:%S", errors="coerce"
    )
    if start_local.isna().any():
        i = int(np.flatnonzero(start_local.isna().to_numpy())[0])
        raise FeedError(
            feed,
            f"unreadable event_began_local {text['event_began_local'].iloc[i]!r} at line "
            f"{lines[i]}; every report needs a start",
        )
    end_local = pd.to_datetime(
        text["restoration_local"], format="%Y-%m-%d %H:%M:%S", errors="coerce"
    )
    unreadable_end = end_local.isna() & ~text["restoration_local"].str.lower().isin(_MISSING_WORDS)
    if unreadable_end.any():
        i = int(np.flatnonzero(unreadable_end.to_numpy())[0])
        raise FeedError(
            feed,
            f"unreadable restoration_local {text['restoration_local'].iloc[i]!r} "
            f"at line {lines[i]}",
        )
    serial_end = _excel_serial_end(text)
    excel = end_local.isna() & serial_end.notna()
    end_local = end_local.where(~excel, serial_end)

    area = text["area_affected"]
    states = area.map(_states_named)
    nerc = text["nerc_region"].map(_nerc_codes)
    by_state = states.map(lambda names: STATE_TZ[names[0]] if names else None)
    by_nerc = nerc.map(lambda codes: _NERC_TZ.get(codes[0]) if codes else None)
    tz_series = by_state.fillna(by_nerc).fillna(_FALLBACK_TZ).astype(object)
    start, start_repeated, start_skipped = _local_to_utc(start_local, tz_series)
    end, end_repeated, end_skipped = _local_to_utc(end_local, tz_series)

    before = end.notna() & (end < start)
    zero = end.notna() & (end == start)
    end = end.where(~before)
    status = pd.Series("ok", index=raw.index, dtype=object)
    status[end_local.isna()] = "missing"
    status[excel] = "excel-serial-date"
    status[before] = "before-start"
    status[zero] = "zero-duration"

    demand = _loss_numbers(text["demand_loss_mw"], "demand_loss_mw", feed, lines)
    customers = _loss_numbers(text["customers_affected"], "customers_affected", feed, lines)
    lost = (demand > 0) | (customers > 0)
    none_lost = (demand == 0) & (customers == 0)
    severity = np.where(lost, "load-loss", np.where(none_lost, "no-load-loss", "unknown"))
    month = start_local.dt.month
    alert = text.get("alert_criteria", pd.Series("", index=raw.index))
    cause = [
        _cause(e, m, a)
        for e, m, a in zip(text["event_type"], month, alert.str.lower(), strict=True)
    ]

    events = pd.DataFrame(
        {
            "start": start,
            "end": end,
            "site_id": None,
            "kind": "grid-outage",
            "severity": severity,
            "source": "oe417",
            "source_id": [f"oe417-line-{n}" for n in lines],
            "area": area,
            "states": states.map(";".join),
            "nerc_region": nerc.map("/".join).replace("", None),
            "cause": cause,
            "demand_loss_mw": demand,
            "customers_affected": customers,
            "local_tz": tz_series,
            "end_status": status,
        }
    )
    events.attrs["oe417_cleaning"] = {
        "rows": len(events),
        "end_missing": int((status == "missing").sum()),
        "end_from_excel_serial_date": int(excel.sum()),
        "end_before_start_dropped": int(before.sum()),
        "zero_duration": int(zero.sum()),
        "zone_from_nerc_region": int((by_state.isna() & by_nerc.notna()).sum()),
        "zone_fallback": int((by_state.isna() & by_nerc.isna()).sum()),
        "dst_repeated_read_as_daylight": start_repeated + end_repeated,
        "dst_skipped_shifted_forward": start_skipped + end_skipped,
    }
    return validate(events, "events", feed)


def _states_named(area: str) -> list[str]:
    """State names in an ``area_affected`` string, in order of first mention, canonical case."""
    return list(dict.fromkeys(_STATES[m.lower()] for m in _STATE_RE.findall(area)))


def _nerc_codes(value: str) -> list[str]:
    """``'SPP, SERC, TRE'`` -> ``['SPP', 'SERC', 'TRE']``; ``'SPP RE'`` -> ``['SPP']``."""
    value = value.strip().upper()
    if value in NERC_ALIASES:
        return [NERC_ALIASES[value]]
    codes: list[str] = []
    for token in re.split(r"\s*[/,]\s*", value):
        token = token.strip()
        if not token:
            continue
        code = NERC_ALIASES.get(token, token)
        if code not in codes:
            codes.append(code)
    return codes


def _excel_serial_end(text: Mapping[str, pd.Series]) -> pd.Series:
    """Restoration date exported as an Excel day number (days since 1899-12-30) plus its time."""
    if "date_restoration_raw" not in text or "time_restoration_raw" not in text:
        return pd.Series(pd.NaT, index=next(iter(text.values())).index, dtype="datetime64[us]")
    day = pd.to_numeric(
        text["date_restoration_raw"].where(text["date_restoration_raw"].str.fullmatch(r"\d{5}")),
        errors="coerce",
    )
    clock = pd.to_timedelta(
        text["time_restoration_raw"].where(
            text["time_restoration_raw"].str.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?")
        ),
        errors="coerce",
    )
    return pd.Timestamp("1899-12-30") + pd.to_timedelta(day, unit="D") + clock


def _local_to_utc(local: pd.Series, zones: pd.Series) -> tuple[pd.Series, int, int]:
    """Naive local times -> UTC per zone (DST rules in the module docstring).

    Returns the UTC times, the number of repeated (fall-back) wall times read as daylight time,
    and the number of skipped (spring-forward) wall times shifted forward one hour.
    """
    out = pd.Series(pd.NaT, index=local.index, dtype="datetime64[us, UTC]")
    repeated = skipped = 0
    for zone, idx in zones.groupby(zones).groups.items():
        times = pd.DatetimeIndex(local.loc[idx]).as_unit("us")
        dst = np.ones(len(times), dtype=bool)
        as_dst = times.tz_localize(str(zone), ambiguous=dst, nonexistent="NaT")
        as_std = times.tz_localize(str(zone), ambiguous=~dst, nonexistent="NaT")
        repeated += int(np.sum(np.asarray(as_dst != as_std) & np.asarray(as_dst.notna())))
        skipped += int(np.sum(np.asarray(as_dst.isna()) & np.asarray(times.notna())))
        localized = times.tz_localize(str(zone), ambiguous=dst, nonexistent=timedelta(hours=1))
        out.loc[idx] = localized.tz_convert("UTC")
    return out, repeated, skipped


def _loss_numbers(values: pd.Series, column: str, feed: str, lines: np.ndarray) -> pd.Series:
    cleaned = values.str.replace(",", "", regex=False)
    numbers = pd.to_numeric(cleaned, errors="coerce")
    bad = numbers.isna() & ~values.str.lower().isin(_MISSING_WORDS)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise FeedError(
            feed,
            f"column {column!r} has {values.iloc[i]!r} at line {lines[i]}; allowed: a number "
            "or Unknown",
        )
    return numbers.astype(float)


def _cause(event_type: str, month: int, alert: str) -> str:
    """Normalised cause of one OE-417 report (see :data:`CAUSES`)."""
    kind = re.sub(r"\s+", " ", event_type.lower().lstrip("- ").strip())
    kind = kind.replace("transmisison", "transmission").replace("sever weather", "severe weather")
    if "cyber" in kind:
        return "cyber"
    if "fuel supply" in kind:
        return "fuel-supply"
    if "weather" in kind or "natural disaster" in kind:
        if any(w in kind for w in ("winter", "ice", "snow", "cold")):
            return "weather-winter"
        if any(w in kind for w in ("heat", "summer")):
            return "weather-summer"
        if any(w in kind for w in ("wind", "thunderstorm", "hurricane", "tornado", "flood")):
            return "weather-other"
        if month in (12, 1, 2):
            return "weather-winter"
        if month in (6, 7, 8, 9) and any(w in alert for w in _ADEQUACY_WORDS):
            return "weather-summer"
        return "weather-other"
    if any(w in kind for w in ("physical attack", "physical event", "sabotage")):
        return "physical-attack"
    if "vandalism" in kind:
        return "vandalism"
    if "suspicious" in kind:
        return "suspicious-activity"
    if any(
        w in kind
        for w in (
            "system operations",
            "transmission",
            "distribution",
            "islanding",
            "generation inadequacy",
            "public appeal",
            "failure",
        )
    ):
        return "system-operations"
    return "other"


# --------------------------------------------------------------------------------------------
# outage model
# --------------------------------------------------------------------------------------------


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
    elif region.strip().lower() in _STATES:
        state = _STATES[region.strip().lower()]
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


# --------------------------------------------------------------------------------------------
# live outage feeds
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutageFeedMapping:
    """Where a live outage feed keeps each field of an outage record.

    Keys may be dotted paths into nested objects (``"properties.startTime"``).

    Attributes
    ----------
    start
        Key of the outage start (required in every record).
    end
        Key of the (estimated) restoration time; missing or ``null`` means still open.
    id
        Key of the provider's outage id.
    site
        Key of the site, area or feeder the outage is reported for (-> ``site_id``).
    kind
        Key of the outage kind; records without one get ``default_kind``.
    severity
        Key of the severity or status.
    time_format
        ``iso8601`` (offsets or ``Z``; naive values are read in ``timezone``), ``epoch_s``,
        ``epoch_ms``, or a ``strftime`` pattern such as ``%m/%d/%Y %I:%M %p``.
    timezone
        IANA zone of naive times. An ambiguous or skipped wall time (DST) is an error.
    records
        Dotted path to the list of outages inside the payload; ``None`` when the payload is the
        list itself.
    default_kind
        Kind of records without a ``kind`` key.
    source
        Value of the ``source`` column.
    """

    start: str
    end: str | None = None
    id: str = "id"
    site: str | None = None
    kind: str | None = None
    severity: str | None = None
    time_format: str = "iso8601"
    timezone: str = "UTC"
    records: str | None = None
    default_kind: str = "grid-outage"
    source: str = "outage-feed"


def parse_outage_feed(payload: Any, mapping: OutageFeedMapping, feed: str) -> pd.DataFrame:
    """Read one outage-feed payload into the canonical event table.

    Parameters
    ----------
    payload
        Decoded JSON: a list of outage objects, or an object holding one at ``mapping.records``.
    mapping
        Which keys hold which field, and the time format.
    feed
        Feed name for error messages.

    Returns
    -------
    pandas.DataFrame
        Columns ``start``, ``end`` (UTC, ``NaT`` for open outages), ``site_id``, ``kind``,
        ``severity``, ``source``, ``source_id``. An empty list gives an empty table (the feed
        answered and reports no outages).

    Raises
    ------
    FeedError
        The payload is not a list (at ``records``), a record is not an object or lacks its start
        or id, a time cannot be read, or an outage ends before it starts.
    """
    records = _lookup(payload, mapping.records) if mapping.records else payload
    if records is _MISSING or not isinstance(records, list):
        where = f" at {mapping.records!r}" if mapping.records else ""
        raise FeedError(
            feed, f"expected a JSON list of outages{where}, got {type(records).__name__}"
        )
    if not records:
        return empty_events()
    rows: list[dict[str, Any]] = []
    for i, record in enumerate(records):
        if not isinstance(record, dict):
            raise FeedError(feed, f"outage #{i} is a {type(record).__name__}, not an object")
        start = _lookup(record, mapping.start)
        if start is _MISSING or start is None:
            raise FeedError(feed, f"outage #{i} has no {mapping.start!r} (its start)")
        ident = _lookup(record, mapping.id)
        if ident is _MISSING or ident is None:
            raise FeedError(feed, f"outage #{i} has no {mapping.id!r} (its id)")
        end = _lookup(record, mapping.end) if mapping.end else None
        rows.append(
            {
                "start": _feed_time(start, mapping, feed, i, mapping.start),
                "end": None
                if end in (_MISSING, None, "")
                else _feed_time(end, mapping, feed, i, str(mapping.end)),
                "site_id": _optional(record, mapping.site),
                "kind": _optional(record, mapping.kind) or mapping.default_kind,
                "severity": _optional(record, mapping.severity),
                "source": mapping.source,
                "source_id": str(ident),
            }
        )
    events = pd.DataFrame(rows)
    for column in ("start", "end"):
        events[column] = pd.to_datetime(events[column], utc=True)
    return validate(events, "events", feed)


def get_outage_feed(
    session: requests.Session,
    url: str,
    mapping: OutageFeedMapping,
    *,
    feed: str | None = None,
    params: Mapping[str, str | int | float] | None = None,
    **fetch: Unpack[FetchOptions],
) -> pd.DataFrame:
    """Fetch a live outage feed and read it with :func:`parse_outage_feed`.

    Parameters
    ----------
    session
        HTTP session, usually from :func:`weather.http.make_session`.
    url
        Feed URL.
    mapping
        Field mapping of the feed.
    feed
        Feed name for errors; ``outage feed <url>`` by default.
    params
        Query parameters (API keys are masked in errors by :mod:`weather.http`).
    **fetch
        Passed to :func:`weather.http.get_json` (``timeout``, ``retries``...).

    Returns
    -------
    pandas.DataFrame
        Canonical event table.

    Raises
    ------
    FeedError
        HTTP or network failure, malformed JSON, or a payload :func:`parse_outage_feed` rejects.
    """
    name = feed or f"outage feed {url.split('?')[0]}"
    payload = get_json(session, url, params, feed=name, **fetch)
    return parse_outage_feed(payload, mapping, name)


_MISSING: Any = object()


def _lookup(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return _MISSING
        obj = obj[part]
    return obj


def _optional(record: dict[str, Any], key: str | None) -> str | None:
    if key is None:
        return None
    value = _lookup(record, key)
    return None if value is _MISSING or value is None else str(value)


def _feed_time(value: Any, mapping: OutageFeedMapping, feed: str, i: int, key: str) -> pd.Timestamp:
    fmt = mapping.time_format
    try:
        if fmt in ("epoch_s", "epoch_ms"):
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise ValueError("not a number")
            stamp = pd.Timestamp(float(value), unit="s" if fmt == "epoch_s" else "ms", tz="UTC")
        elif fmt == "iso8601":
            stamp = pd.Timestamp(str(value))
        else:
            stamp = pd.Timestamp(pd.to_datetime(str(value), format=fmt))
    except (ValueError, TypeError, OverflowError) as exc:
        raise FeedError(
            feed, f"outage #{i}: cannot read {key!r} = {value!r} as {fmt}: {exc}"
        ) from None
    if pd.isna(stamp):
        raise FeedError(feed, f"outage #{i}: {key!r} is empty")
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(mapping.timezone, ambiguous="NaT", nonexistent="NaT")
        if pd.isna(stamp):
            raise FeedError(
                feed,
                f"outage #{i}: {key!r} = {value!r} is ambiguous or skipped in "
                f"{mapping.timezone} (DST); the feed needs UTC offsets for such times",
            )
    return stamp.tz_convert("UTC")
