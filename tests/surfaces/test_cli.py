"""The ``planner`` command, in process (``main(argv)``) and as a real subprocess.

Exit codes: 0 ok, 1 a user/config/feed/job error as one line on stderr, 2 usage, 3 job locked
(the lock race itself is in test_jobs.py).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

import planner
from planner.surfaces.cli import commands_app, main

ROOT = Path(__file__).resolve().parents[2]
TEXAS = ROOT / "planner" / "domain" / "texas_fleet.toml"
DATA = ROOT / "tests" / "data"
OFFLINE = ["--mode", "offline", "--start", "2025-01-14", "--hours", "48"]


def forecast_args(tmp_path: Path, *extra: str) -> list[str]:
    return [
        "forecast",
        str(TEXAS),
        "--out",
        str(tmp_path / "out"),
        "--data-dir",
        str(tmp_path / "data"),
        *OFFLINE,
        "--scenarios",
        "3",
        "--eval-scenarios",
        "4",
        *extra,
    ]


def one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line and not line.startswith("[")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture(autouse=True)
def _no_webhook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PLANNER_WEBHOOK_URL", raising=False)


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in (
        "demo",
        "check",
        "simulate",
        "compare",
        "optimize",
        "forecast",
        "replay",
        "runs",
        "app",
    ):
        assert command in out
    assert main(["runs", "--help"]) == 0
    out = capsys.readouterr().out
    assert "list" in out and "show" in out and "prune" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["forecast"],  # missing fleet
        ["simulate", "--hours", "3"],  # below the minimum
        ["runs", "explode"],
        ["replay", "--bogus"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2


def test_simulate_prints_fleet_totals(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "--fleet", str(TEXAS), *OFFLINE, "-s", "run-through,strike"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "run-through" in out and "strike" in out and "curtailed MWh" in out
    assert main([*argv, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["kpis"]
    fleet = {r["strategy"]: r for r in rows if r["site_id"] == "fleet"}
    assert fleet["run-through"]["hashrate_kept_pct"] == 100.0
    assert main(["simulate", "-s", "optimized", *OFFLINE]) == 1
    assert "use 'planner compare'" in one_line_error(capsys.readouterr().err)


def test_compare_judges_the_plan_and_writes_a_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["compare", "--fleet", str(TEXAS), *OFFLINE, "--scenarios", "4", "--plan-scenarios", "2"]
    argv += ["-s", "run-through,strike,optimized", "--out", str(tmp_path), "--json"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    payload = json.loads(captured.out)
    fleet = [r for r in payload["kpis"] if r["site_id"] == "fleet"]
    assert [r["policy"] for r in fleet] == ["run-through", "strike", "optimized"]
    assert "[0/1] optimize" in captured.err and "simulate" in captured.err  # progress on stderr
    assert sorted(Path(p).name for p in payload["written"]) == [
        "actions.csv",
        "actions.ics",
        "kpis.csv",
        "report.html",
    ]
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert 'id="relocations"' in html and "optimizer&#x27;s plan" in html
    # The plan's action schedule sits beside the report, which links it.
    actions = pd.read_csv(tmp_path / "actions.csv")
    assert set(actions["site_id"]) <= {"permian", "dallas-north", "rockdale"}
    assert (tmp_path / "actions.ics").read_text().startswith("BEGIN:VCALENDAR")
    assert 'href="actions.ics"' in html and 'id="joint-loss"' in html


def test_optimize_prints_the_plan_and_writes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["optimize", "--fleet", str(TEXAS), *OFFLINE, "--scenarios", "2", "--out", str(tmp_path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "solver: optimal" in out and "first hour (IT MW):" in out and "permian" in out
    plan = pd.read_csv(tmp_path / "plan.csv")
    assert {"time", "site_id", "model_id", "running_mw", "run_fraction"} <= set(plan.columns)
    assert (tmp_path / "relocations.csv").exists()
    assert (tmp_path / "actions.csv").exists() and (tmp_path / "actions.ics").exists()


def test_forecast_then_runs_list_show_prune(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*forecast_args(tmp_path), "--json"]) == 0
    captured = capsys.readouterr()
    run = json.loads(captured.out)
    assert run["status"] == "succeeded" and run["reused"] is False
    assert run["strategies"][0]["policy"] == "run-through"
    assert "[0/1] feeds" in captured.err and "[0/1] store" in captured.err
    folder = Path(run["folder"])
    assert (folder / "report.html").exists()

    assert main(forecast_args(tmp_path)) == 0  # the same inputs again
    assert f"reused run {run['id']}" in capsys.readouterr().out

    data = ["--data-dir", str(tmp_path / "data")]
    assert main(["runs", "list", *data, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in listed] == [run["id"]]
    assert main(["runs", "show", run["id"], *data]) == 0
    shown = capsys.readouterr().out
    assert f"run {run['id']}: succeeded" in shown and "expected_profit_usd" in shown
    assert main(["runs", "show", "nope", *data]) == 1
    assert "no run 'nope'" in one_line_error(capsys.readouterr().err)

    prune = ["runs", "prune", "--keep-last", "0", *data, "--out", str(tmp_path / "out")]
    assert main([*prune, "--json"]) == 2  # refused without --yes: nothing deleted
    captured = capsys.readouterr()
    assert captured.out == ""
    assert one_line_error(captured.err) == (
        f"refusing --keep-last 0 without --yes: it would delete all 1 finished run(s) and "
        f"{len(run['artifacts'])} file(s), including run {run['id']} that 'latest' points to; "
        "add --yes to confirm"
    )
    assert folder.exists() and os.readlink(tmp_path / "out" / "latest") == run["id"]
    assert main([*prune, "--yes", "--json"]) == 0
    pruned = json.loads(capsys.readouterr().out)
    assert pruned["pruned"] == [run["id"]] and len(pruned["deleted"]) == len(run["artifacts"])
    assert not folder.exists() and not (tmp_path / "out" / "latest").is_symlink()
    assert main(["runs", "list", *data]) == 0
    assert "no runs yet" in capsys.readouterr().out


@pytest.mark.slow
def test_forecast_thresholds_from_flags_or_a_json_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(forecast_args(tmp_path, "--max-planned-curtailment", "0")) == 0
    out = capsys.readouterr().out
    assert "notification: not configured" in out
    assert "alert: planned curtailment" in out and "above the 0.0 MWh threshold" in out
    config = tmp_path / "job.json"
    config.write_text(
        json.dumps({"job": {"seed": 5}, "notify": {"thresholds": {"hashrate_at_risk_max": 1.0}}})
    )
    assert main([*forecast_args(tmp_path), "--config", str(config), "--json"]) == 0
    run = json.loads(capsys.readouterr().out)
    assert run["settings"]["seed"] == 5 and run["notification"] == "nothing to send"
    assert run["settings"]["thresholds"]["hashrate_at_risk_max"] == 1.0


def test_corrupted_history_and_unwritable_output_are_one_line_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "runs.sqlite").write_bytes(b"garbage, not SQLite " * 200)
    assert main(forecast_args(tmp_path)) == 1
    line = one_line_error(capsys.readouterr().err)
    assert line.startswith("error: run history") and "runs.sqlite" in line
    assert main(["runs", "list", "--data-dir", str(tmp_path / "data")]) == 1
    assert "runs.sqlite" in one_line_error(capsys.readouterr().err)

    blocker = tmp_path / "file"
    blocker.write_text("x")
    argv = forecast_args(tmp_path)
    argv[argv.index("--out") + 1] = str(blocker / "out")
    assert main(argv) == 1
    assert one_line_error(capsys.readouterr().err).startswith(
        f"error: {blocker / 'out'}: cannot create output folder"
    )


def test_replay_from_explicit_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "replay",
        "--start",
        "2021-02-14",
        "--end",
        "2021-02-16",
        "--prices",
        str(DATA / "replay_hubs_hourly.csv"),
        "--btc",
        str(DATA / "replay_btc_daily.csv"),
        "--weather-hourly",
        str(DATA / "replay_isd_hourly.csv"),
        "--weather-daily",
        str(DATA / "replay_power_daily.csv"),
        "-s",
        "run-through,strike",
        "--scenarios",
        "2",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Replay 2021-02-14 00:00 .. 2021-02-17 00:00 UTC (72 h)" in out
    assert "hashrate kept %" in out and "strike" in out
    assert main([*argv, "--json"]) == 0
    rows = {r["strategy"]: r for r in json.loads(capsys.readouterr().out)["strategies"]}
    assert rows["strike"]["curtailed_mwh"] == pytest.approx(6 * 265.2222, rel=1e-4)
    assert main(["replay", "--prices", str(DATA / "replay_hubs_hourly.csv")]) == 1
    assert "give --data FOLDER, or at least --prices and --btc" in one_line_error(
        capsys.readouterr().err
    )


def test_app_starts_streamlit_or_says_why_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["app", "--app-file", str(tmp_path / "missing.py")]) == 1
    assert "no Streamlit app at" in one_line_error(capsys.readouterr().err)
    script = tmp_path / "app.py"
    script.write_text("import streamlit as st\n")
    calls: list[list[str]] = []
    monkeypatch.setattr(commands_app, "run_child", lambda cmd: calls.append(cmd) or 0)
    assert main(["app", "--app-file", str(script), "--port", "8599"]) == 0
    assert main(["app", "--app-file", str(script), "--address", "0.0.0.0"]) == 0
    streamlit = [sys.executable, "-m", "streamlit", "run", str(script)]
    quiet = ["--server.headless", "true", "--browser.gatherUsageStats", "false"]
    assert calls == [
        [*streamlit, "--server.address", "127.0.0.1", *quiet, "--server.port", "8599"],
        [*streamlit, "--server.address", "0.0.0.0", *quiet],
    ]


# ------------------------------------------------------------------------------ subprocesses


def planner_subprocess(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PLANNER_WEBHOOK_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "planner.surfaces.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=cwd,
    )


@pytest.mark.slow
def test_forecast_and_runs_as_real_subprocesses(tmp_path: Path) -> None:
    proc = planner_subprocess(*forecast_args(tmp_path), "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    run = json.loads(proc.stdout)
    assert run["status"] == "succeeded" and Path(run["folder"], "report.html").exists()
    listed = planner_subprocess(
        "runs", "list", "--data-dir", str(tmp_path / "data"), "--json", cwd=tmp_path
    )
    assert listed.returncode == 0 and [r["id"] for r in json.loads(listed.stdout)] == [run["id"]]


def test_errors_are_one_line_exit_1_in_a_subprocess(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "runs.sqlite").write_bytes(b"garbage, not SQLite " * 200)
    proc = planner_subprocess("runs", "list", "--data-dir", str(tmp_path / "data"), cwd=tmp_path)
    assert proc.returncode == 1 and proc.stdout == ""
    assert one_line_error(proc.stderr).startswith("error: run history")


# ------------------------------------------------- output discipline, version, interrupts, app

NOISY = """
import contextlib, importlib, os, sys
import planner
from planner.surfaces.cli import main

# The library's own guard off: HiGHS's C-level banner reaches file descriptor 1 as it would
# from any dependency that prints.
highs = importlib.import_module("planner.engine.optimization.solve")
highs.fd_stdout_to_log = lambda logger, what: contextlib.nullcontext()
real = planner.optimize

def noisy(*args, **kwargs):
    os.write(1, b"STAND-IN C-LEVEL WRITE\\n")
    print("STAND-IN PYTHON PRINT")
    return real(*args, **kwargs)

planner.optimize = noisy
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.slow
def test_json_is_one_document_whatever_a_dependency_writes_to_stdout(tmp_path: Path) -> None:
    args = ["optimize", "--fleet", str(TEXAS), *OFFLINE, "--scenarios", "2", "--json"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    noisy = subprocess.run(
        [sys.executable, "-c", NOISY, *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
    )
    assert noisy.returncode == 0, noisy.stderr
    payload = json.loads(noisy.stdout)  # the whole of stdout is the one document
    assert payload["status"] == "optimal"
    assert "STAND-IN C-LEVEL WRITE" in noisy.stderr and "STAND-IN PYTHON PRINT" in noisy.stderr
    assert "Running HiGHS" in noisy.stderr  # the real banner, sent to stderr by the CLI
    # The same plan as a run where nothing is in the way.
    quiet = planner_subprocess(*args, cwd=tmp_path)
    assert quiet.returncode == 0 and json.loads(quiet.stdout) == payload
    assert "Running HiGHS" not in quiet.stderr  # the library's guard logs it at debug level


@pytest.mark.slow
def test_json_pipes_into_a_json_reader(tmp_path: Path) -> None:
    command = (
        f"set -o pipefail; {sys.executable} -m planner.surfaces.cli optimize --hours 24 --scenarios 2 "
        f"--json | {sys.executable} -m json.tool"
    )
    proc = subprocess.run(
        ["bash", "-c", command],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "optimal"


@pytest.mark.slow
def test_verbose_shows_the_solver_log_on_stderr_and_json_stays_clean(tmp_path: Path) -> None:
    proc = planner_subprocess(
        "--verbose",
        "optimize",
        "--fleet",
        str(TEXAS),
        *OFFLINE,
        "--scenarios",
        "2",
        "--json",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "optimal"
    solver_lines = [line for line in proc.stderr.splitlines() if "HiGHS: " in line]
    assert any("Model status" in line for line in solver_lines), proc.stderr
    assert all(
        line.startswith("DEBUG planner.engine.optimization.solve: ") for line in solver_lines
    )
    assert "Running HiGHS" in proc.stderr  # the banner, logged by the library's guard


def test_version_is_the_installed_package_version(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"planner {declared}\n"

    def not_installed(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    monkeypatch.setattr(planner, "__version__", "9.9.9")
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == "planner 9.9.9\n"


@pytest.mark.slow
def test_ctrl_c_stops_a_forecast_run_with_one_line_and_keeps_the_earlier_run(
    tmp_path: Path,
) -> None:
    earlier = planner_subprocess(*forecast_args(tmp_path), "--json", cwd=tmp_path)
    assert earlier.returncode == 0, earlier.stderr
    first = json.loads(earlier.stdout)
    folder = Path(first["folder"])

    def digest() -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}

    before = digest()
    # A long run: 5,000 judged scenarios, stopped while the strategies are being judged.
    args = [*forecast_args(tmp_path), "--eval-scenarios", "5000", "--json"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "planner.surfaces.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
    )
    lines: list[str] = []
    assert proc.stderr is not None
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr or ()), daemon=True)
    reader.start()
    deadline = time.monotonic() + 300
    while not any("] evaluate" in line for line in lines):
        assert proc.poll() is None and time.monotonic() < deadline, "".join(lines)
        time.sleep(0.1)
    time.sleep(1.0)
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=120)  # stderr is the reader thread's alone
    took = time.monotonic() - sent
    reader.join(timeout=10)
    assert proc.stdout is not None
    stdout = proc.stdout.read()
    err = "".join(lines)

    assert proc.returncode == 130, err
    assert stdout == ""  # no half a JSON document
    said = [x for x in err.splitlines() if not x.startswith(("[", "estimate: "))]
    assert said == ["interrupted"], err
    assert "Traceback" not in err
    assert took < 60
    # The earlier run is untouched and still the latest; nothing half-written is left.
    assert digest() == before
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == sorted(["latest", first["id"]])
    assert os.readlink(out / "latest") == first["id"]
    # The interrupted run is in the history as failed, with the reason.
    listed = planner_subprocess(
        "runs", "list", "--data-dir", str(tmp_path / "data"), "--json", cwd=tmp_path
    )
    runs = json.loads(listed.stdout)
    assert [r["status"] for r in runs] == ["failed", "succeeded"]
    assert runs[0]["error"] == "stage evaluate: interrupted"


@pytest.mark.slow
def test_sigterm_stops_planner_app_and_its_streamlit_child(tmp_path: Path) -> None:
    script = tmp_path / "tiny.py"
    script.write_text('import streamlit as st\nst.write("ok")\n')
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "planner.surfaces.cli",
            "app",
            "--port",
            str(port),
            "--app-file",
            str(script),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "streamlit did not answer"
            try:
                url = f"http://127.0.0.1:{port}/_stcore/health"
                with urllib.request.urlopen(url, timeout=2) as answer:
                    assert answer.read() == b"ok"
                    break
            except OSError:
                time.sleep(0.3)
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        assert len(children) == 1  # streamlit
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
        assert proc.returncode == 143
        assert time.monotonic() - sent < 15
        assert not Path(f"/proc/{children[0]}").exists()  # the child is gone, reaped
        with socket.socket() as client:
            assert client.connect_ex(("127.0.0.1", port)) != 0  # the port is closed
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
