"""Risk thresholds worked by hand, and the webhook against a real local HTTP server."""

from __future__ import annotations

import logging
import math
import threading
from datetime import UTC, datetime

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from planner.errors import ConfigError, FeedError, JobError
from planner.ops import notify
from planner.ops.notify import (
    HASHRATE_AT_RISK_KPI,
    PLANNED_CURTAILMENT_KPI,
    RiskAlert,
    RiskKind,
    Thresholds,
    redact_url,
    risk_alerts,
    send_webhook,
    webhook_payload,
)
from weather import http
from weather.schema import empty_events

KPIS = {HASHRATE_AT_RISK_KPI: 0.12, PLANNED_CURTAILMENT_KPI: 340.0, "profit_usd": 1.0e6}


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def events(rows: list[tuple[str, str | None, str, str, str]]) -> pd.DataFrame:
    """Canonical event table from ``(start, end, site_id, kind, severity)`` rows."""
    return pd.DataFrame(
        {
            "start": pd.Series([utc(r[0]) for r in rows], dtype="datetime64[ns, UTC]"),
            "end": pd.Series(
                [utc(r[1]) if r[1] else pd.NaT for r in rows], dtype="datetime64[ns, UTC]"
            ),
            "site_id": [r[2] for r in rows],
            "kind": [r[3] for r in rows],
            "severity": [r[4] for r in rows],
            "source": "nws",
            "source_id": [f"urn:alert:{i}" for i in range(len(rows))],
        }
    )


ALERTS = events(
    [
        ("2025-01-15T12:00Z", "2025-01-17T00:00Z", "tx-west", "Winter Storm Warning", "Severe"),
        ("2025-01-16T00:00Z", "2025-01-16T18:00Z", "tx-west", "Extreme Cold Warning", "Extreme"),
        ("2025-01-15T00:00Z", "2025-01-15T06:00Z", "georgia", "Wind Advisory", "Moderate"),
        ("2025-01-10T00:00Z", "2025-01-11T00:00Z", "nd", "Blizzard Warning", "Extreme"),
        ("2025-01-15T18:00Z", None, "rockdale", "Fire Weather Watch", "severe"),
    ]
)


# -- thresholds ----------------------------------------------------------------------------------


def test_kpis_above_thresholds_alert_with_hand_worked_messages() -> None:
    t = Thresholds(
        hashrate_at_risk_max=0.10, planned_curtailment_mwh_max=300.0, notify_on_severe_alert=False
    )
    out = risk_alerts(KPIS, ALERTS, t)
    assert out == [
        RiskAlert(
            kind=RiskKind.HASHRATE_AT_RISK,
            message="hashrate at risk 12.0% is above the 10.0% threshold (chance the fleet falls below its hashrate floor)",
            value=0.12,
            threshold=0.10,
        ),
        RiskAlert(
            kind=RiskKind.PLANNED_CURTAILMENT,
            message="planned curtailment 340.0 MWh is above the 300.0 MWh threshold",
            value=340.0,
            threshold=300.0,
        ),
    ]


def test_thresholds_are_strict_and_none_switches_off() -> None:
    at_limit = {HASHRATE_AT_RISK_KPI: 0.10, PLANNED_CURTAILMENT_KPI: 300.0}
    t = Thresholds(
        hashrate_at_risk_max=0.10, planned_curtailment_mwh_max=300.0, notify_on_severe_alert=False
    )
    assert risk_alerts(at_limit, ALERTS, t) == []  # equal is not above
    off = Thresholds(notify_on_severe_alert=False)
    assert risk_alerts({}, ALERTS, off) == []  # KPIs are not even needed


def test_one_severe_weather_alert_per_site_with_the_worst_severity() -> None:
    out = risk_alerts({}, ALERTS, Thresholds())
    assert [a.site_id for a in out] == ["nd", "rockdale", "tx-west"]  # georgia is only Moderate
    tx = out[2]
    assert tx.kind is RiskKind.SEVERE_WEATHER
    assert tx.severity == "Extreme"
    assert tx.event_kinds == ("Extreme Cold Warning", "Winter Storm Warning")
    assert tx.source_ids == ("urn:alert:0", "urn:alert:1")
    assert tx.start == datetime(2025, 1, 15, 12, tzinfo=UTC)
    assert tx.end == datetime(2025, 1, 17, tzinfo=UTC)
    assert tx.message == (
        "extreme weather alert at site tx-west: Extreme Cold Warning, Winter Storm Warning "
        "from 2025-01-15T12:00:00Z until 2025-01-17T00:00:00Z"
    )
    rockdale = out[1]
    assert rockdale.severity == "severe"  # matched case-insensitively, reported as given
    assert rockdale.end is None
    assert rockdale.message.endswith("from 2025-01-15T18:00:00Z with no end given")


def test_window_keeps_only_alerts_overlapping_the_horizon() -> None:
    horizon = (datetime(2025, 1, 15, 6, tzinfo=UTC), datetime(2025, 1, 22, 6, tzinfo=UTC))
    out = risk_alerts({}, ALERTS, Thresholds(), window=horizon)
    assert [a.site_id for a in out] == ["rockdale", "tx-west"]  # nd's blizzard ended on the 11th
    with pytest.raises(ConfigError, match="window: start and end must be tz-aware"):
        risk_alerts({}, ALERTS, Thresholds(), window=(datetime(2025, 1, 1), datetime(2025, 1, 2)))


def test_custom_severe_levels_and_empty_tables() -> None:
    out = risk_alerts({}, ALERTS, Thresholds(severe_levels=("Moderate",)))
    assert [(a.site_id, a.severity) for a in out] == [("georgia", "Moderate")]
    assert risk_alerts({}, empty_events(), Thresholds()) == []
    assert risk_alerts({}, ALERTS, Thresholds(notify_on_severe_alert=False)) == []


def test_missing_or_bad_kpi_is_a_job_error() -> None:
    t = Thresholds(hashrate_at_risk_max=0.1, notify_on_severe_alert=False)
    with pytest.raises(
        JobError,
        match="the run's KPIs lack 'hashrate_at_risk_probability', needed by hashrate_at_risk_max",
    ):
        risk_alerts({"profit_usd": 1.0}, ALERTS, t)
    with pytest.raises(
        JobError, match="KPI 'hashrate_at_risk_probability' must be a finite number, got nan"
    ):
        risk_alerts({HASHRATE_AT_RISK_KPI: math.nan}, ALERTS, t)


def test_a_table_that_is_not_canonical_is_a_feed_error() -> None:
    with pytest.raises(FeedError, match=r"alerts: event table lacks columns \['severity'\]"):
        risk_alerts({}, ALERTS.drop(columns="severity"), Thresholds())


def test_thresholds_validate_and_load_from_config() -> None:
    with pytest.raises(ConfigError) as exc:
        Thresholds(hashrate_at_risk_max=1.5, planned_curtailment_mwh_max=-1)
    assert str(exc.value) == (
        "thresholds: hashrate_at_risk_max: must be in [0, 1], got 1.5; "
        "planned_curtailment_mwh_max: must be >= 0, got -1"
    )
    with pytest.raises(
        ConfigError, match="notify_on_severe_alert: must be true or false, got 'yes'"
    ):
        Thresholds(notify_on_severe_alert="yes")  # type: ignore[arg-type]
    t = Thresholds.from_mapping(
        {"hashrate_at_risk_max": 0.05, "severe_levels": ["Extreme"]}, "settings.toml [notify]"
    )
    assert t == Thresholds(hashrate_at_risk_max=0.05, severe_levels=("Extreme",))
    with pytest.raises(ConfigError) as exc:
        Thresholds.from_mapping({"hashrate_max": 0.1}, "settings.toml [notify]")
    assert str(exc.value) == (
        "settings.toml [notify]: hashrate_max: unknown key; did you mean 'hashrate_at_risk_max'? "
        "allowed: hashrate_at_risk_max, notify_on_severe_alert, planned_curtailment_mwh_max, "
        "severe_levels"
    )
    with pytest.raises(
        ConfigError, match=r"^settings.toml \[notify\]: hashrate_at_risk_max: must be"
    ):
        Thresholds.from_mapping({"hashrate_at_risk_max": "high"}, "settings.toml [notify]")


def test_payload_carries_a_text_line_and_json_safe_values() -> None:
    alerts = risk_alerts(
        KPIS, ALERTS, Thresholds(hashrate_at_risk_max=0.10, notify_on_severe_alert=False)
    )
    body = webhook_payload(
        alerts, run_id="20250115T060000Z-abcd1234", kpis={"x": math.nan, "y": 2}, artifacts={}
    )
    assert body == {
        "source": "mining-fleet-planner",
        "run_id": "20250115T060000Z-abcd1234",
        "text": "mining-fleet-planner run 20250115T060000Z-abcd1234: 1 risk alert: hashrate at risk 12.0% is above the 10.0% threshold (chance the fleet falls below its hashrate floor)",
        "alerts": [
            {
                "kind": "hashrate_at_risk",
                "message": alerts[0].message,
                "value": 0.12,
                "threshold": 0.1,
                "site_id": None,
                "severity": None,
                "event_kinds": [],
                "source_ids": [],
                "start": None,
                "end": None,
            }
        ],
        "summary": [],
        "kpis": {"x": None, "y": 2.0},
        "artifacts": {},
    }


def test_payload_text_carries_the_summary_one_line_each() -> None:
    lines = ["Run optimized: +$1.0M expected against strike.", "Next: Curtail 40 MW at A"]
    body = webhook_payload([], run_id="r1", summary=lines)
    assert body["summary"] == lines
    assert body["text"].split("\n")[1:] == lines


def test_payload_text_ends_with_the_full_value_headline() -> None:
    # The run's headline is the expected profit incl. after horizon; the profit inside the
    # horizon stands beside it, labelled.
    kpis = {"expected_profit_incl_after_horizon_usd": 1_234_567.4, "expected_profit_usd": 2.5e6}
    body = webhook_payload([], run_id="r1", kpis=kpis)
    assert body["text"] == (
        "mining-fleet-planner run r1: 0 risk alerts: no thresholds crossed (expected profit "
        "incl. after horizon $1,234,567, in horizon $2,500,000)"
    )


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
    assert notify.MAX_WAIT_S == 30.0
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
