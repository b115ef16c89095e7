"""``planner dispatch``: the latest plan's next interval, listed (dry run) or set on the miners."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

import planner
from planner.surfaces.cli.base import (
    EXIT_ERROR,
    DataDirOption,
    JsonOption,
    echo_json,
    run_store,
)
from planner.surfaces.cli.output import echo

__all__ = ["dispatch"]


def dispatch(
    fleet: Annotated[
        Path, typer.Option("--fleet", "-f", help="Fleet TOML file with an inventory of miners.")
    ],
    run: Annotated[
        str, typer.Option(help="Run whose plan to carry out: a run id, or 'latest' succeeded.")
    ] = "latest",
    apply: Annotated[
        bool, typer.Option("--apply", help="Act on the miners (default: a dry run).")
    ] = False,
    who: Annotated[str, typer.Option(help="Who dispatches, for the log (default: $USER).")] = "",
    timeout_s: Annotated[
        float, typer.Option(min=0.01, help="Seconds to wait for one answer.")
    ] = 10.0,
    settle_s: Annotated[
        float, typer.Option(min=0.0, help="Seconds to wait before a read-back.")
    ] = 5.0,
    tries: Annotated[int, typer.Option(min=1, max=10, help="Commands per change.")] = 3,
    batch_s: Annotated[
        float, typer.Option(min=0.01, help="Seconds one batch of restores stands for.")
    ] = 60.0,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Carry out the next interval of a run's plan on the miners of the fleet's inventory.

    A dry run (the default) reads the miners and prints what it would do; --apply sheds at once,
    restores in batches within the inventory's ramp limit, reads every miner back, retries, and
    rolls back a miner that does not reach its target. Every action is recorded in the run
    history with who and when. The miners' API password comes from $PLANNER_MINER_PASSWORD.
    """
    fleet_obj = planner.load_fleet(fleet)
    with run_store(data_dir) as store:
        if run == "latest":
            found = store.list_runs(1, status="succeeded")
            if not found:
                raise planner.ConfigError("--run", "no succeeded run in the history yet")
            record = found[0]
        else:
            record = store.get_run(run)
        store_path = store.path
    plan_path = record.artifacts.get("plan_csv")
    if plan_path is None:
        raise planner.ConfigError("--run", f"run {record.id} has no plan.csv to carry out")
    settings = planner.DispatchSettings(
        batch_s=batch_s,
        timeout_s=timeout_s,
        settle_s=settle_s,
        tries=tries,
    )
    result = planner.dispatch_plan(
        fleet_obj,
        planner.read_plan_csv(plan_path),
        apply=apply,
        who=who,
        run_id=record.id,
        store_path=store_path,
        settings=settings,
    )
    if as_json:
        echo_json(_result_json(result))
    else:
        kind = "applied" if result.applied else "dry run"
        echo(
            f"dispatch {result.dispatch_id} ({kind}) of run {record.id} by {result.who}: "
            f"{len(result.outcomes)} miners, {len(result.actions)} actions, "
            f"{len(result.failed)} failed"
        )
        for outcome in result.actions:
            echo(outcome.line())
    if result.failed:
        raise typer.Exit(EXIT_ERROR)


def _result_json(result: planner.DispatchResult) -> dict[str, Any]:
    return {
        "dispatch_id": result.dispatch_id,
        "run_id": result.run_id,
        "at": result.at.isoformat(),
        "who": result.who,
        "applied": result.applied,
        "miners": [
            {
                "site_id": o.target.site_id,
                "model_id": o.target.model_id,
                "host": o.target.host,
                "from_mode": o.before_mode.name if o.before_mode else None,
                "from_w": o.before.power_w if o.before else None,
                "to_mode": o.target.mode.name,
                "to_w": o.target.mode.power_w,
                "status": o.status,
                "detail": o.detail,
            }
            for o in result.outcomes
        ],
        "failed": [o.line() for o in result.failed],
    }
