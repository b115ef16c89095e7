"""The forecast job under faults: feeds with holes, a failing NWS, damaged reused runs, runs
killed mid-way (real subprocesses, real SIGKILL), and pruning after them.

Each test checks that what was there before (earlier runs' files, ``latest``, the HTTP cache and
the run history) is intact afterwards. HTTP goes to a real local server replaying Open-Meteo and
NWS payloads from tests/data; the history is a real SQLite file in tmp_path.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

import planner
from planner.domain.examples import two_sites
from planner.ops.jobs import JobSettings, run_forecast_job
from planner.ops.jobs.prune import stale_temp_paths
from planner.ops.locking import job_lock
from planner.ops.store import RunStatus, RunStore
from planner.surfaces import app
from planner.surfaces.cli import main
from weather import http
from weather.sqlite_cache import corruption

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
TEXAS = ROOT / "planner" / "domain" / "texas_fleet.toml"
SMALL = JobSettings(
    mode="offline", start="2025-01-14", horizon_hours=48, scenarios=3, eval_scenarios=4
)
OFFLINE = ("--mode", "offline", "--start", "2025-01-14")
#: The fixtures' day; live runs here pretend "now" is its morning.
FIXTURE_NOW = datetime(2024, 1, 15, 6, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PLANNER_WEBHOOK_URL", "OPEN_METEO_API_KEY", "PLANNER_CACHE_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(http, "_sleep", lambda seconds: None)


def run(tmp_path: Path, settings: JobSettings = SMALL, **kwargs: Any) -> planner.JobOutcome:
    fleet = kwargs.pop("fleet", TEXAS)
    return run_forecast_job(
        fleet, tmp_path / "out", settings=settings, data_dir=tmp_path / "data", workers=1, **kwargs
    )


def history(tmp_path: Path) -> list[planner.RunRecord]:
    with RunStore(tmp_path / "data" / "runs.sqlite") as store:
        return store.list_runs(100)


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def forecast_with_nulls(hours: list[int]) -> str:
    """The two-site forecast fixture with temperature_2m null at site tx for ``hours``."""
    payload = json.loads((DATA / "feeds_openmeteo_forecast_two_sites_2024-01-15.json").read_text())
    for h in hours:
        payload[0]["hourly"]["temperature_2m"][h] = None
    return json.dumps(payload)


def live_settings(server: HTTPServer, cache: Path) -> JobSettings:
    return SMALL.replace(
        mode="live",
        start="2024-01-15",
        sources=planner.FeedSources(
            forecast_url=server.url_for("/v1/forecast"),
            nws_url=server.url_for("/").rstrip("/"),
            ensemble_models=(),
            cache_dir=cache,
            retries=0,
        ),
    )


# ------------------------------------------------------------------------ holes in the feeds


def test_filled_hours_and_a_failed_nws_reach_kpis_report_and_app(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    earlier = run(tmp_path)
    before = digest(earlier.folder)
    httpserver.expect_request("/v1/forecast").respond_with_data(
        forecast_with_nulls([20, 21, 22]), content_type="application/json"
    )
    httpserver.expect_request("/alerts/active").respond_with_json(
        {"title": "Service Unavailable", "detail": "upstream trouble"}, status=503
    )
    cache = tmp_path / "cache"

    outcome = run(tmp_path, live_settings(httpserver, cache), fleet=two_sites(), now=FIXTURE_NOW)

    assert outcome.run.status is RunStatus.SUCCEEDED  # alerts are context: the job ran on
    # KPIs: three hours filled at tx (no price or load file, so nothing else was filled)
    assert outcome.run.kpis["feeds_filled_h"] == 3.0
    assert outcome.run.kpis["feeds_missing"] == 3.0  # two NWS sites and the unconfigured ensemble
    saved = json.loads(outcome.run.artifacts["kpis_json"].read_text())
    assert saved["kpis"]["feeds_filled_h"] == 3.0
    forecast = saved["feeds"]["open-meteo forecast"]
    assert forecast["status"] == "fresh" and forecast["filled_hours"] == {"tx": 3, "hydro": 0}
    url = httpserver.url_for("/alerts/active")
    reason = (
        f"HTTP 503 SERVICE UNAVAILABLE for GET {url}?point=31.85%2C-102.37 (1 attempt): "
        f"upstream trouble; no cached answer for site tx in {cache}"
    )
    assert saved["feeds"]["nws alerts tx"] == {
        "status": "missing",
        "source": "none",
        "fetched_at": None,
        "age_hours": None,
        "filled_hours": {},
        "detail": reason,
    }
    filled_note = (
        "FILLED open-meteo forecast: 3 of 48 h at site tx had no temperature and are "
        "interpolated (limits: 6 h in a row, 10% of the hours)."
    )
    assert filled_note in saved["notes"]
    # The report: the feed table and the alerts section say so.
    html = outcome.report_path.read_text(encoding="utf-8")
    assert "tx 3 h, hydro 0 h" in html and "3 hour(s) filled in all" in html
    assert "Weather alerts unavailable for tx, hydro" in html
    assert reason.replace("&", "&amp;") in html
    # The app's freshness table.
    assert outcome.feeds is not None
    table = app.freshness_table(outcome.feeds).set_index("feed")
    assert table.loc["open-meteo forecast", "filled_hours"] == "tx 3 h, hydro 0 h"
    assert table.loc["nws alerts tx", "note"] == reason
    # Earlier run, latest link and cache intact.
    assert digest(earlier.folder) == before
    assert os.readlink(tmp_path / "out" / "latest") == outcome.run.id
    assert corruption(cache / "http_cache.sqlite") is None
    assert [r.id for r in history(tmp_path)] == [outcome.run.id, earlier.run.id]


def test_a_forecast_with_47_of_48_hours_missing_fails_the_run_naming_feed_site_and_hours(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    earlier = run(tmp_path)
    httpserver.expect_request("/v1/forecast").respond_with_data(
        forecast_with_nulls(list(range(1, 48))), content_type="application/json"
    )
    httpserver.expect_request("/alerts/active").respond_with_data(
        (DATA / "nws_alerts_empty.json").read_text(), content_type="application/geo+json"
    )
    cache = tmp_path / "cache"
    with pytest.raises(planner.JobError) as caught:
        run(tmp_path, live_settings(httpserver, cache), fleet=two_sites(), now=FIXTURE_NOW)
    failed, kept = history(tmp_path)
    assert str(caught.value) == (
        f"run {failed.id} failed at stage feeds: open-meteo forecast: the answer lacks 47 of 48 h "
        "at site tx (47 h in a row); at most 6 h in a row and 10% of the hours may be filled; "
        f"no cached answer for sites tx, hydro in {cache}"
    )
    assert failed.status is RunStatus.FAILED and failed.stage == "feeds"
    assert kept == earlier.run
    assert os.readlink(tmp_path / "out" / "latest") == earlier.run.id


# ------------------------------------------------------------------------ reusing a damaged run


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda p: p.write_bytes(b""), "kpis.csv is empty"),
        (lambda p: p.write_text('policy,site_id\n"open quote,x\n'), "kpis.csv does not parse"),
        (lambda p: p.unlink(), "kpis.csv is missing"),
    ],
)
def test_a_reused_run_with_a_damaged_kpis_csv_is_run_again_saying_why(
    tmp_path: Path, damage: Any, problem: str, caplog: pytest.LogCaptureFixture
) -> None:
    first = run(tmp_path)
    kpis_csv = first.run.artifacts["kpis_csv"]
    others = {k: p.read_bytes() for k, p in first.run.artifacts.items() if k != "kpis_csv"}
    damage(kpis_csv)

    with caplog.at_level("WARNING", logger="planner.ops.jobs.forecast"):
        again = run(tmp_path)

    assert not again.reused and again.run.id != first.run.id
    note = next(n for n in again.notes if n.startswith(f"Not reusing run {first.run.id}"))
    assert problem in note and note.endswith("; running again.")
    assert note in caplog.text
    assert note in json.loads(again.run.artifacts["kpis_json"].read_text())["notes"]
    assert pd.read_csv(again.run.artifacts["kpis_csv"]).equals(
        pd.read_csv(again.folder / "kpis.csv")
    )
    # The earlier run's other files and its history row are untouched.
    assert {k: first.run.artifacts[k].read_bytes() for k in others} == others
    assert [r.id for r in history(tmp_path)] == [again.run.id, first.run.id]
    # And the new run is reused next time, without a note.
    third = run(tmp_path)
    assert third.reused and third.run.id == again.run.id


def test_a_reused_run_with_a_cut_report_is_run_again(tmp_path: Path) -> None:
    first = run(tmp_path)
    report = first.run.artifacts["report"]
    report.write_bytes(report.read_bytes()[:2000])
    again = run(tmp_path)
    assert not again.reused
    assert any("report.html is cut short (no closing </html>)" in n for n in again.notes)


def test_the_row_is_written_before_the_feeds_are_fetched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, RunStatus, str | None, dict[str, Any]]] = []
    real = planner.ops.jobs.forecast.fetch_feeds

    def watching(*args: Any, **kwargs: Any) -> planner.Feeds:
        row = history(tmp_path)[0]  # the newest row, while the feeds are being fetched
        seen.append((row.id, row.status, row.stage, dict(row.freshness)))
        return real(*args, **kwargs)

    monkeypatch.setattr(planner.ops.jobs.forecast, "fetch_feeds", watching)
    outcome = run(tmp_path)
    assert seen == [(outcome.run.id, RunStatus.RUNNING, "feeds", {})]
    assert outcome.run.stage == "store" and outcome.run.freshness  # inputs recorded after feeds
    again = run(tmp_path)  # reused: the row it wrote before its feeds is dropped again
    assert again.reused and seen[1][0] != outcome.run.id and seen[1][1:3] == seen[0][1:3]
    assert [r.id for r in history(tmp_path)] == [outcome.run.id]


# ------------------------------------------------------------------------ killed runs


HEARTBEAT_S = 0.2
#: Runs the CLI in a subprocess with a fast heartbeat; with ``die-in-report`` the report writer
#: writes half a page and the process kills itself with SIGKILL.
WRAPPER = f"""
import os, signal, sys
import planner.ops.jobs.heartbeat as heartbeat
heartbeat.HEARTBEAT_S = {HEARTBEAT_S}
if sys.argv[1] == "die-in-report":
    import planner.ops.report
    def dying(path, inputs):
        open(path, "w").write("<!DOCTYPE html><html><body><h1>half")
        os.kill(os.getpid(), signal.SIGKILL)
    planner.ops.report.write_report = dying
from planner.surfaces.cli import main
sys.exit(main(sys.argv[2:]))
"""


def planner_process(
    how: str, *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    if "PLANNER_WEBHOOK_URL" not in (env or {}):
        env.pop("PLANNER_WEBHOOK_URL", None)
    return subprocess.Popen(
        [sys.executable, "-c", WRAPPER, how, *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def forecast_args(tmp_path: Path, *extra: str) -> list[str]:
    return [
        "forecast",
        str(TEXAS),
        "--out",
        str(tmp_path / "out"),
        "--data-dir",
        str(tmp_path / "data"),
        "--hours",
        "48",
        "--scenarios",
        "3",
        "--eval-scenarios",
        "4",
        *extra,
    ]


@pytest.mark.slow
def test_a_run_killed_while_fetching_feeds_is_failed_later_with_its_stage_and_duration(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    earlier = run(tmp_path)
    before = digest(earlier.folder)
    asked, release = threading.Event(), threading.Event()

    def stall(request: Request) -> Response:
        asked.set()
        release.wait(30.0)
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/v1/forecast").respond_with_handler(stall)
    config = tmp_path / "job.toml"
    config.write_text(
        "[feeds]\n"
        f'forecast_url = "{httpserver.url_for("/v1/forecast")}"\n'
        f'cache_dir = "{tmp_path / "cache"}"\n'
        "ensemble_models = []\n"
        "retries = 0\n",
        encoding="utf-8",
    )
    started = time.monotonic()
    proc = planner_process(
        "plain", *forecast_args(tmp_path, "--mode", "live", "--config", str(config)), cwd=tmp_path
    )
    try:
        assert asked.wait(60.0), "the job never asked for the forecast"
        time.sleep(1.5)
        running = history(tmp_path)[0]
        assert (running.status, running.stage) == (RunStatus.RUNNING, "feeds")
        proc.send_signal(signal.SIGKILL)
        proc.wait(10.0)
        lived = time.monotonic() - started
    finally:
        release.set()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL

    after = run(tmp_path, SMALL.replace(seed=8))  # the next run marks the dead one

    dead = next(r for r in history(tmp_path) if r.id == running.id)
    assert dead.status is RunStatus.FAILED and dead.stage == "feeds"
    assert dead.error is not None
    assert dead.error.startswith(
        "interrupted at stage feeds: the process ended before the run finished (last seen "
    )
    # It ran at least the 1.5 s it stalled (heartbeats every 0.2 s), at most its whole life.
    assert dead.duration_s is not None and 1.2 <= dead.duration_s <= lived
    assert dead.artifacts == {} and not list((tmp_path / "out").glob(".*.tmp"))
    assert digest(earlier.folder) == before
    assert os.readlink(tmp_path / "out" / "latest") == after.run.id
    assert corruption(tmp_path / "cache" / "http_cache.sqlite") is None


@pytest.mark.slow
def test_prune_removes_the_temp_folder_of_a_run_killed_in_the_report_stage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    earlier = run(tmp_path)
    before = digest(earlier.folder)
    proc = planner_process(
        "die-in-report", *forecast_args(tmp_path, *OFFLINE, "--seed", "8"), cwd=tmp_path
    )
    proc.communicate(timeout=300)
    assert proc.returncode == -signal.SIGKILL
    dead = history(tmp_path)[0]
    assert (dead.status, dead.stage) == (RunStatus.RUNNING, "report")
    temp = tmp_path / "out" / f".{dead.id}.tmp"
    assert (temp / "report.html").read_text().endswith("<h1>half")  # left behind by the kill

    data = ["--data-dir", str(tmp_path / "data"), "--out", str(tmp_path / "out")]
    assert main(["runs", "prune", "--keep-last", "5", *data, "--json"]) == 0
    pruned = json.loads(capsys.readouterr().out)

    assert pruned == {"pruned": [], "deleted": [str(temp)], "spared_latest": []}
    assert not temp.exists()
    rows = {r.id: r for r in history(tmp_path)}
    assert rows[dead.id].status is RunStatus.FAILED
    assert (rows[dead.id].error or "").startswith("interrupted at stage report:")
    assert rows[earlier.run.id] == earlier.run
    assert digest(earlier.folder) == before
    assert os.readlink(tmp_path / "out" / "latest") == earlier.run.id


def test_a_live_jobs_temp_folder_is_spared_and_older_dead_ones_are_not(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    db = tmp_path / "data" / "runs.sqlite"
    past = datetime.now(UTC) - timedelta(hours=1)
    with RunStore(db, clock=lambda: past) as store:
        dead = store.start_run("f", {}, {}, stage="report")  # left running by a killed job
    finished = run(tmp_path)  # marks the dead one failed as it starts
    (out / f".{dead}.tmp").mkdir()
    with job_lock(tmp_path / "data" / "forecast.lock") as lock, RunStore(db) as store:
        live = store.start_run("f", {}, {}, stage="evaluate")  # the holder's own run
        (out / f".{live}.tmp").mkdir()
        (out / ".20250101T000000Z-0badc0de.tmp").mkdir()  # not a run of this history
        stale = stale_temp_paths([out], store, lock.holder.started_at)
        assert stale == [out / f".{dead}.tmp"]
        assert (
            main(
                [
                    "runs",
                    "prune",
                    "--keep-last",
                    "9",
                    "--data-dir",
                    str(db.parent),
                    "--out",
                    str(out),
                ]
            )
            == 0
        )
        assert (out / f".{live}.tmp").is_dir()
        assert (out / ".20250101T000000Z-0badc0de.tmp").is_dir()
        assert not (out / f".{dead}.tmp").exists()
        assert store.get_run(live).status is RunStatus.RUNNING  # not marked: its job holds the lock
    assert (out / finished.run.id).is_dir()


# ------------------------------------------------------------------------ prune and latest


def test_prune_spares_the_latest_run_unless_confirmed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = run(tmp_path)
    failing = SMALL.replace(
        mode="cache", sources=planner.FeedSources(cache_dir=tmp_path / "empty-cache")
    )
    now = datetime(2025, 1, 14, 6, 0, tzinfo=UTC)
    for _ in range(2):
        with pytest.raises(planner.JobError):
            run(tmp_path, failing, now=now)
    failed = [r.id for r in history(tmp_path)[:2]]
    data = ["--data-dir", str(tmp_path / "data"), "--out", str(tmp_path / "out")]

    assert main(["runs", "prune", "--keep-last", "1", *data]) == 0
    assert capsys.readouterr().out == (
        "pruned 1 run(s), deleted 0 file(s)\n"
        f"kept run {good.run.id}: 'latest' points to it (add --yes to prune it too)\n"
    )
    assert [r.id for r in history(tmp_path)] == [failed[0], good.run.id]
    assert os.readlink(tmp_path / "out" / "latest") == good.run.id
    assert all(p.exists() for p in good.run.artifacts.values())

    assert main(["runs", "prune", "--keep-last", "1", *data, "--yes"]) == 0
    assert capsys.readouterr().out == (
        f"pruned 1 run(s), deleted {len(good.run.artifacts)} file(s)\n"
    )
    assert [r.id for r in history(tmp_path)] == [failed[0]]
    assert not good.folder.exists() and not (tmp_path / "out" / "latest").is_symlink()


@pytest.mark.slow
def test_keep_last_0_without_yes_exits_2_in_a_real_subprocess(tmp_path: Path) -> None:
    good = run(tmp_path)
    before = digest(good.folder)
    proc = planner_process(
        "plain",
        "runs",
        "prune",
        "--keep-last",
        "0",
        "--data-dir",
        str(tmp_path / "data"),
        "--out",
        str(tmp_path / "out"),
        cwd=tmp_path,
    )
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2 and out == ""
    assert err == (
        f"refusing --keep-last 0 without --yes: it would delete all 1 finished run(s) and "
        f"{len(good.run.artifacts)} file(s), including run {good.run.id} that 'latest' points "
        "to; add --yes to confirm\n"
    )
    assert digest(good.folder) == before and history(tmp_path) == [good.run]


# ------------------------------------------------------------------------ webhook secrets


@pytest.mark.slow
def test_a_slack_style_webhook_secret_never_reaches_output_logs_or_files(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    secret = "XXXXsecretXXXX"
    path = f"/services/T0123/B0456/{secret}"
    httpserver.expect_request(path, method="POST").respond_with_data(
        f"invalid_token for {path}", status=403
    )
    url = httpserver.url_for(path)
    args = forecast_args(tmp_path, *OFFLINE, "--max-planned-curtailment", "0")
    proc = planner_process(
        "plain", "--verbose", *args, cwd=tmp_path, env={"PLANNER_WEBHOOK_URL": url}
    )
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert len(httpserver.log) == 1  # it was posted, and refused
    shown = f"http://localhost:{httpserver.port}/…"
    assert (
        f"notification: failed: webhook: HTTP 403 FORBIDDEN for POST {shown}: invalid_token for …"
    ) in out
    assert "DEBUG" in err  # --verbose logged, without the secret
    (record,) = history(tmp_path)
    note = json.loads(record.artifacts["notification"].read_text())
    assert note["url"] == shown
    for text in (
        out,
        err,
        *(p.read_text() for p in record.artifacts.values() if p.suffix != ".parquet"),
    ):
        assert secret not in text and "B0456" not in text
    for stored in (tmp_path / "data").iterdir():  # the history, its WAL, the lock
        assert secret.encode() not in stored.read_bytes(), stored
