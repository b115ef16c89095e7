"""Argument checks the economics modules share: numbers and times in, float64 arrays out.

Every error is ``ConfigError("economics", "<argument>: must be ..., got ...")``; the ranges
(:data:`FINITE`, :data:`NONNEG`, :data:`POSITIVE`, :data:`FRACTION`, or a :class:`Range` of one's
own) say what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from planner.errors import ConfigError

FloatArray: TypeAlias = npt.NDArray[np.float64]
TimeLike: TypeAlias = npt.ArrayLike | datetime
"""Instants: datetimes, ``pandas.Timestamp``, ISO strings, or arrays/Series/Index of them."""

SOURCE = "economics"


@dataclass(frozen=True)
class Range:
    """An allowed range for a real argument; every bound is optional, NaN and inf never pass."""

    ge: float | None = None
    gt: float | None = None
    lt: float | None = None

    def describe(self) -> str:
        if self.lt is not None and (self.ge is not None or self.gt is not None):
            low = f"[{self.ge:g}" if self.ge is not None else f"({self.gt:g}"
            return f"in {low}, {self.lt:g})"
        if self.ge is not None:
            return f">= {self.ge:g}"
        if self.gt is not None:
            return f"> {self.gt:g}"
        return f"< {self.lt:g}" if self.lt is not None else "finite"

    def violated(self, x: FloatArray) -> npt.NDArray[np.bool_]:
        bad = ~np.isfinite(x)
        if self.ge is not None:
            bad |= x < self.ge
        if self.gt is not None:
            bad |= x <= self.gt
        if self.lt is not None:
            bad |= x >= self.lt
        return bad


FINITE = Range()
NONNEG = Range(ge=0.0)
POSITIVE = Range(gt=0.0)
FRACTION = Range(ge=0.0, lt=1.0)


def checked_real(name: str, value: npt.ArrayLike, allowed: Range) -> FloatArray:
    """``value`` as a float64 array, or ConfigError naming ``name`` and the allowed range."""
    try:
        x = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ConfigError(
            SOURCE, f"{name}: must be a number or array of numbers, got {value!r}"
        ) from None
    bad = allowed.violated(x)
    if bad.any():
        raise ConfigError(SOURCE, f"{name}: must be {allowed.describe()}, got {x[bad].flat[0]:g}")
    return x


def broadcast(named: dict[str, FloatArray]) -> list[FloatArray]:
    """Broadcast checked arrays together, in order, or ConfigError naming them and their shapes."""
    try:
        return list(np.broadcast_arrays(*named.values()))
    except ValueError:
        shapes = ", ".join(f"{name} {a.shape}" for name, a in named.items())
        raise ConfigError(SOURCE, f"{shapes}: shapes must broadcast together") from None


def checked_arrays(**named: tuple[npt.ArrayLike, Range]) -> list[FloatArray]:
    """Check each ``name=(value, range)`` with :func:`checked_real`; broadcast them together."""
    return broadcast(
        {name: checked_real(name, value, allowed) for name, (value, allowed) in named.items()}
    )


def as_float64(x: npt.ArrayLike) -> FloatArray:
    """``x`` as a float64 array (a result's type, whatever numpy arithmetic produced)."""
    return np.asarray(x, dtype=np.float64)


def utc_seconds(name: str, time: TimeLike) -> FloatArray:
    """Seconds since 1970-01-01 UTC, same shape as ``time``; naive times are taken as UTC."""
    raw = np.asarray(time)
    try:
        idx = pd.DatetimeIndex(pd.to_datetime(raw.ravel(), utc=True))
    except (TypeError, ValueError) as exc:
        raise ConfigError(SOURCE, f"{name}: must be datetimes, got {time!r} ({exc})") from None
    if idx.isna().any():
        raise ConfigError(SOURCE, f"{name}: must not be missing (NaT)")
    seconds = (idx - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(seconds=1)
    return np.asarray(seconds, dtype=np.float64).reshape(raw.shape)
