"""The ``planner`` command's entry point: logging and ``--version``, the commands registered,
errors and Ctrl-C turned into one line and an exit code."""

from __future__ import annotations

import functools
import importlib.metadata
import logging
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer

import planner
from planner.surfaces.cli import commands_app, commands_dispatch, commands_jobs, commands_plan
from planner.surfaces.cli.base import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_USAGE,
    app,
    runs_app,
)
from planner.surfaces.cli.output import command_output, echo, show_interrupted

__all__ = ["main", "version"]

# The commands, in the order ``planner --help`` lists them (the ``runs`` group comes last).
for command in (
    commands_plan.demo,
    commands_plan.check,
    commands_plan.simulate,
    commands_plan.compare,
    commands_plan.optimize,
    commands_jobs.forecast,
    commands_jobs.replay,
    commands_dispatch.dispatch,
):
    app.command()(command)
app.command("app")(commands_app.app_command)
runs_app.command("list")(commands_jobs.runs_list)
runs_app.command("show")(commands_jobs.runs_show)
runs_app.command("prune")(commands_jobs.runs_prune)


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


def one_line(exc: BaseException) -> str:
    """An error as one line (its message with every run of whitespace made one space)."""
    return " ".join(str(exc).split())


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return its exit code. Planner errors become one line on stderr and exit 1;
    a held job lock exits 3; Ctrl-C exits 130 with the line ``interrupted``."""
    command = typer.main.get_command(app)
    _guard(command)
    try:
        code = command.main(args=argv, prog_name="planner", standalone_mode=False)
    except planner.JobLockedError as exc:
        typer.echo(f"locked: {one_line(exc)}", err=True)
        return EXIT_LOCKED
    except planner.PlannerError as exc:
        typer.echo(f"error: {one_line(exc)}", err=True)
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
    as usual) under :func:`~planner.surfaces.cli.output.command_output`; Ctrl-C ends it with one
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
            return f"{hint}: {one_line(exc)}"
    ctx = getattr(exc, "ctx", None)
    path = ctx.command_path if ctx is not None else "planner"
    return f"{' '.join(exc.format_message().split())} (see '{path} --help')"
