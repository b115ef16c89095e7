"""The systemd units in deploy/systemd parse cleanly, are hardened, and run the README's job.

`systemd-analyze verify` checks that each ExecStart binary exists, and the units name the
production install prefix /srv/planner. The verify tests therefore run on copies whose only
change is that prefix, moved into a temporary folder holding stand-in executables; a separate
test shows that on the shipped files verify complains about those binaries and nothing else.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
UNIT_NAMES = ("planner-forecast.service", "planner-forecast.timer", "planner-app.service")
PREFIX = "/srv/planner"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
needs_systemd_analyze = pytest.mark.skipif(
    SYSTEMD_ANALYZE is None,
    reason="systemd-analyze not found (Debian package systemd): unit files not verified",
)


def settings(text: str) -> list[tuple[str, str]]:
    """(key, value) of every assignment line of a unit file, in order."""
    pairs = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped[0] in "#;[":
            continue
        key, _, value = stripped.partition("=")
        pairs.append((key, value))
    return pairs


def values(name: str, key: str) -> list[str]:
    return [v for k, v in settings((UNITS / name).read_text(encoding="utf-8")) if k == key]


def relocated_copies(tmp_path: Path) -> Path:
    """Copies of the units with /srv/planner moved under tmp_path, where stand-in planner and
    streamlit executables and the runs folder exist."""
    root = tmp_path / "srv" / "planner"
    (root / ".venv" / "bin").mkdir(parents=True)
    (root / "runs").mkdir()
    for exe in ("planner", "streamlit"):
        stand_in = root / ".venv" / "bin" / exe
        stand_in.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
        stand_in.chmod(0o755)
    out = tmp_path / "units"
    out.mkdir()
    for name in UNIT_NAMES:
        text = (UNITS / name).read_text(encoding="utf-8")
        (out / name).write_text(text.replace(PREFIX, str(root)), encoding="utf-8")
    return out


def verify(*paths: Path) -> subprocess.CompletedProcess[str]:
    assert SYSTEMD_ANALYZE is not None
    return subprocess.run(
        [SYSTEMD_ANALYZE, "verify", "--man=no", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_no_value_carries_an_inline_comment() -> None:
    # systemd takes '#' and ';' as comments only at the start of a line: anywhere else they and
    # the words after them become part of the value (a path with a comment in it).
    for name in UNIT_NAMES:
        for key, value in settings((UNITS / name).read_text(encoding="utf-8")):
            assert not re.search(r"\s[#;]", value), f"{name}: {key}={value}"


def test_forecast_service_runs_the_readme_job_and_accepts_exit_3() -> None:
    assert values("planner-forecast.service", "ExecStart") == [
        f"{PREFIX}/.venv/bin/planner forecast fleet.toml --config job.toml --out runs"
    ]
    assert values("planner-forecast.service", "WorkingDirectory") == [PREFIX]
    assert values("planner-forecast.service", "SuccessExitStatus") == ["3"]
    assert values("planner-forecast.service", "EnvironmentFile") == ["/etc/planner/env"]
    # --out runs is relative to WorkingDirectory: exactly that folder is writable.
    assert values("planner-forecast.service", "ReadWritePaths") == [f"{PREFIX}/runs"]
    assert values("planner-forecast.service", "ProtectSystem") == ["strict"]
    assert values("planner-forecast.service", "NoNewPrivileges") == ["yes"]
    assert values("planner-forecast.service", "PrivateTmp") == ["yes"]
    # The job lock and the run history follow PLANNER_DATA_DIR into the state directory.
    assert "PLANNER_DATA_DIR=/var/lib/planner" in values("planner-forecast.service", "Environment")
    assert values("planner-forecast.service", "StateDirectory") == ["planner"]


def test_app_service_listens_on_loopback_only_and_sees_the_jobs_history() -> None:
    (exec_start,) = values("planner-app.service", "ExecStart")
    assert "--server.address 127.0.0.1" in exec_start
    assert values("planner-app.service", "ProtectSystem") == ["strict"]
    for key in ("Environment", "StateDirectory", "CacheDirectory", "WorkingDirectory"):
        assert values("planner-app.service", key) == values("planner-forecast.service", key)


@needs_systemd_analyze
def test_shipped_units_fail_verify_only_on_the_absent_install() -> None:
    if Path(PREFIX).exists():
        pytest.skip(f"{PREFIX} exists on this machine: the shipped units may verify as they are")
    result = verify(*(UNITS / name for name in UNIT_NAMES))
    lines = sorted(result.stderr.strip().splitlines() + result.stdout.strip().splitlines())
    assert lines == [
        f"planner-app.service: Command {PREFIX}/.venv/bin/streamlit is not executable: "
        "No such file or directory",
        f"planner-forecast.service: Command {PREFIX}/.venv/bin/planner is not executable: "
        "No such file or directory",
    ]


@needs_systemd_analyze
def test_units_verify_without_any_message(tmp_path: Path) -> None:
    units = relocated_copies(tmp_path)
    result = verify(*(units / name for name in UNIT_NAMES))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


@needs_systemd_analyze
def test_verify_catches_an_inline_comment(tmp_path: Path) -> None:
    # The check above can fail: the same unit with a trailing comment on SuccessExitStatus.
    units = relocated_copies(tmp_path)
    service = units / "planner-forecast.service"
    text = service.read_text(encoding="utf-8")
    service.write_text(
        text.replace("SuccessExitStatus=3\n", "SuccessExitStatus=3   # lock held\n"),
        encoding="utf-8",
    )
    result = verify(service)
    assert "Failed to parse value, ignoring: lock" in result.stderr


def exposure(unit: Path) -> float:
    assert SYSTEMD_ANALYZE is not None
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "security", "--offline=yes", "--no-pager", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d)", result.stdout)
    assert match, result.stdout + result.stderr
    return float(match.group(1))


@needs_systemd_analyze
@pytest.mark.parametrize("name", ["planner-forecast.service", "planner-app.service"])
def test_hardening_brings_exposure_from_unsafe_to_ok(name: str, tmp_path: Path) -> None:
    # systemd rates exposure 0 (locked down) .. 10; 9.0 and up is UNSAFE, under 5.0 is OK.
    units = relocated_copies(tmp_path)
    hardened = units / name
    bare = units / "bare" / name
    bare.parent.mkdir()
    text = hardened.read_text(encoding="utf-8")
    bare.write_text(text.split("# Hardening.")[0], encoding="utf-8")
    assert exposure(bare) >= 9.0
    assert exposure(hardened) < 5.0


@needs_systemd_analyze
def test_timer_fires_at_0530_utc_daily() -> None:
    (calendar,) = values("planner-forecast.timer", "OnCalendar")
    assert SYSTEMD_ANALYZE is not None
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "calendar", "--base-time=2025-01-14 06:00:00 UTC", calendar],
        capture_output=True,
        text=True,
        timeout=60,
        env={"TZ": "UTC", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    # 06:00 on the 14th is past that morning's 05:30, so the next run is the 15th at 05:30.
    assert "Next elapse: Wed 2025-01-15 05:30:00 UTC" in result.stdout


JOB_TOML = """[job]
mode = "offline"
start = "2025-01-14"
horizon_hours = 48
scenarios = 4
eval_scenarios = 6
"""


@pytest.mark.slow
def test_forecast_job_runs_with_only_the_units_writable_paths(tmp_path: Path) -> None:
    # ProtectSystem=strict, re-enacted in a private mount namespace: everything read-only but the
    # unit's ReadWritePaths, state and cache directories, and /tmp (PrivateTmp gives the job a
    # writable one). The install folder stands at tmp_path + /srv/planner; HOME is that folder,
    # as for a system user made with --home-dir /srv/planner. The real job then has to succeed.
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or unshare is None:
        pytest.skip("needs root and unshare(1) to re-enact the unit's read-only file system")
    if subprocess.run([unshare, "--mount", "true"], capture_output=True).returncode != 0:
        pytest.skip("unshare --mount is not permitted here")
    name = "planner-forecast.service"

    def moved(path: str) -> Path:
        return tmp_path / path.lstrip("/")

    (install,) = [moved(p) for p in values(name, "WorkingDirectory")]
    install.mkdir(parents=True)
    (install / "fleet.toml").write_bytes(
        (ROOT / "planner" / "domain" / "demo_fleet.toml").read_bytes()
    )
    (install / "job.toml").write_text(JOB_TOML, encoding="utf-8")
    state = [moved(f"/var/lib/{d}") for d in values(name, "StateDirectory")]
    cache = [moved(f"/var/cache/{d}") for d in values(name, "CacheDirectory")]
    writable = [moved(p) for p in values(name, "ReadWritePaths")] + state + cache
    for folder in writable:
        folder.mkdir(parents=True)
    env = dict(v.split("=", 1) for v in values(name, "Environment"))
    assert {env["PLANNER_DATA_DIR"], env["PLANNER_CACHE_DIR"]} == {
        "/" + str(p.relative_to(tmp_path)) for p in state + cache
    }
    env = {key: str(moved(value)) for key, value in env.items()}
    (exec_start,) = values(name, "ExecStart")
    binary, *args = exec_start.split()
    planner = Path(sys.executable).parent / "planner"
    assert Path(binary).name == planner.name and planner.is_file()
    script = "\n".join(
        [
            "set -e",
            "mount --rbind /tmp /tmp",
            f"mount --bind {tmp_path} {tmp_path}",
            f"mount -o remount,bind,ro {tmp_path}",
            *(f"mount --bind {p} {p} && mount -o remount,bind,rw {p}" for p in writable),
            "mount -o remount,bind,ro /",
            f"touch {install}/probe 2>/dev/null && exit 99",
            f"cd {install}",
            f"exec {planner} {' '.join(args)}",
        ]
    )
    result = subprocess.run(
        [unshare, "--mount", "--propagation", "private", "sh", "-c", script],
        env={**env, "HOME": str(install), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode != 99, "the install folder was writable: the re-enactment failed"
    assert result.returncode == 0, result.stderr[-2000:]
    assert (install / "runs" / "latest" / "report.html").is_file()
    assert sorted(p.name for p in state[0].iterdir()) == ["forecast.lock", "runs.sqlite"]
    assert sorted(p.name for p in install.iterdir()) == ["fleet.toml", "job.toml", "runs"]
