"""What the CLI shows besides its results: durations, the estimate line and progress on stderr."""

from __future__ import annotations

import pytest

from planner import RunEstimate
from planner.surfaces.cli.output import Progress, format_duration, show_estimate


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0.2, "1 s"),
        (40.4, "40 s"),
        (59.6, "1 min"),
        (12 * 60 + 10, "12 min"),
        (3599, "1 h 00 min"),
        (3 * 3600 + 5 * 60, "3 h 05 min"),
        (2.5 * 86400, "2.5 days"),
    ],
)
def test_durations_read_like_a_person_would_say_them(seconds: float, shown: str) -> None:
    assert format_duration(seconds) == shown


def test_the_estimate_names_the_stages_that_matter(capsys: pytest.CaptureFixture[str]) -> None:
    # 5 s in all: too short to mention.
    show_estimate(RunEstimate((("scenarios", 1.0), ("simulate", 4.0))))
    assert capsys.readouterr().err == ""
    # 1 h 20 min in all; the 2-minute report is under a tenth and left out of the list.
    show_estimate(RunEstimate((("scenarios", 900.0), ("simulate", 3780.0), ("report", 120.0))))
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "estimate: about 1 h 20 min (scenarios 15 min, simulate 1 h 03 min); Ctrl-C stops cleanly\n"
    )


def test_progress_off_a_terminal_is_a_line_per_stage_or_set_and_at_most_one_per_10_s(
    capsys: pytest.CaptureFixture[str],
) -> None:
    now = [0.0]
    progress = Progress(every_s=10.0, clock=lambda: now[0])
    for t, step, done, total in [
        (0.0, "scenarios", 0, 100),  # a new stage: shown
        (2.0, "scenarios", 10, 100),  # 2 s after the last line: not shown
        (11.0, "scenarios", 50, 100),  # 11 s: shown, 50 done in 11 s, 50 to go -> 11 s left
        (15.0, "scenarios", 100, 100),  # the end of the stage: shown
        (15.0, "simulate", 0, 6),
        (75.0, "simulate", 2, 6),  # 2 in 60 s, 4 to go -> 2 min left
        (76.0, "simulate", 0, 12),  # another set in the same stage: shown, its own clock
        (80.0, "simulate", 12, 12),
    ]:
        now[0] = t
        progress(step, done, total)
    assert capsys.readouterr().err.splitlines() == [
        "[0/100] scenarios",
        "[50/100] scenarios (11 s left)",
        "[100/100] scenarios",
        "[0/6] simulate",
        "[2/6] simulate (2 min left)",
        "[0/12] simulate",
        "[12/12] simulate",
    ]
