"""What the page gives a site lead and a board: the plan's action schedule (a table and its two
files) and the concentration risk, before and after the plan's relocations."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from planner import (
    JOINT_LOSS_SHARE,
    Concentration,
    Evaluation,
    Fleet,
    Plan,
    action_schedule,
    actions_csv,
    actions_ics,
    concentration_risk,
)

__all__ = [
    "ACTION_HELP",
    "action_files",
    "action_table",
    "concentration",
    "concentration_words",
    "exceedance_frame",
]

#: The action table's columns as the page shows them, with the help text of each.
ACTION_HELP: dict[str, tuple[str, str]] = {
    "site_name": ("Site", "The site the action is for."),
    "action": (
        "Action",
        "curtail: hold this much IT load off; restore: back to full load; keep loops warm: "
        "keep a hydro site's minimum running in freezing hours; ship / receive machines.",
    ),
    "detail": ("What", "How much, and which machines (least efficient curtailed first to go)."),
    "local_start": ("From (site time)", "Start in the site's own time zone."),
    "local_end": ("To (site time)", "End in the site's own time zone."),
    "market_start": ("From (market time)", "Start on the clock the power market settles on."),
    "reason": (
        "Why",
        "The price the plan expects against the break-even of the machines it curtails (and how "
        "often the price is above it across scenarios), the 4CP peak chance, demand response "
        "calls, or the freeze risk.",
    ),
}


def action_table(plan: Plan) -> pd.DataFrame:
    """The plan's action schedule with the columns of :data:`ACTION_HELP`, in time order."""
    return action_schedule(plan)[list(ACTION_HELP)]


def action_files(plan: Plan, made: datetime | None = None) -> tuple[str, str]:
    """The action schedule as ``(CSV text, iCalendar text)``."""
    stamp = made or datetime.now(UTC)
    actions = action_schedule(plan)
    return actions_csv(actions), actions_ics(
        actions, stamp=stamp, uid_prefix=f"what-if-{stamp:%Y%m%dT%H%M%SZ}"
    )


def concentration(fleet: Fleet, evaluation: Evaluation, plan: Plan) -> Concentration:
    """Concentration risk of the judged runs, as the fleet stands and after the plan's moves."""
    return concentration_risk(fleet, evaluation, plan.relocations)


def concentration_words(c: Concentration) -> str:
    """One sentence for the board: the joint-loss chance now and after the plan."""
    now = f"{c.probability_before:.0%}"
    if not c.relocated:
        after = "the plan moves no machine, so it stays the same"
    elif c.probability_after == c.probability_before:
        after = "the plan's relocations leave it unchanged"
    else:
        after = f"after the plan's relocations {c.probability_after:.0%}"
    worst_now, worst_after = c.runs["worst_before"].max(), c.runs["worst_after"].max()
    return (
        f"Chance that one event takes down {JOINT_LOSS_SHARE:.0%} or more of the fleet's "
        f"hashrate at once: {now} as the fleet stands; {after}. The largest share down at once "
        f"in any judged run: {worst_now:.0%} now, {worst_after:.0%} after the plan."
    )


def exceedance_frame(c: Concentration) -> pd.DataFrame:
    """Long frame for the exceedance chart: ``loss_share``, ``fleet`` (``now`` or ``after the
    plan``) and ``probability``."""
    frame = c.exceedance.rename(
        columns={"probability_before": "now", "probability_after": "after the plan"}
    )
    return frame.melt("loss_share", var_name="fleet", value_name="probability")
