"""A running job's sign of life in the run history, so a killed run's duration is known.

A run killed outright (``SIGKILL``, a power cut) cannot record its end. While the job works,
:class:`Heartbeat` sets the run's ``seen_at`` every :data:`HEARTBEAT_S` seconds from a background
thread with its own connection to the history; the next run marks the dead one failed at its
last heartbeat (:meth:`planner.ops.store.RunStore.mark_interrupted`), so its duration is right to
within :data:`HEARTBEAT_S`.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from types import TracebackType

from planner.errors import PlannerError
from planner.ops.store import RunStore

__all__ = ["HEARTBEAT_S", "Heartbeat"]

logger = logging.getLogger(__name__)

#: Seconds between two heartbeats of a running job [s].
HEARTBEAT_S = 5.0


class Heartbeat:
    """Touch run ``run_id`` in the history at ``path`` every ``interval_s`` while in the block.

    Parameters
    ----------
    path
        The run history file.
    run_id
        The running run.
    interval_s
        Seconds between heartbeats [s]; default :data:`HEARTBEAT_S`.

    Notes
    -----
    A heartbeat that cannot be written (the history busy past its timeout) is logged as a warning
    and the heartbeat stops; the run itself goes on.
    """

    def __init__(self, path: Path, run_id: str, interval_s: float | None = None) -> None:
        self.path, self.run_id = path, run_id
        self.interval_s = HEARTBEAT_S if interval_s is None else interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat {run_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        try:
            with RunStore(self.path) as store:
                while not self._stop.wait(self.interval_s):
                    store.touch(self.run_id)
        except PlannerError as exc:
            logger.warning("run %s: heartbeat stopped: %s", self.run_id, exc)
