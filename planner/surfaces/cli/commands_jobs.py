"""The scheduled job's commands: ``forecast``, ``replay`` and ``runs list | show | prune``."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer

import planner
from planner.inputs import check_choice, check_hours, check_seed, parse_start
from planner.surfaces.cli.base import (
    DEFAULT_OUT,
    EXIT_USAGE,
    PLAN_HOURS_HELP,
    PLAN_HOURS_MAX,
    SEED_HELP,
    START_HELP,
    DataDirOption,
    JsonOption,
    SeedOption,
    StrategiesOption,
    checked,
    echo_json,
    fleet_of,
    run_store,
    strategy_names,
)
from planner.surfaces.cli.output import (
    Progress,
    echo,
    format_replay_table,
    format_risk_table,
    format_run,
    format_runs,
    frame_records,
    run_json,
    show_estimate,
)

__all__ = ["forecast", "replay", "runs_list", "runs_prune", "runs_show"]


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
            callback=checked(partial(check_choice, name="mode", choices=planner.FEED_MODES)),
        ),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            help=f"First hour (default: today 00:00 UTC). {START_HELP}",
            callback=checked(parse_start),
        ),
    ] = None,
    hours: Annotated[
        int | None,
        typer.Option(
            help=f"{PLAN_HOURS_HELP}; default: config, else 168.",
            callback=checked(partial(check_hours, most=PLAN_HOURS_MAX)),
        ),
    ] = None,
    scenarios: Annotated[int | None, typer.Option(min=1, help="Scenarios planned over.")] = None,
    eval_scenarios: Annotated[int | None, typer.Option(min=1, help="Scenarios judged on.")] = None,
    seed: Annotated[int | None, typer.Option(help=SEED_HELP, callback=checked(check_seed))] = None,
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
        "strategies": tuple(strategy_names(strategies)) if strategies else None,
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
    show_estimate(
        planner.estimate_strategies(
            loaded,
            hours or settings.horizon_hours,
            settings.strategies,
            scenarios=settings.eval_scenarios,
            replications=settings.replications,
            plan_scenarios=scenarios or settings.scenarios,
            report=True,
        )
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
        echo_json(
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


def replay(
    start: Annotated[
        str,
        typer.Option(help=f"First day or hour. {START_HELP}", callback=checked(parse_start)),
    ] = "2021-02-07",
    end: Annotated[
        str,
        typer.Option(
            help="Last day (inclusive) or end hour, in the same forms as --start.",
            callback=checked(parse_start),
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
    loaded = fleet_of(fleet, default="texas")
    outcome = planner.run_replay(
        loaded,
        start,
        end,
        files,
        strategies=strategy_names(strategies),
        scenarios=scenarios,
        seed=seed,
        out_dir=out,
        progress=Progress(),
    )
    if as_json:
        echo_json(
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


def runs_list(
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 20,
    status: Annotated[str | None, typer.Option(help="running, succeeded or failed.")] = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the newest runs."""
    with run_store(data_dir) as store:
        records = store.list_runs(limit, status=status)
    if as_json:
        echo_json([run_json(r) for r in records])
        return
    echo(format_runs(records) if records else "no runs yet")


def runs_show(
    run_id: Annotated[str, typer.Argument(help="Run id (see 'planner runs list').")],
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one run: status, reason, KPIs, feeds and artifacts."""
    with run_store(data_dir) as store:
        record = store.get_run(run_id)
    if as_json:
        echo_json(run_json(record))
        return
    echo(format_run(record))


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
    args: dict[str, Any] = {
        "keep_last": keep_last,
        "older_than_days": older_than_days,
        "out_dirs": out if out is not None else [DEFAULT_OUT],
        "keep_files": keep_files,
        "data_dir": data_dir,
    }
    if keep_last == 0 and not yes:
        would = planner.prune_runs(include_latest=True, dry_run=True, **args)
        typer.echo(
            f"refusing --keep-last 0 without --yes: it would delete all {len(would.runs)} "
            f"finished run(s) and {len(would.deleted)} file(s)"
            + "".join(f", including run {i} that 'latest' points to" for i in would.latest_pruned)
            + "; add --yes to confirm",
            err=True,
        )
        raise SystemExit(EXIT_USAGE)
    outcome = planner.prune_runs(include_latest=yes, **args)
    if as_json:
        echo_json(
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
