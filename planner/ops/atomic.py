"""Atomic file writes: a temporary file in the target's folder, then a rename.

A reader (or a crash) sees either the old file or the new one, never a half-written one.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO


def atomic_write(path: Path, write: Callable[[IO[str]], object]) -> Path:
    """Write ``path`` through ``write(file)`` on a temporary file, then rename it over ``path``.

    Parameters
    ----------
    path
        Destination; its folder must exist.
    write
        Writes the whole content to the open text file it is given.

    Returns
    -------
    pathlib.Path
        ``path``. On any error the temporary file is removed and ``path`` is untouched. A replaced
        file keeps its permission bits; a new one gets ``0o644``.
    """
    mode = stat.S_IMODE(path.stat().st_mode) if path.is_file() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    """Atomically replace ``path`` with ``text`` (UTF-8)."""
    return atomic_write(path, lambda handle: handle.write(text))
