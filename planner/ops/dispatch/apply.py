"""Carry targets out on the miners: sheds at once, restores in batches within the ramp limit,
each change read back, retried a bounded number of times and rolled back when it does not hold.

The order of one dispatch:

1. **Read** every miner (its last known good state). A miner that does not answer is left alone
   and reported.
2. **Targets** for the plan's next interval (:func:`~planner.ops.dispatch.targets.miner_targets`,
   keeping machines in the mode they run in where the split allows); an *action* for every miner
   whose reading is not its target's power.
3. A dry run stops here and returns the actions. With ``apply``: **sheds** (less power) go out
   together; **restores** (more power) go out in batches, each adding at most
   ``ramp_mw_per_min x batch_s / 60`` MW (one machine at least), the next batch ``added MW /
   ramp`` after the one before has been verified: over any stretch of time ``T`` the load rises
   by at most ``ramp x T`` plus one batch.
4. **Verify**: each changed miner is read back until its power is within the tolerance of the
   target, re-sending the command up to ``tries`` times in all.
5. **Roll back** every miner that did not reach its target to its state before the dispatch (in
   the same batches), and read it back.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from planner.ops.dispatch.luxos import MinerError, Reading
from planner.ops.dispatch.targets import MinerTarget, Mode


class MinerClient(Protocol):
    """What the dispatcher needs of one miner (:class:`~planner.ops.dispatch.luxos.LuxOSClient`)."""

    async def read(self) -> Reading: ...

    async def set_mode(self, power_w: float, asleep: bool) -> None: ...


@dataclass(frozen=True)
class DispatchSettings:
    """How a dispatch talks to the miners.

    Attributes
    ----------
    ramp_mw_per_min
        Most IT load restores add per minute [MW/min]; ``None``: the inventory's.
    batch_s
        Time a batch of restores stands for: a batch adds at most ``ramp x batch_s / 60`` [s].
    timeout_s
        Longest wait for one answer of a miner [s].
    settle_s
        Wait after a command before reading the miner back [s].
    tries
        Commands sent to one miner for one change, the first included (>= 1).
    tolerance_w
        A reading within this of the target's power is the target [W].
    """

    ramp_mw_per_min: float | None = None
    batch_s: float = 60.0
    timeout_s: float = 10.0
    settle_s: float = 5.0
    tries: int = 3
    tolerance_w: float = 150.0


@dataclass
class MinerOutcome:
    """What happened to one miner.

    Attributes
    ----------
    target
        Its target.
    before
        Its reading before the dispatch (``None``: it did not answer).
    before_mode
        The mode that reading is nearest to.
    status
        ``unchanged`` (already at target), ``planned`` (dry run), ``done`` (verified),
        ``failed`` (did not reach its target, rolled back), ``rollback failed``, ``unreachable``.
    detail
        Why, for anything but ``unchanged``, ``planned`` and ``done``.
    events
        ``(monotonic time [s], what)`` of every command and reading, in order.
    last_reading
        The last reading taken while changing it.
    """

    target: MinerTarget
    before: Reading | None
    before_mode: Mode | None
    status: str = "unchanged"
    detail: str = ""
    events: list[tuple[float, str]] = field(default_factory=list)
    last_reading: Reading | None = None

    @property
    def failed(self) -> bool:
        """Whether the miner ended anywhere but its target."""
        return self.status in {"failed", "rollback failed", "unreachable"}

    def line(self) -> str:
        """One line: the miner, what was asked, what happened."""
        t = self.target
        asked = f"{t.mode.name} ({t.mode.power_w:,.0f} W)"
        was = (
            f"{self.before_mode.name} ({self.before.power_w:,.0f} W)"
            if self.before is not None and self.before_mode is not None
            else "unknown"
        )
        text = f"{t.site_id} {t.model_id} {t.host}: {was} -> {asked}: {self.status}"
        return f"{text}: {self.detail}" if self.detail else text


def nearest_mode(modes: Sequence[Mode], reading: Reading) -> Mode:
    """The mode whose power is nearest a reading."""
    return min(modes, key=lambda m: abs(m.power_w - reading.power_w))


async def _timed(call: Awaitable[object], timeout_s: float, what: str) -> object:
    try:
        return await asyncio.wait_for(call, timeout_s)
    except TimeoutError:
        raise MinerError(f"no answer to {what} within {timeout_s:g} s") from None


async def read_all(clients: Sequence[MinerClient], timeout_s: float) -> list[Reading | MinerError]:
    """Every miner's reading, or why there is none, concurrently."""

    async def one(client: MinerClient) -> Reading | MinerError:
        try:
            reading = await _timed(client.read(), timeout_s, "a reading")
        except MinerError as exc:
            return exc
        assert isinstance(reading, Reading)
        return reading

    return list(await asyncio.gather(*(one(c) for c in clients)))


def _matches(reading: Reading, mode: Mode, settings: DispatchSettings) -> bool:
    near = abs(reading.power_w - mode.power_w) <= settings.tolerance_w
    return near and (reading.hashrate_th_s > 0) == mode.hashes


async def change(
    client: MinerClient,
    outcome: MinerOutcome,
    mode: Mode,
    asleep: bool,
    settings: DispatchSettings,
    clock: Callable[[], float],
    check_first: bool = False,
) -> str | None:
    """Set one miner to ``mode`` and read it back, re-sending up to ``tries`` times.

    Returns
    -------
    str or None
        ``None`` when the reading matches the mode; otherwise why not, in words.
    """
    if check_first:  # a rollback: a miner that never left its state needs no command
        try:
            now = await _timed(client.read(), settings.timeout_s, "a reading")
        except MinerError:
            now = None
        if isinstance(now, Reading) and _matches(now, mode, settings):
            outcome.last_reading = now
            outcome.events.append((clock(), f"reads {now.power_w:.0f} W: already there"))
            return None
    problem = "no attempt"
    for attempt in range(1, settings.tries + 1):
        outcome.events.append((clock(), f"set {mode.name} ({mode.power_w:.0f} W), try {attempt}"))
        try:
            await _timed(client.set_mode(mode.power_w, asleep), settings.timeout_s, "the command")
            await asyncio.sleep(settings.settle_s)
            reading = await _timed(client.read(), settings.timeout_s, "the read-back")
        except MinerError as exc:
            problem = str(exc)
            continue
        assert isinstance(reading, Reading)
        outcome.last_reading = reading
        outcome.events.append((clock(), f"reads {reading.power_w:.0f} W"))
        if _matches(reading, mode, settings):
            return None
        asleep = reading.power_w <= settings.tolerance_w
        problem = (
            f"reads {reading.power_w:,.0f} W and {reading.hashrate_th_s:,.1f} TH/s, "
            f"not {mode.power_w:,.0f} W"
        )
    return f"{problem} after {settings.tries} tries"


def batches(increases: Sequence[float], allowance_mw: float) -> list[list[int]]:
    """Positions of restores grouped in batches adding at most ``allowance_mw`` each (one restore
    at least), in the order given."""
    out: list[list[int]] = []
    total = 0.0
    for i, mw in enumerate(increases):
        if out and total + mw <= allowance_mw + 1e-12:
            out[-1].append(i)
            total += mw
        else:
            out.append([i])
            total = mw
    return out


async def carry_out(
    moves: Sequence[tuple[MinerClient, MinerOutcome, Mode, bool, float]],
    settings: DispatchSettings,
    clock: Callable[[], float] = time.monotonic,
    check_first: bool = False,
) -> dict[int, str | None]:
    """Sheds together, then restores in ramp-limited batches; each verified.

    Parameters
    ----------
    moves
        ``(client, outcome, mode to set, asleep now, power now [W])`` per miner to change.

    check_first
        Read each miner first and send nothing to one already in its mode (a rollback).

    Returns
    -------
    dict
        Position in ``moves`` -> ``None`` (verified) or why not.
    """
    results: dict[int, str | None] = {}

    async def run(positions: list[int]) -> None:
        done = await asyncio.gather(
            *(
                change(*moves[p][:4], settings=settings, clock=clock, check_first=check_first)
                for p in positions
            )
        )
        results.update(zip(positions, done, strict=True))

    sheds = [p for p in range(len(moves)) if moves[p][2].power_w < moves[p][4]]
    restores = [p for p in range(len(moves)) if p not in set(sheds)]
    if sheds:
        await run(sheds)
    if settings.ramp_mw_per_min is None:
        raise ValueError("settings.ramp_mw_per_min: a dispatch needs a ramp limit")
    rate_mw_per_s = settings.ramp_mw_per_min / 60.0
    increases = [max(moves[p][2].power_w - moves[p][4], 0.0) / 1e6 for p in restores]
    allowance = settings.ramp_mw_per_min * settings.batch_s / 60.0
    next_start = clock()
    for batch in batches(increases, allowance):
        wait = next_start - clock()
        if wait > 0:
            await asyncio.sleep(wait)
        await run([restores[i] for i in batch])
        # The batch's last change (a retry) may land just before this: count the pause from here.
        next_start = clock() + sum(increases[i] for i in batch) / rate_mw_per_s
    return results
