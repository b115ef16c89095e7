"""The public surface and the demo job."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import planner
from planner.cli import main


def test_public_surface_is_exact() -> None:
    assert sorted(planner.__all__) == sorted(
        [
            "ConfigError",
            "DemoOutcome",
            "FeedError",
            "Feeds",
            "Fleet",
            "JobError",
            "MinerModel",
            "PlannerError",
            "Policy",
            "Route",
            "RunThrough",
            "SimResult",
            "Site",
            "SolveError",
            "StrikePrice",
            "demo_fleet",
            "fetch_feeds",
            "kpis",
            "load_fleet",
            "run_demo",
            "simulate",
        ]
    )
    for name in planner.__all__:
        assert hasattr(planner, name), name


def test_error_tree() -> None:
    for error in (planner.ConfigError, planner.FeedError, planner.SolveError, planner.JobError):
        assert issubclass(error, planner.PlannerError)
    import weather

    assert weather.FeedError is planner.FeedError  # one class, raised by the feeds layer


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a socket fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("offline mode opened a socket")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_demo_runs_offline_and_writes_both_files(tmp_path: Path, no_network: None) -> None:
    steps: list[tuple[str, int, int]] = []
    outcome = planner.run_demo(tmp_path / "out", hours=24 * 40, progress=lambda *a: steps.append(a))
    assert outcome.kpis_path.exists() and outcome.report_path.exists()
    assert steps[0] == ("feeds", 0, 4) and steps[-1] == ("done", 4, 4)
    table = pd.read_csv(outcome.kpis_path)
    fleet_rows = table[table["site_id"] == "fleet"].set_index("strategy")
    assert list(fleet_rows.index) == ["run-through", "strike"]
    # Totals are the sums of the site rows.
    site_rows = table[table["site_id"] != "fleet"]
    for strategy, rows in site_rows.groupby("strategy"):
        assert rows["profit_usd"].sum() == pytest.approx(fleet_rows.loc[strategy, "profit_usd"])
    # The strike rule only ever sheds load, so it never mines more, and (with the January cold
    # snap's price spikes in the horizon) it earns more than running through.
    assert fleet_rows.loc["strike", "energy_mwh"] <= fleet_rows.loc["run-through", "energy_mwh"]
    assert fleet_rows.loc["strike", "profit_usd"] > fleet_rows.loc["run-through", "profit_usd"]
    assert fleet_rows.loc["run-through", "hashrate_kept_pct"] == pytest.approx(100.0)
    html = outcome.report_path.read_text(encoding="utf-8")
    assert "<html" in html.lower() and "http://" not in html and "https://" not in html


def test_demo_is_reproducible_from_the_seed(tmp_path: Path) -> None:
    a = planner.run_demo(tmp_path / "a", hours=24 * 10, seed=3).kpis
    b = planner.run_demo(tmp_path / "b", hours=24 * 10, seed=3).kpis
    c = planner.run_demo(tmp_path / "c", hours=24 * 10, seed=4).kpis
    pd.testing.assert_frame_equal(a, b)
    assert not a["profit_usd"].equals(c["profit_usd"])


def test_cli_demo_in_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--out", str(tmp_path), "--hours", "240"]) == 0
    out = capsys.readouterr()
    assert "run-through" in out.out and "strike" in out.out
    assert "[1/4] simulate run-through" in out.err  # progress goes to stderr
    assert (tmp_path / "kpis.csv").exists() and (tmp_path / "report.html").exists()


def test_cli_demo_subprocess_json(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "planner.cli",
            "demo",
            "--out",
            str(tmp_path),
            "--hours",
            "48",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    import json

    payload = json.loads(proc.stdout)
    assert [row["strategy"] for row in payload["kpis"]] == ["run-through", "strike"]
    assert Path(payload["report_path"]).exists()


def test_cli_usage_error_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--bogus"]) == 2
    assert main(["demo", "--hours", "3"]) == 2  # below the allowed minimum of 24


def test_unwritable_output_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["demo", "--out", str(blocker / "sub"), "--hours", "24"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {blocker / 'sub'}: cannot create output folder")
