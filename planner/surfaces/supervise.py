"""Run a child process in the foreground and stop it with us (``planner app`` and Streamlit).

SIGTERM and SIGINT sent to this process are passed on to the child; when it has not exited within
a grace period it is killed. Nothing is left running after we return.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import time
from collections.abc import Sequence
from types import FrameType

__all__ = ["FORWARDED", "GRACE_S", "run_child"]

#: Seconds the child has to exit after a forwarded signal before it is killed [s].
GRACE_S = 10.0
#: The signals passed on to the child.
FORWARDED = (signal.SIGTERM, signal.SIGINT)


def run_child(command: Sequence[str], *, grace_s: float = GRACE_S) -> int:
    """Run ``command`` until it exits, passing on SIGTERM and SIGINT; return the exit code.

    Parameters
    ----------
    command
        Program and arguments (no shell); the child inherits stdin, stdout and stderr.
    grace_s
        After a forwarded signal, how long to wait before killing the child [s].

    Returns
    -------
    int
        ``128 + signal`` when a signal stopped us (130 for SIGINT, 143 for SIGTERM), whatever
        the child answered; else the child's exit code (``128 + n`` when signal ``n`` ended it).

    Notes
    -----
    Must run in the main thread (Python delivers signals there). The previous handlers are put
    back on return.
    """
    received: list[int] = []
    child: subprocess.Popen[bytes] | None = None

    def forward(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        if child is not None:
            with contextlib.suppress(ProcessLookupError):  # it has just exited
                child.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in FORWARDED}
    try:
        child = subprocess.Popen(list(command))
        if received:  # a signal came while it was starting
            child.send_signal(received[0])
        code = _wait(child, received, grace_s)
    finally:
        if child is not None and child.poll() is None:  # an error of ours: leave nothing behind
            child.kill()
            child.wait()
        for s, handler in previous.items():
            signal.signal(s, handler)
    if received:
        return 128 + received[0]
    return 128 - code if code < 0 else code


def _wait(child: subprocess.Popen[bytes], received: list[int], grace_s: float) -> int:
    """The child's exit code; killed ``grace_s`` after the first forwarded signal."""
    deadline: float | None = None
    while True:
        try:
            return child.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            pass
        if received and deadline is None:
            deadline = time.monotonic() + grace_s
        if deadline is not None and time.monotonic() >= deadline:
            child.kill()
            return child.wait()
