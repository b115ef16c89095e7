"""The shared HTTP layer: timeouts, retries, Retry-After, cache, offline mode, secrets."""

from __future__ import annotations

import logging
import socket
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from weather import http
from weather.errors import FeedError

FEED = "test feed"
OK = {"ok": True}


def test_session_sends_the_configured_user_agent_and_exact_query(
    httpserver: HTTPServer, session: requests.Session, user_agent: str
) -> None:
    httpserver.expect_request(
        "/v1/forecast",
        query_string={"latitude": "31.85", "hourly": "temperature_2m"},
        headers={"User-Agent": user_agent},
    ).respond_with_json(OK)

    got = http.get_json(
        session,
        httpserver.url_for("/v1/forecast"),
        {"latitude": 31.85, "hourly": "temperature_2m"},
        feed=FEED,
    )

    assert got == OK
    httpserver.check_assertions()


def test_default_user_agent_names_a_contact(monkeypatch: pytest.MonkeyPatch) -> None:
    assert http.default_user_agent() == ("mining-fleet-planner/0.1 (contact: set PLANNER_CONTACT)")
    monkeypatch.setenv("PLANNER_CONTACT", "ops@example.com")
    assert http.default_user_agent() == "mining-fleet-planner/0.1 (contact: ops@example.com)"
    s = http.make_session(None)
    assert s.headers["User-Agent"] == "mining-fleet-planner/0.1 (contact: ops@example.com)"


def test_read_timeout_is_a_feed_error_naming_feed_and_limit(
    httpserver: HTTPServer, session: requests.Session, slept: list[float]
) -> None:
    release = threading.Event()

    def stall(request: Request) -> Response:
        release.wait(5.0)  # far longer than the 0.2 s read timeout
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/slow").respond_with_handler(stall)
    try:
        with pytest.raises(FeedError) as err:
            http.get_json(
                session, httpserver.url_for("/slow"), feed=FEED, timeout=(2.0, 0.2), retries=1
            )
    finally:
        release.set()

    assert err.value.feed == FEED
    assert "read timeout of 0.2 s" in err.value.reason
    assert "2 attempts" in err.value.reason
    assert slept == [1.0]  # one backoff wait between the two attempts


def test_connection_refused_is_a_feed_error(session: requests.Session) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    with pytest.raises(FeedError, match="could not connect"):
        http.get_json(session, f"http://127.0.0.1:{port}/x", feed=FEED, retries=0)


def test_429_honours_retry_after_seconds(
    httpserver: HTTPServer, session: requests.Session, slept: list[float]
) -> None:
    httpserver.expect_oneshot_request("/rate").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7"}
    )
    httpserver.expect_request("/rate").respond_with_json(OK)

    assert http.get_json(session, httpserver.url_for("/rate"), feed=FEED) == OK
    assert slept == [7.0]
    assert len(httpserver.log) == 2


def test_retry_after_http_date_is_converted_to_seconds(
    httpserver: HTTPServer,
    session: requests.Session,
    slept: list[float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = datetime(2024, 1, 15, 12, 0, 0, tzinfo=UTC)
    monkeypatch.setattr(http, "_utcnow", lambda: now)
    when = format_datetime(now + timedelta(seconds=30), usegmt=True)  # "... 12:00:30 GMT"
    httpserver.expect_oneshot_request("/rate").respond_with_data(
        "", status=503, headers={"Retry-After": when}
    )
    httpserver.expect_request("/rate").respond_with_json(OK)

    assert http.get_json(session, httpserver.url_for("/rate"), feed=FEED) == OK
    assert slept == [30.0]


def test_retry_after_beyond_the_cap_gives_up_at_once(
    httpserver: HTTPServer, session: requests.Session, slept: list[float]
) -> None:
    httpserver.expect_request("/rate").respond_with_data(
        "", status=429, headers={"Retry-After": "3600"}
    )

    with pytest.raises(FeedError, match=r"retry after 3600 s, more than max_wait 60 s"):
        http.get_json(session, httpserver.url_for("/rate"), feed=FEED, max_wait=60.0)
    assert slept == []
    assert len(httpserver.log) == 1


def test_500_then_success_retries_once_after_the_first_backoff(
    httpserver: HTTPServer, session: requests.Session, slept: list[float]
) -> None:
    httpserver.expect_oneshot_request("/flaky").respond_with_data("oops", status=500)
    httpserver.expect_request("/flaky").respond_with_json(OK)

    assert http.get_json(session, httpserver.url_for("/flaky"), feed=FEED, backoff=0.5) == OK
    assert slept == [0.5]
    assert [resp.status_code for _, resp in httpserver.log] == [500, 200]


def test_backoff_doubles_and_is_capped_then_fails_with_the_last_status(
    httpserver: HTTPServer, session: requests.Session, slept: list[float]
) -> None:
    httpserver.expect_request("/down").respond_with_json({"reason": "maintenance"}, status=503)

    with pytest.raises(FeedError) as err:
        http.get_json(
            session, httpserver.url_for("/down"), feed=FEED, retries=4, backoff=10, max_wait=25
        )

    assert slept == [10.0, 20.0, 25.0, 25.0]  # 10·2^n capped at 25
    assert "HTTP 503" in err.value.reason
    assert "5 attempts" in err.value.reason
    assert "maintenance" in err.value.reason  # the provider's own explanation


def test_client_error_is_not_retried_and_carries_the_provider_reason(
    httpserver: HTTPServer, session: requests.Session, slept: list[float]
) -> None:
    httpserver.expect_request("/v1/forecast").respond_with_json(
        {"error": True, "reason": "Cannot initialize WeatherVariable from invalid String value"},
        status=400,
    )

    with pytest.raises(FeedError, match=r"HTTP 400.*invalid String value"):
        http.get_json(session, httpserver.url_for("/v1/forecast"), feed=FEED)
    assert slept == []


def test_malformed_json_is_a_feed_error_and_is_not_cached(
    httpserver: HTTPServer, session: requests.Session
) -> None:
    httpserver.expect_request("/v1/archive").respond_with_data(
        '{"hourly": {"time": [', content_type="application/json"
    )
    url = httpserver.url_for("/v1/archive")

    for _ in range(2):
        with pytest.raises(FeedError, match="malformed JSON"):
            http.get_json(session, url, {"latitude": 1}, feed=FEED)

    assert len(httpserver.log) == 2  # the broken answer was not served from the cache


def test_second_identical_request_is_served_from_the_sqlite_cache(
    httpserver: HTTPServer, session: requests.Session, cache_dir: Path
) -> None:
    httpserver.expect_request("/v1/forecast").respond_with_json(OK)
    url = httpserver.url_for("/v1/forecast")

    first = http.get_json(session, url, {"latitude": 31.85, "longitude": -102.37}, feed=FEED)
    second = http.get_json(session, url, {"latitude": 31.85, "longitude": -102.37}, feed=FEED)

    assert first == second == OK
    assert len(httpserver.log) == 1
    assert (cache_dir / "http_cache.sqlite").is_file()


def test_expiry_follows_the_endpoint_kind(
    httpserver: HTTPServer, session: requests.Session
) -> None:
    for path in ("/v1/archive", "/v1/forecast", "/alerts/active", "/other"):
        httpserver.expect_request(path).respond_with_json(OK)
        http.get_json(session, httpserver.url_for(path), feed=FEED)

    now = datetime.now(UTC)
    left = {}
    for response in session.cache.responses.values():  # type: ignore[attr-defined]
        path = response.url.split(str(httpserver.port))[1]
        left[path] = None if response.expires is None else response.expires - now

    assert left["/v1/archive"] is None  # never expires
    assert timedelta(minutes=59) < left["/v1/forecast"] <= timedelta(hours=1)
    assert timedelta(minutes=4) < left["/alerts/active"] <= timedelta(minutes=5)
    assert timedelta(minutes=4) < left["/other"] <= timedelta(minutes=5)


def test_offline_serves_cached_and_names_the_missing_url(
    httpserver: HTTPServer, session: requests.Session, cache_dir: Path
) -> None:
    httpserver.expect_request("/v1/forecast").respond_with_json(OK)
    url = httpserver.url_for("/v1/forecast")
    http.get_json(session, url, {"latitude": 31.85}, feed=FEED)
    session.close()

    offline = http.make_session(cache_dir, offline=True)
    assert http.get_json(offline, url, {"latitude": 31.85}, feed=FEED) == OK

    with pytest.raises(FeedError) as err:
        http.get_json(offline, url, {"latitude": 46.91}, feed="open-meteo forecast")
    assert err.value.feed == "open-meteo forecast"
    assert "offline and not in the HTTP cache" in err.value.reason
    assert "/v1/forecast?latitude=46.91" in err.value.reason
    assert len(httpserver.log) == 1  # offline never reached the server


def test_offline_serves_stale_entries(
    httpserver: HTTPServer, session: requests.Session, cache_dir: Path
) -> None:
    httpserver.expect_request("/alerts/active").respond_with_json(OK)
    url = httpserver.url_for("/alerts/active")
    http.get_json(session, url, {"point": "31.85,-102.37"}, feed=FEED)
    responses = session.cache.responses  # type: ignore[attr-defined]
    (key,) = list(responses.keys())
    stale = responses[key]
    stale.expires = datetime.now(UTC) - timedelta(days=1)
    responses[key] = stale
    session.close()

    offline = http.make_session(cache_dir, offline=True)
    assert http.get_json(offline, url, {"point": "31.85,-102.37"}, feed=FEED) == OK
    assert len(httpserver.log) == 1


def test_offline_without_a_cache_dir_is_refused() -> None:
    with pytest.raises(ValueError, match="offline mode needs a cache_dir"):
        http.make_session(None, offline=True)


def test_api_key_never_in_errors_logs_or_cache(
    httpserver: HTTPServer,
    session: requests.Session,
    cache_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "s3cr3t-KEY+/="
    url = httpserver.url_for("/v1/forecast")
    caplog.set_level(logging.DEBUG, logger="weather")

    # the key is sent to the server...
    httpserver.expect_request(
        "/v1/forecast", query_string={"latitude": "1", "apikey": secret}
    ).respond_with_json(OK)
    assert http.get_json(session, url, {"latitude": 1, "apikey": secret}, feed=FEED) == OK
    # ...but a different key hits the same cache entry: the key is not part of the cache key
    assert http.get_json(session, url, {"latitude": 1, "apikey": "other"}, feed=FEED) == OK
    assert len(httpserver.log) == 1
    assert secret.encode() not in (cache_dir / "http_cache.sqlite").read_bytes()
    a = requests.Request("GET", url, params={"latitude": 1, "apikey": secret}).prepare()
    b = requests.Request("GET", url, params={"latitude": 1, "apikey": "other"}).prepare()
    assert session.cache.create_key(a) == session.cache.create_key(b)  # type: ignore[attr-defined]

    # errors after retries, and malformed JSON, mask it
    httpserver.expect_request("/v1/ensemble").respond_with_data("boom", status=502)
    with pytest.raises(FeedError) as err:
        http.get_json(
            session, httpserver.url_for("/v1/ensemble"), {"apikey": secret}, feed=FEED, retries=1
        )
    assert secret not in str(err.value)
    assert "apikey=***" in str(err.value)

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FeedError) as refused:
        http.get_json(session, f"http://127.0.0.1:{port}/v1/x", {"apikey": secret}, feed=FEED)
    assert secret not in str(refused.value)
    assert refused.value.__cause__ is None and refused.value.__suppress_context__

    ours = [r.getMessage() for r in caplog.records if r.name.startswith("weather")]
    assert ours
    assert all(secret not in message for message in ours)


def test_redact_masks_secret_params_and_literal_values() -> None:
    text = "GET https://x/v1?apikey=abc&latitude=1&api_key=def&token=ghi failed: abc"
    assert http.redact(text, ["abc"]) == (
        "GET https://x/v1?apikey=***&latitude=1&api_key=***&token=*** failed: ***"
    )
    assert http.redact("monkey=1&keyboard=2") == "monkey=1&keyboard=2"


# -- POST: the same policy, never cached ----------------------------------------------------------


def test_post_json_sends_utf8_json_and_is_never_cached(httpserver: HTTPServer) -> None:
    body = {"text": "storm at tx-west · 12 °C", "n": 2}
    httpserver.expect_request(
        "/hook", method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    ).respond_with_data("ok")
    url = httpserver.url_for("/hook")
    first = http.post_json(url, body, feed=FEED)
    second = http.post_json(url, body, feed=FEED)
    assert (first.status_code, first.text, second.text) == (200, "ok", "ok")
    assert len(httpserver.log) == 2  # both reached the server
    sent = httpserver.log[0][0]
    assert sent.get_data() == '{"text": "storm at tx-west · 12 °C", "n": 2}'.encode()
    assert sent.headers["User-Agent"] == http.default_user_agent()


def test_post_json_refuses_a_cached_session_and_json_without_a_form(
    session: requests.Session,
) -> None:
    with pytest.raises(TypeError, match=r"plain requests\.Session: a POST is never cached"):
        http.post_json("http://127.0.0.1:9/hook", {}, feed=FEED, session=session)
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        http.post_json("http://127.0.0.1:9/hook", {"x": float("nan")}, feed=FEED)


def test_post_json_retries_with_the_get_policy_and_masks_with_the_callers_mask(
    httpserver: HTTPServer, slept: list[float]
) -> None:
    httpserver.expect_ordered_request("/a/secret-path", method="POST").respond_with_data(
        "busy", status=503, headers={"Retry-After": "4"}
    )
    httpserver.expect_ordered_request("/a/secret-path", method="POST").respond_with_data(
        "gone: /a/secret-path", status=500
    )
    url = httpserver.url_for("/a/secret-path")
    with pytest.raises(FeedError) as err:
        http.post_json(
            url, {}, feed="hook", mask=lambda text: text.replace("secret-path", "…"), retries=1
        )
    assert str(err.value) == (
        f"hook: HTTP 500 INTERNAL SERVER ERROR for POST http://localhost:{httpserver.port}/a/… "
        "(2 attempts): gone: /a/…"
    )
    assert slept == [4.0]  # the server's Retry-After, not the 1 s backoff


def test_post_json_answers_are_size_capped(httpserver: HTTPServer) -> None:
    big = "x" * (http.DEFAULT_MAX_RESPONSE_BYTES + 1)
    httpserver.expect_request("/hook", method="POST").respond_with_data(big)
    with pytest.raises(FeedError, match=r"larger than the 20 MB limit \(Content-Length "):
        http.post_json(httpserver.url_for("/hook"), {}, feed=FEED)
