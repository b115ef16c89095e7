"""The ``planner`` command.

Commands: ``demo``, ``check``, ``simulate``, ``compare``, ``optimize``, ``forecast`` (the
scheduled job), ``replay``, ``runs list | show | prune``, ``app``; ``--version``. Results go to
stdout (``--json`` for machines), progress, estimates and diagnostics to stderr (``--verbose`` for
debug logging, the solver's log included). While a command works, file descriptor 1 and
``sys.stdout`` point at stderr: only the results reach stdout, whatever a dependency prints.

Exit codes: 0 success; 1 a user, configuration, feed or job error (one line on stderr, no
traceback); 2 a usage error (a bad option value, unknown option, missing argument; one line
``error: --start: ...``); 3 the forecast job's lock is held by another run (nothing was done); 130
interrupted (Ctrl-C: one line ``interrupted``), 143 ``planner app`` stopped by SIGTERM.
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import logging
import shutil
import sys
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

import planner
from planner.engine.compare import horizon_limit, is_plan_strategy
from planner.engine.metrics import with_hashrate_kept
from planner.engine.optimization.settings import MAX_OPERATIONAL_HOURS
from planner.inputs import check_choice, check_hours, check_seed, parse_start
from planner.ops.demo import DEMO_STRATEGIES, DEMO_TIME_LIMIT_S, write_comparison
from planner.ops.estimate import estimate_run
from planner.ops.jobs.artifacts import expected_schedule, output_dir
from planner.ops.jobs.prune import prune_runs
from planner.ops.locking import EXIT_LOCKED, default_lock_path
from planner.surfaces.cli_output import (
    Progress,
    command_output,
    echo,
    format_kpi_table,
    format_plan,
    format_replay_table,
    format_risk_table,
    format_run,
    format_runs,
    frame_records,
    run_json,
    show_estimate,
    show_interrupted,
)
from planner.surfaces.supervise import run_child
from planner.world.feeds import FEED_MODES

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
#: Output folder of the forecast job's runs unless --out says otherwise.
DEFAULT_OUT = Path("planner-out/runs")
__all__ = [
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_LOCKED",
    "EXIT_OK",
    "EXIT_USAGE",
    "app",
    "format_kpi_table",
    "main",
    "version",
]

app = typer.Typer(
    name="planner",
    help="Mining fleet resilience planner: simulate, compare and plan a Bitcoin mining fleet.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
runs_app = typer.Typer(help="The forecast job's run history.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")


def _usage(check: Callable[[], object], option: str | None = None) -> None:
    """Run ``check``; its :class:`~planner.ConfigError` becomes a usage error (exit 2)."""
    try:
        check()
    except planner.ConfigError as exc:
        raise typer.BadParameter("; ".join(exc.problems), param_hint=option) from None


def _checked(check: Callable[[Any], object]) -> Callable[[Any], Any]:
    """An option callback: the library's own check of the value, as a usage error."""

    def callback(value: Any) -> Any:
        if value is not None:
            _usage(lambda: check(value))
        return value

    return callback


FleetOption = Annotated[
    Path | None,
    typer.Option("--fleet", "-f", help="Fleet TOML file (default: the embedded demo fleet)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]
START_HELP = (
    "ISO 8601: YYYY-MM-DD or YYYY-MM-DDTHH[:MM[:SS]][Z|+HH:MM], UTC if no offset; "
    "from 2009-01-04 to one year after today."
)
StartOption = Annotated[
    str,
    typer.Option(help=f"First hour of the horizon. {START_HELP}", callback=_checked(parse_start)),
]
SIM_HOURS_HELP = "Horizon length in hours, 24 .. 87600 (ten years)"
PLAN_HOURS_HELP = "Horizon length in hours, 24 .. 336 (the optimizer plans hourly over <= 14 days)"
HoursOption = Annotated[
    int, typer.Option(help=f"{SIM_HOURS_HELP}.", callback=_checked(check_hours))
]
CompareHoursOption = Annotated[
    int,
    typer.Option(
        help=f"{SIM_HOURS_HELP}; at most 336 with an 'optimized' strategy.",
        callback=_checked(check_hours),
    ),
]
PlanHoursOption = Annotated[
    int,
    typer.Option(
        help=f"{PLAN_HOURS_HELP}.",
        callback=_checked(partial(check_hours, most=MAX_OPERATIONAL_HOURS)),
    ),
]
ModeOption = Annotated[
    str,
    typer.Option(
        help="Feed mode: offline (seeded generator), live or cache.",
        callback=_checked(partial(check_choice, name="mode", choices=FEED_MODES)),
    ),
]
SEED_HELP = "Seed of the feeds, scenarios and failures, 0 .. 4294967295 (2**32 - 1)."
SeedOption = Annotated[int, typer.Option(help=SEED_HELP, callback=_checked(check_seed))]
StrategiesOption = Annotated[
    str,
    typer.Option(
        "--strategies",
        "-s",
        help="Comma-separated strategies; the first is the baseline. 'optimized' follows the "
        "optimizer's plan (its guard, commitments and freeze floor); 'optimized+4cp' adds a rule.",
    ),
]
DataDirOption = Annotated[
    Path | None,
    typer.Option(help="Folder of the run history and lock (default $PLANNER_DATA_DIR)."),
]


def version() -> str:
    """The installed package's version (``importlib.metadata``), else ``planner.__version__``."""
    try:
        return importlib.metadata.version("mining-fleet-planner")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree, not installed
        return planner.__version__


def _print_version(value: bool) -> None:
    if value:
        echo(f"planner {version()}")
        raise typer.Exit()


@app.callback()
def _main(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log the planner's debug detail to stderr.")
    ] = False,
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    if verbose:  # ours, the solver's log included; Pyomo's debug log would print whole models
        for name in ("planner", "weather"):
            logging.getLogger(name).setLevel(logging.DEBUG)
    # urllib3's debug lines print request paths and queries, where webhook and API secrets live;
    # weather.http logs every request with its secrets masked instead.
    logging.getLogger("urllib3").setLevel(logging.INFO)


def _fleet(path: Path | None, default: str = "demo") -> planner.Fleet:
    if path is not None:
        return planner.load_fleet(path)
    return planner.texas_fleet() if default == "texas" else planner.demo_fleet()


def _names(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise planner.ConfigError("--strategies", "give at least one strategy name")
    return names


def _echo_json(payload: Any) -> None:
    echo(json.dumps(payload, indent=2, default=str))


def _estimate(
    fleet: planner.Fleet,
    hours: int,
    strategies: Sequence[str],
    *,
    scenarios: int = 0,
    replications: int = 1,
    plan_scenarios: int = 0,
    report: bool = False,
) -> None:
    """Say how long the run will take (when that is long enough to matter)."""
    planning = sum(is_plan_strategy(n) for n in strategies)
    estimate = estimate_run(
        sites=len(fleet.sites),
        hours=hours,
        scenarios=scenarios,
        replications=replications,
        strategies=len(strategies),
        plan_strategies=planning,
        plan_scenarios=plan_scenarios if planning else 0,
        report=report,
    )
    show_estimate(estimate)


def _feeds(fleet: planner.Fleet, start: str, hours: int, mode: str, seed: int) -> planner.Feeds:
    sources = planner.FeedSources.from_env() if mode != "offline" else None
    return planner.fetch_feeds(fleet, start, hours, mode, seed=seed, sources=sources)  # type: ignore[arg-type]  # checked by fetch_feeds


@app.command()
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
    ] = DEMO_TIME_LIMIT_S,
    as_json: JsonOption = False,
) -> None:
    """Run the main job offline on the demo fleet: write kpis.csv and report.html to OUT."""
    loaded = _fleet(fleet)
    _estimate(
        loaded,
        hours,
        DEMO_STRATEGIES,
        scenarios=scenarios,
        replications=replications,
        plan_scenarios=plan_scenarios,
        report=True,
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
        _echo_json(
            {
                "kpis": frame_records(fleet_rows),
                "plan_note": note,
                "kpis_path": str(outcome.kpis_path),
                "report_path": str(outcome.report_path),
            }
        )
        return
    echo(format_kpi_table(fleet_rows))
    if note:
        echo(f"\nnote: {note}")
    echo(f"\nwrote {outcome.kpis_path}\nwrote {outcome.report_path}")


@app.command()
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
        _echo_json({"fleet": loaded.name, "sites": rows})
        return
    echo(f"{fleet}: ok, {len(rows)} sites, {len(loaded.routes)} routes")
    echo(pd.DataFrame(rows).to_string(index=False))


@app.command()
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
    loaded = _fleet(fleet)
    names = _names(strategies)
    if any(is_plan_strategy(n) for n in names):
        raise planner.ConfigError("simulate", "use 'planner compare' for optimized strategies")
    feeds = _feeds(loaded, start, hours, mode, seed)
    results = planner.simulate_strategies(loaded, feeds, names, seed=seed)
    table = planner.kpis(loaded, results, baseline=names[0])
    fleet_rows = table[table["site_id"] == "fleet"]
    if as_json:
        _echo_json({"kpis": frame_records(table)})
        return
    echo(format_kpi_table(fleet_rows.rename(columns={"strategy": "policy"}), central=True))


@app.command()
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
    names = _names(strategies)
    _usage(lambda: check_hours(hours, most=horizon_limit(names)), "--hours")
    loaded = _fleet(fleet)
    if out is not None:
        output_dir(out)  # created and proven writable before the work
    _estimate(
        loaded,
        hours,
        names,
        scenarios=scenarios,
        replications=replications,
        plan_scenarios=plan_scenarios,
        report=out is not None,
    )
    progress = Progress()
    progress("feeds", 0, 1)
    feeds = _feeds(loaded, start, hours, mode, seed)
    plan = None
    if any(is_plan_strategy(n) for n in names):
        planned = planner.make_scenarios(loaded, feeds, plan_scenarios, seed, progress=progress)
        progress("optimize", 0, 1)
        plan = planner.optimize(loaded, planned)
    judged = planner.make_scenarios(loaded, feeds, scenarios, seed + 1, progress=progress)
    evaluation = planner.compare_strategies(
        loaded, judged, names, plan=plan, replications=replications, progress=progress
    )
    table = with_hashrate_kept(evaluation.metrics(), baseline=names[0])
    written = []
    if out is not None:
        progress("report", 0, 1)
        paths = write_comparison(out, loaded, feeds, names, evaluation, table, plan=plan, seed=seed)
        written = [str(p) for p in paths]
    if as_json:
        _echo_json({"kpis": frame_records(table), "written": written})
        return
    echo(format_risk_table(table[table["site_id"] == "fleet"]))
    if plan is not None and plan.note:
        echo(f"note: {plan.note}")
    for path in written:
        echo(f"wrote {path}")


@app.command()
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
    loaded = _fleet(fleet)
    folder = None if out is None else output_dir(out)  # proven writable before the work
    settings = planner.OptimizeSettings(
        risk_lambda=risk_lambda,
        hashrate_floor_eh_s=hashrate_floor,
        relocate=relocate,
        time_limit_s=time_limit,
    )
    _estimate(loaded, hours, ["optimized"], plan_scenarios=scenarios)
    progress = Progress()
    progress("feeds", 0, 1)
    feeds = _feeds(loaded, start, hours, mode, seed)
    planned = planner.make_scenarios(loaded, feeds, scenarios, seed, progress=progress)
    progress("optimize", 0, 1)
    plan = planner.optimize(loaded, planned, settings)
    schedule = expected_schedule(plan.schedule, plan.weights)
    written = []
    if folder is not None:
        from planner.ops.atomic import atomic_write_text

        for name, frame in (("plan.csv", schedule), ("relocations.csv", plan.relocations)):
            atomic_write_text(folder / name, frame.to_csv(index=False))
            written.append(str(folder / name))
    if as_json:
        from dataclasses import asdict

        _echo_json(
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


@app.command()
def forecast(
    fleet: Annotated[Path, typer.Argument(help="Fleet TOML file.")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output folder of the runs.")
    ] = DEFAULT_OUT,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Job config (TOML or JSON).")
    ] = None,
    mode: Annotated[
        str | None,
        typer.Option(
            help="Feed mode: offline, live or cache (default: config, else live).",
            callback=_checked(partial(check_choice, name="mode", choices=FEED_MODES)),
        ),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            help=f"First hour (default: today 00:00 UTC). {START_HELP}",
            callback=_checked(parse_start),
        ),
    ] = None,
    hours: Annotated[
        int | None,
        typer.Option(
            help=f"{PLAN_HOURS_HELP}; default: config, else 168.",
            callback=_checked(partial(check_hours, most=MAX_OPERATIONAL_HOURS)),
        ),
    ] = None,
    scenarios: Annotated[int | None, typer.Option(min=1, help="Scenarios planned over.")] = None,
    eval_scenarios: Annotated[int | None, typer.Option(min=1, help="Scenarios judged on.")] = None,
    seed: Annotated[int | None, typer.Option(help=SEED_HELP, callback=_checked(check_seed))] = None,
    strategies: Annotated[
        str | None, typer.Option("--strategies", "-s", help="Comma-separated strategies.")
    ] = None,
    max_hashrate_at_risk: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="Notify above this P(fleet below its floor)."),
    ] = None,
    max_planned_curtailment: Annotated[
        float | None, typer.Option(min=0.0, help="Notify above this planned curtailment [MWh].")
    ] = None,
    data_dir: DataDirOption = None,
    force: Annotated[bool, typer.Option(help="Run even if an identical run succeeded.")] = False,
    as_json: JsonOption = False,
) -> None:
    """The scheduled forecast job: feeds, plan, judge, report, notify, record (exit 3 if locked)."""
    overrides: dict[str, Any] = {
        "start": start,
        "eval_scenarios": eval_scenarios,
        "seed": seed,
        "strategies": tuple(_names(strategies)) if strategies else None,
    }
    if config is not None:
        settings = planner.load_job_settings(config, **overrides)
    else:
        settings = planner.JobSettings(**{k: v for k, v in overrides.items() if v is not None})
    thresholds = settings.thresholds
    if max_hashrate_at_risk is not None:
        thresholds = thresholds.replace(hashrate_at_risk_max=max_hashrate_at_risk)
    if max_planned_curtailment is not None:
        thresholds = thresholds.replace(planned_curtailment_mwh_max=max_planned_curtailment)
    settings = settings.replace(thresholds=thresholds)
    loaded = planner.load_fleet(fleet)
    _estimate(
        loaded,
        hours or settings.horizon_hours,
        settings.strategies,
        scenarios=settings.eval_scenarios,
        replications=settings.replications,
        plan_scenarios=scenarios or settings.scenarios,
        report=True,
    )
    outcome = planner.run_forecast_job(
        loaded,
        out,
        mode=mode,
        horizon=hours,
        scenarios=scenarios,
        settings=settings,
        data_dir=data_dir,
        force=force,
        progress=Progress(),
    )
    if as_json:
        _echo_json(
            {
                **run_json(outcome.run),
                "reused": outcome.reused,
                "folder": str(outcome.folder),
                "notification": outcome.notification,
                "alerts": [a.to_json() for a in outcome.alerts],
                "strategies": frame_records(outcome.table),
            }
        )
        return
    if outcome.reused:
        echo(f"reused run {outcome.run.id}: same fleet, feeds and settings; nothing to do")
    else:
        echo(format_risk_table(outcome.table))
        echo(f"\nrun {outcome.run.id} succeeded; notification: {outcome.notification}")
        for alert in outcome.alerts:
            echo(f"alert: {alert.message}")
        for note in outcome.notes[len(outcome.feeds.notes) if outcome.feeds else 0 :]:
            typer.echo(f"note: {note}", err=True)
    echo(f"report: {outcome.report_path}")


@app.command()
def replay(
    start: Annotated[
        str,
        typer.Option(help=f"First day or hour. {START_HELP}", callback=_checked(parse_start)),
    ] = "2021-02-07",
    end: Annotated[
        str,
        typer.Option(
            help="Last day (inclusive) or end hour, in the same forms as --start.",
            callback=_checked(parse_start),
        ),
    ] = "2021-02-24",
    data: Annotated[
        Path | None,
        typer.Option(help="Folder laid out like ../shared/data (ercot/, weather/, ...)."),
    ] = None,
    prices: Annotated[Path | None, typer.Option(help="Real-time prices file.")] = None,
    btc: Annotated[Path | None, typer.Option(help="Daily BTC network file.")] = None,
    weather_hourly: Annotated[Path | None, typer.Option(help="Hourly station file.")] = None,
    weather_daily: Annotated[Path | None, typer.Option(help="NASA POWER daily file.")] = None,
    outages: Annotated[Path | None, typer.Option(help="OE-417 events file.")] = None,
    load: Annotated[Path | None, typer.Option(help="System load file.")] = None,
    fleet: Annotated[
        Path | None,
        typer.Option("--fleet", "-f", help="Fleet TOML (default: the packaged Texas fleet)."),
    ] = None,
    strategies: StrategiesOption = "run-through,strike,strike+protective,optimized",
    scenarios: Annotated[int, typer.Option(min=1, help="Grid-outage draws.")] = 20,
    seed: SeedOption = 7,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Also write kpis.csv and report.html.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Replay a historical window from files; each strategy against the first (run-through)."""
    given = {
        "prices": prices,
        "btc": btc,
        "weather_hourly": weather_hourly,
        "weather_daily": weather_daily,
        "outages": outages,
        "load": load,
    }
    if data is not None:
        files = planner.ReplayFiles.from_folder(data, **given)
    elif prices is None or btc is None:
        raise planner.ConfigError("replay", "give --data FOLDER, or at least --prices and --btc")
    else:
        files = planner.ReplayFiles(**{k: v for k, v in given.items() if v is not None})  # type: ignore[arg-type]  # prices and btc checked above
    loaded = _fleet(fleet, default="texas")
    outcome = planner.run_replay(
        loaded,
        start,
        end,
        files,
        strategies=_names(strategies),
        scenarios=scenarios,
        seed=seed,
        out_dir=out,
        progress=Progress(),
    )
    if as_json:
        _echo_json(
            {
                "fleet": loaded.name,
                "window": [str(outcome.feeds.times[0]), str(outcome.feeds.times[-1])],
                "strategies": frame_records(outcome.table),
                "notes": list(outcome.feeds.notes),
                "report_path": None if outcome.report_path is None else str(outcome.report_path),
            }
        )
        return
    echo(format_replay_table(outcome.table, outcome.feeds))
    for path in (outcome.kpis_path, outcome.report_path):
        if path is not None:
            echo(f"wrote {path}")


def _store(data_dir: Path | None) -> planner.RunStore:
    from planner.ops.store import default_store_path

    return planner.RunStore(default_store_path(data_dir))


@runs_app.command("list")
def runs_list(
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 20,
    status: Annotated[str | None, typer.Option(help="running, succeeded or failed.")] = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the newest runs."""
    with _store(data_dir) as store:
        records = store.list_runs(limit, status=status)
    if as_json:
        _echo_json([run_json(r) for r in records])
        return
    echo(format_runs(records) if records else "no runs yet")


@runs_app.command("show")
def runs_show(
    run_id: Annotated[str, typer.Argument(help="Run id (see 'planner runs list').")],
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one run: status, reason, KPIs, feeds and artifacts."""
    with _store(data_dir) as store:
        record = store.get_run(run_id)
    if as_json:
        _echo_json(run_json(record))
        return
    echo(format_run(record))


@runs_app.command("prune")
def runs_prune(
    keep_last: Annotated[int | None, typer.Option(min=0, help="Keep the newest N runs.")] = None,
    older_than_days: Annotated[
        float | None, typer.Option(min=0.0, help="Delete runs older than this [days].")
    ] = None,
    keep_files: Annotated[bool, typer.Option(help="Leave the pruned runs' files.")] = False,
    out: Annotated[
        list[Path] | None,
        typer.Option("--out", "-o", help="Output folder of the runs (besides the history's)."),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm --keep-last 0 and pruning the 'latest' run.")
    ] = False,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Delete old finished runs (and, unless --keep-files, their files) and stale temp folders."""

    dirs = out if out is not None else [DEFAULT_OUT]
    with _store(data_dir) as store:
        args: dict[str, Any] = {
            "keep_last": keep_last,
            "older_than_days": older_than_days,
            "out_dirs": dirs,
            "keep_files": keep_files,
        }
        lock = default_lock_path(data_dir)
        if keep_last == 0 and not yes:
            would = prune_runs(store, lock, include_latest=True, dry_run=True, **args)
            typer.echo(
                f"refusing --keep-last 0 without --yes: it would delete all {len(would.runs)} "
                f"finished run(s) and {len(would.deleted)} file(s)"
                + "".join(
                    f", including run {i} that 'latest' points to" for i in would.latest_pruned
                )
                + "; add --yes to confirm",
                err=True,
            )
            raise SystemExit(EXIT_USAGE)
        outcome = prune_runs(store, lock, include_latest=yes, **args)
    if as_json:
        _echo_json(
            {
                "pruned": [r.id for r in outcome.runs],
                "deleted": list(outcome.deleted),
                "spared_latest": list(outcome.spared_latest),
            }
        )
        return
    echo(f"pruned {len(outcome.runs)} run(s), deleted {len(outcome.deleted)} file(s)")
    for run_id in outcome.spared_latest:
        echo(f"kept run {run_id}: 'latest' points to it (add --yes to prune it too)")


@app.command("app")
def app_command(
    app_file: Annotated[
        Path | None, typer.Option("--app-file", help="Streamlit script (default: app.py).")
    ] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port to serve on.")] = None,
    address: Annotated[
        str,
        typer.Option(
            help="Address to serve on: 127.0.0.1 is this machine only; 0.0.0.0 opens the app "
            "(and its files and webhooks) to the network."
        ),
    ] = "127.0.0.1",
) -> None:
    """Start the Streamlit what-if app on this machine (SIGTERM or Ctrl-C stops it)."""
    candidates = (
        [app_file] if app_file else [Path("app.py"), Path(planner.__file__).parents[1] / "app.py"]
    )
    script = next((p for p in candidates if p is not None and p.is_file()), None)
    if script is None:
        shown = ", ".join(str(p) for p in candidates if p is not None)
        raise planner.ConfigError(
            "app", f"no Streamlit app at {shown}; run from the project folder"
        )
    if shutil.which("streamlit") is None and not _has_module("streamlit"):
        raise planner.ConfigError(
            "app", "streamlit is not installed: pip install 'mining-fleet-planner[app]'"
        )
    command = [sys.executable, "-m", "streamlit", "run", str(script)]
    command += ["--server.address", address, "--server.headless", "true"]
    command += ["--browser.gatherUsageStats", "false"]
    if port is not None:
        command += ["--server.port", str(port)]
    typer.echo(f"starting: {' '.join(command)}", err=True)
    code = run_child(command)
    if code:
        raise typer.Exit(code)


def _has_module(name: str) -> bool:
    from importlib.util import find_spec

    return find_spec(name) is not None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return its exit code. Planner errors become one line on stderr and exit 1;
    a held job lock exits 3; Ctrl-C exits 130 with the line ``interrupted``."""
    command = typer.main.get_command(app)
    _guard(command)
    try:
        code = command.main(args=argv, prog_name="planner", standalone_mode=False)
    except planner.JobLockedError as exc:
        typer.echo(f"locked: {_one_line(exc)}", err=True)
        return EXIT_LOCKED
    except planner.PlannerError as exc:
        typer.echo(f"error: {_one_line(exc)}", err=True)
        return EXIT_ERROR
    except typer.TyperException as exc:  # a bad option value, unknown option, missing argument
        typer.echo(f"error: {_usage_line(exc)}", err=True)
        return int(getattr(exc, "exit_code", EXIT_USAGE))
    except SystemExit as exc:  # typer/click exit paths (--help)
        return int(exc.code or 0)
    except Exception as exc:  # other click errors carry their own exit code
        code = getattr(exc, "exit_code", None)
        if code is None:
            raise
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        return int(code)
    return code if isinstance(code, int) else EXIT_OK  # typer.Exit(code) comes back as code


def _guard(command: object) -> None:
    """Run each command's work (after its options are parsed, so --help and usage errors print
    as usual) under :func:`~planner.surfaces.cli_output.command_output`; Ctrl-C ends it with one
    line."""
    if isinstance(command, typer.core.TyperGroup):
        for sub in command.commands.values():
            _guard(sub)
    elif isinstance(command, typer.core.TyperCommand) and command.callback is not None:
        command.callback = _guarded(command.callback)


def _guarded(work: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(work)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            with command_output():
                return work(*args, **kwargs)
        except KeyboardInterrupt:
            show_interrupted()
            raise typer.Exit(EXIT_INTERRUPTED) from None

    return run


def _usage_line(exc: typer.TyperException) -> str:
    """One line for a usage error: ``--start: must be ...``, or typer's own sentence."""
    if isinstance(exc, typer.BadParameter) and exc.message:  # a missing one has no message
        hint = exc.param_hint or (exc.param.opts[0] if exc.param is not None else None)
        if isinstance(hint, str):
            return f"{hint}: {_one_line(exc)}"
    ctx = getattr(exc, "ctx", None)
    path = ctx.command_path if ctx is not None else "planner"
    return f"{' '.join(exc.format_message().split())} (see '{path} --help')"


if __name__ == "__main__":
    sys.exit(main())
