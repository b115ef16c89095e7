"""The dispatch log: every action ``planner dispatch`` took or would take, with who and when.

One row per miner and dispatch in the ``dispatch_actions`` table of the run history (schema v5):
the dispatch's id, the run whose plan it carried out, when, who, whether it acted (``applied``) or
only listed (a dry run), the miner (site, model, host), its mode and power before and the target,
how it ended (``status``, ``detail``) and the timed events (commands and readings).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from planner.ops.store.failures import sqlite_errors
from planner.ops.store.runs import DEFAULT_BUSY_TIMEOUT_S, RunStore


@dataclass(frozen=True)
class ActionRecord:
    """One row of the dispatch log (the columns of ``dispatch_actions``)."""

    dispatch_id: str
    run_id: str | None
    at: str
    who: str
    applied: bool
    site_id: str
    model_id: str
    host: str
    from_mode: str | None
    from_w: float | None
    to_mode: str
    to_w: float
    status: str
    detail: str = ""
    events: tuple[tuple[float, str], ...] = ()


_COLUMNS = (
    "dispatch_id, run_id, at, who, applied, site_id, model_id, host, from_mode, from_w, "
    "to_mode, to_w, status, detail, events_json"
)


def _connect(path: Path) -> sqlite3.Connection:
    with RunStore(path):  # creates the file or brings its schema up to date
        pass
    conn = sqlite3.connect(path, timeout=DEFAULT_BUSY_TIMEOUT_S, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {int(DEFAULT_BUSY_TIMEOUT_S * 1000)}")
    return conn


def record_actions(path: str | os.PathLike[str], actions: Sequence[ActionRecord]) -> None:
    """Append ``actions`` to the dispatch log of the run history at ``path``, in one transaction.

    Parameters
    ----------
    path
        The run history file (created, or its schema brought up to date).
    actions
        The rows to append.

    Raises
    ------
    JobError
        The file cannot be opened or written (one line naming it and the fix).
    """
    file = Path(path)
    with sqlite_errors(file, "record dispatch actions", DEFAULT_BUSY_TIMEOUT_S):
        conn = _connect(file)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                f"INSERT INTO dispatch_actions ({_COLUMNS}) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        a.dispatch_id,
                        a.run_id,
                        a.at,
                        a.who,
                        int(a.applied),
                        a.site_id,
                        a.model_id,
                        a.host,
                        a.from_mode,
                        a.from_w,
                        a.to_mode,
                        a.to_w,
                        a.status,
                        a.detail,
                        json.dumps([list(e) for e in a.events]),
                    )
                    for a in actions
                ],
            )
            conn.execute("COMMIT")
        finally:
            conn.close()


def read_actions(
    path: str | os.PathLike[str], dispatch_id: str | None = None
) -> list[ActionRecord]:
    """The dispatch log, oldest first.

    Parameters
    ----------
    path
        The run history file.
    dispatch_id
        Only this dispatch's rows; ``None``: every row.

    Returns
    -------
    list of ActionRecord
    """
    file = Path(path)
    with sqlite_errors(file, "read dispatch actions", DEFAULT_BUSY_TIMEOUT_S):
        conn = _connect(file)
        try:
            where, args = ("WHERE dispatch_id = ?", (dispatch_id,)) if dispatch_id else ("", ())
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM dispatch_actions {where} ORDER BY id", args
            ).fetchall()
        finally:
            conn.close()
    names = [c.strip() for c in _COLUMNS.split(",")]
    out = []
    for row in rows:
        values = dict(zip(names, row, strict=True))
        events = json.loads(values.pop("events_json"))
        values["applied"] = bool(values["applied"])
        out.append(ActionRecord(**values, events=tuple((float(t), str(w)) for t, w in events)))
    return out
