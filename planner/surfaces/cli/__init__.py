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

Modules: ``base`` (the Typer apps, exit codes, shared options and helpers), one per command
group (``commands_plan``: demo, check, simulate, compare, optimize; ``commands_jobs``: forecast,
replay, runs; ``commands_app``: app), ``output`` (text and JSON shapes, progress) and ``main``
(the entry point).
"""

from planner.surfaces.cli.base import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_USAGE,
    app,
)
from planner.surfaces.cli.main import main, version
from planner.surfaces.cli.output import format_kpi_table

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
