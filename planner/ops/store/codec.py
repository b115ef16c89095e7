"""Text forms of the stored values: fixed-width UTC times and canonical JSON."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any

from planner.errors import ConfigError
from planner.ops.store.failures import one_line

__all__ = ["format_time", "from_json", "parse_time", "to_json"]


def format_time(t: datetime) -> str:
    """A tz-aware time as stored: fixed-width ISO 8601 UTC with microseconds, so text order is
    time order (``2025-01-15T06:00:00.000000Z``)."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    """A stored time (:func:`format_time`) back as a tz-aware UTC ``datetime``."""
    return datetime.fromisoformat(text).astimezone(UTC)


def _json_default(obj: object) -> object:
    if isinstance(obj, datetime):
        if obj.tzinfo is None:
            raise TypeError(f"naive datetime {obj.isoformat()} (give a tz-aware time)")
        return obj.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if isinstance(obj, set | frozenset):
        return sorted(obj, key=repr)
    item = getattr(obj, "item", None)  # numpy scalars
    if callable(item) and getattr(obj, "shape", None) == ():
        return item()
    raise TypeError(f"{type(obj).__name__} is not JSON-serialisable")


def to_json(obj: object, what: str) -> str:
    """``obj`` as canonical JSON (keys sorted, no spaces), the form every JSON column stores.

    Datetimes (tz-aware) become ISO 8601 UTC with ``Z``, paths strings, sets sorted lists and
    numpy scalars numbers.

    Parameters
    ----------
    obj
        The value to store.
    what
        The column's content (``settings``, ``kpis``...), for the error.

    Raises
    ------
    planner.errors.ConfigError
        ``what``: the value cannot be stored as JSON (a naive datetime, an unknown type, NaN...).
    """
    try:
        return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=_json_default)
    except (TypeError, ValueError) as exc:
        raise ConfigError(what, f"cannot be stored as JSON: {one_line(str(exc))}") from None


def from_json(text: str | None, what: str) -> dict[str, Any]:
    """A JSON column read back: the object it holds, ``{}`` for an empty or NULL column.

    Raises
    ------
    ValueError
        The text is not JSON, or not a JSON object (``what`` names the column's content).
    """
    value = json.loads(text) if text else {}
    if not isinstance(value, dict):
        raise ValueError(f"{what} is not a JSON object")
    return value
