"""Where the run history lives: the data folder and the file name inside it."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

#: Application name for :mod:`platformdirs`.
APP_NAME = "mining-fleet-planner"
#: Environment variable that overrides the data directory.
DATA_DIR_ENV = "PLANNER_DATA_DIR"
#: File name of the run history inside the data directory.
STORE_FILENAME = "runs.sqlite"


def default_data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The folder for run history, lock file and job artifacts.

    Parameters
    ----------
    override
        A folder to use instead; wins over everything else.

    Returns
    -------
    pathlib.Path
        ``override`` if given, else ``$PLANNER_DATA_DIR`` if set and non-empty, else
        ``platformdirs.user_data_dir("mining-fleet-planner")``. The folder is not created here.
    """
    if override is not None:
        return Path(override).expanduser()
    env = os.environ.get(DATA_DIR_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_store_path(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where the job's run history lives: ``runs.sqlite`` in :func:`default_data_dir`.

    Parameters
    ----------
    data_dir
        The data folder; default ``$PLANNER_DATA_DIR``, else the platform's user data folder.

    Returns
    -------
    Path
        The SQLite file (it may not exist yet).
    """
    return default_data_dir(data_dir) / STORE_FILENAME
