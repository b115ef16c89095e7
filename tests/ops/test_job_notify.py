"""The forecast job notifies through the plain webhook and apprise URLs at once, each to a real
local HTTP server, and no secret of either reaches a log record, the run history or a file of
the run folder."""

from __future__ import annotations

import html
import json
import logging
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from planner.ops.jobs import JobSettings, run_forecast_job
from planner.ops.notify import Thresholds, explain_thresholds
from planner.ops.store import RunStore
from weather import http

ROOT = Path(__file__).resolve().parents[2]
FLEET = ROOT / "planner" / "domain" / "texas_fleet.toml"
HOOK_TOKEN = "W3bhookS3cret"
PATH_TOKEN = "Chann3lPathTok"
HEADER_SECRET = "H3aderS3cretX"
SECRETS = (HOOK_TOKEN, PATH_TOKEN, HEADER_SECRET)


@pytest.fixture(autouse=True)
def _no_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http, "_sleep", lambda seconds: None)
    monkeypatch.delenv("PLANNER_WEBHOOK_URL", raising=False)
    monkeypatch.delenv("PLANNER_NOTIFY_URLS", raising=False)


def test_alerts_reach_the_webhook_and_an_apprise_url_with_every_secret_masked(
    tmp_path: Path, httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_oneshot_request("/hook", method="POST").respond_with_data("ok")
    httpserver.expect_oneshot_request(
        f"/chat/{PATH_TOKEN}", method="POST", headers={"X-Api-Key": HEADER_SECRET}
    ).respond_with_data("ok")
    port = httpserver.port
    limits = Thresholds(planned_curtailment_mwh_max=0.0)  # the plan curtails: crossed for sure
    settings = JobSettings(
        mode="offline",
        start="2025-01-14",
        horizon_hours=48,
        scenarios=3,
        eval_scenarios=4,
        thresholds=limits,
        webhook_url=f"http://localhost:{port}/hook?token={HOOK_TOKEN}",
        notify_urls=(f"json://localhost:{port}/chat/{PATH_TOKEN}?+X-Api-Key={HEADER_SECRET}",),
    )
    with caplog.at_level(logging.DEBUG):
        outcome = run_forecast_job(
            FLEET, tmp_path / "out", settings=settings, data_dir=tmp_path / "data", workers=1
        )
    httpserver.check_assertions()
    assert outcome.notification == "sent"

    # The chat message: the summary, the alert, and why it was sent with this run's value.
    chat = next(r for r, _ in httpserver.log if r.path.startswith("/chat/")).get_json()
    assert chat["title"] == f"Mining fleet planner: 1 risk alert (run {outcome.run.id})"
    curtailed = outcome.run.kpis["planned_curtailment_mwh"]
    why = explain_thresholds(limits, outcome.run.kpis)
    assert why[1] == (
        f"planned curtailment: notifies above 0 MWh over the horizon; this run {curtailed:,.0f} MWh"
    )
    assert f"- {why[1]}" in chat["message"]

    note = json.loads(outcome.run.artifacts["notification"].read_text())
    assert note["url"] == f"http://localhost:{port}/…"
    assert note["channels"] == [
        {"channel": f"json://localhost:{port}/…", "sent": True, "detail": ""}
    ]
    assert note["thresholds"] == why
    # The report's summary explains them too, with this run's values.
    report = outcome.run.artifacts["report"].read_text(encoding="utf-8")
    assert "<h3>When the job notifies</h3>" in report
    assert all(f"<li>{html.escape(line)}</li>" in report for line in why)

    # Every record: the log, the run history's bytes, every file the run wrote.
    records = [r.getMessage() + (r.exc_text or "") for r in caplog.records if r.name != "werkzeug"]
    assert any("JSON POST URL" in line for line in records)
    for line in records:
        assert not any(s in line for s in SECRETS), line
    with RunStore(tmp_path / "data" / "runs.sqlite") as store:
        stored = json.dumps([r.settings for r in store.list_runs(10)])
    files = [p for p in (tmp_path / "data").rglob("*") if p.is_file()]
    files += [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert any(p.name == "runs.sqlite" for p in files) and any(p.suffix == ".html" for p in files)
    for blob in (stored.encode(), *(p.read_bytes() for p in files)):
        assert not any(s.encode() in blob for s in SECRETS)


@pytest.mark.parametrize(
    ("toml", "problem"),
    [
        (
            f'urls = "slack://{PATH_TOKEN}/B/C"',
            "notify.urls: must be an array of notification URLs, got a string (not shown: it "
            "may hold a secret)",
        ),
        (
            f'urls = ["slack://{PATH_TOKEN}/B/C", 5]',
            "notify.urls: [1] must be a notification URL (a string), got a number",
        ),
        (
            'urls = [" "]',
            "notify.urls: [0] must be a notification URL (a string), got an empty string",
        ),
    ],
)
def test_a_bad_notification_url_setting_never_repeats_the_url(
    tmp_path: Path, toml: str, problem: str
) -> None:
    from planner.errors import ConfigError
    from planner.ops.jobs import load_job_settings

    path = tmp_path / "job.toml"
    path.write_text(f"[notify]\n{toml}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_job_settings(path)
    assert str(exc.value) == f"{path}: {problem}"


def test_a_url_apprise_does_not_know_is_refused_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from planner.errors import ConfigError

    monkeypatch.setenv("PLANNER_NOTIFY_URLS", f"json://localhost/x nosuch://{PATH_TOKEN}/x")
    settings = JobSettings(mode="offline", start="2025-01-14", horizon_hours=48, scenarios=2)
    with pytest.raises(ConfigError) as exc:
        run_forecast_job(FLEET, tmp_path / "out", settings=settings, data_dir=tmp_path / "data")
    assert str(exc.value).startswith(
        "PLANNER_NOTIFY_URLS: [1]: not a notification URL apprise can send to, got nosuch://…"
    )
    assert PATH_TOKEN not in str(exc.value)
    assert not (tmp_path / "data" / "runs.sqlite").exists()  # refused before the run began
