"""Power modes: the operating points a miner's firmware offers, and its hashrate at partial power.

Firmware runs an ASIC at other power targets than its nameplate (LuxOS profiles, Braiins OS
power targets, stock low-power modes); below nameplate it is more efficient per terahash. A model
lists its modes as ``(power [W], hashrate [TH/s])`` rows, each with the source it comes from; the
nameplate is always the top row and ``off`` (0 W, 0 TH/s) the bottom one. Rows that do not hash
(``sleep``: hashboards and power supply off, the control board listening) draw nothing either.

**The efficiency curve is the table, interpolated.** Between two rows a tier runs part of its
machines in each (a firmware power target between two profiles does the same), so its hashrate at
a load between them is the straight line joining them. The rows must make hashrate *concave* in
power (each step up buys less hashrate per watt than the one below it): then the interpolated
table is the best a tier can do at every load, mixing modes is never worse than one mode, and a
linear model of the shares of machines in each mode is exact.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

#: Share of nameplate power [-] below which two rows are the same operating point.
_SAME_POINT = 1e-9


class PowerMode(BaseModel):
    """One operating point of a miner's firmware.

    Attributes
    ----------
    name
        The mode's name on the firmware (``sleep``, ``-4 steps``, ``low power``).
    power_w
        Wall power in the mode [W] (0 for modes that do not hash).
    hashrate_th_s
        Hashrate in the mode [TH/s].
    source
        Where the figures come from (a firmware document, a maker's sheet).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    power_w: float = Field(ge=0, le=20_000)
    hashrate_th_s: float = Field(ge=0, le=2000)
    source: str = Field(min_length=1)

    @property
    def hashes(self) -> bool:
        """Whether the machine hashes in this mode."""
        return self.hashrate_th_s > 0


def mode_problems(
    modes: tuple[PowerMode, ...], nameplate_power_w: float, nameplate_th_s: float
) -> list[str]:
    """What is wrong with a model's modes against its nameplate, one message each (empty: fine).

    Hashing modes draw less than the nameplate and more than nothing; modes that do not hash draw
    nothing; names are unique; hashrate is concave in power over off, the modes and the nameplate.
    """
    problems: list[str] = []
    names = [m.name for m in modes]
    if len(set(names)) < len(names):
        problems.append(f"mode names must be unique, got {names}")
    for m in modes:
        if m.hashes and not 0 < m.power_w < nameplate_power_w:
            problems.append(
                f"mode {m.name!r}: power_w must be > 0 and < the nameplate "
                f"{nameplate_power_w:g} W, got {m.power_w:g}"
            )
        if not m.hashes and m.power_w > 0:
            problems.append(
                f"mode {m.name!r}: a mode that does not hash must draw 0 W, got {m.power_w:g}"
            )
    if problems:
        return problems
    power, hashrate = curve_points(modes, nameplate_power_w, nameplate_th_s)
    slopes = np.diff(hashrate) / np.diff(power)
    if np.any(np.diff(power) <= _SAME_POINT) or np.any(slopes <= 0):
        problems.append(
            "hashing modes must have distinct powers and more hashrate at more power, got "
            + ", ".join(f"{p:g} W: {h:g} TH/s" for p, h in zip(power, hashrate, strict=True))
        )
    elif np.any(np.diff(slopes) > 1e-12 * slopes[:-1]):
        marginal = ", ".join(f"{1.0 / s:.2f}" for s in slopes)
        problems.append(
            "hashrate must be concave in power (each step up costs more J per TH than the one "
            f"below); the steps from off to nameplate cost {marginal} J/TH"
        )
    return problems


def curve_points(
    modes: tuple[PowerMode, ...], nameplate_power_w: float, nameplate_th_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """The efficiency table: off, the hashing modes by power, the nameplate.

    Returns
    -------
    power_w, hashrate_th_s
        Increasing powers [W] and their hashrates [TH/s], from ``(0, 0)`` to the nameplate.
    """
    rows = sorted((m.power_w, m.hashrate_th_s) for m in modes if m.hashes)
    points = [(0.0, 0.0), *rows, (nameplate_power_w, nameplate_th_s)]
    power, hashrate = (np.array(column, dtype=float) for column in zip(*points, strict=True))
    return power, hashrate


def hashrate_share(
    load_share: np.ndarray | float, power_share: np.ndarray, hash_share: np.ndarray
) -> np.ndarray:
    """Share of nameplate hashrate at a share of nameplate power, the table interpolated [-].

    Parameters
    ----------
    load_share
        Load as a share of the nameplate power of the machines available, any shape [-];
        clipped to ``[0, 1]``.
    power_share, hash_share
        The table as shares of the nameplate (:func:`curve_points` divided by it), increasing.
    """
    return np.interp(np.clip(load_share, 0.0, 1.0), power_share, hash_share)


def ladder_steps(power_share: np.ndarray, hash_share: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The table as steps from off up to the nameplate: each step's width and marginal efficiency.

    Returns
    -------
    width, j_per_th_share
        Each step's share of nameplate power [-] and its cost in nameplate power shares per
        nameplate hashrate share [-] (multiply by the nameplate J/TH for J/TH). With hashrate
        concave in power these increase: the lowest step is the cheapest per terahash.
    """
    width = np.diff(power_share)
    return width, width / np.diff(hash_share)


def machine_shares(load_share: np.ndarray | float, power_share: np.ndarray) -> np.ndarray:
    """Share of the machines in each row of the table that gives a load at the least cost.

    The load is split between the two rows around it (the mix on the interpolated table): at a
    load share ``f`` between rows ``j-1`` and ``j``, ``(p_j - f) / (p_j - p_{j-1})`` of the
    machines run in row ``j-1`` (row 0 is off) and the rest in row ``j``.

    Parameters
    ----------
    load_share
        Load as a share of the nameplate power of the machines available, any shape [-].
    power_share
        The table's power shares, increasing from 0 to 1.

    Returns
    -------
    numpy.ndarray
        Shape ``load_share.shape + (rows,)``; each entry sums to 1 over the rows [-].
    """
    f = np.clip(np.asarray(load_share, dtype=float), 0.0, 1.0)
    rows = len(power_share)
    j = np.clip(np.searchsorted(power_share, f, side="left"), 1, rows - 1)
    low, high = power_share[j - 1], power_share[j]
    upper = (f - low) / (high - low)
    out = np.zeros((*f.shape, rows))
    np.put_along_axis(out, (j - 1)[..., None], (1.0 - upper)[..., None], axis=-1)
    np.put_along_axis(out, j[..., None], upper[..., None], axis=-1)
    return out
