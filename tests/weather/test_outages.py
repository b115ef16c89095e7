"""Outage events: the real OE-417 history, the per-region outage model, live outage feeds.

The Texas figures are checked against counts made here with the csv module and the standard
library, not with the code under test.
"""

from __future__ import annotations

import csv
import math
import re
import statistics
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
import requests
from pytest_httpserver import HTTPServer

from weather.errors import FeedError
from weather.outages import (
    CAUSES,
    OutageFeedMapping,
    fit_outage_model,
    get_outage_feed,
    parse_outage_feed,
    read_oe417,
)
from weather.outages.causes import normalised_cause
from weather.outages.regions import NERC_TZ, canonical_state, nerc_codes, states_named

DATA = Path(__file__).resolve().parents[1] / "data"
OE417 = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "data"
    / "outages"
    / "doe_oe417_disturbance_events_2015_2023.csv"
)
CENTRAL = ZoneInfo("America/Chicago")


def _need_oe417() -> Path:
    if not OE417.is_file():
        pytest.skip(f"shared OE-417 file not present: {OE417} (a fresh clone has no ../shared)")
    return OE417


@pytest.fixture(scope="module")
def oe417() -> pd.DataFrame:
    return read_oe417(_need_oe417())


# --------------------------------------------------------------------------------------------
# independent counts, standard library only
# --------------------------------------------------------------------------------------------


def _rows() -> list[dict[str, str]]:
    with _need_oe417().open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _restored(row: dict[str, str]) -> datetime | None:
    text = row["restoration_local"].strip()
    if text:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    serial, clock = row["date_restoration_raw"].strip(), row["time_restoration_raw"].strip()
    if serial.isdigit() and len(serial) == 5:  # Excel day number
        hours, minutes, seconds = (int(x) for x in clock.split(":"))
        return datetime(1899, 12, 30) + timedelta(
            days=int(serial), hours=hours, minutes=minutes, seconds=seconds
        )
    return None


def _texas_re(row: dict[str, str]) -> bool:
    """NERC region lists TRE (or the one 'RE' row, a Texas RE cyber report in Bee County)."""
    tokens = {t.strip() for t in re.split(r"[/,]", row["nerc_region"].upper())}
    return "TRE" in tokens or tokens == {"RE"}


def _hours_central(row: dict[str, str]) -> float | None:
    """Duration with both clock times read in US Central (all Texas RE reports but one are in
    Texas; the exception, a Georgia-named row, does not straddle a DST change)."""
    end = _restored(row)
    if end is None:
        return None
    start = datetime.strptime(row["event_began_local"].strip(), "%Y-%m-%d %H:%M:%S")
    utc_start = start.replace(tzinfo=CENTRAL).astimezone(UTC)
    utc_end = end.replace(tzinfo=CENTRAL).astimezone(UTC)
    return (utc_end - utc_start).total_seconds() / 3600.0


# --------------------------------------------------------------------------------------------
# read_oe417 on the real file
# --------------------------------------------------------------------------------------------


def test_oe417_reads_every_report_into_the_event_table(oe417: pd.DataFrame) -> None:
    rows = _rows()
    assert len(oe417) == len(rows) == 2_259
    assert str(oe417["start"].dtype).endswith("UTC]") and str(oe417["end"].dtype).endswith("UTC]")
    assert set(oe417["kind"]) == {"grid-outage"} and set(oe417["source"]) == {"oe417"}
    assert oe417["source_id"].is_unique
    assert set(oe417["cause"]) <= set(CAUSES)
    # first row: Tennessee, 2015-01-07 17:00 local (CST, UTC-6) -> 23:00Z; restored 08:35 -> 14:35Z
    first = oe417.iloc[0]
    assert first["start"] == pd.Timestamp("2015-01-07 23:00", tz="UTC")
    assert first["end"] == pd.Timestamp("2015-01-08 14:35", tz="UTC")
    assert first["cause"] == "weather-winter"  # "Severe Weather - Winter"
    assert np.isnan(first["demand_loss_mw"]) and np.isnan(first["customers_affected"])


def test_dirty_rows_are_counted_and_flagged(oe417: pd.DataFrame) -> None:
    """Counted here: restoration blank or Unknown in 330 rows, one of which carries an Excel day
    number (44641 = 2022-03-21) in the raw date; one report is restored a year before it began;
    one is restored the minute it began."""
    rows = _rows()
    blank = [r for r in rows if not r["restoration_local"].strip()]
    serial = [r for r in blank if _restored(r) is not None]
    starts = [datetime.strptime(r["event_began_local"], "%Y-%m-%d %H:%M:%S") for r in rows]
    ends = [_restored(r) for r in rows]
    backwards = sum(1 for s, e in zip(starts, ends, strict=True) if e is not None and e < s)
    zero = sum(1 for s, e in zip(starts, ends, strict=True) if e is not None and e == s)
    cleaning = oe417.attrs["oe417_cleaning"]
    assert (len(blank), len(serial), backwards, zero) == (330, 1, 1, 1)
    assert cleaning["end_missing"] == len(blank) - len(serial) == 329
    assert cleaning["end_from_excel_serial_date"] == 1
    assert cleaning["end_before_start_dropped"] == backwards
    assert cleaning["zero_duration"] == zero
    assert oe417["end"].isna().sum() == 329 + 1  # missing, plus the backwards one set to NaT
    decoded = oe417[oe417["end_status"] == "excel-serial-date"].iloc[0]
    # 2022-03-21 16:38 in North Carolina (EDT, UTC-4)
    assert decoded["end"] == pd.Timestamp("2022-03-21 20:38", tz="UTC")
    backwards_row = oe417[oe417["end_status"] == "before-start"].iloc[0]
    assert backwards_row["area"] == "Texas:" and pd.isna(backwards_row["end"])


def test_time_zone_comes_from_the_first_named_state(oe417: pd.DataFrame) -> None:
    by_line = oe417.set_index("source_id")
    assert by_line.loc["oe417-line-5", "local_tz"] == "America/Los_Angeles"  # Portland, Oregon
    # "Unknown", "Canada", "Western NY" name no state: zone from the NERC region
    assert oe417.attrs["oe417_cleaning"]["zone_from_nerc_region"] == 3
    assert set(oe417.loc[oe417["states"] == "", "local_tz"]) == {
        "America/New_York",
        "America/Los_Angeles",
    }


# --------------------------------------------------------------------------------------------
# the Texas outage model against independent counts
# --------------------------------------------------------------------------------------------


def test_texas_re_yearly_rate_and_median_duration(oe417: pd.DataFrame) -> None:
    """Texas RE (NERC code TRE): reports per year over 2015-01-01 .. 2023-07-01, and the
    lognormal MLE median exp(mean(ln hours)) over reports with an end after their start."""
    rows = [r for r in _rows() if _texas_re(r)]
    years = (date(2023, 7, 1) - date(2015, 1, 1)).days / 365.25
    hours = [h for h in map(_hours_central, rows) if h is not None and h > 0]
    geometric_median = math.exp(statistics.fmean(math.log(h) for h in hours))
    log_sd = statistics.pstdev([math.log(h) for h in hours])

    model = fit_outage_model(oe417, "TRE")

    assert model.n_events == len(rows) == 296
    assert model.years == pytest.approx(years) == pytest.approx(8.4956, abs=1e-4)
    assert model.rate_per_year == pytest.approx(len(rows) / years)  # 34.84 reports/yr
    assert model.n_durations == len(hours) == 267
    assert model.median_hours == pytest.approx(geometric_median, rel=1e-12)  # 3.94 h
    assert model.log_sigma == pytest.approx(log_sd, rel=1e-12)  # 2.44
    assert model.empirical_median_hours == pytest.approx(statistics.median(hours))  # 5.0 h
    winter = sum(
        1
        for r in rows
        if "winter" in r["event_type"].lower()
        or (
            "weather" in r["event_type"].lower()
            and r["month"].strip() in ("December", "January", "February")
        )
    )
    assert model.rates_by_cause["weather-winter"] == pytest.approx(winter / years)
    assert sum(model.rates_by_cause.values()) == pytest.approx(model.rate_per_year)
    # ERCOT and "Texas RE" are aliases of TRE
    assert fit_outage_model(oe417, "ercot").n_events == fit_outage_model(oe417, "Texas RE").n_events


def test_texas_by_state_name_counts_every_report_naming_texas(oe417: pd.DataFrame) -> None:
    """By state: 327 reports name Texas (the SPP panhandle and SERC east-Texas ones included)."""
    naming = [r for r in _rows() if re.search(r"\btexas\b", r["area_affected"], re.IGNORECASE)]
    model = fit_outage_model(oe417, "Texas")
    assert model.n_events == len(naming) == 327
    assert model.matched_by == "area names Texas"
    assert model.rate_per_year == pytest.approx(
        327 / ((date(2023, 7, 1) - date(2015, 1, 1)).days / 365.25)
    )


def test_weather_only_model_and_sampling(oe417: pd.DataFrame) -> None:
    model = fit_outage_model(oe417, "TRE", causes=["weather-winter", "weather-other"])
    assert set(model.rates_by_cause) == {"weather-winter", "weather-other"}
    assert model.median_hours > fit_outage_model(oe417, "TRE").median_hours  # storms last longer
    draws = model.sample_durations(np.random.default_rng(7), 20_000)
    again = model.sample_durations(np.random.default_rng(7), 20_000)
    np.testing.assert_array_equal(draws, again)  # same seed, same draws
    assert (draws > 0).all()
    assert np.median(draws) == pytest.approx(model.median_hours, rel=0.05)
    assert model.quantile_hours(0.5) == pytest.approx(model.median_hours)


def test_unknown_region_and_cause_are_errors(oe417: pd.DataFrame) -> None:
    with pytest.raises(FeedError, match=r"unknown region 'Atlantis'; allowed: .*TRE"):
        fit_outage_model(oe417, "Atlantis")
    with pytest.raises(ValueError, match="unknown causes"):
        fit_outage_model(oe417, "TRE", causes=["meteor"])


# --------------------------------------------------------------------------------------------
# small hand-made OE-417 files
# --------------------------------------------------------------------------------------------

_HEADER = (
    "year,month,event_began_local,restoration_local,date_event_began_raw,time_event_began_raw,"
    "date_restoration_raw,time_restoration_raw,area_affected,nerc_region,alert_criteria,"
    "event_type,demand_loss_mw,customers_affected\n"
)


def test_causes_and_dst_on_a_hand_made_file(tmp_path: Path) -> None:
    """Plain 'Severe Weather' takes its season from the month; a heat-season public appeal is
    weather-summer. 2021-11-07 01:30 in Texas is read as the first (CDT) 01:30 = 06:30Z;
    2021-03-14 02:30 does not exist and is read as 03:30 CDT = 08:30Z."""
    path = tmp_path / "oe417.csv"
    path.write_text(
        _HEADER
        + "2021,February,2021-02-15 01:20:00,2021-02-18 00:02:00,,,,,Texas: Harris County;,TRE,"
        "Firm load shedding of 100 Megawatts or more,Severe Weather,4966,1390000\n"
        "2020,August,2020-08-14 15:00:00,2020-08-14 18:00:00,,,,,California:,WECC,"
        "Public appeal to reduce the use of electricity,Severe Weather,0,0\n"
        "2021,May,2021-05-18 23:25:00,2021-05-19 20:30:00,,,,,Texas:,TRE,"
        "Loss of electric service to more than 50000 customers,Severe Weather,Unknown,125000\n"
        "2021,November,2021-11-07 01:30:00,,,,Unknown,Unknown,Texas:,TRE,x,- Vandalism,0,0\n"
        "2021,March,2021-03-14 02:30:00,,,,Unknown,Unknown,Texas:,RE ,x,Cyber Event,Unknown,0\n",
        encoding="utf-8",
    )
    events = read_oe417(path)
    assert events["cause"].tolist() == [
        "weather-winter",
        "weather-summer",
        "weather-other",
        "vandalism",
        "cyber",
    ]
    assert events["severity"].tolist() == [
        "load-loss",
        "no-load-loss",
        "load-loss",
        "no-load-loss",
        "unknown",
    ]
    assert events["start"].iloc[3] == pd.Timestamp("2021-11-07 06:30", tz="UTC")
    assert events["start"].iloc[4] == pd.Timestamp("2021-03-14 08:30", tz="UTC")
    cleaning = events.attrs["oe417_cleaning"]
    assert cleaning["dst_repeated_read_as_daylight"] == cleaning["dst_skipped_shifted_forward"] == 1
    assert events["nerc_region"].iloc[4] == "TRE"
    assert events["end"].iloc[0] == pd.Timestamp("2021-02-18 06:02", tz="UTC")


def test_bad_oe417_rows_are_clear_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        _HEADER + "2021,May,2021-05-18 23:25:00,,,,,,Texas:,TRE,x,Severe Weather,lots,0\n",
        encoding="utf-8",
    )
    with pytest.raises(FeedError, match=r"bad.csv: column 'demand_loss_mw' has 'lots' at line 2"):
        read_oe417(path)
    path.write_text("year,month\n2021,May\n", encoding="utf-8")
    with pytest.raises(FeedError, match=r"bad.csv: missing OE-417 columns \['event_began_local'"):
        read_oe417(path)


# --------------------------------------------------------------------------------------------
# live outage feeds
# --------------------------------------------------------------------------------------------

CO_OP = OutageFeedMapping(
    records="data.outages",
    start="times.began",
    end="times.restored",
    id="outageId",
    site="county",
    severity="status",
    time_format="%m/%d/%Y %H:%M",
    timezone="America/Chicago",
    source="example-coop",
)


def test_outage_feed_with_a_custom_mapping(
    httpserver: HTTPServer, session: requests.Session
) -> None:
    """tests/data/outages_feed_sample.json: naive Central times in January (CST, UTC-6)."""
    body = (DATA / "outages_feed_sample.json").read_text(encoding="utf-8")
    httpserver.expect_request("/outages.json").respond_with_data(
        body, content_type="application/json"
    )
    events = get_outage_feed(session, httpserver.url_for("/outages.json"), CO_OP)
    assert events["source_id"].tolist() == ["OUT-1001", "OUT-1002", "OUT-1003"]
    assert events["site_id"].tolist() == ["Milam", "Ward", "Reeves"]
    assert events["start"].tolist() == [
        pd.Timestamp("2024-01-15 12:30", tz="UTC"),
        pd.Timestamp("2024-01-16 10:05", tz="UTC"),
        pd.Timestamp("2024-01-16 11:50", tz="UTC"),
    ]
    assert events["end"].iloc[0] == pd.Timestamp("2024-01-16 00:45", tz="UTC")
    assert events["end"].iloc[1:].isna().all()  # null and absent restoration: still open
    assert set(events["kind"]) == {"grid-outage"} and set(events["source"]) == {"example-coop"}
    assert events["severity"].tolist() == ["restored", "active", "active"]


def test_outage_feed_malformed_json_is_a_feed_error(
    httpserver: HTTPServer, session: requests.Session
) -> None:
    httpserver.expect_request("/broken.json").respond_with_data(
        '[{"id": "x", "start": ', content_type="application/json"
    )
    with pytest.raises(FeedError, match="malformed JSON"):
        get_outage_feed(session, httpserver.url_for("/broken.json"), CO_OP, feed="co-op map")


def test_epoch_feed_top_level_list_and_empty_answer() -> None:
    mapping = OutageFeedMapping(start="t0", end="t1", id="n", kind="type", time_format="epoch_ms")
    events = parse_outage_feed(
        [{"n": 7, "t0": 1_613_368_800_000, "t1": 1_613_390_400_000, "type": "load-shed"}],
        mapping,
        "epoch feed",
    )
    assert events["start"].iloc[0] == pd.Timestamp("2021-02-15 06:00", tz="UTC")
    assert events["end"].iloc[0] == pd.Timestamp("2021-02-15 12:00", tz="UTC")
    assert events["kind"].iloc[0] == "load-shed" and events["source_id"].iloc[0] == "7"
    assert parse_outage_feed([], mapping, "epoch feed").empty


def test_bad_feed_payloads_are_feed_errors() -> None:
    with pytest.raises(
        FeedError, match=r"co-op: expected a JSON list of outages at 'data.outages'"
    ):
        parse_outage_feed({"data": {}}, CO_OP, "co-op")
    no_start = {"data": {"outages": [{"outageId": "A", "times": {}}]}}
    with pytest.raises(FeedError, match=r"co-op: outage #0 has no 'times.began'"):
        parse_outage_feed(no_start, CO_OP, "co-op")
    garbled = {"data": {"outages": [{"outageId": "A", "times": {"began": "soon"}}]}}
    with pytest.raises(FeedError, match=r"outage #0: cannot read 'times.began' = 'soon'"):
        parse_outage_feed(garbled, CO_OP, "co-op")
    ambiguous = {"data": {"outages": [{"outageId": "A", "times": {"began": "11/07/2021 01:30"}}]}}
    with pytest.raises(FeedError, match=r"ambiguous or skipped in America/Chicago"):
        parse_outage_feed(ambiguous, CO_OP, "co-op")
    backwards = {
        "data": {
            "outages": [
                {
                    "outageId": "B",
                    "times": {"began": "01/15/2024 06:30", "restored": "01/15/2024 05:00"},
                }
            ]
        }
    }
    with pytest.raises(FeedError, match=r"event 'B' ends before it starts"):
        parse_outage_feed(backwards, CO_OP, "co-op")


def test_the_shared_region_and_cause_helpers() -> None:
    # Spellings as OE-417 files them, read by hand.
    assert states_named("Texas: Harris County; texas, Oklahoma") == ["Texas", "Oklahoma"]
    assert states_named("Western Interconnection") == []
    assert canonical_state(" north dakota ") == "North Dakota"
    assert canonical_state("TRE") is None
    assert nerc_codes("SPP, SERC, TRE") == ["SPP", "SERC", "TRE"]
    assert nerc_codes("Texas RE/ERCOT") == ["TRE"]
    assert NERC_TZ["WECC"] == "America/Los_Angeles"
    assert normalised_cause("- Sever Weather - Winter Storm", 3, "") == "weather-winter"
    assert normalised_cause("Severe Weather", 1, "") == "weather-winter"
    assert normalised_cause("Severe Weather", 7, "public appeal to reduce use") == "weather-summer"
    assert normalised_cause("Severe Weather", 7, "") == "weather-other"
    assert normalised_cause("Transmisison Interruption", 5, "") == "system-operations"
    assert normalised_cause("Something new", 5, "") == "other"
