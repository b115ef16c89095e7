"""The page's work, through the public planner API: feeds, planning and judging scenarios, the
plan through a :class:`~planner.Replanner`, the rules and the plan judged, the report.

The what-if path
----------------
- Feeds depend on the fleet and the :class:`Setup` (start, horizon, mode, seed).
- *Planning* scenarios, the ones the optimizer sees, depend on those and on the scenario knobs
  (storm severity, outage duration, price spikes) but not on the BTC price shock: the shock
  multiplies every hashprice by ``1 + shock`` (:func:`planner.make_scenarios`), which is exactly
  the solver's mutable ``hashprice_scale``. So the BTC shock, risk aversion, hashrate floor and
  relocation budget re-solve the same model (:meth:`planner.Replanner.plan`); only the scenario
  knobs build a new one.
- *Judging* scenarios are drawn with another seed (``seed + 1``) and every knob, the BTC shock
  included: the plan is judged out of sample, next to the rules the operator picked (run-through,
  the strike rule at the page's strike, strike+protective, 4CP avoidance...) and the plan's
  compositions (``optimized+4cp``...), every strategy on the same draws.
"""

from __future__ import annotations

from datetime import UTC, datetime

from planner import (
    DEMO_STORMS,
    Evaluation,
    Feeds,
    Fleet,
    Plan,
    Replan,
    Replanner,
    ReportInputs,
    ScenarioSet,
    action_schedule,
    compare_strategies,
    concentration_risk,
    evaluate,
    fetch_feeds,
    kpis,
    make_scenarios,
    merge_evaluations,
    render_report,
    simulate_strategies,
)
from planner.surfaces.app.inputs import (
    JUDGE_SEED_OFFSET,
    PLAN,
    Setup,
    WhatIf,
    nameplate_eh_s,
)

__all__ = [
    "combine",
    "feeds_for",
    "judge_plan_strategies",
    "judge_rules",
    "plan_for",
    "replan",
    "report_html",
    "scenarios_for",
]


def feeds_for(fleet: Fleet, setup: Setup) -> Feeds:
    """The feeds of the setup; offline feeds carry the demo's mid-January cold snap.

    Raises
    ------
    ConfigError, FeedError
        Bad horizon or mode; a live feed with no usable cached answer.
    """
    storms = DEMO_STORMS if setup.mode == "offline" else None
    return fetch_feeds(fleet, setup.start, setup.hours, setup.mode, seed=setup.seed, storms=storms)


def scenarios_for(
    fleet: Fleet, feeds: Feeds, setup: Setup, whatif: WhatIf, *, judging: bool
) -> ScenarioSet:
    """Planning scenarios (seed, no BTC shock) or judging ones (``seed + 1``, every knob)."""
    seed = setup.seed + (JUDGE_SEED_OFFSET if judging else 0)
    settings = whatif.scenario_settings(judging=judging)
    return make_scenarios(fleet, feeds, setup.scenarios, seed, settings=settings)


def plan_for(replanner: Replanner, whatif: WhatIf) -> Plan:
    """The plan for the knobs: :meth:`planner.Replanner.plan` with their solver parameters
    (:meth:`WhatIf.solver_parameters`) and time limit.

    Raises
    ------
    SolveError
        No plan meets the settings (the message names the constraint families).
    ConfigError
        A parameter out of the solver's range.
    """
    parameters = whatif.solver_parameters(nameplate_eh_s(replanner.fleet))
    return replanner.plan(time_limit_s=whatif.time_limit_s, **parameters)


def replan(replanner: Replanner, judging: ScenarioSet, whatif: WhatIf) -> Replan:
    """Re-plan through the persistent solver and judge the plan: the page's what-if path
    (:meth:`planner.Replanner.replan`).

    Raises
    ------
    SolveError, ConfigError
        See :func:`plan_for`.
    """
    parameters = whatif.solver_parameters(nameplate_eh_s(replanner.fleet))
    return replanner.replan(judging, time_limit_s=whatif.time_limit_s, **parameters)


def judge_rules(fleet: Fleet, judging: ScenarioSet, whatif: WhatIf) -> Evaluation:
    """The chosen rules over the judging scenarios (:meth:`WhatIf.rule_names`; no
    relocations)."""
    return evaluate(fleet, judging, list(whatif.rule_names()))


def judge_plan_strategies(
    fleet: Fleet, judging: ScenarioSet, plan: Plan, names: tuple[str, ...]
) -> Evaluation | None:
    """The plan's compositions other than ``optimized`` itself (``optimized+4cp``...) over the
    judging scenarios, with the plan's relocations; ``None`` when there are none."""
    extra = [n for n in names if n != PLAN]
    return compare_strategies(fleet, judging, extra, plan=plan) if extra else None


def combine(parts: list[Evaluation | None], order: tuple[str, ...]) -> Evaluation:
    """The rules and the plan strategies in one evaluation, in ``order``."""
    return merge_evaluations([p for p in parts if p is not None], order)


def report_html(
    fleet: Fleet,
    feeds: Feeds,
    setup: Setup,
    whatif: WhatIf,
    evaluation: Evaluation,
    plan: Plan,
) -> str:
    """The self-contained HTML report of the page's state
    (:func:`planner.render_report`).

    Charts of the central forecast come from one run per strategy through the feeds; the risk
    figures, bands and distribution from the judged evaluation.
    """
    names = list(whatif.judged_names())
    results = simulate_strategies(fleet, feeds, names, plan=plan, seed=setup.seed)
    notes = (
        *feeds.notes,
        f"{setup.scenarios} scenarios, seed {setup.seed}; the plan is judged on "
        f"{setup.scenarios} other scenarios (seed {setup.seed + JUDGE_SEED_OFFSET}).",
        whatif.describe(),
    )
    return render_report(
        ReportInputs(
            fleet=fleet,
            kpis=kpis(fleet, results, baseline=names[0]),
            ledgers={r.policy: r.ledger for r in results},
            title=f"{fleet.name}: what to run this week",
            generated_at=datetime.now(UTC),
            notes=notes,
            risk=evaluation.metrics(),
            evaluation=evaluation,
            plan=plan,
            feeds=feeds,
            current_rule=whatif.rule_name,
            actions=action_schedule(plan),
            concentration=concentration_risk(fleet, evaluation, plan.relocations),
        ),
    )
