"""The strike rule's state machine: a debounced on/off per strike, and the mode ladder on top.

:func:`debounced_on` is one strike with its debounce and minimum hold; :func:`ladder_fraction`
runs one per step of a model's mode ladder (:func:`planner.domain.ledger.tier_step_breakevens`)
and adds up the steps that run.
"""

from __future__ import annotations

import numpy as np


def ladder_fraction(
    marginal: np.ndarray, width: np.ndarray, breakeven: np.ndarray, debounce: int, hold: int
) -> np.ndarray:
    """Load share of a tier under the strike rule with a mode ladder, hour by hour [-].

    Each step of the ladder (:func:`planner.domain.ledger.tier_step_breakevens`) is its own
    debounced strike rule (:func:`debounced_on`) against its breakeven; the tier's load is the sum
    of the widths of the steps that run. A rising price sheds the top steps first: the machines
    step down to lower modes before they switch off, and step up again in the same order.

    Parameters
    ----------
    marginal
        Marginal power price the rule sees, ``(hours,)`` [USD/MWh].
    width
        Each step's share of nameplate power, ``(steps,)`` [-].
    breakeven
        Each step's breakeven, ``(steps, hours)`` or ``(steps, 1)`` [USD/MWh].
    debounce, hold
        Steps of debounce and of minimum hold (:func:`debounced_on`).
    """
    load = np.zeros(len(marginal))
    for w, strike in zip(width.tolist(), breakeven, strict=True):
        load += w * debounced_on(marginal > strike, debounce, hold)
    return np.clip(load, 0.0, 1.0)


def debounced_on(above: np.ndarray, debounce_hours: int, min_hold_hours: int) -> np.ndarray:
    """Run state of one tier under a debounced strike rule, hour by hour.

    Parameters
    ----------
    above
        Whether the price is above the strike in each hour.
    debounce_hours
        Consecutive hours of a condition needed to switch [h].
    min_hold_hours
        Hours off before a restore is allowed [h].

    Returns
    -------
    numpy.ndarray
        Boolean run state; the switch takes effect in the hour that completes the debounce.

    The work is done once per run of equal hours, not per hour. Inside a run above the strike a
    running tier sheds in the hour that completes ``debounce_hours``; inside a run below it a shed
    tier (shed in hour ``h0``) restores in the first hour ``s + j`` of the run (starting in hour
    ``s``) with ``j + 1 >= debounce_hours`` and ``s + j - h0 >= min_hold_hours``.
    """
    flags = np.asarray(above, dtype=bool)
    on = np.ones(len(flags), dtype=bool)
    if len(flags) == 0:
        return on
    change = np.flatnonzero(flags[1:] != flags[:-1]) + 1
    running, shed_at = True, 0
    for s, e in zip(np.r_[0, change].tolist(), np.r_[change, len(flags)].tolist(), strict=True):
        if flags[s]:
            if not running:
                on[s:e] = False
            elif e - s >= debounce_hours:
                running, shed_at = False, s + debounce_hours - 1
                on[shed_at:e] = False
        elif not running:
            restore = s + max(debounce_hours - 1, min_hold_hours + shed_at - s)
            on[s : min(restore, e)] = False
            running = restore < e
    return on
