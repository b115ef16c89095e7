"""Open-Meteo client and parsers: exact requests, canonical frames, units, DST, failures."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from weather import http, openmeteo
from weather.errors import FeedError
from weather.openmeteo import Point

WEST_TEXAS = Point("west-texas", 31.85, -102.37)
ROCKDALE = Point("rockdale", 30.65, -97.00)
NORTH_DAKOTA = Point("north-dakota", 46.91, -98.71)
QUEBEC = Point("quebec", 46.35, -72.55)

HOURLY = "temperature_2m,relative_humidity_2m,wind_speed_10m,wind_gusts_10m,precipitation,snowfall"
Load = Callable[[str], Any]


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


# --------------------------------------------------------------------------- requests


def test_forecast_for_two_sites_is_one_request_with_the_exact_query(
    httpserver: HTTPServer, session: requests.Session, load_json: Load, user_agent: str
) -> None:
    httpserver.expect_request(
        "/v1/forecast",
        query_string={
            "latitude": "31.85,46.91",
            "longitude": "-102.37,-98.71",
            "hourly": HOURLY,
            "timezone": "GMT",
            "wind_speed_unit": "ms",
            "forecast_days": "2",
        },
        headers={"User-Agent": user_agent},
    ).respond_with_json(load_json("openmeteo_forecast_two_sites.json"))

    df = openmeteo.get_forecast(
        session,
        [WEST_TEXAS, NORTH_DAKOTA],
        forecast_days=2,
        base_url=httpserver.url_for("/v1/forecast"),
    )

    assert len(httpserver.log) == 1
    assert df.index.names == ["site_id", "time"]
    assert list(df.columns) == list(openmeteo.VARIABLES)
    assert df.index.get_level_values("site_id").unique().tolist() == ["west-texas", "north-dakota"]
    assert len(df) == 2 * 48
    wt = df.loc["west-texas"]
    assert wt.index[0] == utc("2024-01-15 00:00")
    assert wt.index[-1] == utc("2024-01-16 23:00")
    # instantaneous values stay at their label: 00:00 -> row 00:00
    assert wt["temp_air_c"].iloc[0] == -2.2
    assert wt["wind_speed_m_s"].iloc[0] == 8.9
    # the gust labelled 01:00 is the maximum over 00:00-01:00 -> row 00:00
    assert wt["wind_gust_m_s"].iloc[0] == 15.4
    # the last hour's aggregates were not asked for
    assert np.isnan(wt["precip_mm"].iloc[-1]) and np.isnan(wt["wind_gust_m_s"].iloc[-1])
    assert df.loc["north-dakota", "temp_air_c"].iloc[0] == -20.2


def test_single_site_answer_is_an_object_not_a_list(
    httpserver: HTTPServer, session: requests.Session, load_json: Load
) -> None:
    payload = load_json("openmeteo_forecast_two_sites.json")[0]
    httpserver.expect_request(
        "/v1/forecast",
        query_string={
            "latitude": "31.85",
            "longitude": "-102.37",
            "hourly": "temperature_2m,precipitation",
            "timezone": "GMT",
            "wind_speed_unit": "ms",
            "start_date": "2024-01-15",
            "end_date": "2024-01-16",
        },
    ).respond_with_json(payload)

    df = openmeteo.get_forecast(
        session,
        WEST_TEXAS,
        start=date(2024, 1, 15),
        end=date(2024, 1, 16),
        variables=("precip_mm", "temp_air_c"),
        base_url=httpserver.url_for("/v1/forecast"),
    )

    assert list(df.columns) == ["temp_air_c", "precip_mm"]
    assert len(df) == 48


def test_archive_request_and_the_2021_03_14_dst_day_in_utc(
    httpserver: HTTPServer, session: requests.Session, load_json: Load
) -> None:
    httpserver.expect_request(
        "/v1/archive",
        query_string={
            "latitude": "30.65",
            "longitude": "-97",
            "hourly": HOURLY,
            "timezone": "GMT",
            "wind_speed_unit": "ms",
            "start_date": "2021-03-14",
            "end_date": "2021-03-15",
        },
    ).respond_with_json(load_json("openmeteo_archive_rockdale_2021-03-14.json"))

    df = openmeteo.get_archive(
        session,
        ROCKDALE,
        date(2021, 3, 14),
        date(2021, 3, 15),
        base_url=httpserver.url_for("/v1/archive"),
    )

    times = df.loc["rockdale"].index
    # US/Central springs forward at 08:00 UTC that day; in UTC nothing happens
    per_day = pd.Series(1, index=times).groupby(times.date).sum()
    assert per_day.tolist() == [24, 24]
    assert times.is_unique and (times[1:] - times[:-1] == pd.Timedelta(hours=1)).all()
    # precipitation labelled 06:00 (0.4 mm, the hour 05:00-06:00) lands in the row 05:00
    assert df.loc[("rockdale", utc("2021-03-14 05:00")), "precip_mm"] == 0.4
    assert df.loc[("rockdale", utc("2021-03-14 04:00")), "precip_mm"] == 0.0


def test_the_2021_11_07_dst_day_in_utc_has_24_rows(load_json: Load) -> None:
    df = openmeteo.parse_archive(
        load_json("openmeteo_archive_rockdale_2021-11-07.json"), "rockdale"
    )

    times = df.loc["rockdale"].index
    per_day = pd.Series(1, index=times).groupby(times.date).sum()
    assert per_day.tolist() == [24, 24]
    assert times.is_unique and (times[1:] - times[:-1] == pd.Timedelta(hours=1)).all()


@pytest.mark.parametrize(
    ("local", "gmt", "first_utc", "zone_error"),
    [
        (
            "openmeteo_archive_rockdale_2021-03-14_chicago.json",
            "openmeteo_archive_rockdale_2021-03-14.json",
            "2021-03-14 05:00",  # asked in summer: every label is CDT (-5 h), even before 02:00
            "2021-03-14 02:00:00 is a nonexistent time",  # 02:00 local did not exist that night
        ),
        (
            "openmeteo_archive_rockdale_2021-11-07_chicago.json",
            "openmeteo_archive_rockdale_2021-11-07.json",
            "2021-11-07 06:00",  # asked in winter: every label is CST (-6 h), even before 02:00
            "Cannot infer dst time from 2021-11-07 01:00:00",  # 01:00 local happened twice
        ),
    ],
)
def test_local_time_payload_uses_its_one_utc_offset_not_the_zone_rules(
    load_json: Load, local: str, gmt: str, first_utc: str, zone_error: str
) -> None:
    payload = load_json(local)
    df = openmeteo.parse_archive(payload, "rockdale")
    reference = openmeteo.parse_archive(load_json(gmt), "rockdale")

    times = df.loc["rockdale"].index
    assert times[0] == utc(first_utc)
    assert times.is_unique and (times[1:] - times[:-1] == pd.Timedelta(hours=1)).all()
    # the hours both payloads cover agree exactly (the last GMT row lacks its aggregates)
    both = times.intersection(reference.loc["rockdale"].index)[:-1]
    assert len(both) >= 40
    pd.testing.assert_frame_equal(df.loc["rockdale"].loc[both], reference.loc["rockdale"].loc[both])
    # reading the labels with the zone's DST rules would fail (or, forced, shift hours)
    labels = pd.DatetimeIndex(pd.to_datetime(payload["hourly"]["time"]))
    with pytest.raises(ValueError, match=zone_error):
        labels.tz_localize("America/Chicago")


def test_ensemble_request_and_members(
    httpserver: HTTPServer, session: requests.Session, load_json: Load
) -> None:
    httpserver.expect_request(
        "/v1/ensemble",
        query_string={
            "latitude": "46.35",
            "longitude": "-72.55",
            "hourly": HOURLY,
            "timezone": "GMT",
            "wind_speed_unit": "ms",
            "models": "gfs_seamless",
            "forecast_days": "2",
        },
    ).respond_with_json(load_json("openmeteo_ensemble_quebec.json"))

    df = openmeteo.get_ensemble(
        session, QUEBEC, forecast_days=2, base_url=httpserver.url_for("/v1/ensemble")
    )

    assert df.index.names == ["site_id", "member", "time"]
    assert df.index.get_level_values("member").unique().tolist() == [0, 1, 2]
    assert len(df) == 3 * 48
    assert df.loc[("quebec", 0, utc("2024-01-15 00:00")), "temp_air_c"] == -8.2  # control
    assert df.loc[("quebec", 1, utc("2024-01-15 00:00")), "temp_air_c"] == -10.7  # member01
    assert df.attrs["members"] == {0: (None, 0), 1: (None, 1), 2: (None, 2)}


def test_ensemble_with_two_models_numbers_members_one_after_the_other(load_json: Load) -> None:
    one = load_json("openmeteo_ensemble_quebec.json")
    hourly = {"time": one["hourly"]["time"]}
    units = {"time": "iso8601"}
    # GEFS: control + member01; ECMWF: control + member01 + member02 (Open-Meteo's suffixes)
    for suffix, tails in (
        ("ncep_gefs025", ["", "_member01"]),
        ("ecmwf_ifs025_ensemble", ["", "_member01", "_member02"]),
    ):
        for tail in tails:
            for var in ("temperature_2m", "precipitation"):
                hourly[f"{var}{tail}_{suffix}"] = one["hourly"][var + tail]
                units[f"{var}{tail}_{suffix}"] = one["hourly_units"][var + tail]
    payload = {**one, "hourly": hourly, "hourly_units": units}

    df = openmeteo.parse_ensemble(payload, "quebec", variables=("temp_air_c", "precip_mm"))

    assert df.index.get_level_values("member").unique().tolist() == [0, 1, 2, 3, 4]
    assert df.attrs["members"] == {
        0: ("ncep_gefs025", 0),
        1: ("ncep_gefs025", 1),
        2: ("ecmwf_ifs025_ensemble", 0),
        3: ("ecmwf_ifs025_ensemble", 1),
        4: ("ecmwf_ifs025_ensemble", 2),
    }
    assert df.loc[("quebec", 3, utc("2024-01-15 00:00")), "temp_air_c"] == -10.7


def test_ensemble_for_two_sites_keeps_request_order(load_json: Load) -> None:
    one = load_json("openmeteo_ensemble_quebec.json")

    df = openmeteo.parse_ensemble([one, copy.deepcopy(one)], ["quebec", "north-dakota"])

    assert df.index.get_level_values("site_id").unique().tolist() == ["quebec", "north-dakota"]
    assert len(df) == 2 * 3 * 48


def test_ensemble_member_missing_a_variable_is_named(load_json: Load) -> None:
    payload = load_json("openmeteo_ensemble_quebec.json")
    del payload["hourly"]["precipitation_member02"]

    with pytest.raises(FeedError, match=r"quebec: variable 'precipitation_member02' \(precip_mm\)"):
        openmeteo.parse_ensemble(payload, "quebec")


# --------------------------------------------------------------------------- units


def test_km_h_and_fahrenheit_are_converted_and_unknown_units_refused(load_json: Load) -> None:
    payload = load_json("openmeteo_forecast_two_sites.json")[0]
    payload["hourly_units"].update({"wind_speed_10m": "km/h", "temperature_2m": "°F"})
    payload["hourly"]["wind_speed_10m"][0] = 36.0  # km/h
    payload["hourly"]["temperature_2m"][0] = 14.0  # °F

    df = openmeteo.parse_forecast(payload, "west-texas")
    assert df["wind_speed_m_s"].iloc[0] == pytest.approx(10.0)  # 36 / 3.6
    assert df["temp_air_c"].iloc[0] == pytest.approx(-10.0)  # (14 - 32) * 5/9

    payload["hourly_units"]["wind_gusts_10m"] = "furlongs/fortnight"
    with pytest.raises(FeedError, match=r"wind_gusts_10m in unexpected unit 'furlongs/fortnight'"):
        openmeteo.parse_forecast(payload, "west-texas")


def test_real_archive_sample_in_local_time_and_km_h(shared_fixture: Load) -> None:
    payload = shared_fixture("open_meteo_archive_sample_frenck_python-open-meteo.json")

    df = openmeteo.parse_archive(payload, "enschede", variables=("temp_air_c", "wind_speed_m_s"))

    # Europe/Amsterdam labels with utc_offset_seconds 7200: 1953-01-31T00:00 is 22:00 UTC the day before
    assert df.index.get_level_values("time")[0] == utc("1953-01-30 22:00")
    assert df["temp_air_c"].tolist() == [5.8, 5.5, 5.1]
    assert df["wind_speed_m_s"].iloc[0] == pytest.approx(23.2 / 3.6)


# --------------------------------------------------------------------------- broken payloads


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda p: p["hourly"].pop("snowfall"), r"variable 'snowfall' \(snowfall_cm\) missing"),
        (lambda p: p["hourly"].update(time=[]), r"hourly 'time' is missing or empty"),
        (lambda p: p["hourly"].update(precipitation=[]), r"'precipitation' has 0 values for 48"),
        (
            lambda p: p["hourly"]["wind_gusts_10m"].pop(),
            r"'wind_gusts_10m' has 47 values for 48 times",
        ),
        (
            lambda p: p["hourly"]["temperature_2m"].__setitem__(3, "cold"),
            r"'temperature_2m' has non-numeric 'cold' at index 3",
        ),
        (lambda p: p.pop("hourly"), r"no 'hourly' block"),
        (lambda p: p.pop("hourly_units"), r"no 'hourly_units' block"),
        (lambda p: p.pop("utc_offset_seconds"), r"'utc_offset_seconds' missing"),
        (
            lambda p: p["hourly"]["time"].__setitem__(5, p["hourly"]["time"][4]),
            r"not consecutive hours",
        ),
        (
            lambda p: p["hourly"]["relative_humidity_2m"].__setitem__(0, 140),
            r"relative_humidity_pct = 140\S* at west-texas .* outside 0 .. 100",
        ),
    ],
    ids=[
        "missing-variable",
        "empty-time",
        "empty-array",
        "mismatched-length",
        "non-numeric",
        "no-hourly",
        "no-units",
        "no-offset",
        "duplicate-hour",
        "out-of-range",
    ],
)
def test_broken_payloads_are_feed_errors_naming_the_problem(
    load_json: Load, mutate: Callable[[dict[str, Any]], Any], message: str
) -> None:
    payload = copy.deepcopy(load_json("openmeteo_forecast_two_sites.json")[0])
    mutate(payload)

    with pytest.raises(FeedError, match=message) as err:
        openmeteo.parse_forecast(payload, "west-texas")
    assert err.value.feed == "open-meteo forecast"


def test_wrong_number_of_locations_and_provider_errors(load_json: Load) -> None:
    two = load_json("openmeteo_forecast_two_sites.json")
    with pytest.raises(FeedError, match=r"answered 2 locations for 3 sites"):
        openmeteo.parse_forecast(two, ["a", "b", "c"])
    with pytest.raises(FeedError, match=r"provider error: Latitude must be in range"):
        openmeteo.parse_forecast({"error": True, "reason": "Latitude must be in range"}, "a")
    with pytest.raises(FeedError, match=r"expected a JSON object or list, got str"):
        openmeteo.parse_forecast("nope", "a")


def test_a_payload_that_fails_to_parse_is_not_served_from_cache_again(
    httpserver: HTTPServer, session: requests.Session, load_json: Load
) -> None:
    broken = load_json("openmeteo_archive_rockdale_2021-03-14.json")
    del broken["hourly"]["snowfall"]
    httpserver.expect_request("/v1/archive").respond_with_json(broken)
    url = httpserver.url_for("/v1/archive")

    for _ in range(2):
        with pytest.raises(FeedError, match="snowfall"):
            openmeteo.get_archive(
                session, ROCKDALE, date(2021, 3, 14), date(2021, 3, 15), base_url=url
            )
    assert len(httpserver.log) == 2


# --------------------------------------------------------------------------- transport failures


def test_read_timeout_names_the_open_meteo_feed(
    httpserver: HTTPServer, session: requests.Session
) -> None:
    release = threading.Event()

    def stall(request: Request) -> Response:
        release.wait(5.0)
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/v1/forecast").respond_with_handler(stall)
    try:
        with pytest.raises(FeedError) as err:
            openmeteo.get_forecast(
                session,
                WEST_TEXAS,
                base_url=httpserver.url_for("/v1/forecast"),
                timeout=(2.0, 0.2),
                retries=0,
            )
    finally:
        release.set()
    assert err.value.feed == "open-meteo forecast"
    assert "read timeout of 0.2 s" in err.value.reason


def test_429_then_success_waits_as_told(
    httpserver: HTTPServer, session: requests.Session, load_json: Load, slept: list[float]
) -> None:
    httpserver.expect_oneshot_request("/v1/ensemble").respond_with_data(
        "Too many requests", status=429, headers={"Retry-After": "12"}
    )
    httpserver.expect_request("/v1/ensemble").respond_with_json(
        load_json("openmeteo_ensemble_quebec.json")
    )

    df = openmeteo.get_ensemble(session, QUEBEC, base_url=httpserver.url_for("/v1/ensemble"))

    assert slept == [12.0]
    assert len(df) == 3 * 48


def test_500_then_success(
    httpserver: HTTPServer, session: requests.Session, load_json: Load, slept: list[float]
) -> None:
    httpserver.expect_oneshot_request("/v1/forecast").respond_with_data("upstream", status=500)
    httpserver.expect_request("/v1/forecast").respond_with_json(
        load_json("openmeteo_forecast_two_sites.json")
    )

    df = openmeteo.get_forecast(
        session, [WEST_TEXAS, NORTH_DAKOTA], base_url=httpserver.url_for("/v1/forecast")
    )

    assert slept == [1.0]
    assert len(df) == 96


def test_malformed_json_from_open_meteo(httpserver: HTTPServer, session: requests.Session) -> None:
    httpserver.expect_request("/v1/forecast").respond_with_data(
        "<html>502 Bad Gateway</html>", content_type="application/json"
    )
    with pytest.raises(FeedError, match="open-meteo forecast: malformed JSON"):
        openmeteo.get_forecast(session, WEST_TEXAS, base_url=httpserver.url_for("/v1/forecast"))


# --------------------------------------------------------------------------- cache, key


def test_second_identical_forecast_comes_from_the_cache(
    httpserver: HTTPServer, session: requests.Session, load_json: Load
) -> None:
    httpserver.expect_request("/v1/forecast").respond_with_json(
        load_json("openmeteo_forecast_two_sites.json")
    )
    url = httpserver.url_for("/v1/forecast")

    first = openmeteo.get_forecast(session, [WEST_TEXAS, NORTH_DAKOTA], base_url=url)
    second = openmeteo.get_forecast(session, [WEST_TEXAS, NORTH_DAKOTA], base_url=url)

    pd.testing.assert_frame_equal(first, second)
    assert len(httpserver.log) == 1


def test_offline_forecast_serves_the_cache_and_names_what_is_missing(
    httpserver: HTTPServer, session: requests.Session, load_json: Load, cache_dir: Any
) -> None:
    httpserver.expect_request("/v1/forecast").respond_with_json(
        load_json("openmeteo_forecast_two_sites.json")
    )
    url = httpserver.url_for("/v1/forecast")
    online = openmeteo.get_forecast(session, [WEST_TEXAS, NORTH_DAKOTA], base_url=url)
    session.close()

    offline = http.make_session(cache_dir, offline=True)
    again = openmeteo.get_forecast(offline, [WEST_TEXAS, NORTH_DAKOTA], base_url=url)
    pd.testing.assert_frame_equal(online, again)

    with pytest.raises(FeedError) as err:
        openmeteo.get_forecast(offline, QUEBEC, base_url=url)
    assert err.value.feed == "open-meteo forecast"
    assert "offline and not in the HTTP cache" in err.value.reason
    assert "latitude=46.35&longitude=-72.55" in err.value.reason
    assert len(httpserver.log) == 1


def test_recent_archive_is_cached_for_a_day_old_archive_forever(
    httpserver: HTTPServer, session: requests.Session, load_json: Load
) -> None:
    httpserver.expect_request("/v1/archive").respond_with_json(
        load_json("openmeteo_archive_rockdale_2021-03-14.json")
    )
    url = httpserver.url_for("/v1/archive")
    yesterday = datetime.now(UTC).date() - timedelta(days=1)

    openmeteo.get_archive(session, ROCKDALE, date(2021, 3, 14), date(2021, 3, 15), base_url=url)
    openmeteo.get_archive(session, ROCKDALE, yesterday, yesterday, base_url=url)

    expiry = {
        r.url.split("start_date=")[1][:10]: r.expires
        for r in session.cache.responses.values()  # type: ignore[attr-defined]
    }
    assert expiry["2021-03-14"] is None
    left = expiry[yesterday.isoformat()] - datetime.now(UTC)
    assert timedelta(hours=23) < left <= timedelta(days=1)


def test_api_key_from_env_is_sent_but_never_shown_or_cached(
    httpserver: HTTPServer,
    session: requests.Session,
    load_json: Load,
    cache_dir: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = "om-commercial-7f3a9c"
    monkeypatch.setenv("OPEN_METEO_API_KEY", secret)
    httpserver.expect_request(
        "/v1/forecast",
        query_string={
            "latitude": "31.85",
            "longitude": "-102.37",
            "hourly": HOURLY,
            "timezone": "GMT",
            "wind_speed_unit": "ms",
            "forecast_days": "7",
            "apikey": secret,
        },
    ).respond_with_json(load_json("openmeteo_forecast_two_sites.json")[0])
    httpserver.expect_request("/v1/ensemble").respond_with_data("down", status=503)

    df = openmeteo.get_forecast(session, WEST_TEXAS, base_url=httpserver.url_for("/v1/forecast"))
    assert len(df) == 48
    assert secret.encode() not in (cache_dir / "http_cache.sqlite").read_bytes()

    with pytest.raises(FeedError) as err:
        openmeteo.get_ensemble(
            session, QUEBEC, base_url=httpserver.url_for("/v1/ensemble"), retries=1
        )
    assert secret not in str(err.value)
    assert "apikey=***" in str(err.value)


def test_api_key_switches_default_hosts_to_the_commercial_ones(
    monkeypatch: pytest.MonkeyPatch, load_json: Load
) -> None:
    monkeypatch.setenv("OPEN_METEO_API_KEY", "k")
    seen: list[str] = []

    def fake_get_json(session: Any, url: str, params: Any, **kwargs: Any) -> Any:
        seen.append(url)
        return load_json("openmeteo_forecast_two_sites.json")[0]

    monkeypatch.setattr("weather.openmeteo.request.get_json", fake_get_json)
    openmeteo.get_forecast(requests.Session(), WEST_TEXAS)
    assert seen == ["https://customer-api.open-meteo.com/v1/forecast"]


# --------------------------------------------------------------------------- arguments


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sites": []}, "at least one site"),
        ({"sites": [WEST_TEXAS, WEST_TEXAS]}, "duplicate site ids"),
        ({"forecast_days": 17}, r"forecast_days must be 0\.\.16"),
        ({"start": date(2024, 1, 1)}, "both start and end"),
        ({"start": date(2024, 1, 2), "end": date(2024, 1, 1)}, "before start"),
        ({"variables": ("temp_air_c", "cloud_cover_pct")}, "unknown variables"),
        ({"variables": ("precip_mm",)}, "must include temp_air_c"),
        ({"sites": [Point("x", 95.0, 0.0)]}, "invalid"),
    ],
)
def test_bad_arguments_are_value_errors(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"sites": WEST_TEXAS, **kwargs}
    sites = args.pop("sites")
    with pytest.raises(ValueError, match=message):
        openmeteo.get_forecast(requests.Session(), sites, base_url="http://127.0.0.1:9/", **args)
