"""A run's files: written into a temporary folder, then renamed into place in one step.

:class:`RunFolder` gives each run ``<out_dir>/<run id>/``. Everything is written into
``<out_dir>/.<run id>.tmp/`` first; :meth:`RunFolder.commit` renames it to its final name (an
atomic rename on one file system), so a reader sees a complete folder or none, and a crash leaves
only a hidden temporary folder that the next run of the same id would never reuse.
:meth:`RunFolder.discard` removes whatever the run wrote.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.engine.optimization import Plan
from planner.errors import ConfigError, JobError
from planner.ops.actions import action_schedule, write_actions
from planner.ops.atomic import atomic_write, atomic_write_text

__all__ = [
    "LATEST_LINK",
    "REQUIRED_COLUMNS",
    "RunFolder",
    "check_artifacts",
    "delete_files",
    "expected_schedule",
    "parquet_available",
    "point_latest",
    "prepare_output_dir",
    "write_plan",
    "write_table",
]

#: Name of the symbolic link in the output folder that points at the newest successful run.
LATEST_LINK = "latest"


def prepare_output_dir(out_dir: str | os.PathLike[str]) -> Path:
    """Create ``out_dir`` if needed, prove that a file can be written in it, and return it.

    Called before the work, so that a folder that cannot take the results fails at once instead
    of after the run.

    Parameters
    ----------
    out_dir
        The output folder (``~`` is expanded).

    Returns
    -------
    Path
        The folder, ready to write in.

    Raises
    ------
    ConfigError
        One line naming the folder: it cannot be created (a file stands in the way, no
        permission), it is a file, or a file cannot be written in it.
    """
    out = Path(out_dir).expanduser()
    if out.exists() and not out.is_dir():
        raise ConfigError(str(out), "output path exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocker = next((p for p in out.parents if p.exists() and not p.is_dir()), None)
        reason = f"{blocker} is a file" if blocker is not None else exc.strerror or str(exc)
        raise ConfigError(str(out), f"cannot create output folder: {reason}") from None
    try:
        handle, probe = tempfile.mkstemp(prefix=".probe-", dir=out)
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        raise ConfigError(
            str(out), f"cannot write in output folder: {exc.strerror or exc}"
        ) from None
    return out


#: CSV artifacts a reused run reads back, and the columns they must have: these are parsed
#: whole (they are small); other CSV files only their header and first rows.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {"kpis_csv": ("site_id", "policy")}

#: Bytes read from the end of an HTML report to find its closing tag [B].
_HTML_TAIL = 256


def check_artifacts(artifacts: Mapping[str, Path]) -> list[str]:
    """What is wrong with a finished run's files, cheaply: one line per damaged file.

    Every file must exist and be non-empty; CSV files must parse (those in
    :data:`REQUIRED_COLUMNS` whole and with those columns, others their header and first rows),
    JSON files must parse, Parquet files must begin and end with their
    ``PAR1`` magic, and an HTML report must end with ``</html>``.

    Parameters
    ----------
    artifacts
        Artifact key -> path (:attr:`planner.RunRecord.artifacts`).

    Returns
    -------
    list of str
        e.g. ``["kpis.csv is empty", "report.html is missing"]``; empty when all is well.
    """
    problems = []
    for key, path in artifacts.items():
        problem = _file_problem(key, Path(path))
        if problem:
            problems.append(f"{Path(path).name} {problem}")
    return problems


def _file_problem(key: str, path: Path) -> str | None:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return "is missing"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if size == 0:
        return "is empty"
    try:
        if path.suffix == ".csv":
            required = REQUIRED_COLUMNS.get(key)
            columns = pd.read_csv(path, nrows=None if required else 5).columns
            lacking = [c for c in required or () if c not in columns]
            return f"lacks column(s) {', '.join(lacking)}" if lacking else None
        if path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
        elif path.suffix == ".parquet":
            with path.open("rb") as f:
                head = f.read(4)
                f.seek(max(0, size - 4))
                if head != b"PAR1" or f.read(4) != b"PAR1":
                    return "is not a whole Parquet file"
        elif path.suffix == ".ics":
            with path.open("rb") as f:
                f.seek(max(0, size - _HTML_TAIL))
                if b"END:VCALENDAR" not in f.read():
                    return "is cut short (no END:VCALENDAR)"
        elif path.suffix == ".html":
            with path.open("rb") as f:
                f.seek(max(0, size - _HTML_TAIL))
                if b"</html>" not in f.read().lower():
                    return "is cut short (no closing </html>)"
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        return f"does not parse ({' '.join(str(exc).split())[:120]})"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    return None


def delete_files(paths: Sequence[Path]) -> list[str]:
    """Delete the files (and then their folders, if left empty); return what was deleted.

    Used after :meth:`planner.RunStore.prune` on its orphaned artifact paths.
    """
    deleted, folders = [], set()
    for path in paths:
        if path.is_file() or path.is_symlink():
            path.unlink()
            deleted.append(str(path))
        folders.add(path.parent)
    for folder in sorted(folders):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            latest = folder.parent / LATEST_LINK
            if latest.is_symlink() and not latest.exists():  # it pointed at the folder just gone
                latest.unlink()
    return deleted


def parquet_available() -> bool:
    """Whether pandas can write Parquet here (pyarrow, from the ``parquet`` or ``dev`` extra)."""
    try:
        import pyarrow  # noqa: F401  # only probing that it is installed
    except ImportError:
        return False
    return True


class RunFolder:
    """The folder of one run's artifacts.

    Parameters
    ----------
    out_dir
        The job's output folder (it exists).
    run_id
        The run; the final folder is ``out_dir / run_id``.
    """

    def __init__(self, out_dir: Path, run_id: str) -> None:
        self.final = out_dir / run_id
        self.tmp = out_dir / f".{run_id}.tmp"
        self.files: dict[str, Path] = {}
        self.committed = False
        try:
            self.tmp.mkdir()
        except OSError as exc:
            raise JobError(
                f"cannot create the run folder {self.tmp}: {exc.strerror or exc}"
            ) from None

    def path(self, name: str) -> Path:
        """Where file ``name`` goes now (in the temporary folder until the commit)."""
        return (self.final if self.committed else self.tmp) / name

    def add(self, key: str, name: str) -> Path:
        """Register artifact ``key`` as file ``name``; return where to write it now."""
        self.files[key] = Path(name)
        return self.path(name)

    def artifacts(self) -> dict[str, Path]:
        """Artifact key -> final path."""
        return {key: self.final / name for key, name in self.files.items()}

    def commit(self) -> Path:
        """Rename the temporary folder to its final name; return the final folder.

        Raises
        ------
        JobError
            One line when the rename fails (the final name exists, disk problems).
        """
        try:
            os.rename(self.tmp, self.final)
        except OSError as exc:
            raise JobError(
                f"cannot move the run folder into place ({self.tmp} -> {self.final}): "
                f"{exc.strerror or exc}"
            ) from None
        self.committed = True
        return self.final

    def discard(self) -> list[str]:
        """Remove what the run wrote (temporary or committed); return problems, if any."""
        problems: list[str] = []
        for folder in (self.tmp, self.final if self.committed else None):
            if folder is None or not folder.exists():
                continue
            try:
                shutil.rmtree(folder)
            except OSError as exc:
                problems.append(f"could not remove {folder}: {exc.strerror or exc}")
        return problems

    def write_json(self, key: str, name: str, payload: Mapping[str, Any]) -> Path:
        """Write ``payload`` as indented JSON (NaN as ``null``)."""
        text = json.dumps(_plain(payload), indent=2, allow_nan=False) + "\n"
        return atomic_write_text(self.add(key, name), text)


def write_table(folder: RunFolder, key: str, name: str, frame: pd.DataFrame) -> Path:
    """Write ``frame`` as CSV (no index, times in ISO 8601)."""
    return atomic_write(folder.add(key, name), lambda f: frame.to_csv(f, index=False))


def write_parquet(folder: RunFolder, key: str, name: str, frame: pd.DataFrame) -> Path:
    """Write ``frame`` as Parquet through a temporary file in the same folder."""
    target = folder.add(key, name)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def expected_schedule(schedule: pd.DataFrame, weights: np.ndarray) -> pd.DataFrame:
    """The plan to act on: the schedule probability-weighted over the scenarios.

    Parameters
    ----------
    schedule
        :attr:`planner.engine.optimization.Plan.schedule`.
    weights
        Scenario probabilities [-].

    Returns
    -------
    pandas.DataFrame
        One row per ``(time, site_id, model_id)``: ``duration_h`` [h], ``available_mw``,
        ``running_mw``, ``curtailed_mw`` (IT load, expected) [MW] and ``run_fraction`` (expected
        running over expected available) [-].
    """
    w = np.asarray(weights, dtype=float)[schedule["scenario"].to_numpy()]
    frame = schedule.assign(
        available_mw=schedule["available_mw"] * w,
        running_mw=schedule["running_mw"] * w,
        curtailed_mw=schedule["curtailed_mw"] * w,
    )
    keys = ["time", "site_id", "model_id", "duration_h"]
    out = (
        frame.groupby(keys, sort=True)[["available_mw", "running_mw", "curtailed_mw"]]
        .sum()
        .reset_index()
    )
    available = out["available_mw"].to_numpy()
    out["run_fraction"] = np.divide(
        out["running_mw"].to_numpy(),
        available,
        out=np.zeros(len(out)),
        where=available > 1e-12,
    )
    return out


def write_plan(out_dir: str | os.PathLike[str], plan: Plan) -> tuple[Path, ...]:
    """Write the plan to act on, each file atomically: ``plan.csv`` (:func:`expected_schedule`),
    ``relocations.csv`` (the plan's relocations) and the action schedule per site,
    ``actions.csv`` and ``actions.ics`` (:mod:`planner.ops.actions`).

    Parameters
    ----------
    out_dir
        Output folder (created if missing, :func:`prepare_output_dir`).
    plan
        The optimizer's plan.

    Returns
    -------
    tuple of Path
        ``(plan.csv, relocations.csv, actions.csv, actions.ics)``.

    Raises
    ------
    ConfigError
        The folder cannot be created or written.
    """
    folder = prepare_output_dir(out_dir)
    schedule = expected_schedule(plan.schedule, plan.weights)
    made = datetime.now(UTC)
    return (
        atomic_write_text(folder / "plan.csv", schedule.to_csv(index=False)),
        atomic_write_text(folder / "relocations.csv", plan.relocations.to_csv(index=False)),
        *write_actions(
            folder, action_schedule(plan), stamp=made, uid_prefix=f"plan-{made:%Y%m%dT%H%M%SZ}"
        ),
    )


def _plain(obj: object) -> object:
    """JSON values: numpy scalars to Python, NaN to ``None``, times to ISO strings."""
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if isinstance(obj, pd.Timestamp):
        return None if pd.isna(obj) else obj.isoformat()
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if isinstance(obj, np.generic):
        return _plain(obj.item())
    if isinstance(obj, float):
        return obj if np.isfinite(obj) else None
    return obj


def point_latest(out: Path, run_id: str) -> str | None:
    """Point ``out/latest`` at ``run_id`` (a relative symbolic link, replaced atomically)."""
    link = out / LATEST_LINK
    tmp = out / f".{LATEST_LINK}.{run_id}.tmp"
    try:
        tmp.unlink(missing_ok=True)
        os.symlink(run_id, tmp)
        os.replace(tmp, link)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        return f"could not point {link} at {run_id}: {exc.strerror or exc}"
    return None
