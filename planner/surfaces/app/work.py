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
  included: the plan is judged out of sample, next to the rules fleet software runs today
  (run-through and the strike-price rule).
"""

from __future__ import annotations

from datetime import UTC, datetime

from planner import (
    DEMO_STORMS,
    Evaluation,
    Feeds,
    Fleet,
    Plan,
    Policy,
    Replan,
    Replanner,
    ReportInputs,
    RunThrough,
    ScenarioSet,
    StrikePrice,
    action_schedule,
    concentration_risk,
    evaluate,
    fetch_feeds,
    kpis,
    make_scenarios,
    merge_evaluations,
    render_report,
    simulate,
    simulate_strategies,
)
from planner.surfaces.app.inputs import (
    JUDGE_SEED_OFFSET,
    PLAN,
    RULES,
    STRATEGIES,
    Setup,
    WhatIf,
    nameplate_eh_s,
)

__all__ = [
    "combine",
    "feeds_for",
    "judge_rules",
    "plan_for",
    "replan",
    "report_html",
    "scenarios_for",
    "strike_policy",
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


def strike_policy(whatif: WhatIf) -> StrikePrice:
    """The strike-price rule of the page."""
    return StrikePrice(strike_usd_per_mwh=whatif.strike_usd_per_mwh)


def judge_rules(fleet: Fleet, judging: ScenarioSet, whatif: WhatIf) -> Evaluation:
    """Run-through and the strike rule over the judging scenarios (no relocations)."""
    return evaluate(fleet, judging, [RunThrough(), strike_policy(whatif)])


def combine(rules: Evaluation, planned: Evaluation) -> Evaluation:
    """The rules and the plan in one evaluation, in :data:`STRATEGIES` order."""
    return merge_evaluations([rules, planned], STRATEGIES)


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
    rules: list[Policy] = [RunThrough(), strike_policy(whatif)]
    results = [simulate(fleet, feeds, p, seed=setup.seed) for p in rules]
    results += simulate_strategies(fleet, feeds, [PLAN], plan=plan, seed=setup.seed)
    notes = (
        *feeds.notes,
        f"{setup.scenarios} scenarios, seed {setup.seed}; the plan is judged on "
        f"{setup.scenarios} other scenarios (seed {setup.seed + JUDGE_SEED_OFFSET}).",
        whatif.describe(),
    )
    return render_report(
        ReportInputs(
            fleet=fleet,
            kpis=kpis(fleet, results, baseline=RULES[0]),
            ledgers={r.policy: r.ledger for r in results},
            title=f"{fleet.name}: what-if plan",
            generated_at=datetime.now(UTC),
            notes=notes,
            risk=evaluation.metrics(),
            evaluation=evaluation,
            plan=plan,
            feeds=feeds,
            actions=action_schedule(plan),
            concentration=concentration_risk(fleet, evaluation, plan.relocations),
        ),
    )
