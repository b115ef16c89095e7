"""The ``planner`` command.

Exit codes: 0 success; 1 a user, configuration or feed error (one line on stderr, no traceback);
2 a usage error (unknown option, missing argument).
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

import planner

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2

app = typer.Typer(
    name="planner",
    help="Mining fleet resilience planner: simulate, compare and plan a Bitcoin mining fleet.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

FleetOption = Annotated[
    Path | None,
    typer.Option("--fleet", "-f", help="Fleet TOML file (default: the embedded demo fleet)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]


@app.callback()
def _main(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log debug detail to stderr.")
    ] = False,
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _progress(step: str, done: int, total: int) -> None:
    typer.echo(f"[{done}/{total}] {step}", err=True)


def _fleet(path: Path | None) -> planner.Fleet:
    return planner.load_fleet(path) if path is not None else planner.demo_fleet()


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path(
        "planner-out/demo"
    ),
    fleet: FleetOption = None,
    start: Annotated[str, typer.Option(help="First hour of the horizon (UTC).")] = "2025-01-10",
    hours: Annotated[int, typer.Option(min=24, help="Horizon length in hours.")] = 24 * 14,
    scenarios: Annotated[int, typer.Option(min=1, help="Monte Carlo scenarios.")] = 40,
    replications: Annotated[int, typer.Option(min=1, help="Failure draws per scenario.")] = 1,
    seed: Annotated[int, typer.Option(help="Seed of the feeds, scenarios and failures.")] = 7,
    as_json: JsonOption = False,
) -> None:
    """Run the main job offline on the demo fleet: write kpis.csv and report.html to OUT."""
    outcome = planner.run_demo(
        out,
        fleet=_fleet(fleet),
        start=start,
        hours=hours,
        scenarios=scenarios,
        replications=replications,
        seed=seed,
        progress=_progress,
    )
    fleet_rows = outcome.kpis[outcome.kpis["site_id"] == "fleet"]
    if as_json:
        payload = {
            "kpis": json.loads(fleet_rows.to_json(orient="records")),
            "kpis_path": str(outcome.kpis_path),
            "report_path": str(outcome.report_path),
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    typer.echo(format_kpi_table(fleet_rows))
    typer.echo(f"\nwrote {outcome.kpis_path}\nwrote {outcome.report_path}")


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
        typer.echo(json.dumps({"fleet": loaded.name, "sites": rows}, indent=2))
        return
    typer.echo(f"{fleet}: ok, {len(rows)} sites, {len(loaded.routes)} routes")
    typer.echo(pd.DataFrame(rows).to_string(index=False))


def format_kpi_table(fleet_rows: pd.DataFrame) -> str:
    """The fleet rows of the risk table as a short aligned text table."""
    shown = pd.DataFrame(
        {
            "strategy": fleet_rows["policy"],
            "E[profit] $M": (fleet_rows["expected_profit_usd"] / 1e6).round(2),
            "P5 $M": (fleet_rows["p5_profit_usd"] / 1e6).round(2),
            "CVaR5 $M": (fleet_rows["cvar5_profit_usd"] / 1e6).round(2),
            "curtailed GWh": (fleet_rows["curtailed_mwh"] / 1e3).round(1),
            "mean EH/s": fleet_rows["mean_hashrate_eh_s"].round(2),
            "kept %": fleet_rows["hashrate_kept_pct"].round(1),
            "freeze events": fleet_rows["freeze_events"].round(2),
        }
    )
    return shown.to_string(index=False)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return its exit code. Planner errors become one line on stderr and exit 1."""
    try:
        app(args=argv, prog_name="planner", standalone_mode=False)
    except planner.PlannerError as exc:
        typer.echo(f"error: {exc}", err=True)
        return EXIT_ERROR
    except SystemExit as exc:  # typer/click exit paths (--help, usage errors)
        return int(exc.code or 0)
    except Exception as exc:  # click usage errors carry their own exit code
        code = getattr(exc, "exit_code", None)
        if code is None:
            raise
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        return int(code)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
