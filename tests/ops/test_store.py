"""Run history: lifecycle, idempotency, pruning, migrations, concurrency and one-line failures."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import platformdirs
import pytest

from planner.errors import ConfigError, JobError
from planner.ops.store import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Migration,
    RunStatus,
    RunStore,
    default_data_dir,
    default_store_path,
    idempotency_key,
)
from planner.ops.store import schema as store_schema

T0 = datetime(2025, 1, 15, 6, 0, 0, tzinfo=UTC)
FRESH = {"open-meteo forecast": "2025-01-15T00:00:00Z", "nws alerts": "2025-01-15T05:55:00Z"}
SETTINGS = {"horizon_days": 7, "members": 20, "seed": 42}
MOVE_ASIDE = "move it aside; a new history will be created"


class Clock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "runs.sqlite"


@pytest.fixture
def store(db: Path, clock: Clock) -> Iterator[RunStore]:
    with RunStore(db, clock=clock) as s:
        yield s


def assert_one_line(exc: pytest.ExceptionInfo[JobError], *needles: str) -> str:
    message = str(exc.value)
    assert "\n" not in message
    assert "Traceback" not in message
    # No chained sqlite3/OS error to print under it.
    assert exc.value.__cause__ is None
    assert exc.value.__context__ is None or exc.value.__suppress_context__
    for needle in needles:
        assert needle in message, message
    return message


# -- data directory ------------------------------------------------------------------------------


def test_data_dir_argument_beats_env_beats_platformdirs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PLANNER_DATA_DIR", raising=False)
    assert default_data_dir() == Path(platformdirs.user_data_dir("mining-fleet-planner", False))
    monkeypatch.setenv("PLANNER_DATA_DIR", str(tmp_path / "env"))
    assert default_data_dir() == tmp_path / "env"
    assert default_store_path() == tmp_path / "env" / "runs.sqlite"
    assert default_data_dir(tmp_path / "arg") == tmp_path / "arg"


def test_store_without_path_uses_the_env_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLANNER_DATA_DIR", str(tmp_path / "env" / "nested"))
    with RunStore() as s:
        assert s.path == tmp_path / "env" / "nested" / "runs.sqlite"
    assert s.path.is_file()


# -- lifecycle -----------------------------------------------------------------------------------


def test_new_file_is_at_the_latest_schema_in_wal_mode(store: RunStore, db: Path) -> None:
    assert store.schema_version == SCHEMA_VERSION == 5 == len(MIGRATIONS)
    raw = sqlite3.connect(db)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 5
    raw.close()


def test_run_lifecycle_records_everything(store: RunStore, clock: Clock, tmp_path: Path) -> None:
    run_id = store.start_run("fleet-abc", SETTINGS, FRESH)
    assert run_id.startswith("20250115T060000Z-") and len(run_id) == len("20250115T060000Z-") + 8
    running = store.get_run(run_id)
    assert running.status is RunStatus.RUNNING
    assert running.finished_at is None and running.duration_s is None
    assert running.kpis == {} and running.artifacts == {}

    clock.advance(seconds=90)  # the run takes 1.5 minutes
    report = tmp_path / "report.html"
    done = store.finish_run(
        run_id, {"profit_usd": np.float64(1234.5), "curtailed_mwh": 12}, {"report": report}
    )
    assert done.status is RunStatus.SUCCEEDED
    assert done.started_at == T0
    assert done.finished_at == T0 + timedelta(seconds=90)
    assert done.duration_s == 90.0
    assert done.fleet_hash == "fleet-abc"
    assert done.settings == SETTINGS
    assert done.freshness == FRESH
    assert done.kpis == {"profit_usd": 1234.5, "curtailed_mwh": 12.0}
    assert done.artifacts == {"report": report}
    assert done.missing_artifacts() == ["report"]  # never written in this test
    report.write_text("<html></html>")
    assert done.missing_artifacts() == []
    assert done.error is None
    assert done.idempotency_key == idempotency_key("fleet-abc", FRESH, SETTINGS)
    assert store.get_run(run_id) == done


def test_failed_run_keeps_its_reason_and_leaves_earlier_runs_intact(
    store: RunStore, clock: Clock
) -> None:
    first = store.start_run("fleet-abc", SETTINGS, FRESH)
    good = store.finish_run(first, {"profit_usd": 10.0}, {"report": "/out/r1.html"})
    clock.advance(days=1)
    second = store.start_run("fleet-abc", SETTINGS, {**FRESH, "nws alerts": "2025-01-16T05:55Z"})
    clock.advance(seconds=3)
    failed = store.fail_run(second, "open-meteo forecast: HTTP 503\nafter 4 attempts")
    assert failed.status is RunStatus.FAILED
    assert failed.error == "open-meteo forecast: HTTP 503 after 4 attempts"  # folded to one line
    assert failed.kpis == {} and failed.artifacts == {}
    assert store.get_run(first) == good
    assert [r.id for r in store.list_runs()] == [second, first]
    assert [r.id for r in store.list_runs(status="failed")] == [second]
    assert [r.id for r in store.list_runs(1)] == [second]


def test_only_a_running_run_can_end(store: RunStore) -> None:
    run_id = store.start_run("f", SETTINGS, FRESH)
    store.fail_run(run_id, "boom")
    with pytest.raises(JobError) as exc:
        store.finish_run(run_id, {}, {})
    assert_one_line(exc, run_id, "already failed")
    assert store.get_run(run_id).error == "boom"
    with pytest.raises(JobError) as exc:
        store.get_run("nope")
    assert_one_line(exc, "no run 'nope'", str(store.path))


def test_bad_arguments_are_config_errors(store: RunStore) -> None:
    with pytest.raises(ConfigError, match="limit: must be an integer >= 1, got 0"):
        store.list_runs(0)
    with pytest.raises(ConfigError, match="status: must be one of running, succeeded, failed"):
        store.list_runs(status="done")
    with pytest.raises(ConfigError, match="give keep_last, older_than_days or both"):
        store.prune()
    with pytest.raises(ConfigError, match="settings: cannot be stored as JSON: naive datetime"):
        store.start_run("f", {"t": datetime(2025, 1, 1)}, FRESH)
    with pytest.raises(ConfigError, match="settings: cannot be stored as JSON: object is not"):
        store.start_run("f", {"x": object()}, FRESH)


def test_settings_values_are_stored_as_plain_json(store: RunStore) -> None:
    run_id = store.start_run(
        "f",
        {"out": Path("/srv/out"), "since": T0, "n": np.int64(3), "tags": {"b", "a"}},
        {"forecast": T0},
    )
    run = store.get_run(run_id)
    assert run.settings == {
        "out": "/srv/out",
        "since": "2025-01-15T06:00:00Z",
        "n": 3,
        "tags": ["a", "b"],
    }
    assert run.freshness == {"forecast": "2025-01-15T06:00:00Z"}


# -- idempotency ---------------------------------------------------------------------------------


def test_idempotency_key_ignores_key_order_and_sees_every_input() -> None:
    key = idempotency_key("fleet-abc", FRESH, SETTINGS)
    assert len(key) == 64
    assert key == idempotency_key(
        "fleet-abc", dict(reversed(FRESH.items())), dict(reversed(SETTINGS.items()))
    )
    assert key != idempotency_key("fleet-abd", FRESH, SETTINGS)
    assert key != idempotency_key(
        "fleet-abc", {**FRESH, "nws alerts": "2025-01-15T06:00:00Z"}, SETTINGS
    )
    assert key != idempotency_key("fleet-abc", FRESH, {**SETTINGS, "seed": 43})


def test_find_succeeded_returns_the_newest_success_for_the_key(
    store: RunStore, clock: Clock
) -> None:
    key = idempotency_key("fleet-abc", FRESH, SETTINGS)
    assert store.find_succeeded(key) is None
    a = store.start_run("fleet-abc", SETTINGS, FRESH)
    store.finish_run(a, {"profit_usd": 1.0}, {})
    clock.advance(hours=1)
    b = store.start_run("fleet-abc", SETTINGS, FRESH)
    store.finish_run(b, {"profit_usd": 1.0}, {})
    clock.advance(hours=1)
    c = store.start_run("fleet-abc", SETTINGS, FRESH)  # same work, but it fails
    store.fail_run(c, "solver timed out")
    clock.advance(hours=1)
    store.start_run("fleet-abc", SETTINGS, FRESH)  # and one still running
    other = store.start_run("fleet-abc", {**SETTINGS, "seed": 7}, FRESH)
    store.finish_run(other, {}, {})

    found = store.find_succeeded(key)
    assert found is not None and found.id == b
    assert store.find_succeeded("0" * 64) is None


def test_explicit_key_wins(store: RunStore) -> None:
    run_id = store.start_run("f", SETTINGS, {"age_h": 3.2}, key="my-key")
    store.finish_run(run_id, {}, {})
    found = store.find_succeeded("my-key")
    assert found is not None and found.id == run_id


# -- interrupted runs ----------------------------------------------------------------------------


def test_mark_interrupted_fails_old_running_runs_only(store: RunStore, clock: Clock) -> None:
    crashed = store.start_run("f", SETTINGS, FRESH, stage="feeds")
    clock.advance(seconds=40)
    store.touch(crashed)  # a heartbeat 40 s in, then the process dies
    done = store.start_run("f", SETTINGS, FRESH)
    store.finish_run(done, {}, {})
    clock.advance(minutes=30)
    young = store.start_run("f", SETTINGS, FRESH)
    store.set_stage(young, "evaluate")
    store.touch(done)  # a finished run is not touched
    clock.advance(minutes=5)

    # Started 35.7 and 5 minutes ago; a 10-minute margin spares the young one.
    assert store.mark_interrupted(older_than_s=600) == [crashed]
    run = store.get_run(crashed)
    assert run.status is RunStatus.FAILED
    # It ends at its last sign of life: 40 s, not the 35 minutes until it was found.
    assert run.finished_at == T0 + timedelta(seconds=40) and run.duration_s == 40.0
    assert run.stage == "feeds"
    assert run.error == (
        "interrupted at stage feeds: the process ended before the run finished "
        "(last seen 2025-01-15T06:00:40.000000Z, found running at 2025-01-15T06:35:40.000000Z)"
    )
    assert store.get_run(young).status is RunStatus.RUNNING
    assert store.get_run(done).status is RunStatus.SUCCEEDED
    assert store.get_run(done).seen_at == T0 + timedelta(seconds=40)
    assert store.mark_interrupted() == [young]  # holding the lock: every running row is dead
    assert store.get_run(young).error == (
        "interrupted at stage evaluate: the process ended before the run finished "
        "(last seen 2025-01-15T06:30:40.000000Z, found running at 2025-01-15T06:35:40.000000Z)"
    )
    assert store.mark_interrupted() == []
    with pytest.raises(ConfigError, match="older_than_s: must be >= 0"):
        store.mark_interrupted(-1)


def test_a_v3_running_row_without_a_sign_of_life_ends_when_found(db: Path, clock: Clock) -> None:
    make_v1(db)
    raw = sqlite3.connect(db)
    raw.execute(
        "INSERT INTO runs (id, started_at, status, fleet_hash, settings_json, freshness_json,"
        " idempotency_key) VALUES ('20250115T050000Z-0000dead', '2025-01-15T05:00:00.000000Z',"
        " 'running', 'f', '{}', '{}', 'k')"
    )
    raw.commit()
    raw.close()
    with RunStore(db, clock=clock) as s:
        assert s.mark_interrupted() == ["20250115T050000Z-0000dead"]
        run = s.get_run("20250115T050000Z-0000dead")
    assert run.finished_at == T0 and run.error == (
        "interrupted: the process ended before the run finished "
        "(found running at 2025-01-15T06:00:00.000000Z)"
    )


def test_inputs_come_later_and_a_run_that_found_its_work_done_is_dropped(
    store: RunStore, clock: Clock
) -> None:
    earlier = store.start_run("f", SETTINGS, FRESH)
    store.finish_run(earlier, {"x": 1.0}, {})
    run_id = store.start_run("f", SETTINGS, {}, key="pending", stage="feeds")
    store.set_inputs(run_id, FRESH, "real-key")
    run = store.get_run(run_id)
    assert (run.freshness, run.idempotency_key, run.stage) == (FRESH, "real-key", "feeds")
    store.drop_run(run_id)
    assert [r.id for r in store.list_runs()] == [earlier]
    with pytest.raises(JobError, match=f"run {earlier} is already succeeded; only a running run"):
        store.drop_run(earlier)
    with pytest.raises(JobError, match="no run 'nope'"):
        store.set_inputs("nope", FRESH, "k")


def test_mark_notified(store: RunStore, clock: Clock) -> None:
    run_id = store.start_run("f", SETTINGS, FRESH)
    store.finish_run(run_id, {}, {})
    clock.advance(seconds=2)
    assert store.mark_notified(run_id).notified_at == T0 + timedelta(seconds=2)
    with pytest.raises(JobError, match="no run 'x'"):
        store.mark_notified("x")


# -- pruning -------------------------------------------------------------------------------------


def daily_runs(store: RunStore, clock: Clock, n: int) -> list[str]:
    """``n`` succeeded runs one day apart, each with its own report and a shared fleet copy."""
    ids = []
    for i in range(n):
        run_id = store.start_run("f", SETTINGS, {"forecast": f"day {i}"})
        store.finish_run(
            run_id, {"i": i}, {"report": f"/out/report-{i}.html", "fleet": "/out/fleet.toml"}
        )
        ids.append(run_id)
        clock.advance(days=1)
    return ids


def test_prune_keep_last(store: RunStore, clock: Clock) -> None:
    ids = daily_runs(store, clock, 5)
    result = store.prune(keep_last=2)
    assert [r.id for r in result.runs] == [ids[2], ids[1], ids[0]]  # newest first
    # fleet.toml is still referenced by the two kept runs: not the caller's to delete.
    assert result.orphaned_paths == (
        Path("/out/report-2.html"),
        Path("/out/report-1.html"),
        Path("/out/report-0.html"),
    )
    assert [r.id for r in store.list_runs()] == [ids[4], ids[3]]


def test_prune_older_than_days_and_both(store: RunStore, clock: Clock) -> None:
    ids = daily_runs(store, clock, 5)  # started days 0..4; now is day 5
    result = store.prune(older_than_days=3.5)  # cutoff day 1.5: days 0 and 1 go
    assert [r.id for r in result.runs] == [ids[1], ids[0]]
    # Both: a run goes only if outside the newest 3 AND older than 1.5 days (cutoff day 3.5).
    result = store.prune(keep_last=3, older_than_days=1.5)
    assert [r.id for r in result.runs] == []
    result = store.prune(keep_last=1, older_than_days=1.5)  # days 2 and 3 go, day 4 is newest
    assert [r.id for r in result.runs] == [ids[3], ids[2]]
    assert set(result.orphaned_paths) == {
        Path("/out/report-3.html"),
        Path("/out/report-2.html"),
    }
    # Pruning everything frees the shared file too.
    assert store.prune(keep_last=0).orphaned_paths == (
        Path("/out/fleet.toml"),
        Path("/out/report-4.html"),
    )


def test_prune_never_removes_running_runs(store: RunStore, clock: Clock) -> None:
    live = store.start_run("f", SETTINGS, FRESH)
    clock.advance(days=30)
    assert store.prune(keep_last=0, older_than_days=1).runs == ()
    assert store.get_run(live).status is RunStatus.RUNNING


# -- migrations ----------------------------------------------------------------------------------

V1_DDL = """
CREATE TABLE runs (
    id TEXT PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT,
    status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    fleet_hash TEXT NOT NULL, settings_json TEXT NOT NULL, freshness_json TEXT NOT NULL,
    kpis_json TEXT NOT NULL DEFAULT '{}', artifacts_json TEXT NOT NULL DEFAULT '{}',
    error TEXT, idempotency_key TEXT NOT NULL
);
CREATE INDEX runs_started_at ON runs (started_at);
INSERT INTO runs VALUES ('20240101T060000Z-0000abcd', '2024-01-01T06:00:00.000000Z',
    '2024-01-01T06:02:00.000000Z', 'succeeded', 'fleet-old', '{"seed":1}', '{"forecast":"x"}',
    '{"profit_usd":5.5}', '{"report":"/out/old.html"}', NULL, 'key-old');
PRAGMA user_version = 1;
"""


def make_v1(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = sqlite3.connect(path)
    raw.executescript(V1_DDL)
    raw.close()


def test_v1_file_made_by_hand_is_upgraded_in_place(db: Path, clock: Clock) -> None:
    make_v1(db)
    with RunStore(db, clock=clock) as s:
        assert s.schema_version == 5
        old = s.get_run("20240101T060000Z-0000abcd")
        assert old.status is RunStatus.SUCCEEDED
        assert old.duration_s == 120.0
        assert old.kpis == {"profit_usd": 5.5}
        assert old.artifacts == {"report": Path("/out/old.html")}
        assert old.notified_at is None  # the v2 column, added empty
        assert (old.stage, old.seen_at) == (None, None)  # the v4 columns, added empty
        assert s.find_succeeded("key-old") == old
        assert s.mark_notified(old.id).notified_at == T0
    raw = sqlite3.connect(db)
    indexes = {row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    raw.close()
    assert {"runs_started_at", "runs_key_status", "dispatch_actions_dispatch"} <= indexes


def test_a_failing_migration_rolls_back_whole(
    db: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_v1(db)
    broken = Migration(
        6, "broken", ("ALTER TABLE runs ADD COLUMN half_done TEXT", "THIS IS NOT SQL")
    )
    monkeypatch.setattr(store_schema, "MIGRATIONS", (*MIGRATIONS, broken))
    monkeypatch.setattr(store_schema, "SCHEMA_VERSION", 6)
    with pytest.raises(JobError) as exc:
        RunStore(db, clock=clock)
    assert_one_line(exc, str(db), "cannot upgrade the schema", "syntax error")
    raw = sqlite3.connect(db)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 1  # v2 to v5 rolled back too
    columns = {row[1] for row in raw.execute("PRAGMA table_info(runs)")}
    raw.close()
    assert "half_done" not in columns and "notified_at" not in columns


def test_a_newer_schema_is_refused(db: Path) -> None:
    db.parent.mkdir(parents=True)
    raw = sqlite3.connect(db)
    raw.execute("PRAGMA user_version = 99")
    raw.close()
    with pytest.raises(JobError) as exc:
        RunStore(db)
    assert_one_line(exc, str(db), "schema v99, newer than this planner's v5", "upgrade the planner")


# -- broken files and paths ----------------------------------------------------------------------


def test_random_bytes_give_one_line_and_are_left_alone(db: Path) -> None:
    db.parent.mkdir(parents=True)
    junk = np.random.default_rng(7).bytes(8192)
    db.write_bytes(junk)
    with pytest.raises(JobError) as exc:
        RunStore(db)
    message = assert_one_line(exc, str(db), MOVE_ASIDE)
    assert message == (
        f"run history {db} is not a usable SQLite file (file is not a database); {MOVE_ASIDE}"
    )
    assert db.read_bytes() == junk
    db.rename(db.with_suffix(".broken"))  # the fix the message names
    with RunStore(db) as s:
        assert s.list_runs() == []


def test_damaged_pages_are_caught_on_open(db: Path, clock: Clock) -> None:
    with RunStore(db, clock=clock) as s:
        for i in range(200):
            run_id = s.start_run("f" * 200, {"i": i, "pad": "x" * 500}, FRESH)
            s.finish_run(run_id, {"i": i}, {"report": f"/out/{i}.html"})
    raw = sqlite3.connect(db)
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.execute("PRAGMA journal_mode = DELETE")
    raw.close()
    data = bytearray(db.read_bytes())
    assert len(data) > 20 * 4096
    data[4096 * 3 : 4096 * 12] = np.random.default_rng(1).bytes(4096 * 9)  # smash pages 4..12
    db.write_bytes(bytes(data))
    with pytest.raises(JobError) as exc:
        RunStore(db)
    assert_one_line(exc, str(db), MOVE_ASIDE)


def test_a_foreign_sqlite_file_is_not_taken_over(db: Path) -> None:
    db.parent.mkdir(parents=True)
    raw = sqlite3.connect(db)
    raw.execute("CREATE TABLE responses (key TEXT)")
    raw.commit()
    raw.close()
    with pytest.raises(JobError) as exc:
        RunStore(db)
    assert_one_line(exc, str(db), "SQLite file of something else (tables responses)", MOVE_ASIDE)


def test_a_folder_or_a_file_in_the_way_give_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "runs.sqlite"
    folder.mkdir()
    with pytest.raises(JobError) as exc:
        RunStore(folder)
    assert_one_line(exc, f"run history {folder} is a folder", str(folder / "runs.sqlite"))

    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    with pytest.raises(JobError) as exc:
        RunStore(blocker / "runs.sqlite")
    assert_one_line(exc, f"cannot create folder {blocker}", "PLANNER_DATA_DIR")


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_unwritable_folder_gives_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(JobError) as exc:
            RunStore(folder / "runs.sqlite")
        assert_one_line(exc, str(folder / "runs.sqlite"), "PLANNER_DATA_DIR")
    finally:
        folder.chmod(0o700)


def test_read_only_file_gives_one_line(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root ignores permission bits, so open SQLite read-only the way a locked-down file behaves.
    RunStore(db).close()
    real_connect = sqlite3.connect

    def read_only(path: Path, **kwargs: Any) -> sqlite3.Connection:
        return real_connect(f"file:{path}?mode=ro", uri=True, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", read_only)
    with RunStore(db) as s:
        assert s.list_runs() == []  # reading still works
        with pytest.raises(JobError) as exc:
            s.start_run("f", SETTINGS, FRESH)
    message = assert_one_line(exc, str(db), "make the file and its folder writable")
    assert message == (
        f"run history {db}: cannot start a run (attempt to write a readonly database); make the "
        "file and its folder writable or set PLANNER_DATA_DIR to another folder"
    )
    missing = tmp_path / "elsewhere" / "runs.sqlite"
    with pytest.raises(JobError) as exc:
        RunStore(missing)
    assert_one_line(exc, str(missing), "cannot open (unable to open database file)")


def test_closed_store_says_so(db: Path) -> None:
    s = RunStore(db)
    s.close()
    s.close()
    with pytest.raises(JobError, match="is closed; open a new RunStore"):
        s.list_runs()


# -- concurrency ---------------------------------------------------------------------------------


def test_concurrent_writers_and_readers_lose_nothing(db: Path) -> None:
    RunStore(db).close()  # create the schema once; each thread opens its own connection
    errors: list[BaseException] = []
    seen: list[int] = []

    def worker(fn: Callable[[RunStore], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                with RunStore(db) as s:
                    fn(s)
            except BaseException as exc:
                errors.append(exc)

        return run

    def write(s: RunStore) -> None:
        for i in range(25):
            run_id = s.start_run("f", {"i": i, "t": threading.get_ident()}, FRESH)
            s.finish_run(run_id, {"i": i}, {})

    def read(s: RunStore) -> None:
        for _ in range(50):
            seen.append(len(s.list_runs(1000)))

    threads = [threading.Thread(target=worker(write)) for _ in range(4)]
    threads += [threading.Thread(target=worker(read)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with RunStore(db) as s:
        runs = s.list_runs(1000)
    assert len(runs) == 100
    assert {r.status for r in runs} == {RunStatus.SUCCEEDED}
    assert len({r.id for r in runs}) == 100
    assert len(seen) == 100 and all(0 <= n <= 100 for n in seen)


def test_a_writer_blocked_past_the_timeout_gets_one_line(db: Path) -> None:
    RunStore(db).close()
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process mid-write
    try:
        with RunStore(db, busy_timeout_s=0.2) as s:
            assert s.list_runs() == []  # WAL: readers are not blocked
            with pytest.raises(JobError) as exc:
                s.start_run("f", SETTINGS, FRESH)
        assert_one_line(exc, str(db), "stayed busy for 0.2 s", "start a run", "try again")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
