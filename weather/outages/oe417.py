"""The DOE OE-417 disturbance-event table, read into the canonical event table.

The time-zone, DST and cleaning rules are set out in the :mod:`weather.outages` docstring.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from weather.errors import FeedError
from weather.outages.causes import normalised_cause
from weather.outages.regions import FALLBACK_TZ, NERC_TZ, STATE_TZ, nerc_codes, states_named
from weather.schema import validate

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
    states = area.map(states_named)
    nerc = text["nerc_region"].map(nerc_codes)
    by_state = states.map(lambda names: STATE_TZ[names[0]] if names else None)
    by_nerc = nerc.map(lambda codes: NERC_TZ.get(codes[0]) if codes else None)
    tz_series = by_state.fillna(by_nerc).fillna(FALLBACK_TZ).astype(object)
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
        normalised_cause(e, m, a)
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
