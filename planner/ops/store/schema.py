"""The schema of the run history: its migrations and the ``PRAGMA user_version`` upgrade.

The file's schema version is SQLite's ``PRAGMA user_version`` (0 for a new file). Opening a store
applies the missing :data:`MIGRATIONS` in order, in one write transaction.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from planner.errors import JobError
from planner.ops.store.failures import MOVE_ASIDE
from planner.ops.store.paths import DATA_DIR_ENV


@dataclass(frozen=True)
class Migration:
    """One step of the schema: from ``version - 1`` to ``version``.

    Attributes
    ----------
    version
        The ``user_version`` after this step (1, 2, ...).
    description
        What it changes, for humans.
    statements
        SQL statements, run in order inside the open transaction.
    """

    version: int
    description: str
    statements: tuple[str, ...] = field(default_factory=tuple)


#: Every schema step, in order. Append; never edit a released step.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "runs table",
        (
            """
            CREATE TABLE runs (
                id              TEXT PRIMARY KEY,
                started_at      TEXT NOT NULL,
                finished_at     TEXT,
                status          TEXT NOT NULL
                                CHECK (status IN ('running', 'succeeded', 'failed')),
                fleet_hash      TEXT NOT NULL,
                settings_json   TEXT NOT NULL,
                freshness_json  TEXT NOT NULL,
                kpis_json       TEXT NOT NULL DEFAULT '{}',
                artifacts_json  TEXT NOT NULL DEFAULT '{}',
                error           TEXT,
                idempotency_key TEXT NOT NULL
            )
            """,
            "CREATE INDEX runs_started_at ON runs (started_at)",
        ),
    ),
    Migration(
        2,
        "notified_at: when a webhook went out for the run",
        ("ALTER TABLE runs ADD COLUMN notified_at TEXT",),
    ),
    Migration(
        3,
        "index for find_succeeded",
        ("CREATE INDEX runs_key_status ON runs (idempotency_key, status, started_at)",),
    ),
    Migration(
        4,
        "stage and seen_at: where a running run is, and when it last showed a sign of life",
        (
            "ALTER TABLE runs ADD COLUMN stage TEXT",
            "ALTER TABLE runs ADD COLUMN seen_at TEXT",
        ),
    ),
    Migration(
        5,
        "dispatch_actions: what planner dispatch did or would do to each miner, who and when",
        (
            """
            CREATE TABLE dispatch_actions (
                id           INTEGER PRIMARY KEY AUTOINCREMENT,
                dispatch_id  TEXT NOT NULL,
                run_id       TEXT,
                at           TEXT NOT NULL,
                who          TEXT NOT NULL,
                applied      INTEGER NOT NULL CHECK (applied IN (0, 1)),
                site_id      TEXT NOT NULL,
                model_id     TEXT NOT NULL,
                host         TEXT NOT NULL,
                from_mode    TEXT,
                from_w       REAL,
                to_mode      TEXT NOT NULL,
                to_w         REAL NOT NULL,
                status       TEXT NOT NULL,
                detail       TEXT NOT NULL DEFAULT '',
                events_json  TEXT NOT NULL DEFAULT '[]'
            )
            """,
            "CREATE INDEX dispatch_actions_dispatch ON dispatch_actions (dispatch_id, id)",
        ),
    ),
)

#: Schema version this code writes: the last migration's.
SCHEMA_VERSION = MIGRATIONS[-1].version

#: The ``runs`` columns in the order :class:`planner.ops.store.RunStore` reads a row, as a
#: ``SELECT`` list.
RUN_COLUMNS = (
    "id, started_at, finished_at, status, fleet_hash, settings_json, freshness_json, "
    "kpis_json, artifacts_json, error, idempotency_key, notified_at, stage, seen_at"
)


def user_version(db: sqlite3.Connection) -> int:
    """The file's ``PRAGMA user_version``: its schema version, 0 for a new file."""
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def check_version(path: Path, version: int) -> None:
    """Refuse a file whose schema is newer than this code's :data:`SCHEMA_VERSION`."""
    if version > SCHEMA_VERSION:
        raise JobError(
            f"run history {path} has schema v{version}, newer than this planner's "
            f"v{SCHEMA_VERSION}; upgrade the planner or set {DATA_DIR_ENV} to another folder"
        )


def needs_upgrade(db: sqlite3.Connection, path: Path) -> bool:
    """Whether the file lacks some of :data:`MIGRATIONS` (raises if it is newer than this code)."""
    version = user_version(db)
    check_version(path, version)
    return version != SCHEMA_VERSION


def upgrade(tx: sqlite3.Connection, path: Path) -> None:
    """Apply the missing :data:`MIGRATIONS` in order, inside the open write transaction ``tx``."""
    # Another process may have upgraded while we waited for the write lock.
    version = user_version(tx)
    check_version(path, version)
    if version == 0:
        tables = [
            row[0]
            for row in tx.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        if tables:
            raise JobError(
                f"run history {path} is a SQLite file of something else "
                f"(tables {', '.join(tables)}); {MOVE_ASIDE}"
            )
    for step in MIGRATIONS:
        if step.version <= version:
            continue
        for statement in step.statements:
            tx.execute(statement)
        tx.execute(f"PRAGMA user_version = {int(step.version)}")
