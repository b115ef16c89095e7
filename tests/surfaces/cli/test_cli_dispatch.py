"""``planner dispatch`` as a real subprocess against fake LuxOS miners on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import pandas as pd
import pytest

import planner

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "ops"))
from fake_luxos import FakeLuxOS  # noqa: E402 - the fake lives beside the dispatch tests

LOW = 1651.1 / 2950.0  # the -8 steps profile's share of the S19j Pro's nameplate power


def fleet_file(tmp_path: Path, hosts: list[str]) -> Path:
    toml = tmp_path / "fleet.toml"
    toml.write_text(
        f"""
[[sites]]
id = "tx"
name = "Test site"
latitude = 31.85
longitude = -102.37
timezone = "America/Chicago"
grid = {{ iso = "ERCOT", node = "HB_WEST" }}
capacity_mw = 1.0
cooling = "air"
contract = {{ kind = "index", adder_usd_per_mwh = 4.0 }}
machines = {{ "s19j-pro" = {len(hosts)} }}
slots = {len(hosts)}

[inventory]
ramp_mw_per_min = 1.0
[[inventory.miners]]
site = "tx"
model = "s19j-pro"
firmware = "luxos"
hosts = {json.dumps(hosts)}
""",
        encoding="utf-8",
    )
    return toml


def a_run_with_a_plan(tmp_path: Path, run_fraction: float) -> str:
    plan = tmp_path / "plan.csv"
    pd.DataFrame(
        {
            "time": ["2023-08-14 17:00:00+00:00"],
            "site_id": ["tx"],
            "model_id": ["s19j-pro"],
            "duration_h": [1.0],
            "available_mw": [0.0118],
            "running_mw": [0.0118 * run_fraction],
            "curtailed_mw": [0.0118 * (1 - run_fraction)],
            "run_fraction": [run_fraction],
        }
    ).to_csv(plan, index=False)
    with planner.RunStore(tmp_path / "data" / "runs.sqlite") as store:
        run_id = store.start_run("fleet-hash", {}, {})
        store.finish_run(run_id, {"profit_usd": 1.0}, {"plan_csv": plan})
    return run_id


def dispatch(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "USER": "night-shift"}
    fleet = str(tmp_path / "fleet.toml")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "planner.surfaces.cli",
            "dispatch",
            "--fleet",
            fleet,
            "--run",
            "latest",
            "--data-dir",
            str(tmp_path / "data"),
            "--timeout-s",
            "0.5",
            "--settle-s",
            "0.05",
            "--tries",
            "2",
            "--batch-s",
            "0.5",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )


def test_a_dry_run_prints_the_action_list_and_apply_sets_the_targets(tmp_path: Path) -> None:
    with ExitStack() as stack:
        fakes = [stack.enter_context(FakeLuxOS()) for _ in range(2)]
        fleet_file(tmp_path, [f.host for f in fakes])
        run_id = a_run_with_a_plan(tmp_path, LOW)
        dry = dispatch(tmp_path)
        assert dry.returncode == 0, dry.stderr
        lines = dry.stdout.splitlines()
        assert (
            lines[0].startswith("dispatch ")
            and f"(dry run) of run {run_id} by night-shift: 2 miners, 2 actions, 0 failed"
            in lines[0]
        )
        assert lines[1:] == [
            f"tx s19j-pro {f.host}: nameplate (2,950 W) -> -8 steps (1,651 W): planned"
            for f in fakes
        ]
        assert all(f.state.log == [] for f in fakes)
        applied = dispatch(tmp_path, "--apply", "--json")
        assert applied.returncode == 0, applied.stderr
        doc = json.loads(applied.stdout)
        assert [m["status"] for m in doc["miners"]] == ["done", "done"] and doc["failed"] == []
        assert [f.state.power_w for f in fakes] == [1651.1, 1651.1]
    log = planner.read_actions(tmp_path / "data" / "runs.sqlite")
    assert [(a.applied, a.status, a.who, a.run_id) for a in log] == [
        (False, "planned", "night-shift", run_id)
    ] * 2 + [(True, "done", "night-shift", run_id)] * 2


def test_failed_miners_exit_1_with_one_line_each(tmp_path: Path) -> None:
    with ExitStack() as stack:
        ok, refuse = (stack.enter_context(FakeLuxOS(b)) for b in ("ok", "refuse"))
        fleet_file(tmp_path, [ok.host, refuse.host])
        a_run_with_a_plan(tmp_path, LOW)
        proc = dispatch(tmp_path, "--apply")
    assert proc.returncode == 1, proc.stderr
    failed = [line for line in proc.stdout.splitlines() if ": failed" in line]
    assert failed == [
        f"tx s19j-pro {refuse.host}: nameplate (2,950 W) -> -8 steps (1,651 W): failed: refused "
        "profileset: profileset: Access denied: curtailment locked after 2 tries; rolled back to "
        "nameplate (2,950 W), verified"
    ]


def test_no_run_yet_is_one_clear_line(tmp_path: Path) -> None:
    fleet_file(tmp_path, ["127.0.0.1:9"])
    proc = dispatch(tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == ["error: --run: no succeeded run in the history yet"]


@pytest.fixture(autouse=True)
def _no_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PLANNER_MINER_PASSWORD", raising=False)
