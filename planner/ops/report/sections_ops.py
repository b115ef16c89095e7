"""The report's operator sections: the action schedule per site and the concentration risk.

Each section is a function from :class:`~planner.ops.report.inputs.ReportInputs` to HTML.
"""

from __future__ import annotations

from planner.engine.concentration import JOINT_LOSS_SHARE
from planner.ops.report.cells import empty_note, table_html, td
from planner.ops.report.format import escape, format_eh_s, format_pct
from planner.ops.report.inputs import ReportInputs

__all__ = ["actions_section", "concentration_section"]

#: Most action rows shown (the files hold them all).
MAX_ACTION_ROWS = 60


def _caption(text: str) -> str:
    return f'<p class="caption">{escape(text)}</p>'


def actions_section(r: ReportInputs) -> str:
    """What each site does, from when to when (site and market time), and why."""
    actions = r.actions
    if actions is None:
        return empty_note("No optimizer plan in this run, so there is no action schedule.")
    links = ""
    if r.action_files:
        items = " · ".join(
            f'<a href="{escape(path)}" download>{escape(label)}</a>'
            for label, path in r.action_files.items()
        )
        links = f'<p class="downloads">Download the schedule: {items}</p>'
    if actions.empty:
        return links + empty_note(
            "The plan runs every site at full load over the horizon: nothing to do."
        )
    rows = [
        "<tr>"
        + f'<th scope="row">{escape(a.site_name)}</th>'
        + td(a.action)
        + td(a.detail)
        + td(f"{a.local_start} to {a.local_end}", title=a.local_timezone)
        + td(f"{a.market_start} to {a.market_end}", title=f"{a.market} {a.market_timezone}")
        + td(a.reason)
        + "</tr>"
        for a in actions.head(MAX_ACTION_ROWS).itertuples(index=False)
    ]
    more = len(actions) - MAX_ACTION_ROWS
    tail = f" The first {MAX_ACTION_ROWS} of {len(actions)} are shown." if more > 0 else ""
    heads = ["Site", "Action", "What", "Site time", "Market time", "Why"]
    return (
        links
        + table_html("action-table", heads, rows)
        + _caption(
            "The plan to act on, probability-weighted over its scenarios: a site is curtailed "
            "in an hour when its expected curtailment reaches 0.5 MW and 2 % of its available "
            "load; levels rounded to 1 MW. Times "
            "are ISO 8601 with their UTC offset." + tail
        )
    )


def concentration_section(r: ReportInputs) -> str:
    """Hashrate share by grid region and weather zone, and the chance one event takes down
    30 % or more of the fleet's hashrate, before and after the plan's relocations."""
    c = r.concentration
    if c is None:
        return empty_note("No Monte Carlo evaluation in this run, so no concentration risk.")
    before, after = c.probability_before, c.probability_after
    if c.relocated:
        change = (
            f"after the plan's relocations {format_pct(100 * after)}"
            if after != before
            else "the plan's relocations leave it unchanged"
        )
    else:
        change = "the plan moves no machine, so it stays the same"
    headline = (
        f'<p class="headline" id="joint-loss">Chance that one event takes down '
        f"{JOINT_LOSS_SHARE:.0%} or more of the fleet's hashrate at once: "
        f"<strong>{escape(format_pct(100 * before))}</strong> as the fleet stands; "
        f"{escape(change)}.</p>"
        + _caption(
            "The largest share of the fleet's hashrate down at once in any judged run: "
            f"{format_pct(100 * c.runs['worst_before'].max())} as the fleet stands, "
            f"{format_pct(100 * c.runs['worst_after'].max())} after the plan."
        )
    )
    tables = ""
    for table_id, key, label in (
        ("region-table", "grid_region", "Grid region"),
        ("zone-table", "weather_zone", "Weather zone"),
    ):
        frame = c.by_region if key == "grid_region" else c.by_zone
        rows = [
            "<tr>"
            + f'<th scope="row">{escape(str(getattr(g, key)))}</th>'
            + td(format_eh_s(float(g.hashrate_before_eh_s)), num=True)
            + td(format_pct(100 * float(g.share_before)), num=True)
            + td(format_pct(100 * float(g.share_after)), num=True)
            + "</tr>"
            for g in frame.itertuples(index=False)
        ]
        heads = [label, "Hashrate", "Share now", "Share after the plan"]
        tables += table_html(table_id, heads, rows, numeric_from=1)
    runs = len(c.runs)
    return (
        headline
        + tables
        + _caption(
            f"From the {runs} judged Monte Carlo runs, whose scenarios share weather (one "
            "ensemble member or cold snap for every site) and so raise grid outages together at "
            "nearby sites. A site counts as down from grid loss until every machine hashes "
            "again; the worst moment of each run is summed over the sites down together. Sites "
            "within 800 km share a weather zone. Heat derates and machine failures are left "
            "out. Shares are of nameplate hashrate."
        )
    )
