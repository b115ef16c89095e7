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
