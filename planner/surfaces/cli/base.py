"""What every command shares: the Typer apps, exit codes, option types with the library's own
checks as usage errors, and the helpers that load a fleet, read strategy names, fetch feeds and
open the run history."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer

import planner
from planner.inputs import check_choice, check_hours, check_seed, parse_start
from planner.surfaces.cli.output import echo

__all__ = [
    "DEFAULT_OUT",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_LOCKED",
    "EXIT_OK",
    "EXIT_USAGE",
    "PLAN_HOURS_MAX",
    "app",
    "check_usage",
    "checked",
    "echo_json",
    "feeds_of",
    "fleet_of",
    "run_store",
    "runs_app",
    "strategy_names",
]

#: Exit codes: success; a user, configuration, feed or job error; a usage error; the forecast
#: job's lock held by another run; interrupted (Ctrl-C).
EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_LOCKED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
#: Output folder of the forecast job's runs unless --out says otherwise.
DEFAULT_OUT = Path("planner-out/runs")
#: Longest horizon the optimizer plans over [h] (hourly, 14 days).
PLAN_HOURS_MAX = planner.horizon_limit(["optimized"])

app = typer.Typer(
    name="planner",
    help="Mining fleet resilience planner: simulate, compare and plan a Bitcoin mining fleet.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

runs_app = typer.Typer(help="The forecast job's run history.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")


def check_usage(check: Callable[[], object], option: str | None = None) -> None:
    """Run ``check``; its :class:`~planner.ConfigError` becomes a usage error (exit 2)."""
    try:
        check()
    except planner.ConfigError as exc:
        raise typer.BadParameter("; ".join(exc.problems), param_hint=option) from None


def checked(check: Callable[[Any], object]) -> Callable[[Any], Any]:
    """An option callback: the library's own check of the value, as a usage error."""

    def callback(value: Any) -> Any:
        if value is not None:
            check_usage(lambda: check(value))
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
    typer.Option(help=f"First hour of the horizon. {START_HELP}", callback=checked(parse_start)),
]

SIM_HOURS_HELP = "Horizon length in hours, 24 .. 87600 (ten years)"

PLAN_HOURS_HELP = "Horizon length in hours, 24 .. 336 (the optimizer plans hourly over <= 14 days)"

HoursOption = Annotated[int, typer.Option(help=f"{SIM_HOURS_HELP}.", callback=checked(check_hours))]

CompareHoursOption = Annotated[
    int,
    typer.Option(
        help=f"{SIM_HOURS_HELP}; at most 336 with an 'optimized' strategy.",
        callback=checked(check_hours),
    ),
]

PlanHoursOption = Annotated[
    int,
    typer.Option(
        help=f"{PLAN_HOURS_HELP}.",
        callback=checked(partial(check_hours, most=PLAN_HOURS_MAX)),
    ),
]

ModeOption = Annotated[
    str,
    typer.Option(
        help="Feed mode: offline (seeded generator), live or cache.",
        callback=checked(partial(check_choice, name="mode", choices=planner.FEED_MODES)),
    ),
]

SEED_HELP = "Seed of the feeds, scenarios and failures, 0 .. 4294967295 (2**32 - 1)."

SeedOption = Annotated[int, typer.Option(help=SEED_HELP, callback=checked(check_seed))]

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


def fleet_of(path: Path | None, default: str = "demo") -> planner.Fleet:
    """The fleet of ``--fleet``, else the packaged ``demo`` or ``texas`` fleet."""
    if path is not None:
        return planner.load_fleet(path)
    return planner.texas_fleet() if default == "texas" else planner.demo_fleet()


def strategy_names(text: str) -> list[str]:
    """The names of ``--strategies`` (comma-separated), at least one."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise planner.ConfigError("--strategies", "give at least one strategy name")
    return names


def echo_json(payload: Any) -> None:
    """One JSON document on standard output."""
    echo(json.dumps(payload, indent=2, default=str))


def feeds_of(fleet: planner.Fleet, start: str, hours: int, mode: str, seed: int) -> planner.Feeds:
    """The feeds of the command's options (live and cache modes read the providers' keys from
    the environment)."""
    sources = planner.FeedSources.from_env() if mode != "offline" else None
    return planner.fetch_feeds(fleet, start, hours, mode, seed=seed, sources=sources)  # type: ignore[arg-type]  # checked by fetch_feeds


def run_store(data_dir: Path | None) -> planner.RunStore:
    """The run history in ``data_dir`` (default ``$PLANNER_DATA_DIR``)."""
    return planner.RunStore(planner.default_store_path(data_dir))
