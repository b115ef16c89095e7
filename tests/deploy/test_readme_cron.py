"""The README's cron line works as written, from the first run on, and runs the same job as
deploy/systemd/planner-forecast.service."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
(CRON_BLOCK,) = re.findall(r"```cron\n(.*?)```", README, flags=re.S)
(CRON_LINE,) = [line for line in CRON_BLOCK.splitlines() if re.match(r"[\d*]", line)]
SCHEDULE, COMMAND = CRON_LINE.split(maxsplit=5)[:5], CRON_LINE.split(maxsplit=5)[5]
INSTALL_DIR = "/srv/planner"
# Prints its arguments on stdout and a line on stderr, as the real job logs both.
STAND_IN = '#!/bin/sh\necho "planner $*"\necho "stderr line" >&2\nexit "${STAND_IN_EXIT:-0}"\n'


def run_cron_command(install: Path, exit_code: int = 0) -> subprocess.CompletedProcess[str]:
    """The README's command through `sh -c`, as cron runs it, with the install folder moved."""
    assert COMMAND.count(f"cd {INSTALL_DIR} ") == 1
    command = COMMAND.replace(f"cd {INSTALL_DIR} ", f"cd {shlex.quote(str(install))} ")
    return subprocess.run(
        ["sh", "-c", command],
        cwd="/",
        env={"PATH": "/usr/bin:/bin", "STAND_IN_EXIT": str(exit_code)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def make_install(tmp_path: Path) -> Path:
    install = tmp_path / "planner install"
    (install / ".venv" / "bin").mkdir(parents=True)
    planner = install / ".venv" / "bin" / "planner"
    planner.write_text(STAND_IN, encoding="utf-8")
    planner.chmod(0o755)
    return install


def test_schedule_is_0530_daily_in_utc() -> None:
    assert "CRON_TZ=UTC" in CRON_BLOCK.splitlines()
    assert SCHEDULE == ["30", "5", "*", "*", "*"]


def test_first_run_creates_its_log_and_later_runs_append(tmp_path: Path) -> None:
    install = make_install(tmp_path)
    assert not (install / "runs").exists()
    first = run_cron_command(install)
    assert (first.returncode, first.stdout, first.stderr) == (0, "", "")
    job = "planner forecast fleet.toml --config job.toml --out runs\nstderr line\n"
    log = install / "runs" / "cron.log"
    assert log.read_text(encoding="utf-8") == job
    second = run_cron_command(install, exit_code=3)  # lock held: still logged, code passed on
    assert second.returncode == 3
    assert log.read_text(encoding="utf-8") == job * 2


def test_cron_and_systemd_run_the_same_job() -> None:
    service = (ROOT / "deploy" / "systemd" / "planner-forecast.service").read_text(encoding="utf-8")
    (exec_start,) = re.findall(r"^ExecStart=(.*)$", service, flags=re.M)
    (cron_job,) = re.findall(r"&& (\.venv/bin/planner [^>]*?) >>", COMMAND)
    assert exec_start == f"{INSTALL_DIR}/{cron_job}"
