"""From a plan's next interval to one target per miner: the mode each machine should run in.

Each inventory group (machines of one model at one site) gets the plan's run fraction of its
tier in the plan's first interval: the tier's load as a share of what its available machines
draw at nameplate. That load is split over the model's power modes as the optimizer splits it
(:func:`planner.domain.power_modes.machine_shares`: the two modes around it), the shares are
turned into whole machines (largest remainders), and machines are given their mode keeping as
many as possible in the mode they already run in.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.domain.fleet import Fleet, MinerModel
from planner.domain.power_modes import machine_shares
from planner.errors import ConfigError


@dataclass(frozen=True)
class Mode:
    """An operating point a machine is asked to run at.

    Attributes
    ----------
    name
        Mode name (``off`` when the machine sleeps, ``nameplate``, a firmware profile).
    power_w, hashrate_th_s
        One machine in the mode [W], [TH/s].
    """

    name: str
    power_w: float
    hashrate_th_s: float

    @property
    def hashes(self) -> bool:
        """Whether the machine hashes in this mode."""
        return self.power_w > 0


@dataclass(frozen=True)
class MinerTarget:
    """What one miner should do.

    Attributes
    ----------
    site_id, model_id, firmware, host
        Which miner (``host`` as the inventory writes it).
    mode
        The mode it should run in.
    """

    site_id: str
    model_id: str
    firmware: str
    host: str
    mode: Mode


def model_modes(model: MinerModel) -> list[Mode]:
    """The rows of a model's efficiency table as modes, off first, nameplate last."""
    power, hashrate = model.curve
    return [
        Mode(name, float(p * model.power_w), float(h * model.hashrate_th_s))
        for name, p, h in zip(model.curve_names, power.tolist(), hashrate.tolist(), strict=True)
    ]


def whole_machines(shares: np.ndarray, count: int) -> np.ndarray:
    """Shares of ``count`` machines as whole numbers summing to ``count`` (largest remainders)."""
    exact = np.asarray(shares, dtype=float) * count
    out = np.floor(exact + 1e-9).astype(int)
    left = count - int(out.sum())
    order = np.argsort(-(exact - out), kind="stable")
    out[order[:left]] += 1
    return out


def next_interval(plan: pd.DataFrame, source: str = "plan.csv") -> dict[tuple[str, str], float]:
    """Run fraction per ``(site_id, model_id)`` in the first interval of a plan.

    Parameters
    ----------
    plan
        The plan to act on (a run's ``plan.csv``: ``time``, ``site_id``, ``model_id``,
        ``run_fraction``).
    source
        Named in errors.
    """
    missing = {"time", "site_id", "model_id", "run_fraction"} - set(plan.columns)
    if missing or plan.empty:
        raise ConfigError(
            source,
            f"must have rows and the columns time, site_id, model_id, run_fraction; "
            f"missing {sorted(missing) or 'rows'}",
        )
    first = plan[plan["time"] == plan["time"].min()]
    return {
        (str(r.site_id), str(r.model_id)): float(r.run_fraction)
        for r in first.itertuples(index=False)
    }


def miner_targets(
    fleet: Fleet,
    fractions: Mapping[tuple[str, str], float],
    current: Mapping[str, str] | None = None,
) -> list[MinerTarget]:
    """The mode of every miner of the fleet's inventory for the plan's next interval.

    Parameters
    ----------
    fleet
        A fleet with an inventory.
    fractions
        Run fraction per ``(site_id, model_id)`` (:func:`next_interval`); a group the plan does
        not name is left out.
    current
        The mode each host runs in now, by host; machines keep their mode where the split allows.

    Returns
    -------
    list of MinerTarget
        In inventory order.
    """
    if fleet.inventory is None:
        raise ConfigError("fleet", "inventory: the fleet file has no [inventory] of miners")
    now = current or {}
    out: list[MinerTarget] = []
    for group in fleet.inventory.miners:
        key = (group.site, group.model)
        if key not in fractions:
            continue
        model = fleet.models[group.model]
        modes = model_modes(model)
        fraction = fractions[key]
        if not (math.isfinite(fraction) and -1e-9 <= fraction <= 1 + 1e-9):
            raise ConfigError("plan", f"run_fraction of {key}: must be in [0, 1], got {fraction}")
        counts = whole_machines(machine_shares(fraction, model.curve[0]), len(group.hosts))
        want = {mode.name: int(n) for mode, n in zip(modes, counts.tolist(), strict=True)}
        by_name = {mode.name: mode for mode in modes}
        assigned: dict[str, Mode] = {}
        for host in group.hosts:  # keep a machine in its mode while that mode wants more
            name = now.get(host)
            if name in want and want[name] > 0:
                assigned[host] = by_name[name]
                want[name] -= 1
        rest = [mode for mode in modes[::-1] for _ in range(want[mode.name])]
        for host in group.hosts:
            if host not in assigned:
                assigned[host] = rest.pop(0)
        out += [
            MinerTarget(group.site, group.model, group.firmware, h, assigned[h])
            for h in group.hosts
        ]
    return out
