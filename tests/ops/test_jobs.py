"""The forecast job: stages, artifacts, idempotency, lock, failures at every stage, webhook.

Every run here is offline (the seeded generator) on the packaged three-site Texas fleet over 48
hours with a handful of scenarios, so a run takes well under a second; the run history and the
lock live in ``tmp_path``.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer

import planner
from planner.engine import optimization
from planner.errors import ConfigError, FeedError, JobError, SolveError
from planner.ops import notify
from planner.ops.jobs import JobSettings, forecast, load_job_settings, run_forecast_job
from planner.ops.jobs import artifacts as art
from planner.ops.store import RunStatus, RunStore
from planner.surfaces.cli import EXIT_LOCKED
from planner.world.feeds import Freshness
from weather import http

ROOT = Path(__file__).resolve().parents[2]
FLEET = ROOT / "planner" / "domain" / "texas_fleet.toml"
SMALL = JobSettings(
    mode="offline",
    start="2025-01-14",
    horizon_hours=48,
    scenarios=3,
    eval_scenarios=4,
)
ARTIFACTS = {
    "plan_csv": "plan.csv",
    "plan_parquet": "plan.parquet",
    "relocations": "relocations.csv",
    "actions_csv": "actions.csv",
    "actions_ics": "actions.ics",
    "kpis_csv": "kpis.csv",
    "kpis_json": "kpis.json",
    "events": "events.csv",
    "report": "report.html",
    "notification": "notification.json",
}


@pytest.fixture(autouse=True)
def _no_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Webhook retries do not sleep; no developer webhook leaks in."""
    monkeypatch.setattr(http, "_sleep", lambda seconds: None)
    monkeypatch.delenv("PLANNER_WEBHOOK_URL", raising=False)


def run(tmp_path: Path, settings: JobSettings = SMALL, **kwargs: Any) -> forecast.JobOutcome:
    return run_forecast_job(
        FLEET, tmp_path / "out", settings=settings, data_dir=tmp_path / "data", workers=1, **kwargs
    )


def history(tmp_path: Path) -> list[planner.RunRecord]:
    with RunStore(tmp_path / "data" / "runs.sqlite") as store:
        return store.list_runs(100)


def digest(folder: Path) -> dict[str, str]:
    """File name -> SHA-256 of every file in a run folder."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


# ------------------------------------------------------------------------------ a good run


def test_a_run_writes_every_artifact_and_records_its_kpis(tmp_path: Path) -> None:
    stages: list[str] = []
    outcome = run(tmp_path, progress=lambda stage, done, total: stages.append(stage))
    assert [s for s in dict.fromkeys(stages)] == list(forecast.STAGES)
    record = outcome.run
    assert record.status is RunStatus.SUCCEEDED and not outcome.reused
    assert outcome.folder == tmp_path / "out" / record.id
    assert {k: p.name for k, p in record.artifacts.items()} == ARTIFACTS
    assert all(p.parent == outcome.folder and p.exists() for p in record.artifacts.values())
    # Nothing half-written is left around, and "latest" points at the run.
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(["latest", record.id])
    assert os.readlink(tmp_path / "out" / "latest") == record.id

    # The plan: CSV and Parquet hold the same expected schedule, hour by hour per tier.
    plan_csv = pd.read_csv(record.artifacts["plan_csv"])
    plan_parquet = pd.read_parquet(record.artifacts["plan_parquet"])
    assert list(plan_csv.columns) == [
        "time",
        "site_id",
        "model_id",
        "duration_h",
        "available_mw",
        "running_mw",
        "curtailed_mw",
        "run_fraction",
    ]
    assert outcome.plan is not None
    tiers = len(outcome.plan.tiers)  # installed (site, model) pairs and those a route could bring
    assert len(plan_csv) == len(plan_parquet) == 48 * tiers
    assert plan_csv["curtailed_mw"].sum() == pytest.approx(plan_parquet["curtailed_mw"].sum())
    # Running + curtailed = available, and the fraction is their ratio.
    assert (plan_csv["running_mw"] + plan_csv["curtailed_mw"]).to_numpy() == pytest.approx(
        plan_csv["available_mw"].to_numpy()
    )

    # The action schedule: what each site does and why, as CSV and iCalendar, linked from the
    # report; every curtailment it lists is the plan's expected curtailment at that site.
    actions = pd.read_csv(record.artifacts["actions_csv"])
    assert list(actions.columns) == list(planner.ACTION_COLUMNS)
    assert set(actions["action"]) <= set(planner.ACTION_KINDS) and len(actions) > 0
    curtail = actions[actions["action"] == "curtail"].iloc[0]
    hours = plan_csv[
        (plan_csv["site_id"] == curtail.site_id)
        & (pd.to_datetime(plan_csv["time"]) >= pd.Timestamp(curtail.start_utc))
        & (pd.to_datetime(plan_csv["time"]) < pd.Timestamp(curtail.end_utc))
    ]
    per_hour = hours.groupby("time")["curtailed_mw"].sum()
    assert (per_hour - curtail.mw).abs().max() <= 0.5  # levels rounded to 1 MW
    ics = record.artifacts["actions_ics"].read_text()
    assert ics.count("BEGIN:VEVENT") == len(actions) and ics.rstrip().endswith("END:VCALENDAR")
    html = record.artifacts["report"].read_text(encoding="utf-8")
    assert 'href="actions.csv"' in html and 'id="action-table"' in html
    assert 'id="joint-loss"' in html

    # KPIs: one fleet row per strategy, baseline first; the run's KPIs are the plan's figures.
    kpis = pd.read_csv(record.artifacts["kpis_csv"])
    fleet = kpis[kpis["site_id"] == "fleet"].set_index("policy")
    assert list(fleet.index) == list(SMALL.strategies)
    assert fleet.loc["run-through", "hashrate_kept_pct"] == pytest.approx(100.0)
    assert fleet.loc["run-through", "curtailed_mwh"] == 0.0
    mine = fleet.loc["optimized"]
    assert record.kpis["expected_profit_usd"] == pytest.approx(mine["expected_profit_usd"])
    assert record.kpis["profit_vs_baseline_usd"] == pytest.approx(
        mine["expected_profit_usd"] - fleet.loc["run-through", "expected_profit_usd"]
    )
    assert record.kpis["planned_curtailment_mwh"] == pytest.approx(
        outcome.plan.kpis.expected_curtailed_mwh if outcome.plan else -1
    )
    # Offline feeds are all stand-ins; the KPIs and the report say so.
    assert record.kpis["feeds_fallback"] == 5.0 and record.kpis["feeds_stale"] == 0.0
    summary = json.loads(record.artifacts["kpis_json"].read_text())
    # The recommended strategy is the best at full value, the summary's recommendation.
    best = fleet["expected_profit_incl_after_horizon_usd"].idxmax()
    assert summary["run_id"] == record.id and summary["recommended"] == best
    assert summary["summary"][0].startswith(f"Keep {best}" if best == "strike" else f"Run {best}:")
    assert summary["feeds"]["weather"]["status"] == "fallback"

    events = pd.read_csv(record.artifacts["events"])
    assert set(events["strategy"]) <= set(SMALL.strategies)
    html = record.artifacts["report"].read_text(encoding="utf-8")
    for anchor in ("kpis", "risk", "alerts", "feeds", "bands", "distribution", "heatmap"):
        assert f'<section id="{anchor}">' in html
    assert "https://" not in html and "http://" not in html
    assert json.loads(record.artifacts["notification"].read_text())["status"] == "nothing to send"


def test_the_plan_is_judged_on_scenarios_it_did_not_see(tmp_path: Path) -> None:
    seen: list[int] = []
    real = forecast.make_scenarios

    def spy(fleet: Any, feeds: Any, n: int, seed: int, **kwargs: Any) -> Any:
        seen.append(seed)
        return real(fleet, feeds, n, seed, **kwargs)

    pytest.MonkeyPatch.context()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(forecast, "make_scenarios", spy)
        outcome = run(tmp_path, SMALL.replace(seed=11))
    assert seen == [11, 12]  # the optimizer's set, then the judged set (eval_seed = seed + 1)
    assert outcome.evaluation is not None and outcome.evaluation.seed == 12


@pytest.mark.slow
def test_same_inputs_reuse_the_succeeded_run_and_force_runs_again(tmp_path: Path) -> None:
    first = run(tmp_path)
    again = run(tmp_path)
    assert again.reused and again.run.id == first.run.id
    assert again.notification == "not sent (reused run)"
    assert len(history(tmp_path)) == 1
    # Another seed is another run; force runs the same inputs again.
    other = run(tmp_path, SMALL.replace(seed=8))
    forced = run(tmp_path, force=True)
    assert not other.reused and not forced.reused
    assert len({first.run.id, other.run.id, forced.run.id}) == 3
    # A reused run whose files are gone is run again.
    forced.run.artifacts["report"].unlink()
    fresh = run(tmp_path)
    assert not fresh.reused
    assert [r.status for r in history(tmp_path)] == [RunStatus.SUCCEEDED] * 4


def test_equal_settings_however_they_are_built_are_the_same_run(tmp_path: Path) -> None:
    """A run is known by its settings' values, not by how the settings object was made: a job
    config file (a TOML date, a whole number where a number is expected), keywords, and a copy
    changed and changed back all give the same idempotency key, so the first run is reused."""
    first = run(tmp_path)
    config = tmp_path / "job.toml"
    config.write_text(
        '[job]\nmode = "offline"\nstart = 2025-01-14\nhorizon_hours = 48\n'
        "scenarios = 3\neval_scenarios = 4\n\n[optimize]\nrisk_lambda = 0\n",
        encoding="utf-8",
    )
    from_file = load_job_settings(config)
    round_trip = SMALL.replace(seed=8).replace(seed=7)
    for settings in (from_file, round_trip):
        assert settings == SMALL and hash(settings) == hash(SMALL)
        assert settings.to_json() == SMALL.to_json()
        again = run(tmp_path, settings)
        assert again.reused and again.run.id == first.run.id
    assert len(history(tmp_path)) == 1


def test_stale_feeds_show_in_the_kpis_and_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = forecast.fetch_feeds

    def stale(*args: Any, **kwargs: Any) -> planner.Feeds:
        feeds = real(*args, **kwargs)
        freshness = dict(feeds.freshness)
        freshness["open-meteo forecast"] = Freshness(
            "stale",
            "https://api.open-meteo.com/v1/forecast (cached)",
            pd.Timestamp("2025-01-13 20:00", tz="UTC"),
            10.0,
        )
        return replace(feeds, freshness=freshness)

    monkeypatch.setattr(forecast, "fetch_feeds", stale)
    outcome = run(tmp_path)
    assert outcome.run.kpis["feeds_stale"] == 1.0
    html = outcome.report_path.read_text(encoding="utf-8")
    assert "STALE" in html and "open-meteo forecast" in html and "10.0 h" in html
    stamps = outcome.run.freshness["open-meteo forecast"]
    assert stamps == {
        "status": "stale",
        "source": "https://api.open-meteo.com/v1/forecast (cached)",
        "fetched_at": "2025-01-13T20:00:00+00:00",
    }


def test_without_pyarrow_the_plan_is_csv_and_the_run_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(art, "parquet_available", lambda: False)
    outcome = run(tmp_path)
    assert "plan_parquet" not in outcome.run.artifacts and "plan_csv" in outcome.run.artifacts
    notes = json.loads(outcome.run.artifacts["kpis_json"].read_text())["notes"]
    assert any("plan.parquet not written: pyarrow is not installed" in n for n in notes)


def test_without_a_plan_strategy_the_optimizer_does_not_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("optimize called")

    monkeypatch.setattr(optimization, "optimize", refuse)
    outcome = run(tmp_path, SMALL.replace(strategies=("run-through", "strike")))
    assert outcome.plan is None and "plan_csv" not in outcome.run.artifacts
    # No plan: the planned curtailment is the recommended (best) strategy's.
    fleet = outcome.table.set_index("policy")
    best = fleet["expected_profit_incl_after_horizon_usd"].idxmax()
    assert outcome.run.kpis["planned_curtailment_mwh"] == pytest.approx(
        fleet.loc[best, "curtailed_mwh"]
    )


# ----------------------------------------------------------------------- failures, stage by stage


def _raise(error: BaseException) -> Callable[..., Any]:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise error

    return boom


def _half_written_report(path: Path, inputs: Any) -> Path:
    Path(path).write_text("<!DOCTYPE html><html><body><h1>half", encoding="utf-8")
    raise OSError(28, "No space left on device")


INJECTIONS: dict[str, tuple[str, Any, Callable[..., Any], type[BaseException], str]] = {
    # stage: (object, attribute, replacement, error raised by the job, words in the reason)
    "feeds": (
        "forecast",
        "fetch_feeds",
        _raise(FeedError("open-meteo forecast", "timed out and no cached answer")),
        JobError,
        "open-meteo forecast: timed out",
    ),
    "scenarios": (
        "forecast",
        "make_scenarios",
        _raise(ConfigError("scenarios", "n: must be >= 1")),
        JobError,
        "scenarios: n: must be >= 1",
    ),
    "optimize": (
        "optimization",
        "optimize",
        _raise(SolveError("optimizer: infeasible: hashrate_floor (short by 3 EH/s)")),
        JobError,
        "infeasible",
    ),
    "evaluate": (
        "forecast",
        "compare_strategies",
        _raise(RuntimeError("worker died")),
        RuntimeError,
        "RuntimeError: worker died",
    ),
    "report": (
        "report",
        "write_report",
        _half_written_report,
        JobError,
        "No space left on device",
    ),
    "notify": (
        "forecast",
        "deliver",
        _raise(RuntimeError("bug in the payload")),
        RuntimeError,
        "RuntimeError: bug in the payload",
    ),
    "store": (
        "RunStore",
        "finish_run",
        _raise(JobError("run history runs.sqlite: disk I/O error")),
        JobError,
        "disk I/O error",
    ),
}


@pytest.mark.slow
def test_a_failure_at_any_stage_is_recorded_and_leaves_earlier_runs_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    earlier = run(tmp_path)
    before = digest(earlier.folder)
    targets = {
        "forecast": forecast,
        "optimization": optimization,
        "report": __import__("planner.ops.report", fromlist=["write_report"]),
        "RunStore": RunStore,
    }
    settings = SMALL.replace(
        thresholds=notify.Thresholds(planned_curtailment_mwh_max=0.0),
        webhook_url="http://127.0.0.1:9/hook",  # only reached by the notify stage
    )
    assert list(INJECTIONS) == list(forecast.STAGES)
    for k, (stage, (target, attribute, replacement, error, words)) in enumerate(INJECTIONS.items()):
        with monkeypatch.context() as patched:
            patched.setattr(targets[target], attribute, replacement)
            with pytest.raises(error) as caught:
                run(tmp_path, settings, force=True)
        if error is JobError:
            message = str(caught.value)
            assert f"failed at stage {stage}" in message and "\n" not in message, stage

        runs = history(tmp_path)
        assert [r.status for r in runs] == [RunStatus.FAILED] * (k + 1) + [RunStatus.SUCCEEDED]
        failed = runs[0]
        assert failed.error is not None and failed.error.startswith(f"stage {stage}: "), stage
        assert words in failed.error, (stage, failed.error)
        assert failed.artifacts == {} and failed.kpis == {}, stage  # nothing registered
        # No folder, temporary folder or stray file of the failed run; the earlier run untouched.
        names = sorted(p.name for p in (tmp_path / "out").iterdir())
        assert names == sorted(["latest", earlier.run.id]), (stage, names)
        assert digest(earlier.folder) == before, stage
        assert os.readlink(tmp_path / "out" / "latest") == earlier.run.id
        with RunStore(tmp_path / "data" / "runs.sqlite") as store:
            assert store.get_run(earlier.run.id) == earlier.run
    # The next run is not fooled by the failed ones: it runs and succeeds.
    assert not run(tmp_path, SMALL.replace(seed=9)).reused


def test_a_feed_with_no_cached_answer_fails_the_run_naming_the_feed(tmp_path: Path) -> None:
    settings = SMALL.replace(
        mode="cache", sources=planner.FeedSources(cache_dir=tmp_path / "empty-cache")
    )
    now = pd.Timestamp("2025-01-14 06:00", tz="UTC").to_pydatetime()
    with pytest.raises(JobError) as caught:
        run(tmp_path, settings, now=now)
    assert "failed at stage feeds: open-meteo forecast: cache mode does not ask" in str(
        caught.value
    )
    (failed,) = history(tmp_path)
    assert failed.status is RunStatus.FAILED and failed.freshness == {}
    assert failed.error is not None and "no cached answer" in failed.error


def test_an_interrupted_run_is_marked_failed_by_the_next_one(tmp_path: Path) -> None:
    with RunStore(tmp_path / "data" / "runs.sqlite") as store:
        dead = store.start_run("abc", {}, {})
    run(tmp_path)
    status = {r.id: (r.status, r.error) for r in history(tmp_path)}
    assert status[dead][0] is RunStatus.FAILED and "interrupted" in (status[dead][1] or "")


# ------------------------------------------------------------------------------ webhook


def _alerting(url: str) -> JobSettings:
    # The plan curtails some energy in this window, so a 0 MWh limit is crossed for sure.
    return SMALL.replace(
        thresholds=notify.Thresholds(planned_curtailment_mwh_max=0.0), webhook_url=url
    )


def test_crossed_thresholds_post_the_webhook_and_mark_the_run(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_oneshot_request("/hook", method="POST").respond_with_data("ok")
    outcome = run(tmp_path, _alerting(httpserver.url_for("/hook") + "?token=s3cret"))
    httpserver.check_assertions()
    body = json.loads(httpserver.log[0][0].get_data())
    assert body["run_id"] == outcome.run.id
    assert [a["kind"] for a in body["alerts"]] == ["planned_curtailment"]
    assert body["kpis"]["planned_curtailment_mwh"] == pytest.approx(
        outcome.run.kpis["planned_curtailment_mwh"]
    )
    assert body["artifacts"]["report"] == str(outcome.report_path)
    assert outcome.notification == "sent" and outcome.run.notified_at is not None
    assert outcome.run.kpis["notification_failed"] == 0.0
    note = json.loads(outcome.run.artifacts["notification"].read_text())
    assert note["status"] == "sent" and note["url"] == f"http://localhost:{httpserver.port}/…"
    # The secret never reaches the run history.
    assert "s3cret" not in json.dumps(outcome.run.settings)


def test_a_webhook_server_that_is_down_does_not_fail_the_run(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    outcome = run(tmp_path, _alerting(f"http://127.0.0.1:{port}/hook"))
    assert outcome.run.status is RunStatus.SUCCEEDED
    assert outcome.notification.startswith("failed: webhook: could not connect: ")
    assert outcome.notification.endswith(f" for POST http://127.0.0.1:{port}/… (3 attempts)")
    assert outcome.run.kpis["notification_failed"] == 1.0 and outcome.run.notified_at is None
    note = json.loads(outcome.run.artifacts["notification"].read_text())
    assert (
        note["status"].startswith("failed") and note["alerts"][0]["kind"] == "planned_curtailment"
    )


def test_thresholds_crossed_without_a_webhook_are_reported_not_sent(tmp_path: Path) -> None:
    outcome = run(tmp_path, _alerting("https://hooks.invalid/x").replace(webhook_url=None))
    assert outcome.notification == "not configured"
    assert outcome.run.kpis["risk_alerts"] == 1.0
    html = outcome.report_path.read_text(encoding="utf-8")
    assert 'id="risk-alerts"' in html and "planned curtailment" in html


# ------------------------------------------------------------------------------ lock, store, output


RACER = """
import sys, time
from pathlib import Path
from planner.surfaces.cli import main
go = Path(sys.argv[1])
print("ready", flush=True)
while not go.exists():
    time.sleep(0.002)
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.slow
def test_two_runs_started_together_one_runs_the_other_exits_3(tmp_path: Path) -> None:
    go = tmp_path / "go"
    args = [
        "forecast",
        str(FLEET),
        "--out",
        str(tmp_path / "out"),
        "--data-dir",
        str(tmp_path / "data"),
        "--mode",
        "offline",
        "--start",
        "2025-01-14",
        "--hours",
        "48",
        "--scenarios",
        "3",
        "--eval-scenarios",
        "6",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(go), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        for _ in range(2)
    ]
    for p in procs:  # both have imported the planner and wait at the barrier
        assert p.stdout is not None and p.stdout.readline() == "ready\n"
    go.touch()
    results = [(p.wait(120), *p.communicate()) for p in procs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, EXIT_LOCKED], results
    loser = next(r for r in results if r[0] == EXIT_LOCKED)
    assert loser[1] == ""  # nothing on stdout
    lines = [line for line in loser[2].splitlines() if not line.startswith("[")]
    assert len(lines) == 1 and lines[0].startswith("locked: another run holds the job lock")
    assert "this run exits without doing anything" in lines[0]
    # History: exactly the winner's run, succeeded, with its files.
    runs = history(tmp_path)
    assert [r.status for r in runs] == [RunStatus.SUCCEEDED]
    assert not runs[0].missing_artifacts()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(["latest", runs[0].id])


def test_a_corrupted_history_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "runs.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(JobError) as caught:
        run(tmp_path)
    message = str(caught.value)
    assert "runs.sqlite" in message and "\n" not in message
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_an_unwritable_output_folder_is_one_clear_error_and_no_run(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="cannot create output folder"):
        run_forecast_job(FLEET, blocker / "out", settings=SMALL, data_dir=tmp_path / "data")
    assert not (tmp_path / "data" / "runs.sqlite").exists()


# ------------------------------------------------------------------------------ config


def test_job_config_file_sets_every_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANNER_WEBHOOK_URL", "https://hooks.example.com/T0?token=abc")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "prices.csv").write_text("x")
    config = tmp_path / "job.toml"
    config.write_text(
        """
[job]
mode = "cache"
horizon_hours = 72
scenarios = 5
eval_scenarios = 9
seed = 3
strategies = ["run-through", "optimized"]
hashrate_floor_eh_s = 12.5

[optimize]
risk_lambda = 0.5

[scenarios]
storm_severity = 2.0

[feeds]
prices_path = "data/prices.csv"
max_stale_hours = 6

[notify.thresholds]
hashrate_at_risk_max = 0.2
planned_curtailment_mwh_max = 500
""",
        encoding="utf-8",
    )
    s = load_job_settings(config, seed=4)
    assert (s.mode, s.horizon_hours, s.scenarios, s.eval_scenarios) == ("cache", 72, 5, 9)
    assert s.seed == 4 and s.judged_seed == 5  # the override wins; judged seed follows
    assert s.strategies == ("run-through", "optimized") and s.hashrate_floor_eh_s == 12.5
    assert s.optimize.risk_lambda == 0.5 and s.scenario_settings.storm_severity == 2.0
    assert s.sources is not None and s.sources.prices_path == (tmp_path / "data" / "prices.csv")
    assert s.sources.max_stale_hours == 6
    assert s.thresholds.hashrate_at_risk_max == 0.2
    assert s.resolved_webhook() == "https://hooks.example.com/T0?token=abc"
    assert "token" not in json.dumps(s.to_json())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[jobs]\nmode = 'live'\n",
            "jobs: unknown key; did you mean 'job'? "
            "allowed: feeds, job, notify, optimize, scenarios",
        ),
        ("[job]\nhorizon = 48\n", "job.horizon: unknown key; did you mean 'horizon_hours'?"),
        ("[job]\nhorizon_hours = 1000\n", "job.horizon_hours: must be a whole number in [24, 336]"),
        ("[job]\nmode = 'online'\n", "job.mode: must be one of live, cache, offline"),
        ("[optimize]\nrisk_lambda = -1\n", "optimize.risk_lambda: must be in [0, 1000]"),
        ("[notify]\nurl = 'x'\n", "notify.url: unknown key; did you mean 'urls'? allowed: thresholds, urls, webhook_url"),
        (
            "[notify.thresholds]\nhashrate_at_risk_max = 2\n",
            "notify.thresholds.hashrate_at_risk_max: must be in [0, 1], got 2",
        ),
        (
            "[optimize]\nrisk_lambda = 0.5\nrisk_lamda = 1\n",
            "optimize.risk_lamda: unknown key; did you mean 'risk_lambda'?",
        ),
        ("[optimize]\nhorizon = 'weekly'\n", "optimize.horizon: must be one of operational"),
        ("optimize = 5\n", "optimize: must be a table, got 5"),
        (
            "[feeds]\nprices_paht = 'p.csv'\n",
            "feeds.prices_paht: unknown key; did you mean 'prices_path'?",
        ),
        ("[job\n", "not valid TOML"),
    ],
)
def test_job_config_errors_name_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "job.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_job_settings(config)
    assert str(caught.value).startswith(str(config)) and message in str(caught.value)
