"""Where a real-time schedule loses against the oracle (a helper of ``validate_capture.py``).

Every tier-interval where a schedule differs from the oracle's (run exactly where the margin is
positive) costs ``|margin| x |run - oracle run|``; as a share of the oracle's gain over running
through, these costs add up to the points of value captured the schedule misses. Each cost goes
to one cause, read from the interval's own price and the one before it (what the strike rule on
the last settled interval sees), each against the tier's breakeven at the published hashprice:

- *first interval of a spike*: run through an interval that loses, after one below breakeven
  (the strike cannot see it coming);
- *inside a spike*: run through an interval that loses, after one above breakeven (a restore
  that the spike went on through);
- *reversion*: shed in an interval that pays, after one above breakeven (the spike's last
  interval has settled, the next falls back);
- *false alarm*: shed in an interval that pays, after one below breakeven (a forecast's shed).

Cutting across them: the share lost in intervals settled within :data:`NEAR_USD_PER_MWH` of the
breakeven (where even a good forecast is a coin toss, and each error is cheap), and the share
where the decision's threshold (published hashprice) and the margin (the day's own hashprice)
disagree about the interval's sign (no price forecast can avoid it).

A day-ahead plan's gap (:func:`day_ahead_gap`) has no interval before to read: it splits into
hours it ran that lost (and the part of them the latest price published by the plan's issue
gave no sign of) and hours it shed that would have paid.
"""

from __future__ import annotations

import numpy as np

from benchmarks.validate_walkforward import Economics

#: Distance from the breakeven within which an interval counts as near it [USD/MWh].
NEAR_USD_PER_MWH = 10.0

#: The causes, in the order the table shows them.
CAUSES = ("first interval of a spike", "inside a spike", "reversion", "false alarm")


def gap_points(econ: Economics, run: np.ndarray) -> dict[str, float]:
    """The points of value captured ``run`` (``(tiers, n)``) misses, by cause (module docstring).

    Returns
    -------
    dict
        One entry per :data:`CAUSES` (they add up to ``100 - econ.value(run)``), and
        ``"near breakeven"`` and ``"hashprice moved"`` (parts of that total, cutting across the
        causes) [points].
    """
    margin = econ.margin
    oracle = float((margin * (margin > 0)).sum())
    gain = oracle - float(margin.sum())
    run = np.asarray(run, dtype=float)
    missed = np.where(margin < 0, -margin * run, 0.0)  # ran where it lost
    forgone = np.where(margin > 0, margin * (1.0 - run), 0.0)  # shed where it paid
    price = np.asarray(econ.price, dtype=float)[None, :]
    before = np.r_[np.nan, econ.price[:-1]][None, :]
    above_before = before > econ.threshold
    scale = 100.0 / gain if gain > 0 else 0.0
    cost = missed + forgone
    near = np.abs(price - econ.threshold) < NEAR_USD_PER_MWH
    sign_moved = (margin > 0) == (price > econ.threshold)
    return {
        CAUSES[0]: scale * float(missed[~above_before].sum()),
        CAUSES[1]: scale * float(missed[above_before].sum()),
        CAUSES[2]: scale * float(forgone[above_before].sum()),
        CAUSES[3]: scale * float(forgone[~above_before].sum()),
        "near breakeven": scale * float(cost[near].sum()),
        "hashprice moved": scale * float(cost[sign_moved].sum()),
    }


def day_ahead_gap(econ: Economics, run: np.ndarray, at_issue: np.ndarray) -> dict[str, float]:
    """Where a day-ahead plan's run fractions ``(tiers, n)`` fall short of the oracle, as shares
    of the oracle's gain over running through [%].

    ``missed``: what running cost in the intervals that lost; ``unsigned``: the part of it in
    intervals whose persistence price at the plan's issue (``at_issue``) was below the tier's
    threshold too (no sign in the latest published price); ``false_alarm``: what shedding gave
    up in the intervals that earned. Value captured is ``100 - missed - false_alarm``.

    Examples
    --------
    One tier, threshold 50; margins 10, -30, -10, 20 (oracle gain 40); the plan runs intervals
    1-3 and sheds 4: it misses 30 + 10 (the 30 with persistence at 20, below 50) and gives up 20.

    >>> econ = Economics(np.full((1, 4), 50.0), np.array([[10.0, -30.0, -10.0, 20.0]]), np.zeros(4))
    >>> run = np.array([[1.0, 1.0, 1.0, 0.0]])
    >>> day_ahead_gap(econ, run, np.array([0.0, 20.0, 80.0, 0.0]))
    {'missed': 100.0, 'unsigned': 75.0, 'false_alarm': 50.0}
    """
    margin = econ.margin
    gain = float(-(margin * (margin < 0)).sum())
    if gain <= 0:
        return {"missed": 0.0, "unsigned": 0.0, "false_alarm": 0.0}
    lost = -margin * (margin < 0) * run
    unsigned = lost * ~(at_issue[None, :] >= econ.threshold)
    shed = margin * (margin > 0) * (1.0 - run)
    return {
        "missed": 100.0 * float(lost.sum()) / gain,
        "unsigned": 100.0 * float(unsigned.sum()) / gain,
        "false_alarm": 100.0 * float(shed.sum()) / gain,
    }
