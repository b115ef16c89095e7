"""The public surface and the demo job."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import planner
from planner.surfaces.cli import main


def test_public_surface_is_exact() -> None:
    assert sorted(planner.__all__) == sorted(
        [
            "ActionRecord",
            "DispatchResult",
            "DispatchSettings",
            "dispatch_plan",
            "read_actions",
            "read_plan_csv",
            "ACTION_COLUMNS",
            "ACTION_KINDS",
            "JOINT_LOSS_SHARE",
            "Concentration",
            "action_schedule",
            "actions_csv",
            "actions_ics",
            "concentration_risk",
            "DEMO_STORMS",
            "CURRENT_RULES",
            "DEFAULT_CURRENT_RULE",
            "NextAction",
            "Summary",
            "band_frame",
            "band_panel_chart",
            "best_strategy",
            "cumulative_profit_chart",
            "curtailment_blocks",
            "curtailment_frame",
            "curtailment_heatmap_chart",
            "daily_hashrate_chart",
            "exceedance_chart",
            "executive_summary",
            "fleet_cumulative_profit",
            "fleet_daily_hashrate",
            "hashrate_bands_chart",
            "next_actions",
            "profit_distribution_chart",
            "run_profits",
            "site_map",
            "site_profit_chart",
            "strategy_colour",
            "strategy_scale",
            "summarise",
            "summary_lines",
            "summary_text",
            "DEMO_STRATEGIES",
            "DEMO_TIME_LIMIT_S",
            "FEED_MODES",
            "ComparisonOutcome",
            "Compose",
            "ConfigError",
            "DemoOutcome",
            "Evaluation",
            "FeedError",
            "FeedMode",
            "FeedSources",
            "Feeds",
            "Fleet",
            "FollowPlan",
            "FourCPAvoidance",
            "JobError",
            "JobLockedError",
            "JobOutcome",
            "JobSettings",
            "MinerModel",
            "OptimizeSettings",
            "Plan",
            "PlannerError",
            "Policy",
            "ProtectiveShutdown",
            "PruneOutcome",
            "Replan",
            "Replanner",
            "ReplayFiles",
            "ReplayOutcome",
            "ReportInputs",
            "Route",
            "RunEstimate",
            "RunRecord",
            "RunStore",
            "RunThrough",
            "Scenario",
            "ScenarioDraws",
            "ScenarioSet",
            "ScenarioSettings",
            "Shipment",
            "SimResult",
            "SimSettings",
            "Site",
            "SolveError",
            "StrikePrice",
            "compare_strategies",
            "default_store_path",
            "demo_fleet",
            "draw_scenarios",
            "estimate_strategies",
            "evaluate",
            "fetch_feeds",
            "format_eh_s",
            "format_usd",
            "horizon_limit",
            "is_plan_strategy",
            "kpis",
            "load_fleet",
            "load_job_settings",
            "make_scenarios",
            "merge_evaluations",
            "optimize",
            "parse_fleet",
            "prepare_output_dir",
            "prune_runs",
            "read_replay_feeds",
            "reduce_scenarios",
            "render_report",
            "run_comparison",
            "run_demo",
            "run_forecast_job",
            "run_replay",
            "simulate",
            "simulate_strategies",
            "texas_fleet",
            "write_plan",
        ]
    )
    for name in planner.__all__:
        assert hasattr(planner, name), name
    # The subpackages stay reachable under their own names (no function shadows them).
    import importlib

    assert hasattr(importlib.import_module("planner.world.replay"), "ReplayFiles")
    assert hasattr(importlib.import_module("planner.ops.jobs"), "JobSettings")


def test_every_public_function_and_class_has_a_numpydoc_docstring() -> None:
    import inspect

    missing = []
    for name in planner.__all__:
        obj = getattr(planner, name)
        if not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue  # constants and type aliases: a #: comment where they are defined
        doc = inspect.getdoc(obj) or ""
        takes = inspect.isfunction(obj) and inspect.signature(obj).parameters
        if not doc or (takes and "Parameters\n----------" not in doc):
            missing.append(name)
    assert missing == []


LAZY_SOLVER = """
import sys
import planner
# the solver; the forecasters' learner (fit time only); the charts (drawn on first use)
heavy = ("pyomo", "highspy", "sklearn", "altair", "vl_convert")
assert not any(m in sys.modules for m in heavy), "import planner"
from planner.surfaces.cli import main
assert main(["--help"]) == 0
assert not any(m in sys.modules for m in heavy), "planner --help"
from planner import OptimizeSettings, Plan, optimize
assert "pyomo" in sys.modules and "highspy" in sys.modules
assert optimize.__module__ == "planner.engine.optimization.solver" and Plan.__name__ == "Plan"
assert {"OptimizeSettings", "Plan", "optimize"} <= set(dir(planner))
from planner import site_map
assert "altair" in sys.modules and site_map.__module__ == "planner.ops.charts.sites"
from planner.engine.optimization import solve  # the function, not its module of the same name
assert callable(solve) and solve.__module__ == "planner.engine.optimization.solve"
"""


@pytest.mark.slow
def test_import_planner_and_help_do_not_load_the_solver() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", LAZY_SOLVER], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr


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
    outcome = planner.run_demo(
        tmp_path / "out",
        hours=24 * 7,
        scenarios=6,
        plan_scenarios=4,
        workers=1,
        progress=lambda *a: steps.append(a),
    )
    assert outcome.kpis_path.exists() and outcome.report_path.exists()
    assert steps[0] == ("feeds", 0, 1) and steps[-1] == ("done", 1, 1)
    assert ("simulate", 6, 6) in steps
    table = pd.read_csv(outcome.kpis_path)
    fleet_rows = table[table["site_id"] == "fleet"].set_index("policy")
    assert list(fleet_rows.index) == ["run-through", "strike", "strike+protective", "optimized"]
    assert outcome.plan is not None and ("optimize", 0, 1) in steps
    # Expectation is linear: the fleet's expected profit is the sum of the sites'.
    site_rows = table[table["site_id"] != "fleet"]
    for policy, rows in site_rows.groupby("policy"):
        expected = fleet_rows.loc[policy, "expected_profit_usd"]
        assert rows["expected_profit_usd"].sum() == pytest.approx(expected)
        assert (
            fleet_rows.loc[policy, "p5_profit_usd"] <= fleet_rows.loc[policy, "median_profit_usd"]
        )
        p5 = fleet_rows.loc[policy, "p5_profit_usd"]
        assert fleet_rows.loc[policy, "cvar5_profit_usd"] <= p5 + 1e-6 * abs(p5)
    # Policies only ever shed load: never more energy than running through, same failure draws.
    for policy in ("strike", "strike+protective"):
        assert fleet_rows.loc[policy, "energy_mwh"] <= fleet_rows.loc["run-through", "energy_mwh"]
    assert fleet_rows.loc["run-through", "curtailed_mwh"] == 0.0
    assert fleet_rows.loc["run-through", "hashrate_kept_pct"] == pytest.approx(100.0)
    # Keeping the hydro loops warm means no freeze damage there.
    assert fleet_rows.loc["strike+protective", "freeze_events"] == 0.0
    html = outcome.report_path.read_text(encoding="utf-8")
    assert "<html" in html.lower() and "http://" not in html and "https://" not in html
    assert 'id="risk-table"' in html


@pytest.mark.slow
def test_demo_is_reproducible_from_the_seed(tmp_path: Path) -> None:
    def run(name: str, seed: int) -> pd.DataFrame:
        return planner.run_demo(
            tmp_path / name, hours=24 * 7, scenarios=3, plan_scenarios=2, seed=seed
        ).kpis

    a, b, c = run("a", 3), run("b", 3), run("c", 4)
    pd.testing.assert_frame_equal(a, b)
    assert not a["expected_profit_usd"].equals(c["expected_profit_usd"])


def test_cli_demo_in_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["demo", "--out", str(tmp_path), "--hours", "168", "--scenarios", "4"]
    assert main([*args, "--plan-scenarios", "2"]) == 0
    out = capsys.readouterr()
    assert "strike+protective" in out.out and "optimized" in out.out and "CVaR5" in out.out
    assert "simulate" in out.err and "optimize" in out.err  # progress goes to stderr
    assert (tmp_path / "kpis.csv").exists() and (tmp_path / "report.html").exists()


@pytest.mark.slow
def test_cli_demo_subprocess_json(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "planner.surfaces.cli",
            "demo",
            "--out",
            str(tmp_path),
            "--hours",
            "48",
            "--scenarios",
            "4",
            "--plan-scenarios",
            "2",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    import json

    payload = json.loads(proc.stdout)
    assert [row["policy"] for row in payload["kpis"]] == [
        "run-through",
        "strike",
        "strike+protective",
        "optimized",
    ]
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


def test_errors_survive_pickling_with_their_fields() -> None:
    import pickle

    config = pickle.loads(pickle.dumps(planner.ConfigError("fleet.toml", ["a: bad", "b: worse"])))
    assert str(config) == "fleet.toml: a: bad; b: worse" and config.problems == [
        "a: bad",
        "b: worse",
    ]
    feed = pickle.loads(pickle.dumps(planner.FeedError("nws alerts", "timed out")))
    assert (feed.feed, feed.reason, str(feed)) == (
        "nws alerts",
        "timed out",
        "nws alerts: timed out",
    )
