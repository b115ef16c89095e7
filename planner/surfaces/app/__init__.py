"""Support of the Streamlit what-if app (``app.py``): what the page computes, through the public
``planner`` names only.

``app.py`` keeps to widgets, caching and charts; what it computes goes through here. No Streamlit
import: tests and ``benchmarks/bench_app.py`` call these functions directly. One concept per
module, every name also here:

- ``inputs``: what the page plans over (:class:`Setup`), its knobs (:class:`WhatIf`), the fleet.
- ``work``: feeds, scenarios, the plan through a :class:`planner.Replanner`, judging, the report.
- ``tables``: the risk table, the KPI row and the tables and frames the views draw.
- ``risk_map``: the page's map of one figure per site.
- ``operations``: the plan's action schedule and the concentration risk.
- ``notices``: what the page says about its own work (stages, notes, hints, the floor's hours).
"""

from planner.surfaces.app import notices
from planner.surfaces.app.inputs import (
    CURRENT_RULES,
    DEFAULT_STRATEGIES,
    DEMO_START,
    JUDGE_SEED_OFFSET,
    PLAN,
    PLAN_STRATEGIES,
    RULES,
    STRATEGIES,
    STRATEGY_HELP,
    Setup,
    WhatIf,
    demand_response_mw,
    fleet_from_upload,
    fleet_key,
    nameplate_eh_s,
    one_line,
    without_demand_response,
)
from planner.surfaces.app.operations import (
    ACTION_HELP,
    action_files,
    action_table,
    concentration,
    concentration_words,
    exceedance_frame,
)
from planner.surfaces.app.risk_map import MAP_METRICS, format_value, risk_map_chart, site_values
from planner.surfaces.app.tables import (
    COLUMN_HELP,
    FLEET_COLUMNS,
    Headline,
    History,
    act_now_table,
    column_help,
    events_table,
    expected_schedule,
    freshness_table,
    headline,
    plan_csv,
    relocation_table,
    risk_table,
    run_history,
)
from planner.surfaces.app.work import (
    combine,
    feeds_for,
    judge_plan_strategies,
    judge_rules,
    plan_for,
    replan,
    report_html,
    scenarios_for,
)

__all__ = [
    "ACTION_HELP",
    "COLUMN_HELP",
    "CURRENT_RULES",
    "DEFAULT_STRATEGIES",
    "DEMO_START",
    "FLEET_COLUMNS",
    "JUDGE_SEED_OFFSET",
    "MAP_METRICS",
    "PLAN",
    "PLAN_STRATEGIES",
    "RULES",
    "STRATEGIES",
    "STRATEGY_HELP",
    "Headline",
    "History",
    "Setup",
    "WhatIf",
    "act_now_table",
    "action_files",
    "action_table",
    "column_help",
    "combine",
    "concentration",
    "concentration_words",
    "demand_response_mw",
    "events_table",
    "exceedance_frame",
    "expected_schedule",
    "feeds_for",
    "fleet_from_upload",
    "fleet_key",
    "format_value",
    "freshness_table",
    "headline",
    "judge_plan_strategies",
    "judge_rules",
    "nameplate_eh_s",
    "notices",
    "one_line",
    "plan_csv",
    "plan_for",
    "relocation_table",
    "replan",
    "report_html",
    "risk_map_chart",
    "risk_table",
    "run_history",
    "scenarios_for",
    "site_values",
    "without_demand_response",
]
