"""Delivery: the webhook and the notification URLs (apprise), each against a real local HTTP
server, with every secret masked in every log record, message and file."""

from __future__ import annotations

import logging
import math
import threading
from datetime import UTC, datetime

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from planner.errors import ConfigError, JobError
from planner.ops import delivery
from planner.ops.delivery import redact_url, send_webhook
from weather import http

# -- webhook -------------------------------------------------------------------------------------
#
# The POST goes through weather.http.post_json, the planner's one HTTP policy: doubling backoff
# capped at MAX_WAIT_S (30 s), Retry-After (seconds or HTTP-date) honoured, and a Retry-After
# beyond the cap fails at once. Every test talks to a real local server.


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(http, "_sleep", waits.append)
    return waits


PAYLOAD = {
    "run_id": "r1",
    "alerts": [{"kind": "planned_curtailment", "value": 340.0}],
    "at": datetime(2025, 1, 15, 6, tzinfo=UTC),
    "nan": math.nan,
}
WIRE = {
    "run_id": "r1",
    "alerts": [{"kind": "planned_curtailment", "value": 340.0}],
    "at": "2025-01-15T06:00:00Z",
    "nan": None,
}


def ours(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The log lines the planner and its HTTP client wrote."""
    return [
        r.getMessage() for r in caplog.records if r.name.split(".")[0] in ("planner", "weather")
    ]


def test_posts_the_exact_json_body(
    httpserver: HTTPServer, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_oneshot_request(
        "/hook",
        method="POST",
        json=WIRE,
        headers={"Content-Type": "application/json; charset=utf-8"},
    ).respond_with_data("ok", status=200)
    with caplog.at_level(logging.DEBUG):
        assert send_webhook(httpserver.url_for("/hook"), PAYLOAD) == 200
    httpserver.check_assertions()
    assert sleeps == []
    ((request, _),) = httpserver.log
    assert request.get_data() == (
        b'{"run_id": "r1", "alerts": [{"kind": "planned_curtailment", "value": 340.0}], '
        b'"at": "2025-01-15T06:00:00Z", "nan": null}'
    )
    assert request.headers["User-Agent"].startswith("mining-fleet-planner/")
    shown = f"http://localhost:{httpserver.port}/…"
    assert ours(caplog) == [f"webhook: POST {shown} -> 200 (from cache: False)"]


def test_retries_after_a_500_with_backoff(httpserver: HTTPServer, sleeps: list[float]) -> None:
    httpserver.expect_ordered_request("/hook", method="POST", json=WIRE).respond_with_data(
        "down", status=500
    )
    httpserver.expect_ordered_request("/hook", method="POST", json=WIRE).respond_with_data(
        "down", status=502
    )
    httpserver.expect_ordered_request("/hook", method="POST", json=WIRE).respond_with_data(
        "", status=204
    )
    assert send_webhook(httpserver.url_for("/hook"), PAYLOAD, retries=3, backoff_s=0.5) == 204
    httpserver.check_assertions()
    assert sleeps == [0.5, 1.0]  # 0.5 s, then doubled


def test_the_backoff_is_bounded_by_max_wait(httpserver: HTTPServer, sleeps: list[float]) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("down", status=500)
    with pytest.raises(JobError) as exc:
        send_webhook(httpserver.url_for("/hook"), PAYLOAD, retries=3, backoff_s=20.0)
    # 20·2⁰ = 20, 20·2¹ = 40 -> 30, 20·2² = 80 -> 30: every wait capped at MAX_WAIT_S.
    assert delivery.MAX_WAIT_S == 30.0
    assert sleeps == [20.0, 30.0, 30.0]
    assert len(httpserver.log) == 4
    assert str(exc.value) == (
        f"webhook: HTTP 500 INTERNAL SERVER ERROR for POST http://localhost:{httpserver.port}/… "
        "(4 attempts): down"
    )


def test_retry_after_seconds_are_honoured(httpserver: HTTPServer, sleeps: list[float]) -> None:
    httpserver.expect_ordered_request("/hook", method="POST").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7"}
    )
    httpserver.expect_ordered_request("/hook", method="POST").respond_with_data("ok")
    assert send_webhook(httpserver.url_for("/hook"), PAYLOAD) == 200
    assert sleeps == [7.0]  # not the 0.5 s backoff


def test_a_retry_after_http_date_is_honoured(
    httpserver: HTTPServer, sleeps: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime(2025, 1, 15, 6, 0, 0, tzinfo=UTC)
    monkeypatch.setattr(http, "_utcnow", lambda: now)
    httpserver.expect_ordered_request("/hook", method="POST").respond_with_data(
        "", status=503, headers={"Retry-After": "Wed, 15 Jan 2025 06:00:12 GMT"}
    )
    httpserver.expect_ordered_request("/hook", method="POST").respond_with_data("ok")
    assert send_webhook(httpserver.url_for("/hook"), PAYLOAD) == 200
    assert sleeps == [12.0]  # 06:00:12 - 06:00:00


def test_a_retry_after_beyond_max_wait_fails_at_once(
    httpserver: HTTPServer, sleeps: list[float]
) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data(
        "", status=429, headers={"Retry-After": "120"}
    )
    with pytest.raises(JobError) as exc:
        send_webhook(httpserver.url_for("/hook"), PAYLOAD, retries=5)
    assert str(exc.value) == (
        f"webhook: HTTP 429 TOO MANY REQUESTS for POST http://localhost:{httpserver.port}/…: "
        "server asks to retry after 120 s, more than max_wait 30 s"
    )
    assert sleeps == [] and len(httpserver.log) == 1


def test_final_failure_is_one_line_with_secrets_masked(
    httpserver: HTTPServer, sleeps: list[float]
) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data(
        "boom for token\ns3cr3t-tok", status=500
    )
    port = httpserver.port
    url = f"http://bot:pa55word@localhost:{port}/hook?token=s3cr3t-tok&channel=ops"
    with pytest.raises(JobError) as exc:
        send_webhook(url, PAYLOAD, retries=2, backoff_s=0.25)
    assert str(exc.value) == (
        f"webhook: HTTP 500 INTERNAL SERVER ERROR for POST http://localhost:{port}/… "
        "(3 attempts): boom for token …"
    )
    assert exc.value.__cause__ is None
    assert sleeps == [0.25, 0.5]
    assert len(httpserver.log) == 3


def test_client_errors_are_not_retried(httpserver: HTTPServer, sleeps: list[float]) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("no such hook", status=404)
    with pytest.raises(JobError) as exc:
        send_webhook(httpserver.url_for("/hook") + "?key=abcdef", PAYLOAD)
    assert str(exc.value) == (
        f"webhook: HTTP 404 NOT FOUND for POST http://localhost:{httpserver.port}/…: no such hook"
    )
    assert sleeps == [] and len(httpserver.log) == 1


def test_timeouts_are_retried_then_reported(httpserver: HTTPServer, sleeps: list[float]) -> None:
    release = threading.Event()

    def slow(request: Request) -> Response:
        release.wait(5.0)  # far longer than the 0.1 s read timeout
        return Response("late")

    httpserver.expect_request("/hook", method="POST").respond_with_handler(slow)
    url = httpserver.url_for("/hook") + "?sig=verysecret"
    try:
        with pytest.raises(JobError) as exc:
            send_webhook(url, PAYLOAD, timeout=(2.0, 0.1), retries=1)
    finally:
        release.set()
    assert str(exc.value) == (
        "webhook: no answer within the read timeout of 0.1 s for POST "
        f"http://localhost:{httpserver.port}/… (2 attempts)"
    )
    assert sleeps == [0.5]  # one wait between the two attempts


def test_connection_refused_is_retried_then_reported(sleeps: list[float]) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(JobError) as exc:
        send_webhook(f"http://127.0.0.1:{port}/hook?token=abcd1234", PAYLOAD, retries=2)
    message = str(exc.value)
    assert message.startswith("webhook: could not connect: ")
    assert message.endswith(f" for POST http://127.0.0.1:{port}/… (3 attempts)")
    assert "abcd1234" not in message and "/hook" not in message and "\n" not in message
    assert sleeps == [0.5, 1.0]


def test_bad_arguments(sleeps: list[float]) -> None:
    with pytest.raises(ConfigError) as bad_url:
        send_webhook("ftp://h/x?k=secret", PAYLOAD)
    assert str(bad_url.value) == (
        "webhook url: must be an http:// or https:// URL, got a 'ftp' URL"
    )  # neither the host nor the secret is repeated
    with pytest.raises(ConfigError, match="webhook retries: must be an integer >= 0, got -1"):
        send_webhook("http://h/x", PAYLOAD, retries=-1)
    with pytest.raises(ConfigError, match=r"webhook timeout: must be seconds .* got -1"):
        send_webhook("http://h/x", PAYLOAD, timeout=-1)
    with pytest.raises(
        JobError,
        match=r"webhook POST http://h/…: payload is not JSON \(object is not JSON-serialisable\)",
    ):
        send_webhook("http://h/x", {"x": object()})


def test_redact_url_keeps_scheme_and_host_only() -> None:
    assert redact_url("https://u:p@hooks.example.com/a/b?token=t&x=1&flag") == (
        "https://hooks.example.com/…"
    )
    assert redact_url("https://hooks.slack.com/services/T0123/B0456/XXXXsecretXXXX") == (
        "https://hooks.slack.com/…"
    )
    assert redact_url("http://[::1]:8080/hook") == "http://[::1]:8080/…"
    assert redact_url("not a url") == "…"


def test_the_masked_url_is_in_every_log_line_and_the_error(
    httpserver: HTTPServer, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    secret = "XXXXsecretXXXX"
    path = f"/services/T0123/B0456/{secret}"
    answers = [
        # A reason phrase is the server's own text too: it may quote the secret.
        Response(f"upstream down for {path}", status=f"500 UPSTREAM {secret}"),
        Response("slow down", status=429, headers={"Retry-After": "2"}),
        Response(f"invalid_token for {path}?sig=abcdef123", status=403),
    ]
    for answer in answers:
        httpserver.expect_ordered_request(path, method="POST").respond_with_response(answer)
    url = httpserver.url_for(path) + "?sig=abcdef123"
    with caplog.at_level(logging.DEBUG), pytest.raises(JobError) as exc:
        send_webhook(url, PAYLOAD, retries=3)
    shown = f"http://localhost:{httpserver.port}/…"
    assert str(exc.value) == f"webhook: HTTP 403 FORBIDDEN for POST {shown}: invalid_token for …"
    assert ours(caplog) == [
        f"webhook: POST {shown} -> 500 (from cache: False)",
        "webhook: HTTP 500 UPSTREAM …; retrying in 0.5 s",
        f"webhook: POST {shown} -> 429 (from cache: False)",
        "webhook: HTTP 429 TOO MANY REQUESTS; retrying in 2.0 s",
        f"webhook: POST {shown} -> 403 (from cache: False)",
    ]
    assert sleeps == [0.5, 2.0]
    for text in (*ours(caplog), str(exc.value)):
        assert not any(piece in text for piece in (secret, "B0456", "abcdef123", "/services"))


# -- notification URLs (apprise) -----------------------------------------------------------------
#
# apprise's json:// and form:// plugins POST to a plain HTTP server: the real local one here.
# The secrets: a path token, a header value and a password; none may show in any log record
# (every logger, at DEBUG), in a result or in an error.

PATH_TOKEN = "T0123/s3cretPathTok"
HEADER_SECRET = "h3aderS3cret"
PASSWORD = "pa55w0rdXY"
SECRETS = ("s3cretPathTok", HEADER_SECRET, PASSWORD)


def every_record(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every log line written on the sending side (any logger but the test server's own)."""
    return [r.getMessage() + (r.exc_text or "") for r in caplog.records if r.name != "werkzeug"]


def json_url(server: HTTPServer, path: str = f"/hooks/{PATH_TOKEN}") -> str:
    return f"json://ops:{PASSWORD}@localhost:{server.port}{path}?+X-Api-Key={HEADER_SECRET}"


def test_an_apprise_json_url_delivers_the_message_to_a_real_server(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_oneshot_request(
        f"/hooks/{PATH_TOKEN}", method="POST", headers={"X-Api-Key": HEADER_SECRET}
    ).respond_with_data("ok")
    with caplog.at_level(logging.DEBUG):
        (result,) = delivery.send_to_channels([json_url(httpserver)], "Title here", "line 1")
    httpserver.check_assertions()
    assert result == delivery.ChannelResult(f"json://localhost:{httpserver.port}/…", True, "")
    ((request, _),) = httpserver.log
    body = request.get_json()
    assert (body["title"], body["message"], body["type"]) == ("Title here", "line 1", "warning")
    assert request.authorization is not None and request.authorization.password == PASSWORD
    records = every_record(caplog)
    assert any("JSON POST URL" in line for line in records)  # apprise did log the request
    for line in records:
        assert not any(s in line for s in SECRETS), line


def test_one_failing_channel_neither_hides_nor_stops_the_others(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_request(f"/hooks/{PATH_TOKEN}", method="POST").respond_with_data(
        f"token {HEADER_SECRET} revoked", status=403
    )
    httpserver.expect_request("/form/in", method="POST").respond_with_data("ok")
    form = f"form://localhost:{httpserver.port}/form/in"
    with caplog.at_level(logging.DEBUG):
        failed, sent = delivery.send_to_channels([json_url(httpserver), form], "T", "B")
    assert failed.channel == f"json://localhost:{httpserver.port}/…" and not failed.sent
    assert "403" in failed.detail
    assert sent == delivery.ChannelResult(f"form://localhost:{httpserver.port}/…", True, "")
    assert [r.path for r, _ in httpserver.log] == [f"/hooks/{PATH_TOKEN}", "/form/in"]
    assert httpserver.log[1][0].form["message"] == "B"
    for line in (*every_record(caplog), failed.detail):
        assert not any(s in line for s in SECRETS), line


def test_a_token_scheme_is_named_by_its_scheme_only() -> None:
    assert delivery.channel_name("slack://TokenA0123/TokenB0456/TokenC0789") == "slack://…"
    assert delivery.channel_name("json://localhost:8080/a/b") == "json://localhost:8080/…"
    assert delivery.channel_name("no url") == "…"
    text = "could not post to slack://TokenA0123/TokenB0456/TokenC0789 (TokenB0456 refused)"
    masked = delivery.mask_channel_secrets(text, "slack://TokenA0123/TokenB0456/TokenC0789")
    assert masked == "could not post to slack://… (… refused)"


def test_a_url_apprise_cannot_send_to_is_refused_by_position_and_scheme_only() -> None:
    with pytest.raises(ConfigError) as exc:
        delivery.check_channel_urls(
            ["json://localhost/ok", "nosuchservice://S3cretTokenXYZ/abc"], "notify.urls"
        )
    message = str(exc.value)
    assert message.startswith(
        "notify.urls: [1]: not a notification URL apprise can send to, got nosuchservice://…"
    )
    assert "S3cretTokenXYZ" not in message
    assert delivery.check_channel_urls([" json://localhost/ok "]) == ("json://localhost/ok",)
