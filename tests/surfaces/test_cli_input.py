"""Bad input on the command line: one line on stderr, never a traceback, nothing earlier touched.

A bad option value names the option and what it allows, exit 2 (``error: --start: ...``); a bad
fleet or job config file names the file and the key, and an output folder that cannot take the
results names the folder, exit 1, before any work starts. The rules themselves are in
tests/planner/test_inputs.py; here they go through ``planner.surfaces.cli.main(argv)`` and a real
subprocess, on real files.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import NoReturn

import pytest

import planner
from planner.surfaces.cli import main

ROOT = Path(__file__).resolve().parents[2]
TEXAS = ROOT / "planner" / "domain" / "texas_fleet.toml"
DATA = ROOT / "tests" / "data"
ISO_RULE = "must be an ISO 8601 date or hour (YYYY-MM-DD or YYYY-MM-DDTHH[:MM[:SS]][Z|+HH:MM])"
SEED_RULE = "must be a whole number in [0, 4294967295]"
SMALL_DEMO = ["--hours", "24", "--scenarios", "2", "--plan-scenarios", "2"]
SMALL_JOB = ["--mode", "offline", "--start", "2025-01-14", "--hours", "48"]
SMALL_JOB += ["--scenarios", "3", "--eval-scenarios", "4"]
REPLAY_FILES = [
    "--start",
    "2021-02-14",
    "--end",
    "2021-02-16",
    "--prices",
    str(DATA / "replay_hubs_hourly.csv"),
    "--btc",
    str(DATA / "replay_btc_daily.csv"),
    "--weather-daily",
    str(DATA / "replay_power_daily.csv"),
    "-s",
    "run-through,strike",
    "--scenarios",
    "2",
]


def latest_start() -> str:
    """One year after today, worked with the calendar (29 February falls back to the 28th)."""
    today = datetime.now(UTC).date()
    try:
        return today.replace(year=today.year + 1).isoformat()
    except ValueError:
        return date(today.year + 1, 2, 28).isoformat()


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a default --out would land here, never in the project
    monkeypatch.setenv("PLANNER_DATA_DIR", str(tmp_path / "default-data"))
    monkeypatch.delenv("PLANNER_WEBHOOK_URL", raising=False)


@pytest.fixture(scope="module")
def earlier_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a finished demo's kpis.csv, report.html and action schedule."""
    out = tmp_path_factory.mktemp("earlier") / "demo"
    assert main(["demo", "--out", str(out), *SMALL_DEMO]) == 0
    assert sorted(files_of(out)) == ["actions.csv", "actions.ics", "kpis.csv", "report.html"]
    return out


# ------------------------------------------------------------------ bad option values: exit 2


def bad_options() -> list[tuple[list[str], str]]:
    hours_336 = "error: --hours: must be a whole number in [24, 336], got 400"
    forecast = ["forecast", str(TEXAS), "--mode", "offline"]  # never the network, even if broken
    return [
        (
            ["simulate", "--start", "2025-13-45"],
            "error: --start: '2025-13-45' is not a calendar date or time: month must be in 1..12",
        ),
        (["simulate", "--start", "yesterday"], f"error: --start: {ISO_RULE}, got 'yesterday'"),
        (["simulate", "--start", ""], f"error: --start: {ISO_RULE}, got ''"),
        (["simulate", "--start", "10/01/2025"], f"error: --start: {ISO_RULE}, got '10/01/2025'"),
        (
            ["simulate", "--start", "2999-01-01"],
            "error: --start: must be from 2009-01-04 (the first whole day of Bitcoin) to "
            f"{latest_start()} (one year after today), got 2999-01-01 00:00 UTC",
        ),
        (
            ["simulate", "--hours", "10000000"],
            "error: --hours: must be a whole number in [24, 87600], got 10000000",
        ),
        (
            ["simulate", "--hours", "3"],
            "error: --hours: must be a whole number in [24, 87600], got 3",
        ),
        (["simulate", "--seed", "-1"], f"error: --seed: {SEED_RULE}, got -1"),
        (["compare", "--seed", "4294967296"], f"error: --seed: {SEED_RULE}, got 4294967296"),
        (
            ["simulate", "--mode", "online"],
            "error: --mode: must be one of live, cache, offline, got 'online'",
        ),
        (["optimize", "--hours", "400"], hours_336),
        (["compare", "--hours", "400", "-s", "run-through,optimized"], hours_336),
        (["demo", "--hours", "400"], hours_336),
        ([*forecast, "--hours", "400"], hours_336),
        ([*forecast, "--seed", "-1"], f"error: --seed: {SEED_RULE}, got -1"),
        (
            [*forecast, "--start", "10/01/2025"],
            f"error: --start: {ISO_RULE}, got '10/01/2025'",
        ),
        (["replay", "--end", "24/02/2021"], f"error: --end: {ISO_RULE}, got '24/02/2021'"),
    ]


@pytest.mark.parametrize(("argv", "line"), bad_options(), ids=lambda v: " ".join(v)[:40])
def test_a_bad_option_value_is_one_line_naming_the_option_exit_2(
    argv: list[str], line: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err == line + "\n"
    assert captured.out == ""
    assert list(tmp_path.iterdir()) == []  # no default output folder, no run history


def test_bad_values_leave_an_earlier_output_folder_intact(
    earlier_demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = files_of(earlier_demo)
    for bad in (["--start", "10/01/2025"], ["--seed", "-1"], ["--hours", "400"]):
        assert main(["demo", "--out", str(earlier_demo), *SMALL_DEMO, *bad]) == 2
        assert capsys.readouterr().err.startswith(f"error: {bad[0]}: ")
    assert files_of(earlier_demo) == before


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (["check"], "error: Missing argument 'fleet'. (see 'planner check --help')"),
        (["nope"], "error: No such command 'nope'. (see 'planner --help')"),
        (
            ["runs", "list", "--limit", "0"],
            "error: --limit: Input should be greater than or equal to 1",
        ),
    ],
)
def test_typers_own_usage_errors_are_one_line_too(
    argv: list[str], line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err == line + "\n"


def test_an_unknown_option_or_a_word_for_a_number_is_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["simulate", "--bogus"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: No such option: --bogus")
    assert err.endswith(" (see 'planner simulate --help')\n") and err.count("\n") == 1
    assert main(["simulate", "--hours", "abc"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --hours: ") and "integer" in err and err.count("\n") == 1


def test_a_bad_start_in_a_real_subprocess() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "planner.surfaces.cli", "simulate", "--start", "10/01/2025"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert proc.returncode == 2
    assert proc.stderr == f"error: --start: {ISO_RULE}, got '10/01/2025'\n"
    assert proc.stdout == ""


# ------------------------------------------------------------------- output folders: exit 1


def _work_must_not_start(*args: object, **kwargs: object) -> NoReturn:
    raise AssertionError("the work started before the output folder was checked")


def out_commands(out: Path, tmp_path: Path) -> dict[str, list[str]]:
    data = ["--data-dir", str(tmp_path / "data")]
    return {
        "demo": ["demo", "--out", str(out), *SMALL_DEMO],
        "compare": ["compare", "--out", str(out), "--hours", "24", "--scenarios", "2"],
        "optimize": ["optimize", "--out", str(out), "--hours", "24", "--scenarios", "2"],
        "replay": ["replay", "--out", str(out), *REPLAY_FILES],
        "forecast": ["forecast", str(TEXAS), "--out", str(out), *data, *SMALL_JOB],
    }


# Where each command's work begins (all are called before any file is written).
FIRST_WORK = {
    "demo": "planner.ops.demo.fetch_feeds",
    "compare": "planner.fetch_feeds",
    "optimize": "planner.fetch_feeds",
    "replay": "planner.ops.replay.read_replay_feeds",
    "forecast": "planner.ops.jobs.forecast.fetch_feeds",
}


@pytest.mark.parametrize("command", sorted(FIRST_WORK))
def test_out_under_a_file_fails_at_once_naming_the_folder(
    command: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Root ignores permission bits, but not a regular file standing where a folder must be.
    blocker = tmp_path / "notes.txt"
    blocker.write_text("keep me\n", encoding="utf-8")
    out = blocker / "results"
    monkeypatch.setattr(FIRST_WORK[command], _work_must_not_start)
    assert main(out_commands(out, tmp_path)[command]) == 1
    assert capsys.readouterr().err == (
        f"error: {out}: cannot create output folder: {blocker} is a file\n"
    )
    assert blocker.read_text(encoding="utf-8") == "keep me\n"


def test_out_that_is_a_file_fails_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "report.html"
    out.write_text("<p>an earlier report</p>", encoding="utf-8")
    monkeypatch.setattr(FIRST_WORK["optimize"], _work_must_not_start)
    assert main(out_commands(out, tmp_path)["optimize"]) == 1
    assert capsys.readouterr().err == f"error: {out}: output path exists and is not a folder\n"
    assert out.read_text(encoding="utf-8") == "<p>an earlier report</p>"


def test_out_under_a_file_in_a_real_subprocess(tmp_path: Path) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("keep me\n", encoding="utf-8")
    out = blocker / "results"
    proc = subprocess.run(
        [sys.executable, "-m", "planner.surfaces.cli", *out_commands(out, tmp_path)["compare"]],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 1
    assert proc.stderr == f"error: {out}: cannot create output folder: {blocker} is a file\n"


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="root ignores file permission bits, so a read-only folder is writable for it; "
    "test_out_under_a_file_fails_at_once_naming_the_folder covers the root case",
)
def test_a_read_only_output_folder_fails_at_once_and_keeps_its_files(
    earlier_demo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = files_of(earlier_demo)
    monkeypatch.setattr(FIRST_WORK["demo"], _work_must_not_start)
    earlier_demo.chmod(0o555)
    try:
        assert main(["demo", "--out", str(earlier_demo), *SMALL_DEMO]) == 1
    finally:
        earlier_demo.chmod(0o755)
    assert capsys.readouterr().err == (
        f"error: {earlier_demo}: cannot write in output folder: Permission denied\n"
    )
    assert files_of(earlier_demo) == before


# ------------------------------------------------------------ fleet and job config files: exit 1


def test_a_fleet_with_a_string_for_a_number_is_refused_by_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = TEXAS.read_text(encoding="utf-8")
    first = next(line for line in text.splitlines() if line.startswith("capacity_mw = "))
    path = tmp_path / "fleet.toml"
    path.write_text(text.replace(first, 'capacity_mw = "100"', 1), encoding="utf-8")
    assert main(["check", str(path)]) == 1
    assert capsys.readouterr().err == (
        f"error: {path}: sites[0].capacity_mw: must be a number in (0, 5000], got '100'\n"
    )


@pytest.fixture(scope="module")
def earlier_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """``(out, data)`` of one successful offline forecast run."""
    base = tmp_path_factory.mktemp("job")
    out, data = base / "runs", base / "data"
    argv = ["forecast", str(TEXAS), "--out", str(out), "--data-dir", str(data), *SMALL_JOB]
    assert main(argv) == 0
    return out, data


BAD_CONFIGS = [
    (
        '[feeds]\ntimeout_s = "5"\n',
        "feeds.timeout_s: must be seconds or [connect, read] seconds, each in (0, 600], got '5'",
    ),
    (
        "[feeds]\ntimeout_s = [2, 5, 7]\n",
        "feeds.timeout_s: must be seconds or [connect, read] seconds, each in (0, 600], "
        "got [2, 5, 7]",
    ),
    (
        '[feeds]\nmax_stale_hours = "twelve"\n',
        "feeds.max_stale_hours: must be a number >= 0, got 'twelve'",
    ),
    ("[feeds]\nretries = 2.5\n", "feeds.retries: must be a whole number in [0, 10], got 2.5"),
    (
        '[notify]\nwebhook_url = "ftp://hooks.example.com/T0/s3cret"\n',
        "notify.webhook_url: must be an http:// or https:// URL, got a 'ftp' URL",
    ),
    ('[job]\nstart = "10/01/2025"\n', f"job.start: {ISO_RULE}, got '10/01/2025'"),
    ("[job]\nseed = -1\n", f"job.seed: {SEED_RULE}, got -1"),
    (
        '[job]\nstrategies = "optimized"\n',
        "job.strategies: must be an array, got 'optimized'",
    ),
    (
        '[scenarios]\nstorm_severity = "high"\n',
        "scenarios.storm_severity: must be a number in [0, 5], got 'high'",
    ),
    (
        "[optimize]\nstrategic_period_hours = true\n",
        "optimize.strategic_period_hours: must be a whole number in [1, 744], got True",
    ),
]


@pytest.mark.parametrize(("text", "problem"), BAD_CONFIGS, ids=[t for t, _ in BAD_CONFIGS])
def test_a_bad_job_config_is_one_line_naming_file_and_key_and_no_run_is_made(
    text: str,
    problem: str,
    earlier_run: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out, data = earlier_run
    before = files_of(out)
    config = tmp_path / "job.toml"
    config.write_text(text, encoding="utf-8")
    monkeypatch.setattr(FIRST_WORK["forecast"], _work_must_not_start)
    argv = ["forecast", str(TEXAS), "--config", str(config), "--out", str(out)]
    job = [a for a in SMALL_JOB if a not in ("--start", "2025-01-14")]  # the file's start counts
    assert main([*argv, "--data-dir", str(data), *job]) == 1
    err = capsys.readouterr().err
    assert err == f"error: {config}: {problem}\n"
    assert "s3cret" not in err
    assert files_of(out) == before
    with planner.RunStore(data / "runs.sqlite") as store:
        assert len(store.list_runs(10)) == 1


def test_a_webhook_env_of_another_scheme_is_refused_before_any_work(
    earlier_run: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out, data = earlier_run
    before = files_of(out)
    monkeypatch.setenv("PLANNER_WEBHOOK_URL", "ftp://hooks.example.com/T0/s3cret")
    monkeypatch.setattr(FIRST_WORK["forecast"], _work_must_not_start)
    argv = ["forecast", str(TEXAS), "--out", str(out), "--data-dir", str(data), *SMALL_JOB]
    assert main([*argv, "--force"]) == 1
    assert capsys.readouterr().err == (
        "error: PLANNER_WEBHOOK_URL: must be an http:// or https:// URL, got a 'ftp' URL\n"
    )
    assert files_of(out) == before


def test_toml_spellings_of_timeouts_are_taken(tmp_path: Path) -> None:
    config = tmp_path / "job.toml"
    config.write_text("[feeds]\ntimeout_s = [2, 5]\nretries = 0\n", encoding="utf-8")
    sources = planner.load_job_settings(config).sources
    assert sources is not None and sources.timeout_s == (2.0, 5.0) and sources.retries == 0
    config.write_text("[feeds]\ntimeout_s = 5.0\n[job]\nstart = 2025-01-14\n", encoding="utf-8")
    settings = planner.load_job_settings(config)
    assert settings.sources is not None and settings.sources.timeout_s == (5.0, 5.0)
    assert settings.start == "2025-01-14"  # a TOML date, not a string, is a start too
