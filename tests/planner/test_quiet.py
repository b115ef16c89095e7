"""Dependencies' writes to standard output, caught at the file-descriptor level.

Each test runs a real child interpreter: descriptor 1 of this pytest process is pytest's own.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT
    )


def test_stdout_to_stderr_keeps_only_the_results_on_stdout_and_restores_both() -> None:
    proc = run_python(
        """
import os, sys
from planner.quiet import stdout_to_stderr
print("before", flush=True)
with stdout_to_stderr() as results:
    os.write(1, b"C-level write\\n")
    print("python print")
    results.write("RESULT\\n")
os.write(1, b"after, C\\n")
print("after, python")
"""
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "before\nRESULT\nafter, C\nafter, python\n"
    assert proc.stderr == "C-level write\npython print\n"


def test_stdout_to_stderr_restores_stdout_after_an_exception() -> None:
    proc = run_python(
        """
import sys
from planner.quiet import stdout_to_stderr
try:
    with stdout_to_stderr() as results:
        results.write("partial\\n")
        raise KeyboardInterrupt
except KeyboardInterrupt:
    print("restored")
"""
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "partial\nrestored\n" and proc.stderr == ""


def test_stdout_to_stderr_hands_back_a_replaced_sys_stdout_itself() -> None:
    # A capture (pytest's capsys, click's runner) is not descriptor 1: results go to it.
    proc = run_python(
        """
import io, os, sys
from planner.quiet import stdout_to_stderr
capture = io.StringIO()
sys.stdout = capture
with stdout_to_stderr() as results:
    assert results is capture
    results.write("RESULT")
    print("noise")
    os.write(1, b"C noise\\n")
assert sys.stdout is capture
sys.__stdout__.write(capture.getvalue())
"""
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "RESULT" and proc.stderr == "noise\nC noise\n"


def test_fd_stdout_to_log_logs_a_c_level_write_at_debug_level() -> None:
    proc = run_python(
        """
import logging, os, sys
from planner.quiet import fd_stdout_to_log
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr, format="%(levelname)s %(message)s")
with fd_stdout_to_log(logging.getLogger("x"), "banner"):
    os.write(1, b"Running Something 1.0\\n")
print("clean")
"""
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "clean\n"
    assert proc.stderr == "DEBUG banner wrote to stdout: Running Something 1.0\n"
