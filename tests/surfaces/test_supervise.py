"""A child process run in the foreground: signals passed on, a stubborn child killed, nothing left.

Real child interpreters; the signals are sent to this test process, as a service manager would.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from planner.surfaces.supervise import run_child

CHILD = """
import os, signal, sys, time
from pathlib import Path
if sys.argv[2] == "ignore":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
Path(sys.argv[1]).write_text(str(os.getpid()))
time.sleep(60)
"""


def signal_when_ready(pid_file: Path, signum: int) -> threading.Thread:
    """Send ``signum`` to this process once the child has written its pid."""

    def send() -> None:
        deadline = time.monotonic() + 30
        while not pid_file.exists() or not pid_file.read_text():
            if time.monotonic() > deadline:
                return
            time.sleep(0.02)
        os.kill(os.getpid(), signum)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_the_childs_exit_code_comes_back() -> None:
    assert run_child([sys.executable, "-c", "raise SystemExit(3)"]) == 3
    assert run_child([sys.executable, "-c", "pass"]) == 0


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_is_passed_on_and_the_child_stops(
    tmp_path: Path, signum: signal.Signals, code: int
) -> None:
    pid_file = tmp_path / "pid"
    before = signal.getsignal(signum)
    started = time.monotonic()
    signal_when_ready(pid_file, signum)
    assert run_child([sys.executable, "-c", CHILD, str(pid_file), "obey"]) == code
    assert time.monotonic() - started < 20  # not the child's 60 s sleep
    assert gone(int(pid_file.read_text()))
    assert signal.getsignal(signum) is before  # our handler is put back


def test_a_child_that_ignores_the_signal_is_killed_after_the_grace_period(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    signal_when_ready(pid_file, signal.SIGTERM)
    started = time.monotonic()
    code = run_child([sys.executable, "-c", CHILD, str(pid_file), "ignore"], grace_s=1.0)
    took = time.monotonic() - started
    assert code == 143
    assert 1.0 <= took < 20
    assert gone(int(pid_file.read_text()))
