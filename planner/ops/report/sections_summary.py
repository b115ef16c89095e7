"""The report's first section: the executive summary (:mod:`planner.ops.summary`) in words."""

from __future__ import annotations

from planner.ops.report.cells import empty_note, swatch
from planner.ops.report.format import escape, format_usd
from planner.ops.report.inputs import ReportInputs
from planner.ops.report.summary_text import summary_text

__all__ = ["summary_section"]


def summary_section(r: ReportInputs) -> str:
    """The recommendation, its worth against the current rule, the bad case, the next actions
    and the job's alert thresholds explained (when given); one line saying why not when the run
    judged no strategies over scenarios."""
    s = r.summary
    if s is None:
        return empty_note(
            "No recommendation: strategies were not judged over Monte Carlo scenarios."
        )
    t = summary_text(s)
    figures = (
        ("Recommended", f"{swatch(r.colours.get(s.recommended, '#000'))}{escape(s.recommended)}"),
        ("Against", escape(s.current_rule)),
        ("Expected profit, full value", escape(format_usd(s.expected_profit_usd))),
        ("Δ vs current rule", escape(format_usd(s.profit_delta_usd, signed=True))),
        ("Δ hashrate", escape(f"{s.hashrate_delta_eh_s:+.2f} EH/s")),
        ("1-in-20 bad case", escape(format_usd(s.bad_case_usd))),
        ("After-horizon losses avoided", escape(format_usd(s.after_horizon_avoided_usd))),
    )
    cards = "".join(
        f'<div class="card"><div class="card-label">{escape(label)}</div>'
        f'<div class="card-value">{value}</div></div>'
        for label, value in figures
    )
    actions = "".join(f"<li>{escape(a)}</li>" for a in t.actions)
    rules = "".join(f"<li>{escape(line)}</li>" for line in r.alert_rules)
    return (
        f'<p class="headline">{escape(t.headline)}</p>'
        f'<div class="cards">{cards}</div>'
        f"<p>{escape(t.why)}</p><p>{escape(t.bad_case)}</p><p>{escape(t.after_horizon)}</p>"
        f'<h3>Next actions</h3><ol class="actions">{actions}</ol>'
        + (f"<h3>When the job notifies</h3><ul>{rules}</ul>" if rules else "")
    )
