"""Keep dependencies' writes off standard output.

The library never prints, but some dependencies write to file descriptor 1 from C or C++
(highspy >= 1.16 prints a banner when ``highspy.Highs()`` is constructed, before any option can
silence it). Two guards, at the descriptor level:

- :func:`fd_stdout_to_log` (the library, around a known writer) hands such writes to the logger
  at debug level;
- :func:`stdout_to_stderr` (the CLI, around a whole command) sends file descriptor 1 and
  ``sys.stdout`` to stderr and hands back the real standard output, so that only the CLI's
  results reach it, whatever a dependency writes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from typing import TextIO

__all__ = ["fd_stdout_to_log", "stdout_to_stderr"]

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


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[TextIO]:
    """Point file descriptor 1 and ``sys.stdout`` at stderr for the block; yield the real stdout.

    Yields
    ------
    TextIO
        Where ``sys.stdout`` wrote before the block: a new stream on a duplicate of the original
        descriptor 1 when ``sys.stdout`` was descriptor 1 (a terminal, a pipe, a file), else
        ``sys.stdout`` itself (a capture such as pytest's ``capsys``, which descriptor 1 does not
        feed).

    Notes
    -----
    Everything else that writes to standard output during the block (``print``, C code writing
    to descriptor 1, child processes inheriting it) lands on stderr. Both are restored on exit,
    also on an exception. Without a descriptor 1 (daemonised) only ``sys.stdout`` is swapped.
    """
    previous = sys.stdout
    with _lock:
        with contextlib.suppress(AttributeError, ValueError, OSError):  # closed or replaced
            previous.flush()
        try:
            saved: int | None = os.dup(1)
        except OSError:
            saved = None
        if saved is not None:
            os.dup2(2, 1)
        sys.stdout = sys.stderr
    real = previous
    if saved is not None and _descriptor(previous) == 1:
        real = open(  # noqa: SIM115  # closed in the finally below
            saved,
            "w",
            encoding=getattr(previous, "encoding", None) or "utf-8",
            errors=getattr(previous, "errors", None) or "strict",
            closefd=False,
        )
    try:
        yield real
    finally:
        with _lock:
            with contextlib.suppress(ValueError, OSError):  # a closed pipe (| head): nothing to do
                real.flush()
            if real is not previous:
                with contextlib.suppress(ValueError, OSError):  # closes even when flushing fails
                    real.close()
            with contextlib.suppress(AttributeError, ValueError, OSError):
                sys.stderr.flush()
            sys.stdout = previous
            if saved is not None:
                os.dup2(saved, 1)
                os.close(saved)


def _descriptor(stream: object) -> int | None:
    try:
        return int(stream.fileno())  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):  # not a file, or a capture without one
        return None
