"""When a hydro site's loops freeze, and the least running that keeps them from it.

A freeze-risk site (``fleet.cooling[...].freeze_risk``: water-cooled plates and dry coolers) is
*idle* in an hour when fewer than :data:`FREEZE_IDLE_SHARE` of its machines run, or the grid is
down for most of the hour. An hour is *exposed* when the site is idle below 0 degC. The loops'
protection (glycol, heat trace) bridges ``freeze_protection_hours`` of exposure in a row; a
stretch of exposed hours that outlasts it damages ``freeze_damage_share`` of the machines, out
for ``freeze_repair_days``. An hour in which the site runs at least the idle share breaks the
stretch: the protection starts over.

The simulation (:func:`planner.engine.simulation.simulate`), the optimizer's freeze families
(:mod:`planner.engine.optimization.freeze`) and the optimized strategy's protection
(:class:`planner.engine.strategies.FreezeProtection`) all read the rule from here.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

#: A freeze-risk site counts as idle when fewer than this share of its machines run [-].
FREEZE_IDLE_SHARE = 0.1

#: Ambient temperature below which water left standing in a hydro site's loops can freeze [degC].
WATER_FREEZE_C = 0.0


def exposed_hours_allowed(protection_hours: float) -> int:
    """Exposed hours in a row that the protection bridges [h]: ``floor(protection_hours)``.

    One more exposed hour in a row and the protection runs out inside the stretch.
    """
    return math.floor(protection_hours)


def running_share(run_fraction: np.ndarray, counts: npt.ArrayLike) -> np.ndarray:
    """Share of a site's machines a policy runs each hour [-].

    Parameters
    ----------
    run_fraction
        Run fraction per tier and hour, ``(tiers, hours)`` [-].
    counts
        Machines installed per tier, ``(tiers,)`` [-].
    """
    n = np.asarray(counts, dtype=float)[:, None]
    return np.asarray((np.clip(run_fraction, 0.0, 1.0) * n).sum(axis=0) / max(n.sum(), 1.0))


def idle_hours(
    run_fraction: np.ndarray,
    counts: npt.ArrayLike,
    grid_down_share: np.ndarray | None = None,
    idle_share: float = FREEZE_IDLE_SHARE,
) -> np.ndarray:
    """Whether a freeze-risk site is idle each hour (too little running to keep its loops warm).

    Parameters
    ----------
    run_fraction
        Run fraction per tier and hour, ``(tiers, hours)`` [-].
    counts
        Machines installed per tier [-].
    grid_down_share
        Share of each hour without grid [-]; an hour down for more than half counts as idle.
    idle_share
        Running share below which the site is idle [-].
    """
    idle = running_share(run_fraction, counts) < idle_share
    if grid_down_share is not None:
        idle = idle | (np.asarray(grid_down_share) > 0.5)
    return np.asarray(idle)


def freeze_damage_hours(
    idle: np.ndarray, temp_air_c: np.ndarray, protection_hours: float
) -> list[float]:
    """Hours at which a hydro site's freeze protection runs out.

    Parameters
    ----------
    idle
        Whether the site is idle each hour (:func:`idle_hours`).
    temp_air_c
        Ambient temperature [degC].
    protection_hours
        Consecutive idle hours below 0 degC the protection lasts [h].

    Returns
    -------
    list of float
        One time per idle-and-freezing stretch longer than the protection: its start plus the
        protection hours [h].
    """
    exposed = np.asarray(idle, dtype=bool) & (np.asarray(temp_air_c) < WATER_FREEZE_C)
    need = exposed_hours_allowed(protection_hours) + 1  # exposed hours that outlast it
    edges = np.diff(np.concatenate(([0], exposed.view(np.int8), [0])))
    begins, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [float(b + protection_hours) for b, e in zip(begins, ends, strict=True) if e - b >= need]


def keep_warm_hours(
    idle: np.ndarray,
    temp_air_c: np.ndarray,
    protection_hours: float,
    exposed_before_h: int = 0,
) -> np.ndarray:
    """The hours a freeze-risk site must run its idle share so that no exposure outlasts the
    protection: the least running that keeps the loops from freezing, decided hour by hour.

    Walking forward, the count of exposed hours in a row is kept; in an hour below 0 degC that
    would otherwise make that count exceed the protection (:func:`exposed_hours_allowed`), the
    site runs its share, which starts the count over. Only the past and the hour's own
    temperature are read, so the rule can be acted on as time goes.

    Parameters
    ----------
    idle
        Whether the site would be idle each hour without this rule.
    temp_air_c
        Ambient temperature [degC].
    protection_hours
        Consecutive idle hours below 0 degC the protection lasts [h].
    exposed_before_h
        Exposed hours in a row just before the first hour (a rolling plan's earlier steps) [h].

    Returns
    -------
    numpy.ndarray
        Boolean, the hours to run the share in.

    Examples
    --------
    >>> cold = np.full(15, -5.0)
    >>> np.flatnonzero(keep_warm_hours(np.ones(15, dtype=bool), cold, 6.0)).tolist()
    [6, 13]
    """
    allowed = exposed_hours_allowed(protection_hours)
    cold = np.asarray(temp_air_c, dtype=float) < WATER_FREEZE_C
    idle = np.asarray(idle, dtype=bool)
    warm = np.zeros(len(cold), dtype=bool)
    count = int(exposed_before_h)
    for h in range(len(cold)):
        if not cold[h] or not idle[h]:
            count = 0
        elif count >= allowed:
            warm[h] = True
            count = 0
        else:
            count += 1
    return warm


def exposed_run_before(idle: np.ndarray, temp_air_c: np.ndarray) -> int:
    """Exposed hours in a row at the end of a stretch of hours (the count a next step starts
    from, :func:`keep_warm_hours`) [h]."""
    exposed = np.asarray(idle, dtype=bool) & (np.asarray(temp_air_c) < WATER_FREEZE_C)
    breaks = np.flatnonzero(~exposed)
    return int(len(exposed) - 1 - breaks[-1]) if len(breaks) else len(exposed)
