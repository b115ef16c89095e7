"""One dispatch: read the miners, set the plan's next interval on them, record what happened.

:func:`dispatch_plan` ties the parts together: the targets
(:mod:`~planner.ops.dispatch.targets`), the miners' clients (:mod:`~planner.ops.dispatch.luxos`),
carrying the changes out (:mod:`~planner.ops.dispatch.apply`) and the dispatch log in the run
history (:mod:`planner.ops.store.actions`). A dry run (the default) reads the miners and lists
the actions without sending a command; both are recorded.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from planner.domain.fleet import Fleet
from planner.domain.inventory import host_port
from planner.errors import ConfigError
from planner.ops.dispatch.apply import (
    DispatchSettings,
    MinerClient,
    MinerOutcome,
    carry_out,
    nearest_mode,
    read_all,
)
from planner.ops.dispatch.luxos import LuxOSClient, MinerError, Reading
from planner.ops.dispatch.targets import (
    MinerTarget,
    miner_targets,
    model_modes,
    next_interval,
)
from planner.ops.store.actions import ActionRecord, record_actions

#: Environment variable holding the miners' API password (never the fleet file).
PASSWORD_ENV = "PLANNER_MINER_PASSWORD"

ClientFactory = Callable[[str, str], MinerClient]


def default_client(firmware: str, host: str) -> MinerClient:
    """The client of a miner of ``firmware`` at ``host`` (``ip`` or ``ip:port``), with the
    password from :data:`PASSWORD_ENV`."""
    address = host_port(host)
    if address is None or firmware != "luxos":
        raise ConfigError("inventory", f"cannot reach {firmware} miner at {host!r}")
    return LuxOSClient(*address, password=os.environ.get(PASSWORD_ENV) or None)


@dataclass(frozen=True)
class DispatchResult:
    """What one dispatch did (or, in a dry run, would do).

    Attributes
    ----------
    dispatch_id
        Its id in the dispatch log.
    run_id
        The run whose plan it carried out (``None``: a plan given directly).
    at, who
        When it started (UTC) and who ran it.
    applied
        ``False`` for a dry run.
    outcomes
        One per miner of the inventory that the plan names.
    """

    dispatch_id: str
    run_id: str | None
    at: datetime
    who: str
    applied: bool
    outcomes: tuple[MinerOutcome, ...]

    @property
    def actions(self) -> list[MinerOutcome]:
        """The miners that change (or would), and those that could not be read."""
        return [o for o in self.outcomes if o.status != "unchanged"]

    @property
    def failed(self) -> list[MinerOutcome]:
        """The miners that did not end at their target."""
        return [o for o in self.outcomes if o.failed]


def dispatch_plan(
    fleet: Fleet,
    plan: pd.DataFrame,
    *,
    apply: bool = False,
    who: str = "",
    run_id: str | None = None,
    store_path: str | os.PathLike[str] | None = None,
    settings: DispatchSettings | None = None,
    client: ClientFactory = default_client,
    clock: Callable[[], float] = time.monotonic,
) -> DispatchResult:
    """Set the plan's next interval on the fleet's miners, or list what that would take.

    Parameters
    ----------
    fleet
        A fleet whose file has an ``[inventory]`` (:mod:`planner.domain.inventory`).
    plan
        The plan to act on (a run's ``plan.csv``): its first interval is carried out.
    apply
        ``False`` (default): a dry run, no command is sent.
    who
        Who runs the dispatch, for the log (the login name if empty).
    run_id
        The run the plan comes from, for the log.
    store_path
        The run history to record in (``None``: the default one,
        :func:`planner.ops.store.default_store_path`).
    settings
        Timeouts, tries and batches; the ramp limit is the inventory's unless it sets one.
    client
        Makes a miner's client from its firmware and host (LuxOS through pyasic by default).
    clock
        Monotonic clock [s] for the batches and the timed events.

    Returns
    -------
    DispatchResult

    Raises
    ------
    ConfigError
        No inventory, or a plan without a first interval.
    """
    from planner.ops.store.paths import default_store_path

    if fleet.inventory is None:
        raise ConfigError("fleet", "inventory: the fleet file has no [inventory] of miners")
    fractions = next_interval(plan)
    chosen = settings or DispatchSettings()
    if chosen.ramp_mw_per_min is None:
        chosen = replace(chosen, ramp_mw_per_min=fleet.inventory.ramp_mw_per_min)
    started = datetime.now(UTC)
    dispatch_id = f"{started:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"
    name = who or os.environ.get("USER") or os.environ.get("USERNAME") or "unknown"
    outcomes = asyncio.run(_dispatch(fleet, fractions, apply, chosen, client, clock))
    result = DispatchResult(dispatch_id, run_id, started, name, apply, tuple(outcomes))
    record_actions(store_path or default_store_path(), _records(result))
    return result


async def _dispatch(
    fleet: Fleet,
    fractions: Mapping[tuple[str, str], float],
    apply: bool,
    settings: DispatchSettings,
    client: ClientFactory,
    clock: Callable[[], float],
) -> list[MinerOutcome]:
    assert fleet.inventory is not None
    hosts = [
        (g.firmware, h)
        for g in fleet.inventory.miners
        if (g.site, g.model) in fractions
        for h in g.hosts
    ]
    clients = {h: client(fw, h) for fw, h in hosts}
    readings = dict(
        zip(clients, await read_all(list(clients.values()), settings.timeout_s), strict=True)
    )
    modes = {m: model_modes(fleet.models[m]) for m in fleet.models}
    site_model = {h: g.model for g in fleet.inventory.miners for h in g.hosts}
    current = {
        h: nearest_mode(modes[site_model[h]], r).name
        for h, r in readings.items()
        if isinstance(r, Reading)
    }
    outcomes, moves = [], []
    for target in miner_targets(fleet, fractions, current):
        reading = readings[target.host]
        if isinstance(reading, MinerError):
            outcomes.append(
                MinerOutcome(target, None, None, "unreachable", f"left alone: {reading}")
            )
            continue
        before = nearest_mode(modes[target.model_id], reading)
        outcome = MinerOutcome(target, reading, before)
        outcomes.append(outcome)
        if _at(reading, target, settings):
            continue
        outcome.status = "planned"
        asleep = reading.power_w <= settings.tolerance_w
        moves.append((clients[target.host], outcome, target.mode, asleep, reading.power_w))
    if not apply or not moves:
        return outcomes
    results = await carry_out(moves, settings, clock)
    back = []
    for p, problem in results.items():
        client_p, outcome = moves[p][0], moves[p][1]
        if problem is None:
            outcome.status = "done"
            continue
        outcome.status, outcome.detail = "failed", problem
        assert outcome.before_mode is not None and outcome.before is not None
        now = outcome.last_reading or outcome.before
        asleep = now.power_w <= settings.tolerance_w
        back.append((client_p, outcome, outcome.before_mode, asleep, now.power_w))
    if back:
        rolled = await carry_out(back, settings, clock, check_first=True)
        for p, problem in rolled.items():
            outcome = back[p][1]
            mode = back[p][2]
            if problem is None:
                outcome.detail += f"; rolled back to {mode.name} ({mode.power_w:,.0f} W), verified"
            else:
                outcome.status = "rollback failed"
                outcome.detail += f"; rollback to {mode.name} failed: {problem}"
    return outcomes


def _at(reading: Reading, target: MinerTarget, settings: DispatchSettings) -> bool:
    return abs(reading.power_w - target.mode.power_w) <= settings.tolerance_w


def _records(result: DispatchResult) -> list[ActionRecord]:
    at = result.at.isoformat()
    return [
        ActionRecord(
            dispatch_id=result.dispatch_id,
            run_id=result.run_id,
            at=at,
            who=result.who,
            applied=result.applied,
            site_id=o.target.site_id,
            model_id=o.target.model_id,
            host=o.target.host,
            from_mode=o.before_mode.name if o.before_mode else None,
            from_w=o.before.power_w if o.before else None,
            to_mode=o.target.mode.name,
            to_w=o.target.mode.power_w,
            status=o.status,
            detail=o.detail,
            events=tuple(o.events),
        )
        for o in result.outcomes
    ]


def read_plan_csv(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A run's ``plan.csv`` (:func:`planner.ops.jobs.artifacts.expected_schedule`).

    Parameters
    ----------
    path
        The file.

    Raises
    ------
    ConfigError
        The file cannot be read, naming it.
    """
    file = Path(path)
    try:
        return pd.read_csv(file)
    except (OSError, ValueError) as exc:
        raise ConfigError(str(file), f"cannot read the plan: {exc}") from None
