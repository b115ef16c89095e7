"""planner dispatch against fake LuxOS miners on 127.0.0.1 that speak the API pyasic talks to.

Each fake (``fake_luxos.py``) keeps an S19j Pro's LuxOS profiles (default 2,950 W / 100 TH/s,
-2 2,600 W, -4 2,267.1 W, -8 1,651.1 W / 63.30 TH/s), sleeps and wakes, and logs every command
with the time it arrived and the power it reports after it.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fake_luxos import FakeLuxOS

from planner.domain.examples import one_site
from planner.domain.fleet import Fleet, fleet_from_dict
from planner.ops.dispatch.apply import DispatchSettings
from planner.ops.dispatch.run import dispatch_plan
from planner.ops.dispatch.targets import miner_targets, whole_machines
from planner.ops.store.actions import read_actions

FAST = DispatchSettings(timeout_s=0.5, settle_s=0.02, tries=2, batch_s=0.5)  # the inventory's ramp
LOW = 1651.1 / 2950.0  # the -8 steps profile's share of nameplate power


def fleet_with(hosts: list[str], ramp_mw_per_min: float = 1.0, count: int = 10) -> Fleet:
    raw = one_site(power_modes=True, count=count).model_dump(by_alias=True)
    raw["models"] = {}
    raw["inventory"] = {
        "ramp_mw_per_min": ramp_mw_per_min,
        "miners": [{"site": "tx", "model": "s19j-pro", "firmware": "luxos", "hosts": hosts}],
    }
    return fleet_from_dict(raw)


def plan(run_fraction: float) -> pd.DataFrame:
    times = ["2023-08-14 17:00:00+00:00", "2023-08-14 18:00:00+00:00"]
    return pd.DataFrame(
        {
            "time": times,
            "site_id": "tx",
            "model_id": "s19j-pro",
            "run_fraction": [run_fraction, 0.0],
        }
    )


def test_whole_machines_by_largest_remainder() -> None:
    # Run fraction 0.5 of 10 machines: between off and -8 steps (0.5597 of nameplate):
    # (0.5597 - 0.5) / 0.5597 = 10.66 % off, 89.34 % at -8 -> 1.066 and 8.934 machines -> 1 and 9.
    fleet = fleet_with([f"10.0.0.{i}" for i in range(1, 11)])
    targets = miner_targets(fleet, {("tx", "s19j-pro"): 0.5})
    names = [t.mode.name for t in targets]
    assert names.count("off") == 1 and names.count("-8 steps") == 9
    # 0.75, 0.75, 1.5 machines: floors 0, 0, 1; the two left go to the largest remainders.
    assert whole_machines(np.array([0.25, 0.25, 0.5]), 3).tolist() == [1, 1, 1]
    # A machine already in a mode the split wants keeps it.
    current = {"10.0.0.7": "off"}
    kept = miner_targets(fleet, {("tx", "s19j-pro"): 0.5}, current)
    assert next(t for t in kept if t.host == "10.0.0.7").mode.name == "off"


def test_a_dry_run_lists_the_actions_and_sends_nothing(tmp_path: Path) -> None:
    store = tmp_path / "runs.sqlite"
    with ExitStack() as stack:
        fakes = [stack.enter_context(FakeLuxOS()) for _ in range(3)]
        fleet = fleet_with([f.host for f in fakes])
        result = dispatch_plan(
            fleet, plan(LOW), who="ops", run_id="r1", store_path=store, settings=FAST
        )
        assert not result.applied
        assert [o.status for o in result.outcomes] == ["planned"] * 3
        assert all(o.target.mode.name == "-8 steps" for o in result.outcomes)
        assert all(f.state.log == [] and f.state.power_w == 2950.0 for f in fakes)
    rows = read_actions(store, result.dispatch_id)
    assert [(r.who, r.run_id, r.applied, r.from_mode, r.to_mode, r.status) for r in rows] == [
        ("ops", "r1", False, "nameplate", "-8 steps", "planned")
    ] * 3


def test_apply_converges_and_the_miners_read_back_the_targets(tmp_path: Path) -> None:
    store = tmp_path / "runs.sqlite"
    with ExitStack() as stack:
        fakes = [stack.enter_context(FakeLuxOS()) for _ in range(4)]
        fleet = fleet_with([f.host for f in fakes], count=4)
        # Run fraction 0.5 of 4 machines: 0.43 off and 3.57 at -8 steps -> 0 off, 4 at -8.
        result = dispatch_plan(fleet, plan(0.5), apply=True, store_path=store, settings=FAST)
        assert [o.status for o in result.outcomes] == ["done"] * 4
        assert not result.failed
        assert [f.state.power_w for f in fakes] == [1651.1] * 4
        assert [f.state.hashrate_th_s for f in fakes] == [63.30] * 4
    rows = read_actions(store)
    assert {r.status for r in rows} == {"done"} and all(r.applied for r in rows)
    assert all(any("reads 1651 W" in e for _, e in r.events) for r in rows)


def test_failures_roll_back_and_each_failed_miner_gets_one_line(tmp_path: Path) -> None:
    # All four are asked for -8 steps (a shed from 2,950 W). The refusing miner never changes: it
    # is read back at its old profile, nothing to undo. The one that times out never answers the
    # command (2 tries x 0.5 s), and is read back unchanged. The one that reports the wrong mode
    # lands on -4 steps (2,267.1 W) instead, twice; rolled back to its default it lands on -8
    # steps (its wrong answer to "default"): the rollback fails too and says so.
    store = tmp_path / "runs.sqlite"
    with ExitStack() as stack:
        ok, refuse, timeout, wrong = (
            stack.enter_context(FakeLuxOS(b)) for b in ("ok", "refuse", "timeout", "wrong")
        )
        fleet = fleet_with([ok.host, refuse.host, timeout.host, wrong.host], count=4)
        result = dispatch_plan(fleet, plan(LOW), apply=True, store_path=store, settings=FAST)
        status = {o.target.host: o.status for o in result.outcomes}
        assert status == {
            ok.host: "done",
            refuse.host: "failed",
            timeout.host: "failed",
            wrong.host: "rollback failed",
        }
        assert ok.state.power_w == 1651.1
        assert refuse.state.power_w == timeout.state.power_w == 2950.0  # as before
        assert wrong.state.power_w == 1651.1  # its wrong answer to the rollback
        lines = [o.line() for o in result.failed]
        assert len(lines) == 3 and all("\n" not in line for line in lines)
        assert lines[0] == (
            f"tx s19j-pro {refuse.host}: nameplate (2,950 W) -> -8 steps (1,651 W): failed: "
            "refused profileset: profileset: Access denied: curtailment locked after 2 tries; "
            "rolled back to nameplate (2,950 W), verified"
        )
        assert "no answer to the command within 0.5 s after 2 tries" in lines[1]
        assert "rolled back to nameplate (2,950 W), verified" in lines[1]
        assert "reads 2,267 W and 81.7 TH/s, not 1,651 W after 2 tries" in lines[2]
        assert "rollback to nameplate failed: reads 1,651 W" in lines[2]
    rows = read_actions(store, result.dispatch_id)
    assert [r.status for r in rows] == ["done", "failed", "failed", "rollback failed"]


def test_restores_never_outrun_the_ramp_limit(tmp_path: Path) -> None:
    # Six sleeping miners restored to nameplate (2,950 W each, 17.7 kW). Ramp 0.6 MW/min = 10 kW/s
    # and batches of 0.6 s: at most 6 kW a batch, so two miners (5.9 kW) a batch, three batches,
    # the next 0.59 s after the last one was verified. At the fakes, over any stretch of time T
    # the power added is at most 10 kW/s x T plus one batch (6 kW).
    settings = DispatchSettings(timeout_s=0.5, settle_s=0.02, tries=2, batch_s=0.6)
    with ExitStack() as stack:
        fakes = [stack.enter_context(FakeLuxOS(sleeping=True)) for _ in range(6)]
        fleet = fleet_with([f.host for f in fakes], ramp_mw_per_min=0.6, count=6)
        result = dispatch_plan(
            fleet, plan(1.0), apply=True, store_path=tmp_path / "r.sqlite", settings=settings
        )
        assert [o.status for o in result.outcomes] == ["done"] * 6
        rises = sorted(
            (t, after - before)
            for f in fakes
            for (t, _, after), before in zip(
                f.state.log, [0.0] + [p for _, _, p in f.state.log], strict=False
            )
            if after > before
        )
    assert len(rises) == 6 and sum(r for _, r in rises) == pytest.approx(6 * 2950.0)
    rate_w_per_s, batch_w = 0.6e6 / 60.0, 0.6e6 * 0.6 / 60.0
    for i, (start, _) in enumerate(rises):
        for end, _ in rises[i:]:
            added = sum(r for t, r in rises if start <= t <= end)
            assert added <= rate_w_per_s * (end - start) + batch_w + 1e-6
    # And the batches are really there: three groups of two, each 0.59 s or more apart.
    times = [t for t, _ in rises]
    gaps = np.diff(times)
    assert (gaps >= 2 * 2950.0 / rate_w_per_s - 1e-3).sum() == 2
