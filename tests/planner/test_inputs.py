"""What a caller may give a run (planner.inputs), and the library entry points that use it.

Each rule is shown at its edges: the last value accepted and the first refused, with the exact
message. The same messages reach the CLI (tests/surfaces/test_cli_input.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import planner
from planner.errors import ConfigError
from planner.inputs import (
    check_hours,
    check_number,
    check_seed,
    check_url,
    check_whole,
    parse_start,
)
from planner.world.feeds import FeedSources
from weather import http

NOW = pd.Timestamp("2026-12-05 15:30", tz="UTC")  # the latest start is then 2027-12-05 00:00
ISO_RULE = "must be an ISO 8601 date or hour (YYYY-MM-DD or YYYY-MM-DDTHH[:MM[:SS]][Z|+HH:MM])"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-01-10", "2025-01-10 00:00"),
        ("2025-01-10T06", "2025-01-10 06:00"),
        ("2025-01-10T06:30", "2025-01-10 06:30"),
        ("2025-01-10T06:30:15Z", "2025-01-10 06:30:15"),
        ("2025-01-10T06:00+02:00", "2025-01-10 04:00"),  # 06:00 at UTC+2 is 04:00 UTC
        ("2025-01-10T06:00-05:00", "2025-01-10 11:00"),
        ("2025-01-10 06:00", "2025-01-10 06:00"),  # a space for the T (RFC 3339)
        ("  2025-01-10  ", "2025-01-10 00:00"),
    ],
)
def test_iso_8601_starts_are_read_as_utc(text: str, expected: str) -> None:
    assert parse_start(text, now=NOW) == pd.Timestamp(expected, tz="UTC")


def test_dates_and_timestamps_are_taken_as_they_are() -> None:
    assert parse_start(date(2025, 1, 10), now=NOW) == pd.Timestamp("2025-01-10", tz="UTC")
    assert parse_start(datetime(2025, 1, 10, 6), now=NOW) == pd.Timestamp(
        "2025-01-10 06:00", tz="UTC"
    )
    eastern = pd.Timestamp("2025-01-10 06:00", tz="America/New_York")
    assert parse_start(eastern, now=NOW) == pd.Timestamp("2025-01-10 11:00", tz="UTC")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("10/01/2025", f"start: {ISO_RULE}, got '10/01/2025'"),  # 1 October or 10 January?
        ("yesterday", f"start: {ISO_RULE}, got 'yesterday'"),
        ("", f"start: {ISO_RULE}, got ''"),
        ("2025-1-10", f"start: {ISO_RULE}, got '2025-1-10'"),
        ("20250110", f"start: {ISO_RULE}, got '20250110'"),
        ("2025-01-10T06:00:00.5", f"start: {ISO_RULE}, got '2025-01-10T06:00:00.5'"),
        (20250110, f"start: {ISO_RULE}, got 20250110"),
        (None, f"start: {ISO_RULE}, got None"),
        (
            "2025-13-45",
            "start: '2025-13-45' is not a calendar date or time: month must be in 1..12",
        ),
        (
            "2025-02-29",  # 2025 is not a leap year
            "start: '2025-02-29' is not a calendar date or time: day is out of range for month",
        ),
        (
            "2025-01-10T25",
            "start: '2025-01-10T25' is not a calendar date or time: hour must be in 0..23",
        ),
    ],
)
def test_other_forms_and_impossible_dates_are_refused(value: object, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_start(value, now=NOW)
    assert str(info.value) == message


def test_starts_run_from_the_first_bitcoin_day_to_one_year_after_today() -> None:
    span = "must be from 2009-01-04 (the first whole day of Bitcoin) to 2027-12-05"
    # The genesis block is 2009-01-03 18:15 UTC: the first whole day after it is the 4th.
    assert parse_start("2009-01-04", now=NOW) == pd.Timestamp("2009-01-04", tz="UTC")
    assert parse_start("2027-12-05T00:00Z", now=NOW) == pd.Timestamp("2027-12-05", tz="UTC")
    for text, shown in (
        ("2009-01-03T23:00", "2009-01-03 23:00"),
        ("2027-12-05T01:00", "2027-12-05 01:00"),
        ("2999-01-01", "2999-01-01 00:00"),  # past pandas' nanosecond range, yet one line
        ("1990-06-01", "1990-06-01 00:00"),
    ):
        with pytest.raises(ConfigError) as info:
            parse_start(text, "end", now=NOW)
        assert str(info.value) == f"end: {span} (one year after today), got {shown} UTC"
    # A naive `now` is UTC; 2028-02-29 + 1 year is 2029-02-28.
    assert parse_start("2029-02-28", now=datetime(2028, 2, 29, 12)) is not None
    with pytest.raises(
        ConfigError, match=r"to 2029-02-28 \(one year after today\), got 2029-03-01"
    ):
        parse_start("2029-03-01", now=datetime(2028, 2, 29, 12))


def test_the_clock_sets_the_latest_start_by_default() -> None:
    today = datetime.now(UTC).date()
    try:
        latest = today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        latest = date(today.year + 1, 2, 28)
    assert parse_start(latest.isoformat()) == pd.Timestamp(latest.isoformat(), tz="UTC")
    with pytest.raises(ConfigError, match=rf"to {latest} \(one year after today\)"):
        parse_start((latest + timedelta(days=1)).isoformat())


def test_hours_are_whole_and_within_the_commands_range() -> None:
    assert check_hours(24) == 24 and check_hours(87_600) == 87_600
    assert check_hours(np.int64(336), most=336) == 336
    for value, most in ((23, 87_600), (87_601, 87_600), (337, 336), (10_000_000, 87_600)):
        with pytest.raises(ConfigError) as info:
            check_hours(value, most=most)
        assert str(info.value) == f"hours: must be a whole number in [24, {most}], got {value}"
    for value in (48.0, "48", True):
        with pytest.raises(ConfigError) as info:
            check_hours(value)
        assert str(info.value) == f"hours: must be a whole number in [24, 87600], got {value!r}"


def test_seeds_are_one_32_bit_word() -> None:
    assert check_seed(0) == 0 and check_seed(2**32 - 1) == 4_294_967_295
    for value in (-1, 2**32, 7.0, True, "7"):
        with pytest.raises(ConfigError) as info:
            check_seed(value, "eval_seed")
        assert str(info.value) == (
            f"eval_seed: must be a whole number in [0, 4294967295], got {value!r}"
        )


def test_numbers_are_finite_numbers_and_name_their_range() -> None:
    assert check_number(12, "max_stale_hours", 0.0) == 12.0
    assert check_number(0.0, "share", 0.0, 1.0, open_hi=True) == 0.0
    cases = [
        ("twelve", 0.0, np.inf, {}, "x: must be a number >= 0, got 'twelve'"),
        (True, 0.0, np.inf, {}, "x: must be a number >= 0, got True"),
        ([2, 5], 0.0, np.inf, {}, "x: must be a number >= 0, got [2, 5]"),
        (float("nan"), 0.0, 1.0, {}, "x: must be a number in [0, 1], got nan"),
        (-1, 0.0, np.inf, {}, "x: must be >= 0, got -1"),
        (0, 0.0, np.inf, {"open_lo": True}, "x: must be > 0, got 0"),
        (1.0, 0.0, 1.0, {"open_hi": True}, "x: must be in [0, 1), got 1.0"),
    ]
    for value, lo, hi, ends, message in cases:
        with pytest.raises(ConfigError) as info:
            check_number(value, "x", lo, hi, **ends)
        assert str(info.value) == message
    with pytest.raises(ConfigError, match=r"^n: must be a whole number in \[1, 3\], got 4$"):
        check_whole(4, "n", 1, 3)


def test_urls_are_http_or_https_with_a_host_and_are_never_repeated() -> None:
    assert check_url("https://hooks.example.com/T0/B0/x", "webhook_url").startswith("https://")
    assert check_url(" http://127.0.0.1:8080/hook ", "webhook_url") == "http://127.0.0.1:8080/hook"
    rule = "webhook_url: must be an http:// or https:// URL"
    cases = [
        ("ftp://hooks.example.com/T0/B0/s3cret", f"{rule}, got a 'ftp' URL"),
        ("HOOKS.example.com/T0/s3cret", f"{rule}, got no scheme"),
        ("file:///etc/s3cret", f"{rule}, got a 'file' URL"),
        ("https:///s3cret", f"{rule} with a host, got none"),
        ("http://[::1/s3cret", f"{rule}, got an unreadable one"),
        (5, f"{rule}, got int"),
    ]
    for value, message in cases:
        with pytest.raises(ConfigError) as info:
            check_url(value, "webhook_url")
        assert str(info.value) == message
        assert "s3cret" not in str(info.value)


def test_timeouts_are_seconds_or_a_connect_read_pair() -> None:
    assert http.check_timeout(5) == (5.0, 5.0)
    assert http.check_timeout([2, 5]) == (2.0, 5.0)  # how TOML writes the pair
    assert http.check_timeout((2.5, 600)) == (2.5, 600.0)
    for value in ("5", [1, 2, 3], [2], 0, -1, 601, True, [2, "5"], None):
        with pytest.raises(ValueError) as info:
            http.check_timeout(value)
        assert str(info.value) == (
            f"must be seconds or [connect, read] seconds, each in (0, 600], got {value!r}"
        )


# ------------------------------------------------------------------ the library's entry points


def test_fetch_feeds_names_the_parameter_in_the_same_words() -> None:
    fleet = planner.demo_fleet()
    cases = [
        ({"start": "10/01/2025"}, f"start: {ISO_RULE}, got '10/01/2025'"),
        ({"hours": 10_000_000}, "hours: must be a whole number in [24, 87600], got 10000000"),
        ({"hours": 23}, "hours: must be a whole number in [24, 87600], got 23"),
        ({"seed": -1}, "seed: must be a whole number in [0, 4294967295], got -1"),
        ({"mode": "online"}, "mode: must be one of live, cache, offline, got 'online'"),
    ]
    for change, message in cases:
        args = {"start": "2025-01-10", "hours": 24, "mode": "offline", "seed": 7, **change}
        with pytest.raises(ConfigError) as info:
            planner.fetch_feeds(
                fleet, args["start"], args["hours"], args["mode"], seed=args["seed"], now=NOW
            )
        assert str(info.value) == message
    with pytest.raises(ConfigError) as info:
        planner.fetch_feeds(fleet, "2999-01-01", 24, now=NOW)
    assert str(info.value).startswith("start: must be from 2009-01-04")
    # The horizon's last hour is checked too: ten years from the first Bitcoin day is fine.
    assert len(planner.fetch_feeds(fleet, "2009-01-04", 87_600, now=NOW).times) == 87_600


def test_job_settings_check_every_value_and_report_all_problems() -> None:
    bad: dict[str, Any] = {
        "mode": "offline",
        "start": "10/01/2025",
        "seed": -1,
        "eval_seed": 2**32,
        "horizon_hours": 400,
        "strategies": "optimized",  # one name, not an array of names
        "webhook_url": "ftp://hooks.example.com/x",
    }
    with pytest.raises(ConfigError) as info:
        planner.JobSettings(**bad)
    assert str(info.value) == (
        f"job settings: start: {ISO_RULE}, got '10/01/2025'; "
        "horizon_hours: must be a whole number in [24, 336], got 400; "
        "seed: must be a whole number in [0, 4294967295], got -1; "
        "eval_seed: must be a whole number in [0, 4294967295], got 4294967296; "
        "strategies: must be an array, got 'optimized'; "
        "webhook_url: must be an http:// or https:// URL, got a 'ftp' URL"
    )
    toml_date: dict[str, Any] = {"start": date(2025, 1, 14)}  # `start = 2025-01-14` in TOML
    assert planner.JobSettings(**toml_date).start == "2025-01-14"


def test_feed_sources_check_types_and_take_toml_spellings() -> None:
    as_toml: dict[str, Any] = {
        "timeout_s": [2, 5],
        "ensemble_models": ["gfs_seamless"],
        "prices_path": "p.csv",
    }
    sources = FeedSources(**as_toml)
    assert sources.timeout_s == (2.0, 5.0)
    assert sources.ensemble_models == ("gfs_seamless",)
    assert sources.prices_path == Path("p.csv")
    bad: dict[str, Any] = {
        "max_stale_hours": "twelve",
        "retries": 11,
        "timeout_s": "5",
        "nws_url": "ftp://api.weather.gov",
        "prices_tz": "Texas",
        "gridstatus": "yes",
        "cache_dir": 5,
    }
    with pytest.raises(ConfigError) as info:
        FeedSources(**bad)
    assert str(info.value) == (
        "feed sources: prices_tz: must be an IANA time zone such as America/Chicago, got 'Texas'; "
        "gridstatus: must be true or false, got 'yes'; "
        "nws_url: must be an http:// or https:// URL, got a 'ftp' URL; "
        "cache_dir: must be a path (a string), got 5; "
        "max_stale_hours: must be a number >= 0, got 'twelve'; "
        "retries: must be a whole number in [0, 10], got 11; "
        "timeout_s: must be seconds or [connect, read] seconds, each in (0, 600], got '5'"
    )
