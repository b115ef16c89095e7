"""Support of the Streamlit what-if app (``app.py``): what the page computes, through the public
``planner`` names only.

``app.py`` keeps to widgets, caching and charts; what it computes goes through here. No Streamlit
import: tests and ``benchmarks/bench_app.py`` call these functions directly. One concept per
module, every name also here:

- ``inputs``: what the page plans over (:class:`Setup`), its knobs (:class:`WhatIf`), the fleet.
- ``work``: feeds, scenarios, the plan through a :class:`planner.Replanner`, judging, the report.
- ``tables``: the risk table, the KPI row and the tables and frames the views draw.
- ``colours`` and ``risk_map``: the page's colours and its map of one figure per site.
- ``operations``: the plan's action schedule and the concentration risk.
- ``notices``: what the page says about its own work (stages, notes, hints, the floor's hours).
"""

from planner.surfaces.app import notices
from planner.surfaces.app.colours import COLOURS, HEAT_STOPS, RISK_STOPS, Stops, ramp
from planner.surfaces.app.inputs import (
    DEMO_START,
    JUDGE_SEED_OFFSET,
    PLAN,
    RULES,
    STRATEGIES,
    Setup,
    WhatIf,
    fleet_from_upload,
    fleet_key,
    nameplate_eh_s,
    one_line,
)
from planner.surfaces.app.operations import (
    ACTION_HELP,
    action_files,
    action_table,
    concentration,
    concentration_words,
    exceedance_frame,
)
from planner.surfaces.app.risk_map import MAP_METRICS, format_value, risk_map_svg, site_values
from planner.surfaces.app.tables import (
    FLEET_COLUMNS,
    Headline,
    History,
    act_now_table,
    curtailment_heatmap,
    events_table,
    expected_schedule,
    fleet_profits,
    freshness_table,
    hashrate_bands,
    headline,
    plan_csv,
    relocation_table,
    risk_table,
    run_history,
)
from planner.surfaces.app.work import (
    combine,
    feeds_for,
    judge_rules,
    plan_for,
    replan,
    report_html,
    scenarios_for,
    strike_policy,
)

__all__ = [
    "ACTION_HELP",
    "COLOURS",
    "DEMO_START",
    "FLEET_COLUMNS",
    "HEAT_STOPS",
    "JUDGE_SEED_OFFSET",
    "MAP_METRICS",
    "PLAN",
    "RISK_STOPS",
    "RULES",
    "STRATEGIES",
    "Headline",
    "History",
    "Setup",
    "Stops",
    "WhatIf",
    "act_now_table",
    "action_files",
    "action_table",
    "combine",
    "concentration",
    "concentration_words",
    "curtailment_heatmap",
    "events_table",
    "exceedance_frame",
    "expected_schedule",
    "feeds_for",
    "fleet_from_upload",
    "fleet_key",
    "fleet_profits",
    "format_value",
    "freshness_table",
    "hashrate_bands",
    "headline",
    "judge_rules",
    "nameplate_eh_s",
    "notices",
    "one_line",
    "plan_csv",
    "plan_for",
    "ramp",
    "relocation_table",
    "replan",
    "report_html",
    "risk_map_svg",
    "risk_table",
    "run_history",
    "scenarios_for",
    "site_values",
    "strike_policy",
]
