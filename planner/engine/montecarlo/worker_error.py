"""Errors raised in a Monte Carlo worker, carried back to the parent and raised there as
themselves."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class WorkerError:
    """An exception raised in a worker, carried back as its class, args and attributes.

    Pickle rebuilds an exception by calling its class with ``args``, which fails for errors whose
    ``__init__`` takes other arguments (``ConfigError(source, problems)``) and can leave a process
    pool waiting for ever; this carrier rebuilds the same error without calling ``__init__``.
    """

    kind: type[Exception]
    args: tuple[Any, ...]
    state: dict[str, Any]

    @classmethod
    def carry(cls, exc: Exception) -> WorkerError:
        carrier = cls(type(exc), exc.args, dict(vars(exc)))
        try:
            pickle.dumps(carrier)
        except Exception:  # attributes that do not pickle: keep the type's name and the message
            return cls(RuntimeError, (f"{type(exc).__name__}: {exc}",), {})
        return carrier

    def rebuild(self) -> Exception:
        exc = self.kind.__new__(self.kind)
        exc.args = self.args
        vars(exc).update(self.state)
        exc.add_note("(raised in a Monte Carlo worker process)")
        return exc


def unwrap(result: T | WorkerError) -> T:
    """A worker's result, or the error it carried back raised here."""
    if isinstance(result, WorkerError):
        raise result.rebuild()
    return result
