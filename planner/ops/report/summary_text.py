"""The executive summary in words, the same on every surface: the report's first section, the
app's first block and the job's notification text."""

from __future__ import annotations

from dataclasses import dataclass

from planner.ops.report.format import format_eh_s, format_usd
from planner.ops.summary import Summary

__all__ = ["SummaryText", "summary_lines", "summary_text"]


@dataclass(frozen=True)
class SummaryText:
    """A summary's sentences.

    Attributes
    ----------
    headline
        The recommendation in one sentence.
    why
        Why it is recommended.
    bad_case
        The 1-in-20 bad case.
    after_horizon
        The losses after the horizon avoided (or added).
    actions
        The next actions, earliest first.
    """

    headline: str
    why: str
    bad_case: str
    after_horizon: str
    actions: tuple[str, ...]


def summary_text(s: Summary) -> SummaryText:
    """The summary's sentences (:class:`SummaryText`).

    Parameters
    ----------
    s
        The summary (:func:`planner.ops.summary.executive_summary`).
    """
    rule, best = s.current_rule, s.recommended
    if best == s.current_rule:
        headline = (
            f"Keep {rule}: no judged strategy beats it at full value "
            f"(expected profit {format_usd(s.expected_profit_usd)})."
        )
    else:
        headline = (
            f"Run {best}: {format_usd(s.profit_delta_usd, signed=True)} expected against "
            f"{rule}, and {s.hashrate_delta_eh_s:+.2f} EH/s of hashrate on average."
        )
    scenarios = f"{s.runs} judged scenario{'s' if s.runs != 1 else ''}"
    why = (
        f"{best} has the highest expected fleet profit once what each strategy leaves behind "
        f"after the horizon is counted: {format_usd(s.expected_profit_usd)} against "
        f"{format_usd(s.current_expected_profit_usd)} for {rule}, over {scenarios}; it keeps "
        f"{format_eh_s(s.hashrate_eh_s)} of hashrate on average."
    )
    bad_case = (
        f"A 1-in-20 bad horizon ends at {format_usd(s.bad_case_usd)} with {best}"
        + (f" ({format_usd(s.current_bad_case_usd)} with {rule})" if best != rule else "")
        + (f"; with {s.runs} scenarios that is the worst of them." if s.runs < 20 else ".")
    )
    avoided = s.after_horizon_avoided_usd
    if best == rule or format_usd(avoided) == "$0":
        after = "No difference in losses after the horizon (frozen, damaged or shipped machines)."
    elif avoided > 0:
        after = (
            f"It avoids {format_usd(avoided)} of losses after the horizon that {rule} leaves "
            "behind (machines frozen, under repair, in transit or restarting)."
        )
    else:
        after = (
            f"It leaves {format_usd(-avoided)} more behind after the horizon than {rule} "
            "(machines in transit or restarting), already counted above."
        )
    actions = tuple(a.text for a in s.actions) or (
        "Nothing to curtail or ship in this horizon: run every machine.",
    )
    return SummaryText(headline, why, bad_case, after, actions)


def summary_lines(s: Summary) -> list[str]:
    """The summary as plain-text lines (notifications, logs).

    Parameters
    ----------
    s
        The summary (:func:`planner.ops.summary.executive_summary`).
    """
    t = summary_text(s)
    return [t.headline, t.why, t.bad_case, t.after_horizon, *(f"Next: {a}" for a in t.actions)]
