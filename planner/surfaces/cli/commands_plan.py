"""The planning commands: ``demo``, ``check``, ``simulate``, ``compare``, ``optimize``."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

import planner
from planner.inputs import check_hours
from planner.surfaces.cli.base import (
    CompareHoursOption,
    FleetOption,
    HoursOption,
    JsonOption,
    ModeOption,
    PlanHoursOption,
    SeedOption,
    StartOption,
    StrategiesOption,
    check_usage,
    echo_json,
    feeds_of,
    fleet_of,
    strategy_names,
)
from planner.surfaces.cli.output import (
    Progress,
    echo,
    format_kpi_table,
    format_plan,
    format_risk_table,
    frame_records,
    show_estimate,
)

__all__ = ["check", "compare", "demo", "optimize", "simulate"]


def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path(
        "planner-out/demo"
    ),
    fleet: FleetOption = None,
    start: StartOption = "2025-01-10",
    hours: PlanHoursOption = 24 * 14,
    scenarios: Annotated[int, typer.Option(min=1, help="Monte Carlo scenarios.")] = 40,
    replications: Annotated[int, typer.Option(min=1, help="Failure draws per scenario.")] = 1,
    plan_scenarios: Annotated[
        int, typer.Option(min=1, help="Scenarios the optimizer plans over (not judged on).")
    ] = 20,
    seed: SeedOption = 7,
    time_limit: Annotated[
        float, typer.Option(min=0.001, help="Optimizer time limit [s]; then its best plan.")
    ] = planner.DEMO_TIME_LIMIT_S,
    as_json: JsonOption = False,
) -> None:
    """Run the main job offline on the demo fleet: write kpis.csv and report.html to OUT."""
    loaded = fleet_of(fleet)
    show_estimate(
        planner.estimate_strategies(
            loaded,
            hours,
            planner.DEMO_STRATEGIES,
            scenarios=scenarios,
            replications=replications,
            plan_scenarios=plan_scenarios,
            report=True,
        )
    )
    outcome = planner.run_demo(
        out,
        fleet=loaded,
        start=start,
        hours=hours,
        scenarios=scenarios,
        replications=replications,
        plan_scenarios=plan_scenarios,
        seed=seed,
        progress=Progress(),
        optimize_settings=planner.OptimizeSettings(time_limit_s=time_limit),
    )
    fleet_rows = outcome.kpis[outcome.kpis["site_id"] == "fleet"]
    note = outcome.plan.note if outcome.plan is not None else ""
    if as_json:
        echo_json(
            {
                "kpis": frame_records(fleet_rows),
                "plan_note": note,
                "kpis_path": str(outcome.kpis_path),
                "report_path": str(outcome.report_path),
                "action_paths": [str(p) for p in outcome.action_paths],
            }
        )
        return
    echo(format_kpi_table(fleet_rows))
    if note:
        echo(f"\nnote: {note}")
    echo("")
    for path in (outcome.kpis_path, outcome.report_path, *outcome.action_paths):
        echo(f"wrote {path}")


def check(
    fleet: Annotated[Path, typer.Argument(help="Fleet TOML file to validate.")],
    as_json: JsonOption = False,
) -> None:
    """Validate a fleet file and summarise its sites."""
    loaded = planner.load_fleet(fleet)
    rows = [
        {
            "site_id": s.id,
            "capacity_mw": s.capacity_mw,
            "installed_mw": round(loaded.installed_power_mw(s) * s.overhead, 2),
            "hashrate_eh_s": round(loaded.installed_hashrate_th_s(s) / 1e6, 3),
            "contract": s.contract.kind,
            "cooling": s.cooling,
        }
        for s in loaded.sites
    ]
    if as_json:
        echo_json({"fleet": loaded.name, "sites": rows})
        return
    echo(f"{fleet}: ok, {len(rows)} sites, {len(loaded.routes)} routes")
    echo(pd.DataFrame(rows).to_string(index=False))


def simulate(
    fleet: FleetOption = None,
    start: StartOption = "2025-01-10",
    hours: HoursOption = 24 * 7,
    mode: ModeOption = "offline",
    seed: SeedOption = 7,
    strategies: StrategiesOption = "run-through,strike,strike+protective",
    as_json: JsonOption = False,
) -> None:
    """One run per strategy through the central forecast; print fleet totals."""
    loaded = fleet_of(fleet)
    names = strategy_names(strategies)
    if any(planner.is_plan_strategy(n) for n in names):
        raise planner.ConfigError("simulate", "use 'planner compare' for optimized strategies")
    feeds = feeds_of(loaded, start, hours, mode, seed)
    results = planner.simulate_strategies(loaded, feeds, names, seed=seed)
    table = planner.kpis(loaded, results, baseline=names[0])
    fleet_rows = table[table["site_id"] == "fleet"]
    if as_json:
        echo_json({"kpis": frame_records(table)})
        return
    echo(format_kpi_table(fleet_rows.rename(columns={"strategy": "policy"}), central=True))


def compare(
    fleet: FleetOption = None,
    start: StartOption = "2025-01-10",
    hours: CompareHoursOption = 24 * 7,
    mode: ModeOption = "offline",
    scenarios: Annotated[int, typer.Option(min=1, help="Scenarios judged on.")] = 20,
    plan_scenarios: Annotated[int, typer.Option(min=1, help="Scenarios planned over.")] = 8,
    replications: Annotated[int, typer.Option(min=1, help="Failure draws per scenario.")] = 1,
    seed: SeedOption = 7,
    strategies: StrategiesOption = "run-through,strike,strike+protective",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Also write kpis.csv and report.html.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Judge strategies over Monte Carlo scenarios (the plan on scenarios it did not see)."""
    names = strategy_names(strategies)
    check_usage(lambda: check_hours(hours, most=planner.horizon_limit(names)), "--hours")
    loaded = fleet_of(fleet)
    if out is not None:
        planner.prepare_output_dir(out)  # created and proven writable before the work
    show_estimate(
        planner.estimate_strategies(
            loaded,
            hours,
            names,
            scenarios=scenarios,
            replications=replications,
            plan_scenarios=plan_scenarios,
            report=out is not None,
        )
    )
    progress = Progress()
    progress("feeds", 0, 1)
    feeds = feeds_of(loaded, start, hours, mode, seed)
    outcome = planner.run_comparison(
        loaded,
        feeds,
        names,
        scenarios=scenarios,
        plan_scenarios=plan_scenarios,
        replications=replications,
        seed=seed,
        out_dir=out,
        progress=progress,
    )
    table, plan = outcome.kpis, outcome.plan
    paths = (outcome.kpis_path, outcome.report_path, *outcome.action_paths)
    written = [str(p) for p in paths if p is not None]
    if as_json:
        echo_json({"kpis": frame_records(table), "written": written})
        return
    echo(format_risk_table(table[table["site_id"] == "fleet"]))
    if plan is not None and plan.note:
        echo(f"note: {plan.note}")
    for path in written:
        echo(f"wrote {path}")


def optimize(
    fleet: FleetOption = None,
    start: StartOption = "2025-01-10",
    hours: PlanHoursOption = 24 * 7,
    mode: ModeOption = "offline",
    scenarios: Annotated[int, typer.Option(min=1, help="Scenarios planned over.")] = 8,
    seed: SeedOption = 7,
    risk_lambda: Annotated[float, typer.Option(min=0.0, help="Weight of CVaR of loss.")] = 0.0,
    hashrate_floor: Annotated[
        float, typer.Option("--hashrate-floor", min=0.0, help="Fleet hashrate floor [EH/s].")
    ] = 0.0,
    relocate: Annotated[bool, typer.Option(help="Decide relocations.")] = True,
    time_limit: Annotated[float, typer.Option(min=1.0, help="Solver time limit [s].")] = 60.0,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write plan.csv and relocations.csv.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Plan curtailment and relocations over scenarios; print the plan's KPIs and moves."""
    loaded = fleet_of(fleet)
    if out is not None:
        planner.prepare_output_dir(out)  # created and proven writable before the work
    settings = planner.OptimizeSettings(
        risk_lambda=risk_lambda,
        hashrate_floor_eh_s=hashrate_floor,
        relocate=relocate,
        time_limit_s=time_limit,
    )
    show_estimate(
        planner.estimate_strategies(loaded, hours, ["optimized"], plan_scenarios=scenarios)
    )
    progress = Progress()
    progress("feeds", 0, 1)
    feeds = feeds_of(loaded, start, hours, mode, seed)
    planned = planner.make_scenarios(loaded, feeds, scenarios, seed, progress=progress)
    progress("optimize", 0, 1)
    plan = planner.optimize(loaded, planned, settings)
    written = [] if out is None else [str(p) for p in planner.write_plan(out, plan)]
    if as_json:
        echo_json(
            {
                "status": plan.solver.status.value,
                "note": plan.note,
                "kpis": asdict(plan.kpis),
                "relocations": frame_records(plan.relocations),
                "first_period": frame_records(plan.first_period),
                "written": written,
            }
        )
        return
    echo(format_plan(plan))
    for path in written:
        echo(f"wrote {path}")
