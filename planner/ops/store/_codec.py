"""Text forms of the stored values: fixed-width UTC times and canonical JSON."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any

from planner.errors import ConfigError
from planner.ops.store._sqlite import _one_line


def _fmt_time(t: datetime) -> str:
    """Fixed-width ISO 8601 UTC with microseconds, so text order is time order."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_time(text: str) -> datetime:
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


def _dumps(obj: object, what: str) -> str:
    try:
        return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=_json_default)
    except (TypeError, ValueError) as exc:
        raise ConfigError(what, f"cannot be stored as JSON: {_one_line(str(exc))}") from None


def _loads(text: str | None, what: str) -> dict[str, Any]:
    value = json.loads(text) if text else {}
    if not isinstance(value, dict):
        raise ValueError(f"{what} is not a JSON object")
    return value
