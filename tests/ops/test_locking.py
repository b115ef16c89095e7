"""The job lock: one holder across threads and processes, released on exit, exception and death."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from planner.errors import JobError
from planner.ops.locking import JobLockedError, default_lock_path, job_lock
from planner.surfaces.cli import EXIT_LOCKED

ROOT = Path(__file__).resolve().parents[2]

#: Holds the lock until a line arrives on stdin; a loser prints the message and exits 3, as the
#: CLI does.
HOLDER = """
import sys, time
from pathlib import Path
from planner.ops.locking import JobLockedError, job_lock
path, go = sys.argv[1], sys.argv[2]
while go != "-" and not Path(go).exists():
    time.sleep(0.005)
try:
    with job_lock(path):
        print("locked", flush=True)
        sys.stdin.readline()
except JobLockedError as exc:
    print(exc, flush=True)
    sys.exit(3)
"""


def spawn(lock: Path, go: Path | str = "-") -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(lock), str(go)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """A real other process holding the lock in ``tmp_path/data/forecast.lock``."""
    lock = tmp_path / "data" / "forecast.lock"
    proc = spawn(lock)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line == "locked\n", proc.stderr.read() if proc.stderr else ""
    yield proc, lock
    if proc.poll() is None:
        proc.kill()
    proc.wait(10)


def test_exit_code_and_error_tree() -> None:
    assert EXIT_LOCKED == 3  # the CLI's code for a held lock; the library knows no exit codes
    assert issubclass(JobLockedError, JobError)
    assert not hasattr(JobLockedError, "exit_code")


def test_default_lock_path_is_in_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLANNER_DATA_DIR", str(tmp_path))
    assert default_lock_path() == tmp_path / "forecast.lock"
    assert default_lock_path(tmp_path / "x") == tmp_path / "x" / "forecast.lock"


def test_second_process_is_refused_at_once_naming_file_and_pid(
    holder: tuple[subprocess.Popen[str], Path],
) -> None:
    proc, lock = holder
    begin = time.monotonic()
    with pytest.raises(JobLockedError) as exc, job_lock(lock):
        pytest.fail("took a held lock")
    assert time.monotonic() - begin < 1.0  # non-blocking
    message = str(exc.value)
    assert "\n" not in message
    assert message.startswith(f"another run holds the job lock {lock} (pid {proc.pid} on ")
    assert message.endswith(
        "; this run exits without doing anything, try again when that one has finished"
    )
    assert exc.value.path == lock
    assert exc.value.holder.pid == proc.pid
    assert exc.value.holder.started_at is not None
    # The file says who holds it, for humans too.
    assert json.loads(lock.read_text())["pid"] == proc.pid


def test_lock_is_free_after_the_holder_finishes(
    holder: tuple[subprocess.Popen[str], Path],
) -> None:
    proc, lock = holder
    assert proc.stdin is not None
    proc.stdin.write("done\n")
    proc.stdin.flush()
    assert proc.wait(10) == 0
    assert lock.read_text() == ""  # a clean release empties the file
    with job_lock(lock) as held:
        assert held.stale is None
        assert held.holder.pid == os.getpid()


def test_lock_is_free_after_the_holder_is_killed(
    holder: tuple[subprocess.Popen[str], Path],
) -> None:
    proc, lock = holder
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(10) == -signal.SIGKILL
    with job_lock(lock) as held:
        # The dead holder's note was still in the file: its runs may be left "running".
        assert held.stale is not None and held.stale.pid == proc.pid
        assert json.loads(lock.read_text())["pid"] == os.getpid()


def test_lock_is_released_on_exception(tmp_path: Path) -> None:
    lock = tmp_path / "forecast.lock"
    with pytest.raises(RuntimeError, match="solver blew up"), job_lock(lock):
        raise RuntimeError("solver blew up")
    assert lock.read_text() == ""
    with job_lock(lock) as held:
        assert held.stale is None


def test_second_holder_in_the_same_process_is_refused(tmp_path: Path) -> None:
    lock = tmp_path / "forecast.lock"
    with (
        job_lock(lock),
        pytest.raises(JobLockedError, match=f"pid {os.getpid()} on "),
        job_lock(lock),
    ):
        pytest.fail("took a held lock")
    with job_lock(lock):  # and the first release still works
        pass


def test_threads_racing_exactly_one_wins(tmp_path: Path) -> None:
    lock = tmp_path / "forecast.lock"
    n = 8
    start = threading.Barrier(n)
    tried = threading.Barrier(n)
    outcomes: list[str] = []
    guard = threading.Lock()

    def contender() -> None:
        start.wait()
        try:
            with job_lock(lock):
                outcome = "won"
                tried.wait()  # hold until every thread has tried
        except JobLockedError:
            outcome = "locked"
            tried.wait()
        with guard:
            outcomes.append(outcome)

    threads = [threading.Thread(target=contender) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["locked"] * (n - 1) + ["won"]


@pytest.mark.slow
def test_processes_racing_exactly_one_wins(tmp_path: Path) -> None:
    lock = tmp_path / "forecast.lock"
    go = tmp_path / "go"
    procs = [spawn(lock, go) for _ in range(4)]
    try:
        time.sleep(0.2)
        go.touch()  # all start trying at once
        # Losers exit 3 at once; the winner holds until told, so it cannot let a loser in.
        deadline = time.monotonic() + 60
        while sum(p.poll() is not None for p in procs) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        losers = [p for p in procs if p.poll() is not None]
        winners = [p for p in procs if p.poll() is None]
        assert len(winners) == 1 and len(losers) == 3
        for p in losers:
            assert p.returncode == EXIT_LOCKED
            assert p.stdout is not None
            out = p.stdout.read()
            assert out.startswith(
                f"another run holds the job lock {lock} (pid {winners[0].pid} on "
            )
        (winner,) = winners
        assert winner.stdin is not None
        winner.stdin.write("done\n")
        winner.stdin.flush()
        assert winner.wait(10) == 0
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
            p.wait(10)


def test_unusable_lock_path_gives_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    with pytest.raises(JobError) as exc, job_lock(blocker / "forecast.lock"):
        pytest.fail("locked under a file")
    message = str(exc.value)
    assert "\n" not in message
    assert message.startswith(f"cannot create the job lock {blocker / 'forecast.lock'} (")
    assert message.endswith("make the folder writable or set PLANNER_DATA_DIR to another folder")


def test_garbage_in_the_lock_file_does_not_matter(tmp_path: Path) -> None:
    lock = tmp_path / "forecast.lock"
    lock.write_bytes(b"\x00\xffnot json")
    with job_lock(lock) as held:
        # Left by someone who did not release cleanly, but who is unknown.
        assert held.stale is not None and held.stale.pid is None
        assert held.stale.describe() == "pid unknown"


#: ``import planner`` where the POSIX-only ``fcntl`` module does not exist (as on Windows), then
#: try the lock: filelock has no native lock to offer there, and the job says so in one line.
WITHOUT_FCNTL = """
import sys, warnings
sys.modules["fcntl"] = None  # any "import fcntl" now fails, as on a platform without it
warnings.simplefilter("ignore")  # filelock warns that only its soft lock is left
import planner
from planner.errors import JobError
from planner.ops.locking import job_lock
try:
    with job_lock(sys.argv[1]):
        print("locked")
except JobError as exc:
    print(exc)
"""


@pytest.mark.slow
def test_planner_imports_without_fcntl(tmp_path: Path) -> None:
    lock = tmp_path / "forecast.lock"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", WITHOUT_FCNTL, str(lock)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (
        f"cannot lock {lock} (fcntl is unavailable); keep the data folder on a local disk or "
        "set PLANNER_DATA_DIR to another folder\n"
    )
