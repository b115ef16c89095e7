"""Streamlit what-if app: widgets -> planner API -> charts. No model logic here.

Run it with ``make app`` or ``streamlit run app.py``. The sidebar picks the fleet (the demo, an
uploaded TOML file or pasted TOML) and, in one form, the horizon, scenarios, feed mode and the
what-if knobs; "Run optimizer" applies them. Expensive steps are cached by their inputs:
feeds and scenarios (``st.cache_data``), the persistent optimizer per fleet and planning
scenarios (``st.cache_resource``; knobs that are solver parameters re-solve it with
``PlanSolver.update`` instead of rebuilding), and the judged evaluations. What is computed, and
how, lives in :mod:`planner.surfaces.app` (through the public ``planner`` names only).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.elements.lib.mutable_status_container import StatusContainer

from planner import (
    Evaluation,
    FeedMode,
    Feeds,
    Fleet,
    OptimizeSettings,
    Plan,
    PlannerError,
    Replanner,
    ScenarioSet,
    band_frame,
    band_panel_chart,
    curtailment_blocks,
    curtailment_frame,
    curtailment_heatmap_chart,
    demo_fleet,
    exceedance_chart,
    format_eh_s,
    format_usd,
    profit_distribution_chart,
    run_profits,
    summarise,
    summary_text,
)
from planner.surfaces import app as sup
from planner.surfaces.app import notices

STRIKE_OPTIONS: list[str | int] = ["breakeven", 40, 60, 80, 100, 125, 150, 200, 300, 500]
BUDGET_OPTIONS: list[str | int] = [
    "no limit",
    0,
    100_000,
    250_000,
    500_000,
    1_000_000,
    2_000_000,
    5_000_000,
]
#: Number formats of the risk table's columns (others: one decimal).
FORMATS = {"mean EH/s": "%.2f", "curtailed MWh": "%.0f", "freeze events": "%.2f"}
VIEWS = (
    "Key figures",
    "Map & risk",
    "Hashrate",
    "Profit",
    "Curtailment",
    "Relocations",
    "Actions",
    "Concentration",
    "Alerts & feeds",
    "Run history",
    "Downloads",
)
FLEET_SOURCES = ("Demo fleet", "Upload TOML", "Paste TOML")
MODES: tuple[FeedMode, ...] = ("offline", "cache", "live")


# ----------------------------------------------------------------------------------- caching


@st.cache_data(max_entries=16, show_spinner=False)
def cached_fleet(data: bytes, source: str) -> Fleet:
    """Parse an uploaded or pasted fleet (by content)."""
    return sup.fleet_from_upload(data, source)


@st.cache_data(max_entries=8, show_spinner=False)
def cached_feeds(fleet_key: str, setup: sup.Setup, _fleet: Fleet) -> Feeds:
    """Feeds by (fleet hash, start, horizon, mode, seed)."""
    return sup.feeds_for(_fleet, setup)


@st.cache_data(max_entries=16, show_spinner=False)
def cached_scenarios(
    fleet_key: str,
    setup: sup.Setup,
    knobs: sup.WhatIf,
    judging: bool,
    _fleet: Fleet,
    _feeds: Feeds,
) -> ScenarioSet:
    """Planning or judging scenarios by (fleet hash, setup, scenario knobs)."""
    return sup.scenarios_for(_fleet, _feeds, setup, knobs, judging=judging)


@st.cache_resource(max_entries=3, show_spinner=False)  # a 14-day, 40-scenario model: ~1 GB
def cached_engine(
    fleet_key: str,
    setup: sup.Setup,
    knobs: sup.WhatIf,
    lead_hours: float,
    _fleet: Fleet,
    _planning: ScenarioSet,
) -> Replanner:
    """The persistent solver by (fleet, planning scenarios, lead time); shared, locked."""
    return Replanner(_fleet, _planning, OptimizeSettings(lead_hours=lead_hours))


@st.cache_data(max_entries=16, show_spinner=False)
def cached_rules(
    fleet_key: str,
    setup: sup.Setup,
    knobs: sup.WhatIf,
    rules: tuple[str, ...],
    _fleet: Fleet,
    _judging: ScenarioSet,
    _whatif: sup.WhatIf,
) -> Evaluation:
    """The chosen rules judged, by (fleet, judging scenarios, rule names with their strike)."""
    return sup.judge_rules(_fleet, _judging, _whatif)


@st.cache_data(max_entries=16, show_spinner=False)
def cached_plan_strategies(
    fleet_key: str,
    setup: sup.Setup,
    knobs: sup.WhatIf,
    names: tuple[str, ...],
    _plan: Plan,
    _judging: ScenarioSet,
) -> Evaluation | None:
    """The plan's compositions (``optimized+4cp``...) judged, by (fleet, plan knobs, names)."""
    return sup.judge_plan_strategies(_plan.fleet, _judging, _plan, names)


@st.cache_data(max_entries=32, show_spinner=False)
def cached_plan_evaluation(
    fleet_key: str,
    setup: sup.Setup,
    knobs: sup.WhatIf,
    _engine: Replanner,
    _judging: ScenarioSet,
) -> tuple[float, Evaluation]:
    """The plan judged (judge seconds, evaluation) by (fleet, setup, plan knobs)."""
    replan = sup.replan(_engine, _judging, knobs)
    return replan.judge_seconds, replan.evaluation


# ----------------------------------------------------------------------------------- widgets


def pick_fleet() -> tuple[Fleet | None, str | None]:
    """The fleet chosen in the sidebar (with or without its demand-response enrolment), or
    ``None`` and the one-line reason."""
    fleet, problem = _fleet_source()
    if fleet is None or sup.demand_response_mw(fleet) <= 0:
        return fleet, problem
    enrolled = st.sidebar.toggle(
        f"Demand response ({sup.demand_response_mw(fleet):,.0f} MW enrolled)",
        True,
        key="demand_response",
        help="Paid to stand ready, penalised for any shortfall when the grid calls; the "
        "optimizer sheds what is called. Switch off to see the fleet without the enrolment: "
        "the difference is what it is worth.",
    )
    return (fleet if enrolled else sup.without_demand_response(fleet)), None


def _fleet_source() -> tuple[Fleet | None, str | None]:
    """The fleet of the sidebar's source, or ``None`` and the one-line reason."""
    st.sidebar.header("Fleet")
    source = st.sidebar.radio(
        "Fleet",
        FLEET_SOURCES,
        key="fleet_source",
        label_visibility="collapsed",
        help="The demo's six North American sites, or your own fleet file (docs/fleet.md).",
    )
    if source == "Demo fleet":
        return demo_fleet(), None
    if source == "Upload TOML":
        upload = st.sidebar.file_uploader(
            "Fleet file (TOML)",
            type=["toml"],
            key="fleet_file",
            help="A fleet of [[sites]] and [[routes]]; see docs/fleet.md for every key.",
        )
        if upload is None:
            return None, "Upload a fleet TOML file in the sidebar, or pick the demo fleet."
        data, name = upload.getvalue(), upload.name
    else:
        text = st.sidebar.text_area(
            "Fleet TOML", key="fleet_text", height=220, placeholder="[[sites]]\nid = ..."
        )
        if not text.strip():
            return None, "Paste a fleet TOML in the sidebar, or pick the demo fleet."
        data, name = text.encode(), "pasted fleet"
    try:
        return cached_fleet(data, name), None
    except PlannerError as exc:
        return None, f"Fleet rejected: {sup.one_line(exc)}"


def _pct(value: float) -> str:
    return f"{value:+.0f} %"


def plan_form() -> tuple[sup.Setup, sup.WhatIf]:
    """Horizon, scenarios, feeds and what-if knobs; applied by "Run optimizer"."""
    with st.sidebar.form("plan"):
        st.header("Strategies")
        chosen = st.multiselect(
            "Strategies to compare",
            sup.STRATEGIES,
            default=list(sup.DEFAULT_STRATEGIES),
            key="strategies",
            format_func=lambda name: name,
            help="Every strategy is judged on the same scenarios, which the optimizer did not "
            "see. " + " ".join(f"{k}: {v}" for k, v in sup.STRATEGY_HELP.items()),
        )
        rule = st.selectbox(
            "Your current rule",
            sup.CURRENT_RULES,
            index=1,
            key="current_rule",
            help="What you run today; the summary says what the recommendation is worth "
            "against it. The strike rule uses the strike price below.",
        )
        st.header("What if")
        btc = st.slider(
            "BTC price shock [%]",
            -60,
            60,
            0,
            5,
            key="btc_shock",
            format="%+d%%",
            help="Moves the whole BTC price path, hence hashprice (-20 = BTC drops 20 %).",
        )
        storm = st.slider(
            "Storm severity [x]",
            0.0,
            3.0,
            1.0,
            0.25,
            key="storm",
            help="Cold-snap depth and weather-driven outage hazard (2 = twice as bad).",
        )
        outage = st.slider(
            "Outage duration [x]",
            0.5,
            5.0,
            1.0,
            0.5,
            key="outage",
            help="How long grid outages last (2 = twice as long as history suggests).",
        )
        spikes = st.slider(
            "Price-spike scale [x]",
            0.0,
            5.0,
            1.0,
            0.5,
            key="spikes",
            help="Scarcity spikes on top of the power price (0 = none).",
        )
        strike = st.select_slider(
            "Strike price of the rule [$/MWh]",
            STRIKE_OPTIONS,
            "breakeven",
            key="strike",
            format_func=lambda v: "each tier's breakeven" if v == "breakeven" else f"${v}",
            help="The rule fleet software runs today: shed above this power price.",
        )
        st.subheader("Optimizer")
        risk_lambda = st.slider(
            "Risk aversion λ",
            0.0,
            3.0,
            0.0,
            0.1,
            key="risk_lambda",
            help="Weight of the CVaR of loss in the objective (0 = expected profit only).",
        )
        alpha = st.slider(
            "CVaR level α",
            0.80,
            0.99,
            0.95,
            0.01,
            key="cvar_alpha",
            help=notices.cvar_help(int(st.session_state.get("scenarios", 10))),
        )
        lead = st.select_slider(
            "Order lead time [h]",
            notices.LEAD_OPTIONS,
            1,
            key="lead_hours",
            help="Orders to shed or restore machines take this long to act: the plan's first "
            "hours are decided now, the same in every scenario, and carried out as ordered. "
            "Risk aversion acts only on what is decided before the uncertainty resolves "
            "(these hours, protective orders ahead of a freeze and relocations); with 1 h "
            "every later hour follows its own price and there is little to hedge.",
        )
        limit = st.select_slider(
            "Time limit [s]",
            notices.TIME_LIMIT_OPTIONS,
            60,
            key="time_limit",
            help="How long the optimizer may search. At the limit the page shows the best plan "
            "found, or the strike rule's plan with a note when it found none (long horizons, "
            "many scenarios or a busy machine).",
        )
        floor = st.slider(
            "Hashrate floor [% of nameplate]",
            0,
            100,
            0,
            5,
            key="floor_pct",
            help="Fleet hashrate to keep in every hour of every scenario.",
        )
        budget = st.select_slider(
            "Relocation budget",
            BUDGET_OPTIONS,
            "no limit",
            key="budget",
            format_func=lambda v: v if isinstance(v, str) else format_usd(float(v)),
            help="The most the plan may spend shipping machines between sites.",
        )
        with st.expander("Horizon, scenarios and feeds"):
            start = st.date_input(
                "Start (UTC)",
                date.fromisoformat(sup.DEMO_START),
                key="start",
                help="First day planned (midnight UTC).",
            )
            days = st.radio(
                "Horizon [days]",
                (3, 7, 14),
                1,
                key="days",
                horizontal=True,
                help="How far ahead to plan.",
            )
            n = st.slider(
                "Scenarios",
                5,
                40,
                10,
                5,
                key="scenarios",
                help="Weather, price and outage futures drawn to plan over; as many others "
                "judge the strategies. More: steadier figures, slower.",
            )
            mode = st.radio(
                "Feeds",
                MODES,
                0,
                key="mode",
                horizontal=True,
                help="offline: seeded generator with the demo's cold snap, no network; "
                "cache: the HTTP cache only; live: the providers (a forecast window).",
            )
            seed = st.number_input(
                "Seed",
                0,
                2**31 - 1,
                7,
                1,
                key="seed",
                help="Same seed, same scenarios: change it to see other draws.",
            )
        st.form_submit_button("Run optimizer", type="primary", width="stretch")
    setup = sup.Setup(
        start=(
            start if isinstance(start, date) else date.fromisoformat(sup.DEMO_START)
        ).isoformat(),
        days=int(days),
        scenarios=int(n),
        seed=int(seed),
        mode=mode,
    )
    whatif = sup.WhatIf(
        btc_price_shock=btc / 100.0,
        storm_severity=float(storm),
        outage_duration_scale=float(outage),
        price_spike_scale=float(spikes),
        strike_usd_per_mwh=None if strike == "breakeven" else float(strike),
        risk_lambda=float(risk_lambda),
        cvar_alpha=float(alpha),
        hashrate_floor_pct=float(floor),
        relocation_budget_usd=None if budget == "no limit" else float(budget),
        lead_hours=float(lead),
        time_limit_s=float(limit),
        strategies=tuple(chosen),
        current_rule=str(rule),
    )
    return setup, whatif


# ----------------------------------------------------------------------------------- views


def table(frame: pd.DataFrame, **config: Any) -> None:
    """A table with a word of help on every column it knows (hover a column's header)."""
    helped: dict[str, Any] = {
        c: st.column_config.Column(help=text) for c, text in sup.column_help(frame.columns).items()
    }
    st.dataframe(frame, hide_index=True, column_config={**helped, **config})


def show_kpis(h: sup.Headline, nameplate: float, floor_pct: float, hours_below: float) -> None:
    st.caption(f"**{h.strategy}** (the recommendation) against **{h.rule}** (today's rule).")
    cols = st.columns(6 if floor_pct > 0 else 5)
    gain = h.expected_profit_incl_after_horizon_usd - h.rule_expected_profit_incl_after_horizon_usd
    tail_gain = h.cvar5_profit_incl_after_horizon_usd - h.rule_cvar5_profit_incl_after_horizon_usd
    versus = f"vs {h.rule}"
    cols[0].metric(
        "Expected profit incl. after horizon",
        format_usd(h.expected_profit_incl_after_horizon_usd),
        f"{format_usd(gain, signed=True)} {versus}",
        help="Judged on scenarios the optimizer did not see: the horizon's profit less what "
        "the fleet leaves behind after it (machines frozen, under repair or in transit, "
        "repairs, relocations). Strategies are ranked on this.",
    )
    cols[1].metric(
        "Worst-5 % incl. after horizon",
        format_usd(h.cvar5_profit_incl_after_horizon_usd),
        f"{format_usd(tail_gain, signed=True)} {versus}",
        help="The average of the worst 1-in-20 judged scenarios, at full value.",
    )
    cols[2].metric(
        "Mean hashrate",
        format_eh_s(h.mean_hashrate_eh_s),
        f"{h.mean_hashrate_eh_s - h.rule_mean_hashrate_eh_s:+.2f} EH/s {versus}",
        help=f"Average fleet hashrate over the horizon; nameplate {format_eh_s(nameplate)}.",
    )
    cols[3].metric(
        "Curtailed energy",
        f"{h.curtailed_mwh / 1e3:,.1f} GWh",
        f"{h.curtailed_mwh - h.rule_curtailed_mwh:+,.0f} MWh {versus}",
        delta_color="off",
        help="Energy the fleet chooses not to use: high prices, 4CP peaks, demand-response "
        "calls, protective shutdowns.",
    )
    cols[4].metric(
        "Relocation cost",
        format_usd(h.relocation_cost_usd),
        help="What the recommended strategy's relocations cost (trucks, customs, installation).",
    )
    if floor_pct > 0:
        cols[5].metric(
            "Hours below floor",
            f"{hours_below:,.1f} h",
            f"in {100 * h.below_floor_probability:.0f} % of runs",
            delta_color="off",
            help="Expected hours per judged run in which the fleet could not keep the hashrate "
            "floor: every available machine ran (grid outage, freeze damage, failures, heat, "
            "machines in transit). The hours and reasons are under Hashrate.",
        )
    st.caption(
        f"Profit inside the horizon alone: {format_usd(h.expected_profit_usd)} "
        f"({h.rule} {format_usd(h.rule_expected_profit_usd)}); the figures above also "
        "count what each leaves behind after the horizon."
    )


def show_summary(
    fleet: Fleet, plan: Plan, evaluation: Evaluation, metrics: pd.DataFrame, rule: str
) -> None:
    """The executive summary: the best strategy at full value against today's rule."""
    summary = summarise(
        fleet,
        metrics,
        rule,
        runs=len(evaluation.run_index),
        plan=plan,
        start=pd.Timestamp(plan.times[0]),
    )
    text = summary_text(summary)
    st.subheader(text.headline)
    st.markdown(f"{text.why}  \n{text.bad_case}  \n{text.after_horizon}")
    st.markdown("**Next actions**\n" + "".join(f"\n1. {a}" for a in text.actions))


def show_map_and_risk(fleet: Fleet, metrics: pd.DataFrame) -> None:
    left, right = st.columns(2)
    metric = left.selectbox(
        "Colour sites by",
        list(sup.MAP_METRICS),
        key="map_metric",
        help="The figure each site's circle shows, green for the fleet's best site, red for "
        "its worst.",
    )
    policy = right.selectbox(
        "Under strategy",
        list(dict.fromkeys(metrics["policy"])),
        key="map_strategy",
        help="Whose figures the map shows; run-through: what is at risk if nothing is done.",
    )
    column, worse_high, unit = sup.MAP_METRICS[metric]
    values = sup.site_values(metrics, policy, column)
    chart = sup.risk_map_chart(
        fleet, values, label=f"{metric}, {policy}", unit=unit, higher_is_worse=worse_high
    )
    st.altair_chart(chart, width="stretch")
    st.caption("Colours rank the sites from best (green) to worst (red) on the judged scenarios.")
    st.subheader("Risk across judged scenarios")
    site = st.selectbox(
        "Site",
        ["fleet", *fleet.site_ids],
        key="risk_site",
        help="The whole fleet or one site.",
    )
    st.dataframe(
        sup.risk_table(metrics, site),
        column_config={
            c: st.column_config.NumberColumn(
                format=FORMATS.get(c, "%.1f"), help=sup.COLUMN_HELP.get(c)
            )
            for c in sup.FLEET_COLUMNS.values()
        },
    )


def show_hashrate(evaluation: Evaluation, floor_eh_s: float) -> None:
    bands = band_frame(evaluation)
    for strategy in dict.fromkeys(bands["strategy"]):
        st.altair_chart(band_panel_chart(bands, strategy, floor_eh_s=floor_eh_s), width="stretch")
    st.caption(
        "One panel per strategy, on one scale: the line is the weighted median of the fleet's "
        "hashrate over the judged runs, the band spans P5 to P95; the dashed red line is the "
        "hashrate floor."
    )
    below = notices.floor_shortfall_table(evaluation, sup.PLAN) if floor_eh_s > 0 else None
    if below is None:
        return
    if below.empty:
        st.success("The plan's strategy kept the hashrate floor in every hour of every judged run.")
        return
    st.warning(
        f"The fleet could not keep the floor in {len(below)} hour(s) of the judged runs: every "
        "available machine ran. Why, hour by hour:"
    )
    table(
        below,
        **{
            "runs below %": st.column_config.NumberColumn(
                format="%.0f", help=sup.COLUMN_HELP["runs below %"]
            ),
            "mean shortfall EH/s": st.column_config.NumberColumn(
                format="%.2f", help=sup.COLUMN_HELP["mean shortfall EH/s"]
            ),
        },
    )


def show_profit(evaluation: Evaluation) -> None:
    st.altair_chart(profit_distribution_chart(run_profits(evaluation)), width="stretch")
    st.caption(
        "One dot per judged scenario at full value (the horizon's profit less what the fleet "
        "leaves behind after it); boxes span the quartiles, whiskers the lowest and highest run."
    )


def show_curtailment(plan: Plan) -> None:
    frame = curtailment_frame(plan.fleet, sup.PLAN, plan=plan)
    if frame is None or frame.empty:
        st.info("The plan curtails nothing.")
        return
    sites = list(plan.fleet.site_ids)
    blocks, label = curtailment_blocks(frame, sites)
    st.altair_chart(curtailment_heatmap_chart(blocks, sites), width="stretch")
    st.caption(
        f"The plan's expected curtailment per {label}: the share of each site's available "
        "facility load held off, from white (runs) to dark orange (all held off)."
    )


def show_relocations(plan: Plan) -> None:
    relocations = sup.relocation_table(plan)
    if relocations.empty:
        st.info("No relocations: the plan keeps every machine where it is.")
    else:
        table(relocations)
    st.subheader("Decision for the first hour")
    help_of = sup.COLUMN_HELP
    table(
        sup.act_now_table(plan),
        run_fraction=st.column_config.ProgressColumn(
            "run share",
            min_value=0.0,
            max_value=1.0,
            format="percent",
            help=help_of["run_fraction"],
        ),
        running_mw=st.column_config.NumberColumn(
            "running [MW]", format="%.1f", help=help_of["running_mw"]
        ),
        available_mw=st.column_config.NumberColumn(
            "available [MW]", format="%.1f", help=help_of["available_mw"]
        ),
    )


def action_downloads(plan: Plan) -> None:
    """The action schedule's two files (made when clicked)."""
    st.download_button(
        "Action schedule (CSV)",
        lambda: sup.action_files(plan)[0],
        "actions.csv",
        "text/csv",
        key="download_actions_csv",
        on_click="ignore",
        help="One row per action: site, what to do, from and to in site and market time, why.",
    )
    st.download_button(
        "Action schedule (iCalendar)",
        lambda: sup.action_files(plan)[1],
        "actions.ics",
        "text/calendar",
        key="download_actions_ics",
        on_click="ignore",
        help="The same actions as calendar events (Outlook, Google Calendar, Apple Calendar).",
    )


def show_actions(plan: Plan) -> None:
    actions = sup.action_table(plan)
    if actions.empty:
        st.info("Nothing to do: the plan runs every site at full load over the horizon.")
    else:
        st.dataframe(
            actions,
            hide_index=True,
            column_config={
                key: st.column_config.TextColumn(label, help=text)
                for key, (label, text) in sup.ACTION_HELP.items()
            },
        )
    st.caption(
        "The plan to act on, probability-weighted over its scenarios: a site is curtailed in an "
        "hour when its expected curtailment reaches 0.5 MW and 2 % of its available load; "
        "levels rounded to 1 MW."
    )
    action_downloads(plan)


def show_concentration(fleet: Fleet, evaluation: Evaluation, plan: Plan) -> None:
    c = sup.concentration(fleet, evaluation, plan)
    left, right = st.columns(2)
    left.metric(
        "One event takes down >= 30 % of hashrate",
        f"{c.probability_before:.0%}",
        help="Chance over the judged Monte Carlo runs, as the fleet stands today.",
    )
    right.metric(
        "After the plan's relocations",
        f"{c.probability_after:.0%}",
        delta=f"{100 * (c.probability_after - c.probability_before):+.0f} pts",
        delta_color="inverse",
        help="The same runs with the machines where the plan moves them.",
    )
    st.write(sup.concentration_words(c))
    st.altair_chart(exceedance_chart(sup.exceedance_frame(c)), width="stretch")
    shares = {
        "share_before": st.column_config.NumberColumn("share now", format="percent"),
        "share_after": st.column_config.NumberColumn("share after the plan", format="percent"),
        "hashrate_before_eh_s": st.column_config.NumberColumn("EH/s now", format="%.2f"),
        "hashrate_after_eh_s": st.column_config.NumberColumn("EH/s after", format="%.2f"),
    }
    st.subheader("By grid region")
    st.dataframe(c.by_region, hide_index=True, column_config=shares)
    st.subheader("By weather zone")
    st.dataframe(c.by_zone, hide_index=True, column_config=shares)
    st.caption(
        "A site counts as down from grid loss until every machine hashes again; the scenarios "
        "share weather, so nearby sites' outages come together. Sites within 800 km share a "
        "weather zone."
    )


def show_feeds(feeds: Feeds) -> None:
    for note in feeds.notes:
        st.caption(note)
    st.subheader("Weather alerts")
    failed = feeds.unavailable_alerts
    if failed:
        st.warning(
            f"Weather alerts unavailable for {', '.join(failed)}: the NWS feed failed with no "
            "usable cached answer (see Feed freshness)."
        )
    if feeds.alerts.empty:
        st.success("No severe-weather alerts in the feeds for this horizon.")
    else:
        table(sup.events_table(feeds.alerts))
    if not feeds.outages.empty:
        st.subheader("Outage reports")
        table(sup.events_table(feeds.outages))
    st.subheader("Feed freshness")
    table(sup.freshness_table(feeds))


def show_history() -> None:
    history = sup.run_history()
    if history.error:
        st.warning(f"Run history unreadable: {history.error}")
    elif history.runs.empty:
        st.info(f"No runs recorded yet. The scheduled job keeps its history in `{history.path}`.")
    else:
        st.caption(f"Newest first, from `{history.path}`.")
        table(history.runs)


def show_downloads(
    fleet: Fleet,
    feeds: Feeds,
    setup: sup.Setup,
    whatif: sup.WhatIf,
    evaluation: Evaluation,
    plan: Plan,
) -> None:
    st.download_button(
        "Plan (CSV)",
        lambda: sup.plan_csv(plan),
        "plan.csv",
        "text/csv",
        key="download_plan",
        on_click="ignore",
        help="Expected run share per site, model and hour (IT MW).",
    )
    st.download_button(
        "Report (HTML)",
        lambda: sup.report_html(fleet, feeds, setup, whatif, evaluation, plan),
        "report.html",
        "text/html",
        key="download_report",
        on_click="ignore",
        help="One self-contained page: open it in any browser, offline.",
    )
    action_downloads(plan)
    st.caption(whatif.describe())


# ------------------------------------------------------------------------------------ page


@dataclass(frozen=True)
class PageState:
    """What the views draw on: the feeds, the plan and the evaluation of every strategy."""

    feeds: Feeds
    plan: Plan
    evaluation: Evaluation
    replan_text: str


def run_steps(
    status: StatusContainer, fleet: Fleet, setup: sup.Setup, whatif: sup.WhatIf
) -> PageState:
    """Every step through the caches, each announced as the status box's label.

    Raises
    ------
    PlannerError
        A feed, setting or solve failed (one line).
    """

    def stage(name: str) -> None:
        label = notices.stage_label(name, setup, whatif)
        status.update(label=label)
        st.write(label)

    key = sup.fleet_key(fleet)
    stage("feeds")
    feeds = cached_feeds(key, setup.feeds_part(), _fleet=fleet)
    stage("scenarios")
    plan_knobs = whatif.scenario_part(judging=False)
    judge_knobs = whatif.scenario_part(judging=True)
    planning = cached_scenarios(key, setup, plan_knobs, False, _fleet=fleet, _feeds=feeds)
    judging = cached_scenarios(key, setup, judge_knobs, True, _fleet=fleet, _feeds=feeds)
    stage("plan")
    started = time.perf_counter()
    engine = cached_engine(
        key, setup, plan_knobs, whatif.lead_hours, _fleet=fleet, _planning=planning
    )
    plan = sup.plan_for(engine, whatif)
    solve_s = time.perf_counter() - started
    stage("judge")
    started = time.perf_counter()
    judge_s, planned = cached_plan_evaluation(
        key, setup, whatif.plan_part(), _engine=engine, _judging=judging
    )
    rules = cached_rules(
        key,
        setup,
        judge_knobs,
        whatif.rule_names(),
        _fleet=fleet,
        _judging=judging,
        _whatif=whatif,
    )
    composed = cached_plan_strategies(
        key, setup, whatif.plan_part(), whatif.plan_names(), _plan=plan, _judging=judging
    )
    text = notices.replan_text(solve_s + time.perf_counter() - started, solve_s, judge_s)
    evaluation = sup.combine([rules, planned, composed], whatif.judged_names())
    return PageState(feeds, plan, evaluation, text)


def main() -> None:
    st.set_page_config(page_title="Fleet what-if planner", page_icon="⛏", layout="wide")
    fleet, problem = pick_fleet()
    setup, whatif = plan_form()
    st.title("Mining fleet what-if planner")
    top = st.container(key="summary")  # the summary goes first, once the plan is judged
    if fleet is None:
        (st.error if problem and problem.startswith("Fleet rejected") else st.info)(problem)
        st.stop()
    assert fleet is not None
    nameplate = sup.nameplate_eh_s(fleet)
    st.caption(notices.fleet_caption(fleet, setup, nameplate))
    started = time.perf_counter()
    status = st.status("Planning…", expanded=False)
    try:
        with status:
            page = run_steps(status, fleet, setup, whatif)
    except PlannerError as exc:
        # Outside the status box: the message must be seen, not folded away.
        status.update(label="Stopped: no plan for these settings", state="error")
        st.error(f"No plan for these settings. {sup.one_line(exc)}")
        st.caption(notices.error_hint(exc, whatif))
        st.stop()
    status.update(
        label=f"Plan ready in {time.perf_counter() - started:.2f} s · {page.replan_text}",
        state="complete",
    )
    feeds, plan, evaluation = page.feeds, page.plan, page.evaluation
    floor_eh_s = whatif.floor_eh_s(nameplate)
    notice = notices.plan_notice(plan)
    if notice:
        st.warning(notice)
    metrics = evaluation.metrics()
    with top:
        show_summary(fleet, plan, evaluation, metrics, whatif.rule_name)
    headline = sup.headline(evaluation, metrics, plan, floor_eh_s, rule=whatif.rule_name)
    hours_below = notices.hours_below_floor(evaluation, headline.strategy)
    # One view at a time (a phone shows the summary, then the view picked here); only the
    # picked view is drawn, from the caches.
    name = (
        st.segmented_control(
            "View",
            VIEWS,
            default=VIEWS[0],
            key="view",
            help="Pick what to look at under the summary.",
        )
        or VIEWS[0]
    )
    with st.container(key="view_body"):
        if name == "Key figures":
            show_kpis(headline, nameplate, whatif.hashrate_floor_pct, hours_below)
        elif name == "Map & risk":
            show_map_and_risk(fleet, metrics)
        elif name == "Hashrate":
            show_hashrate(evaluation, floor_eh_s)
        elif name == "Profit":
            show_profit(evaluation)
        elif name == "Curtailment":
            show_curtailment(plan)
        elif name == "Relocations":
            show_relocations(plan)
        elif name == "Actions":
            show_actions(plan)
        elif name == "Concentration":
            show_concentration(fleet, evaluation, plan)
        elif name == "Alerts & feeds":
            show_feeds(feeds)
        elif name == "Run history":
            show_history()
        else:
            show_downloads(fleet, feeds, setup, whatif, evaluation, plan)


main()
