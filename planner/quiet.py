"""Keep dependencies' C-level writes off standard output.

The library never prints, but some dependencies write to file
descriptor 1 from C or C++ (highspy >= 1.16 prints a banner when ``highspy.Highs()`` is
constructed, before any option can silence it). :func:`fd_stdout_to_log` catches such writes at
the descriptor level and hands them to the logger at debug level instead.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import threading
from collections.abc import Iterator

__all__ = ["fd_stdout_to_log"]

_lock = threading.Lock()


@contextlib.contextmanager
def fd_stdout_to_log(logger: logging.Logger, what: str) -> Iterator[None]:
    """Redirect file descriptor 1 to a temporary file for the block, then log what was written.

    Parameters
    ----------
    logger
        Receives the captured text at debug level.
    what
        Names the source in the log line (for example ``"HiGHS"``).

    Notes
    -----
    File descriptor 1 is process-wide: the block holds a lock so two threads never interleave
    their redirections. Python-level ``sys.stdout`` is flushed first so nothing buffered before
    the block is captured by mistake.
    """
    with _lock:
        with contextlib.suppress(AttributeError, ValueError, OSError):  # closed or replaced
            sys.stdout.flush()
        try:
            saved = os.dup(1)
        except OSError:  # no descriptor 1 at all (daemonised): nothing can reach stdout
            yield
            return
        with tempfile.TemporaryFile() as sink:
            os.dup2(sink.fileno(), 1)
            try:
                yield
            finally:
                os.dup2(saved, 1)
                os.close(saved)
                sink.seek(0)
                text = sink.read().decode("utf-8", "replace").strip()
        if text:
            logger.debug("%s wrote to stdout: %s", what, text)
