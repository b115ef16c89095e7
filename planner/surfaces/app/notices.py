"""What the what-if page (``app.py``) says about its own work: what it plans over, the stage it
is in, how the plan was made and served, why no plan could be, and the hours the hashrate floor
could not be kept.

No Streamlit import: the page shows these strings and tables; tests call them directly.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from planner import (
    Evaluation,
    FeedError,
    Fleet,
    Plan,
    PlannerError,
    SolveError,
    format_eh_s,
)
from planner.surfaces.app.inputs import Setup, WhatIf

#: The page's stages, in order.
STAGES: tuple[str, ...] = ("feeds", "scenarios", "plan", "judge")

#: Order lead times the page offers [h].
LEAD_OPTIONS: tuple[int, ...] = (1, 6, 12, 24)
#: Optimizer time limits the page offers [s].
TIME_LIMIT_OPTIONS: tuple[int, ...] = (1, 5, 10, 30, 60, 120, 300)


def stage_label(stage: str, setup: Setup, whatif: WhatIf) -> str:
    """The status line while ``stage`` runs: which of the four it is and what it does.

    Parameters
    ----------
    stage
        One of :data:`STAGES`.
    setup, whatif
        The page's inputs.
    """
    doing = {
        "feeds": f"weather, prices and outages, {setup.days} days from {setup.start} "
        f"({setup.mode})",
        "scenarios": f"{setup.scenarios} to plan over and {setup.scenarios} to judge on",
        "plan": f"building and solving the optimizer's model (time limit "
        f"{whatif.time_limit_s:g} s)",
        "judge": "the plan and today's rules on scenarios the plan did not see",
    }[stage]
    return f"Step {STAGES.index(stage) + 1} of {len(STAGES)}, {stage}: {doing}…"


def fleet_caption(fleet: Fleet, setup: Setup, nameplate_eh_s: float) -> str:
    """The line under the title: the fleet, its size and what the page plans over.

    Parameters
    ----------
    fleet, setup
        The page's fleet and setup.
    nameplate_eh_s
        The fleet's installed hashrate [EH/s].
    """
    return (
        f"{fleet.name}: {len(fleet.sites)} sites, "
        f"{sum(s.capacity_mw for s in fleet.sites):,.0f} MW, {format_eh_s(nameplate_eh_s)} "
        f"nameplate · {setup.days} days from {setup.start} · {setup.scenarios} scenarios · "
        f"{setup.mode} feeds"
    )


def replan_text(wall_s: float, solve_s: float, judge_s: float) -> str:
    """How the re-plan was served: solved now (with its split) or from the cache.

    Parameters
    ----------
    wall_s
        What the plan and judge steps took on this run [s].
    solve_s, judge_s
        What making the plan and judging it took when they were computed [s].
    """
    if wall_s < 0.5 * (solve_s + judge_s):
        return "plan from cache"
    return f"re-plan {wall_s:.2f} s (optimizer {solve_s:.2f} s, judging {judge_s:.2f} s)"


def plan_notice(plan: Plan) -> str:
    """What the page must say above a plan that is not the optimizer's optimum ("" if it is)."""
    if not plan.note:
        return ""
    if plan.is_fallback:
        advice = (
            "For the optimizer's own plan raise its time limit (under 'Optimizer'), or plan "
            "over fewer days or scenarios."
        )
    else:
        advice = "Raise the optimizer's time limit (under 'Optimizer') to let it finish."
    return f"{plan.note[0].upper()}{plan.note[1:]}. {advice}"


def _family_advice(family: str, whatif: WhatIf) -> str:
    """What a constraint family that cannot be met asks of the user."""
    budget = (
        "no limit"
        if whatif.relocation_budget_usd is None
        else f"${whatif.relocation_budget_usd:,.0f}"
    )
    knobs = {
        "hashrate_floor": f"the hashrate floor ({whatif.hashrate_floor_pct:g} % of nameplate) "
        "cannot be kept in every hour of every planning scenario: lower it",
        "nonanticipativity": f"orders given now for the first {whatif.lead_hours:g} h cannot "
        "hold in every scenario: shorten the order lead time",
        "relocation_budget": f"the relocation budget ({budget}) is too small: raise it",
    }
    fleet = {
        "demand_response": "a demand-response commitment larger than what its site can shed",
        "freeze_protection": "hydro sites' freeze protection",
        "curtailment_allowance": "a hosting contract's curtailment allowance",
        "fleet_cap": "the fleet cap",
        "ramp": "a ramp limit",
        "min_down": "a minimum down time",
        "slots": "site slots",
        "site_capacity": "site capacities",
        "origin_stock": "machines available to relocate",
        "route_throughput": "route throughputs",
    }
    if family in knobs:
        return knobs[family]
    return f"{fleet.get(family, family)} (set in the fleet file) cannot be met"


def error_hint(exc: PlannerError, whatif: WhatIf) -> str:
    """What to try after an error, naming its real cause.

    Parameters
    ----------
    exc
        The error the page stopped on.
    whatif
        The knobs it ran with (the hint quotes the ones in play).
    """
    if isinstance(exc, SolveError):
        if exc.families:
            worst_first = sorted(exc.families, key=lambda f: -exc.families[f])
            parts = [_family_advice(f, whatif) for f in worst_first]
            return "What cannot be met: " + "; ".join(parts) + "."
        return (
            "The solver stopped without a plan for a reason of its own; run the optimizer "
            "again, or change a setting."
        )
    if isinstance(exc, FeedError):
        return (
            "Feeds can be switched to offline (no network) or cache under "
            "'Horizon, scenarios and feeds'."
        )
    return "Correct the setting or file the message names and run the optimizer again."


def hours_below_floor(evaluation: Evaluation, policy: str) -> float:
    """Expected hours per judged run in which ``policy`` could not keep its floor [h]."""
    rows = evaluation.floor_shortfalls
    return float(rows.loc[rows["policy"] == policy, "weight"].sum())


#: Columns of :func:`floor_shortfall_table`.
FLOOR_TABLE_COLUMNS: tuple[str, ...] = ("time", "runs below %", "mean shortfall EH/s", "reason")


def floor_shortfall_table(evaluation: Evaluation, policy: str) -> pd.DataFrame:
    """The hours ``policy`` could not keep its floor, one row per hour, first hours first.

    Columns :data:`FLOOR_TABLE_COLUMNS`: the share of judged runs below the floor in the hour
    [%], their mean shortfall [EH/s] and the most likely reason (every available machine ran:
    an outage, freeze damage, failures, heat, machines in transit).
    """
    rows = evaluation.floor_shortfalls
    rows = rows[rows["policy"] == policy]
    if rows.empty:
        return pd.DataFrame(columns=list(FLOOR_TABLE_COLUMNS))
    out = []
    for time, hour in rows.groupby("time", sort=True):
        weight = hour["weight"].to_numpy()
        reasons = hour.groupby("reason")["weight"].sum().sort_values(ascending=False)
        out.append(
            {
                "time": time,
                "runs below %": 100.0 * float(weight.sum()),
                "mean shortfall EH/s": float(
                    np.average(hour["shortfall_eh_s"].to_numpy(), weights=weight)
                ),
                "reason": str(reasons.index[0]),
            }
        )
    return pd.DataFrame(out, columns=list(FLOOR_TABLE_COLUMNS))


def cvar_help(scenarios: int) -> str:
    """The CVaR level's help text: how many of the planning scenarios each level averages."""
    levels = ", ".join(
        f"α {a:.2f}: {math.ceil((1 - a) * scenarios - 1e-9)}" for a in (0.8, 0.9, 0.95)
    )
    return (
        f"CVaR at α is the mean loss of the worst 1 - α of probability; over {scenarios} "
        f"equally likely scenarios that is the worst few ({levels}), so nearby levels can "
        "give the same plan."
    )
